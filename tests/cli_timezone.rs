//! One definition of a day: every expiry ("until", "expires") is a last day
//! in the organisation's time zone, UTC unless `init --time-zone` or
//! `org set --time-zone` says otherwise. These run far from UTC on both
//! sides, at instants where the organisation's date and the UTC date differ.

mod common;

use common::cli::{Db, ADMIN};

/// 2026-03-31 12:00 UTC is already 1 April (02:00) in Kiritimati (UTC+14)
/// and still 31 March (01:00) in Pago Pago (UTC-11).
const NOON_UTC: &str = "2026-03-31T12:00:00Z";

fn org_in(zone: &str) -> Db {
    let db = Db::empty();
    db.run(&[
        "init",
        "--preset",
        "maintenance",
        "--admin-email",
        "admin@clearance.test",
        "--admin-given",
        "Avery",
        "--admin-family",
        "Admin",
        "--time-zone",
        zone,
    ])
    .ok();
    // A technician whose access ends on 31 March, in the organisation's days.
    db.run(&[
        "user",
        "add",
        "--given",
        "Tess",
        "--family",
        "Tech",
        "--login",
        "tess",
        "--role",
        "Workshop technician",
        "--until",
        "2026-03-31",
    ])
    .ok();
    db
}

fn check_at(db: &Db, now: &str) -> i32 {
    db.run_at(ADMIN, now, &["check", "tess", "defects.create"])
        .code
}

#[test]
fn far_east_of_utc_the_last_day_ends_at_local_midnight() {
    let db = org_in("Pacific/Kiritimati");
    // 09:59 UTC on 31 March is 23:59 local: still the last day.
    assert_eq!(check_at(&db, "2026-03-31T09:59:00Z"), 0);
    // 10:00 UTC is local midnight: over, although it is still 31 March in UTC.
    assert_eq!(check_at(&db, "2026-03-31T10:00:00Z"), 1);
    let out = db.run_at(ADMIN, NOON_UTC, &["check", "tess", "defects.create"]);
    assert!(
        out.stdout.contains("access expired on 2026-03-31"),
        "{}",
        out.stdout
    );
    // "In the past" is the organisation's past too: 31 March is yesterday.
    let e = db
        .run_at(
            ADMIN,
            NOON_UTC,
            &["user", "edit", "tess", "--until", "2026-03-31"],
        )
        .error(&["2026-03-31", "in the past"]);
    assert!(!e.contains('\n'), "{e}");
}

#[test]
fn far_west_of_utc_the_last_day_outlasts_the_utc_day() {
    let db = org_in("Pacific/Pago_Pago");
    // 1 April 10:59 UTC is 31 March 23:59 in Pago Pago: still the last day.
    assert_eq!(check_at(&db, "2026-04-01T10:59:00Z"), 0);
    assert_eq!(check_at(&db, "2026-04-01T11:00:00Z"), 1);
    // Listings say the same.
    let list = db
        .run_at(ADMIN, "2026-04-01T10:59:00Z", &["user", "list"])
        .ok();
    let row = list.stdout.lines().find(|l| l.contains("Tess")).unwrap();
    assert!(row.contains("active"), "{row}");
    let list = db
        .run_at(ADMIN, "2026-04-01T11:00:00Z", &["user", "list"])
        .ok();
    let row = list.stdout.lines().find(|l| l.contains("Tess")).unwrap();
    assert!(row.contains("expired"), "{row}");
}

#[test]
fn utc_is_the_default_and_org_show_says_which_day_it_is() {
    let db = Db::init("maintenance");
    let out = db.run_at(ADMIN, NOON_UTC, &["--json", "org", "show"]).ok();
    let v = out.json();
    assert_eq!(v["time_zone"], "UTC");
    assert_eq!(v["today"], "2026-03-31");
    assert_eq!(v["today_ends"], "2026-04-01T00:00:00Z");
    let db = org_in("Pacific/Kiritimati");
    let out = db.run_at(ADMIN, NOON_UTC, &["org", "show"]).ok();
    assert!(out.stdout.contains("Pacific/Kiritimati"), "{}", out.stdout);
    assert!(
        out.stdout.contains("today:      2026-04-01"),
        "{}",
        out.stdout
    );
}

#[test]
fn moving_the_zone_is_audited_and_moves_every_end_of_day() {
    let db = org_in("UTC");
    assert_eq!(check_at(&db, "2026-03-31T12:00:00Z"), 0);
    db.run(&[
        "--reason",
        "the base moved",
        "org",
        "set",
        "--time-zone",
        "pacific/kiritimati",
    ])
    .ok();
    assert_eq!(check_at(&db, "2026-03-31T12:00:00Z"), 1);
    let audit = db.run(&["--json", "audit", "list"]).ok().json();
    let last = &audit.as_array().unwrap()[0];
    let summary = last["summary"].as_str().unwrap();
    assert!(
        summary.contains("from UTC to Pacific/Kiritimati") && summary.contains("the base moved"),
        "{summary}"
    );
    db.run(&["doctor"]).ok();
    db.run(&["audit", "verify"]).ok();
}

#[test]
fn a_bad_zone_or_a_temporary_administrator_changes_nothing() {
    let db = org_in("UTC");
    let mut g = db.guard();
    g.refuse(
        &["org", "set", "--time-zone", "Mars/Olympus"],
        &["unknown time zone", "Mars/Olympus", "Europe/Oslo"],
    );
    g.refuse(&["org", "set"], &["--name, --time-zone"]);
    g.refuse(
        &["org", "set", "--time-zone", "UTC"],
        &["nothing to change"],
    );
    // Moving the zone lengthens or shortens everyone's access: only an
    // administrator for good may.
    db.run(&[
        "user", "add", "--given", "Tim", "--family", "T", "--login", "tim",
    ])
    .ok();
    db.run(&[
        "user",
        "assign",
        "tim",
        "Account administrator",
        "--until",
        "2026-03-05",
    ])
    .ok();
    let mut g = db.guard();
    g.refuse_as(
        "tim",
        &["org", "set", "--time-zone", "Pacific/Pago_Pago"],
        &["account administrator who holds that role for good"],
    );
    g.refuse_as("tess", &["org", "set", "--name", "Mine"], &["for good"]);
    // init refuses a bad zone before it creates anything.
    let fresh = Db::empty();
    fresh
        .run(&[
            "init",
            "--preset",
            "maintenance",
            "--admin-email",
            "a@clearance.test",
            "--admin-given",
            "A",
            "--admin-family",
            "B",
            "--time-zone",
            "Nowhere",
        ])
        .error(&["unknown time zone"]);
    assert!(!fresh.path.exists());
}
