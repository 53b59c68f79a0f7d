//! Access-review campaigns through the real binary: items go to a reviewer
//! who neither holds nor gave them; only that reviewer decides; remove and
//! shorten need a reason; closing applies every removal and shortening in
//! one audited change and gives undecided items the default; the evidence
//! report verifies against the chain and an edited one does not; reassign,
//! recurrence, `list --due`, and a closed campaign stays as recorded.

#[path = "common/cli.rs"]
mod cli;
#[path = "common/server.rs"]
mod server;

use cli::{Db, NOW};
use server::Server;

/// A maintenance organisation: Avery (admin) added Pat (planner), Stu
/// (stores) and Rita (read-only; a reviewer).
fn mro() -> Db {
    let db = Db::init("maintenance");
    for (given, login, role) in [
        ("Pat", "pat", "Maintenance planner"),
        ("Stu", "stu", "Stores"),
        ("Rita", "rita", "Read-only"),
    ] {
        db.run(&[
            "user", "add", "--given", given, "--family", "Doe", "--login", login, "--role", role,
        ])
        .ok();
    }
    db
}

fn start(db: &Db, extra: &[&str]) -> serde_json::Value {
    let mut args = vec![
        "review",
        "start",
        "--name",
        "Q1 2026",
        "--reviewer",
        "avery",
        "--reviewer",
        "rita",
        "--due",
        "2026-03-31",
    ];
    args.extend_from_slice(extra);
    if !extra.contains(&"--scope") {
        args.extend_from_slice(&["--scope", "all"]);
    }
    db.run(&args).ok();
    db.run(&["review", "items", "1", "--json"]).ok().json()
}

fn item_of<'a>(items: &'a serde_json::Value, person: &str, access: &str) -> &'a serde_json::Value {
    items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| {
            i["person"].as_str().unwrap().contains(person)
                && i["access"].as_str().unwrap().contains(access)
        })
        .unwrap_or_else(|| panic!("no item {person} {access} in {items:#}"))
}

/// `review decide 1 ITEM HOW…` as `login`.
fn decide(db: &Db, login: &str, item: &str, how: &[&str]) -> cli::Out {
    let mut args = vec!["review", "decide", "1", item];
    args.extend_from_slice(how);
    db.run_as(login, &args)
}

fn no(i: &serde_json::Value) -> String {
    i["item"].as_u64().unwrap().to_string()
}

#[test]
fn items_never_go_to_their_holder_or_their_granter() {
    let db = mro();
    let items = start(&db, &[]);
    // Avery gave Pat, Stu and Rita their roles: Rita reviews them, except
    // her own, which nobody may review (Avery gave it).
    for i in items.as_array().unwrap() {
        let person = i["person"].as_str().unwrap();
        let reviewer = i["reviewer"].as_str().unwrap_or("");
        assert!(
            !reviewer.contains(person.split(' ').next().unwrap()),
            "reviews own: {i}"
        );
    }
    let pat = item_of(&items, "Pat", "Maintenance planner");
    assert!(pat["reviewer"].as_str().unwrap().contains("rita"), "{pat}");
    let rita = item_of(&items, "Rita", "Read-only");
    assert!(rita["reviewer"].is_null(), "{rita}");
    // Avery's own administrator role: Avery holds and gave it; Rita reviews.
    let avery = item_of(&items, "Avery", "Account administrator");
    assert!(avery["reviewer"].as_str().unwrap().contains("rita"));
    let show = db.run(&["review", "show", "1"]).ok().stdout;
    assert!(show.contains("1 items have no reviewer"), "{show}");
    // Nobody may be given an item they hold or gave.
    db.run(&["review", "reassign", "1", &no(rita), "--to", "rita"])
        .error(&["own access"]);
    db.run(&["review", "reassign", "1", &no(rita), "--to", "avery"])
        .error(&["gave this access"]);
    db.run(&["review", "reassign", "1", &no(rita), "--to", "pat"])
        .ok();
    let items = db.run(&["review", "items", "1", "--json"]).ok().json();
    assert!(item_of(&items, "Rita", "Read-only")["reviewer"]
        .as_str()
        .unwrap()
        .contains("pat"));
    let show = db.run(&["review", "show", "1"]).ok().stdout;
    assert!(!show.contains("have no reviewer"), "{show}");
    // With the policy off, the granter may review what they gave.
    let db = mro();
    let items = start(&db, &["--granter-may-review"]);
    let pat = item_of(&items, "Pat", "Maintenance planner");
    assert!(pat["risks"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r == "granted by reviewer" || pat["reviewer"].as_str().unwrap().contains("rita")));
}

