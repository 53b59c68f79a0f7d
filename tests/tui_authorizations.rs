//! The authorization and qualification forms in the app: who a new
//! authorization is for (asked first, or the person it was opened from),
//! its bases ticked from the holder's qualifications by name, and adding
//! and editing qualifications from the Users tab.

#[path = "common/tui.rs"]
mod fixtures;

use clearance::domain::users::User;
use clearance::tui::app::{App, Popup, Tab};
use clearance::tui::widgets::form::FieldKind;
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

/// The options of the top form's field `i` (a choice or multi-select).
fn options(app: &App, i: usize) -> Vec<String> {
    match &top_form(app).expect("a form").fields[i].kind {
        FieldKind::Choice(o) | FieldKind::Multi(o, _) => o.clone(),
        FieldKind::Text => vec![],
    }
}

fn tab_to(app: &mut App, field: usize) {
    while top_form(app).expect("a form").focus != field {
        press_code(app, KeyCode::Tab);
    }
}

/// Chooses a kind with no basis requirements (INSP), so these tests about
/// the form's fields do not depend on the Part-145 kinds' bases.
fn choose_inspection_kind(app: &mut App) {
    tab_to(app, 2);
    for _ in 0..20 {
        if top_form(app).expect("a form").value(2).contains("INSP") {
            return;
        }
        press_code(app, KeyCode::Right);
    }
    panic!("no INSP kind in the form");
}

fn clear_field(app: &mut App) {
    let f = top_form(app).expect("a form");
    let n = f.value(f.focus).chars().count();
    for _ in 0..n {
        press_code(app, KeyCode::Backspace);
    }
}

#[test]
fn new_authorization_from_the_authorizations_tab_asks_for_the_holder_first() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    press(&mut app, key('3'));
    // A row is selected (its holder is someone): the form still starts empty.
    press(&mut app, key('j'));
    press(&mut app, key('j'));
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("▶"), "{s}");
    press(&mut app, key('n'));
    let form = top_form(&app).expect("n opens the form");
    assert_eq!(form.title, "Issue an authorization: for whom?");
    assert_eq!(form.value(0), "", "the holder starts empty");
    let seq = audit_seq(&app);
    press_code(&mut app, KeyCode::Enter);
    assert_eq!(top_form(&app).expect("still open").value(0), "");
    type_text(&mut app, "nobody-here");
    press_code(&mut app, KeyCode::Enter);
    assert!(
        top_form(&app).is_some_and(|f| f.error.is_some()),
        "unknown holder"
    );
    clear_field(&mut app);
    type_text(&mut app, CERTIFYING);
    press_code(&mut app, KeyCode::Enter);
    let form = top_form(&app).expect("the full form");
    assert_eq!(form.title, "Issue an authorization");
    let leila = app
        .session
        .org()
        .user_by_login(CERTIFYING)
        .expect("lfarouk")
        .clone();
    assert_eq!(form.value(0), format!("#{} {}", leila.id, leila.name()));
    let bases = options(&app, 9);
    assert_eq!(bases.len(), 2, "{bases:?}");
    assert!(
        bases[0].starts_with("Licence DK.66.1201 B1 ATR72") && bases[0].contains(" (valid to 2"),
        "{bases:?}"
    );
    assert!(
        bases[1].starts_with("Continuation training CT-"),
        "{bases:?}"
    );
    assert_eq!(audit_seq(&app), seq);
}

#[test]
fn issue_authorization_from_a_person_in_users_prefills_them_and_issues_to_them() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    let tech = select(&mut app, TECHNICIAN);
    press(&mut app, key('A'));
    assert!(
        matches!(
            app.popups.last(),
            Some(Popup::Form(_, Tab::Authorizations, _))
        ),
        "A opens the authorizations tab's form"
    );
    let form = top_form(&app).expect("the form");
    assert_eq!(form.value(0), format!("#{} {}", tech.id, tech.name()));
    assert!(
        options(&app, 9).is_empty(),
        "a technician holds no qualification"
    );
    press_code(&mut app, KeyCode::Tab);
    type_text(&mut app, "CS-900");
    choose_inspection_kind(&mut app);
    tab_to(&mut app, 8);
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
    assert!(a.bases.is_empty());
    assert_eq!(app.tab, Tab::Users, "the app stays where it was");
}

#[test]
fn bases_are_ticked_by_name_from_the_holders_qualifications() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    let leila = select(&mut app, CERTIFYING);
    let quals: Vec<u32> = app
        .session
        .org()
        .qualifications
        .values()
        .filter(|q| q.holder == leila.id)
        .map(|q| q.id)
        .collect();
    press(&mut app, key('A'));
    press_code(&mut app, KeyCode::Tab);
    type_text(&mut app, "CS-901");
    choose_inspection_kind(&mut app);
    tab_to(&mut app, 8);
    type_text(&mut app, "2027-01-31");
    tab_to(&mut app, 9);
    // Move to the second qualification and tick it; the first stays unticked.
    press_code(&mut app, KeyCode::Right);
    press(&mut app, key(' '));
    insta::assert_snapshot!(screen(&mut app, 120, 40));
    assert_eq!(top_form(&app).expect("the form").chosen(9), vec![1]);
    press_code(&mut app, KeyCode::Enter);
    assert!(
        app.popups.is_empty(),
        "{:?}",
        top_form(&app).map(|f| &f.error)
    );
    let a = app
        .session
        .org()
        .authorizations
        .values()
        .find(|a| a.reference == "CS-901")
        .expect("issued");
    assert_eq!(a.bases, vec![quals[1]]);
}

