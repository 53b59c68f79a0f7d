//! Separation of duties: rules naming permissions (each with an optional
//! minimum level) or roles that one person may not hold together, the
//! exceptions recorded against them, and who violates them at an instant.
//!
//! "Holds" is the engine's: a permission by [`effective_levels`] (roles and
//! personal grants in force, the person's standing), a role by an
//! assignment in force. The built-in account administrator holds every
//! permission by definition and is outside these rules (rule 3 and reviews
//! of privileged access govern them).
//!
//! A change is refused when it creates a violation for a person who did not
//! have one: that is judged on what the person would hold if active
//! ([`potential_levels`]), so that adding roles to an invited or
//! deactivated person cannot prepare a violation that their acceptance or
//! reactivation would then bring in unchecked.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::catalog::Level;
use super::engine::{effective_levels, potential_levels, sources_of, Source};
use super::error::{invalid, DomainResult};
use super::kiosk::Removal;
use super::org::{Change, Organisation, Record};
use super::roles::RoleId;
use super::users::{User, UserId};

pub type SodRuleId = u32;

/// The most permissions or roles one rule names.
pub const MAX_MEMBERS: usize = 8;

/// A rule: one person may not hold all of its members at once. Removed
/// rules stay on record (ids are never reused).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SodRule {
    pub id: SodRuleId,
    pub name: String,
    /// Why the duties are kept apart (may be empty).
    pub reason: String,
    pub members: SodMembers,
    pub added_by: UserId,
    pub added_at: DateTime<Utc>,
    pub removed: Option<Removal>,
    /// Exceptions in force (expired ones are dropped when the rule is next
    /// written; the audit log keeps them).
    pub exceptions: Vec<SodException>,
}

/// What a rule keeps apart: two or more permissions, or two or more roles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SodMembers {
    Permissions(Vec<SodPermission>),
    Roles(Vec<RoleId>),
}

/// A permission a rule names, by key, with the least level that counts as
/// holding it (0: any level above none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SodPermission {
    pub key: String,
    pub level: Level,
}

/// A person allowed to hold what a rule keeps apart, with why, until a
/// day (inclusive, in the organisation's time zone), and who allowed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SodException {
    pub user: UserId,
    pub reason: String,
    pub until: NaiveDate,
    pub by: UserId,
    pub at: DateTime<Utc>,
}

impl SodRule {
    pub fn is_live(&self) -> bool {
        self.removed.is_none()
    }

    /// The exception covering `user` on `day`, if any.
    pub fn exception(&self, user: UserId, day: NaiveDate) -> Option<&SodException> {
        self.exceptions
            .iter()
            .find(|e| e.user == user && e.until >= day)
    }

    /// The members in words: "purchase_orders.approve + receiving_inspections.complete".
    pub fn describe(&self, org: &Organisation) -> String {
        member_words(org, &self.members).join(" + ")
    }
}

/// Each member in words: a permission with its least level if one is
/// named (`key=level`), a role by name.
pub fn member_words(org: &Organisation, members: &SodMembers) -> Vec<String> {
    match members {
        SodMembers::Permissions(ps) => ps
            .iter()
            .map(|p| match (p.level, org.catalog().index_of(&p.key)) {
                (0, _) | (_, None) => p.key.clone(),
                (l, Some(i)) => format!("{}={}", p.key, org.catalog().get(i).scale.level_word(l)),
            })
            .collect(),
        SodMembers::Roles(rs) => rs
            .iter()
            .map(|r| {
                org.roles
                    .get(r)
                    .map_or(format!("role #{r}"), |r| r.name.clone())
            })
            .collect(),
    }
}

/// Parses `key` or `key=level` against the catalog.
pub fn parse_permission(org: &Organisation, spec: &str) -> DomainResult<SodPermission> {
    let (key, level) = match spec.split_once('=') {
        Some((k, l)) => (k.trim(), Some(l.trim())),
        None => (spec.trim(), None),
    };
    let i = org
        .catalog()
        .index_of(key)
        .ok_or_else(|| super::error::unknown("permission", super::text::sanitize(key)))?;
    let level = match level {
        Some(w) => org
            .catalog()
            .get(i)
            .scale
            .parse_level(w)
            .map_err(|e| invalid(format!("{key}: {e}")))?,
        None => 0,
    };
    if level == 0 && spec.contains('=') {
        return Err(invalid(format!(
            "{key}: a rule's least level must be above none"
        )));
    }
    Ok(SodPermission {
        key: key.to_string(),
        level,
    })
}

