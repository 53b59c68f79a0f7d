//! What an authorization kind requires its authorizations to rest on, and
//! whether a set of basis qualifications meets that on a date. Part-145
//! certifying staff need a Part-66 licence holding the kind's category, a
//! type rating or type training for every aircraft type in scope, and
//! continuation training within the last 24 months.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use super::authorizations::{AircraftType, Authorization, Failure, Standing};
use super::error::{invalid, DomainResult};
use super::org::Organisation;
use super::qualifications::{Qualification, QualificationKind};
use super::text;

/// One basis a kind requires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum BasisRequirement {
    /// A licence whose categories include this one ("B1").
    LicenceCategory(String),
    /// A licence type rating or a type training for every aircraft type in
    /// the authorization's scope (and so for the type signed off).
    TypeForEveryAircraft,
    /// Continuation training issued within the last `months` months.
    ContinuationTraining { months: u32 },
}

impl BasisRequirement {
    /// Parses the words people write: `licence:B1`, `type`,
    /// `continuation:24`.
    pub fn parse(word: &str) -> DomainResult<Self> {
        let w = word.trim();
        let (head, arg) = match w.split_once(':') {
            Some((h, a)) => (h.trim().to_ascii_lowercase(), Some(a.trim())),
            None => (w.to_ascii_lowercase(), None),
        };
        match (head.as_str(), arg) {
            ("licence" | "license", Some(c)) => {
                let c = text::required_text("licence category", c)?;
                if c.len() > 8 || !c.chars().all(|x| x.is_ascii_alphanumeric()) {
                    return Err(invalid(format!(
                        "malformed licence category '{}' (e.g. B1)",
                        text::sanitize(&c)
                    )));
                }
                Ok(BasisRequirement::LicenceCategory(c.to_ascii_uppercase()))
            }
            ("type", None) => Ok(BasisRequirement::TypeForEveryAircraft),
            ("continuation", Some(m)) => match m.parse::<u32>() {
                Ok(months @ 1..=120) => Ok(BasisRequirement::ContinuationTraining { months }),
                _ => Err(invalid(format!(
                    "continuation training months must be 1 to 120, not '{}'",
                    text::sanitize(m)
                ))),
            },
            _ => Err(invalid(format!(
                "unknown basis requirement '{}' (use licence:CATEGORY, type, continuation:MONTHS)",
                text::sanitize(w)
            ))),
        }
    }

    /// The words [`parse`](Self::parse) reads.
    pub fn word(&self) -> String {
        match self {
            BasisRequirement::LicenceCategory(c) => format!("licence:{c}"),
            BasisRequirement::TypeForEveryAircraft => "type".into(),
            BasisRequirement::ContinuationTraining { months } => format!("continuation:{months}"),
        }
    }
}

fn covers_type(q: &Qualification, t: &AircraftType) -> bool {
    matches!(
        q.kind,
        QualificationKind::Licence | QualificationKind::TypeTraining
    ) && q
        .type_ratings
        .iter()
        .any(|r| AircraftType::parse(r).is_ok_and(|rt| rt.covers(t)))
}

/// Every requirement that the bases do not meet on `date`, with what would
/// meet it. `types` are the aircraft types to cover: the authorization's
/// scope, or the one type signed off. A basis counts once issued; whether it
/// has since expired is the basis's own validity, reported by the caller
/// ("renew licence …") rather than here a second time.
pub fn unmet(
    requires: &[BasisRequirement],
    types: &[AircraftType],
    bases: &[&Qualification],
    date: NaiveDate,
) -> Vec<Failure> {
    let valid: Vec<&Qualification> = bases.iter().copied().filter(|q| q.issued <= date).collect();
    let mut out = Vec::new();
    for r in requires {
        match r {
            BasisRequirement::LicenceCategory(c) => {
                let held = valid.iter().any(|q| {
                    q.kind == QualificationKind::Licence
                        && q.categories.iter().any(|x| x.eq_ignore_ascii_case(c))
                });
                if !held {
                    out.push(Failure {
                        condition: format!("no licence with category {c} among the bases"),
                        fix: format!("add a licence with category {c}"),
                    });
                }
            }
            BasisRequirement::TypeForEveryAircraft => {
                if types.is_empty() {
                    out.push(Failure {
                        condition: "the scope names no aircraft type to hold a type rating for"
                            .into(),
                        fix: "limit the scope to named aircraft types".into(),
                    });
                }
                for t in types {
                    if !valid.iter().any(|q| covers_type(q, t)) {
                        out.push(Failure {
                            condition: format!(
                                "no type rating or type training for {t} among the bases"
                            ),
                            fix: format!("add a type rating or type training for {t}"),
                        });
                    }
                }
            }
            BasisRequirement::ContinuationTraining { months } => {
                let since = date
                    .checked_sub_months(Months::new(*months))
                    .unwrap_or(date);
                let recent = valid
                    .iter()
                    .any(|q| q.kind == QualificationKind::ContinuationTraining && q.issued > since);
                if !recent {
                    out.push(Failure {
                        condition: format!(
                            "no continuation training within the last {months} months"
                        ),
                        fix: "record continuation training".into(),
                    });
                }
            }
        }
    }
    out
}

