//! What a check depends on besides levels: the organisation (an area
//! switched off, a permission available only in setup mode) and the record
//! (its age since it was confirmed, its state). The engine's check asks
//! these in order — organisation, the person's standing, the record's
//! state, then levels and the owner window — and says which decided.

use chrono::Duration;
use serde::Serialize;

use super::catalog::Level;
use super::error::{invalid, DomainResult};
use super::permission::Permission;
use super::settings::Settings;
use super::text;

/// What the caller states about the record a check is about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordConditions {
    /// How long ago the record was confirmed.
    pub age: Option<Duration>,
    /// The record's state (`confirmed`, `deleted`, `exported`, ...).
    pub state: Option<String>,
}

impl RecordConditions {
    /// From the words a person gives: an age such as `20h`, `3d` or
    /// `1d12h`, and a state (a lower_snake_case word).
    pub fn parse(age: Option<&str>, state: Option<&str>) -> DomainResult<Self> {
        Ok(RecordConditions {
            age: age.map(parse_age).transpose()?,
            state: state
                .map(|s| text::key("record state", &s.trim().to_ascii_lowercase()))
                .transpose()?,
        })
    }
}

/// The longest record age accepted: about a hundred years.
const MAX_AGE_SECONDS: i64 = 100 * 366 * 24 * 3600;

/// Parses a duration: numbers each followed by a unit — `w` weeks, `d`
/// days, `h` hours, `m` minutes, `s` seconds — e.g. `20h`, `3d`, `1d12h`.
pub fn parse_age(word: &str) -> DomainResult<Duration> {
    let bad = || {
        invalid(format!(
            "record age '{}' is not a duration (use e.g. 20h, 3d, 1d12h, 90m)",
            text::sanitize(word)
        ))
    };
    let w = word.trim().to_ascii_lowercase();
    if w.is_empty() {
        return Err(bad());
    }
    let mut seconds: i64 = 0;
    let mut number = String::new();
    for c in w.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            'w' => 7 * 24 * 3600,
            'd' => 24 * 3600,
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return Err(bad()),
        };
        if number.is_empty() || number.len() > 12 {
            return Err(bad());
        }
        let n: i64 = number.parse().map_err(|_| bad())?;
        seconds = n
            .checked_mul(unit)
            .and_then(|x| seconds.checked_add(x))
            .ok_or_else(bad)?;
        number.clear();
    }
    if !number.is_empty() || seconds > MAX_AGE_SECONDS {
        return Err(bad());
    }
    Ok(Duration::seconds(seconds))
}

/// A duration in the words [`parse_age`] reads: `1d 6h`, `20h`, `45m`.
pub fn age_word(d: Duration) -> String {
    let s = d.num_seconds().max(0);
    let (days, hours, minutes, secs) = (s / 86400, s % 86400 / 3600, s % 3600 / 60, s % 60);
    let mut parts = Vec::new();
    for (n, u) in [(days, "d"), (hours, "h"), (minutes, "m"), (secs, "s")] {
        if n != 0 {
            parts.push(format!("{n}{u}"));
        }
    }
    if parts.is_empty() {
        "0s".into()
    } else {
        parts.join(" ")
    }
}

/// Why the organisation closes a permission to everyone, if it does: its
/// area is switched off, or it is available only in setup mode and setup
/// mode is off.
pub fn organisation_gate(settings: &Settings, p: &Permission) -> Option<String> {
    if settings.area_off(p.area()) {
        return Some(format!(
            "{} is switched off for this organisation",
            p.area()
        ));
    }
    if p.setup_only && !settings.setup_mode {
        return Some(format!(
            "{} is available only in setup mode, and setup mode is off",
            p.key
        ));
    }
    None
}

/// Why the record's state locks it for this permission, if it does.
pub fn record_lock(p: &Permission, cond: &RecordConditions) -> Option<String> {
    let state = cond.state.as_deref()?;
    p.locks(state).then(|| {
        format!(
            "the record is {state}, a state in which nobody may change it, whatever their role ({} locks: {})",
            p.key,
            p.locked_states.join(", ")
        )
    })
}

/// What the owner window says about a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Window {
    /// No window, or none of the required relations is one of its relations.
    NotApplicable,
    /// The record is younger than the window: the actor may act.
    Open { hours: u32, age_seconds: i64 },
    /// The record is as old as the window or older.
    Closed { hours: u32, age_seconds: i64 },
    /// The window applies but the record's age was not stated.
    AgeUnknown { hours: u32 },
}

