//! Apps on a server, on a seeded 100k-user organisation: a second app
//! attaching (connect, read the organisation, build the app, draw the first
//! frame); a change saved in one app reaching another (from the save's
//! start to the other's replica having it); the memory an attached app adds.
//!
//! The server runs in this process on its own threads, as `clearance serve`
//! runs it; the apps talk to it over its socket. Memory is the growth of
//! this process's resident set when one more app attaches and draws.
//!
//! Run: `cargo bench --bench apps` (CLEARANCE_BENCH_USERS=10000 for a
//! quick run).

use std::os::unix::net::UnixStream;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

#[path = "common.rs"]
mod common;
use common::{now, seeded};

use clearance::client::link::Link;
use clearance::client::replica::Replica;
use clearance::domain::command::UserEdit;
use clearance::ops::{Command, FixedClock};
use clearance::protocol::Caller;
use clearance::tui::app::App;
use clearance::tui::keymap::Keymap;
use clearance::tui::theme::Theme;

fn caller() -> Caller {
    Caller {
        test_login: Some("bench".into()),
        test_now: Some(now().to_rfc3339()),
    }
}

fn replica(dir: &Path) -> Replica {
    let stream = UnixStream::connect(dir.join("clearance.sock")).unwrap();
    Replica::attach_as(dir, stream, Arc::new(|| {}), caller()).unwrap()
}

/// Attaches and draws the first frame, as a second app starting does.
fn attach_and_draw(dir: &Path) -> App {
    let mut app = App::new(
        Link::remote(replica(dir), Box::new(FixedClock(now()))),
        Keymap::default_keymap(),
        Theme::builtin("default").unwrap(),
        false,
    );
    let mut t = Terminal::new(TestBackend::new(120, 40)).unwrap();
    t.draw(|f| app.draw(f)).unwrap();
    app
}

/// This process's resident set, in bytes.
fn rss() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    // SAFETY: sysconf has no preconditions.
    pages * unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as u64
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn apps(c: &mut Criterion) {
    let users: usize = std::env::var("CLEARANCE_BENCH_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let session = seeded(dir.path(), users);
    let db = dir.path().to_path_buf();
    std::thread::spawn(move || {
        clearance::server::serve(&db, session, &Default::default()).unwrap();
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    while UnixStream::connect(dir.path().join("clearance.sock")).is_err() {
        assert!(Instant::now() < deadline, "the server did not answer");
        std::thread::sleep(Duration::from_millis(10));
    }

    // Memory: one more app attached and drawn.
    let first = attach_and_draw(dir.path());
    let before = rss();
    let second = attach_and_draw(dir.path());
    let after = rss();
    println!(
        "apps_{users}_users/memory_per_attached_app: {:.1} MB (resident set growth)",
        after.saturating_sub(before) as f64 / 1e6
    );
    drop((first, second));

    // A change reaching another app.
    let mut a = replica(dir.path());
    let mut b = replica(dir.path());
    let handles: Vec<String> = a
        .org
        .users
        .values()
        .skip(1)
        .take(200)
        .map(|u| u.handle())
        .collect();
    let mut times = Vec::new();
    let mut first = None;
    for (i, h) in handles.iter().enumerate() {
        let cmd = Command::EditUser {
            user: h.clone(),
            edit: UserEdit {
                given: Some(format!("Renamed{i}")),
                ..Default::default()
            },
        };
        let t0 = Instant::now();
        let out = a.execute(None, cmd, Some(a.seq)).unwrap();
        while b.seq < out.seq {
            b.update();
            std::hint::spin_loop();
        }
        // The server's first commit also builds its access table for the
        // readers; it is told apart.
        match first {
            None => first = Some(t0.elapsed()),
            Some(_) => times.push(t0.elapsed()),
        }
    }
    println!(
        "apps_{users}_users/first_change_after_start: {:?} (the server builds its access table)",
        first.unwrap()
    );
    times.sort();
    println!(
        "apps_{users}_users/change_reaching_another_app: p50 {:?}, p99 {:?}, max {:?} over {} more saves (save + push + apply)",
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times.last().unwrap(),
        times.len()
    );

    // Where an attach's time goes, once.
    let t0 = Instant::now();
    let r = replica(dir.path());
    let attached = t0.elapsed();
    let mut app = App::new(
        Link::remote(r, Box::new(FixedClock(now()))),
        Keymap::default_keymap(),
        Theme::builtin("default").unwrap(),
        false,
    );
    let mut t = Terminal::new(TestBackend::new(120, 40)).unwrap();
    t.draw(|f| app.draw(f)).unwrap();
    println!(
        "apps_{users}_users/attach_phases: replica {:?}, then app and first frame {:?}",
        attached,
        t0.elapsed() - attached
    );
    drop(app);

    let mut g = c.benchmark_group(format!("apps_{users}_users"));
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.bench_function("second_app_attach_to_first_frame", |bench| {
        bench.iter(|| attach_and_draw(dir.path()))
    });
    g.finish();
}

criterion_group!(benches, apps);
criterion_main!(benches);
