//! The rules of PRODUCT.md, applied to every command from any front end:
//! validate the input, check the operator's right (rule 1), refuse escalation
//! (rule 2), keep an active administrator (rule 3), keep history immutable
//! (rule 4). The result is a [`Change`] that the store commits with its audit
//! entry (rule 5). An error means nothing changes (rule 6).

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};

use super::authorizations::{
    parse_ata_ranges, AircraftType, Authorization, AuthorizationScope, AuthorizationStatus,
    StatusChange,
};
use super::catalog::{system, Level};
use super::command::{Command, InitOrganisation, NewUser};
use super::engine::{effective_levels, potential_levels, within};
use super::error::{invalid, DomainError, DomainResult};
use super::org::{Change, Counters, Organisation, Put, Record, RecordKey};
use super::qualifications::{Qualification, QualificationKind};
use super::roles::{Role, RoleId};
use super::text::{self, sanitize};
use super::users::{Invitation, PersonalGrant, RoleAssignment, User, UserId, UserStatus};

/// Who is acting: the operator (the OS login's user) and, with `--as`, the
/// user they act as. Rules are checked against the effective actor; the
/// audit records both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Actor {
    pub operator: UserId,
    pub acting_as: Option<UserId>,
}

impl Actor {
    pub fn effective(&self) -> UserId {
        self.acting_as.unwrap_or(self.operator)
    }
}

/// Establishes the actor: the operator must hold access; acting as another
/// user needs `users.impersonate` and that user's access within the operator's.
pub fn actor(
    org: &Organisation,
    operator: UserId,
    acting_as: Option<UserId>,
    now: DateTime<Utc>,
) -> DomainResult<Actor> {
    let op = org.user(operator)?;
    if !op.holds_access(now) {
        return Err(DomainError::Forbidden(format!(
            "{} is {} and holds no access",
            sanitize(&op.handle()),
            if op.status == UserStatus::Active {
                "expired"
            } else {
                op.status.word()
            }
        )));
    }
    let Some(target) = acting_as else {
        return Ok(Actor {
            operator,
            acting_as: None,
        });
    };
    let ops = effective_levels(org, op, now).levels;
    let imp = org.catalog().system(system::USERS_IMPERSONATE);
    if ops[imp] == 0 {
        return Err(DomainError::Forbidden(
            "acting as another user needs users.impersonate".into(),
        ));
    }
    let t = org.user(target)?;
    if !t.holds_access(now) {
        return Err(DomainError::Forbidden(format!(
            "cannot act as {}: they hold no access",
            sanitize(&t.handle())
        )));
    }
    if !within(&effective_levels(org, t, now).levels, &ops) {
        return Err(DomainError::Escalation(format!(
            "cannot act as {}: their access exceeds yours",
            sanitize(&t.handle())
        )));
    }
    Ok(Actor {
        operator,
        acting_as: Some(target),
    })
}

struct Ctx<'a> {
    org: &'a Organisation,
    actor: Actor,
    me: &'a User,
    mine: Vec<Level>,
    now: DateTime<Utc>,
    puts: Vec<Put>,
    counters: Counters,
}

impl<'a> Ctx<'a> {
    fn new(org: &'a Organisation, actor: Actor, now: DateTime<Utc>) -> DomainResult<Self> {
        let me = org.user(actor.effective())?;
        if !me.holds_access(now) {
            return Err(DomainError::Forbidden(format!(
                "{} holds no access",
                sanitize(&me.handle())
            )));
        }
        Ok(Ctx {
            org,
            actor,
            me,
            mine: effective_levels(org, me, now).levels,
            now,
            puts: vec![],
            counters: org.counters,
        })
    }

    fn today(&self) -> NaiveDate {
        self.now.date_naive()
    }

    /// Rule 1: the administrative permission for what is changed.
    fn require(&self, key: &str) -> DomainResult<()> {
        let i = self.org.catalog().system(key);
        let top = self.org.catalog().get(i).scale.top();
        if self.mine[i] & top != top {
            return Err(DomainError::Forbidden(format!("this needs {key}")));
        }
        Ok(())
    }

