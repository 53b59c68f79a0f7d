//! Update tests of the terminal app: key sequences fed to `App` on a
//! temporary store holding the demo organisation, with a fixed clock. Each
//! test asserts the state that follows and what reached the store (the user
//! records and the audit log), never just that nothing panicked.

#[path = "common/tui.rs"]
mod fixtures;

use clearance::domain::catalog::{Level, YES};
use clearance::domain::command::NewUser;
use clearance::domain::org::Organisation;
use clearance::domain::users::{User, UserStatus};
use clearance::ops::Command;
use clearance::tui::app::{make_cx, App, Popup, Tab};
use clearance::tui::keymap::Action;
use clearance::tui::views::roles::Focus;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use fixtures::*;

/// The user selected in the Users tab (after a draw: the view rebuilds its
/// rows when it draws or handles an action, not on every typed key).
fn selected_user(app: &mut App) -> Option<User> {
    let _ = screen(app, 120, 40);
    let cx = make_cx(
        &app.session,
        &app.keymap,
        &app.theme,
        app.sym,
        app.version,
        app.who,
    )
    .expect("the session runs");
    app.users.selected(&cx).cloned()
}

fn user_by_login(app: &App, login: &str) -> User {
    app.session
        .org()
        .user_by_login(login)
        .unwrap_or_else(|| panic!("no user with login {login}"))
        .clone()
}

/// Filters the Users tab down to one login and keeps the filter; the best
/// match is selected.
fn select_user(app: &mut App, login: &str) {
    press(app, key('1'));
    press(app, key('/'));
    type_text(app, login);
    press_code(app, KeyCode::Enter);
    let u = selected_user(app).expect("a user is selected");
    assert_eq!(u.login.as_deref(), Some(login), "the filter selected {u:?}");
}

/// The count in the Users pane's title, "Users (N)".
fn users_count(app: &mut App) -> usize {
    let s = screen(app, 120, 40);
    let i = s.find("Users (").expect("the users pane title") + "Users (".len();
    s[i..]
        .split(')')
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a count in the title")
}

// ---- tabs -----------------------------------------------------------------

#[test]
fn number_keys_switch_to_every_tab() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    // Every tab but Reviews, which shows once there is a campaign.
    let mut all = Tab::ALL.to_vec();
    all.retain(|t| *t != Tab::Reviews);
    assert_eq!(app.visible_tabs(), all);
    assert_eq!(app.tab, Tab::Users, "the app opens on the first tab");
    for (k, tab) in [
        ('2', Tab::Roles),
        ('3', Tab::Authorizations),
        ('4', Tab::Audit),
        ('5', Tab::Me),
        ('1', Tab::Users),
    ] {
        press(&mut app, key(k));
        assert_eq!(app.tab, tab, "key {k}");
        // Every tab draws at the smallest supported size.
        let s = screen(&mut app, 80, 24);
        assert!(s.contains(tab.title()), "{tab:?}:\n{s}");
    }
    assert!(app.status.is_none(), "{:?}", app.status);
}

#[test]
fn tab_and_shift_tab_cycle_through_the_tabs_and_wrap() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    let mut seen = vec![app.tab];
    for _ in 0..5 {
        press_code(&mut app, KeyCode::Tab);
        seen.push(app.tab);
    }
    assert_eq!(
        seen,
        vec![
            Tab::Users,
            Tab::Roles,
            Tab::Authorizations,
            Tab::Audit,
            Tab::Me,
            Tab::Users
        ]
    );
    press_code(&mut app, KeyCode::BackTab);
    assert_eq!(app.tab, Tab::Me, "shift-tab wraps backwards");
    press_code(&mut app, KeyCode::BackTab);
    assert_eq!(app.tab, Tab::Audit);
}

#[test]
fn key_releases_are_ignored() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    let mut release = key('3');
    release.kind = KeyEventKind::Release;
    app.on_event(Event::Key(release));
    assert_eq!(app.tab, Tab::Users);
    let mut repeat = key('3');
    repeat.kind = KeyEventKind::Repeat;
    app.on_event(Event::Key(repeat));
    assert_eq!(app.tab, Tab::Users);
}

// ---- filter ---------------------------------------------------------------

