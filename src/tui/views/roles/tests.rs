//! App-level tests of the Roles tab (keys fed to an `App` on the demo).

use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeZone, Utc};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::domain::catalog::system;
use crate::domain::command::NewUser;
use crate::ops::{FixedClock, Session};
use crate::tui::app::App;
use crate::tui::keymap::Keymap;
use crate::tui::theme::Theme;

pub(crate) const ADMIN: &str = "avery";
/// A maintenance planner of the demo: may view users, not manage roles.
const PLANNER: &str = "mlindqvist";

pub(crate) fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 30, 0).unwrap()
}

/// The demo organisation (maintenance preset) in a temporary directory.
pub(crate) struct Demo {
    _dir: tempfile::TempDir,
    pub(crate) path: PathBuf,
}

pub(crate) fn demo() -> Demo {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let preset = crate::presets::load("maintenance").unwrap();
    let admin = NewUser {
        given: "Avery".into(),
        family: "Admin".into(),
        email: Some("avery@demo-mro.example".into()),
        login: Some(ADMIN.into()),
        roles: vec![],
        access_until: None,
    };
    let mut s = Session::init(
        &path,
        ADMIN,
        Box::new(FixedClock(now())),
        &preset,
        "Demo MRO",
        admin,
    )
    .unwrap();
    run(&mut s, Command::Batch(crate::demo::demo_commands(now())));
    Demo { _dir: dir, path }
}

pub(crate) fn run(s: &mut Session, cmd: Command) {
    let actor = s.actor(None).unwrap();
    s.execute(actor, cmd).unwrap();
}

pub(crate) fn session(path: &Path, login: &str) -> Session {
    Session::open(path, login, Box::new(FixedClock(now()))).unwrap()
}

pub(crate) fn app(path: &Path, login: &str) -> App {
    App::new(
        session(path, login),
        Keymap::default_keymap(),
        Theme::builtin("default").unwrap(),
        false,
    )
}

pub(crate) fn press(app: &mut App, code: KeyCode) {
    app.on_key(KeyEvent::new(code, KeyModifiers::NONE));
}

pub(crate) fn keys(app: &mut App, s: &str) {
    for c in s.chars() {
        press(app, KeyCode::Char(c));
    }
}

pub(crate) fn screen(app: &mut App) -> String {
    crate::tui::render_text(app, 120, 40)
}

pub(crate) fn status(app: &App) -> (String, bool) {
    app.status
        .as_ref()
        .map(|s| (s.text.clone(), s.error))
        .unwrap_or_default()
}

pub(crate) fn audit_len(app: &App) -> usize {
    app.session.audit_entries().len()
}

fn stored(app: &App, role: &str, perm: &str) -> Level {
    let org = app.session.org();
    let r = org.resolve_role(role).unwrap();
    r.level(org.catalog(), org.catalog().index_of(perm).unwrap())
}

/// Roles tab, the list on `role`, then the grid on its column.
fn open_role(app: &mut App, role: &str) {
    keys(app, "2");
    assert_eq!(app.tab, Tab::Roles);
    screen(app);
    let i = app
        .roles
        .roles
        .iter()
        .position(|id| app.session.org().roles[id].name == role)
        .unwrap();
    keys(app, "g");
    for _ in 0..i {
        keys(app, "j");
    }
    press(app, KeyCode::Enter);
    assert_eq!(app.roles.focus, Focus::Table);
    assert_eq!(app.roles.grid.col, i);
}

/// Moves the grid cursor down to a permission's row.
fn goto_perm(app: &mut App, perm: &str) {
    let p = app.session.org().catalog().index_of(perm).unwrap();
    let target = app
        .roles
        .rows
        .iter()
        .position(|r| *r == Row::Perm(p))
        .unwrap();
    while app.roles.grid.row > target {
        keys(app, "k");
    }
    while app.roles.grid.row < target {
        keys(app, "j");
    }
}

fn confirm_lines(app: &App) -> Vec<String> {
    match app.popups.last() {
        Some(Popup::Confirm(c, _)) => c.lines.clone(),
        _ => panic!("no confirmation open"),
    }
}

