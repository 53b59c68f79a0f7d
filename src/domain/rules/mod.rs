//! The rules of PRODUCT.md, applied to every command from any front end:
//! validate the input, check the operator's right (rule 1), refuse escalation
//! (rule 2), keep an active administrator (rule 3), keep history immutable
//! (rule 4). The result is a [`Change`] that the store commits with its audit
//! entry (rule 5). An error means nothing changes (rule 6).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};

use super::catalog::{system, Level};
use super::command::Command;
use super::delegation::assignable_by;
use super::engine::{effective_levels, potential_levels, within};
use super::error::{invalid, DomainError, DomainResult};
use super::holdings::{holdings, Holdings, Until};
use super::org::{Change, Counters, Organisation, Put, Record, RecordKey};
use super::roles::{Role, RoleId};
use super::text::{self, sanitize};
use super::users::{User, UserId, UserStatus};

mod authorizations;
mod closing;
mod delegate;
mod import;
pub mod kiosk;
mod organisation;
mod reviews;
mod roles;
mod sequence;
mod setup;
mod sod;
mod users;

pub use import::{validate_organisation, validate_reviews};
use sequence::{plan_sequence, prefix_error};
pub use setup::{plan_accept, plan_init, plan_rescue, Rescue};

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
    if !op.holds_access(now, org.zone()) {
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
    if !t.holds_access(now, org.zone()) {
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

pub(super) struct Ctx<'a> {
    pub(super) org: &'a Organisation,
    pub(super) actor: Actor,
    pub(super) me: &'a User,
    pub(super) mine: Vec<Level>,
    /// Until when the operator holds each level (rule 2 in time).
    pub(super) held: Holdings,
    pub(super) now: DateTime<Utc>,
    pub(super) puts: Vec<Put>,
    pub(super) counters: Counters,
    /// The reason given with the command (`--reason`), if any.
    pub(super) reason: Option<String>,
    /// The roles the operator may assign by delegation, and until when.
    pub(super) delegated: BTreeMap<RoleId, Until>,
}

impl<'a> Ctx<'a> {
    fn new(org: &'a Organisation, actor: Actor, now: DateTime<Utc>) -> DomainResult<Self> {
        let me = org.user(actor.effective())?;
        if !me.holds_access(now, org.zone()) {
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
            held: holdings(org, me, now),
            now,
            puts: vec![],
            counters: org.counters,
            reason: None,
            delegated: assignable_by(org, me, now),
        })
    }

    /// Today in the organisation's time zone.
    pub(super) fn today(&self) -> NaiveDate {
        self.org.day_of(self.now)
    }

    /// Rule 1: the administrative permission for what is changed.
    pub(super) fn require(&self, key: &str) -> DomainResult<()> {
        let i = self.org.catalog().system(key);
        let top = self.org.catalog().get(i).scale.top();
        if self.mine[i] & top != top {
            return Err(DomainError::Forbidden(format!("this needs {key}")));
        }
        Ok(())
    }

    /// The user a user-management command acts on: rule 1 (`users.manage`),
    /// then the name resolved, then rules 4 and 2 ([`Self::editable`]).
    pub(super) fn managed_user(&self, user: &str) -> DomainResult<&'a User> {
        self.require(system::USERS_MANAGE)?;
        let target = self.org.resolve_user(user)?;
        self.editable(target)?;
        Ok(target)
    }

    /// Rule 4 and rule 2: the target is not a tombstone and their access lies
    /// within the operator's — apart from the roles the operator may assign
    /// by delegation, which the operator answers for by name.
    pub(super) fn editable(&self, user: &User) -> DomainResult<()> {
        if user.is_deleted() {
            return Err(DomainError::Immutable(format!(
                "user {} is deleted and cannot be changed",
                sanitize(&user.handle())
            )));
        }
        let rest = self.without_delegated(user);
        let theirs = potential_levels(self.org, &rest, self.now);
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
        self.delegation_within(&rest)
    }

    /// Rule 2 for a role's levels: every one held by the operator.
    pub(super) fn holds_role(&self, role: &Role) -> DomainResult<()> {
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

    /// Rule 2 in time: every level that `after` holds longer than `before`
    /// did (a new user: longer than nothing) is held by the operator at least
    /// as long. Covers assigning, granting, adding, lifting or moving an
    /// access expiry and reactivating, whatever the command.
    pub(super) fn gives_no_longer(&self, before: Option<&User>, after: &User) -> DomainResult<()> {
        let cat = self.org.catalog();
        let was = before.map_or_else(
            || Holdings::none(cat.len()),
            |u| holdings(self.org, u, self.now),
        );
        // Assignments the operator may give by delegation for as long as they
        // last answer for themselves; the rest must be held.
        let will = holdings(self.org, &self.without_covered(after), self.now);
        for perm in 0..cat.len() {
            for bit in 0..8u8 {
                let Some(t) = will.bit(perm, bit) else {
                    continue;
                };
                if was.bit(perm, bit).is_some_and(|w| w >= t) {
                    continue;
                }
                let mine = self.held.bit(perm, bit);
                if mine.is_some_and(|m| m >= t) {
                    continue;
                }
                let p = cat.get(perm);
                return Err(DomainError::Escalation(format!(
                    "{} would hold {} = {} {}, but you hold it {}",
                    sanitize(&after.handle()),
                    p.key,
                    p.scale.level_word(will.level(perm)),
                    t.describe(),
                    match mine {
                        Some(Until::Day(d)) => format!("only until {d}"),
                        _ => "not at all".into(),
                    }
                )));
            }
        }
        Ok(())
    }

    /// Rule 2 in time for role levels, which are permanent: the operator holds
    /// `level` of `perm` for good.
    pub(super) fn holds_for_good(&self, perm: usize, level: Level) -> DomainResult<()> {
        match self.held.until(perm, level) {
            Some(Until::Forever) => Ok(()),
            held => {
                let p = self.org.catalog().get(perm);
                Err(DomainError::Escalation(format!(
                    "role levels are permanent: you hold {} = {} {}",
                    p.key,
                    p.scale.level_word(level),
                    match held {
                        Some(Until::Day(d)) => format!("only until {d}"),
                        _ => "not at all".into(),
                    }
                )))
            }
        }
    }

    /// Lifting or moving someone's access expiry to `until` exercises
    /// `users.manage`, so the operator must hold it at least that long.
    pub(super) fn manages_until(&self, until: Until) -> DomainResult<()> {
        let i = self.org.catalog().system(system::USERS_MANAGE);
        let top = self.org.catalog().get(i).scale.top();
        let held = self.held.until(i, top);
        if held.is_some_and(|h| h >= until) {
            return Ok(());
        }
        Err(DomainError::Escalation(format!(
            "you hold {} {}, so you cannot set an access expiry {}",
            system::USERS_MANAGE,
            match held {
                Some(Until::Day(d)) => format!("only until {d}"),
                _ => "not at all".into(),
            },
            match until {
                Until::Forever => "of never".into(),
                Until::Day(d) => format!("of {d}"),
            }
        )))
    }

    /// A kind that requires a reason: the command must come with one.
    pub(super) fn reason_for(
        &self,
        kind: &super::authorizations::AuthorizationKind,
    ) -> DomainResult<()> {
        if kind.reason_required && self.reason.is_none() {
            return Err(invalid(format!(
                "kind {} requires a reason for every change to its authorizations (--reason TEXT)",
                kind.code
            )));
        }
        Ok(())
    }

    /// Nobody changes their own roles, grants or access expiry: another
    /// administrator must (neither the operator nor the user acted as).
    pub(super) fn not_self(&self, target: &User, what: &str) -> DomainResult<()> {
        if target.id == self.actor.operator || Some(target.id) == self.actor.acting_as {
            return Err(DomainError::Forbidden(format!(
                "you cannot change your own {what}; another administrator must"
            )));
        }
        Ok(())
    }

    pub(super) fn future(&self, what: &str, until: Option<NaiveDate>) -> DomainResult<()> {
        match until {
            Some(d) if d < self.today() => Err(invalid(format!("{what} {d} is in the past"))),
            _ => Ok(()),
        }
    }

    /// Rule 3: after the change to `after`, some permanent administrator
    /// remains active.
    pub(super) fn keeps_admin(&self, before: &User, after: &User) -> DomainResult<()> {
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

    pub(super) fn put_user(&mut self, before: &User, after: User) -> DomainResult<()> {
        self.keeps_admin(before, &after)?;
        self.gives_no_longer(Some(before), &after)?;
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

pub(super) fn check_unique_email(
    org: &Organisation,
    email: &str,
    except: Option<UserId>,
) -> DomainResult<()> {
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

pub(super) fn check_unique_login(
    org: &Organisation,
    login: &str,
    except: Option<UserId>,
) -> DomainResult<()> {
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

/// Plans any command by an actor: validates, authorizes and builds the change.
/// Where the organisation requires a reason for every change, only a
/// `Reasoned` command is planned.
pub fn plan(
    org: &Organisation,
    actor: Actor,
    cmd: &Command,
    now: DateTime<Utc>,
) -> DomainResult<Change> {
    // Setting one's own PIN is self-service, not an administrative change;
    // a review's decision and a review's shortening carry their reason.
    let carries_reason = match cmd {
        Command::DecideReview { reason, .. } | Command::ShortenAuthorization { reason, .. } => {
            !reason.trim().is_empty()
        }
        _ => false,
    };
    if org.settings.reason_required
        && !carries_reason
        && !matches!(cmd, Command::Reasoned { .. } | Command::SetPin { .. })
    {
        return Err(invalid(
            "this organisation requires a reason for every change (--reason TEXT)",
        ));
    }
    let change = plan_with(org, actor, cmd, now, None)?;
    sod::refuse_new_violations(org, &change, now)?;
    Ok(change)
}

/// [`plan`] with the reason the operator gave (a `Reasoned` command passes
/// it to what it carries, a batch to each of its commands), for the kinds
/// that require one.
fn plan_with(
    org: &Organisation,
    actor: Actor,
    cmd: &Command,
    now: DateTime<Utc>,
    reason: Option<&str>,
) -> DomainResult<Change> {
    let mut cx = Ctx::new(org, actor, now)?;
    cx.reason = reason.map(str::to_string);
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
        Command::Rescue { .. } => {
            return Err(DomainError::Conflict(
                "rescue is planned with plan_rescue, by the owner of the database files".into(),
            ))
        }
        Command::ImportRecorded(_) => {
            return Err(invalid(
                "an import's audit record cannot be run; import the organisation's file",
            ))
        }
        Command::KioskSignIn { .. }
        | Command::KioskFailure { .. }
        | Command::KioskLock { .. }
        | Command::KioskSignOut { .. } => {
            return Err(DomainError::Conflict(
                "kiosk sign-ins and sign-outs happen at a workshop terminal".into(),
            ))
        }
        Command::AddTerminal { name, login } => kiosk::add_terminal(&mut cx, name, login)?,
        Command::RemoveTerminal { terminal } => kiosk::remove_terminal(&mut cx, terminal)?,
        Command::SetPin { hash } => kiosk::set_pin(&mut cx, hash)?,
        Command::ResetPin { user } => kiosk::reset_pin(&mut cx, user)?,
        Command::AddSodRule {
            name,
            reason,
            permissions,
            roles,
        } => sod::add_rule(&mut cx, name, reason, permissions, roles)?,
        Command::RemoveSodRule { rule } => sod::remove_rule(&mut cx, rule)?,
        Command::SodExcepted {
            reason,
            until,
            command,
        } => sod::plan_excepted(&mut cx, reason, *until, command)?,
        Command::StartReview(nr) => reviews::start(&mut cx, nr)?,
        Command::DecideReview {
            campaign,
            items,
            verdict,
            reason,
            looked_ms,
            bulk,
        } => reviews::decide(
            &mut cx, *campaign, items, verdict, reason, *looked_ms, *bulk,
        )?,
        Command::ReassignReview {
            campaign,
            items,
            reviewer,
        } => reviews::reassign(&mut cx, *campaign, items, reviewer)?,
        Command::CloseReview { campaign } => closing::close(&mut cx, *campaign)?,
        Command::ShortenAuthorization {
            reference,
            expires,
            reason,
        } => closing::shorten_authorization(&mut cx, reference, *expires, reason)?,
        Command::AddUser(nu) => users::add_user(&mut cx, nu)?,
        Command::EditUser { user, edit } => users::edit_user(&mut cx, user, edit)?,
        Command::AssignRole { user, role, until } => {
            users::assign_role(&mut cx, user, role, until)?
        }
        Command::UnassignRole { user, role } => users::unassign_role(&mut cx, user, role)?,
        Command::Grant {
            user,
            permission,
            level,
            until,
        } => users::grant(&mut cx, user, permission, level, until)?,
        Command::Ungrant { user, permission } => users::ungrant(&mut cx, user, permission)?,
        Command::Deactivate { user }
        | Command::Reactivate { user }
        | Command::DeleteUser { user } => users::set_status(&mut cx, cmd, user)?,
        Command::Invite {
            user,
            code_hash,
            expires,
        } => users::invite(&mut cx, user, code_hash, expires)?,
        Command::AddRole {
            name,
            description,
            copy_from,
        } => roles::add_role(&mut cx, name, description, copy_from)?,
        Command::EditRole {
            role,
            name,
            description,
        } => roles::edit_role(&mut cx, role, name, description)?,
        Command::SetRoleLevels { role, levels } => roles::set_role_levels(&mut cx, role, levels)?,
        Command::RemoveRole { role } => roles::remove_role(&mut cx, role)?,
        Command::AddQualification(nq) => authorizations::add_qualification(&mut cx, nq)?,
        Command::EditQualification { id, edit } => {
            authorizations::edit_qualification(&mut cx, id, edit)?
        }
        Command::AddAuthorization(na) => authorizations::add_authorization(&mut cx, na)?,
        Command::SetAuthorizationStatus {
            reference,
            status,
            reason,
        } => authorizations::set_authorization_status(&mut cx, cmd, reference, status, reason)?,
        Command::RenewAuthorization {
            reference,
            effective_from,
            expires,
        } => authorizations::renew_authorization(&mut cx, reference, effective_from, expires)?,
        Command::Import(new) => import::plan_import(&mut cx, new)?,
        Command::EditOrganisation(edit) => organisation::edit_organisation(&mut cx, edit)?,
        Command::SetFeature { area, on } => organisation::set_feature(&mut cx, area, *on)?,
        Command::SetSetupMode { on } => organisation::set_setup_mode(&mut cx, *on)?,
        Command::SetRolePolicy { role, edit } => roles::set_role_policy(&mut cx, role, edit)?,
        Command::SetKind(k) => authorizations::set_kind(&mut cx, k)?,
        Command::EditKind { code, edit } => authorizations::edit_kind(&mut cx, code, edit)?,
        Command::EditAuthorization { reference, edit } => {
            authorizations::edit_authorization(&mut cx, reference, edit)?
        }
        Command::Reasoned { reason, command } => {
            let reason = text::required_text("reason", reason)?;
            if matches!(**command, Command::Reasoned { .. }) {
                return Err(invalid("a reason is given once"));
            }
            let inner = plan_with(org, actor, command, now, Some(&reason))?;
            cx.counters = inner.counters;
            cx.puts = inner.puts;
            format!("{} (reason: {reason})", inner.summary)
        }
        Command::Batch(cmds) => {
            if cmds.is_empty() {
                return Err(invalid("empty batch"));
            }
            if cmds
                .iter()
                .any(|c| matches!(c, Command::Batch(_)) || c.imported().is_some())
            {
                return Err(invalid("a batch cannot hold a batch or an import"));
            }
            let (scratch, puts) = plan_sequence(org, actor, cmds, now, reason, "command")?;
            cx.counters = scratch.counters;
            cx.puts = puts;
            format!(
                "{} commands as one: {}",
                cmds.len(),
                cmds.first().map(|c| c.name()).unwrap_or_default()
            )
        }
    };
    Ok(cx.finish(summary))
}
