//! Integrity: the stored records, indexes and counters against what the
//! audit chain derives when replayed from genesis. Each entry records every
//! record before and after its change, so the log alone determines every
//! record; anything edited behind its back (a record, an index entry, the
//! administrator counter) differs from it and is named by its key.

use std::collections::{BTreeMap, BTreeSet};

use super::audit::{AuditEntry, Checkpoint, Seal, Verification};
use super::*;
use crate::domain::org::{Counters, Organisation, Record, RecordKey};

/// What the audit chain derives, replayed from genesis.
#[derive(Default)]
struct Derived {
    records: BTreeMap<RecordKey, Record>,
    /// The highest id of each kind the log has used (ids are never reused).
    max_ids: Counters,
    /// Entries whose records "before" are not what the earlier entries left.
    problems: Vec<String>,
    /// The seal of the last sealed entry.
    last_seal: Option<Seal>,
    /// The entries that record an import (with records beside them).
    imports: BTreeSet<u64>,
}

/// How a record is named in a problem: `users/#7`, `settings`.
fn record_name(key: &RecordKey) -> String {
    match key {
        RecordKey::Settings => "settings".into(),
        RecordKey::User(id) => format!("users/#{id}"),
        RecordKey::Role(id) => format!("roles/#{id}"),
        RecordKey::Qualification(id) => format!("qualifications/#{id}"),
        RecordKey::Authorization(id) => format!("authorizations/#{id}"),
        RecordKey::Terminal(id) => format!("terminals/#{id}"),
        RecordKey::Pin(id) => format!("pins/#{id}"),
        RecordKey::SodRule(id) => format!("sod_rules/#{id}"),
        RecordKey::Campaign(id) => format!("campaigns/#{id}"),
        RecordKey::ReviewItem(c, n) => format!("review_items/#{c}.{n}"),
        RecordKey::ReviewBlock(c, n) => format!("review_blocks/#{c}.{n}"),
    }
}

impl Derived {
    fn apply(&mut self, e: &AuditEntry, store: &Store) {
        if e.seal.is_some() {
            self.last_seal = e.seal;
        }
        if e.body.command.import_record().is_some() {
            // The organisation was replaced by the records beside the entry.
            self.imports.insert(e.seq);
            self.records.clear();
            for r in store.side_records(e.seq) {
                match r {
                    Ok(r) => {
                        self.used(r.key());
                        self.records.insert(r.key(), r);
                    }
                    Err(msg) => self.problems.push(msg),
                }
            }
        }
        for p in &e.body.changes {
            if self.records.get(&p.key) != p.before.as_ref() {
                self.problems.push(format!(
                    "audit entry {}: {} before the change is not what the earlier entries leave",
                    e.seq,
                    record_name(&p.key)
                ));
            }
            self.used(p.key);
            match &p.after {
                Some(r) => self.records.insert(p.key, r.clone()),
                None => self.records.remove(&p.key),
            };
        }
    }

    /// Notes an id the log has used.
    fn used(&mut self, key: RecordKey) {
        let m = &mut self.max_ids;
        match key {
            RecordKey::Settings
            | RecordKey::Terminal(_)
            | RecordKey::Pin(_)
            | RecordKey::SodRule(_)
            | RecordKey::Campaign(_)
            | RecordKey::ReviewItem(..)
            | RecordKey::ReviewBlock(..) => {}
            RecordKey::User(id) => m.next_user = m.next_user.max(id),
            RecordKey::Role(id) => m.next_role = m.next_role.max(id),
            RecordKey::Qualification(id) => m.next_qualification = m.next_qualification.max(id),
            RecordKey::Authorization(id) => m.next_authorization = m.next_authorization.max(id),
        }
    }

    /// The unique indexes the derived records call for: tree → key → id.
    fn indexes(&self) -> [(usize, BTreeMap<Vec<u8>, u32>); 4] {
        let mut email = BTreeMap::new();
        let mut login = BTreeMap::new();
        let mut role = BTreeMap::new();
        let mut reference = BTreeMap::new();
        for r in self.records.values() {
            match r {
                Record::User(u) if !u.is_deleted() => {
                    if let Some(e) = &u.email {
                        email.insert(e.as_bytes().to_vec(), u.id);
                    }
                    if let Some(l) = &u.login {
                        login.insert(l.as_bytes().to_vec(), u.id);
                    }
                }
                Record::Role(r) => {
                    role.insert(r.name.to_lowercase().into_bytes(), r.id);
                }
                Record::Authorization(a) => {
                    reference.insert(a.reference.to_lowercase().into_bytes(), a.id);
                }
                _ => {}
            }
        }
        [
            (T_IDX_EMAIL, email),
            (T_IDX_LOGIN, login),
            (T_IDX_ROLE, role),
            (T_IDX_REF, reference),
        ]
    }

