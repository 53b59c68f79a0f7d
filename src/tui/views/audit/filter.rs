//! The Audit tab's `/` filter. Free words are matched the way every list
//! matches them (`FuzzyFilter`: each word a subsequence, ignoring case)
//! against the person (name and login), the command and the summary of
//! each entry, and the names of the people whose records it changed;
//! tokens narrow further:
//!
//! - `by:WHO` — the person who ran the command: a part of their login,
//!   email or name (`by:hdahl`, `by:dahl`);
//! - `from:DATE`, `to:DATE` — the day of the entry in local time (the
//!   time the list shows), inclusive; DATE is `YYYY-MM-DD`, `YYYY-MM` or
//!   `YYYY` (`to:2026-03` runs to the end of March).
//!
//! A token that is not understood (a date being typed) is shown in the
//! title and ignored.

use chrono::{Datelike, NaiveDate};

use std::collections::BTreeSet;

use crate::domain::org::{Organisation, Put, Record, RecordKey};
use crate::domain::users::UserId;
use crate::store::audit::AuditEntry;

/// A filter text taken apart.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    /// The free words, as typed.
    pub words: String,
    pub tokens: Tokens,
    /// Tokens not understood, as typed.
    pub bad: Vec<String>,
}

/// What narrows the entries before the words are matched.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tokens {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Lower-cased parts of who ran the command (all must match).
    pub by: Vec<String>,
}

impl Tokens {
    pub fn is_empty(&self) -> bool {
        self.from.is_none() && self.to.is_none() && self.by.is_empty()
    }

    /// Whether an entry's day and person pass every token.
    pub fn admits(&self, s: &Searchable) -> bool {
        if self.is_empty() {
            return true;
        }
        let Some(day) = s.day else {
            return false;
        };
        self.from.is_none_or(|f| day >= f)
            && self.to.is_none_or(|t| day <= t)
            && self.by.iter().all(|b| s.who.contains(b.as_str()))
    }
}

/// Takes a filter text apart into words and tokens.
pub fn parse(text: &str) -> Query {
    let mut q = Query::default();
    let mut words = Vec::new();
    for tok in text.split_whitespace() {
        let lower = tok.to_lowercase();
        let ok = if let Some(v) = lower.strip_prefix("from:") {
            first_day(v).map(|d| q.tokens.from = Some(d)).is_some()
        } else if let Some(v) = lower.strip_prefix("to:") {
            last_day(v).map(|d| q.tokens.to = Some(d)).is_some()
        } else if let Some(v) = lower.strip_prefix("by:") {
            let v = v.trim_start_matches('@');
            if !v.is_empty() {
                q.tokens.by.push(v.to_string());
            }
            !v.is_empty()
        } else {
            words.push(tok);
            true
        };
        if !ok {
            q.bad.push(tok.to_string());
        }
    }
    q.words = words.join(" ");
    q
}

fn parts(v: &str) -> Option<(i32, Option<u32>, Option<u32>)> {
    let mut it = v.split('-');
    let y = it.next().filter(|y| y.len() == 4)?.parse().ok()?;
    let m = match it.next() {
        Some(m) if m.len() == 2 => Some(m.parse().ok()?),
        Some(_) => return None,
        None => None,
    };
    let d = match it.next() {
        Some(d) if d.len() == 2 => Some(d.parse().ok()?),
        Some(_) => return None,
        None => None,
    };
    if it.next().is_some() || (m.is_none() && d.is_some()) {
        return None;
    }
    Some((y, m, d))
}

/// The first day a date, month or year names.
pub fn first_day(v: &str) -> Option<NaiveDate> {
    let (y, m, d) = parts(v)?;
    NaiveDate::from_ymd_opt(y, m.unwrap_or(1), d.unwrap_or(1))
}

/// The last day a date, month or year names.
pub fn last_day(v: &str) -> Option<NaiveDate> {
    match parts(v)? {
        (y, Some(m), Some(d)) => NaiveDate::from_ymd_opt(y, m, d),
        (y, Some(m), None) => {
            let first = NaiveDate::from_ymd_opt(y, m, 1)?;
            let next = first.checked_add_months(chrono::Months::new(1))?;
            next.pred_opt()
        }
        (y, None, _) => NaiveDate::from_ymd_opt(y, 12, 31),
    }
}

