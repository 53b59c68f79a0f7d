//! TestBackend snapshots (insta) of the terminal app on the demo
//! organisation, with a fixed clock, a fixed login and local time pinned to
//! UTC, at 80×24 and 120×40; and explicit cell-style checks, because a text
//! snapshot does not capture styles. Each snapshot is named after its test
//! (tests/snapshots/tui_snapshots__<test>.snap).

#[path = "common/tui.rs"]
mod fixtures;

use clearance::tui::app::App;
use clearance::tui::keymap::Keymap;
use clearance::tui::theme::Theme;
use clearance::tui::Look;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::KeyCode;
use ratatui::style::{Color, Modifier};
use ratatui::Terminal;

use fixtures::*;

/// Renders the app as `login` after `keys` (each a char, or a named key).
fn app_after(demo: &Demo, login: &str, keys: &[K]) -> App {
    let mut app = demo.app(login);
    feed(&mut app, keys);
    app
}

#[derive(Clone, Copy)]
enum K {
    C(char),
    Code(KeyCode),
    Text(&'static str),
}

fn feed(app: &mut App, keys: &[K]) {
    for k in keys {
        match *k {
            K::C(c) => press(app, key(c)),
            K::Code(c) => press_code(app, c),
            K::Text(t) => type_text(app, t),
        }
    }
}

/// One snapshot test: the screen as `login` after `keys`, at `w`×`h`.
macro_rules! snapshot {
    ($name:ident, $login:expr, [$($k:expr),* $(,)?], $w:expr, $h:expr) => {
        #[test]
        fn $name() {
            let demo = Demo::new();
            let mut app = app_after(&demo, $login, &[$($k),*]);
            insta::assert_snapshot!(screen(&mut app, $w, $h));
        }
    };
    // The keys as one expression (a shared sequence: `&CONST`).
    ($name:ident, $login:expr, $keys:expr, $w:expr, $h:expr) => {
        #[test]
        fn $name() {
            let demo = Demo::new();
            let mut app = app_after(&demo, $login, $keys);
            insta::assert_snapshot!(screen(&mut app, $w, $h));
        }
    };
}

// ---- every tab (Roles: see the Roles section) -----------------------------

snapshot!(users_tab_80x24, ADMIN, [K::C('1')], 80, 24);
snapshot!(users_tab_120x40, ADMIN, [K::C('1')], 120, 40);
snapshot!(authorizations_tab_80x24, ADMIN, [K::C('3')], 80, 24);
snapshot!(authorizations_tab_120x40, ADMIN, [K::C('3')], 120, 40);
snapshot!(audit_tab_80x24, ADMIN, [K::C('4')], 80, 24);
snapshot!(audit_tab_120x40, ADMIN, [K::C('4')], 120, 40);
snapshot!(me_tab_80x24, ADMIN, [K::C('5')], 80, 24);
snapshot!(me_tab_120x40, ADMIN, [K::C('5')], 120, 40);

// Permission-aware screens: a certifying technician sees only Me, with
// qualifications and authorizations; a planner sees users "view only".
snapshot!(me_tab_certifying_staff_120x40, CERTIFYING, [], 120, 40);
snapshot!(me_tab_technician_80x24, TECHNICIAN, [], 80, 24);
snapshot!(users_tab_view_only_120x40, PLANNER, [], 120, 40);

// A filtered list, with the selection moved.
snapshot!(
    users_tab_filtered_120x40,
    ADMIN,
    [
        K::C('/'),
        K::Text("certifying"),
        K::Code(KeyCode::Enter),
        K::C('j')
    ],
    120,
    40
);

// Deactivated and deleted users are hidden unless shown ("You can deactivate
// users to hide them from any list", Flylogs; users_tab_80x24 shows the
// demo's deactivated user hidden): `H` shows them.
snapshot!(
    users_tab_shows_deactivated_after_toggle_120x40,
    ADMIN,
    [K::C('1'), K::C('H')],
    120,
    40
);

// ---- popups ---------------------------------------------------------------

snapshot!(new_user_form_80x24, ADMIN, [K::C('n')], 80, 24);
snapshot!(
    new_user_form_filled_120x40,
    ADMIN,
    [
        K::C('n'),
        K::Text("Ada"),
        K::Code(KeyCode::Tab),
        K::Code(KeyCode::Tab),
        K::Text("not-an-email"),
        K::Code(KeyCode::Tab),
        K::Code(KeyCode::Tab),
        K::C('s'),
    ],
    120,
    40
);
// A rejected command: the form stays open with the message.
snapshot!(
    new_user_form_rejected_120x40,
    ADMIN,
    [
        K::C('n'),
        K::Text("Mara"),
        K::Code(KeyCode::Tab),
        K::Text("Twin"),
        K::Code(KeyCode::Tab),
        K::Text("mlindqvist@demo-mro.example"),
        K::Code(KeyCode::Enter),
    ],
    120,
    40
);
snapshot!(help_popup_80x24, ADMIN, [K::C('?')], 80, 24);
snapshot!(help_popup_120x40, ADMIN, [K::C('?')], 120, 40);
snapshot!(
    help_popup_filtered_120x40,
    ADMIN,
    [K::C('?'), K::Text("tab")],
    120,
    40
);
snapshot!(command_palette_80x24, ADMIN, [K::C(':')], 80, 24);
snapshot!(
    command_palette_filtered_120x40,
    ADMIN,
    [K::C(':'), K::Text("deact")],
    120,
    40
);
snapshot!(
    confirm_deactivate_120x40,
    ADMIN,
    [
        K::C('/'),
        K::Text("hdahl"),
        K::Code(KeyCode::Enter),
        K::C('d')
    ],
    120,
    40
);
snapshot!(
    confirm_delete_typed_80x24,
    ADMIN,
    [
        K::C('/'),
        K::Text("hdahl"),
        K::Code(KeyCode::Enter),
        K::C('D'),
        K::Text("hda")
    ],
    80,
    24
);
snapshot!(
    signoff_form_120x40,
    CERTIFYING,
    [
        K::C('c'),
        K::C('b'),
        K::Code(KeyCode::Tab),
        K::Text("ATR72")
    ],
    120,
    40
);
snapshot!(
    signoff_answer_no_120x40,
    CERTIFYING,
    [
        K::C('c'),
        K::C('b'),
        K::Code(KeyCode::Tab),
        K::Text("ATR72"),
        K::Code(KeyCode::Tab),
        K::Text("52"),
        K::Code(KeyCode::Enter),
    ],
    120,
    40
);

// ---- terminal hygiene -----------------------------------------------------

snapshot!(too_small_60x20, ADMIN, [], 60, 20);
snapshot!(too_small_79x24, ADMIN, [], 79, 24);

#[test]
fn ascii_users_tab_120x40() {
    let demo = Demo::new();
    let mut app = demo.app_with(ADMIN, "default", true);
    let s = screen(&mut app, 120, 40);
    assert_ascii(&s);
    insta::assert_snapshot!(s);
}

#[test]
fn ascii_authorizations_tab_80x24() {
    let demo = Demo::new();
    let mut app = demo.app_with(ADMIN, "default", true);
    press(&mut app, key('3'));
    let s = screen(&mut app, 80, 24);
    assert_ascii(&s);
    insta::assert_snapshot!(s);
}

#[test]
fn ascii_new_user_form_80x24() {
    let demo = Demo::new();
    let mut app = demo.app_with(ADMIN, "default", true);
    press(&mut app, key('n'));
    press(&mut app, key('\u{1b}')); // refused: a control character
    let s = screen(&mut app, 80, 24);
    assert_ascii(&s);
    insta::assert_snapshot!(s);
}

#[test]
fn ascii_too_small_60x20() {
    let demo = Demo::new();
    let mut app = demo.app_with(ADMIN, "default", true);
    let s = screen(&mut app, 60, 20);
    assert_ascii(&s);
    insta::assert_snapshot!(s);
}

/// Everything is ASCII in `--ascii` mode: no box-drawing character, arrow or
/// status symbol, and stored names lose their accents (the demo's
/// "Sørensen", "García" show as "Sorensen", "Garcia").
#[track_caller]
fn assert_ascii(s: &str) {
    for (i, line) in s.lines().enumerate() {
        for c in line.chars() {
            assert!(
                c.is_ascii(),
                "line {i} holds {c:?} ({:04X}) in --ascii mode:\n{s}",
                c as u32
            );
        }
    }
}

// ---- the first-run screen -------------------------------------------------

fn look(ascii: bool) -> Look {
    Look {
        keymap: Keymap::default_keymap(),
        theme: Theme::builtin("default").unwrap(),
        ascii,
        depth: clearance::tui::caps::ColorDepth::TrueColor,
        mouse: false,
        idle_lock: None,
    }
}

fn first_run_screen(
    w: u16,
    h: u16,
    ascii: bool,
    fill: impl FnOnce(&mut clearance::tui::widgets::form::Form),
) -> String {
    utc();
    let look = look(ascii);
    let mut form = clearance::tui::first_run::form();
    fill(&mut form);
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| clearance::tui::first_run::draw(f, &mut form, &look))
        .unwrap();
    clearance::tui::buffer_text(t.backend().buffer())
}

