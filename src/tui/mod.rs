//! The terminal app. A synchronous, single-threaded loop: drain all pending
//! events, then draw once, and only when something changed. The only timers
//! are real deadlines: a status message fading, the idle lock and the date
//! rolling over. Signals wake the loop through a self-pipe (`signals.rs`);
//! input is read and parsed by our own reader (`input.rs`, `event.rs`).

pub mod app;
pub mod backend;
pub mod caps;
mod commands;
mod draw;
pub mod event;
pub mod first_run;
pub mod input;
pub mod keymap;
pub mod kiosk;
pub mod passes;
pub mod popups;
pub mod session;
mod shared;
pub mod signals;
pub mod terminal;
pub mod theme;
pub mod view;
pub mod views;
pub mod widgets;

use std::io::Write;
use std::time::{Duration, Instant};

use ratatui::backend::TestBackend;
use ratatui::Terminal;

use crate::client::link::Link;
use crate::config::{Ascii, Colors, Config};
use app::{App, Tab};
use keymap::Keymap;
use theme::Theme;

/// How long a status message stays.
const STATUS_FADE: Duration = Duration::from_secs(8);
/// The longest the loop sleeps without an event or a signal (a safety net
/// against clock changes; signals wake it at once).
const LONGEST_WAIT: Duration = Duration::from_secs(60);

/// Everything the app needs besides the database, validated before the
/// terminal is taken over.
pub struct Look {
    pub keymap: Keymap,
    pub theme: Theme,
    pub ascii: bool,
    /// The colours the terminal shows (each frame is mapped down to them).
    pub depth: caps::ColorDepth,
    pub mouse: bool,
    /// Hide the screen after this long without input (None: never).
    pub idle_lock: Option<Duration>,
}

impl Look {
    /// From the config, the `--ascii` flag and the environment (NO_COLOR,
    /// TERM, COLORTERM, the locale). Errors name the file and key.
    pub fn from_config(config: &Config, origin: &str, ascii_flag: bool) -> Result<Look, String> {
        Look::from_config_env(config, origin, ascii_flag, caps::env)
    }

