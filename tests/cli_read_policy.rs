//! Reading is a rule (one policy in `domain::read`), through the real binary:
//! `authorizations.view own` reads one's own authorizations and
//! qualifications and nobody else's; `all` reads everyone's; listings of
//! people need `users.view` for other users.

mod common;

use common::cli::Db;

/// The demo-like maintenance organisation: a technician (authorizations.view
/// own) and a planner (all), each holding an authorization.
fn org() -> Db {
    let db = Db::init("maintenance");
    for (login, role) in [
        ("tech", "Workshop technician"),
        ("plan", "Maintenance planner"),
    ] {
        db.run(&[
            "user", "add", "--given", login, "--family", "T", "--login", login, "--role", role,
        ])
        .ok();
    }
    for (i, login) in ["tech", "plan"].iter().enumerate() {
        db.run(&[
            "qual",
            "add",
            login,
            "--kind",
            "licence",
            "--number",
            &format!("DK.66.{i}"),
            "--category",
            "B1",
            "--issued",
            "2021-03-01",
        ])
        .ok();
        db.run(&[
            "auth",
            "add",
            login,
            "--reference",
            &format!("CS-{i}"),
            "--kind",
            "INSP",
            "--aircraft-type",
            "ATR72",
            "--from",
            "2026-01-01",
            "--expires",
            "2027-12-31",
            "--basis",
            &(i + 1).to_string(),
        ])
        .ok();
    }
    db
}

#[test]
fn authorizations_view_own_reads_only_ones_own() {
    let db = org();
    let list = db.run_as("tech", &["auth", "list"]).ok();
    assert!(list.stdout.contains("CS-0"), "{}", list.stdout);
    assert!(!list.stdout.contains("CS-1"), "{}", list.stdout);
    let quals = db.run_as("tech", &["qual", "list"]).ok();
    assert!(quals.stdout.contains("DK.66.0") && !quals.stdout.contains("DK.66.1"));
    db.run_as("tech", &["auth", "show", "CS-0"]).ok();
    let mut g = db.guard();
    let need = [
        "not permitted",
        "authorizations.view for all, or authorizations.manage",
    ];
    g.refuse_as("tech", &["auth", "show", "CS-1"], &need);
    g.refuse_as("tech", &["auth", "list", "--user", "plan"], &need);
    g.refuse_as("tech", &["qual", "show", "2"], &need);
    g.refuse_as(
        "tech",
        &["user", "list"],
        &["not permitted", "users.view for other users"],
    );
    g.refuse_as(
        "tech",
        &["user", "show", "plan"],
        &["not permitted", "users.view for other users"],
    );
    // Yourself, always.
    let me = db
        .run_as("tech", &["--json", "user", "show", "tech"])
        .ok()
        .json();
    assert_eq!(me["authorizations"][0]["reference"], "CS-0");
    assert_eq!(g.count(), 5);
}

#[test]
fn authorizations_view_all_reads_everyones() {
    let db = org();
    let list = db.run_as("plan", &["auth", "list"]).ok();
    assert!(list.stdout.contains("CS-0") && list.stdout.contains("CS-1"));
    db.run_as("plan", &["auth", "show", "CS-0"]).ok();
    db.run_as("plan", &["user", "list"]).ok();
}
