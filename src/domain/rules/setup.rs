//! Changes with no operator: the first change of a database, accepting an
//! invitation, and the rescue from a lock-out.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};

use super::super::command::{Command, InitOrganisation, NewUser};
use super::super::error::{invalid, DomainError, DomainResult};
use super::super::org::{Change, Counters, Organisation, Put, Record, RecordKey};
use super::super::roles::{Role, RoleId};
use super::super::text::{self, sanitize};
use super::super::users::{RoleAssignment, User, UserId, UserStatus};
use super::{check_unique_email, check_unique_login};

/// Validates and builds a new user record (without roles).
pub(super) fn new_user(
    org: &Organisation,
    id: UserId,
    nu: &NewUser,
    now: DateTime<Utc>,
) -> DomainResult<User> {
    let given = text::required_text("given name", &nu.given)?;
    let family = text::required_text("family name", &nu.family)?;
    let email = nu.email.as_deref().map(text::email).transpose()?;
    let login = nu.login.as_deref().map(text::login).transpose()?;
    if let Some(e) = &email {
        check_unique_email(org, e, None)?;
    }
    if let Some(l) = &login {
        check_unique_login(org, l, None)?;
    }
    if let Some(d) = nu.access_until {
        if d < org.day_of(now) {
            return Err(invalid(format!("access expiry {d} is in the past")));
        }
    }
    // With an email but no login the person must accept an invitation first.
    let status = if email.is_some() && login.is_none() {
        UserStatus::Invited
    } else {
        UserStatus::Active
    };
    Ok(User {
        id,
        given,
        family,
        email,
        login,
        status,
        access_until: nu.access_until,
        roles: vec![],
        grants: vec![],
        invitation: None,
        created_at: now,
    })
}

/// Plans the first change of a new database: settings, roles and the first
/// account administrator (who is the operator of this entry).
pub fn plan_init(init: &InitOrganisation, now: DateTime<Utc>) -> DomainResult<Change> {
    let mut settings = init.settings.clone();
    settings.catalog.reindex();
    let mut roles = BTreeMap::new();
    // A first role marked as the built-in administrator is a template for
    // it (whether its holders need an email), not a role of its own.
    let (template, preset_roles) = match init.roles.split_first() {
        Some((t, rest)) if t.builtin_admin => (Some(t), rest),
        _ => (None, &init.roles[..]),
    };
    let admin_role = Role {
        builtin_admin: true,
        requires_email: template.is_some_and(|t| t.requires_email),
        ..Role::new(
            1,
            text::required_text("administrator role name", &init.admin_role_name)?,
            "Built in: every permission at its highest level; cannot be edited.".into(),
            BTreeMap::new(),
        )
    };
    settings.admin_role = 1;
    roles.insert(1, admin_role);
    let mut names = HashSet::new();
    names.insert(roles[&1].name.to_lowercase());
    // Roles get ids 2, 3, … in order; assignable roles name those ids.
    let last = preset_roles.len() as RoleId + 1;
    for (i, r) in preset_roles.iter().enumerate() {
        let id = i as RoleId + 2;
        let name = text::required_text("role name", &r.name)?;
        if !names.insert(name.to_lowercase()) {
            return Err(DomainError::Duplicate(format!(
                "role {name} is declared twice"
            )));
        }
        for (k, l) in &r.levels {
            let p = settings.catalog.resolve(k)?;
            if !settings.catalog.get(p).scale.is_valid(*l) {
                return Err(invalid(format!(
                    "role {name}: level {l} is not on {k}'s scale"
                )));
            }
        }
        if let Some(x) = r.assignable.iter().find(|x| !(2..=last).contains(*x)) {
            return Err(invalid(format!(
                "role {name}: assignable role #{x} is not one of the preset's roles"
            )));
        }
        roles.insert(
            id,
            Role {
                id,
                name,
                builtin_admin: false,
                ..r.clone()
            },
        );
    }
    let org = Organisation::new(
        settings.clone(),
        BTreeMap::new(),
        roles.clone(),
        BTreeMap::new(),
        BTreeMap::new(),
        Counters::default(),
    );
    let mut admin = new_user(&org, 1, &init.admin, now)?;
    if admin.login.is_none() {
        return Err(invalid(
            "the first administrator must be bound to an OS login",
        ));
    }
    admin.status = UserStatus::Active;
    admin.access_until = None;
    admin.roles.push(RoleAssignment {
        role: 1,
        until: None,
        by: 1,
        at: now,
    });
    super::users::keeps_required(&org, None, &admin)?;
    let mut puts = vec![Put {
        key: RecordKey::Settings,
        before: None,
        after: Some(Record::Settings(Box::new(settings))),
    }];
    for r in roles.into_values() {
        puts.push(Put {
            key: RecordKey::Role(r.id),
            before: None,
            after: Some(Record::Role(r)),
        });
    }
    let summary = format!(
        "created the organisation with administrator {}",
        admin.handle()
    );
    puts.push(Put {
        key: RecordKey::User(1),
        before: None,
        after: Some(Record::User(admin)),
    });
    Ok(Change {
        puts,
        counters: Counters {
            next_user: 2,
            next_role: init.roles.len() as u32 + 2,
            next_qualification: 1,
            next_authorization: 1,
        },
        summary,
    })
}

