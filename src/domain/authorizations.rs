//! Personnel authorizations: what the organisation approves a person to do,
//! their kinds and policies, validity on a date, and the signoff check.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::error::{invalid, DomainResult};
use super::qualifications::{Qualification, QualificationId, QualificationKind};
use super::text;
use super::users::{User, UserId};

pub type AuthorizationId = u32;

pub use super::kinds::AuthorizationKind;

/// An aircraft type, optionally narrowed to one variant: `ATR72` or `ATR72:600`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AircraftType {
    pub type_code: String,
    pub variant: Option<String>,
}

impl AircraftType {
    pub fn parse(s: &str) -> DomainResult<Self> {
        let s = text::required_text("aircraft type", s)?;
        let (t, v) = match s.split_once(':') {
            Some((t, v)) => (t.trim(), Some(v.trim())),
            None => (s.as_str(), None),
        };
        let ok = |x: &str| {
            !x.is_empty()
                && x.len() <= 40
                && x.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | ' '))
        };
        if !ok(t) || v.is_some_and(|v| !ok(v)) {
            return Err(invalid(format!(
                "malformed aircraft type '{}' (use TYPE or TYPE:VARIANT, e.g. ATR72:600)",
                text::sanitize(&s)
            )));
        }
        Ok(AircraftType {
            type_code: t.to_ascii_uppercase(),
            variant: v.map(str::to_ascii_uppercase),
        })
    }

    /// Whether this scope entry covers the requested type (a type without a
    /// variant covers every variant).
    pub fn covers(&self, wanted: &AircraftType) -> bool {
        self.type_code == wanted.type_code
            && (self.variant.is_none() || self.variant == wanted.variant)
    }
}

impl std::fmt::Display for AircraftType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.variant {
            Some(v) => write!(f, "{}:{}", self.type_code, v),
            None => f.write_str(&self.type_code),
        }
    }
}

/// What an authorization covers. An empty list means "any".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizationScope {
    pub aircraft_types: Vec<AircraftType>,
    /// ATA chapters as inclusive ranges.
    pub systems: Vec<(u8, u8)>,
    pub stations: Vec<String>,
}

/// Parses "21-36,52" into chapter ranges.
pub fn parse_ata_ranges(s: &str) -> DomainResult<Vec<(u8, u8)>> {
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (a, b) = match part.split_once('-') {
            Some((a, b)) => (parse_ata(a)?, parse_ata(b)?),
            None => {
                let a = parse_ata(part)?;
                (a, a)
            }
        };
        if b < a {
            return Err(invalid(format!("ATA range {part} runs backwards")));
        }
        out.push((a, b));
    }
    Ok(out)
}

/// Parses an ATA chapter ("32", "ATA 32", or "32-11" meaning chapter 32 section 11).
pub fn parse_ata(s: &str) -> DomainResult<u8> {
    let t = s.trim();
    let t = t
        .strip_prefix("ATA")
        .or_else(|| t.strip_prefix("ata"))
        .unwrap_or(t)
        .trim();
    let chapter = t.split(['-', '.']).next().unwrap_or("");
    chapter
        .parse::<u8>()
        .ok()
        .filter(|c| *c <= 99 && !chapter.is_empty())
        .ok_or_else(|| {
            invalid(format!(
                "malformed ATA chapter '{}' (00-99)",
                text::sanitize(s)
            ))
        })
}