#[test]
fn slash_filter_narrows_the_users_list_and_esc_clears_it() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    assert_eq!(users_count(&mut app), 40, "the deactivated user is hidden");
    press(&mut app, key('/'));
    assert!(app.users.filtering);
    type_text(&mut app, "farouk");
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("/farouk_"), "the title shows the filter:\n{s}");
    assert!(s.contains("Leila Farouk"), "{s}");
    assert!(!s.contains("Selma Aalto"), "{s}");
    let n = users_count(&mut app);
    assert!((1..40).contains(&n), "{n} users match 'farouk'");
    assert_eq!(
        selected_user(&mut app).and_then(|u| u.login),
        Some("lfarouk".into()),
        "the best match is selected"
    );
    // Letters that are keys elsewhere ('q' quits, 'n' is new) are text here.
    press_code(&mut app, KeyCode::Enter);
    assert!(!app.users.filtering, "enter keeps the filter");
    assert_eq!(app.users.filter, "farouk");
    assert_eq!(users_count(&mut app), n);
    press_code(&mut app, KeyCode::Esc);
    assert_eq!(app.users.filter, "", "esc (back) clears the kept filter");
    assert_eq!(users_count(&mut app), 40, "the deactivated user is hidden");
    // While typing, esc clears and leaves the filter at once.
    press(&mut app, key('/'));
    type_text(&mut app, "qn");
    assert!(!app.quit && app.popups.is_empty());
    press_code(&mut app, KeyCode::Esc);
    assert!(!app.users.filtering);
    assert_eq!(app.users.filter, "");
    assert_eq!(users_count(&mut app), 40, "the deactivated user is hidden");
}

#[test]
fn arrow_keys_move_within_the_matches_while_filtering() {
    // Fixed here: every key typed into the filter used to reset the
    // selection to the first row, so ↓/↑ did nothing while filtering.
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    press(&mut app, key('/'));
    type_text(&mut app, "demo-mro");
    let first = selected_user(&mut app).expect("a match");
    press_code(&mut app, KeyCode::Down);
    assert_eq!(app.users.list.selected, 1);
    let second = selected_user(&mut app).expect("a second match");
    assert_ne!(first.id, second.id);
    press_code(&mut app, KeyCode::Up);
    assert_eq!(app.users.list.selected, 0);
    press_code(&mut app, KeyCode::Down);
    // Typing changes the filter: the selection goes back to the best match.
    type_text(&mut app, "x");
    assert_eq!(app.users.list.selected, 0);
}

// ---- forms and commands ---------------------------------------------------

#[test]
fn new_user_form_creates_the_user_with_one_audit_entry() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    let seq = audit_seq(&app);
    let users = app.session.org().users.len();
    press(&mut app, key('n'));
    let form = top_form(&app).expect("n opens the new-user form");
    assert_eq!(form.title, "New user");
    assert_eq!(form.focus, 0);
    type_text(&mut app, "Ada");
    press_code(&mut app, KeyCode::Tab);
    type_text(&mut app, "Lovelace");
    press_code(&mut app, KeyCode::Tab);
    type_text(&mut app, "ada.lovelace@demo-mro.example");
    press_code(&mut app, KeyCode::Tab);
    type_text(&mut app, "alovelace");
    press_code(&mut app, KeyCode::Tab);
    // The role is a choice: a letter jumps to the next option starting with it.
    press(&mut app, key('s'));
    let form = top_form(&app).expect("still open");
    assert_eq!(form.focus, 4);
    assert_eq!(form.value(4), "Stores");
    press_code(&mut app, KeyCode::Enter);

    assert!(app.popups.is_empty(), "the form closes on success");
    assert_eq!(audit_seq(&app), seq + 1, "exactly one audit entry");
    assert_eq!(app.session.org().users.len(), users + 1);
    let status = status_text(&app);
    assert!(
        status.contains(&format!("(audit #{})", seq + 1)),
        "{status}"
    );
    let u = user_by_login(&app, "alovelace");
    assert_eq!((u.given.as_str(), u.family.as_str()), ("Ada", "Lovelace"));
    assert_eq!(u.email.as_deref(), Some("ada.lovelace@demo-mro.example"));
    assert_eq!(u.status, UserStatus::Active);
    assert_eq!(u.roles.len(), 1);
    let s = screen(&mut app, 120, 40);
    // One more, less the demo's deactivated user, hidden.
    assert!(s.contains(&format!("Users ({})", users)), "{s}");

    // The store holds it: close the app (and the store), reopen, look.
    drop(app);
    let s = demo.session(ADMIN);
    assert_eq!(s.store().head().seq, seq + 1);
    let u = s.org().user_by_login("alovelace").expect("stored");
    assert_eq!(u.name(), "Ada Lovelace");
    let entries = s.audit_entries();
    let last = entries.last().unwrap().as_ref().expect("readable");
    assert_eq!(last.seq, seq + 1);
    assert_eq!(last.body.operator_login, ADMIN);
    match &last.body.command {
        Command::AddUser(n) => {
            assert_eq!(n.email.as_deref(), Some("ada.lovelace@demo-mro.example"));
            assert_eq!(n.roles, vec!["Stores".to_string()]);
        }
        other => panic!("the audit entry holds {other:?}"),
    }
}

