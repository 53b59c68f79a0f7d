//! Kiosk mode at workshop terminals: PIN hashing and verification
//! (argon2id), sign-in and sign-out, each audited. The domain plans what a
//! sign-in attempt changes from the PIN's verification; the PIN itself stays
//! here. The terminal is the session's OS login (the server takes it from
//! the kernel), never a name a client sends. Every method takes and returns
//! plain data, so that a server can carry the calls over its socket.

use std::sync::OnceLock;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use serde::{Deserialize, Serialize};

use super::{Command, OpsError, OpsResult, Outcome, Session};
use crate::domain::kiosk::validate_pin;
use crate::domain::rules::kiosk::{self as plan, Attempt, REFUSED};
use crate::domain::rules::Actor;
use crate::domain::users::UserId;

/// OWASP's argon2id parameters (m = 19 MiB, t = 2, p = 1), argon2's own
/// defaults; test builds use a far cheaper cost (the stored PHC string names
/// its parameters, so either verifies).
fn params() -> Params {
    #[cfg(feature = "test-hooks")]
    {
        if let Ok(p) = Params::new(64, 1, 1, None) {
            return p;
        }
    }
    production_params()
}

fn production_params() -> Params {
    Params::new(19 * 1024, 2, 1, None).unwrap_or_default()
}

fn hasher() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params())
}

/// The argon2id PHC string of a PIN, with a fresh random salt.
pub fn hash_pin(pin: &str) -> OpsResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(pin.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| OpsError::Other(format!("cannot hash the PIN: {e}")))
}

/// Whether `pin` matches the stored PHC string.
fn verify_pin(pin: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| hasher().verify_password(pin.as_bytes(), &h).is_ok())
}

/// A hash to verify against when there is none (an unknown person, no PIN
/// set), so that a refusal takes as long whoever was named.
fn stand_in() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| hash_pin("not a pin: a stand-in").unwrap_or_default())
}

/// A person signed in at a workshop terminal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIn {
    pub user: UserId,
    /// Their name, for the screen.
    pub name: String,
    /// The audit entry of the sign-in.
    pub seq: u64,
}

impl Session {
    /// Whether this session's OS login is a registered workshop terminal
    /// (the app then starts at the kiosk sign-in screen).
    pub fn is_terminal(&self) -> bool {
        plan::terminal(&self.org, &self.login).is_ok()
    }

    /// Signs a person in at this terminal by login or email and PIN. Every
    /// attempt is audited; a refusal says the same for an unknown person
    /// and a wrong PIN, except while their sign-in is locked.
    pub fn kiosk_sign_in(&mut self, person: &str, pin: &str) -> OpsResult<SignedIn> {
        let now = self.clock.now();
        let terminal = self.login.clone();
        let target = plan::sign_in_target(&self.org, &terminal, person, now)?;
        let verified = match (&target.locked_until, &target.hash) {
            (Some(_), _) => false,
            (None, Some(h)) => verify_pin(pin, h),
            (None, None) => {
                let _ = verify_pin(pin, stand_in());
                false
            }
        };
        let k = plan::plan_attempt(&self.org, &terminal, &target, verified, now)?;
        let out = self.commit(now, k.operator, None, k.command, k.change)?;
        match k.attempt {
            Attempt::SignedIn(user) => Ok(SignedIn {
                user,
                name: self.org.user(user)?.name(),
                seq: out.seq,
            }),
            Attempt::Refused => Err(OpsError::KioskRefused(REFUSED.into())),
            Attempt::Locked(until) => Err(OpsError::KioskRefused(format!(
                "kiosk sign-in for this person is locked until {}",
                self.org.zone().local(until).format("%H:%M")
            ))),
        }
    }

    /// Signs a person out of this terminal (`idle`: the idle timer did).
    pub fn kiosk_sign_out(&mut self, user: UserId, idle: bool) -> OpsResult<Outcome> {
        let now = self.clock.now();
        let k = plan::plan_sign_out(&self.org, &self.login, user, idle)?;
        self.commit(now, k.operator, None, k.command, k.change)
    }

    /// The person signed in at this terminal, as the actor the app reads
    /// for: refused once the terminal is removed or the person holds no
    /// access.
    pub fn kiosk_actor(&self, user: UserId) -> OpsResult<Actor> {
        Ok(plan::kiosk_actor(&self.org, &self.login, user, self.now())?)
    }

    /// Sets the operator's own kiosk PIN (checked, then hashed here; only
    /// the hash is planned and stored).
    pub fn set_pin(&mut self, pin: &str) -> OpsResult<Outcome> {
        validate_pin(pin)?;
        let actor = self.actor(None)?;
        let hash = hash_pin(pin)?;
        self.execute(actor, Command::SetPin { hash })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_cost_is_owasp_argon2id() {
        let p = production_params();
        assert_eq!((p.m_cost(), p.t_cost(), p.p_cost()), (19456, 2, 1));
    }

    #[test]
    fn hash_pin_verifies_only_the_same_pin_and_salts_each_time() {
        let a = hash_pin("240617").unwrap();
        assert!(a.starts_with("$argon2id$"));
        assert!(verify_pin("240617", &a));
        assert!(!verify_pin("240618", &a));
        assert_ne!(a, hash_pin("240617").unwrap());
        assert!(!verify_pin("240617", "not a hash"));
    }
}
