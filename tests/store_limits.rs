//! Size limits end in one-line errors, never a panic: an audit entry over
//! the codec's limit is refused whole, an import file over its limit is
//! refused before it is parsed.

#[path = "common/store.rs"]
mod fixtures;

use std::path::Path;
use std::process::{Command as Process, Output};

use clearance::store::audit::AuditBody;
use clearance::store::{codec, Store, StoreError};
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

#[test]
fn audit_entry_over_the_limit_is_refused_whole_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let before = build_workload(dir.path()).org().clone();
    let body = AuditBody {
        at: now(),
        operator: 1,
        operator_login: ADMIN_LOGIN.into(),
        acting_as: None,
        command: clearance::ops::Command::Batch(vec![]),
        changes: vec![],
        summary: "x".repeat(codec::LIMIT as usize + 1),
    };
    let mut store = Store::open(dir.path(), ADMIN_LOGIN).unwrap();
    let err = store
        .commit(body, before.counters, before.settings.admin_role)
        .unwrap_err();
    assert!(matches!(err, StoreError::TooLarge { .. }), "{err:?}");
    let text = err.to_string();
    assert_eq!(
        text,
        "cannot record this change: its audit entry is larger than the 64 MiB a record may take"
    );
    assert_eq!(store.head().seq, SEQ_HEAD);
    assert!(store.verify_audit(None).ok());
    drop(store);
    let s = fixtures::open(dir.path());
    assert_eq!(s.org(), &before);
    assert_eq!(s.store().head().seq, SEQ_HEAD);
}

#[test]
fn import_file_over_the_size_limit_is_refused_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    drop(fixtures::init_maintenance(&db));
    let file = dir.path().join("org.json");
    let out = cli(
        &db,
        &["export", "--format", "json", "-o", file.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(0));
    let len = std::fs::metadata(&file).unwrap().len();
    assert!(len > 1000 && len < 1_000_000, "{len}");
    // A change after the export, so that importing it changes something.
    let out = cli(&db, &["user", "add", "--given", "Ole", "--family", "Berg"]);
    assert_eq!(out.status.code(), Some(0));
    let head = fixtures::open(&db).store().head().seq;

    let out = cli(
        &db,
        &["import", file.to_str().unwrap(), "--max-size-mb", "0"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("is larger than the import limit of 0 MB; raise it with --max-size-mb"),
        "{stderr}"
    );
    assert_eq!(
        fixtures::open(&db).store().head().seq,
        head,
        "something was written"
    );

    // Within the default limit the same file imports.
    let out = cli(&db, &["import", file.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(fixtures::open(&db).store().head().seq, head + 1);
}

#[test]
fn an_audit_head_at_the_largest_sequence_number_is_named_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    drop(fixtures::init_maintenance(dir.path()));
    {
        let store = Store::open(dir.path(), ADMIN_LOGIN).unwrap();
        let meta = store.raw_tree("meta").unwrap();
        let mut head = u64::MAX.to_be_bytes().to_vec();
        head.extend_from_slice(&[0u8; 32]);
        meta.insert("audit_head", head).unwrap();
        meta.flush().unwrap();
    }
    let out = cli(
        dir.path(),
        &["user", "add", "--given", "Ole", "--family", "Berg"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    // The head names an entry that is not there: named, not a panic (and
    // were it there, the next sequence number would not overflow either).
    assert!(
        stderr.starts_with("error: corrupt record at audit/18446744073709551615")
            && stderr.lines().count() == 1,
        "{stderr}"
    );
    let out = cli(dir.path(), &["audit", "verify"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `user list --json` is written item by item; its bytes are still exactly
/// those of the whole array pretty-printed at once, empty or not.
#[test]
fn streamed_user_list_json_is_the_pretty_printed_array() {
    let dir = tempfile::tempdir().unwrap();
    drop(build_workload(dir.path()));
    for args in [
        &["--json", "user", "list"][..],
        &["--json", "user", "list", "--status", "deleted"][..],
    ] {
        let out = cli(dir.path(), args);
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8(out.stdout).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let whole = format!("{}\n", serde_json::to_string_pretty(&v).unwrap());
        assert_eq!(text, whole, "{args:?}");
        let n = v.as_array().unwrap().len();
        if args.len() == 3 {
            assert!(n > 100, "{n} users listed");
        } else {
            assert_eq!(text, "[]\n");
        }
    }
}

/// A stored catalog that lacks a system permission (edited behind the log's
/// back) is named on load, also by `doctor` and `audit`, which open a
/// database whose state differs from its seal; before, they panicked
/// looking the permission up.
#[test]
fn a_catalog_without_a_system_permission_is_named_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    drop(fixtures::init_maintenance(dir.path()));
    {
        let store = Store::open(dir.path(), ADMIN_LOGIN).unwrap();
        let t = store.raw_tree("settings").unwrap();
        let v = t.get("settings").unwrap().unwrap();
        let mut s: clearance::domain::org::Settings = codec::decode(&v).unwrap();
        s.catalog.permissions.retain(|p| p.key != "audit.view");
        t.insert("settings", codec::encode(&s).unwrap()).unwrap();
        t.flush().unwrap();
    }
    for args in [
        &["doctor"][..],
        &["audit", "verify"][..],
        &["user", "list"][..],
    ] {
        let out = cli(dir.path(), args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("error: corrupt record at settings/settings: the catalog lacks the system permission audit.view"),
            "{args:?}: {stderr}"
        );
    }
}
