//! The palette over every tab, `who` in the app, tables that size their
//! columns by priority and content, and the papercuts of the access-review
//! issue: enter on a user, `/` and enter on Me, a new user selected, esc
//! clearing every filter, ctrl-u clearing a field, the short name to type
//! when deleting, and the mouse.

#[path = "common/tui.rs"]
mod fixtures;

#[path = "common/cli.rs"]
mod cli;

use clearance::ops::Command;
use clearance::tui::app::{App, Popup, Tab};
use clearance::tui::keymap::Action;
use ratatui::crossterm::event::{
    Event, KeyCode, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};

use fixtures::*;

fn palette_items(app: &App) -> Vec<clearance::tui::widgets::palette::PaletteItem> {
    match app.popups.last() {
        Some(Popup::Palette(p)) => p.matches(),
        _ => panic!("the palette is open"),
    }
}

fn mouse(app: &mut App, kind: MouseEventKind, column: u16, row: u16) {
    app.on_event(Event::Mouse(MouseEvent {
        kind,
        column,
        row,
        modifiers: KeyModifiers::NONE,
    }));
}

fn selected_row(app: &mut App, w: u16, h: u16) -> String {
    let buf = draw(app, w, h);
    let y = row_of(&buf, "▶").expect("a selected row");
    row_text(&buf, y)
}

// ---- the palette ----------------------------------------------------------

#[test]
fn the_palette_offers_other_tabs_actions_and_switches_to_run_them() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    assert_eq!(app.tab, Tab::Users);
    press(&mut app, key(':'));
    let items = palette_items(&app);
    for (tab, action) in [
        (Tab::Users, Action::New),
        (Tab::Roles, Action::New),
        (Tab::Roles, Action::ToggleMatrix),
        (Tab::Authorizations, Action::Renew),
        (Tab::Audit, Action::Verify),
        (Tab::Me, Action::SignoffCheck),
    ] {
        assert!(
            items
                .iter()
                .any(|i| i.tab == Some(tab) && i.action == action),
            "the palette lacks {action:?} of {tab:?}"
        );
    }
    assert!(items.iter().any(|i| i.action == Action::Who));
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("Users: New user"), "{s}");
    // Choosing the Roles tab's "new role" from Users switches and runs it.
    type_text(&mut app, "new role");
    let first = palette_items(&app).remove(0);
    assert_eq!((first.tab, first.action), (Some(Tab::Roles), Action::New));
    press_code(&mut app, KeyCode::Enter);
    assert_eq!(app.tab, Tab::Roles);
    assert_eq!(top_form(&app).expect("the new role form").title, "New role");
}

#[test]
fn the_palette_says_when_no_action_matches() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    press(&mut app, key(':'));
    type_text(&mut app, "zzqqxx");
    assert!(palette_items(&app).is_empty());
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("no action matches 'zzqqxx'"), "{s}");
    // Enter with nothing chosen closes it and does nothing.
    press_code(&mut app, KeyCode::Enter);
    assert!(app.popups.is_empty());
    assert_eq!(app.tab, Tab::Users);
}

#[test]
fn the_palette_leaves_out_what_the_operator_may_not_use() {
    let demo = Demo::new();
    // A technician sees the Me tab only: no other tab and no tab key.
    let mut app = demo.app(TECHNICIAN);
    press(&mut app, key(':'));
    let items = palette_items(&app);
    assert!(!items.is_empty());
    for i in &items {
        assert!(
            i.tab.is_none() || i.tab == Some(Tab::Me),
            "a technician is offered {:?} of {:?}",
            i.action,
            i.tab
        );
        assert!(
            !matches!(
                i.action,
                Action::TabUsers | Action::TabRoles | Action::TabAuthorizations | Action::TabAudit
            ),
            "offered {:?}",
            i.action
        );
    }
    assert!(items.iter().any(|i| i.action == Action::SignoffCheck));
    assert!(items.iter().any(|i| i.action == Action::TabMe));
    // A planner may view users, roles and authorizations but change none.
    drop(app);
    let mut app = demo.app(PLANNER);
    press(&mut app, key(':'));
    let items = palette_items(&app);
    for i in &items {
        assert!(
            !matches!(
                i.action,
                Action::New
                    | Action::Edit
                    | Action::Delete
                    | Action::Renew
                    | Action::Revoke
                    | Action::CopyRole
                    | Action::RemoveRole
            ),
            "a planner is offered {:?} of {:?}",
            i.action,
            i.tab
        );
    }
    assert!(items
        .iter()
        .any(|i| i.tab == Some(Tab::Roles) && i.action == Action::ToggleMatrix));
}

