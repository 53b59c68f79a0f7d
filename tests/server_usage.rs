//! Usage evidence kept by a server: sign-ins and allowed checks show in
//! `clearance usage`, are written when the server flushes or stops, survive
//! a restart, and are read as people's records are (yourself always,
//! others with users.view). Every test stops the server it starts.

mod common;

use std::time::{Duration, Instant};

use clearance::client::checks::Checks;
use clearance::protocol::{Caller, Check};
use common::cli::{Db, ADMIN, NOW};
use common::server::Server;

fn check(login: &str, user: &str, permission: &str) -> Check {
    Check {
        user: user.into(),
        permission: permission.into(),
        test_login: Some(login.into()),
        test_now: Some(NOW.into()),
        ..Check::default()
    }
}

fn with_pia(db: &Db) {
    db.run(&[
        "user", "add", "--given", "Pia", "--family", "Holm", "--login", "pia",
    ])
    .ok();
    db.run(&["user", "grant", "pia", "defects.create", "yes"])
        .ok();
}

/// `clearance usage --json` as `login`: handle → entry.
fn usage(db: &Db, login: &str) -> serde_json::Map<String, serde_json::Value> {
    let out = db.run_as(login, &["usage", "--json"]).ok();
    out.json()
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["user"].as_str().unwrap().to_string(), e.clone()))
        .collect()
}

/// Ends the server with SIGTERM and waits for it: it writes its usage first.
fn terminate(server: &mut Server) {
    let pid = server.child.id() as libc::pid_t;
    // SAFETY: kill(2) of the child we started.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            assert_eq!(status.code(), Some(0), "{status}");
            return;
        }
        assert!(Instant::now() < deadline, "the server did not leave");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn served_checks_and_commands_show_in_usage_and_survive_a_restart() {
    let db = Db::init("maintenance");
    with_pia(&db);
    // No server has run: nobody was seen, and reading makes no tree.
    let before = usage(&db, ADMIN);
    assert_eq!(before["pia"]["last_sign_in"], serde_json::Value::Null);
    assert!(db.run(&["usage"]).ok().stdout.contains("never seen"));
    let mut server = Server::start(&db.path, &[]);
    let mut checks = Checks::connect(&db.path).unwrap();
    let answers = checks
        .run(&[
            check(ADMIN, "pia", "defects.create"),
            check(ADMIN, "pia", "users.manage"),
            check(ADMIN, "avery", "users.manage"),
        ])
        .unwrap();
    assert_eq!(answers, vec![Ok(true), Ok(false), Ok(true)]);
    drop(checks);
    // A command line by pia's login: a sign-in of hers.
    db.run_as("pia", &["check", "pia", "defects.create"]).ok();
    let seen = usage(&db, ADMIN);
    let pia = &seen["pia"];
    assert_eq!(pia["last_sign_in"], "2026-03-02T09:30:00Z", "{pia}");
    assert_eq!(
        pia["last_allowed"],
        serde_json::json!({"defects.create": "2026-03-02T09:30:00Z"}),
        "a denied check is no use: {pia}"
    );
    let avery = &seen[ADMIN];
    assert_eq!(avery["last_sign_in"], "2026-03-02T09:30:00Z", "{avery}");
    assert_eq!(
        avery["last_allowed"]["users.manage"],
        "2026-03-02T09:30:00Z"
    );
    // The same through the protocol, for the users asked about.
    let ids = [pia["id"].as_u64().unwrap() as u32];
    let caller = Caller {
        test_login: Some(ADMIN.into()),
        test_now: Some(NOW.into()),
    };
    let answer = clearance::client::replica::usage(&db.path, caller, None, Some(&ids)).unwrap();
    assert_eq!(answer.len(), 1);
    assert!(answer[&ids[0]].last_allowed.contains_key("defects.create"));
    // On screen: local times, a line per permission.
    let text = db.run(&["usage", "pia"]).ok().stdout;
    assert!(text.contains("Pia Holm"), "{text}");
    assert!(text.contains("last sign-in  2026-03-0"), "{text}");
    assert!(text.contains("defects.create  2026-03-0"), "{text}");
    // Stopped by a signal: written first. Read without a server, from the
    // tree; then again with a new one.
    terminate(&mut server);
    assert!(!server.socket.exists());
    let stored = usage(&db, ADMIN);
    assert_eq!(stored["pia"]["last_allowed"], pia["last_allowed"]);
    assert_eq!(stored["pia"]["last_sign_in"], pia["last_sign_in"]);
    assert_eq!(stored[ADMIN]["last_allowed"], avery["last_allowed"]);
    // The usage tree is no record tree: the database is sound.
    db.run(&["doctor"]).ok();
    let _again = Server::start(&db.path, &[]);
    let later = db.run_at(ADMIN, "2026-03-03T08:00:00Z", &["usage", "--json"]);
    let later = later.ok().json();
    let pia_later = later
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["user"] == "pia")
        .unwrap()
        .clone();
    assert_eq!(pia_later["last_allowed"], pia["last_allowed"]);
    let avery_later = later
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["user"] == ADMIN)
        .unwrap()
        .clone();
    assert_eq!(avery_later["last_sign_in"], "2026-03-03T08:00:00Z");
}

