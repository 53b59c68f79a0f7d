//! Usage evidence at a server: who signed in when, and which checks and
//! signoffs about whom were allowed when (see `store::usage` for what it is
//! and is not). The [`Recorder`] keeps it in memory, coarsened to the second,
//! where a check notes it without taking the session; a server's flusher
//! writes what changed to the `usage` tree every few seconds and when the
//! server stops. Reading merges the tree with what is not written yet.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{OpsResult, Session};
use crate::domain::org::Organisation;
use crate::domain::read::{self, Subject};
use crate::domain::users::UserId;
pub use crate::store::usage::Usage;
use crate::store::usage::{instant, Item, UsageTree};
use crate::store::StoreError;

/// Shards of the recorder: checks of different people rarely share one.
const SHARDS: usize = 16;
/// The most (person, permission) pairs held in memory, written or not:
/// about 100 bytes each. Past it, a pair not held yet is not noted (and the
/// loss is logged) until the next flush makes room.
pub const CAPACITY: usize = 1 << 18;

/// One noted pair: the permission's key (empty for a sign-in), the last
/// second noted, and the last second written to the tree.
#[derive(Debug)]
struct Entry {
    key: Box<str>,
    secs: i64,
    stored: i64,
}

type Shard = HashMap<(UserId, u64), Entry, BuildHasherDefault<Mix>>;

/// A map key's hash: a multiply-rotate mix (as rustc's FxHash) of the user
/// id and the permission key's hash, both from the organisation's own
/// records, not from a caller — no flooding to fear, and several times
/// cheaper than SipHash on the checks' path.
#[derive(Default)]
struct Mix(u64);

