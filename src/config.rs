//! The configuration file (TOML). Read and validated before the terminal is
//! taken over; a bad file is an error naming the file and key, never a silent
//! fallback. Nothing is ever written here by surprise.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::tui::caps::ColorDepth;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// "default", "mono", or a path to a theme file.
    pub theme: String,
    /// Capture the mouse (scroll and click select).
    pub mouse: bool,
    /// Draw with ASCII only (no box-drawing characters or symbols): true,
    /// false, or "auto" (ASCII when the locale is not UTF-8).
    pub ascii: Ascii,
    /// How many colours the terminal shows: "auto" (from TERM and
    /// COLORTERM), "none", "16", "256" or "truecolor".
    pub colors: Colors,
    /// Blank the screen after this many idle minutes (0: never): a screen
    /// blank, not a sign-out — any key shows the session again, so on a
    /// shared terminal it is no access control.
    pub idle_lock_minutes: u32,
    /// Action name → keys, replacing the default keys of that action.
    pub keys: BTreeMap<String, Vec<String>>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            theme: "default".into(),
            mouse: false,
            ascii: Ascii::Auto,
            colors: Colors::Auto,
            idle_lock_minutes: 0,
            keys: BTreeMap::new(),
        }
    }
}

/// The `ascii` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ascii {
    /// ASCII when the locale is not UTF-8.
    Auto,
    /// Always ASCII.
    On,
    /// Never ASCII, whatever the locale says (`--ascii` still turns it on).
    Off,
}

impl<'de> Deserialize<'de> for Ascii {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Ascii;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("true, false or \"auto\"")
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Ascii, E> {
                Ok(if v { Ascii::On } else { Ascii::Off })
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Ascii, E> {
                match v {
                    "auto" => Ok(Ascii::Auto),
                    other => Err(E::custom(format!(
                        "invalid value for ascii: \"{}\" (expected true, false or \"auto\")",
                        other.escape_debug()
                    ))),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// The `colors` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Colors {
    /// From TERM and COLORTERM.
    Auto,
    Depth(ColorDepth),
}

const COLORS_EXPECTED: &str = "expected \"auto\", \"none\", \"16\", \"256\" or \"truecolor\"";

impl<'de> Deserialize<'de> for Colors {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Colors;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(COLORS_EXPECTED)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Colors, E> {
                match ColorDepth::parse(v) {
                    Some(None) => Ok(Colors::Auto),
                    Some(Some(d)) => Ok(Colors::Depth(d)),
                    None => Err(E::custom(format!(
                        "invalid value for colors: \"{}\" ({COLORS_EXPECTED})",
                        v.escape_debug()
                    ))),
                }
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Colors, E> {
                // `colors = 256` means what it says.
                match v {
                    16 | 256 => self.visit_str(&v.to_string()),
                    _ => Err(E::custom(format!(
                        "invalid value for colors: {v} ({COLORS_EXPECTED})"
                    ))),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// Where the config file is looked for when `--config` is not given.
pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "clearance").map(|d| d.config_dir().join("config.toml"))
}

impl Config {
    pub fn parse(src: &str, origin: &str) -> Result<Config, String> {
        toml::from_str(src).map_err(|e| toml_error(src, origin, &e))
    }

    /// Loads a config file. An explicitly named file must exist; the default
    /// location may be absent (then the defaults apply).
    pub fn load(path: Option<&Path>) -> Result<Config, String> {
        let (p, explicit) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => match default_path() {
                Some(p) => (p, false),
                None => return Ok(Config::default()),
            },
        };
        match std::fs::read_to_string(&p) {
            Ok(src) => Config::parse(&src, &p.display().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => {
                Ok(Config::default())
            }
            Err(e) => Err(format!("{}: {e}", p.display())),
        }
    }
}

/// A TOML error as one line: the file, line and column, and what is wrong.
/// (toml's own text spans several lines with an excerpt of the source, which
/// a one-line `error: ...` would show as control pictures.)
pub fn toml_error(src: &str, origin: &str, e: &toml::de::Error) -> String {
    let msg = e.message().split_whitespace().collect::<Vec<_>>().join(" ");
    match e.span().and_then(|s| src.get(..s.start)) {
        Some(before) => {
            let line = before.matches('\n').count() + 1;
            let column = before.chars().rev().take_while(|c| *c != '\n').count() + 1;
            format!("{origin}: line {line}, column {column}: {msg}")
        }
        None => format!("{origin}: {msg}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_config_equals_the_defaults() {
        let c = Config::parse(
            include_str!("../config.example.toml"),
            "config.example.toml",
        )
        .unwrap();
        assert_eq!(c, Config::default());
    }

    #[test]
    fn an_unknown_key_is_named() {
        let e = Config::parse("mouse = false\ncolour = \"blue\"\n", "c.toml").unwrap_err();
        assert_eq!(
            e,
            "c.toml: line 2, column 1: unknown field `colour`, expected one of \
             `theme`, `mouse`, `ascii`, `colors`, `idle_lock_minutes`, `keys`"
        );
    }

    #[test]
    fn colors_and_ascii_take_their_values_and_name_a_bad_one() {
        let c = Config::parse("colors = \"16\"\nascii = false\n", "c.toml").unwrap();
        assert_eq!(c.colors, Colors::Depth(ColorDepth::Ansi16));
        assert_eq!(c.ascii, Ascii::Off);
        let c = Config::parse("colors = 256\nascii = \"auto\"\n", "c.toml").unwrap();
        assert_eq!(c.colors, Colors::Depth(ColorDepth::Ansi256));
        assert_eq!(c.ascii, Ascii::Auto);
        let c = Config::parse("colors = \"none\"\nascii = true\n", "c.toml").unwrap();
        assert_eq!(c.colors, Colors::Depth(ColorDepth::None));
        assert_eq!(c.ascii, Ascii::On);
        let e = Config::parse("mouse = false\ncolors = \"blue\"\n", "c.toml").unwrap_err();
        assert_eq!(
            e,
            "c.toml: line 2, column 10: invalid value for colors: \"blue\" \
             (expected \"auto\", \"none\", \"16\", \"256\" or \"truecolor\")"
        );
        let e = Config::parse("colors = 8\n", "c.toml").unwrap_err();
        assert!(
            e.starts_with("c.toml: line 1, column 10: invalid value for colors: 8"),
            "{e}"
        );
        let e = Config::parse("ascii = \"yes\"\n", "c.toml").unwrap_err();
        assert_eq!(
            e,
            "c.toml: line 1, column 9: invalid value for ascii: \"yes\" \
             (expected true, false or \"auto\")"
        );
    }

    #[test]
    fn a_missing_explicit_file_is_an_error() {
        let e = Config::load(Some(Path::new("/nonexistent/clearance.toml"))).unwrap_err();
        assert!(e.contains("/nonexistent/clearance.toml"), "{e}");
    }
}