#[test]
fn a_rejected_command_leaves_the_form_open_with_the_message_and_changes_nothing() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    let seq = audit_seq(&app);
    let users = app.session.org().users.clone();
    press(&mut app, key('n'));
    type_text(&mut app, "Mara");
    press_code(&mut app, KeyCode::Tab);
    type_text(&mut app, "Twin");
    press_code(&mut app, KeyCode::Tab);
    // The email of an existing user.
    type_text(&mut app, "mlindqvist@demo-mro.example");
    press_code(&mut app, KeyCode::Enter);

    let form = top_form(&app).expect("the form stays open");
    let err = form.error.clone().expect("with the message");
    assert!(err.contains("mlindqvist@demo-mro.example"), "{err}");
    assert_eq!(form.value(1), "Twin", "what was typed is kept");
    assert_eq!(audit_seq(&app), seq, "no audit entry");
    assert_eq!(app.session.org().users, users, "no change");
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("mlindqvist@demo-mro.example"), "{s}");
    // Fixing the field and submitting again succeeds.
    assert_eq!(top_form(&app).unwrap().focus, 2, "the focus stays put");
    for _ in 0.."mlindqvist@demo-mro.example".len() {
        press_code(&mut app, KeyCode::Backspace);
    }
    type_text(&mut app, "mara.twin@demo-mro.example");
    assert!(
        top_form(&app).unwrap().error.is_none(),
        "typing clears the message"
    );
    press_code(&mut app, KeyCode::Enter);
    assert!(app.popups.is_empty());
    assert_eq!(audit_seq(&app), seq + 1);
}

#[test]
fn an_invalid_field_blocks_submission_before_any_command() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    let seq = audit_seq(&app);
    press(&mut app, key('n'));
    type_text(&mut app, "Solo");
    press_code(&mut app, KeyCode::Tab);
    press_code(&mut app, KeyCode::Tab);
    type_text(&mut app, "not an email");
    let form = top_form(&app).unwrap();
    assert!(form.fields[2].message.is_some(), "validated as you type");
    press_code(&mut app, KeyCode::Enter);
    let form = top_form(&app).expect("still open");
    assert_eq!(form.error.as_deref(), Some("fix the marked fields first"));
    assert!(form.fields[1].message.is_some(), "the empty family name");
    assert_eq!(audit_seq(&app), seq);
}

#[test]
fn deactivate_asks_first_and_runs_only_on_y() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    let seq = audit_seq(&app);
    select_user(&mut app, "hdahl");
    press(&mut app, key('d'));
    let c = top_confirm(&app).expect("d asks first");
    assert!(c.danger);
    assert!(c.lines.join(" ").contains("Henrik Dahl"), "{:?}", c.lines);
    press(&mut app, key('n'));
    assert!(app.popups.is_empty(), "n cancels");
    assert_eq!(user_by_login(&app, "hdahl").status, UserStatus::Active);
    assert_eq!(audit_seq(&app), seq);

    press(&mut app, key('d'));
    press_code(&mut app, KeyCode::Esc);
    assert!(app.popups.is_empty(), "esc cancels");
    assert_eq!(audit_seq(&app), seq);

    press(&mut app, key('d'));
    press(&mut app, key('y'));
    assert!(app.popups.is_empty());
    assert_eq!(user_by_login(&app, "hdahl").status, UserStatus::Deactivated);
    assert_eq!(audit_seq(&app), seq + 1);
    // Now hidden from the list; H shows deactivated users again.
    press(&mut app, key('H'));
    assert_eq!(
        selected_user(&mut app).unwrap().login.as_deref(),
        Some("hdahl")
    );
    // Reactivation asks too (not as a danger), so that a reason can go
    // with it; reactivating an active person is refused at once.
    press(&mut app, key('r'));
    let c = top_confirm(&app).expect("r asks first");
    assert!(!c.danger);
    assert_eq!(audit_seq(&app), seq + 1);
    press(&mut app, key('y'));
    assert_eq!(user_by_login(&app, "hdahl").status, UserStatus::Active);
    assert_eq!(audit_seq(&app), seq + 2);
    press(&mut app, key('r'));
    assert!(app.popups.is_empty(), "nothing to ask");
    assert!(
        status_text(&app).contains("not deactivated"),
        "{}",
        status_text(&app)
    );
    assert_eq!(audit_seq(&app), seq + 2);
}

#[test]
fn delete_needs_the_short_name_typed() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    let seq = audit_seq(&app);
    select_user(&mut app, "hdahl");
    press(&mut app, key('D'));
    let c = top_confirm(&app).expect("D asks first");
    assert_eq!(c.expect.as_deref(), Some("hdahl"));
    // y and enter do not confirm: they are text, or refused until it matches.
    press(&mut app, key('y'));
    press_code(&mut app, KeyCode::Enter);
    assert_eq!(top_confirm(&app).expect("still asking").typed, "y");
    assert_eq!(audit_seq(&app), seq);
    press_code(&mut app, KeyCode::Backspace);
    type_text(&mut app, "hdah");
    press_code(&mut app, KeyCode::Enter);
    assert!(top_confirm(&app).is_some(), "a wrong name does not confirm");
    assert_eq!(user_by_login(&app, "hdahl").status, UserStatus::Active);
    // A paste into the typed confirmation is cleaned of controls.
    paste(&mut app, "\x1bl");
    assert_eq!(top_confirm(&app).unwrap().typed, "hdahl");
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("Type hdahl to confirm:"), "{s}");
    press_code(&mut app, KeyCode::Enter);
    assert!(app.popups.is_empty());
    assert_eq!(audit_seq(&app), seq + 1);
    let u = app
        .session
        .org()
        .users
        .values()
        .find(|u| u.name() == "Henrik Dahl")
        .expect("kept as a tombstone");
    assert_eq!(u.status, UserStatus::Deleted);
}

