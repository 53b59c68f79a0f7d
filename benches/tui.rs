//! Terminal app benchmarks on a seeded 100k-user organisation: first frame
//! after start, one filter keystroke to finished frame, one full frame, and
//! bytes written to the terminal for a one-row cursor move.
//!
//! Run: `cargo bench --bench tui` (CLEARANCE_BENCH_USERS=10000 for a quick run).

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use ratatui::backend::{CrosstermBackend, TestBackend};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};

#[path = "common.rs"]
mod common;
use common::{now, seeded};

use clearance::ops::{FixedClock, Session};
use clearance::tui::app::App;
use clearance::tui::keymap::Keymap;
use clearance::tui::theme::Theme;

fn key(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

fn open_app(dir: &std::path::Path) -> App {
    let s = Session::open(dir, "bench", Box::new(FixedClock(now()))).unwrap();
    App::new(
        s,
        Keymap::default_keymap(),
        Theme::builtin("default").unwrap(),
        false,
    )
}

/// Counts bytes written to the "terminal".
#[derive(Clone, Default)]
struct Counter(Arc<Mutex<usize>>);
impl Write for Counter {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        *self.0.lock().unwrap() += b.len();
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn tui(c: &mut Criterion) {
    let users: usize = std::env::var("CLEARANCE_BENCH_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    drop(seeded(dir.path(), users));
    let mut g = c.benchmark_group(format!("tui_{users}_users"));
    g.sample_size(10).measurement_time(Duration::from_secs(15));

    // Start: open the store, load, build the app, draw the first frame.
    g.bench_function("first_frame_after_start", |b| {
        b.iter(|| {
            let mut app = open_app(dir.path());
            let mut t = Terminal::new(TestBackend::new(120, 40)).unwrap();
            t.draw(|f| app.draw(f)).unwrap();
        })
    });

    let mut app = open_app(dir.path());
    let mut t = Terminal::new(TestBackend::new(120, 40)).unwrap();
    t.draw(|f| app.draw(f)).unwrap();
    g.bench_function("full_frame_render", |b| {
        b.iter(|| {
            t.draw(|f| app.draw(f)).unwrap();
        })
    });

    // One filter keystroke to the finished frame (the undo keystroke is not timed).
    app.on_key(key(KeyCode::Char('/')));
    app.on_key(key(KeyCode::Char('p')));
    t.draw(|f| app.draw(f)).unwrap();
    g.bench_function("filter_keystroke_to_frame", |b| {
        b.iter_custom(|n| {
            let mut total = Duration::ZERO;
            for i in 0..n {
                let c = if i % 2 == 0 { '4' } else { '7' };
                let start = Instant::now();
                app.on_key(key(KeyCode::Char(c)));
                t.draw(|f| app.draw(f)).unwrap();
                total += start.elapsed();
                app.on_key(key(KeyCode::Backspace));
                t.draw(|f| app.draw(f)).unwrap();
            }
            total
        })
    });
    g.finish();
    drop(app); // releases the database lock

    // Bytes written to a real terminal backend for a one-row cursor move.
    let mut app = open_app(dir.path());
    let counter = Counter::default();
    let backend = CrosstermBackend::new(counter.clone());
    let mut term = Terminal::with_options(
        backend,
        TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, 120, 40)),
        },
    )
    .unwrap();
    term.draw(|f| app.draw(f)).unwrap();
    let first = *counter.0.lock().unwrap();
    app.on_key(key(KeyCode::Char('j')));
    term.draw(|f| app.draw(f)).unwrap();
    let moved = *counter.0.lock().unwrap() - first;
    println!("tui/bytes_first_frame ({users} users, 120x40): {first} bytes");
    println!("tui/bytes_one_row_cursor_move ({users} users, 120x40): {moved} bytes");
}

criterion_group!(benches, tui);
criterion_main!(benches);
