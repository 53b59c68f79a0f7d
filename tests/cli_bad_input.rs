//! Every bad input and fault of issue 2 that the CLI can produce: exit code 2,
//! a one-line `error: ...` naming what is wrong, and no change to the store
//! (the audit log and the JSON export are compared before and after each).

mod common;

use std::time::{Duration, Instant};

use std::path::Path;

use common::cli::{write_json, Db, Guard, ADMIN};

const LONG: usize = 201;

fn long(c: char, n: usize) -> String {
    std::iter::repeat_n(c, n).collect()
}

#[test]
fn empty_overlong_and_control_character_text() {
    let db = Db::demo();
    let mut g = db.guard();
    let x201 = long('x', LONG);
    let e201 = long('é', LONG);

    // Empty (or blank) required text.
    g.refuse(
        &["user", "add", "--given", "", "--family", "Holm"],
        &["given name", "empty"],
    );
    g.refuse(
        &["user", "add", "--given", "   ", "--family", "Holm"],
        &["given name", "empty"],
    );
    g.refuse(
        &["user", "add", "--given", "Ada", "--family", ""],
        &["family name", "empty"],
    );
    g.refuse(
        &["user", "edit", "hdahl", "--given", " "],
        &["given name", "empty"],
    );
    g.refuse(&["role", "add", ""], &["role name", "empty"]);
    g.refuse(
        &["auth", "suspend", "CS-010", "--reason", ""],
        &["reason", "empty"],
    );
    g.refuse(
        &[
            "qual",
            "add",
            "hdahl",
            "--kind",
            "licence",
            "--number",
            "",
            "--issued",
            "2020-01-01",
        ],
        &["qualification number", "empty"],
    );
    g.refuse(
        &[
            "auth",
            "add",
            "hdahl",
            "--reference",
            "",
            "--kind",
            "INSP",
            "--from",
            "2026-03-02",
            "--expires",
            "2026-09-01",
        ],
        &["reference", "empty"],
    );

    // Over-long: more than 200 characters (characters, not bytes).
    g.refuse(
        &["user", "add", "--given", &x201, "--family", "Holm"],
        &["given name", "too long", "201"],
    );
    g.refuse(
        &["user", "add", "--given", &e201, "--family", "Holm"],
        &["given name", "too long", "201"],
    );
    g.refuse(
        &["user", "edit", "hdahl", "--family", &x201],
        &["family name", "too long"],
    );
    g.refuse(&["role", "add", &x201], &["role name", "too long"]);
    g.refuse(
        &["role", "edit", "Stores", "--name", &x201],
        &["role name", "too long"],
    );
    g.refuse(
        &[
            "auth",
            "add",
            "hdahl",
            "--reference",
            &x201,
            "--kind",
            "INSP",
            "--from",
            "2026-03-02",
            "--expires",
            "2026-09-01",
        ],
        &["reference", "too long"],
    );
    g.refuse(
        &[
            "user",
            "add",
            "--given",
            "Ada",
            "--family",
            "Holm",
            "--email",
            &format!("{}@x.org", long('a', 200)),
        ],
        &["email", "too long"],
    );

    // Control and format characters: refused, and the message shows them
    // harmlessly (no raw escape reaches the terminal).
    let esc = "Ada\u{1b}[2J";
    let msg = g.refuse(
        &["user", "add", "--given", esc, "--family", "Holm"],
        &["given name", "control", "U+001B"],
    );
    assert!(!msg.contains('\u{1b}'), "raw ESC in the message: {msg:?}");
    g.refuse(
        &["user", "add", "--given", "Ada\tLou", "--family", "Holm"],
        &["given name", "control", "U+0009"],
    );
    g.refuse(
        &["user", "edit", "hdahl", "--family", "Da\nhl"],
        &["family name", "control", "U+000A"],
    );
    g.refuse(
        &["role", "add", "Evil\u{202E}elor"],
        &["role name", "U+202E"],
    );
    g.refuse(
        &["role", "edit", "Stores", "--description", "bell\u{7}"],
        &["description", "control"],
    );
    g.refuse(
        &[
            "auth",
            "add",
            "hdahl",
            "--reference",
            "T-1",
            "--kind",
            "INSP",
            "--from",
            "2026-03-02",
            "--expires",
            "2026-09-01",
            "--limitations",
            "no \u{1b}]0;title\u{7}",
        ],
        &["limitations", "control"],
    );
    g.refuse(
        &["auth", "suspend", "CS-010", "--reason", "zero\u{200B}width"],
        &["reason", "U+200B"],
    );
    assert_eq!(g.count(), 22);

    // The boundary is accepted: exactly 200 characters.
    let e200 = long('é', 200);
    db.run(&["user", "add", "--given", &e200, "--family", "Holm"])
        .ok();
}