impl Window {
    pub fn is_open(&self) -> bool {
        matches!(self, Window::Open { .. })
    }

    /// The window's part of a denial, if it had one.
    pub fn denial_note(&self) -> Option<String> {
        match *self {
            Window::Closed { hours, age_seconds } => Some(format!(
                "the {hours}h owner window has closed: the record was confirmed {} ago",
                age_word(Duration::seconds(age_seconds))
            )),
            Window::AgeUnknown { hours } => Some(format!(
                "a {hours}h owner window applies, but the record's age was not stated"
            )),
            _ => None,
        }
    }
}

/// The owner window of `p` for a check asking `required` about a record
/// with `cond`.
pub fn owner_window(p: &Permission, required: Level, cond: &RecordConditions) -> Window {
    let Some(w) = &p.owner_window else {
        return Window::NotApplicable;
    };
    if p.window_bits() & required == 0 {
        return Window::NotApplicable;
    }
    match cond.age {
        None => Window::AgeUnknown { hours: w.hours },
        Some(age) => {
            let age_seconds = age.num_seconds();
            if age_seconds < i64::from(w.hours) * 3600 {
                Window::Open {
                    hours: w.hours,
                    age_seconds,
                }
            } else {
                Window::Closed {
                    hours: w.hours,
                    age_seconds,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalog::tests::scope;
    use crate::domain::permission::OwnerWindow;

    fn flights_edit() -> Permission {
        Permission {
            owner_window: Some(OwnerWindow {
                hours: 24,
                relations: vec!["own".into(), "pic".into()],
            }),
            locked_states: vec!["deleted".into(), "historical".into()],
            ..Permission::new("flights.edit", "x", scope(&["own", "other", "pic"]))
        }
    }

    fn aged(age: &str) -> RecordConditions {
        RecordConditions::parse(Some(age), None).unwrap()
    }

    #[test]
    fn ages_read_with_units_and_combine() {
        assert_eq!(parse_age("20h").unwrap(), Duration::hours(20));
        assert_eq!(parse_age("3d").unwrap(), Duration::days(3));
        assert_eq!(parse_age("1d12h").unwrap(), Duration::hours(36));
        assert_eq!(parse_age(" 90M ").unwrap(), Duration::minutes(90));
        assert_eq!(parse_age("2w").unwrap(), Duration::days(14));
        assert_eq!(parse_age("0s").unwrap(), Duration::zero());
        for bad in ["", "20", "h", "-3h", "3x", "1.5h", "3 h", "99999999999999d"] {
            let e = parse_age(bad).unwrap_err().to_string();
            assert!(e.contains("is not a duration"), "{bad}: {e}");
        }
        assert_eq!(age_word(Duration::hours(30)), "1d 6h");
        assert_eq!(age_word(Duration::zero()), "0s");
    }

    #[test]
    fn a_state_is_a_lower_case_word() {
        let c = RecordConditions::parse(None, Some("Deleted")).unwrap();
        assert_eq!(c.state.as_deref(), Some("deleted"));
        assert!(RecordConditions::parse(None, Some("not a word")).is_err());
    }

    #[test]
    fn the_window_is_open_under_its_hours_for_its_relations_only() {
        let p = flights_edit();
        let own = 0b001;
        let other = 0b010;
        let pic = 0b100;
        assert!(owner_window(&p, own, &aged("20h")).is_open());
        assert!(owner_window(&p, pic, &aged("23h59m")).is_open());
        assert!(matches!(
            owner_window(&p, own, &aged("24h")),
            Window::Closed { hours: 24, .. }
        ));
        assert_eq!(owner_window(&p, other, &aged("1h")), Window::NotApplicable);
        assert_eq!(
            owner_window(&p, own, &RecordConditions::default()),
            Window::AgeUnknown { hours: 24 }
        );
        let note = owner_window(&p, own, &aged("30h")).denial_note().unwrap();
        assert!(note.contains("confirmed 1d 6h ago"), "{note}");
    }

    #[test]
    fn a_locked_state_names_the_rule() {
        let p = flights_edit();
        let c = RecordConditions::parse(None, Some("deleted")).unwrap();
        let why = record_lock(&p, &c).unwrap();
        assert!(why.contains("nobody may change it"), "{why}");
        let c = RecordConditions::parse(None, Some("confirmed")).unwrap();
        assert_eq!(record_lock(&p, &c), None);
    }
}