#[test]
fn set_a_cell_save_and_confirm_commits_one_audit_entry() {
    let d = demo();
    let mut app = app(&d.path, ADMIN);
    let before = audit_len(&app);
    open_role(&mut app, "Workshop technician");
    goto_perm(&mut app, "work_orders.release");
    keys(&mut app, "y");
    assert!(app.unsaved());
    let s = screen(&mut app);
    assert!(s.contains("yes*"), "{s}");
    assert!(s.contains("1 unsaved"), "{s}");
    // Nothing is written before saving.
    assert_eq!(
        stored(&app, "Workshop technician", "work_orders.release"),
        0
    );
    keys(&mut app, "w");
    let lines = confirm_lines(&app);
    assert!(
        lines[0].contains("1 change to Workshop technician"),
        "{lines:?}"
    );
    // Impact: users of the role gain the level (Hanna Virtanen is a
    // workshop technician in the demo; the list is capped).
    assert!(
        lines
            .iter()
            .any(|l| l.contains(": work_orders.release no → yes")),
        "{lines:?}"
    );
    assert!(lines.len() <= 2 + IMPACT_LINES + 1, "{lines:?}");
    assert!(lines.iter().any(|l| l.contains("… and")), "{lines:?}");
    keys(&mut app, "y");
    assert!(app.popups.is_empty());
    assert_eq!(
        stored(&app, "Workshop technician", "work_orders.release"),
        YES
    );
    assert_eq!(audit_len(&app), before + 1);
    assert!(!app.unsaved());
    let (text, error) = status(&app);
    assert!(!error, "{text}");
    assert!(text.contains("set role Workshop technician"), "{text}");
    assert!(!screen(&mut app).contains("yes*"));
}

#[test]
fn changes_to_several_roles_are_one_batch_and_one_audit_entry() {
    let d = demo();
    let mut app = app(&d.path, ADMIN);
    let before = audit_len(&app);
    open_role(&mut app, "Stores");
    goto_perm(&mut app, "tools.access");
    keys(&mut app, "v");
    keys(&mut app, "l"); // Purchasing
    keys(&mut app, "m");
    goto_perm(&mut app, "aircraft.access");
    keys(&mut app, " "); // none → view
    assert_eq!(app.roles.pending.len(), 3);
    keys(&mut app, "w");
    let lines = confirm_lines(&app);
    assert!(
        lines[0].contains("3 changes to Stores, Purchasing"),
        "{lines:?}"
    );
    keys(&mut app, "y");
    assert_eq!(stored(&app, "Stores", "tools.access"), VIEW);
    assert_eq!(stored(&app, "Purchasing", "tools.access"), MANAGE);
    assert_eq!(stored(&app, "Purchasing", "aircraft.access"), VIEW);
    assert_eq!(audit_len(&app), before + 1);
    assert!(!app.unsaved());
}

#[test]
fn escalation_is_refused_leaves_data_and_edits_and_shows_the_message() {
    let d = demo();
    {
        // A role editor who may manage roles but holds little else.
        let mut s = session(&d.path, ADMIN);
        run(
            &mut s,
            Command::AddRole {
                name: "Role editor".into(),
                description: String::new(),
                copy_from: None,
            },
        );
        run(
            &mut s,
            Command::SetRoleLevels {
                role: "Role editor".into(),
                levels: vec![
                    ("roles.manage".into(), "yes".into()),
                    ("users.view".into(), "view".into()),
                ],
            },
        );
        run(
            &mut s,
            Command::AddUser(NewUser {
                given: "Rhea".into(),
                family: "Editor".into(),
                email: Some("rhea@demo-mro.example".into()),
                login: Some("reditor".into()),
                roles: vec!["Role editor".into()],
                access_until: None,
            }),
        );
    }
    let mut app = app(&d.path, "reditor");
    let before = audit_len(&app);
    open_role(&mut app, "Workshop technician");
    assert!(!screen(&mut app).contains("view only"));
    goto_perm(&mut app, "work_orders.release");
    keys(&mut app, "y");
    keys(&mut app, "w");
    keys(&mut app, "y");
    let (text, error) = status(&app);
    assert!(error, "{text}");
    assert!(text.contains("you hold work_orders.release = no"), "{text}");
    assert_eq!(
        stored(&app, "Workshop technician", "work_orders.release"),
        0
    );
    assert_eq!(audit_len(&app), before);
    // The edit stays, marked, for the operator to change or discard.
    assert!(app.unsaved());
    let s = screen(&mut app);
    assert!(s.contains("yes*"), "{s}");
    assert!(s.contains("you hold work_orders.release = no"), "{s}");
}