#[test]
fn malformed_and_duplicate_email_and_login() {
    let db = Db::demo();
    let mut g = db.guard();
    for bad in [
        "not-an-email",
        "a@b",
        "a b@x.org",
        "@x.org",
        "a@@x.org",
        "a@x..org",
        "a@.x.org",
        "ada@",
    ] {
        g.refuse(
            &[
                "user", "add", "--given", "Ada", "--family", "Holm", "--email", bad,
            ],
            &["malformed email"],
        );
    }
    g.refuse(
        &["user", "edit", "hdahl", "--email", "henrik(at)dahl"],
        &["malformed email"],
    );
    // Duplicates, case-insensitively; invited and deactivated users count too.
    for dup in [
        "mlindqvist@demo-mro.example",
        "MLindqvist@Demo-MRO.Example",
        "saalto@demo-mro.example",
        "JBrandt@demo-mro.example",
    ] {
        g.refuse(
            &[
                "user", "add", "--given", "Ada", "--family", "Holm", "--email", dup,
            ],
            &["already in use", &dup.to_lowercase()],
        );
    }
    g.refuse(
        &[
            "user",
            "edit",
            "hdahl",
            "--email",
            "MLINDQVIST@demo-mro.example",
        ],
        &["mlindqvist@demo-mro.example", "already in use"],
    );
    // Logins: malformed and duplicate.
    g.refuse(
        &[
            "user", "add", "--given", "Ada", "--family", "Holm", "--login", "ada holm",
        ],
        &["malformed login"],
    );
    g.refuse(
        &[
            "user", "add", "--given", "Ada", "--family", "Holm", "--login", "hdahl",
        ],
        &["login hdahl", "already bound"],
    );
    g.refuse(
        &["user", "edit", "hdahl", "--login", "mlindqvist"],
        &["login mlindqvist", "already bound"],
    );
    assert_eq!(g.count(), 17);
}

#[test]
fn unknown_user_role_permission_level_relation_kind_and_others() {
    let db = Db::demo();
    let mut g = db.guard();
    // Users.
    g.refuse(&["user", "show", "nobody"], &["unknown user", "nobody"]);
    g.refuse(
        &["user", "assign", "nobody", "Stores"],
        &["unknown user", "nobody"],
    );
    g.refuse(
        &["user", "grant", "nobody", "work_orders.release", "yes"],
        &["unknown user", "nobody"],
    );
    g.refuse(&["user", "deactivate", "#999"], &["unknown user", "#999"]);
    g.refuse(
        &["user", "delete", "nobody", "--confirm", "nobody"],
        &["unknown user", "nobody"],
    );
    g.refuse(
        &["check", "nobody", "aircraft.access"],
        &["unknown user", "nobody"],
    );
    g.refuse(
        &[
            "signoff",
            "nobody",
            "--kind",
            "B1",
            "--aircraft-type",
            "ATR72",
        ],
        &["unknown user", "nobody"],
    );
    g.refuse(
        &[
            "signoff",
            "onyberg",
            "--kind",
            "INSP",
            "--aircraft-type",
            "ATR72",
            "--performed-by",
            "nobody",
        ],
        &["unknown user", "nobody"],
    );
    g.refuse(
        &[
            "qual",
            "add",
            "nobody",
            "--kind",
            "licence",
            "--number",
            "N-1",
            "--issued",
            "2020-01-01",
        ],
        &["unknown user", "nobody"],
    );
    // Roles (one that exists only in another preset, too).
    g.refuse(
        &["user", "assign", "hdahl", "Chief Pilot"],
        &["unknown role", "Chief Pilot"],
    );
    g.refuse(
        &[
            "user", "add", "--given", "Ada", "--family", "Holm", "--role", "Nope",
        ],
        &["unknown role", "Nope"],
    );
    g.refuse(
        &["user", "unassign", "hdahl", "Nope"],
        &["unknown role", "Nope"],
    );
    g.refuse(
        &["role", "set", "Nope", "aircraft.access", "view"],
        &["unknown role", "Nope"],
    );
    g.refuse(&["role", "show", "Nope"], &["unknown role", "Nope"]);
    g.refuse(&["role", "rm", "Nope"], &["unknown role", "Nope"]);
    g.refuse(
        &["role", "copy", "Nope", "Copy of nope"],
        &["unknown role", "Nope"],
    );
    g.refuse(
        &["user", "list", "--role", "Nope"],
        &["unknown role", "Nope"],
    );
    // Permissions (one that exists only in another preset, too).
    g.refuse(
        &["user", "grant", "hdahl", "nope.perm", "yes"],
        &["unknown permission", "nope.perm"],
    );
    g.refuse(
        &["user", "ungrant", "hdahl", "nope.perm"],
        &["unknown permission", "nope.perm"],
    );
    g.refuse(
        &["role", "set", "Stores", "nope.perm", "yes"],
        &["unknown permission", "nope.perm"],
    );
    g.refuse(
        &["check", "hdahl", "flights.view"],
        &["unknown permission", "flights.view"],
    );
    // Levels.
    g.refuse(
        &["user", "grant", "hdahl", "work_orders.release", "maybe"],
        &["level 'maybe'", "grant scale"],
    );
    g.refuse(
        &["role", "set", "Stores", "aircraft.access", "edit"],
        &["level 'edit'", "access scale", "none, view, manage"],
    );
    g.refuse(
        &["check", "hdahl", "aircraft.access", "--level", "full"],
        &["level 'full'", "access scale"],
    );
    // Relations.
    g.refuse(
        &[
            "check",
            "hdahl",
            "time_entries.view",
            "--relation",
            "students",
        ],
        &["unknown relation", "students", "own, other"],
    );
    g.refuse(
        &["check", "hdahl", "aircraft.access", "--relation", "own"],
        &["relations apply only to scope permissions"],
    );
    // Authorization kinds.
    g.refuse(
        &[
            "auth",
            "add",
            "onyberg",
            "--reference",
            "T-1",
            "--kind",
            "ZZ",
            "--from",
            "2026-03-02",
            "--expires",
            "2026-09-01",
        ],
        &["unknown authorization kind", "ZZ"],
    );
    g.refuse(
        &[
            "signoff",
            "onyberg",
            "--kind",
            "ZZ",
            "--aircraft-type",
            "ATR72",
        ],
        &["unknown authorization kind", "ZZ"],
    );
    // Qualification kinds, statuses, authorizations and qualifications.
    g.refuse(
        &[
            "qual",
            "add",
            "hdahl",
            "--kind",
            "wizardry",
            "--number",
            "N-1",
            "--issued",
            "2020-01-01",
        ],
        &["unknown qualification kind", "wizardry"],
    );
    g.refuse(
        &["user", "list", "--status", "retired"],
        &["unknown status", "retired"],
    );
    g.refuse(
        &["auth", "suspend", "NOPE-1", "--reason", "x"],
        &["unknown authorization", "NOPE-1"],
    );
    g.refuse(&["auth", "show", "NOPE-1"], &["unknown authorization"]);
    g.refuse(&["qual", "show", "999"], &["unknown qualification", "#999"]);
    g.refuse(
        &[
            "auth",
            "add",
            "onyberg",
            "--reference",
            "T-1",
            "--kind",
            "INSP",
            "--from",
            "2026-03-02",
            "--expires",
            "2026-09-01",
            "--basis",
            "999",
        ],
        &["unknown qualification", "#999"],
    );
    assert_eq!(g.count(), 34);
}

