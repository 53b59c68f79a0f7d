//! The commit: one sled transaction writes a change's records, its audit
//! entry, the audit head, the counters, the indexes and the administrator
//! counter; then the store flushes and syncs before the caller may report
//! success.

use std::fs::OpenOptions;

use sled::transaction::{abort, ConflictableTransactionError, TransactionError, TransactionalTree};
use sled::Transactional;

use super::audit::{AuditBody, AuditEntry, Checkpoint, Seal};
use super::*;
use crate::domain::org::{Counters, Put};
use crate::domain::roles::RoleId;

impl Store {
    /// Commits one change with its audit entry in one transaction, then
    /// flushes and syncs. Returns the entry as written.
    pub fn commit(
        &mut self,
        body: AuditBody,
        counters: Counters,
        admin_role: RoleId,
    ) -> Result<AuditEntry, StoreError> {
        self.writable()?;
        let too_large = |what: String| {
            move |e: codec::EncodeError| StoreError::TooLarge {
                what,
                detail: e.to_string(),
            }
        };
        let seq = self
            .head
            .seq
            .checked_add(1)
            .ok_or_else(|| StoreError::Corrupt {
                tree: "meta",
                key: "audit_head".into(),
                detail: "the sequence number is at its maximum".into(),
            })?;
        let mut writes: Vec<state::Write> = Vec::new();
        for p in &body.changes {
            let (t, k) = record_place(&p.key);
            let v = match &p.after {
                None => None,
                Some(r) => Some(state::encode_record(r).map_err(too_large(format!(
                    "{}/{}",
                    TREE_NAMES[t],
                    key_text(&k)
                )))?),
            };
            writes.push((t, k, v));
        }
        if let Some((t, k, _)) = writes
            .iter()
            .find(|(_, _, v)| v.as_ref().is_some_and(|v| v.len() > 60 * 1024))
        {
            return Err(StoreError::Conflict(format!(
                "record {}/{} would exceed 60 KiB",
                TREE_NAMES[*t],
                key_text(k)
            )));
        }
        // The state this change leaves, sealed into its audit entry: the
        // digest before it (checked against the head's seal), what it takes
        // out and what it writes.
        let before = self.verified_state()?;
        let meta = &self.trees[T_META];
        let old_admins = meta.get(K_ADMINS).map_err(storage)?;
        let old_counters = meta.get(K_COUNTERS).map_err(storage)?;
        let admins = old_admins
            .as_ref()
            .and_then(|v| <[u8; 8]>::try_from(v.as_ref()).ok())
            .map_or(0, i64::from_be_bytes)
            + body
                .changes
                .iter()
                .map(|p| state::admin_delta(p, admin_role))
                .sum::<i64>();
        let admins_bytes = admins.to_be_bytes();
        let counters_bytes = codec::encode(&counters).map_err(too_large("meta/counters".into()))?;
        // What a replaced record's bytes are now (the digest takes them out);
        // a new record replaces nothing, so its key is not read.
        let stored = body
            .changes
            .iter()
            .zip(&writes)
            .map(|(p, (t, k, _))| match p.before {
                None => Ok(None),
                Some(_) => self.trees[*t].get(k).map_err(storage),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut after = state::apply_changes(before, &body.changes, &stored, &writes)
            .map_err(too_large("a record it replaces".into()))?;
        if let Some(v) = &old_admins {
            after.remove(T_META, K_ADMINS, v);
        }
        after.add(T_META, K_ADMINS, &admins_bytes);
        if let Some(v) = &old_counters {
            after.remove(T_META, K_COUNTERS, v);
        }
        after.add(T_META, K_COUNTERS, &counters_bytes);
        let seal = Seal {
            counters,
            state: after.to_bytes(),
        };
        let entry = AuditEntry::sealed(seq, self.head.hash, body, seal)
            .map_err(too_large("its audit entry".into()))?;
        let entry_bytes =
            codec::encode_entry(&entry).map_err(too_large("its audit entry".into()))?;
        let mut head_bytes = entry.seq.to_be_bytes().to_vec();
        head_bytes.extend_from_slice(&entry.hash);
        let changes = &entry.body.changes;
        let seq = entry.seq;
        let refs: Vec<&sled::Tree> = self.trees.iter().collect();
        let result = refs.as_slice().transaction(|tx| {
            let meta = &tx[T_META];
            if meta.get(K_SCHEMA)?.is_none() {
                meta.insert(K_SCHEMA, &SCHEMA_FIRST.to_be_bytes())?;
            }
            for (t, k, v) in &writes {
                match v {
                    Some(v) => tx[*t].insert(k.as_slice(), v.as_slice())?,
                    None => tx[*t].remove(k.as_slice())?,
                };
            }
            for p in changes {
                update_indexes(tx, p)?;
            }
            meta.insert(K_ADMINS, &admins_bytes)?;
            for (i, chunk) in entry_bytes.chunks(CHUNK).enumerate() {
                let mut k = seq.to_be_bytes().to_vec();
                k.extend_from_slice(&(i as u32).to_be_bytes());
                tx[T_AUDIT].insert(k, chunk)?;
            }
            meta.insert(K_HEAD, head_bytes.as_slice())?;
            meta.insert(K_COUNTERS, counters_bytes.as_slice())?;
            Ok(())
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
        self.head = Checkpoint {
            seq: entry.seq,
            hash: entry.hash,
        };
        self.state.set(Some(after));
        if self.schema.is_none() {
            self.schema = Some(SCHEMA_FIRST);
        }
        Ok(entry)
    }

    /// Flushes sled, then syncs its data file: sled's flush alone leaves the
    /// drive cache.
    pub(super) fn sync(&self) -> Result<(), String> {
        self.db.flush().map_err(|e| e.to_string())?;
        let f = OpenOptions::new()
            .read(true)
            .write(true)
            .open(Self::sled_dir(&self.path).join("db"))
            .map_err(|e| e.to_string())?;
        f.sync_data().map_err(|e| e.to_string())
    }
}

type TxResult<T> = Result<T, ConflictableTransactionError<StoreError>>;

fn index_put(t: &TransactionalTree, tree: usize, key: &[u8], id: u32) -> TxResult<()> {
    if let Some(v) = t.get(key)? {
        if v.as_ref() != id.to_be_bytes() {
            return abort(StoreError::Conflict(format!(
                "{} '{}' is already taken in {}",
                match tree {
                    T_IDX_EMAIL => "email",
                    T_IDX_LOGIN => "login",
                    T_IDX_ROLE => "role name",
                    _ => "reference",
                },
                String::from_utf8_lossy(key),
                TREE_NAMES[tree]
            )));
        }
    }
    t.insert(key, &id.to_be_bytes())?;
    Ok(())
}

/// Keeps the unique indexes in step with one record change (the
/// administrator counter is computed before the transaction).
fn update_indexes(tx: &[TransactionalTree], p: &Put) -> TxResult<()> {
    // Removals first, so a value can move between records in one change.
    match &p.before {
        Some(Record::User(u)) if !u.is_deleted() => {
            if let Some(e) = &u.email {
                tx[T_IDX_EMAIL].remove(e.as_bytes())?;
            }
            if let Some(l) = &u.login {
                tx[T_IDX_LOGIN].remove(l.as_bytes())?;
            }
        }
        Some(Record::Role(r)) => {
            tx[T_IDX_ROLE].remove(r.name.to_lowercase().as_bytes())?;
        }
        Some(Record::Authorization(a)) => {
            tx[T_IDX_REF].remove(a.reference.to_lowercase().as_bytes())?;
        }
        _ => {}
    }
    match &p.after {
        Some(Record::User(u)) if !u.is_deleted() => {
            if let Some(e) = &u.email {
                index_put(&tx[T_IDX_EMAIL], T_IDX_EMAIL, e.as_bytes(), u.id)?;
            }
            if let Some(l) = &u.login {
                index_put(&tx[T_IDX_LOGIN], T_IDX_LOGIN, l.as_bytes(), u.id)?;
            }
        }
        Some(Record::Role(r)) => index_put(
            &tx[T_IDX_ROLE],
            T_IDX_ROLE,
            r.name.to_lowercase().as_bytes(),
            r.id,
        )?,
        Some(Record::Authorization(a)) => index_put(
            &tx[T_IDX_REF],
            T_IDX_REF,
            a.reference.to_lowercase().as_bytes(),
            a.id,
        )?,
        _ => {}
    }
    Ok(())
}
