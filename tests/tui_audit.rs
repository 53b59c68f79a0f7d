//! The Audit tab for a reviewer: who ran each change by name, the selected
//! entry in the domain's words (roles and people by name, levels as words,
//! never JSON), and the `/` filter over person, command, summary and the
//! people concerned, with `by:`, `from:` and `to:` tokens, cleared by esc.

#[path = "common/tui.rs"]
mod fixtures;

use chrono::{TimeZone, Utc};
use clearance::domain::command::NewUser;
use clearance::ops::{Command, FixedClock, Session};
use clearance::tui::app::App;
use ratatui::crossterm::event::KeyCode;

use fixtures::*;

/// Runs `cmd` as `login` on the demo's store at `y-m-d 10:00` UTC.
fn run_at(demo: &Demo, login: &str, (y, m, d): (i32, u32, u32), cmd: Command) {
    let at = Utc.with_ymd_and_hms(y, m, d, 10, 0, 0).unwrap();
    let mut s = Session::open(&demo.path, login, Box::new(FixedClock(at))).expect("the demo opens");
    let actor = s.actor(None).expect("the operator acts");
    s.execute(actor, cmd).expect("the command commits");
}

/// The demo (entries #1 and #2 on 2026-03-02, by avery) and then:
/// #3 on 2026-03-05 avery makes hdahl an account administrator until
/// 2026-12-31; #4 on 2026-04-10 hdahl adds Zed Quinn; #5 on 2026-04-11
/// avery grants hdahl work_orders.release.
fn reviewed_demo() -> Demo {
    let demo = Demo::new();
    run_at(
        &demo,
        ADMIN,
        (2026, 3, 5),
        Command::AssignRole {
            user: TECHNICIAN.into(),
            role: "Account administrator".into(),
            until: Some("2026-12-31".parse().unwrap()),
        },
    );
    run_at(
        &demo,
        TECHNICIAN,
        (2026, 4, 10),
        Command::AddUser(NewUser {
            given: "Zed".into(),
            family: "Quinn".into(),
            email: Some("zquinn@demo-mro.example".into()),
            login: Some("zquinn".into()),
            roles: vec!["Stores".into()],
            // hdahl may give only what they hold, until 2026-12-31.
            access_until: Some("2026-12-31".parse().unwrap()),
        }),
    );
    run_at(
        &demo,
        ADMIN,
        (2026, 4, 11),
        Command::Grant {
            user: PLANNER.into(),
            permission: "work_orders.release".into(),
            level: "yes".into(),
            until: None,
        },
    );
    demo
}

/// The entry numbers listed in the Audit tab, top to bottom.
fn listed(app: &mut App) -> Vec<u64> {
    let s = screen(app, 120, 40);
    s.lines()
        .skip(3)
        .filter_map(|l| {
            let cell = l.split('│').nth(1)?;
            cell.get(3..)?.split_whitespace().next()?.parse().ok()
        })
        .collect()
}

fn filter(app: &mut App, text: &str) {
    press(app, key('/'));
    type_text(app, text);
    press_code(app, KeyCode::Enter);
}

#[test]
fn audit_list_names_the_person_beside_the_login() {
    let demo = reviewed_demo();
    let mut app = demo.app(ADMIN);
    press(&mut app, key('4'));
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("avery Demo Administ"), "{s}");
    assert!(s.contains("hdahl Henrik Dahl"), "{s}");
    assert_eq!(listed(&mut app), vec![5, 4, 3, 2, 1]);
}

#[test]
fn audit_detail_says_what_changed_in_words_not_json() {
    let demo = reviewed_demo();
    let mut app = demo.app(ADMIN);
    press(&mut app, key('4'));
    // #5: a personal grant, the level as the scale's word (wide enough
    // that no line of the detail wraps).
    let s = screen(&mut app, 220, 40);
    assert!(
        s.contains("changed user Mara Lindqvist (mlindqvist)"),
        "{s}"
    );
    assert!(
        s.contains("+ granted work_orders.release: no → yes to Mara Lindqvist (mlindqvist)"),
        "{s}"
    );
    assert!(!s.contains("\"level\""), "no JSON: {s}");
    // #3: the role by name, the person by name and login, the last day.
    press(&mut app, key('j'));
    press(&mut app, key('j'));
    let s = screen(&mut app, 220, 40);
    assert!(
        s.contains("+ assigned role Account administrator to Henrik Dahl (hdahl) until 2026-12-31"),
        "{s}"
    );
    assert!(
        s.contains("by       Demo Administrator (avery), OS login avery"),
        "{s}"
    );
    insta::assert_snapshot!("audit_detail_in_words_120x40", screen(&mut app, 120, 40));
}

