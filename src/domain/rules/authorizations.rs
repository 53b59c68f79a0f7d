//! Rules for qualifications, authorizations and authorization kinds.

use chrono::NaiveDate;

use super::super::authorizations::{
    parse_ata_ranges, AircraftType, Authorization, AuthorizationKind, AuthorizationScope,
    AuthorizationStatus, StatusChange,
};
use super::super::catalog::system;
use super::super::command::{
    AuthorizationEdit, Command, KindEdit, NewAuthorization, NewQualification, QualificationEdit,
};
use super::super::error::{invalid, DomainError, DomainResult};
use super::super::org::{Organisation, Put, Record, RecordKey};
use super::super::qualifications::{Qualification, QualificationKind};
use super::super::text::{self, sanitize};
use super::super::users::UserId;
use super::Ctx;

pub(super) fn add_qualification(cx: &mut Ctx<'_>, nq: &NewQualification) -> DomainResult<String> {
    let org = cx.org;
    let now = cx.now;
    cx.require(system::AUTHORIZATIONS_MANAGE)?;
    let holder = org.resolve_user(&nq.holder)?;
    if holder.is_deleted() {
        return Err(DomainError::Immutable(format!(
            "user {} is deleted",
            holder.handle()
        )));
    }
    let kind = QualificationKind::parse(&nq.kind)?;
    let number = text::required_text("qualification number", &nq.number)?;
    let categories = clean_list("category", &nq.categories)?;
    let type_ratings = clean_list("type rating", &nq.type_ratings)?;
    if let Some(e) = nq.expires {
        if e < nq.issued {
            return Err(invalid(format!(
                "expiry {e} is before the issue date {}",
                nq.issued
            )));
        }
    }
    let id = cx.counters.next_qualification;
    cx.counters.next_qualification += 1;
    let q = Qualification {
        id,
        holder: holder.id,
        kind,
        number,
        categories,
        type_ratings,
        issued: nq.issued,
        expires: nq.expires,
        created_at: now,
    };
    let s = format!(
        "added qualification #{id} {} for {}",
        q.describe(),
        holder.handle()
    );
    cx.puts.push(Put {
        key: RecordKey::Qualification(id),
        before: None,
        after: Some(Record::Qualification(q)),
    });
    Ok(s)
}

pub(super) fn edit_qualification(
    cx: &mut Ctx<'_>,
    id: &u32,
    edit: &QualificationEdit,
) -> DomainResult<String> {
    let org = cx.org;
    cx.require(system::AUTHORIZATIONS_MANAGE)?;
    let before = org.qualification(*id)?;
    live_holder(org, before.holder)?;
    let mut q = before.clone();
    if let Some(n) = &edit.number {
        q.number = text::required_text("qualification number", n)?;
    }
    if let Some(c) = &edit.categories {
        q.categories = clean_list("category", c)?;
    }
    if let Some(t) = &edit.type_ratings {
        q.type_ratings = clean_list("type rating", t)?;
    }
    if let Some(i) = edit.issued {
        q.issued = i;
    }
    if let Some(e) = edit.expires {
        q.expires = e;
    }
    if let Some(e) = q.expires {
        if e < q.issued {
            return Err(invalid(format!(
                "expiry {e} is before the issue date {}",
                q.issued
            )));
        }
    }
    if q == *before {
        return Err(invalid("nothing to change"));
    }
    cx.puts.push(Put {
        key: RecordKey::Qualification(q.id),
        before: Some(Record::Qualification(before.clone())),
        after: Some(Record::Qualification(q.clone())),
    });
    Ok(format!("edited qualification #{} {}", q.id, q.describe()))
}

