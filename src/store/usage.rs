//! Usage evidence: when each person last signed in, and when a check or
//! signoff about them was last allowed, per permission — the "last
//! activity" an access review reads. A database's server records it in
//! memory (`ops::usage::Recorder`) and writes it here in batches, to a sled
//! tree of its own, `usage`.
//!
//! Usage is evidence, not data. It is not one of the record trees
//! ([`super::TREE_NAMES`]): no audit entry records it, the state digest the
//! audit log seals does not cover it, `doctor` neither replays nor compares
//! it, `backup` does not carry it (a restored database starts with none),
//! and writing it is no audited command — a check is a read, and sealing an
//! entry per read would turn every check into a commit. Whoever can write
//! the database files can change it, as they could any log file: read it as
//! what the server saw, not as proof. Nothing the rules decide reads it.
//!
//! Layout: the key is the user id (4 bytes, big-endian) followed by `S` for
//! the last sign-in, or by `P` and the permission's key; the value is the
//! instant in whole seconds since the epoch, UTC (8 bytes, big-endian).
//! A write only ever moves a value forward.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{storage, Store, StoreError};
use crate::domain::users::UserId;

/// The tree's name: not a record tree's (none starts with it), so neither
/// an import's generations nor a restore touch it.
pub const TREE: &str = "usage";

/// Items written per sled batch.
const BATCH: usize = 512;

const SIGN_IN: u8 = b'S';
const ALLOWED: u8 = b'P';

/// One person's last activity as the server saw it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// The last time they signed in: an app attached as them, a kiosk
    /// sign-in, or a command line run by their bound login at the server.
    pub last_sign_in: Option<DateTime<Utc>>,
    /// Per permission key: the last time a check or signoff about them was
    /// allowed at the server.
    pub last_allowed: BTreeMap<String, DateTime<Utc>>,
}

impl Usage {
    /// Notes one instant: `permission` None is a sign-in. Keeps the later.
    pub fn note(&mut self, permission: Option<&str>, at: DateTime<Utc>) {
        match permission {
            None => {
                if self.last_sign_in.is_none_or(|t| t < at) {
                    self.last_sign_in = Some(at);
                }
            }
            Some(p) => match self.last_allowed.get_mut(p) {
                Some(t) if *t >= at => {}
                Some(t) => *t = at,
                None => {
                    self.last_allowed.insert(p.to_string(), at);
                }
            },
        }
    }

    /// Nothing seen.
    pub fn is_empty(&self) -> bool {
        self.last_sign_in.is_none() && self.last_allowed.is_empty()
    }
}

/// One item to write: who, which permission (None: a sign-in), and when
/// (whole seconds since the epoch).
pub type Item = (UserId, Option<String>, i64);

/// The usage tree of an open database: a handle that may be used from any
/// thread, beside the session that holds the store.
#[derive(Clone)]
pub struct UsageTree(sled::Tree);

fn key_of(user: UserId, permission: Option<&str>) -> Vec<u8> {
    let mut k = Vec::with_capacity(5 + permission.map_or(0, str::len));
    k.extend_from_slice(&user.to_be_bytes());
    match permission {
        None => k.push(SIGN_IN),
        Some(p) => {
            k.push(ALLOWED);
            k.extend_from_slice(p.as_bytes());
        }
    }
    k
}

fn secs_of(v: &[u8]) -> Option<i64> {
    <[u8; 8]>::try_from(v).ok().map(i64::from_be_bytes)
}

/// An item's key decoded: (user, permission), None when malformed.
fn decode_key(k: &[u8]) -> Option<(UserId, Option<String>)> {
    let user = UserId::from_be_bytes(k.get(..4)?.try_into().ok()?);
    match (k.get(4)?, &k[5..]) {
        (&SIGN_IN, []) => Some((user, None)),
        (&ALLOWED, p) if !p.is_empty() => Some((user, Some(String::from_utf8(p.to_vec()).ok()?))),
        _ => None,
    }
}

/// Whole seconds as an instant (None out of range).
pub fn instant(secs: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(secs, 0)
}

