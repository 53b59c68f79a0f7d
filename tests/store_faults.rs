//! Faults in the stored data: a corrupt record is named, never a panic; a
//! database of a newer schema is neither loaded nor written.

#[path = "common/store.rs"]
mod fixtures;

use std::path::Path;
use std::process::{Command as Process, Output};

use clearance::domain::org::Counters;
use clearance::ops::{Command, OpsError, Session};
use clearance::store::audit::AuditBody;
use clearance::store::{Store, StoreError, SCHEMA_VERSION};
use fixtures::{build_workload, clock, now, ADMIN_LOGIN};

fn cli(db: &Path, args: &[&str]) -> Output {
    Process::new(env!("CARGO_BIN_EXE_clearance"))
        .env("CLEARANCE_AUTOSTART", "0")
        .env("CLEARANCE_TEST_LOGIN", ADMIN_LOGIN)
        .env("CLEARANCE_TEST_NOW", now().to_rfc3339())
        .env_remove("CLEARANCE_DB")
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("the binary runs")
}

/// Overwrites one raw value, then closes the store.
fn poke(db: &Path, tree: &str, key: &[u8], value: &[u8]) {
    let store = Store::open(db, ADMIN_LOGIN).unwrap();
    let t = store.raw_tree(tree).unwrap();
    assert!(
        t.get(key).unwrap().is_some(),
        "{tree} holds no such key to corrupt"
    );
    t.insert(key, value).unwrap();
    t.flush().unwrap();
}

fn a_database() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    drop(build_workload(dir.path()));
    dir
}

/// Values that must never decode as a record: bad envelope, unknown version,
/// garbage payload, a payload cut short, a payload with a byte too many.
fn garbage_values(good: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
    let mut long = good.to_vec();
    long.push(0);
    let mut huge_len = vec![0x00, 0x01];
    huge_len.extend_from_slice(&[0xff; 16]);
    vec![
        ("empty", vec![]),
        ("one byte", vec![0x00]),
        ("unknown version", [&[0x00, 0x02][..], &good[2..]].concat()),
        ("version 0", [&[0x00, 0x00][..], &good[2..]].concat()),
        ("garbage", b"\x00\x01this is not a record at all".to_vec()),
        ("huge lengths", huge_len),
        ("cut short", good[..good.len() / 2].to_vec()),
        ("trailing byte", long),
    ]
}

#[test]
fn corrupt_user_record_is_named_on_load_not_a_panic() {
    let dir = a_database();
    let key = 2u32.to_be_bytes();
    let good = {
        let store = Store::open(dir.path(), ADMIN_LOGIN).unwrap();
        store
            .raw_tree("users")
            .unwrap()
            .get(key)
            .unwrap()
            .unwrap()
            .to_vec()
    };
    for (what, bad) in garbage_values(&good) {
        poke(dir.path(), "users", &key, &bad);
        let store = Store::open(dir.path(), ADMIN_LOGIN).unwrap();
        match store.load() {
            Err(e @ StoreError::Corrupt { .. }) => {
                let StoreError::Corrupt { tree, key, .. } = &e else {
                    unreachable!()
                };
                assert_eq!((*tree, key.as_str()), ("users", "2"), "{what}");
                assert!(
                    e.to_string().starts_with("corrupt record at users/2: "),
                    "{what}: {e}"
                );
            }
            Err(e) => panic!("{what}: expected Corrupt, got {e:?}"),
            Ok(_) => panic!("{what}: a corrupt user record loaded"),
        }
        drop(store);
        match Session::open(dir.path(), ADMIN_LOGIN, clock()) {
            Err(OpsError::Store(StoreError::Corrupt { tree: "users", .. })) => {}
            Err(e) => panic!("{what}: expected Corrupt, got {e:?}"),
            Ok(_) => panic!("{what}: a session opened over a corrupt record"),
        }
    }
    // Restoring the good bytes brings the organisation back.
    poke(dir.path(), "users", &key, &good);
    let s = fixtures::open(dir.path());
    assert!(s.org().users.contains_key(&2));
}

