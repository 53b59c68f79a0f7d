//! Assigning and removing roles in the Users tab: the picker starts on no
//! role, the confirmation shows what the person gains or loses before
//! anything happens, and administrative roles need the handle typed.
//! Keys fed to `App`; snapshots of the popups at 80×24.

#[path = "common/tui.rs"]
mod fixtures;

use clearance::domain::users::User;
use clearance::tui::app::App;
use ratatui::crossterm::event::KeyCode;

use fixtures::*;

fn select(app: &mut App, login: &str) -> User {
    press(app, key('1'));
    press(app, key('/'));
    type_text(app, login);
    press_code(app, KeyCode::Enter);
    let _ = screen(app, 120, 40);
    app.session
        .org()
        .user_by_login(login)
        .expect("the user")
        .clone()
}

fn role_names(app: &App, login: &str) -> Vec<String> {
    let org = app.session.org();
    let u = org.user_by_login(login).expect("the user");
    u.roles
        .iter()
        .filter_map(|a| org.roles.get(&a.role).map(|r| r.name.clone()))
        .collect()
}

fn confirm_text(app: &App) -> String {
    top_confirm(app).expect("a confirmation").lines.join("\n")
}

#[test]
fn the_role_picker_starts_on_no_role_and_enter_there_does_nothing_and_says_so() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    select(&mut app, TECHNICIAN);
    let before = role_names(&app, TECHNICIAN);
    let seq = audit_seq(&app);
    press(&mut app, key('a'));
    assert_eq!(
        top_form(&app).expect("the picker").value(0),
        "(choose a role)"
    );
    press_code(&mut app, KeyCode::Enter);
    let form = top_form(&app).expect("the picker stays open");
    let error = form.error.clone().unwrap_or_default();
    assert!(error.contains("no role chosen"), "{error}");
    assert!(top_confirm(&app).is_none());
    assert_eq!(audit_seq(&app), seq);
    assert_eq!(role_names(&app, TECHNICIAN), before);
    assert!(screen(&mut app, 80, 24).contains("no role chosen"));
}

#[test]
fn assigning_a_role_shows_what_the_person_gains_and_runs_only_on_y() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    select(&mut app, TECHNICIAN);
    let seq = audit_seq(&app);
    press(&mut app, key('a'));
    press(&mut app, key('s'));
    assert_eq!(top_form(&app).expect("the picker").value(0), "Stores");
    press_code(&mut app, KeyCode::Enter);
    let text = confirm_text(&app);
    assert!(text.contains("Assign Stores to Henrik Dahl."), "{text}");
    assert!(text.contains("none → "), "the gains, old → new:\n{text}");
    assert!(top_confirm(&app).is_some_and(|c| c.expect.is_none()));
    assert_eq!(audit_seq(&app), seq, "nothing happens before confirming");
    insta::assert_snapshot!(screen(&mut app, 80, 24));
    press(&mut app, key('y'));
    assert!(app.popups.is_empty());
    assert_eq!(audit_seq(&app), seq + 1);
    assert!(role_names(&app, TECHNICIAN).contains(&"Stores".to_string()));
}

#[test]
fn assigning_the_administrator_role_needs_the_handle_typed() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    select(&mut app, TECHNICIAN);
    let seq = audit_seq(&app);
    press(&mut app, key('a'));
    press(&mut app, key('a'));
    assert_eq!(
        top_form(&app).expect("the picker").value(0),
        "Account administrator"
    );
    press_code(&mut app, KeyCode::Enter);
    let c = top_confirm(&app).expect("a confirmation");
    assert_eq!(c.expect.as_deref(), Some(TECHNICIAN));
    assert!(c.danger);
    let text = confirm_text(&app);
    assert!(text.contains("administrative permissions"), "{text}");
    assert!(text.contains("users.manage no → yes"), "{text}");
    insta::assert_snapshot!(screen(&mut app, 80, 24));
    // y and enter do not confirm until the handle is typed.
    press(&mut app, key('y'));
    press_code(&mut app, KeyCode::Enter);
    assert_eq!(audit_seq(&app), seq);
    press_code(&mut app, KeyCode::Backspace);
    type_text(&mut app, TECHNICIAN);
    press_code(&mut app, KeyCode::Enter);
    assert!(app.popups.is_empty());
    assert_eq!(audit_seq(&app), seq + 1);
    assert!(role_names(&app, TECHNICIAN).contains(&"Account administrator".to_string()));
}

#[test]
fn removing_a_role_shows_what_the_person_loses_and_n_keeps_it() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    let u = select(&mut app, CERTIFYING);
    let before = role_names(&app, CERTIFYING);
    assert!(
        before.contains(&"Certifying staff".to_string()),
        "{before:?}"
    );
    let seq = audit_seq(&app);
    press(&mut app, key('u'));
    assert_eq!(
        top_form(&app).expect("the picker").value(0),
        "(choose a role)"
    );
    press(&mut app, key('c'));
    press_code(&mut app, KeyCode::Enter);
    let text = confirm_text(&app);
    assert!(
        text.contains(&format!("Remove Certifying staff from {}.", u.name())),
        "{text}"
    );
    assert!(text.contains("→ none") || text.contains("→ no"), "{text}");
    insta::assert_snapshot!(screen(&mut app, 80, 24));
    press(&mut app, key('n'));
    assert!(app.popups.is_empty());
    assert_eq!(audit_seq(&app), seq);
    assert_eq!(role_names(&app, CERTIFYING), before);
    // Asked again and confirmed, it goes.
    press(&mut app, key('u'));
    press(&mut app, key('c'));
    press_code(&mut app, KeyCode::Enter);
    press(&mut app, key('y'));
    assert_eq!(audit_seq(&app), seq + 1);
    assert!(!role_names(&app, CERTIFYING).contains(&"Certifying staff".to_string()));
}
