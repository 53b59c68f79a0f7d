//! The access engine: effective levels per user (the join of roles and
//! personal grants in force), the check, and explanations.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::catalog::{Level, PermIndex, Scale};
use super::conditions::{organisation_gate, owner_window, record_lock, RecordConditions, Window};
use super::error::{invalid, DomainResult};
use super::org::Organisation;
use super::users::{User, UserStatus};

/// A user's effective levels, valid until `next_change` (the earliest future
/// expiry of their access, an assignment or a grant).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectiveLevels {
    pub levels: Vec<Level>,
    pub next_change: Option<DateTime<Utc>>,
}

fn earliest(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

/// Whether `user` is deactivated in an organisation that lets deactivated
/// users keep read-only access to their own records, and not past their
/// access expiry.
pub fn reads_own_only(org: &Organisation, user: &User, at: DateTime<Utc>) -> bool {
    user.status == UserStatus::Deactivated
        && org.settings.deactivated_read_own
        && org.zone().holds_until(user.access_until, at)
}

/// What a deactivated user keeps where the organisation says so: the `own`
/// relation of every view permission (a scope permission named `….view`),
/// nothing else.
fn read_own_mask(org: &Organisation, levels: &mut [Level]) {
    for (l, p) in levels.iter_mut().zip(&org.catalog().permissions) {
        *l &= read_own_keeps(p);
    }
}

/// The bits of permission `p` a deactivated user keeps ([`reads_own_only`]).
pub fn read_own_keeps(p: &super::catalog::Permission) -> Level {
    let keep = matches!(p.scale, Scale::Scope { .. }) && p.key.ends_with(".view");
    if keep {
        super::catalog::OWN
    } else {
        0
    }
}

/// The join (bitwise OR) of every role and personal grant in force at `at`.
/// A user who holds no access (invited, deactivated, deleted, expired) gets
/// all zeros — except a deactivated user where the organisation lets them
/// keep read-only access to their own records ([`reads_own_only`]).
pub fn effective_levels(org: &Organisation, user: &User, at: DateTime<Utc>) -> EffectiveLevels {
    let catalog = org.catalog();
    let zone = org.zone();
    let mut levels = vec![0; catalog.len()];
    if !user.holds_access(at, zone) {
        if reads_own_only(org, user, at) {
            let mut active = user.clone();
            active.status = UserStatus::Active;
            let mut e = effective_levels(org, &active, at);
            read_own_mask(org, &mut e.levels);
            return e;
        }
        return EffectiveLevels {
            levels,
            next_change: None,
        };
    }
    let end_of = |d| zone.end_of(d);
    let mut next = user.access_until.map(end_of);
    for a in &user.roles {
        if !zone.holds_until(a.until, at) {
            continue;
        }
        next = earliest(next, a.until.map(end_of));
        let Some(role) = org.roles.get(&a.role) else {
            continue;
        };
        if role.builtin_admin {
            for (l, top) in levels.iter_mut().zip(catalog.tops()) {
                *l |= top;
            }
        } else {
            for (key, level) in &role.levels {
                if let Some(i) = catalog.index_of(key) {
                    levels[i] |= level;
                }
            }
        }
    }
    for g in &user.grants {
        if !zone.holds_until(g.until, at) {
            continue;
        }
        next = earliest(next, g.until.map(end_of));
        if let Some(i) = catalog.index_of(&g.permission) {
            levels[i] |= g.level;
        }
    }
    EffectiveLevels {
        levels,
        next_change: next,
    }
}

/// The levels a user would hold if active with no access expiry: what an
/// operator takes responsibility for when editing, reactivating or deleting
/// them (a deactivated administrator is still an administrator to reactivate).
pub fn potential_levels(org: &Organisation, user: &User, at: DateTime<Utc>) -> Vec<Level> {
    let mut u = user.clone();
    u.status = super::users::UserStatus::Active;
    u.access_until = None;
    effective_levels(org, &u, at).levels
}

/// Whether an effective level satisfies a required one on a scale:
/// containment for access and grant, any shared relation for scope.
#[inline]
pub fn level_allows(scale: &Scale, effective: Level, required: Level) -> bool {
    if scale.checks_any() {
        effective & required != 0
    } else {
        effective & required == required
    }
}

/// `a` lies within `b`: every bit of `a` is in `b`.
#[inline]
pub fn within(a: &[Level], b: &[Level]) -> bool {
    a.iter().zip(b).all(|(x, y)| x & !y == 0)
}

/// The precomputed table of every user's effective levels (in `table`).
pub use super::table::AccessTable;

/// Where some bits of an effective level come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Source {
    /// "role Instructor" or "personal grant"
    pub from: String,
    pub level: String,
    pub until: Option<NaiveDate>,
    /// False when expired (shown, but gives nothing).
    pub in_force: bool,
}

