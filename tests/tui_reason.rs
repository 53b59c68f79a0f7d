//! Reasons in the app: every form and confirmation that commits a change
//! takes a reason, sent as `Command::Reasoned` and stored in the audit
//! entry; a kind that requires one (RII in the maintenance preset) has the
//! field marked and the save refused in the form without it, and the
//! domain still refuses a command sent without one. The Audit tab shows the
//! reason of the selected entry.

#[path = "common/tui.rs"]
mod fixtures;

use clearance::domain::command::{AuthorizationEdit, Command};
use clearance::domain::users::UserStatus;
use clearance::store::audit::AuditEntry;
use clearance::tui::app::App;
use clearance::tui::widgets::confirm::ConfirmFocus;
use ratatui::crossterm::event::KeyCode;

use fixtures::*;

/// The newest audit entry.
fn last_entry(app: &App) -> AuditEntry {
    app.session
        .audit_entries()
        .pop()
        .expect("an entry")
        .expect("readable")
}

fn select_user(app: &mut App, login: &str) {
    press(app, key('1'));
    press(app, key('/'));
    type_text(app, login);
    press_code(app, KeyCode::Enter);
    let _ = screen(app, 120, 40);
}

fn select_authorization(app: &mut App, reference: &str) {
    press(app, key('3'));
    press(app, key('/'));
    type_text(app, reference);
    press_code(app, KeyCode::Enter);
    let _ = screen(app, 120, 40);
}

fn tab_to(app: &mut App, field: usize) {
    while top_form(app).expect("a form").focus != field {
        press_code(app, KeyCode::Tab);
    }
}

fn status(app: &App, login: &str) -> UserStatus {
    app.session
        .org()
        .user_by_login(login)
        .expect("the user")
        .status
}

/// Opens the form issuing an authorization to `login` from the
/// Authorizations tab, with the reference, the kind (by its first letter)
/// and the expiry filled in.
fn new_authorization(app: &mut App, login: &str, reference: &str, kind: &str) {
    press(app, key('3'));
    press(app, key('n'));
    type_text(app, login);
    press_code(app, KeyCode::Enter);
    tab_to(app, 1);
    type_text(app, reference);
    tab_to(app, 2);
    for _ in 0..30 {
        if top_form(app).expect("the form").value(2) == kind {
            break;
        }
        press_code(app, KeyCode::Right);
    }
    assert_eq!(top_form(app).unwrap().value(2), kind);
    tab_to(app, 8);
    type_text(app, "2027-03-01");
}

#[test]
fn an_rii_authorization_is_refused_in_the_form_without_a_reason_and_issued_with_one() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    let seq = audit_seq(&app);
    new_authorization(&mut app, CERTIFYING, "RII-900", "RII");
    // The kind chosen requires a reason: the field says so at once.
    let form = top_form(&app).unwrap();
    let reason = form.fields.last().expect("the reason field");
    assert_eq!(reason.label, "Reason");
    assert_eq!(
        reason.message.as_deref(),
        Some("required: kind RII needs a reason for every change")
    );
    press_code(&mut app, KeyCode::Enter);
    let form = top_form(&app).expect("refused in the form");
    assert_eq!(
        form.error.as_deref(),
        Some(
            "kind RII needs a reason for every change to its authorizations: \
             fill in Reason; nothing was sent"
        )
    );
    assert_eq!(form.focus, 10, "the reason field has the focus");
    assert_eq!(audit_seq(&app), seq, "nothing was sent");
    insta::assert_snapshot!(screen(&mut app, 80, 24));

    // Another kind needs none: the mark goes with the kind.
    tab_to(&mut app, 2);
    press_code(&mut app, KeyCode::Right);
    let form = top_form(&app).unwrap();
    assert_ne!(form.value(2), "RII");
    assert_eq!(form.fields.last().unwrap().message, None);
    press_code(&mut app, KeyCode::Left);

    tab_to(&mut app, 10);
    type_text(&mut app, "inspector for the C-check of OY-ABC");
    press_code(&mut app, KeyCode::Enter);
    assert!(app.popups.is_empty(), "issued: {}", status_text(&app));
    assert_eq!(audit_seq(&app), seq + 1);
    let e = last_entry(&app);
    assert_eq!(e.body.command.name(), "auth add");
    assert_eq!(
        e.body.command.reason(),
        Some("inspector for the C-check of OY-ABC")
    );
    assert!(
        matches!(&e.body.command, Command::Reasoned { command, .. }
            if matches!(**command, Command::AddAuthorization(_))),
        "{:?}",
        e.body.command
    );
    assert!(
        e.body
            .summary
            .ends_with("(reason: inspector for the C-check of OY-ABC)"),
        "{}",
        e.body.summary
    );
    assert!(app
        .session
        .org()
        .authorizations
        .values()
        .any(|a| a.reference == "RII-900"));

    // The Audit tab shows the reason of the newest entry.
    press(&mut app, key('4'));
    let s = screen(&mut app, 120, 40);
    assert!(
        s.contains("reason   inspector for the C-check of OY-ABC"),
        "{s}"
    );
    insta::assert_snapshot!("audit_tab_shows_the_reason_120x40", s);
}

