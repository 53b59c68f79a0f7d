//! Crash test: a child process applies commands and prints each committed
//! audit sequence number; it is killed with SIGKILL at random moments. After
//! each kill the database reopens, holds every reported command, its audit
//! chain verifies and doctor finds nothing.
//!
//! The child is this test binary itself, running only `crash_worker` with
//! `CLEARANCE_CRASH_WORKER` set to the database path.

#[path = "common/store.rs"]
mod fixtures;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command as Process, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use clearance::domain::command::NewUser;
use clearance::ops::{Command, Session};
use fixtures::{clock, init_maintenance, Rng, ADMIN_LOGIN};

const WORKER_ENV: &str = "CLEARANCE_CRASH_WORKER";
/// Rounds; at least 50 (the floor). CLEARANCE_CRASH_ROUNDS raises it.
const MIN_ROUNDS: u64 = 50;

fn new_user(tag: &str, roles: &[&str]) -> Command {
    Command::AddUser(NewUser {
        given: "Crash".into(),
        family: tag.into(),
        email: Some(format!("{tag}@crash.example")),
        login: Some(tag.into()),
        roles: roles.iter().map(|r| r.to_string()).collect(),
        access_until: None,
    })
}

/// One round of the worker's workload for a fresh person `tag`: small
/// commands touching users, indexes and the administrator counter, and now
/// and then a batch large enough to be stored in two audit chunks (and,
/// in the worker, an import).
fn workload(tag: &str, iteration: u64) -> Vec<Command> {
    let user = || tag.to_string();
    let mut cmds = vec![
        new_user(tag, &["Workshop technician"]),
        Command::Grant {
            user: user(),
            permission: "work_orders.release".into(),
            level: "yes".into(),
            until: None,
        },
        Command::AssignRole {
            user: user(),
            role: "Account administrator".into(),
            until: None,
        },
        Command::AssignRole {
            user: user(),
            role: "Stores".into(),
            until: None,
        },
        Command::UnassignRole {
            user: user(),
            role: "Account administrator".into(),
        },
        Command::Deactivate { user: user() },
    ];
    if iteration % 2 == 0 {
        cmds.push(Command::Reactivate { user: user() });
    }
    if iteration % 4 == 3 {
        cmds.push(Command::Batch(
            (0..70)
                .map(|k| new_user(&format!("{tag}b{k}"), &["Stores", "Read-only"]))
                .collect(),
        ));
    }
    cmds
}

/// The child: loops forever, printing `committed SEQ TAG` after each command
/// returns (that is, after it was synced). Returns at once when not a child.
#[test]
fn crash_worker() {
    let Ok(db) = std::env::var(WORKER_ENV) else {
        return;
    };
    let mut s = Session::open(Path::new(&db), ADMIN_LOGIN, clock()).expect("the worker opens");
    let mut out = std::io::stdout().lock();
    // The harness has printed "test crash_worker ... " without a newline.
    writeln!(out, "\nready").unwrap();
    out.flush().unwrap();
    for iteration in 0.. {
        let tag = format!("c{}", s.org().counters.next_user);
        for cmd in workload(&tag, iteration) {
            let actor = s.actor(None).expect("the administrator acts");
            let name = cmd.name();
            let done = s
                .execute(actor, cmd)
                .unwrap_or_else(|e| panic!("{name} for {tag}: {e}"));
            writeln!(out, "committed {} {tag}", done.seq).unwrap();
            out.flush().unwrap();
        }
        if iteration % 4 == 1 {
            // An import of the organisation as it is, one name changed: it
            // writes a new generation of every record tree before its
            // transaction, so kills land in that too.
            let mut org = s.org().clone();
            if let Some(u) = org
                .users
                .values_mut()
                .find(|u| u.login.as_deref() == Some(tag.as_str()))
            {
                u.family = format!("{tag}i");
            }
            let actor = s.actor(None).expect("the administrator acts");
            let done = s
                .execute(actor, Command::Import(Box::new(org)))
                .unwrap_or_else(|e| panic!("import for {tag}: {e}"));
            writeln!(out, "committed {} {tag}", done.seq).unwrap();
            out.flush().unwrap();
        }
    }
}

/// What one killed child reported.
struct Round {
    /// Committed sequence numbers, in order, with the person they concern.
    committed: Vec<(u64, String)>,
}

