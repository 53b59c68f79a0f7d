//! A session among others: what it tells of every committed change (a
//! server pushes it to the attached apps), and the changes committed after
//! an edit's base, which the concurrency rule (`domain::concurrency`) reads.

use chrono::{DateTime, Utc};

use super::{OpsError, OpsResult, Session};
use crate::domain::concurrency;
use crate::domain::org::Change;
use crate::domain::users::UserId;

/// A change as committed, told to a session's observer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Committed {
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub operator: UserId,
    pub acting_as: Option<UserId>,
    pub summary: String,
    /// None when the change replaced the organisation (an import).
    pub change: Option<Change>,
}

/// What is told of every committed change (see [`Session::observe`]).
pub type Observer = Box<dyn FnMut(&Committed) + Send>;

impl Session {
    /// The changes committed after audit entry `base`, as the concurrency
    /// rule reads them.
    pub(super) fn changes_after(&self, base: u64) -> OpsResult<Vec<concurrency::Later>> {
        self.store
            .audit_entries_after(base)
            .map(|e| {
                let e = e.map_err(OpsError::Other)?;
                Ok(concurrency::Later {
                    seq: e.seq,
                    at: e.body.at,
                    operator: e.body.operator,
                    keys: match e.body.command.import_record() {
                        Some(_) => None,
                        None => Some(e.body.changes.iter().map(|p| p.key).collect()),
                    },
                    summary: e.body.summary,
                })
            })
            .collect()
    }

    /// Has every committed change told to `observer` (a server pushes them
    /// to its attached apps), in order, as it is committed.
    pub fn observe(&mut self, observer: Observer) {
        self.observer = Some(observer);
    }

    pub(super) fn tell(&mut self, committed: Committed) {
        if let Some(o) = &mut self.observer {
            o(&committed);
        }
    }
}
