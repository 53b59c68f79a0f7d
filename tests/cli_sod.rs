//! Separation of duties through the real binary: rules added, listed and
//! removed (audited, roles.manage); a change that would create a violation
//! is refused naming the rule and the person, by assignment, grant or role
//! edit; with `--exception` it is done, audited, and shown as excepted until
//! the exception ends, then as a violation; rules survive doctor, audit
//! verify, backup/restore, export/import, and work through the server.

#[path = "common/cli.rs"]
mod cli;
#[path = "common/server.rs"]
mod server;

use cli::Db;
use server::Server;

/// A maintenance organisation (with its preset rules) with a purchaser
/// (`pia`, Purchasing), a storeman (`stu`, Stores), a planner (`pat`,
/// Maintenance planner) and a certifier (`cora`, Certifying staff).
fn mro() -> Db {
    let db = Db::init("maintenance");
    for (given, login, role) in [
        ("Pia", "pia", "Purchasing"),
        ("Stu", "stu", "Stores"),
        ("Pat", "pat", "Maintenance planner"),
        ("Cora", "cora", "Certifying staff"),
    ] {
        db.run(&[
            "user", "add", "--given", given, "--family", "Doe", "--login", login, "--role", role,
        ])
        .ok();
    }
    db
}

fn last_audit(db: &Db) -> serde_json::Value {
    let v = db
        .run(&["audit", "list", "--json", "--limit", "1"])
        .ok()
        .json();
    v[0].clone()
}

#[test]
fn maintenance_preset_ships_rules_none_broken() {
    let db = mro();
    let list = db.run(&["sod", "list"]).ok().stdout;
    for r in ["purchase-and-receive", "invoice-and-receive"] {
        assert!(list.contains(r), "{list}");
    }
    assert!(db
        .run(&["sod", "violations"])
        .ok()
        .stdout
        .contains("no separation-of-duties violations"));
}

#[test]
fn sod_add_list_remove_audited() {
    let db = mro();
    db.run(&[
        "sod",
        "add",
        "order-and-approve",
        "--perm",
        "order_requests.create",
        "--perm",
        "invoices.approve=yes",
        "--reason",
        "four eyes on spending",
    ])
    .ok();
    let a = last_audit(&db);
    assert_eq!(a["command"], "sod add");
    assert!(a["summary"].as_str().unwrap().contains("four eyes"), "{a}");
    let json = db.run(&["sod", "list", "--json"]).ok().json();
    let rule = json
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "order-and-approve")
        .expect("listed")
        .clone();
    assert_eq!(rule["reason"], "four eyes on spending");
    assert_eq!(rule["members"][1], "invoices.approve=yes");
    // Roles too.
    db.run(&[
        "sod",
        "add",
        "plan-or-certify",
        "--role",
        "Maintenance planner",
        "--role",
        "Certifying staff",
    ])
    .ok();
    db.run(&["sod", "remove", "order-and-approve"]).ok();
    assert_eq!(last_audit(&db)["command"], "sod remove");
    let list = db.run(&["sod", "list"]).ok().stdout;
    assert!(!list.contains("order-and-approve"), "{list}");
    assert!(list.contains("plan-or-certify"), "{list}");
    let all = db.run(&["sod", "list", "--all"]).ok().stdout;
    assert!(
        all.contains("order-and-approve") && all.contains("(removed)"),
        "{all}"
    );
}

#[test]
fn sod_add_bad_input_changes_nothing() {
    let db = mro();
    let before = db.snapshot();
    db.run(&["sod", "add", "x", "--perm", "invoices.approve"])
        .error(&["two or more"]);
    db.run(&[
        "sod",
        "add",
        "x",
        "--perm",
        "nope.nothing",
        "--perm",
        "invoices.approve",
    ])
    .error(&["unknown permission"]);
    db.run(&[
        "sod",
        "add",
        "x",
        "--perm",
        "invoices.approve=maybe",
        "--perm",
        "inventory.adjust",
    ])
    .error(&["invoices.approve"]);
    db.run(&["sod", "add", "x", "--role", "Stores", "--role", "Stores"])
        .error(&["different"]);
    db.run(&[
        "sod",
        "add",
        "purchase-and-receive",
        "--role",
        "Stores",
        "--role",
        "Purchasing",
    ])
    .error(&["already exists"]);
    db.run(&["sod", "remove", "nothing-like-it"])
        .error(&["unknown"]);
    // A planner holds no roles.manage.
    db.run_as(
        "pat",
        &[
            "sod",
            "add",
            "y",
            "--role",
            "Stores",
            "--role",
            "Purchasing",
        ],
    )
    .error(&["roles.manage"]);
    assert_eq!(db.snapshot(), before);
}

