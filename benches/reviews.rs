//! Access reviews on a seeded 100k-user organisation: starting a campaign
//! over everyone (planning, the one transaction with every item, the audit
//! entry), and the Reviews tab's first frame for a reviewer with about 10k
//! items (the tab opened fresh: rows built, evidence of the rows in view,
//! drawn at 120×40).
//!
//! Run: `cargo bench --bench reviews` (CLEARANCE_BENCH_USERS=10000 for a
//! quick run).

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;

#[path = "common.rs"]
mod common;
use common::{now, seeded};

use clearance::domain::command::NewReview;
use clearance::domain::reviews::Fallback;
use clearance::ops::{Command, FixedClock, Session};
use clearance::tui::app::App;
use clearance::tui::keymap::Keymap;
use clearance::tui::theme::Theme;
use clearance::tui::views::reviews::ReviewsView;

fn start(reviewers: Vec<String>) -> Command {
    Command::StartReview(Box::new(NewReview {
        name: "Bench".into(),
        scope: "all".into(),
        reviewers,
        due: now().date_naive() + chrono::Duration::days(30),
        fallback: Fallback::None,
        recur_months: None,
        granter_may_review: true,
        bulk_after_secs: None,
        inactive_days: None,
    }))
}

fn reviews(c: &mut Criterion) {
    let users: usize = std::env::var("CLEARANCE_BENCH_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let mut s = seeded(dir.path(), users);
    let actor = s.actor(None).unwrap();
    // Reviewers: the operator and ten others, so that the operator gets
    // about a tenth of the people (10k of 100k users' items and more).
    let others: Vec<String> = s
        .org()
        .users
        .values()
        .filter(|u| u.login.is_some() && u.id != actor.operator)
        .take(10)
        .map(|u| u.handle())
        .collect();
    let mut reviewers = vec!["bench".to_string()];
    reviewers.extend(others);
    let mut times = Vec::new();
    for _ in 0..3 {
        // Where the time goes: planning alone (the domain), then the whole.
        let t0 = Instant::now();
        let planned =
            clearance::domain::rules::plan(s.org(), actor, &start(reviewers.clone()), now());
        let plan = t0.elapsed();
        drop(planned.unwrap());
        let t0 = Instant::now();
        let out = s.execute(actor, start(reviewers.clone())).unwrap();
        times.push(t0.elapsed());
        println!(
            "reviews_{users}_users/start_campaign_all: {:?} (planning alone {plan:?}) — {}",
            times.last().unwrap(),
            out.summary
        );
    }
    times.sort();
    println!(
        "reviews_{users}_users/start_campaign_all: median {:?} of 3",
        times[1]
    );
    let last = *s.org().reviews.campaigns.keys().next_back().unwrap();
    let mine = s
        .org()
        .reviews
        .items_of(last)
        .filter(|i| i.reviewer == Some(actor.operator))
        .count();
    println!("reviews_{users}_users: the operator reviews {mine} items of campaign #{last}");
    drop(s);

    let s = Session::open(dir.path(), "bench", Box::new(FixedClock(now()))).unwrap();
    let mut app = App::new(
        s,
        Keymap::default_keymap(),
        Theme::builtin("default").unwrap(),
        false,
    );
    let mut t = Terminal::new(TestBackend::new(120, 40)).unwrap();
    t.draw(|f| app.draw(f)).unwrap();
    let mut g = c.benchmark_group(format!("reviews_{users}_users"));
    g.sample_size(20).measurement_time(Duration::from_secs(10));
    g.bench_function(format!("reviews_tab_first_frame_{mine}_items"), |b| {
        b.iter(|| {
            app.reviews = ReviewsView::default();
            app.reviews.campaign = Some(last);
            app.on_event(Event::Key(KeyEvent::new(
                KeyCode::Char('6'),
                KeyModifiers::NONE,
            )));
            t.draw(|f| app.draw(f)).unwrap();
            app.on_event(Event::Key(KeyEvent::new(
                KeyCode::Char('1'),
                KeyModifiers::NONE,
            )));
        })
    });
    g.finish();
}

criterion_group!(benches, reviews);
criterion_main!(benches);