#[test]
fn unknown_preset_creates_nothing() {
    let db = Db::empty();
    db.run(&[
        "init",
        "--preset",
        "airline",
        "--admin-email",
        "admin@clearance.test",
        "--admin-given",
        "Avery",
        "--admin-family",
        "Admin",
    ])
    .error(&["unknown preset", "airline", "maintenance"]);
    assert!(
        !clearance::store::Store::exists(&db.path),
        "a failed init left a database behind"
    );
    // Bad administrator details at init create nothing either.
    db.run(&[
        "init",
        "--preset",
        "operator",
        "--admin-email",
        "not-an-email",
        "--admin-given",
        "Avery",
        "--admin-family",
        "Admin",
    ])
    .error(&["malformed email"]);
    assert!(
        !db.path.exists(),
        "a failed init left {} behind",
        db.path.display()
    );

    // On an existing database: an unknown preset, or init again, changes nothing.
    let db = Db::init("operator");
    let mut g = db.guard();
    g.refuse(
        &[
            "init",
            "--preset",
            "airline",
            "--admin-email",
            "b@clearance.test",
            "--admin-given",
            "B",
            "--admin-family",
            "C",
        ],
        &["unknown preset", "airline"],
    );
    g.refuse(
        &[
            "init",
            "--preset",
            "club",
            "--admin-email",
            "b@clearance.test",
            "--admin-given",
            "B",
            "--admin-family",
            "C",
        ],
        &["already holds an organisation"],
    );
}

#[test]
fn levels_that_are_not_on_the_permission_scale() {
    let db = Db::demo();
    let mut g = db.guard();
    // A scope word on an access scale, an access word on a grant scale, ...
    g.refuse(
        &["user", "grant", "hdahl", "aircraft.access", "own"],
        &["level 'own'", "access scale"],
    );
    g.refuse(
        &["user", "grant", "hdahl", "work_orders.release", "manage"],
        &["level 'manage'", "grant scale", "no, yes"],
    );
    g.refuse(
        &["role", "set", "Stores", "work_orders.release", "view"],
        &["level 'view'", "grant scale"],
    );
    g.refuse(
        &["role", "set", "Stores", "aircraft.access", "yes"],
        &["level 'yes'", "access scale"],
    );
    // ... and a relation the scope permission does not declare.
    g.refuse(
        &["user", "grant", "hdahl", "time_entries.view", "students"],
        &["level 'students'", "scope scale", "own, other"],
    );
    g.refuse(
        &["role", "set", "Stores", "time_entries.edit", "own+pilots"],
        &["own+pilots", "scope scale"],
    );
    g.refuse(
        &["check", "hdahl", "aircraft.access", "--level", "own"],
        &["level 'own'", "access scale"],
    );
    // Level none: a personal grant can only add, and a check must ask for something.
    g.refuse(
        &["user", "grant", "hdahl", "aircraft.access", "none"],
        &["can only add"],
    );
    g.refuse(
        &["user", "grant", "hdahl", "work_orders.release", "no"],
        &["can only add"],
    );
    g.refuse(
        &["check", "hdahl", "aircraft.access", "--level", "none"],
        &["nothing to check"],
    );
    assert_eq!(g.count(), 10);
}