    /// As `from_config`, with the environment read through `var`.
    pub fn from_config_env(
        config: &Config,
        origin: &str,
        ascii_flag: bool,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Look, String> {
        let keymap = Keymap::default_keymap().with_overrides(&config.keys, origin)?;
        // The configured theme is checked even when NO_COLOR replaces it:
        // a bad config is an error whatever the environment.
        let configured = if config.theme.ends_with(".toml") {
            let src = std::fs::read_to_string(&config.theme)
                .map_err(|e| format!("{origin}: theme {}: {e}", config.theme))?;
            Theme::parse(&src, "custom", &config.theme)?
        } else {
            Theme::builtin(&config.theme).map_err(|e| format!("{origin}: theme: {e}"))?
        };
        let no_color = var("NO_COLOR").is_some_and(|v| !v.is_empty());
        let theme = if no_color {
            Theme::builtin("mono")?
        } else {
            configured
        };
        let ascii = ascii_flag
            || match config.ascii {
                Ascii::On => true,
                Ascii::Off => false,
                Ascii::Auto => !caps::locale_is_utf8(&var),
            };
        let depth = match config.colors {
            Colors::Depth(d) => d,
            Colors::Auto => {
                caps::ColorDepth::detect(var("TERM").as_deref(), var("COLORTERM").as_deref())
            }
        };
        // A terminal that needs ASCII is an old one: at most 16 colours (on a
        // VT100 the 5 of 38;5;N reads as blink).
        let depth = if ascii {
            depth.min(caps::ColorDepth::Ansi16)
        } else {
            depth
        };
        Ok(Look {
            keymap,
            theme,
            ascii,
            depth,
            mouse: config.mouse,
            idle_lock: (config.idle_lock_minutes > 0)
                .then(|| Duration::from_secs(u64::from(config.idle_lock_minutes) * 60)),
        })
    }
}

/// Exit status after the terminal hung up (end of input): as for SIGHUP.
pub const EXIT_HANGUP: i32 = 128 + libc::SIGHUP;

/// Runs the app until the user quits, a terminating signal arrives or the
/// terminal goes away. Returns the exit status: 0 after quitting, 128 + the
/// signal's number after a signal, [`EXIT_HANGUP`] after end of input. Every
/// change is committed when its command returns, so quitting between two
/// events loses nothing committed.
/// Runs the app; `as_user` (`--as`) runs it acting as that user (checked
/// before the terminal is taken over).
pub fn run(session: Link, look: Look, as_user: Option<&str>) -> std::io::Result<i32> {
    let mouse = look.mouse;
    let mut app = App::new(session, look.keymap, look.theme, look.ascii);
    // A workshop terminal always signs out when idle.
    let idle_lock = match app.kiosk {
        Some(_) => look.idle_lock.or(Some(kiosk::DEFAULT_IDLE)),
        None => look.idle_lock,
    };
    if let Some(name) = as_user {
        app.act_as(name).map_err(std::io::Error::other)?;
    }
    app.depth = look.depth;
    let mut guard = terminal::TerminalGuard::enter(mouse, look.depth)?;
    let mut input = input::Input::stdin();
    let code = run_loop(&mut app, &mut guard, &mut input, idle_lock);
    // Whatever ended the app (a quit, a signal, a hang-up), nobody stays
    // signed in at a workshop terminal.
    app.kiosk_sign_out(false);
    let code = code?;
    drop(guard);
    if let Some(f) = &app.fatal {
        if !terminal::is_gone() {
            let _ = writeln!(std::io::stderr(), "error: {f}");
        }
    }
    Ok(code)
}

fn run_loop(
    app: &mut App,
    guard: &mut terminal::TerminalGuard,
    input: &mut input::Input,
    idle_lock: Option<Duration>,
) -> std::io::Result<i32> {
    let mut last_input = Instant::now();
    let mut status_set: Option<(Instant, String)> = None;
    // Expiry days are the organisation's days (domain::zone), whatever the
    // terminal's zone; the rollover follows the real clock.
    let mut today = app.session.org().day_of(chrono::Utc::now());
    let mut pending = signals::take();
    loop {
        // Signals first: a quit is acted on between events, never inside one.
        let suspend = std::mem::take(&mut app.suspend);
        match on_signals(pending, guard, suspend, app.allow_suspend)? {
            Err(code) => return Ok(code),
            Ok(true) => app.dirty = true,
            Ok(false) => {}
        }
        pending = Default::default();
        if app.redraw {
            // Like a continue: clear, forget the last frame, paint it all.
            app.redraw = false;
            guard.redraw_all()?;
            app.dirty = true;
        }
        if app.dirty {
            if let Err(e) = guard.terminal.draw(|f| app.draw(f)) {
                if terminal::is_gone() || e.raw_os_error() == Some(libc::EIO) {
                    tracing::info!("the terminal hung up (drawing failed: {e})");
                    terminal::mark_gone();
                    return Ok(EXIT_HANGUP);
                }
                return Err(e);
            }
            app.dirty = false;
        }
        if app.quit {
            return Ok(0);
        }
        // Track when the current status message appeared, to fade it.
        let current = app.status.as_ref().map(|s| s.text.clone());
        match (&status_set, current) {
            (Some((_, t)), Some(c)) if *t == c => {}
            (_, Some(c)) => status_set = Some((Instant::now(), c)),
            (_, None) => status_set = None,
        }
        let now = chrono::Utc::now();
        let midnight = (app.session.org().zone().end_of(today) - now)
            .to_std()
            .unwrap_or(Duration::ZERO);
        let fade = status_set
            .as_ref()
            .map(|(t, _)| STATUS_FADE.saturating_sub(t.elapsed()))
            .unwrap_or(Duration::MAX);
        let idle = match idle_lock {
            Some(l) if !app.locked => l.saturating_sub(last_input.elapsed()),
            _ => Duration::MAX,
        };
        let wait = midnight.min(fade).min(idle).min(LONGEST_WAIT);
        let batch = input.wait(wait)?;
        // Changes the server pushed (they woke the wait).
        app.pull();
        if !batch.is_empty() {
            last_input = Instant::now();
        }
        // Everything that was ready, then one draw.
        let status_before = app.status.as_ref().map(|s| s.text.clone());
        for incoming in batch {
            match incoming {
                input::Incoming::Event(ev) => app.on_event(ev),
                input::Incoming::Notice(text) => {
                    // Joins a message of the same batch (a paste cut by the
                    // reader and by the field).
                    let now = app.status.as_ref().map(|s| s.text.clone());
                    let text = match now {
                        Some(t) if Some(&t) != status_before.as_ref() => format!("{t}; {text}"),
                        _ => text,
                    };
                    app.status = Some(widgets::status::Status { text, error: true });
                    app.dirty = true;
                }
                input::Incoming::Hangup => {
                    tracing::info!("the terminal hung up (end of input)");
                    terminal::mark_gone();
                    return Ok(EXIT_HANGUP);
                }
            }
            pending = pending.union(signals::take());
            if app.quit || app.suspend || pending.quit().is_some() {
                break;
            }
        }
        pending = pending.union(signals::take());
        if status_set
            .as_ref()
            .is_some_and(|(t, _)| t.elapsed() >= STATUS_FADE)
        {
            app.status = None;
            status_set = None;
            app.dirty = true;
        }
        if idle_lock.is_some_and(|l| last_input.elapsed() >= l) && !app.locked {
            app.lock();
            if app.kiosk.is_some() {
                // Signed out, not hidden: the idle time starts again.
                last_input = Instant::now();
            }
        }
        let d = app.session.org().day_of(chrono::Utc::now());
        if d != today {
            // Standings and expiries change with the date.
            today = d;
            app.version += 1;
            app.dirty = true;
        }
    }
}

/// Acts on the signals taken (the app's loop and the first-run screen's
/// alike): `Err(128 + n)` for a terminating signal; a stop (SIGTSTP, or
/// `suspend` asked for by a key) gives the terminal back and returns when
/// continued; a continue from outside takes the terminal over again.
/// `Ok(true)` when the screen must be drawn again.
pub(crate) fn on_signals(
    mut pending: signals::Signals,
    guard: &mut terminal::TerminalGuard,
    mut suspend: bool,
    allow_suspend: bool,
) -> std::io::Result<Result<bool, i32>> {
    let mut redraw = false;
    loop {
        if let Some(signo) = pending.quit() {
            tracing::info!("quitting on signal {signo}");
            return Ok(Err(128 + signo));
        }
        if pending.contains(libc::SIGTSTP) && allow_suspend || suspend {
            suspend = false;
            guard.suspend()?;
            // Our own stop ends with SIGCONT: already handled by suspend.
            pending = signals::take().without(libc::SIGCONT);
            redraw = true;
            continue;
        }
        if pending.contains(libc::SIGCONT) {
            guard.resume()?;
            redraw = true;
        }
        if pending.contains(libc::SIGWINCH) {
            redraw = true;
        }
        return Ok(Ok(redraw));
    }
}

/// Renders one frame of the real app to text (for docs, tests and scripts).
pub fn snapshot(
    session: Link,
    look: Look,
    tab: Option<Tab>,
    as_user: Option<&str>,
    width: u16,
    height: u16,
) -> Result<String, String> {
    let mut app = App::new(session, look.keymap, look.theme, look.ascii);
    if let Some(name) = as_user {
        app.act_as(name)?;
    }
    if let Some(t) = tab {
        if !app.visible_tabs().contains(&t) {
            return Err(format!("you have no access to the {} tab", t.title()));
        }
        app.tab = t;
    }
    Ok(render_text(&mut app, width, height))
}

/// Draws the app on a test backend and returns the screen as lines of text.
pub fn render_text(app: &mut App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test backend");
    terminal
        .draw(|f| app.draw(f))
        .expect("drawing to memory cannot fail");
    buffer_text(terminal.backend().buffer())
}

pub fn buffer_text(buf: &ratatui::buffer::Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        for x in 0..buf.area.width {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