#[test]
fn first_run_80x24() {
    insta::assert_snapshot!(first_run_screen(80, 24, false, |_| {}));
}

#[test]
fn first_run_120x40() {
    insta::assert_snapshot!(first_run_screen(120, 40, false, |_| {}));
}

#[test]
fn first_run_with_marked_fields_80x24() {
    insta::assert_snapshot!(first_run_screen(80, 24, false, |form| {
        form.next_field();
        form.paste("Nordic\x1b[31m Aero");
        form.next_field();
        form.next_field();
        form.next_field();
        form.paste("not-an-email");
        assert!(!form.validate_all());
        form.error = Some("fix the marked fields first".into());
    }));
}

#[test]
fn ascii_first_run_80x24() {
    let s = first_run_screen(80, 24, true, |_| {});
    assert_ascii(&s);
    insta::assert_snapshot!(s);
}

// ---- cell styles ----------------------------------------------------------

/// Every cell of row `y` between x0 and x1 (exclusive).
fn cells(buf: &Buffer, y: u16, x0: u16, x1: u16) -> impl Iterator<Item = &ratatui::buffer::Cell> {
    (x0..x1).map(move |x| &buf[(x, y)])
}

#[test]
fn the_selected_row_carries_the_selected_style_and_marker() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    press(&mut app, key('j'));
    press(&mut app, key('j'));
    let theme = app.theme.clone();
    let buf = draw(&mut app, 120, 40);
    let y = row_of(&buf, "▶").expect("the marker");
    assert!(
        row_text(&buf, y).contains("Demo Administrator"),
        "{}",
        row_text(&buf, y)
    );
    let x = col_of(&buf, y, "▶").unwrap();
    let marker = &buf[(x, y)];
    assert_eq!(marker.fg, theme.selected.fg.unwrap());
    assert_eq!(marker.bg, theme.selected.bg.unwrap());
    assert!(marker.modifier.contains(Modifier::BOLD));
    // The whole row inside the pane's borders carries the selected
    // background, including cells with a style of their own (the status).
    let right = (x..120).find(|x| buf[(*x, y)].symbol() == "│").unwrap();
    for c in cells(&buf, y, x, right) {
        assert_eq!(c.bg, theme.selected.bg.unwrap(), "{c:?}");
        assert!(c.modifier.contains(Modifier::BOLD), "{c:?}");
    }
    // Other rows do not.
    for yy in [y - 1, y + 1] {
        assert!(!row_text(&buf, yy).contains('▶'));
        for c in cells(&buf, yy, x, right) {
            assert_ne!(c.bg, theme.selected.bg.unwrap(), "row {yy}: {c:?}");
        }
    }
}

