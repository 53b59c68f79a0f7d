//! What an audit entry changed, in the domain's words: for every record one
//! change wrote (its before and after), a heading naming the record and one
//! line per difference — levels as words on the permission's scale
//! ("work_orders.release: no → yes"), people, roles and qualifications by
//! name instead of id ("assigned role Workshop technician to Hugo Dahl
//! (hdahl) until 2027-03-01"), authorizations by reference. A PIN is never
//! shown, only that it was set, changed or cleared.
//!
//! Names are looked up in the organisation given (its current state), then
//! in the records of the change itself, then written `#id`. Every text that
//! came from people (names, emails, reasons) is sanitised here, so the lines
//! are safe to print as they are.
//!
//! One function per record type (`describe_put`'s match): a new record type
//! needs one arm there (`untyped` until it has its own function) and one in
//! `key_words`. A difference a typed function does not name falls back to
//! field-level text ([`field_lines`]), never to a panic.

mod access;
mod people;
mod reviews;
#[cfg(test)]
mod tests;

use chrono::{DateTime, NaiveDate, Utc};

use super::org::{Organisation, Put, Record, RecordKey};
use super::text::sanitize;

/// Whether a line (or a record as a whole) adds, removes or changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Added,
    Removed,
    Changed,
}

impl Mark {
    /// The sign printed before a line: `+`, `-` or `~`.
    pub fn sign(self) -> char {
        match self {
            Mark::Added => '+',
            Mark::Removed => '-',
            Mark::Changed => '~',
        }
    }
}

/// One difference, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffLine {
    pub mark: Mark,
    pub text: String,
}

/// What one change did to one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordDiff {
    /// Added (no before), removed (no after) or changed.
    pub mark: Mark,
    /// The record in words: "user Hugo Dahl (hdahl)".
    pub subject: String,
    pub lines: Vec<DiffLine>,
}

impl RecordDiff {
    /// "added user Hugo Dahl (hdahl)".
    pub fn heading(&self) -> String {
        let verb = match self.mark {
            Mark::Added => "added",
            Mark::Removed => "removed",
            Mark::Changed => "changed",
        };
        format!("{verb} {}", self.subject)
    }
}

/// Every record of a change (an audit entry's `changes`) in words, in the
/// change's order.
pub fn describe_changes(org: &Organisation, puts: &[Put]) -> Vec<RecordDiff> {
    let names = Names { org, puts };
    puts.iter().map(|p| describe_put(&names, p)).collect()
}

/// The same as plain text: each record's heading, then its lines indented
/// with their sign ("  + assigned role …").
pub fn diff_text(org: &Organisation, puts: &[Put]) -> Vec<String> {
    let mut out = Vec::new();
    for d in describe_changes(org, puts) {
        out.push(d.heading());
        out.extend(
            d.lines
                .iter()
                .map(|l| format!("  {} {}", l.mark.sign(), l.text)),
        );
    }
    out
}

/// The before and after of one record type (None where the record is
/// absent or, against all expectation, of another type).
fn pair<'a, T>(
    put: &'a Put,
    f: impl Fn(&'a Record) -> Option<&'a T>,
) -> (Option<&'a T>, Option<&'a T>) {
    (
        put.before.as_ref().and_then(&f),
        put.after.as_ref().and_then(&f),
    )
}

