//! The real binary in a pseudo-terminal, from outside: the terminal closed
//! under it (a dropped connection), terminating signals, and job control.
//! Every wait is bounded and a child still running at the end is killed.

#[path = "common/cli.rs"]
mod cli;
#[path = "common/pty.rs"]
mod pty;
#[path = "common/tui.rs"]
mod tui;

use std::time::{Duration, Instant};

use pty::{assert_restored, tail, Pty, Spawn, ENTER_ALT, LEAVE_ALT, SHOW_CURSOR};

/// How long the app may take to notice that its terminal is gone.
const GONE_BOUND: Duration = Duration::from_secs(2);

/// Closes the master under the running app and returns its exit status
/// and how long it took to exit.
fn hang_up(db: &cli::Db, controlling: bool) -> (Pty, portable_pty::ExitStatus, Duration) {
    let mut app = Pty::spawn_with(
        &db.path,
        cli::ADMIN,
        Spawn {
            controlling,
            ..Spawn::default()
        },
    );
    app.wait_for(0, "Users (40)");
    let start = Instant::now();
    app.hang_up();
    let st = app.exited_within(GONE_BOUND).unwrap_or_else(|| {
        let stat = app.stat();
        panic!("still running {GONE_BOUND:?} after the terminal closed: {stat:?}")
    });
    (app, st, start.elapsed())
}

/// The database is free again: another process opens it.
#[track_caller]
fn assert_database_free(db: &cli::Db) {
    let out = db.run(&["user", "list"]).ok();
    assert!(out.stdout.contains("Demo Administrator"), "{}", out.stdout);
}

#[test]
fn closing_the_terminal_under_the_app_ends_it_and_frees_the_database() {
    let db = cli::Db::demo();
    let (_app, st, took) = hang_up(&db, true);
    eprintln!("exited {took:?} after the hang-up: {st}");
    assert_eq!(st.exit_code(), 128 + 1, "as for SIGHUP: {st}");
    assert_database_free(&db);
    let log = std::fs::read_to_string(db.path.join("clearance.log")).unwrap_or_default();
    assert!(
        log.contains("signal 1") || log.contains("hung up"),
        "the log says why: {log}"
    );
}

#[test]
fn end_of_input_alone_ends_the_app_without_spinning() {
    // Not the controlling terminal: no SIGHUP, only end of input (the
    // situation in which the app used to read EOF in a loop).
    let db = cli::Db::demo();
    let (_app, st, took) = hang_up(&db, false);
    eprintln!("exited {took:?} after end of input: {st}");
    assert_eq!(st.exit_code(), 128 + 1, "{st}");
    assert_database_free(&db);
}

#[test]
fn sigterm_with_the_terminal_gone_ends_the_app() {
    let db = cli::Db::demo();
    let mut app = Pty::spawn_with(
        &db.path,
        cli::ADMIN,
        Spawn {
            controlling: false,
            ..Spawn::default()
        },
    );
    app.wait_for(0, "Users (40)");
    app.hang_up();
    if app.child.try_wait().expect("try_wait").is_none() {
        app.signal(libc::SIGTERM);
    }
    let st = app
        .exited_within(GONE_BOUND)
        .unwrap_or_else(|| panic!("SIGTERM did not end the app: {:?}", app.stat()));
    assert!(
        [129, 143].contains(&st.exit_code()),
        "hang-up or SIGTERM status: {st}"
    );
    assert_database_free(&db);
}

#[test]
fn an_idle_app_burns_no_cpu() {
    let db = cli::Db::demo();
    let mut app = Pty::spawn(&db.path, cli::ADMIN, &[], &[]);
    app.wait_for(0, "Users (40)");
    let (_, before) = app.stat().expect("the child's stat");
    std::thread::sleep(Duration::from_secs(1));
    let (state, after) = app.stat().expect("the child's stat");
    // Clock ticks are 10 ms: a second of waiting costs (almost) none.
    assert!(after - before <= 2, "{} ticks in 1 s idle", after - before);
    assert_eq!(state, 'S', "sleeping, not running");
    app.send(b"q");
    assert!(app.wait_exit().success());
}

#[test]
fn every_terminating_signal_restores_the_terminal_once_and_exits_128_plus_its_number() {
    let db = cli::Db::demo();
    for (name, signo) in [
        ("HUP", libc::SIGHUP),
        ("INT", libc::SIGINT),
        ("QUIT", libc::SIGQUIT),
        ("TERM", libc::SIGTERM),
        ("USR1", libc::SIGUSR1),
        ("USR2", libc::SIGUSR2),
        ("ALRM", libc::SIGALRM),
        ("PIPE", libc::SIGPIPE),
    ] {
        let mut app = Pty::spawn(&db.path, cli::ADMIN, &[], &[]);
        app.wait_for(0, "Users (40)");
        app.signal(signo);
        let st = app.wait_exit();
        let out = app.output();
        assert_eq!(
            st.exit_code(),
            128 + signo as u32,
            "SIG{name}: {st}; output:\n{}",
            tail(&out)
        );
        assert_restored(&out);
        assert_eq!(
            out.matches(LEAVE_ALT).count(),
            1,
            "SIG{name}: the terminal is restored exactly once"
        );
        assert!(app.cooked(), "SIG{name}: raw mode is undone");
    }
}

