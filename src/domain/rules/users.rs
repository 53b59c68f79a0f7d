//! Rules for users: adding, editing, roles and grants, status, invitations.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};

use super::super::catalog::system;
use super::super::command::{Command, NewUser, UserEdit};
use super::super::error::{invalid, DomainError, DomainResult};
use super::super::org::{Organisation, Put, Record, RecordKey};
use super::super::text::{self};
use super::super::users::{Invitation, PersonalGrant, RoleAssignment, User, UserStatus};
use super::{check_unique_email, check_unique_login, Ctx};

use super::super::holdings::Until;
use super::setup::new_user;

/// The longest an invitation code stays valid.
pub const MAX_INVITATION_DAYS: i64 = 90;

/// What the organisation requires of a user and `u` lacks: a role (where
/// the organisation requires one) and an email (where a role of theirs
/// requires one).
fn missing_fields(org: &Organisation, u: &User) -> Vec<String> {
    let mut out = Vec::new();
    if org.settings.role_required && u.roles.is_empty() {
        out.push(
            "every user needs a role in this organisation (a user type: --role ROLE)".to_string(),
        );
    }
    if u.email.is_none() {
        for a in &u.roles {
            if let Some(r) = org.roles.get(&a.role).filter(|r| r.requires_email) {
                out.push(format!(
                    "role {} requires an email address (--email)",
                    r.name
                ));
            }
        }
    }
    out
}

/// Refuses a change that leaves `after` lacking a field the organisation
/// requires, unless `before` lacked it already (a policy set later does not
/// block unrelated edits).
pub(super) fn keeps_required(
    org: &Organisation,
    before: Option<&User>,
    after: &User,
) -> DomainResult<()> {
    let had = before.map(|b| missing_fields(org, b)).unwrap_or_default();
    match missing_fields(org, after)
        .into_iter()
        .find(|m| !had.contains(m))
    {
        Some(m) => Err(invalid(m)),
        None => Ok(()),
    }
}

pub(super) fn add_user(cx: &mut Ctx<'_>, nu: &NewUser) -> DomainResult<String> {
    let org = cx.org;
    let now = cx.now;
    cx.require(system::USERS_MANAGE)?;
    let id = cx.counters.next_user;
    let mut u = new_user(org, id, nu, now)?;
    let mut seen = HashSet::new();
    for r in &nu.roles {
        let role = org.resolve_role(r)?;
        cx.may_assign(role, false)?;
        if seen.insert(role.id) {
            u.roles.push(RoleAssignment {
                role: role.id,
                until: None,
                by: cx.actor.effective(),
                at: now,
            });
        }
    }
    keeps_required(org, None, &u)?;
    cx.gives_no_longer(None, &u)?;
    cx.counters.next_user += 1;
    let s = format!("added user {} ({})", u.name(), u.handle());
    cx.puts.push(Put {
        key: RecordKey::User(id),
        before: None,
        after: Some(Record::User(u)),
    });
    Ok(s)
}

pub(super) fn edit_user(cx: &mut Ctx<'_>, user: &str, edit: &UserEdit) -> DomainResult<String> {
    let org = cx.org;
    let before = cx.managed_user(user)?;
    let mut u = before.clone();
    if let Some(g) = &edit.given {
        u.given = text::required_text("given name", g)?;
    }
    if let Some(f) = &edit.family {
        u.family = text::required_text("family name", f)?;
    }
    if let Some(e) = &edit.email {
        u.email = e.as_deref().map(text::email).transpose()?;
        if let Some(e) = &u.email {
            check_unique_email(org, e, Some(u.id))?;
        }
    }
    if let Some(l) = &edit.login {
        u.login = l.as_deref().map(text::login).transpose()?;
        if let Some(l) = &u.login {
            check_unique_login(org, l, Some(u.id))?;
        }
    }
    if let Some(d) = edit.access_until {
        cx.future("access expiry", d)?;
        if d != before.access_until {
            cx.not_self(before, "access expiry")?;
            let (new, old) = (Until::from_date(d), Until::from_date(before.access_until));
            if new > old {
                cx.manages_until(new)?;
            }
        }
        u.access_until = d;
    }
    if u == *before {
        return Err(invalid("nothing to change"));
    }
    keeps_required(org, Some(before), &u)?;
    let s = format!("edited user {}", u.handle());
    cx.put_user(before, u)?;
    Ok(s)
}

