//! The one write path. Front ends build a [`Command`]; [`Session::execute`]
//! takes the time and the operator, plans the command against the rules in
//! `domain`, commits it with its audit entry in one transaction, syncs, and
//! only then updates the in-memory organisation and reports success.

pub mod kiosk;
mod others;
pub mod reviews;
pub mod snapshot;
pub mod usage;

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use thiserror::Error;

pub use crate::domain::command::Command;
use crate::domain::command::{InitOrganisation, NewUser};
use crate::domain::concurrency;
use crate::domain::engine::AccessTable;
use crate::domain::org::{Change, Organisation};
use crate::domain::rules::{self, Actor};
use crate::domain::users::UserId;
use crate::domain::DomainError;
use crate::store::audit::{AuditBody, AuditEntry};
use crate::store::{Store, StoreError};
pub use kiosk::{hash_pin, SignedIn};
pub use others::{Committed, Observer};
pub use snapshot::{Reads, Snapshot};

/// Where time comes from; tests pass a fixed clock.
pub trait Clock: Send {
    fn now(&self) -> DateTime<Utc>;
}

pub struct SystemClock;
impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

pub struct FixedClock(pub DateTime<Utc>);
impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

#[derive(Debug, Error)]
pub enum OpsError {
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("no organisation in {0}; create one with 'clearance init' or 'clearance demo'")]
    NoOrganisation(String),
    #[error("{0} already holds an organisation")]
    AlreadyInitialised(String),
    #[error("your OS login '{0}' is bound to no active user; an administrator can bind it with 'clearance user edit USER --login {0}', or accept an invitation with 'clearance user accept CODE'")]
    NotBound(String),
    /// A kiosk sign-in refused (audited): the same words for an unknown
    /// person and a wrong PIN, or the end of a lock.
    #[error("sign-in refused: {0}")]
    KioskRefused(String),
    #[error("{0}")]
    Other(String),
}

impl OpsError {
    /// True for errors after which no further write may be attempted.
    pub fn is_fatal(&self) -> bool {
        matches!(self, OpsError::Store(StoreError::Fatal(_)))
    }
}

pub type OpsResult<T> = Result<T, OpsError>;

/// What a successful command reports.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Outcome {
    pub seq: u64,
    pub summary: String,
}

/// An open database with its organisation in memory.
pub struct Session {
    store: Store,
    /// Shared with the snapshot readers hold; a commit changes it in place
    /// when no reader holds it, else it goes through the spare.
    org: Arc<Organisation>,
    clock: Box<dyn Clock>,
    login: String,
    observer: Option<Observer>,
    /// The organisation with its access table, rebuilt when data changed
    /// and refreshed when the clock passed an expiry.
    snap: Option<Arc<Snapshot>>,
    /// Where a server's readers find the snapshot (published after each
    /// commit, before the command is reported done).
    reads: Option<Arc<Reads>>,
    /// The organisation before the last commit, while readers hold the
    /// current one.
    spare: snapshot::Spare,
}

/// Adds a preset's separation-of-duties rules to the change that creates
/// the organisation, planned by the rules as its first administrator's
/// (user 1), so that the new organisation starts with them in one entry.
fn with_preset_rules(
    change: &mut crate::domain::org::Change,
    preset: &crate::presets::Preset,
    now: DateTime<Utc>,
) -> OpsResult<()> {
    let Some(cmd) = preset.sod_command() else {
        return Ok(());
    };
    let records = change.puts.iter().filter_map(|p| p.after.clone()).collect();
    let org = Organisation::from_records(records, change.counters).map_err(OpsError::Other)?;
    let admin = Actor {
        operator: 1,
        acting_as: None,
    };
    let rules = rules::plan(&org, admin, &cmd, now)?;
    change.puts.extend(rules.puts);
    change.summary = format!(
        "{} and {} separation-of-duties rules",
        change.summary,
        preset.sod_rules.len()
    );
    Ok(())
}

impl Session {
    /// Opens an existing organisation. `login` is the OS login of the process.
    /// Refuses a database whose records were changed behind the audit log's
    /// back (see [`Session::open_to_inspect`]).
    pub fn open(path: &Path, login: &str, clock: Box<dyn Clock>) -> OpsResult<Session> {
        Self::open_with(path, login, clock, Store::load)
    }

    /// Opens an organisation even when its stored state is not what the
    /// audit log seals, for `doctor` and `audit`, which name what differs.
    /// Such a store takes no writes.
    pub fn open_to_inspect(path: &Path, login: &str, clock: Box<dyn Clock>) -> OpsResult<Session> {
        Self::open_with(path, login, clock, Store::load_to_inspect)
    }