// ---- who ------------------------------------------------------------------

#[test]
fn who_picks_a_permission_and_lists_every_holder_with_the_source() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    press(&mut app, key('W'));
    assert!(matches!(app.popups.last(), Some(Popup::Pick(_))));
    type_text(&mut app, "work_orders.release");
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("▶ work_orders.release"), "{s}");
    press_code(&mut app, KeyCode::Enter);
    let Some(Popup::List(l)) = app.popups.last() else {
        panic!("the holders are listed");
    };
    let listing = l.rows.clone();
    // The same holders as the domain function the CLI uses.
    let org = app.session.org();
    let perm = org.catalog().index_of("work_orders.release").unwrap();
    let want = clearance::domain::who::holders(org, perm, 0, now(), false);
    assert_eq!(listing.len(), want.len());
    assert!(listing
        .iter()
        .any(|r| r[0] == "Demo Administrator" && r[3].contains("role Account administrator")));
    // The personal grant with its expiry.
    let granted = org
        .users
        .values()
        .find(|u| u.grant("work_orders.release").is_some())
        .expect("the demo's personal grant");
    let row = listing
        .iter()
        .find(|r| r[0] == granted.name())
        .expect("the grantee is listed");
    assert!(row[3].contains("personal grant (yes, until "), "{row:?}");
    let s = screen(&mut app, 120, 40);
    insta::assert_snapshot!("who_lists_the_holders_120x40", s);
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("Who has work_orders.release"), "{s}");
    insta::assert_snapshot!("who_lists_the_holders_80x24", s);
    press_code(&mut app, KeyCode::Esc);
    assert!(app.popups.is_empty());
}

#[test]
fn who_typed_into_the_palette_and_read_policy_like_the_cli() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    press(&mut app, key(':'));
    type_text(&mut app, "who has users.manage");
    let first = palette_items(&app).remove(0);
    assert_eq!(first.action, Action::Who);
    assert_eq!(first.arg.as_deref(), Some("users.manage"));
    press_code(&mut app, KeyCode::Enter);
    let Some(Popup::List(l)) = app.popups.last() else {
        panic!("the holders are listed");
    };
    assert!(l.title.starts_with("Who has users.manage"), "{}", l.title);
    assert!(l.rows.iter().any(|r| r[0] == "Demo Administrator"));
    // A technician may not read other users: only themselves, and it says so.
    drop(app);
    let mut app = demo.app(TECHNICIAN);
    press(&mut app, key('W'));
    type_text(&mut app, "time_entries.view");
    press_code(&mut app, KeyCode::Enter);
    let Some(Popup::List(l)) = app.popups.last() else {
        panic!("the holders are listed");
    };
    assert_eq!(l.rows.len(), 1, "{:?}", l.rows);
    assert_eq!(l.rows[0][0], "Henrik Dahl");
    assert!(l.notes.iter().any(|n| n.contains("only your own")));
    let s = screen(&mut app, 80, 24);
    assert!(!s.contains("Demo Administrator"), "{s}");
}

#[test]
fn who_is_not_offered_at_a_workshop_terminal() {
    let demo = Demo::new();
    let mut s = demo.session(ADMIN);
    let actor = s.actor(None).unwrap();
    s.execute(
        actor,
        Command::AddTerminal {
            name: "Hangar 2".into(),
            login: "hangar2".into(),
        },
    )
    .unwrap();
    drop(s);
    demo.session(TECHNICIAN).set_pin("240617").unwrap();
    let mut app = demo.app("hangar2");
    type_text(&mut app, TECHNICIAN);
    press_code(&mut app, KeyCode::Enter);
    type_text(&mut app, "240617");
    press_code(&mut app, KeyCode::Enter);
    assert!(!app.at_sign_in());
    press(&mut app, key('W'));
    assert!(app.popups.is_empty(), "no who at a kiosk");
    assert!(status_text(&app).contains("self-service"));
    press(&mut app, key('?'));
    let s = screen(&mut app, 120, 40);
    assert!(!s.contains("Who has"), "{s}");
    assert!(!s.contains("Command palette"), "{s}");
}

