//! Separation-of-duties rules and exceptions. Adding and removing a rule is
//! administration of access profiles: it needs `roles.manage`. A change that
//! would create a violation for a person who did not have one is refused
//! (from any front end: [`refuse_new_violations`] runs on every planned
//! change), unless it comes as [`Command::SodExcepted`]: then it needs the
//! rights of the change itself and `roles.manage` too, nobody excepts
//! themselves, and each violation it creates is recorded as an exception on
//! its rule for that person, with the reason, until a day.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};

use super::super::catalog::system;
use super::super::command::Command;
use super::super::error::{invalid, unknown, DomainError, DomainResult};
use super::super::kiosk::Removal;
use super::super::org::{Change, Organisation, Put, Record, RecordKey};
use super::super::sod::{
    self, merge_exceptions, SodException, SodMembers, SodRule, SodRuleId, MAX_MEMBERS,
};
use super::super::text::{self, sanitize};
use super::super::users::UserId;
use super::{plan_with, Ctx};

fn live_rule<'a>(org: &'a Organisation, name: &str) -> DomainResult<&'a SodRule> {
    let n = name.trim();
    org.sod_rules
        .values()
        .find(|r| r.is_live() && r.name.eq_ignore_ascii_case(n))
        .ok_or_else(|| unknown("separation-of-duties rule", sanitize(n)))
}

fn members(cx: &Ctx<'_>, permissions: &[String], roles: &[String]) -> DomainResult<SodMembers> {
    let m = match (permissions.is_empty(), roles.is_empty()) {
        (false, true) => SodMembers::Permissions(
            permissions
                .iter()
                .map(|p| sod::parse_permission(cx.org, p))
                .collect::<DomainResult<_>>()?,
        ),
        (true, false) => SodMembers::Roles(
            roles
                .iter()
                .map(|r| cx.org.resolve_role(r).map(|r| r.id))
                .collect::<DomainResult<_>>()?,
        ),
        _ => return Err(invalid(
            "a rule names two or more permissions (--perm) or two or more roles (--role), not both",
        )),
    };
    let (n, distinct) = match &m {
        SodMembers::Permissions(ps) => {
            let mut keys: Vec<_> = ps.iter().map(|p| p.key.as_str()).collect();
            keys.sort_unstable();
            keys.dedup();
            (ps.len(), keys.len())
        }
        SodMembers::Roles(rs) => {
            let mut ids = rs.clone();
            ids.sort_unstable();
            ids.dedup();
            (rs.len(), ids.len())
        }
    };
    if n < 2 || distinct != n {
        return Err(invalid(
            "a rule names two or more different permissions or roles",
        ));
    }
    if n > MAX_MEMBERS {
        return Err(invalid(format!(
            "a rule names at most {MAX_MEMBERS} permissions or roles"
        )));
    }
    Ok(m)
}

pub(super) fn add_rule(
    cx: &mut Ctx<'_>,
    name: &str,
    reason: &str,
    permissions: &[String],
    roles: &[String],
) -> DomainResult<String> {
    cx.require(system::ROLES_MANAGE)?;
    let name = text::required_text("rule name", name)?;
    let reason = text::free_text("rule reason", reason)?;
    if live_rule(cx.org, &name).is_ok() {
        return Err(DomainError::Duplicate(format!(
            "separation-of-duties rule {} already exists",
            sanitize(&name)
        )));
    }
    let members = members(cx, permissions, roles)?;
    let id = cx.org.sod_rules.keys().next_back().copied().unwrap_or(0) + 1;
    let rule = SodRule {
        id,
        name: name.clone(),
        reason,
        members,
        added_by: cx.actor.operator,
        added_at: cx.now,
        removed: None,
        exceptions: vec![],
    };
    let what = rule.describe(cx.org);
    cx.puts.push(Put {
        key: RecordKey::SodRule(id),
        before: None,
        after: Some(Record::SodRule(rule)),
    });
    Ok(format!(
        "added separation-of-duties rule {}: nobody holds {}",
        sanitize(&name),
        sanitize(&what)
    ))
}

pub(super) fn remove_rule(cx: &mut Ctx<'_>, rule: &str) -> DomainResult<String> {
    cx.require(system::ROLES_MANAGE)?;
    let r = live_rule(cx.org, rule)?;
    let mut after = r.clone();
    after.removed = Some(Removal {
        by: cx.actor.operator,
        at: cx.now,
    });
    cx.puts.push(Put {
        key: RecordKey::SodRule(r.id),
        before: Some(Record::SodRule(r.clone())),
        after: Some(Record::SodRule(after)),
    });
    Ok(format!(
        "removed separation-of-duties rule {}",
        sanitize(&r.name)
    ))
}