pub(super) fn assign_role(
    cx: &mut Ctx<'_>,
    user: &str,
    role: &str,
    until: &Option<NaiveDate>,
) -> DomainResult<String> {
    let org = cx.org;
    let now = cx.now;
    let before = cx.managed_user(user)?;
    let role = org.resolve_role(role)?;
    cx.may_assign(role, false)?;
    cx.not_self(before, "roles")?;
    cx.future("assignment expiry", *until)?;
    if cx.holds_role(role).is_err() {
        // Assigned by delegation: for no longer than the operator may.
        let lasts = Until::from_date(*until).min(Until::from_date(before.access_until));
        if let Some(Until::Day(d)) = cx.delegates(role.id).filter(|d| *d < lasts) {
            return Err(DomainError::Escalation(format!(
                "you may assign role {} only until {d} (while you hold the role that lets you), not {}",
                role.name,
                lasts.describe()
            )));
        }
    }
    let mut u = before.clone();
    let a = RoleAssignment {
        role: role.id,
        until: *until,
        by: cx.actor.effective(),
        at: now,
    };
    match u.roles.iter_mut().find(|x| x.role == role.id) {
        Some(x) if x.until == *until => {
            return Err(DomainError::Conflict(format!(
                "{} already has role {}",
                u.handle(),
                role.name
            )))
        }
        Some(x) => *x = a,
        None => u.roles.push(a),
    }
    keeps_required(org, Some(before), &u)?;
    let s = format!(
        "assigned role {} to {}{}",
        role.name,
        u.handle(),
        until.map(|d| format!(" until {d}")).unwrap_or_default()
    );
    cx.put_user(before, u)?;
    Ok(s)
}

pub(super) fn unassign_role(cx: &mut Ctx<'_>, user: &str, role: &str) -> DomainResult<String> {
    let org = cx.org;
    let before = cx.managed_user(user)?;
    let role = org.resolve_role(role)?;
    cx.not_self(before, "roles")?;
    let mut u = before.clone();
    let n = u.roles.len();
    u.roles.retain(|a| a.role != role.id);
    if u.roles.len() == n {
        return Err(DomainError::Conflict(format!(
            "{} does not have role {}",
            u.handle(),
            role.name
        )));
    }
    // The last administrator is said first: it is the decisive reason.
    cx.keeps_admin(before, &u)?;
    keeps_required(org, Some(before), &u)?;
    let s = format!("removed role {} from {}", role.name, u.handle());
    cx.put_user(before, u)?;
    Ok(s)
}

pub(super) fn grant(
    cx: &mut Ctx<'_>,
    user: &str,
    permission: &str,
    level: &str,
    until: &Option<NaiveDate>,
) -> DomainResult<String> {
    let org = cx.org;
    let now = cx.now;
    let before = cx.managed_user(user)?;
    let pi = org.catalog().resolve(permission)?;
    let p = org.catalog().get(pi);
    let l = p.scale.parse_level(level)?;
    if l == 0 {
        return Err(invalid(format!(
            "a personal grant can only add; use 'user ungrant' to remove the grant on {}",
            p.key
        )));
    }
    if l & !cx.mine[pi] != 0 {
        return Err(DomainError::Escalation(format!(
            "you hold {} = {}, cannot grant {}",
            p.key,
            p.scale.level_word(cx.mine[pi]),
            p.scale.level_word(l)
        )));
    }
    cx.not_self(before, "personal grants")?;
    cx.future("grant expiry", *until)?;
    let mut u = before.clone();
    let g = PersonalGrant {
        permission: p.key.clone(),
        level: l,
        until: *until,
        by: cx.actor.effective(),
        at: now,
    };
    match u.grants.iter_mut().find(|x| x.permission == p.key) {
        Some(x) => *x = g,
        None => u.grants.push(g),
    }
    if u == *before {
        return Err(invalid("nothing to change"));
    }
    let s = format!(
        "granted {} = {} to {}",
        p.key,
        p.scale.level_word(l),
        u.handle()
    );
    cx.put_user(before, u)?;
    Ok(s)
}