#[test]
fn an_expired_authorization_is_marked_and_coloured_expired() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    press(&mut app, key('3'));
    // Move the selection off the expired row (it sorts first), so its own
    // colours show without the selection's.
    press(&mut app, key('j'));
    let theme = app.theme.clone();
    let buf = draw(&mut app, 120, 40);
    // Rows of the table (the detail pane names the selected one too).
    let y = row_of(&buf, "CS-014 B1").expect("the expired authorization");
    let x = col_of(&buf, y, "✗").expect("marked ✗");
    let cell = &buf[(x, y)];
    assert_eq!(cell.fg, theme.expired.fg.unwrap());
    assert!(cell.modifier.contains(Modifier::BOLD));
    // Its expiry date is coloured too; a valid one is not coloured expired.
    let row = row_text(&buf, y);
    let d = row.find("2026-02-25").expect("the expiry date");
    let dx = row[..d].chars().count() as u16;
    assert_eq!(buf[(dx, y)].fg, theme.expired.fg.unwrap());
    let yv = row_of(&buf, "CS-010 B1").unwrap();
    let xv = col_of(&buf, yv, "✓").expect("a valid one is marked ✓");
    assert_eq!(buf[(xv, yv)].fg, theme.granted.fg.unwrap());
    let ye = row_of(&buf, "CS-011 B1").unwrap();
    let xe = col_of(&buf, ye, "!").expect("an expiring one is marked !");
    assert_eq!(buf[(xe, ye)].fg, theme.expiring.fg.unwrap());
    let ys = row_of(&buf, "CS-016 B1").unwrap();
    let xs = col_of(&buf, ys, "⊘").expect("a suspended one is marked ⊘");
    assert_eq!(buf[(xs, ys)].fg, theme.suspended.fg.unwrap());
}

