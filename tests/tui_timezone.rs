//! One definition of a day for expiry, whatever the machine's time zone:
//! the app, the rules and the CLI all use UTC days. This binary runs with the
//! local zone fourteen hours ahead of UTC (and so does not use the common
//! fixtures, which pin UTC), at an instant where the local date is already
//! the next day.

use chrono::{NaiveDate, TimeZone, Utc};

use clearance::domain::command::{Command, NewAuthorization, NewQualification, NewUser};
use clearance::ops::{FixedClock, Session};
use clearance::tui::app::{App, Tab};
use clearance::tui::keymap::Keymap;
use clearance::tui::theme::Theme;

#[test]
fn the_app_counts_days_like_the_rules_far_from_utc() {
    // Set before anything reads the local zone; nothing else in this
    // process reads the environment.
    std::env::set_var("TZ", "XYZ-14");
    let at = Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0).unwrap();
    assert_eq!(
        at.with_timezone(&chrono::Local).date_naive(),
        NaiveDate::from_ymd_opt(2026, 3, 3).unwrap(),
        "the local zone is not UTC+14; the test would prove nothing"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let preset = clearance::presets::load("maintenance").unwrap();
    let admin = NewUser {
        given: "Zed".into(),
        family: "Zone".into(),
        email: None,
        login: Some("zed".into()),
        roles: vec![],
        access_until: None,
    };
    {
        let mut s =
            Session::init(&path, "zed", Box::new(FixedClock(at)), &preset, "TZ", admin).unwrap();
        let actor = s.actor(None).unwrap();
        let last_day = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        s.execute(
            actor,
            Command::AddQualification(NewQualification {
                holder: "zed".into(),
                kind: "licence".into(),
                number: "TZ-1".into(),
                categories: vec!["B1".into()],
                type_ratings: vec![],
                issued: NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
                expires: None,
            }),
        )
        .unwrap();
        s.execute(
            actor,
            Command::AddAuthorization(Box::new(NewAuthorization {
                holder: "zed".into(),
                reference: "CS-TZ".into(),
                kind: "INSP".into(),
                aircraft_types: vec![],
                systems: vec![],
                stations: vec![],
                limitations: String::new(),
                first_issue: None,
                effective_from: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
                expires: Some(last_day),
                bases: vec![1],
            })),
        )
        .unwrap();
    }
    let session = Session::open(&path, "zed", Box::new(FixedClock(at))).unwrap();
    // The rules: the authorization is valid on its last (UTC) day.
    let a = session.org().resolve_authorization("CS-TZ").unwrap();
    let kind = session.org().kind("INSP").ok();
    let standing = a.standing(clearance::domain::users::day_of(at), kind);
    assert_ne!(standing.word(), "expired");
    let mut app = App::new(
        session,
        Keymap::default_keymap(),
        Theme::builtin("default").unwrap(),
        false,
    );
    app.tab = Tab::Me;
    let screen = clearance::tui::render_text(&mut app, 120, 40);
    let row = screen
        .lines()
        .find(|l| l.contains("CS-TZ"))
        .unwrap_or_else(|| panic!("no CS-TZ row in\n{screen}"));
    assert!(
        !row.contains("expired") && !row.contains('✗'),
        "the app counts the local day (2026-03-03): {row}"
    );
}