impl UsageTree {
    /// Everything stored. An item that does not decode is skipped (and
    /// logged): evidence that cannot be read is no evidence, and no reason
    /// to refuse the rest.
    pub fn all(&self) -> Result<BTreeMap<UserId, Usage>, StoreError> {
        let mut out: BTreeMap<UserId, Usage> = BTreeMap::new();
        for kv in self.0.iter() {
            let (k, v) = kv.map_err(storage)?;
            match (decode_key(&k), secs_of(&v).and_then(instant)) {
                (Some((user, perm)), Some(at)) => {
                    out.entry(user).or_default().note(perm.as_deref(), at)
                }
                _ => tracing::warn!(
                    "an unreadable usage item ({} bytes of key) is skipped",
                    k.len()
                ),
            }
        }
        Ok(out)
    }

    /// Writes `items`, each only where it is later than what is stored
    /// (the same second is not written again), in batches of [`BATCH`],
    /// and flushes. Returns how many were written. (Items are independent:
    /// one batch for all would buy nothing, and sled holds a batch whole in
    /// memory while it applies it — over a gigabyte for 262,144 items.)
    pub fn write(&self, items: &[Item]) -> Result<usize, StoreError> {
        let mut written = 0;
        for chunk in items.chunks(BATCH) {
            let mut batch = sled::Batch::default();
            let mut any = false;
            for (user, perm, secs) in chunk {
                let key = key_of(*user, perm.as_deref());
                let stored = self.0.get(&key).map_err(storage)?;
                if stored
                    .as_deref()
                    .and_then(secs_of)
                    .is_some_and(|s| s >= *secs)
                {
                    continue;
                }
                batch.insert(key, secs.to_be_bytes().to_vec());
                written += 1;
                any = true;
            }
            if any {
                self.0.apply_batch(batch).map_err(storage)?;
            }
        }
        if written > 0 {
            self.0.flush().map_err(storage)?;
        }
        Ok(written)
    }
}

/// A usage tree over any sled tree: for unit tests elsewhere.
#[cfg(test)]
pub(crate) fn tree_for_tests(t: sled::Tree) -> UsageTree {
    UsageTree(t)
}

impl Store {
    /// The usage tree, opened (and created) for writing: for the server.
    pub fn usage_tree(&self) -> Result<UsageTree, StoreError> {
        self.db.open_tree(TREE).map(UsageTree).map_err(storage)
    }

    /// Every person's usage as stored (None of it unflushed: a server adds
    /// what it holds in memory, see `Session::usage_all`). A database that
    /// never had a server has no usage tree, and reading does not make one.
    pub fn usage_all(&self) -> Result<BTreeMap<UserId, Usage>, StoreError> {
        if !self
            .db
            .tree_names()
            .iter()
            .any(|n| n.as_ref() == TREE.as_bytes())
        {
            return Ok(BTreeMap::new());
        }
        self.usage_tree()?.all()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_malformed_ones_are_refused() {
        for (u, p) in [(7, None), (70_000, Some("users.view".to_string()))] {
            assert_eq!(decode_key(&key_of(u, p.as_deref())), Some((u, p)));
        }
        assert_eq!(decode_key(b"\0\0\0\x07"), None);
        assert_eq!(decode_key(b"\0\0\0\x07S!"), None);
        assert_eq!(decode_key(b"\0\0\0\x07P"), None);
        assert_eq!(decode_key(b"\0\0\0\x07Q"), None);
    }

    #[test]
    fn writes_only_move_forward_and_reads_skip_garbage() {
        let dir = tempfile::tempdir().unwrap();
        let db = sled::Config::new().path(dir.path()).open().unwrap();
        let t = UsageTree(db.open_tree(TREE).unwrap());
        let p = || Some("users.view".to_string());
        assert_eq!(t.write(&[(1, None, 100), (1, p(), 200)]).unwrap(), 2);
        // Earlier or the same second: nothing written.
        assert_eq!(t.write(&[(1, None, 100), (1, p(), 150)]).unwrap(), 0);
        assert_eq!(t.write(&[(1, None, 101), (2, p(), 5)]).unwrap(), 2);
        t.0.insert(b"junk", b"x".to_vec()).unwrap();
        let all = t.all().unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[&1].last_sign_in, instant(101));
        assert_eq!(all[&1].last_allowed["users.view"], instant(200).unwrap());
        assert_eq!(all[&2].last_sign_in, None);
    }
}