#[test]
fn a_danger_confirmation_uses_the_danger_style() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    feed(
        &mut app,
        &[
            K::C('/'),
            K::Text("hdahl"),
            K::Code(KeyCode::Enter),
            K::C('d'),
        ],
    );
    let theme = app.theme.clone();
    let buf = draw(&mut app, 120, 40);
    let y = row_of(&buf, " Deactivate ").expect("the popup's title");
    let row = row_text(&buf, y);
    let tx = row[..row.find(" Deactivate ").unwrap()].chars().count() as u16;
    let title = &buf[(tx + 1, y)];
    assert_eq!(title.symbol(), "D");
    assert_eq!(title.fg, theme.danger.fg.unwrap());
    assert_eq!(title.bg, theme.danger.bg.unwrap());
    // The border too: the top-left corner of the popup.
    let corner_x = (0..tx)
        .rev()
        .find(|x| buf[(*x, y)].symbol() == "┌")
        .unwrap();
    let corner = &buf[(corner_x, y)];
    assert_eq!(corner.fg, theme.danger.fg.unwrap());
    assert_eq!(corner.bg, theme.danger.bg.unwrap());
    // A confirmation that is not dangerous (discarding a form) does not.
    let mut app = {
        drop(app);
        demo.app(ADMIN)
    };
    feed(&mut app, &[K::C('n'), K::Text("x"), K::Code(KeyCode::Esc)]);
    let buf = draw(&mut app, 120, 40);
    let y = row_of(&buf, " Discard? ").expect("the discard popup");
    let row = row_text(&buf, y);
    let tx = row[..row.find(" Discard? ").unwrap()].chars().count() as u16;
    assert_ne!(buf[(tx + 1, y)].bg, theme.danger.bg.unwrap());
}

#[test]
fn an_error_status_uses_the_error_style() {
    let demo = Demo::new();
    let mut app = demo.app(TECHNICIAN);
    press(&mut app, key('1'));
    let theme = app.theme.clone();
    let buf = draw(&mut app, 80, 24);
    assert!(
        row_text(&buf, 23).contains("no access"),
        "{}",
        row_text(&buf, 23)
    );
    assert_eq!(buf[(0, 23)].fg, theme.status_error.fg.unwrap());
}

