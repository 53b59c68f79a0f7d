//! The trust rules through the real binary. Rule 2 in time: an operator gives a level only
//! for as long as they hold it, and nobody changes their own roles, grants or
//! access expiry. Every refusal changes nothing; every allowed case that
//! stays within the operator's hold goes through.

mod common;

use common::cli::{Db, ADMIN};

/// Three days after the tests' clock (2026-03-02).
const SOON: &str = "2026-03-05";

/// Maintenance preset with `tim`, account administrator only until SOON.
fn with_temporary_admin() -> Db {
    let db = Db::init("maintenance");
    db.run(&[
        "user", "add", "--given", "Tim", "--family", "Temp", "--login", "tim",
    ])
    .ok();
    db.run(&[
        "user",
        "assign",
        "tim",
        "Account administrator",
        "--until",
        SOON,
    ])
    .ok();
    db.run(&[
        "user", "add", "--given", "Wes", "--family", "Work", "--login", "wes",
    ])
    .ok();
    db
}

#[test]
fn a_temporary_administrator_cannot_make_access_permanent() {
    let db = with_temporary_admin();
    let mut g = db.guard();
    // A permanent role level from a temporary right.
    g.refuse_as(
        "tim",
        &[
            "role",
            "set",
            "Workshop technician",
            "work_orders.release",
            "yes",
        ],
        &[
            "escalation refused",
            "role levels are permanent",
            "work_orders.release",
            "only until 2026-03-05",
        ],
    );
    // The same through --as (the operator impersonating tim).
    g.refuse(
        &[
            "--as",
            "tim",
            "role",
            "set",
            "Workshop technician",
            "work_orders.release",
            "yes",
        ],
        &["escalation refused", "role levels are permanent"],
    );
    // A copy of the administrator's levels is a permanent role too.
    g.refuse_as(
        "tim",
        &["role", "copy", "Account administrator", "Shadow admin"],
        &["escalation refused", "role levels are permanent"],
    );
    // Their own assignment made permanent.
    g.refuse_as(
        "tim",
        &["user", "assign", "tim", "Account administrator"],
        &[
            "not permitted",
            "your own roles",
            "another administrator must",
        ],
    );
    // A permanent administrator, added or assigned.
    g.refuse_as(
        "tim",
        &[
            "user",
            "add",
            "--given",
            "Nia",
            "--family",
            "Perm",
            "--login",
            "np",
            "--role",
            "Account administrator",
        ],
        &[
            "escalation refused",
            "np would hold",
            "for good",
            "only until 2026-03-05",
        ],
    );
    g.refuse_as(
        "tim",
        &["user", "assign", "wes", "Account administrator"],
        &["escalation refused", "wes would hold", "for good"],
    );
    g.refuse_as(
        "tim",
        &[
            "user",
            "assign",
            "wes",
            "Account administrator",
            "--until",
            "2026-03-06",
        ],
        &[
            "escalation refused",
            "until 2026-03-06",
            "only until 2026-03-05",
        ],
    );
    // A permanent personal grant from a temporary right.
    g.refuse_as(
        "tim",
        &["user", "grant", "wes", "work_orders.release", "yes"],
        &["escalation refused", "work_orders.release", "for good"],
    );
    // Lifting or moving an access expiry beyond their own hold.
    g.refuse_as(
        "tim",
        &["user", "edit", "tim", "--until", "2026-03-04"],
        &["your own access expiry"],
    );
    assert_eq!(g.count(), 9);

    // Within the hold, the same commands go through.
    db.run_as(
        "tim",
        &[
            "user",
            "assign",
            "wes",
            "Workshop technician",
            "--until",
            SOON,
        ],
    )
    .ok();
    db.run_as(
        "tim",
        &[
            "user",
            "grant",
            "wes",
            "work_orders.release",
            "yes",
            "--until",
            "2026-03-04",
        ],
    )
    .ok();
    db.run_as(
        "tim",
        &[
            "user",
            "add",
            "--given",
            "Nia",
            "--family",
            "Perm",
            "--login",
            "np",
            "--role",
            "Account administrator",
            "--until",
            SOON,
        ],
    )
    .ok();
}

