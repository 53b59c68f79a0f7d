//! The precomputed access table: every user's effective levels, as checks
//! see them, so that a check is an index and a mask.

use chrono::{DateTime, Utc};

use super::catalog::{Level, PermIndex};
use super::conditions::{organisation_gate, owner_window, record_lock, RecordConditions};
use super::engine::{effective_levels, reads_own_only};
use super::org::{Change, Organisation, RecordKey};
use super::users::{User, UserId};

/// Precomputed effective levels of every user: a check is an index and a mask.
/// Rows are recomputed only when the clock passes a row's next change, or a
/// command changes the organisation (then rebuild).
///
/// The table holds the levels checks see: a permission the organisation
/// closes to everyone (its area switched off, or setup-only outside setup
/// mode) is zero in every row, so the check costs nothing more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessTable {
    nperm: usize,
    levels: Vec<Level>,
    any: Vec<bool>,
    /// Permissions the organisation closes to everyone.
    closed: Vec<bool>,
    /// Per user row: whether they hold access, keep only reading their
    /// own records, or hold none (unknown users hold none).
    standing: Vec<Standing>,
    /// Per user row: unix seconds of the next change (i64::MAX = never).
    next_change: Vec<i64>,
    /// Earliest next change of all rows.
    earliest: i64,
    /// Unix seconds from which the rows hold (the instant they were
    /// computed for): before it, an expiry since may not be in them.
    from: i64,
}

/// Where a user stands, as the check's `standing` condition sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Standing {
    None,
    Holds,
    ReadsOwn,
}

impl AccessTable {
    pub fn build(org: &Organisation, at: DateTime<Utc>) -> Self {
        let nperm = org.catalog().len();
        let rows = org.users.keys().next_back().map_or(0, |m| *m as usize + 1);
        let mut t = AccessTable {
            nperm,
            levels: vec![0; rows * nperm],
            any: org
                .catalog()
                .permissions
                .iter()
                .map(|p| p.scale.checks_any())
                .collect(),
            closed: org
                .catalog()
                .permissions
                .iter()
                .map(|p| organisation_gate(&org.settings, p).is_some())
                .collect(),
            standing: vec![Standing::None; rows],
            next_change: vec![i64::MAX; rows],
            earliest: i64::MAX,
            from: at.timestamp(),
        };
        for u in org.users.values() {
            t.fill_row(org, u, at);
        }
        t.earliest = t.next_change.iter().copied().min().unwrap_or(i64::MAX);
        t
    }

    fn fill_row(&mut self, org: &Organisation, u: &User, at: DateTime<Utc>) {
        let e = effective_levels(org, u, at);
        let row = u.id as usize * self.nperm;
        let cells = &mut self.levels[row..row + self.nperm];
        cells.copy_from_slice(&e.levels);
        for (l, closed) in cells.iter_mut().zip(&self.closed) {
            if *closed {
                *l = 0;
            }
        }
        self.next_change[u.id as usize] = e.next_change.map_or(i64::MAX, |t| t.timestamp());
        self.standing[u.id as usize] = if u.holds_access(at, org.zone()) {
            Standing::Holds
        } else if reads_own_only(org, u, at) {
            Standing::ReadsOwn
        } else {
            Standing::None
        };
    }

    /// Whether the rows hold at `at`: not before they were computed, and
    /// before any of them next changes.
    pub fn covers(&self, at: DateTime<Utc>) -> bool {
        let t = at.timestamp();
        self.from <= t && t < self.earliest
    }

    /// Brings the table up to `org` after it applied `change` (at `at`):
    /// only the rows of the users it wrote, unless it changed a role or the
    /// settings, which may change anyone's levels — then the whole table.
    pub fn apply(&mut self, org: &Organisation, change: &Change, at: DateTime<Utc>) {
        let whole = change
            .puts
            .iter()
            .any(|p| matches!(p.key, RecordKey::Settings | RecordKey::Role(_)))
            || self.nperm != org.catalog().len();
        if whole || at.timestamp() < self.from {
            *self = Self::build(org, at);
            return;
        }
        self.refresh(org, at);
        for put in &change.puts {
            let RecordKey::User(id) = put.key else {
                continue;
            };
            let row = id as usize;
            if row >= self.next_change.len() {
                self.levels.resize((row + 1) * self.nperm, 0);
                self.standing.resize(row + 1, Standing::None);
                self.next_change.resize(row + 1, i64::MAX);
            }
            match org.users.get(&id) {
                Some(u) => self.fill_row(org, u, at),
                None => {
                    self.levels[row * self.nperm..(row + 1) * self.nperm].fill(0);
                    self.standing[row] = Standing::None;
                    self.next_change[row] = i64::MAX;
                }
            }
        }
        self.earliest = self.next_change.iter().copied().min().unwrap_or(i64::MAX);
        self.from = self.from.max(at.timestamp());
    }

    /// Brings rows whose next change has passed up to `at`. Cheap when nothing expired.
    /// An instant before the table was computed gets a table built for it.
    pub fn refresh(&mut self, org: &Organisation, at: DateTime<Utc>) {
        let now = at.timestamp();
        if now < self.from {
            *self = Self::build(org, at);
            return;
        }
        if now < self.earliest {
            return;
        }
        self.from = now;
        for u in org.users.values() {
            if self
                .next_change
                .get(u.id as usize)
                .is_some_and(|n| *n <= now)
            {
                self.fill_row(org, u, at);
            }
        }
        self.earliest = self.next_change.iter().copied().min().unwrap_or(i64::MAX);
    }

    /// The instant at which some row next changes.
    pub fn next_change(&self) -> Option<i64> {
        (self.earliest != i64::MAX).then_some(self.earliest)
    }

    /// The effective level of a user (0 for an unknown user: deny by default).
    #[inline]
    pub fn level(&self, user: UserId, perm: PermIndex) -> Level {
        self.levels
            .get(user as usize * self.nperm + perm)
            .copied()
            .unwrap_or(0)
    }

    /// The check. `perm` must be a valid index of the catalog the table was built from.
    #[inline]
    pub fn allows(&self, user: UserId, perm: PermIndex, required: Level) -> bool {
        let eff = self.level(user, perm);
        if self.any[perm] {
            eff & required != 0
        } else {
            eff & required == required
        }
    }

    /// What [`check`](super::engine::check) decides, without its
    /// explanation, for a user the table covers at the instant it holds for
    /// ([`AccessTable::covers`]):
    /// the organisation's gate, the user's standing, a locked record state,
    /// the level, then an open owner window — in the check's order.
    pub fn decide(
        &self,
        org: &Organisation,
        user: UserId,
        perm: PermIndex,
        required: Level,
        cond: &RecordConditions,
    ) -> bool {
        if self.closed[perm] {
            return false;
        }
        let by_level = self.allows(user, perm, required);
        match self.standing.get(user as usize) {
            Some(Standing::ReadsOwn) => by_level,
            None | Some(Standing::None) => false,
            Some(Standing::Holds) => {
                let p = org.catalog().get(perm);
                record_lock(p, cond).is_none()
                    && (by_level || owner_window(p, required, cond).is_open())
            }
        }
    }

    /// A user's whole row.
    pub fn row(&self, user: UserId) -> &[Level] {
        let start = user as usize * self.nperm;
        self.levels.get(start..start + self.nperm).unwrap_or(&[])
    }
}