#[test]
fn expiry_before_effective_date_beyond_maximum_validity_and_past_dates() {
    let db = Db::demo();
    let mut g = db.guard();
    let add = |reference: &'static str, from: &'static str, expires: Option<&'static str>| {
        let mut v = vec![
            "auth",
            "add",
            "onyberg",
            "--reference",
            reference,
            // A kind with a 24-month maximum and no basis requirements.
            "--kind",
            "INSP",
            "--aircraft-type",
            "ATR72",
            "--from",
            from,
        ];
        if let Some(e) = expires {
            v.push("--expires");
            v.push(e);
        }
        v
    };
    g.refuse(
        &add("T-1", "2026-03-02", Some("2026-03-01")),
        &["expiry 2026-03-01", "before the effective date 2026-03-02"],
    );
    g.refuse(
        &add("T-1", "2026-03-02", Some("2028-03-03")),
        &["beyond", "maximum validity of 24 months", "2028-03-02"],
    );
    g.refuse(
        &add("T-1", "2026-03-02", None),
        &["INSP", "requires an expiry date"],
    );
    g.refuse(
        &add("T-1", "2026-02-30", Some("2026-09-01")),
        &["malformed effective date"],
    );
    g.refuse(
        &add("T-1", "2026-03-02", Some("soon")),
        &["malformed expiry", "soon"],
    );
    let mut first_after = add("T-1", "2026-03-02", Some("2026-09-01"));
    first_after.extend(["--first-issue", "2026-04-01"]);
    g.refuse(
        &first_after,
        &["first issue 2026-04-01", "after the effective date"],
    );
    // Renewals obey the same policy.
    g.refuse(
        &["auth", "renew", "CS-010", "--expires", "2020-01-01"],
        &["before the effective date"],
    );
    g.refuse(
        &["auth", "renew", "CS-010", "--expires", "2029-01-01"],
        &["beyond", "maximum validity"],
    );
    // Qualifications: expiry before issue.
    g.refuse(
        &[
            "qual",
            "add",
            "onyberg",
            "--kind",
            "licence",
            "--number",
            "N-1",
            "--issued",
            "2026-01-01",
            "--expires",
            "2025-12-31",
        ],
        &["expiry 2025-12-31", "before the issue date 2026-01-01"],
    );
    // Access, assignment and grant expiries in the past.
    g.refuse(
        &[
            "user",
            "add",
            "--given",
            "Ada",
            "--family",
            "Holm",
            "--until",
            "2026-03-01",
        ],
        &["access expiry 2026-03-01", "in the past"],
    );
    g.refuse(
        &["user", "edit", "hdahl", "--until", "2026-03-01"],
        &["access expiry", "in the past"],
    );
    g.refuse(
        &["user", "assign", "hdahl", "Stores", "--until", "2026-03-01"],
        &["assignment expiry", "in the past"],
    );
    g.refuse(
        &[
            "user",
            "grant",
            "hdahl",
            "work_orders.release",
            "yes",
            "--until",
            "2026-03-01",
        ],
        &["grant expiry", "in the past"],
    );
    g.refuse(
        &["user", "edit", "hdahl", "--until", "2026-13-01"],
        &["malformed access expiry", "2026-13-01"],
    );
    g.refuse(
        &["check", "hdahl", "aircraft.access", "--at", "yesterday"],
        &["malformed date-time", "yesterday"],
    );
    assert_eq!(g.count(), 15);

    // The boundaries are accepted: exactly the maximum validity, and today.
    db.run(&add("T-2", "2026-03-02", Some("2028-03-02"))).ok();
    db.run(&["user", "assign", "hdahl", "Stores", "--until", "2026-03-02"])
        .ok();
}