/// Whether an effective level counts as holding a rule's permission: any
/// level above none, or every bit of the least level named.
pub fn level_holds(effective: Level, least: Level) -> bool {
    if least == 0 {
        effective != 0
    } else {
        effective & least == least
    }
}

/// Whether `user` holds the built-in administrator role at `at`.
fn is_admin(org: &Organisation, user: &User, at: DateTime<Utc>) -> bool {
    user.assignment(org.settings.admin_role)
        .is_some_and(|a| org.zone().holds_until(a.until, at))
}

/// Whether `user` holds every member of `rule` at `at` (`potential`: as if
/// active with no access expiry).
pub fn holds_all(
    org: &Organisation,
    rule: &SodRule,
    user: &User,
    at: DateTime<Utc>,
    potential: bool,
) -> bool {
    if !rule.is_live() || user.is_deleted() || is_admin(org, user, at) {
        return false;
    }
    if !potential && !user.holds_access(at, org.zone()) {
        return false;
    }
    match &rule.members {
        SodMembers::Permissions(ps) => {
            let levels = if potential {
                potential_levels(org, user, at)
            } else {
                effective_levels(org, user, at).levels
            };
            ps.iter().all(|p| {
                org.catalog()
                    .index_of(&p.key)
                    .is_some_and(|i| level_holds(levels[i], p.level))
            })
        }
        SodMembers::Roles(rs) => rs.iter().all(|r| {
            user.assignment(*r)
                .is_some_and(|a| org.zone().holds_until(a.until, at))
        }),
    }
}

/// The live rules `user` would break at `at` with no exception covering
/// them (judged as if active: see the module's note).
pub fn open_violations(org: &Organisation, user: &User, at: DateTime<Utc>) -> BTreeSet<SodRuleId> {
    let day = org.day_of(at);
    org.sod_rules
        .values()
        .filter(|r| holds_all(org, r, user, at, true) && r.exception(user.id, day).is_none())
        .map(|r| r.id)
        .collect()
}

/// The organisation after `change`, as far as violations go: its settings,
/// roles and rules with the change applied, and of its people only those
/// whose holdings the change touches (whose records it writes, and the
/// holders of every role it writes) — so that checking a change does not
/// copy everyone. A change of the settings (the catalog, the time zone)
/// takes the whole organisation.
fn touched_after(before: &Organisation, change: &Change) -> Organisation {
    if change
        .puts
        .iter()
        .any(|p| matches!(p.key, super::org::RecordKey::Settings))
    {
        let mut after = before.clone();
        after.apply(change);
        return after;
    }
    let roles: BTreeSet<RoleId> = change
        .puts
        .iter()
        .filter_map(|p| match p.key {
            super::org::RecordKey::Role(id) => Some(id),
            _ => None,
        })
        .collect();
    let users = before
        .users
        .values()
        .filter(|u| u.roles.iter().any(|a| roles.contains(&a.role)))
        .map(|u| (u.id, u.clone()))
        .collect();
    let mut after = Organisation::new(
        before.settings.clone(),
        users,
        before.roles.clone(),
        BTreeMap::new(),
        BTreeMap::new(),
        before.counters,
    );
    after.sod_rules = before.sod_rules.clone();
    let relevant = Change {
        puts: change
            .puts
            .iter()
            .filter(|p| {
                matches!(
                    p.key,
                    super::org::RecordKey::User(_)
                        | super::org::RecordKey::Role(_)
                        | super::org::RecordKey::SodRule(_)
                )
            })
            .cloned()
            .collect(),
        counters: change.counters,
        summary: String::new(),
    };
    after.apply(&relevant);
    after
}