impl Mix {
    fn add(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for Mix {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.add(u64::from(*b));
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }
    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// How far an instant held may run ahead of the tree before a flush on
/// the clock writes it: a person checked every second is written once a
/// minute, not every flush. A flush when memory fills up, or when the
/// server ends, writes everything.
pub const SLACK_SECS: i64 = 60;

/// What a server saw used, in memory until flushed.
#[derive(Debug)]
pub struct Recorder {
    shards: Vec<Mutex<Shard>>,
    per_shard: usize,
    /// Pairs not noted because memory was full, since the last flush.
    dropped: AtomicU64,
    /// A flush is wanted before its time (memory is three quarters full).
    urgent: AtomicBool,
    wake: (Mutex<bool>, Condvar),
    /// One flush at a time.
    flushing: Mutex<()>,
}

impl Default for Recorder {
    fn default() -> Self {
        Recorder::with_capacity(CAPACITY)
    }
}

/// FNV-1a: the permission key's part of the map key, hashed without
/// allocating (the key itself is compared on a hit).
fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Recorder {
    /// A recorder holding at most `capacity` pairs (at least one per shard).
    pub fn with_capacity(capacity: usize) -> Recorder {
        Recorder {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            per_shard: capacity.div_ceil(SHARDS).max(1),
            dropped: AtomicU64::new(0),
            urgent: AtomicBool::new(false),
            wake: (Mutex::new(false), Condvar::new()),
            flushing: Mutex::new(()),
        }
    }

    /// `user` signed in at `at`.
    pub fn signed_in(&self, user: UserId, at: DateTime<Utc>) {
        self.note(user, "", at);
    }

    /// A check or signoff about `user` on `permission` was allowed at `at`.
    pub fn allowed(&self, user: UserId, permission: &str, at: DateTime<Utc>) {
        if !permission.is_empty() {
            self.note(user, permission, at);
        }
    }

    fn note(&self, user: UserId, key: &str, at: DateTime<Utc>) {
        let secs = at.timestamp();
        let hash = fnv(key);
        let mut shard = lock(&self.shards[user as usize % SHARDS]);
        if let Some(e) = shard.get_mut(&(user, hash)) {
            // (Another key with the same hash is as unlikely as it gets: the
            // held one stays.)
            if &*e.key == key && secs > e.secs {
                e.secs = secs;
            }
            return;
        }
        if shard.len() >= self.per_shard {
            drop(shard);
            self.dropped.fetch_add(1, Ordering::Relaxed);
            self.hurry();
            return;
        }
        shard.insert(
            (user, hash),
            Entry {
                key: key.into(),
                secs,
                stored: i64::MIN,
            },
        );
        let fullish = shard.len() * 4 >= self.per_shard * 3;
        drop(shard);
        if fullish {
            self.hurry();
        }
    }

    /// Asks the flusher for a flush now (once until it flushed).
    fn hurry(&self) {
        if !self.urgent.swap(true, Ordering::AcqRel) {
            *lock(&self.wake.0) = true;
            self.wake.1.notify_all();
        }
    }

    /// The flusher's wait: until `period` passed or a flush is wanted sooner.
    pub fn wait(&self, period: Duration) {
        let woken = lock(&self.wake.0);
        let (mut woken, _) = self
            .wake
            .1
            .wait_timeout_while(woken, period, |w| !*w)
            .unwrap_or_else(|e| e.into_inner());
        *woken = false;
    }

    /// How many pairs are held.
    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| lock(s).len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The pairs noted more than `slack` seconds after they were last
    /// written.
    fn unwritten(&self, slack: i64) -> Vec<Item> {
        let mut out = Vec::new();
        for s in &self.shards {
            for (&(user, _), e) in lock(s).iter() {
                if e.secs > e.stored.saturating_add(slack) {
                    let perm = (!e.key.is_empty()).then(|| e.key.to_string());
                    out.push((user, perm, e.secs));
                }
            }
        }
        out
    }

    /// Writes everything noted since it was last written to `tree` (when
    /// the server ends); see [`Recorder::flush_due`].
    pub fn flush_to(&self, tree: &UsageTree) -> Result<usize, StoreError> {
        self.flush(tree, 0)
    }

    /// A flush on the clock: writes what ran more than [`SLACK_SECS`] ahead
    /// of the tree, or everything when memory is filling up.
    pub fn flush_due(&self, tree: &UsageTree) -> Result<usize, StoreError> {
        let pressed = self.urgent.load(Ordering::Acquire);
        self.flush(tree, if pressed { 0 } else { SLACK_SECS })
    }

    /// Writes to `tree` what ran more than `slack` seconds ahead of it;
    /// then, when more than three quarters of the room is taken, forgets
    /// the pairs already written. Returns how many items the tree took. On
    /// an error, nothing is marked written: the next flush tries again.
    fn flush(&self, tree: &UsageTree, slack: i64) -> Result<usize, StoreError> {
        let _one = lock(&self.flushing);
        self.urgent.store(false, Ordering::Release);
        let items = self.unwritten(slack);
        let written = tree.write(&items)?;
        for (user, perm, secs) in &items {
            let key = perm.as_deref().unwrap_or("");
            if let Some(e) = lock(&self.shards[*user as usize % SHARDS]).get_mut(&(*user, fnv(key)))
            {
                e.stored = e.stored.max(*secs);
            }
        }
        for s in &self.shards {
            let mut s = lock(s);
            if s.len() * 4 > self.per_shard * 3 {
                s.retain(|_, e| e.secs > e.stored);
            }
        }
        let dropped = self.dropped.swap(0, Ordering::AcqRel);
        if dropped > 0 {
            tracing::warn!(
                dropped,
                "usage: memory was full; {dropped} uses were not recorded"
            );
        }
        Ok(written)
    }

    /// Adds what is held (written or not) to `all`, keeping the later of
    /// each instant.
    pub fn merge_into(&self, all: &mut BTreeMap<UserId, Usage>) {
        for s in &self.shards {
            for (&(user, _), e) in lock(s).iter() {
                if let Some(at) = instant(e.secs) {
                    let perm = (!e.key.is_empty()).then_some(&*e.key);
                    all.entry(user).or_default().note(perm, at);
                }
            }
        }
    }
}

/// The usage of the people `viewer` may read (their own always; others'
/// with `users.view` or `users.manage`, as their records), of `users`
/// (None: everyone in the organisation), with an empty [`Usage`] for
/// someone never seen. People asked for whom the viewer may not read are
/// left out, as are ids the organisation does not know.
pub fn visible(
    org: &Organisation,
    viewer: UserId,
    users: Option<&[UserId]>,
    mut all: BTreeMap<UserId, Usage>,
    at: DateTime<Utc>,
) -> OpsResult<BTreeMap<UserId, Usage>> {
    let me = org.user(viewer)?;
    let scope = read::read_scope(org, me, Subject::Users, at);
    // A reviewer sees the activity of the people whose access they review.
    let reviewed: std::collections::HashSet<UserId> = org
        .reviews
        .all_items()
        .filter(|i| i.reviewer == Some(viewer))
        .map(|i| i.holder)
        .collect();
    let wanted: Vec<UserId> = match users {
        Some(u) => u.to_vec(),
        None => org.users.keys().copied().collect(),
    };
    Ok(wanted
        .into_iter()
        .filter(|id| (scope.covers(*id) || reviewed.contains(id)) && org.users.contains_key(id))
        .map(|id| (id, all.remove(&id).unwrap_or_default()))
        .collect())
}

impl Session {
    /// Everyone's usage: the tree, and at a server what its recorder holds
    /// and has not written yet. Unfiltered: front ends ask
    /// [`Session::usage_for`].
    pub fn usage_all(&self) -> OpsResult<BTreeMap<UserId, Usage>> {
        let mut all = self.store.usage_all()?;
        if let Some(r) = &self.reads {
            r.usage().merge_into(&mut all);
        }
        Ok(all)
    }

    /// The usage of `users` (None: everyone) that the session's operator,
    /// acting as `acting_as` if given, may read: see [`visible`].
    pub fn usage_for(
        &self,
        acting_as: Option<UserId>,
        users: Option<&[UserId]>,
    ) -> OpsResult<BTreeMap<UserId, Usage>> {
        let now = self.now();
        let actor = crate::domain::rules::actor(&self.org, self.operator()?, acting_as, now)?;
        visible(&self.org, actor.effective(), users, self.usage_all()?, now)
    }

    /// The usage tree, for a server's flusher.
    pub fn usage_tree(&self) -> OpsResult<UsageTree> {
        Ok(self.store.usage_tree()?)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn t(secs: i64, nanos: u32) -> DateTime<Utc> {
        Utc.timestamp_opt(secs, nanos).unwrap()
    }

    fn tree(dir: &std::path::Path) -> (sled::Db, UsageTree) {
        let db = sled::Config::new().path(dir).open().unwrap();
        let t = crate::store::usage::tree_for_tests(db.open_tree("usage").unwrap());
        (db, t)
    }

    #[test]
    fn instants_are_coarsened_to_the_second_and_only_move_forward() {
        let r = Recorder::default();
        r.allowed(1, "users.view", t(100, 900_000_000));
        r.allowed(1, "users.view", t(100, 100));
        r.allowed(1, "users.view", t(90, 0));
        r.signed_in(1, t(50, 5));
        r.allowed(2, "", t(50, 0));
        let mut all = BTreeMap::new();
        r.merge_into(&mut all);
        assert_eq!(all.len(), 1, "an empty permission key is no use");
        assert_eq!(all[&1].last_allowed["users.view"], t(100, 0));
        assert_eq!(all[&1].last_sign_in, Some(t(50, 0)));
        assert_eq!(r.len(), 2);
    }

    #[test]
    fn memory_is_bounded_and_a_flush_makes_room() {
        let dir = tempfile::tempdir().unwrap();
        let (_db, tree) = tree(dir.path());
        let r = Recorder::with_capacity(SHARDS * 4);
        for u in 0..(SHARDS as u32 * 10) {
            r.allowed(u, "defects.create", t(10, 0));
        }
        assert_eq!(r.len(), SHARDS * 4);
        assert_eq!(r.dropped.load(Ordering::Relaxed), SHARDS as u64 * 6);
        // Filling up: a flush is wanted now, and the waiting flusher wakes.
        assert!(r.urgent.load(Ordering::Acquire));
        let started = std::time::Instant::now();
        r.wait(Duration::from_secs(30));
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(r.flush_to(&tree).unwrap(), SHARDS * 4);
        assert_eq!(r.dropped.load(Ordering::Relaxed), 0);
        // Written, and more than three quarters full: forgotten, room again.
        assert!(r.is_empty());
        r.allowed(1000, "defects.create", t(11, 0));
        assert_eq!(r.len(), 1);
    }

    #[test]
    fn a_flush_writes_what_changed_and_reads_merge_tree_and_memory() {
        let dir = tempfile::tempdir().unwrap();
        let (_db, tree) = tree(dir.path());
        let r = Recorder::default();
        r.signed_in(3, t(100, 0));
        r.allowed(3, "users.view", t(100, 0));
        assert_eq!(r.flush_to(&tree).unwrap(), 2);
        // Nothing new: nothing written. The same second again: nothing.
        assert_eq!(r.flush_to(&tree).unwrap(), 0);
        r.allowed(3, "users.view", t(100, 500));
        assert_eq!(r.flush_to(&tree).unwrap(), 0);
        // Later in memory only: a read sees the later.
        r.allowed(3, "users.view", t(160, 0));
        r.allowed(4, "defects.create", t(170, 0));
        let mut all = tree.all().unwrap();
        assert_eq!(all[&3].last_allowed["users.view"], t(100, 0));
        r.merge_into(&mut all);
        assert_eq!(all[&3].last_allowed["users.view"], t(160, 0));
        assert_eq!(all[&3].last_sign_in, Some(t(100, 0)));
        assert_eq!(all[&4].last_allowed["defects.create"], t(170, 0));
        // A recorder that starts behind the tree (a clock set back) does not
        // move it back.
        let behind = Recorder::default();
        behind.allowed(3, "users.view", t(90, 0));
        assert_eq!(behind.flush_to(&tree).unwrap(), 0);
        assert_eq!(r.flush_to(&tree).unwrap(), 2);
        let stored = tree.all().unwrap();
        assert_eq!(stored[&3].last_allowed["users.view"], t(160, 0));
    }

    #[test]
    fn a_flush_on_the_clock_writes_a_pair_again_only_a_minute_on() {
        let dir = tempfile::tempdir().unwrap();
        let (_db, tree) = tree(dir.path());
        let r = Recorder::default();
        r.allowed(5, "users.view", t(1000, 0));
        assert_eq!(r.flush_due(&tree).unwrap(), 1, "new: written at once");
        r.allowed(5, "users.view", t(1000 + SLACK_SECS, 0));
        assert_eq!(r.flush_due(&tree).unwrap(), 0);
        let mut all = tree.all().unwrap();
        r.merge_into(&mut all);
        assert_eq!(all[&5].last_allowed["users.view"], t(1000 + SLACK_SECS, 0));
        r.allowed(5, "users.view", t(1001 + SLACK_SECS, 0));
        assert_eq!(r.flush_due(&tree).unwrap(), 1);
        // As the server ends, everything.
        r.allowed(5, "users.view", t(1002 + SLACK_SECS, 0));
        assert_eq!(r.flush_due(&tree).unwrap(), 0);
        assert_eq!(r.flush_to(&tree).unwrap(), 1);
        let stored = tree.all().unwrap();
        assert_eq!(
            stored[&5].last_allowed["users.view"],
            t(1002 + SLACK_SECS, 0)
        );
    }

    #[test]
    fn recording_from_many_threads_loses_nothing_held() {
        let r = std::sync::Arc::new(Recorder::default());
        std::thread::scope(|s| {
            for th in 0..4u32 {
                let r = &r;
                s.spawn(move || {
                    for i in 0..1000u32 {
                        r.allowed(i, "defects.create", t(i64::from(th * 1000 + i), 0));
                    }
                });
            }
        });
        let mut all = BTreeMap::new();
        r.merge_into(&mut all);
        assert_eq!(all.len(), 1000);
        assert_eq!(all[&7].last_allowed["defects.create"], t(3007, 0));
    }
}