#[test]
fn changing_an_rii_authorization_needs_a_reason_in_the_form_and_in_the_domain() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    new_authorization(&mut app, CERTIFYING, "RII-901", "RII");
    tab_to(&mut app, 10);
    type_text(&mut app, "first issue");
    press_code(&mut app, KeyCode::Enter);
    assert!(app.popups.is_empty(), "{}", status_text(&app));
    let seq = audit_seq(&app);

    // Edit: the reason is marked required from the start.
    select_authorization(&mut app, "RII-901");
    press(&mut app, key('e'));
    let form = top_form(&app).expect("e opens the edit form");
    assert_eq!(form.title, "Edit RII-901");
    assert_eq!(
        form.fields.last().unwrap().message.as_deref(),
        Some("required: kind RII needs a reason for every change")
    );
    let s = screen(&mut app, 120, 40);
    let row = s.lines().find(|l| l.contains("Reason")).unwrap_or_default();
    assert!(row.contains("Reason          (required)"), "{s}");
    tab_to(&mut app, 2);
    type_text(&mut app, "EKBI");
    press_code(&mut app, KeyCode::Enter);
    let form = top_form(&app).expect("refused in the form");
    assert!(
        form.error
            .as_deref()
            .is_some_and(|e| e.starts_with("kind RII needs a reason")),
        "{:?}",
        form.error
    );
    assert_eq!(audit_seq(&app), seq);
    assert_eq!(top_form(&app).unwrap().focus, 5, "on the reason");
    insta::assert_snapshot!(screen(&mut app, 120, 40));
    type_text(&mut app, "station EKBI added after the audit");
    press_code(&mut app, KeyCode::Enter);
    assert!(app.popups.is_empty(), "{}", status_text(&app));
    assert_eq!(audit_seq(&app), seq + 1);
    let e = last_entry(&app);
    assert_eq!(e.body.command.name(), "auth edit");
    assert_eq!(
        e.body.command.reason(),
        Some("station EKBI added after the audit")
    );

    // Renew: the same.
    press(&mut app, key('R'));
    tab_to(&mut app, 1);
    type_text(&mut app, "2027-06-01");
    press_code(&mut app, KeyCode::Enter);
    assert!(top_form(&app).is_some_and(|f| f.error.is_some() && f.focus == 2));
    assert_eq!(audit_seq(&app), seq + 1);
    type_text(&mut app, "renewed after recurrent training");
    press_code(&mut app, KeyCode::Enter);
    assert!(app.popups.is_empty(), "{}", status_text(&app));
    assert_eq!(
        last_entry(&app).body.command.reason(),
        Some("renewed after recurrent training")
    );

    // The form is a convenience: the domain is the guard.
    let seq = audit_seq(&app);
    let edit = Command::EditAuthorization {
        reference: "RII-901".into(),
        edit: AuthorizationEdit {
            limitations: Some("day shifts only".into()),
            ..AuthorizationEdit::default()
        },
    };
    let e = app.execute(edit.clone()).unwrap_err();
    assert!(e.contains("kind RII requires a reason"), "{e}");
    assert_eq!(audit_seq(&app), seq);
    app.execute(Command::Reasoned {
        reason: "requested by quality".into(),
        command: Box::new(edit),
    })
    .expect("with a reason it is accepted");
    assert_eq!(audit_seq(&app), seq + 1);
}

