//! Authorization kinds: configured per organisation, each with its policy —
//! expiry, maximum validity, warning horizon, independence, the bases its
//! authorizations must rest on, whether their scope must name aircraft
//! types, and whether every change to them needs a reason.
//!
//! Kinds written before `requires` and `explicit_types` existed (layout
//! generation 1, see `domain::layout`) have six fields; the store reads and
//! re-encodes them in that layout, so old bytes stay readable and hash the
//! same.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::bases::BasisRequirement;
use super::error::{invalid, DomainResult};
use super::layout::layout;

/// A kind of authorization with its policy, configured per organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationKind {
    pub code: String,
    pub name: String,
    pub expiry_required: bool,
    pub max_validity_months: Option<u32>,
    pub warning_days: u32,
    /// Inspection kinds: the inspector must not be who performed the work.
    pub independent: bool,
    /// The bases every authorization of this kind must rest on.
    pub requires: Vec<BasisRequirement>,
    /// The scope must name aircraft types ("any type" is never an accident).
    pub explicit_types: bool,
    /// Every change to its authorizations must give a reason (`--reason`).
    pub reason_required: bool,
}

/// Layout generation 1: six fields (serde's remote derive reads and writes
/// the kind itself, with no copy; the newer fields are left out, and read
/// as their defaults).
#[derive(Serialize, Deserialize)]
#[serde(remote = "AuthorizationKind", rename = "AuthorizationKind")]
struct KindV1 {
    code: String,
    name: String,
    expiry_required: bool,
    max_validity_months: Option<u32>,
    warning_days: u32,
    independent: bool,
    #[serde(skip)]
    requires: Vec<BasisRequirement>,
    #[serde(skip)]
    explicit_types: bool,
    #[serde(skip)]
    reason_required: bool,
}

/// Layout generation 2 on: the bases, explicit types and required reasons.
#[derive(Serialize, Deserialize)]
#[serde(remote = "AuthorizationKind", rename = "AuthorizationKind")]
struct KindV2 {
    code: String,
    name: String,
    expiry_required: bool,
    max_validity_months: Option<u32>,
    warning_days: u32,
    independent: bool,
    #[serde(default)]
    requires: Vec<BasisRequirement>,
    #[serde(default)]
    explicit_types: bool,
    #[serde(default)]
    reason_required: bool,
}

impl Serialize for AuthorizationKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if layout() < 2 {
            KindV1::serialize(self, s)
        } else {
            KindV2::serialize(self, s)
        }
    }
}

impl<'de> Deserialize<'de> for AuthorizationKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if layout() < 2 {
            KindV1::deserialize(d)
        } else {
            KindV2::deserialize(d)
        }
    }
}

impl AuthorizationKind {
    /// Checks an authorization's dates against this kind's policy.
    pub fn check_dates(
        &self,
        effective_from: NaiveDate,
        expires: Option<NaiveDate>,
    ) -> DomainResult<()> {
        match expires {
            None if self.expiry_required => Err(invalid(format!(
                "kind {} requires an expiry date",
                self.code
            ))),
            None => Ok(()),
            Some(e) => {
                if e < effective_from {
                    return Err(invalid(format!(
                        "expiry {e} is before the effective date {effective_from}"
                    )));
                }
                if let Some(m) = self.max_validity_months {
                    let limit = effective_from
                        .checked_add_months(Months::new(m))
                        .unwrap_or(NaiveDate::MAX);
                    if e > limit {
                        return Err(invalid(format!(
                            "expiry {e} is beyond kind {}'s maximum validity of {m} months (latest {limit})",
                            self.code
                        )));
                    }
                }
                Ok(())
            }
        }
    }
}
