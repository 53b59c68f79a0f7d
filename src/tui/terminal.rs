//! The terminal guard: alternate screen, raw mode, bracketed paste, mouse
//! only when configured. Restores in reverse order exactly once, on drop, on
//! panic (chaining the previous hook) and on SIGTERM/SIGHUP.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::Once;

use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use ratatui::crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use ratatui::crossterm::{cursor, execute};
use ratatui::Terminal;

/// Bits of what has been set up, so restore undoes exactly that.
static STATE: AtomicU8 = AtomicU8::new(0);
const RAW: u8 = 1;
const ALT: u8 = 2;
const PASTE: u8 = 4;
const MOUSE: u8 = 8;
static HOOK: Once = Once::new();
/// Set by SIGTERM / SIGHUP; the loop checks it and quits cleanly.
pub static TERMINATE: AtomicBool = AtomicBool::new(false);

/// Undoes whatever was set up, in reverse order. Safe to call any number of
/// times and from the panic hook: never panics.
pub fn restore() {
    let state = STATE.swap(0, Ordering::SeqCst);
    if state == 0 {
        return;
    }
    let mut out = io::stdout();
    if state & MOUSE != 0 {
        let _ = execute!(out, DisableMouseCapture);
    }
    if state & PASTE != 0 {
        let _ = execute!(out, DisableBracketedPaste);
    }
    if state & ALT != 0 {
        let _ = execute!(out, LeaveAlternateScreen);
    }
    let _ = execute!(out, cursor::Show);
    if state & RAW != 0 {
        let _ = disable_raw_mode();
    }
    let _ = out.flush();
}

extern "C" fn on_signal(_: libc::c_int) {
    TERMINATE.store(true, Ordering::SeqCst);
}

/// Owns the terminal while the app runs.
pub struct TerminalGuard {
    pub terminal: Terminal<CrosstermBackend<io::Stdout>>,
}

impl TerminalGuard {
    pub fn enter(mouse: bool) -> io::Result<TerminalGuard> {
        HOOK.call_once(|| {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                restore();
                tracing::error!("panic: {info}");
                previous(info);
            }));
            // SAFETY: the handler only stores to an atomic.
            unsafe {
                libc::signal(libc::SIGTERM, on_signal as *const () as libc::sighandler_t);
                libc::signal(libc::SIGHUP, on_signal as *const () as libc::sighandler_t);
            }
        });
        let mut out = io::stdout();
        enable_raw_mode()?;
        STATE.fetch_or(RAW, Ordering::SeqCst);
        execute!(out, EnterAlternateScreen)?;
        STATE.fetch_or(ALT, Ordering::SeqCst);
        execute!(out, EnableBracketedPaste)?;
        STATE.fetch_or(PASTE, Ordering::SeqCst);
        if mouse {
            execute!(out, EnableMouseCapture)?;
            STATE.fetch_or(MOUSE, Ordering::SeqCst);
        }
        let terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
        Ok(TerminalGuard { terminal })
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}