/// One permission's effective level with its sources.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LevelExplanation {
    pub permission: String,
    pub scale: &'static str,
    pub effective: String,
    pub sources: Vec<Source>,
    /// Why the organisation closes this permission to everyone (its area
    /// switched off, setup mode off), if it does: the level then gives
    /// nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed: Option<String>,
}

/// What gives `user` permission `perm`: each role with a level on it and the
/// personal grant, with expiry, in force at `at` or not.
pub fn sources_of(
    org: &Organisation,
    user: &User,
    perm: PermIndex,
    at: DateTime<Utc>,
) -> Vec<Source> {
    let catalog = org.catalog();
    let zone = org.zone();
    let active = user.holds_access(at, zone);
    let p = catalog.get(perm);
    let mut sources = Vec::new();
    for a in &user.roles {
        let Some(role) = org.roles.get(&a.role) else {
            continue;
        };
        let l = role.level(catalog, perm);
        if l != 0 {
            sources.push(Source {
                from: format!("role {}", role.name),
                level: p.scale.level_word(l),
                until: a.until,
                in_force: active && zone.holds_until(a.until, at),
            });
        }
    }
    if let Some(g) = user.grant(&p.key) {
        if g.level != 0 {
            sources.push(Source {
                from: "personal grant".into(),
                level: p.scale.level_word(g.level),
                until: g.until,
                in_force: active && zone.holds_until(g.until, at),
            });
        }
    }
    sources
}

/// Every permission with a non-zero level from any source (in force or not).
pub fn explain(org: &Organisation, user: &User, at: DateTime<Utc>) -> Vec<LevelExplanation> {
    let catalog = org.catalog();
    let eff = effective_levels(org, user, at);
    let mut out = Vec::new();
    for (i, p) in catalog.permissions.iter().enumerate() {
        let sources = sources_of(org, user, i, at);
        if !sources.is_empty() {
            out.push(LevelExplanation {
                permission: p.key.clone(),
                scale: p.scale.name(),
                effective: p.scale.level_word(eff.levels[i]),
                sources,
                closed: organisation_gate(&org.settings, p),
            });
        }
    }
    out
}

/// The answer to "may this user do this?", with why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub allowed: bool,
    pub user: String,
    pub permission: String,
    pub required: String,
    pub effective: String,
    pub reason: String,
    /// The condition that decided, checked in this order: `organisation`
    /// (area switched off, setup mode), `standing` (the person holds no
    /// access), `record state` (a locked state), then `level` or `owner
    /// window`.
    pub decided_by: &'static str,
    pub sources: Vec<Source>,
}

/// What a check asks for: a level word, or relations for a scope permission.
#[derive(Debug, Clone, Default)]
pub struct Requirement {
    pub level: Option<String>,
    pub relations: Vec<String>,
}

/// Resolves a requirement to bits: the named level, the named relations, or
/// by default the lowest non-none level (view / yes / any relation).
pub fn required_level(scale: &Scale, req: &Requirement) -> DomainResult<Level> {
    let mut bits = 0;
    if let Some(l) = &req.level {
        bits |= scale.parse_level(l)?;
    }
    for r in &req.relations {
        bits |= scale.parse_relation(r)?;
    }
    if req.level.is_none() && req.relations.is_empty() {
        bits = match scale {
            Scale::Access => super::catalog::VIEW,
            Scale::Grant => super::catalog::YES,
            Scale::Scope { .. } => scale.top(),
        };
    }
    if bits == 0 {
        return Err(invalid("nothing to check: the required level is none"));
    }
    Ok(bits)
}

/// What a requirement asks for, in words: a level, or for a scope scale the
/// relations of which any one suffices ("own or students"), never "all"
/// when any one relation would do.
pub fn requirement_word(scale: &Scale, required: Level) -> String {
    match scale {
        Scale::Scope { relations } if required.count_ones() > 1 => relations
            .iter()
            .enumerate()
            .filter(|(i, _)| required & (1 << i) != 0)
            .map(|(_, r)| r.as_str())
            .collect::<Vec<_>>()
            .join(" or "),
        _ => scale.level_word(required),
    }
}

