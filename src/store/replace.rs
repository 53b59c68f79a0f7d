//! An import replaces the whole organisation. Written as one sled
//! transaction over every record and index it puts, it costs sled far more
//! memory than the data (sled keeps every superseded tree node of a
//! transaction until it ends: 1.8 GB at 100k users). So the records and
//! indexes of the imported organisation are written first into a new
//! *generation* of the record and index trees (`users.1`, `idx_email.1`,
//! …), which nothing reads, and the records to keep beside the audit entry
//! into `audit_side` under the entry's coming sequence number, to which no
//! entry refers yet; then one transaction writes the audit entry, the
//! head, the counters and the generation that is now current. Until that
//! transaction, the change is invisible; after it, the old generation is
//! dropped. A crash in between leaves trees of another generation and
//! chunks beside no entry, which opening the store drops.
//!
//! The records beside the entry: one stream of items `[u8 tree][u32
//! big-endian length][the record as stored]`, cut into chunks of at most
//! [`CHUNK`] bytes under the keys `seq ‖ u32 index`; the entry's
//! [`ImportRecord`] carries their count, length and SHA-256.

use sha2::{Digest, Sha256};
use sled::transaction::TransactionError;
use sled::Transactional;

use super::audit::{AuditBody, AuditEntry, Checkpoint, Seal};
use super::state::{StateDigest, COVERED};
use super::*;
use crate::domain::command::ImportRecord;
use crate::domain::org::Counters;

/// The name of tree `t` in generation `generation`: the record and index
/// trees carry the generation from the first import on; the others never.
pub(super) fn tree_name(t: usize, generation: u32) -> String {
    if generation == 0 || !COVERED.contains(&t) {
        TREE_NAMES[t].to_string()
    } else {
        format!("{}.{generation}", TREE_NAMES[t])
    }
}

/// The current generation, from `meta`.
pub(super) fn stored_generation(meta: &sled::Tree) -> Result<u32, StoreError> {
    match meta.get(K_GENERATION).map_err(storage)? {
        None => Ok(0),
        Some(v) => <[u8; 4]>::try_from(v.as_ref())
            .map(u32::from_be_bytes)
            .map_err(|_| StoreError::Corrupt {
                tree: "meta",
                key: "generation".into(),
                detail: "not 4 bytes".into(),
            }),
    }
}

/// Drops the record and index trees of every generation but `current`:
/// what an import left when it stopped before its transaction, or the
/// generation it replaced when it stopped right after.
pub(super) fn drop_other_generations(db: &sled::Db, current: u32) -> Result<(), StoreError> {
    for name in db.tree_names() {
        let Ok(name) = std::str::from_utf8(&name) else {
            continue;
        };
        let stale = COVERED.iter().any(|&t| {
            let base = TREE_NAMES[t];
            match name.strip_prefix(base) {
                Some("") => current != 0,
                Some(rest) => rest
                    .strip_prefix('.')
                    .and_then(|g| g.parse::<u32>().ok())
                    .is_some_and(|g| g != current),
                None => false,
            }
        });
        if stale {
            db.drop_tree(name).map_err(storage)?;
        }
    }
    Ok(())
}

/// The key of chunk `i` beside entry `seq`.
fn side_key(seq: u64, i: u32) -> Vec<u8> {
    let mut k = seq.to_be_bytes().to_vec();
    k.extend_from_slice(&i.to_be_bytes());
    k
}

/// Removes the chunks beside entries after `head`: what an import wrote
/// before it stopped short of its transaction.
pub(super) fn drop_side_after(side: &sled::Tree, head: u64) -> Result<(), StoreError> {
    let Some(first) = head.checked_add(1) else {
        return Ok(());
    };
    for k in side.range(side_key(first, 0)..).keys() {
        side.remove(k.map_err(storage)?).map_err(storage)?;
    }
    Ok(())
}

/// The records beside an import's entry, as they are written: cut into
/// chunks, hashed, and each chunk put under its key as it fills (not in
/// the transaction: nothing refers to them until the entry does).
struct SideWriter<'a> {
    tree: &'a sled::Tree,
    seq: u64,
    chunks: u32,
    current: Vec<u8>,
    hash: Sha256,
    items: u64,
    bytes: u64,
}