#[test]
fn no_color_mono_theme_resets_every_colour_but_keeps_modifiers() {
    let demo = Demo::new();
    let mut app = demo.app_with(ADMIN, "mono", false);
    assert!(app.theme.mono);
    for (keys, w, h) in [
        (vec![], 120, 40),
        (vec![K::C('3')], 80, 24),
        (
            vec![
                K::C('1'),
                K::C('/'),
                K::Text("hdahl"),
                K::Code(KeyCode::Enter),
                K::C('d'),
            ],
            120,
            40,
        ),
        (vec![K::Code(KeyCode::Esc), K::C('4')], 120, 40),
        (vec![K::C('5')], 120, 40),
        (vec![K::C('?')], 120, 40),
    ] {
        feed(&mut app, &keys);
        let buf = draw(&mut app, w, h);
        for (i, c) in buf.content.iter().enumerate() {
            assert_eq!(c.fg, Color::Reset, "cell {i} at {w}x{h}: {c:?}");
            assert_eq!(c.bg, Color::Reset, "cell {i} at {w}x{h}: {c:?}");
        }
    }
    // Modifiers carry the meaning instead: the selected row is reversed,
    // the active tab reversed and bold.
    press_code(&mut app, KeyCode::Esc);
    press(&mut app, key('1'));
    let buf = draw(&mut app, 120, 40);
    let y = row_of(&buf, "▶").expect("the selection");
    let x = col_of(&buf, y, "▶").unwrap();
    assert!(buf[(x, y)].modifier.contains(Modifier::REVERSED));
    assert!(buf[(x + 5, y)].modifier.contains(Modifier::REVERSED));
    let header = row_text(&buf, 0);
    let tx = header[..header.find("1 Users").unwrap()].chars().count() as u16;
    assert!(buf[(tx, 0)]
        .modifier
        .contains(Modifier::REVERSED | Modifier::BOLD));
    // An expired authorization stays bold (and marked ✗) without colour.
    press(&mut app, key('3'));
    press(&mut app, key('j'));
    let buf = draw(&mut app, 120, 40);
    let y = row_of(&buf, "CS-014 B1").unwrap();
    let x = col_of(&buf, y, "✗").unwrap();
    assert!(buf[(x, y)].modifier.contains(Modifier::BOLD));
    // The too-small message is colourless as well.
    let buf = draw(&mut app, 60, 20);
    assert!(buf
        .content
        .iter()
        .all(|c| c.fg == Color::Reset && c.bg == Color::Reset));
}

#[test]
fn the_same_keys_give_the_same_screen() {
    // Determinism of the snapshots themselves: two demos built apart render
    // the same (fixed clock, fixed login, UTC, no randomness in the view).
    let a = {
        let demo = Demo::new();
        let mut app = app_after(&demo, ADMIN, &[K::C('4')]);
        screen(&mut app, 120, 40)
    };
    let b = {
        let demo = Demo::new();
        let mut app = app_after(&demo, ADMIN, &[K::C('4')]);
        screen(&mut app, 120, 40)
    };
    assert_eq!(a, b);
}

// ---- the Roles tab: list, permission grid, matrix --------------------------
//
// The demo's roles, in list order: Account administrator, Maintenance
// planner, Workshop technician, Stores, Purchasing, Compliance/airworthiness,
// Certifying staff, Read-only. The grid's rows start with the Aircraft area
// (row 0) and its one permission, then Defects (row 2) and so on; with every
// area expanded, work_orders.release is row 10.

/// The grid on the Workshop technician with the Aircraft area collapsed
/// (every other area expanded), the cursor on defects.create and moved right
/// to the last role, so the role columns have scrolled while the
/// area/permission column stays put.
const GRID_SCROLLED: [K; 6] = [
    K::C('2'),
    K::Text("jj"),
    K::Code(KeyCode::Enter),
    K::C('z'),
    K::Text("jjj"),
    K::Text("lllll"),
];

/// The grid on the Workshop technician, work_orders.release set to yes and
/// not yet saved; the cursor then moved on to work_orders.complete.
const GRID_CHANGED: [K; 6] = [
    K::C('2'),
    K::Text("jj"),
    K::Code(KeyCode::Enter),
    K::Text("jjjjjjjjjj"),
    K::C('y'),
    K::C('j'),
];

