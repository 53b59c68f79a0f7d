//! Fixtures for the terminal-app tests: the demo organisation in a temporary
//! store with a fixed clock, an `App` on it as any login, key events, and
//! drawing to a test backend. Everything is deterministic: the clock is
//! fixed, and local time is UTC (the app shows dates and times in local
//! time, so the tests pin `TZ` before anything reads it).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Once;

use chrono::{DateTime, TimeZone, Utc};
use clearance::domain::command::NewUser;
use clearance::ops::{Command, FixedClock, Session};
use clearance::tui::app::{App, Popup};
use clearance::tui::keymap::Keymap;
use clearance::tui::theme::Theme;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use tempfile::TempDir;

/// The OS login of the demo's account administrator.
pub const ADMIN: &str = "avery";
/// A workshop technician of the demo (no admin rights at all).
pub const TECHNICIAN: &str = "hdahl";
/// A maintenance planner: may view users but not manage them.
pub const PLANNER: &str = "mlindqvist";
/// Certifying staff (B1 on ATR72, CS-011, ATA 21-36 and 49, EKBI).
pub const CERTIFYING: &str = "lfarouk";

/// The instant every app test runs at.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 30, 0).unwrap()
}

/// Local time is UTC for the whole test process. The app renders dates
/// ("today", audit times) in local time, so without this the snapshots would
/// depend on the machine's time zone. Set once, before anything reads it;
/// chrono reads `TZ` through `std::env`, which is synchronised.
pub fn utc() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Set once, first thing in every test (edition 2021: a safe call);
        // nothing in these tests reads the environment outside std.
        std::env::set_var("TZ", "UTC");
    });
}

/// The demo organisation (maintenance preset, `demo_commands` at [`now`]) in
/// a temporary directory; [`ADMIN`] is its account administrator.
pub struct Demo {
    _dir: TempDir,
    pub path: PathBuf,
}

impl Demo {
    pub fn new() -> Demo {
        utc();
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("db");
        {
            let mut s = init(&path);
            let actor = s.actor(None).expect("the administrator acts");
            s.execute(
                actor,
                Command::Batch(clearance::demo::demo_commands(s.now())),
            )
            .expect("the demo commands commit");
        }
        Demo { _dir: dir, path }
    }

    /// Opens the store as `login` at [`now`].
    pub fn session(&self, login: &str) -> Session {
        Session::open(&self.path, login, Box::new(FixedClock(now()))).expect("the demo opens")
    }

    /// The app as `login`, default keymap and theme, Unicode symbols.
    pub fn app(&self, login: &str) -> App {
        self.app_with(login, "default", false)
    }

    pub fn app_with(&self, login: &str, theme: &str, ascii: bool) -> App {
        App::new(
            self.session(login),
            Keymap::default_keymap(),
            Theme::builtin(theme).expect("a built-in theme"),
            ascii,
        )
    }
}

impl Default for Demo {
    fn default() -> Self {
        Demo::new()
    }
}

fn init(path: &Path) -> Session {
    let preset = clearance::presets::load("maintenance").expect("the maintenance preset");
    let admin = NewUser {
        given: "Demo".into(),
        family: "Administrator".into(),
        email: Some("admin@demo-mro.example".into()),
        login: Some(ADMIN.into()),
        roles: vec![],
        access_until: None,
    };
    Session::init(
        path,
        ADMIN,
        Box::new(FixedClock(now())),
        &preset,
        "Demo MRO (Part-145)",
        admin,
    )
    .expect("the demo organisation is created")
}

// ---- keys -----------------------------------------------------------------

pub fn key(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

pub fn code(c: KeyCode) -> KeyEvent {
    let m = if c == KeyCode::BackTab {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    KeyEvent::new(c, m)
}

pub fn ctrl(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
}

/// Presses one key (as the terminal would send it: a press event).
pub fn press(app: &mut App, k: KeyEvent) {
    app.on_event(Event::Key(k));
}

pub fn press_code(app: &mut App, c: KeyCode) {
    press(app, code(c));
}

/// Types text one character at a time.
pub fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, key(c));
    }
}

pub fn paste(app: &mut App, text: &str) {
    app.on_event(Event::Paste(text.into()));
}

// ---- drawing --------------------------------------------------------------

/// Draws the app at `w`×`h` and returns the buffer (text and styles).
pub fn draw(app: &mut App, w: u16, h: u16) -> Buffer {
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("test backend");
    t.draw(|f| app.draw(f)).expect("drawing to memory");
    t.backend().buffer().clone()
}

/// The screen as text, one line per row (trailing blanks trimmed).
pub fn screen(app: &mut App, w: u16, h: u16) -> String {
    clearance::tui::render_text(app, w, h)
}

/// The row (y) whose text contains `needle`.
pub fn row_of(buf: &Buffer, needle: &str) -> Option<u16> {
    (0..buf.area.height).find(|y| row_text(buf, *y).contains(needle))
}

pub fn row_text(buf: &Buffer, y: u16) -> String {
    (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect()
}

/// The x of the first cell of row `y` whose symbol is `sym`.
pub fn col_of(buf: &Buffer, y: u16, sym: &str) -> Option<u16> {
    (0..buf.area.width).find(|x| buf[(*x, y)].symbol() == sym)
}

// ---- popups ---------------------------------------------------------------

/// The open form on top, if any.
pub fn top_form(app: &App) -> Option<&clearance::tui::widgets::form::Form> {
    match app.popups.last() {
        Some(Popup::Form(f, _, _)) => Some(f),
        _ => None,
    }
}

pub fn top_confirm(app: &App) -> Option<&clearance::tui::widgets::confirm::Confirm> {
    match app.popups.last() {
        Some(Popup::Confirm(c, _)) => Some(c),
        _ => None,
    }
}

pub fn status_text(app: &App) -> String {
    app.status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default()
}

/// The audit head (sequence number of the last entry).
pub fn audit_seq(app: &App) -> u64 {
    app.session.seq()
}
