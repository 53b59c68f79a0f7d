//! `--as USER` through the real binary: the app's snapshot shows that
//! user's view (their tabs, their name), and an `--as` the operator may not
//! take is refused before anything is drawn.

mod common;

use common::cli::Db;

/// The header line of a snapshot: the tabs and who is shown.
fn header(out: &str) -> &str {
    out.lines().next().unwrap_or_default()
}

#[test]
fn snapshot_as_a_technician_shows_only_the_me_tab_under_their_name() {
    let db = Db::demo();
    let own = db.run(&["snapshot", "--size", "120x30"]).ok().stdout;
    for tab in ["1 Users", "2 Roles", "3 Authorizations", "4 Audit", "5 Me"] {
        assert!(header(&own).contains(tab), "{tab} missing:\n{own}");
    }
    assert!(header(&own).contains("Demo Administrator"), "{own}");

    let as_tech = db
        .run(&["--as", "hdahl", "snapshot", "--size", "120x30"])
        .ok()
        .stdout;
    let h = header(&as_tech);
    assert!(h.contains("5 Me"), "{as_tech}");
    for tab in ["1 Users", "2 Roles", "3 Authorizations", "4 Audit"] {
        assert!(
            !h.contains(tab),
            "{tab} shown acting as a technician:\n{as_tech}"
        );
    }
    assert!(
        h.contains("as ") && !h.contains("Demo Administrator"),
        "{h}"
    );
    assert_ne!(as_tech, own);
}

#[test]
fn snapshot_as_a_planner_shows_fewer_tabs_and_refuses_the_audit_tab() {
    let db = Db::demo();
    let out = db
        .run(&["--as", "mlindqvist", "snapshot", "--size", "120x30"])
        .ok()
        .stdout;
    let h = header(&out);
    assert!(h.contains("1 Users") && h.contains("5 Me"), "{out}");
    assert!(!h.contains("4 Audit"), "{out}");
    let refused = db.run(&["--as", "mlindqvist", "snapshot", "--tab", "audit"]);
    assert_ne!(refused.code, 0, "{refused:?}");
    assert!(
        refused.stderr.contains("no access to the Audit tab"),
        "{refused:?}"
    );
}

#[test]
fn snapshot_as_someone_the_operator_may_not_act_as_is_refused() {
    let db = Db::demo();
    // A technician holds no users.impersonate.
    let out = db.run_as("hdahl", &["--as", "mlindqvist", "snapshot"]);
    assert_ne!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("users.impersonate"), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
}
