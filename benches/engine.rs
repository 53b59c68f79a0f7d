//! Benchmarks with the README's figures: checks per second at 10k and 100k
//! users, opening a 100k-user organisation, one committed change with sync.
//!
//! Run: `cargo bench --bench engine` (CLEARANCE_BENCH_USERS=10000 for a quick run).

use std::hint::black_box;
use std::time::{Duration, Instant};

#[path = "common.rs"]
mod common;
use common::{now, seeded};

use criterion::{criterion_group, Criterion, Throughput};

use clearance::domain::command::Command;
use clearance::domain::engine::AccessTable;
use clearance::ops::{FixedClock, Session};

/// A cheap deterministic sequence of (user, permission) pairs.
fn pairs(users: u32, perms: usize, n: usize) -> Vec<(u32, usize)> {
    let mut x: u64 = 0x9E3779B97F4A7C15;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (2 + (x as u32) % (users - 1), (x >> 32) as usize % perms)
        })
        .collect()
}

fn checks(c: &mut Criterion) {
    for users in [10_000usize, 100_000] {
        let dir = tempfile::tempdir().unwrap();
        let s = seeded(dir.path(), users);
        let table = AccessTable::build(s.org(), now());
        let nperm = s.org().catalog().len();
        let work = pairs(users as u32, nperm, 1 << 16);
        let mut g = c.benchmark_group(format!("check_{users}_users"));
        g.throughput(Throughput::Elements(work.len() as u64));
        g.bench_function("access_table", |b| {
            b.iter(|| {
                let mut allowed = 0u32;
                for (u, p) in &work {
                    allowed += table.allows(black_box(*u), black_box(*p), 1) as u32;
                }
                allowed
            })
        });
        // Latency-bound: each check's user depends on the previous answer, so
        // no two lookups overlap (the worst case for one core).
        g.bench_function("access_table_dependent", |b| {
            b.iter(|| {
                let mut u = 2u32;
                let mut allowed = 0u32;
                for (k, (_, p)) in work.iter().enumerate() {
                    let a = table.allows(black_box(u), *p, 1) as u32;
                    allowed += a;
                    u = 2
                        + (u.wrapping_mul(2654435761).wrapping_add(a + k as u32))
                            % (users as u32 - 1);
                }
                allowed
            })
        });
        // The baseline the engine is held against: a bare bit-vector lookup.
        let bare: Vec<u8> = (0..(users + 2) * nperm).map(|i| (i % 3) as u8).collect();
        g.bench_function("bare_bitvector", |b| {
            b.iter(|| {
                let mut allowed = 0u32;
                for (u, p) in &work {
                    let l = bare[black_box(*u) as usize * nperm + black_box(*p)];
                    allowed += (l & 1 == 1) as u32;
                }
                allowed
            })
        });
        g.bench_function("bare_bitvector_dependent", |b| {
            b.iter(|| {
                let mut u = 2u32;
                let mut allowed = 0u32;
                for (k, (_, p)) in work.iter().enumerate() {
                    let a = (bare[black_box(u) as usize * nperm + *p] & 1) as u32;
                    allowed += a;
                    u = 2
                        + (u.wrapping_mul(2654435761).wrapping_add(a + k as u32))
                            % (users as u32 - 1);
                }
                allowed
            })
        });
        g.finish();
    }
}

fn open_and_commit(c: &mut Criterion) {
    let users: usize = std::env::var("CLEARANCE_BENCH_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    drop(seeded(dir.path(), users));
    let mut g = c.benchmark_group("store");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.bench_function(format!("open_{users}_users"), |b| {
        b.iter(|| Session::open(dir.path(), "bench", Box::new(FixedClock(now()))).unwrap())
    });
    g.finish();

    // One committed change including flush and sync: percentiles over 200 commits.
    let mut s = Session::open(dir.path(), "bench", Box::new(FixedClock(now()))).unwrap();
    let actor = s.actor(None).unwrap();
    let mut times = Vec::new();
    for i in 0..200 {
        let level = if i % 2 == 0 { "yes" } else { "no" };
        let t = Instant::now();
        s.execute(
            actor,
            Command::SetRoleLevels {
                role: "Stores".into(),
                levels: vec![("work_orders.release".into(), level.into())],
            },
        )
        .unwrap();
        times.push(t.elapsed());
    }
    times.sort();
    let p = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    println!(
        "store/commit_with_sync ({users} users): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        p(0.50).as_secs_f64() * 1e3,
        p(0.99).as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3
    );
    drop(s);

    // Peak resident memory of a process that opens the organisation and
    // builds the access table: measured in a fresh child process so the
    // seeding above does not count.
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .env(RSS_CHILD, dir.path())
        .output()
        .unwrap();
    println!(
        "store/peak_rss_open ({users} users): {}",
        String::from_utf8_lossy(&out.stdout).trim()
    );
}

const RSS_CHILD: &str = "CLEARANCE_BENCH_RSS_CHILD";

/// The child of the memory measurement: open, build the table, report VmHWM.
fn rss_child(dir: &str) {
    let s = Session::open(
        std::path::Path::new(dir),
        "bench",
        Box::new(FixedClock(now())),
    )
    .unwrap();
    let table = AccessTable::build(s.org(), now());
    black_box(table.allows(2, 0, 1));
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let hwm = status
        .lines()
        .find(|l| l.starts_with("VmHWM"))
        .unwrap_or("VmHWM: ? kB");
    println!("{}", hwm.trim_start_matches("VmHWM:").trim());
}

criterion_group!(benches, checks, open_and_commit);

fn main() {
    if let Ok(dir) = std::env::var(RSS_CHILD) {
        return rss_child(&dir);
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
