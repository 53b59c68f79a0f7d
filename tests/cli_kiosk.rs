//! Workshop terminals and kiosk PINs through the real binary: terminal
//! add/list/remove (audited, users.manage), pin set (own only, --stdin),
//! pin reset by an administrator (who can never set one), and what the
//! store keeps surviving doctor, audit verify, backup and restore.

#[path = "common/cli.rs"]
mod cli;
#[path = "common/pty.rs"]
mod pty;
#[path = "common/server.rs"]
mod server;

use std::io::Write;
use std::process::{Command as Process, Stdio};

use cli::{bin, Db, Out, NOW};
use pty::Pty;
use server::Server;

/// Runs the binary as `login` at `now` with `input` on its standard input.
fn run_with_input(db: &Db, login: &str, now: &str, args: &[&str], input: &str) -> Out {
    let mut child = Process::new(bin())
        .env("CLEARANCE_AUTOSTART", "0")
        .arg("--db")
        .arg(&db.path)
        .args(args)
        .env("CLEARANCE_TEST_LOGIN", login)
        .env("CLEARANCE_TEST_NOW", now)
        .env_remove("CLEARANCE_DB")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("input written");
    let out = child.wait_with_output().expect("it ends");
    Out {
        cmdline: format!("{login}: clearance {}", args.join(" ")),
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A maintenance organisation with a technician (login `tess`) and a
/// planner (login `pat`, no users.manage).
fn workshop() -> Db {
    let db = Db::init("maintenance");
    db.run(&[
        "user",
        "add",
        "--given",
        "Tess",
        "--family",
        "Tech",
        "--login",
        "tess",
        "--role",
        "Workshop technician",
    ])
    .ok();
    db.run(&[
        "user",
        "add",
        "--given",
        "Pat",
        "--family",
        "Planner",
        "--login",
        "pat",
        "--role",
        "Maintenance planner",
    ])
    .ok();
    db
}

fn last_audit(db: &Db) -> serde_json::Value {
    let v = db
        .run(&["audit", "list", "--json", "--limit", "1"])
        .ok()
        .json();
    v[0].clone()
}

#[test]
fn terminal_add_list_remove_audited() {
    let db = workshop();
    db.run(&["terminal", "add", "Hangar 2", "--login", "hangar2"])
        .ok();
    assert_eq!(last_audit(&db)["command"], "terminal add");
    let list = db.run(&["terminal", "list"]).ok().stdout;
    assert!(
        list.contains("Hangar 2") && list.contains("hangar2"),
        "{list}"
    );
    let json = db.run(&["terminal", "list", "--json"]).ok().json();
    assert_eq!(json[0]["login"], "hangar2");
    assert_eq!(json[0]["added_by"], cli::ADMIN);
    db.run(&["terminal", "remove", "hangar2"]).ok();
    assert_eq!(last_audit(&db)["command"], "terminal remove");
    assert!(db
        .run(&["terminal", "list"])
        .ok()
        .stdout
        .contains("no workshop terminals"));
    let all = db.run(&["terminal", "list", "--all"]).ok().stdout;
    assert!(all.contains("removed"), "{all}");
    // Registered again, it is a new terminal.
    db.run(&["terminal", "add", "Hangar 2", "--login", "hangar2"])
        .ok();
    assert_eq!(
        db.run(&["terminal", "list", "--all", "--json"])
            .ok()
            .json()
            .as_array()
            .map(Vec::len),
        Some(2)
    );
}

#[test]
fn terminal_add_bad_input_changes_nothing() {
    let db = workshop();
    db.run(&["terminal", "add", "Hangar 2", "--login", "hangar2"])
        .ok();
    let mut g = db.guard();
    g.refuse(
        &["terminal", "add", "Hangar 3", "--login", "hangar2"],
        &["already registered"],
    );
    g.refuse(
        &["terminal", "add", "Other", "--login", "tess"],
        &["bound to user", "tess"],
    );
    g.refuse(&["terminal", "add", "", "--login", "x1"], &["name"]);
    g.refuse(&["terminal", "remove", "nowhere"], &["unknown terminal"]);
    g.refuse_as(
        "pat",
        &["terminal", "add", "Desk", "--login", "desk1"],
        &["users.manage"],
    );
    g.refuse_as(
        "tess",
        &["terminal", "remove", "hangar2"],
        &["users.manage"],
    );
}

#[test]
fn pin_set_from_stdin_then_admin_can_reset_but_not_set() {
    let db = workshop();
    let out = run_with_input(&db, "tess", NOW, &["pin", "set", "--stdin"], "240617\n").ok();
    assert!(out.stdout.contains("set their kiosk PIN"), "{}", out.stdout);
    let entry = db
        .run(&["audit", "list", "--json", "--full", "--limit", "1"])
        .ok()
        .json();
    assert_eq!(entry[0]["command"], "pin set");
    // The audit listing never shows the hash.
    let shown = entry[0]["changes"].to_string();
    assert!(
        !shown.contains("$argon2id$") && shown.contains("argon2id"),
        "{shown}"
    );
    // An administrator cannot set someone's PIN: pin set takes no --as,
    // and there is no PIN argument to give.
    let mut g = db.guard();
    g.refuse(
        &["--as", "tess", "pin", "set", "--stdin"],
        &["only by its owner"],
    );
    g.refuse_as("pat", &["pin", "reset", "tess"], &["users.manage"]);
    g.refuse(&["pin", "reset", "pat"], &["no kiosk PIN"]);
    db.run(&["pin", "reset", "tess"]).ok();
    assert_eq!(last_audit(&db)["command"], "pin reset");
}

#[test]
fn pin_set_bad_input_changes_nothing() {
    let db = workshop();
    let mut g = db.guard();
    for (pin, needle) in [
        ("12345\n", "at least 6"),
        ("111111\n", "repeated"),
        ("", "at least 6"),
    ] {
        let out = run_with_input(&db, "tess", NOW, &["pin", "set", "--stdin"], pin);
        out.error(&[needle]);
        g.unchanged("pin set --stdin");
    }
    // Without a terminal and without --stdin it says how.
    g.refuse_as("tess", &["pin", "set"], &["--stdin"]);
    // A login bound to nobody has no PIN to set.
    let out = run_with_input(&db, "nobody", NOW, &["pin", "set", "--stdin"], "240617\n");
    out.error(&["bound to no active user"]);
    g.unchanged("pin set as nobody");
}

#[test]
fn kiosk_records_survive_doctor_verify_backup_and_restore() {
    let db = workshop();
    db.run(&["terminal", "add", "Hangar 2", "--login", "hangar2"])
        .ok();
    run_with_input(&db, "tess", NOW, &["pin", "set", "--stdin"], "240617\n").ok();
    db.run(&["doctor"]).ok();
    db.run(&["audit", "verify"]).ok();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("kiosk.backup");
    db.run(&["backup", file.to_str().unwrap()]).ok();
    let restored = Db::empty();
    restored.run(&["restore", file.to_str().unwrap()]).ok();
    restored.run(&["doctor"]).ok();
    let list = restored.run(&["terminal", "list"]).ok().stdout;
    assert!(list.contains("hangar2"), "{list}");
    // The PIN came along: it can still be reset there.
    restored.run(&["pin", "reset", "tess"]).ok();
}

#[test]
fn export_import_keeps_terminals_and_leaves_pins_behind() {
    let db = workshop();
    db.run(&["terminal", "add", "Hangar 2", "--login", "hangar2"])
        .ok();
    run_with_input(&db, "tess", NOW, &["pin", "set", "--stdin"], "240617\n").ok();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("org.json");
    db.run(&[
        "export",
        "--format",
        "json",
        "--output",
        file.to_str().unwrap(),
    ])
    .ok();
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("hangar2"), "terminals are exported");
    assert!(!text.contains("argon2"), "PIN hashes are never exported");
    // Something must differ for an import to run.
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["organisation"]["settings"]["name"] = "Renamed MRO".into();
    cli::write_json(&file, &v);
    db.run(&["import", file.to_str().unwrap()]).ok();
    db.run(&["doctor"]).ok();
    assert!(db
        .run(&["terminal", "list"])
        .ok()
        .stdout
        .contains("hangar2"));
    db.run(&["pin", "reset", "tess"]).error(&["no kiosk PIN"]);
}

/// At a terminal the PIN is asked twice, without echo; two different PINs
/// change nothing, and the terminal's echo is back afterwards.
#[test]
fn pin_set_at_a_terminal_twice_mismatch_refused() {
    let db = workshop();
    let before = db.snapshot();
    let mut p = Pty::spawn(&db.path, "tess", &["pin", "set"], &[]);
    p.wait_for(0, "New kiosk PIN: ");
    let from = p.len();
    p.send(b"240617\r");
    p.wait_for(from, "The same PIN again: ");
    p.send(b"240618\r");
    let st = p.wait_exit();
    assert_eq!(st.exit_code(), 2, "{}", pty::tail(&p.output()));
    let out = p.output();
    assert!(out.contains("the two PINs differ"), "{}", pty::tail(&out));
    assert!(
        !out.contains("24061"),
        "the PIN was echoed: {}",
        pty::tail(&out)
    );
    assert_eq!(db.snapshot(), before);
    // The same PIN twice is set.
    let mut p = Pty::spawn(&db.path, "tess", &["pin", "set"], &[]);
    p.wait_for(0, "New kiosk PIN: ");
    let from = p.len();
    p.send(b"240617\r");
    p.wait_for(from, "The same PIN again: ");
    p.send(b"240617\r");
    assert_eq!(p.wait_exit().exit_code(), 0, "{}", pty::tail(&p.output()));
    assert!(p.output().contains("set their kiosk PIN"));
}

#[test]
fn terminal_and_pin_commands_through_the_server() {
    let db = workshop();
    let _server = Server::start(&db.path, &[]);
    db.run(&["terminal", "add", "Hangar 2", "--login", "hangar2"])
        .ok();
    assert!(db
        .run(&["terminal", "list"])
        .ok()
        .stdout
        .contains("hangar2"));
    let out = run_with_input(&db, "tess", NOW, &["pin", "set", "--stdin"], "240617\n").ok();
    assert!(out.stdout.contains("set their kiosk PIN"), "{}", out.stdout);
    run_with_input(&db, "tess", NOW, &["pin", "set", "--stdin"], "1\n").error(&["at least 6"]);
    db.run_as("pat", &["pin", "reset", "tess"])
        .error(&["users.manage"]);
    db.run(&["pin", "reset", "tess"]).ok();
    db.run(&["terminal", "remove", "Hangar 2"]).ok();
    assert_eq!(last_audit(&db)["command"], "terminal remove");
}

/// The real binary started from a workshop terminal's login: the sign-in
/// screen, a sign-in to the Me tab, q signs out, ctrl-c closes the app.
#[test]
fn kiosk_app_in_a_pty_signs_in_and_out() {
    let db = workshop();
    db.run(&["terminal", "add", "Hangar 2", "--login", "hangar2"])
        .ok();
    run_with_input(&db, "tess", NOW, &["pin", "set", "--stdin"], "240617\n").ok();
    let mut p = Pty::spawn(&db.path, "hangar2", &[], &[]);
    p.wait_for(0, "Sign in");
    p.send(b"tess\r");
    p.key_then(b"240617\r", "qualifications");
    p.key_then(b"q", "Sign in");
    p.send(b"\x03");
    let st = p.wait_exit();
    assert_eq!(st.exit_code(), 0, "{}", pty::tail(&p.output()));
    let audit = db
        .run(&["audit", "list", "--json", "--limit", "2"])
        .ok()
        .json();
    assert_eq!(audit[0]["command"], "kiosk sign-out");
    assert_eq!(audit[1]["command"], "kiosk sign-in");
    assert_eq!(audit[1]["operator_login"], "hangar2");
}
