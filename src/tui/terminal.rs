//! The terminal guard: alternate screen, raw mode, bracketed paste, mouse
//! only when configured. Restores in reverse order exactly once: on drop, on
//! panic (chaining the previous hook), before quitting on a signal and before
//! stopping for job control (re-entered on continue). When the terminal is
//! gone (hang-up, end of input) nothing is written to it; when it cannot take
//! output at once, the restore sequence is skipped rather than blocking.

use std::io::{self, Write};
use std::mem::ManuallyDrop;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::Once;
use std::time::Duration;

use ratatui::crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use ratatui::crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use ratatui::crossterm::{cursor, execute, queue};
use ratatui::Terminal;

use super::backend::AppBackend;
use super::caps::ColorDepth;
use super::signals;

/// Bits of what has been set up, so restore undoes exactly that.
static STATE: AtomicU8 = AtomicU8::new(0);
const RAW: u8 = 1;
const ALT: u8 = 2;
const PASTE: u8 = 4;
const MOUSE: u8 = 8;
static HOOK: Once = Once::new();
/// Set when the terminal is gone: nothing more is written to it.
static GONE: AtomicBool = AtomicBool::new(false);
/// How long restore waits for the terminal to take its few bytes.
const WRITABLE_WAIT: Duration = Duration::from_millis(200);

/// The terminal hung up: restore must not write to it.
pub fn mark_gone() {
    GONE.store(true, Ordering::SeqCst);
}

pub fn is_gone() -> bool {
    GONE.load(Ordering::SeqCst)
}

/// Can standard output take a few bytes now (or within `wait`)?
fn writable(wait: Duration) -> bool {
    let mut fd = libc::pollfd {
        fd: libc::STDOUT_FILENO,
        events: libc::POLLOUT,
        revents: 0,
    };
    // SAFETY: poll(2) on one pollfd we own.
    let rc = unsafe { libc::poll(&mut fd, 1, wait.as_millis() as i32) };
    rc == 1 && fd.revents & libc::POLLOUT != 0 && fd.revents & (libc::POLLERR | libc::POLLHUP) == 0
}

/// Undoes whatever was set up, in reverse order. Safe to call any number of
/// times and from the panic hook: never panics, never blocks on a terminal
/// that does not read.
pub fn restore() {
    let state = STATE.swap(0, Ordering::SeqCst);
    if state == 0 || is_gone() {
        return;
    }
    let mut seq = Vec::new();
    if state & MOUSE != 0 {
        let _ = queue!(seq, DisableMouseCapture);
    }
    if state & PASTE != 0 {
        let _ = queue!(seq, DisableBracketedPaste);
    }
    if state & ALT != 0 {
        let _ = queue!(seq, LeaveAlternateScreen);
    }
    let _ = queue!(seq, cursor::Show);
    if writable(WRITABLE_WAIT) {
        let mut out = io::stdout();
        let _ = out.write_all(&seq);
        let _ = out.flush();
    } else {
        tracing::warn!("the terminal takes no output: its restore sequence is skipped");
    }
    if state & RAW != 0 {
        let _ = disable_raw_mode();
    }
}

/// Owns the terminal while the app runs.
pub struct TerminalGuard {
    /// Never dropped: ratatui's drop writes "show cursor" (which `restore`
    /// did already) and, if that fails, prints to stderr, which panics when
    /// the terminal is gone.
    pub terminal: ManuallyDrop<Terminal<AppBackend<io::Stdout>>>,
    mouse: bool,
}

/// Takes the terminal over (again): raw mode, alternate screen, bracketed
/// paste, mouse when configured.
fn take_over(mouse: bool) -> io::Result<()> {
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
    Ok(())
}

impl TerminalGuard {
    /// Takes the terminal over; frames are written for `depth` colours.
    pub fn enter(mouse: bool, depth: ColorDepth) -> io::Result<TerminalGuard> {
        HOOK.call_once(|| {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                restore();
                tracing::error!("panic: {info}");
                previous(info);
            }));
        });
        signals::install()?;
        take_over(mouse)?;
        let terminal = Terminal::new(AppBackend::new(io::stdout(), depth))?;
        Ok(TerminalGuard {
            terminal: ManuallyDrop::new(terminal),
            mouse,
        })
    }

    /// Job control: gives the terminal back and stops the process; on
    /// continue takes the terminal over again and clears it, so that the
    /// next draw paints every cell. Returns after the process is continued.
    pub fn suspend(&mut self) -> io::Result<()> {
        restore();
        signals::stop_self();
        self.resume()
    }

    /// After a stop from outside (SIGSTOP, then SIGCONT): the terminal may
    /// have been changed meanwhile, so take it over again and clear it.
    pub fn resume(&mut self) -> io::Result<()> {
        if is_gone() {
            return Ok(());
        }
        // Whatever the terminal was left in, start again from its saved
        // (cooked) settings.
        if STATE.swap(0, Ordering::SeqCst) & RAW != 0 {
            let _ = disable_raw_mode();
        }
        take_over(self.mouse)?;
        self.redraw_all()
    }

    /// Clears the screen and forgets the last frame, so that the next draw
    /// paints every cell (ctrl-l; after a stop; stray output of another
    /// program on the terminal goes with it).
    pub fn redraw_all(&mut self) -> io::Result<()> {
        if is_gone() {
            return Ok(());
        }
        // Not `Terminal::clear`: in ratatui 0.30 it asks the terminal for the
        // cursor position, reading our input. A resize to the current size
        // clears the screen and forgets the last frame just the same.
        let size = self.terminal.size()?;
        self.terminal
            .resize(ratatui::layout::Rect::new(0, 0, size.width, size.height))
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}
