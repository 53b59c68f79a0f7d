//! The real binary in a pseudo-terminal (100×30 unless told otherwise,
//! TERM=xterm-256color, LANG=C.UTF-8, fixed clock and login), with everything it writes collected by a thread. The
//! master side can be closed under the running child (a dropped SSH
//! connection, `tmux kill-session`); signals can be sent by pid and the
//! child's state read from /proc. Every wait is bounded and a child still
//! running at the end of a test is killed.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use portable_pty::{native_pty_system, Child, CommandBuilder, ExitStatus, MasterPty, PtySize};

use super::cli;

pub const TIMEOUT: Duration = Duration::from_secs(10);
pub const ENTER_ALT: &str = "\x1b[?1049h";
pub const LEAVE_ALT: &str = "\x1b[?1049l";
pub const SHOW_CURSOR: &str = "\x1b[?25h";
pub const HIDE_CURSOR: &str = "\x1b[?25l";

/// The last part of the output, for failure messages.
pub fn tail(out: &str) -> String {
    let n = out.chars().count();
    let t: String = out.chars().skip(n.saturating_sub(1500)).collect();
    format!("{}{t:?}", if n > 1500 { "…" } else { "" })
}

/// How to start the child.
pub struct Spawn<'a> {
    pub args: &'a [&'a str],
    pub env: &'a [(&'a str, &'a str)],
    /// Make the pty the child's controlling terminal (as a login shell's
    /// would be): closing the master then sends it SIGHUP. Without, the
    /// child sees only the end of its input.
    pub controlling: bool,
    /// The window size as (rows, columns); (0, 0) as a serial line reports.
    pub size: (u16, u16),
}

impl Default for Spawn<'_> {
    fn default() -> Self {
        Spawn {
            args: &[],
            env: &[],
            controlling: true,
            size: (30, 100),
        }
    }
}

/// A child process on a pty.
pub struct Pty {
    pub child: Box<dyn Child + Send + Sync>,
    master: Option<Box<dyn MasterPty + Send>>,
    writer: Option<Box<dyn Write + Send>>,
    out: Arc<Mutex<Vec<u8>>>,
    /// Set when the reader saw the end of the output.
    eof: Arc<AtomicBool>,
    /// Tells the reader to stop (so that the master can be closed).
    stop: Arc<AtomicBool>,
    reader: Option<JoinHandle<()>>,
}

impl Pty {
    /// Starts the binary on `db` as `login` with `args`, and extra env.
    pub fn spawn(db: &Path, login: &str, args: &[&str], env: &[(&str, &str)]) -> Pty {
        Pty::spawn_with(
            db,
            login,
            Spawn {
                args,
                env,
                ..Spawn::default()
            },
        )
    }