/// The refusal for the first violation a change would create, naming the
/// rule and the person.
fn refusal(org: &Organisation, after: &Change, rule: SodRuleId, user: UserId) -> DomainError {
    let r = &org.sod_rules[&rule];
    let who = after
        .puts
        .iter()
        .find_map(|p| match &p.after {
            Some(Record::User(u)) if u.id == user => Some(u.handle()),
            _ => None,
        })
        .or_else(|| org.users.get(&user).map(|u| u.handle()))
        .unwrap_or_else(|| format!("#{user}"));
    DomainError::Conflict(format!(
        "separation of duties: {} would hold {} (rule {}); record an exception with a reason and an end date (--exception REASON --until DATE)",
        sanitize(&who),
        sanitize(&r.describe(org)),
        sanitize(&r.name)
    ))
}

/// Refuses a planned change that creates a violation with no exception.
pub(super) fn refuse_new_violations(
    org: &Organisation,
    change: &Change,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    match sod::new_violations(org, change, now).first() {
        Some(&(rule, user)) => Err(refusal(org, change, rule, user)),
        None => Ok(()),
    }
}

/// Plans a change done despite the violations it creates, recording an
/// exception for each.
pub(super) fn plan_excepted(
    cx: &mut Ctx<'_>,
    reason: &str,
    until: NaiveDate,
    command: &Command,
) -> DomainResult<String> {
    cx.require(system::ROLES_MANAGE).map_err(|_| {
        DomainError::Forbidden("an exception to separation of duties needs roles.manage".into())
    })?;
    let reason = text::required_text("exception reason", reason)?;
    cx.future("exception end", Some(until))?;
    if matches!(
        command,
        Command::SodExcepted { .. } | Command::Reasoned { .. } | Command::Import(_)
    ) {
        return Err(invalid(
            "an exception wraps one change (give --reason outside it)",
        ));
    }
    let inner = plan_with(cx.org, cx.actor, command, cx.now, cx.reason.as_deref())?;
    if inner
        .puts
        .iter()
        .any(|p| matches!(p.key, RecordKey::SodRule(_)))
    {
        return Err(invalid(
            "an exception cannot wrap a change of separation-of-duties rules",
        ));
    }
    let new = sod::new_violations(cx.org, &inner, cx.now);
    if new.is_empty() {
        return Err(invalid(
            "this change breaks no separation-of-duties rule; drop --exception",
        ));
    }
    let mut by_rule: BTreeMap<SodRuleId, Vec<SodException>> = BTreeMap::new();
    let mut names = Vec::new();
    for (rule, user) in new {
        cx.not_self_except(user)?;
        names.push(format!(
            "{} for {}",
            cx.org.sod_rules[&rule].name,
            cx.org
                .users
                .get(&user)
                .map_or(format!("#{user}"), |u| u.handle())
        ));
        by_rule.entry(rule).or_default().push(SodException {
            user,
            reason: reason.clone(),
            until,
            by: cx.actor.operator,
            at: cx.now,
        });
    }
    cx.counters = inner.counters;
    cx.puts = inner.puts;
    let day = cx.today();
    for (id, added) in by_rule {
        let before = &cx.org.sod_rules[&id];
        let mut after = before.clone();
        after.exceptions = merge_exceptions(before, added, day);
        cx.puts.push(Put {
            key: RecordKey::SodRule(id),
            before: Some(Record::SodRule(before.clone())),
            after: Some(Record::SodRule(after)),
        });
    }
    Ok(format!(
        "{} (separation-of-duties exception until {until}: {}; {})",
        inner.summary,
        sanitize(&names.join(", ")),
        sanitize(&reason)
    ))
}

impl Ctx<'_> {
    /// Nobody records an exception for themselves (nor for the user they
    /// act as).
    fn not_self_except(&self, user: UserId) -> DomainResult<()> {
        if user == self.actor.operator || Some(user) == self.actor.acting_as {
            return Err(DomainError::Forbidden(
                "you cannot record a separation-of-duties exception for yourself; another administrator must".into(),
            ));
        }
        Ok(())
    }
}

/// Import: each rule stored under its id, named, live names unique, and its
/// members and exceptions naming what exists.
pub(super) fn validate_rules(org: &Organisation) -> DomainResult<()> {
    let mut live = std::collections::HashSet::new();
    for (id, r) in &org.sod_rules {
        if *id != r.id {
            return Err(invalid(format!("rule #{id} is stored under #{}", r.id)));
        }
        text::required_text(&format!("rule #{id}: name"), &r.name)?;
        if r.is_live() && !live.insert(r.name.to_lowercase()) {
            return Err(DomainError::Duplicate(format!(
                "separation-of-duties rule {} is named twice",
                sanitize(&r.name)
            )));
        }
        let ok = match &r.members {
            SodMembers::Permissions(ps) => {
                ps.iter().all(|p| org.catalog().index_of(&p.key).is_some())
            }
            SodMembers::Roles(rs) => rs.iter().all(|x| org.roles.contains_key(x)),
        };
        if !ok
            || r.exceptions
                .iter()
                .any(|e| !org.users.contains_key(&e.user))
        {
            return Err(invalid(format!(
                "separation-of-duties rule {} names an unknown permission, role or person",
                sanitize(&r.name)
            )));
        }
    }
    Ok(())
}