    /// Rule 4 and rule 2: the target is not a tombstone and their access lies
    /// within the operator's.
    fn editable(&self, user: &User) -> DomainResult<()> {
        if user.is_deleted() {
            return Err(DomainError::Immutable(format!(
                "user {} is deleted and cannot be changed",
                sanitize(&user.handle())
            )));
        }
        let theirs = potential_levels(self.org, user, self.now);
        if !within(&theirs, &self.mine) {
            let p = theirs
                .iter()
                .zip(&self.mine)
                .position(|(t, m)| t & !m != 0)
                .map(|i| self.org.catalog().get(i).key.clone())
                .unwrap_or_default();
            return Err(DomainError::Escalation(format!(
                "{}'s access exceeds yours (e.g. {p})",
                sanitize(&user.handle())
            )));
        }
        Ok(())
    }

    /// Rule 2 for a role's levels: every one held by the operator.
    fn holds_role(&self, role: &Role) -> DomainResult<()> {
        let v = role.level_vector(self.org.catalog());
        if let Some(i) = v.iter().zip(&self.mine).position(|(r, m)| r & !m != 0) {
            return Err(DomainError::Escalation(format!(
                "role {} gives {} = {}, more than you hold",
                role.name,
                self.org.catalog().get(i).key,
                self.org.catalog().get(i).scale.level_word(v[i])
            )));
        }
        Ok(())
    }

    fn future(&self, what: &str, until: Option<NaiveDate>) -> DomainResult<()> {
        match until {
            Some(d) if d < self.today() => Err(invalid(format!("{what} {d} is in the past"))),
            _ => Ok(()),
        }
    }

    /// Rule 3: after the change to `after`, some permanent administrator
    /// remains active.
    fn keeps_admin(&self, before: &User, after: &User) -> DomainResult<()> {
        if !self.org.is_active_admin(before, self.now)
            || self.org.is_permanent_admin(after, self.now)
        {
            return Ok(());
        }
        let others = self
            .org
            .users
            .values()
            .filter(|u| u.id != before.id)
            .any(|u| self.org.is_permanent_admin(u, self.now));
        if !others {
            return Err(DomainError::LastAdministrator(format!(
                "{} is the last active account administrator",
                sanitize(&before.handle())
            )));
        }
        Ok(())
    }

    fn put_user(&mut self, before: &User, after: User) -> DomainResult<()> {
        self.keeps_admin(before, &after)?;
        self.puts.push(Put {
            key: RecordKey::User(after.id),
            before: Some(Record::User(before.clone())),
            after: Some(Record::User(after)),
        });
        Ok(())
    }

    fn finish(self, summary: String) -> Change {
        Change {
            puts: self.puts,
            counters: self.counters,
            summary,
        }
    }
}

fn check_unique_email(org: &Organisation, email: &str, except: Option<UserId>) -> DomainResult<()> {
    if org
        .user_by_email(email)
        .is_some_and(|u| Some(u.id) != except)
    {
        return Err(DomainError::Duplicate(format!(
            "email {email} is already in use"
        )));
    }
    Ok(())
}

fn check_unique_login(org: &Organisation, login: &str, except: Option<UserId>) -> DomainResult<()> {
    if org
        .user_by_login(login)
        .is_some_and(|u| Some(u.id) != except)
    {
        return Err(DomainError::Duplicate(format!(
            "login {login} is already bound to another user"
        )));
    }
    Ok(())
}