impl SideWriter<'_> {
    fn put_chunk(&mut self, chunk: &[u8]) -> Result<(), StoreError> {
        self.tree
            .insert(side_key(self.seq, self.chunks), chunk)
            .map_err(storage)?;
        self.chunks += 1;
        Ok(())
    }

    fn push(&mut self, tree: usize, value: &[u8]) -> Result<(), StoreError> {
        let mut head = [0u8; 5];
        head[0] = tree as u8;
        head[1..].copy_from_slice(&(value.len() as u32).to_be_bytes());
        for part in [&head[..], value] {
            self.hash.update(part);
            self.current.extend_from_slice(part);
            self.bytes += part.len() as u64;
        }
        self.items += 1;
        if self.current.len() >= CHUNK {
            let current = std::mem::take(&mut self.current);
            let mut parts = current.chunks_exact(CHUNK);
            for c in parts.by_ref() {
                self.put_chunk(c)?;
            }
            self.current = parts.remainder().to_vec();
        }
        Ok(())
    }

    fn finish(mut self) -> Result<(u64, u64, [u8; 32]), StoreError> {
        if !self.current.is_empty() {
            let last = std::mem::take(&mut self.current);
            self.put_chunk(&last)?;
        }
        Ok((self.items, self.bytes, self.hash.finalize().into()))
    }
}

/// An imported organisation written as the next generation of the record
/// and index trees, not yet current: see [`Store::commit_staged`].
pub struct Staged {
    generation: u32,
    /// The sequence number of the import's entry.
    seq: u64,
    trees: Vec<(usize, sled::Tree)>,
    /// The digest of what the staged trees hold.
    digest: StateDigest,
    admins: i64,
    record: ImportRecord,
}

impl Staged {
    /// How the audit entry records what was staged.
    pub fn record(&self) -> &ImportRecord {
        &self.record
    }
}

impl Store {
    /// Writes `org`'s records and indexes as the next generation of the
    /// trees, item by item (so sled frees what it supersedes as it goes),
    /// and the records to keep beside the audit entry. Nothing reads them
    /// until [`Store::commit_staged`].
    pub fn stage_import(&mut self, org: &Organisation) -> Result<Staged, StoreError> {
        self.writable()?;
        // Like any change, refused on a database edited behind the log's back.
        self.verified_state()?;
        let generation = self
            .generation
            .checked_add(1)
            .ok_or_else(|| StoreError::Conflict("no generation of the trees is left".into()))?;
        let mut trees = Vec::new();
        for t in COVERED {
            let name = tree_name(t, generation);
            self.db.drop_tree(name.as_bytes()).map_err(storage)?;
            trees.push((t, self.db.open_tree(name).map_err(storage)?));
        }
        let seq =
            self.head.seq.checked_add(1).ok_or_else(|| {
                StoreError::Conflict("the audit sequence is at its maximum".into())
            })?;
        drop_side_after(&self.trees[T_SIDE], self.head.seq)?;
        let result = self.write_generation(org, generation, seq, trees);
        if result.is_err() {
            self.drop_staged(generation);
        }
        result
    }

    /// Drops what an import staged and did not make current (best effort:
    /// opening the store drops what is left).
    fn drop_staged(&self, generation: u32) {
        for t in COVERED {
            let _ = self.db.drop_tree(tree_name(t, generation).as_bytes());
        }
        let _ = drop_side_after(&self.trees[T_SIDE], self.head.seq);
    }

