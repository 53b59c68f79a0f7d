//! The real binary, twice, in pseudo-terminals on one database with servers
//! on: the first app starts the server, the second attaches to it; a grid
//! cell saved in one shows in the other with who saved it; a CLI write
//! while both are open succeeds and shows in both; once both quit, the
//! server leaves when idle. Every wait is bounded.

#[path = "common/cli.rs"]
mod cli;

#[path = "common/pty.rs"]
mod pty;

use std::time::{Duration, Instant};

use pty::{assert_restored, tail, Pty};

const SERVED: &[(&str, &str)] = &[("CLEARANCE_AUTOSTART", "1"), ("CLEARANCE_SERVER_IDLE", "2")];

#[test]
fn two_apps_on_one_server_see_each_others_saves_and_a_cli_write_meanwhile() {
    let db = cli::Db::demo();
    let mut one = Pty::spawn(&db.path, cli::ADMIN, &[], SERVED);
    one.wait_for(0, "Users (40)");
    assert!(
        db.path.join("clearance.sock").exists(),
        "the app started a server"
    );
    let mut two = Pty::spawn(&db.path, cli::ADMIN, &[], SERVED);
    two.wait_for(0, "Users (40)");

    // One saves a cell of the Workshop technician's grid (as in tui_pty).
    one.key_then(b"2", "2 Roles");
    one.key_then(b"jj\r", "cycle");
    one.send(b"jjjjjjjjjj");
    one.key_then(
        b"v",
        "does not exist on the grant scale of work_orders.release",
    );
    one.send(b"y");
    one.key_then(b"w", "impact");
    let from = two.len();
    one.key_then(b"y", "(audit #3)");
    // Two shows it at once, with who saved it.
    two.wait_for(
        from,
        "Demo Administrator: set role Workshop technician: work_orders.release no → yes (audit #3)",
    );
    two.key_then(b"2", "2 Roles");

    // A CLI write while both apps are open succeeds, and shows in both.
    let (f1, f2) = (one.len(), two.len());
    let out = db.run(&["user", "edit", "hdahl", "--given", "Hugo"]).ok();
    assert!(out.stdout.contains("(audit #4)"), "{}", out.stdout);
    one.wait_for(f1, "(audit #4)");
    two.wait_for(f2, "(audit #4)");

    for app in [&mut one, &mut two] {
        app.send(b"q");
        let st = app.wait_exit();
        assert!(st.success(), "exit status {st}:\n{}", tail(&app.output()));
        assert_restored(&app.output());
    }
    let role = db
        .run(&["role", "show", "Workshop technician", "--json"])
        .ok()
        .json();
    assert_eq!(role["levels"]["work_orders.release"], "yes", "{role:#}");
    // With no app attached, the server leaves once idle.
    let deadline = Instant::now() + Duration::from_secs(20);
    while db.path.join("clearance.sock").exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!db.path.join("clearance.sock").exists(), "the server left");
    db.run(&["doctor"]).ok();
}