#[test]
fn only_the_reviewer_decides_and_removal_needs_a_reason() {
    let db = mro();
    let items = start(&db, &[]);
    let pat = no(item_of(&items, "Pat", "Maintenance planner"));
    db.run(&["review", "decide", "1", &pat, "keep"])
        .error(&["for", "rita", "not you"]);
    decide(&db, "pat", &pat, &["keep"]).error(&["not you"]);
    decide(&db, "rita", &pat, &["remove"]).error(&["reason"]);
    decide(
        &db,
        "rita",
        &pat,
        &["shorten", "2026-01-01", "--reason", "x"],
    )
    .error(&["past"]);
    decide(&db, "rita", &pat, &["frobnicate"]).error(&["keep, remove or shorten"]);
    db.run_as("rita", &["review", "decide", "1", "999", "keep"])
        .error(&["no item 999"]);
    let out = db
        .run_as(
            "rita",
            &[
                "review",
                "decide",
                "1",
                &pat,
                "remove",
                "--reason",
                "moved to stores",
            ],
        )
        .ok()
        .stdout;
    assert!(
        out.contains("remove role Maintenance planner of Pat Doe"),
        "{out}"
    );
    let audit = db
        .run(&["audit", "list", "--json", "--limit", "1"])
        .ok()
        .json();
    assert_eq!(audit[0]["command"], "review decide");
    assert_eq!(audit[0]["reason"], "moved to stores");
    // Rita sees only her own items.
    let mine = db
        .run_as("rita", &["review", "items", "1", "--json"])
        .ok()
        .json();
    assert!(mine
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["reviewer"].as_str().unwrap().contains("rita")));
}

#[test]
fn close_applies_removals_in_one_change_and_the_default_to_the_rest() {
    let db = mro();
    let items = start(&db, &["--default", "keep"]);
    let pat = no(item_of(&items, "Pat", "Maintenance planner"));
    let stu = no(item_of(&items, "Stu", "Stores"));
    decide(&db, "rita", &pat, &["remove", "--reason", "left planning"]).ok();
    decide(
        &db,
        "rita",
        &stu,
        &["shorten", "2026-06-30", "--reason", "contract ends"],
    )
    .ok();
    let before = db.run(&["audit", "list", "--json"]).ok().json();
    let out = db.run(&["review", "close", "1"]).ok().stdout;
    assert!(out.contains("1 removed, 1 shortened"), "{out}");
    let after = db.run(&["audit", "list", "--json"]).ok().json();
    assert_eq!(
        after.as_array().unwrap().len(),
        before.as_array().unwrap().len() + 1,
        "closing is one audited change"
    );
    let pat_user = db.run(&["user", "show", "pat", "--json"]).ok().json();
    assert!(
        !pat_user.to_string().contains("Maintenance planner"),
        "{pat_user}"
    );
    let stu_user = db.run(&["user", "show", "stu", "--json"]).ok().json();
    assert!(stu_user.to_string().contains("2026-06-30"), "{stu_user}");
    // Undecided items were kept by default; the outcome says so.
    let items = db.run(&["review", "items", "1", "--json"]).ok().json();
    let avery = item_of(&items, "Avery", "Account administrator");
    assert_eq!(avery["outcome"], "kept");
    assert!(avery["decision"].is_null());
    // A closed campaign stays as recorded.
    decide(&db, "rita", &pat, &["keep"]).error(&["closed"]);
    db.run(&["review", "close", "1"]).error(&["closed"]);
}

#[test]
fn default_remove_takes_away_what_nobody_kept() {
    let db = mro();
    db.run(&[
        "review",
        "start",
        "--name",
        "Stores",
        "--scope",
        "role:Stores",
        "--reviewer",
        "rita",
        "--due",
        "2026-03-31",
        "--default",
        "remove",
    ])
    .ok();
    let out = db.run(&["review", "close", "1"]).ok().stdout;
    assert!(out.contains("1 removed"), "{out}");
    let stu = db.run(&["user", "show", "stu", "--json"]).ok().json();
    assert!(!stu.to_string().contains("\"Stores\""), "{stu}");
    let audit = db
        .run(&["audit", "list", "--json", "--limit", "1"])
        .ok()
        .json();
    assert_eq!(audit[0]["command"], "review close");
}