/// An operator organisation with managers of limited reach, a role editor,
/// a user without roles (the organisation is set to allow them), a
/// deactivated and an invited administrator.
fn operator_org() -> Db {
    let db = Db::init("operator");
    db.run(&["org", "set", "--role-required", "no"]).ok();
    let add = |login: &str, role: Option<&str>| {
        let email = format!("{login}@test.example");
        let mut args = vec![
            "user", "add", "--given", login, "--family", "Test", "--login", login, "--email",
            &email,
        ];
        if let Some(r) = role {
            args.extend(["--role", r]);
        }
        db.run(&args).ok();
    };
    add("hr", Some("Human Resources Manager"));
    add("om", Some("Operations Manager"));
    add("pilot1", Some("Pilot"));
    add("plain", None);
    db.run(&["role", "add", "Role editor"]).ok();
    db.run(&["role", "set", "Role editor", "roles.manage", "yes"])
        .ok();
    db.run(&["role", "set", "Role editor", "users.view", "all"])
        .ok();
    add("re", Some("Role editor"));
    add("admin2", Some("Company Administrator"));
    db.run(&["user", "deactivate", "admin2"]).ok();
    db.run(&[
        "user",
        "add",
        "--given",
        "Ivy",
        "--family",
        "Invited",
        "--email",
        "admin3@clearance.test",
        "--role",
        "Company Administrator",
    ])
    .ok();
    db
}

#[test]
fn escalation_is_refused() {
    let db = operator_org();
    let mut g = db.guard();
    // Rule 1 first: the administrative permission for what is changed.
    g.refuse_as(
        "pilot1",
        &["user", "add", "--given", "Ada", "--family", "Holm"],
        &["not permitted", "users.manage"],
    );
    g.refuse_as(
        "hr",
        &["role", "add", "Hackers"],
        &["not permitted", "roles.manage"],
    );

    // Assign a role the operator does not hold (and may not assign by
    // delegation: HR's assignable roles are the preset's, not Role editor).
    g.refuse_as(
        "hr",
        &["user", "assign", "plain", "Role editor"],
        &["escalation refused", "Role editor"],
    );
    g.refuse_as(
        "hr",
        &[
            "user",
            "add",
            "--given",
            "Mal",
            "--family",
            "Lory",
            "--login",
            "mallory",
            "--role",
            "Company Administrator",
        ],
        &["escalation refused", "Company Administrator"],
    );
    g.refuse_as(
        "om",
        &["user", "assign", "pilot1", "Company Administrator"],
        &["escalation refused", "Company Administrator"],
    );
    // Grant a personal level the operator does not hold (to others or oneself).
    g.refuse_as(
        "hr",
        &["user", "grant", "plain", "billing.manage", "view"],
        &["escalation refused", "billing.manage"],
    );
    g.refuse_as(
        "hr",
        &["user", "grant", "hr", "users.impersonate", "yes"],
        &["escalation refused", "users.impersonate"],
    );
    g.refuse_as(
        "om",
        &["user", "grant", "om", "account.settings", "manage"],
        &["escalation refused", "account.settings"],
    );
    // Set a role level the operator does not hold, or change one they do not hold.
    g.refuse_as(
        "re",
        &["role", "set", "Pilot", "billing.manage", "manage"],
        &["escalation refused", "billing.manage"],
    );
    g.refuse_as(
        "re",
        &[
            "role",
            "set",
            "Operations Manager",
            "billing.manage",
            "none",
        ],
        &["escalation refused", "billing.manage"],
    );
    g.refuse_as(
        "re",
        &["role", "set", "Role editor", "users.manage", "yes"],
        &["escalation refused", "users.manage"],
    );
    g.refuse_as(
        "re",
        &["role", "copy", "Company Administrator", "Super"],
        &["escalation refused", "Company Administrator"],
    );
    g.refuse_as(
        "re",
        &["role", "rm", "Operations Manager"],
        &["escalation refused", "Operations Manager"],
    );
    // Edit, deactivate or delete a user whose access exceeds the operator's.
    g.refuse_as(
        "hr",
        &["user", "edit", ADMIN, "--given", "Mallory"],
        &["escalation refused", ADMIN, "exceeds yours"],
    );
    g.refuse_as(
        "hr",
        &["user", "edit", "re", "--family", "Gone"],
        &["escalation refused", "re"],
    );
    g.refuse_as(
        "hr",
        &["user", "deactivate", ADMIN],
        &["escalation refused", ADMIN],
    );
    g.refuse_as(
        "hr",
        &["user", "delete", ADMIN, "--confirm", ADMIN],
        &["escalation refused", ADMIN],
    );
    g.refuse_as(
        "hr",
        &["user", "unassign", "re", "Role editor"],
        &["escalation refused", "re"],
    );
    g.refuse_as(
        "om",
        &["user", "edit", ADMIN, "--login", "om2"],
        &["escalation refused", ADMIN],
    );
    g.refuse_as(
        "om",
        &["user", "deactivate", ADMIN],
        &["escalation refused", ADMIN],
    );
    // A dormant administrator is still an administrator: no reactivating,
    // rebinding or re-inviting them into one's own hands.
    g.refuse_as(
        "hr",
        &["user", "reactivate", "admin2"],
        &["escalation refused", "admin2"],
    );
    g.refuse_as(
        "hr",
        &["user", "edit", "admin2", "--login", "hr2"],
        &["escalation refused", "admin2"],
    );
    g.refuse_as(
        "hr",
        &["user", "invite", "admin3@clearance.test"],
        &["escalation refused", "admin3@clearance.test"],
    );
    assert_eq!(g.count(), 23);

    // Within their reach the same operators succeed.
    db.run_as("hr", &["user", "edit", "plain", "--given", "Plain"])
        .ok();
    db.run_as("om", &["user", "edit", "pilot1", "--given", "Pia"])
        .ok();
    db.run_as("re", &["role", "set", "Pilot", "users.view", "own"])
        .ok();
}