// ---- columns --------------------------------------------------------------

#[test]
fn users_keep_roles_and_whole_emails_at_120x40() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    let buf = draw(&mut app, 120, 40);
    let header = row_text(&buf, 2);
    for h in ["NAME", "EMAIL", "STATUS", "ROLES"] {
        assert!(header.contains(h), "{header}");
    }
    let row = row_text(&buf, row_of(&buf, "▶    Selma Aalto").unwrap());
    assert!(row.contains("saalto@demo-mro.example "), "{row}");
    // A role list that does not fit ends in an ellipsis.
    assert!(row.contains('…'), "{row}");
    // At 80x24 the table has the whole width: nothing is dropped either.
    let s = screen(&mut app, 80, 24);
    assert!(s.lines().nth(2).unwrap().contains("ROLES"), "{s}");
    assert!(s.contains("Workshop technician"), "{s}");
}

#[test]
fn authorizations_keep_the_scope_at_120x40_and_pad_nothing() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    press(&mut app, key('3'));
    let buf = draw(&mut app, 120, 40);
    let header = row_text(&buf, 2);
    for h in ["PERSON", "REF", "KIND", "SCOPE", "EXPIRES"] {
        assert!(header.contains(h), "{header}");
    }
    // PERSON is as wide as the longest name, not padded.
    assert!(header.contains("PERSON          REF"), "{header}");
    let s = screen(&mut app, 80, 24);
    assert!(s.lines().nth(2).unwrap().contains("SCOPE"), "{s}");
}

#[test]
fn me_shows_the_source_at_80_and_a_grants_expiry_at_120() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    press(&mut app, key('5'));
    let s = screen(&mut app, 80, 24);
    assert!(
        s.lines()
            .any(|l| l.contains("aircraft.access") && l.contains("role Account administrator")),
        "{s}"
    );
    // The holder of the demo's personal grant sees it with its expiry.
    let org = app.session.org();
    let granted = org
        .users
        .values()
        .find(|u| u.grant("work_orders.release").is_some())
        .expect("the demo's personal grant");
    let login = granted.login.clone().expect("bound to a login");
    let until = granted.grant("work_orders.release").unwrap().until.unwrap();
    drop(app);
    let mut app = demo.app(&login);
    press(&mut app, key('5'));
    let s = screen(&mut app, 120, 40);
    assert!(s.contains(&format!("personal grant until {until}")), "{s}");
    insta::assert_snapshot!("me_with_a_personal_grant_120x40", s);
}

// ---- papercuts ------------------------------------------------------------

#[test]
fn enter_on_a_user_opens_the_edit_form_or_the_detail_when_view_only() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    press_code(&mut app, KeyCode::Enter);
    let form = top_form(&app).expect("enter opens the user");
    assert_eq!(form.title, "Edit Selma Aalto");
    press_code(&mut app, KeyCode::Esc);
    drop(app);
    let mut app = demo.app(PLANNER);
    press_code(&mut app, KeyCode::Enter);
    match app.popups.last() {
        Some(Popup::Info(title, lines)) => {
            assert_eq!(title, "Selma Aalto");
            assert!(lines.iter().any(|l| l.contains("saalto@demo-mro.example")));
        }
        _ => panic!("enter shows the detail to a viewer"),
    }
    assert!(!status_text(&app).contains("lack"));
}

#[test]
fn slash_filters_me_and_enter_is_not_bound_there() {
    let demo = Demo::new();
    let mut app = demo.app(TECHNICIAN);
    assert_eq!(app.tab, Tab::Me);
    let before = screen(&mut app, 120, 40);
    assert!(before.contains("defects.access"), "{before}");
    press_code(&mut app, KeyCode::Enter);
    assert!(app.popups.is_empty());
    assert!(app.status.is_none(), "{:?}", app.status);
    press(&mut app, key('/'));
    assert!(app.status.is_none(), "{:?}", app.status);
    type_text(&mut app, "tools");
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("tools.access"), "{s}");
    assert!(!s.contains("defects.access"), "{s}");
    assert!(s.contains("My access — /tools_"), "{s}");
    press_code(&mut app, KeyCode::Enter);
    press_code(&mut app, KeyCode::Esc);
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("defects.access"), "{s}");
    // The help lists the filter but not "Open".
    press(&mut app, key('?'));
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("Filter (fuzzy)"), "{s}");
    assert!(!s.contains("Open "), "{s}");
}

