//! The only code that touches sled: trees, codec, schema version, lock,
//! indexes and counters, and the audit chain. One sled transaction per
//! command writes the records, the audit entry, the audit head, the counters
//! and the indexes; then the store flushes and syncs the file before the
//! caller may report success.

pub mod audit;
mod backup;
pub mod codec;
mod commit;
mod doctor;
pub mod files;
pub mod lock;
mod replace;
mod state;
pub mod usage;

use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::domain::org::{Counters, Organisation, Record, RecordKey};
use crate::domain::roles::RoleId;
use crate::domain::users::{User, UserStatus};
use audit::{AuditEntry, Checkpoint, Verification, GENESIS};
pub use backup::BackupSummary;
use lock::LockFile;

/// The schema this build reads and writes: 1, or 2 once an import has
/// replaced the record and index trees with a new generation of them (see
/// `replace`), which a build without generations must not read.
pub const SCHEMA_VERSION: u32 = 2;
/// The schema a new database is written with.
const SCHEMA_FIRST: u32 = 1;
/// Audit entries are split into chunks so that no value exceeds this.
const CHUNK: usize = 32 * 1024;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("{0}")]
    Locked(String),
    #[error("storage error: {0}")]
    Storage(String),
    #[error("corrupt record at {tree}/{key}: {detail}")]
    Corrupt {
        tree: &'static str,
        key: String,
        detail: String,
    },
    #[error("the database has schema version {found}, newer than this clearance supports ({supported}); refusing to write")]
    NewerSchema { found: u32, supported: u32 },
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("{0}")]
    Refused(String),
    #[error("the stored records differ from the state audit entry {seq} seals: something changed them behind the audit log's back; 'clearance doctor' names what")]
    StateDiffers { seq: u64 },
    #[error("cannot record this change: {what} is {detail}")]
    TooLarge { what: String, detail: String },
    #[error("fatal storage error after commit ({0}); the last change may not be saved; stopping")]
    Fatal(String),
}

/// A storage error in one line: sled appends a (usually empty) backtrace to
/// some of its messages, which says nothing to the person reading it.
fn storage<E: std::fmt::Display>(e: E) -> StoreError {
    let text = e.to_string();
    let line = text.lines().next().unwrap_or_default();
    let line = match line.find(" backtrace") {
        Some(at) => &line[..at],
        None => line,
    };
    StoreError::Storage(line.to_string())
}

// Tree order inside a transaction.
const T_META: usize = 0;
const T_SETTINGS: usize = 1;
const T_USERS: usize = 2;
const T_ROLES: usize = 3;
const T_QUALS: usize = 4;
const T_AUTHS: usize = 5;
const T_AUDIT: usize = 6;
const T_IDX_EMAIL: usize = 7;
const T_IDX_LOGIN: usize = 8;
const T_IDX_ROLE: usize = 9;
const T_IDX_REF: usize = 10;
/// The records an import replaced the organisation with, beside its entry.
const T_SIDE: usize = 11;
/// Workshop terminals, by id.
const T_TERMS: usize = 12;
/// Kiosk PINs, by user id.
const T_PINS: usize = 13;
/// Separation-of-duties rules (with their exceptions), by id.
const T_SOD: usize = 14;
/// Access-review campaigns, by id.
const T_CAMPAIGNS: usize = 15;
/// Items changed since their campaign started, by campaign id and item number.
const T_ITEMS: usize = 16;
/// Items as their campaign started, in blocks, by campaign id and first item.
const T_BLOCKS: usize = 17;
pub const TREE_NAMES: [&str; 18] = [
    "meta",
    "settings",
    "users",
    "roles",
    "qualifications",
    "authorizations",
    "audit",
    "idx_email",
    "idx_login",
    "idx_role_name",
    "idx_auth_ref",
    "audit_side",
    "terminals",
    "pins",
    "sod_rules",
    "campaigns",
    "review_items",
    "review_blocks",
];

const K_SCHEMA: &[u8] = b"schema";
const K_COUNTERS: &[u8] = b"counters";
const K_HEAD: &[u8] = b"audit_head";
const K_ADMINS: &[u8] = b"admin_holders";
const K_SETTINGS: &[u8] = b"settings";
/// Which generation of the record and index trees is current (absent: 0).
const K_GENERATION: &[u8] = b"generation";