pub(super) fn add_authorization(cx: &mut Ctx<'_>, na: &NewAuthorization) -> DomainResult<String> {
    let org = cx.org;
    let now = cx.now;
    cx.require(system::AUTHORIZATIONS_MANAGE)?;
    let holder = org.resolve_user(&na.holder)?;
    if holder.is_deleted() {
        return Err(DomainError::Immutable(format!(
            "user {} is deleted",
            holder.handle()
        )));
    }
    let reference = text::required_text("reference", &na.reference)?;
    if org
        .authorizations
        .values()
        .any(|a| a.reference.eq_ignore_ascii_case(&reference))
    {
        return Err(DomainError::Duplicate(format!(
            "authorization reference {reference} is already in use"
        )));
    }
    let kind = org.kind(&na.kind)?;
    cx.reason_for(kind)?;
    kind.check_dates(na.effective_from, na.expires)?;
    let first_issue = na.first_issue.unwrap_or(na.effective_from);
    if first_issue > na.effective_from {
        return Err(invalid(format!(
            "first issue {first_issue} is after the effective date {}",
            na.effective_from
        )));
    }
    let scope = build_scope(&na.aircraft_types, &na.systems, &na.stations)?;
    let limitations = text::free_text("limitations", &na.limitations)?;
    for b in &na.bases {
        let q = org.qualification(*b)?;
        if q.holder != holder.id {
            return Err(invalid(format!(
                "qualification #{b} belongs to someone else"
            )));
        }
    }
    meets_kind(
        org,
        kind,
        &reference,
        &scope,
        &na.bases,
        // Issued on the bases valid when it takes effect (records of past
        // issues can be entered; their standing shows what lapsed since).
        na.effective_from,
    )?;
    let id = cx.counters.next_authorization;
    cx.counters.next_authorization += 1;
    let a = Authorization {
        id,
        holder: holder.id,
        reference: reference.clone(),
        kind: kind.code.clone(),
        scope,
        limitations,
        first_issue,
        effective_from: na.effective_from,
        expires: na.expires,
        issued_by: cx.actor.effective(),
        issued_at: now,
        bases: na.bases.clone(),
        status: AuthorizationStatus::Active,
        history: vec![StatusChange {
            status: AuthorizationStatus::Active,
            reason: "issued".into(),
            by: cx.actor.effective(),
            at: now,
        }],
    };
    let s = format!(
        "issued authorization {reference} ({}) to {}",
        kind.code,
        holder.handle()
    );
    cx.puts.push(Put {
        key: RecordKey::Authorization(id),
        before: None,
        after: Some(Record::Authorization(a)),
    });
    Ok(s)
}

pub(super) fn set_authorization_status(
    cx: &mut Ctx<'_>,
    cmd: &Command,
    reference: &str,
    status: &AuthorizationStatus,
    reason: &str,
) -> DomainResult<String> {
    let org = cx.org;
    let now = cx.now;
    cx.require(system::AUTHORIZATIONS_MANAGE)?;
    let before = org.resolve_authorization(reference)?;
    if *status == AuthorizationStatus::Active {
        // Suspending or revoking a departed person's record is
        // allowed; bringing it back is not.
        live_holder(org, before.holder)?;
    }
    let reason = text::required_text("reason", reason)?;
    let allowed = matches!(
        (before.status, status),
        (AuthorizationStatus::Active, AuthorizationStatus::Suspended)
            | (AuthorizationStatus::Suspended, AuthorizationStatus::Active)
            | (AuthorizationStatus::Active, AuthorizationStatus::Revoked)
            | (AuthorizationStatus::Suspended, AuthorizationStatus::Revoked)
    );
    if !allowed {
        return Err(DomainError::Conflict(format!(
            "authorization {} is {}; cannot make it {}",
            before.reference,
            before.status.word(),
            status.word()
        )));
    }
    let mut a = before.clone();
    a.status = *status;
    a.history.push(StatusChange {
        status: *status,
        reason: reason.clone(),
        by: cx.actor.effective(),
        at: now,
    });
    cx.puts.push(Put {
        key: RecordKey::Authorization(a.id),
        before: Some(Record::Authorization(before.clone())),
        after: Some(Record::Authorization(a.clone())),
    });
    Ok(format!(
        "{} authorization {}: {reason}",
        cmd.name().trim_start_matches("auth "),
        a.reference
    ))
}

pub(super) fn renew_authorization(
    cx: &mut Ctx<'_>,
    reference: &str,
    effective_from: &Option<NaiveDate>,
    expires: &NaiveDate,
) -> DomainResult<String> {
    let org = cx.org;
    cx.require(system::AUTHORIZATIONS_MANAGE)?;
    let before = org.resolve_authorization(reference)?;
    live_holder(org, before.holder)?;
    if before.status == AuthorizationStatus::Revoked {
        return Err(DomainError::Conflict(format!(
            "authorization {} is revoked; issue a new one",
            before.reference
        )));
    }
    let kind = org.kind(&before.kind)?;
    cx.reason_for(kind)?;
    let from = effective_from.unwrap_or(before.effective_from.max(cx.today()));
    kind.check_dates(from, Some(*expires))?;
    // A renewal rests on bases valid from its effective date.
    meets_kind(
        org,
        kind,
        &before.reference,
        &before.scope,
        &before.bases,
        from.max(cx.today()),
    )?;
    if Some(*expires) <= before.expires && from == before.effective_from {
        return Err(invalid(format!(
            "renewal must extend the expiry beyond {}",
            before.expires.map(|d| d.to_string()).unwrap_or_default()
        )));
    }
    let mut a = before.clone();
    a.effective_from = from;
    a.expires = Some(*expires);
    cx.puts.push(Put {
        key: RecordKey::Authorization(a.id),
        before: Some(Record::Authorization(before.clone())),
        after: Some(Record::Authorization(a.clone())),
    });
    Ok(format!(
        "renewed authorization {} from {from} until {expires}",
        a.reference
    ))
}