#[test]
fn esc_with_changes_asks_before_discarding() {
    let d = demo();
    let mut app = app(&d.path, ADMIN);
    open_role(&mut app, "Stores");
    // No changes: esc goes straight back to the list.
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.roles.focus, Focus::List);
    assert!(app.popups.is_empty());
    press(&mut app, KeyCode::Enter);
    goto_perm(&mut app, "tools.access");
    keys(&mut app, "m");
    press(&mut app, KeyCode::Esc);
    assert!(confirm_lines(&app)[0].contains("Discard 1 unsaved change"));
    keys(&mut app, "n");
    assert!(app.popups.is_empty());
    assert!(app.unsaved());
    assert_eq!(app.roles.focus, Focus::Table);
    press(&mut app, KeyCode::Esc);
    keys(&mut app, "y");
    assert!(!app.unsaved());
    assert_eq!(app.roles.focus, Focus::List);
    assert_eq!(stored(&app, "Stores", "tools.access"), 0);
    assert!(status(&app).0.contains("discarded 1 unsaved change"));
}

#[test]
fn quitting_with_unsaved_edits_asks() {
    let d = demo();
    let mut app = app(&d.path, ADMIN);
    open_role(&mut app, "Stores");
    goto_perm(&mut app, "tools.access");
    keys(&mut app, "v");
    keys(&mut app, "q");
    assert!(!app.quit);
    assert!(confirm_lines(&app)[0].contains("unsaved changes"));
}

#[test]
fn the_builtin_administrator_is_read_only() {
    let d = demo();
    let mut app = app(&d.path, ADMIN);
    open_role(&mut app, "Account administrator");
    goto_perm(&mut app, "work_orders.delete");
    for k in [" ", "0", "y"] {
        keys(&mut app, k);
        let (text, error) = status(&app);
        assert!(error);
        assert!(text.contains("built in and read-only"), "{text}");
    }
    assert!(!app.unsaved());
    assert!(screen(&mut app).contains("built in, read-only"));
    // Not from the matrix either, and it cannot be removed.
    press(&mut app, KeyCode::Esc);
    keys(&mut app, "m");
    press(&mut app, KeyCode::Enter);
    keys(&mut app, "0");
    assert!(status(&app).0.contains("built in and read-only"));
    press(&mut app, KeyCode::Esc);
    keys(&mut app, "D");
    assert!(status(&app).0.contains("built in and cannot be removed"));
    assert!(app.popups.is_empty());
}

#[test]
fn a_level_missing_from_the_scale_is_refused() {
    let d = demo();
    let mut app = app(&d.path, ADMIN);
    open_role(&mut app, "Stores");
    goto_perm(&mut app, "work_orders.release");
    keys(&mut app, "v");
    let (text, error) = status(&app);
    assert!(error);
    assert!(
        text.contains("'view' does not exist on the grant scale of work_orders.release"),
        "{text}"
    );
    goto_perm(&mut app, "time_entries.view");
    keys(&mut app, "m");
    assert!(status(&app).0.contains("scope scale"));
    assert!(!app.unsaved());
    // On a scope: own, other, all, and space cycles through them.
    keys(&mut app, "o");
    assert_eq!(
        app.roles.pending.values().copied().collect::<Vec<_>>(),
        [OWN]
    );
    keys(&mut app, " ");
    assert_eq!(
        app.roles.pending.values().copied().collect::<Vec<_>>(),
        [OTHER]
    );
    keys(&mut app, " ");
    assert_eq!(app.roles.pending.values().copied().collect::<Vec<_>>(), [3]);
    // Back to the stored level: no longer a change.
    keys(&mut app, " ");
    assert!(!app.unsaved());
}

