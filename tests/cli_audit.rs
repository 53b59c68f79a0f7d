//! `clearance audit show SEQ`: one entry with who, when, why and what it
//! changed in words (never a PIN's hash, never raw JSON); with `--json`, the
//! entry as `audit list --json --full` gives it, records before and after.
//! `audit list --full` prints the same words.

#[path = "common/cli.rs"]
mod cli;

use cli::Db;

#[test]
fn audit_show_prints_one_entry_in_words() {
    let db = Db::demo();
    db.run(&[
        "--reason",
        "covering the night shift",
        "user",
        "assign",
        "hdahl",
        "Stores",
        "--until",
        "2027-03-01",
    ])
    .ok();
    let seq = db
        .run(&["--json", "audit", "list", "--limit", "1"])
        .ok()
        .json()[0]["seq"]
        .as_u64()
        .unwrap();
    let out = db.run(&["audit", "show", &seq.to_string()]).ok().stdout;
    assert!(
        out.contains(&format!("entry    #{seq} user assign")),
        "{out}"
    );
    assert!(
        out.contains("by       Demo Administrator (avery), OS login avery"),
        "{out}"
    );
    assert!(out.contains("reason   covering the night shift"), "{out}");
    assert!(out.contains("changed user Henrik Dahl (hdahl)"), "{out}");
    assert!(
        out.contains("  + assigned role Stores to Henrik Dahl (hdahl) until 2027-03-01"),
        "{out}"
    );
    assert!(!out.contains("\"role\""), "no JSON: {out}");
    // The seeding batch: people by name, their roles by name.
    let out = db.run(&["audit", "show", "2"]).ok().stdout;
    assert!(
        out.contains("added user Mara Lindqvist (mlindqvist)"),
        "{out}"
    );
    assert!(out.contains("  + status active"), "{out}");
    // list --full says the same in words.
    let full = db
        .run(&["audit", "list", "--full", "--limit", "1"])
        .ok()
        .stdout;
    assert!(
        full.contains("+ assigned role Stores to Henrik Dahl (hdahl) until 2027-03-01"),
        "{full}"
    );
}

#[test]
fn audit_show_json_is_the_full_entry_of_audit_list() {
    let db = Db::demo();
    let one = db.run(&["--json", "audit", "show", "2"]).ok().json();
    let list = db.run(&["--json", "audit", "list", "--full"]).ok().json();
    let from_list = list
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["seq"] == 2)
        .unwrap()
        .clone();
    assert_eq!(one, from_list);
    assert!(one["changes"].as_array().is_some_and(|c| !c.is_empty()));
}

#[test]
fn audit_show_of_an_unknown_entry_is_an_error() {
    let db = Db::demo();
    db.run(&["audit", "show", "999"])
        .error(&["no readable audit entry #999"]);
    db.run(&["audit", "show", "x"])
        .error(&["invalid value 'x'"]);
}