/// How an authorization stands on `date`, bases included: status and
/// dates first, then every listed basis valid and the kind's requirements
/// met for the types in scope (else [`Standing::MissingBasis`]).
pub fn standing(org: &Organisation, a: &Authorization, date: NaiveDate) -> Standing {
    let kind = org.kind(&a.kind).ok();
    let st = a.standing(date, kind);
    if !matches!(st, Standing::Valid | Standing::Expiring) {
        return st;
    }
    let bases: Vec<&Qualification> = a
        .bases
        .iter()
        .filter_map(|b| org.qualifications.get(b))
        .collect();
    let all_valid = bases.len() == a.bases.len() && bases.iter().all(|q| q.valid_on(date));
    let required = kind.map_or(&[][..], |k| k.requires.as_slice());
    if all_valid && unmet(required, &a.scope.aircraft_types, &bases, date).is_empty() {
        st
    } else {
        Standing::MissingBasis
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn q(kind: QualificationKind, cats: &[&str], types: &[&str], issued: &str) -> Qualification {
        Qualification {
            id: 1,
            holder: 2,
            kind,
            number: "N".into(),
            categories: cats.iter().map(|s| s.to_string()).collect(),
            type_ratings: types.iter().map(|s| s.to_string()).collect(),
            issued: d(issued),
            expires: None,
            created_at: Utc::now(),
        }
    }

    fn part145() -> Vec<BasisRequirement> {
        ["licence:B1", "type", "continuation:24"]
            .iter()
            .map(|w| BasisRequirement::parse(w).unwrap())
            .collect()
    }

    #[test]
    fn requirements_parse_and_print_back() {
        for w in ["licence:B1", "type", "continuation:24"] {
            assert_eq!(BasisRequirement::parse(w).unwrap().word(), w);
        }
        for bad in [
            "licence",
            "continuation:0",
            "continuation:x",
            "rating:B1",
            "licence:B 1",
        ] {
            assert!(BasisRequirement::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn no_bases_fail_every_requirement_with_its_fix() {
        let atr = AircraftType::parse("ATR72").unwrap();
        let f = unmet(&part145(), &[atr], &[], d("2026-06-01"));
        let fixes: Vec<&str> = f.iter().map(|f| f.fix.as_str()).collect();
        assert_eq!(
            fixes,
            [
                "add a licence with category B1",
                "add a type rating or type training for ATR72",
                "record continuation training"
            ]
        );
    }

    #[test]
    fn a_licence_type_training_and_recent_continuation_meet_the_policy() {
        let atr = AircraftType::parse("ATR72:600").unwrap();
        let lic = q(QualificationKind::Licence, &["B1", "B2"], &[], "2020-01-01");
        let tt = q(
            QualificationKind::TypeTraining,
            &[],
            &["ATR72"],
            "2021-01-01",
        );
        let ct = q(
            QualificationKind::ContinuationTraining,
            &[],
            &[],
            "2025-01-01",
        );
        let all = [&lic, &tt, &ct];
        assert!(unmet(
            &part145(),
            std::slice::from_ref(&atr),
            &all,
            d("2026-06-01")
        )
        .is_empty());
        // Continuation training older than 24 months no longer counts.
        let f = unmet(&part145(), &[atr], &all, d("2027-01-02"));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].fix, "record continuation training");
    }

    #[test]
    fn every_type_in_scope_needs_its_rating_and_any_type_needs_a_named_scope() {
        let atr = AircraftType::parse("ATR72").unwrap();
        let dash = AircraftType::parse("DHC8").unwrap();
        let lic = q(
            QualificationKind::Licence,
            &["B1"],
            &["ATR72"],
            "2020-01-01",
        );
        let f = unmet(
            &[BasisRequirement::TypeForEveryAircraft],
            &[atr, dash],
            &[&lic],
            d("2026-06-01"),
        );
        assert_eq!(f.len(), 1);
        assert!(f[0].condition.contains("DHC8"), "{f:?}");
        let f = unmet(
            &[BasisRequirement::TypeForEveryAircraft],
            &[],
            &[&lic],
            d("2026-06-01"),
        );
        assert_eq!(f[0].fix, "limit the scope to named aircraft types");
    }
}