pub fn format_ata_ranges(r: &[(u8, u8)]) -> String {
    if r.is_empty() {
        return "any".into();
    }
    r.iter()
        .map(|(a, b)| {
            if a == b {
                format!("{a:02}")
            } else {
                format!("{a:02}-{b:02}")
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

impl AuthorizationScope {
    pub fn covers_type(&self, t: &AircraftType) -> bool {
        self.aircraft_types.is_empty() || self.aircraft_types.iter().any(|s| s.covers(t))
    }
    pub fn covers_system(&self, ata: Option<u8>) -> bool {
        match ata {
            None => true,
            Some(c) => {
                self.systems.is_empty() || self.systems.iter().any(|(a, b)| *a <= c && c <= *b)
            }
        }
    }
    pub fn covers_station(&self, station: Option<&str>) -> bool {
        match station {
            None => true,
            Some(s) => {
                self.stations.is_empty() || self.stations.iter().any(|x| x.eq_ignore_ascii_case(s))
            }
        }
    }

    pub fn describe(&self) -> String {
        let types = if self.aircraft_types.is_empty() {
            "any type".to_string()
        } else {
            self.aircraft_types
                .iter()
                .map(|t| t.to_string())
                .collect::<Vec<_>>()
                .join(",")
        };
        let stations = if self.stations.is_empty() {
            "any station".to_string()
        } else {
            self.stations.join(",")
        };
        format!(
            "{types}; ATA {}; {stations}",
            format_ata_ranges(&self.systems)
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuthorizationStatus {
    Active,
    Suspended,
    Revoked,
}

impl AuthorizationStatus {
    pub fn word(self) -> &'static str {
        match self {
            AuthorizationStatus::Active => "active",
            AuthorizationStatus::Suspended => "suspended",
            AuthorizationStatus::Revoked => "revoked",
        }
    }
}

/// One change of status, with why and by whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    pub status: AuthorizationStatus,
    pub reason: String,
    pub by: UserId,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Authorization {
    pub id: AuthorizationId,
    pub holder: UserId,
    /// Unique reference number, e.g. "CS-014".
    pub reference: String,
    pub kind: String,
    pub scope: AuthorizationScope,
    pub limitations: String,
    pub first_issue: NaiveDate,
    pub effective_from: NaiveDate,
    pub expires: Option<NaiveDate>,
    pub issued_by: UserId,
    pub issued_at: DateTime<Utc>,
    pub bases: Vec<QualificationId>,
    pub status: AuthorizationStatus,
    pub history: Vec<StatusChange>,
}

/// How an authorization stands on a date, for display (✓ ! ✗ ⊘).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Standing {
    Valid,
    Expiring,
    Expired,
    NotYetEffective,
    Suspended,
    Revoked,
    /// In its dates, but a basis is not valid or the kind's requirements are
    /// not met: not valid for signoffs.
    MissingBasis,
}

impl Standing {
    pub fn word(self) -> &'static str {
        match self {
            Standing::Valid => "valid",
            Standing::Expiring => "expiring",
            Standing::Expired => "expired",
            Standing::NotYetEffective => "not yet effective",
            Standing::Suspended => "suspended",
            Standing::Revoked => "revoked",
            Standing::MissingBasis => "missing basis",
        }
    }
}

impl Authorization {
    /// Status and dates only (not holder or bases): how it stands on `date`.
    pub fn standing(&self, date: NaiveDate, kind: Option<&AuthorizationKind>) -> Standing {
        match self.status {
            AuthorizationStatus::Suspended => return Standing::Suspended,
            AuthorizationStatus::Revoked => return Standing::Revoked,
            AuthorizationStatus::Active => {}
        }
        if date < self.effective_from {
            return Standing::NotYetEffective;
        }
        match self.expires {
            Some(e) if date > e => Standing::Expired,
            Some(e) => {
                let horizon = kind.map_or(0, |k| k.warning_days) as i64;
                if (e - date).num_days() <= horizon {
                    Standing::Expiring
                } else {
                    Standing::Valid
                }
            }
            None => Standing::Valid,
        }
    }

    pub fn days_to_expiry(&self, date: NaiveDate) -> Option<i64> {
        self.expires.map(|e| (e - date).num_days())
    }
}

/// One failed condition of a signoff check, with what would make it pass.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    pub condition: String,
    pub fix: String,
}

/// The answer to "may this person sign this off?".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignoffDecision {
    pub allowed: bool,
    /// The covering authorization's reference when allowed.
    pub covering: Option<String>,
    /// Every failed condition, decisive first (empty when allowed).
    pub failures: Vec<Failure>,
}

/// What is to be signed off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignoffRequest {
    pub kind: String,
    pub aircraft_type: AircraftType,
    pub system: Option<u8>,
    pub station: Option<String>,
    pub date: NaiveDate,
    pub performed_by: Option<UserId>,
}

fn fail(condition: impl Into<String>, fix: impl Into<String>) -> Failure {
    Failure {
        condition: condition.into(),
        fix: fix.into(),
    }
}

/// Whether the holder is active on `date` (status active, access not expired).
pub fn holder_active_on(holder: &User, date: NaiveDate) -> bool {
    holder.status == super::users::UserStatus::Active
        && holder.access_until.is_none_or(|u| date <= u)
}

/// Every reason one authorization does not cover the request, in order of
/// how decisive it is. Empty: it covers.
pub fn authorization_failures(
    auth: &Authorization,
    holder: &User,
    bases: &[&Qualification],
    req: &SignoffRequest,
) -> Vec<Failure> {
    let r = &auth.reference;
    let mut out = Vec::new();
    match auth.status {
        AuthorizationStatus::Revoked => out.push(fail(
            format!("authorization {r} is revoked"),
            format!("issue a new {} authorization", auth.kind),
        )),
        AuthorizationStatus::Suspended => out.push(fail(
            format!("authorization {r} is suspended"),
            format!("reinstate authorization {r}"),
        )),
        AuthorizationStatus::Active => {}
    }
    if req.date < auth.effective_from {
        out.push(fail(
            format!(
                "authorization {r} is not effective until {}",
                auth.effective_from
            ),
            format!(
                "wait until {} or change its effective date",
                auth.effective_from
            ),
        ));
    }
    if let Some(e) = auth.expires {
        if req.date > e {
            out.push(fail(
                format!("authorization {r} expired on {e}"),
                format!("renew authorization {r}"),
            ));
        }
    }
    if !holder_active_on(holder, req.date) {
        out.push(fail(
            format!("the holder is not active on {}", req.date),
            "reactivate the holder or extend their access",
        ));
    }
    if !auth.scope.covers_type(&req.aircraft_type) {
        out.push(fail(
            format!(
                "authorization {r} does not cover aircraft type {}",
                req.aircraft_type
            ),
            format!("extend scope to type {}", req.aircraft_type),
        ));
    }
    if !auth.scope.covers_system(req.system) {
        let c = req.system.unwrap_or_default();
        out.push(fail(
            format!("authorization {r} does not cover ATA {c:02}"),
            format!("extend scope to ATA {c:02}"),
        ));
    }
    if !auth.scope.covers_station(req.station.as_deref()) {
        let s = req.station.clone().unwrap_or_default();
        out.push(fail(
            format!("authorization {r} does not cover station {s}"),
            format!("extend scope to station {s}"),
        ));
    }
    for q in bases {
        if !q.valid_on(req.date) {
            let what = match q.kind {
                QualificationKind::Licence => "licence",
                QualificationKind::TypeTraining => "type training",
                QualificationKind::ContinuationTraining => "continuation training",
                QualificationKind::CompetenceAssessment => "competence assessment",
                QualificationKind::Other => "qualification",
            };
            let when = match q.expires {
                Some(e) if req.date > e => format!("expired on {e}"),
                _ => format!("not issued until {}", q.issued),
            };
            out.push(fail(
                format!("basis {what} {} {when}", q.number),
                format!("renew {what} ({})", q.number),
            ));
        }
    }
    out
}

/// Whether the person may complete signoffs in the system: `Ok` when
/// `signoffs.complete` is theirs and open, else the failure to report.
pub type SignoffPermission = Result<(), Failure>;

/// The failure when no role or grant gives `signoffs.complete`.
pub fn no_signoff_permission() -> Failure {
    fail(
        "no signoffs.complete permission from roles or grants",
        "assign a role that holds signoffs.complete",
    )
}

/// The failure when the organisation closes `signoffs.complete` (its area
/// switched off): `why` says so.
pub fn closed_signoff_permission(why: &str) -> Failure {
    fail(
        why.to_string(),
        "an account administrator switches the area on (feature on)",
    )
}

/// The signoff check: needs `signoffs.complete` from the person's roles and a
/// valid authorization covering kind, type, system and station on the date;
/// for an independent (inspection) kind, the inspector must not be the one
/// who performed the work.
pub fn signoff_check(
    person: &User,
    permission: SignoffPermission,
    kind: &AuthorizationKind,
    candidates: &[(&Authorization, Vec<&Qualification>)],
    req: &SignoffRequest,
) -> SignoffDecision {
    let mut general = Vec::new();
    if !holder_active_on(person, req.date) {
        general.push(fail(
            format!("{} is not active on {}", person.name(), req.date),
            "reactivate the person or extend their access",
        ));
    }
    if let Err(f) = permission {
        general.push(f);
    }
    if kind.independent && req.performed_by == Some(person.id) {
        general.push(fail(
            format!(
                "{} is an independent inspection and this person performed the work",
                kind.code
            ),
            "have another authorized person inspect",
        ));
    }
    let mut best: Option<(&Authorization, Vec<Failure>)> = None;
    for (auth, bases) in candidates.iter().filter(|(a, _)| a.kind == kind.code) {
        let mut f = authorization_failures(auth, person, bases, req);
        // The bases the kind requires, for the type signed off.
        f.extend(super::bases::unmet(
            &kind.requires,
            std::slice::from_ref(&req.aircraft_type),
            bases,
            req.date,
        ));
        let better = match &best {
            None => true,
            Some((b, bf)) => {
                f.len() < bf.len() || (f.len() == bf.len() && auth.expires > b.expires)
            }
        };
        if better {
            best = Some((auth, f));
        }
    }
    match best {
        Some((auth, f)) if f.is_empty() && general.is_empty() => SignoffDecision {
            allowed: true,
            covering: Some(auth.reference.clone()),
            failures: vec![],
        },
        Some((_, f)) => {
            general.extend(f);
            SignoffDecision {
                allowed: false,
                covering: None,
                failures: general,
            }
        }
        None => {
            general.push(fail(
                format!("no {} authorization ({}) on record", kind.code, kind.name),
                format!("issue a {} authorization", kind.code),
            ));
            SignoffDecision {
                allowed: false,
                covering: None,
                failures: general,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ata_ranges_parse_and_cover() {
        let r = parse_ata_ranges("21-36, 52").unwrap();
        assert_eq!(r, vec![(21, 36), (52, 52)]);
        let s = AuthorizationScope {
            systems: r,
            ..Default::default()
        };
        assert!(s.covers_system(Some(32)));
        assert!(!s.covers_system(Some(49)));
        assert!(s.covers_system(None));
        assert!(parse_ata_ranges("36-21").is_err());
        assert!(parse_ata_ranges("x").is_err());
        assert_eq!(parse_ata("ATA 32-11").unwrap(), 32);
    }

    #[test]
    fn type_without_variant_covers_every_variant() {
        let atr = AircraftType::parse("atr72").unwrap();
        let v600 = AircraftType::parse("ATR72:600").unwrap();
        assert!(atr.covers(&v600));
        assert!(!v600.covers(&AircraftType::parse("ATR72:500").unwrap()));
        assert!(AircraftType::parse("A\u{1b}").is_err());
    }

    #[test]
    fn kind_policy_checks_dates() {
        let k = AuthorizationKind {
            code: "B1".into(),
            name: "B1".into(),
            expiry_required: true,
            max_validity_months: Some(24),
            warning_days: 60,
            independent: false,
            requires: vec![],
            explicit_types: false,
            reason_required: false,
        };
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert!(k.check_dates(d("2026-01-01"), None).is_err());
        assert!(k
            .check_dates(d("2026-01-01"), Some(d("2025-12-31")))
            .is_err());
        assert!(k
            .check_dates(d("2026-01-01"), Some(d("2028-01-01")))
            .is_ok());
        assert!(k
            .check_dates(d("2026-01-01"), Some(d("2028-01-02")))
            .is_err());
    }
}
