//! Commands planned one after another (a batch, a campaign's closing), and
//! errors named after the command that failed.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::super::command::Command;
use super::super::error::{DomainError, DomainResult};
use super::super::org::{Organisation, Put, RecordKey};
use super::{plan_with, Actor};

/// Plans commands one after another, each against the state the previous
/// ones left: the state after the last, and every record written (first
/// before, last after). An error names the command by `what` and number.
pub(super) fn plan_sequence(
    org: &Organisation,
    actor: Actor,
    cmds: &[Command],
    now: DateTime<Utc>,
    reason: Option<&str>,
    what: &str,
) -> DomainResult<(Organisation, Vec<Put>)> {
    let mut scratch = org.clone();
    let mut merged: BTreeMap<RecordKey, Put> = BTreeMap::new();
    for (i, c) in cmds.iter().enumerate() {
        let ch = plan_with(&scratch, actor, c, now, reason)
            .map_err(|e| prefix_error(e, &format!("{what} {} ({})", i + 1, c.name())))?;
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
    Ok((scratch, merged.into_values().collect()))
}

pub(super) fn prefix_error(e: DomainError, prefix: &str) -> DomainError {
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
        DomainError::Stale(m) => DomainError::Stale(format!("{prefix}: {m}")),
        DomainError::Unknown { what, name } => {
            DomainError::Invalid(format!("{prefix}: unknown {what} '{name}'"))
        }
    }
}