#[test]
fn esc_cancels_a_typed_confirmation() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    let seq = audit_seq(&app);
    select_user(&mut app, "hdahl");
    press(&mut app, key('D'));
    type_text(&mut app, "hdahl");
    press_code(&mut app, KeyCode::Esc);
    assert!(app.popups.is_empty());
    assert_eq!(audit_seq(&app), seq);
    assert_eq!(user_by_login(&app, "hdahl").status, UserStatus::Active);
}

// ---- permission-aware navigation ------------------------------------------

const USER_EDIT_KEYS: [(char, &str); 9] = [
    ('n', "New user"),
    ('e', "Edit user"),
    ('a', "Assign a role"),
    ('u', "Unassign a role"),
    ('p', "Personal grants"),
    ('i', "Invite"),
    ('d', "Deactivate"),
    ('r', "Reactivate"),
    ('D', "Delete"),
];

#[test]
fn an_operator_who_may_only_view_users_never_sees_the_edit_keys() {
    let demo = Demo::new();
    let mut app = demo.app(PLANNER);
    assert!(app.visible_tabs().contains(&Tab::Users));
    assert_eq!(app.tab, Tab::Users);
    let seq = audit_seq(&app);
    let s = screen(&mut app, 120, 40);
    let footer = s.lines().nth(38).unwrap();
    assert!(footer.contains("view only"), "{footer}");
    assert!(footer.contains("/ filter"), "{footer}");
    for k in ["n new", "e edit", "a assign"] {
        assert!(!footer.contains(k), "the footer offers '{k}': {footer}");
    }
    // The help lists no edit action.
    press(&mut app, key('?'));
    assert!(matches!(app.popups.last(), Some(Popup::Help(_))));
    let help = screen(&mut app, 120, 40);
    assert!(help.contains("Filter (fuzzy)"), "{help}");
    for (_, desc) in USER_EDIT_KEYS {
        assert!(!help.contains(desc), "the help lists '{desc}':\n{help}");
    }
    press_code(&mut app, KeyCode::Esc);
    // Nor does the palette.
    press(&mut app, key(':'));
    match app.popups.last() {
        Some(Popup::Palette(p)) => {
            let actions: Vec<Action> = p
                .matches()
                .iter()
                .filter(|m| m.tab == Some(Tab::Users))
                .map(|m| m.action)
                .collect();
            assert!(actions.contains(&Action::Filter));
            for a in [
                Action::New,
                Action::Edit,
                Action::Delete,
                Action::Deactivate,
            ] {
                assert!(!actions.contains(&a), "the palette offers {a:?}");
            }
        }
        _ => panic!("':' opens the palette"),
    }
    press_code(&mut app, KeyCode::Esc);
    assert!(app.popups.is_empty());
    // Pressing the keys anyway changes nothing and says so.
    for (k, _) in USER_EDIT_KEYS {
        press(&mut app, key(k));
        assert!(app.popups.is_empty(), "'{k}' opened {:?}", app.popups.len());
        let st = app.status.clone().expect("a message");
        assert!(st.error, "{st:?}");
        assert!(st.text.contains("lack the permission"), "{}", st.text);
    }
    assert_eq!(audit_seq(&app), seq);
    // The planner may view authorizations but not manage them either.
    press(&mut app, key('3'));
    assert_eq!(app.tab, Tab::Authorizations);
    let s = screen(&mut app, 120, 40);
    let footer = s.lines().nth(38).unwrap();
    assert!(footer.contains("view only"), "{footer}");
    assert!(!footer.contains("n new"), "{footer}");
    press(&mut app, key('n'));
    assert!(app.popups.is_empty());
    assert!(status_text(&app).contains("lack the permission"));
}