#[test]
fn a_new_user_is_selected_after_it_is_added_even_when_filtered_out() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    // Filter for deactivated users: the new one would be hidden.
    for _ in 0..3 {
        press(&mut app, key('s'));
    }
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("status: deactivated"), "{s}");
    press(&mut app, key('n'));
    type_text(&mut app, "Zed");
    press_code(&mut app, KeyCode::Tab);
    type_text(&mut app, "Zulu");
    press_code(&mut app, KeyCode::Enter);
    assert!(app.popups.is_empty(), "{}", status_text(&app));
    let row = selected_row(&mut app, 120, 40);
    assert!(row.contains("Zed Zulu"), "{row}");
}

#[test]
fn esc_clears_the_filter_and_the_status_filters_at_once() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    press(&mut app, key('s'));
    press(&mut app, key('o'));
    press(&mut app, key('/'));
    type_text(&mut app, "a");
    press_code(&mut app, KeyCode::Enter);
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("status: active") && s.contains("/a"), "{s}");
    press_code(&mut app, KeyCode::Esc);
    let s = screen(&mut app, 120, 40);
    assert!(
        s.contains("Users (40) — 1 deactivated/deleted hidden ─"),
        "{s}"
    );
    // The Authorizations tab's standing filter too.
    press(&mut app, key('3'));
    press(&mut app, key('s'));
    press(&mut app, key('s'));
    assert!(screen(&mut app, 120, 40).contains("— expiring"));
    press_code(&mut app, KeyCode::Esc);
    assert!(screen(&mut app, 120, 40).contains("— all"));
}

#[test]
fn ctrl_u_clears_the_line_before_the_cursor() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    press(&mut app, key('n'));
    type_text(&mut app, "ab");
    press(&mut app, ctrl('u'));
    assert_eq!(top_form(&app).unwrap().value(0), "", "cleared, not undone");
    type_text(&mut app, "Mara Lind");
    press_code(&mut app, KeyCode::Left);
    press_code(&mut app, KeyCode::Left);
    press(&mut app, ctrl('u'));
    assert_eq!(top_form(&app).unwrap().value(0), "nd");
    press_code(&mut app, KeyCode::Esc);
    press_code(&mut app, KeyCode::Enter); // discard the changed form
    assert!(app.popups.is_empty());
    // A list's filter and the palette's query too.
    press(&mut app, key('/'));
    type_text(&mut app, "jonas");
    press(&mut app, ctrl('u'));
    assert_eq!(app.users.filter, "");
    press_code(&mut app, KeyCode::Esc);
    press(&mut app, key(':'));
    type_text(&mut app, "renew");
    press(&mut app, ctrl('u'));
    match app.popups.last() {
        Some(Popup::Palette(p)) => assert_eq!(p.query, ""),
        _ => panic!("the palette stays open"),
    }
}

#[test]
fn deleting_asks_for_the_short_name() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    // Selma Aalto (first) has no login: her short name is her email's
    // part before "@", not the whole email.
    press(&mut app, key('D'));
    assert_eq!(top_confirm(&app).unwrap().expect.as_deref(), Some("saalto"));
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("Type saalto to confirm"), "{s}");
    let seq = audit_seq(&app);
    type_text(&mut app, "saalto");
    press_code(&mut app, KeyCode::Enter);
    assert_eq!(audit_seq(&app), seq + 1, "{}", status_text(&app));
    assert!(
        status_text(&app).contains("audit #"),
        "{}",
        status_text(&app)
    );
}

#[test]
fn the_cli_takes_the_short_name_to_confirm_a_deletion() {
    let db = cli::Db::demo();
    let out = db.run(&[
        "user",
        "delete",
        "saalto@demo-mro.example",
        "--confirm",
        "saalto",
    ]);
    out.ok();
    let e = db
        .run(&[
            "user",
            "delete",
            "oadeyemi@demo-mro.example",
            "--confirm",
            "oadeyemi@x",
        ])
        .error(&["does not match", "short name"]);
    assert!(e.contains("nothing deleted"), "{e}");
}

