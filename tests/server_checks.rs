//! Checks answered by a server from its read snapshot, many per connection:
//! the same answers as `clearance check`, refused one by one where the
//! caller may not check that person. Every test stops the server it starts.

mod common;

use clearance::client::checks::Checks;
use clearance::protocol::Check;
use common::cli::{Db, ADMIN, NOW};
use common::server::Server;

fn check(login: &str, user: &str, permission: &str, level: Option<&str>) -> Check {
    Check {
        user: user.into(),
        permission: permission.into(),
        level: level.map(String::from),
        test_login: Some(login.into()),
        test_now: Some(NOW.into()),
        ..Check::default()
    }
}

/// The CLI's arguments for a check.
fn args(c: &Check) -> Vec<String> {
    let mut a = vec!["check".to_string(), c.user.clone(), c.permission.clone()];
    if let Some(l) = &c.level {
        a.extend(["--level".to_string(), l.clone()]);
    }
    a
}

fn with_pia(db: &Db) {
    db.run(&[
        "user", "add", "--given", "Pia", "--family", "Holm", "--login", "pia",
    ])
    .ok();
}

#[test]
fn pipelined_checks_answer_as_clearance_check_does() {
    let db = Db::init("maintenance");
    with_pia(&db);
    let mut sample = Vec::new();
    for user in ["avery", "pia", "nobody"] {
        for perm in [
            "defects.create",
            "users.manage",
            "work_orders.release",
            "no.such",
        ] {
            for level in [None, Some("manage"), Some("bogus")] {
                sample.push(check(ADMIN, user, perm, level));
            }
        }
    }
    let _server = Server::start(&db.path, &[]);
    let mut checks = Checks::connect(&db.path).unwrap();
    // Twice over one connection: the second round comes from the same snapshot.
    let twice: Vec<Check> = sample.iter().chain(&sample).cloned().collect();
    let answers = checks.run(&twice).unwrap();
    assert_eq!(answers.len(), twice.len());
    for (c, a) in twice.iter().zip(&answers) {
        let a2: Vec<String> = args(c);
        let cli = db.run(&a2.iter().map(String::as_str).collect::<Vec<_>>());
        let code = match a {
            Ok(true) => 0,
            Ok(false) => 1,
            Err(_) => 2,
        };
        assert_eq!(
            code, cli.code,
            "{a2:?}: served {a:?}, the CLI said {}{}",
            cli.stdout, cli.stderr
        );
    }
    assert!(answers.iter().any(|a| a == &Ok(true)));
    assert!(answers.iter().any(|a| a == &Ok(false)));
    // A change is in the next check's snapshot.
    let grant = check(ADMIN, "pia", "defects.create", None);
    let before = checks.one(&grant).unwrap();
    db.run(&["user", "grant", "pia", "defects.create", "yes"])
        .ok();
    assert_eq!(before, Ok(false));
    assert_eq!(checks.one(&grant).unwrap(), Ok(true));
}

#[test]
fn a_caller_who_may_not_check_others_is_refused_check_by_check() {
    let db = Db::init("maintenance");
    with_pia(&db);
    let _server = Server::start(&db.path, &[]);
    let mut checks = Checks::connect(&db.path).unwrap();
    let asked = [
        check("pia", "avery", "defects.create", None),
        check("pia", "pia", "defects.create", None),
        check("nobody-bound", "pia", "defects.create", None),
        check("pia", "avery", "users.manage", None),
        check(ADMIN, "pia", "defects.create", None),
    ];
    let answers = checks.run(&asked).unwrap();
    let refused = |i: usize| answers[i].as_ref().err().cloned().unwrap_or_default();
    assert!(refused(0).contains("needs"), "{answers:?}");
    assert!(answers[1].is_ok(), "{answers:?}");
    assert!(refused(2).contains("nobody-bound"), "{answers:?}");
    assert!(refused(3).contains("needs"), "{answers:?}");
    assert!(answers[4].is_ok(), "{answers:?}");
    // The CLI says the same to pia.
    let cli = db.run_as("pia", &["check", "avery", "defects.create"]);
    assert_eq!(cli.code, 2, "{}", cli.stderr);
    assert!(
        cli.stderr.contains(&refused(0)),
        "{} / {}",
        cli.stderr,
        refused(0)
    );
}