    pub fn spawn_with(db: &Path, login: &str, how: Spawn) -> Pty {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: how.size.0,
                cols: how.size.1,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("a pty");
        let mut cmd = CommandBuilder::new(cli::bin());
        cmd.arg("--db");
        cmd.arg(db);
        for a in how.args {
            cmd.arg(a);
        }
        cmd.set_controlling_tty(how.controlling);
        cmd.env("TERM", "xterm-256color");
        cmd.env("LANG", "C.UTF-8");
        cmd.env("CLEARANCE_TEST_LOGIN", login);
        cmd.env("CLEARANCE_TEST_NOW", cli::NOW);
        cmd.env("TZ", "UTC");
        cmd.env("RUST_BACKTRACE", "0");
        for k in [
            "NO_COLOR",
            "CLEARANCE_DB",
            "CLEARANCE_TEST_PANIC_ON_KEY",
            "RUST_LOG",
            "COLORTERM",
            "LC_ALL",
            "LC_CTYPE",
            "LINES",
            "COLUMNS",
        ] {
            cmd.env_remove(k);
        }
        // The app opens the database itself unless a test asks for servers.
        cmd.env("CLEARANCE_AUTOSTART", "0");
        for (k, v) in how.env {
            cmd.env(k, v);
        }
        let child = pair.slave.spawn_command(cmd).expect("the binary starts");
        // Our copy of the slave side must go, or the reader never sees the end.
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("a reader");
        let fd = pair.master.as_raw_fd().expect("a unix pty");
        let writer = pair.master.take_writer().expect("a writer");
        let out = Arc::new(Mutex::new(Vec::new()));
        let eof = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let handle = {
            let (out, eof, stop) = (Arc::clone(&out), Arc::clone(&eof), Arc::clone(&stop));
            thread::spawn(move || {
                let mut buf = [0u8; 8192];
                while !stop.load(Ordering::SeqCst) {
                    let mut p = libc::pollfd {
                        fd,
                        events: libc::POLLIN,
                        revents: 0,
                    };
                    // SAFETY: poll(2) on one pollfd we own; the master stays
                    // open until this thread has been joined.
                    if unsafe { libc::poll(&mut p, 1, 20) } <= 0 {
                        continue;
                    }
                    match reader.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => out.lock().unwrap().extend_from_slice(&buf[..n]),
                    }
                }
                eof.store(true, Ordering::SeqCst);
            })
        };
        Pty {
            child,
            master: Some(pair.master),
            writer: Some(writer),
            out,
            eof,
            stop,
            reader: Some(handle),
        }
    }

    pub fn pid(&self) -> libc::pid_t {
        self.child.process_id().expect("a pid") as libc::pid_t
    }

    /// Sends a signal to the child.
    pub fn signal(&self, signo: libc::c_int) {
        // SAFETY: signalling our own child, which has not been reaped.
        assert_eq!(unsafe { libc::kill(self.pid(), signo) }, 0, "kill {signo}");
    }

    /// The child's state letter from /proc (R, S, T, Z, …) and its CPU time
    /// so far in clock ticks (user + system).
    pub fn stat(&self) -> Option<(char, u64)> {
        let s = std::fs::read_to_string(format!("/proc/{}/stat", self.pid())).ok()?;
        let after = &s[s.rfind(')')? + 2..];
        let f: Vec<&str> = after.split(' ').collect();
        let state = f.first()?.chars().next()?;
        // Fields 14 and 15 (utime, stime) are 11 and 12 after the state.
        let cpu = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
        Some((state, cpu))
    }

    /// Waits until the child is in state `want` (e.g. 'T', stopped).
    #[track_caller]
    pub fn wait_state(&mut self, want: char) {
        let start = Instant::now();
        loop {
            if self.stat().is_some_and(|(s, _)| s == want) {
                return;
            }
            if start.elapsed() > TIMEOUT {
                let st = self.stat();
                let _ = self.child.kill();
                panic!(
                    "the child is not in state {want} within {TIMEOUT:?} ({st:?}); output:\n{}",
                    tail(&self.output())
                );
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Everything written so far, as text (escape sequences included).
    pub fn output(&self) -> String {
        String::from_utf8_lossy(&self.out.lock().unwrap()).into_owned()
    }

    pub fn len(&self) -> usize {
        self.out.lock().unwrap().len()
    }

    /// Waits until the output after byte `from` contains `needle`.
    #[track_caller]
    pub fn wait_for(&mut self, from: usize, needle: &str) {
        let start = Instant::now();
        loop {
            {
                let out = self.out.lock().unwrap();
                let tail = String::from_utf8_lossy(&out[from.min(out.len())..]);
                if tail.contains(needle) {
                    return;
                }
            }
            if start.elapsed() > TIMEOUT {
                let _ = self.child.kill();
                panic!(
                    "no {needle:?} within {TIMEOUT:?}; output so far:\n{}",
                    tail(&self.output())
                );
            }
            if let Ok(Some(st)) = self.child.try_wait() {
                // Give the reader a moment to collect the last output.
                self.wait_eof();
                let out = self.output();
                if String::from_utf8_lossy(&out.as_bytes()[from.min(out.len())..]).contains(needle)
                {
                    return;
                }
                panic!(
                    "the child exited ({st}) before {needle:?}; output:\n{}",
                    tail(&out)
                );
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends keys (bytes as a terminal would).
    pub fn send(&mut self, bytes: &[u8]) {
        let w = self.writer.as_mut().expect("the pty is open");
        w.write_all(bytes).expect("write to the pty");
        w.flush().expect("flush the pty");
    }

    /// Sends one key and waits until the screen shows `needle` after it.
    #[track_caller]
    pub fn key_then(&mut self, bytes: &[u8], needle: &str) {
        let from = self.len();
        self.send(bytes);
        self.wait_for(from, needle);
    }

    /// Closes the master side under the running child, as a dropped
    /// connection or a killed terminal does.
    pub fn hang_up(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(h) = self.reader.take() {
            let _ = h.join();
        }
        self.writer = None;
        self.master = None;
    }

    /// Waits up to `bound` for the child to exit; None if it still runs.
    pub fn exited_within(&mut self, bound: Duration) -> Option<ExitStatus> {
        let start = Instant::now();
        loop {
            if let Some(st) = self.child.try_wait().expect("try_wait") {
                return Some(st);
            }
            if start.elapsed() > bound {
                return None;
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Waits for the child to exit (killing it after the timeout) and for
    /// its output to end.
    #[track_caller]
    pub fn wait_exit(&mut self) -> ExitStatus {
        match self.exited_within(TIMEOUT) {
            Some(st) => {
                self.wait_eof();
                st
            }
            None => {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!(
                    "the child did not exit within {TIMEOUT:?}; output:\n{}",
                    tail(&self.output())
                );
            }
        }
    }

    pub fn wait_eof(&self) {
        let start = Instant::now();
        while !self.eof.load(Ordering::SeqCst) && start.elapsed() < Duration::from_secs(3) {
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// The pty's line discipline: canonical mode and echo are on again when
    /// raw mode was undone.
    pub fn cooked(&self) -> bool {
        let fd = self
            .master
            .as_ref()
            .and_then(|m| m.as_raw_fd())
            .expect("an open unix pty");
        // SAFETY: tcgetattr fills the struct we own; fd is the open master.
        let mut t: libc::termios = unsafe { std::mem::zeroed() };
        let rc = unsafe { libc::tcgetattr(fd, &mut t) };
        assert_eq!(rc, 0, "tcgetattr on the pty");
        t.c_lflag & libc::ICANON != 0 && t.c_lflag & libc::ECHO != 0
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        // Never leave a child behind, whatever the test did.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// Asserts the output ends by leaving the alternate screen and showing the
/// cursor: after the last "leave", nothing but cursor-show sequences and
/// whitespace, and no "enter" after it.
#[track_caller]
pub fn assert_restored(out: &str) {
    let leave = out
        .rfind(LEAVE_ALT)
        .unwrap_or_else(|| panic!("the alternate screen was never left:\n{out:?}"));
    let enter = out
        .rfind(ENTER_ALT)
        .expect("the alternate screen was entered");
    assert!(enter < leave, "entered again after leaving:\n{out:?}");
    let tail = &out[leave + LEAVE_ALT.len()..];
    assert!(
        tail.contains(SHOW_CURSOR),
        "the cursor is not shown again: {tail:?}"
    );
    assert!(
        tail.replace(SHOW_CURSOR, "").trim().is_empty(),
        "output after leaving the alternate screen: {tail:?}"
    );
    // Bracketed paste is switched off before leaving.
    let paste_off = out.rfind("\x1b[?2004l").expect("bracketed paste off");
    assert!(paste_off < leave);
}