#[test]
fn audit_filter_by_person_shows_only_their_entries_and_esc_clears_it() {
    let demo = reviewed_demo();
    let mut app = demo.app(ADMIN);
    press(&mut app, key('4'));
    filter(&mut app, "by:hdahl");
    assert_eq!(listed(&mut app), vec![4]);
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("Audit log (1 of 5) /by:hdahl"), "{s}");
    assert!(s.contains("added user Zed Quinn (zquinn)"), "{s}");
    insta::assert_snapshot!("audit_filter_by_person_80x24", screen(&mut app, 80, 24));
    // esc (the filter kept, no longer typed) clears it.
    press_code(&mut app, KeyCode::Esc);
    assert_eq!(listed(&mut app), vec![5, 4, 3, 2, 1]);
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("Audit log — "), "{s}");
    // esc while typing clears it too.
    press(&mut app, key('/'));
    type_text(&mut app, "zquinn");
    assert_eq!(listed(&mut app), vec![4]);
    press_code(&mut app, KeyCode::Esc);
    assert_eq!(listed(&mut app), vec![5, 4, 3, 2, 1]);
}

#[test]
fn audit_filter_by_date_range_words_and_both() {
    let demo = reviewed_demo();
    let mut app = demo.app(ADMIN);
    press(&mut app, key('4'));
    filter(&mut app, "from:2026-03-03 to:2026-04-10");
    assert_eq!(listed(&mut app), vec![4, 3]);
    press_code(&mut app, KeyCode::Esc);
    filter(&mut app, "from:2026-04");
    assert_eq!(listed(&mut app), vec![5, 4]);
    press_code(&mut app, KeyCode::Esc);
    filter(&mut app, "to:2026-03");
    assert_eq!(listed(&mut app), vec![3, 2, 1]);
    press_code(&mut app, KeyCode::Esc);
    // Words: the command and the summary, and the person's name.
    filter(&mut app, "work_orders");
    assert_eq!(listed(&mut app), vec![5]);
    press_code(&mut app, KeyCode::Esc);
    filter(&mut app, "Henrik");
    // By the name of who ran it (#4) or whose record it changed (#3
    // assigned him a role, #2 created him).
    assert_eq!(listed(&mut app), vec![4, 3, 2]);
    press_code(&mut app, KeyCode::Esc);
    filter(&mut app, "assign by:avery from:2026-03-03");
    assert_eq!(listed(&mut app), vec![3]);
    press_code(&mut app, KeyCode::Esc);
    // A date still being typed is shown as ignored, not an error.
    press(&mut app, key('/'));
    type_text(&mut app, "from:2026-0");
    assert_eq!(listed(&mut app), vec![5, 4, 3, 2, 1]);
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("(ignored: from:2026-0)"), "{s}");
}

#[test]
fn audit_help_documents_the_filter_tokens() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    press(&mut app, key('4'));
    press(&mut app, key('?'));
    let s = screen(&mut app, 120, 40);
    assert!(
        s.contains("Filter: words by:LOGIN from:DATE to:DATE"),
        "{s}"
    );
}

#[test]
fn audit_detail_of_a_large_batch_describes_the_first_records_and_says_how_many_more() {
    let demo = Demo::new();
    let people = (0..230)
        .map(|i| {
            Command::AddUser(NewUser {
                given: format!("Temp{i}"),
                family: "Worker".into(),
                email: None,
                login: None,
                roles: vec![],
                access_until: None,
            })
        })
        .collect();
    run_at(&demo, ADMIN, (2026, 3, 3), Command::Batch(people));
    let mut app = demo.app(ADMIN);
    press(&mut app, key('4'));
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("added user Temp0 Worker"), "{s}");
    // Scroll to the end of the detail: 200 records, then the rest counted.
    for _ in 0..200 {
        press_code(&mut app, KeyCode::Enter);
    }
    let s = screen(&mut app, 220, 40);
    assert!(
        s.contains("… and 30 more records: clearance audit show 3"),
        "{s}"
    );
}
