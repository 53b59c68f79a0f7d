//! Shared bench fixtures: a seeded organisation on disk.

use chrono::{TimeZone, Utc};

use clearance::demo::seed_batches;
use clearance::domain::command::{Command, NewUser};
use clearance::ops::{FixedClock, Session};

pub fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap()
}

/// A maintenance organisation with `users` seeded users, 20 extra roles and
/// one authorization per ten users; the operator's login is "bench".
pub fn seeded(dir: &std::path::Path, users: usize) -> Session {
    let preset = clearance::presets::load("maintenance").unwrap();
    let admin = NewUser {
        given: "Bench".into(),
        family: "Admin".into(),
        email: Some("bench@example.org".into()),
        login: Some("bench".into()),
        roles: vec![],
        access_until: None,
    };
    let mut s = Session::init(
        dir,
        "bench",
        Box::new(FixedClock(now())),
        &preset,
        "Bench",
        admin,
    )
    .unwrap();
    let actor = s.actor(None).unwrap();
    for b in seed_batches(s.org(), now(), users, 20, users / 10, 5000) {
        s.execute(actor, Command::Batch(b)).unwrap();
    }
    s
}