    /// The administrator counter the derived records call for.
    fn admins(&self) -> i64 {
        let Some(Record::Settings(s)) = self.records.get(&RecordKey::Settings) else {
            return 0;
        };
        self.records
            .values()
            .filter(|r| matches!(r, Record::User(u) if admin_holder(u, s.admin_role)))
            .count() as i64
    }
}

fn index_value(v: &[u8]) -> String {
    match <[u8; 4]>::try_from(v) {
        Ok(b) => format!("#{}", u32::from_be_bytes(b)),
        Err(_) => "not an id".into(),
    }
}

impl Store {
    /// Verifies the audit chain and, when it is intact, that the stored
    /// records, indexes and counters are exactly what it derives. Each
    /// difference names its key.
    pub fn verify_all(&self, anchor: Option<Checkpoint>) -> Result<Verification, StoreError> {
        let mut derived = Derived::default();
        let mut v = self.verify_entries(
            self.audit_entries().inspect(|e| {
                if let Ok(e) = e {
                    derived.apply(e, self);
                }
            }),
            anchor,
        );
        if !v.ok() {
            v.problems.push(
                "the records were not compared with the audit log: the chain itself is broken"
                    .into(),
            );
            return Ok(v);
        }
        v.problems.extend(derived.problems.iter().cloned());
        v.problems.extend(self.stray_side_chunks(&derived.imports)?);
        self.compare_records(&derived, &mut v.problems)?;
        self.compare_indexes(&derived, &mut v.problems)?;
        self.compare_counters(&derived, &mut v.problems)?;
        Ok(v)
    }

    fn compare_records(&self, d: &Derived, problems: &mut Vec<String>) -> Result<(), StoreError> {
        let mut seen = BTreeSet::new();
        for t in state::RECORD_TREES {
            for kv in self.trees[t].iter() {
                let (k, v) = kv.map_err(storage)?;
                let key = match (t, <[u8; 4]>::try_from(k.as_ref())) {
                    (T_SETTINGS, _) if k.as_ref() == K_SETTINGS => RecordKey::Settings,
                    (T_USERS, Ok(b)) => RecordKey::User(u32::from_be_bytes(b)),
                    (T_ROLES, Ok(b)) => RecordKey::Role(u32::from_be_bytes(b)),
                    (T_QUALS, Ok(b)) => RecordKey::Qualification(u32::from_be_bytes(b)),
                    (T_AUTHS, Ok(b)) => RecordKey::Authorization(u32::from_be_bytes(b)),
                    (T_TERMS, Ok(b)) => RecordKey::Terminal(u32::from_be_bytes(b)),
                    (T_PINS, Ok(b)) => RecordKey::Pin(u32::from_be_bytes(b)),
                    (T_SOD, Ok(b)) => RecordKey::SodRule(u32::from_be_bytes(b)),
                    (T_CAMPAIGNS, Ok(b)) => RecordKey::Campaign(u32::from_be_bytes(b)),
                    (T_ITEMS, _) if k.len() == 8 => RecordKey::ReviewItem(
                        u32::from_be_bytes([k[0], k[1], k[2], k[3]]),
                        u32::from_be_bytes([k[4], k[5], k[6], k[7]]),
                    ),
                    (T_BLOCKS, _) if k.len() == 8 => RecordKey::ReviewBlock(
                        u32::from_be_bytes([k[0], k[1], k[2], k[3]]),
                        u32::from_be_bytes([k[4], k[5], k[6], k[7]]),
                    ),
                    _ => {
                        problems.push(format!(
                            "{}/{} is not a record key the audit log knows",
                            TREE_NAMES[t],
                            key_text_in(t, &k)
                        ));
                        continue;
                    }
                };
                seen.insert(key);
                let stored: Result<Record, StoreError> = match t {
                    T_SETTINGS => Self::decode_in(t, &k, &v).map(|s| Record::Settings(Box::new(s))),
                    _ => Self::decode_record_in(t, &k, &v),
                };
                match (stored, d.records.get(&key)) {
                    (Err(e), _) => problems.push(e.to_string()),
                    (Ok(_), None) => problems.push(format!(
                        "{} is not in what the audit log derives (added behind its back)",
                        record_name(&key)
                    )),
                    (Ok(s), Some(l)) if &s != l => problems.push(format!(
                        "{} differs from what the audit log derives",
                        record_name(&key)
                    )),
                    _ => {}
                }
            }
        }
        for key in d.records.keys().filter(|k| !seen.contains(k)) {
            problems.push(format!(
                "{} is missing: the audit log derives it (removed behind its back)",
                record_name(key)
            ));
        }
        Ok(())
    }

