//! Sealed audit entries (record version 2): each records the id counters
//! and a digest of the whole stored state after its change, so that
//! opening the store sees a direct edit without replaying the log. A log
//! written before seals (record version 1) stays readable; the first change
//! by this build seals the state it finds.

#[path = "common/store.rs"]
mod fixtures;

use clearance::ops::{Command, Session};
use clearance::store::audit::AuditEntry;
use clearance::store::{codec, Store};
use fixtures::{audit_key, build_workload, clock, ADMIN_LOGIN, SEQ_HEAD};

/// Rewrites every entry of a closed database as record version 1 (unsealed),
/// re-chaining the hashes and the head: a database as older builds left it.
fn unseal(db: &std::path::Path) {
    let store = Store::open(db, ADMIN_LOGIN).unwrap();
    let entries: Vec<AuditEntry> = store.audit_entries().map(Result::unwrap).collect();
    let audit = store.raw_tree("audit").unwrap();
    audit.clear().unwrap();
    let mut prev = clearance::store::audit::GENESIS;
    for e in entries {
        let v1 = AuditEntry::new(e.seq, prev, e.body).unwrap();
        let bytes = codec::encode_entry(&v1).unwrap();
        assert_eq!(&bytes[..2], 1u16.to_be_bytes());
        for (i, chunk) in bytes.chunks(32 * 1024).enumerate() {
            audit.insert(audit_key(v1.seq, i as u32), chunk).unwrap();
        }
        prev = v1.hash;
    }
    // The settings as older builds wrote them: record version 1, kinds in
    // the legacy layout (no required bases).
    let settings = store.raw_tree("settings").unwrap();
    for kv in settings.iter() {
        let (k, v) = kv.unwrap();
        let s: clearance::domain::org::Settings = codec::decode(&v).unwrap();
        let mut old = 1u16.to_be_bytes().to_vec();
        old.extend(clearance::domain::layout::with_layout(1, || codec::canonical(&s)).unwrap());
        settings.insert(k, old).unwrap();
    }
    settings.flush().unwrap();
    let mut head = SEQ_HEAD.to_be_bytes().to_vec();
    head.extend_from_slice(&prev);
    let meta = store.raw_tree("meta").unwrap();
    meta.insert("audit_head", head).unwrap();
    audit.flush().unwrap();
    meta.flush().unwrap();
}

fn stored_version(store: &Store, seq: u64) -> u16 {
    let v = store
        .raw_tree("audit")
        .unwrap()
        .get(audit_key(seq, 0))
        .unwrap()
        .unwrap();
    u16::from_be_bytes([v[0], v[1]])
}

/// The record version entries are written in today (sealed, in the current
/// layout generation).
fn current() -> u16 {
    codec::entry_version(true, clearance::domain::layout::CURRENT)
}

#[test]
fn every_entry_written_now_is_sealed_with_the_state_it_leaves() {
    let dir = tempfile::tempdir().unwrap();
    let s = build_workload(dir.path());
    let org = s.org().clone();
    for e in s.store().audit_entries() {
        let e = e.unwrap();
        assert!(e.seal.is_some(), "entry {} is not sealed", e.seq);
        assert_eq!(stored_version(s.store(), e.seq), current());
    }
    let last = s.store().audit_entries().last().unwrap().unwrap();
    assert_eq!(last.seal.unwrap().counters, org.counters);
    drop(s);
    // Reopening sums the stored state and finds what the head seals.
    let s = fixtures::open(dir.path());
    assert_eq!(s.org(), &org);
}

#[test]
fn a_log_written_before_seals_opens_and_is_sealed_by_the_next_change() {
    let dir = tempfile::tempdir().unwrap();
    let mut org = build_workload(dir.path()).org().clone();
    unseal(dir.path());
    // What an older build's organisation was: kinds without required bases.
    for k in &mut org.settings.kinds {
        k.requires.clear();
        k.explicit_types = false;
        k.reason_required = false;
    }
    // ... and permissions without record conditions or setup-only marks.
    for p in &mut org.settings.catalog.permissions {
        p.owner_window = None;
        p.locked_states.clear();
        p.setup_only = false;
    }
    let mut s = fixtures::open(dir.path());
    assert_eq!(s.org(), &org);
    assert!(s.store().audit_entries().all(|e| e.unwrap().seal.is_none()));
    let v = s.store().verify_all(None).unwrap();
    assert!(v.ok(), "{:?}", v.problems);
    assert!(s.store().doctor(s.org()).unwrap().is_empty());

    let seq = fixtures::run(
        &mut s,
        Command::AddRole {
            name: "Sealed".into(),
            description: String::new(),
            copy_from: None,
        },
    );
    assert_eq!(seq, SEQ_HEAD + 1);
    assert_eq!(stored_version(s.store(), SEQ_HEAD), 1);
    assert_eq!(stored_version(s.store(), seq), current());
    // A chain of version 1 entries followed by a current one verifies.
    let v = s.store().verify_all(None).unwrap();
    assert!(v.ok(), "{:?}", v.problems);
    assert!(s.store().doctor(s.org()).unwrap().is_empty());
    // A change that replaces the old (version 1) settings record takes its
    // stored bytes out of the state digest, so the seal still matches.
    let seq = fixtures::run(
        &mut s,
        Command::EditKind {
            code: "RII".into(),
            edit: clearance::domain::command::KindEdit {
                requires: Some(vec![
                    clearance::domain::bases::BasisRequirement::LicenceCategory("B1".into()),
                ]),
                ..Default::default()
            },
        },
    );
    assert!(s.store().doctor(s.org()).unwrap().is_empty());
    let after = s.org().clone();
    drop(s);
    let s = fixtures::open(dir.path());
    assert_eq!(s.org(), &after);
    drop(s);

    // From now on a direct edit is seen on opening.
    {
        let store = Store::open(dir.path(), ADMIN_LOGIN).unwrap();
        let roles = store.raw_tree("roles").unwrap();
        let (k, v) = roles.iter().next().unwrap().unwrap();
        let mut role: clearance::domain::roles::Role = codec::decode(&v).unwrap();
        role.description.push_str(" (edited)");
        roles.insert(k, codec::encode(&role).unwrap()).unwrap();
        roles.flush().unwrap();
    }
    let err = match Session::open(dir.path(), ADMIN_LOGIN, clock()) {
        Ok(_) => panic!("an edited database opened for work"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains(&format!(
            "the stored records differ from the state audit entry {seq} seals"
        )),
        "{err}"
    );
    // Nor does it take a write through the store directly.
    let mut store = Store::open(dir.path(), ADMIN_LOGIN).unwrap();
    let body = store.audit_entries().last().unwrap().unwrap().body;
    let err = store.commit(body, after.counters, 1).unwrap_err();
    assert!(
        err.to_string()
            .contains("differ from the state audit entry"),
        "{err}"
    );
}