#[test]
fn someone_without_users_view_sees_only_themselves() {
    let db = Db::init("maintenance");
    with_pia(&db);
    let _server = Server::start(&db.path, &[]);
    db.run(&["user", "list"]).ok();
    let mine = usage(&db, "pia");
    assert_eq!(mine.keys().collect::<Vec<_>>(), vec!["pia"], "{mine:?}");
    db.run_as("pia", &["usage", ADMIN])
        .error(&["reading", "users.view"]);
    db.run_as("pia", &["usage", "pia"]).ok();
    // Through the protocol: filtered, not refused.
    let caller = Caller {
        test_login: Some("pia".into()),
        test_now: Some(NOW.into()),
    };
    let all = clearance::client::replica::usage(&db.path, caller.clone(), None, None).unwrap();
    assert_eq!(all.len(), 1, "{all:?}");
    let nobody = Caller {
        test_login: Some("nobody-bound".into()),
        ..caller
    };
    let refused = clearance::client::replica::usage(&db.path, nobody, None, None).unwrap_err();
    assert!(refused.contains("nobody-bound"), "{refused}");
}

#[test]
fn the_flusher_writes_usage_while_the_server_runs() {
    let db = Db::init("maintenance");
    with_pia(&db);
    let mut server = Server::start(&db.path, &[]);
    let mut checks = Checks::connect(&db.path).unwrap();
    assert_eq!(
        checks.one(&check(ADMIN, "pia", "defects.create")).unwrap(),
        Ok(true)
    );
    drop(checks);
    // Every 5 s; then the server is killed, writing nothing more.
    std::thread::sleep(Duration::from_secs(7));
    server.kill();
    let stored = usage(&db, ADMIN);
    assert_eq!(
        stored["pia"]["last_allowed"]["defects.create"],
        "2026-03-02T09:30:00Z"
    );
}

#[test]
fn an_idle_server_writes_usage_before_it_leaves() {
    let db = Db::init("maintenance");
    with_pia(&db);
    let mut server = Server::start(&db.path, &["--idle-exit", "3"]);
    db.run_as("pia", &["user", "show", "pia"]).ok();
    let deadline = Instant::now() + Duration::from_secs(20);
    while server.child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "the server did not leave");
        std::thread::sleep(Duration::from_millis(50));
    }
    let stored = usage(&db, ADMIN);
    assert_eq!(stored["pia"]["last_sign_in"], "2026-03-02T09:30:00Z");
}

/// Sets `login`'s kiosk PIN (read from standard input, without a server).
fn set_pin(db: &Db, login: &str, pin: &str) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(common::cli::bin())
        .env("CLEARANCE_AUTOSTART", "0")
        .arg("--db")
        .arg(&db.path)
        .args(["pin", "set", "--stdin"])
        .env("CLEARANCE_TEST_LOGIN", login)
        .env("CLEARANCE_TEST_NOW", NOW)
        .env_remove("CLEARANCE_DB")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{pin}").unwrap();
    assert!(child.wait().unwrap().success());
}

