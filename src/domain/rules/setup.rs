//! The first change of a database and accepting an invitation: changes with
//! no operator yet.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};

use super::super::command::{InitOrganisation, NewUser};
use super::super::error::{invalid, DomainError, DomainResult};
use super::super::org::{Change, Counters, Organisation, Put, Record, RecordKey};
use super::super::roles::{Role, RoleId};
use super::super::text::{self};
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
        if d < now.date_naive() {
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
    let admin_role = Role {
        id: 1,
        name: text::required_text("administrator role name", &init.admin_role_name)?,
        description: "Built in: every permission at its highest level; cannot be edited.".into(),
        builtin_admin: true,
        levels: BTreeMap::new(),
    };
    settings.admin_role = 1;
    roles.insert(1, admin_role);
    let mut names = HashSet::new();
    names.insert(roles[&1].name.to_lowercase());
    for (i, r) in init.roles.iter().enumerate() {
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
