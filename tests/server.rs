//! `clearance serve` and the commands that go through it: the same output
//! and exit codes as without a server, writers from many clients at once
//! with none refused, a server that keeps serving after bad frames, a kill
//! that loses no acknowledged write, and an idle server that goes away.
//! Every test stops the servers it starts.

mod common;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::cli::{bin, Db, ADMIN, NOW};
use common::server::Server;

/// Sends raw bytes to the server and returns what it answers before it hangs up.
fn raw(socket: &Path, bytes: &[u8]) -> Vec<u8> {
    let mut s = UnixStream::connect(socket).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let _ = s.write_all(bytes);
    let _ = s.shutdown(std::net::Shutdown::Write);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    out
}

#[test]
fn commands_through_the_server_print_and_exit_as_without_one() {
    let db = Db::init("maintenance");
    db.run(&[
        "user", "add", "--given", "Pia", "--family", "Holm", "--login", "pia",
    ])
    .ok();
    let commands: [&[&str]; 9] = [
        &["user", "list"],
        &["--json", "user", "show", "pia"],
        &["check", "pia", "defects.create"],
        &["check", "nobody", "defects.create"],
        &["explain", "avery"],
        &["audit", "verify"],
        &["export", "--format", "json"],
        &["--json", "role", "show", "Workshop technician"],
        &["org", "show"],
    ];
    let before: Vec<_> = commands.iter().map(|a| db.run(a)).collect();
    let _server = Server::start(&db.path, &[]);
    for (args, b) in commands.iter().zip(&before) {
        let now = db.run(args);
        assert_eq!(
            (now.code, &now.stdout, &now.stderr),
            (b.code, &b.stdout, &b.stderr),
            "`{}` differs through the server",
            b.cmdline
        );
    }
    // A write through the server is there for the next command.
    db.run(&[
        "user", "add", "--given", "Jon", "--family", "Lee", "--login", "jon",
    ])
    .ok();
    let list = db.run(&["user", "list"]).ok();
    assert!(list.stdout.contains("Jon Lee"), "{}", list.stdout);
    // Errors are one line on the client's stderr, exit 2, nothing changed.
    db.run(&[
        "user", "add", "--given", "X", "--family", "Y", "--login", "jon",
    ])
    .error(&["jon"]);
    db.run(&["doctor"]).ok();
}