    fn compare_indexes(&self, d: &Derived, problems: &mut Vec<String>) -> Result<(), StoreError> {
        for (t, mut expect) in d.indexes() {
            for kv in self.trees[t].iter() {
                let (k, v) = kv.map_err(storage)?;
                let name = format!("{}/'{}'", TREE_NAMES[t], String::from_utf8_lossy(&k));
                match expect.remove(k.as_ref()) {
                    None => problems.push(format!(
                        "{name} is not in what the audit log derives (added behind its back)"
                    )),
                    Some(id) if v.as_ref() != id.to_be_bytes() => problems.push(format!(
                        "{name} differs from what the audit log derives: it names {}, the log #{id}",
                        index_value(&v)
                    )),
                    Some(_) => {}
                }
            }
            for (k, id) in expect {
                problems.push(format!(
                    "{}/'{}' is missing: the audit log derives it (#{id}; removed behind its back)",
                    TREE_NAMES[t],
                    String::from_utf8_lossy(&k)
                ));
            }
        }
        Ok(())
    }

    fn compare_counters(&self, d: &Derived, problems: &mut Vec<String>) -> Result<(), StoreError> {
        let meta = &self.trees[T_META];
        let admins = d.admins();
        let stored = meta.get(K_ADMINS).map_err(storage)?;
        let stored = stored
            .as_ref()
            .and_then(|v| <[u8; 8]>::try_from(v.as_ref()).ok())
            .map(i64::from_be_bytes);
        if stored != Some(admins) && (stored.is_some() || admins != 0) {
            problems.push(format!(
                "meta/admin_holders differs from what the audit log derives: it says {}, the log {admins}",
                stored.map_or("nothing".into(), |n| n.to_string())
            ));
        }
        if d.records.is_empty() {
            return Ok(());
        }
        let counters: Counters = match meta.get(K_COUNTERS).map_err(storage)? {
            Some(v) => Self::decode_in(T_META, K_COUNTERS, &v)?,
            None => {
                problems.push("meta/counters is missing".into());
                return Ok(());
            }
        };
        if let Some(seal) = &d.last_seal {
            if seal.counters != counters {
                problems.push(format!(
                    "meta/counters differs from what the audit log derives: it says {:?}, the log {:?}",
                    counters, seal.counters
                ));
            }
        }
        let m = &d.max_ids;
        for (what, next, used) in [
            ("next_user", counters.next_user, m.next_user),
            ("next_role", counters.next_role, m.next_role),
            (
                "next_qualification",
                counters.next_qualification,
                m.next_qualification,
            ),
            (
                "next_authorization",
                counters.next_authorization,
                m.next_authorization,
            ),
        ] {
            if used > 0 && next <= used {
                problems.push(format!(
                    "meta/counters differs from what the audit log derives: {what} is {next}, but the log has used id {used}"
                ));
            }
        }
        Ok(())
    }

    /// Integrity check: the audit chain, the records, indexes and counters
    /// against what it derives, and the rules over the loaded organisation.
    pub fn doctor(&self, org: &Organisation) -> Result<Vec<String>, StoreError> {
        let mut problems: Vec<String> = self
            .verify_all(None)?
            .problems
            .into_iter()
            .map(|p| format!("audit: {p}"))
            .collect();
        match self.verified_state() {
            Ok(_) => {}
            Err(e @ StoreError::StateDiffers { .. }) => problems.push(e.to_string()),
            Err(e) => return Err(e),
        }
        if org.counters.next_user <= org.users.keys().next_back().copied().unwrap_or(0) {
            problems.push("user id counter is behind the records".into());
        }
        if let Err(e) = crate::domain::rules::validate_organisation(org, chrono::Utc::now()) {
            problems.push(format!("records: {e}"));
        }
        if let Err(e) = crate::domain::rules::validate_reviews(org) {
            problems.push(format!("records: {e}"));
        }
        Ok(problems)
    }
}