/// As [`GRID_CHANGED`] without the last move, then `w`: the impact on
/// users, shown before anything is saved.
const GRID_IMPACT: [K; 6] = [
    K::C('2'),
    K::Text("jj"),
    K::Code(KeyCode::Enter),
    K::Text("jjjjjjjjjj"),
    K::C('y'),
    K::C('w'),
];

/// The matrix with the cursor on the last role, moved right to the last
/// area, so the area columns have scrolled under the frozen role column.
const MATRIX_SCROLLED: [K; 5] = [
    K::C('2'),
    K::C('m'),
    K::Code(KeyCode::Enter),
    K::Text("jjjjjjj"),
    K::Text("lllllllllllllllllllll"),
];

/// Users tab filtered to Ingrid Haugen (she holds a personal grant of
/// work_orders.release until 2026-03-12), her grants grid open with the
/// cursor on that permission.
const GRANTS: [K; 5] = [
    K::C('/'),
    K::Text("ihaugen"),
    K::Code(KeyCode::Enter),
    K::C('p'),
    K::Text("jjjjjj"),
];

snapshot!(roles_tab_80x24, ADMIN, [K::C('2')], 80, 24);
snapshot!(roles_tab_120x40, ADMIN, [K::C('2')], 120, 40);
snapshot!(roles_grid_80x24, ADMIN, &GRID_SCROLLED, 80, 24);
snapshot!(roles_grid_120x40, ADMIN, &GRID_SCROLLED, 120, 40);
// The built-in administrator: read-only, and a level key says so.
snapshot!(
    roles_grid_builtin_admin_120x40,
    ADMIN,
    [K::C('2'), K::Code(KeyCode::Enter), K::C(' ')],
    120,
    40
);
snapshot!(roles_grid_changed_80x24, ADMIN, &GRID_CHANGED, 80, 24);
snapshot!(roles_grid_changed_120x40, ADMIN, &GRID_CHANGED, 120, 40);
snapshot!(roles_grid_impact_80x24, ADMIN, &GRID_IMPACT, 80, 24);
snapshot!(roles_grid_impact_120x40, ADMIN, &GRID_IMPACT, 120, 40);
snapshot!(roles_matrix_80x24, ADMIN, [K::C('2'), K::C('m')], 80, 24);
snapshot!(roles_matrix_120x40, ADMIN, [K::C('2'), K::C('m')], 120, 40);
snapshot!(roles_matrix_scrolled_80x24, ADMIN, &MATRIX_SCROLLED, 80, 24);
snapshot!(
    roles_matrix_scrolled_120x40,
    ADMIN,
    &MATRIX_SCROLLED,
    120,
    40
);
// The planner may see roles but not manage them: "view only", no edit keys.
snapshot!(
    roles_grid_view_only_80x24,
    PLANNER,
    [K::C('2'), K::Code(KeyCode::Enter)],
    80,
    24
);
snapshot!(
    roles_grid_view_only_120x40,
    PLANNER,
    [K::C('2'), K::Code(KeyCode::Enter)],
    120,
    40
);
snapshot!(grants_grid_80x24, ADMIN, &GRANTS, 80, 24);
snapshot!(grants_grid_120x40, ADMIN, &GRANTS, 120, 40);

#[test]
fn ascii_roles_grid_120x40() {
    let demo = Demo::new();
    let mut app = demo.app_with(ADMIN, "default", true);
    feed(&mut app, &GRID_SCROLLED);
    let s = screen(&mut app, 120, 40);
    assert_ascii(&s);
    insta::assert_snapshot!(s);
}

/// The roles a role's holders may assign (delegated administration) and its
/// email requirement are shown with the role.
#[test]
fn roles_tab_shows_assignable_roles_120x40() {
    let demo = Demo::new();
    {
        let mut s = demo.session(ADMIN);
        let actor = s.actor(None).unwrap();
        s.execute(
            actor,
            clearance::domain::command::Command::SetRolePolicy {
                role: "Maintenance planner".into(),
                edit: clearance::domain::command::RolePolicyEdit {
                    assignable: Some(vec!["Workshop technician".into(), "Stores".into()]),
                    requires_email: Some(true),
                },
            },
        )
        .unwrap();
    }
    let mut app = app_after(&demo, ADMIN, &[K::C('2'), K::C('j')]);
    let s = screen(&mut app, 120, 40);
    assert!(
        s.contains("assigns Workshop technician, Stores · needs email"),
        "{s}"
    );
    insta::assert_snapshot!(s);
}