#[test]
fn an_operator_with_an_access_expiry_cannot_lift_or_move_anyones() {
    let db = Db::init("operator");
    for (login, until) in [("hr", "2026-04-30"), ("hr2", "2026-04-01")] {
        let email = format!("{login}@test.example");
        db.run(&[
            "user",
            "add",
            "--given",
            "Hana",
            "--family",
            "Res",
            "--login",
            login,
            "--email",
            &email,
            "--role",
            "Human Resources Manager",
            "--until",
            until,
        ])
        .ok();
    }
    db.run(&[
        "user",
        "add",
        "--given",
        "Xen",
        "--family",
        "Temp",
        "--login",
        "xen",
        "--role",
        "Student Pilot",
        "--until",
        "2026-04-01",
    ])
    .ok();
    let mut g = db.guard();
    for target in ["xen", "hr2"] {
        g.refuse_as(
            "hr",
            &["user", "edit", target, "--no-until"],
            &["escalation refused", "only until 2026-04-30"],
        );
        g.refuse_as(
            "hr",
            &["user", "edit", target, "--until", "2099-12-31"],
            &["escalation refused", "only until 2026-04-30"],
        );
    }
    g.refuse_as(
        "hr",
        &["user", "edit", "hr", "--until", "2026-04-29"],
        &["your own access expiry"],
    );
    assert_eq!(g.count(), 5);
    // Moving it within their own hold is their job.
    db.run_as("hr", &["user", "edit", "xen", "--until", "2026-04-30"])
        .ok();
    db.run_as("hr", &["user", "edit", "hr2", "--until", "2026-03-15"])
        .ok();
}

#[test]
fn a_level_held_through_a_grant_that_ends_soon_is_given_no_longer() {
    let db = Db::init("maintenance");
    for login in ["gina", "wes"] {
        db.run(&[
            "user", "add", "--given", "G", "--family", "W", "--login", login,
        ])
        .ok();
    }
    db.run(&["user", "grant", "gina", "users.manage", "yes"])
        .ok();
    db.run(&[
        "user",
        "grant",
        "gina",
        "work_orders.release",
        "yes",
        "--until",
        SOON,
    ])
    .ok();
    let mut g = db.guard();
    g.refuse_as(
        "gina",
        &["user", "grant", "wes", "work_orders.release", "yes"],
        &[
            "escalation refused",
            "wes would hold work_orders.release = yes for good",
            "only until 2026-03-05",
        ],
    );
    // Nor their own grant made permanent, by anyone's hand but another's.
    g.refuse_as(
        "gina",
        &[
            "user",
            "grant",
            "gina",
            "work_orders.release",
            "yes",
            "--until",
            "2026-03-04",
        ],
        &["your own personal grants"],
    );
    assert_eq!(g.count(), 2);
    db.run_as(
        "gina",
        &[
            "user",
            "grant",
            "wes",
            "work_orders.release",
            "yes",
            "--until",
            SOON,
        ],
    )
    .ok();
}

#[test]
fn reactivating_gives_access_back_only_within_the_operators_hold() {
    let db = with_temporary_admin();
    db.run(&["user", "assign", "wes", "Workshop technician"])
        .ok();
    db.run(&["user", "deactivate", "wes"]).ok();
    let mut g = db.guard();
    g.refuse_as(
        "tim",
        &["user", "reactivate", "wes"],
        &["escalation refused", "wes would hold", "for good"],
    );
    // An import replaces everything, so only a permanent administrator may.
    let (file, _) = db.export_json("org.json");
    g.refuse_as(
        "tim",
        &["import", file.to_str().unwrap()],
        &["escalation refused", "holds that role for good"],
    );
    assert_eq!(g.count(), 2);
    db.run_as(ADMIN, &["user", "reactivate", "wes"]).ok();
}

/// `kind set` changes only what it names (it used to reset RII to optional,
/// no maximum and not independent, switching off the inspector rule).
#[test]
fn kind_set_changes_only_what_it_names() {
    let db = Db::init("maintenance");
    let rii = |db: &Db| {
        let v = db.run(&["--json", "kind", "list"]).ok().json();
        v.as_array()
            .unwrap()
            .iter()
            .find(|k| k["code"] == "RII")
            .cloned()
            .unwrap()
    };
    let before = rii(&db);
    assert_eq!(before["independent"], true);
    db.run(&["kind", "set", "RII", "--name", "x"]).ok();
    let after = rii(&db);
    assert_eq!(after["name"], "x");
    for field in [
        "expiry_required",
        "max_validity_months",
        "warning_days",
        "independent",
    ] {
        assert_eq!(after[field], before[field], "{field} changed");
    }
    db.run(&["kind", "set", "RII", "--not-independent", "--no-max"])
        .ok();
    let last = rii(&db);
    assert_eq!(last["independent"], false);
    assert_eq!(last["max_validity_months"], serde_json::Value::Null);
    assert_eq!(last["name"], "x");
    // A new kind needs a name; conflicting flags are refused.
    let mut g = db.guard();
    g.refuse(&["kind", "set", "NEW1"], &["new", "--name"]);
    g.refuse(
        &["kind", "set", "RII", "--independent", "--not-independent"],
        &["cannot be used with"],
    );
    db.run(&["kind", "set", "NEW1", "--name", "New kind"]).ok();
}

