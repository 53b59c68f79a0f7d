//! The organisation's time zone: the one definition of a day. Every expiry
//! and validity date ("until", "expires") is a last day *inclusive* in this
//! zone, in the rules, the CLI and the app alike; UTC unless the
//! organisation sets another. Instants are stored in UTC.

use std::fmt;

use chrono::{DateTime, Duration, LocalResult, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::error::{invalid, DomainResult};
use super::text::sanitize;

/// An IANA time zone ("Europe/Oslo", "Pacific/Auckland", "UTC").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Zone(Tz);

impl Zone {
    pub const UTC: Zone = Zone(Tz::UTC);

    /// Reads an IANA name, ignoring case ("europe/oslo" is Europe/Oslo).
    pub fn parse(name: &str) -> DomainResult<Zone> {
        let name = name.trim();
        name.parse::<Tz>()
            .ok()
            .or_else(|| {
                chrono_tz::TZ_VARIANTS
                    .iter()
                    .copied()
                    .find(|z| z.name().eq_ignore_ascii_case(name))
            })
            .map(Zone)
            .ok_or(())
            .map_err(|_| {
                invalid(format!(
                    "unknown time zone {:?}: give an IANA name such as UTC, Europe/Oslo or America/Anchorage",
                    sanitize(name)
                ))
            })
    }

    pub fn name(&self) -> &'static str {
        self.0.name()
    }

    /// The wall-clock time of an instant in this zone.
    pub fn local(&self, at: DateTime<Utc>) -> chrono::NaiveDateTime {
        at.with_timezone(&self.0).naive_local()
    }

    /// The day an instant falls on in this zone.
    pub fn day_of(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.0).date_naive()
    }

    /// True while a date-limited thing (inclusive last day) still holds at `at`.
    pub fn holds_until(&self, until: Option<NaiveDate>, at: DateTime<Utc>) -> bool {
        until.is_none_or(|u| self.day_of(at) <= u)
    }

    /// The instant a date-limited thing stops holding: the start of the day
    /// after `until` in this zone (where a change of clocks skips midnight,
    /// the first instant of that day).
    pub fn end_of(&self, until: NaiveDate) -> DateTime<Utc> {
        let Some(next) = until.succ_opt() else {
            return DateTime::<Utc>::MAX_UTC;
        };
        let midnight = next.and_time(chrono::NaiveTime::MIN);
        // A gap is never longer than a day; step in quarter hours through it.
        (0..=96)
            .map(|q| midnight + Duration::minutes(15 * q))
            .find_map(|local| match self.0.from_local_datetime(&local) {
                LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
                LocalResult::Ambiguous(first, _) => Some(first.with_timezone(&Utc)),
                LocalResult::None => None,
            })
            .unwrap_or_else(|| midnight.and_utc())
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Zone {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Zone {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Zone::parse(&name).map_err(|e| serde::de::Error::custom(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn utc_days_end_at_utc_midnight() {
        let z = Zone::UTC;
        assert!(z.holds_until(Some(d("2026-03-31")), t("2026-03-31T23:59:59Z")));
        assert!(!z.holds_until(Some(d("2026-03-31")), t("2026-04-01T00:00:00Z")));
        assert_eq!(z.end_of(d("2026-03-31")), t("2026-04-01T00:00:00Z"));
        assert!(z.holds_until(None, t("2099-01-01T00:00:00Z")));
    }

    #[test]
    fn a_day_far_east_of_utc_ends_half_a_day_earlier() {
        // Kiritimati is UTC+14: its 31 March ends at 10:00 UTC that day.
        let z = Zone::parse("Pacific/Kiritimati").unwrap();
        assert_eq!(z.end_of(d("2026-03-31")), t("2026-03-31T10:00:00Z"));
        assert!(z.holds_until(Some(d("2026-03-31")), t("2026-03-31T09:59:59Z")));
        assert!(!z.holds_until(Some(d("2026-03-31")), t("2026-03-31T10:00:00Z")));
        assert_eq!(z.day_of(t("2026-03-31T10:00:00Z")), d("2026-04-01"));
    }

    #[test]
    fn a_day_west_of_utc_ends_the_next_utc_day() {
        let z = Zone::parse("pacific/pago_pago").unwrap();
        assert_eq!(z.name(), "Pacific/Pago_Pago");
        assert_eq!(z.end_of(d("2026-03-31")), t("2026-04-01T11:00:00Z"));
        assert_eq!(z.day_of(t("2026-04-01T10:59:59Z")), d("2026-03-31"));
    }

    #[test]
    fn daylight_saving_changes_move_the_end_of_day_with_the_clock() {
        let z = Zone::parse("Europe/Oslo").unwrap();
        assert_eq!(z.end_of(d("2026-01-15")), t("2026-01-15T23:00:00Z"));
        assert_eq!(z.end_of(d("2026-07-15")), t("2026-07-15T22:00:00Z"));
        // Santiago skipped midnight when its clocks went forward (2022-09-11
        // began at 01:00): that day begins at its first instant.
        let s = Zone::parse("America/Santiago").unwrap();
        assert_eq!(s.end_of(d("2022-09-10")), t("2022-09-11T04:00:00Z"));
    }

    #[test]
    fn unknown_names_are_refused_with_an_example() {
        let e = Zone::parse("Mars/Olympus").unwrap_err().to_string();
        assert!(e.contains("unknown time zone \"Mars/Olympus\""), "{e}");
        assert!(e.contains("Europe/Oslo"), "{e}");
        assert!(Zone::parse("").is_err());
    }

    #[test]
    fn serde_uses_the_iana_name() {
        let z = Zone::parse("Asia/Kolkata").unwrap();
        assert_eq!(serde_json::to_string(&z).unwrap(), "\"Asia/Kolkata\"");
        let back: Zone = serde_json::from_str("\"Asia/Kolkata\"").unwrap();
        assert_eq!(back, z);
        assert!(serde_json::from_str::<Zone>("\"Nowhere\"").is_err());
    }
}
