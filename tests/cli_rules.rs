//! The positive paths and the rules of PRODUCT.md through the real binary:
//! user lifecycle, invitations, time-limited access, who holds nothing,
//! personal grants, impersonation in the audit, export/import round trip,
//! audit verify and doctor, expiring authorizations and signoff decisions.

mod common;

use serde_json::Value;

use common::cli::{Db, ADMIN, NOW};

/// The user record as `user show --json` gives it.
fn show(db: &Db, user: &str) -> Value {
    db.run(&["--json", "user", "show", user]).ok().json()
}

fn role_names(u: &Value) -> Vec<String> {
    u["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["role"].as_str().unwrap().to_string())
        .collect()
}

fn audit(db: &Db) -> Vec<Value> {
    db.run(&["--json", "audit", "list", "--limit", "100000"])
        .ok()
        .json()
        .as_array()
        .unwrap()
        .clone()
}

/// The effective level word of one permission from `explain --json`.
fn effective(db: &Db, user: &str, permission: &str, at: Option<&str>) -> String {
    let mut args = vec!["--json", "explain", user];
    if let Some(t) = at {
        args.extend(["--at", t]);
    }
    let v = db.run(&args).ok().json();
    v["levels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["permission"] == permission)
        .map(|l| l["effective"].as_str().unwrap().to_string())
        .unwrap_or_else(|| "none".into())
}

#[test]
fn add_edit_assign_grant_deactivate_reactivate_delete() {
    let db = Db::init("maintenance");
    let entries = audit(&db).len();
    db.run(&[
        "user",
        "add",
        "--given",
        "Henrik",
        "--family",
        "Dahl",
        "--email",
        "HDahl@MRO.test",
        "--login",
        "hdahl",
        "--role",
        "workshop TECHNICIAN",
    ])
    .ok();
    let u = show(&db, "hdahl");
    assert_eq!(u["status"], "active", "{u}");
    assert_eq!(
        u["email"], "hdahl@mro.test",
        "emails are stored lower-cased"
    );
    assert_eq!(role_names(&u), ["Workshop technician"]);
    // Users are named by email (any case), login or id.
    assert_eq!(show(&db, "HDAHL@mro.TEST")["id"], u["id"]);
    assert_eq!(show(&db, &format!("#{}", u["id"]))["login"], "hdahl");
    assert!(db.allowed("hdahl", "work_orders.complete", &[]));
    assert!(!db.allowed("hdahl", "signoffs.complete", &[]));

    db.run(&[
        "user",
        "edit",
        "hdahl",
        "--given",
        "Henry",
        "--email",
        "Henry.Dahl@MRO.test",
    ])
    .ok();
    let u = show(&db, "hdahl");
    assert_eq!(
        (u["given"].as_str(), u["email"].as_str()),
        (Some("Henry"), Some("henry.dahl@mro.test"))
    );

    db.run(&["user", "assign", "hdahl", "Certifying staff"])
        .ok();
    assert!(db.allowed("hdahl", "signoffs.complete", &[]));
    db.run(&["user", "grant", "hdahl", "work_orders.release", "yes"])
        .ok();
    assert!(db.allowed("hdahl", "work_orders.release", &[]));
    let u = show(&db, "hdahl");
    assert_eq!(u["grants"][0]["permission"], "work_orders.release");
    assert_eq!(u["grants"][0]["level"], "yes");
    db.run(&["user", "ungrant", "hdahl", "work_orders.release"])
        .ok();
    assert!(!db.allowed("hdahl", "work_orders.release", &[]));
    db.run(&["user", "unassign", "hdahl", "Certifying staff"])
        .ok();
    assert!(!db.allowed("hdahl", "signoffs.complete", &[]));

    db.run(&["user", "deactivate", "hdahl"]).ok();
    assert_eq!(show(&db, "hdahl")["status"], "deactivated");
    let d = db
        .run(&["--json", "check", "hdahl", "work_orders.complete"])
        .denied()
        .json();
    assert!(d["reason"].as_str().unwrap().contains("deactivated"), "{d}");
    // A deactivated user can no longer operate.
    db.run_as("hdahl", &["user", "show", "hdahl"])
        .error(&["hdahl", "no active user"]);

    db.run(&["user", "reactivate", "hdahl"]).ok();
    assert!(db.allowed("hdahl", "work_orders.complete", &[]));
    db.run_as("hdahl", &["user", "show", "hdahl"]).ok();

    db.run(&["user", "delete", "hdahl", "--confirm", "hdahl"])
        .ok();
    assert_eq!(show(&db, "hdahl")["status"], "deleted");
    let d = db
        .run(&["--json", "check", "hdahl", "work_orders.complete"])
        .denied()
        .json();
    assert!(d["reason"].as_str().unwrap().contains("deleted"), "{d}");
    let deleted = db
        .run(&["--json", "user", "list", "--status", "deleted"])
        .ok()
        .json();
    assert_eq!(deleted.as_array().unwrap().len(), 1);
    assert_eq!(deleted[0]["login"], "hdahl");

    // A person on record without email or login.
    db.run(&["user", "add", "--given", "Freya", "--family", "Holm"])
        .ok();
    let list = db.run(&["--json", "user", "list"]).ok().json();
    let freya = list
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["given"] == "Freya")
        .expect("Freya is listed");
    assert_eq!(freya["status"], "active");
    assert!(freya["email"].is_null() && freya["login"].is_null());

    // Every change is audited, one entry each, newest first.
    let log = audit(&db);
    assert_eq!(log.len(), entries + 10, "{log:#?}");
    assert_eq!(log[0]["command"], "user add");
    assert_eq!(log[1]["command"], "user delete");
    assert!(log.iter().all(|e| e["operator"] == ADMIN && e["at"] == NOW));
}

/// The one-time code printed by `user invite`.
fn code_of(out: &str) -> String {
    let line = out
        .lines()
        .find(|l| l.starts_with("one-time code: "))
        .unwrap_or_else(|| panic!("no code in {out}"));
    line["one-time code: ".len()..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

#[test]
fn invite_prints_a_code_once_and_accept_binds_the_login() {
    let db = Db::init("maintenance");
    db.run(&[
        "user",
        "add",
        "--given",
        "Selma",
        "--family",
        "Aalto",
        "--email",
        "selma@mro.test",
        "--role",
        "Stores",
    ])
    .ok();
    assert_eq!(show(&db, "selma@mro.test")["status"], "invited");
    // An invited user holds nothing.
    let d = db
        .run(&["--json", "check", "selma@mro.test", "inventory.access"])
        .denied()
        .json();
    assert!(d["reason"].as_str().unwrap().contains("invited"), "{d}");

    let out = db.run(&["user", "invite", "selma@mro.test"]).ok();
    let code = code_of(&out.stdout);
    assert_eq!(code.len(), 14, "{code}");
    // Shown once: the code is stored nowhere readable.
    let snap = db.snapshot();
    let shown = db.run(&["--json", "user", "show", "selma@mro.test"]).ok();
    for text in [&snap.audit, &snap.export, &shown.stdout] {
        assert!(
            !text.contains(&code),
            "the code is visible after the invite"
        );
    }
    assert!(shown.json()["invitation"]["expires"].is_string());

    // A wrong code binds nothing; the right one binds the process's login.
    db.run_as("selma", &["user", "accept", "AAAA-BBBB-CCCC"])
        .error(&["unknown or already used invitation code"]);
    db.run_as("selma", &["user", "accept", &code.to_lowercase()])
        .ok();
    let u = show(&db, "selma@mro.test");
    assert_eq!(u["status"], "active");
    assert_eq!(u["login"], "selma");
    assert!(u["invitation"].is_null());
    assert!(db.allowed("selma", "inventory.access", &[]));
    // Selma now operates as herself.
    db.run_as("selma", &["user", "show", "selma"]).ok();
    let log = audit(&db);
    assert_eq!(log[0]["command"], "user accept");
    assert_eq!(log[0]["operator"], "selma");
    assert_eq!(log[0]["operator_login"], "selma");
    // The code works once.
    db.run_as("other", &["user", "accept", &code])
        .error(&["unknown or already used"]);

    // An expired invitation binds nothing.
    db.run(&[
        "user",
        "add",
        "--given",
        "Jakob",
        "--family",
        "Brandt",
        "--email",
        "jakob@mro.test",
    ])
    .ok();
    let out = db
        .run(&["--json", "user", "invite", "jakob@mro.test", "--days", "1"])
        .ok()
        .json();
    let code = out["code"].as_str().unwrap().to_string();
    db.run_at("jakob", "2026-03-03T09:31:00Z", &["user", "accept", &code])
        .error(&["invitation expired"]);
    assert_eq!(show(&db, "jakob@mro.test")["status"], "invited");
    db.run_at("jakob", "2026-03-03T09:29:00Z", &["user", "accept", &code])
        .ok();
    assert_eq!(show(&db, "jakob@mro.test")["login"], "jakob");
}

#[test]
fn time_limited_assignments_grants_and_access_stop_at_expiry() {
    let db = Db::init("maintenance");
    db.run(&[
        "user", "add", "--given", "Tim", "--family", "Limit", "--login", "tl",
    ])
    .ok();
    db.run(&[
        "user",
        "assign",
        "tl",
        "Certifying staff",
        "--until",
        "2026-03-10",
    ])
    .ok();
    db.run(&[
        "user",
        "grant",
        "tl",
        "work_orders.release",
        "yes",
        "--until",
        "2026-03-05",
    ])
    .ok();
    db.run(&["user", "assign", "tl", "Workshop technician"])
        .ok();
    // The last day is included; the next day gives nothing.
    assert!(db.allowed("tl", "signoffs.complete", &[]));
    assert!(db.allowed("tl", "signoffs.complete", &["--at", "2026-03-10 23:59"]));
    assert!(!db.allowed("tl", "signoffs.complete", &["--at", "2026-03-11 00:00"]));
    assert!(db.allowed("tl", "work_orders.release", &["--at", "2026-03-05"]));
    assert!(!db.allowed("tl", "work_orders.release", &["--at", "2026-03-06"]));
    assert!(db.allowed("tl", "work_orders.complete", &["--at", "2027-01-01"]));
    let d = db
        .run(&[
            "--json",
            "check",
            "tl",
            "work_orders.release",
            "--at",
            "2026-03-06",
        ])
        .denied()
        .json();
    assert!(
        d["reason"].as_str().unwrap().contains("expired 2026-03-05"),
        "{d}"
    );
    assert_eq!(d["sources"][0]["in_force"], false, "{d}");

    // With the clock later, nobody had to remove anything.
    let later = "2026-03-12T08:00:00Z";
    for (perm, allowed) in [
        ("signoffs.complete", false),
        ("work_orders.release", false),
        ("work_orders.complete", true),
    ] {
        let out = db.run_at(ADMIN, later, &["check", "tl", perm]);
        assert_eq!(
            out.code,
            if allowed { 0 } else { 1 },
            "{perm} at {later}: {out:?}"
        );
    }
    assert_eq!(effective(&db, "tl", "signoffs.complete", Some(later)), "no");
    assert_eq!(effective(&db, "tl", "signoffs.complete", None), "yes");
    // The expired ones are still shown, and reviewable, but not in force.
    let u = db
        .run_at(ADMIN, later, &["--json", "user", "show", "tl"])
        .ok()
        .json();
    assert_eq!(role_names(&u), ["Certifying staff", "Workshop technician"]);

    // An access expiry ends everything, and the person can no longer operate.
    db.run(&["user", "edit", "tl", "--until", "2026-03-20"])
        .ok();
    assert!(db.allowed("tl", "work_orders.complete", &["--at", "2026-03-20"]));
    let d = db
        .run(&[
            "--json",
            "check",
            "tl",
            "work_orders.complete",
            "--at",
            "2026-03-21",
        ])
        .denied()
        .json();
    assert!(
        d["reason"]
            .as_str()
            .unwrap()
            .contains("access expired on 2026-03-20"),
        "{d}"
    );
    db.run_at("tl", "2026-03-20T12:00:00Z", &["user", "show", "tl"])
        .ok();
    db.run_at("tl", "2026-03-21T00:00:00Z", &["user", "show", "tl"])
        .error(&["tl", "no active user"]);
    // Removing the expiry restores access.
    db.run(&["user", "edit", "tl", "--no-until"]).ok();
    assert!(db.allowed("tl", "work_orders.complete", &["--at", "2030-01-01"]));
}

#[test]
fn deactivated_invited_expired_and_deleted_users_hold_nothing() {
    let db = Db::demo();
    // The demo's external auditor is time-limited (7 days), the last Stores
    // person deactivated, and one technician invited but not yet accepted.
    let auditor = "vpetrov";
    assert!(db.allowed(auditor, "aircraft.access", &[]));
    assert!(db.allowed(auditor, "aircraft.access", &["--at", "2026-03-09 23:00"]));
    for (user, at, reason) in [
        (auditor, Some("2026-03-10"), "access expired on 2026-03-09"),
        ("jbrandt", None, "deactivated"),
        ("saalto@demo-mro.example", None, "invited"),
    ] {
        let mut args = vec!["--json", "check", user, "inventory.access"];
        if let Some(t) = at {
            args.extend(["--at", t]);
        }
        let d = db.run(&args).denied().json();
        assert!(
            d["reason"].as_str().unwrap().contains(reason),
            "{user}: {d}"
        );
        assert_eq!(d["effective"], "none", "{user}: {d}");
        let mut args = vec!["--json", "explain", user];
        if let Some(t) = at {
            args.extend(["--at", t]);
        }
        let e = db.run(&args).ok().json();
        assert_eq!(e["holds_access"], false, "{user}: {e}");
        assert!(
            e["levels"]
                .as_array()
                .unwrap()
                .iter()
                .all(|l| l["effective"] == "none" || l["effective"] == "no"),
            "{user} holds something: {e}"
        );
    }
    db.run(&["user", "delete", "hdahl", "--confirm", "hdahl"])
        .ok();
    assert!(!db.allowed("hdahl", "aircraft.access", &[]));
    // Nor can any of them act.
    for login in ["jbrandt", "hdahl"] {
        db.run_as(login, &["user", "show", login])
            .error(&[login, "no active user"]);
    }
    db.run_at(auditor, "2026-03-10T08:00:00Z", &["user", "show", auditor])
        .error(&[auditor, "no active user"]);
    // Reactivation gives the roles back.
    db.run(&["user", "reactivate", "jbrandt"]).ok();
    assert!(db.allowed("jbrandt", "inventory.access", &["--level", "manage"]));
}

#[test]
fn a_personal_grant_can_only_add() {
    let db = Db::demo();
    // The planner's role gives aircraft.access = manage; a lower grant is
    // accepted but changes nothing effective.
    assert_eq!(
        effective(&db, "mlindqvist", "aircraft.access", None),
        "manage"
    );
    db.run(&["user", "grant", "mlindqvist", "aircraft.access", "view"])
        .ok();
    assert_eq!(
        effective(&db, "mlindqvist", "aircraft.access", None),
        "manage"
    );
    assert!(db.allowed("mlindqvist", "aircraft.access", &["--level", "manage"]));
    // A scope grant joins with the role's relations: own + other = all.
    assert_eq!(effective(&db, "hdahl", "time_entries.view", None), "own");
    assert!(!db.allowed("hdahl", "time_entries.view", &["--relation", "other"]));
    db.run(&["user", "grant", "hdahl", "time_entries.view", "other"])
        .ok();
    assert_eq!(effective(&db, "hdahl", "time_entries.view", None), "all");
    assert!(db.allowed("hdahl", "time_entries.view", &["--relation", "own"]));
    assert!(db.allowed("hdahl", "time_entries.view", &["--relation", "other"]));
    // A grant of own on top of own changes nothing; none is refused.
    db.run(&["user", "grant", "hdahl", "time_entries.edit", "own"])
        .ok();
    assert_eq!(effective(&db, "hdahl", "time_entries.edit", None), "own");
    db.run(&["user", "grant", "hdahl", "time_entries.edit", "none"])
        .error(&["can only add", "ungrant"]);
    db.run(&["user", "grant", "mlindqvist", "aircraft.access", "none"])
        .error(&["can only add"]);
    // Removing the grant leaves the role's level.
    db.run(&["user", "ungrant", "mlindqvist", "aircraft.access"])
        .ok();
    assert_eq!(
        effective(&db, "mlindqvist", "aircraft.access", None),
        "manage"
    );
    // Explanations name every source.
    let e = db.run(&["--json", "explain", "hdahl"]).ok().json();
    let tv = e["levels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["permission"] == "time_entries.view")
        .unwrap()
        .clone();
    let froms: Vec<&str> = tv["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["from"].as_str().unwrap())
        .collect();
    assert_eq!(
        froms,
        ["role Workshop technician", "personal grant"],
        "{tv}"
    );
}

#[test]
fn acting_as_another_user_is_recorded_in_the_audit() {
    let db = Db::init("operator");
    for (login, role) in [
        ("hr", "Human Resources Manager"),
        ("om", "Operations Manager"),
    ] {
        let email = format!("{login}@test.example");
        db.run(&[
            "user", "add", "--given", login, "--family", "Test", "--login", login, "--email",
            &email, "--role", role,
        ])
        .ok();
    }
    db.run(&[
        "--as",
        "hr",
        "user",
        "add",
        "--given",
        "Pia",
        "--family",
        "Pilot",
        "--login",
        "pia",
        "--role",
        "Student Pilot",
    ])
    .ok();
    let log = audit(&db);
    assert_eq!(log[0]["command"], "user add");
    assert_eq!(log[0]["operator"], ADMIN);
    assert_eq!(log[0]["operator_login"], ADMIN);
    assert_eq!(log[0]["acting_as"], "hr");
    assert!(log[1]["acting_as"].is_null());
    // The text listing shows both too.
    let text = db.run(&["audit", "list", "--limit", "1"]).ok().stdout;
    assert!(text.contains(&format!("{ADMIN} as hr")), "{text}");

    // The right can come from a personal grant.
    db.run(&["user", "grant", "om", "users.impersonate", "yes"])
        .ok();
    db.run_as(
        "om",
        &["--as", "hr", "user", "edit", "pia", "--given", "Pia-Maria"],
    )
    .ok();
    let log = audit(&db);
    assert_eq!(log[0]["command"], "user edit");
    assert_eq!(log[0]["operator"], "om");
    assert_eq!(log[0]["acting_as"], "hr");
    // Rules are checked against the user acted as: hr holds no billing.
    db.run_as(
        "om",
        &[
            "--as",
            "hr",
            "user",
            "grant",
            "pia",
            "billing.manage",
            "view",
        ],
    )
    .error(&["escalation refused", "billing.manage"]);
    // Read-only commands work as the other user too.
    db.run(&["--as", "hr", "user", "list"]).ok();
    db.run(&["--as", "pia", "user", "list"])
        .error(&["not permitted"]);
}

/// A workload of every kind of change on top of the demo.
fn workload(db: &Db) {
    let steps: &[&[&str]] = &[
        &[
            "user",
            "add",
            "--given",
            "Ada",
            "--family",
            "Holm",
            "--login",
            "aholm",
            "--email",
            "ada@demo-mro.example",
            "--role",
            "Stores",
        ],
        &[
            "user",
            "assign",
            "aholm",
            "Read-only",
            "--until",
            "2026-06-30",
        ],
        &[
            "user",
            "grant",
            "aholm",
            "work_orders.release",
            "yes",
            "--until",
            "2026-04-30",
        ],
        &[
            "user",
            "edit",
            "aholm",
            "--family",
            "Holm-Berg",
            "--until",
            "2027-12-31",
        ],
        &["user", "deactivate", "nhaddad"],
        &["user", "delete", "elarsen", "--confirm", "elarsen"],
        &[
            "role",
            "add",
            "Night shift lead",
            "--description",
            "Leads the night shift",
        ],
        &[
            "role",
            "set",
            "Night shift lead",
            "work_orders.access",
            "manage",
        ],
        &["role", "copy", "Stores", "Stores (trainee)"],
        &["role", "rm", "Stores (trainee)"],
        &["user", "assign", "cromano", "Night shift lead"],
        &[
            "qual",
            "add",
            "aholm",
            "--kind",
            "licence",
            "--number",
            "DK.66.9999",
            "--category",
            "B1",
            "--type-rating",
            "ATR72",
            "--issued",
            "2024-01-01",
            "--expires",
            "2029-01-01",
        ],
        &[
            "auth",
            "add",
            "onyberg",
            "--reference",
            "CS-900",
            "--kind",
            "B1",
            "--aircraft-type",
            "ATR72:600",
            "--system",
            "21-36",
            "--system",
            "52",
            "--station",
            "EKBI",
            "--from",
            "2026-03-02",
            "--expires",
            "2028-03-01",
            "--basis",
            "1",
            "--basis",
            "2",
        ],
        &[
            "auth",
            "suspend",
            "CS-012",
            "--reason",
            "Occurrence report 77",
        ],
        &[
            "auth",
            "reinstate",
            "CS-012",
            "--reason",
            "Investigation closed",
        ],
        &["auth", "renew", "CS-011", "--expires", "2027-03-01"],
        &["auth", "revoke", "CS-017", "--reason", "Left the company"],
        &["user", "invite", "saalto@demo-mro.example"],
    ];
    for s in steps {
        db.run(s).ok();
    }
}

#[test]
fn export_import_round_trips_and_audit_verify_and_doctor_pass() {
    let db = Db::demo();
    workload(&db);
    let text = db.run(&["audit", "verify"]).ok().stdout;
    assert!(text.contains("audit chain intact"), "{text}");
    let v = db.run(&["--json", "audit", "verify"]).ok().json();
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["entries"], 2 + 18, "{v}");
    let d = db.run(&["--json", "doctor"]).ok().json();
    assert_eq!(d["ok"], true, "{d}");
    assert!(db.run(&["doctor"]).ok().stdout.starts_with("ok: "));
    // A checkpoint anchors the chain.
    let anchor = db.file("anchor.txt");
    db.run(&["audit", "checkpoint", "--output", anchor.to_str().unwrap()])
        .ok();
    db.run(&["audit", "verify", "--anchor", anchor.to_str().unwrap()])
        .ok();

    // Export, import into a second database of the same login, export again.
    let (file, first) = db.export_json("org.json");
    let other = Db::init("maintenance");
    other.run(&["import", file.to_str().unwrap()]).ok();
    let (_, second) = other.export_json("again.json");
    assert_eq!(first, second, "the organisation did not round-trip");
    assert_eq!(
        std::fs::read(&file).unwrap(),
        std::fs::read(other.file("again.json")).unwrap(),
        "the export is not byte-identical after a round trip"
    );
    // The import is one audited change; both databases stay consistent.
    let log = audit(&other);
    assert_eq!(log.len(), 2);
    assert_eq!(log[0]["command"], "import");
    for d in [&db, &other] {
        assert_eq!(d.run(&["--json", "doctor"]).ok().json()["ok"], true);
        assert_eq!(
            d.run(&["--json", "audit", "verify"]).ok().json()["ok"],
            true
        );
    }
    // And the imported organisation answers the same questions.
    for (user, perm, extra) in [
        ("cromano", "work_orders.access", &["--level", "manage"][..]),
        ("aholm", "work_orders.release", &[][..]),
        ("nhaddad", "aircraft.access", &[][..]),
        ("elarsen", "aircraft.access", &[][..]),
    ] {
        assert_eq!(
            db.allowed(user, perm, extra),
            other.allowed(user, perm, extra),
            "{user} {perm}"
        );
    }
    // CSV exports of the three tables.
    for (table, head) in [
        (
            "users",
            "id,given,family,email,login,status,access_until,roles",
        ),
        ("roles", "role,"),
        ("authorizations", "reference,holder,kind,scope"),
    ] {
        let out = db
            .run(&["export", "--format", "csv", "--table", table])
            .ok();
        assert!(out.stdout.starts_with(head), "{table}: {}", out.stdout);
    }
}

#[test]
fn auth_list_expiring_lists_the_expiring_and_expired() {
    let db = Db::demo();
    let list = db
        .run(&["--json", "auth", "list", "--expiring", "30"])
        .ok()
        .json();
    let got: Vec<(String, String)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["reference"].as_str().unwrap().to_string(),
                a["standing"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("CS-014".to_string(), "expired".to_string()),
            ("CS-011".to_string(), "expiring".to_string()),
            ("CS-013".to_string(), "expiring".to_string()),
        ],
        "soonest expiry first"
    );
    assert_eq!(list[0]["days_to_expiry"], -5);
    assert_eq!(list[1]["days_to_expiry"], 12);
    let all = db.run(&["--json", "auth", "list"]).ok().json();
    assert_eq!(all.as_array().unwrap().len(), 12);
    let text = db.run(&["auth", "list", "--expiring", "30"]).ok().stdout;
    assert!(text.contains("3 authorization(s)"), "{text}");
    // Renewing takes one off the list.
    db.run(&["auth", "renew", "CS-011", "--expires", "2027-03-01"])
        .ok();
    let list = db
        .run(&["--json", "auth", "list", "--expiring", "30"])
        .ok()
        .json();
    assert_eq!(list.as_array().unwrap().len(), 2);
}

/// `signoff --json` for the args; returns (exit code, decision).
fn signoff(db: &Db, args: &[&str]) -> (i32, Value) {
    let mut a = vec!["--json", "signoff"];
    a.extend_from_slice(args);
    let out = db.run(&a);
    assert!(out.code == 0 || out.code == 1, "{out:?}");
    (out.code, out.json())
}

fn failures(d: &Value) -> Vec<(String, String)> {
    d["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["condition"].as_str().unwrap().to_string(),
                f["fix"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn signoff_names_the_covering_authorization_or_every_failure() {
    let db = Db::demo();
    let b1 = [
        "--kind",
        "B1",
        "--aircraft-type",
        "ATR72",
        "--station",
        "EKBI",
    ];
    let with = |user: &'static str, more: &[&'static str]| {
        let mut v = vec![user];
        v.extend_from_slice(&b1);
        v.extend_from_slice(more);
        v
    };

    // Allowed, naming the covering authorization.
    let (code, d) = signoff(&db, &with("onyberg", &["--system", "32"]));
    assert_eq!((code, d["covering"].as_str()), (0, Some("CS-010")), "{d}");
    let text = db
        .run(&[
            "signoff",
            "onyberg",
            "--kind",
            "B1",
            "--aircraft-type",
            "ATR72:600",
            "--system",
            "32-11",
            "--station",
            "ekbi",
        ])
        .ok()
        .stdout;
    assert!(text.starts_with("YES"), "{text}");
    assert!(text.contains("covered by authorization CS-010"), "{text}");

    // Expired authorization: renew.
    let (code, d) = signoff(&db, &with("asrensen", &["--system", "32"]));
    assert_eq!(code, 1);
    let f = failures(&d);
    assert_eq!(f.len(), 1, "{d}");
    assert!(f[0].0.contains("CS-014 expired on 2026-02-25"), "{d}");
    assert!(f[0].1.contains("renew authorization CS-014"), "{d}");

    // System not covered: extend scope.
    let (code, d) = signoff(&db, &with("onyberg", &["--system", "52"]));
    assert_eq!(code, 1);
    let f = failures(&d);
    assert_eq!(f.len(), 1, "{d}");
    assert!(f[0].0.contains("does not cover ATA 52"), "{d}");
    assert_eq!(f[0].1, "extend scope to ATA 52");

    // Suspended.
    let (code, d) = signoff(&db, &with("lferrari", &["--system", "32"]));
    assert_eq!(code, 1);
    let f = failures(&d);
    assert!(f[0].0.contains("CS-016 is suspended"), "{d}");
    assert!(f[0].1.contains("reinstate"), "{d}");

    // Lapsed continuation training behind the authorization.
    let (code, d) = signoff(
        &db,
        &[
            "piyer",
            "--kind",
            "B2",
            "--aircraft-type",
            "ATR72",
            "--system",
            "32",
            "--station",
            "EKBI",
        ],
    );
    assert_eq!(code, 1);
    let f = failures(&d);
    assert_eq!(f.len(), 1, "{d}");
    assert!(f[0].0.contains("continuation training"), "{d}");
    assert!(f[0].1.contains("renew continuation training"), "{d}");

    // Independent inspection: not by the person who performed the work.
    let insp = |performer: &'static str| {
        vec![
            "onyberg",
            "--kind",
            "INSP",
            "--aircraft-type",
            "ATR72",
            "--system",
            "32",
            "--station",
            "EKCH",
            "--performed-by",
            performer,
        ]
    };
    let (code, d) = signoff(&db, &insp("onyberg"));
    assert_eq!(code, 1);
    let f = failures(&d);
    assert_eq!(f.len(), 1, "{d}");
    assert!(f[0].0.contains("independent inspection"), "{d}");
    assert!(f[0].1.contains("another authorized person"), "{d}");
    let (code, d) = signoff(&db, &insp("hdahl"));
    assert_eq!((code, d["covering"].as_str()), (0, Some("IN-010")), "{d}");

    // No signoffs.complete from the roles: decisive, first.
    let (code, d) = signoff(&db, &with("hdahl", &["--system", "32"]));
    assert_eq!(code, 1);
    let f = failures(&d);
    assert!(f[0].0.contains("signoffs.complete"), "{d}");
    assert!(f[0].1.contains("assign a role"), "{d}");
    assert!(f[1].0.contains("no B1 authorization"), "{d}");

    // Several failures: every one, decisive first, each with its fix.
    db.run(&["user", "unassign", "onyberg", "Certifying staff"])
        .ok();
    let (code, d) = signoff(
        &db,
        &[
            "onyberg",
            "--kind",
            "B1",
            "--aircraft-type",
            "ATR72",
            "--system",
            "52",
            "--station",
            "EKCH",
        ],
    );
    assert_eq!(code, 1);
    let f = failures(&d);
    let conditions: Vec<&str> = f.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(f.len(), 3, "{d}");
    assert!(conditions[0].contains("signoffs.complete"), "{d}");
    assert!(conditions[1].contains("does not cover ATA 52"), "{d}");
    assert!(conditions[2].contains("does not cover station EKCH"), "{d}");
    assert_eq!(f[2].1, "extend scope to station EKCH");
    let text = db
        .run(&[
            "signoff",
            "onyberg",
            "--kind",
            "B1",
            "--aircraft-type",
            "ATR72",
            "--system",
            "52",
            "--station",
            "EKCH",
        ])
        .denied()
        .stdout;
    assert!(text.starts_with("NO"), "{text}");
    assert!(text.contains("1. no signoffs.complete"), "{text}");
    assert!(text.contains("3. authorization CS-010 does not cover station EKCH — fix: extend scope to station EKCH"), "{text}");

    // On a later date the expiry decides.
    db.run(&["user", "assign", "onyberg", "Certifying staff"])
        .ok();
    let (code, d) = signoff(
        &db,
        &with("onyberg", &["--system", "32", "--date", "2027-06-01"]),
    );
    assert_eq!(code, 1);
    assert!(
        failures(&d)[0].1.contains("renew authorization CS-010"),
        "{d}"
    );
}