/// Adds a kind, or changes only the fields the edit names: every other
/// field of an existing kind stays as it is.
pub(super) fn edit_kind(cx: &mut Ctx<'_>, code: &str, edit: &KindEdit) -> DomainResult<String> {
    cx.require(system::AUTHORIZATIONS_MANAGE)?;
    let mut k = match cx.org.kind(code) {
        Ok(k) => k.clone(),
        Err(_) => AuthorizationKind {
            code: code.to_string(),
            name: edit.name.clone().ok_or_else(|| {
                invalid(format!(
                    "kind {} is new: give it a name with --name",
                    sanitize(code.trim())
                ))
            })?,
            expiry_required: false,
            max_validity_months: None,
            warning_days: 60,
            independent: false,
            requires: vec![],
            explicit_types: false,
            reason_required: false,
        },
    };
    if let Some(n) = &edit.name {
        k.name = n.clone();
    }
    if let Some(e) = edit.expiry_required {
        k.expiry_required = e;
    }
    if let Some(m) = edit.max_validity_months {
        k.max_validity_months = m;
    }
    if let Some(w) = edit.warning_days {
        k.warning_days = w;
    }
    if let Some(i) = edit.independent {
        k.independent = i;
    }
    if let Some(r) = &edit.requires {
        k.requires = r.clone();
    }
    if let Some(x) = edit.explicit_types {
        k.explicit_types = x;
    }
    if let Some(r) = edit.reason_required {
        k.reason_required = r;
    }
    set_kind(cx, &k)
}

/// Adds a kind or replaces it whole (by code).
pub(super) fn set_kind(cx: &mut Ctx<'_>, k: &AuthorizationKind) -> DomainResult<String> {
    let org = cx.org;
    cx.require(system::AUTHORIZATIONS_MANAGE)?;
    let code = text::required_text("kind code", &k.code)?.to_ascii_uppercase();
    if code.len() > 12 || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(invalid(format!(
            "malformed kind code '{}' (letters, digits and '-', at most 12)",
            sanitize(&code)
        )));
    }
    let name = text::required_text("kind name", &k.name)?;
    if k.max_validity_months == Some(0) || k.max_validity_months.is_some_and(|m| m > 600) {
        return Err(invalid("maximum validity must be 1 to 600 months"));
    }
    if k.warning_days > 3650 {
        return Err(invalid("the warning horizon must be at most 3650 days"));
    }
    let kind = AuthorizationKind {
        code: code.clone(),
        name,
        ..k.clone()
    };
    let mut settings = org.settings.clone();
    let verb = match settings
        .kinds
        .iter_mut()
        .find(|x| x.code.eq_ignore_ascii_case(&code))
    {
        Some(x) if *x == kind => return Err(invalid("nothing to change")),
        Some(x) => {
            *x = kind.clone();
            "changed"
        }
        None => {
            settings.kinds.push(kind.clone());
            "added"
        }
    };
    cx.puts.push(Put {
        key: RecordKey::Settings,
        before: Some(Record::Settings(Box::new(org.settings.clone()))),
        after: Some(Record::Settings(Box::new(settings))),
    });
    Ok(format!(
        "{verb} authorization kind {code} ({}): expiry {}, maximum {}, warning {} days{}{}{}{}",
        kind.name,
        if kind.expiry_required {
            "required"
        } else {
            "optional"
        },
        kind.max_validity_months
            .map(|m| format!("{m} months"))
            .unwrap_or_else(|| "none".into()),
        kind.warning_days,
        if kind.independent {
            ", independent inspection"
        } else {
            ""
        },
        if kind.requires.is_empty() {
            String::new()
        } else {
            let words: Vec<String> = kind.requires.iter().map(|r| r.word()).collect();
            format!(", requires {}", words.join(", "))
        },
        if kind.explicit_types {
            ", named aircraft types"
        } else {
            ""
        },
        if kind.reason_required {
            ", a reason for every change"
        } else {
            ""
        }
    ))
}

