//! A served database under load: `cargo bench --bench server`.
//!
//! Seeds a 100k-user organisation (CLEARANCE_BENCH_USERS to change) into a
//! temporary directory, starts the real binary's `clearance serve` on it
//! (the binary cargo built with this bench, CARGO_BIN_EXE_clearance: a
//! test-hooks build, so CLEARANCE_TEST_LOGIN names the seeded operator,
//! "bench"), and prints what issue 8 asks to measure:
//! (a) one `clearance check` process, start to exit, against
//!     `clearance --version`;
//! (b) pipelined checks over one connection, per second;
//! (c) check latency, one at a time, while 4 clients commit;
//! (d) 8 clients × 50 writes at once: acknowledged, refused, lost, doctor;
//! and the server's resident memory. Numbers are printed, not asserted.

#[path = "common.rs"]
mod common;

use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clearance::client::checks::Checks;
use clearance::protocol::Check;

const BIN: &str = env!("CARGO_BIN_EXE_clearance");
const LOGIN: &str = "bench";

fn clearance(db: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--db")
        .arg(db)
        .args(args)
        .env("CLEARANCE_TEST_LOGIN", LOGIN)
        .env_remove("CLEARANCE_TEST_NOW")
        .stdin(Stdio::null())
        .output()
        .expect("run clearance")
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(db: &Path) -> Server {
    let child = Command::new(BIN)
        .arg("--db")
        .arg(db)
        .arg("serve")
        .env("CLEARANCE_TEST_LOGIN", LOGIN)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the server");
    let deadline = Instant::now() + Duration::from_secs(120);
    while UnixStream::connect(db.join("clearance.sock")).is_err() {
        assert!(Instant::now() < deadline, "the server did not answer");
        std::thread::sleep(Duration::from_millis(50));
    }
    Server(child)
}

/// The server's current and peak resident memory, from /proc.
fn rss(server: &Server) -> String {
    let status =
        std::fs::read_to_string(format!("/proc/{}/status", server.0.id())).unwrap_or_default();
    let field = |k: &str| {
        status
            .lines()
            .find(|l| l.starts_with(k))
            .map(|l| l[k.len()..].trim().to_string())
            .unwrap_or_else(|| "?".into())
    };
    format!("VmRSS {}, VmHWM {}", field("VmRSS:"), field("VmHWM:"))
}

fn check(user: u32, permission: &str) -> Check {
    Check {
        user: format!("#{user}"),
        permission: permission.into(),
        test_login: Some(LOGIN.into()),
        ..Check::default()
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// (a) `clearance check` start to exit, against `clearance --version`.
fn process(db: &Path) {
    let time = |args: &[&str]| {
        let t = Instant::now();
        let out = clearance(db, args);
        (t.elapsed(), out.status.code())
    };
    let (mut check, mut version) = (Vec::new(), Vec::new());
    for i in 0..20 {
        let user = format!("#{}", 2 + i * 997);
        let (t, code) = time(&["check", &user, "defects.create"]);
        assert!(matches!(code, Some(0 | 1)), "check exited {code:?}");
        check.push(t);
        version.push(time(&["--version"]).0);
    }
    let (c, v) = (median(check), median(version));
    println!(
        "server/process: `clearance check` {:.2} ms, `clearance --version` {:.2} ms (medians of 20): {:.1}x",
        ms(c),
        ms(v),
        c.as_secs_f64() / v.as_secs_f64()
    );
}

/// (b) Pipelined checks over one connection.
fn pipelined(db: &Path, users: u32) {
    let perms = [
        "defects.create",
        "work_orders.release",
        "users.view",
        "inventory.access",
    ];
    let batch: Vec<Check> = (0..200_000u32)
        .map(|i| {
            check(
                2 + (i.wrapping_mul(2_654_435_761) % users),
                perms[i as usize % 4],
            )
        })
        .collect();
    let mut checks = Checks::connect(db).expect("connect");
    let mut rates = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        let answers = checks.run(&batch).expect("checks");
        let e = t.elapsed();
        assert!(
            answers.iter().all(|a| a.is_ok()),
            "{:?}",
            answers.iter().find(|a| a.is_err())
        );
        rates.push(batch.len() as f64 / e.as_secs_f64());
    }
    rates.sort_by(f64::total_cmp);
    println!(
        "server/pipelined: {} checks over one connection: median {:.0} checks/s (runs: {:.0?})",
        batch.len(),
        rates[1],
        rates
    );
}

/// One client's writes: `clearance user grant` / `ungrant` in turn on its
/// own users, until told to stop or `count` are done. Exit codes.
fn writer(db: PathBuf, first: u32, count: usize, stop: Arc<AtomicBool>) -> Vec<(u32, i32)> {
    let mut done = Vec::new();
    for i in 0..count {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let user = format!("#{}", first + i as u32);
        let out = clearance(&db, &["user", "grant", &user, "defects.create", "yes"]);
        let code = out.status.code().unwrap_or(-1);
        if code != 0 && done.iter().all(|(_, c)| *c == 0) {
            eprintln!("refused: {}", String::from_utf8_lossy(&out.stderr).trim());
        }
        done.push((first + i as u32, code));
    }
    done
}

/// A client connection's writes, as a `clearance user grant` process sends
/// them (a command line with its standard input, output and error, here
/// /dev/null), without starting a process for each.
fn connection_writer(
    db: PathBuf,
    first: u32,
    count: usize,
    stop: Arc<AtomicBool>,
) -> Vec<(u32, i32)> {
    use clearance::protocol::{self, Request, Response, Run};
    use std::os::fd::AsFd;
    let null = std::fs::File::options()
        .read(true)
        .write(true)
        .open("/dev/null")
        .unwrap();
    let mut done = Vec::new();
    for i in 0..count {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let user = format!("#{}", first + i as u32);
        let run = Request::Run(Run {
            args: ["user", "grant", &user, "defects.create", "yes"]
                .map(String::from)
                .to_vec(),
            test_login: Some(LOGIN.into()),
            test_now: None,
        });
        let stream = UnixStream::connect(db.join("clearance.sock")).unwrap();
        let bytes = protocol::encode(&run).unwrap();
        let fd = null.as_fd();
        clearance::server::fds::send_with_fds(&stream, &bytes, &[fd, fd, fd]).unwrap();
        let code = match protocol::read::<Response>(&mut &stream) {
            Ok(Response::Exit(c)) => c,
            _ => -1,
        };
        done.push((first + i as u32, code));
    }
    done
}

type Writer = fn(PathBuf, u32, usize, Arc<AtomicBool>) -> Vec<(u32, i32)>;

/// (c) One check at a time while 4 clients commit (none: `clients` is
/// "no writers").
fn latency_under_writes(db: &Path, users: u32, clients: &str, write: Writer, base: u32) {
    let stop = Arc::new(AtomicBool::new(false));
    let n = if clients == "no writers" { 0 } else { 4 };
    let writers: Vec<_> = (0..n)
        .map(|c| {
            let (db, stop) = (db.to_path_buf(), Arc::clone(&stop));
            std::thread::spawn(move || write(db, base + c * 5_000, 5_000, stop))
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let mut checks = Checks::connect(db).expect("connect");
    let (mut times, mut slow) = (Vec::new(), Vec::new());
    let t0 = Instant::now();
    let mut i = 0u32;
    while t0.elapsed() < Duration::from_secs(10) {
        let c = check(
            2 + (i.wrapping_mul(2_654_435_761) % users),
            "defects.create",
        );
        let t = Instant::now();
        let answer = checks.one(&c).expect("check");
        let took = t.elapsed();
        times.push(took);
        if took > Duration::from_millis(20) && slow.len() < 5 {
            slow.push(format!(
                "{:.1} ms at {:.2} s",
                ms(took),
                t0.elapsed().as_secs_f64()
            ));
        }
        assert!(answer.is_ok(), "{answer:?}");
        i += 1;
    }
    stop.store(true, Ordering::Relaxed);
    let done: Vec<(u32, i32)> = writers
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .collect();
    let commits = done.iter().filter(|(_, c)| *c == 0).count();
    times.sort();
    let p = |q: f64| ms(times[((times.len() as f64 * q) as usize).min(times.len() - 1)]);
    println!(
        "server/latency_while_4_commit ({clients}): {} checks, p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms; {} commits meanwhile",
        times.len(),
        p(0.50),
        p(0.99),
        ms(times[times.len() - 1]),
        commits
    );
    if !slow.is_empty() {
        println!("  over 20 ms: {}", slow.join("; "));
    }
}

/// (d) 8 clients × 50 writes at once; then every acknowledged grant is
/// there, and doctor is clean.
fn writes_at_once(db: &Path, server: &Server) {
    let stop = Arc::new(AtomicBool::new(false));
    let t = Instant::now();
    let clients: Vec<_> = (0..8)
        .map(|c| {
            let (db, stop) = (db.to_path_buf(), Arc::clone(&stop));
            std::thread::spawn(move || writer(db, 70_000 + c * 50, 50, stop))
        })
        .collect();
    let done: Vec<(u32, i32)> = clients
        .into_iter()
        .flat_map(|c| c.join().unwrap())
        .collect();
    let took = t.elapsed();
    let acknowledged: Vec<u32> = done
        .iter()
        .filter(|(_, c)| *c == 0)
        .map(|(u, _)| *u)
        .collect();
    let refused = done.len() - acknowledged.len();
    let lost = acknowledged
        .iter()
        .filter(|u| {
            let out = clearance(db, &["--json", "user", "show", &format!("#{u}")]);
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
            !v["grants"]
                .as_array()
                .is_some_and(|g| g.iter().any(|g| g["permission"] == "defects.create"))
        })
        .count();
    println!("server/memory after the writes: {}", rss(server));
    let doctor = clearance(db, &["doctor"]);
    println!(
        "server/8x50_writes: {} acknowledged, {} refused, {} lost in {:.1} s; doctor exit {:?}",
        acknowledged.len(),
        refused,
        lost,
        took.as_secs_f64(),
        doctor.status.code()
    );
}

/// (e) For comparison: one `clearance check` with no server (it opens the
/// store), time and peak memory from /usr/bin/time.
fn local(db: &Path) {
    for _ in 0..3 {
        let out = Command::new("/usr/bin/time")
            .args(["-f", "%e s, %M kB"])
            .arg(BIN)
            .arg("--db")
            .arg(db)
            .args(["check", "#2", "defects.create"])
            .env("CLEARANCE_TEST_LOGIN", LOGIN)
            .stdout(Stdio::null())
            .output();
        match out {
            Ok(o) => println!(
                "server/no_server_check: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            ),
            Err(e) => println!("server/no_server_check: /usr/bin/time: {e}"),
        }
    }
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let users: u32 = std::env::var("CLEARANCE_BENCH_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::Builder::new()
        .prefix("perf-bench-")
        .tempdir()
        .unwrap();
    let t = Instant::now();
    drop(common::seeded(dir.path(), users as usize));
    println!(
        "server/seeded {users} users in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let server = serve(dir.path());
    // The first check (and so the first snapshot) is in place.
    let first = Checks::connect(dir.path()).and_then(|mut c| {
        c.one(&check(2, "defects.create"))
            .map_err(std::io::Error::other)
    });
    assert!(matches!(first, Ok(Ok(_))), "the first check: {first:?}");
    println!("server/memory at start: {}", rss(&server));
    process(dir.path());
    pipelined(dir.path(), users);
    latency_under_writes(dir.path(), users, "no writers", connection_writer, 0);
    latency_under_writes(dir.path(), users, "connections", connection_writer, 20_000);
    latency_under_writes(dir.path(), users, "processes", writer, 40_000);
    println!("server/memory after commits: {}", rss(&server));
    writes_at_once(dir.path(), &server);
    println!("server/memory after doctor: {}", rss(&server));
    drop(server);
    local(dir.path());
}
