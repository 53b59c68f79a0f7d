//! The app's session against its operator: an operator whose access ends
//! mid-session (access expiry passing, their own login edited) sees "your
//! access ended" with the reason, and only quitting acts — never a panic.

#[path = "common/tui.rs"]
mod fixtures;

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use clearance::domain::command::NewUser;
use clearance::ops::{Clock, Command, Session};
use clearance::tui::app::{App, Tab};
use clearance::tui::keymap::Keymap;
use clearance::tui::theme::Theme;
use ratatui::crossterm::event::KeyCode;

use fixtures::*;

/// A clock the test moves.
struct Moving(Arc<Mutex<DateTime<Utc>>>);

impl Clock for Moving {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

/// Adds a second account administrator, `login`, as the demo's administrator.
fn add_admin(demo: &Demo, login: &str, until: Option<NaiveDate>) {
    let mut s = demo.session(ADMIN);
    let actor = s.actor(None).expect("the administrator acts");
    s.execute(
        actor,
        Command::AddUser(NewUser {
            given: "Blake".into(),
            family: "Second".into(),
            email: Some(format!("{login}@demo-mro.example")),
            login: Some(login.into()),
            roles: vec!["Account administrator".into()],
            access_until: until,
        }),
    )
    .expect("the second administrator is added");
}

fn app_at(demo: &Demo, login: &str, clock: &Arc<Mutex<DateTime<Utc>>>) -> App {
    let session =
        Session::open(&demo.path, login, Box::new(Moving(clock.clone()))).expect("the demo opens");
    App::new(
        session,
        Keymap::default_keymap(),
        Theme::builtin("default").expect("a built-in theme"),
        false,
    )
}

#[test]
fn an_access_expiry_passing_mid_session_shows_access_ended_and_only_quit_acts() {
    let demo = Demo::new();
    let last_day = now().date_naive() + Duration::days(2);
    add_admin(&demo, "blake", Some(last_day));
    let clock = Arc::new(Mutex::new(now()));
    let mut app = app_at(&demo, "blake", &clock);
    assert_eq!(app.tab, Tab::Users);
    assert!(app.ended().is_none());
    // A form is open when the expiry passes.
    press(&mut app, key('n'));
    assert!(top_form(&app).is_some());
    let before = screen(&mut app, 80, 24);
    assert!(before.contains("New user"), "{before}");

    *clock.lock().unwrap() = now() + Duration::days(3);
    let why = app.ended().expect("the session ended");
    assert_eq!(why, format!("your access expired on {last_day}"));
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("Your access ended"), "{s}");
    assert!(s.contains(&format!("expired on {last_day}")), "{s}");
    assert!(!s.contains("New user") && !s.contains("Lindqvist"), "{s}");
    // Nothing acts but quitting: typing, submitting and tab keys are ignored.
    let seq = audit_seq(&app);
    type_text(&mut app, "Ada");
    press_code(&mut app, KeyCode::Enter);
    press(&mut app, key('2'));
    assert_eq!(app.tab, Tab::Users);
    assert_eq!(audit_seq(&app), seq, "nothing was executed");
    assert!(!app.quit);
    assert_eq!(screen(&mut app, 80, 24), s);
    press(&mut app, key('q'));
    assert!(app.quit, "q quits, though the form had unsaved text");
}

#[test]
fn editing_your_own_login_ends_the_session_with_the_reason() {
    let demo = Demo::new();
    // A second administrator with a login: the demo's is no longer the last.
    add_admin(&demo, "blake", None);
    let clock = Arc::new(Mutex::new(now()));
    let mut app = app_at(&demo, ADMIN, &clock);
    press(&mut app, key('/'));
    type_text(&mut app, ADMIN);
    press_code(&mut app, KeyCode::Enter);
    let _ = screen(&mut app, 120, 40);
    press(&mut app, key('e'));
    let form = top_form(&app).expect("e opens the edit form");
    assert_eq!(form.value(3), ADMIN, "the form edits the operator");
    for _ in 0..3 {
        press_code(&mut app, KeyCode::Tab);
    }
    for _ in 0..ADMIN.len() {
        press_code(&mut app, KeyCode::Backspace);
    }
    type_text(&mut app, "avery2");
    let seq = audit_seq(&app);
    press_code(&mut app, KeyCode::Enter);
    assert_eq!(audit_seq(&app), seq + 1, "the edit committed");
    let me = app.session.org().user_by_login("avery2").expect("renamed");
    assert_eq!(me.name(), "Demo Administrator");

    let why = app.ended().expect("the session ended");
    assert!(why.contains("no longer bound"), "{why}");
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("Your access ended"), "{s}");
    assert!(s.contains("'avery' is no longer bound"), "{s}");
    press(&mut app, key('n'));
    press(&mut app, key('?'));
    assert!(app.popups.is_empty(), "no form or help opens");
    assert_eq!(audit_seq(&app), seq + 1);
    press(&mut app, ctrl('c'));
    assert!(app.quit);
}

#[test]
fn acting_as_a_technician_shows_their_tabs_and_name_only() {
    let demo = Demo::new();
    let clock = Arc::new(Mutex::new(now()));
    let mut app = app_at(&demo, ADMIN, &clock);
    assert_eq!(app.visible_tabs().len(), 5);
    app.act_as(TECHNICIAN)
        .expect("the administrator may act as a technician");
    assert_eq!(app.visible_tabs(), vec![Tab::Me]);
    assert_eq!(app.tab, Tab::Me);
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("as Henrik Dahl"), "{s}");
    assert!(!s.contains("Demo Administrator"), "{s}");
    // The technician's keys, not the administrator's: no Users tab.
    press(&mut app, key('1'));
    assert_eq!(app.tab, Tab::Me);
    assert!(status_text(&app).contains("no access to that tab"));
}

#[test]
fn acting_as_someone_whose_access_exceeds_yours_is_refused() {
    let demo = Demo::new();
    add_admin(&demo, "blake", None);
    let clock = Arc::new(Mutex::new(now()));
    let mut app = app_at(&demo, TECHNICIAN, &clock);
    let err = app
        .act_as("blake")
        .expect_err("a technician cannot act as anyone");
    assert!(err.contains("users.impersonate"), "{err}");
    assert_eq!(app.who.acting_as, None);
    assert_eq!(app.visible_tabs(), vec![Tab::Me]);
}
