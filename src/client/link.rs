//! What the app works through: the database opened here (no server
//! answers, or servers are off), or a replica kept by the database's server.
//! Both give the app the same organisation, clock and operator, and run its
//! commands through the one write path.

use std::cell::Cell;

use chrono::{DateTime, Utc};

use super::replica::{News, Replica};
use crate::domain::org::Organisation;
use crate::domain::rules::kiosk;
use crate::domain::rules::Actor;
use crate::domain::users::UserId;
use crate::domain::DomainError;
use crate::ops::kiosk::SignedIn;
use crate::ops::{self, Clock, Command, OpsError, OpsResult, Outcome, Session};
use crate::protocol::{Refusal, Request, Response};
use crate::store::audit::{self, AuditEntry, Checkpoint, Verification};

pub enum Link {
    Local(Box<Session>),
    Remote {
        replica: Box<Replica>,
        clock: Box<dyn Clock>,
        /// The stored head the last audit read came with.
        head: Cell<Option<Checkpoint>>,
    },
}

impl From<Session> for Link {
    fn from(s: Session) -> Link {
        Link::Local(Box::new(s))
    }
}

impl Link {
    /// A replica, with `clock` for the app's own "now".
    pub fn remote(replica: Replica, clock: Box<dyn Clock>) -> Link {
        Link::Remote {
            replica: Box::new(replica),
            clock,
            head: Cell::new(None),
        }
    }

    pub fn org(&self) -> &Organisation {
        match self {
            Link::Local(s) => s.org(),
            Link::Remote { replica, .. } => &replica.org,
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Link::Local(s) => s.now(),
            Link::Remote { clock, .. } => clock.now(),
        }
    }

    pub fn today(&self) -> chrono::NaiveDate {
        self.org().day_of(self.now())
    }

    pub fn login(&self) -> &str {
        match self {
            Link::Local(s) => s.login(),
            Link::Remote { replica, .. } => &replica.login,
        }
    }

    pub fn operator(&self) -> OpsResult<UserId> {
        ops::operator_of(self.org(), self.login(), self.now())
    }

    pub fn actor(&self, acting_as: Option<&str>) -> OpsResult<Actor> {
        ops::actor_of(self.org(), self.login(), acting_as, self.now())
    }

    /// The audit sequence the organisation shown is as of.
    pub fn seq(&self) -> u64 {
        match self {
            Link::Local(s) => s.head_seq(),
            Link::Remote { replica, .. } => replica.seq,
        }
    }

    /// Is the server there (always, for a database opened here)?
    pub fn connected(&self) -> bool {
        match self {
            Link::Local(_) => true,
            Link::Remote { replica, .. } => replica.connected,
        }
    }

    /// The server's process id, when the app is its client.
    pub fn server(&self) -> Option<u32> {
        match self {
            Link::Local(_) => None,
            Link::Remote { replica, .. } => Some(replica.pid),
        }
    }

    /// Applies what the server pushed; what happened.
    pub fn update(&mut self) -> Vec<News> {
        match self {
            Link::Local(_) => Vec::new(),
            Link::Remote { replica, .. } => replica.update(),
        }
    }

    /// Runs `cmd` as `actor`, based on the organisation as of `base`.
    pub fn execute(
        &mut self,
        actor: Actor,
        cmd: Command,
        base: Option<u64>,
    ) -> Result<Outcome, Refusal> {
        match self {
            Link::Local(s) => s.execute_based(actor, cmd, base).map_err(|e| refusal(&e)),
            Link::Remote { replica, .. } => replica.execute(actor.acting_as, cmd, base),
        }
    }

    /// Is this app's login a registered workshop terminal?
    pub fn is_terminal(&self) -> bool {
        match self {
            Link::Local(s) => s.is_terminal(),
            Link::Remote { replica, .. } => kiosk::terminal(&replica.org, &replica.login).is_ok(),
        }
    }

    /// The actor a person signed in at this terminal acts as.
    pub fn kiosk_actor(&self, user: UserId) -> OpsResult<Actor> {
        match self {
            Link::Local(s) => s.kiosk_actor(user),
            Link::Remote { .. } => Ok(kiosk::kiosk_actor(
                self.org(),
                self.login(),
                user,
                self.now(),
            )?),
        }
    }

    /// Signs a person in at this terminal (audited either way).
    pub fn kiosk_sign_in(&mut self, person: &str, pin: &str) -> Result<SignedIn, Refusal> {
        match self {
            Link::Local(s) => s.kiosk_sign_in(person, pin).map_err(|e| refusal(&e)),
            Link::Remote { replica, .. } => {
                let request = Request::KioskSignIn {
                    caller: replica.caller(),
                    person: person.into(),
                    pin: pin.into(),
                };
                match replica.ask(&request)? {
                    Response::SignedIn(r) => r,
                    other => Err(unexpected(other)),
                }
            }
        }
    }

    /// Signs the person out of this terminal (audited).
    pub fn kiosk_sign_out(&mut self, user: UserId, idle: bool) -> Result<Outcome, Refusal> {
        match self {
            Link::Local(s) => s.kiosk_sign_out(user, idle).map_err(|e| refusal(&e)),
            Link::Remote { replica, .. } => {
                let request = Request::KioskSignOut {
                    caller: replica.caller(),
                    user,
                    idle,
                };
                match replica.ask(&request)? {
                    Response::Executed(r) => r,
                    other => Err(unexpected(other)),
                }
            }
        }
    }

    /// Every audit entry in order.
    pub fn audit_entries(&self) -> Vec<Result<AuditEntry, String>> {
        match self {
            Link::Local(s) => s.audit_entries(),
            Link::Remote { replica, head, .. } => match replica.audit() {
                Ok((entries, h)) => {
                    head.set(Some(h));
                    entries
                }
                Err(e) => vec![Err(format!("cannot read the audit log: {e}"))],
            },
        }
    }

    /// Usage evidence (last sign-in, last allowed check or signoff per
    /// permission) of `users` (None: everyone) that the operator, acting as
    /// `acting_as`, may read: from the server's tree and memory, or the
    /// tree here. People the operator may not read are left out.
    pub fn usage(
        &self,
        acting_as: Option<UserId>,
        users: Option<&[UserId]>,
    ) -> Result<std::collections::BTreeMap<UserId, ops::usage::Usage>, String> {
        match self {
            Link::Local(s) => s.usage_for(acting_as, users).map_err(|e| e.to_string()),
            Link::Remote { replica, .. } => replica.usage(acting_as, users),
        }
    }

    /// Verifies entries read with [`Link::audit_entries`] against the
    /// stored head.
    pub fn verify_entries(
        &self,
        entries: impl Iterator<Item = Result<AuditEntry, String>>,
    ) -> Verification {
        match self {
            Link::Local(s) => s.store().verify_entries(entries, None),
            Link::Remote { head, .. } => {
                let h = head.get().filter(|h| h.seq > 0);
                audit::verify(entries, h, None)
            }
        }
    }
}

fn unexpected(r: Response) -> Refusal {
    let message = match r {
        Response::Refused(why) => format!("the server refused: {why}"),
        other => format!("the server answered {other:?}"),
    };
    Refusal {
        message,
        fatal: false,
        stale: false,
    }
}

/// An error of the write path, as a refusal.
pub fn refusal(e: &OpsError) -> Refusal {
    Refusal {
        message: e.to_string(),
        fatal: e.is_fatal(),
        stale: matches!(e, OpsError::Domain(DomainError::Stale(_))),
    }
}