#[test]
fn the_last_active_administrator_stays() {
    let db = Db::init("operator");
    // A second, time-limited administrator: not one who stays.
    db.run(&[
        "user",
        "add",
        "--given",
        "Tess",
        "--family",
        "Temp",
        "--login",
        "tadmin",
        "--email",
        "tadmin@test.example",
        "--role",
        "Company Administrator",
    ])
    .ok();
    db.run(&[
        "user",
        "assign",
        "tadmin",
        "Company Administrator",
        "--until",
        "2026-06-30",
    ])
    .ok();
    let mut g = db.guard();
    let last = ["last active account administrator", ADMIN];
    let own = |what: &'static str| ["not permitted", what, "another administrator must"];
    // Removing the role, demoting to a time-limited one, limiting the account:
    // nobody changes their own roles or expiry, and the last one who holds
    // the role for good keeps it and a login (or nobody could act again).
    g.refuse(
        &["user", "unassign", ADMIN, "Company Administrator"],
        &own("your own roles"),
    );
    g.refuse(&["user", "edit", ADMIN, "--no-login"], &last);
    g.refuse_as("tadmin", &["user", "edit", ADMIN, "--no-login"], &last);
    g.refuse(
        &[
            "user",
            "assign",
            ADMIN,
            "Company Administrator",
            "--until",
            "2026-12-31",
        ],
        &own("your own roles"),
    );
    g.refuse(
        &["user", "edit", ADMIN, "--until", "2026-12-31"],
        &own("your own access expiry"),
    );
    // Deactivating or deleting them (by the temporary administrator).
    g.refuse_as("tadmin", &["user", "deactivate", ADMIN], &last);
    g.refuse_as(
        "tadmin",
        &["user", "delete", ADMIN, "--confirm", ADMIN],
        &last,
    );
    g.refuse_as(
        "tadmin",
        &["user", "unassign", ADMIN, "Company Administrator"],
        &last,
    );
    g.refuse_as(
        "tadmin",
        &["user", "edit", ADMIN, "--until", "2026-04-01"],
        &last,
    );
    // Oneself.
    g.refuse(
        &["user", "deactivate", ADMIN],
        &["cannot deactivate yourself"],
    );
    g.refuse(
        &["user", "delete", ADMIN, "--confirm", ADMIN],
        &["cannot delete yourself"],
    );
    // Through a role edit: the built-in role cannot be lowered or removed.
    g.refuse(
        &["role", "set", "Company Administrator", "users.manage", "no"],
        &["immutable", "built in"],
    );
    g.refuse(
        &["role", "rm", "Company Administrator"],
        &["immutable", "built in"],
    );
    g.refuse(
        &["role", "edit", "Company Administrator", "--name", "Nobody"],
        &["immutable", "built in"],
    );
    assert_eq!(g.count(), 14);

    // With a second permanent administrator the first may go.
    db.run(&["user", "assign", "tadmin", "Company Administrator"])
        .ok();
    db.run_as("tadmin", &["user", "deactivate", ADMIN]).ok();
}

#[test]
fn a_deleted_user_cannot_be_changed() {
    let db = Db::demo();
    db.run(&["user", "grant", "hdahl", "work_orders.release", "yes"])
        .ok();
    db.run(&["user", "delete", "hdahl", "--confirm", "hdahl"])
        .ok();
    let mut g = db.guard();
    let imm = ["immutable", "hdahl", "deleted"];
    g.refuse(&["user", "edit", "hdahl", "--given", "Henry"], &imm);
    g.refuse(&["user", "edit", "hdahl", "--until", "2026-12-31"], &imm);
    g.refuse(&["user", "assign", "hdahl", "Stores"], &imm);
    g.refuse(&["user", "unassign", "hdahl", "Workshop technician"], &imm);
    g.refuse(
        &["user", "grant", "hdahl", "aircraft.access", "manage"],
        &imm,
    );
    g.refuse(&["user", "ungrant", "hdahl", "work_orders.release"], &imm);
    g.refuse(&["user", "deactivate", "hdahl"], &imm);
    g.refuse(&["user", "reactivate", "hdahl"], &imm);
    g.refuse(&["user", "delete", "hdahl", "--confirm", "hdahl"], &imm);
    g.refuse(&["user", "invite", "hdahl"], &imm);
    g.refuse(
        &[
            "qual",
            "add",
            "hdahl",
            "--kind",
            "licence",
            "--number",
            "N-1",
            "--issued",
            "2020-01-01",
        ],
        &imm,
    );
    g.refuse(
        &[
            "auth",
            "add",
            "hdahl",
            "--reference",
            "T-1",
            "--kind",
            "INSP",
            "--from",
            "2026-03-02",
            "--expires",
            "2026-09-01",
        ],
        &imm,
    );
    // Delete needs the confirmation to match the short name.
    g.refuse(
        &["user", "delete", "mlindqvist", "--confirm", "mara"],
        &["confirmation 'mara' does not match", "nothing deleted"],
    );
    assert_eq!(g.count(), 13);
}