fn record_place(key: &RecordKey) -> (usize, Vec<u8>) {
    match key {
        RecordKey::Settings => (T_SETTINGS, K_SETTINGS.to_vec()),
        RecordKey::User(id) => (T_USERS, id.to_be_bytes().to_vec()),
        RecordKey::Role(id) => (T_ROLES, id.to_be_bytes().to_vec()),
        RecordKey::Qualification(id) => (T_QUALS, id.to_be_bytes().to_vec()),
        RecordKey::Authorization(id) => (T_AUTHS, id.to_be_bytes().to_vec()),
        RecordKey::Terminal(id) => (T_TERMS, id.to_be_bytes().to_vec()),
        RecordKey::Pin(id) => (T_PINS, id.to_be_bytes().to_vec()),
        RecordKey::SodRule(id) => (T_SOD, id.to_be_bytes().to_vec()),
        RecordKey::Campaign(id) => (T_CAMPAIGNS, id.to_be_bytes().to_vec()),
        RecordKey::ReviewItem(c, n) => (T_ITEMS, item_key(*c, *n).to_vec()),
        RecordKey::ReviewBlock(c, n) => (T_BLOCKS, item_key(*c, *n).to_vec()),
    }
}

/// An item's key: its campaign and number, big-endian, so a campaign's
/// items are stored together and in order.
fn item_key(campaign: u32, no: u32) -> [u8; 8] {
    let mut k = [0u8; 8];
    k[..4].copy_from_slice(&campaign.to_be_bytes());
    k[4..].copy_from_slice(&no.to_be_bytes());
    k
}

/// A key of tree `tree` for messages: an item's as `campaign.item`.
fn key_text_in(tree: usize, key: &[u8]) -> String {
    match <[u8; 8]>::try_from(key) {
        Ok(k) if tree == T_ITEMS || tree == T_BLOCKS => format!(
            "{}.{}",
            u32::from_be_bytes([k[0], k[1], k[2], k[3]]),
            u32::from_be_bytes([k[4], k[5], k[6], k[7]])
        ),
        _ => key_text(key),
    }
}

fn key_text(key: &[u8]) -> String {
    if key.len() == 4 {
        u32::from_be_bytes([key[0], key[1], key[2], key[3]]).to_string()
    } else if key.len() == 12 {
        let seq = u64::from_be_bytes(key[..8].try_into().unwrap_or_default());
        format!(
            "{seq}.{}",
            u32::from_be_bytes(key[8..].try_into().unwrap_or_default())
        )
    } else {
        String::from_utf8_lossy(key).into_owned()
    }
}

/// Counts toward the stored administrator counter: live, active, holding the
/// administrator role (dates aside).
fn admin_holder(u: &User, admin_role: RoleId) -> bool {
    u.status == UserStatus::Active && u.roles.iter().any(|a| a.role == admin_role)
}

pub struct Store {
    path: PathBuf,
    db: sled::Db,
    trees: Vec<sled::Tree>,
    head: Checkpoint,
    schema: Option<u32>,
    /// The generation of the record and index trees in `trees`.
    generation: u32,
    /// Set after a storage error following a commit: no more writes.
    failed: bool,
    /// The digest of the stored state, once summed and checked against the
    /// head's seal (see `state`); kept up to date by each commit.
    state: std::cell::Cell<Option<state::StateDigest>>,
    _lock: LockFile,
}

impl Store {
    /// Where sled keeps its files inside a database directory.
    fn sled_dir(path: &Path) -> PathBuf {
        path.join("sled")
    }

    /// Whether a database directory holds a database.
    pub fn exists(path: &Path) -> bool {
        Self::sled_dir(path).join("db").exists()
    }

    /// Opens sled once our lock is held. sled's own file lock can outlive a
    /// closed handle for a moment (a copy of its descriptor in a child forked
    /// by another thread and not yet exec'd, or sled's threads winding down);
    /// since we hold our lock, nobody else can be its real holder, so wait
    /// briefly for it rather than fail.
    fn open_sled(path: &Path) -> Result<sled::Db, StoreError> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
        loop {
            match sled::Config::new()
                .path(Self::sled_dir(path))
                .cache_capacity(64 * 1024 * 1024)
                .open()
            {
                Ok(db) => return Ok(db),
                Err(e)
                    if e.to_string().contains("could not acquire lock")
                        && std::time::Instant::now() < deadline =>
                {
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                Err(e) => return Err(storage(e)),
            }
        }
    }

