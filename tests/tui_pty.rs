//! The real binary in a pseudo-terminal (100×30, TERM=xterm-256color, fixed
//! clock and login): start, switch every tab, quit; edit and save a cell of
//! the permission grid, then check with the CLI; a second instance on the
//! same database is refused before it touches the terminal; a panic restores
//! the terminal and leaves a report in the log; a login bound to no user
//! hears so before the alternate screen. Every wait is bounded (≤ 10 s) and
//! a child still running at the end of a test is killed.

#[path = "common/cli.rs"]
mod cli;

use std::io::{Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use portable_pty::{native_pty_system, Child, CommandBuilder, ExitStatus, MasterPty, PtySize};

const TIMEOUT: Duration = Duration::from_secs(10);
const ENTER_ALT: &str = "\x1b[?1049h";
const LEAVE_ALT: &str = "\x1b[?1049l";
const SHOW_CURSOR: &str = "\x1b[?25h";

/// The last part of the output, for failure messages.
fn tail(out: &str) -> String {
    let n = out.chars().count();
    let t: String = out.chars().skip(n.saturating_sub(1500)).collect();
    format!("{}{t:?}", if n > 1500 { "…" } else { "" })
}

/// A child process on a pty, with everything it wrote collected by a thread.
struct Pty {
    child: Box<dyn Child + Send + Sync>,
    master: Box<dyn MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    out: Arc<Mutex<Vec<u8>>>,
    /// Set when the reader saw the end of the output (the child and every
    /// copy of the slave side are gone).
    eof: Arc<AtomicBool>,
}

impl Pty {
    /// Starts the binary on `db` as `login` with `args`, and extra env.
    fn spawn(db: &Path, login: &str, args: &[&str], env: &[(&str, &str)]) -> Pty {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: 30,
                cols: 100,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("a pty");
        let mut cmd = CommandBuilder::new(cli::bin());
        cmd.arg("--db");
        cmd.arg(db);
        for a in args {
            cmd.arg(a);
        }
        cmd.env("TERM", "xterm-256color");
        cmd.env("CLEARANCE_TEST_LOGIN", login);
        cmd.env("CLEARANCE_TEST_NOW", cli::NOW);
        cmd.env("TZ", "UTC");
        cmd.env("RUST_BACKTRACE", "0");
        for k in [
            "NO_COLOR",
            "CLEARANCE_DB",
            "CLEARANCE_TEST_PANIC_ON_KEY",
            "RUST_LOG",
        ] {
            cmd.env_remove(k);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pair.slave.spawn_command(cmd).expect("the binary starts");
        // Our copy of the slave side must go, or the reader never sees the end.
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("a reader");
        let writer = pair.master.take_writer().expect("a writer");
        let out = Arc::new(Mutex::new(Vec::new()));
        let eof = Arc::new(AtomicBool::new(false));
        {
            let out = Arc::clone(&out);
            let eof = Arc::clone(&eof);
            thread::spawn(move || {
                let mut buf = [0u8; 8192];
                loop {
                    match reader.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => out.lock().unwrap().extend_from_slice(&buf[..n]),
                    }
                }
                eof.store(true, Ordering::SeqCst);
            });
        }
        Pty {
            child,
            master: pair.master,
            writer,
            out,
            eof,
        }
    }

    /// Everything written so far, as text (escape sequences included).
    fn output(&self) -> String {
        String::from_utf8_lossy(&self.out.lock().unwrap()).into_owned()
    }

    fn len(&self) -> usize {
        self.out.lock().unwrap().len()
    }

    /// Waits until the output after byte `from` contains `needle`.
    #[track_caller]
    fn wait_for(&mut self, from: usize, needle: &str) {
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
    fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).expect("write to the pty");
        self.writer.flush().expect("flush the pty");
    }

    /// Sends one key and waits until the screen shows `needle` after it.
    #[track_caller]
    fn key_then(&mut self, bytes: &[u8], needle: &str) {
        let from = self.len();
        self.send(bytes);
        self.wait_for(from, needle);
    }

    /// Waits for the child to exit (killing it after the timeout) and for
    /// its output to end.
    #[track_caller]
    fn wait_exit(&mut self) -> ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(st) = self.child.try_wait().expect("try_wait") {
                self.wait_eof();
                return st;
            }
            if start.elapsed() > TIMEOUT {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!(
                    "the child did not exit within {TIMEOUT:?}; output:\n{}",
                    tail(&self.output())
                );
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    fn wait_eof(&self) {
        let start = Instant::now();
        while !self.eof.load(Ordering::SeqCst) && start.elapsed() < Duration::from_secs(3) {
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// The pty's line discipline: canonical mode and echo are on again when
    /// raw mode was undone.
    fn cooked(&self) -> bool {
        let fd = self.master.as_raw_fd().expect("a unix pty");
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
    }
}

/// Asserts the output ends by leaving the alternate screen and showing the
/// cursor: after the last "leave", nothing but cursor-show sequences and
/// whitespace, and no "enter" after it.
#[track_caller]
fn assert_restored(out: &str) {
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

#[test]
fn demo_starts_switches_every_tab_and_quits_cleanly() {
    let db = cli::Db::empty();
    let mut app = Pty::spawn(&db.path, cli::ADMIN, &["demo"], &[]);
    app.wait_for(0, "Users (41)");
    let out = app.output();
    let enter = out.find(ENTER_ALT).expect("the alternate screen");
    assert!(
        out.find("\x1b[?2004h").is_some_and(|p| p > enter),
        "bracketed paste on"
    );
    assert!(
        !out.contains("\x1b[?1000h"),
        "no mouse capture unless configured"
    );
    // Only changed cells are written, so a pane's title may reach the
    // terminal in pieces; the header's tab changes style as a whole, so the
    // newly active tab's name is written in one piece after each key.
    for (k, tab) in [
        (&b"2"[..], "2 Roles"),
        (b"3", "3 Authorizations"),
        (b"4", "4 Audit"),
        (b"5", "5 Me"),
        (b"1", "1 Users"),
        (b"\t", "2 Roles"),
        (b"\t", "3 Authorizations"),
        (b"\t", "4 Audit"),
        (b"\t", "5 Me"),
        (b"\t", "1 Users"),
        (b"\x1b[Z", "5 Me"), // shift-tab, as xterm sends it
    ] {
        app.key_then(k, tab);
    }
    let out = app.output();
    for body in ["Authorizations (12)", "chain", "My access"] {
        assert!(out.contains(body), "{body} was never drawn");
    }
    app.send(b"q");
    let st = app.wait_exit();
    assert!(
        st.success(),
        "exit status {st}; output:\n{:?}",
        app.output()
    );
    assert_restored(&app.output());
    assert!(app.cooked(), "raw mode is undone");
}

#[test]
fn a_grid_cell_edited_and_saved_in_the_app_is_in_the_store() {
    let db = cli::Db::empty();
    let mut app = Pty::spawn(&db.path, cli::ADMIN, &["demo"], &[]);
    app.wait_for(0, "Users (41)");
    app.key_then(b"2", "2 Roles");
    // The third role, Workshop technician: its grid (at 100 columns the
    // grid takes the whole body while it has the focus).
    app.key_then(b"jj\r", "cycle");
    // Down to work_orders.release (row 10). A level that does not exist on
    // its scale is refused, and the message names the cell's permission:
    // proof the cursor is there. (Status lines are written whole: fresh
    // text in a style of its own; grid cells may reach the terminal in
    // pieces.)
    app.send(b"jjjjjjjjjj");
    app.key_then(
        b"v",
        "does not exist on the grant scale of work_orders.release",
    );
    // Set yes, save: the impact first; confirm.
    app.send(b"y");
    app.key_then(b"w", "impact");
    app.key_then(b"y", "(audit #3)");
    app.send(b"q");
    let st = app.wait_exit();
    assert!(
        st.success(),
        "exit status {st}; output:\n{}",
        tail(&app.output())
    );
    assert_restored(&app.output());

    // The CLI, with the same login and clock, sees the new level and an
    // intact chain.
    let role = db
        .run(&["role", "show", "Workshop technician", "--json"])
        .ok()
        .json();
    assert_eq!(role["levels"]["work_orders.release"], "yes", "{role:#}");
    assert_eq!(role["levels"]["work_orders.complete"], "yes", "{role:#}");
    let verify = db.run(&["audit", "verify", "--json"]).ok().json();
    assert_eq!(verify["ok"], true, "{verify:#}");
    assert_eq!(verify["entries"], 3, "the demo's two entries and the save");
    let out = db.run(&["audit", "verify"]).ok();
    assert!(out.stdout.contains("audit chain intact"), "{}", out.stdout);
    // The newest entry is the grid's save, by the administrator.
    let list = db
        .run(&["audit", "list", "--json", "--limit", "1"])
        .ok()
        .json();
    let last = &list[0];
    assert_eq!(last["seq"], 3, "{last:#}");
    assert_eq!(last["command"], "role set", "{last:#}");
    assert_eq!(last["operator_login"], cli::ADMIN, "{last:#}");
    assert!(
        last["summary"]
            .as_str()
            .is_some_and(|s| s.contains("Workshop technician")),
        "{last:#}"
    );
}

#[test]
fn a_second_instance_is_refused_at_once_naming_the_holder() {
    let db = cli::Db::demo();
    let mut first = Pty::spawn(&db.path, cli::ADMIN, &[], &[]);
    first.wait_for(0, "Users (41)");
    let started = Instant::now();
    let mut second = Pty::spawn(&db.path, "mlindqvist", &[], &[]);
    let st = second.wait_exit();
    let took = started.elapsed();
    let out = second.output();
    assert_eq!(st.exit_code(), 2, "{st}; output:\n{out:?}");
    assert!(
        out.contains(&format!("database in use by {} (pid", cli::ADMIN)),
        "the holder is named: {out:?}"
    );
    assert!(!out.contains(ENTER_ALT), "the terminal was taken: {out:?}");
    assert!(!out.contains('\x1b'), "no escape sequence at all: {out:?}");
    assert!(took < Duration::from_secs(5), "refused after {took:?}");
    // The first instance is unaffected and quits cleanly.
    first.key_then(b"3", "3 Authorizations");
    first.send(b"q");
    assert!(first.wait_exit().success());
    assert_restored(&first.output());
}

#[test]
fn a_panic_restores_the_terminal_and_is_logged() {
    let db = cli::Db::demo();
    let mut app = Pty::spawn(
        &db.path,
        cli::ADMIN,
        &[],
        &[("CLEARANCE_TEST_PANIC_ON_KEY", "x")],
    );
    app.wait_for(0, "Users (41)");
    app.send(b"x");
    let st = app.wait_exit();
    let out = app.output();
    assert!(!st.success(), "a panic exits non-zero: {st}");
    assert_eq!(st.exit_code(), 101, "{st}");
    let leave = out
        .rfind(LEAVE_ALT)
        .unwrap_or_else(|| panic!("the alternate screen was not left after the panic:\n{out:?}"));
    assert!(out.rfind(ENTER_ALT).unwrap() < leave);
    let report = out
        .find("test panic on key 'x'")
        .expect("the panic message reaches the terminal");
    assert!(
        leave < report,
        "the panic message is printed after the terminal is restored (so it stays readable)"
    );
    assert!(
        out[leave..].contains(SHOW_CURSOR),
        "the cursor is shown again"
    );
    assert!(app.cooked(), "raw mode is undone after the panic");
    let log = std::fs::read_to_string(db.path.join("clearance.log")).expect("the log file");
    assert!(log.contains("panic"), "{log}");
    assert!(log.contains("test panic on key 'x'"), "{log}");
}

#[test]
fn a_login_bound_to_no_user_is_told_before_the_terminal_is_taken() {
    let db = cli::Db::demo();
    for args in [&[][..], &["demo"][..]] {
        let mut app = Pty::spawn(&db.path, "nobody", args, &[]);
        let st = app.wait_exit();
        let out = app.output();
        assert_eq!(st.exit_code(), 2, "{args:?}: {st}; output:\n{out:?}");
        assert!(
            out.contains("error: your OS login 'nobody' is bound to no active user"),
            "{out:?}"
        );
        assert!(
            out.contains("clearance user edit USER --login nobody"),
            "{out:?}"
        );
        assert!(!out.contains(ENTER_ALT), "the terminal was taken: {out:?}");
        assert!(!out.contains('\x1b'), "no escape sequence at all: {out:?}");
    }
    // A deactivated user's login is refused the same way (Jakob Brandt).
    let mut app = Pty::spawn(&db.path, "jbrandt", &[], &[]);
    assert_eq!(app.wait_exit().exit_code(), 2);
    let out = app.output();
    assert!(
        out.contains("'jbrandt' is bound to no active user"),
        "{out:?}"
    );
    assert!(!out.contains(ENTER_ALT));
}

#[test]
fn a_bad_config_is_reported_before_raw_mode() {
    let db = cli::Db::demo();
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "theme = \"neon\"\n").unwrap();
    let bad = bad.to_str().unwrap();
    let mut app = Pty::spawn(&db.path, cli::ADMIN, &["--config", bad], &[]);
    let st = app.wait_exit();
    let out = app.output();
    assert_eq!(st.exit_code(), 2, "{st}; output:\n{out:?}");
    assert!(
        out.contains(&format!(
            "error: {bad}: theme: unknown theme 'neon' (default, mono, or a path to a .toml file)"
        )),
        "{out:?}"
    );
    assert!(!out.contains('\x1b'), "the terminal was touched: {out:?}");
}

#[test]
fn sigterm_quits_cleanly_and_restores_the_terminal() {
    let db = cli::Db::demo();
    let mut app = Pty::spawn(&db.path, cli::ADMIN, &[], &[]);
    app.wait_for(0, "Users (41)");
    let pid = app.child.process_id().expect("a pid") as libc::pid_t;
    // SAFETY: signalling our own child, which is still running.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let st = app.wait_exit();
    assert!(st.success(), "SIGTERM quits cleanly: {st}");
    assert_restored(&app.output());
    assert!(app.cooked());
}