#[test]
fn impersonation_without_the_right_is_refused() {
    let db = operator_org();
    let mut g = db.guard();
    let need = ["users.impersonate"];
    g.refuse_as("hr", &["--as", "plain", "user", "list"], &need);
    g.refuse_as(
        "hr",
        &["--as", "plain", "user", "edit", "plain", "--given", "P"],
        &need,
    );
    g.refuse_as(
        "om",
        &["--as", "pilot1", "user", "edit", "pilot1", "--given", "P"],
        &need,
    );
    g.refuse_as(
        "pilot1",
        &["--as", "pilot1", "check", "pilot1", "flights.view"],
        &need,
    );
    // With the right: not as an unknown user, nor as one who holds nothing.
    g.refuse(
        &["--as", "nobody", "user", "list"],
        &["unknown user", "nobody"],
    );
    g.refuse(
        &[
            "--as", "admin2", "user", "add", "--given", "A", "--family", "B",
        ],
        &["cannot act as admin2", "no access"],
    );
    // Acting as someone lends only their rights.
    g.refuse(
        &[
            "--as", "pilot1", "user", "add", "--given", "A", "--family", "B",
        ],
        &["not permitted", "users.manage"],
    );
    assert_eq!(g.count(), 7);
}

#[test]
fn malformed_and_partly_invalid_import_files() {
    let db = Db::demo();
    db.run(&["user", "delete", "jbrandt", "--confirm", "jbrandt"])
        .ok();
    let (_, export) = db.export_json("export.json");
    let users = export["organisation"]["users"].as_object().unwrap().clone();
    let id_of = |login: &str| -> String {
        users
            .iter()
            .find(|(_, u)| u["login"] == login)
            .map(|(k, _)| k.clone())
            .unwrap_or_else(|| panic!("{login} is in the export"))
    };
    let (hdahl, mlind, jbrandt) = (id_of("hdahl"), id_of("mlindqvist"), id_of("jbrandt"));
    let granted = users
        .iter()
        .find(|(_, u)| !u["grants"].as_array().unwrap().is_empty())
        .map(|(k, _)| k.clone())
        .expect("the demo has a personal grant");

    let mut g = db.guard();
    let file = db.file("import.json");
    let path = file.to_str().unwrap();
    // Not JSON, not an export, a wrong format or version.
    refuse_file(&mut g, &file, "{nope", &["not a clearance export"]);
    refuse_file(&mut g, &file, "", &["not a clearance export"]);
    refuse_file(&mut g, &file, "[1, 2, 3]", &["not a clearance export"]);
    refuse_file(
        &mut g,
        &file,
        r#"{"format": "clearance-organisation", "version": 1}"#,
        &["not a clearance export", "organisation"],
    );
    let refuse = |g: &mut Guard, edit: &dyn Fn(&mut serde_json::Value), needles: &[&str]| {
        let mut v = export.clone();
        edit(&mut v);
        write_json(&file, &v);
        g.refuse(&["import", path], needles);
    };
    refuse(
        &mut g,
        &|v| v["format"] = "flylogs-users".into(),
        &["unsupported export format", "flylogs-users"],
    );
    refuse(&mut g, &|v| v["version"] = 2.into(), &["version 2"]);
    refuse(
        &mut g,
        &|v| v["extra"] = true.into(),
        &["not a clearance export", "extra"],
    );
    // A valid export edited to be partly invalid: all or nothing.
    refuse(
        &mut g,
        &|v| {
            // Many harmless edits, then one duplicate email.
            for u in v["organisation"]["users"]
                .as_object_mut()
                .unwrap()
                .values_mut()
            {
                if u["status"] != "Deleted" {
                    u["family"] = "Renamed".into();
                }
            }
            let e = v["organisation"]["users"][&mlind]["email"].clone();
            v["organisation"]["users"][&hdahl]["email"] = e;
        },
        &["mlindqvist@demo-mro.example", "used twice"],
    );
    refuse(
        &mut g,
        &|v| {
            v["organisation"]["users"][&hdahl]["email"] = "MLindqvist@Demo-MRO.example".into();
        },
        &["mlindqvist@demo-mro.example"],
    );
    refuse(
        &mut g,
        &|v| v["organisation"]["users"][&hdahl]["roles"][0]["role"] = 99.into(),
        &["import file", "unknown role #99"],
    );
    refuse(
        &mut g,
        &|v| v["organisation"]["roles"]["2"]["levels"]["nope.perm"] = 1.into(),
        &["import file", "unknown permission", "nope.perm"],
    );
    refuse(
        &mut g,
        &|v| v["organisation"]["users"][&granted]["grants"][0]["level"] = 3.into(),
        &["import file", "not on", "scale"],
    );
    refuse(
        &mut g,
        &|v| {
            let auths = v["organisation"]["authorizations"].as_object_mut().unwrap();
            let first = auths.keys().next().unwrap().clone();
            auths[&first]["kind"] = "ZZ".into();
        },
        &["import file", "unknown authorization kind", "ZZ"],
    );
    refuse(
        &mut g,
        &|v| {
            v["organisation"]["users"]
                .as_object_mut()
                .unwrap()
                .remove("1");
        },
        &["import file", "administrator"],
    );
    refuse(
        &mut g,
        &|v| v["organisation"]["users"][&jbrandt]["given"] = "Jacob".into(),
        &["deleted user", &format!("#{jbrandt}")],
    );
    refuse(
        &mut g,
        &|v| {
            v["organisation"]["users"]
                .as_object_mut()
                .unwrap()
                .remove(&jbrandt);
        },
        &["deleted user", &format!("#{jbrandt}")],
    );
    refuse(&mut g, &|_| {}, &["nothing differs"]);
    g.refuse(
        &["import", db.file("missing.json").to_str().unwrap()],
        &["cannot read", "missing.json"],
    );
    // Only an account administrator may import.
    let mut v = export.clone();
    v["organisation"]["users"][&hdahl]["given"] = "Henry".into();
    write_json(&file, &v);
    g.refuse_as(
        "iduarte",
        &["import", path],
        &["not permitted", "administrator"],
    );
    assert_eq!(g.count(), 19);

    // And the same file, as the administrator, imports.
    db.run(&["import", path]).ok();
}

