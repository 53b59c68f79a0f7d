//! Unit tests of the kiosk rules: terminals, PINs, sign-in attempts.

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::command::{Command, NewUser};
use super::error::DomainError;
use super::org::Organisation;
use super::proptests::org_from_preset;
use super::rules::kiosk::{plan_attempt, sign_in_target, Attempt, Target};
use super::rules::{plan, Actor};

const HASH: &str = "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaA";

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).unwrap()
}

const ADMIN: Actor = Actor {
    operator: 1,
    acting_as: None,
};

fn run(org: &mut Organisation, who: Actor, cmd: Command) -> Result<(), DomainError> {
    let ch = plan(org, who, &cmd, t0())?;
    org.apply(&ch);
    Ok(())
}

/// The maintenance preset with a terminal `kiosk1` and a technician
/// `tess` (#2) who has set a PIN.
fn workshop() -> Organisation {
    let mut org = org_from_preset("maintenance");
    let nu = NewUser {
        given: "Tess".into(),
        family: "Tech".into(),
        email: None,
        login: Some("tess".into()),
        roles: vec!["Workshop technician".into()],
        access_until: None,
    };
    run(&mut org, ADMIN, Command::AddUser(nu)).unwrap();
    let terminal = Command::AddTerminal {
        name: "Hangar 2".into(),
        login: "kiosk1".into(),
    };
    run(&mut org, ADMIN, terminal).unwrap();
    let tess = Actor {
        operator: 2,
        acting_as: None,
    };
    run(&mut org, tess, Command::SetPin { hash: HASH.into() }).unwrap();
    org
}

/// One attempt as `tess` at `at`; applies it and says how it ended.
fn attempt(org: &mut Organisation, verified: bool, at: DateTime<Utc>) -> (Attempt, &'static str) {
    let target = sign_in_target(org, "kiosk1", "tess", at).unwrap();
    let k = plan_attempt(org, "kiosk1", &target, verified, at).unwrap();
    org.apply(&k.change);
    (k.attempt, k.command.name())
}

#[test]
fn kiosk_fifth_wrong_pin_locks_for_15_minutes_and_success_resets() {
    let mut org = workshop();
    assert_eq!(attempt(&mut org, false, t0()).0, Attempt::Refused);
    assert_eq!(attempt(&mut org, true, t0()).0, Attempt::SignedIn(2));
    assert_eq!(org.pins[&2].failures, 0, "a success resets the count");
    for _ in 0..4 {
        assert_eq!(
            attempt(&mut org, false, t0()),
            (Attempt::Refused, "kiosk failure")
        );
    }
    let until = t0() + Duration::minutes(15);
    assert_eq!(
        attempt(&mut org, false, t0()),
        (Attempt::Locked(until), "kiosk lock")
    );
    // Locked: even the right PIN is refused, and nothing more changes.
    let at = t0() + Duration::minutes(14);
    assert_eq!(
        attempt(&mut org, true, at),
        (Attempt::Locked(until), "kiosk failure")
    );
    assert_eq!(attempt(&mut org, true, until).0, Attempt::SignedIn(2));
}

#[test]
fn kiosk_unknown_person_is_refused_like_a_wrong_pin_and_changes_nothing() {
    let org = workshop();
    for who in ["nobody", "#2", "ada@example.org-not"] {
        let target = sign_in_target(&org, "kiosk1", who, t0()).unwrap();
        assert_eq!(target.user, None, "{who}");
        let k = plan_attempt(&org, "kiosk1", &target, false, t0()).unwrap();
        assert_eq!(k.attempt, Attempt::Refused);
        assert!(k.change.puts.is_empty());
    }
    // A login that is no terminal signs nobody in.
    assert!(sign_in_target(&org, "tess", "tess", t0()).is_err());
    let t = Target {
        user: Some(2),
        hash: Some(HASH.into()),
        locked_until: None,
    };
    assert!(plan_attempt(&org, "tess", &t, true, t0()).is_err());
}

#[test]
fn kiosk_terminal_and_pin_commands_need_their_rights() {
    let mut org = workshop();
    let tess = Actor {
        operator: 2,
        acting_as: None,
    };
    let add = Command::AddTerminal {
        name: "Desk".into(),
        login: "desk1".into(),
    };
    assert!(matches!(
        run(&mut org, tess, add),
        Err(DomainError::Forbidden(_))
    ));
    let reset = Command::ResetPin {
        user: "tess".into(),
    };
    assert!(matches!(
        run(&mut org, tess, reset.clone()),
        Err(DomainError::Forbidden(_))
    ));
    run(&mut org, ADMIN, reset.clone()).unwrap();
    assert_eq!(org.pins[&2].hash, None);
    assert!(
        run(&mut org, ADMIN, reset).is_err(),
        "nothing left to reset"
    );
    let as_tess = Actor {
        operator: 1,
        acting_as: Some(2),
    };
    let set = Command::SetPin { hash: HASH.into() };
    assert!(
        run(&mut org, as_tess, set).is_err(),
        "never as someone else"
    );
    let plain = Command::SetPin {
        hash: "240617".into(),
    };
    assert!(run(&mut org, tess, plain).is_err(), "only a hash is stored");
    let sign_in = Command::KioskSignIn {
        terminal: "kiosk1".into(),
        user: 2,
    };
    assert!(run(&mut org, ADMIN, sign_in).is_err(), "only at a terminal");
}
