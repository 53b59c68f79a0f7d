//! The errors the rules produce. Every one names what is wrong in one line.

use thiserror::Error;

/// A rejected command or query. Nothing has been changed when one is returned.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DomainError {
    /// Bad input: the text says which field and why.
    #[error("{0}")]
    Invalid(String),
    /// A name that does not resolve (user, role, permission, kind, …).
    #[error("unknown {what} '{name}'")]
    Unknown { what: &'static str, name: String },
    /// Something with that identity already exists.
    #[error("{0}")]
    Duplicate(String),
    /// The operator lacks the administrative permission for this change (rule 1).
    #[error("not permitted: {0}")]
    Forbidden(String),
    /// The change would give access the operator does not hold (rule 2).
    #[error("escalation refused: {0}")]
    Escalation(String),
    /// The change would leave no active account administrator (rule 3).
    #[error("refused: {0}")]
    LastAdministrator(String),
    /// A deleted user or other immutable history (rule 4).
    #[error("immutable: {0}")]
    Immutable(String),
    /// The change is valid input but not possible in the current state.
    #[error("{0}")]
    Conflict(String),
    /// A record the edit replaces changed after the edit's base (see
    /// `concurrency`): who changed it and when.
    #[error("refused: {0}")]
    Stale(String),
}

pub type DomainResult<T> = Result<T, DomainError>;

pub(crate) fn invalid(msg: impl Into<String>) -> DomainError {
    DomainError::Invalid(msg.into())
}

pub(crate) fn unknown(what: &'static str, name: impl Into<String>) -> DomainError {
    DomainError::Unknown {
        what,
        name: name.into(),
    }
}
