//! Below the minimum size ("resize to at least 80×24") nothing is shown, so
//! nothing unseen may happen: keys fed to `App` after a draw at a small size
//! open no dialog, switch no tab, move nothing and take no paste; only
//! quitting (and job control, redrawing) act, and quitting never discards
//! unsaved changes behind a confirmation nobody sees. After growing back,
//! the same keys act again.

#[path = "common/tui.rs"]
mod fixtures;

use clearance::tui::app::{Popup, Tab};
use ratatui::crossterm::event::{Event, KeyCode};

use fixtures::*;

#[test]
fn below_the_minimum_size_keys_do_nothing_unseen() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    assert_eq!(app.tab, Tab::Users);
    let big = screen(&mut app, 100, 30);
    for (w, h) in [(60, 20), (79, 24), (80, 23)] {
        let small = screen(&mut app, w, h);
        assert!(small.contains("resize to at least"), "{small}");
        for c in ['D', 'n', 'e', '?', ':', '2', 'j', 'G', '/', 'x'] {
            press(&mut app, key(c));
        }
        press_code(&mut app, KeyCode::Tab);
        press_code(&mut app, KeyCode::Enter);
        app.on_event(Event::Paste("q".into()));
        assert!(app.popups.is_empty(), "{w}×{h}: a popup opened unseen");
        assert_eq!(app.tab, Tab::Users, "{w}×{h}");
        assert!(!app.quit, "{w}×{h}");
        // Nothing moved: grown back, the screen is as it was.
        assert_eq!(screen(&mut app, 100, 30), big, "{w}×{h}");
    }
    // At full size the same key opens the delete dialog: the keys above
    // were held back by the size alone.
    press(&mut app, key('D'));
    assert!(matches!(app.popups.last(), Some(Popup::Confirm(..))));
}

#[test]
fn below_the_minimum_size_q_and_ctrl_c_quit() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    screen(&mut app, 60, 20);
    press(&mut app, key('q'));
    assert!(app.quit);
    drop(app);

    let mut app = demo.app(ADMIN);
    screen(&mut app, 60, 20);
    press(&mut app, ctrl('c'));
    assert!(app.quit);
}

#[test]
fn below_the_minimum_size_unsaved_changes_are_not_discarded_unseen() {
    let demo = Demo::new();
    let mut app = demo.app(ADMIN);
    screen(&mut app, 100, 30);
    press(&mut app, key('n'));
    type_text(&mut app, "Ada");
    assert!(app.unsaved());
    let small = screen(&mut app, 60, 20);
    assert!(
        small.contains("unsaved changes: resize to see them, or ctrl-c to quit"),
        "{small}"
    );
    press(&mut app, key('q'));
    assert!(!app.quit, "q does not quit past unsaved changes");
    assert_eq!(app.popups.len(), 1, "and asks nothing unseen");
    // Grown back, the form is there with what was typed.
    assert!(screen(&mut app, 100, 30).contains("Ada"));
    screen(&mut app, 60, 20);
    press(&mut app, ctrl('c'));
    assert!(app.quit, "ctrl-c quits, as the screen says");
}
