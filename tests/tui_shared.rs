//! Two apps on one server (drawn on ratatui's test backend): a change saved
//! in one shows in the other with who made it; a save in the other over
//! that change is refused naming who and when, the form stays open with the
//! pending edit, and saving again (now based on what is shown) goes
//! through; a killed server shows a banner, the unsaved edit is kept, and
//! the app carries on once a new server is there.

#[path = "common/cli.rs"]
#[allow(unused)]
mod cli;
#[path = "common/tui.rs"]
mod fixtures;
#[path = "common/server.rs"]
mod server;

use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clearance::client::link::Link;
use clearance::client::replica::Replica;
use clearance::ops::FixedClock;
use clearance::protocol::Caller;
use clearance::tui::app::App;
use clearance::tui::keymap::Keymap;
use clearance::tui::theme::Theme;
use fixtures::*;
use ratatui::crossterm::event::KeyCode;
use server::Server;

fn remote_app(demo: &Demo, login: &str) -> App {
    let stream = UnixStream::connect(demo.path.join("clearance.sock")).expect("connect");
    let caller = Caller {
        test_login: Some(login.into()),
        test_now: Some(now().to_rfc3339()),
    };
    let replica =
        Replica::attach_as(&demo.path, stream, Arc::new(|| {}), caller).expect("attached");
    App::new(
        Link::remote(replica, Box::new(FixedClock(now()))),
        Keymap::default_keymap(),
        Theme::builtin("default").expect("a built-in theme"),
        false,
    )
}

/// Lets the app take what the server pushed until `done` (bounded).
fn pull_until(app: &mut App, done: impl Fn(&App) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done(app) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
        app.pull();
    }
    assert!(done(app), "nothing came: {}", status_text(app));
}

/// Opens the edit form of `login` in the Users tab.
fn edit_user(app: &mut App, login: &str) {
    press(app, key('/'));
    type_text(app, login);
    press_code(app, KeyCode::Enter);
    let _ = screen(app, 120, 40);
    press(app, key('e'));
    assert!(top_form(app).is_some(), "e opens the edit form");
}

/// Replaces the form's first field (the given name) with `text`.
fn retype_given(app: &mut App, text: &str) {
    let old = top_form(app).unwrap().value(0);
    for _ in 0..old.chars().count() {
        press_code(app, KeyCode::Backspace);
    }
    type_text(app, text);
}

#[test]
fn a_save_in_one_app_shows_in_the_other_and_a_stale_save_there_is_refused_keeping_the_edit() {
    let demo = Demo::new();
    let _server = Server::start(&demo.path, &[]);
    let mut a = remote_app(&demo, ADMIN);
    let mut b = remote_app(&demo, ADMIN);
    // B opens the technician's form; A then renames the technician.
    edit_user(&mut b, TECHNICIAN);
    let before = b.session.seq();
    edit_user(&mut a, TECHNICIAN);
    retype_given(&mut a, "Hugo");
    press_code(&mut a, KeyCode::Enter);
    assert!(top_form(&a).is_none(), "A saved: {}", status_text(&a));
    // B sees it at once, named: who changed what.
    pull_until(&mut b, |b| b.session.seq() > before);
    let status = status_text(&b);
    assert!(
        status.starts_with("Demo Administrator: edited user hdahl"),
        "{status}"
    );
    let tech = b.session.org().resolve_user(TECHNICIAN).unwrap();
    assert_eq!(tech.given, "Hugo");
    // B's save, based on what its form showed, is refused: who and when.
    retype_given(&mut b, "Hans");
    press_code(&mut b, KeyCode::Enter);
    let status = status_text(&b);
    assert!(
        status.contains("Demo Administrator changed user Hugo"),
        "{status}"
    );
    assert!(status.contains("2026-03-02 09:30"), "{status}");
    assert!(status.contains("nothing was saved"), "{status}");
    let form = top_form(&b).expect("the form stays open");
    assert_eq!(form.value(0), "Hans", "the pending edit is kept");
    let tech = b.session.org().resolve_user(TECHNICIAN).unwrap();
    assert_eq!(tech.given, "Hugo", "nothing was overwritten");
    // Reviewed: saving again goes through.
    press_code(&mut b, KeyCode::Enter);
    assert!(top_form(&b).is_none(), "saved: {}", status_text(&b));
    pull_until(&mut a, |a| {
        a.session.org().resolve_user(TECHNICIAN).unwrap().given == "Hans"
    });
}

#[test]
fn a_killed_server_shows_a_banner_keeps_the_edit_and_the_app_carries_on_with_a_new_one() {
    let demo = Demo::new();
    let mut server = Server::start(&demo.path, &[]);
    let mut app = remote_app(&demo, ADMIN);
    edit_user(&mut app, TECHNICIAN);
    retype_given(&mut app, "Hugo");
    server.kill();
    pull_until(&mut app, |a| a.banner().is_some());
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("The server stopped"), "{s}");
    assert!(s.contains("Your unsaved edits are kept"), "{s}");
    // Saving now says so, and keeps the form.
    press_code(&mut app, KeyCode::Enter);
    assert!(top_form(&app).is_some());
    assert_eq!(top_form(&app).unwrap().value(0), "Hugo");
    // A new server: the app attaches again on its own, and saves.
    let _again = Server::start(&demo.path, &[]);
    pull_until(&mut app, |a| a.banner().is_none());
    assert!(status_text(&app).contains("connected to the server again"));
    press_code(&mut app, KeyCode::Enter);
    assert!(top_form(&app).is_none(), "saved: {}", status_text(&app));
    let tech = app.session.org().resolve_user(TECHNICIAN).unwrap();
    assert_eq!(tech.given, "Hugo");
}

#[test]
fn a_workshop_terminal_signs_in_and_out_through_the_server_and_replicas_hold_no_pins() {
    let demo = Demo::new();
    {
        let mut s = demo.session(ADMIN);
        let actor = s.actor(None).unwrap();
        s.execute(
            actor,
            clearance::ops::Command::AddTerminal {
                name: "Hangar 2".into(),
                login: "hangar2".into(),
            },
        )
        .unwrap();
        drop(s);
        demo.session(TECHNICIAN).set_pin("240617").unwrap();
    }
    let _server = Server::start(&demo.path, &[]);
    let mut watcher = remote_app(&demo, ADMIN);
    let mut kiosk = remote_app(&demo, "hangar2");
    assert!(
        kiosk.at_sign_in(),
        "a terminal's app starts at the sign-in screen"
    );
    // The replica has the terminal but no PIN hash.
    assert!(kiosk.session.org().pins.is_empty());
    assert!(!kiosk.session.org().terminals.is_empty());
    type_text(&mut kiosk, TECHNICIAN);
    press_code(&mut kiosk, KeyCode::Enter);
    type_text(&mut kiosk, "240617");
    press_code(&mut kiosk, KeyCode::Enter);
    assert!(!kiosk.at_sign_in(), "signed in: {}", status_text(&kiosk));
    assert_eq!(kiosk.visible_tabs(), vec![clearance::tui::app::Tab::Me]);
    // Another app sees the sign-in, and no PIN.
    pull_until(&mut watcher, |w| status_text(w).contains("signed in"));
    assert!(watcher.session.org().pins.is_empty());
    // Idle signs out, audited, back to the sign-in screen.
    kiosk.lock();
    assert!(kiosk.at_sign_in());
    pull_until(&mut watcher, |w| status_text(w).contains("signed out"));
    let last = watcher.session.audit_entries().pop().unwrap().unwrap();
    assert_eq!(last.body.command.name(), "kiosk sign-out");
}