#[test]
fn many_clients_writing_at_once_are_all_served_none_refused() {
    let db = Db::init("maintenance");
    let _server = Server::start(&db.path, &[]);
    let clients = 8;
    let writes = 6;
    let results: Vec<Vec<i32>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..clients)
            .map(|c| {
                let db = &db;
                s.spawn(move || {
                    (0..writes)
                        .map(|i| db.run(&["role", "add", &format!("Role {c}-{i}")]).code)
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let refused = results.iter().flatten().filter(|c| **c != 0).count();
    assert_eq!(refused, 0, "{results:?}");
    let roles = db.run(&["--json", "role", "list"]).ok().json();
    let names: Vec<&str> = roles
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["name"].as_str())
        .filter(|n| n.starts_with("Role "))
        .collect();
    assert_eq!(names.len(), clients * writes);
    db.run(&["doctor"]).ok();
}

#[test]
fn bad_frames_get_a_clear_answer_and_the_server_keeps_serving() {
    let db = Db::init("club");
    let server = Server::start(&db.path, &[]);
    let sock = server.socket.clone();
    // Garbage, an oversize length, an old protocol version, a cut frame,
    // and a client that hangs up at once.
    let said = String::from_utf8_lossy(&raw(&sock, b"\x00\x00\x00\x08garbage!")).into_owned();
    assert!(
        said.contains("undecodable") || said.contains("version"),
        "{said:?}"
    );
    let said = String::from_utf8_lossy(&raw(&sock, &u32::MAX.to_be_bytes())).into_owned();
    assert!(said.contains("over the"), "{said:?}");
    let mut old = 8u32.to_be_bytes().to_vec();
    old.extend_from_slice(&0u16.to_be_bytes());
    old.extend_from_slice(&[0; 6]);
    let said = String::from_utf8_lossy(&raw(&sock, &old)).into_owned();
    assert!(said.contains("protocol version 0"), "{said:?}");
    raw(&sock, &[0, 0, 0]);
    drop(UnixStream::connect(&sock).unwrap());
    // A run request without the client's descriptors is refused.
    let frame = clearance::protocol::encode(&clearance::protocol::Request::Run(
        clearance::protocol::Run {
            args: vec!["user".into(), "list".into()],
            test_login: None,
            test_now: None,
        },
    ))
    .unwrap();
    let said = String::from_utf8_lossy(&raw(&sock, &frame)).into_owned();
    assert!(
        said.contains("standard input, output and error"),
        "{said:?}"
    );
    // Still serving.
    db.run(&["user", "list"]).ok();
}

#[test]
fn a_killed_server_loses_no_acknowledged_write_and_a_new_one_takes_over() {
    let db = Db::init("club");
    let mut acknowledged = Vec::new();
    // 50 rounds by default (CLEARANCE_SERVER_KILL_ROUNDS to change it).
    let rounds: usize = std::env::var("CLEARANCE_SERVER_KILL_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(50);
    let mut cut = 0;
    for round in 0..rounds {
        let mut server = Server::start(&db.path, &[]);
        let writer = {
            let path = db.path.clone();
            std::thread::spawn(move || {
                let mut ok = Vec::new();
                for i in 0..40 {
                    let name = format!("Round {round} role {i}");
                    let out = common::cli::run_at(&path, ADMIN, NOW, &["role", "add", &name]);
                    if out.code == 0 {
                        ok.push(name);
                    } else {
                        // Cut by the kill: one line, then stop.
                        assert_eq!(out.stderr.trim_end().lines().count(), 1, "{}", out.stderr);
                        break;
                    }
                }
                ok
            })
        };
        // Kill at a different moment each round, mostly mid-write.
        std::thread::sleep(Duration::from_millis(40 + 37 * (round as u64 % 9)));
        server.kill();
        let done = writer.join().unwrap();
        if done.len() < 40 {
            cut += 1;
        }
        acknowledged.extend(done);
    }
    eprintln!("{cut} of {rounds} kills cut a workload mid-command");
    assert!(cut > 0, "no kill cut a workload");
    // No server now: the commands run here, on a database with every
    // acknowledged write, and the stale socket does not get in the way.
    let roles = db.run(&["--json", "role", "list"]).ok().json();
    let names: Vec<String> = roles
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["name"].as_str().map(str::to_string))
        .collect();
    for a in &acknowledged {
        assert!(names.contains(a), "{a} was acknowledged and is gone");
    }
    db.run(&["doctor"]).ok();
}

#[test]
fn an_idle_server_exits_and_takes_its_socket_with_it() {
    let db = Db::init("club");
    let mut server = Server::start(&db.path, &["--idle-exit", "1"]);
    db.run(&["user", "list"]).ok();
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(st) = server.child.try_wait().unwrap() {
            break st;
        }
        assert!(Instant::now() < deadline, "the idle server did not exit");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status}");
    assert!(!server.socket.exists());
    // Without a server, the command runs here.
    db.run(&["user", "list"]).ok();
}

#[test]
fn a_second_server_is_told_who_holds_the_database() {
    let db = Db::init("club");
    let _server = Server::start(&db.path, &[]);
    let second = common::cli::run_at(&db.path, ADMIN, NOW, &["serve"]);
    let msg = second.error(&["in use"]);
    assert!(msg.contains("pid"), "{msg}");
    db.run(&["serve", "--idle-exit", "0"])
        .error(&["at least 1 second"]);
}

/// Commands that name files run at the server with the files opened by
/// the client: export --output, import and backup give what they give
/// without a server, and a refused one leaves the file it names alone.
#[test]
fn files_go_through_the_client_export_import_and_backup_while_a_server_runs() {
    let db = Db::init("maintenance");
    db.run(&[
        "user", "add", "--given", "Pia", "--family", "Holm", "--login", "pia",
    ])
    .ok();
    let local = db.file("local.json");
    db.run(&[
        "export",
        "--format",
        "json",
        "--output",
        local.to_str().unwrap(),
    ])
    .ok();
    let mut server = Server::start(&db.path, &[]);
    let served = db.file("served.json");
    let out = db
        .run(&[
            "export",
            "--format",
            "json",
            "--output",
            served.to_str().unwrap(),
        ])
        .ok();
    assert!(out.stderr.contains("exported to"), "{}", out.stderr);
    assert_eq!(
        std::fs::read(&local).unwrap(),
        std::fs::read(&served).unwrap()
    );
    // Refused (pia may not export): the file named keeps what it had.
    db.run_as(
        "pia",
        &[
            "export",
            "--format",
            "json",
            "--output",
            served.to_str().unwrap(),
        ],
    )
    .error(&[]);
    assert_eq!(
        std::fs::read(&local).unwrap(),
        std::fs::read(&served).unwrap()
    );
    // Import the export with the organisation renamed.
    let mut v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&served).unwrap()).unwrap();
    v["organisation"]["settings"]["name"] = "Renamed by import".into();
    let renamed = db.file("renamed.json");
    common::cli::write_json(&renamed, &v);
    db.run(&["import", renamed.to_str().unwrap()]).ok();
    let shown = db.run(&["org", "show"]).ok();
    assert!(
        shown.stdout.contains("Renamed by import"),
        "{}",
        shown.stdout
    );
    db.run(&["import", db.file("missing.json").to_str().unwrap()])
        .error(&["cannot read", "missing.json"]);
    // A backup, restored once the server is gone, verifies.
    let bak = db.file("team.bak");
    db.run(&["backup", bak.to_str().unwrap()]).ok();
    assert!(bak.exists() && !db.file("team.bak.tmp").exists());
    server.kill();
    let restored = Db::empty();
    common::cli::run_at(
        &restored.path,
        ADMIN,
        NOW,
        &["restore", bak.to_str().unwrap()],
    )
    .ok();
    restored.run(&["audit", "verify"]).ok();
    restored.run(&["doctor"]).ok();
    let list = restored.run(&["user", "list"]).ok();
    assert!(list.stdout.contains("Pia Holm"), "{}", list.stdout);
}

