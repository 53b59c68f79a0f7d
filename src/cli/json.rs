//! JSON output written as it is serialised, never held whole: serde_json's
//! pretty printer with every string escaped as [`super::json_safe`] would
//! escape it (C1 and bidi controls, separators and other format characters
//! as `\uXXXX`), so that streamed output is byte for byte what printing
//! the whole value at once gave.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{Formatter, PrettyFormatter};

use crate::domain::text::is_unsafe_char;

/// serde_json's pretty formatter, escaping unsafe characters in strings.
pub struct SafeFormatter(PrettyFormatter<'static>);

impl SafeFormatter {
    pub fn new() -> Self {
        SafeFormatter(PrettyFormatter::new())
    }
}

impl Default for SafeFormatter {
    fn default() -> Self {
        Self::new()
    }
}

impl Formatter for SafeFormatter {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut rest = fragment;
        while let Some((at, c)) = rest
            .char_indices()
            .find(|(_, c)| !c.is_ascii() && is_unsafe_char(*c))
        {
            w.write_all(&rest.as_bytes()[..at])?;
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                write!(w, "\\u{u:04x}")?;
            }
            rest = &rest[at + c.len_utf8()..];
        }
        w.write_all(rest.as_bytes())
    }

    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// Writes `value` pretty-printed and JSON-safe, then a newline.
pub fn write_pretty(w: &mut impl Write, value: &impl Serialize) -> Result<(), serde_json::Error> {
    let mut ser = serde_json::Serializer::with_formatter(&mut *w, SafeFormatter::new());
    value.serialize(&mut ser)?;
    w.write_all(b"\n").map_err(serde_json::Error::io)
}

/// Writes the items as one pretty-printed, JSON-safe array, serialising
/// each only as it is written, then a newline.
pub fn write_pretty_items<T: Serialize>(
    w: &mut impl Write,
    items: impl Iterator<Item = T>,
) -> Result<(), serde_json::Error> {
    use serde::Serializer;
    let mut ser = serde_json::Serializer::with_formatter(&mut *w, SafeFormatter::new());
    ser.collect_seq(items)?;
    w.write_all(b"\n").map_err(serde_json::Error::io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streamed_json_is_the_whole_value_pretty_printed_and_made_safe() {
        let v = serde_json::json!({
            "name": "a\u{9b}31mb\u{202e}c\u{E0041}d\u{2028}é",
            "list": [1, {"k\u{202e}": []}, [], {}],
            "empty": "",
        });
        let mut out = Vec::new();
        write_pretty(&mut out, &v).unwrap();
        let whole = format!(
            "{}\n",
            super::super::json_safe(&serde_json::to_string_pretty(&v).unwrap())
        );
        assert_eq!(String::from_utf8(out).unwrap(), whole);
        let items = v["list"].as_array().unwrap();
        let mut out = Vec::new();
        write_pretty_items(&mut out, items.iter()).unwrap();
        let whole = format!(
            "{}\n",
            super::super::json_safe(&serde_json::to_string_pretty(&v["list"]).unwrap())
        );
        assert_eq!(String::from_utf8(out).unwrap(), whole);
    }
}