#[test]
fn a_click_selects_a_tab_or_a_row_and_the_wheel_moves_the_selection() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    let buf = draw(&mut app, 120, 40);
    let header = row_text(&buf, 0);
    let x = header[..header.find("2 Roles").unwrap()].chars().count() as u16;
    mouse(&mut app, MouseEventKind::Down(MouseButton::Left), x + 1, 0);
    assert_eq!(app.tab, Tab::Roles);
    let x = header[..header.find("1 Users").unwrap()].chars().count() as u16;
    mouse(&mut app, MouseEventKind::Down(MouseButton::Left), x, 0);
    assert_eq!(app.tab, Tab::Users);
    let buf = draw(&mut app, 120, 40);
    let y = row_of(&buf, "Jonas Berg").unwrap();
    mouse(&mut app, MouseEventKind::Down(MouseButton::Left), 10, y);
    assert!(selected_row(&mut app, 120, 40).contains("Jonas Berg"));
    mouse(&mut app, MouseEventKind::ScrollDown, 10, y);
    assert!(selected_row(&mut app, 120, 40).contains("Rafael Costa"));
    mouse(&mut app, MouseEventKind::ScrollUp, 10, y);
    assert!(selected_row(&mut app, 120, 40).contains("Jonas Berg"));
    // A click on the header, a border or below the rows selects nothing.
    mouse(&mut app, MouseEventKind::Down(MouseButton::Left), 10, 2);
    mouse(&mut app, MouseEventKind::Down(MouseButton::Left), 0, y + 2);
    assert!(selected_row(&mut app, 120, 40).contains("Jonas Berg"));
    // On the Roles list, a click selects the role.
    press(&mut app, key('2'));
    let buf = draw(&mut app, 120, 40);
    let y = row_of(&buf, "Stores").unwrap();
    mouse(&mut app, MouseEventKind::Down(MouseButton::Left), 6, y);
    let buf = draw(&mut app, 120, 40);
    assert!(row_text(&buf, y).contains("▶"), "{}", row_text(&buf, y));
    // On the Authorizations tab.
    press(&mut app, key('3'));
    let buf = draw(&mut app, 120, 40);
    let y = row_of(&buf, "IN-010").unwrap();
    mouse(&mut app, MouseEventKind::Down(MouseButton::Left), 8, y);
    assert!(selected_row(&mut app, 120, 40).contains("IN-010"));
}

#[test]
fn the_reviews_tab_offers_its_actions_in_the_palette_but_not_its_moving_keys() {
    let demo = Demo::new();
    {
        // The Reviews tab shows once there is a campaign.
        let mut s = demo.session(ADMIN);
        let actor = s.actor(None).unwrap();
        s.execute(actor, clearance::demo::demo_campaign(now()))
            .unwrap();
    }
    let mut app = demo.app(ADMIN);
    assert!(app.visible_tabs().contains(&Tab::Reviews));
    press(&mut app, key(':'));
    let items = palette_items(&app);
    let reviews: Vec<Action> = items
        .iter()
        .filter(|i| i.tab == Some(Tab::Reviews))
        .map(|i| i.action)
        .collect();
    assert!(reviews.contains(&Action::NextCampaign), "{reviews:?}");
    for a in [
        Action::SelectNext,
        Action::SelectPrev,
        Action::PageDown,
        Action::First,
    ] {
        assert!(!reviews.contains(&a), "offered {a:?} of Reviews");
    }
    // Chosen from Users, it switches to Reviews.
    type_text(&mut app, "next campaign");
    press_code(&mut app, KeyCode::Enter);
    assert_eq!(app.tab, Tab::Reviews);
}

#[test]
fn the_status_filter_finds_time_limited_and_expiring_access() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    press(&mut app, key('1'));
    // all, active, invited, deactivated, deleted, then time-limited.
    for _ in 0..5 {
        press(&mut app, key('s'));
    }
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("time-limited access"), "{s}");
    // The external auditor (access for 7 days) and Ingrid Haugen (a
    // personal grant for 10 days); not a technician with neither.
    assert!(
        s.contains("Viktor Petrov") && s.contains("Ingrid Haugen"),
        "{s}"
    );
    assert!(!s.contains("Henrik Dahl"), "{s}");
    press(&mut app, key('s'));
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("access ending within 30 days"), "{s}");
    assert!(s.contains("Viktor Petrov"), "{s}");
    press(&mut app, key('s'));
    let s = screen(&mut app, 120, 40);
    assert!(!s.contains("ending within"), "back to everyone: {s}");
}