    /// Takes the lock, then opens (or creates) the database. `holder` is the
    /// login written into the lock file for others to see.
    pub fn open(path: &Path, holder: &str) -> Result<Store, StoreError> {
        files::create_db_dir(path)?;
        let since = chrono::Local::now().format("%Y-%m-%d %H:%M").to_string();
        let lock = LockFile::acquire(path, holder, &since).map_err(StoreError::Locked)?;
        let sled_dir = Self::sled_dir(path);
        files::remove_incomplete_snapshots(&sled_dir)?;
        let db = Self::open_sled(path)?;
        // sled has created, renamed or removed files (its snapshot, on a new
        // database its directory, conf and data file), as we may have (the
        // lock file): make those names durable.
        files::make_db_private(path, &sled_dir)?;
        files::sync_dir(&sled_dir)?;
        files::sync_dir(path)?;
        let meta = db.open_tree(TREE_NAMES[T_META]).map_err(storage)?;
        let schema = meta
            .get(K_SCHEMA)
            .map_err(storage)?
            .map(|v| {
                v.as_ref()
                    .try_into()
                    .map(u32::from_be_bytes)
                    .map_err(|_| StoreError::Corrupt {
                        tree: "meta",
                        key: "schema".into(),
                        detail: "not 4 bytes".into(),
                    })
            })
            .transpose()?;
        let generation = replace::stored_generation(&meta)?;
        let trees = (0..TREE_NAMES.len())
            .map(|t| db.open_tree(replace::tree_name(t, generation)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(storage)?;
        let head = match meta.get(K_HEAD).map_err(storage)? {
            None => Checkpoint {
                seq: 0,
                hash: GENESIS,
            },
            Some(v) if v.len() == 40 => Checkpoint {
                seq: u64::from_be_bytes(v[..8].try_into().unwrap_or_default()),
                hash: v[8..].try_into().unwrap_or_default(),
            },
            Some(_) => {
                return Err(StoreError::Corrupt {
                    tree: "meta",
                    key: "audit_head".into(),
                    detail: "not 40 bytes".into(),
                })
            }
        };
        if schema.is_none_or(|s| s <= SCHEMA_VERSION) {
            // What an import left when it stopped before its transaction.
            replace::drop_other_generations(&db, generation)?;
            replace::drop_side_after(&trees[T_SIDE], head.seq)?;
        }
        Ok(Store {
            path: path.to_path_buf(),
            db,
            trees,
            head,
            schema,
            generation,
            failed: false,
            state: std::cell::Cell::new(None),
            _lock: lock,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn schema(&self) -> Option<u32> {
        self.schema
    }

    /// The audit head: last sequence number and hash.
    pub fn head(&self) -> Checkpoint {
        self.head
    }

    /// Stops taking writes: for a caller whose view of the organisation
    /// can no longer be trusted.
    pub fn halt(&mut self) {
        self.failed = true;
    }

    fn writable(&self) -> Result<(), StoreError> {
        if self.failed {
            return Err(StoreError::Fatal("an earlier write failed".into()));
        }
        match self.schema {
            Some(s) if s > SCHEMA_VERSION => Err(StoreError::NewerSchema {
                found: s,
                supported: SCHEMA_VERSION,
            }),
            _ => Ok(()),
        }
    }

    fn decode_in<T: codec::Stored>(tree: usize, key: &[u8], bytes: &[u8]) -> Result<T, StoreError> {
        codec::decode(bytes).map_err(|e| StoreError::Corrupt {
            tree: TREE_NAMES[tree],
            key: key_text_in(tree, key),
            detail: e.to_string(),
        })
    }

    /// Decodes a record of any record tree but the settings'.
    fn decode_record_in(tree: usize, key: &[u8], v: &[u8]) -> Result<Record, StoreError> {
        Ok(match tree {
            T_ROLES => Record::Role(Self::decode_in(tree, key, v)?),
            T_USERS => Record::User(Self::decode_in(tree, key, v)?),
            T_QUALS => Record::Qualification(Self::decode_in(tree, key, v)?),
            T_TERMS => Record::Terminal(Self::decode_in(tree, key, v)?),
            T_PINS => Record::Pin(Self::decode_in(tree, key, v)?),
            T_SOD => Record::SodRule(Self::decode_in(tree, key, v)?),
            T_CAMPAIGNS => Record::Campaign(Box::new(Self::decode_in(tree, key, v)?)),
            T_ITEMS => Record::ReviewItem(Box::new(Self::decode_in(tree, key, v)?)),
            T_BLOCKS => Record::ReviewBlock(Box::new(Self::decode_in(tree, key, v)?)),
            _ => Record::Authorization(Self::decode_in(tree, key, v)?),
        })
    }

    /// The head entry, decoded (None for an empty log).
    fn head_entry(&self) -> Result<Option<AuditEntry>, StoreError> {
        if self.head.seq == 0 {
            return Ok(None);
        }
        let mut bytes = Vec::new();
        for kv in self.trees[T_AUDIT].scan_prefix(self.head.seq.to_be_bytes()) {
            let (k, v) = kv.map_err(storage)?;
            if k.len() == 12 {
                bytes.extend_from_slice(&v);
            }
        }
        codec::decode_entry(&bytes)
            .map(Some)
            .map_err(|e| StoreError::Corrupt {
                tree: "audit",
                key: self.head.seq.to_string(),
                detail: e.to_string(),
            })
    }

    /// Sums the stored state and compares it with the head entry's seal.
    /// Returns the digest when they agree (or the head has no seal: a log
    /// written before seals, or an empty one); an error naming the entry
    /// when something was changed behind the log's back.
    fn verified_state(&self) -> Result<state::StateDigest, StoreError> {
        self.verified_state_from(None)
    }

    /// [`Store::verified_state`], given the digest of the record trees when
    /// the caller has just read them all (so they are not read twice).
    fn verified_state_from(
        &self,
        records: Option<state::StateDigest>,
    ) -> Result<state::StateDigest, StoreError> {
        if let Some(d) = self.state.get() {
            return Ok(d);
        }
        let d = self.scan_state(records)?;
        if let Some(seal) = self.head_entry()?.and_then(|e| e.seal) {
            if seal.state != d.to_bytes() {
                return Err(StoreError::StateDiffers { seq: self.head.seq });
            }
        }
        self.state.set(Some(d));
        Ok(d)
    }

    /// Loads the whole organisation, or None for an empty database. Refuses
    /// a database whose stored state is not what its last audit entry seals.
    pub fn load(&self) -> Result<Option<Organisation>, StoreError> {
        let mut records = state::StateDigest::default();
        let org = self.load_records(Some(&mut records))?;
        self.verified_state_from(org.is_some().then_some(records))?;
        Ok(org)
    }

    /// Loads the organisation without comparing the stored state with the
    /// audit log's seal: for `doctor` and `audit`, which say what differs.
    pub fn load_to_inspect(&self) -> Result<Option<Organisation>, StoreError> {
        self.load_records(None)
    }

    /// Reads and decodes every record; with `digest`, also sums every item
    /// of the record trees into it (see `state`).
    fn load_records(
        &self,
        mut digest: Option<&mut state::StateDigest>,
    ) -> Result<Option<Organisation>, StoreError> {
        if let Some(s) = self.schema {
            if s > SCHEMA_VERSION {
                return Err(StoreError::NewerSchema {
                    found: s,
                    supported: SCHEMA_VERSION,
                });
            }
        }
        let Some(sbytes) = self.trees[T_SETTINGS].get(K_SETTINGS).map_err(storage)? else {
            return Ok(None);
        };
        let settings: crate::domain::org::Settings =
            Self::decode_in(T_SETTINGS, K_SETTINGS, &sbytes)?;
        // Every front end looks the system permissions up by key and may
        // rely on them: a catalog without one is corrupt, not a panic later.
        for (key, _) in crate::domain::catalog::system::REQUIRED {
            if !settings.catalog.permissions.iter().any(|p| p.key == key) {
                return Err(StoreError::Corrupt {
                    tree: "settings",
                    key: "settings".into(),
                    detail: format!("the catalog lacks the system permission {key}"),
                });
            }
        }
        let mut records = vec![Record::Settings(Box::new(settings))];
        if let Some(d) = digest.as_deref_mut() {
            for kv in self.trees[T_SETTINGS].iter() {
                let (k, v) = kv.map_err(storage)?;
                d.add(T_SETTINGS, &k, &v);
            }
        }
        for t in state::RECORD_TREES.into_iter().filter(|t| *t != T_SETTINGS) {
            for kv in self.trees[t].iter() {
                let (k, v) = kv.map_err(storage)?;
                if let Some(d) = digest.as_deref_mut() {
                    d.add(t, &k, &v);
                }
                let r = Self::decode_record_in(t, &k, &v)?;
                records.push(r);
            }
        }
        let counters: Counters = match self.trees[T_META].get(K_COUNTERS).map_err(storage)? {
            Some(v) => Self::decode_in(T_META, K_COUNTERS, &v)?,
            None => {
                return Err(StoreError::Corrupt {
                    tree: "meta",
                    key: "counters".into(),
                    detail: "missing".into(),
                })
            }
        };
        Organisation::from_records(records, counters)
            .map(Some)
            .map_err(|e| StoreError::Corrupt {
                tree: "settings",
                key: "settings".into(),
                detail: e,
            })
    }

    /// Every audit entry in order; undecodable ones as errors naming the key.
    pub fn audit_entries(&self) -> impl Iterator<Item = Result<AuditEntry, String>> + '_ {
        self.entries_in(self.trees[T_AUDIT].iter())
    }

    /// The audit entries after sequence number `seq`, in order.
    pub fn audit_entries_after(
        &self,
        seq: u64,
    ) -> impl Iterator<Item = Result<AuditEntry, String>> + '_ {
        let from = seq.saturating_add(1).to_be_bytes().to_vec();
        self.entries_in(self.trees[T_AUDIT].range(from..))
    }

    fn entries_in(&self, it: sled::Iter) -> impl Iterator<Item = Result<AuditEntry, String>> + '_ {
        let mut it = it.peekable();
        std::iter::from_fn(move || {
            let (k, v) = match it.next()? {
                Ok(kv) => kv,
                Err(e) => return Some(Err(format!("storage error reading the audit log: {e}"))),
            };
            if k.len() != 12 {
                return Some(Err(format!(
                    "corrupt record at audit/{}: bad key",
                    key_text(&k)
                )));
            }
            let seq = &k[..8];
            let mut bytes = v.to_vec();
            while let Some(Ok((nk, _))) = it.peek() {
                if nk.len() == 12 && &nk[..8] == seq {
                    if let Some(Ok((_, nv))) = it.next() {
                        bytes.extend_from_slice(&nv);
                    }
                } else {
                    break;
                }
            }
            // The hash covers the decoded entry re-encoded, so also demand
            // that the stored bytes are exactly that encoding: otherwise an
            // edit that decodes to the same values (a timestamp's 'T' made
            // 't') would pass. (A future entry version must compare against
            // the encoding of the version it was stored as.)
            Some(
                codec::decode_entry(&bytes)
                    .map_err(|e| format!("corrupt record at audit/{}: {e}", key_text(&k)))
                    .and_then(|e| {
                        if codec::encode_entry(&e).is_ok_and(|b| b == bytes) {
                            // An import's records beside it are covered too.
                            match e.body.command.import_record() {
                                Some(r) => self.check_side(e.seq, r).map(|()| e),
                                None => Ok(e),
                            }
                        } else {
                            Err(format!(
                                "corrupt record at audit/{}: the stored bytes are not the entry's canonical form (edited)",
                                key_text(&k)
                            ))
                        }
                    }),
            )
        })
    }

    /// Verifies the audit chain against the stored head and an optional anchor.
    pub fn verify_audit(&self, anchor: Option<Checkpoint>) -> Verification {
        self.verify_entries(self.audit_entries(), anchor)
    }

    /// Verifies entries already read with [`Store::audit_entries`] (in log
    /// order) against the stored head, without reading the log again.
    pub fn verify_entries(
        &self,
        entries: impl Iterator<Item = Result<AuditEntry, String>>,
        anchor: Option<Checkpoint>,
    ) -> Verification {
        let head = (self.head.seq > 0).then_some(self.head);
        audit::verify(entries, head, anchor)
    }

    /// The raw, writable trees: for the test suite's tamper and fault tests
    /// only. Outside `test-hooks` builds it does not exist, so that every
    /// write goes through [`Store::commit`].
    #[cfg(feature = "test-hooks")]
    pub fn raw_tree(&self, name: &str) -> Option<&sled::Tree> {
        TREE_NAMES
            .iter()
            .position(|n| *n == name)
            .map(|i| &self.trees[i])
    }
}
