//! The lock: a second opener hears at once who holds the database.

#[path = "common/store.rs"]
mod fixtures;

use std::process::Command as Process;
use std::time::{Duration, Instant};

use clearance::store::{Store, StoreError};
use fixtures::{init_maintenance, ADMIN_LOGIN};

#[test]
fn second_open_while_held_fails_at_once_naming_the_holder() {
    let dir = tempfile::tempdir().unwrap();
    let first = Store::open(dir.path(), "mara").expect("first open");
    let started = Instant::now();
    let err = match Store::open(dir.path(), "jonas") {
        Ok(_) => panic!("a second open of a held database succeeded"),
        Err(e) => e,
    };
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "the second open waited {:?}",
        started.elapsed()
    );
    let StoreError::Locked(msg) = &err else {
        panic!("expected Locked, got {err:?}");
    };
    assert!(
        msg.contains("database in use by mara"),
        "message does not name the holder: {msg}"
    );
    assert!(
        msg.contains(&format!("(pid {})", std::process::id())),
        "message does not name the holder's pid: {msg}"
    );
    assert!(
        !msg.contains("jonas"),
        "message names the wrong login: {msg}"
    );
    drop(first);
    let again = Store::open(dir.path(), "jonas").expect("open after the holder let go");
    drop(again);
}

#[test]
fn session_open_while_held_reports_locked() {
    let dir = tempfile::tempdir().unwrap();
    let held = init_maintenance(dir.path());
    let err = match clearance::ops::Session::open(dir.path(), ADMIN_LOGIN, fixtures::clock()) {
        Ok(_) => panic!("a second session opened a held database"),
        Err(e) => e,
    };
    assert!(
        err.to_string()
            .contains(&format!("database in use by {ADMIN_LOGIN}")),
        "{err}"
    );
    drop(held);
    let s = fixtures::open(dir.path());
    assert_eq!(s.store().head().seq, 1);
}

#[test]
fn cli_against_held_database_exits_2_naming_the_holder() {
    let dir = tempfile::tempdir().unwrap();
    let held = init_maintenance(dir.path());
    let started = Instant::now();
    let out = Process::new(env!("CARGO_BIN_EXE_clearance"))
        .env("CLEARANCE_AUTOSTART", "0")
        .env("CLEARANCE_TEST_LOGIN", "someone")
        .env_remove("CLEARANCE_DB")
        .arg("--db")
        .arg(dir.path())
        .args(["user", "list"])
        .output()
        .expect("the binary runs");
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(
        elapsed < Duration::from_secs(5),
        "the binary took {elapsed:?} to give up"
    );
    assert!(
        stderr.contains(&format!(
            "database in use by {ADMIN_LOGIN} (pid {})",
            std::process::id()
        )),
        "stderr does not name the holder: {stderr}"
    );
    assert!(
        out.stdout.is_empty(),
        "stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    // Once the holder lets go, the administrator's listing works.
    drop(held);
    let out = Process::new(env!("CARGO_BIN_EXE_clearance"))
        .env("CLEARANCE_AUTOSTART", "0")
        .env("CLEARANCE_TEST_LOGIN", ADMIN_LOGIN)
        .env_remove("CLEARANCE_DB")
        .arg("--db")
        .arg(dir.path())
        .args(["user", "list"])
        .output()
        .expect("the binary runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("mara@store-test.example"));
}
