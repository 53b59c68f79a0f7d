//! The conditions the seeds state, through the CLI (issue 7, items 5–12):
//! flying privileges, record conditions (owner window, locked states),
//! documents and reporting tools, the lock after export, organisation
//! features, setup mode, exchange rates, one organisation per database.
//! Each test quotes the seed sentence it proves.

mod common;

use common::cli::{Db, ADMIN};

/// Adds a user with a login and one role, as the administrator.
fn person(db: &Db, login: &str, role: &str) {
    db.run(&[
        "user",
        "add",
        "--given",
        login,
        "--family",
        "Holder",
        "--email",
        &format!("{login}@clearance.test"),
        "--login",
        login,
        "--role",
        role,
    ])
    .ok();
}

/// `check` as the administrator, returning (exit code, stdout).
fn check(db: &Db, args: &[&str]) -> (i32, String) {
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    let out = db.run(&all);
    assert!(out.code == 0 || out.code == 1, "{out:?}");
    (out.code, out.stdout)
}

/// Seed 003 (Flylogs): "Pilots can also be created with or without flying
/// privileges. This way, you can control who can or can not fly."
#[test]
fn item5_pilots_are_created_with_or_without_flying_privileges() {
    let db = Db::init("operator");
    person(&db, "pia", "Pilot");
    person(&db, "jon", "Pilot");
    person(&db, "hr", "Human Resources Manager");
    person(&db, "ops", "Operations Manager");
    assert!(
        !db.allowed("pia", "flights.fly", &[]),
        "no pilot role flies"
    );
    db.run(&["user", "grant", "pia", "flights.fly", "yes"]).ok();
    assert!(db.allowed("pia", "flights.fly", &[]));
    assert!(!db.allowed("jon", "flights.fly", &[]));
    let (_, out) = check(&db, &["pia", "flights.fly"]);
    assert!(out.contains("personal grant (yes)"), "{out}");
    let explained = db.run(&["explain", "pia"]).ok().stdout;
    assert!(
        explained
            .lines()
            .any(|l| l.contains("flights.fly") && l.contains("personal grant")),
        "{explained}"
    );
    // Giving a level needs holding it: the Operations Manager ("all
    // options") may, the Human Resources Manager may not.
    db.run_as("ops", &["user", "grant", "jon", "flights.fly", "yes"])
        .ok();
    assert!(db.allowed("jon", "flights.fly", &[]));
    db.run(&[
        "user", "add", "--given", "New", "--family", "Pilot", "--login", "newp", "--role", "Pilot",
    ])
    .ok();
    db.guard().refuse_as(
        "hr",
        &["user", "grant", "newp", "flights.fly", "yes"],
        &["escalation refused", "flights.fly"],
    );
}

/// Seed 003: "The user that created the flight, or the assigned Pilot in
/// Command, can always edit their own flight for 24 hours after it was
/// confirmed, even without any other permission."
#[test]
fn item6_the_creator_or_pic_edits_their_flight_for_24_hours_after_confirmation() {
    let db = Db::init("operator");
    person(&db, "stu", "Student Pilot");
    person(&db, "pil", "Pilot");
    // The student pilot holds flights.edit none ("Own (read)").
    assert!(!db.allowed("stu", "flights.edit", &["--relation", "own"]));
    let (code, out) = check(
        &db,
        &[
            "stu",
            "flights.edit",
            "--relation",
            "own",
            "--record-age",
            "20h",
        ],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("24h owner window"), "{out}");
    assert!(out.contains("decided by: owner window"), "{out}");
    let (code, out) = check(
        &db,
        &[
            "stu",
            "flights.edit",
            "--relation",
            "own",
            "--record-age",
            "30h",
        ],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("owner window has closed"), "{out}");
    assert!(out.contains("confirmed 1d 6h ago"), "{out}");
    // The Pilot in Command, too; anyone else's flight, never.
    assert!(db.allowed(
        "stu",
        "flights.edit",
        &["--relation", "pic", "--record-age", "23h59m"]
    ));
    assert!(!db.allowed(
        "stu",
        "flights.edit",
        &["--relation", "other", "--record-age", "1h"]
    ));
    assert!(!db.allowed(
        "stu",
        "flights.edit",
        &["--relation", "own", "--record-age", "24h"]
    ));
    // Without an age the window cannot apply, and the answer says so.
    let (code, out) = check(&db, &["stu", "flights.edit", "--relation", "own"]);
    assert_eq!(code, 1);
    assert!(out.contains("age was not stated"), "{out}");
    // The window only adds: a Pilot edits their own flight by level, at any age.
    assert!(db.allowed(
        "pil",
        "flights.edit",
        &["--relation", "own", "--record-age", "3d"]
    ));
    // In JSON, which condition decided.
    let out = db
        .run(&[
            "--json",
            "check",
            "stu",
            "flights.edit",
            "--relation",
            "own",
            "--record-age",
            "1d12h",
        ])
        .denied();
    assert_eq!(out.json()["decided_by"], "owner window");
    // Bad ages and states are errors, not denials.
    db.run(&["check", "stu", "flights.edit", "--record-age", "20"])
        .error(&["record age '20' is not a duration"]);
    db.run(&[
        "check",
        "stu",
        "flights.edit",
        "--record-state",
        "not a word",
    ])
    .error(&["record state"]);
}