pub(super) fn edit_authorization(
    cx: &mut Ctx<'_>,
    reference: &str,
    edit: &AuthorizationEdit,
) -> DomainResult<String> {
    let org = cx.org;
    cx.require(system::AUTHORIZATIONS_MANAGE)?;
    let before = org.resolve_authorization(reference)?;
    cx.reason_for(org.kind(&before.kind)?)?;
    live_holder(org, before.holder)?;
    if before.status == AuthorizationStatus::Revoked {
        return Err(DomainError::Immutable(format!(
            "authorization {} is revoked and cannot be changed",
            before.reference
        )));
    }
    let mut a = before.clone();
    let scope = build_scope(
        edit.aircraft_types.as_deref().unwrap_or(&[]),
        edit.systems.as_deref().unwrap_or(&[]),
        edit.stations.as_deref().unwrap_or(&[]),
    )?;
    if edit.aircraft_types.is_some() {
        a.scope.aircraft_types = scope.aircraft_types;
    }
    if edit.systems.is_some() {
        a.scope.systems = scope.systems;
    }
    if edit.stations.is_some() {
        a.scope.stations = scope.stations;
    }
    if let Some(l) = &edit.limitations {
        a.limitations = text::free_text("limitations", l)?;
    }
    if let Some(b) = &edit.bases {
        for id in b {
            let q = org.qualification(*id)?;
            if q.holder != a.holder {
                return Err(invalid(format!(
                    "qualification #{id} belongs to someone else"
                )));
            }
        }
        a.bases = b.clone();
    }
    if edit.bases.is_some() || edit.aircraft_types.is_some() {
        let kind = org.kind(&a.kind)?;
        meets_kind(
            org,
            kind,
            &a.reference,
            &a.scope,
            &a.bases,
            a.effective_from.max(cx.today()),
        )?;
    }
    if a == *before {
        return Err(invalid("nothing to change"));
    }
    cx.puts.push(Put {
        key: RecordKey::Authorization(a.id),
        before: Some(Record::Authorization(before.clone())),
        after: Some(Record::Authorization(a.clone())),
    });
    Ok(format!(
        "edited authorization {}: {}",
        a.reference,
        a.scope.describe()
    ))
}

/// Rule 4: a deleted user's records are history; their qualifications and
/// authorizations are not edited, renewed or reinstated.
fn live_holder(org: &Organisation, holder: UserId) -> DomainResult<()> {
    match org.users.get(&holder) {
        Some(u) if u.is_deleted() => Err(DomainError::Immutable(format!(
            "user {} is deleted; their records cannot be changed",
            sanitize(&u.handle())
        ))),
        _ => Ok(()),
    }
}

fn clean_list(field: &str, items: &[String]) -> DomainResult<Vec<String>> {
    items
        .iter()
        .map(|s| text::required_text(field, s))
        .collect()
}

fn build_scope(
    types: &[String],
    systems: &[String],
    stations: &[String],
) -> DomainResult<AuthorizationScope> {
    let mut scope = AuthorizationScope::default();
    for t in types {
        scope.aircraft_types.push(AircraftType::parse(t)?);
    }
    for s in systems {
        scope.systems.extend(parse_ata_ranges(s)?);
    }
    for s in stations {
        let s = text::required_text("station", s)?;
        if s.len() > 10 || !s.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(invalid(format!(
                "malformed station '{}' (letters and digits, e.g. EKBI)",
                sanitize(&s)
            )));
        }
        scope.stations.push(s.to_ascii_uppercase());
    }
    Ok(scope)
}

/// A kind's policy on scope and bases, for an authorization being issued,
/// edited or renewed: named aircraft types where the kind requires them, and
/// bases meeting every requirement on `date`.
fn meets_kind(
    org: &Organisation,
    kind: &AuthorizationKind,
    reference: &str,
    scope: &AuthorizationScope,
    bases: &[u32],
    date: NaiveDate,
) -> DomainResult<()> {
    if kind.explicit_types && scope.aircraft_types.is_empty() {
        return Err(invalid(format!(
            "kind {} needs an explicit aircraft-type scope (name the types; \"any type\" is not allowed)",
            kind.code
        )));
    }
    let quals: Vec<&Qualification> = bases
        .iter()
        .filter_map(|b| org.qualifications.get(b))
        .collect();
    let unmet = super::super::bases::unmet(&kind.requires, &scope.aircraft_types, &quals, date);
    if let Some(first) = unmet.first() {
        return Err(invalid(format!(
            "authorization {} lacks a basis kind {} requires on {date}: {} — fix: {}{}",
            sanitize(reference),
            kind.code,
            first.condition,
            first.fix,
            if unmet.len() > 1 {
                format!(" (and {} more)", unmet.len() - 1)
            } else {
                String::new()
            }
        )));
    }
    Ok(())
}