#[test]
fn the_socket_is_private_unless_a_group_is_named() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let db = Db::init("club");
    {
        let server = Server::start(&db.path, &[]);
        let mode = std::fs::metadata(&server.socket)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let dir = std::fs::metadata(&db.path).unwrap().permissions().mode();
        assert_eq!(dir & 0o777, 0o700);
    }
    let server = Server::start(&db.path, &["--group", "root"]);
    let meta = std::fs::metadata(&server.socket).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o660);
    assert_eq!(meta.gid(), 0);
    let dir = std::fs::metadata(&db.path).unwrap();
    assert_eq!(
        dir.permissions().mode() & 0o777,
        0o710,
        "the group may reach the socket"
    );
    for f in ["clearance.lock", "clearance.log"] {
        let m = std::fs::metadata(db.path.join(f))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(m & 0o077, 0, "{f} stays private");
    }
    db.run(&["user", "list"]).ok();
    drop(server);
    db.run(&["serve", "--group", "no-such-group-x"])
        .error(&["no group named", "no-such-group-x"]);
    // The stale socket it left does not get in the way.
    db.run(&["user", "list"]).ok();
}

#[test]
fn a_client_whose_reader_goes_away_does_not_end_the_server() {
    let db = Db::demo();
    let mut server = Server::start(&db.path, &[]);
    for args in [
        &["export", "--format", "json"][..],
        &["audit", "list", "--full"],
    ] {
        let mut client = Command::new(bin())
            .env("CLEARANCE_AUTOSTART", "0")
            .arg("--db")
            .arg(&db.path)
            .args(args)
            .env("CLEARANCE_TEST_LOGIN", ADMIN)
            .env("CLEARANCE_TEST_NOW", NOW)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the client");
        let mut first = [0u8; 16];
        client
            .stdout
            .take()
            .unwrap()
            .read_exact(&mut first)
            .unwrap();
        // The pipe's reader is gone now (`… | head -c 16`).
        let out = client.wait_with_output().unwrap();
        assert!(
            out.status.code() == Some(0) || out.status.code() == Some(141),
            "{:?} {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            server.child.try_wait().unwrap().is_none(),
            "the server ended with its client's pipe"
        );
    }
    db.run(&["user", "list"]).ok();
    assert!(server.child.try_wait().unwrap().is_none());
}
