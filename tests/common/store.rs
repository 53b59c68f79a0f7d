//! Fixtures for the store tests: a fixed clock, a maintenance organisation
//! with a realistic workload, copies of database directories, and a small
//! deterministic random source.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeZone, Utc};
use clearance::domain::command::NewUser;
use clearance::ops::{Command, FixedClock, Session};

/// The OS login the test administrator is bound to.
pub const ADMIN_LOGIN: &str = "mara";

/// The instant every store test runs at.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 30, 0).unwrap()
}

pub fn clock() -> Box<FixedClock> {
    Box::new(FixedClock(now()))
}

/// A new maintenance organisation in `dir` whose administrator is bound to
/// [`ADMIN_LOGIN`].
pub fn init_maintenance(dir: &Path) -> Session {
    let preset = clearance::presets::load("maintenance").expect("the maintenance preset loads");
    let admin = NewUser {
        given: "Mara".into(),
        family: "Lindqvist".into(),
        email: Some("mara@store-test.example".into()),
        login: Some(ADMIN_LOGIN.into()),
        roles: vec![],
        access_until: None,
    };
    Session::init(dir, ADMIN_LOGIN, clock(), &preset, "Store Test MRO", admin)
        .expect("init succeeds")
}

/// Reopens an organisation as the test administrator.
pub fn open(dir: &Path) -> Session {
    Session::open(dir, ADMIN_LOGIN, clock()).expect("the organisation opens")
}

/// The audit head of a closed database.
pub fn open_head(dir: &Path) -> clearance::store::audit::Checkpoint {
    open(dir).store().head()
}

/// Runs one command as the administrator and returns its audit sequence number.
pub fn run(s: &mut Session, cmd: Command) -> u64 {
    let actor = s.actor(None).expect("the administrator may act");
    match s.execute(actor, cmd.clone()) {
        Ok(out) => out.seq,
        Err(e) => panic!("{} failed: {e}", cmd.name()),
    }
}

/// The commands run after the demo batch: small ones, one audit entry each.
pub fn extra_commands() -> Vec<Command> {
    vec![
        Command::AddUser(NewUser {
            given: "Extra".into(),
            family: "Technician".into(),
            email: Some("extra.tech@store-test.example".into()),
            login: Some("xtech".into()),
            roles: vec!["Workshop technician".into()],
            access_until: None,
        }),
        Command::Grant {
            user: "xtech".into(),
            permission: "work_orders.release".into(),
            level: "yes".into(),
            until: None,
        },
        Command::AssignRole {
            user: "xtech".into(),
            role: "Stores".into(),
            until: None,
        },
        Command::Deactivate {
            user: "xtech".into(),
        },
        Command::Reactivate {
            user: "xtech".into(),
        },
    ]
}

/// One batch adding `n` people: an audit entry larger than one chunk
/// (32 KiB) from about 80 people on.
pub fn bulk_batch(n: usize) -> Command {
    Command::Batch(
        (0..n)
            .map(|i| {
                Command::AddUser(NewUser {
                    given: format!("Bulk{i}"),
                    family: "Person".into(),
                    email: Some(format!("bulk{i}@store-test.example")),
                    login: Some(format!("bulk{i}")),
                    roles: vec!["Workshop technician".into(), "Stores".into()],
                    access_until: None,
                })
            })
            .collect(),
    )
}

/// Audit sequence numbers of [`build_workload`].
pub const SEQ_INIT: u64 = 1;
pub const SEQ_DEMO: u64 = 2;
/// The entry stored in several chunks.
pub const SEQ_BULK: u64 = 3;
/// The small entries, one chunk each: [`extra_commands`].
pub const SEQ_SMALL: std::ops::RangeInclusive<u64> = 4..=8;
pub const SEQ_HEAD: u64 = 8;

/// init + the demo batch + a bulk batch (several audit chunks) +
/// [`extra_commands`]. Returns the open session.
pub fn build_workload(dir: &Path) -> Session {
    let mut s = init_maintenance(dir);
    run(
        &mut s,
        Command::Batch(clearance::demo::demo_commands(now())),
    );
    run(&mut s, bulk_batch(120));
    for c in extra_commands() {
        run(&mut s, c);
    }
    assert_eq!(s.store().head().seq, SEQ_HEAD);
    s
}

/// Copies a closed database directory (sled files and lock file) to `to`.
pub fn copy_db(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target: PathBuf = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_db(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The key of one audit chunk: sequence number and chunk index, big-endian.
pub fn audit_key(seq: u64, chunk: u32) -> Vec<u8> {
    let mut k = seq.to_be_bytes().to_vec();
    k.extend_from_slice(&chunk.to_be_bytes());
    k
}

/// A small deterministic random source (splitmix64).
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo + 1)
    }
}