/// Every change command takes `--reason`; the reason is stored with the
/// change in the audit log and shown with it. A reason on a read is refused.
#[test]
fn a_reason_is_recorded_with_any_change() {
    let db = Db::init("maintenance");
    db.run(&[
        "user",
        "add",
        "--given",
        "Wes",
        "--family",
        "Work",
        "--login",
        "wes",
        "--reason",
        "new hire, ticket 4711",
    ])
    .ok();
    db.run(&[
        "user",
        "assign",
        "wes",
        "Workshop technician",
        "--reason",
        "covering for Ann in March",
    ])
    .ok();
    db.run(&[
        "kind",
        "set",
        "RII",
        "--warning-days",
        "45",
        "--reason",
        "audit finding 12",
    ])
    .ok();
    let audit = db.run(&["--json", "audit", "list"]).ok().json();
    let summaries: Vec<String> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["summary"].as_str().unwrap().to_string())
        .collect();
    for reason in [
        "new hire, ticket 4711",
        "covering for Ann in March",
        "audit finding 12",
    ] {
        assert!(
            summaries
                .iter()
                .any(|s| s.contains(&format!("(reason: {reason})"))),
            "{summaries:?}"
        );
    }
    let mut g = db.guard();
    g.refuse(
        &["user", "list", "--reason", "curious"],
        &["--reason goes with a change command"],
    );
    g.refuse(
        &["user", "deactivate", "wes", "--reason", " "],
        &["reason must not be empty"],
    );
    g.refuse(
        &["user", "deactivate", "wes", "--reason", "a\u{1b}[31m"],
        &["reason", "control"],
    );
    assert_eq!(g.count(), 3);
}

/// A kind may require a reason for every change to its authorizations
/// (RII in the maintenance preset; `kind set --reason-required`).
#[test]
fn a_kind_can_require_a_reason() {
    let db = Db::init("maintenance");
    db.run(&[
        "user", "add", "--given", "Ina", "--family", "Spector", "--login", "ina",
    ])
    .ok();
    let add = |extra: &[&str]| {
        let mut v = vec![
            "auth",
            "add",
            "ina",
            "--reference",
            "RII-1",
            "--kind",
            "RII",
            "--from",
            "2026-03-02",
            "--expires",
            "2027-03-01",
        ];
        v.extend_from_slice(extra);
        db.run(&v)
    };
    let mut g = db.guard();
    let out = add(&[]);
    out.error(&["kind RII requires a reason", "--reason"]);
    g.unchanged("auth add RII-1 without a reason");
    assert_eq!(g.count(), 1);
    add(&["--reason", "inspector for the C-check of OY-ABC"]).ok();
    db.run(&["kind", "set", "RII", "--no-reason-required"]).ok();
    db.run(&["auth", "renew", "RII-1", "--expires", "2027-06-01"])
        .ok();
    let kinds = db
        .run(&["kind", "set", "INSP", "--reason-required"])
        .ok()
        .stdout;
    assert!(kinds.contains("a reason for every change"), "{kinds}");
}

/// An organisation may require a reason for every change (`org set
/// --reason-required`, or `reason_required = true` in a preset): without
/// one every change is refused and changes nothing; with one it goes
/// through, and lifting the requirement needs a reason too.
#[test]
fn an_organisation_can_require_a_reason_for_every_change() {
    let db = Db::init("maintenance");
    db.run(&[
        "--reason",
        "audit finding 12",
        "org",
        "set",
        "--reason-required",
        "yes",
    ])
    .ok();
    let shown = db.run(&["--json", "org", "show"]).ok().json();
    assert_eq!(shown["reason_required"], true);
    let mut g = db.guard();
    for args in [
        &[
            "user", "add", "--given", "Wes", "--family", "Work", "--login", "wes",
        ][..],
        &["role", "add", "Night shift"],
        &["org", "set", "--reason-required", "no"],
    ] {
        g.refuse(args, &["requires a reason for every change", "--reason"]);
    }
    db.run(&[
        "--reason", "new hire", "user", "add", "--given", "Wes", "--family", "Work", "--login",
        "wes",
    ])
    .ok();
    db.run(&[
        "--reason",
        "finding closed",
        "org",
        "set",
        "--reason-required",
        "no",
    ])
    .ok();
    db.run(&["role", "add", "Night shift"]).ok();
}