    fn open_with(
        path: &Path,
        login: &str,
        clock: Box<dyn Clock>,
        load: fn(&Store) -> Result<Option<Organisation>, StoreError>,
    ) -> OpsResult<Session> {
        let store = Store::open(path, login)?;
        let org =
            load(&store)?.ok_or_else(|| OpsError::NoOrganisation(path.display().to_string()))?;
        Ok(Session {
            store,
            org: Arc::new(org),
            clock,
            login: login.to_string(),
            observer: None,
            snap: None,
            reads: None,
            spare: Default::default(),
        })
    }

    /// Creates a new organisation; the first administrator is bound to `login`.
    pub fn init(
        path: &Path,
        login: &str,
        clock: Box<dyn Clock>,
        preset: &crate::presets::Preset,
        org_name: &str,
        mut admin: NewUser,
    ) -> OpsResult<Session> {
        let mut store = Store::open(path, login)?;
        if store.load()?.is_some() {
            return Err(OpsError::AlreadyInitialised(path.display().to_string()));
        }
        let now = clock.now();
        admin.login = Some(login.to_string());
        let mut settings = preset.settings.clone();
        settings.name = crate::domain::text::required_text("organisation name", org_name)?;
        let init = InitOrganisation {
            settings,
            admin_role_name: preset.admin_role_name.clone(),
            roles: preset.init_roles(),
            admin,
        };
        let mut change = rules::plan_init(&init, now)?;
        with_preset_rules(&mut change, preset, now)?;
        let admin_role = 1;
        let body = AuditBody {
            at: now,
            operator: 1,
            operator_login: login.to_string(),
            acting_as: None,
            command: Command::Init(Box::new(init)),
            changes: change.puts.clone(),
            summary: change.summary.clone(),
        };
        store.commit(body, change.counters, admin_role)?;
        let org = store
            .load()?
            .ok_or_else(|| OpsError::Other("the new organisation did not load".into()))?;
        Ok(Session {
            store,
            org: Arc::new(org),
            clock,
            login: login.to_string(),
            observer: None,
            snap: None,
            reads: None,
            spare: Default::default(),
        })
    }

    pub fn org(&self) -> &Organisation {
        &self.org
    }

    /// The organisation, shared: to read at length without the session.
    pub fn shared_org(&self) -> Arc<Organisation> {
        Arc::clone(&self.org)
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Today in the organisation's time zone (every expiry's day).
    pub fn today(&self) -> chrono::NaiveDate {
        self.org.day_of(self.now())
    }

    /// Who the next commands run for, and by which clock: a server's one
    /// session serves every client as the user bound to that client's login.
    pub fn set_caller(&mut self, login: &str, clock: Box<dyn Clock>) {
        self.login = login.to_string();
        self.clock = clock;
    }

    pub fn login(&self) -> &str {
        &self.login
    }

    /// The active user bound to this process's OS login.
    pub fn operator(&self) -> OpsResult<UserId> {
        operator_of(&self.org, &self.login, self.now())
    }

    /// The actor for a command: the operator, optionally acting as another user.
    pub fn actor(&self, acting_as: Option<&str>) -> OpsResult<Actor> {
        actor_of(&self.org, &self.login, acting_as, self.now())
    }

    /// The fast access table, rebuilt when data changed and refreshed when the
    /// clock passed an expiry.
    pub fn access(&mut self) -> &AccessTable {
        &self.snapshot_ref().table
    }

    /// The organisation with its access table as of now.
    pub fn snapshot(&mut self) -> Arc<Snapshot> {
        Arc::clone(self.snapshot_ref())
    }

    fn snapshot_ref(&mut self) -> &Arc<Snapshot> {
        let now = self.clock.now();
        if !self.snap.as_ref().is_some_and(|s| s.table.covers(now)) {
            let fresh = match self.snap.take() {
                Some(old) => {
                    let mut s = Arc::unwrap_or_clone(old);
                    s.table.refresh(&s.org, now);
                    s
                }
                None => Snapshot::build(Arc::clone(&self.org), now),
            };
            self.put_snapshot(fresh);
        }
        let org = &self.org;
        self.snap
            .get_or_insert_with(|| Arc::new(Snapshot::build(Arc::clone(org), now)))
    }

    fn put_snapshot(&mut self, snapshot: Snapshot) {
        let snapshot = Arc::new(snapshot);
        if let Some(reads) = &self.reads {
            reads.publish(Arc::clone(&snapshot));
        }
        self.snap = Some(snapshot);
    }

    /// From now on, publishes a snapshot after every commit, for readers that
    /// do not take this session (a server's checks).
    pub fn reads(&mut self) -> Arc<Reads> {
        if let Some(r) = &self.reads {
            return Arc::clone(r);
        }
        let first = self.snapshot();
        let reads = Arc::new(Reads::new(first));
        self.reads = Some(Arc::clone(&reads));
        reads
    }

