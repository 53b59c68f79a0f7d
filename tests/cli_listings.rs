//! Listings and decisions say the right thing: a login without an email is
//! not "no login", an expired invitation is not pending, and a scope check
//! without relations asks for any one relation, not "all".

mod common;

use common::cli::{Db, ADMIN};

#[test]
fn user_list_tells_logins_invitations_and_expiry_apart() {
    let db = Db::init("operator");
    db.run(&[
        "user", "add", "--given", "Lo", "--family", "Gin", "--login", "lo", "--role", "Pilot",
    ])
    .ok();
    db.run(&[
        "user",
        "add",
        "--given",
        "In",
        "--family",
        "Vite",
        "--email",
        "in@example.org",
        "--role",
        "Auditor",
    ])
    .ok();
    db.run(&["user", "invite", "in@example.org", "--days", "1"])
        .ok();
    let now = db.run(&["user", "list"]).ok().stdout;
    let row = |out: &str, who: &str| {
        out.lines()
            .find(|l| l.contains(who))
            .unwrap_or_else(|| panic!("no row for {who} in\n{out}"))
            .to_string()
    };
    assert!(!row(&now, "Lo Gin").contains("no login"), "{now}");
    assert!(row(&now, "In Vite").contains("invited"), "{now}");
    let later = db
        .run_at(ADMIN, "2026-03-05T09:30:00Z", &["user", "list"])
        .ok()
        .stdout;
    assert!(row(&later, "In Vite").contains("invite expired"), "{later}");
    let v = db
        .run(&["--json", "user", "show", "in@example.org"])
        .ok()
        .json();
    assert!(v["invitation_expires"].is_string(), "{v}");
}

#[test]
fn a_scope_check_without_relations_asks_for_any_one() {
    let db = Db::init("operator");
    db.run(&[
        "user", "add", "--given", "Pi", "--family", "Lot", "--login", "pia", "--role", "Pilot",
    ])
    .ok();
    let out = db.run(&["--json", "check", "pia", "flights.view"]);
    let v = out.json();
    assert_ne!(v["required"], "all", "{v}");
    assert!(v["required"].as_str().unwrap().contains(" or "), "{v}");
}

/// Untrusted text in a CSV export never starts a spreadsheet formula: every
/// cell beginning with `=`, `+`, `-` or `@` is quoted with a leading `'`.
#[test]
fn csv_export_neutralises_formulas_in_every_untrusted_column() {
    let db = Db::init("maintenance");
    db.run(&[
        "user",
        "add",
        "--given",
        "=HYPERLINK(\"http://x\",\"y\")",
        "--family",
        "+1+1",
        "--email",
        "f@example.org",
    ])
    .ok();
    db.run(&["role", "add", "@SUM(A1)", "--description", "d"])
        .ok();
    let users = db
        .run(&["export", "--format", "csv", "--table", "users"])
        .ok()
        .stdout;
    let roles = db
        .run(&["export", "--format", "csv", "--table", "roles"])
        .ok()
        .stdout;
    let mut cells = Vec::new();
    for text in [&users, &roles] {
        let mut r = csv::Reader::from_reader(text.as_bytes());
        for rec in r.records() {
            cells.extend(rec.unwrap().iter().map(str::to_string).collect::<Vec<_>>());
        }
    }
    assert!(
        cells.contains(&"'=HYPERLINK(\"http://x\",\"y\")".to_string()),
        "{users}"
    );
    assert!(cells.contains(&"'+1+1".to_string()), "{users}");
    assert!(cells.contains(&"'@SUM(A1)".to_string()), "{roles}");
    for c in &cells {
        assert!(
            !c.starts_with(['=', '+', '@']),
            "a cell starts a formula: {c}"
        );
    }
}

/// `seed` with authorizations on the maintenance preset: its kinds that
/// require a reason (RII) are left out, instead of failing the batch.
#[test]
fn seed_with_authorizations_succeeds_on_the_maintenance_preset() {
    let db = Db::init("maintenance");
    let out = db
        .run(&[
            "seed",
            "--users",
            "40",
            "--roles",
            "2",
            "--authorizations",
            "12",
        ])
        .ok();
    assert!(out.stdout.contains("seeded 40 users"), "{}", out.stdout);
    let v = db.run(&["--json", "auth", "list"]).ok().json();
    assert!(v.as_array().is_some_and(|a| a.len() >= 12), "{v}");
}
