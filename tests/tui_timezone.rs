//! One definition of a day for expiry, whatever the machine's time zone:
//! the app, the rules and the CLI all count the organisation's days (UTC
//! unless it sets a zone). This binary runs with the local zone fourteen
//! hours ahead of UTC (and so does not use the common fixtures, which pin
//! UTC), at instants where the local date is already the next day.

use chrono::{NaiveDate, TimeZone, Utc};

use clearance::domain::command::{Command, NewAuthorization, NewQualification, NewUser};
use clearance::domain::zone::Zone;
use clearance::ops::{FixedClock, Session};
use clearance::tui::app::{App, Tab};
use clearance::tui::keymap::Keymap;
use clearance::tui::theme::Theme;

/// The Me tab's row of an authorization whose last day is 2 March, seen at
/// `at` by an organisation in `zone`, with the machine at UTC+14.
fn me_row_at(at: chrono::DateTime<Utc>, zone: &str) -> (String, &'static str) {
    // Set before anything reads the local zone; nothing else in this
    // process reads the environment (both tests set the same value).
    std::env::set_var("TZ", "XYZ-14");
    assert_eq!(
        at.with_timezone(&chrono::Local).date_naive(),
        NaiveDate::from_ymd_opt(2026, 3, 3).unwrap(),
        "the local zone is not UTC+14; the test would prove nothing"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let mut preset = clearance::presets::load("maintenance").unwrap();
    preset.settings.time_zone = Zone::parse(zone).unwrap();
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
    // The rules: the authorization is valid on its last day.
    let a = session.org().resolve_authorization("CS-TZ").unwrap();
    let kind = session.org().kind("INSP").ok();
    let standing = a.standing(session.org().day_of(at), kind).word();
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
        .unwrap_or_else(|| panic!("no CS-TZ row in\n{screen}"))
        .to_string();
    (row, standing)
}

#[test]
fn the_app_counts_utc_days_far_from_utc_when_the_organisation_does() {
    let (row, standing) = me_row_at(Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0).unwrap(), "UTC");
    assert_ne!(standing, "expired");
    assert!(
        !row.contains("expired") && !row.contains('✗'),
        "the app counts the machine's day (2026-03-03): {row}"
    );
}

#[test]
fn the_app_counts_the_organisations_days_not_the_machines_or_utcs() {
    // 3 March 05:00 UTC is 3 March 19:00 on the machine (UTC+14), but
    // still 2 March 18:00 in Pago Pago (UTC-11), the organisation's zone:
    // the last day is not over.
    let at = Utc.with_ymd_and_hms(2026, 3, 3, 5, 0, 0).unwrap();
    let (row, standing) = me_row_at(at, "Pacific/Pago_Pago");
    assert_ne!(standing, "expired");
    assert!(
        !row.contains("expired") && !row.contains('✗'),
        "the app counts another day than the organisation's: {row}"
    );
    // Kiritimati (UTC+14) at the same instant: 3 March, over.
    let (row, standing) = me_row_at(at, "Pacific/Kiritimati");
    assert_eq!(standing, "expired");
    assert!(row.contains("expired") || row.contains('✗'), "{row}");
}