/// The check with its explanation, for a record in `cond` (age and state;
/// empty when the caller states nothing about the record). In order: the
/// organisation may close the permission to everyone; a person who holds
/// no access is denied; a locked record state denies everyone; then the
/// levels decide, and where they deny, an open owner window allows.
pub fn check(
    org: &Organisation,
    user: &User,
    perm: PermIndex,
    required: Level,
    cond: &RecordConditions,
    at: DateTime<Utc>,
) -> Decision {
    let p = org.catalog().get(perm);
    let eff = effective_levels(org, user, at).levels[perm];
    let by_level = level_allows(&p.scale, eff, required);
    let sources = explain(org, user, at)
        .into_iter()
        .find(|e| e.permission == p.key)
        .map(|e| e.sources)
        .unwrap_or_default();
    let need = requirement_word(&p.scale, required);
    let window = owner_window(p, required, cond);
    let (allowed, decided_by, reason) = if let Some(why) = organisation_gate(&org.settings, p) {
        (false, "organisation", format!("denied: {why}"))
    } else if reads_own_only(org, user, at) {
        if by_level {
            let why = format!(
                "allowed: {} — the user is deactivated and keeps read-only access to their own records",
                p.scale.level_word(eff)
            );
            (true, "standing", why)
        } else {
            let why = "denied: the user is deactivated and keeps only read-only access to their own records"
                .to_string();
            (false, "standing", why)
        }
    } else if !user.holds_access(at, org.zone()) {
        let why = match user.status {
            super::users::UserStatus::Active => format!(
                "denied: access expired on {}",
                user.access_until.map(|d| d.to_string()).unwrap_or_default()
            ),
            s => format!("denied: the user is {} and holds no access", s.word()),
        };
        (false, "standing", why)
    } else if let Some(why) = record_lock(p, cond) {
        (false, "record state", format!("denied: {why}"))
    } else if by_level {
        let givers: Vec<String> = sources
            .iter()
            .filter(|s| s.in_force)
            .map(|s| format!("{} ({})", s.from, s.level))
            .collect();
        let why = format!(
            "allowed: {} from {}",
            p.scale.level_word(eff),
            givers.join(", ")
        );
        (true, "level", why)
    } else if let Window::Open { hours, age_seconds } = window {
        let why = format!(
            "allowed: within the {hours}h owner window of {} — the record was confirmed {} ago; no level needed",
            p.key,
            super::conditions::age_word(chrono::Duration::seconds(age_seconds))
        );
        (true, "owner window", why)
    } else {
        let mut why = level_denial(p, eff, &need, &sources);
        if let Some(note) = window.denial_note() {
            why = format!("{why}; {note}");
        }
        let decided = if matches!(window, Window::NotApplicable) {
            "level"
        } else {
            "owner window"
        };
        (false, decided, why)
    };
    Decision {
        allowed,
        user: user.handle(),
        permission: p.key.clone(),
        required: need,
        effective: p.scale.level_word(eff),
        reason,
        decided_by,
        sources,
    }
}

/// Why the levels deny: nothing in force, or too little.
fn level_denial(
    p: &super::permission::Permission,
    eff: Level,
    need: &str,
    sources: &[Source],
) -> String {
    if eff != 0 {
        return format!("denied: needs {need}, holds {}", p.scale.level_word(eff));
    }
    let expired: Vec<String> = sources
        .iter()
        .filter(|s| !s.in_force)
        .map(|s| {
            format!(
                "{} expired {}",
                s.from,
                s.until.map(|d| d.to_string()).unwrap_or_default()
            )
        })
        .collect();
    if expired.is_empty() {
        format!("denied: no role or grant gives {}", p.key)
    } else {
        format!("denied: no level in force ({})", expired.join(", "))
    }
}

#[cfg(test)]
mod requirement_tests {
    use super::*;

    #[test]
    fn a_scope_requirement_reads_as_any_of_its_relations() {
        let scale = Scale::Scope {
            relations: vec!["own".into(), "other".into(), "students".into()],
        };
        assert_eq!(requirement_word(&scale, 0b111), "own or other or students");
        assert_eq!(requirement_word(&scale, 0b100), "students");
        assert_eq!(requirement_word(&Scale::Access, 0b01), "view");
    }
}
