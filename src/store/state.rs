//! The state digest: a running sum (four 64-bit lanes, wrapping) of one
//! SHA-256 per stored item — every record, every index entry, the id
//! counters and the administrator counter. A commit updates it by
//! subtracting the hashes of what it replaces and adding those of what it
//! writes; every sealed audit entry records it; opening the store sums what
//! is stored and compares, so a direct edit is seen without a replay.

use sha2::{Digest, Sha256};

use super::*;
use crate::domain::org::{Put, Record};
use crate::domain::roles::RoleId;

const TAG: &[u8] = b"clearance-state-v1";

/// The trees whose every item the digest covers (and, from `meta`, only
/// the counters and the administrator counter).
pub(super) const COVERED: [usize; 15] = [
    T_SETTINGS,
    T_USERS,
    T_ROLES,
    T_QUALS,
    T_AUTHS,
    T_TERMS,
    T_PINS,
    T_SOD,
    T_CAMPAIGNS,
    T_ITEMS,
    T_BLOCKS,
    T_IDX_EMAIL,
    T_IDX_LOGIN,
    T_IDX_ROLE,
    T_IDX_REF,
];
pub(super) const COVERED_META: [&[u8]; 2] = [K_COUNTERS, K_ADMINS];
/// The trees `Store::load` reads whole anyway.
pub(super) const RECORD_TREES: [usize; 11] = [
    T_SETTINGS,
    T_USERS,
    T_ROLES,
    T_QUALS,
    T_AUTHS,
    T_TERMS,
    T_PINS,
    T_SOD,
    T_CAMPAIGNS,
    T_ITEMS,
    T_BLOCKS,
];

/// One record write of a commit: tree, key, and the new bytes (None removes).
pub(super) type Write = (usize, Vec<u8>, Option<Vec<u8>>);

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StateDigest([u64; 4]);

fn item(tree: usize, key: &[u8], value: &[u8]) -> [u64; 4] {
    let mut h = Sha256::new();
    h.update(TAG);
    h.update([tree as u8]);
    h.update((key.len() as u32).to_be_bytes());
    h.update(key);
    h.update(value);
    let d: [u8; 32] = h.finalize().into();
    let lane = |i: usize| {
        let mut b = [0u8; 8];
        b.copy_from_slice(&d[i * 8..i * 8 + 8]);
        u64::from_le_bytes(b)
    };
    [lane(0), lane(1), lane(2), lane(3)]
}

impl StateDigest {
    pub fn add(&mut self, tree: usize, key: &[u8], value: &[u8]) {
        for (a, b) in self.0.iter_mut().zip(item(tree, key, value)) {
            *a = a.wrapping_add(b);
        }
    }

    pub fn remove(&mut self, tree: usize, key: &[u8], value: &[u8]) {
        for (a, b) in self.0.iter_mut().zip(item(tree, key, value)) {
            *a = a.wrapping_sub(b);
        }
    }

    pub fn to_bytes(self) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (i, lane) in self.0.iter().enumerate() {
            out[i * 8..i * 8 + 8].copy_from_slice(&lane.to_le_bytes());
        }
        out
    }

    /// Takes out (`add` false) or adds the index entries one record calls for.
    fn index_entries(&mut self, r: &Record, add: bool) {
        for (tree, key, id) in index_entries(r) {
            if add {
                self.add(tree, &key, &id.to_be_bytes())
            } else {
                self.remove(tree, &key, &id.to_be_bytes())
            }
        }
    }
}

/// The unique index entries one record calls for: tree, key, id.
pub(super) fn index_entries(r: &Record) -> Vec<(usize, Vec<u8>, u32)> {
    let mut out = Vec::new();
    match r {
        Record::User(u) if !u.is_deleted() => {
            if let Some(e) = &u.email {
                out.push((T_IDX_EMAIL, e.as_bytes().to_vec(), u.id));
            }
            if let Some(l) = &u.login {
                out.push((T_IDX_LOGIN, l.as_bytes().to_vec(), u.id));
            }
        }
        Record::Role(r) => out.push((T_IDX_ROLE, r.name.to_lowercase().into_bytes(), r.id)),
        Record::Authorization(a) => {
            out.push((T_IDX_REF, a.reference.to_lowercase().into_bytes(), a.id))
        }
        _ => {}
    }
    out
}

/// The change in the administrator counter one record change makes.
pub(super) fn admin_delta(p: &Put, admin_role: RoleId) -> i64 {
    let holds = |r: &Option<Record>| match r {
        Some(Record::User(u)) => admin_holder(u, admin_role) as i64,
        _ => 0,
    };
    holds(&p.after) - holds(&p.before)
}

/// The digest after `changes`, given the digest before, each record's
/// stored bytes before (`stored`: what is in the tree now, which may be an
/// older record version than a re-encoding would write) and after
/// (`encoded`, in the order of `changes`; None for a removal).
pub(super) fn apply_changes(
    mut d: StateDigest,
    changes: &[Put],
    stored: &[Option<sled::IVec>],
    encoded: &[Write],
) -> Result<StateDigest, codec::EncodeError> {
    for ((p, (t, k, after)), was) in changes.iter().zip(encoded).zip(stored) {
        if let Some(before) = &p.before {
            match was {
                Some(bytes) => d.remove(*t, k, bytes),
                None => d.remove(*t, k, &encode_record(before)?),
            }
            d.index_entries(before, false);
        }
        if let (Some(v), Some(after)) = (after, &p.after) {
            d.add(*t, k, v);
            d.index_entries(after, true);
        }
    }
    Ok(d)
}

pub(super) fn encode_record(r: &Record) -> Result<Vec<u8>, codec::EncodeError> {
    match r {
        Record::Settings(s) => codec::encode(s.as_ref()),
        Record::User(u) => codec::encode(u),
        Record::Role(r) => codec::encode(r),
        Record::Qualification(q) => codec::encode(q),
        Record::Authorization(a) => codec::encode(a),
        Record::Terminal(t) => codec::encode(t),
        Record::Pin(p) => codec::encode(p),
        Record::SodRule(r) => codec::encode(r),
        Record::Campaign(c) => codec::encode(c.as_ref()),
        Record::ReviewItem(i) => codec::encode(i.as_ref()),
        Record::ReviewBlock(b) => codec::encode(b.as_ref()),
    }
}

impl Store {
    /// Sums the digest of everything stored that it covers; given the sum
    /// of the record trees (`RECORD_TREES`), reads only the rest.
    pub(super) fn scan_state(
        &self,
        records: Option<StateDigest>,
    ) -> Result<StateDigest, StoreError> {
        let skip: &[usize] = if records.is_some() {
            &RECORD_TREES
        } else {
            &[]
        };
        let mut d = records.unwrap_or_default();
        for t in COVERED.into_iter().filter(|t| !skip.contains(t)) {
            for kv in self.trees[t].iter() {
                let (k, v) = kv.map_err(storage)?;
                d.add(t, &k, &v);
            }
        }
        for k in COVERED_META {
            if let Some(v) = self.trees[T_META].get(k).map_err(storage)? {
                d.add(T_META, k, &v);
            }
        }
        Ok(d)
    }
}