// ---- Roles tab: cell styles -------------------------------------------------

/// The x of the first cell of `needle` in row `y` (every cell of these rows
/// holds one single-width character).
fn x_of(buf: &Buffer, y: u16, needle: &str) -> Option<u16> {
    let row = row_text(buf, y);
    row.find(needle).map(|i| row[..i].chars().count() as u16)
}

/// The y of the grid row whose frozen label is `label`: an area ("▾ Work
/// orders") or a permission's action, indented ("  release").
fn grid_row(buf: &Buffer, label: &str) -> u16 {
    let needle = format!("│ {label} ");
    let alt = format!("│▶{label} ");
    (0..buf.area.height)
        .find(|y| {
            let t = row_text(buf, *y);
            t.contains(&needle) || t.contains(&alt)
        })
        .unwrap_or_else(|| panic!("no grid row {label:?}"))
}

#[test]
fn roles_grid_cells_carry_the_changed_muted_granted_and_selected_styles() {
    let demo = Demo::new();
    let mut app = app_after(&demo, ADMIN, &GRID_CHANGED);
    let theme = app.theme.clone();
    let buf = draw(&mut app, 120, 40);
    // The changed cell (Workshop technician × work_orders.release), marked
    // `*` and in the changed style as a whole: word, mark and padding.
    let y = grid_row(&buf, "  release");
    let x = x_of(&buf, y, "yes*").expect("the changed cell");
    // A cell is 12 columns (a lead for the cursor mark, the word, the `*`,
    // padding) and one blank separator.
    for c in cells(&buf, y, x - 1, x + 11) {
        assert_eq!(c.fg, theme.changed.fg.unwrap(), "{c:?}");
        assert_eq!(c.bg, theme.changed.bg.unwrap(), "{c:?}");
    }
    // Its area's summary is marked changed too.
    let ya = grid_row(&buf, "▾ Work orders");
    let xa = x_of(&buf, ya, "view +2*").expect("the area summary");
    assert_eq!(buf[(xa, ya)].bg, theme.changed.bg.unwrap());
    // A none level (Stores × work_orders.release, "no") is muted; a granted
    // one (Maintenance planner × release, "yes") is in the granted colour.
    let row = row_text(&buf, y);
    let xs = {
        let i = row.rfind(" no ").expect("Stores: no") + 1;
        row[..i].chars().count() as u16
    };
    assert_eq!(buf[(xs, y)].symbol(), "n");
    assert_eq!(buf[(xs, y)].fg, theme.muted.fg.unwrap());
    assert_ne!(buf[(xs, y)].bg, theme.changed.bg.unwrap());
    let xg = x_of(&buf, y, "yes ").expect("a granted yes");
    assert!(xg < x);
    assert_eq!(buf[(xg, y)].fg, theme.granted.fg.unwrap());
    // An area nobody holds anything in shows "—", muted.
    let yr = grid_row(&buf, "▾ Recurring");
    let xd = x_of(&buf, yr, " —").expect("a dash") + 1;
    assert_eq!(buf[(xd, yr)].fg, theme.muted.fg.unwrap());
    // The cursor (Workshop technician × work_orders.complete): the ▶ mark
    // and the selected style; the frozen label of its row too.
    let yc = grid_row(&buf, "  complete");
    assert_eq!(yc, y + 1);
    let xc = x_of(&buf, yc, "▶yes").expect("the cursor cell");
    assert_eq!(xc, x - 1, "the cursor is in the changed cell's column");
    for c in cells(&buf, yc, xc, xc + 12) {
        assert_eq!(c.fg, theme.selected.fg.unwrap(), "{c:?}");
        assert_eq!(c.bg, theme.selected.bg.unwrap(), "{c:?}");
        assert!(c.modifier.contains(Modifier::BOLD), "{c:?}");
    }
    let xl = x_of(&buf, yc, "▶  complete").unwrap();
    assert_eq!(buf[(xl, yc)].bg, theme.selected.bg.unwrap());
    // Besides the cursor's row, only the header over its column carries
    // the mark in the selected style (the list pane, x < 34, aside).
    let marked: Vec<u16> = (0..buf.area.height)
        .filter(|yy| {
            cells(&buf, *yy, 36, 119)
                .any(|c| c.symbol() == "▶" && c.bg == theme.selected.bg.unwrap())
        })
        .collect();
    let header = row_of(&buf, "AREA / PERMISSION").unwrap();
    assert_eq!(marked, vec![header, yc]);
    assert!(x_of(&buf, header, "▶Workshop").is_some_and(|hx| hx == xc));
}