#[test]
fn a_technician_sees_only_the_me_tab() {
    let demo = Demo::new();
    let mut app = demo.app(TECHNICIAN);
    assert_eq!(app.visible_tabs(), vec![Tab::Me]);
    assert_eq!(app.tab, Tab::Me);
    let s = screen(&mut app, 100, 30);
    let header = s.lines().next().unwrap();
    assert!(header.contains("5 Me"), "{header}");
    for t in ["Users", "Roles", "Authorizations", "Audit"] {
        assert!(!header.contains(t), "the header shows {t}: {header}");
    }
    assert!(s.contains("Henrik Dahl (hdahl)"), "{s}");
    for k in ['1', '2', '3', '4'] {
        press(&mut app, key(k));
        assert_eq!(app.tab, Tab::Me, "key {k}");
        assert!(status_text(&app).contains("no access"), "{:?}", app.status);
    }
    press_code(&mut app, KeyCode::Tab);
    assert_eq!(app.tab, Tab::Me);
    press_code(&mut app, KeyCode::BackTab);
    assert_eq!(app.tab, Tab::Me);
    let seq = audit_seq(&app);
    for k in ['n', 'e', 'd', 'D', 'x', 'R'] {
        press(&mut app, key(k));
        assert!(app.popups.is_empty(), "'{k}' opened a popup");
    }
    assert_eq!(audit_seq(&app), seq);
    // The snapshot command refuses a hidden tab the same way.
    drop(app);
    let err = clearance::tui::snapshot(
        demo.session(TECHNICIAN).into(),
        clearance::tui::Look {
            keymap: clearance::tui::keymap::Keymap::default_keymap(),
            theme: clearance::tui::theme::Theme::builtin("default").unwrap(),
            ascii: false,
            depth: clearance::tui::caps::ColorDepth::TrueColor,
            mouse: false,
            idle_lock: None,
        },
        Some(Tab::Users),
        None,
        100,
        30,
    );
    assert_eq!(err.unwrap_err(), "you have no access to the Users tab");
}

// ---- paste ----------------------------------------------------------------

#[test]
fn paste_outside_a_text_field_changes_nothing() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    let seq = audit_seq(&app);
    let before = screen(&mut app, 120, 40);
    // Keys that would quit, switch tabs, open forms and delete.
    paste(&mut app, "q3nD:?\r\x03");
    assert!(!app.quit);
    assert_eq!(app.tab, Tab::Users);
    assert!(app.popups.is_empty());
    assert_eq!(audit_seq(&app), seq);
    assert_eq!(app.users.filter, "");
    assert!(
        status_text(&app).contains("paste ignored"),
        "{:?}",
        app.status
    );
    app.status = None;
    assert_eq!(screen(&mut app, 120, 40), before);
    // Over a popup that takes no text (help), a paste is dropped too.
    press(&mut app, key('?'));
    paste(&mut app, "dele");
    match app.popups.last() {
        Some(Popup::Help(h)) => assert_eq!(h.filter, ""),
        _ => panic!("help is open"),
    }
}

#[test]
fn paste_into_the_filter_is_cleaned() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    press(&mut app, key('/'));
    paste(&mut app, "far\x1b[2J\u{202e}ouk\x07");
    assert_eq!(app.users.filter, "far[2Jouk");
}

#[test]
fn paste_into_a_form_field_is_cleaned_of_escapes_and_controls() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    press(&mut app, key('n'));
    paste(
        &mut app,
        "Ada\x1b]0;pwned\x07\u{202e}Love\r\nlace\t\u{200b}!",
    );
    let v = top_form(&app).unwrap().value(0);
    assert_eq!(v, "Ada]0;pwnedLove lace !");
    assert!(!v.chars().any(clearance::domain::text::is_unsafe_char));
    // Typed control characters are refused as well.
    press(&mut app, key('\u{1b}'));
    press(&mut app, key('\u{7}'));
    assert_eq!(top_form(&app).unwrap().value(0), v);
    // The rendered form shows no escape either.
    let s = screen(&mut app, 120, 40);
    assert!(!s.contains('\u{1b}'), "{s:?}");
}

// ---- quitting -------------------------------------------------------------

#[test]
fn q_quits_when_nothing_is_unsaved() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    assert!(!app.unsaved());
    press(&mut app, key('q'));
    assert!(app.quit);
}

#[test]
fn q_in_a_changed_form_is_text_and_esc_asks_before_discarding() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    press(&mut app, key('n'));
    type_text(&mut app, "Quentin");
    press(&mut app, key('q'));
    assert!(!app.quit, "q in a text field is a letter, not quit");
    assert_eq!(top_form(&app).unwrap().value(0), "Quentinq");
    assert!(app.unsaved(), "a changed form counts as unsaved");
    // Esc on a changed form asks first; n keeps the form and its text.
    press_code(&mut app, KeyCode::Esc);
    let c = top_confirm(&app).expect("esc asks before discarding");
    assert_eq!(c.title, "Discard?");
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("Discard the changes in this form?"), "{s}");
    press(&mut app, key('n'));
    assert_eq!(top_form(&app).expect("kept").value(0), "Quentinq");
    // y discards the form (and only the form).
    press_code(&mut app, KeyCode::Esc);
    press(&mut app, key('y'));
    assert!(app.popups.is_empty());
    assert!(!app.quit);
    assert!(!app.unsaved());
    // An unchanged form closes on esc without asking.
    press(&mut app, key('n'));
    press_code(&mut app, KeyCode::Esc);
    assert!(app.popups.is_empty());
}

