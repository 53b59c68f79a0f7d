//! What a served database reads from: an immutable snapshot of the
//! organisation with its access table, published by the one [`Session`]
//! after each commit and swapped in whole (arc-swap), so that a check never
//! waits for a write and never sees half of one.
//!
//! [`Session`]: super::Session

use std::sync::Arc;

use arc_swap::ArcSwap;
use chrono::{DateTime, Utc};

use crate::domain::catalog::{Level, PermIndex};
use crate::domain::conditions::RecordConditions;
use crate::domain::engine::{self, AccessTable};
use crate::domain::org::{Change, Organisation};
use crate::domain::users::User;

/// The organisation as of one commit, and the access table of it.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub org: Arc<Organisation>,
    pub table: AccessTable,
}

impl Snapshot {
    pub fn build(org: Arc<Organisation>, at: DateTime<Utc>) -> Snapshot {
        let table = AccessTable::build(&org, at);
        Snapshot { org, table }
    }

    /// What `engine::check` decides at `at`, from the table where it holds
    /// at that instant, else (an instant before it was computed) from the
    /// explained check.
    pub fn decide(
        &self,
        user: &User,
        perm: PermIndex,
        required: Level,
        cond: &RecordConditions,
        at: DateTime<Utc>,
    ) -> bool {
        if self.table.covers(at) {
            self.table.decide(&self.org, user.id, perm, required, cond)
        } else {
            engine::check(&self.org, user, perm, required, cond, at).allowed
        }
    }
}

/// The published snapshot, shared by the session (which replaces it) and
/// every reader; and what the readers saw used (usage evidence, noted
/// without the session: see [`super::usage`]).
#[derive(Debug)]
pub struct Reads {
    current: ArcSwap<Snapshot>,
    usage: super::usage::Recorder,
}

impl Reads {
    pub fn new(first: Arc<Snapshot>) -> Reads {
        Reads {
            current: ArcSwap::new(first),
            usage: Default::default(),
        }
    }

    /// Where a server notes sign-ins and allowed checks.
    pub fn usage(&self) -> &super::usage::Recorder {
        &self.usage
    }

    /// Makes `snapshot` the one readers get.
    pub fn publish(&self, snapshot: Arc<Snapshot>) {
        self.current.store(snapshot);
    }

    /// The snapshot to read at `at`. When the clock has passed an expiry in
    /// its table, the expired rows are brought up to `at` in a copy, which
    /// becomes the published one unless a commit replaced it meanwhile.
    pub fn at(&self, at: DateTime<Utc>) -> Arc<Snapshot> {
        let current = self.current.load_full();
        if current
            .table
            .next_change()
            .is_none_or(|n| at.timestamp() < n)
        {
            // Covered, or an instant before the table was computed, for
            // which the explained check answers.
            return current;
        }
        let mut fresh = Snapshot::clone(&current);
        fresh.table.refresh(&fresh.org, at);
        let fresh = Arc::new(fresh);
        let _ = self.current.compare_and_swap(&current, Arc::clone(&fresh));
        fresh
    }
}

/// The organisation as it was before the last commits, kept by a session
/// whose current organisation readers hold: the next commit brings it up to
/// date and applies itself there, where no reader looks, and it becomes the
/// current one (the one it replaces becomes the spare). So a server holds
/// two organisations and copies none per commit — only at its first commit,
/// or when a reader still holds the spare then.
#[derive(Debug, Default)]
pub(crate) struct Spare {
    org: Option<Arc<Organisation>>,
    /// The changes the spare lacks, in order.
    behind: Vec<Change>,
    /// Organisations a reader still held when they were replaced: let go
    /// here once no reader holds them, so that no check ever pays for
    /// freeing a whole organisation.
    retired: Vec<Arc<Organisation>>,
}

/// How far a spare may fall behind before it is let go (a session whose
/// organisation nobody else holds applies changes in place).
const MAX_BEHIND: usize = 64;

impl Spare {
    /// Applies `change` to `org`: in place when nothing else holds it, else
    /// through the spare.
    pub(crate) fn apply(&mut self, org: &mut Arc<Organisation>, change: &Change) {
        if let Some(o) = Arc::get_mut(org) {
            o.apply(change);
            if self.org.is_some() && self.behind.len() < MAX_BEHIND {
                self.behind.push(change.clone());
            } else {
                self.clear();
            }
            return;
        }
        self.retired.retain(|o| Arc::strong_count(o) > 1);
        let mut next = match self.org.take() {
            Some(mut spare) => match Arc::get_mut(&mut spare) {
                Some(s) => {
                    for c in &self.behind {
                        s.apply(c);
                    }
                    spare
                }
                None => {
                    self.retired.push(spare);
                    Arc::new(Organisation::clone(org))
                }
            },
            None => Arc::new(Organisation::clone(org)),
        };
        Arc::make_mut(&mut next).apply(change);
        self.org = Some(std::mem::replace(org, next));
        self.behind = vec![change.clone()];
    }

    /// Lets the spare go (the organisation was replaced, by an import).
    pub(crate) fn clear(&mut self) {
        self.org = None;
        self.behind.clear();
    }
}
