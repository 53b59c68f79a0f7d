//! Workshop terminals and kiosk PINs. Registering and removing a terminal
//! and resetting someone's PIN are administration of user accounts
//! (`users.manage`, and a reset also rule 2: only someone whose access lies
//! within yours). Setting a PIN is self-service: only your own, never as
//! someone else. Sign-in attempts and sign-outs at a terminal have no
//! operator in the usual sense: they are planned here from the terminal's
//! login, the person and the PIN's verification (done in `ops`).

use chrono::{DateTime, Utc};

use super::super::catalog::system;
use super::super::command::Command;
use super::super::error::{invalid, DomainError, DomainResult};
use super::super::kiosk::{self, Pin, Removal, Terminal};
use super::super::org::{Change, Organisation, Put, Record, RecordKey};
use super::super::text::{self, sanitize};
use super::super::users::UserId;
use super::{Actor, Ctx};

/// The refusal for an unknown person and a wrong PIN alike.
pub const REFUSED: &str = "unknown person or wrong PIN";

pub(super) fn add_terminal(cx: &mut Ctx<'_>, name: &str, login: &str) -> DomainResult<String> {
    cx.require(system::USERS_MANAGE)?;
    let name = text::required_text("terminal name", name)?;
    let login = text::login(login)?;
    let org = cx.org;
    if let Some(t) = org
        .terminals
        .values()
        .find(|t| t.is_live() && (t.login == login || t.name.to_lowercase() == name.to_lowercase()))
    {
        return Err(DomainError::Duplicate(format!(
            "terminal {} ({}) is already registered",
            sanitize(&t.name),
            sanitize(&t.login)
        )));
    }
    if let Some(u) = org.user_by_login(&login) {
        return Err(DomainError::Conflict(format!(
            "login {login} is bound to user {}; a workshop terminal needs an OS account of its own",
            sanitize(&u.handle())
        )));
    }
    let id = org.terminals.keys().next_back().copied().unwrap_or(0) + 1;
    let t = Terminal {
        id,
        name: name.clone(),
        login: login.clone(),
        added_by: cx.actor.operator,
        added_at: cx.now,
        removed: None,
    };
    cx.puts.push(Put {
        key: RecordKey::Terminal(id),
        before: None,
        after: Some(Record::Terminal(t)),
    });
    Ok(format!(
        "registered workshop terminal {} for login {login}",
        sanitize(&name)
    ))
}

pub(super) fn remove_terminal(cx: &mut Ctx<'_>, terminal: &str) -> DomainResult<String> {
    cx.require(system::USERS_MANAGE)?;
    let key = terminal.trim();
    let t = cx
        .org
        .terminals
        .values()
        .find(|t| t.is_live() && (t.login == key || t.name.eq_ignore_ascii_case(key)))
        .ok_or_else(|| super::super::error::unknown("terminal", sanitize(key)))?;
    let mut after = t.clone();
    after.removed = Some(Removal {
        by: cx.actor.operator,
        at: cx.now,
    });
    cx.puts.push(Put {
        key: RecordKey::Terminal(t.id),
        before: Some(Record::Terminal(t.clone())),
        after: Some(Record::Terminal(after)),
    });
    Ok(format!(
        "removed workshop terminal {} (login {})",
        sanitize(&t.name),
        sanitize(&t.login)
    ))
}

/// Writes a person's PIN record (`before`: what is stored, if anything).
fn put_pin(cx: &mut Ctx<'_>, before: Option<&Pin>, after: Pin) {
    cx.puts.push(Put {
        key: RecordKey::Pin(after.user),
        before: before.cloned().map(Record::Pin),
        after: Some(Record::Pin(after)),
    });
}

pub(super) fn set_pin(cx: &mut Ctx<'_>, hash: &str) -> DomainResult<String> {
    if cx.actor.acting_as.is_some() {
        return Err(DomainError::Forbidden(
            "a PIN is set only by its owner, never while acting as someone else".into(),
        ));
    }
    kiosk::validate_hash(hash)?;
    let me = cx.actor.operator;
    let before = cx.org.pins.get(&me);
    let mut after = before.cloned().unwrap_or_else(|| Pin::new(me));
    after.hash = Some(hash.to_string());
    after.set_at = Some(cx.now);
    after.failures = 0;
    after.locked_until = None;
    put_pin(cx, before, after);
    Ok(format!(
        "{} set their kiosk PIN",
        sanitize(&cx.org.user(me)?.handle())
    ))
}

pub(super) fn reset_pin(cx: &mut Ctx<'_>, user: &str) -> DomainResult<String> {
    let target = cx.managed_user(user)?;
    let before = cx.org.pins.get(&target.id);
    let Some(before) = before.filter(|p| p.hash.is_some() || p.locked_until.is_some()) else {
        return Err(invalid(format!(
            "{} has no kiosk PIN to reset",
            sanitize(&target.handle())
        )));
    };
    let after = Pin::new(target.id);
    put_pin(cx, Some(before), after);
    Ok(format!(
        "reset the kiosk PIN of {}: they must set a new one",
        sanitize(&target.handle())
    ))
}

/// The live terminal registered for `login`.
pub fn terminal<'a>(org: &'a Organisation, login: &str) -> DomainResult<&'a Terminal> {
    org.terminals
        .values()
        .find(|t| t.is_live() && t.login == login)
        .ok_or_else(|| {
            DomainError::Forbidden(format!(
                "login {} is not a registered workshop terminal",
                sanitize(login)
            ))
        })
}