/// The (rule, person) violations that `change` would create: broken after
/// it, with no exception, and not already broken before it.
pub fn new_violations(
    before: &Organisation,
    change: &Change,
    at: DateTime<Utc>,
) -> Vec<(SodRuleId, UserId)> {
    if !before.sod_rules.values().any(SodRule::is_live) {
        return vec![];
    }
    let after = touched_after(before, change);
    // The roles the change writes, looked up once (a batch writes thousands
    // of records; every user is not compared with every one of them).
    let roles: BTreeSet<_> = change
        .puts
        .iter()
        .filter_map(|p| match p.key {
            super::org::RecordKey::Role(r) => Some(r),
            _ => None,
        })
        .collect();
    let touched: BTreeSet<UserId> = change
        .puts
        .iter()
        .filter_map(|p| match &p.after {
            Some(Record::User(u)) => Some(u.id),
            _ => None,
        })
        .chain(after.users.keys().copied().filter(|id| {
            // With a changed role: its holders (all of `after` but for
            // a change of the settings, where only the users written
            // count).
            !roles.is_empty()
                && before
                    .users
                    .get(id)
                    .is_some_and(|u| u.roles.iter().any(|a| roles.contains(&a.role)))
        }))
        .collect();
    let mut out = Vec::new();
    for id in touched {
        let Some(u) = after.users.get(&id) else {
            continue;
        };
        let was = before
            .users
            .get(&id)
            .map(|b| open_violations(before, b, at))
            .unwrap_or_default();
        for r in open_violations(&after, u, at) {
            if !was.contains(&r) {
                out.push((r, id));
            }
        }
    }
    out
}

/// One member a violator holds, and what gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeldMember {
    pub member: String,
    pub sources: Vec<Source>,
}

/// A person holding every member of a rule at an instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    pub rule: SodRuleId,
    pub user: UserId,
    pub held: Vec<HeldMember>,
    /// The exception covering it, if any.
    pub exception: Option<SodException>,
}

/// Everyone who holds every member of a live rule at `at` (by the engine,
/// their standing included), with what gives each member and any exception.
pub fn violations(org: &Organisation, at: DateTime<Utc>) -> Vec<Violation> {
    let day = org.day_of(at);
    let mut out = Vec::new();
    for rule in org.sod_rules.values().filter(|r| r.is_live()) {
        for u in org.users.values() {
            if !holds_all(org, rule, u, at, false) {
                continue;
            }
            out.push(Violation {
                rule: rule.id,
                user: u.id,
                held: held_members(org, rule, u, at),
                exception: rule.exception(u.id, day).cloned(),
            });
        }
    }
    out
}

fn held_members(
    org: &Organisation,
    rule: &SodRule,
    u: &User,
    at: DateTime<Utc>,
) -> Vec<HeldMember> {
    let words = member_words(org, &rule.members);
    match &rule.members {
        SodMembers::Permissions(ps) => ps
            .iter()
            .zip(words)
            .map(|(p, member)| HeldMember {
                member,
                sources: org
                    .catalog()
                    .index_of(&p.key)
                    .map(|i| sources_of(org, u, i, at))
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|s| s.in_force)
                    .collect(),
            })
            .collect(),
        SodMembers::Roles(rs) => rs
            .iter()
            .zip(words)
            .map(|(r, member)| HeldMember {
                sources: u
                    .assignment(*r)
                    .map(|a| Source {
                        from: format!("role {member}"),
                        level: "assigned".into(),
                        until: a.until,
                        in_force: true,
                    })
                    .into_iter()
                    .collect(),
                member,
            })
            .collect(),
    }
}

/// The exceptions a rule keeps after `added` are recorded on `day`: those
/// in force, one per person (the newest wins).
pub fn merge_exceptions(
    rule: &SodRule,
    added: Vec<SodException>,
    day: NaiveDate,
) -> Vec<SodException> {
    let mut by_user: BTreeMap<UserId, SodException> = rule
        .exceptions
        .iter()
        .filter(|e| e.until >= day)
        .map(|e| (e.user, e.clone()))
        .collect();
    for e in added {
        by_user.insert(e.user, e);
    }
    by_user.into_values().collect()
}