    /// After a commit: a server's readers get the new organisation with its
    /// table before the command is reported done (only the rows of the users
    /// it wrote are recomputed, unless it changed roles or settings); without
    /// readers the table is rebuilt when next asked for.
    fn published(
        &mut self,
        now: DateTime<Utc>,
        change: Option<&Change>,
        table: Option<AccessTable>,
    ) {
        self.snap = None;
        if self.reads.is_none() {
            return;
        }
        let table = match (table, change) {
            (Some(mut table), Some(change)) => {
                table.apply(&self.org, change, now);
                table
            }
            _ => AccessTable::build(&self.org, now),
        };
        let org = Arc::clone(&self.org);
        self.put_snapshot(Snapshot { org, table });
    }

    /// Plans, commits and applies one command by `actor`.
    pub fn execute(&mut self, actor: Actor, cmd: Command) -> OpsResult<Outcome> {
        self.execute_based(actor, cmd, None)
    }

    /// As [`Session::execute`], for an edit based on the organisation as of
    /// audit entry `base`: refused if a record it replaces changed after it
    /// (see `domain::concurrency`).
    pub fn execute_based(
        &mut self,
        actor: Actor,
        cmd: Command,
        base: Option<u64>,
    ) -> OpsResult<Outcome> {
        let now = self.clock.now();
        // Re-establish the actor at this instant: access may have expired.
        let actor = rules::actor(&self.org, actor.operator, actor.acting_as, now)?;
        let change = rules::plan(&self.org, actor, &cmd, now)?;
        if let Some(base) = base.filter(|b| *b < self.store.head().seq) {
            let later = self.changes_after(base)?;
            concurrency::check_fresh(&self.org, &change, &later)?;
        }
        if cmd.imported().is_some() {
            return self.commit_import(now, actor, cmd, change);
        }
        self.commit(now, actor.operator, actor.acting_as, cmd, change)
    }

    /// Commits a planned import: the store writes the imported organisation
    /// as a new generation of its trees, then makes it current in one
    /// transaction with the audit entry, which records the import by the
    /// digest of the records kept beside it (see `store::replace`). The
    /// imported organisation then becomes the one in memory, uncopied.
    fn commit_import(
        &mut self,
        now: DateTime<Utc>,
        actor: Actor,
        cmd: Command,
        change: Change,
    ) -> OpsResult<Outcome> {
        // The organisation being replaced is not needed while the import is
        // written, and at 100k users it takes tens of megabytes: let go of
        // it now, and read it back from the store should the import fail.
        let placeholder = Organisation::new(
            self.org.settings.clone(),
            Default::default(),
            Default::default(),
            Default::default(),
            Default::default(),
            self.org.counters,
        );
        // (A server's readers keep reading it from their snapshot meanwhile.)
        self.snap = None;
        self.spare.clear();
        drop(std::mem::replace(&mut self.org, Arc::new(placeholder)));
        match self.write_import(now, actor, cmd, &change) {
            Ok((seq, org)) => {
                self.org = Arc::new(org);
                self.published(now, None, None);
                self.tell(Committed {
                    seq,
                    at: now,
                    operator: actor.operator,
                    acting_as: actor.acting_as,
                    summary: change.summary.clone(),
                    change: None,
                });
                tracing::info!(seq, summary = %change.summary, "committed");
                Ok(Outcome {
                    seq,
                    summary: change.summary,
                })
            }
            Err(e) if e.is_fatal() => Err(e),
            Err(e) => match self.store.load() {
                Ok(Some(org)) => {
                    self.org = Arc::new(org);
                    Err(e)
                }
                Ok(None) | Err(_) => {
                    self.store.halt();
                    Err(OpsError::Store(StoreError::Fatal(format!(
                        "{e}; then the organisation could not be read back"
                    ))))
                }
            },
        }
    }

    /// Stages and commits an import; returns the entry's sequence number and
    /// the organisation as it now is.
    fn write_import(
        &mut self,
        now: DateTime<Utc>,
        actor: Actor,
        cmd: Command,
        change: &Change,
    ) -> OpsResult<(u64, Organisation)> {
        let Some(new) = cmd.imported() else {
            return Err(OpsError::Other("not an import".into()));
        };
        let staged = self.store.stage_import(new)?;
        let record = staged.record().clone();
        let (recorded, mut new) = cmd
            .into_import(record)
            .ok_or_else(|| OpsError::Other("not an import".into()))?;
        let body = AuditBody {
            at: now,
            operator: actor.operator,
            operator_login: self.login.clone(),
            acting_as: actor.acting_as,
            command: recorded,
            changes: vec![],
            summary: change.summary.clone(),
        };
        let entry = self.store.commit_staged(staged, body, change.counters)?;
        new.counters = change.counters;
        new.reindex();
        Ok((entry.seq, *new))
    }