/// Seed 003: "Deleted flights and historical entries cannot be modified by
/// anyone, regardless of role."
#[test]
fn item6_deleted_flights_and_historical_entries_cannot_be_modified_by_anyone() {
    let db = Db::init("operator");
    person(&db, "stu", "Student Pilot");
    person(&db, "ops", "Operations Manager");
    for state in ["deleted", "historical"] {
        for who in [ADMIN, "ops"] {
            let (code, out) = check(
                &db,
                &[
                    who,
                    "flights.edit",
                    "--relation",
                    "other",
                    "--record-state",
                    state,
                ],
            );
            assert_eq!(code, 1, "{who} {state}: {out}");
            assert!(out.contains(&format!("the record is {state}")), "{out}");
            assert!(
                out.contains("flights.edit locks: deleted, historical"),
                "{out}"
            );
            assert!(
                out.contains("nobody may change it, whatever their role"),
                "{out}"
            );
            assert!(out.contains("decided by: record state"), "{out}");
        }
    }
    // Not even inside the owner window.
    assert!(!db.allowed(
        "stu",
        "flights.edit",
        &[
            "--relation",
            "own",
            "--record-age",
            "1h",
            "--record-state",
            "deleted"
        ]
    ));
    // Other states do not lock, and reading is not modifying.
    assert!(db.allowed(
        ADMIN,
        "flights.edit",
        &["--relation", "other", "--record-state", "confirmed"]
    ));
    assert!(db.allowed(
        ADMIN,
        "flights.view",
        &["--relation", "other", "--record-state", "deleted"]
    ));
}

/// Seed 003: "Chief Pilot: This pilot has access to view all other pilots,
/// flights, documents, SMS and schedules." "Cabin Crew ... have a personal
/// view of their own assigned flights, schedules and documents."
/// "Compliance & Safety manager: Access to reporting tools, docs, flights,
/// trainings and SMS." Auditors: "a temporary view of your documents,
/// flights and reports".
#[test]
fn item7_documents_and_reporting_tools_follow_the_account_types_text() {
    let db = Db::init("operator");
    for (login, role) in [
        ("chief", "Chief Pilot"),
        ("cabin", "Cabin Crew"),
        ("comp", "Compliance & Safety Manager"),
        ("aud", "Auditor"),
        ("pil", "Pilot"),
        ("ops", "Operations Manager"),
    ] {
        person(&db, login, role);
    }
    let rel = |r: &'static str| vec!["--relation", r];
    let lvl = |l: &'static str| vec!["--level", l];
    let expect: [(&str, &str, Vec<&str>, bool); 16] = [
        ("chief", "documents.view", rel("other"), true),
        ("chief", "documents.manage", rel("other"), false),
        ("cabin", "documents.view", rel("own"), true),
        ("cabin", "documents.view", rel("other"), false),
        ("comp", "documents.view", rel("other"), true),
        ("comp", "documents.manage", rel("other"), false),
        ("comp", "reports.access", lvl("view"), true),
        ("comp", "reports.access", lvl("manage"), false),
        ("aud", "documents.view", rel("other"), true),
        ("aud", "documents.manage", rel("own"), false),
        ("aud", "reports.access", lvl("view"), true),
        ("aud", "reports.access", lvl("manage"), false),
        ("pil", "documents.view", rel("own"), false),
        ("pil", "reports.access", lvl("view"), false),
        ("ops", "documents.manage", rel("other"), true),
        ("ops", "reports.access", lvl("manage"), true),
    ];
    for (who, perm, extra, want) in expect {
        assert_eq!(
            db.allowed(who, perm, &extra),
            want,
            "check {who} {perm} {extra:?}"
        );
    }
}