#[test]
fn areas_collapse_and_expand_and_area_rows_edit_the_whole_area() {
    let d = demo();
    let mut app = app(&d.path, ADMIN);
    open_role(&mut app, "Read-only");
    goto_perm(&mut app, "work_orders.release");
    let n = app.roles.rows.len();
    keys(&mut app, "z");
    assert_eq!(app.roles.rows.len(), n - 5);
    assert_eq!(app.roles.rows[app.roles.grid.row], Row::Area(3));
    assert!(screen(&mut app).contains("▸ Work orders"));
    keys(&mut app, "a");
    assert_eq!(app.roles.pending.len(), 5);
    let s = screen(&mut app);
    assert!(s.contains("full*"), "{s}");
    keys(&mut app, "z");
    assert_eq!(app.roles.rows.len(), n);
}

#[test]
fn the_matrix_summarises_and_edits_whole_areas() {
    let d = demo();
    let mut app = app(&d.path, ADMIN);
    let before = audit_len(&app);
    keys(&mut app, "2m");
    assert_eq!(app.roles.mode, Mode::Matrix);
    let s = screen(&mut app);
    assert!(s.contains("Matrix: roles × areas"), "{s}");
    assert!(s.contains("Work orders"), "{s}");
    // The read-only role: view in work orders, nothing more.
    keys(&mut app, "G");
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        app.keymap.lookup(
            app.roles.chain(),
            &crate::tui::keymap::Key::parse("m").unwrap()
        ),
        Some(Action::LevelManage)
    );
    assert_eq!(app.roles.matrix.row, 7);
    keys(&mut app, "lll"); // Work orders
    let c = app.session.org().catalog();
    let wo = c.areas.iter().position(|a| a.key == "work_orders").unwrap();
    assert_eq!(app.roles.matrix.col, wo);
    // `v` sets access permissions to view, leaves the grants.
    keys(&mut app, "0");
    assert_eq!(app.roles.pending.len(), 1);
    keys(&mut app, "v");
    assert!(!app.unsaved(), "view is what the role already holds");
    keys(&mut app, "y");
    assert_eq!(app.roles.pending.len(), 4, "every grant of the area");
    let s = screen(&mut app);
    assert!(s.contains("view +4*"), "{s}");
    keys(&mut app, "o");
    assert!(status(&app)
        .0
        .contains("no permission in Work orders takes 'own'"));
    keys(&mut app, "w");
    keys(&mut app, "y");
    assert_eq!(stored(&app, "Read-only", "work_orders.release"), YES);
    assert_eq!(stored(&app, "Read-only", "work_orders.access"), VIEW);
    assert_eq!(audit_len(&app), before + 1);
    // `space` cycles: full, then none.
    keys(&mut app, " ");
    assert!(screen(&mut app).contains("full*"));
    keys(&mut app, " ");
    assert!(screen(&mut app).contains("—*"));
}

#[test]
fn an_operator_without_roles_manage_sees_no_edit_keys() {
    let d = demo();
    let mut app = app(&d.path, PLANNER);
    keys(&mut app, "2");
    assert_eq!(app.tab, Tab::Roles);
    let s = screen(&mut app);
    assert!(s.contains("view only"), "{s}");
    assert!(!s.contains("n new"), "{s}");
    keys(&mut app, "n");
    assert!(app.popups.is_empty());
    assert!(status(&app).0.contains("you lack the permission"));
    press(&mut app, KeyCode::Enter);
    let s = screen(&mut app);
    assert!(!s.contains("space cycle"), "{s}");
    assert!(s.contains("z expand"), "{s}");
    keys(&mut app, "jy");
    assert!(!app.unsaved());
    assert!(status(&app).0.contains("you lack the permission"));
    let cx = crate::tui::app::make_cx(&app.session, &app.keymap, &app.theme, app.sym, 1, app.who)
        .unwrap();
    assert!(!cx.may(system::ROLES_MANAGE));
}