    fn write_generation(
        &self,
        org: &Organisation,
        generation: u32,
        seq: u64,
        trees: Vec<(usize, sled::Tree)>,
    ) -> Result<Staged, StoreError> {
        let tree = |t: usize| &trees[COVERED.iter().position(|c| *c == t).unwrap_or(0)].1;
        let mut digest = StateDigest::default();
        let mut side = SideWriter {
            tree: &self.trees[T_SIDE],
            seq,
            chunks: 0,
            current: Vec::new(),
            hash: Sha256::new(),
            items: 0,
            bytes: 0,
        };
        let mut admins = 0i64;
        let mut put = |r: Record, side: &mut SideWriter| -> Result<(), StoreError> {
            let (t, k) = record_place(&r.key());
            let v = state::encode_record(&r).map_err(|e| StoreError::TooLarge {
                what: format!("{}/{}", TREE_NAMES[t], key_text_in(t, &k)),
                detail: e.to_string(),
            })?;
            if v.len() > 60 * 1024 {
                return Err(StoreError::Conflict(format!(
                    "record {}/{} would exceed 60 KiB",
                    TREE_NAMES[t],
                    key_text_in(t, &k)
                )));
            }
            tree(t).insert(&k, v.as_slice()).map_err(storage)?;
            digest.add(t, &k, &v);
            side.push(t, &v)?;
            for (it, key, id) in state::index_entries(&r) {
                let id = id.to_be_bytes();
                if tree(it).insert(&key, &id).map_err(storage)?.is_some() {
                    return Err(StoreError::Conflict(format!(
                        "'{}' is used twice in {}",
                        String::from_utf8_lossy(&key),
                        TREE_NAMES[it]
                    )));
                }
                digest.add(it, &key, &id);
            }
            if let Record::User(u) = &r {
                admins += i64::from(admin_holder(u, org.settings.admin_role));
            }
            Ok(())
        };
        put(Record::Settings(Box::new(org.settings.clone())), &mut side)?;
        for r in org.roles.values() {
            put(Record::Role(r.clone()), &mut side)?;
        }
        for u in org.users.values() {
            put(Record::User(u.clone()), &mut side)?;
        }
        for q in org.qualifications.values() {
            put(Record::Qualification(q.clone()), &mut side)?;
        }
        for a in org.authorizations.values() {
            put(Record::Authorization(a.clone()), &mut side)?;
        }
        for t in org.terminals.values() {
            put(Record::Terminal(t.clone()), &mut side)?;
        }
        for p in org.pins.values() {
            put(Record::Pin(p.clone()), &mut side)?;
        }
        for r in org.sod_rules.values() {
            put(Record::SodRule(r.clone()), &mut side)?;
        }
        for c in org.reviews.campaigns.values() {
            put(Record::Campaign(Box::new(c.clone())), &mut side)?;
        }
        for b in org.reviews.blocks() {
            put(Record::ReviewBlock(Box::new(b.clone())), &mut side)?;
        }
        for i in org.reviews.changed() {
            put(Record::ReviewItem(Box::new(i.clone())), &mut side)?;
        }
        let (items, bytes, sha) = side.finish()?;
        Ok(Staged {
            generation,
            seq,
            trees,
            digest,
            admins,
            record: ImportRecord {
                users: org.users.len() as u32,
                roles: org.roles.len() as u32,
                qualifications: org.qualifications.len() as u32,
                authorizations: org.authorizations.len() as u32,
                items,
                bytes,
                digest: sha,
            },
        })
    }

    /// Makes a staged generation current in one transaction with the
    /// import's audit entry (whose command carries `staged.record()`), the
    /// records beside it, the head, the counters and the administrator
    /// counter; then flushes and syncs. Drops the staged trees if it fails.
    pub fn commit_staged(
        &mut self,
        staged: Staged,
        body: AuditBody,
        counters: Counters,
    ) -> Result<AuditEntry, StoreError> {
        let generation = staged.generation;
        let result = self.flip(staged, body, counters);
        if result.is_err() && !self.failed {
            self.drop_staged(generation);
        }
        result
    }