    /// Accepts an invitation by its one-time code and binds this process's login.
    pub fn accept(&mut self, code: &str) -> OpsResult<Outcome> {
        let now = self.clock.now();
        let hash = code_hash(code);
        let login = self.login.clone();
        let (change, user) = rules::plan_accept(&self.org, &hash, &login, now)?;
        self.commit(
            now,
            user,
            None,
            Command::Accept {
                code_hash: hash,
                login,
            },
            change,
        )
    }

    /// The way back from a lock-out: binds this process's login to an
    /// administrator (see `rules::plan_rescue`). The caller checks that the
    /// login owns the database files.
    pub fn rescue(&mut self, user: Option<&str>, force: bool) -> OpsResult<Outcome> {
        let now = self.clock.now();
        let login = self.login.clone();
        let r = rules::plan_rescue(&self.org, &login, user, force, now)?;
        self.commit(now, r.user, None, r.command, r.change)
    }

    fn commit(
        &mut self,
        now: DateTime<Utc>,
        operator: UserId,
        acting_as: Option<UserId>,
        cmd: Command,
        mut change: Change,
    ) -> OpsResult<Outcome> {
        // The records travel in the entry and come back with it (a campaign
        // writes a hundred thousand: they are not copied).
        let body = AuditBody {
            at: now,
            operator,
            operator_login: self.login.clone(),
            acting_as,
            command: cmd,
            changes: std::mem::take(&mut change.puts),
            summary: change.summary.clone(),
        };
        let admin_role = self.org.settings.admin_role;
        let entry = self.store.commit(body, change.counters, admin_role)?;
        let entry_seq = entry.seq;
        change.puts = entry.body.changes;
        // The session's hold on its snapshot goes first, so that without
        // readers the change is applied in place, not to a copy; with
        // readers, their snapshot keeps the organisation as it was.
        let old = self.snap.take();
        let table = match (&self.reads, old) {
            (Some(_), Some(s)) => Some(Arc::unwrap_or_clone(s).table),
            _ => None,
        };
        self.spare.apply(&mut self.org, &change);
        self.published(now, Some(&change), table);
        if self.observer.is_some() {
            self.tell(Committed {
                seq: entry_seq,
                at: now,
                operator,
                acting_as,
                summary: change.summary.clone(),
                change: Some(change.clone()),
            });
        }
        tracing::info!(seq = entry_seq, summary = %change.summary, "committed");
        Ok(Outcome {
            seq: entry_seq,
            summary: change.summary,
        })
    }

    /// The audit sequence number of the last committed change.
    pub fn head_seq(&self) -> u64 {
        self.store.head().seq
    }

    pub fn audit_entries(&self) -> Vec<Result<AuditEntry, String>> {
        self.store.audit_entries().collect()
    }
}

/// The active user of `org` bound to OS login `login` at `now`.
pub fn operator_of(org: &Organisation, login: &str, now: DateTime<Utc>) -> OpsResult<UserId> {
    org.user_by_login(login)
        .filter(|u| u.holds_access(now, org.zone()))
        .map(|u| u.id)
        .ok_or_else(|| OpsError::NotBound(login.to_string()))
}

/// The actor of a command by `login` at `now`, optionally acting as another user.
pub fn actor_of(
    org: &Organisation,
    login: &str,
    acting_as: Option<&str>,
    now: DateTime<Utc>,
) -> OpsResult<Actor> {
    let op = operator_of(org, login, now)?;
    let target = acting_as
        .map(|n| org.resolve_user(n).map(|u| u.id))
        .transpose()?;
    Ok(rules::actor(org, op, target, now)?)
}

/// A fresh one-time invitation code (12 characters in three groups) from the
/// OS random source.
pub fn new_invitation_code() -> OpsResult<String> {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut raw = [0u8; 12];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut raw))
        .map_err(|e| OpsError::Other(format!("cannot read /dev/urandom: {e}")))?;
    let chars: String = raw
        .iter()
        .map(|b| ALPHABET[(*b as usize) % ALPHABET.len()] as char)
        .collect();
    Ok(format!("{}-{}-{}", &chars[..4], &chars[4..8], &chars[8..]))
}

/// The stored form of an invitation code: SHA-256 of its normalised text.
pub fn code_hash(code: &str) -> [u8; 32] {
    let norm: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    Sha256::digest(norm.as_bytes()).into()
}