#[test]
fn a_confirmation_takes_a_reason_after_tab_where_y_and_n_are_text() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    let seq = audit_seq(&app);
    select_user(&mut app, TECHNICIAN);
    press(&mut app, key('d'));
    let c = top_confirm(&app).expect("d asks first");
    assert_eq!(c.reason.as_deref(), Some(""), "a reason field");
    assert_eq!(c.focus, ConfirmFocus::Keys);
    press_code(&mut app, KeyCode::Tab);
    type_text(&mut app, "yes: on long-term leave, no access needed");
    let c = top_confirm(&app).expect("y and n were text");
    assert_eq!(
        c.reason.as_deref(),
        Some("yes: on long-term leave, no access needed")
    );
    assert_eq!(audit_seq(&app), seq);
    insta::assert_snapshot!(screen(&mut app, 80, 24));
    press_code(&mut app, KeyCode::Enter);
    assert!(app.popups.is_empty());
    assert_eq!(status(&app, TECHNICIAN), UserStatus::Deactivated);
    assert_eq!(audit_seq(&app), seq + 1);
    let e = last_entry(&app);
    assert_eq!(e.body.command.name(), "user deactivate");
    assert_eq!(
        e.body.command.reason(),
        Some("yes: on long-term leave, no access needed")
    );

    // Tab back: y confirms again; no reason, a plain command. Deactivated
    // people are hidden from the list until H shows them.
    press(&mut app, key('H'));
    select_user(&mut app, TECHNICIAN);
    press(&mut app, key('r'));
    press_code(&mut app, KeyCode::Tab);
    type_text(&mut app, "x");
    press_code(&mut app, KeyCode::Tab);
    assert_eq!(top_confirm(&app).unwrap().focus, ConfirmFocus::Keys);
    press_code(&mut app, KeyCode::Backspace);
    press(&mut app, key('y'));
    assert!(app.popups.is_empty());
    assert_eq!(status(&app, TECHNICIAN), UserStatus::Active);
    assert_eq!(last_entry(&app).body.command.reason(), Some("x"));
}

#[test]
fn a_confirmation_without_a_reason_sends_the_plain_command() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    select_user(&mut app, TECHNICIAN);
    press(&mut app, key('d'));
    // Spaces only are no reason.
    press_code(&mut app, KeyCode::Tab);
    type_text(&mut app, "   ");
    press_code(&mut app, KeyCode::Enter);
    let e = last_entry(&app);
    assert!(
        matches!(e.body.command, Command::Deactivate { .. }),
        "{:?}",
        e.body.command
    );
    assert_eq!(e.body.command.reason(), None);
}

#[test]
fn a_pasted_reason_is_cleaned_and_cut_at_the_limit() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    select_user(&mut app, TECHNICIAN);
    press(&mut app, key('d'));
    // Not in the reason field yet: the paste goes nowhere.
    paste(&mut app, "ignored");
    assert_eq!(top_confirm(&app).unwrap().reason.as_deref(), Some(""));
    press_code(&mut app, KeyCode::Tab);
    paste(&mut app, "\x1b[31mleft\r\nthe\u{202e} company\x07");
    assert_eq!(
        top_confirm(&app).unwrap().reason.as_deref(),
        Some("[31mleft the company")
    );
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("Reason: [31mleft the company_"), "{s}");
    paste(&mut app, &"z".repeat(500));
    assert_eq!(
        top_confirm(&app)
            .unwrap()
            .reason
            .as_ref()
            .unwrap()
            .chars()
            .count(),
        200
    );
    assert!(
        status_text(&app).contains("paste cut"),
        "{}",
        status_text(&app)
    );
    type_text(&mut app, "more");
    assert_eq!(
        top_confirm(&app)
            .unwrap()
            .reason
            .as_ref()
            .unwrap()
            .chars()
            .count(),
        200,
        "typing stops at the limit too"
    );
    // A form's reason field is cut the same way.
    press_code(&mut app, KeyCode::Esc);
    press(&mut app, key('e'));
    tab_to(&mut app, 5);
    paste(&mut app, &"r".repeat(300));
    assert_eq!(top_form(&app).unwrap().value(5).chars().count(), 200);
}