/// Whose PIN a sign-in at `terminal` as `person` (login or email) checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// None: nobody by that name may sign in (unknown, or holds no access).
    pub user: Option<UserId>,
    /// The stored hash to verify the PIN against (None: no PIN set).
    pub hash: Option<String>,
    /// The end of a lock in force: the PIN is not checked.
    pub locked_until: Option<DateTime<Utc>>,
}

pub fn sign_in_target(
    org: &Organisation,
    terminal_login: &str,
    person: &str,
    now: DateTime<Utc>,
) -> DomainResult<Target> {
    terminal(org, terminal_login)?;
    let user = org
        .resolve_user(person)
        .ok()
        .filter(|u| !person.trim().starts_with('#') && u.holds_access(now, org.zone()));
    let pin = user.and_then(|u| org.pins.get(&u.id));
    Ok(Target {
        user: user.map(|u| u.id),
        hash: pin.and_then(|p| p.hash.clone()),
        locked_until: pin.and_then(|p| p.locked_at(now)),
    })
}

/// How a sign-in attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    SignedIn(UserId),
    Refused,
    Locked(DateTime<Utc>),
}

/// A planned kiosk change: its command, the change, and whom the audit
/// entry names as its operator (0: nobody known).
pub struct KioskChange {
    pub command: Command,
    pub change: Change,
    pub operator: UserId,
    pub attempt: Attempt,
}

/// Plans the outcome of a sign-in attempt, given the target and whether
/// the PIN matched its hash (never checked while locked). A success resets
/// the failure count; the fifth failure in a row locks sign-in for
/// `kiosk::LOCK_MINUTES` and starts the count again.
pub fn plan_attempt(
    org: &Organisation,
    terminal_login: &str,
    target: &Target,
    verified: bool,
    now: DateTime<Utc>,
) -> DomainResult<KioskChange> {
    let t = terminal(org, terminal_login)?;
    let terminal = t.login.clone();
    let where_ = sanitize(&t.name);
    let Some(user) = target.user else {
        return Ok(no_change(
            org,
            Command::KioskFailure {
                terminal,
                user: None,
            },
            0,
            format!("refused a kiosk sign-in at {where_}: {REFUSED}"),
            Attempt::Refused,
        ));
    };
    let handle = sanitize(&org.user(user)?.handle());
    let before = org.pins.get(&user);
    if let Some(until) = before.and_then(|p| p.locked_at(now)) {
        return Ok(no_change(
            org,
            Command::KioskFailure {
                terminal,
                user: Some(user),
            },
            user,
            format!("refused a kiosk sign-in of {handle} at {where_}: locked"),
            Attempt::Locked(until),
        ));
    }
    let mut after = before.cloned().unwrap_or_else(|| Pin::new(user));
    after.locked_until = None;
    let (command, summary, attempt) = if verified && target.hash.is_some() {
        after.failures = 0;
        (
            Command::KioskSignIn { terminal, user },
            format!("{handle} signed in at {where_}"),
            Attempt::SignedIn(user),
        )
    } else if after.failures + 1 >= kiosk::MAX_FAILURES {
        let until = kiosk::lock_end(now);
        after.failures = 0;
        after.locked_until = Some(until);
        (
            Command::KioskLock {
                terminal,
                user,
                until,
            },
            format!(
                "locked the kiosk sign-in of {handle} for {} minutes after {} wrong PINs at {where_}",
                kiosk::LOCK_MINUTES,
                kiosk::MAX_FAILURES
            ),
            Attempt::Locked(until),
        )
    } else {
        after.failures += 1;
        (
            Command::KioskFailure {
                terminal,
                user: Some(user),
            },
            format!(
                "refused a kiosk sign-in of {handle} at {where_}: wrong PIN ({} in a row)",
                after.failures
            ),
            Attempt::Refused,
        )
    };
    let puts = if before == Some(&after) || (before.is_none() && after == Pin::new(user)) {
        vec![]
    } else {
        vec![Put {
            key: RecordKey::Pin(user),
            before: before.cloned().map(Record::Pin),
            after: Some(Record::Pin(after)),
        }]
    };
    Ok(KioskChange {
        command,
        change: Change {
            puts,
            counters: org.counters,
            summary,
        },
        operator: user,
        attempt,
    })
}

fn no_change(
    org: &Organisation,
    command: Command,
    operator: UserId,
    summary: String,
    attempt: Attempt,
) -> KioskChange {
    KioskChange {
        command,
        change: Change {
            puts: vec![],
            counters: org.counters,
            summary,
        },
        operator,
        attempt,
    }
}

/// The person signed in at a terminal, as an actor for reading: the
/// terminal is still registered and the person still holds access.
pub fn kiosk_actor(
    org: &Organisation,
    terminal_login: &str,
    user: UserId,
    now: DateTime<Utc>,
) -> DomainResult<Actor> {
    terminal(org, terminal_login)?;
    super::actor(org, user, None, now)
}

/// Plans a sign-out (an audit entry, nothing else changes).
pub fn plan_sign_out(
    org: &Organisation,
    terminal_login: &str,
    user: UserId,
    idle: bool,
) -> DomainResult<KioskChange> {
    let t = terminal(org, terminal_login)?;
    let u = org.user(user)?;
    let summary = format!(
        "{} signed out of {}{}",
        sanitize(&u.handle()),
        sanitize(&t.name),
        if idle { " (idle)" } else { "" }
    );
    Ok(no_change(
        org,
        Command::KioskSignOut {
            terminal: t.login.clone(),
            user,
            idle,
        },
        user,
        summary,
        Attempt::SignedIn(user),
    ))
}