/// Plans accepting an invitation: the code identifies the user, who becomes
/// active and bound to `login`. Returns the change and the user it is for.
pub fn plan_accept(
    org: &Organisation,
    code_hash: &[u8; 32],
    login: &str,
    now: DateTime<Utc>,
) -> DomainResult<(Change, UserId)> {
    let login = text::login(login)?;
    let user = org
        .users
        .values()
        .find(|u| {
            u.invitation
                .as_ref()
                .is_some_and(|i| &i.code_hash == code_hash)
        })
        .ok_or_else(|| invalid("unknown or already used invitation code"))?;
    let inv = user.invitation.as_ref().expect("found by invitation");
    if user.status != UserStatus::Invited {
        return Err(DomainError::Conflict(format!(
            "{} is not awaiting an invitation",
            user.handle()
        )));
    }
    if inv.expires < now {
        return Err(invalid(format!(
            "the invitation expired at {}",
            inv.expires.format("%Y-%m-%d %H:%M UTC")
        )));
    }
    check_unique_login(org, &login, Some(user.id))?;
    let mut after = user.clone();
    after.status = UserStatus::Active;
    after.login = Some(login.clone());
    after.invitation = None;
    let change = Change {
        puts: vec![Put {
            key: RecordKey::User(user.id),
            before: Some(Record::User(user.clone())),
            after: Some(Record::User(after)),
        }],
        counters: org.counters,
        summary: format!("{} accepted the invitation as login {login}", user.handle()),
    };
    Ok((change, user.id))
}

/// What a rescue did, for the caller to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rescue {
    pub change: Change,
    pub command: Command,
    pub user: UserId,
}