    fn flip(
        &mut self,
        staged: Staged,
        body: AuditBody,
        counters: Counters,
    ) -> Result<AuditEntry, StoreError> {
        self.writable()?;
        let too_large = |what: &str| {
            let what = what.to_string();
            move |e: codec::EncodeError| StoreError::TooLarge {
                what,
                detail: e.to_string(),
            }
        };
        if body.command.import_record() != Some(&staged.record) {
            return Err(StoreError::Conflict(
                "the import's audit entry does not record what was staged".into(),
            ));
        }
        let seq = staged.seq;
        if self.head.seq.checked_add(1) != Some(seq) {
            return Err(StoreError::Conflict(
                "the audit log moved on since the import was staged".into(),
            ));
        }
        let counters_bytes = codec::encode(&counters).map_err(too_large("meta/counters"))?;
        let admins_bytes = staged.admins.to_be_bytes();
        let mut after = staged.digest;
        after.add(T_META, K_ADMINS, &admins_bytes);
        after.add(T_META, K_COUNTERS, &counters_bytes);
        let seal = Seal {
            counters,
            state: after.to_bytes(),
        };
        let entry = AuditEntry::sealed(seq, self.head.hash, body, seal)
            .map_err(too_large("its audit entry"))?;
        let entry_bytes = codec::encode_entry(&entry).map_err(too_large("its audit entry"))?;
        let mut head_bytes = seq.to_be_bytes().to_vec();
        head_bytes.extend_from_slice(&entry.hash);
        let schema = self.schema.unwrap_or(SCHEMA_FIRST).max(2);
        // The staged trees and the records beside the entry reach the disk
        // before the change that makes them current.
        self.db.flush().map_err(storage)?;
        let trees = [&self.trees[T_META], &self.trees[T_AUDIT]];
        let result = trees.as_slice().transaction(|tx| {
            let (meta, audit) = (&tx[0], &tx[1]);
            meta.insert(K_SCHEMA, &schema.to_be_bytes())?;
            meta.insert(K_ADMINS, &admins_bytes)?;
            for (i, chunk) in entry_bytes.chunks(CHUNK).enumerate() {
                audit.insert(side_key(seq, i as u32), chunk)?;
            }
            meta.insert(K_HEAD, head_bytes.as_slice())?;
            meta.insert(K_COUNTERS, counters_bytes.as_slice())?;
            meta.insert(K_GENERATION, &staged.generation.to_be_bytes())?;
            Ok::<(), sled::transaction::ConflictableTransactionError<StoreError>>(())
        });
        match result {
            Ok(()) => {}
            Err(TransactionError::Abort(e)) => return Err(e),
            Err(TransactionError::Storage(e)) => return Err(storage(e)),
        }
        // Committed: from here any failure is fatal.
        if let Err(e) = self.sync() {
            self.failed = true;
            return Err(StoreError::Fatal(e));
        }
        let old = self.generation;
        for (t, tree) in staged.trees {
            self.trees[t] = tree;
        }
        self.generation = staged.generation;
        self.schema = Some(schema);
        self.head = Checkpoint {
            seq,
            hash: entry.hash,
        };
        self.state.set(Some(after));
        // The replaced generation is no longer read; if dropping it fails,
        // the next opening drops it.
        for t in COVERED {
            if let Err(e) = self.db.drop_tree(tree_name(t, old).as_bytes()) {
                tracing::warn!(error = %e, "could not drop a replaced tree");
            }
        }
        Ok(entry)
    }
}

/// Reads the chunks stored beside an entry as one stream.
struct SideReader<I> {
    chunks: I,
    current: sled::IVec,
    at: usize,
}

impl<I: Iterator<Item = Result<sled::IVec, String>>> SideReader<I> {
    /// The next `n` bytes; None at the end of the stream (an error when it
    /// ends inside them).
    fn take(&mut self, n: usize) -> Result<Option<Vec<u8>>, String> {
        let mut out = Vec::with_capacity(n.min(64 * 1024));
        while out.len() < n {
            if self.at == self.current.len() {
                match self.chunks.next() {
                    Some(c) => {
                        self.current = c?;
                        self.at = 0;
                        continue;
                    }
                    None if out.is_empty() => return Ok(None),
                    None => return Err("its records end inside one".into()),
                }
            }
            let k = (n - out.len()).min(self.current.len() - self.at);
            out.extend_from_slice(&self.current[self.at..self.at + k]);
            self.at += k;
        }
        Ok(Some(out))
    }
}