/// Seed 004 (eFlightLog): "An Editor has read and write rights to all
/// FlightLogs, and can edit all fields (including flight data), until the
/// flight is exported to MRX Maintenance Systems and marked with the BlueEye
/// eTechLog-ID."
#[test]
fn item8_an_exported_flightlog_is_locked_for_editors() {
    let db = Db::init("club");
    person(&db, "edi", "Editor");
    person(&db, "aut", "Author");
    for perm in ["flightlog.edit", "flightlog.edit_details"] {
        assert!(db.allowed("edi", perm, &["--relation", "other"]));
        let (code, out) = check(
            &db,
            &[
                "edi",
                perm,
                "--relation",
                "other",
                "--record-state",
                "exported",
            ],
        );
        assert_eq!(code, 1, "{out}");
        assert!(out.contains("the record is exported"), "{out}");
        assert!(out.contains("decided by: record state"), "{out}");
        assert!(!db.allowed(
            "aut",
            perm,
            &["--relation", "own", "--record-state", "exported"]
        ));
    }
    assert!(db.allowed(
        "edi",
        "flightlog.view",
        &["--relation", "other", "--record-state", "exported"]
    ));
}

/// Seed 001 (FlightLogger Maintenance), "If a user cannot see a page ...
/// Check: ... Whether the feature is enabled for the account".
#[test]
fn item9_an_area_switched_off_denies_every_check_in_it_saying_so() {
    let db = Db::init("maintenance");
    person(&db, "sto", "Stores");
    person(&db, "plan", "Maintenance planner");
    assert!(db.allowed("sto", "inventory.access", &["--level", "manage"]));
    let out = db.run(&["feature", "off", "inventory"]).ok();
    assert!(out.stdout.contains("switched inventory"), "{}", out.stdout);
    for (who, perm) in [
        ("sto", "inventory.access"),
        ("sto", "inventory.adjust"),
        (ADMIN, "inventory.access"),
    ] {
        let (code, out) = check(&db, &[who, perm]);
        assert_eq!(code, 1, "{out}");
        assert!(
            out.contains("inventory is switched off for this organisation"),
            "{out}"
        );
        assert!(out.contains("decided by: organisation"), "{out}");
    }
    // Other areas are untouched; the levels are kept, and say they give nothing.
    assert!(db.allowed("sto", "receiving_inspections.access", &[]));
    let explained = db.run(&["explain", "sto"]).ok().stdout;
    assert!(
        explained.lines().any(|l| l.contains("inventory.access")
            && l.contains("gives nothing: inventory is switched off")),
        "{explained}"
    );
    let listed = db.run(&["feature", "list"]).ok().stdout;
    assert!(
        listed
            .lines()
            .any(|l| l.starts_with("off") && l.contains("inventory")),
        "{listed}"
    );
    let shown = db.run(&["org", "show"]).ok().stdout;
    assert!(shown.contains("switched off: inventory"), "{shown}");
    // Audited, with who did it.
    let audit = db.run(&["audit", "list"]).ok().stdout;
    assert!(audit.contains("feature off"), "{audit}");
    // Refusals change nothing.
    let mut g = db.guard();
    g.refuse_as(
        "plan",
        &["feature", "off", "tools"],
        &["needs an account administrator"],
    );
    g.refuse(&["feature", "off", "users"], &["administration area"]);
    g.refuse(&["feature", "off", "inventory"], &["already off"]);
    g.refuse(&["feature", "on", "tools"], &["already on"]);
    g.refuse(&["feature", "off", "hangar"], &["hangar"]);
    // Back on, the levels apply again.
    db.run(&["feature", "on", "inventory"]).ok();
    assert!(db.allowed("sto", "inventory.access", &["--level", "manage"]));
}

