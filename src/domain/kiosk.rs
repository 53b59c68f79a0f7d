//! Workshop terminals (kiosk mode): the registered terminal accounts, and
//! each person's kiosk PIN with its failure count and lock. The PIN itself
//! never reaches the domain: `ops` hashes it (argon2id) and verifies it, and
//! the domain keeps the PHC string and plans the audited outcome.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::error::{invalid, DomainResult};
use super::users::UserId;

pub type TerminalId = u32;

/// Wrong PINs in a row that lock a person's kiosk sign-in.
pub const MAX_FAILURES: u32 = 5;
/// How long the lock lasts, in minutes.
pub const LOCK_MINUTES: i64 = 15;
/// The shortest PIN accepted (characters).
pub const MIN_PIN: usize = 6;
/// The longest PIN accepted (characters).
pub const MAX_PIN: usize = 64;

/// A shared OS account registered as a workshop terminal: started from it,
/// the app shows the kiosk sign-in screen. Removed terminals stay on record
/// (ids are never reused) with who removed them and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Terminal {
    pub id: TerminalId,
    pub name: String,
    pub login: String,
    pub added_by: UserId,
    pub added_at: DateTime<Utc>,
    pub removed: Option<Removal>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Removal {
    pub by: UserId,
    pub at: DateTime<Utc>,
}

impl Terminal {
    pub fn is_live(&self) -> bool {
        self.removed.is_none()
    }
}

/// One person's kiosk PIN: its argon2id hash (a PHC string; None after an
/// administrator reset it), the wrong PINs in a row since the last success
/// or lock, and the end of a lock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pin {
    pub user: UserId,
    /// Shown as "argon2id" in JSON (audit listings): the hash itself is
    /// written only in the store's own bytes.
    #[serde(serialize_with = "redacted")]
    pub hash: Option<String>,
    pub set_at: Option<DateTime<Utc>>,
    pub failures: u32,
    pub locked_until: Option<DateTime<Utc>>,
}

impl Pin {
    pub fn new(user: UserId) -> Pin {
        Pin {
            user,
            hash: None,
            set_at: None,
            failures: 0,
            locked_until: None,
        }
    }

    /// The end of a lock in force at `at`.
    pub fn locked_at(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.locked_until.filter(|u| *u > at)
    }
}

fn redacted<S: serde::Serializer>(hash: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    if s.is_human_readable() {
        hash.as_ref().map(|_| "argon2id").serialize(s)
    } else {
        hash.serialize(s)
    }
}

/// When a lock that starts at `at` ends.
pub fn lock_end(at: DateTime<Utc>) -> DateTime<Utc> {
    at + Duration::minutes(LOCK_MINUTES)
}

/// Checks a new PIN before it is hashed: 6 to 64 characters, no control
/// characters, not all one character.
pub fn validate_pin(pin: &str) -> DomainResult<()> {
    let n = pin.chars().count();
    if n < MIN_PIN {
        return Err(invalid(format!(
            "a PIN needs at least {MIN_PIN} characters"
        )));
    }
    if n > MAX_PIN {
        return Err(invalid(format!("a PIN has at most {MAX_PIN} characters")));
    }
    if pin.chars().any(super::text::is_unsafe_char) {
        return Err(invalid("a PIN cannot hold control or format characters"));
    }
    let first = pin.chars().next();
    if pin.chars().all(|c| Some(c) == first) {
        return Err(invalid("a PIN cannot be one character repeated"));
    }
    Ok(())
}

/// A stored PIN hash must be an argon2id PHC string.
pub fn validate_hash(hash: &str) -> DomainResult<()> {
    if !hash.starts_with("$argon2id$") || hash.len() > 256 || hash.chars().any(|c| c.is_control()) {
        return Err(invalid("a PIN is stored only as an argon2id hash"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validate_pin_short_repeated_or_control_refused() {
        assert!(validate_pin("12345").is_err());
        assert!(validate_pin("111111").is_err());
        assert!(validate_pin("12345\n").is_err());
        assert!(validate_pin(&"1".repeat(65)).is_err());
        assert!(validate_pin("240617").is_ok());
        assert!(validate_pin("correct horse").is_ok());
    }

    #[test]
    fn validate_hash_only_argon2id() {
        assert!(validate_hash("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA").is_ok());
        assert!(validate_hash("$argon2i$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA").is_err());
        assert!(validate_hash("123456").is_err());
    }

    #[test]
    fn lock_in_force_until_its_end() {
        let at = DateTime::parse_from_rfc3339("2026-05-01T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let mut p = Pin::new(1);
        p.locked_until = Some(lock_end(at));
        assert_eq!(p.locked_at(at), Some(lock_end(at)));
        assert_eq!(p.locked_at(lock_end(at)), None);
    }
}