#[test]
fn ctrl_c_quits_at_once_even_with_a_changed_form_open() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    let seq = audit_seq(&app);
    press(&mut app, key('n'));
    type_text(&mut app, "Half-typed");
    press(&mut app, ctrl('c'));
    assert!(app.quit);
    assert_eq!(audit_seq(&app), seq, "nothing was submitted");
    // And from a filter being typed.
    drop(app);
    let mut app = demo_app_filtering(&demo);
    press(&mut app, ctrl('c'));
    assert!(app.quit);
}

fn demo_app_filtering(demo: &Demo) -> App {
    let mut app = demo.app(PLANNER);
    press(&mut app, key('/'));
    type_text(&mut app, "abc");
    assert!(app.users.filtering);
    app
}

// ---- help and palette -----------------------------------------------------

#[test]
fn help_lists_every_binding_of_the_view_and_filters_by_typing() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    press(&mut app, key('?'));
    let s = screen(&mut app, 120, 40);
    for desc in [
        "New user",
        "Deactivate",
        "Filter (fuzzy)",
        "Quit",
        "Users tab",
    ] {
        assert!(s.contains(desc), "help lacks {desc}:\n{s}");
    }
    type_text(&mut app, "deac");
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("Deactivate"), "{s}");
    assert!(!s.contains("New user"), "{s}");
    press_code(&mut app, KeyCode::Esc);
    assert!(app.popups.is_empty());
    assert_eq!(app.tab, Tab::Users);
}

#[test]
fn the_palette_runs_the_chosen_action() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    press(&mut app, key(':'));
    type_text(&mut app, "audit tab");
    press_code(&mut app, KeyCode::Enter);
    assert!(app.popups.is_empty());
    assert_eq!(app.tab, Tab::Audit);
    // A destructive action chosen in the palette still asks first.
    let seq = audit_seq(&app);
    select_user(&mut app, "hdahl");
    press(&mut app, key(':'));
    type_text(&mut app, "deactivate");
    press_code(&mut app, KeyCode::Enter);
    assert!(top_confirm(&app).is_some(), "the palette's deactivate asks");
    assert_eq!(audit_seq(&app), seq);
}

// ---- Me: the signoff check -------------------------------------------------

/// Fills the signoff form as the certifying staff member: kind B1, ATR72,
/// optional ATA chapter, station EKBI, today's date (the form's default).
fn signoff(app: &mut App, ata: &str) -> Vec<String> {
    assert_eq!(app.tab, Tab::Me);
    press(app, key('c'));
    let form = top_form(app).expect("c opens the signoff check");
    assert_eq!(form.value(4), "2026-03-02", "the date defaults to today");
    press(app, key('b'));
    assert_eq!(top_form(app).unwrap().value(0), "B1");
    press_code(app, KeyCode::Tab);
    type_text(app, "ATR72");
    press_code(app, KeyCode::Tab);
    type_text(app, ata);
    press_code(app, KeyCode::Tab);
    type_text(app, "EKBI");
    press_code(app, KeyCode::Enter);
    match app.popups.last() {
        Some(Popup::Info(title, lines)) => {
            assert_eq!(title, "Signoff check");
            assert_eq!(*lines, app.me.last_answer);
            lines.clone()
        }
        _ => panic!(
            "the check answers in a popup; form error: {:?}",
            top_form(app).and_then(|f| f.error.clone())
        ),
    }
}

#[test]
fn signoff_check_answers_yes_naming_the_covering_authorization() {
    let demo = Demo::new();
    let mut app = demo.app(CERTIFYING);
    assert_eq!(app.tab, Tab::Me, "certifying staff see only Me");
    let seq = audit_seq(&app);
    let lines = signoff(&mut app, "");
    assert_eq!(
        lines,
        vec!["✓ YES: B1 on ATR72 on 2026-03-02, covered by CS-011".to_string()]
    );
    press_code(&mut app, KeyCode::Enter);
    assert!(app.popups.is_empty());
    // The answer stays on the Me tab until the next check.
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("Last signoff check"), "{s}");
    // (The answer wraps in the narrower right pane.)
    assert!(s.contains("covered by"), "{s}");
    assert_eq!(
        app.me.last_answer,
        vec!["✓ YES: B1 on ATR72 on 2026-03-02, covered by CS-011".to_string()]
    );
    // Within the authorization's systems (21-36, 49) the answer is the same.
    let lines = signoff(&mut app, "32");
    assert!(
        lines[0].contains("YES") && lines[0].contains("CS-011"),
        "{lines:?}"
    );
    assert_eq!(audit_seq(&app), seq, "a check writes nothing");
}

#[test]
fn signoff_check_answers_no_with_every_failed_condition_for_ata_52() {
    let demo = Demo::new();
    let mut app = demo.app(CERTIFYING);
    let lines = signoff(&mut app, "52");
    assert_eq!(lines[0], "✗ NO: B1 on ATR72 on 2026-03-02");
    assert!(lines.len() >= 2, "at least one failed condition: {lines:?}");
    for (i, l) in lines[1..].iter().enumerate() {
        assert!(l.starts_with(&format!("{}. ", i + 1)), "{l}");
        assert!(
            l.contains(" — fix: "),
            "each failure says what would fix it: {l}"
        );
    }
    let all = lines.join("\n");
    assert!(all.contains("52"), "names the system: {all}");
    assert!(all.contains("CS-011"), "names the authorization: {all}");
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("NO: B1 on ATR72"), "{s}");
}

