//! Apps as clients of their database's server: a replica that receives
//! every committed change with who made it, a stale save refused naming who
//! and when (and accepted once based on what is shown), a CLI write while an
//! app is attached, a killed server that apps reattach after, and servers
//! started by any command when none runs, which leave when idle. Every test
//! stops the servers it starts.

mod common;

use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::{Command as Process, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clearance::client::replica::{News, Replica};
use clearance::domain::command::UserEdit;
use clearance::ops::Command;
use clearance::protocol::Caller;
use common::cli::{bin, Db, ADMIN, NOW};
use common::server::Server;

fn caller(login: &str) -> Caller {
    Caller {
        test_login: Some(login.into()),
        test_now: Some(NOW.into()),
    }
}

fn attach(db: &Path, login: &str) -> Replica {
    let stream = UnixStream::connect(db.join("clearance.sock")).expect("connect");
    Replica::attach_as(db, stream, Arc::new(|| {}), caller(login)).expect("attach")
}

/// Waits (bounded) until the replica has news; returns it.
fn news(r: &mut Replica) -> Vec<News> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let n = r.update();
        if !n.is_empty() || Instant::now() > deadline {
            return n;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn rename(user: &str, given: &str) -> Command {
    Command::EditUser {
        user: user.into(),
        edit: UserEdit {
            given: Some(given.into()),
            ..Default::default()
        },
    }
}

fn db_with_pia() -> Db {
    let db = Db::init("club");
    db.run(&[
        "user", "add", "--given", "Pia", "--family", "Holm", "--login", "pia",
    ])
    .ok();
    db
}

#[test]
fn a_change_in_one_app_reaches_the_other_with_who_made_it() {
    let db = db_with_pia();
    let _server = Server::start(&db.path, &[]);
    let mut a = attach(&db.path, ADMIN);
    let mut b = attach(&db.path, ADMIN);
    assert_eq!(a.seq, b.seq);
    assert_eq!(a.login, ADMIN);
    let out = a
        .execute(None, rename("pia", "Pernille"), Some(a.seq))
        .expect("saved");
    // The app that made it has it at once, without news of its own change.
    assert_eq!(a.seq, out.seq);
    assert!(a.update().is_empty());
    assert_eq!(a.org.resolve_user("pia").unwrap().given, "Pernille");
    // The other has it, with who made it.
    let n = news(&mut b);
    let admin = b.org.resolve_user(ADMIN).unwrap().id;
    assert_eq!(
        n,
        vec![News::Changed {
            seq: out.seq,
            operator: admin,
            summary: out.summary.clone()
        }]
    );
    assert_eq!(b.org.resolve_user("pia").unwrap().given, "Pernille");
    assert_eq!(b.seq, out.seq);
}

#[test]
fn a_save_based_on_records_changed_since_is_refused_with_who_and_when() {
    let db = db_with_pia();
    let _server = Server::start(&db.path, &[]);
    let mut a = attach(&db.path, ADMIN);
    let mut b = attach(&db.path, ADMIN);
    // Both open an edit of Pia as of now.
    let base = b.seq;
    a.execute(None, rename("pia", "Pernille"), Some(a.seq))
        .expect("the first save");
    let refused = b
        .execute(None, rename("pia", "Petra"), Some(base))
        .expect_err("a stale save");
    assert!(refused.stale, "{refused:?}");
    assert!(
        refused.message.contains("Avery Admin"),
        "{}",
        refused.message
    );
    assert!(
        refused.message.contains("user Pernille Holm"),
        "{}",
        refused.message
    );
    assert!(
        refused.message.contains("2026-03-02 09:30"),
        "{}",
        refused.message
    );
    assert!(
        refused.message.contains("nothing was saved"),
        "{}",
        refused.message
    );
    // Nothing was written: the first save stands.
    let shown = db.run(&["--json", "user", "show", "pia"]).ok().json();
    assert_eq!(shown["given"], "Pernille");
    // An edit of another record, on the same old base, goes through.
    b.execute(
        None,
        Command::AddUser(clearance::domain::command::NewUser {
            given: "Jon".into(),
            family: "Lee".into(),
            email: None,
            login: Some("jon".into()),
            roles: vec![],
            access_until: None,
        }),
        Some(base),
    )
    .expect("a new record is never stale");
    b.execute(None, rename("avery", "Ave"), Some(base))
        .expect("another record");
    // Based on what is shown now, the edit is saved.
    b.update();
    b.execute(None, rename("pia", "Petra"), Some(b.seq))
        .expect("saved once reviewed");
    let shown = db.run(&["--json", "user", "show", "pia"]).ok().json();
    assert_eq!(shown["given"], "Petra");
    db.run(&["doctor"]).ok();
}

#[test]
fn a_cli_write_while_an_app_is_attached_succeeds_and_shows_in_the_app() {
    let db = db_with_pia();
    let _server = Server::start(&db.path, &[]);
    let mut app = attach(&db.path, ADMIN);
    let out = db.run(&["user", "edit", "pia", "--given", "Pernille"]).ok();
    assert!(out.stdout.contains("audit #"), "{}", out.stdout);
    let n = news(&mut app);
    assert!(
        matches!(&n[..], [News::Changed { summary, .. }] if summary.contains("edited user pia")),
        "{n:?}"
    );
    assert_eq!(app.org.resolve_user("pia").unwrap().given, "Pernille");
}

#[test]
fn apps_say_when_the_server_is_killed_and_reattach_to_a_new_one() {
    let db = db_with_pia();
    let mut server = Server::start(&db.path, &[]);
    let mut app = attach(&db.path, ADMIN);
    let before = app.seq;
    server.kill();
    let n = news(&mut app);
    assert!(matches!(&n[..], [News::Lost(_)]), "{n:?}");
    assert!(!app.connected);
    let refused = app
        .execute(None, rename("pia", "Petra"), Some(app.seq))
        .expect_err("no server");
    assert!(
        refused.message.contains("edits are kept"),
        "{}",
        refused.message
    );
    // A change made while no server ran (here, by a command of its own).
    db.run(&["user", "edit", "pia", "--given", "Pernille"]).ok();
    let _again = Server::start(&db.path, &[]);
    let n = news(&mut app);
    assert!(matches!(&n[..], [News::Reattached { .. }]), "{n:?}");
    assert!(app.connected);
    assert!(app.seq > before);
    assert_eq!(app.org.resolve_user("pia").unwrap().given, "Pernille");
    // And it saves again.
    app.execute(None, rename("pia", "Petra"), Some(app.seq))
        .expect("saved");
}

/// Runs the binary with servers on (they leave after `idle` seconds).
fn run_served(db: &Path, idle: &str, args: &[&str]) -> std::process::Output {
    Process::new(bin())
        .arg("--db")
        .arg(db)
        .args(args)
        .env("CLEARANCE_TEST_LOGIN", ADMIN)
        .env("CLEARANCE_TEST_NOW", NOW)
        .env("CLEARANCE_AUTOSTART", "1")
        .env("CLEARANCE_SERVER_IDLE", idle)
        .stdin(Stdio::null())
        .output()
        .expect("run")
}

fn server_runs(db: &Path) -> bool {
    UnixStream::connect(db.join("clearance.sock")).is_ok()
}

#[test]
fn any_command_starts_a_server_when_none_runs_and_it_leaves_when_idle() {
    let db = db_with_pia();
    let local = db.run(&["user", "list"]);
    assert!(!server_runs(&db.path));
    // Idle 3 s: long enough that the checks below find it, even on a
    // loaded machine, and short enough to see it leave.
    let served = run_served(&db.path, "3", &["user", "list"]);
    assert_eq!(String::from_utf8_lossy(&served.stdout), local.stdout);
    assert_eq!(served.status.code(), Some(0));
    assert!(server_runs(&db.path), "a server was started");
    // An attached app keeps it, idle time or not.
    let mut app = attach(&db.path, ADMIN);
    std::thread::sleep(Duration::from_millis(3500));
    assert!(server_runs(&db.path), "an attached app keeps the server");
    // A write through it reaches the app.
    let w = run_served(
        &db.path,
        "1",
        &["user", "edit", "pia", "--given", "Pernille"],
    );
    assert_eq!(w.status.code(), Some(0), "{w:?}");
    assert!(matches!(&news(&mut app)[..], [News::Changed { .. }]));
    // The app goes; the server leaves once idle, socket and all.
    drop(app);
    let deadline = Instant::now() + Duration::from_secs(20);
    while db.path.join("clearance.sock").exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!db.path.join("clearance.sock").exists(), "the server left");
    // Everything is there for a command without a server.
    let shown = db.run(&["--json", "user", "show", "pia"]).ok().json();
    assert_eq!(shown["given"], "Pernille");
    db.run(&["doctor"]).ok();
}

#[test]
fn a_restore_has_a_started_server_step_aside_but_not_one_run_by_a_person() {
    let db = db_with_pia();
    let bak = db.path.with_extension("bak");
    db.run(&["backup", bak.to_str().unwrap()]).ok();
    let into = Db::empty();
    // Started by a command: it steps aside for the restore.
    run_served(&db.path, "60", &["user", "list"]);
    assert!(server_runs(&db.path));
    let r = run_served(&db.path, "60", &["restore", bak.to_str().unwrap()]);
    // The restore itself refuses a database that exists; the point is that
    // the started server stopped, so the refusal is the restore's own.
    assert!(!server_runs(&db.path), "the started server stepped aside");
    assert!(
        String::from_utf8_lossy(&r.stderr).contains("restore into a new database directory"),
        "{r:?}"
    );
    let ok = run_served(&into.path, "1", &["restore", bak.to_str().unwrap()]);
    assert_eq!(ok.status.code(), Some(0), "{ok:?}");
    // Run by a person (`clearance serve`): it says why it cannot.
    let _server = Server::start(&db.path, &[]);
    let r = run_served(&db.path, "60", &["restore", bak.to_str().unwrap()]);
    assert_eq!(r.status.code(), Some(2));
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(err.contains("started with 'clearance serve'"), "{err}");
}

#[test]
fn only_bound_logins_attach_and_only_those_who_may_read_it_get_the_audit_log() {
    let db = db_with_pia();
    let _server = Server::start(&db.path, &[]);
    let stream = UnixStream::connect(db.path.join("clearance.sock")).unwrap();
    let err = Replica::attach_as(&db.path, stream, Arc::new(|| {}), caller("nobody"))
        .err()
        .expect("a login bound to nobody gets nothing");
    assert!(err.contains("bound to no active user"), "{err}");
    // Pia may use the app, but not read the whole audit log.
    let pia = attach(&db.path, "pia");
    let err = pia.audit().expect_err("pia may not read the audit log");
    assert!(
        err.contains("refused") || err.contains("not permitted"),
        "{err}"
    );
    let admin = attach(&db.path, ADMIN);
    let (entries, head) = admin.audit().expect("the administrator reads it");
    assert_eq!(entries.len() as u64, head.seq);
}

#[test]
fn a_started_server_whose_database_is_removed_leaves() {
    let db = db_with_pia();
    run_served(&db.path, "600", &["user", "list"]);
    let stream = UnixStream::connect(db.path.join("clearance.sock")).expect("it runs");
    clearance::protocol::write(&mut &stream, &clearance::protocol::Request::Ping).unwrap();
    let pid = match clearance::protocol::read(&mut &stream).unwrap() {
        clearance::protocol::Response::Pong { pid } => pid as libc::pid_t,
        other => panic!("{other:?}"),
    };
    drop(stream);
    // A temporary database removed under it (as a test's is).
    std::fs::remove_dir_all(&db.path).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    // SAFETY: signal 0 only asks whether the process exists.
    while unsafe { libc::kill(pid, 0) } == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: as above.
    assert_ne!(unsafe { libc::kill(pid, 0) }, 0, "the server left");
}
