//! An import keeps the imported organisation's records beside its audit
//! entry, not inside it: an import whose entry would once have held more
//! than the codec's limit succeeds; the chain still derives every record
//! (doctor and audit verify pass, also after later changes and a second
//! import); an edit of the records beside the entry is named; backup and
//! restore carry them; an import stopped before its transaction leaves
//! nothing behind.

mod common;

use std::path::Path;
use std::process::{Command as Process, Stdio};

use clearance::store::Store;
use common::cli::{Db, Out, ADMIN, NOW};

/// Runs the binary with the codec's limit lowered to `limit` bytes.
fn run_limited(db: &Path, limit: u64, args: &[&str]) -> Out {
    let out = Process::new(common::cli::bin())
        .env("CLEARANCE_AUTOSTART", "0")
        .arg("--db")
        .arg(db)
        .args(args)
        .env("CLEARANCE_TEST_LOGIN", ADMIN)
        .env("CLEARANCE_TEST_NOW", NOW)
        .env("CLEARANCE_TEST_CODEC_LIMIT", limit.to_string())
        .env_remove("CLEARANCE_DB")
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs");
    Out {
        cmdline: format!(
            "CLEARANCE_TEST_CODEC_LIMIT={limit} clearance {}",
            args.join(" ")
        ),
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A limit the organisations below pass many times over when written
/// inline (the whole organisation, and every record after): 128 KiB.
const SMALL_LIMIT: u64 = 128 * 1024;

/// An organisation of about 1,000 people, exported (with its database).
fn exported() -> (Db, std::path::PathBuf, serde_json::Value) {
    let from = Db::init("maintenance");
    from.run(&[
        "seed",
        "--users",
        "1000",
        "--roles",
        "3",
        "--authorizations",
        "100",
    ])
    .ok();
    let (file, v) = from.export_json("org.json");
    assert!(
        std::fs::metadata(&file).unwrap().len() > 2 * SMALL_LIMIT,
        "the export should be well over the lowered limit"
    );
    (from, file, v)
}

/// The sequence number of the audit head.
fn head(db: &Path) -> u64 {
    Store::open(db, ADMIN).unwrap().head().seq
}

/// The bytes of entry `seq` as stored, and of the records beside it.
fn stored_sizes(db: &Path, seq: u64) -> (usize, usize) {
    let store = Store::open(db, ADMIN).unwrap();
    let size = |tree: &str| {
        store
            .raw_tree(tree)
            .unwrap()
            .scan_prefix(seq.to_be_bytes())
            .map(|kv| kv.unwrap().1.len())
            .sum::<usize>()
    };
    (size("audit"), size("audit_side"))
}

fn organisation(v: &serde_json::Value) -> &serde_json::Value {
    &v["organisation"]
}

#[test]
fn an_import_larger_than_an_entry_may_be_keeps_its_records_beside_the_entry() {
    let (_from, file, exported) = exported();
    let to = Db::init("maintenance");
    let out = run_limited(&to.path, SMALL_LIMIT, &["import", file.to_str().unwrap()]).ok();
    assert!(
        out.stdout.contains("imported the organisation: 1001 users"),
        "{}",
        out.stdout
    );
    let head = head(&to.path);
    let (entry, beside) = stored_sizes(&to.path, head);
    assert!(entry < 4096, "the import's entry takes {entry} bytes");
    assert!(
        beside as u64 > SMALL_LIMIT,
        "{beside} bytes beside the entry"
    );

    // The chain derives exactly what is stored.
    to.run(&["doctor"]).ok();
    let v = to.run(&["audit", "verify"]).ok();
    assert!(v.stdout.starts_with("audit chain intact"), "{}", v.stdout);
    let (_, again) = to.export_json("again.json");
    assert_eq!(organisation(&again), organisation(&exported));
    let full = to.run(&["audit", "list", "--limit", "1", "--full"]).ok();
    assert!(
        full.stdout.contains("replaced by") && full.stdout.contains("1001 users"),
        "{}",
        full.stdout
    );

    // Later changes, and a second import over the first, keep it so.
    to.run(&["user", "add", "--given", "Ole", "--family", "Berg"])
        .ok();
    to.run(&["user", "edit", "#7", "--family", "Lindqvist"])
        .ok();
    to.run(&["doctor"]).ok();
    to.run(&["import", file.to_str().unwrap()]).ok();
    to.run(&["doctor"]).ok();
    let (_, last) = to.export_json("last.json");
    assert_eq!(
        organisation(&last)["users"],
        organisation(&exported)["users"],
        "the second import put the exported users back"
    );
}

#[test]
fn an_edit_of_the_records_beside_an_import_is_named_by_doctor_and_audit_verify() {
    let (_from, file, _) = exported();
    let base = Db::init("maintenance");
    base.run(&["import", file.to_str().unwrap()]).ok();
    let seq = head(&base.path);
    let key = move |i: u32| [&seq.to_be_bytes()[..], &i.to_be_bytes()[..]].concat();
    type Edit = Box<dyn Fn(&sled::Tree)>;
    let edits: Vec<(Edit, &str)> = vec![
        (
            Box::new(move |t| {
                let mut v = t.get(key(1)).unwrap().unwrap().to_vec();
                v[100] ^= 1;
                t.insert(key(1), v).unwrap();
            }),
            "the records beside audit entry",
        ),
        (
            Box::new(move |t| {
                let last = t
                    .scan_prefix(seq.to_be_bytes())
                    .keys()
                    .last()
                    .unwrap()
                    .unwrap();
                t.remove(last).unwrap();
            }),
            "the records beside audit entry",
        ),
        (
            Box::new(move |t| {
                t.insert(key(100_000), &b"x"[..]).unwrap();
            }),
            "the records beside audit entry",
        ),
        (
            Box::new(move |t| {
                t.insert([&1u64.to_be_bytes()[..], &[0u8; 4][..]].concat(), &b"x"[..])
                    .unwrap();
            }),
            "beside no import's audit entry",
        ),
    ];
    for (edit, says) in edits {
        let db = Db::copy_of(&base.path);
        {
            let store = Store::open(&db.path, ADMIN).unwrap();
            let t = store.raw_tree("audit_side").unwrap();
            edit(t);
            t.flush().unwrap();
        }
        let d = db.run(&["doctor"]).denied();
        assert!(d.stdout.contains(says), "{}", d.stdout);
        let v = db.run(&["audit", "verify"]).denied();
        assert!(v.stdout.contains(says), "{}", v.stdout);
    }
}

#[test]
fn backup_and_restore_carry_an_imported_organisation() {
    let (_from, file, exported) = exported();
    let db = Db::init("maintenance");
    db.run(&["import", file.to_str().unwrap()]).ok();
    db.run(&["user", "add", "--given", "Ole", "--family", "Berg"])
        .ok();
    let checkpoint = db.file("head.txt");
    db.run(&["audit", "checkpoint", "-o", checkpoint.to_str().unwrap()])
        .ok();
    let backup = db.file("org.backup");
    db.run(&["backup", backup.to_str().unwrap()]).ok();

    let restored = Db::empty();
    restored.run(&["restore", backup.to_str().unwrap()]).ok();
    restored.run(&["doctor"]).ok();
    restored
        .run(&["audit", "verify", "--anchor", checkpoint.to_str().unwrap()])
        .ok();
    let (_, a) = db.export_json("a.json");
    let (_, b) = restored.export_json("b.json");
    assert_eq!(a, b);
    assert_eq!(
        organisation(&b)["users"].as_object().unwrap().len(),
        organisation(&exported)["users"].as_object().unwrap().len() + 1
    );
    // The restored database takes changes, and another import.
    restored
        .run(&["user", "add", "--given", "Ada", "--family", "Lund"])
        .ok();
    restored.run(&["import", file.to_str().unwrap()]).ok();
    restored.run(&["doctor"]).ok();
}

#[test]
fn an_import_stopped_before_its_transaction_leaves_nothing_behind() {
    let (_from, file, _) = exported();
    let db = Db::init("maintenance");
    let (_, before) = db.export_json("before.json");
    let before_head = head(&db.path);
    // Stage the import, then stop as a crash would: nothing refers to what
    // was written.
    let text = std::fs::read_to_string(&file).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let org: clearance::domain::org::Organisation =
        serde_json::from_value(v["organisation"].clone()).unwrap();
    {
        let mut store = Store::open(&db.path, ADMIN).unwrap();
        let staged = store.stage_import(&org).unwrap();
        assert!(staged.record().items > 1000);
        assert!(!store.raw_tree("audit_side").unwrap().is_empty());
    }
    let copy = Db::copy_of(&db.path);
    db.run(&["doctor"]).ok();
    let (_, after) = db.export_json("after.json");
    assert_eq!(after, before);
    assert_eq!(head(&db.path), before_head);
    {
        let store = Store::open(&db.path, ADMIN).unwrap();
        assert!(store.raw_tree("audit_side").unwrap().is_empty());
    }
    // And the import, run again, goes through.
    copy.run(&["import", file.to_str().unwrap()]).ok();
    copy.run(&["doctor"]).ok();
}

#[test]
fn an_import_the_store_refuses_changes_nothing_and_leaves_nothing() {
    let db = Db::init("maintenance");
    let (file, mut v) = db.export_json("org.json");
    // A settings record over the 60 KiB a stored record may take: the
    // store refuses it while writing the staged generation.
    let kinds = v["organisation"]["settings"]["kinds"]
        .as_array_mut()
        .unwrap();
    let template = kinds[0].clone();
    for i in 0..1500 {
        let mut k = template.clone();
        k["code"] = format!("K{i:04}").into();
        k["name"] = format!("Kind number {i} with a long enough name").into();
        kinds.push(k);
    }
    common::cli::write_json(&file, &v);
    let before_head = head(&db.path);
    let (_, before) = db.export_json("before.json");
    let err = db
        .run(&["import", file.to_str().unwrap()])
        .error(&["settings", "60 KiB"]);
    assert!(!err.contains("could not be read back"), "{err}");
    assert_eq!(head(&db.path), before_head);
    db.run(&["doctor"]).ok();
    let (_, after) = db.export_json("after.json");
    assert_eq!(after, before);
    let store = Store::open(&db.path, ADMIN).unwrap();
    assert!(store.raw_tree("audit_side").unwrap().is_empty());
}
