//! Flylogs user management (seed 003), through the real binary on the
//! operator preset: delegated administration, required fields, hidden
//! deactivated users and read-only access after deactivation.

mod common;

use common::cli::{Db, ADMIN};

/// An operator organisation with a Human Resources Manager (`hr`) and a
/// pilot (`pil`).
fn flylogs() -> Db {
    let db = Db::init("operator");
    db.run(&[
        "user",
        "add",
        "--given",
        "Hana",
        "--family",
        "Res",
        "--login",
        "hr",
        "--email",
        "hr@air.example",
        "--role",
        "Human Resources Manager",
    ])
    .ok();
    db.run(&[
        "user", "add", "--given", "Pil", "--family", "Ot", "--login", "pil", "--role", "Pilot",
    ])
    .ok();
    db
}

/// "Human resources manager: Create and manage any other company user." and
/// "Pilot management can be performed by any Company administrator,
/// Operations manager or Human Resources manager."
#[test]
fn human_resources_creates_and_manages_pilots_without_their_flying_rights() {
    let db = flylogs();
    // As the administrator acting as HR, and as HR itself.
    db.run(&[
        "--as", "hr", "user", "add", "--given", "N", "--family", "P", "--login", "np", "--role",
        "Pilot",
    ])
    .ok();
    db.run(&["--as", "hr", "user", "edit", "pil", "--family", "X"])
        .ok();
    db.run_as("hr", &["user", "assign", "np", "Flight Instructor"])
        .ok();
    db.run_as("hr", &["user", "unassign", "np", "Pilot"]).ok();
    db.run_as("hr", &["user", "deactivate", "np"]).ok();
    db.run_as("hr", &["user", "reactivate", "np"]).ok();
    db.run_as(
        "hr",
        &[
            "user",
            "add",
            "--given",
            "Ola",
            "--family",
            "Ops",
            "--login",
            "om",
            "--email",
            "om@air.example",
            "--role",
            "Operations Manager",
        ],
    )
    .ok();
    db.run_as("hr", &["user", "delete", "np", "--confirm", "np"])
        .ok();
    // HR still holds no flying rights of its own.
    assert!(!db.allowed("hr", "flights.view", &["--relation", "own"]));

    let mut g = db.guard();
    // Administrators stay out of HR's reach (a deviation from the matrix,
    // which shows HR's "Manage users" with no caveat).
    g.refuse_as(
        "hr",
        &["user", "edit", ADMIN, "--family", "X"],
        &["escalation refused", ADMIN, "exceeds yours"],
    );
    g.refuse_as(
        "hr",
        &["user", "assign", "pil", "Company Administrator"],
        &["escalation refused", "Company Administrator"],
    );
    // Delegation is by role: HR grants nothing it lacks.
    g.refuse_as(
        "hr",
        &["user", "grant", "pil", "flights.edit", "all"],
        &["escalation refused", "flights.edit"],
    );
    // Nobody changes their own roles, delegated or not.
    g.refuse_as(
        "hr",
        &["user", "assign", "hr", "Pilot"],
        &["your own roles"],
    );
    // Only a role manager sets assignable roles.
    g.refuse_as(
        "hr",
        &["role", "edit", "Crew Scheduling", "--assignable", "Pilot"],
        &["not permitted", "roles.manage"],
    );
    g.refuse(
        &[
            "role",
            "edit",
            "Crew Scheduling",
            "--assignable",
            "Company Administrator",
        ],
        &["never assignable"],
    );
    assert_eq!(g.count(), 6);

    // The assignable roles are shown where the role is, and in explain.
    let show = db
        .run(&["role", "show", "Human Resources Manager"])
        .ok()
        .stdout;
    assert!(
        show.contains("may assign: ") && show.contains("Pilot"),
        "{show}"
    );
    assert!(!show.contains("Company Administrator"), "{show}");
    let v = db
        .run(&["--json", "role", "show", "Operations Manager"])
        .ok()
        .json();
    assert_eq!(v["assignable"].as_array().unwrap().len(), 15, "{v}");
    let ex = db.run(&["explain", "hr"]).ok().stdout;
    assert!(
        ex.contains("may assign") && ex.contains("role Human Resources Manager; for good"),
        "{ex}"
    );
    // An administrator changes them.
    db.run(&["role", "edit", "Crew Scheduling", "--assignable", "Pilot"])
        .ok();
    let show = db.run(&["role", "show", "Crew Scheduling"]).ok().stdout;
    assert!(show.contains("may assign: Pilot"), "{show}");
    db.run(&["role", "edit", "Crew Scheduling", "--no-assignable"])
        .ok();
}

