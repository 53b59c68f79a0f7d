//! The Reviews tab on the TestBackend: the demo's open campaign, snapshots
//! at 80×24 and 120×40, one key per decision (k keeps and the next item
//! follows; x asks why and a number picks a common reason; s shortens), K
//! waits for the campaign's looking time, the header reminds a reviewer,
//! and someone without reviews has no Reviews tab.

#[path = "common/tui.rs"]
mod fixtures;

use clearance::domain::reviews::Verdict;
use clearance::tui::app::{App, Tab};
use ratatui::crossterm::event::KeyCode;

use fixtures::*;

/// The demo with its open campaign (started by the administrator).
fn demo() -> Demo {
    let demo = Demo::new();
    let mut s = demo.session(ADMIN);
    let actor = s.actor(None).unwrap();
    s.execute(actor, clearance::demo::demo_campaign(now()))
        .unwrap();
    demo
}

fn reviews(demo: &Demo) -> App {
    let mut app = demo.app(ADMIN);
    press(&mut app, key('6'));
    assert_eq!(app.tab, Tab::Reviews);
    app
}

fn decision(app: &App, no: u32) -> Option<Verdict> {
    app.session
        .org()
        .reviews
        .item(1, no)
        .unwrap()
        .decision
        .as_ref()
        .map(|d| d.verdict)
}

/// The number of the selected item, from the evidence pane's first line.
fn selected_no(app: &mut App) -> u32 {
    let s = screen(app, 120, 40);
    let line = s
        .lines()
        .find(|l| l.contains("▶"))
        .unwrap_or_else(|| panic!("no selection:\n{s}"));
    let after = line.split('▶').nth(1).unwrap().trim_start();
    after
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("{line}"))
}

#[test]
fn reviews_tab_80x24() {
    let demo = demo();
    let mut app = reviews(&demo);
    insta::assert_snapshot!(screen(&mut app, 80, 24));
}

#[test]
fn reviews_tab_120x40() {
    let demo = demo();
    let mut app = reviews(&demo);
    insta::assert_snapshot!(screen(&mut app, 120, 40));
}

#[test]
fn k_keeps_and_the_next_item_follows() {
    let demo = demo();
    let mut app = reviews(&demo);
    let first = selected_no(&mut app);
    press(&mut app, key('k'));
    assert_eq!(
        decision(&app, first),
        Some(Verdict::Keep),
        "{}",
        status_text(&app)
    );
    let second = selected_no(&mut app);
    assert_ne!(first, second);
    press(&mut app, key('k'));
    assert_eq!(decision(&app, second), Some(Verdict::Keep));
    // The time the item was shown is recorded with the decision.
    let d = app
        .session
        .org()
        .reviews
        .item(1, second)
        .unwrap()
        .decision
        .clone()
        .unwrap();
    assert!(d.looked_ms.is_some() && !d.bulk);
}

#[test]
fn x_asks_why_and_a_number_picks_a_common_reason() {
    let demo = demo();
    let mut app = reviews(&demo);
    let no = selected_no(&mut app);
    press(&mut app, key('x'));
    assert!(top_form(&app).is_some());
    // Nothing typed: refused, nothing decided.
    press_code(&mut app, KeyCode::Enter);
    assert!(top_form(&app).is_some());
    assert_eq!(decision(&app, no), None);
    type_text(&mut app, "2");
    press_code(&mut app, KeyCode::Enter);
    assert!(top_form(&app).is_none(), "{}", status_text(&app));
    let d = app
        .session
        .org()
        .reviews
        .item(1, no)
        .unwrap()
        .decision
        .clone()
        .unwrap();
    assert_eq!(d.verdict, Verdict::Remove);
    assert_eq!(d.reason, "left the organisation");
    // s asks for the day and why.
    let next = selected_no(&mut app);
    press(&mut app, key('s'));
    type_text(&mut app, "2026-03-20");
    press_code(&mut app, KeyCode::Tab);
    type_text(&mut app, "project ends");
    press_code(&mut app, KeyCode::Enter);
    let d = app
        .session
        .org()
        .reviews
        .item(1, next)
        .unwrap()
        .decision
        .clone()
        .unwrap();
    assert_eq!(
        d.verdict,
        Verdict::Shorten(chrono::NaiveDate::from_ymd_opt(2026, 3, 20).unwrap())
    );
}

#[test]
fn keep_all_waits_for_the_looking_time() {
    let demo = demo();
    let mut app = reviews(&demo);
    let seq = audit_seq(&app);
    press(&mut app, key('K'));
    assert!(
        status_text(&app).contains("needs the list open for 30 s"),
        "{}",
        status_text(&app)
    );
    assert_eq!(audit_seq(&app), seq);
}

#[test]
fn a_reviewer_is_reminded_and_others_have_no_tab() {
    let demo = demo();
    {
        let mut app = demo.app(ADMIN);
        let s = screen(&mut app, 160, 40);
        let top = s.lines().next().unwrap();
        assert!(top.contains("6 Reviews"), "{top}");
        assert!(top.contains("1 review due, 32 items"), "{top}");
        assert!(top.contains("Demo Administrator · Demo MRO"), "{top}");
        // Narrower: the name stays, the reminder is shortened.
        let s = screen(&mut app, 120, 40);
        let top = s.lines().next().unwrap();
        assert!(
            top.contains("32 to review") && top.contains("Demo Administrator"),
            "{top}"
        );
    }
    let mut tech = demo.app(TECHNICIAN);
    let s = screen(&mut tech, 120, 40);
    assert!(!s.lines().next().unwrap().contains("Reviews"), "{s}");
    press(&mut tech, key('6'));
    assert_ne!(tech.tab, Tab::Reviews);
    drop(tech);
    // f shows the items by risk sign; a closes on the administrator's view.
    let mut app = reviews(&demo);
    press(&mut app, key('f'));
    press(&mut app, key('f'));
    press(&mut app, key('f'));
    assert!(
        status_text(&app).contains("privileged"),
        "{}",
        status_text(&app)
    );
}