#[test]
fn a_signal_in_the_middle_of_an_edit_commits_nothing_and_loses_nothing_committed() {
    let db = cli::Db::demo();
    let mut app = Pty::spawn(&db.path, cli::ADMIN, &["demo"], &[]);
    app.wait_for(0, "Users (40)");
    // A saved change (audit #3), then an edit left unsaved in the grid.
    app.key_then(b"2", "2 Roles");
    app.key_then(b"jj\r", "cycle");
    app.send(b"jjjjjjjjjj");
    app.key_then(b"v", "does not exist on the grant scale");
    app.send(b"y");
    app.key_then(b"w", "impact");
    app.key_then(b"y", "(audit #3)");
    app.send(b"k");
    app.key_then(b"y", "unsaved");
    app.signal(libc::SIGUSR1);
    let st = app.wait_exit();
    assert_eq!(st.exit_code(), 128 + 10, "{st}");
    assert_restored(&app.output());
    let verify = db.run(&["audit", "verify", "--json"]).ok().json();
    assert_eq!(verify["ok"], true, "{verify:#}");
    assert_eq!(
        verify["entries"], 3,
        "the save is kept, the unsaved edit is not"
    );
}

/// Suspends the app with `how`, checks it stopped with the terminal given
/// back, continues it and checks it took the terminal again, redrew
/// everything and still answers keys.
fn suspend_and_continue(how: impl FnOnce(&mut Pty)) {
    let db = cli::Db::demo();
    let mut app = Pty::spawn(&db.path, cli::ADMIN, &[], &[]);
    app.wait_for(0, "Users (40)");
    let from = app.len();
    how(&mut app);
    app.wait_state('T');
    // The terminal was given back before stopping.
    app.wait_for(from, LEAVE_ALT);
    app.wait_for(from, SHOW_CURSOR);
    assert!(app.cooked(), "cooked mode while stopped");
    let out = app.output();
    assert!(
        !out[from..].contains(ENTER_ALT),
        "nothing taken back while stopped: {}",
        tail(&out[from..])
    );
    let resumed = app.len();
    app.signal(libc::SIGCONT);
    app.wait_for(resumed, ENTER_ALT);
    // Everything is drawn again (the screen was cleared), not only changes.
    app.wait_for(resumed, "Users (40)");
    app.wait_for(resumed, "Demo Administrator");
    assert!(!app.cooked(), "raw mode again");
    app.key_then(b"2", "2 Roles");
    app.send(b"q");
    let st = app.wait_exit();
    assert!(st.success(), "{st}");
    assert_restored(&app.output());
}

#[test]
fn ctrl_z_suspends_and_sigcont_redraws_and_keys_still_work() {
    suspend_and_continue(|app| app.send(b"\x1a"));
}

#[test]
fn sigtstp_suspends_and_sigcont_redraws_and_keys_still_work() {
    suspend_and_continue(|app| app.signal(libc::SIGTSTP));
}

#[test]
fn suspend_is_a_keymap_action_a_kiosk_can_turn_off() {
    use clearance::tui::keymap::{Action, Context, Key};
    let demo = tui::Demo::new();
    let mut app = demo.app(tui::ADMIN);
    let key = Key::parse("ctrl-z").unwrap();
    assert_eq!(
        app.keymap.lookup(&[Context::Global], &key),
        Some(Action::SuspendApp)
    );
    // Everywhere, even with a form open.
    tui::press(&mut app, tui::key('n'));
    assert!(tui::top_form(&app).is_some(), "a form is open");
    tui::press(&mut app, tui::ctrl('z'));
    assert!(app.suspend, "ctrl-z asks the loop to suspend");
    assert!(tui::top_form(&app).is_some(), "the form stays");
    drop(app);
    let mut kiosk = demo.app(tui::ADMIN);
    kiosk.allow_suspend = false;
    tui::press(&mut kiosk, tui::ctrl('z'));
    assert!(!kiosk.suspend);
    assert!(tui::status_text(&kiosk).contains("turned off"));
}

/// Starts the first-run screen (no database yet) and types a little.
fn first_run(db: &cli::Db, controlling: bool) -> Pty {
    let mut app = Pty::spawn_with(
        &db.path,
        cli::ADMIN,
        Spawn {
            controlling,
            ..Spawn::default()
        },
    );
    app.wait_for(0, "Welcome to Clearance");
    // To the organisation's name, half typed.
    app.key_then(b"\tAcme Aero", "Aero");
    app
}

#[test]
fn the_first_run_screen_ends_on_a_signal_like_the_app_and_creates_nothing() {
    for (name, signo) in [
        ("TERM", libc::SIGTERM),
        ("INT", libc::SIGINT),
        ("HUP", libc::SIGHUP),
    ] {
        let db = cli::Db::empty();
        let mut app = first_run(&db, true);
        app.signal(signo);
        let st = app.wait_exit();
        let out = app.output();
        assert_eq!(
            st.exit_code(),
            128 + signo as u32,
            "SIG{name}: {st}; output:\n{}",
            tail(&out)
        );
        assert_restored(&out);
        assert_eq!(out.matches(LEAVE_ALT).count(), 1, "SIG{name}: once");
        assert!(app.cooked(), "SIG{name}: raw mode is undone");
        assert!(!db.path.exists(), "SIG{name}: nothing is created");
    }
    // Esc still leaves with 0.
    let db = cli::Db::empty();
    let mut app = first_run(&db, true);
    app.send(b"\x1b");
    let st = app.wait_exit();
    assert!(st.success(), "{st}; {}", tail(&app.output()));
    assert!(!db.path.exists());
}

#[test]
fn the_first_run_screen_ends_on_a_hang_up_like_the_app() {
    for controlling in [true, false] {
        let db = cli::Db::empty();
        let mut app = first_run(&db, controlling);
        app.hang_up();
        let st = app.exited_within(GONE_BOUND).unwrap_or_else(|| {
            let stat = app.stat();
            panic!("still running {GONE_BOUND:?} after the terminal closed: {stat:?}")
        });
        assert_eq!(st.exit_code(), 128 + 1, "controlling {controlling}: {st}");
        assert!(!db.path.exists(), "nothing is created");
    }
}