#[test]
fn a_database_in_use_is_refused_at_once_naming_the_holder() {
    let db = Db::demo();
    let before = db.snapshot();
    {
        let held = clearance::store::Store::open(&db.path, "mara").expect("open the store");
        for args in [
            &["user", "add", "--given", "Ada", "--family", "Holm"][..],
            &["user", "list"][..],
            &["check", "hdahl", "aircraft.access"][..],
        ] {
            let started = Instant::now();
            let out = db.run(args);
            let took = started.elapsed();
            out.error(&["in use", "mara"]);
            assert!(
                took < Duration::from_secs(5),
                "{args:?} took {took:?} on a held database"
            );
        }
        drop(held);
    }
    assert_eq!(db.snapshot(), before, "the held database changed");
    db.run(&["user", "add", "--given", "Ada", "--family", "Holm"])
        .ok();
}

/// Writes `text` to `file`, imports it, and expects a refusal that changes nothing.
fn refuse_file(g: &mut Guard, file: &Path, text: &str, needles: &[&str]) {
    std::fs::write(file, text).unwrap();
    g.refuse(&["import", file.to_str().unwrap()], needles);
}

#[test]
fn malformed_command_lines_get_one_line_and_change_nothing() {
    let db = Db::demo();
    let mut g = db.guard();
    g.refuse(
        &["user", "delete", "hdahl"],
        &["required arguments were not provided", "--confirm"],
    );
    g.refuse(
        &[
            "user", "add", "--given", "Ada", "--family", "Holm", "--bogus",
        ],
        &["unexpected argument '--bogus'"],
    );
    g.refuse(
        &["export", "--format", "xml"],
        &["invalid value 'xml'", "--format", "json, csv"],
    );
    g.refuse(
        &[
            "user",
            "invite",
            "saalto@demo-mro.example",
            "--days",
            "many",
        ],
        &["invalid value 'many'", "--days"],
    );
    g.refuse(&["qual", "show", "first"], &["invalid value 'first'"]);
    g.refuse(&["frobnicate"], &["unrecognized subcommand 'frobnicate'"]);
    g.refuse(
        &[
            "user",
            "edit",
            "hdahl",
            "--until",
            "2026-12-31",
            "--no-until",
        ],
        &["cannot be used with"],
    );
    g.refuse(
        &["user", "invite", "saalto@demo-mro.example", "--days", "0"],
        &["must expire in the future"],
    );
    g.refuse(
        &["user", "invite", "saalto@demo-mro.example", "--days", "91"],
        &["valid for at most 90 days"],
    );
    assert_eq!(g.count(), 9);
    // Help and version still print in full and succeed.
    let help = db.run(&["user", "--help"]).ok();
    assert!(
        help.stdout.contains("Usage: clearance user"),
        "{}",
        help.stdout
    );
    db.run(&["--version"]).ok();
}