#[test]
fn a_technician_can_run_the_signoff_check_and_hears_no() {
    let demo = Demo::new();
    let mut app = demo.app(TECHNICIAN);
    press(&mut app, key('c'));
    press(&mut app, key('b'));
    press_code(&mut app, KeyCode::Tab);
    type_text(&mut app, "ATR72");
    press_code(&mut app, KeyCode::Enter);
    match app.popups.last() {
        Some(Popup::Info(_, lines)) => {
            assert!(lines[0].starts_with("✗ NO"), "{lines:?}");
            assert!(lines.len() >= 2, "{lines:?}");
        }
        _ => panic!("no answer"),
    }
}

// ---- a key event's modifiers ------------------------------------------------

#[test]
fn shifted_letters_and_backtab_arrive_as_the_keymap_names_them() {
    // Terminals report 'G' and shift-tab with the SHIFT modifier.
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    app.on_event(Event::Key(KeyEvent::new(
        KeyCode::Char('G'),
        KeyModifiers::SHIFT,
    )));
    // 41 users, one of them deactivated and so hidden.
    assert_eq!(app.users.list.selected, 39, "G goes to the last row");
    app.on_event(Event::Key(KeyEvent::new(
        KeyCode::BackTab,
        KeyModifiers::SHIFT,
    )));
    assert_eq!(app.tab, Tab::Me);
}

// ---- Roles: the permission grid ---------------------------------------------

/// The Roles tab, the list on `role`, `enter`: the grid on its column.
fn open_role_grid(app: &mut App, role: &str) {
    press(app, key('2'));
    assert_eq!(app.tab, Tab::Roles);
    // The list shows the roles in the organisation's order.
    let i = app
        .session
        .org()
        .roles
        .values()
        .position(|r| r.name == role)
        .unwrap_or_else(|| panic!("no role {role}"));
    press(app, key('g'));
    for _ in 0..i {
        press(app, key('j'));
    }
    press_code(app, KeyCode::Enter);
    assert_eq!(app.roles.focus, Focus::Table);
    assert_eq!(app.roles.grid.col, i, "the grid opens on {role}'s column");
    let s = screen(app, 120, 40);
    assert!(s.contains(&format!("{role} · ")), "{s}");
}

/// Moves the grid cursor down until the line under the grid names `perm`.
fn grid_to(app: &mut App, perm: &str) {
    let needle = format!("{perm} — ");
    for _ in 0..80 {
        if screen(app, 120, 40).contains(&needle) {
            return;
        }
        press(app, key('j'));
    }
    panic!("the grid has no row {perm}");
}

/// A role's stored level of a permission.
fn stored_level(org: &Organisation, role: &str, perm: &str) -> Level {
    let c = org.catalog();
    let r = org.resolve_role(role).expect("the role exists");
    r.level(c, c.index_of(perm).expect("the permission exists"))
}

#[test]
fn a_grid_cell_set_and_saved_reaches_the_store_with_one_audit_entry() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    let seq = audit_seq(&app);
    let role = "Workshop technician";
    let perm = "work_orders.release";
    assert_eq!(stored_level(app.session.org(), role, perm), 0);
    open_role_grid(&mut app, role);
    grid_to(&mut app, perm);
    press(&mut app, key('y'));
    assert!(app.unsaved(), "the edit is pending");
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("yes*"), "the cell is marked changed:\n{s}");
    assert!(s.contains("(saved: no)"), "{s}");
    assert_eq!(audit_seq(&app), seq, "nothing is written before saving");
    // Save: the impact first, as a confirmation.
    press(&mut app, key('w'));
    let c = top_confirm(&app).expect("w shows the impact first");
    assert_eq!(c.title, "Save: impact on users");
    assert!(
        c.lines[0].contains("1 change to Workshop technician"),
        "{:?}",
        c.lines
    );
    assert!(
        c.lines
            .iter()
            .any(|l| l.contains("work_orders.release no → yes")),
        "{:?}",
        c.lines
    );
    assert_eq!(audit_seq(&app), seq, "nothing is written before confirming");
    press(&mut app, key('y'));
    assert!(app.popups.is_empty());
    assert!(!app.unsaved(), "saved edits are no longer pending");
    assert!(
        status_text(&app).contains(&format!("(audit #{})", seq + 1)),
        "{}",
        status_text(&app)
    );
    let s = screen(&mut app, 120, 40);
    assert!(!s.contains("yes*"), "the mark is gone once saved:\n{s}");
    assert!(!s.contains("unsaved"), "{s}");

    // The store holds it: close the app (and the store), reopen, look.
    drop(app);
    let s = demo.session(ADMIN);
    assert_eq!(stored_level(s.org(), role, perm), YES);
    assert_eq!(s.store().head().seq, seq + 1, "exactly one audit entry");
    let entries = s.audit_entries();
    let last = entries.last().unwrap().as_ref().expect("readable");
    assert_eq!(last.seq, seq + 1);
    assert_eq!(last.body.operator_login, ADMIN);
    assert_eq!(
        last.body.command,
        Command::SetRoleLevels {
            role: role.into(),
            levels: vec![(perm.into(), "yes".into())],
        }
    );
    assert!(s.store().verify_audit(None).ok(), "the chain verifies");
}

