//! The authorization forms in the app: who the new authorization is for
//! (empty unless opened from that person).

#[path = "common/tui.rs"]
mod fixtures;

use clearance::tui::app::{Popup, Tab};
use ratatui::crossterm::event::KeyCode;

use fixtures::*;

#[test]
fn new_authorization_from_the_authorizations_tab_starts_with_no_holder() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    press(&mut app, key('3'));
    // A row is selected (its holder is someone): the form still starts empty.
    press(&mut app, key('j'));
    press(&mut app, key('j'));
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("▶"), "{s}");
    press(&mut app, key('n'));
    let form = top_form(&app).expect("n opens the new-authorization form");
    assert_eq!(form.title, "Issue an authorization");
    assert_eq!(form.value(0), "", "the holder starts empty");
    // Submitting without a holder is refused before any command.
    let seq = audit_seq(&app);
    press_code(&mut app, KeyCode::Enter);
    assert_eq!(audit_seq(&app), seq);
    assert!(top_form(&app).is_some());
}

#[test]
fn issue_authorization_from_a_person_in_users_prefills_them_and_issues_to_them() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    press(&mut app, key('/'));
    type_text(&mut app, TECHNICIAN);
    press_code(&mut app, KeyCode::Enter);
    let _ = screen(&mut app, 120, 40);
    let tech = app
        .session
        .org()
        .user_by_login(TECHNICIAN)
        .expect("the technician")
        .clone();
    press(&mut app, key('A'));
    assert!(
        matches!(
            app.popups.last(),
            Some(Popup::Form(_, Tab::Authorizations, _))
        ),
        "A opens the authorizations tab's form"
    );
    let form = top_form(&app).expect("the form");
    assert_eq!(form.value(0), format!("#{}", tech.id));
    press_code(&mut app, KeyCode::Tab);
    type_text(&mut app, "CS-900");
    for _ in 0..7 {
        press_code(&mut app, KeyCode::Tab);
    }
    type_text(&mut app, "2027-01-31");
    let seq = audit_seq(&app);
    press_code(&mut app, KeyCode::Enter);
    assert!(
        app.popups.is_empty(),
        "{:?}",
        top_form(&app).map(|f| &f.error)
    );
    assert_eq!(audit_seq(&app), seq + 1);
    let a = app
        .session
        .org()
        .authorizations
        .values()
        .find(|a| a.reference == "CS-900")
        .expect("issued");
    assert_eq!(a.holder, tech.id);
    assert_eq!(app.tab, Tab::Users, "the app stays where it was");
}

#[test]
fn issue_authorization_is_hidden_from_a_planner_without_authorizations_manage() {
    let demo = Demo::new();
    let mut app = demo.app(PLANNER);
    press(&mut app, key('1'));
    press(&mut app, key('A'));
    assert!(app.popups.is_empty());
    assert!(
        status_text(&app).contains("lack the permission"),
        "{}",
        status_text(&app)
    );
}
