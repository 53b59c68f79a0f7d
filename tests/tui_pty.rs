//! The real binary in a pseudo-terminal (100×30, TERM=xterm-256color, fixed
//! clock and login): start, switch every tab, quit; edit and save a cell of
//! the permission grid, then check with the CLI; a reason typed into a
//! confirmation is in the audit log; a second instance on the
//! same database is refused before it touches the terminal; a panic restores
//! the terminal and leaves a report in the log; a login bound to no user
//! hears so before the alternate screen. Every wait is bounded (≤ 10 s) and
//! a child still running at the end of a test is killed.

#[path = "common/cli.rs"]
mod cli;

#[path = "common/pty.rs"]
mod pty;

use std::time::{Duration, Instant};

use pty::{assert_restored, tail, Pty, ENTER_ALT, LEAVE_ALT, SHOW_CURSOR};

#[test]
fn demo_starts_switches_every_tab_and_quits_cleanly() {
    let db = cli::Db::empty();
    let mut app = Pty::spawn(&db.path, cli::ADMIN, &["demo"], &[]);
    app.wait_for(0, "Users (40)");
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
        (b"\t", "6 Reviews"),
        (b"\t", "1 Users"),
        (b"\x1b[Z", "6 Reviews"), // shift-tab, as xterm sends it
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
    app.wait_for(0, "Users (40)");
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
    app.key_then(b"y", "(audit #4)");
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
    assert_eq!(
        verify["entries"], 4,
        "the demo's three entries (its campaign the third) and the save"
    );
    let out = db.run(&["audit", "verify"]).ok();
    assert!(out.stdout.contains("audit chain intact"), "{}", out.stdout);
    // The newest entry is the grid's save, by the administrator.
    let list = db
        .run(&["audit", "list", "--json", "--limit", "1"])
        .ok()
        .json();
    let last = &list[0];
    assert_eq!(last["seq"], 4, "{last:#}");
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
fn a_reason_given_in_a_confirmation_of_the_app_is_in_the_audit_log() {
    let db = cli::Db::empty();
    let mut app = Pty::spawn(&db.path, cli::ADMIN, &["demo"], &[]);
    app.wait_for(0, "Users (40)");
    // The second person, Olumide Adeyemi (active): deactivate, tab to the
    // reason, type it (y and n are text there) and confirm with enter.
    app.send(b"j");
    app.key_then(b"d", "Deactivate");
    app.key_then(b"\tleft the company; no access needed\r", "(audit #4)");
    app.send(b"q");
    let st = app.wait_exit();
    assert!(
        st.success(),
        "exit status {st}; output:\n{}",
        tail(&app.output())
    );
    assert_restored(&app.output());

    let list = db
        .run(&["audit", "list", "--json", "--limit", "1"])
        .ok()
        .json();
    let last = &list[0];
    assert_eq!(last["seq"], 4, "{last:#}");
    assert_eq!(last["command"], "user deactivate", "{last:#}");
    assert_eq!(
        last["reason"], "left the company; no access needed",
        "{last:#}"
    );
    assert!(
        last["summary"]
            .as_str()
            .is_some_and(|s| s.ends_with("(reason: left the company; no access needed)")),
        "{last:#}"
    );
    let out = db.run(&["audit", "list", "--limit", "1"]).ok();
    assert!(
        out.stdout
            .contains("(reason: left the company; no access needed)"),
        "{}",
        out.stdout
    );
    let verify = db.run(&["audit", "verify", "--json"]).ok().json();
    assert_eq!(verify["ok"], true, "{verify:#}");
}

#[test]
fn a_second_instance_is_refused_at_once_naming_the_holder() {
    let db = cli::Db::demo();
    let mut first = Pty::spawn(&db.path, cli::ADMIN, &[], &[]);
    first.wait_for(0, "Users (40)");
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
    app.wait_for(0, "Users (40)");
    app.send(b"x");
    let st = app.wait_exit();
    let out = app.output();
    assert!(!st.success(), "a panic exits non-zero: {st}");
    assert_eq!(
        st.exit_code(),
        2,
        "a panic is an error like any other: {st}"
    );
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
    app.wait_for(0, "Users (40)");
    app.signal(libc::SIGTERM);
    let st = app.wait_exit();
    assert_eq!(st.exit_code(), 128 + 15, "SIGTERM quits cleanly: {st}");
    assert_restored(&app.output());
    assert!(app.cooked());
}