/// "All staff members require at least the following fields: Name, Family
/// name, Email address, User type" and "pilots can be created without email
/// address … the pilot will not have LOGIN access"; "Like pilots, cabin crew
/// members can be created without an email address".
#[test]
fn staff_need_an_email_and_a_user_type_pilots_and_cabin_crew_neither() {
    let db = flylogs();
    let mut g = db.guard();
    g.refuse(
        &[
            "user",
            "add",
            "--given",
            "Ola",
            "--family",
            "Ops",
            "--login",
            "om",
            "--role",
            "Operations Manager",
        ],
        &["role Operations Manager requires an email"],
    );
    g.refuse(
        &[
            "user",
            "add",
            "--given",
            "No",
            "--family",
            "Type",
            "--email",
            "nt@air.example",
        ],
        &["needs a role", "--role"],
    );
    g.refuse(
        &["user", "assign", "pil", "Flight Dispatcher"],
        &["requires an email"],
    );
    g.refuse(&["user", "unassign", "pil", "Pilot"], &["needs a role"]);
    g.refuse(
        &["user", "edit", "hr", "--no-email"],
        &["requires an email"],
    );
    assert_eq!(g.count(), 5);
    // Pilots and cabin crew: neither email nor login.
    for role in ["Pilot", "Cabin Crew"] {
        db.run(&[
            "user", "add", "--given", "On", "--family", role, "--role", role,
        ])
        .ok();
    }
    let show = db.run(&["role", "show", "Operations Manager"]).ok().stdout;
    assert!(show.contains("need an email"), "{show}");
    // Another preset requires neither; an administrator may lift the policy.
    let mro = Db::init("maintenance");
    mro.run(&["user", "add", "--given", "No", "--family", "Role"])
        .ok();
    db.run(&["org", "set", "--role-required", "no"]).ok();
    db.run(&["user", "add", "--given", "No", "--family", "Type"])
        .ok();
    assert!(db
        .run(&["org", "show"])
        .ok()
        .stdout
        .contains("every user needs a role: no"));
}

/// "You can deactivate users to hide them from any list and archive them"
/// and deleting "will mark the user as deleted with the same result".
#[test]
fn deactivated_and_deleted_users_are_hidden_from_lists_unless_asked_for() {
    let db = flylogs();
    db.run(&[
        "user", "add", "--given", "Del", "--family", "Eted", "--login", "del", "--role", "Captain",
    ])
    .ok();
    db.run(&["user", "deactivate", "pil"]).ok();
    db.run(&["user", "delete", "del", "--confirm", "del"]).ok();
    let list = db.run(&["user", "list"]).ok().stdout;
    assert!(
        !list.contains("Pil Ot") && !list.contains("Del Eted"),
        "{list}"
    );
    assert!(list.contains("Hana Res"), "{list}");
    assert!(
        list.contains("2 deactivated or deleted not shown (--all)"),
        "{list}"
    );
    let all = db.run(&["user", "list", "--all"]).ok().stdout;
    assert!(all.contains("Pil Ot") && all.contains("Del Eted"), "{all}");
    let deactivated = db
        .run(&["user", "list", "--status", "deactivated"])
        .ok()
        .stdout;
    assert!(deactivated.contains("Pil Ot") && !deactivated.contains("Del Eted"));
    let json = db.run(&["--json", "user", "list"]).ok().json();
    assert_eq!(json.as_array().unwrap().len(), 2, "{json}");
    // Named, they are still there.
    db.run(&["user", "show", "pil"]).ok();
}

/// "If you deactivate a pilot, this user will dissapear from your list as
/// expected, but the user will still have access and login option to the
/// Flylogs account without edit capabilities."
#[test]
fn a_deactivated_pilot_keeps_read_only_access_to_their_own_records() {
    let db = flylogs();
    db.run(&["user", "deactivate", "pil"]).ok();
    assert!(db.allowed("pil", "flights.view", &["--relation", "own"]));
    assert!(db.allowed("pil", "schedule.view", &["--relation", "own"]));
    assert!(!db.allowed("pil", "flights.edit", &["--relation", "own"]));
    assert!(!db.allowed("pil", "safety.manage", &["--relation", "own"]));
    assert!(!db.allowed("pil", "flights.view", &["--relation", "other"]));
    let v = db
        .run(&[
            "--json",
            "check",
            "pil",
            "flights.view",
            "--relation",
            "own",
        ])
        .ok()
        .json();
    assert!(v["reason"].as_str().unwrap().contains("read-only"), "{v}");
    // Still no operator: a deactivated user changes nothing.
    db.run_as("pil", &["user", "list"]).error(&["pil"]);
    // Off, a deactivated user holds nothing; other presets start with it off.
    db.run(&["org", "set", "--deactivated-read-own", "no"]).ok();
    assert!(!db.allowed("pil", "flights.view", &["--relation", "own"]));
    let fs = Db::init("club");
    assert!(fs
        .run(&["org", "show"])
        .ok()
        .stdout
        .contains("deactivated users read their own records: no"));
}
