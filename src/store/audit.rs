//! The audit chain: every change's entry, hash-chained.
//! Record version 1: `hash = SHA-256(TAG ‖ seq ‖ prev_hash ‖ canonical body)`.
//! Record version 2 adds a [`Seal`] (the id counters and a digest of the
//! whole stored state after the change):
//! `hash = SHA-256(TAG_V2 ‖ seq ‖ prev_hash ‖ canonical body ‖ canonical seal)`.
//! Later record versions are version 2 in a later layout generation
//! (`domain::layout`), each hashed under its own tag: record version 3
//! (generation 2, kinds with bases) under `TAG_V3`, 4 (generation 3, the
//! organisation's time zone) under `TAG_V4`. Every entry is read,
//! re-encoded and hashed in the generation it was written in, so old logs
//! verify as they did.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::domain::command::Command;
use crate::domain::layout::{self, with_layout};
use crate::domain::org::{Counters, Put};
use crate::domain::users::UserId;

pub const TAG: &[u8] = b"clearance-audit-v1";
pub const TAG_V2: &[u8] = b"clearance-audit-v2";
pub const TAG_V3: &[u8] = b"clearance-audit-v3";
pub const TAG_V4: &[u8] = b"clearance-audit-v4";
pub const GENESIS: [u8; 32] = [0; 32];

/// What an entry says, apart from its place in the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditBody {
    pub at: DateTime<Utc>,
    /// The user bound to the OS login that ran the command.
    pub operator: UserId,
    pub operator_login: String,
    /// With `--as`: the user the operator acted as.
    pub acting_as: Option<UserId>,
    pub command: Command,
    /// Every record before and after.
    pub changes: Vec<Put>,
    pub summary: String,
}

/// What an entry of record version 2 adds: the state its change leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seal {
    /// The id counters after the change.
    pub counters: Counters,
    /// The digest of every record, index entry and counter after the change
    /// (see `store::state`).
    pub state: [u8; 32],
}

/// One entry of the chain. It is stored as record version 1 (no seal, the
/// entries written before seals existed) or 2 (sealed): see
/// `codec::encode_entry`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: u64,
    pub prev_hash: [u8; 32],
    pub hash: [u8; 32],
    pub body: AuditBody,
    pub seal: Option<Seal>,
    /// The layout generation it was written in (`domain::layout`): read,
    /// re-encoded and hashed in it.
    pub layout: u16,
}

/// Record version 1 of an entry, as stored.
#[derive(Serialize, Deserialize)]
pub(super) struct EntryV1<B> {
    pub seq: u64,
    pub prev_hash: [u8; 32],
    pub hash: [u8; 32],
    pub body: B,
}

/// Record version 2 of an entry, as stored.
#[derive(Serialize, Deserialize)]
pub(super) struct EntryV2<B> {
    pub seq: u64,
    pub prev_hash: [u8; 32],
    pub hash: [u8; 32],
    pub body: B,
    pub seal: Seal,
}

/// The hash of a record version 1 entry (legacy kind layout); fails only
/// for a body over the codec's size limit.
pub fn entry_hash(
    seq: u64,
    prev: &[u8; 32],
    body: &AuditBody,
) -> Result<[u8; 32], super::codec::EncodeError> {
    let mut h = Sha256::new();
    h.update(TAG);
    h.update(seq.to_be_bytes());
    h.update(prev);
    h.update(with_layout(1, || super::codec::canonical(body))?);
    Ok(h.finalize().into())
}

/// The tag a sealed entry of layout generation `generation` is hashed under.
fn sealed_tag(generation: u16) -> &'static [u8] {
    match generation {
        1 => TAG_V2,
        2 => TAG_V3,
        _ => TAG_V4,
    }
}

/// The hash of a sealed entry written in layout generation `generation`.
pub fn sealed_entry_hash(
    seq: u64,
    prev: &[u8; 32],
    body: &AuditBody,
    seal: &Seal,
    generation: u16,
) -> Result<[u8; 32], super::codec::EncodeError> {
    let mut h = Sha256::new();
    h.update(sealed_tag(generation));
    h.update(seq.to_be_bytes());
    h.update(prev);
    h.update(with_layout(generation, || super::codec::canonical(body))?);
    h.update(super::codec::canonical(seal)?);
    Ok(h.finalize().into())
}

impl AuditEntry {
    /// An unsealed entry, as record version 1 stored them.
    pub fn new(
        seq: u64,
        prev_hash: [u8; 32],
        body: AuditBody,
    ) -> Result<Self, super::codec::EncodeError> {
        let hash = entry_hash(seq, &prev_hash, &body)?;
        Ok(AuditEntry {
            seq,
            prev_hash,
            hash,
            body,
            seal: None,
            layout: 1,
        })
    }

    /// A sealed entry in the current layout generation, as the store writes
    /// them now.
    pub fn sealed(
        seq: u64,
        prev_hash: [u8; 32],
        body: AuditBody,
        seal: Seal,
    ) -> Result<Self, super::codec::EncodeError> {
        Self::sealed_in(seq, prev_hash, body, seal, layout::CURRENT)
    }