#[test]
fn the_report_verifies_and_an_edited_one_does_not() {
    let db = mro();
    let items = start(&db, &["--default", "none"]);
    let pat = no(item_of(&items, "Pat", "Maintenance planner"));
    decide(&db, "rita", &pat, &["remove", "--reason", "left planning"]).ok();
    db.run(&["review", "report", "1", "-o", "x.html"])
        .error(&["still open"]);
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("q1.html");
    db.run(&["review", "close", "1", "-o", html.to_str().unwrap()])
        .ok();
    let text = std::fs::read_to_string(&html).unwrap();
    assert!(text.starts_with("<!DOCTYPE html>"), "{text}");
    assert!(!text.contains("<script"), "no scripts");
    assert!(text.contains("left planning") && text.contains("Pat Doe"));
    let ok = db
        .run(&["review", "verify-report", html.to_str().unwrap()])
        .ok()
        .stdout;
    assert!(ok.contains("report intact"), "{ok}");
    // Renaming the organisation, the reviewer and the granter afterwards
    // changes nothing the report says: it still verifies.
    db.run(&["org", "set", "--name", "Renamed MRO"]).ok();
    db.run(&["user", "edit", "rita", "--given", "Rhia"]).ok();
    db.run(&["user", "edit", "avery", "--family", "Adminson"])
        .ok();
    db.run(&["review", "verify-report", html.to_str().unwrap()])
        .ok();
    for fmt in ["json", "csv"] {
        let f = dir.path().join(format!("q1.{fmt}"));
        db.run(&["review", "report", "1", "-o", f.to_str().unwrap()])
            .ok();
        db.run(&["review", "verify-report", f.to_str().unwrap()])
            .ok();
        // An edited decision shows.
        let t = std::fs::read_to_string(&f).unwrap();
        std::fs::write(&f, t.replace("left planning", "still needed")).unwrap();
        let bad = db
            .run(&["review", "verify-report", f.to_str().unwrap()])
            .denied()
            .stdout;
        assert!(
            bad.contains("DOES NOT MATCH") && bad.contains("left planning"),
            "{bad}"
        );
    }
    std::fs::write(&html, text.replace("removed", "kept")).unwrap();
    db.run(&["review", "verify-report", html.to_str().unwrap()])
        .denied();
    let not = dir.path().join("not.txt");
    std::fs::write(&not, "hello").unwrap();
    db.run(&["review", "verify-report", not.to_str().unwrap()])
        .error(&["not a clearance review report"]);
}

#[test]
fn recurring_campaign_starts_the_next_on_close_and_list_due_reminds() {
    let db = mro();
    start(&db, &["--recur", "3m", "--default", "keep"]);
    let due = db.run(&["review", "list", "--due", "7"]).ok().stdout;
    assert!(
        due.contains("no open campaign is due within 7 days"),
        "{due}"
    );
    let due = db.run(&["review", "list", "--due", "30"]).ok().stdout;
    assert!(
        due.contains("Q1 2026") && due.contains("items left"),
        "{due}"
    );
    let mine = db.run_as("rita", &["review", "list", "--json"]).ok().json();
    assert_eq!(mine.as_array().unwrap().len(), 1);
    let out = db.run(&["review", "close", "1"]).ok().stdout;
    assert!(out.contains("started campaign #2"), "{out}");
    let list = db.run(&["review", "list", "--json"]).ok().json();
    let next = &list.as_array().unwrap()[0];
    assert_eq!(next["id"], 2);
    assert_eq!(next["due"], "2026-06-30");
    db.run(&[
        "review",
        "start",
        "--name",
        "x",
        "--scope",
        "nonsense",
        "--reviewer",
        "rita",
        "--due",
        "2026-03-31",
    ])
    .error(&["scope"]);
    db.run(&[
        "review",
        "start",
        "--name",
        "x",
        "--scope",
        "all",
        "--reviewer",
        "rita",
        "--due",
        "2020-01-01",
    ])
    .error(&["past"]);
    db.run(&[
        "review",
        "start",
        "--name",
        "x",
        "--scope",
        "all",
        "--reviewer",
        "nobody",
        "--due",
        "2026-03-31",
    ])
    .error(&["unknown user"]);
    db.run_as(
        "rita",
        &[
            "review",
            "start",
            "--name",
            "x",
            "--scope",
            "all",
            "--reviewer",
            "pat",
            "--due",
            "2026-03-31",
        ],
    )
    .error(&["users.manage"]);
    let _ = NOW;
}

