//! Users, their status, role assignments, personal grants and invitations.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::catalog::Level;
use super::roles::RoleId;
use super::zone::Zone;

pub type UserId = u32;

/// invited → active ⇄ deactivated; any → deleted (a tombstone, never changed again).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum UserStatus {
    Invited,
    Active,
    Deactivated,
    Deleted,
}

impl UserStatus {
    pub fn word(self) -> &'static str {
        match self {
            UserStatus::Invited => "invited",
            UserStatus::Active => "active",
            UserStatus::Deactivated => "deactivated",
            UserStatus::Deleted => "deleted",
        }
    }
}

/// A role given to a user, optionally until a date (inclusive).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleAssignment {
    pub role: RoleId,
    pub until: Option<NaiveDate>,
    pub by: UserId,
    pub at: DateTime<Utc>,
}

/// An extra level for one user on one permission, on top of their roles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonalGrant {
    pub permission: String,
    pub level: Level,
    pub until: Option<NaiveDate>,
    pub by: UserId,
    pub at: DateTime<Utc>,
}

/// A pending invitation: only the SHA-256 of the one-time code is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    pub code_hash: [u8; 32],
    pub sent_at: DateTime<Utc>,
    pub expires: DateTime<Utc>,
    pub by: UserId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub given: String,
    pub family: String,
    /// None: a person on record without a login (e.g. a pilot without email).
    pub email: Option<String>,
    /// The OS login this user is bound to; the operator of a process is the
    /// active user bound to the process's login.
    pub login: Option<String>,
    pub status: UserStatus,
    /// Last day (inclusive, in the organisation's time zone) on which the
    /// user holds any access.
    pub access_until: Option<NaiveDate>,
    pub roles: Vec<RoleAssignment>,
    pub grants: Vec<PersonalGrant>,
    pub invitation: Option<Invitation>,
    pub created_at: DateTime<Utc>,
}

impl User {
    pub fn name(&self) -> String {
        format!("{} {}", self.given, self.family)
    }

    /// Whether the user holds any access at `at`: active and not past their
    /// access expiry. Invited, deactivated and deleted users hold nothing.
    pub fn holds_access(&self, at: DateTime<Utc>, zone: Zone) -> bool {
        self.status == UserStatus::Active && zone.holds_until(self.access_until, at)
    }

    /// The status as people need it at `at`: an invitation past its expiry
    /// and an account past its access expiry are said so, not shown as
    /// pending or active.
    pub fn status_word(&self, at: DateTime<Utc>, zone: Zone) -> &'static str {
        match self.status {
            UserStatus::Invited if self.invitation.as_ref().is_some_and(|i| i.expires < at) => {
                "invite expired"
            }
            UserStatus::Invited if self.invitation.is_none() => "not invited",
            UserStatus::Active if !zone.holds_until(self.access_until, at) => "expired",
            s => s.word(),
        }
    }

    /// Deactivated or deleted: hidden from lists unless asked for.
    pub fn is_archived(&self) -> bool {
        matches!(self.status, UserStatus::Deactivated | UserStatus::Deleted)
    }

    pub fn is_deleted(&self) -> bool {
        self.status == UserStatus::Deleted
    }

    /// A short handle for messages and confirmations: login, else email, else `#id`.
    pub fn handle(&self) -> String {
        self.login
            .clone()
            .or_else(|| self.email.clone())
            .unwrap_or_else(|| format!("#{}", self.id))
    }

    /// The short name a deletion is confirmed with: the login, else the
    /// email's part before the "@", else "#id".
    pub fn short_name(&self) -> String {
        match (&self.login, &self.email) {
            (Some(l), _) => l.clone(),
            (None, Some(e)) => e.split('@').next().unwrap_or(e).to_string(),
            (None, None) => format!("#{}", self.id),
        }
    }

    pub fn assignment(&self, role: RoleId) -> Option<&RoleAssignment> {
        self.roles.iter().find(|a| a.role == role)
    }

    pub fn grant(&self, permission: &str) -> Option<&PersonalGrant> {
        self.grants.iter().find(|g| g.permission == permission)
    }
}