#[test]
fn an_escalation_in_the_grid_is_refused_with_the_message_and_changes_nothing() {
    let demo = Demo::new();
    {
        // A role editor: may manage roles, holds little else (in particular
        // not work_orders.release, so may not hand it out).
        let mut s = demo.session(ADMIN);
        let actor = s.actor(None).unwrap();
        for cmd in [
            Command::AddRole {
                name: "Role editor".into(),
                description: String::new(),
                copy_from: None,
            },
            Command::SetRoleLevels {
                role: "Role editor".into(),
                levels: vec![
                    ("roles.manage".into(), "yes".into()),
                    ("users.view".into(), "view".into()),
                ],
            },
            Command::AddUser(NewUser {
                given: "Rhea".into(),
                family: "Editor".into(),
                email: Some("rhea@demo-mro.example".into()),
                login: Some("reditor".into()),
                roles: vec!["Role editor".into()],
                access_until: None,
            }),
        ] {
            s.execute(actor, cmd).expect("setup commits");
        }
    }
    let mut app = demo.app("reditor");
    let seq = audit_seq(&app);
    let role = "Workshop technician";
    let perm = "work_orders.release";
    open_role_grid(&mut app, role);
    let s = screen(&mut app, 120, 40);
    assert!(!s.contains("view only"), "a role editor may edit:\n{s}");
    grid_to(&mut app, perm);
    press(&mut app, key('y'));
    press(&mut app, key('w'));
    assert!(top_confirm(&app).is_some(), "the impact is shown first");
    press(&mut app, key('y'));
    let st = app.status.clone().expect("a message");
    assert!(st.error, "{st:?}");
    assert!(
        st.text.contains("you hold work_orders.release = no"),
        "{}",
        st.text
    );
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("you hold work_orders.release = no"), "{s}");
    // Nothing changed; the edit stays, marked, to change or discard.
    assert_eq!(audit_seq(&app), seq);
    assert_eq!(stored_level(app.session.org(), role, perm), 0);
    assert!(app.unsaved());
    assert!(s.contains("yes*"), "{s}");
    drop(app);
    let s = demo.session(ADMIN);
    assert_eq!(s.store().head().seq, seq);
    assert_eq!(stored_level(s.org(), role, perm), 0);
}

#[test]
fn q_with_unsaved_grid_edits_asks_and_n_keeps_the_app_and_the_edits() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    let seq = audit_seq(&app);
    open_role_grid(&mut app, "Stores");
    grid_to(&mut app, "tools.access");
    press(&mut app, key('v'));
    assert!(app.unsaved());
    press(&mut app, key('q'));
    assert!(!app.quit, "q with unsaved edits asks first");
    let c = top_confirm(&app).expect("a confirmation");
    assert_eq!(c.title, "Quit?");
    assert!(c.lines[0].contains("unsaved changes"), "{:?}", c.lines);
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("Quit and discard them?"), "{s}");
    press(&mut app, key('n'));
    assert!(!app.quit, "n keeps the app running");
    assert!(app.popups.is_empty());
    assert!(app.unsaved(), "and the edits");
    assert_eq!(app.roles.focus, Focus::Table);
    assert!(screen(&mut app, 120, 40).contains("view*"));
    // Asked again, y quits without saving anything.
    press(&mut app, key('q'));
    press(&mut app, key('y'));
    assert!(app.quit);
    assert_eq!(audit_seq(&app), seq);
    drop(app);
    let s = demo.session(ADMIN);
    assert_eq!(stored_level(s.org(), "Stores", "tools.access"), 0);
}

#[test]
fn the_idle_lock_hides_the_screen_until_a_key_and_swallows_that_key() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    app.on_key(key('1'));
    let before = clearance::tui::render_text(&mut app, 120, 40);
    assert!(before.contains("Users"));
    app.lock();
    let locked = clearance::tui::render_text(&mut app, 120, 40);
    // It says what it is: a screen blank, not a sign-out.
    assert!(
        locked.contains("Screen hidden after inactivity"),
        "{locked}"
    );
    assert!(locked.contains("Still signed in"), "{locked}");
    assert!(
        !locked.contains("Lindqvist"),
        "data shows through the lock:\n{locked}"
    );
    // The waking key does nothing else: `q` does not quit.
    app.on_key(key('q'));
    assert!(!app.quit);
    assert_eq!(clearance::tui::render_text(&mut app, 120, 40), before);
}
