//! Backup and restore: a backup holds everything, the audit chain and its
//! head included; restoring it into a new database gives an equal
//! organisation whose chain verifies (also against a checkpoint taken
//! before the backup). A damaged backup restores nothing.

#[path = "common/store.rs"]
mod fixtures;

use std::path::Path;
use std::process::{Command as Process, Output};

use clearance::ops::Command;
use clearance::store::Store;
use fixtures::{build_workload, now, ADMIN_LOGIN, SEQ_HEAD};

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

fn ok(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn refused(out: &Output, needle: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains(needle), "{stderr}");
}

/// Every tree's items, for comparing two databases.
fn items(db: &Path) -> Vec<(String, Vec<u8>, Vec<u8>)> {
    let store = Store::open(db, ADMIN_LOGIN).unwrap();
    let mut out = Vec::new();
    for t in clearance::store::TREE_NAMES {
        for kv in store.raw_tree(t).unwrap().iter() {
            let (k, v) = kv.unwrap();
            out.push((t.to_string(), k.to_vec(), v.to_vec()));
        }
    }
    out
}

#[test]
fn backup_restores_into_an_equal_organisation_whose_chain_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let org = build_workload(&db).org().clone();
    let anchor = dir.path().join("head.checkpoint");
    ok(&cli(
        &db,
        &["audit", "checkpoint", "-o", anchor.to_str().unwrap()],
    ));
    let file = dir.path().join("org.backup");
    let out = ok(&cli(&db, &["backup", file.to_str().unwrap()]));
    assert!(out.starts_with("backed up "), "{out}");
    assert!(out.contains(&format!("audit head #{SEQ_HEAD}")), "{out}");

    let restored = dir.path().join("restored");
    let out = ok(&cli(&restored, &["restore", file.to_str().unwrap()]));
    assert!(out.contains("the audit chain verifies"), "{out}");
    assert_eq!(items(&restored), items(&db), "the restored trees differ");
    {
        let s = fixtures::open(&restored);
        assert_eq!(s.org(), &org);
        assert_eq!(s.store().head(), fixtures::open_head(&db));
    }
    let out = ok(&cli(
        &restored,
        &["audit", "verify", "--anchor", anchor.to_str().unwrap()],
    ));
    assert!(out.starts_with("audit chain intact"), "{out}");
    ok(&cli(&restored, &["doctor"]));
    // The restored database takes work.
    let mut s = fixtures::open(&restored);
    let seq = fixtures::run(
        &mut s,
        Command::AddRole {
            name: "After restore".into(),
            description: String::new(),
            copy_from: None,
        },
    );
    assert_eq!(seq, SEQ_HEAD + 1);
}

#[test]
fn restore_refuses_a_database_that_is_not_empty_and_a_damaged_backup() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    drop(build_workload(&db));
    let file = dir.path().join("org.backup");
    ok(&cli(&db, &["backup", file.to_str().unwrap()]));
    let good = std::fs::read(&file).unwrap();

    // Not over an existing database.
    refused(
        &cli(&db, &["restore", file.to_str().unwrap()]),
        "is not empty: restore into a new database directory",
    );

    // Into an empty directory it goes.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    ok(&cli(&empty, &["restore", file.to_str().unwrap()]));

    let target = dir.path().join("target");
    let damaged = dir.path().join("damaged.backup");
    let mut flipped = good.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x01;
    for (what, bytes, needle) in [
        ("a flipped byte", flipped, "checksum does not match"),
        (
            "cut short",
            good[..good.len() - 40].to_vec(),
            "ends too soon",
        ),
        ("cut to nothing", Vec::new(), "ends too soon"),
        (
            "not a backup",
            b"{\"format\": \"clearance-organisation\"}".to_vec(),
            "does not start as one",
        ),
        (
            "a byte too many",
            [&good[..], &[0u8]].concat(),
            "bytes follow its checksum",
        ),
    ] {
        std::fs::write(&damaged, &bytes).unwrap();
        refused(
            &cli(&target, &["restore", damaged.to_str().unwrap()]),
            needle,
        );
        assert!(!target.exists(), "{what}: something was left at the target");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("restoring"))
            .collect();
        assert!(leftovers.is_empty(), "{what}: {leftovers:?}");
    }
}

#[test]
fn backup_needs_read_access_to_users_or_the_audit_log() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    drop(build_workload(&db));
    let file = dir.path().join("org.backup");
    // A user of the workload without users.manage or audit.view.
    let out = Process::new(env!("CARGO_BIN_EXE_clearance"))
        .env("CLEARANCE_AUTOSTART", "0")
        .env("CLEARANCE_TEST_LOGIN", "xtech")
        .env("CLEARANCE_TEST_NOW", now().to_rfc3339())
        .env_remove("CLEARANCE_DB")
        .arg("--db")
        .arg(&db)
        .args(["backup", file.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("not permitted") && stderr.contains("users.manage or audit.view"),
        "{stderr}"
    );
    assert!(!file.exists());
}
