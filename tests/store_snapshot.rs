//! An interrupted snapshot does not brick the database. sled 0.34.7 writes a
//! snapshot to `snap.N.generating` on every open; a kill while it is being
//! written leaves the file behind, and sled alone then refuses to open the
//! database. The store removes such files under its lock before sled opens.

#[path = "common/store.rs"]
mod fixtures;

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command as Process, Output};

use clearance::store::Store;
use fixtures::{build_workload, copy_db, now, ADMIN_LOGIN, SEQ_HEAD};

fn generating_files(db: &Path) -> Vec<String> {
    std::fs::read_dir(db.join("sled"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("snap.") && n.ends_with(".generating"))
        .collect()
}

#[test]
fn garbage_generating_snapshot_is_removed_and_the_data_is_intact() {
    let dir = tempfile::tempdir().unwrap();
    let before = {
        let s = build_workload(dir.path());
        s.org().clone()
    };
    // A snapshot numbered past every real one, as an interrupted run leaves it.
    let planted = dir.path().join("sled/snap.00000000FFFFFFFF.generating");
    std::fs::write(&planted, b"half a snapshot, then the power went").unwrap();

    // sled alone refuses this directory: the planted file does what a kill does.
    let copy = tempfile::tempdir().unwrap();
    copy_db(dir.path(), copy.path());
    let raw = sled::Config::new().path(copy.path().join("sled")).open();
    assert!(
        raw.is_err(),
        "sled opened a directory with a corrupt snapshot; the test plants nothing that matters"
    );

    let s = fixtures::open(dir.path());
    assert!(!planted.exists(), "the incomplete snapshot is still there");
    assert_eq!(s.org(), &before, "the organisation changed");
    assert_eq!(s.store().head().seq, SEQ_HEAD);
    assert!(s.store().verify_audit(None).ok());
    let problems = s.store().doctor(s.org()).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
}

#[test]
fn a_store_without_a_sled_directory_still_opens() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("new"), ADMIN_LOGIN).unwrap();
    assert_eq!(store.head().seq, 0);
}

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

/// Whether strace is installed and may trace here (ptrace can be forbidden).
fn strace_works() -> bool {
    Process::new("strace")
        .env("CLEARANCE_AUTOSTART", "0")
        .args(["-o", "/dev/null", "true"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The reported reproduction: SIGKILL at the third write of a command, which
/// falls inside the snapshot sled writes while opening (the first write is
/// our lock file, the second and third the snapshot's).
#[test]
fn sigkill_while_sled_writes_its_snapshot_leaves_a_database_that_opens() {
    if !strace_works() {
        eprintln!("SKIPPED: strace is not installed or cannot trace here; install it with 'apt-get install -y strace'");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path();
    let before = {
        let s = fixtures::init_maintenance(db);
        s.org().clone()
    };
    let out = Process::new("strace")
        .env("CLEARANCE_AUTOSTART", "0")
        .args([
            "-f",
            "-o",
            "/dev/null",
            "-e",
            "inject=write:signal=KILL:when=3",
        ])
        .arg(env!("CARGO_BIN_EXE_clearance"))
        .env("CLEARANCE_TEST_LOGIN", ADMIN_LOGIN)
        .env("CLEARANCE_TEST_NOW", now().to_rfc3339())
        .env_remove("CLEARANCE_DB")
        .arg("--db")
        .arg(db)
        .args([
            "user",
            "add",
            "--given",
            "Killed",
            "--family",
            "Midway",
            "--email",
            "killed@store-test.example",
        ])
        .output()
        .expect("strace runs");
    // strace reports the traced program's death by SIGKILL as its own.
    let killed = out.status.signal() == Some(libc::SIGKILL) || out.status.code() == Some(128 + 9);
    assert!(
        killed,
        "the command was not killed: {:?} {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !generating_files(db).is_empty(),
        "the kill did not land inside the snapshot: no snap.*.generating left behind"
    );

    let out = cli(db, &["--json", "user", "list"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "the database does not open after the kill: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(generating_files(db).is_empty());
    let out = cli(db, &["doctor"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let s = fixtures::open(db);
    assert_eq!(s.org(), &before, "the killed command changed something");
    let log = std::fs::read_to_string(db.join("clearance.log")).unwrap_or_default();
    assert!(
        log.contains("removed an incomplete sled snapshot"),
        "the removal is not logged: {log}"
    );
}