/// What the filter matches of one entry, built once per data change.
#[derive(Debug, Clone, Default)]
pub struct Searchable {
    /// The local day of the entry (None: the entry could not be read).
    pub day: Option<NaiveDate>,
    /// Who ran it, lower-cased: OS login, login, email, name.
    pub who: String,
    /// Person, acting-as person, command, summary and the people the
    /// change concerns, lower-cased.
    pub text: String,
}

impl Searchable {
    pub fn of(org: &Organisation, e: &Result<AuditEntry, String>) -> Searchable {
        let e = match e {
            Ok(e) => e,
            Err(msg) => {
                return Searchable {
                    day: None,
                    who: String::new(),
                    text: msg.to_lowercase(),
                }
            }
        };
        let person = |id: u32| match org.users.get(&id) {
            Some(u) => format!(
                "{} {} {}",
                u.login.as_deref().unwrap_or(""),
                u.email.as_deref().unwrap_or(""),
                u.name()
            ),
            None => format!("#{id}"),
        };
        let who = format!("{} {}", e.body.operator_login, person(e.body.operator)).to_lowercase();
        let acting = e.body.acting_as.map(person).unwrap_or_default();
        let mut text = format!(
            "{who} {acting} {} {}",
            e.body.command.name(),
            e.body.summary
        );
        for id in concerned(&e.body.changes) {
            text.push(' ');
            text.push_str(&person(id));
        }
        let text = text.to_lowercase();
        let local = e.body.at.with_timezone(&chrono::Local);
        Searchable {
            day: NaiveDate::from_ymd_opt(local.year(), local.month(), local.day()),
            who,
            text,
        }
    }
}

/// The people whose records a change wrote (users, their PINs,
/// qualifications and authorizations), each once: their names are
/// searchable too, as the summary names them by login only.
fn concerned(changes: &[Put]) -> BTreeSet<UserId> {
    changes
        .iter()
        .filter_map(|p| match (&p.key, p.after.as_ref().or(p.before.as_ref())) {
            (RecordKey::User(id) | RecordKey::Pin(id), _) => Some(*id),
            (_, Some(Record::Qualification(q))) => Some(q.holder),
            (_, Some(Record::Authorization(a))) => Some(a.holder),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn parse_splits_words_from_tokens() {
        let q = parse("role assign by:HDahl from:2026-03-01 to:2026-03-31");
        assert_eq!(q.words, "role assign");
        assert_eq!(q.tokens.by, vec!["hdahl"]);
        assert_eq!(q.tokens.from, Some(d("2026-03-01")));
        assert_eq!(q.tokens.to, Some(d("2026-03-31")));
        assert!(q.bad.is_empty());
    }

    #[test]
    fn months_and_years_cover_their_whole_span() {
        let q = parse("from:2026-02 to:2026-02");
        assert_eq!(q.tokens.from, Some(d("2026-02-01")));
        assert_eq!(q.tokens.to, Some(d("2026-02-28")));
        let q = parse("from:2025 to:2025");
        assert_eq!(q.tokens.from, Some(d("2025-01-01")));
        assert_eq!(q.tokens.to, Some(d("2025-12-31")));
    }

    #[test]
    fn half_typed_tokens_are_reported_and_ignored() {
        let q = parse("from:2026-0 to:2026-13-01 by: x");
        assert_eq!(q.tokens, Tokens::default());
        assert_eq!(q.bad, vec!["from:2026-0", "to:2026-13-01", "by:"]);
        assert_eq!(q.words, "x");
    }

    #[test]
    fn tokens_admit_by_day_and_person() {
        let s = Searchable {
            day: Some(d("2026-03-02")),
            who: "hdahl hdahl hdahl@x hugo dahl".into(),
            text: String::new(),
        };
        assert!(parse("by:dahl from:2026-03").tokens.admits(&s));
        assert!(!parse("by:avery").tokens.admits(&s));
        assert!(!parse("to:2026-03-01").tokens.admits(&s));
        assert!(!parse("from:2026-03-03").tokens.admits(&s));
        assert!(parse("").tokens.admits(&Searchable::default()));
        assert!(!parse("from:2026").tokens.admits(&Searchable::default()));
    }
}