#[test]
fn assignment_creating_a_violation_refused_naming_rule_and_person() {
    let db = mro();
    let before = db.snapshot();
    let e = db.run(&["user", "assign", "pia", "Stores"]).error(&[
        "separation of duties",
        "purchase-and-receive",
        "pia",
    ]);
    assert!(e.contains("--exception"), "{e}");
    assert_eq!(db.snapshot(), before);
    // A new user with both roles at once is refused alike.
    db.run(&[
        "user",
        "add",
        "--given",
        "Two",
        "--family",
        "Hats",
        "--login",
        "two",
        "--role",
        "Purchasing",
        "--role",
        "Stores",
    ])
    .error(&["purchase-and-receive", "two"]);
    assert_eq!(db.snapshot(), before);
}

#[test]
fn grant_creating_a_violation_refused() {
    let db = mro();
    let before = db.snapshot();
    db.run(&["user", "grant", "stu", "purchase_orders.approve", "yes"])
        .error(&["purchase-and-receive", "stu"]);
    assert_eq!(db.snapshot(), before);
    // A grant that breaks nothing is fine.
    db.run(&["user", "grant", "stu", "inventory.adjust", "yes"])
        .ok();
}

#[test]
fn role_edit_making_holders_hold_both_refused() {
    let db = mro();
    db.run(&[
        "sod",
        "add",
        "release-and-certify",
        "--perm",
        "work_orders.release",
        "--perm",
        "signoffs.complete",
    ])
    .ok();
    let before = db.snapshot();
    // Every planner would release work and certify it.
    db.run(&[
        "role",
        "set",
        "Maintenance planner",
        "signoffs.complete",
        "yes",
    ])
    .error(&["release-and-certify", "pat"]);
    assert_eq!(db.snapshot(), before);
    // With an exception (and its end), it is done, audited, and excepted.
    db.run(&[
        "role",
        "set",
        "Maintenance planner",
        "signoffs.complete",
        "yes",
        "--exception",
        "small station",
        "--until",
        "2026-06-30",
    ])
    .ok();
    let a = last_audit(&db);
    assert_eq!(a["command"], "role set");
    let v = db.run(&["sod", "violations", "--json"]).ok().json();
    assert_eq!(v[0]["rule"], "release-and-certify");
    assert_eq!(v[0]["user"], "pat");
    assert_eq!(v[0]["exception"]["until"], "2026-06-30");
}

#[test]
fn exception_accepted_audited_then_expires_into_a_violation() {
    let db = mro();
    db.run(&[
        "user",
        "assign",
        "pia",
        "Stores",
        "--exception",
        "stores clerk on leave",
        "--exception-until",
        "2026-03-15",
    ])
    .ok();
    let a = last_audit(&db);
    assert_eq!(a["command"], "user assign");
    assert_eq!(a["reason"], "stores clerk on leave");
    let summary = a["summary"].as_str().unwrap();
    assert!(
        summary.contains("exception until 2026-03-15")
            && summary.contains("purchase-and-receive")
            && summary.contains("stores clerk on leave"),
        "{summary}"
    );
    let text = db.run(&["sod", "violations"]).ok().stdout;
    assert!(text.contains("excepted until 2026-03-15"), "{text}");
    assert!(
        text.contains("role Stores") && text.contains("role Purchasing"),
        "{text}"
    );
    let v = db.run(&["sod", "violations", "--json"]).ok().json();
    assert!(
        v.as_array().unwrap().iter().all(|x| x["excepted"] == true),
        "{v}"
    );
    // The last day still covers it; the day after, it is a violation.
    let late = "2026-03-16T09:00:00Z";
    let v = db
        .run_at(cli::ADMIN, late, &["sod", "violations", "--json"])
        .ok()
        .json();
    let first = &v[0];
    assert_eq!(first["user"], "pia");
    assert_eq!(first["excepted"], false, "{v}");
    let text = db
        .run_at(cli::ADMIN, late, &["sod", "violations"])
        .ok()
        .stdout;
    assert!(text.contains("VIOLATION"), "{text}");
    // An existing violation blocks no unrelated change for that person.
    db.run_at(
        cli::ADMIN,
        late,
        &["user", "edit", "pia", "--given", "Pia-Maria"],
    )
    .ok();
}

