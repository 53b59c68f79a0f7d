//! Disk full and I/O errors (trust issue, item 8), injected with libfiu's
//! `fiu-run` (Debian `fiu-utils`, installed by `.ci/run`): sled's writes
//! fail with ENOSPC and `fsync`/`fdatasync` with EIO at random points of a
//! write workload. Every failed command says so in one line (no panic, no
//! backtrace), nothing acknowledged is lost, and once the fault is lifted
//! the store opens and `doctor` passes.

mod common;

use std::path::PathBuf;
use std::process::{Command as Process, Stdio};

use common::cli::{bin, Db, ADMIN, NOW};

/// Rounds of the workload; each injects at a different probability.
const ROUNDS: usize = 24;

fn fiu_run() -> Option<PathBuf> {
    ["/usr/bin/fiu-run", "/usr/local/bin/fiu-run"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// One write command under injected faults: (exit code, stderr).
fn faulty_run(fiu: &PathBuf, db: &Db, probability: f64, args: &[&str]) -> (i32, String) {
    let enable = |name: &str, errno: i32| {
        format!("enable_random name={name},probability={probability},failinfo={errno}")
    };
    // Bounded: a command that hung under a fault would be a failure, not a wait.
    let out = Process::new("timeout")
        .env("CLEARANCE_AUTOSTART", "0")
        .args(["-s", "KILL", "60"])
        .arg(fiu)
        .arg("-x")
        .args(["-c", &enable("posix/io/rw/pwrite", libc::ENOSPC)])
        .args(["-c", &enable("posix/io/sync/fsync", libc::EIO)])
        .args(["-c", &enable("posix/io/sync/fdatasync", libc::EIO)])
        .args(["-f", ""])
        .arg(bin())
        .arg("--db")
        .arg(&db.path)
        .args(args)
        .env("CLEARANCE_TEST_LOGIN", ADMIN)
        .env("CLEARANCE_TEST_NOW", NOW)
        .env_remove("CLEARANCE_DB")
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::null())
        .output()
        .expect("fiu-run runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn disk_full_and_io_errors_lose_nothing_acknowledged() {
    let Some(fiu) = fiu_run() else {
        eprintln!("skipped: fiu-run (Debian fiu-utils) is not installed");
        return;
    };
    let db = Db::init("maintenance");
    let mut acknowledged: Vec<String> = Vec::new();
    let mut refused = 0;
    // Refusals that sled raised as a panic inside (it unwraps some I/O
    // errors), reported in one line by the process.
    let mut internal = 0;
    for round in 0..ROUNDS {
        let p = [0.01, 0.03, 0.1, 0.3][round % 4];
        let login = format!("f{round}");
        let (code, stderr) = faulty_run(
            &fiu,
            &db,
            p,
            &[
                "user", "add", "--given", "Fault", "--family", &login, "--login", &login,
            ],
        );
        match code {
            0 => acknowledged.push(login.clone()),
            2 => {
                refused += 1;
                let lines: Vec<&str> = stderr.lines().filter(|l| !l.is_empty()).collect();
                assert_eq!(lines.len(), 1, "round {round}: not one line:\n{stderr}");
                assert!(lines[0].starts_with("error: "), "round {round}: {stderr}");
                assert!(
                    !stderr.contains("panicked") && !stderr.contains("backtrace"),
                    "round {round}: {stderr}"
                );
                if lines[0].contains("internal failure") {
                    internal += 1;
                }
            }
            other => panic!("round {round} (p = {p}): exit {other}\n{stderr}"),
        }
        // The fault is lifted: the store opens, doctor passes, and every
        // acknowledged write is there.
        db.run(&["doctor"]).ok();
        let v = db.run(&["--json", "user", "list"]).ok().json();
        let logins: Vec<&str> = v
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|u| u["login"].as_str())
            .collect();
        for l in &acknowledged {
            assert!(logins.contains(&l.as_str()), "round {round}: {l} was lost");
        }
    }
    eprintln!(
        "disk faults: {ROUNDS} rounds, {} acknowledged, {refused} refused with one line \
         ({internal} of them from a panic inside sled)",
        acknowledged.len()
    );
    assert!(refused > 0, "no injected fault was ever hit");
    assert!(!acknowledged.is_empty(), "no write ever got through");
}