/// One record in words: one arm per record type.
fn describe_put(n: &Names, put: &Put) -> RecordDiff {
    let (before, after) = (put.before.as_ref(), put.after.as_ref());
    let mark = match (before, after) {
        (None, Some(_)) => Mark::Added,
        (Some(_), None) => Mark::Removed,
        _ => Mark::Changed,
    };
    let same_type = match (before, after) {
        (Some(b), Some(a)) => std::mem::discriminant(b) == std::mem::discriminant(a),
        _ => true,
    };
    let (subject, mut lines) = match after.or(before) {
        _ if !same_type => untyped(n, put),
        None => untyped(n, put),
        Some(Record::Settings(_)) => {
            let (b, a) = pair(put, |r| match r {
                Record::Settings(s) => Some(&**s),
                _ => None,
            });
            access::settings(n, b, a)
        }
        Some(Record::User(_)) => {
            let (b, a) = pair(put, |r| match r {
                Record::User(u) => Some(u),
                _ => None,
            });
            people::user(n, b, a)
        }
        Some(Record::Role(_)) => {
            let (b, a) = pair(put, |r| match r {
                Record::Role(x) => Some(x),
                _ => None,
            });
            access::role(n, b, a)
        }
        Some(Record::Qualification(_)) => {
            let (b, a) = pair(put, |r| match r {
                Record::Qualification(q) => Some(q),
                _ => None,
            });
            people::qualification(n, b, a)
        }
        Some(Record::Authorization(_)) => {
            let (b, a) = pair(put, |r| match r {
                Record::Authorization(x) => Some(x),
                _ => None,
            });
            people::authorization(n, b, a)
        }
        Some(Record::Terminal(_)) => {
            let (b, a) = pair(put, |r| match r {
                Record::Terminal(t) => Some(t),
                _ => None,
            });
            people::terminal(n, b, a)
        }
        Some(Record::Pin(_)) => {
            let (b, a) = pair(put, |r| match r {
                Record::Pin(p) => Some(p),
                _ => None,
            });
            people::pin(n, b, a)
        }
        Some(Record::SodRule(_)) => {
            let (b, a) = pair(put, |r| match r {
                Record::SodRule(x) => Some(x),
                _ => None,
            });
            access::sod_rule(n, b, a)
        }
        Some(Record::Campaign(_)) => {
            let (b, a) = pair(put, |r| match r {
                Record::Campaign(c) => Some(&**c),
                _ => None,
            });
            reviews::campaign(n, b, a)
        }
        Some(Record::ReviewItem(_)) => {
            let (b, a) = pair(put, |r| match r {
                Record::ReviewItem(i) => Some(&**i),
                _ => None,
            });
            reviews::item(n, b, a)
        }
        Some(Record::ReviewBlock(_)) => {
            let (b, a) = pair(put, |r| match r {
                Record::ReviewBlock(x) => Some(&**x),
                _ => None,
            });
            reviews::block(n, b, a)
        }
    };
    if mark == Mark::Changed && lines.is_empty() {
        lines = if before == after {
            vec![line(Mark::Changed, "written again, no difference")]
        } else {
            field_lines(before, after)
        };
    }
    RecordDiff {
        mark,
        subject,
        lines,
    }
}

/// A record no typed function describes: named by its key, every field
/// that differs as field-level text. A new record type can start here
/// (`Some(Record::Campaign(_)) => untyped(n, put)`) until it has its own
/// function.
fn untyped(n: &Names, put: &Put) -> (String, Vec<DiffLine>) {
    (
        key_words(n, put.key),
        field_lines(put.before.as_ref(), put.after.as_ref()),
    )
}

/// A record named by its key alone.
fn key_words(n: &Names, key: RecordKey) -> String {
    match key {
        RecordKey::Settings => "organisation settings".into(),
        RecordKey::User(id) => format!("user {}", n.user(id)),
        RecordKey::Role(id) => format!("role {}", n.role(id)),
        RecordKey::Qualification(id) => format!("qualification {}", n.qualification(id)),
        RecordKey::Authorization(id) => format!("authorization #{id}"),
        RecordKey::Terminal(id) => format!("terminal #{id}"),
        RecordKey::Pin(id) => format!("kiosk PIN of {}", n.user(id)),
        RecordKey::SodRule(id) => format!("separation-of-duties rule #{id}"),
        RecordKey::Campaign(id) => format!("access-review campaign #{id}"),
        RecordKey::ReviewItem(c, no) => format!("item {no} of access-review campaign #{c}"),
        RecordKey::ReviewBlock(c, no) => {
            format!("items from {no} of access-review campaign #{c}")
        }
    }
}

/// The longest value the field-level fallback prints, in characters.
const FIELD_MAX: usize = 120;

/// The field-level fallback: every top-level field whose value differs,
/// as compact JSON (sanitised, cut at [`FIELD_MAX`] characters). Secrets
/// stay out: a PIN's hash serialises as "argon2id" in JSON.
pub fn field_lines(before: Option<&Record>, after: Option<&Record>) -> Vec<DiffLine> {
    let fields = |r: Option<&Record>| -> serde_json::Map<String, serde_json::Value> {
        let v = r
            .and_then(|r| serde_json::to_value(r).ok())
            .unwrap_or(serde_json::Value::Null);
        // A record serialises as {"Type": {fields}}.
        let inner = match v {
            serde_json::Value::Object(m) if m.len() == 1 => {
                m.into_iter().next().map(|(_, v)| v).unwrap_or_default()
            }
            other => other,
        };
        match inner {
            serde_json::Value::Object(m) => m,
            serde_json::Value::Null => serde_json::Map::new(),
            other => std::iter::once(("value".to_string(), other)).collect(),
        }
    };
    let (b, a) = (fields(before), fields(after));
    let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
    keys.sort();
    keys.dedup();
    let show = |v: Option<&serde_json::Value>| {
        let s = v.map_or("none".to_string(), |v| v.to_string());
        cut(&sanitize(&s), FIELD_MAX)
    };
    keys.into_iter()
        .filter(|k| b.get(*k) != a.get(*k))
        .map(|k| {
            line(
                Mark::Changed,
                format!("{k}: {} → {}", show(b.get(k)), show(a.get(k))),
            )
        })
        .collect()
}

fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// How names are found: the organisation now, then the change's own records.
pub(super) struct Names<'a> {
    org: &'a Organisation,
    puts: &'a [Put],
}

impl Names<'_> {
    /// The record the change wrote under `key` (after, else before).
    fn in_change(&self, key: RecordKey) -> Option<&Record> {
        self.puts
            .iter()
            .find(|p| p.key == key)
            .and_then(|p| p.after.as_ref().or(p.before.as_ref()))
    }

    /// "Hugo Dahl (hdahl)", sanitised; `#id` when nowhere to be found.
    fn user(&self, id: u32) -> String {
        let u = self
            .org
            .users
            .get(&id)
            .or(match self.in_change(RecordKey::User(id)) {
                Some(Record::User(u)) => Some(u),
                _ => None,
            });
        match u {
            Some(u) => person(u),
            None => format!("#{id}"),
        }
    }

    fn role(&self, id: u32) -> String {
        let r = self
            .org
            .roles
            .get(&id)
            .or(match self.in_change(RecordKey::Role(id)) {
                Some(Record::Role(r)) => Some(r),
                _ => None,
            });
        r.map_or_else(|| format!("#{id}"), |r| sanitize(&r.name))
    }

    fn qualification(&self, id: u32) -> String {
        let q = self.org.qualifications.get(&id).or(
            match self.in_change(RecordKey::Qualification(id)) {
                Some(Record::Qualification(q)) => Some(q),
                _ => None,
            },
        );
        q.map_or_else(|| format!("#{id}"), |q| sanitize(&q.describe()))
    }

    /// A level as the word of its permission's scale (the organisation's
    /// catalog, else one the change writes), else its number.
    fn level(&self, key: &str, level: u8) -> String {
        let settings = match self.in_change(RecordKey::Settings) {
            Some(Record::Settings(s)) => Some(&**s),
            _ => None,
        };
        [Some(&self.org.settings), settings]
            .into_iter()
            .flatten()
            .find_map(|s| {
                s.catalog
                    .index_of(key)
                    .map(|i| s.catalog.get(i).scale.level_word(level))
            })
            .unwrap_or_else(|| format!("level {level}"))
    }

    /// An instant in the organisation's time zone: "2026-03-02 09:45 UTC".
    fn instant(&self, at: DateTime<Utc>) -> String {
        let zone = self.org.zone();
        format!(
            "{} {}",
            zone.local(at).format("%Y-%m-%d %H:%M"),
            zone.name()
        )
    }
}

/// A person as people know them: "Hugo Dahl (hdahl)" (login, else email).
fn person(u: &super::users::User) -> String {
    match u.login.as_ref().or(u.email.as_ref()) {
        Some(h) => sanitize(&format!("{} ({h})", u.name())),
        None => sanitize(&u.name()),
    }
}

fn line(mark: Mark, text: impl Into<String>) -> DiffLine {
    DiffLine {
        mark,
        text: text.into(),
    }
}

/// Pushes "LABEL before → after" when the two differ.
fn field(out: &mut Vec<DiffLine>, label: &str, before: String, after: String) {
    if before != after {
        out.push(line(Mark::Changed, format!("{label} {before} → {after}")));
    }
}

fn yes(b: bool) -> String {
    if b { "yes" } else { "no" }.into()
}

/// A last day, or what its absence means.
fn day(d: Option<NaiveDate>, none: &str) -> String {
    d.map_or_else(|| none.to_string(), |d| d.to_string())
}

/// " until 2027-03-01", or nothing for no end.
fn until(d: Option<NaiveDate>) -> String {
    d.map(|d| format!(" until {d}")).unwrap_or_default()
}

/// Sanitised, with "none" for empty.
fn text_or_none(s: &str) -> String {
    if s.is_empty() {
        "none".into()
    } else {
        sanitize(s)
    }
}