/// The signoff check uses the engine too: with the signoffs area switched
/// off, nobody signs off, and the answer says why first.
#[test]
fn item9_the_signoff_check_respects_a_switched_off_signoffs_area() {
    let db = Db::demo();
    let args = [
        "signoff",
        "lfarouk",
        "--kind",
        "B1",
        "--aircraft-type",
        "ATR72",
        "--station",
        "EKBI",
    ];
    db.run(&args).ok();
    db.run(&["feature", "off", "signoffs"]).ok();
    let out = db.run(&args).denied();
    assert!(
        out.stdout
            .contains("1. signoffs is switched off for this organisation"),
        "{}",
        out.stdout
    );
}

/// Seed 001: "If a user cannot see a page ... Check: ... Whether the page is
/// only available during setup mode"; seed 000: account administrators
/// "Manage account setup, users, roles, permissions, integrations, setup
/// mode, and account configuration."
#[test]
fn item10_setup_pages_are_available_only_during_setup_mode() {
    let db = Db::init("maintenance");
    person(&db, "plan", "Maintenance planner");
    let (code, out) = check(&db, &[ADMIN, "account_settings.setup"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(
            "account_settings.setup is available only in setup mode, and setup mode is off"
        ),
        "{out}"
    );
    db.run(&["setup", "on"]).ok();
    assert!(db.allowed(ADMIN, "account_settings.setup", &[]));
    assert!(db
        .run(&["setup", "show"])
        .ok()
        .stdout
        .contains("setup mode is on"));
    // Setup mode opens nothing to those who do not hold the level.
    assert!(!db.allowed("plan", "account_settings.setup", &[]));
    let audit = db.run(&["audit", "list"]).ok().stdout;
    assert!(audit.contains("setup on"), "{audit}");
    // Only an account administrator, and only a real change.
    let mut g = db.guard();
    g.refuse_as(
        "plan",
        &["setup", "off"],
        &["needs an account administrator"],
    );
    g.refuse(&["setup", "on"], &["already on"]);
    // An administrator whose role is in force may, even for a time: the
    // switch gives nobody a level they do not hold.
    person(&db, "tim", "Read-only");
    db.run(&[
        "user",
        "assign",
        "tim",
        "Account administrator",
        "--until",
        "2026-03-05",
    ])
    .ok();
    db.run_as("tim", &["setup", "off"]).ok();
    assert!(!db.allowed(ADMIN, "account_settings.setup", &[]));
    // After the assignment ends, tim is no administrator.
    db.run_at("tim", "2026-03-06T09:00:00Z", &["setup", "on"])
        .error(&["needs an account administrator"]);
}

/// Seed 000: Purchasing users "Manage suppliers, order requests, purchase
/// orders, receiving coordination, exchange rates, and invoices."
#[test]
fn item11_purchasing_manages_exchange_rates() {
    let db = Db::init("maintenance");
    person(&db, "pur", "Purchasing");
    person(&db, "ro", "Read-only");
    person(&db, "plan", "Maintenance planner");
    assert!(db.allowed("pur", "exchange_rates.access", &["--level", "manage"]));
    assert!(db.allowed("ro", "exchange_rates.access", &["--level", "view"]));
    assert!(!db.allowed("ro", "exchange_rates.access", &["--level", "manage"]));
    assert!(!db.allowed("plan", "exchange_rates.access", &[]));
}

/// Seed 001: "Whether the user belongs to the correct account": Clearance
/// holds one organisation per database, and the README says how to run
/// several.
#[test]
fn item12_the_readme_says_one_organisation_per_database() {
    let readme = include_str!("../README.md");
    assert!(readme.contains("One organisation per database"), "README");
    assert!(readme.contains("--db"), "README");
    assert!(
        readme.contains("What the presets do not model, and why"),
        "README"
    );
}

/// Features and setup mode travel with an export and come back on import.
#[test]
fn features_and_setup_mode_survive_export_and_import() {
    let db = Db::init("maintenance");
    db.run(&["feature", "off", "tools"]).ok();
    db.run(&["setup", "on"]).ok();
    let (file, json) = db.export_json("org.json");
    assert_eq!(
        json["organisation"]["settings"]["features_off"][0], "tools",
        "{json}"
    );
    let other = Db::init("maintenance");
    other.run(&["import", file.to_str().unwrap()]).ok();
    let shown = other.run(&["org", "show"]).ok().stdout;
    assert!(shown.contains("switched off: tools"), "{shown}");
    assert!(shown.contains("setup mode: on"), "{shown}");
}