#[test]
fn a_typed_confirmation_takes_the_name_and_a_reason() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    let seq = audit_seq(&app);
    select_user(&mut app, TECHNICIAN);
    press(&mut app, key('D'));
    assert_eq!(top_confirm(&app).unwrap().focus, ConfirmFocus::Typed);
    type_text(&mut app, "hdahl");
    press_code(&mut app, KeyCode::Tab);
    type_text(&mut app, "duplicate of #31");
    let c = top_confirm(&app).unwrap();
    assert_eq!(c.typed, "hdahl");
    assert_eq!(c.reason.as_deref(), Some("duplicate of #31"));
    insta::assert_snapshot!(screen(&mut app, 80, 24));
    press_code(&mut app, KeyCode::Enter);
    assert!(app.popups.is_empty(), "{}", status_text(&app));
    assert_eq!(audit_seq(&app), seq + 1);
    let e = last_entry(&app);
    assert_eq!(e.body.command.name(), "user delete");
    assert_eq!(e.body.command.reason(), Some("duplicate of #31"));
}

#[test]
fn forms_and_the_grid_save_record_an_optional_reason() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    // A new role, with a reason.
    press(&mut app, key('2'));
    press(&mut app, key('n'));
    type_text(&mut app, "Night shift lead");
    tab_to(&mut app, 2);
    type_text(&mut app, "night shift from April");
    press_code(&mut app, KeyCode::Enter);
    assert!(app.popups.is_empty(), "{}", status_text(&app));
    let e = last_entry(&app);
    assert_eq!(e.body.command.name(), "role add");
    assert_eq!(e.body.command.reason(), Some("night shift from April"));
    assert!(
        status_text(&app).contains("(reason: night shift from April)"),
        "{}",
        status_text(&app)
    );
    // A new user without one: the plain command.
    press(&mut app, key('1'));
    press(&mut app, key('n'));
    type_text(&mut app, "Ada");
    press_code(&mut app, KeyCode::Tab);
    type_text(&mut app, "Lovelace");
    press_code(&mut app, KeyCode::Enter);
    assert!(app.popups.is_empty(), "{}", status_text(&app));
    assert!(matches!(last_entry(&app).body.command, Command::AddUser(_)));
    // The grid's save: the impact confirmation takes the reason. The new
    // role is still selected: its grid, aircraft.access none -> view.
    press(&mut app, key('2'));
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("Night shift lead · 0 users"), "{s}");
    press_code(&mut app, KeyCode::Enter);
    press(&mut app, key('j'));
    press(&mut app, key('v'));
    press(&mut app, key('w'));
    let c = top_confirm(&app).expect("the impact first");
    assert!(c.reason.is_some(), "the save takes a reason");
    press_code(&mut app, KeyCode::Tab);
    type_text(&mut app, "per audit finding 2026-07");
    press_code(&mut app, KeyCode::Enter);
    assert!(app.popups.is_empty(), "{}", status_text(&app));
    let e = last_entry(&app);
    assert_eq!(e.body.command.name(), "role set");
    assert_eq!(e.body.command.reason(), Some("per audit finding 2026-07"));
}

#[test]
fn a_confirmation_that_commits_nothing_has_no_reason_field() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    select_user(&mut app, TECHNICIAN);
    press(&mut app, key('e'));
    type_text(&mut app, "x");
    press_code(&mut app, KeyCode::Esc);
    let c = top_confirm(&app).expect("asks before discarding");
    assert_eq!(c.reason, None);
    press_code(&mut app, KeyCode::Tab);
    assert_eq!(top_confirm(&app).unwrap().focus, ConfirmFocus::Keys);
    let s = screen(&mut app, 120, 40);
    assert!(!s.contains("Reason:"), "{s}");
    assert!(!s.contains("tab reason"), "{s}");
}