#[test]
fn corrupt_record_in_every_record_tree_is_named() {
    let dir = a_database();
    let places: [(&str, Vec<u8>, &str); 6] = [
        ("settings", b"settings".to_vec(), "settings/settings"),
        ("roles", 2u32.to_be_bytes().to_vec(), "roles/2"),
        ("users", 5u32.to_be_bytes().to_vec(), "users/5"),
        (
            "qualifications",
            1u32.to_be_bytes().to_vec(),
            "qualifications/1",
        ),
        (
            "authorizations",
            3u32.to_be_bytes().to_vec(),
            "authorizations/3",
        ),
        ("meta", b"counters".to_vec(), "meta/counters"),
    ];
    for (tree, key, named) in places {
        let good = {
            let store = Store::open(dir.path(), ADMIN_LOGIN).unwrap();
            let v = store.raw_tree(tree).unwrap().get(&key).unwrap();
            v.unwrap_or_else(|| panic!("{named} is missing")).to_vec()
        };
        poke(dir.path(), tree, &key, b"\x00\x01\xff\xff\xff\xff\xff");
        let store = Store::open(dir.path(), ADMIN_LOGIN).unwrap();
        let err = match store.load() {
            Ok(_) => panic!("{named}: a corrupt record loaded"),
            Err(e) => e,
        };
        assert!(
            matches!(err, StoreError::Corrupt { .. })
                && err
                    .to_string()
                    .starts_with(&format!("corrupt record at {named}: ")),
            "{named}: {err:?}"
        );
        drop(store);
        poke(dir.path(), tree, &key, &good);
    }
    let s = fixtures::open(dir.path());
    assert!(s.store().doctor(s.org()).unwrap().is_empty());
}

#[test]
fn cli_over_corrupt_record_says_where_and_exits_2() {
    let dir = a_database();
    poke(dir.path(), "users", &7u32.to_be_bytes(), b"\x00\x01garbage");
    for args in [
        &["user", "list"][..],
        &["user", "show", "mara"],
        &["doctor"],
        &["audit", "verify"],
        &["role", "add", "Night shift"],
    ] {
        let out = cli(dir.path(), args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("corrupt record at users/7"),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

fn set_schema(db: &Path, value: &[u8]) {
    let store = Store::open(db, ADMIN_LOGIN).unwrap();
    let meta = store.raw_tree("meta").unwrap();
    meta.insert("schema", value).unwrap();
    meta.flush().unwrap();
}

#[test]
fn newer_schema_is_neither_loaded_nor_written() {
    let dir = a_database();
    let newer = SCHEMA_VERSION + 1;
    set_schema(dir.path(), &newer.to_be_bytes());
    let mut store = Store::open(dir.path(), ADMIN_LOGIN).expect("opening is fine");
    assert_eq!(store.schema(), Some(newer));
    let head = store.head();
    let audit_len = store.raw_tree("audit").unwrap().len();
    match store.load() {
        Err(StoreError::NewerSchema { found, supported }) => {
            assert_eq!((found, supported), (newer, SCHEMA_VERSION));
        }
        Err(e) => panic!("expected NewerSchema, got {e:?}"),
        Ok(_) => panic!("a newer schema loaded"),
    }
    let body = AuditBody {
        at: now(),
        operator: 1,
        operator_login: ADMIN_LOGIN.into(),
        acting_as: None,
        command: Command::Deactivate {
            user: "xtech".into(),
        },
        changes: vec![],
        summary: "must not be written".into(),
    };
    let counters = Counters {
        next_user: 99,
        next_role: 99,
        next_qualification: 99,
        next_authorization: 99,
    };
    match store.commit(body, counters, 1) {
        Err(e @ StoreError::NewerSchema { .. }) => {
            assert!(e.to_string().contains("refusing to write"), "{e}");
        }
        Err(e) => panic!("expected NewerSchema, got {e:?}"),
        Ok(_) => panic!("a newer schema was written to"),
    }
    assert_eq!(store.head(), head);
    assert_eq!(store.raw_tree("audit").unwrap().len(), audit_len);
    let meta = store.raw_tree("meta").unwrap();
    assert_ne!(
        meta.get("counters").unwrap().unwrap().as_ref(),
        clearance::store::codec::encode(&counters)
            .unwrap()
            .as_slice()
    );
    assert_eq!(
        meta.get("schema").unwrap().unwrap().as_ref(),
        newer.to_be_bytes()
    );
    drop(store);

    match Session::open(dir.path(), ADMIN_LOGIN, clock()) {
        Err(OpsError::Store(StoreError::NewerSchema { .. })) => {}
        Err(e) => panic!("expected NewerSchema, got {e:?}"),
        Ok(_) => panic!("a session opened a newer schema"),
    }
    for args in [
        &["user", "list"][..],
        &["user", "add", "--given", "New", "--family", "Person"],
    ] {
        let out = cli(dir.path(), args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(&format!(
                "schema version {newer}, newer than this clearance supports"
            )),
            "{args:?}: {stderr}"
        );
    }
    let store = Store::open(dir.path(), ADMIN_LOGIN).unwrap();
    assert_eq!(store.head(), head, "the CLI wrote to a newer schema");
}

#[test]
fn malformed_schema_value_is_named() {
    let dir = a_database();
    set_schema(dir.path(), b"\x00\x01\x00");
    match Store::open(dir.path(), ADMIN_LOGIN) {
        Err(e @ StoreError::Corrupt { .. }) => {
            assert!(
                e.to_string().starts_with("corrupt record at meta/schema"),
                "{e}"
            );
        }
        Err(e) => panic!("expected Corrupt, got {e:?}"),
        Ok(_) => panic!("a malformed schema value was accepted"),
    }
}
