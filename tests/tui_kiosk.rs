//! Kiosk mode on the test backend: started from a registered workshop
//! terminal's login, the app shows the sign-in screen; a sign-in gives the
//! person's Me tab only, whatever they hold elsewhere; five wrong PINs lock
//! them out for 15 minutes (audited, also across a restart); idle and quit
//! sign out to the sign-in screen, never back to the previous person; a
//! login that is no terminal gets the normal app.

#[path = "common/tui.rs"]
mod fixtures;

use chrono::Duration;
use clearance::ops::{Command, FixedClock};
use clearance::tui::app::{App, Tab};
use ratatui::crossterm::event::KeyCode;

use fixtures::*;

const TERMINAL: &str = "hangar2";
const PIN: &str = "240617";

/// The demo with a workshop terminal, and PINs for the technician and
/// the account administrator.
fn kiosk_demo() -> Demo {
    let demo = Demo::new();
    let mut s = demo.session(ADMIN);
    let actor = s.actor(None).unwrap();
    s.execute(
        actor,
        Command::AddTerminal {
            name: "Hangar 2".into(),
            login: TERMINAL.into(),
        },
    )
    .unwrap();
    s.set_pin(PIN).unwrap();
    drop(s);
    demo.session(TECHNICIAN).set_pin(PIN).unwrap();
    demo
}

fn sign_in(app: &mut App, person: &str, pin: &str) {
    type_text(app, person);
    press_code(app, KeyCode::Enter);
    type_text(app, pin);
    press_code(app, KeyCode::Enter);
}

fn last_command(app: &App) -> String {
    let e = app.session.audit_entries().pop().unwrap().unwrap();
    e.body.command.name().to_string()
}

fn message(app: &App) -> String {
    app.kiosk
        .as_ref()
        .and_then(|k| k.message.clone())
        .map(|m| m.0)
        .unwrap_or_default()
}

#[test]
fn kiosk_sign_in_screen_80x24() {
    let demo = kiosk_demo();
    let mut app = demo.app(TERMINAL);
    assert!(app.at_sign_in());
    assert!(!app.allow_suspend, "a kiosk is never suspended");
    type_text(&mut app, TECHNICIAN);
    press_code(&mut app, KeyCode::Enter);
    type_text(&mut app, "2406");
    let text = screen(&mut app, 80, 24);
    assert!(!text.contains("2406"), "the PIN is never shown");
    insta::assert_snapshot!(text);
}

#[test]
fn kiosk_sign_in_help_on_question_mark() {
    let demo = kiosk_demo();
    let mut app = demo.app(TERMINAL);
    press(&mut app, key('?'));
    let text = screen(&mut app, 80, 24);
    assert!(text.contains("Five wrong PINs"), "{text}");
    press(&mut app, key('x'));
    assert!(!screen(&mut app, 80, 24).contains("Five wrong PINs"));
}

#[test]
fn kiosk_sign_in_opens_the_me_tab_audited() {
    let demo = kiosk_demo();
    let mut app = demo.app(TERMINAL);
    sign_in(&mut app, TECHNICIAN, PIN);
    assert!(!app.at_sign_in(), "{}", message(&app));
    assert_eq!(app.tab, Tab::Me);
    assert_eq!(app.visible_tabs(), vec![Tab::Me]);
    assert_eq!(last_command(&app), "kiosk sign-in");
    let text = screen(&mut app, 80, 24);
    assert!(text.contains("My qualifications"), "{text}");
    // By email too.
    press(&mut app, key('q'));
    assert!(app.at_sign_in() && !app.quit, "quit signs out, not off");
    assert_eq!(last_command(&app), "kiosk sign-out");
    let email = app
        .session
        .org()
        .resolve_user(TECHNICIAN)
        .unwrap()
        .email
        .clone()
        .unwrap();
    sign_in(&mut app, &email, PIN);
    assert!(!app.at_sign_in(), "{}", message(&app));
    // Ctrl-c signs out too; at the sign-in screen it closes the app.
    press(&mut app, ctrl('c'));
    assert!(app.at_sign_in() && !app.quit);
    press(&mut app, ctrl('c'));
    assert!(app.quit);
}