/// Decodes a record as stored in tree `t`.
fn decode_record(t: usize, v: &[u8]) -> Result<Record, codec::DecodeError> {
    Ok(match t {
        T_SETTINGS => Record::Settings(Box::new(codec::decode(v)?)),
        T_USERS => Record::User(codec::decode(v)?),
        T_ROLES => Record::Role(codec::decode(v)?),
        T_QUALS => Record::Qualification(codec::decode(v)?),
        T_AUTHS => Record::Authorization(codec::decode(v)?),
        T_TERMS => Record::Terminal(codec::decode(v)?),
        T_PINS => Record::Pin(codec::decode(v)?),
        T_SOD => Record::SodRule(codec::decode(v)?),
        T_CAMPAIGNS => Record::Campaign(Box::new(codec::decode(v)?)),
        T_ITEMS => Record::ReviewItem(Box::new(codec::decode(v)?)),
        T_BLOCKS => Record::ReviewBlock(Box::new(codec::decode(v)?)),
        _ => {
            return Err(codec::DecodeError::Payload(format!(
                "no records in tree {t}"
            )))
        }
    })
}

impl Store {
    /// The chunks stored beside entry `seq`, in order.
    fn side_chunks(&self, seq: u64) -> impl Iterator<Item = Result<sled::IVec, String>> + '_ {
        self.trees[T_SIDE]
            .scan_prefix(seq.to_be_bytes())
            .filter(|kv| kv.as_ref().map_or(true, |(k, _)| k.len() == 12))
            .map(|kv| kv.map(|(_, v)| v).map_err(|e| storage(e).to_string()))
    }

    /// Whether the records beside an import's entry are the ones it
    /// records (their length and SHA-256).
    pub(super) fn check_side(&self, seq: u64, record: &ImportRecord) -> Result<(), String> {
        let mut hash = Sha256::new();
        let mut bytes = 0u64;
        for chunk in self.side_chunks(seq) {
            let chunk = chunk?;
            hash.update(&chunk);
            bytes += chunk.len() as u64;
        }
        let digest: [u8; 32] = hash.finalize().into();
        if bytes != record.bytes || digest != record.digest {
            return Err(format!(
                "corrupt record at audit_side/{seq}: the records beside audit entry {seq} are not the ones it records (edited, added or removed)"
            ));
        }
        Ok(())
    }

    /// The records beside an import's entry (checked by
    /// [`Store::check_side`] as the entry was read), decoded one by one.
    pub(super) fn side_records(
        &self,
        seq: u64,
    ) -> impl Iterator<Item = Result<Record, String>> + '_ {
        let mut r = SideReader {
            chunks: self.side_chunks(seq),
            current: sled::IVec::default(),
            at: 0,
        };
        let bad = move |e: String| format!("corrupt record at audit_side/{seq}: {e}");
        let mut done = false;
        std::iter::from_fn(move || {
            if done {
                return None;
            }
            let item = (|| {
                let Some(head) = r.take(5)? else {
                    return Ok(None);
                };
                let t = head[0] as usize;
                let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize;
                let v = r.take(len)?.ok_or("its records end inside one")?;
                decode_record(t, &v).map(Some).map_err(|e| e.to_string())
            })();
            match item {
                Ok(Some(rec)) => Some(Ok(rec)),
                Ok(None) => None,
                Err(e) => {
                    done = true;
                    Some(Err(bad(e)))
                }
            }
        })
    }

    /// Chunks beside no import's entry (`imports`: the sequence numbers of
    /// the entries that record an import), named.
    pub(super) fn stray_side_chunks(
        &self,
        imports: &std::collections::BTreeSet<u64>,
    ) -> Result<Vec<String>, StoreError> {
        let mut problems = Vec::new();
        for k in self.trees[T_SIDE].iter().keys() {
            let k = k.map_err(storage)?;
            let seq = <[u8; 8]>::try_from(&k[..k.len().min(8)])
                .ok()
                .map(u64::from_be_bytes);
            if k.len() != 12 || !seq.is_some_and(|s| imports.contains(&s)) {
                problems.push(format!(
                    "audit_side/{} is beside no import's audit entry (added behind its back)",
                    key_text(&k)
                ));
            }
        }
        Ok(problems)
    }
}