pub(super) fn ungrant(cx: &mut Ctx<'_>, user: &str, permission: &str) -> DomainResult<String> {
    let org = cx.org;
    let before = cx.managed_user(user)?;
    let p = org.catalog().get(org.catalog().resolve(permission)?);
    cx.not_self(before, "personal grants")?;
    let mut u = before.clone();
    let n = u.grants.len();
    u.grants.retain(|g| g.permission != p.key);
    if u.grants.len() == n {
        return Err(DomainError::Conflict(format!(
            "{} has no personal grant on {}",
            u.handle(),
            p.key
        )));
    }
    let s = format!(
        "removed the personal grant on {} from {}",
        p.key,
        u.handle()
    );
    cx.put_user(before, u)?;
    Ok(s)
}

pub(super) fn set_status(cx: &mut Ctx<'_>, cmd: &Command, user: &str) -> DomainResult<String> {
    let before = cx.managed_user(user)?;
    let mut u = before.clone();
    let (to, verb) = match cmd {
        Command::Deactivate { .. } => (UserStatus::Deactivated, "deactivated"),
        Command::Reactivate { .. } => (UserStatus::Active, "reactivated"),
        _ => (UserStatus::Deleted, "deleted"),
    };
    match (before.status, to) {
        (UserStatus::Deactivated, UserStatus::Deactivated) => {
            return Err(DomainError::Conflict(format!(
                "{} is already deactivated",
                u.handle()
            )))
        }
        (s, UserStatus::Active) if s != UserStatus::Deactivated => {
            return Err(DomainError::Conflict(format!(
                "{} is {}, not deactivated",
                u.handle(),
                s.word()
            )))
        }
        (UserStatus::Invited, UserStatus::Deactivated) => {
            return Err(DomainError::Conflict(format!(
                "{} has not accepted the invitation; delete the user instead",
                u.handle()
            )))
        }
        _ => {}
    }
    u.status = to;
    if to == UserStatus::Deleted {
        u.invitation = None;
    }
    if before.id == cx.actor.effective() && to != UserStatus::Active {
        return Err(DomainError::Conflict(format!(
            "you cannot {} yourself",
            &verb[..verb.len() - 1]
        )));
    }
    let s = format!("{verb} user {}", u.handle());
    cx.put_user(before, u)?;
    Ok(s)
}

pub(super) fn invite(
    cx: &mut Ctx<'_>,
    user: &str,
    code_hash: &[u8; 32],
    expires: &DateTime<Utc>,
) -> DomainResult<String> {
    let now = cx.now;
    let before = cx.managed_user(user)?;
    if before.email.is_none() {
        return Err(invalid(format!(
            "{} has no email to invite",
            before.handle()
        )));
    }
    if before.status != UserStatus::Invited {
        return Err(DomainError::Conflict(format!(
            "{} is {}; only invited users can be (re)invited",
            before.handle(),
            before.status.word()
        )));
    }
    if *expires <= now {
        return Err(invalid("the invitation must expire in the future"));
    }
    if *expires > now + chrono::Duration::days(MAX_INVITATION_DAYS) {
        return Err(invalid(format!(
            "an invitation is valid for at most {MAX_INVITATION_DAYS} days"
        )));
    }
    let mut u = before.clone();
    let resend = u.invitation.is_some();
    u.invitation = Some(Invitation {
        code_hash: *code_hash,
        sent_at: now,
        expires: *expires,
        by: cx.actor.effective(),
    });
    let s = format!(
        "{} an invitation to {}",
        if resend { "re-sent" } else { "sent" },
        u.handle()
    );
    cx.put_user(before, u)?;
    Ok(s)
}