#[test]
fn exception_bad_input_changes_nothing() {
    let db = mro();
    let before = db.snapshot();
    db.run(&["user", "assign", "pia", "Stores", "--exception", "cover"])
        .error(&["ends"]);
    db.run(&[
        "user",
        "assign",
        "pia",
        "Stores",
        "--exception",
        "cover",
        "--until",
        "2026-01-01",
    ])
    .error(&["past"]);
    db.run(&[
        "user",
        "assign",
        "pia",
        "Stores",
        "--exception",
        " ",
        "--until",
        "2026-04-01",
    ])
    .error(&["reason"]);
    db.run(&[
        "user",
        "assign",
        "pat",
        "Read-only",
        "--exception",
        "cover",
        "--until",
        "2026-04-01",
    ])
    .error(&["breaks no separation-of-duties rule"]);
    assert_eq!(db.snapshot(), before);
}

#[test]
fn sod_records_survive_doctor_verify_backup_restore_export_import() {
    let db = mro();
    db.run(&[
        "user",
        "assign",
        "pia",
        "Stores",
        "--exception",
        "cover",
        "--until",
        "2026-04-01",
    ])
    .ok();
    db.run(&[
        "sod",
        "add",
        "plan-or-certify",
        "--role",
        "Maintenance planner",
        "--role",
        "Certifying staff",
    ])
    .ok();
    db.run(&["doctor"]).ok();
    db.run(&["audit", "verify"]).ok();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sod.backup");
    db.run(&["backup", file.to_str().unwrap()]).ok();
    let restored = Db::empty();
    restored.run(&["restore", file.to_str().unwrap()]).ok();
    restored.run(&["doctor"]).ok();
    let list = restored.run(&["sod", "list"]).ok().stdout;
    assert!(
        list.contains("plan-or-certify") && list.contains("exception: pia"),
        "{list}"
    );

    let json = dir.path().join("org.json");
    db.run(&[
        "export",
        "--format",
        "json",
        "--output",
        json.to_str().unwrap(),
    ])
    .ok();
    let text = std::fs::read_to_string(&json).unwrap();
    assert!(text.contains("plan-or-certify"), "rules are exported");
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["organisation"]["settings"]["name"] = "Renamed MRO".into();
    cli::write_json(&json, &v);
    db.run(&["import", json.to_str().unwrap()]).ok();
    db.run(&["doctor"]).ok();
    let after = db.run(&["sod", "violations"]).ok().stdout;
    assert!(after.contains("excepted until 2026-04-01"), "{after}");
    db.run(&["user", "assign", "stu", "Purchasing"])
        .error(&["purchase-and-receive"]);
}

#[test]
fn sod_and_who_through_the_server() {
    let db = mro();
    let _server = Server::start(&db.path, &[]);
    db.run(&["sod", "add", "x", "--role", "Stores", "--role", "Read-only"])
        .ok();
    db.run(&["user", "assign", "stu", "Read-only"])
        .error(&["rule x", "stu"]);
    db.run(&[
        "user",
        "assign",
        "stu",
        "Read-only",
        "--exception",
        "audit prep",
        "--until",
        "2026-04-01",
    ])
    .ok();
    assert!(db
        .run(&["sod", "violations"])
        .ok()
        .stdout
        .contains("excepted until 2026-04-01"));
    assert!(db
        .run(&["who", "inventory.adjust"])
        .ok()
        .stdout
        .contains("stu"));
    db.run(&["sod", "remove", "x"]).ok();
    assert_eq!(last_audit(&db)["command"], "sod remove");
}