/// Validates and builds a new user record (without roles).
fn new_user(
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

/// Plans any command by an actor: validates, authorizes and builds the change.
pub fn plan(
    org: &Organisation,
    actor: Actor,
    cmd: &Command,
    now: DateTime<Utc>,
) -> DomainResult<Change> {
    let mut cx = Ctx::new(org, actor, now)?;
    let summary = match cmd {
        Command::Init(_) => {
            return Err(DomainError::Conflict(
                "the database already holds an organisation".into(),
            ))
        }
        Command::Accept { .. } => {
            return Err(DomainError::Conflict(
                "accept is planned with plan_accept".into(),
            ))
        }
        Command::AddUser(nu) => {
            cx.require(system::USERS_MANAGE)?;
            let id = cx.counters.next_user;
            let mut u = new_user(org, id, nu, now)?;
            let mut seen = HashSet::new();
            for r in &nu.roles {
                let role = org.resolve_role(r)?;
                cx.holds_role(role)?;
                if seen.insert(role.id) {
                    u.roles.push(RoleAssignment {
                        role: role.id,
                        until: None,
                        by: cx.actor.effective(),
                        at: now,
                    });
                }
            }
            cx.counters.next_user += 1;
            let s = format!("added user {} ({})", u.name(), u.handle());
            cx.puts.push(Put {
                key: RecordKey::User(id),
                before: None,
                after: Some(Record::User(u)),
            });
            s
        }
        Command::EditUser { user, edit } => {
            cx.require(system::USERS_MANAGE)?;
            let before = org.resolve_user(user)?;
            cx.editable(before)?;
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
                u.access_until = d;
            }
            if u == *before {
                return Err(invalid("nothing to change"));
            }
            let s = format!("edited user {}", u.handle());
            cx.put_user(before, u)?;
            s
        }
        Command::AssignRole { user, role, until } => {
            cx.require(system::USERS_MANAGE)?;
            let before = org.resolve_user(user)?;
            cx.editable(before)?;
            let role = org.resolve_role(role)?;
            cx.holds_role(role)?;
            cx.future("assignment expiry", *until)?;
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
            let s = format!(
                "assigned role {} to {}{}",
                role.name,
                u.handle(),
                until.map(|d| format!(" until {d}")).unwrap_or_default()
            );
            cx.put_user(before, u)?;
            s
        }
        Command::UnassignRole { user, role } => {
            cx.require(system::USERS_MANAGE)?;
            let before = org.resolve_user(user)?;
            cx.editable(before)?;
            let role = org.resolve_role(role)?;
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
            let s = format!("removed role {} from {}", role.name, u.handle());
            cx.put_user(before, u)?;
            s
        }
        Command::Grant {
            user,
            permission,
            level,
            until,
        } => {
            cx.require(system::USERS_MANAGE)?;
            let before = org.resolve_user(user)?;
            cx.editable(before)?;
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
            s
        }
        Command::Ungrant { user, permission } => {
            cx.require(system::USERS_MANAGE)?;
            let before = org.resolve_user(user)?;
            cx.editable(before)?;
            let p = org.catalog().get(org.catalog().resolve(permission)?);
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
            s
        }
        Command::Deactivate { user }
        | Command::Reactivate { user }
        | Command::DeleteUser { user } => {
            cx.require(system::USERS_MANAGE)?;
            let before = org.resolve_user(user)?;
            cx.editable(before)?;
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
            s
        }
        Command::Invite {
            user,
            code_hash,
            expires,
        } => {
            cx.require(system::USERS_MANAGE)?;
            let before = org.resolve_user(user)?;
            cx.editable(before)?;
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
            s
        }
        Command::AddRole {
            name,
            description,
            copy_from,
        } => {
            cx.require(system::ROLES_MANAGE)?;
            let name = text::required_text("role name", name)?;
            let description = text::free_text("description", description)?;
            if org.resolve_role(&name).is_ok() {
                return Err(DomainError::Duplicate(format!(
                    "a role named {name} already exists"
                )));
            }
            let levels = match copy_from {
                Some(src) => {
                    let src = org.resolve_role(src)?;
                    cx.holds_role(src)?;
                    if src.builtin_admin {
                        org.catalog()
                            .permissions
                            .iter()
                            .map(|p| (p.key.clone(), p.scale.top()))
                            .collect()
                    } else {
                        src.levels.clone()
                    }
                }
                None => BTreeMap::new(),
            };
            let id = cx.counters.next_role;
            cx.counters.next_role += 1;
            let r = Role {
                id,
                name,
                description,
                builtin_admin: false,
                levels,
            };
            let s = match copy_from {
                Some(src) => format!("added role {} as a copy of {}", r.name, src),
                None => format!("added role {}", r.name),
            };
            cx.puts.push(Put {
                key: RecordKey::Role(id),
                before: None,
                after: Some(Record::Role(r)),
            });
            s
        }
        Command::EditRole {
            role,
            name,
            description,
        } => {
            cx.require(system::ROLES_MANAGE)?;
            let before = org.resolve_role(role)?;
            if before.builtin_admin && name.is_some() {
                // Renaming the built-in role is harmless, but keep it stable.
                return Err(DomainError::Immutable(format!(
                    "{} is built in and cannot be renamed",
                    before.name
                )));
            }
            cx.holds_role(before)?;
            let mut r = before.clone();
            if let Some(n) = name {
                r.name = text::required_text("role name", n)?;
                if org
                    .roles
                    .values()
                    .any(|x| x.id != r.id && x.name.eq_ignore_ascii_case(&r.name))
                {
                    return Err(DomainError::Duplicate(format!(
                        "a role named {} already exists",
                        r.name
                    )));
                }
            }
            if let Some(d) = description {
                r.description = text::free_text("description", d)?;
            }
            if r == *before {
                return Err(invalid("nothing to change"));
            }
            cx.puts.push(Put {
                key: RecordKey::Role(r.id),
                before: Some(Record::Role(before.clone())),
                after: Some(Record::Role(r.clone())),
            });
            format!("edited role {}", r.name)
        }
        Command::SetRoleLevels { role, levels } => {
            cx.require(system::ROLES_MANAGE)?;
            let before = org.resolve_role(role)?;
            if before.builtin_admin {
                return Err(DomainError::Immutable(format!(
                    "{} is built in and always holds every permission",
                    before.name
                )));
            }
            if levels.is_empty() {
                return Err(invalid("no levels to set"));
            }
            let mut r = before.clone();
            let mut parts = Vec::new();
            for (k, w) in levels {
                let pi = org.catalog().resolve(k)?;
                let p = org.catalog().get(pi);
                let l = p.scale.parse_level(w)?;
                let old = r.levels.get(&p.key).copied().unwrap_or(0);
                // Rule 2: both the old and the new level must lie within the operator's.
                if (l | old) & !cx.mine[pi] != 0 {
                    return Err(DomainError::Escalation(format!(
                        "you hold {} = {}; cannot change it from {} to {}",
                        p.key,
                        p.scale.level_word(cx.mine[pi]),
                        p.scale.level_word(old),
                        p.scale.level_word(l)
                    )));
                }
                if l == 0 {
                    r.levels.remove(&p.key);
                } else {
                    r.levels.insert(p.key.clone(), l);
                }
                parts.push(format!(
                    "{} {} → {}",
                    p.key,
                    p.scale.level_word(old),
                    p.scale.level_word(l)
                ));
            }
            if r == *before {
                return Err(invalid("nothing to change: the levels are already set"));
            }
            cx.puts.push(Put {
                key: RecordKey::Role(r.id),
                before: Some(Record::Role(before.clone())),
                after: Some(Record::Role(r.clone())),
            });
            format!("set role {}: {}", r.name, parts.join(", "))
        }
        Command::RemoveRole { role } => {
            cx.require(system::ROLES_MANAGE)?;
            let r = org.resolve_role(role)?;
            if r.builtin_admin {
                return Err(DomainError::Immutable(format!(
                    "{} is built in and cannot be removed",
                    r.name
                )));
            }
            cx.holds_role(r)?;
            let holders: Vec<String> = org
                .live_users()
                .filter(|u| u.assignment(r.id).is_some())
                .map(|u| u.handle())
                .collect();
            if !holders.is_empty() {
                return Err(DomainError::Conflict(format!(
                    "role {} is assigned to {} user(s) ({}); unassign it first",
                    r.name,
                    holders.len(),
                    holders
                        .iter()
                        .take(3)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
            cx.puts.push(Put {
                key: RecordKey::Role(r.id),
                before: Some(Record::Role(r.clone())),
                after: None,
            });
            format!("removed role {}", r.name)
        }
        Command::AddQualification(nq) => {
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
            s
        }
        Command::EditQualification { id, edit } => {
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
            format!("edited qualification #{} {}", q.id, q.describe())
        }
        Command::AddAuthorization(na) => {
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
            s
        }
        Command::SetAuthorizationStatus {
            reference,
            status,
            reason,
        } => {
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
            format!(
                "{} authorization {}: {reason}",
                cmd.name().trim_start_matches("auth "),
                a.reference
            )
        }
        Command::RenewAuthorization {
            reference,
            effective_from,
            expires,
        } => {
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
            let from = effective_from.unwrap_or(before.effective_from.max(cx.today()));
            kind.check_dates(from, Some(*expires))?;
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
            format!(
                "renewed authorization {} from {from} until {expires}",
                a.reference
            )
        }
        Command::Import(new) => plan_import(&mut cx, new)?,
        Command::SetKind(k) => {
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
            let kind = super::authorizations::AuthorizationKind {
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
            format!(
                "{verb} authorization kind {code} ({}): expiry {}, maximum {}, warning {} days{}",
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
                }
            )
        }
        Command::EditAuthorization { reference, edit } => {
            cx.require(system::AUTHORIZATIONS_MANAGE)?;
            let before = org.resolve_authorization(reference)?;
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
            if a == *before {
                return Err(invalid("nothing to change"));
            }
            cx.puts.push(Put {
                key: RecordKey::Authorization(a.id),
                before: Some(Record::Authorization(before.clone())),
                after: Some(Record::Authorization(a.clone())),
            });
            format!(
                "edited authorization {}: {}",
                a.reference,
                a.scope.describe()
            )
        }
        Command::Batch(cmds) => {
            if cmds.is_empty() {
                return Err(invalid("empty batch"));
            }
            // Each command is planned against the state the previous ones left.
            let mut scratch = org.clone();
            let mut merged: BTreeMap<RecordKey, Put> = BTreeMap::new();
            for (i, c) in cmds.iter().enumerate() {
                if matches!(c, Command::Batch(_) | Command::Import(_)) {
                    return Err(invalid("a batch cannot hold a batch or an import"));
                }
                let ch = plan(&scratch, actor, c, now)
                    .map_err(|e| prefix_error(e, &format!("command {} ({})", i + 1, c.name())))?;
                scratch.apply(&ch);
                for p in ch.puts {
                    match merged.get_mut(&p.key) {
                        Some(m) => m.after = p.after,
                        None => {
                            merged.insert(p.key, p);
                        }
                    }
                }
            }
            cx.counters = scratch.counters;
            cx.puts = merged.into_values().collect();
            format!(
                "{} commands as one: {}",
                cmds.len(),
                cmds.first().map(|c| c.name()).unwrap_or_default()
            )
        }
    };
    Ok(cx.finish(summary))
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

fn prefix_error(e: DomainError, prefix: &str) -> DomainError {
    match e {
        DomainError::Invalid(m) => DomainError::Invalid(format!("{prefix}: {m}")),
        DomainError::Duplicate(m) => DomainError::Duplicate(format!("{prefix}: {m}")),
        DomainError::Forbidden(m) => DomainError::Forbidden(format!("{prefix}: {m}")),
        DomainError::Escalation(m) => DomainError::Escalation(format!("{prefix}: {m}")),
        DomainError::LastAdministrator(m) => {
            DomainError::LastAdministrator(format!("{prefix}: {m}"))
        }
        DomainError::Immutable(m) => DomainError::Immutable(format!("{prefix}: {m}")),
        DomainError::Conflict(m) => DomainError::Conflict(format!("{prefix}: {m}")),
        DomainError::Unknown { what, name } => {
            DomainError::Invalid(format!("{prefix}: unknown {what} '{name}'"))
        }
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

/// Checks that an organisation is internally consistent: every reference
/// resolves, names and emails are unique, levels exist on their scales and an
/// administrator remains. Used for imports and by `doctor`.
pub fn validate_organisation(org: &Organisation, now: DateTime<Utc>) -> DomainResult<()> {
    let c = org.catalog();
    let mut check = org.settings.catalog.clone();
    check.reindex();
    super::catalog::Catalog::new(check.areas.clone(), check.permissions.clone())?;
    let admin = org
        .roles
        .get(&org.settings.admin_role)
        .ok_or_else(|| invalid("the administrator role is missing"))?;
    if !admin.builtin_admin {
        return Err(invalid("the administrator role is not marked built-in"));
    }
    let mut names = HashSet::new();
    for r in org.roles.values() {
        text::required_text("role name", &r.name)?;
        if !names.insert(r.name.to_lowercase()) {
            return Err(DomainError::Duplicate(format!(
                "role name {} is used twice",
                r.name
            )));
        }
        if r.builtin_admin && r.id != org.settings.admin_role {
            return Err(invalid(format!("role {} claims to be built in", r.name)));
        }
        for (k, l) in &r.levels {
            let p = c.get(c.resolve(k)?);
            if !p.scale.is_valid(*l) {
                return Err(invalid(format!(
                    "role {}: level {l} is not on {k}'s scale",
                    r.name
                )));
            }
        }
        if r.id >= org.counters.next_role {
            return Err(invalid(format!("role #{} is beyond the id counter", r.id)));
        }
    }
    let mut emails = HashSet::new();
    let mut logins = HashSet::new();
    for u in org.users.values() {
        text::required_text("given name", &u.given)?;
        text::required_text("family name", &u.family)?;
        if u.id >= org.counters.next_user {
            return Err(invalid(format!("user #{} is beyond the id counter", u.id)));
        }
        if let Some(e) = &u.email {
            if text::email(e)? != *e {
                return Err(invalid(format!(
                    "user #{}: email {e} is not normalised",
                    u.id
                )));
            }
            if !u.is_deleted() && !emails.insert(e.clone()) {
                return Err(DomainError::Duplicate(format!("email {e} is used twice")));
            }
        }
        if let Some(l) = &u.login {
            text::login(l)?;
            if !u.is_deleted() && !logins.insert(l.clone()) {
                return Err(DomainError::Duplicate(format!("login {l} is used twice")));
            }
        }
        for a in &u.roles {
            if !org.roles.contains_key(&a.role) {
                return Err(invalid(format!(
                    "user #{} has unknown role #{}",
                    u.id, a.role
                )));
            }
        }
        for g in &u.grants {
            let p = c.get(c.resolve(&g.permission)?);
            if !p.scale.is_valid(g.level) || g.level == 0 {
                return Err(invalid(format!(
                    "user #{}: grant level {} is not on {}'s scale",
                    u.id, g.level, p.key
                )));
            }
        }
    }
    for q in org.qualifications.values() {
        if !org.users.contains_key(&q.holder) {
            return Err(invalid(format!(
                "qualification #{} has unknown holder #{}",
                q.id, q.holder
            )));
        }
        if q.id >= org.counters.next_qualification {
            return Err(invalid(format!(
                "qualification #{} is beyond the id counter",
                q.id
            )));
        }
    }
    let mut refs = HashSet::new();
    for a in org.authorizations.values() {
        if !org.users.contains_key(&a.holder) {
            return Err(invalid(format!(
                "authorization {} has unknown holder #{}",
                a.reference, a.holder
            )));
        }
        org.kind(&a.kind)?;
        if !refs.insert(a.reference.to_lowercase()) {
            return Err(DomainError::Duplicate(format!(
                "authorization reference {} is used twice",
                a.reference
            )));
        }
        for b in &a.bases {
            if !org.qualifications.contains_key(b) {
                return Err(invalid(format!(
                    "authorization {} rests on unknown qualification #{b}",
                    a.reference
                )));
            }
        }
        if a.id >= org.counters.next_authorization {
            return Err(invalid(format!(
                "authorization {} is beyond the id counter",
                a.reference
            )));
        }
    }
    if !org.users.values().any(|u| org.is_permanent_admin(u, now)) {
        return Err(DomainError::LastAdministrator(
            "no active account administrator".into(),
        ));
    }
    Ok(())
}

fn plan_import(cx: &mut Ctx<'_>, new: &Organisation) -> DomainResult<String> {
    let org = cx.org;
    if !org.is_active_admin(cx.me, cx.now) {
        return Err(DomainError::Forbidden(
            "import needs an account administrator".into(),
        ));
    }
    let mut new = new.clone();
    new.reindex();
    validate_organisation(&new, cx.now).map_err(|e| invalid(format!("import file: {e}")))?;
    // The importing administrator must stay one, or they lock themselves out.
    let still = new
        .users
        .get(&cx.me.id)
        .is_some_and(|u| u.login == cx.me.login && new.is_active_admin(u, cx.now));
    if !still {
        return Err(invalid(format!(
            "import file: {} would no longer be an active administrator bound to login {}",
            cx.me.handle(),
            cx.me.login.clone().unwrap_or_default()
        )));
    }
    // Tombstones are immutable: a deleted user must come back unchanged.
    for u in org.users.values().filter(|u| u.is_deleted()) {
        if new.users.get(&u.id) != Some(u) {
            return Err(DomainError::Immutable(format!(
                "import file changes or drops deleted user #{}",
                u.id
            )));
        }
    }
    let old: BTreeMap<RecordKey, Record> =
        org.records().into_iter().map(|r| (r.key(), r)).collect();
    let fresh: BTreeMap<RecordKey, Record> =
        new.records().into_iter().map(|r| (r.key(), r)).collect();
    for (k, after) in &fresh {
        let before = old.get(k);
        if before != Some(after) {
            cx.puts.push(Put {
                key: *k,
                before: before.cloned(),
                after: Some(after.clone()),
            });
        }
    }
    for (k, before) in &old {
        if !fresh.contains_key(k) {
            cx.puts.push(Put {
                key: *k,
                before: Some(before.clone()),
                after: None,
            });
        }
    }
    cx.counters = Counters {
        next_user: new.counters.next_user.max(org.counters.next_user),
        next_role: new.counters.next_role.max(org.counters.next_role),
        next_qualification: new
            .counters
            .next_qualification
            .max(org.counters.next_qualification),
        next_authorization: new
            .counters
            .next_authorization
            .max(org.counters.next_authorization),
    };
    if cx.puts.is_empty() {
        return Err(invalid(
            "import file: nothing differs from the current organisation",
        ));
    }
    Ok(format!(
        "imported the organisation: {} users, {} roles, {} qualifications, {} authorizations ({} records changed)",
        new.users.len(),
        new.roles.len(),
        new.qualifications.len(),
        new.authorizations.len(),
        cx.puts.len()
    ))
}