#[test]
fn editing_an_authorization_shows_its_bases_ticked_and_refuses_dropping_a_required_one() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    let leila = app
        .session
        .org()
        .user_by_login(CERTIFYING)
        .expect("lfarouk")
        .clone();
    let (reference, bases) = app
        .session
        .org()
        .authorizations
        .values()
        .find(|a| a.holder == leila.id && !a.bases.is_empty())
        .map(|a| (a.reference.clone(), a.bases.clone()))
        .expect("an authorization with bases");
    press(&mut app, key('3'));
    press(&mut app, key('/'));
    type_text(&mut app, &reference);
    press_code(&mut app, KeyCode::Enter);
    let _ = screen(&mut app, 120, 40);
    press(&mut app, key('e'));
    let quals: Vec<u32> = app
        .session
        .org()
        .qualifications
        .values()
        .filter(|q| q.holder == leila.id)
        .map(|q| q.id)
        .collect();
    let ticked: Vec<u32> = top_form(&app)
        .expect("the edit form")
        .chosen(4)
        .into_iter()
        .map(|i| quals[i])
        .collect();
    assert_eq!(ticked, bases, "the form shows the stored bases");
    tab_to(&mut app, 4);
    // Untick the first basis.
    let first = quals.iter().position(|q| *q == bases[0]).expect("listed");
    for _ in 0..first {
        press_code(&mut app, KeyCode::Right);
    }
    press(&mut app, key(' '));
    let seq = audit_seq(&app);
    press_code(&mut app, KeyCode::Enter);
    // The kind (B1) requires what the first basis gives: the rule holds in
    // the app as in the CLI, the form stays open and says why.
    let error = top_form(&app)
        .expect("the form stays open")
        .error
        .clone()
        .unwrap_or_default();
    assert!(error.contains("lacks a basis kind B1 requires"), "{error}");
    assert_eq!(audit_seq(&app), seq);
    let a = app
        .session
        .org()
        .authorizations
        .values()
        .find(|a| a.reference == reference)
        .expect("still there");
    assert_eq!(a.bases, bases);
}

#[test]
fn a_qualification_is_added_from_the_users_tab() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    let tech = select(&mut app, TECHNICIAN);
    press(&mut app, key('Q'));
    let form = top_form(&app).expect("Q opens the new-qualification form");
    assert_eq!(form.title, format!("New qualification of {}", tech.name()));
    assert_eq!(form.value(0), "licence");
    press_code(&mut app, KeyCode::Tab);
    type_text(&mut app, "DK.66.9999");
    press_code(&mut app, KeyCode::Tab);
    type_text(&mut app, "B1, B2");
    press_code(&mut app, KeyCode::Tab);
    type_text(&mut app, "ATR72");
    tab_to(&mut app, 5);
    type_text(&mut app, "2028-01-01");
    insta::assert_snapshot!(screen(&mut app, 80, 24));
    let seq = audit_seq(&app);
    press_code(&mut app, KeyCode::Enter);
    assert!(
        app.popups.is_empty(),
        "{:?}",
        top_form(&app).map(|f| &f.error)
    );
    assert_eq!(audit_seq(&app), seq + 1);
    let q = app
        .session
        .org()
        .qualifications
        .values()
        .find(|q| q.holder == tech.id)
        .expect("added");
    assert_eq!(q.number, "DK.66.9999");
    assert_eq!(q.categories, vec!["B1".to_string(), "B2".to_string()]);
    assert_eq!(q.type_ratings, vec!["ATR72".to_string()]);
    assert_eq!(q.issued, now().date_naive());
    assert_eq!(
        q.expires.map(|d| d.to_string()).as_deref(),
        Some("2028-01-01")
    );
}

#[test]
fn a_qualification_is_picked_by_name_and_edited_from_the_users_tab() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    let leila = select(&mut app, CERTIFYING);
    press(&mut app, key('Q'));
    let picked = options(&app, 0);
    assert_eq!(picked[0], "(add a new qualification)");
    assert!(picked[1].starts_with("Licence DK.66."), "{picked:?}");
    insta::assert_snapshot!(screen(&mut app, 80, 24));
    press_code(&mut app, KeyCode::Right);
    press_code(&mut app, KeyCode::Enter);
    let form = top_form(&app).expect("the edit form");
    assert!(
        form.title.starts_with("Edit Licence DK.66."),
        "{}",
        form.title
    );
    let id = app
        .session
        .org()
        .qualifications
        .values()
        .find(|q| q.holder == leila.id)
        .map(|q| q.id)
        .expect("her licence");
    tab_to(&mut app, 4);
    clear_field(&mut app);
    type_text(&mut app, "2030-06-30");
    let seq = audit_seq(&app);
    press_code(&mut app, KeyCode::Enter);
    assert!(
        app.popups.is_empty(),
        "{:?}",
        top_form(&app).map(|f| &f.error)
    );
    assert_eq!(audit_seq(&app), seq + 1);
    let q = &app.session.org().qualifications[&id];
    assert_eq!(
        q.expires.map(|d| d.to_string()).as_deref(),
        Some("2030-06-30")
    );
}

#[test]
fn issuing_and_qualifications_are_hidden_from_a_planner_without_authorizations_manage() {
    let demo = Demo::new();
    let mut app = demo.app(PLANNER);
    press(&mut app, key('1'));
    for k in ['A', 'Q'] {
        press(&mut app, key(k));
        assert!(app.popups.is_empty(), "'{k}' opened a popup");
        assert!(
            status_text(&app).contains("lack the permission"),
            "{}",
            status_text(&app)
        );
    }
}
