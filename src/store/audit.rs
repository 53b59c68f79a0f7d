//! The audit chain: every change's entry, hash-chained.
//! Record version 1: `hash = SHA-256(TAG ‖ seq ‖ prev_hash ‖ canonical body)`.
//! Record version 2 adds a [`Seal`] (the id counters and a digest of the
//! whole stored state after the change):
//! `hash = SHA-256(TAG_V2 ‖ seq ‖ prev_hash ‖ canonical body ‖ canonical seal)`.
//! Record version 3 is version 2 with authorization kinds in their current
//! layout (with the bases they require), hashed under `TAG_V3`; versions 1
//! and 2 keep the legacy kind layout (`domain::kinds::legacy_layout`) for
//! reading, re-encoding and hashing, so old logs verify as they did.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::domain::command::Command;
use crate::domain::kinds::legacy_layout;
use crate::domain::org::{Counters, Put};
use crate::domain::users::UserId;

pub const TAG: &[u8] = b"clearance-audit-v1";
pub const TAG_V2: &[u8] = b"clearance-audit-v2";
pub const TAG_V3: &[u8] = b"clearance-audit-v3";
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub seq: u64,
    pub prev_hash: [u8; 32],
    pub hash: [u8; 32],
    pub body: AuditBody,
    pub seal: Option<Seal>,
    /// Written before kinds had bases (record versions 1 and 2): read,
    /// re-encoded and hashed in that layout.
    pub legacy_kinds: bool,
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
    h.update(legacy_layout(|| super::codec::canonical(body))?);
    Ok(h.finalize().into())
}

/// The hash of a sealed entry: record version 3, or 2 with `legacy_kinds`.
pub fn sealed_entry_hash(
    seq: u64,
    prev: &[u8; 32],
    body: &AuditBody,
    seal: &Seal,
    legacy_kinds: bool,
) -> Result<[u8; 32], super::codec::EncodeError> {
    let mut h = Sha256::new();
    h.update(if legacy_kinds { TAG_V2 } else { TAG_V3 });
    h.update(seq.to_be_bytes());
    h.update(prev);
    let body = if legacy_kinds {
        legacy_layout(|| super::codec::canonical(body))?
    } else {
        super::codec::canonical(body)?
    };
    h.update(body);
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
            legacy_kinds: true,
        })
    }

    /// A sealed entry (record version 3), as the store writes them now.
    pub fn sealed(
        seq: u64,
        prev_hash: [u8; 32],
        body: AuditBody,
        seal: Seal,
    ) -> Result<Self, super::codec::EncodeError> {
        Self::sealed_with(seq, prev_hash, body, seal, false)
    }

    /// A sealed entry in the legacy kind layout (record version 2), as the
    /// store wrote them before kinds had bases.
    pub fn sealed_legacy(
        seq: u64,
        prev_hash: [u8; 32],
        body: AuditBody,
        seal: Seal,
    ) -> Result<Self, super::codec::EncodeError> {
        Self::sealed_with(seq, prev_hash, body, seal, true)
    }

    fn sealed_with(
        seq: u64,
        prev_hash: [u8; 32],
        body: AuditBody,
        seal: Seal,
        legacy_kinds: bool,
    ) -> Result<Self, super::codec::EncodeError> {
        let hash = sealed_entry_hash(seq, &prev_hash, &body, &seal, legacy_kinds)?;
        Ok(AuditEntry {
            seq,
            prev_hash,
            hash,
            body,
            seal: Some(seal),
            legacy_kinds,
        })
    }

    /// What the hash of this entry's contents is, by its version.
    pub fn computed_hash(&self) -> Result<[u8; 32], super::codec::EncodeError> {
        match &self.seal {
            None => entry_hash(self.seq, &self.prev_hash, &self.body),
            Some(seal) => sealed_entry_hash(
                self.seq,
                &self.prev_hash,
                &self.body,
                seal,
                self.legacy_kinds,
            ),
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