    /// A sealed entry in layout generation `generation`, as the store wrote
    /// them while that generation was current.
    pub fn sealed_in(
        seq: u64,
        prev_hash: [u8; 32],
        body: AuditBody,
        seal: Seal,
        generation: u16,
    ) -> Result<Self, super::codec::EncodeError> {
        let hash = sealed_entry_hash(seq, &prev_hash, &body, &seal, generation)?;
        Ok(AuditEntry {
            seq,
            prev_hash,
            hash,
            body,
            seal: Some(seal),
            layout: generation,
        })
    }

    /// What the hash of this entry's contents is, by its version.
    pub fn computed_hash(&self) -> Result<[u8; 32], super::codec::EncodeError> {
        match &self.seal {
            None => entry_hash(self.seq, &self.prev_hash, &self.body),
            Some(seal) => {
                sealed_entry_hash(self.seq, &self.prev_hash, &self.body, seal, self.layout)
            }
        }
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn unhex(s: &str) -> Option<[u8; 32]> {
    let s = s.trim();
    if s.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(s.get(i * 2..i * 2 + 2)?, 16).ok()?;
    }
    Some(out)
}

/// An exported chain head: `seq` and `hash`, for `audit verify --anchor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub seq: u64,
    pub hash: [u8; 32],
}

impl Checkpoint {
    pub fn to_text(&self) -> String {
        format!(
            "clearance-audit-checkpoint v1\nseq {}\nhash {}\n",
            self.seq,
            hex(&self.hash)
        )
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let mut lines = text.lines();
        if lines.next().map(str::trim) != Some("clearance-audit-checkpoint v1") {
            return Err("not a clearance audit checkpoint (first line)".into());
        }
        let mut seq = None;
        let mut hash = None;
        for l in lines {
            match l.split_once(' ') {
                Some(("seq", v)) => seq = v.trim().parse().ok(),
                Some(("hash", v)) => hash = unhex(v),
                _ => {}
            }
        }
        Ok(Checkpoint {
            seq: seq.ok_or("checkpoint lacks a valid 'seq' line")?,
            hash: hash.ok_or("checkpoint lacks a valid 'hash' line")?,
        })
    }
}

/// The outcome of verifying the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    pub entries: u64,
    pub head_seq: u64,
    pub head_hash: String,
    /// Every problem found; empty means the chain is intact.
    pub problems: Vec<String>,
    /// Whether the chain itself is intact (`problems` may still name
    /// records that differ from what it derives: see `Store::verify_all`).
    #[serde(skip)]
    pub chain_intact: bool,
}

impl Verification {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Verifies a sequence of entries (in key order) against the stored head and
/// an optional anchor.
pub fn verify(
    entries: impl Iterator<Item = Result<AuditEntry, String>>,
    head: Option<Checkpoint>,
    anchor: Option<Checkpoint>,
) -> Verification {
    let mut problems = Vec::new();
    let mut prev = GENESIS;
    let mut expected = 1u64;
    let mut count = 0u64;
    let mut anchor_seen = false;
    for e in entries {
        let e = match e {
            Ok(e) => e,
            Err(msg) => {
                problems.push(msg);
                expected = expected.saturating_add(1);
                continue;
            }
        };
        count += 1;
        if e.seq != expected {
            problems.push(format!(
                "entry {} found where {expected} was expected (missing or reordered entries)",
                e.seq
            ));
        }
        if e.prev_hash != prev {
            problems.push(format!("entry {}: previous-hash link broken", e.seq));
        }
        let h = e.computed_hash().ok();
        if h != Some(e.hash) {
            problems.push(format!(
                "entry {}: contents do not match its hash (edited)",
                e.seq
            ));
        }
        if let Some(a) = anchor {
            if a.seq == e.seq {
                anchor_seen = true;
                if a.hash != e.hash {
                    problems.push(format!(
                        "entry {}: differs from the checkpoint (history rewritten)",
                        e.seq
                    ));
                }
            }
        }
        prev = e.hash;
        expected = e.seq.saturating_add(1);
    }
    let last_seq = expected.saturating_sub(1);
    match head {
        Some(h) if h.seq != last_seq || h.hash != prev => problems.push(format!(
            "the stored head (entry {}) does not match the last entry ({last_seq}): entries were removed or added",
            h.seq
        )),
        None if count > 0 => problems.push("the stored head is missing".into()),
        _ => {}
    }
    if let Some(a) = anchor {
        if !anchor_seen {
            problems.push(format!(
                "the checkpoint names entry {} but the log ends at {last_seq}: the log was truncated or rolled back",
                a.seq
            ));
        }
    }
    Verification {
        entries: count,
        head_seq: last_seq,
        head_hash: hex(&prev),
        chain_intact: problems.is_empty(),
        problems,
    }
}