#[test]
fn campaigns_and_reports_through_the_server() {
    let db = mro();
    let _server = Server::start(&db.path, &[]);
    let items = start(&db, &["--default", "keep"]);
    let pat = no(item_of(&items, "Pat", "Maintenance planner"));
    decide(&db, "rita", &pat, &["remove", "--reason", "left planning"]).ok();
    db.run(&["review", "decide", "1", &pat, "keep"])
        .error(&["not you"]);
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    db.run(&["review", "close", "1", "-o", report.to_str().unwrap()])
        .ok();
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(v["totals"]["removed"], 1, "{v:#}");
    db.run(&["review", "verify-report", report.to_str().unwrap()])
        .ok();
    let t = std::fs::read_to_string(&report).unwrap();
    std::fs::write(&report, t.replace("\"removed\": 1", "\"removed\": 0")).unwrap();
    db.run(&["review", "verify-report", report.to_str().unwrap()])
        .denied();
    // A refused report leaves no file behind.
    let none = dir.path().join("none.html");
    db.run(&["review", "report", "7", "-o", none.to_str().unwrap()])
        .error(&["campaign"]);
    assert!(!none.exists());
}

#[test]
fn last_activity_from_the_server_is_evidence_for_the_reviewer() {
    let db = mro();
    let _server = Server::start(&db.path, &[]);
    // Pat signs in (any command by a bound login) and a check of Pat's
    // work order access is allowed; Stu is never seen.
    db.run_as("pat", &["user", "show", "pat"]).ok();
    db.run(&["check", "pat", "work_orders.access"]).ok();
    let items = start(&db, &[]);
    let pat = item_of(&items, "Pat", "Maintenance planner");
    let activity = pat["evidence"]["activity"].as_str().unwrap();
    assert!(
        activity.contains("signed in") && activity.contains("used work_orders.access"),
        "{pat:#}"
    );
    assert_eq!(pat["evidence"]["idle_days"], 0, "{pat:#}");
    // Rita reviews Pat's access without users.view of her own: the
    // evidence still shows what the server saw of Pat.
    let mine = db
        .run_as("rita", &["review", "items", "1", "--json"])
        .ok()
        .json();
    let pat = item_of(&mine, "Pat", "Maintenance planner");
    assert!(pat["evidence"]["activity"]
        .as_str()
        .unwrap()
        .contains("used work_orders.access"));
    let stu = item_of(&mine, "Stu", "Stores");
    assert_eq!(stu["evidence"]["activity"], "none recorded", "{stu:#}");
}

#[test]
fn campaigns_travel_through_export_and_import_and_a_bad_one_is_refused() {
    let db = mro();
    start(&db, &[]);
    let (path, v) = db.export_json("org.json");
    // A campaign's items travel in blocks, as it started.
    let items = v["organisation"]["reviews"]["blocks"][0]["items"]
        .as_array()
        .unwrap();
    assert_eq!(items.len(), 4, "{v:#}");
    // Imported back with one change elsewhere: the campaign comes through.
    let mut renamed = v.clone();
    for u in renamed["organisation"]["users"]
        .as_object_mut()
        .unwrap()
        .values_mut()
    {
        if u["login"] == "pat" {
            u["given"] = "Patricia".into();
        }
    }
    cli::write_json(&path, &renamed);
    db.run(&["import", path.to_str().unwrap()]).ok();
    let show = db.run(&["review", "show", "1"]).ok().stdout;
    assert!(show.contains("0 of 4 items decided"), "{show}");
    // An item given to someone who is not the campaign's reviewer.
    let mut bad = v.clone();
    bad["organisation"]["reviews"]["blocks"][0]["items"][1]["reviewer"] = 3.into();
    cli::write_json(&path, &bad);
    db.run(&["import", path.to_str().unwrap()])
        .error(&["import file", "not its reviewer"]);
    db.run(&["doctor"]).ok();
}

#[test]
fn where_every_change_needs_a_reason_a_decision_carries_its_own() {
    let db = mro();
    let items = start(&db, &[]);
    db.run(&[
        "org",
        "set",
        "--reason-required",
        "yes",
        "--reason",
        "policy",
    ])
    .ok();
    let pat = no(item_of(&items, "Pat", "Maintenance planner"));
    let stu = no(item_of(&items, "Stu", "Stores"));
    decide(&db, "rita", &pat, &["keep"]).error(&["requires a reason"]);
    decide(&db, "rita", &pat, &["keep", "--reason", "still planning"]).ok();
    decide(&db, "rita", &stu, &["remove", "--reason", "left"]).ok();
    db.run(&["review", "close", "1", "--reason", "quarter done"])
        .ok();
    let stu_user = db.run(&["user", "show", "stu", "--json"]).ok().json();
    assert!(!stu_user.to_string().contains("\"Stores\""), "{stu_user}");
}
