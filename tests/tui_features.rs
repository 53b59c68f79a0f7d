//! The app and the conditions the seeds state: an area switched off for the
//! organisation shows as off in the Roles grid and the matrix, and a level
//! in it "gives nothing" on the Me tab (seed 001: "Whether the feature is
//! enabled for the account"); a personal grant of flying privileges shows on
//! the pilot's Me tab (seed 003: "Pilots can also be created with or without
//! flying privileges").

#[path = "common/tui.rs"]
mod fixtures;

use clearance::domain::command::NewUser;
use clearance::ops::{Command, FixedClock, Session};
use clearance::tui::app::App;
use clearance::tui::keymap::Keymap;
use clearance::tui::theme::Theme;
use ratatui::crossterm::event::KeyCode;

use fixtures::*;

/// The demo with `area` switched off by its administrator.
fn demo_with_area_off(area: &str) -> Demo {
    let demo = Demo::new();
    let mut s = demo.session(ADMIN);
    let actor = s.actor(None).unwrap();
    s.execute(
        actor,
        Command::SetFeature {
            area: area.into(),
            on: false,
        },
    )
    .expect("the administrator switches the area off");
    drop(s);
    demo
}

#[test]
fn roles_grid_with_an_area_switched_off_120x40() {
    let demo = demo_with_area_off("work_orders");
    let mut app = demo.app(ADMIN);
    press(&mut app, key('2'));
    press_code(&mut app, KeyCode::Enter);
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("▾ Work orders (off)"), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn roles_matrix_with_an_area_switched_off_80x24() {
    let demo = demo_with_area_off("defects");
    let mut app = demo.app(ADMIN);
    press(&mut app, key('2'));
    press(&mut app, key('m'));
    let s = screen(&mut app, 80, 24);
    insta::assert_snapshot!(s);
}

#[test]
fn a_switched_off_area_is_drawn_muted_and_its_info_line_says_so() {
    let demo = demo_with_area_off("work_orders");
    let mut app = demo.app(ADMIN);
    let muted = app.theme.muted;
    press(&mut app, key('2'));
    press_code(&mut app, KeyCode::Enter);
    // Down to the Work orders area row: Aircraft (2 rows), Defects (3),
    // Recurring maintenance (2), then Work orders.
    for _ in 0..7 {
        press(&mut app, key('j'));
    }
    let s = screen(&mut app, 120, 40);
    assert!(
        s.contains("Work orders (switched off for this organisation):"),
        "{s}"
    );
    // On its first permission, the label is muted (the cursor left it) and
    // the info line says the level gives nothing.
    press(&mut app, key('j'));
    let buf = draw(&mut app, 120, 40);
    let y = row_of(&buf, "Work orders (off)").expect("the area row");
    let x = col_of(&buf, y, "W").expect("the label");
    assert_eq!(buf[(x, y)].fg, muted.fg.unwrap());
    let s = screen(&mut app, 120, 40);
    assert!(
        s.contains(
            "work_orders.access — Work orders · access: manage · gives nothing: work_orders"
        ),
        "{s}"
    );
}

#[test]
fn the_me_tab_says_a_level_in_a_switched_off_area_gives_nothing() {
    let demo = demo_with_area_off("workshop");
    let mut app = demo.app(TECHNICIAN);
    press(&mut app, key('5'));
    let s = screen(&mut app, 120, 40);
    assert!(
        s.lines()
            .any(|l| l.contains("workshop.access") && l.contains("gives nothing")),
        "{s}"
    );
}

#[test]
fn the_pilots_me_tab_shows_flying_privileges_from_a_personal_grant() {
    utc();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let preset = clearance::presets::load("operator").unwrap();
    let mut s = Session::init(
        &path,
        ADMIN,
        Box::new(FixedClock(now())),
        &preset,
        "Berg Air",
        NewUser {
            given: "Ana".into(),
            family: "Admin".into(),
            email: Some("ana@berg.example".into()),
            login: Some(ADMIN.into()),
            roles: vec![],
            access_until: None,
        },
    )
    .unwrap();
    let actor = s.actor(None).unwrap();
    s.execute(
        actor,
        Command::AddUser(NewUser {
            given: "Pia".into(),
            family: "Holm".into(),
            email: Some("pia@berg.example".into()),
            login: Some("pia".into()),
            roles: vec!["Pilot".into()],
            access_until: None,
        }),
    )
    .unwrap();
    s.execute(
        actor,
        Command::Grant {
            user: "pia".into(),
            permission: "flights.fly".into(),
            level: "yes".into(),
            until: None,
        },
    )
    .unwrap();
    drop(s);
    let session = Session::open(&path, "pia", Box::new(FixedClock(now()))).unwrap();
    let mut app = App::new(
        session,
        Keymap::default_keymap(),
        Theme::builtin("default").unwrap(),
        false,
    );
    press(&mut app, key('5'));
    let s = screen(&mut app, 120, 40);
    assert!(
        s.lines().any(|l| l.contains("flights.fly")
            && l.contains("yes")
            && l.contains("personal grant")),
        "{s}"
    );
}
