//! The FlightLogger instructor example (seed 002) through the CLI on the
//! `flight-school` preset: the Instructor role reads and adds/edits/renews
//! all certificates but approves none; a personal grant
//! `certificates.approve = other` lets one instructor approve other people's
//! certificates but not their own; personal grants only scale up.

mod common;

use common::cli::{Db, ADMIN};

/// `check USER certificates.ACTION --relation R`: allowed?
fn may(db: &Db, user: &str, action: &str, relation: &str) -> bool {
    db.allowed(
        user,
        &format!("certificates.{action}"),
        &["--relation", relation],
    )
}

fn effective(db: &Db, user: &str, permission: &str) -> String {
    let v = db.run(&["--json", "explain", user]).ok().json();
    v["levels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["permission"] == permission)
        .map(|l| l["effective"].as_str().unwrap().to_string())
        .unwrap_or_else(|| "none".into())
}

fn school() -> Db {
    let db = Db::init("flight-school");
    for (given, login, role) in [
        ("Ingrid", "ingrid", "Instructor"),
        ("Tomas", "tomas", "Instructor"),
        ("Sam", "sam", "Student"),
        ("Olga", "olga", "Office staff"),
    ] {
        db.run(&[
            "user", "add", "--given", given, "--family", "Example", "--login", login, "--role",
            role,
        ])
        .ok();
    }
    db
}

#[test]
fn instructor_role_reads_and_maintains_all_certificates_but_approves_none() {
    let db = school();
    let role = db
        .run(&["--json", "role", "show", "Instructor", "--all"])
        .ok()
        .json();
    let levels = &role["levels"];
    assert_eq!(levels["certificates.read"], "all", "{role}");
    assert_eq!(levels["certificates.add_edit_renew"], "all", "{role}");
    assert_eq!(levels["certificates.approve"], "none", "{role}");
    for who in ["ingrid", "tomas"] {
        for rel in ["own", "other"] {
            assert!(may(&db, who, "read", rel), "{who} read {rel}");
            assert!(
                may(&db, who, "add_edit_renew", rel),
                "{who} add/edit/renew {rel}"
            );
            assert!(!may(&db, who, "approve", rel), "{who} approve {rel}");
        }
    }
    // The administrator approves everything; a student reads only their own.
    assert!(may(&db, ADMIN, "approve", "own") && may(&db, ADMIN, "approve", "other"));
    assert!(may(&db, "sam", "read", "own"));
    assert!(!may(&db, "sam", "read", "other"));
    assert!(!may(&db, "sam", "approve", "own"));
}

#[test]
fn a_personal_grant_of_approve_other_approves_others_but_not_ones_own() {
    let db = school();
    db.run(&["user", "grant", "ingrid", "certificates.approve", "other"])
        .ok();
    // Ingrid approves another user's certificate, not her own.
    db.run(&[
        "check",
        "ingrid",
        "certificates.approve",
        "--relation",
        "other",
    ])
    .ok();
    let own = db
        .run(&[
            "check",
            "ingrid",
            "certificates.approve",
            "--relation",
            "own",
        ])
        .denied();
    assert!(
        own.stdout.contains("needs own, holds other"),
        "{}",
        own.stdout
    );
    assert_eq!(effective(&db, "ingrid", "certificates.approve"), "other");
    // Tomas, an instructor without the grant, approves neither.
    db.run(&[
        "check",
        "tomas",
        "certificates.approve",
        "--relation",
        "other",
    ])
    .denied();
    db.run(&[
        "check",
        "tomas",
        "certificates.approve",
        "--relation",
        "own",
    ])
    .denied();
    // The role is unchanged: the grant is Ingrid's alone.
    let role = db
        .run(&["--json", "role", "show", "Instructor", "--all"])
        .ok()
        .json();
    assert_eq!(role["levels"]["certificates.approve"], "none");
    // The grant's source is shown.
    let check = db
        .run(&[
            "--json",
            "check",
            "ingrid",
            "certificates.approve",
            "--relation",
            "other",
        ])
        .ok()
        .json();
    assert!(
        check["reason"]
            .as_str()
            .unwrap()
            .contains("personal grant (other)"),
        "{check}"
    );
    // Removing the grant takes the right away again.
    db.run(&["user", "ungrant", "ingrid", "certificates.approve"])
        .ok();
    assert!(!may(&db, "ingrid", "approve", "other"));
}

#[test]
fn the_grant_cannot_lower_the_roles_levels() {
    let db = school();
    // A lower personal level than the role's is accepted, but the role's
    // level stands: personal grants only scale up.
    db.run(&["user", "grant", "ingrid", "certificates.read", "own"])
        .ok();
    db.run(&[
        "user",
        "grant",
        "ingrid",
        "certificates.add_edit_renew",
        "own",
    ])
    .ok();
    assert_eq!(effective(&db, "ingrid", "certificates.read"), "all");
    assert_eq!(
        effective(&db, "ingrid", "certificates.add_edit_renew"),
        "all"
    );
    assert!(may(&db, "ingrid", "read", "other"));
    assert!(may(&db, "ingrid", "add_edit_renew", "other"));
    // "none" is not a grant at all.
    db.run(&["user", "grant", "ingrid", "certificates.read", "none"])
        .error(&["can only add"]);
    db.run(&[
        "user",
        "grant",
        "tomas",
        "certificates.add_edit_renew",
        "none",
    ])
    .error(&["can only add"]);
    assert!(may(&db, "tomas", "add_edit_renew", "own"));
    assert!(may(&db, "tomas", "add_edit_renew", "other"));
    // On top of approve = other, a grant of own adds: now all.
    db.run(&[
        "user",
        "grant",
        "tomas",
        "certificates.approve",
        "own+other",
    ])
    .ok();
    assert_eq!(effective(&db, "tomas", "certificates.approve"), "all");
}

#[test]
fn approval_rights_stay_controlled() {
    let db = school();
    // Office staff manage users but hold no approval right, so they cannot
    // hand it out (no escalation).
    db.run(&[
        "user", "add", "--given", "Nora", "--family", "New", "--login", "nora",
    ])
    .ok();
    for target in ["nora", "olga"] {
        db.run_as(
            "olga",
            &["user", "grant", target, "certificates.approve", "other"],
        )
        .error(&["escalation refused", "certificates.approve"]);
        assert!(!may(&db, target, "approve", "other"));
    }
    // Nor reach an instructor, whose access exceeds theirs.
    db.run_as(
        "olga",
        &["user", "grant", "tomas", "certificates.approve", "other"],
    )
    .error(&["escalation refused", "tomas"]);
    // A stand-in approver for a holiday: a time-limited personal grant.
    db.run(&[
        "user",
        "grant",
        "tomas",
        "certificates.approve",
        "other",
        "--until",
        "2026-03-15",
    ])
    .ok();
    assert!(may(&db, "tomas", "approve", "other"));
    assert!(db.allowed(
        "tomas",
        "certificates.approve",
        &["--relation", "other", "--at", "2026-03-15 23:00"]
    ));
    assert!(!db.allowed(
        "tomas",
        "certificates.approve",
        &["--relation", "other", "--at", "2026-03-16"]
    ));
    // Still never his own.
    assert!(!may(&db, "tomas", "approve", "own"));
}