#[test]
fn a_changed_grid_cell_under_the_cursor_is_selected_and_still_marked() {
    // The cursor on the changed cell itself: the selected style wins, the
    // `*` mark still says "changed".
    let demo = Demo::new();
    let mut app = app_after(&demo, ADMIN, &GRID_CHANGED);
    press(&mut app, key('k'));
    let theme = app.theme.clone();
    let buf = draw(&mut app, 120, 40);
    let y = grid_row(&buf, "  release");
    let x = x_of(&buf, y, "▶yes*").expect("the cursor on the changed cell");
    assert_eq!(buf[(x + 4, y)].symbol(), "*");
    for c in cells(&buf, y, x, x + 12) {
        assert_eq!(c.bg, theme.selected.bg.unwrap(), "{c:?}");
        assert_ne!(c.bg, theme.changed.bg.unwrap(), "{c:?}");
    }
}

#[test]
fn grants_grid_cells_carry_the_changed_muted_and_selected_styles() {
    let demo = Demo::new();
    let mut app = app_after(&demo, ADMIN, &GRANTS);
    // work_orders.complete: no → yes, then move on.
    press(&mut app, key('j'));
    press(&mut app, key('y'));
    press(&mut app, key('j'));
    let theme = app.theme.clone();
    let buf = draw(&mut app, 120, 40);
    let y = row_of(&buf, " work_orders.complete ").expect("the row");
    let x = x_of(&buf, y, "yes*").expect("the changed cell");
    assert_eq!(buf[(x, y)].fg, theme.changed.fg.unwrap());
    assert_eq!(buf[(x, y)].bg, theme.changed.bg.unwrap());
    // "From roles" beside it is the inherited none level: muted.
    let xn = x_of(&buf, y, " no ").expect("inherited no") + 1;
    assert!(xn < x);
    assert_eq!(buf[(xn, y)].fg, theme.muted.fg.unwrap());
    // The cursor is on the next row, in the edited column.
    let yc = row_of(&buf, "▶work_orders.delete").expect("the cursor row");
    assert_eq!(yc, y + 1);
    let xc = x_of(&buf, yc, "▶no").expect("the cursor cell");
    assert_eq!(xc, x - 1);
    assert_eq!(buf[(xc, yc)].bg, theme.selected.bg.unwrap());
    assert_eq!(buf[(xc + 1, yc)].fg, theme.selected.fg.unwrap());
}

#[test]
fn no_color_roles_grid_keeps_its_marks_without_colour() {
    let demo = Demo::new();
    let mut app = demo.app_with(ADMIN, "mono", false);
    feed(&mut app, &GRID_CHANGED);
    for (w, h) in [(120, 40), (80, 24)] {
        let buf = draw(&mut app, w, h);
        assert!(buf
            .content
            .iter()
            .all(|c| c.fg == Color::Reset && c.bg == Color::Reset));
        let s = clearance::tui::buffer_text(&buf);
        assert!(s.contains("yes*"), "{s}");
        assert!(s.contains("▶yes"), "{s}");
        // The cursor is reversed instead of coloured.
        let y = row_of(&buf, "▶yes").unwrap();
        let x = x_of(&buf, y, "▶yes").unwrap();
        assert!(buf[(x + 1, y)].modifier.contains(Modifier::REVERSED));
    }
}