#[test]
fn an_app_attaching_and_a_kiosk_sign_in_are_sign_ins() {
    use clearance::protocol::{self, Request, Response};
    use std::os::unix::net::UnixStream;
    use std::sync::Arc;
    let db = Db::init("maintenance");
    with_pia(&db);
    db.run(&["terminal", "add", "Hangar 2", "--login", "hangar2"])
        .ok();
    set_pin(&db, "pia", "491736");
    let _server = Server::start(&db.path, &[]);
    // Avery's app attaches (at a later instant than the commands above).
    let at = |now: &str, login: &str| Caller {
        test_login: Some(login.into()),
        test_now: Some(now.into()),
    };
    let stream = UnixStream::connect(db.path.join("clearance.sock")).unwrap();
    let app = clearance::client::replica::Replica::attach_as(
        &db.path,
        stream,
        Arc::new(|| {}),
        at("2026-03-02T10:00:00Z", ADMIN),
    )
    .unwrap();
    // Pia signs in at the workshop terminal.
    let stream = UnixStream::connect(db.path.join("clearance.sock")).unwrap();
    let sign_in = Request::KioskSignIn {
        caller: at("2026-03-02T11:00:00Z", "hangar2"),
        person: "pia".into(),
        pin: "491736".into(),
    };
    protocol::write(&mut &stream, &sign_in).unwrap();
    let answer: Response = protocol::read(&mut &stream).unwrap();
    assert!(matches!(answer, Response::SignedIn(Ok(_))), "{answer:?}");
    // The app asks, as its person: everyone, with the two sign-ins.
    let seen = app.usage(None, None).unwrap();
    let sign_in_of = |login: &str| {
        let (id, _) = seen
            .iter()
            .find(|(id, _)| app.org.user(**id).unwrap().login.as_deref() == Some(login))
            .unwrap();
        seen[id].last_sign_in.unwrap().to_rfc3339()
    };
    assert_eq!(sign_in_of(ADMIN), "2026-03-02T10:00:00+00:00");
    assert_eq!(sign_in_of("pia"), "2026-03-02T11:00:00+00:00");
}

#[test]
fn the_usage_tree_is_no_direct_edit_and_hides_none() {
    let db = Db::init("maintenance");
    with_pia(&db);
    let mut server = Server::start(&db.path, &[]);
    db.run_as("pia", &["user", "show", "pia"]).ok();
    terminate(&mut server);
    // Written, and doctor finds nothing wrong with a database that has it.
    assert_ne!(
        usage(&db, ADMIN)["pia"]["last_sign_in"],
        serde_json::Value::Null
    );
    db.run(&["doctor"]).ok();
    // A record edited behind the log's back is still seen.
    {
        let store = clearance::store::Store::open(&db.path, ADMIN).unwrap();
        let idx = store.raw_tree("idx_login").unwrap();
        let (k, _) = idx.iter().next().unwrap().unwrap();
        idx.remove(k).unwrap();
        idx.flush().unwrap();
    }
    assert_ne!(db.run(&["doctor"]).code, 0);
}

#[test]
fn an_allowed_signoff_is_a_use_of_signoffs_complete_and_what_ifs_are_none() {
    let db = Db::demo();
    let _server = Server::start(&db.path, &[]);
    let signoff = ["signoff", "onyberg", "--kind", "B1", "--aircraft-type"];
    // Another day, or another instant: a question, not a use.
    let mut dated = signoff.to_vec();
    dated.extend(["ATR72:600", "--date", "2026-03-02"]);
    db.run(&dated).ok();
    db.run(&["check", "onyberg", "defects.create", "--at", NOW])
        .ok();
    let before = usage(&db, ADMIN);
    assert_eq!(before["onyberg"]["last_allowed"], serde_json::json!({}));
    let mut now = signoff.to_vec();
    now.push("ATR72:600");
    db.run(&now).ok();
    let after = usage(&db, ADMIN);
    assert_eq!(
        after["onyberg"]["last_allowed"],
        serde_json::json!({"signoffs.complete": "2026-03-02T09:30:00Z"})
    );
}