#[test]
fn kiosk_wrong_pin_five_times_locks_audited_then_unlocks_after_15_minutes() {
    let demo = kiosk_demo();
    let mut app = demo.app(TERMINAL);
    let before = audit_seq(&app);
    // An unknown person hears what a wrong PIN hears.
    sign_in(&mut app, "nobody-here", PIN);
    let unknown = message(&app);
    assert_eq!(unknown, "sign-in refused: unknown person or wrong PIN");
    assert_eq!(last_command(&app), "kiosk failure");
    for i in 1..=4 {
        sign_in(&mut app, TECHNICIAN, "999999");
        assert_eq!(message(&app), unknown, "attempt {i}");
        assert_eq!(last_command(&app), "kiosk failure");
    }
    sign_in(&mut app, TECHNICIAN, "999999");
    assert_eq!(
        message(&app),
        "sign-in refused: kiosk sign-in for this person is locked until 09:45"
    );
    assert_eq!(last_command(&app), "kiosk lock");
    // The right PIN is refused while locked, and that is audited too.
    sign_in(&mut app, TECHNICIAN, PIN);
    assert!(app.at_sign_in());
    assert!(message(&app).contains("locked until 09:45"));
    assert_eq!(audit_seq(&app), before + 7);
    // The lock is stored: a restarted app at the same instant is locked.
    drop(app);
    let mut app = demo.app(TERMINAL);
    sign_in(&mut app, TECHNICIAN, PIN);
    assert!(message(&app).contains("locked until"), "{}", message(&app));
    // Fifteen minutes after the fifth failure it opens again.
    drop(app);
    let later = clearance::ops::Session::open(
        &demo.path,
        TERMINAL,
        Box::new(FixedClock(now() + Duration::minutes(15))),
    )
    .unwrap();
    let mut app = App::new(
        later,
        clearance::tui::keymap::Keymap::default_keymap(),
        clearance::tui::theme::Theme::builtin("default").unwrap(),
        false,
    );
    sign_in(&mut app, TECHNICIAN, PIN);
    assert!(!app.at_sign_in(), "{}", message(&app));
    assert_eq!(last_command(&app), "kiosk sign-in");
    drop(app);
    // The whole history is in the audit log and the chain holds.
    let s = demo.session(ADMIN);
    assert!(s.store().verify_audit(None).ok());
}

#[test]
fn kiosk_idle_signs_out_to_the_sign_in_screen_never_back() {
    let demo = kiosk_demo();
    let mut app = demo.app(TERMINAL);
    sign_in(&mut app, TECHNICIAN, PIN);
    assert!(!app.at_sign_in());
    // Something half typed somewhere is forgotten too.
    app.lock();
    assert!(app.at_sign_in(), "idle signs out");
    assert!(!app.locked, "no screen blank that a key would lift");
    assert_eq!(app.who.operator, None);
    let e = app.session.audit_entries().pop().unwrap().unwrap();
    assert!(matches!(
        e.body.command,
        Command::KioskSignOut { idle: true, .. }
    ));
    // A key after the idle time lands in the sign-in form, not in the
    // previous person's session.
    press(&mut app, key('j'));
    assert!(app.at_sign_in());
    assert_eq!(app.kiosk.as_ref().unwrap().person, "j");
    let text = screen(&mut app, 80, 24);
    assert!(text.contains("signed out after inactivity"), "{text}");
    assert!(!text.contains("My qualifications"), "{text}");
    // Idle at the sign-in screen clears what was typed.
    app.lock();
    assert!(app.kiosk.as_ref().unwrap().person.is_empty());
}

#[test]
fn kiosk_administrator_elsewhere_sees_only_self_service() {
    let demo = kiosk_demo();
    let mut app = demo.app(TERMINAL);
    sign_in(&mut app, ADMIN, PIN);
    assert!(!app.at_sign_in(), "{}", message(&app));
    assert_eq!(app.visible_tabs(), vec![Tab::Me]);
    for k in ['1', '2', '3', '4'] {
        press(&mut app, key(k));
        assert_eq!(app.tab, Tab::Me, "key {k}");
    }
    press_code(&mut app, KeyCode::Tab);
    assert_eq!(app.tab, Tab::Me);
    press(&mut app, key(':'));
    assert!(app.popups.is_empty(), "no palette");
    assert!(status_text(&app).contains("palette"));
    assert!(app.act_as(TECHNICIAN).is_err(), "no --as at a kiosk");
    let before = audit_seq(&app);
    assert!(app
        .execute(Command::Deactivate {
            user: TECHNICIAN.into()
        })
        .is_err());
    assert_eq!(audit_seq(&app), before, "nothing changes at a kiosk");
    let text = screen(&mut app, 80, 24);
    assert!(!text.contains("Users") && !text.contains("Audit"), "{text}");
}

#[test]
fn kiosk_signoff_check_asks_who_performed_the_work() {
    let demo = kiosk_demo();
    let mut app = demo.app(TERMINAL);
    sign_in(&mut app, TECHNICIAN, PIN);
    press(&mut app, key('c'));
    let form = top_form(&app).expect("the signoff form");
    assert!(
        form.fields.iter().any(|f| f.label == "Performed by"),
        "the signoff check asks who performed the work"
    );
}

#[test]
fn kiosk_non_terminal_login_gets_the_normal_app() {
    let demo = kiosk_demo();
    let app = demo.app(ADMIN);
    assert!(app.kiosk.is_none());
    assert!(!app.at_sign_in());
    assert!(app.visible_tabs().len() > 1);
    assert!(app.allow_suspend);
}
