//! The database directory on disk: private whatever the umask, and its names
//! made durable (directories fsynced) when files are created in it.

#[path = "common/store.rs"]
mod fixtures;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command as Process, Output};

use fixtures::{now, ADMIN_LOGIN};

fn mode(p: &Path) -> u32 {
    std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o777
}

/// Every directory and file below `dir` (itself included) whose mode is not
/// 0700 (directories) or 0600 (files).
fn loose(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    if mode(dir) != 0o700 {
        out.push(format!("{} {:o}", dir.display(), mode(dir)));
    }
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        if e.file_type().unwrap().is_dir() {
            out.extend(loose(&p));
        } else if mode(&p) != 0o600 {
            out.push(format!("{} {:o}", p.display(), mode(&p)));
        }
    }
    out
}

/// Runs the binary under a given umask.
fn cli_with_umask(umask: &str, db: &Path, args: &[&str]) -> Output {
    Process::new("sh")
        .env("CLEARANCE_AUTOSTART", "0")
        .arg("-c")
        .arg(format!("umask {umask} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_clearance"))
        .env("CLEARANCE_TEST_LOGIN", ADMIN_LOGIN)
        .env("CLEARANCE_TEST_NOW", now().to_rfc3339())
        .env_remove("CLEARANCE_DB")
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("the binary runs")
}

fn ok(out: &Output) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn database_is_private_under_umask_0022_and_0000() {
    for umask in ["0022", "0000"] {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("db");
        let init = [
            "init",
            "--preset",
            "maintenance",
            "--admin-email",
            "mara@files.example",
            "--admin-given",
            "Mara",
            "--admin-family",
            "Lindqvist",
        ];
        ok(&cli_with_umask(umask, &db, &init));
        assert!(db.join("clearance.lock").is_file());
        assert!(db.join("sled/db").is_file());
        assert_eq!(
            loose(&db),
            Vec::<String>::new(),
            "umask {umask}, after init"
        );
        let add = [
            "user",
            "add",
            "--given",
            "Ole",
            "--family",
            "Berg",
            "--email",
            "ole@files.example",
        ];
        ok(&cli_with_umask(umask, &db, &add));
        assert!(db.join("clearance.log").is_file(), "a write logs");
        assert!(
            std::fs::read_dir(db.join("sled")).unwrap().any(|e| e
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("snap.")),
            "a reopen writes a snapshot"
        );
        assert_eq!(
            loose(&db),
            Vec::<String>::new(),
            "umask {umask}, after a write"
        );
    }
}

#[test]
fn a_database_left_readable_by_others_is_made_private_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    drop(fixtures::init_maintenance(&db));
    let chmod =
        |p: &Path, m: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
    chmod(&db, 0o755);
    chmod(&db.join("clearance.lock"), 0o644);
    chmod(&db.join("sled"), 0o755);
    chmod(&db.join("sled/db"), 0o644);
    chmod(&db.join("sled/conf"), 0o666);
    assert!(!loose(&db).is_empty());
    // Something of the user's in the directory is left alone.
    let theirs = db.join("notes.txt");
    std::fs::write(&theirs, b"mine").unwrap();
    chmod(&theirs, 0o644);
    let s = fixtures::open(&db);
    assert_eq!(s.store().head().seq, 1);
    assert_eq!(mode(&theirs), 0o644);
    std::fs::remove_file(&theirs).unwrap();
    assert_eq!(loose(&db), Vec::<String>::new());
}

/// Whether strace is installed and may trace here (ptrace can be forbidden).
fn strace_works() -> bool {
    Process::new("strace")
        .env("CLEARANCE_AUTOSTART", "0")
        .args(["-o", "/dev/null", "true"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `init` fsyncs the new directory's parent, the database directory and
/// sled's directory (seen through strace, which names each fd's path). Only
/// the main thread is traced, where the store runs: with sled's threads
/// traced too, strace may split a call over two lines.
#[test]
fn init_fsyncs_the_parent_the_database_directory_and_sled_directory() {
    if !strace_works() {
        eprintln!("SKIPPED: strace is not installed or cannot trace here; install it with 'apt-get install -y strace'");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let parent = dir.path().canonicalize().unwrap();
    let db = parent.join("db");
    let trace = parent.join("trace.txt");
    let out = Process::new("strace")
        .env("CLEARANCE_AUTOSTART", "0")
        .args(["-y", "-e", "trace=fsync", "-o"])
        .arg(&trace)
        .arg(env!("CARGO_BIN_EXE_clearance"))
        .env("CLEARANCE_TEST_LOGIN", ADMIN_LOGIN)
        .env("CLEARANCE_TEST_NOW", now().to_rfc3339())
        .env_remove("CLEARANCE_DB")
        .arg("--db")
        .arg(&db)
        .args([
            "init",
            "--preset",
            "club",
            "--admin-email",
            "mara@files.example",
            "--admin-given",
            "Mara",
            "--admin-family",
            "Lindqvist",
        ])
        .output()
        .expect("strace runs");
    ok(&out);
    let text = std::fs::read_to_string(&trace).unwrap();
    for d in [&parent, &db, &db.join("sled")] {
        let needle = format!("<{}>)", d.display());
        assert!(
            text.lines().any(|l| l.contains("fsync(")
                && l.contains(&needle)
                && l.trim_end().ends_with("= 0")),
            "no successful fsync of {}:\n{text}",
            d.display()
        );
    }
}