/// Plans the way back from a lock-out: binds `login` to an administrator.
/// Only when no active administrator with a login exists, unless `force`.
/// The user is the one named, else the live user already bound to `login`,
/// else the live user with the lowest id who was ever given the
/// administrator role. The caller has checked that `login` owns the files.
pub fn plan_rescue(
    org: &Organisation,
    login: &str,
    user: Option<&str>,
    force: bool,
    now: DateTime<Utc>,
) -> DomainResult<Rescue> {
    let login = text::login(login)?;
    let admins: Vec<String> = org
        .users
        .values()
        .filter(|u| org.is_permanent_admin(u, now))
        .map(|u| sanitize(&u.handle()))
        .collect();
    if !admins.is_empty() && !force {
        return Err(DomainError::Conflict(format!(
            "an active account administrator with a login exists ({}); ask them, or use --force if that login is lost",
            admins.join(", ")
        )));
    }
    let admin_role = org.settings.admin_role;
    let target = match user {
        Some(u) => org.resolve_user(u)?,
        None => match org.user_by_login(&login) {
            Some(u) => u,
            None => org
                .live_users()
                .find(|u| u.assignment(admin_role).is_some())
                .ok_or_else(|| {
                    invalid("no user ever held the administrator role; name one with --user")
                })?,
        },
    };
    if target.is_deleted() {
        return Err(DomainError::Immutable(format!(
            "user {} is deleted and cannot be changed",
            sanitize(&target.handle())
        )));
    }
    if let Some(other) = org.user_by_login(&login).filter(|u| u.id != target.id) {
        return Err(DomainError::Duplicate(format!(
            "login {login} is bound to {}; rescue that user with --user {}",
            sanitize(&other.handle()),
            sanitize(&other.handle())
        )));
    }
    let mut after = target.clone();
    after.login = Some(login.clone());
    after.status = UserStatus::Active;
    after.access_until = None;
    after.invitation = None;
    let a = RoleAssignment {
        role: admin_role,
        until: None,
        by: target.id,
        at: now,
    };
    match after.roles.iter_mut().find(|x| x.role == admin_role) {
        Some(x) => *x = a,
        None => after.roles.push(a),
    }
    if after == *target {
        return Err(invalid(format!(
            "{} is already an active administrator bound to {login}",
            sanitize(&target.handle())
        )));
    }
    let role = org.role(admin_role)?.name.clone();
    let summary = format!(
        "rescue: bound OS login {login} (the owner of the database files) to {} as {role} for good{}",
        sanitize(&after.name()),
        if force {
            " (forced while an administrator with a login existed)"
        } else {
            " (no active administrator with a login existed)"
        }
    );
    Ok(Rescue {
        change: Change {
            puts: vec![Put {
                key: RecordKey::User(target.id),
                before: Some(Record::User(target.clone())),
                after: Some(Record::User(after)),
            }],
            counters: org.counters,
            summary,
        },
        command: Command::Rescue {
            user: target.id,
            login,
            forced: force,
        },
        user: target.id,
    })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::domain::proptests::org_from_preset;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).unwrap()
    }

    /// An organisation whose only administrator lost their login (a state
    /// older versions allowed).
    fn locked_out() -> Organisation {
        let mut org = org_from_preset("maintenance");
        let mut root = org.users[&1].clone();
        root.login = None;
        let ch = Change {
            puts: vec![Put {
                key: RecordKey::User(1),
                before: Some(Record::User(org.users[&1].clone())),
                after: Some(Record::User(root)),
            }],
            counters: org.counters,
            summary: String::new(),
        };
        org.apply(&ch);
        org
    }

    #[test]
    fn rescue_binds_the_login_to_the_first_administrator_when_none_can_act() {
        let org = locked_out();
        let r = plan_rescue(&org, "ops", None, false, t0()).unwrap();
        assert_eq!(r.user, 1);
        let mut after = org.clone();
        after.apply(&r.change);
        let u = after.user_by_login("ops").unwrap();
        assert_eq!(u.id, 1);
        assert!(after.is_permanent_admin(u, t0()));
        assert!(r
            .change
            .summary
            .contains("no active administrator with a login existed"));
    }

    #[test]
    fn rescue_refuses_a_deleted_user_a_taken_login_and_an_unneeded_rescue() {
        let mut org = locked_out();
        let e = plan_rescue(&org_from_preset("maintenance"), "ops", None, false, t0()).unwrap_err();
        assert!(matches!(e, DomainError::Conflict(_)), "{e}");
        let mut other = org.users[&1].clone();
        other.id = 2;
        other.login = Some("ops".into());
        other.email = None;
        other.roles.clear();
        org.counters.next_user = 3;
        org.apply(&Change {
            puts: vec![Put {
                key: RecordKey::User(2),
                before: None,
                after: Some(Record::User(other)),
            }],
            counters: org.counters,
            summary: String::new(),
        });
        let e = plan_rescue(&org, "ops", Some("#1"), false, t0()).unwrap_err();
        assert!(
            matches!(&e, DomainError::Duplicate(m) if m.contains("login ops is bound to ops")),
            "{e}"
        );
        let mut gone = org.users[&2].clone();
        gone.status = UserStatus::Deleted;
        gone.login = None;
        org.apply(&Change {
            puts: vec![Put {
                key: RecordKey::User(2),
                before: Some(Record::User(org.users[&2].clone())),
                after: Some(Record::User(gone)),
            }],
            counters: org.counters,
            summary: String::new(),
        });
        let e = plan_rescue(&org, "ops", Some("#2"), false, t0()).unwrap_err();
        assert!(matches!(e, DomainError::Immutable(_)), "{e}");
        let e = plan_rescue(&org, "bad login!", None, false, t0()).unwrap_err();
        assert!(matches!(e, DomainError::Invalid(_)), "{e}");
    }
}