#[test]
fn the_footer_of_a_confirmation_names_only_the_keys_that_act() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    select_user(&mut app, TECHNICIAN);
    press(&mut app, key('d'));
    let s = screen(&mut app, 120, 40);
    let footer = s.lines().nth(38).unwrap_or_default().to_string();
    assert_eq!(
        footer.trim_end(),
        "y/enter confirm  n/esc cancel  tab reason"
    );
    press_code(&mut app, KeyCode::Tab);
    let s = screen(&mut app, 120, 40);
    let footer = s.lines().nth(38).unwrap_or_default().to_string();
    assert_eq!(
        footer.trim_end(),
        "enter confirm  esc cancel  tab leave the reason"
    );
}

#[test]
fn an_invitation_asks_first_and_shows_the_code_after_the_reasoned_command() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    let seq = audit_seq(&app);
    // Selma Aalto has a pending invitation: resending replaces its code.
    select_user(&mut app, "saalto");
    press(&mut app, key('i'));
    let c = top_confirm(&app).expect("i asks first");
    assert!(
        c.lines
            .join(" ")
            .contains("Their earlier code stops working."),
        "{:?}",
        c.lines
    );
    assert_eq!(audit_seq(&app), seq, "nothing issued yet");
    press_code(&mut app, KeyCode::Tab);
    type_text(&mut app, "first code expired unused");
    press_code(&mut app, KeyCode::Enter);
    match app.popups.last() {
        Some(clearance::tui::app::Popup::Info(title, lines)) => {
            assert_eq!(title, "Invitation code (shown once)");
            assert!(lines[0].starts_with("Code for Selma Aalto: "), "{lines:?}");
        }
        _ => panic!("the code is shown: {}", status_text(&app)),
    }
    assert_eq!(audit_seq(&app), seq + 1);
    let e = last_entry(&app);
    assert_eq!(e.body.command.name(), "user invite");
    assert_eq!(e.body.command.reason(), Some("first code expired unused"));
}

/// Where the organisation requires a reason for every change (`org set
/// --reason-required`), every form and confirmation marks the field
/// required and sends nothing without it; with one, the change goes through.
#[test]
fn an_organisation_that_requires_reasons_gets_them_in_every_form_and_confirmation() {
    let demo = Demo::new();
    {
        let mut s = demo.session(ADMIN);
        let actor = s.actor(None).unwrap();
        s.execute(
            actor,
            Command::EditOrganisation(clearance::domain::command::OrganisationEdit {
                reason_required: Some(true),
                ..Default::default()
            }),
        )
        .unwrap();
    }
    let mut app = demo.app(ADMIN);
    let seq = audit_seq(&app);
    // A confirmation: y without a reason moves to the field and says why.
    select_user(&mut app, TECHNICIAN);
    press(&mut app, key('d'));
    let c = top_confirm(&app).expect("d asks first");
    assert!(c.reason_required);
    assert!(screen(&mut app, 120, 40).contains("Reason: (required)"));
    press(&mut app, key('y'));
    let c = top_confirm(&app).expect("still asking");
    assert_eq!(c.focus, ConfirmFocus::Reason);
    assert!(
        status_text(&app).contains("requires a reason for every change"),
        "{}",
        status_text(&app)
    );
    assert_eq!(audit_seq(&app), seq);
    type_text(&mut app, "left the company");
    press_code(&mut app, KeyCode::Enter);
    assert!(app.popups.is_empty(), "{}", status_text(&app));
    assert_eq!(status(&app, TECHNICIAN), UserStatus::Deactivated);
    assert_eq!(
        last_entry(&app).body.command.reason(),
        Some("left the company")
    );
    // A form: refused in the form, the focus on the reason.
    press(&mut app, key('1'));
    press(&mut app, key('n'));
    type_text(&mut app, "Ada");
    press_code(&mut app, KeyCode::Tab);
    type_text(&mut app, "Lovelace");
    press_code(&mut app, KeyCode::Enter);
    let form = top_form(&app).expect("the form stays");
    assert_eq!(
        form.error.as_deref(),
        Some("this organisation requires a reason for every change: fill in Reason; nothing was sent")
    );
    assert_eq!(audit_seq(&app), seq + 1);
    type_text(&mut app, "new hire");
    press_code(&mut app, KeyCode::Enter);
    assert!(app.popups.is_empty(), "{}", status_text(&app));
    assert_eq!(last_entry(&app).body.command.reason(), Some("new hire"));
}