/// Runs the worker, kills it with SIGKILL after `delay` (counted from its
/// "ready" line when `after_ready`, else from the spawn), and collects what
/// it printed.
fn run_and_kill(exe: &Path, db: &Path, log: &Path, delay: Duration, after_ready: bool) -> Round {
    let stderr = std::fs::File::create(log).unwrap();
    let mut child = Process::new(exe)
        .env("CLEARANCE_AUTOSTART", "0")
        .args(["--exact", "crash_worker", "--nocapture", "--test-threads=1"])
        .env(WORKER_ENV, db)
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("the worker starts");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    if after_ready {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(l) if l == "ready" => break,
                Ok(l) => lines.push(l), // the test harness's own lines
                Err(_) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!(
                        "the worker never became ready; its stderr:\n{}",
                        std::fs::read_to_string(log).unwrap_or_default()
                    );
                }
            }
        }
    }
    std::thread::sleep(delay);
    // SAFETY: sending a signal to our own child process by its pid.
    let rc = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGKILL) };
    assert_eq!(rc, 0, "kill failed");
    let status = child.wait().unwrap();
    reader.join().unwrap();
    lines.extend(rx.try_iter());
    assert_eq!(
        status.signal(),
        Some(libc::SIGKILL),
        "the worker ended by itself ({status}); its stderr:\n{}",
        std::fs::read_to_string(log).unwrap_or_default()
    );
    let committed = lines
        .iter()
        .filter_map(|l| {
            let mut w = l.strip_prefix("committed ")?.split(' ');
            let seq = w.next()?.parse().ok()?;
            Some((seq, w.next()?.to_string()))
        })
        .collect();
    Round { committed }
}

#[test]
fn sigkill_at_random_moments_loses_no_reported_command() {
    if std::env::var_os(WORKER_ENV).is_some() {
        return;
    }
    let rounds = std::env::var("CLEARANCE_CRASH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(MIN_ROUNDS)
        .max(MIN_ROUNDS);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    drop(init_maintenance(&db));
    let log = dir.path().join("worker.stderr");
    let exe = std::env::current_exe().unwrap();
    let started = Instant::now();
    let mut reported: BTreeMap<u64, String> = BTreeMap::new();
    let mut last_head = 1;
    let mut kills_mid_commit = 0;
    for round in 0..rounds {
        let mut rng = Rng(0x5EED_C1EA_0000 + round);
        // Mostly mid-workload; every tenth round while the child starts up
        // and opens (and recovers) the database.
        let after_ready = round % 10 != 9;
        let delay = if after_ready {
            Duration::from_millis(rng.range(5, 60))
        } else {
            Duration::from_millis(rng.range(0, 15))
        };
        let r = run_and_kill(&exe, &db, &log, delay, after_ready);

        let s = Session::open(&db, ADMIN_LOGIN, clock()).unwrap_or_else(|e| {
            panic!("round {round}: the database does not reopen after SIGKILL: {e}")
        });
        let store = s.store();
        let head = store.head().seq;
        assert!(
            head >= last_head,
            "round {round}: the head went back from {last_head} to {head}"
        );
        let max_reported = r.committed.last().map_or(0, |(seq, _)| *seq);
        assert!(
            max_reported <= head,
            "round {round}: the worker reported #{max_reported} committed, the head is #{head}"
        );
        if head > max_reported.max(last_head) {
            // The kill landed between a commit and its report.
            kills_mid_commit += 1;
        }
        for (seq, tag) in &r.committed {
            assert!(
                reported.insert(*seq, tag.clone()).is_none(),
                "round {round}: #{seq} reported twice"
            );
        }
        let v = store.verify_audit(None);
        assert!(v.ok(), "round {round}: audit verify: {:?}", v.problems);
        assert_eq!(v.head_seq, head);
        let entries: BTreeMap<u64, _> = store
            .audit_entries()
            .map(|e| e.expect("entries decode"))
            .map(|e| (e.seq, e))
            .collect();
        for (seq, tag) in &r.committed {
            let e = entries
                .get(seq)
                .unwrap_or_else(|| panic!("round {round}: reported #{seq} is not in the log"));
            assert!(
                e.body.summary.contains(tag.as_str())
                    || ["batch", "import"].contains(&e.body.command.name()),
                "round {round}: #{seq} is '{}', not about {tag}",
                e.body.summary
            );
            assert!(
                s.org().resolve_user(tag).is_ok(),
                "round {round}: {tag} (reported in #{seq}) is missing"
            );
        }
        let problems = store.doctor(s.org()).expect("doctor runs");
        assert!(problems.is_empty(), "round {round}: doctor: {problems:?}");
        assert!(s.org().active_admin_count(fixtures::now()) >= 1);
        last_head = head;
    }
    let total = reported.len();
    eprintln!(
        "{rounds} rounds in {:?}: {total} reported commits, head #{last_head}, \
         {kills_mid_commit} kills between a commit and its report",
        started.elapsed()
    );
    assert!(
        total as u64 >= rounds,
        "too few commits were reported ({total}) for the kills to land mid-workload"
    );
}
