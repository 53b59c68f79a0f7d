//! An authorization rests on the bases its kind requires (trust issue, item
//! 6): for the Part-145 kinds a Part-66 licence holding the kind's category,
//! a type rating or type training for every aircraft type in scope, and
//! continuation training within the last 24 months. Issuing without them is
//! refused naming the missing basis; the signoff check and the standing name
//! what lapsed and its fix; `kind set` changes the policy.

mod common;

use common::cli::Db;

fn qual(db: &Db, args: &[&str]) {
    let mut v = vec!["qual", "add", "tech"];
    v.extend_from_slice(args);
    db.run(&v).ok();
}

fn org() -> Db {
    let db = Db::init("maintenance");
    db.run(&[
        "user",
        "add",
        "--given",
        "Tec",
        "--family",
        "Hnic",
        "--login",
        "tech",
        "--role",
        "Certifying staff",
    ])
    .ok();
    db
}

fn add_b1(db: &Db, reference: &str, types: &[&str], bases: &[&str]) -> common::cli::Out {
    let mut v = vec![
        "auth",
        "add",
        "tech",
        "--reference",
        reference,
        "--kind",
        "B1",
        "--from",
        "2026-03-02",
        "--expires",
        "2028-03-01",
    ];
    for t in types {
        v.extend(["--aircraft-type", t]);
    }
    for b in bases {
        v.extend(["--basis", b]);
    }
    db.run(&v)
}

#[test]
fn a_b1_authorization_needs_licence_type_and_continuation_training() {
    let db = org();
    let mut g = db.guard();
    g.refuse(
        &[
            "auth",
            "add",
            "tech",
            "--reference",
            "CS-1",
            "--kind",
            "B1",
            "--from",
            "2026-03-02",
            "--expires",
            "2028-03-01",
        ],
        &["kind B1 needs an explicit aircraft-type scope"],
    );
    let out = add_b1(&db, "CS-1", &["ATR72"], &[]);
    let msg = out.error(&[
        "lacks a basis kind B1 requires",
        "add a licence with category B1",
        "and 2 more",
    ]);
    assert!(!msg.is_empty());
    assert_eq!(g.count(), 1);
    qual(
        &db,
        &[
            "--kind",
            "licence",
            "--number",
            "DK.66.1",
            "--category",
            "B2",
            "--type-rating",
            "ATR72",
            "--issued",
            "2020-01-01",
        ],
    );
    qual(
        &db,
        &[
            "--kind",
            "licence",
            "--number",
            "DK.66.2",
            "--category",
            "B1",
            "--issued",
            "2020-01-01",
        ],
    );
    qual(
        &db,
        &[
            "--kind",
            "type-training",
            "--number",
            "TT-1",
            "--type-rating",
            "ATR72",
            "--issued",
            "2021-01-01",
        ],
    );
    qual(
        &db,
        &[
            "--kind",
            "continuation-training",
            "--number",
            "CT-1",
            "--issued",
            "2023-01-01",
        ],
    );
    qual(
        &db,
        &[
            "--kind",
            "continuation-training",
            "--number",
            "CT-2",
            "--issued",
            "2025-06-01",
        ],
    );
    // A B2 licence is not a B1 licence; an old continuation training does not count.
    add_b1(&db, "CS-1", &["ATR72"], &["1", "3", "5"]).error(&["no licence with category B1"]);
    add_b1(&db, "CS-1", &["ATR72"], &["2", "3", "4"]).error(&[
        "no continuation training within the last 24 months",
        "record continuation training",
    ]);
    add_b1(&db, "CS-1", &["ATR72", "DHC8"], &["2", "3", "5"]).error(&[
        "no type rating or type training for DHC8",
        "add a type rating or type training for DHC8",
    ]);
    add_b1(&db, "CS-1", &["ATR72"], &["2", "3", "5"]).ok();
    let list = db.run(&["auth", "list"]).ok().stdout;
    assert!(list.contains("CS-1") && list.contains('✓'), "{list}");
    db.run(&[
        "signoff",
        "tech",
        "--kind",
        "B1",
        "--aircraft-type",
        "ATR72",
    ])
    .ok();
}

#[test]
fn a_lapsed_basis_shows_and_the_signoff_names_it_with_its_fix() {
    let db = org();
    qual(
        &db,
        &[
            "--kind",
            "licence",
            "--number",
            "DK.66.2",
            "--category",
            "B1",
            "--type-rating",
            "ATR72",
            "--issued",
            "2020-01-01",
        ],
    );
    qual(
        &db,
        &[
            "--kind",
            "continuation-training",
            "--number",
            "CT-2",
            "--issued",
            "2025-06-01",
        ],
    );
    add_b1(&db, "CS-1", &["ATR72"], &["1", "2"]).ok();
    // Two years later the continuation training is older than 24 months.
    let later = "2027-07-01T09:00:00Z";
    let d = db.run_at(
        common::cli::ADMIN,
        later,
        &[
            "--json",
            "signoff",
            "tech",
            "--kind",
            "B1",
            "--aircraft-type",
            "ATR72",
        ],
    );
    assert_eq!(d.code, 1, "{}", d.stdout);
    let v = d.json();
    let fixes: Vec<&str> = v["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["fix"].as_str().unwrap())
        .collect();
    assert_eq!(fixes, ["record continuation training"], "{v}");
    let list = db
        .run_at(common::cli::ADMIN, later, &["--json", "auth", "list"])
        .ok()
        .json();
    assert_eq!(list[0]["standing"], "missing basis", "{list}");
    // An expired licence is named as such, with its renewal.
    db.run(&["qual", "edit", "1", "--expires", "2026-12-31"])
        .ok();
    let d = db.run_at(
        common::cli::ADMIN,
        "2027-01-15T09:00:00Z",
        &[
            "--json",
            "signoff",
            "tech",
            "--kind",
            "B1",
            "--aircraft-type",
            "ATR72",
        ],
    );
    let v = d.json();
    let fixes: Vec<&str> = v["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["fix"].as_str().unwrap())
        .collect();
    assert_eq!(fixes, ["renew licence (DK.66.2)"], "{v}");
}

#[test]
fn kind_set_changes_the_required_bases() {
    let db = org();
    db.run(&["kind", "set", "B1", "--no-requires", "--any-type"])
        .ok();
    add_b1(&db, "CS-1", &[], &[]).ok();
    db.run(&[
        "kind",
        "set",
        "INSP",
        "--requires",
        "licence:B1",
        "--requires",
        "continuation:12",
    ])
    .ok();
    let kinds = db.run(&["kind", "list"]).ok().stdout;
    assert!(
        kinds.contains("requires: licence:B1, continuation:12"),
        "{kinds}"
    );
    let mut g = db.guard();
    g.refuse(
        &["kind", "set", "INSP", "--requires", "rating:B1"],
        &["unknown basis requirement"],
    );
    g.refuse(
        &["kind", "set", "INSP", "--requires", "continuation:0"],
        &["continuation training months must be 1 to 120"],
    );
    assert_eq!(g.count(), 2);
}