#[test]
fn new_copy_edit_and_remove_roles() {
    let d = demo();
    let mut app = app(&d.path, ADMIN);
    let before = audit_len(&app);
    keys(&mut app, "2n");
    keys(&mut app, "Line lead");
    press(&mut app, KeyCode::Tab);
    keys(&mut app, "Leads a shift");
    press(&mut app, KeyCode::Enter);
    assert!(app.popups.is_empty(), "{:?}", status(&app));
    let org = app.session.org();
    let r = org.resolve_role("Line lead").unwrap();
    assert_eq!(r.description, "Leads a shift");
    // The new role is selected; copy it.
    screen(&mut app);
    assert_eq!(
        app.session.org().roles[&app.roles.roles[app.roles.list.selected]].name,
        "Line lead"
    );
    // Copy the planner.
    keys(&mut app, "gj");
    keys(&mut app, "c");
    keys(&mut app, "Planner 2");
    press(&mut app, KeyCode::Enter);
    assert!(app.popups.is_empty(), "{:?}", status(&app));
    assert_eq!(stored(&app, "Planner 2", "work_orders.release"), YES);
    screen(&mut app);
    // Rename it.
    keys(&mut app, "e");
    for _ in 0..9 {
        press(&mut app, KeyCode::Backspace);
    }
    keys(&mut app, "Deputy planner");
    press(&mut app, KeyCode::Enter);
    assert!(app.popups.is_empty(), "{:?}", status(&app));
    assert!(app.session.org().resolve_role("Deputy planner").is_ok());
    // Remove it: typed confirmation of the name.
    screen(&mut app);
    keys(&mut app, "D");
    keys(&mut app, "y");
    assert!(!app.popups.is_empty(), "y alone does not confirm");
    for _ in 0..1 {
        press(&mut app, KeyCode::Backspace);
    }
    keys(&mut app, "Deputy planner");
    press(&mut app, KeyCode::Enter);
    assert!(app.popups.is_empty());
    assert!(app.session.org().resolve_role("Deputy planner").is_err());
    assert_eq!(audit_len(&app), before + 4);
    // A role in use cannot be removed.
    keys(&mut app, "gj");
    keys(&mut app, "D");
    assert!(status(&app).0.contains("unassign it first"));
}

#[test]
fn renders_at_80x24_and_120x40_in_every_mode() {
    let d = demo();
    let mut app = app(&d.path, ADMIN);
    keys(&mut app, "2");
    for size in [(80, 24), (120, 40), (200, 50)] {
        for (setup, expect) in [
            ("", "Grid: permissions × roles"),
            ("\n", "AREA / PERMISSION"),
            ("m", "Matrix: roles × areas"),
            ("m\n", "ROLE"),
        ] {
            app.roles.focus = Focus::List;
            app.roles.mode = Mode::Grid;
            for c in setup.chars() {
                if c == '\n' {
                    press(&mut app, KeyCode::Enter);
                } else {
                    keys(&mut app, &c.to_string());
                }
            }
            let s = crate::tui::render_text(&mut app, size.0, size.1);
            assert!(s.contains(expect), "{size:?} {setup:?}\n{s}");
            // Far right and bottom too.
            for _ in 0..30 {
                keys(&mut app, "l");
                keys(&mut app, "j");
            }
            crate::tui::render_text(&mut app, size.0, size.1);
        }
    }
}

#[test]
fn scope_cycles_reach_finer_relations() {
    let s = Scale::Scope {
        relations: vec!["own".into(), "other".into(), "students".into()],
    };
    assert_eq!(cycle_levels(&s), vec![0, 1, 2, 4, 5, 7]);
    assert_eq!(s.level_word(next_level(&s, 4)), "own+students");
    assert_eq!(next_level(&s, 7), 0);
    // A level outside the cycle moves up.
    assert_eq!(next_level(&s, 6), 7);
    assert_eq!(cycle_levels(&Scale::Access), vec![0, VIEW, MANAGE]);
}
