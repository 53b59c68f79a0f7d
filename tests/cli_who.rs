//! `clearance who PERMISSION` through the real binary: every holder with
//! the role or grant that gives it and its expiry; --level, --relation,
//! --at (an assignment expired by then is not listed), --all, the read
//! policy, and --json.

#[path = "common/cli.rs"]
mod cli;

use cli::Db;

/// A maintenance organisation: `pia` in Purchasing; `stu` in Stores with a
/// personal grant of invoices.approve until 2026-03-20; `tess` a workshop
/// technician who is Purchasing until 2026-03-10; `rita` read-only,
/// deactivated, once in Purchasing.
fn mro() -> Db {
    let db = Db::init("maintenance");
    for (given, login, role) in [
        ("Pia", "pia", "Purchasing"),
        ("Stu", "stu", "Stores"),
        ("Tess", "tess", "Workshop technician"),
        ("Rita", "rita", "Purchasing"),
    ] {
        db.run(&[
            "user", "add", "--given", given, "--family", "Doe", "--login", login, "--role", role,
        ])
        .ok();
    }
    db.run(&["sod", "remove", "invoice-and-receive"]).ok();
    db.run(&[
        "user",
        "grant",
        "stu",
        "invoices.approve",
        "yes",
        "--until",
        "2026-03-20",
    ])
    .ok();
    db.run(&[
        "user",
        "assign",
        "tess",
        "Purchasing",
        "--until",
        "2026-03-10",
    ])
    .ok();
    db.run(&["user", "deactivate", "rita"]).ok();
    db
}

#[test]
fn who_lists_holders_with_role_and_grant_sources() {
    let db = mro();
    let out = db.run(&["who", "invoices.approve"]).ok().stdout;
    assert!(
        out.contains("pia") && out.contains("role Purchasing"),
        "{out}"
    );
    assert!(
        out.contains("stu") && out.contains("personal grant (yes, until 2026-03-20)"),
        "{out}"
    );
    assert!(
        out.contains("role Purchasing (yes, until 2026-03-10)"),
        "{out}"
    );
    assert!(
        !out.contains("rita"),
        "deactivated people are hidden: {out}"
    );
    let all = db.run(&["who", "invoices.approve", "--all"]).ok().stdout;
    assert!(
        all.contains("rita") && all.contains("holds nothing now"),
        "{all}"
    );
}

#[test]
fn who_json_has_sources_and_expiries() {
    let db = mro();
    let v = db.run(&["who", "invoices.approve", "--json"]).ok().json();
    let stu = v
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["user"] == "stu")
        .expect("stu holds it")
        .clone();
    assert_eq!(stu["level"], "yes");
    assert_eq!(stu["sources"][0]["from"], "personal grant");
    assert_eq!(stu["sources"][0]["until"], "2026-03-20");
    let admin = v
        .as_array()
        .unwrap()
        .iter()
        .any(|h| h["user"] == cli::ADMIN);
    assert!(admin, "the administrator holds everything: {v}");
}

#[test]
fn who_at_a_date_leaves_out_what_expired_by_then() {
    let db = mro();
    // On its last day the assignment still holds; the day after it does not.
    let on = db
        .run(&["who", "purchase_orders.approve", "--at", "2026-03-10"])
        .ok()
        .stdout;
    assert!(on.contains("tess"), "{on}");
    let after = db
        .run(&["who", "purchase_orders.approve", "--at", "2026-03-11"])
        .ok()
        .stdout;
    assert!(!after.contains("tess") && after.contains("pia"), "{after}");
    let later = db
        .run(&["who", "invoices.approve", "--at", "2026-03-21"])
        .ok()
        .stdout;
    assert!(!later.contains("stu"), "{later}");
}

#[test]
fn who_level_and_relation_narrow_the_holders() {
    let db = mro();
    // Purchasing manages purchase orders; Stores only views them.
    let view = db.run(&["who", "purchase_orders.access"]).ok().stdout;
    assert!(view.contains("stu") && view.contains("pia"), "{view}");
    let manage = db
        .run(&["who", "purchase_orders.access", "--level", "manage"])
        .ok()
        .stdout;
    assert!(
        manage.contains("pia") && !manage.contains("stu"),
        "{manage}"
    );
    // Time entries: the technician sees their own, nobody else's.
    let other = db
        .run(&["who", "time_entries.view", "--relation", "other"])
        .ok()
        .stdout;
    assert!(!other.contains("tess"), "{other}");
    let own = db
        .run(&["who", "time_entries.view", "--relation", "own"])
        .ok()
        .stdout;
    assert!(own.contains("tess"), "{own}");
}

#[test]
fn who_follows_the_read_policy() {
    let db = mro();
    // A technician reads no other users: only themselves.
    let v = db
        .run_as("tess", &["who", "purchase_orders.approve", "--json"])
        .ok()
        .json();
    let users: Vec<_> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["user"].clone())
        .collect();
    assert_eq!(users, vec![serde_json::Value::from("tess")], "{v}");
}

#[test]
fn who_bad_input_is_one_line() {
    let db = mro();
    db.run(&["who", "nope.nothing"])
        .error(&["unknown permission"]);
    db.run(&["who", "invoices.approve", "--level", "lots"])
        .error(&["lots"]);
    db.run(&["who", "invoices.approve", "--at", "soon"])
        .error(&["malformed"]);
    db.run(&["who", "invoices.approve", "--relation", "own"])
        .error(&["relation"]);
}
