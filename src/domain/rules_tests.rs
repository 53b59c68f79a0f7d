//! Unit tests of the rules, one situation each, on in-memory organisations.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};

use super::authorizations::{AircraftType, AuthorizationStatus, SignoffRequest};
use super::command::{Command, NewAuthorization, NewQualification, NewUser, UserEdit};
use super::engine::{check, effective_levels, required_level, Requirement};
use super::error::DomainError;
use super::org::Organisation;
use super::proptests::org_from_preset;
use super::rules::{actor, plan, Actor};

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

fn add(org: &mut Organisation, login: &str, roles: &[&str]) -> u32 {
    run(
        org,
        ADMIN,
        Command::AddUser(NewUser {
            given: login.into(),
            family: "Test".into(),
            // Staff roles of the operator preset require an email.
            email: Some(format!("{login}@test.example")),
            login: Some(login.into()),
            roles: roles.iter().map(|r| r.to_string()).collect(),
            access_until: None,
        }),
    )
    .unwrap();
    org.resolve_user(login).unwrap().id
}

fn as_user(id: u32) -> Actor {
    Actor {
        operator: id,
        acting_as: None,
    }
}

fn allowed(
    org: &Organisation,
    login: &str,
    perm: &str,
    level: Option<&str>,
    rel: &[&str],
    at: DateTime<Utc>,
) -> bool {
    let u = org.resolve_user(login).unwrap();
    let p = org.catalog().resolve(perm).unwrap();
    let req = required_level(
        &org.catalog().get(p).scale,
        &Requirement {
            level: level.map(str::to_string),
            relations: rel.iter().map(|s| s.to_string()).collect(),
        },
    )
    .unwrap();
    check(org, u, p, req, &Default::default(), at).allowed
}

#[test]
fn operations_manager_cannot_manage_the_administrator_but_can_manage_a_pilot() {
    let mut org = org_from_preset("operator");
    let ops = add(&mut org, "ops", &["Operations Manager"]);
    add(&mut org, "pia", &["Pilot"]);
    let edit = |u: &str| Command::EditUser {
        user: u.into(),
        edit: UserEdit {
            given: Some("X".into()),
            ..Default::default()
        },
    };
    assert!(matches!(
        run(&mut org, as_user(ops), edit("root")),
        Err(DomainError::Escalation(_))
    ));
    run(&mut org, as_user(ops), edit("pia")).unwrap();
}

#[test]
fn operator_without_users_manage_is_forbidden() {
    let mut org = org_from_preset("operator");
    let pia = add(&mut org, "pia", &["Pilot"]);
    let r = run(
        &mut org,
        as_user(pia),
        Command::Deactivate {
            user: "root".into(),
        },
    );
    assert!(matches!(r, Err(DomainError::Forbidden(_))), "{r:?}");
}

#[test]
fn granting_or_assigning_more_than_you_hold_is_escalation() {
    let mut org = org_from_preset("operator");
    org.settings.role_required = false;
    // Without assignable roles (delegated administration), HR assigns only
    // roles whose levels it holds.
    let hr_role = org.resolve_role("Human Resources Manager").unwrap().id;
    org.roles.get_mut(&hr_role).unwrap().assignable.clear();
    let hr = add(&mut org, "hr", &["Human Resources Manager"]);
    add(&mut org, "nobody", &[]);
    let grant = Command::Grant {
        user: "nobody".into(),
        permission: "billing.manage".into(),
        level: "view".into(),
        until: None,
    };
    assert!(matches!(
        run(&mut org, as_user(hr), grant),
        Err(DomainError::Escalation(_))
    ));
    let assign = Command::AssignRole {
        user: "nobody".into(),
        role: "Pilot".into(),
        until: None,
    };
    assert!(matches!(
        run(&mut org, as_user(hr), assign),
        Err(DomainError::Escalation(_))
    ));
    let set = Command::SetRoleLevels {
        role: "Pilot".into(),
        levels: vec![("billing.manage".into(), "manage".into())],
    };
    // HR cannot edit roles at all (rule 1) ...
    let r = run(&mut org, as_user(hr), set.clone());
    assert!(
        matches!(&r, Err(DomainError::Forbidden(m)) if m.contains("roles.manage")),
        "{r:?}"
    );
    // ... and with roles.manage but without billing, it is escalation (rule 2).
    run(
        &mut org,
        ADMIN,
        Command::Grant {
            user: "hr".into(),
            permission: "roles.manage".into(),
            level: "yes".into(),
            until: None,
        },
    )
    .unwrap();
    let r = run(&mut org, as_user(hr), set.clone());
    assert!(
        matches!(&r, Err(DomainError::Escalation(m)) if m.contains("billing.manage")),
        "{r:?}"
    );
    assert!(matches!(run(&mut org, ADMIN, set), Ok(())));
}

#[test]
fn the_last_administrator_cannot_go_by_any_route() {
    let mut org = org_from_preset("maintenance");
    let admin_role = org.role(org.settings.admin_role).unwrap().name.clone();
    // A second administrator, only for three days: root stays the last one
    // who holds the role for good, and nobody may take that away.
    let soon = t0().date_naive() + Duration::days(3);
    let temp = add(&mut org, "temp", &[]);
    run(
        &mut org,
        ADMIN,
        Command::AssignRole {
            user: "temp".into(),
            role: admin_role.clone(),
            until: Some(soon),
        },
    )
    .unwrap();
    let no_login = UserEdit {
        login: Some(None),
        ..Default::default()
    };
    for cmd in [
        Command::UnassignRole {
            user: "root".into(),
            role: admin_role.clone(),
        },
        Command::AssignRole {
            user: "root".into(),
            role: admin_role.clone(),
            until: Some(soon),
        },
        Command::EditUser {
            user: "root".into(),
            edit: UserEdit {
                access_until: Some(Some(soon)),
                ..Default::default()
            },
        },
        Command::EditUser {
            user: "root".into(),
            edit: no_login.clone(),
        },
        Command::Deactivate {
            user: "root".into(),
        },
        Command::DeleteUser {
            user: "root".into(),
        },
    ] {
        let before = org.clone();
        let r = run(&mut org, as_user(temp), cmd.clone());
        match r {
            Err(DomainError::LastAdministrator(m)) => {
                assert!(
                    m.contains("root is the last active account administrator"),
                    "{m}"
                )
            }
            other => panic!("{cmd:?} gave {other:?}"),
        }
        assert_eq!(org, before);
    }
    // Root cannot unbind their own login either (the lock-out route).
    let r = run(
        &mut org,
        ADMIN,
        Command::EditUser {
            user: "root".into(),
            edit: no_login,
        },
    );
    assert!(matches!(r, Err(DomainError::LastAdministrator(_))), "{r:?}");
    // With a second permanent administrator, the first may step down.
    let second = add(&mut org, "second", &[&admin_role]);
    run(
        &mut org,
        as_user(second),
        Command::UnassignRole {
            user: "root".into(),
            role: admin_role.clone(),
        },
    )
    .unwrap();
    let r = run(
        &mut org,
        as_user(temp),
        Command::UnassignRole {
            user: "second".into(),
            role: admin_role,
        },
    );
    assert!(matches!(r, Err(DomainError::LastAdministrator(_))), "{r:?}");
}

#[test]
fn the_builtin_administrator_role_cannot_be_edited_or_removed() {
    let mut org = org_from_preset("flight-school");
    let name = org.role(org.settings.admin_role).unwrap().name.clone();
    let set = Command::SetRoleLevels {
        role: name.clone(),
        levels: vec![("aircraft.access".into(), "view".into())],
    };
    assert!(matches!(
        run(&mut org, ADMIN, set),
        Err(DomainError::Immutable(_))
    ));
    assert!(matches!(
        run(&mut org, ADMIN, Command::RemoveRole { role: name }),
        Err(DomainError::Immutable(_))
    ));
}

#[test]
fn a_deleted_user_is_a_tombstone() {
    let mut org = org_from_preset("club");
    add(&mut org, "gone", &["Pilot/FI"]);
    run(
        &mut org,
        ADMIN,
        Command::DeleteUser {
            user: "gone".into(),
        },
    )
    .unwrap();
    for cmd in [
        Command::Reactivate {
            user: "gone".into(),
        },
        Command::EditUser {
            user: "gone".into(),
            edit: UserEdit {
                given: Some("Back".into()),
                ..Default::default()
            },
        },
        Command::AssignRole {
            user: "gone".into(),
            role: "Editor".into(),
            until: None,
        },
    ] {
        assert!(matches!(
            run(&mut org, ADMIN, cmd),
            Err(DomainError::Immutable(_))
        ));
    }
    assert!(!allowed(&org, "gone", "users.view", None, &[], t0()));
}

#[test]
fn reactivating_a_user_beyond_your_access_is_escalation() {
    let mut org = org_from_preset("operator");
    let ops = add(&mut org, "ops", &["Operations Manager"]);
    let admin_role = org.role(org.settings.admin_role).unwrap().name.clone();
    add(&mut org, "other_admin", &[&admin_role]);
    run(
        &mut org,
        ADMIN,
        Command::Deactivate {
            user: "other_admin".into(),
        },
    )
    .unwrap();
    let r = run(
        &mut org,
        as_user(ops),
        Command::Reactivate {
            user: "other_admin".into(),
        },
    );
    assert!(matches!(r, Err(DomainError::Escalation(_))), "{r:?}");
}

#[test]
fn time_limited_assignment_and_grant_stop_giving_access() {
    let mut org = org_from_preset("operator");
    org.settings.role_required = false;
    add(&mut org, "eva", &[]);
    let until = t0().date_naive() + Duration::days(7);
    run(
        &mut org,
        ADMIN,
        Command::AssignRole {
            user: "eva".into(),
            role: "Auditor".into(),
            until: Some(until),
        },
    )
    .unwrap();
    run(
        &mut org,
        ADMIN,
        Command::Grant {
            user: "eva".into(),
            permission: "safety.manage".into(),
            level: "own".into(),
            until: Some(until),
        },
    )
    .unwrap();
    let last = until.and_hms_opt(23, 59, 0).unwrap().and_utc();
    assert!(allowed(&org, "eva", "flights.view", None, &["other"], last));
    assert!(allowed(&org, "eva", "safety.manage", None, &["own"], last));
    let after = last + Duration::minutes(2);
    assert!(!allowed(
        &org,
        "eva",
        "flights.view",
        None,
        &["other"],
        after
    ));
    assert!(!allowed(
        &org,
        "eva",
        "safety.manage",
        None,
        &["own"],
        after
    ));
    let e = effective_levels(&org, org.resolve_user("eva").unwrap(), t0());
    assert_eq!(e.next_change, Some(super::zone::Zone::UTC.end_of(until)));
}

#[test]
fn invited_deactivated_and_expired_users_hold_nothing() {
    let mut org = org_from_preset("operator");
    run(
        &mut org,
        ADMIN,
        Command::AddUser(NewUser {
            given: "In".into(),
            family: "Vited".into(),
            email: Some("in@x.org".into()),
            login: None,
            roles: vec!["Pilot".into()],
            access_until: None,
        }),
    )
    .unwrap();
    assert!(!allowed(
        &org,
        "in@x.org",
        "flights.view",
        None,
        &["own"],
        t0()
    ));
    add(&mut org, "dee", &["Pilot"]);
    run(&mut org, ADMIN, Command::Deactivate { user: "dee".into() }).unwrap();
    // The operator preset lets deactivated users read their own records.
    assert!(allowed(&org, "dee", "flights.view", None, &["own"], t0()));
    assert!(!allowed(&org, "dee", "flights.edit", None, &["own"], t0()));
    org.settings.deactivated_read_own = false;
    assert!(!allowed(&org, "dee", "flights.view", None, &["own"], t0()));
    add(&mut org, "exp", &["Pilot"]);
    let d = t0().date_naive();
    run(
        &mut org,
        ADMIN,
        Command::EditUser {
            user: "exp".into(),
            edit: UserEdit {
                access_until: Some(Some(d)),
                ..Default::default()
            },
        },
    )
    .unwrap();
    assert!(allowed(&org, "exp", "flights.view", None, &["own"], t0()));
    assert!(!allowed(
        &org,
        "exp",
        "flights.view",
        None,
        &["own"],
        t0() + Duration::days(1)
    ));
}

#[test]
fn impersonation_needs_the_right_and_stays_within_the_operator() {
    let mut org = org_from_preset("operator");
    let pia = add(&mut org, "pia", &["Pilot"]);
    let ops = add(&mut org, "ops", &["Operations Manager"]);
    assert!(matches!(
        actor(&org, pia, Some(ops), t0()),
        Err(DomainError::Forbidden(_))
    ));
    assert!(actor(&org, 1, Some(pia), t0()).is_ok());
    // Acting as a pilot, the administrator has only the pilot's rights.
    let a = actor(&org, 1, Some(pia), t0()).unwrap();
    let r = run(&mut org, a, Command::Deactivate { user: "ops".into() });
    assert!(matches!(r, Err(DomainError::Forbidden(_))), "{r:?}");
}

#[test]
fn bad_input_is_refused_with_a_message() {
    let mut org = org_from_preset("maintenance");
    let bad = |given: &str, email: Option<&str>| {
        Command::AddUser(NewUser {
            given: given.into(),
            family: "F".into(),
            email: email.map(str::to_string),
            login: None,
            roles: vec![],
            access_until: None,
        })
    };
    for (cmd, needle) in [
        (bad("", None), "must not be empty"),
        (bad(&"x".repeat(201), None), "too long"),
        (bad("a\u{7}b", None), "control"),
        (bad("Ok", Some("not-an-email")), "malformed email"),
        (bad("Ok", Some("ADA@example.org")), "already in use"),
        (
            Command::SetRoleLevels {
                role: "Stores".into(),
                levels: vec![("inventory.access".into(), "own".into())],
            },
            "does not exist on the access scale",
        ),
        (
            Command::SetRoleLevels {
                role: "Stores".into(),
                levels: vec![("nope.nope".into(), "view".into())],
            },
            "unknown permission",
        ),
        (
            Command::AssignRole {
                user: "root".into(),
                role: "Pilot".into(),
                until: None,
            },
            "unknown role",
        ),
    ] {
        let before = org.clone();
        let e = run(&mut org, ADMIN, cmd).unwrap_err().to_string();
        assert!(e.contains(needle), "expected '{needle}' in '{e}'");
        assert_eq!(org, before);
    }
}

fn signoff_fixture() -> Organisation {
    let mut org = org_from_preset("maintenance");
    add(
        &mut org,
        "tech",
        &["Workshop technician", "Certifying staff"],
    );
    add(&mut org, "plain", &["Workshop technician"]);
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    for (who, kind, number, expires) in [
        ("tech", "licence", "L-1", "2030-01-01"),
        ("tech", "continuation-training", "CT-1", "2026-08-31"),
    ] {
        run(
            &mut org,
            ADMIN,
            Command::AddQualification(NewQualification {
                holder: who.into(),
                kind: kind.into(),
                number: number.into(),
                categories: vec!["B1".into()],
                type_ratings: vec!["ATR72".into()],
                issued: d("2024-09-01"),
                expires: Some(d(expires)),
            }),
        )
        .unwrap();
    }
    for (reference, kind, bases) in [("CS-1", "B1", vec![1, 2]), ("IN-1", "INSP", vec![1])] {
        run(
            &mut org,
            ADMIN,
            Command::AddAuthorization(Box::new(NewAuthorization {
                holder: "tech".into(),
                reference: reference.into(),
                kind: kind.into(),
                aircraft_types: vec!["ATR72".into()],
                systems: vec!["21-36".into()],
                stations: vec!["EKBI".into()],
                limitations: String::new(),
                first_issue: None,
                effective_from: d("2026-01-01"),
                expires: Some(d("2027-06-30")),
                bases,
            })),
        )
        .unwrap();
    }
    org
}

fn signoff(
    org: &Organisation,
    who: &str,
    kind: &str,
    ty: &str,
    sys: Option<u8>,
    date: &str,
    performed_by: Option<u32>,
) -> super::authorizations::SignoffDecision {
    let u = org.resolve_user(who).unwrap();
    let k = org.kind(kind).unwrap();
    let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
    let req = SignoffRequest {
        kind: k.code.clone(),
        aircraft_type: AircraftType::parse(ty).unwrap(),
        system: sys,
        station: Some("EKBI".into()),
        date,
        performed_by,
    };
    super::signoff::signoff(org, u, &req).unwrap()
}

#[test]
fn signoff_names_the_covering_authorization() {
    let org = signoff_fixture();
    let d = signoff(
        &org,
        "tech",
        "B1",
        "ATR72:600",
        Some(32),
        "2026-07-01",
        None,
    );
    assert!(d.allowed, "{d:?}");
    assert_eq!(d.covering.as_deref(), Some("CS-1"));
}

#[test]
fn signoff_lists_every_failure_with_its_fix() {
    let org = signoff_fixture();
    // After the continuation training lapsed, on another system.
    let d = signoff(&org, "tech", "B1", "ATR72", Some(52), "2026-09-15", None);
    assert!(!d.allowed);
    let text: Vec<String> = d
        .failures
        .iter()
        .map(|f| format!("{} / {}", f.condition, f.fix))
        .collect();
    assert!(
        text[0].contains("ATA 52") && text[0].contains("extend scope to ATA 52"),
        "{text:?}"
    );
    assert!(
        text.iter()
            .any(|t| t.contains("renew continuation training")),
        "{text:?}"
    );
    // No permission and no authorization at all.
    let d = signoff(&org, "plain", "B1", "ATR72", None, "2026-07-01", None);
    assert!(
        d.failures[0].condition.contains("signoffs.complete"),
        "{:?}",
        d.failures
    );
    assert!(d.failures.iter().any(|f| f.fix.contains("issue a B1")));
}

#[test]
fn inspection_needs_someone_other_than_who_did_the_work() {
    let org = signoff_fixture();
    let tech = org.resolve_user("tech").unwrap().id;
    let plain = org.resolve_user("plain").unwrap().id;
    assert!(
        signoff(
            &org,
            "tech",
            "INSP",
            "ATR72",
            Some(27),
            "2026-07-01",
            Some(plain)
        )
        .allowed
    );
    let d = signoff(
        &org,
        "tech",
        "INSP",
        "ATR72",
        Some(27),
        "2026-07-01",
        Some(tech),
    );
    assert!(
        !d.allowed && d.failures[0].condition.contains("independent"),
        "{d:?}"
    );
}

#[test]
fn suspended_and_expired_authorizations_do_not_cover() {
    let mut org = signoff_fixture();
    run(
        &mut org,
        ADMIN,
        Command::SetAuthorizationStatus {
            reference: "CS-1".into(),
            status: AuthorizationStatus::Suspended,
            reason: "audit finding".into(),
        },
    )
    .unwrap();
    let d = signoff(&org, "tech", "B1", "ATR72", Some(32), "2026-07-01", None);
    assert!(
        d.failures[0].fix.contains("reinstate authorization CS-1"),
        "{d:?}"
    );
    run(
        &mut org,
        ADMIN,
        Command::SetAuthorizationStatus {
            reference: "CS-1".into(),
            status: AuthorizationStatus::Active,
            reason: "closed".into(),
        },
    )
    .unwrap();
    let d = signoff(&org, "tech", "B1", "ATR72", Some(32), "2027-07-01", None);
    assert!(
        d.failures
            .iter()
            .any(|f| f.fix == "renew authorization CS-1"),
        "{d:?}"
    );
    // Status changes need a reason and a legal transition.
    let r = run(
        &mut org,
        ADMIN,
        Command::SetAuthorizationStatus {
            reference: "CS-1".into(),
            status: AuthorizationStatus::Revoked,
            reason: " ".into(),
        },
    );
    assert!(
        matches!(&r, Err(DomainError::Invalid(m)) if m.contains("reason must not be empty")),
        "{r:?}"
    );
    // Revoked is final: no way back to active.
    run(
        &mut org,
        ADMIN,
        Command::SetAuthorizationStatus {
            reference: "CS-1".into(),
            status: AuthorizationStatus::Revoked,
            reason: "left the company".into(),
        },
    )
    .unwrap();
    let r = run(
        &mut org,
        ADMIN,
        Command::SetAuthorizationStatus {
            reference: "CS-1".into(),
            status: AuthorizationStatus::Active,
            reason: "back".into(),
        },
    );
    assert!(
        matches!(&r, Err(DomainError::Conflict(m)) if m.contains("is revoked; cannot make it active")),
        "{r:?}"
    );
}

#[test]
fn authorization_dates_follow_the_kind_policy() {
    let mut org = signoff_fixture();
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let mk = |reference: &str, from: &str, expires: Option<&str>| {
        Command::AddAuthorization(Box::new(NewAuthorization {
            holder: "tech".into(),
            reference: reference.into(),
            kind: "B1".into(),
            aircraft_types: vec![],
            systems: vec![],
            stations: vec![],
            limitations: String::new(),
            first_issue: None,
            effective_from: d(from),
            expires: expires.map(d),
            bases: vec![],
        }))
    };
    for (cmd, needle) in [
        (
            mk("X-1", "2026-01-01", Some("2025-12-31")),
            "before the effective date",
        ),
        (
            mk("X-2", "2026-01-01", Some("2028-01-02")),
            "maximum validity",
        ),
        (mk("X-3", "2026-01-01", None), "requires an expiry"),
        (
            mk("cs-1", "2026-01-01", Some("2027-01-01")),
            "already in use",
        ),
    ] {
        let e = run(&mut org, ADMIN, cmd).unwrap_err().to_string();
        assert!(e.contains(needle), "expected '{needle}' in '{e}'");
    }
}

#[test]
fn extending_an_authorization_scope_makes_the_signoff_pass() {
    let mut org = signoff_fixture();
    assert!(!signoff(&org, "tech", "B1", "ATR72", Some(52), "2026-07-01", None).allowed);
    run(
        &mut org,
        ADMIN,
        Command::EditAuthorization {
            reference: "CS-1".into(),
            edit: super::command::AuthorizationEdit {
                systems: Some(vec!["21-36".into(), "52".into()]),
                ..Default::default()
            },
        },
    )
    .unwrap();
    assert!(signoff(&org, "tech", "B1", "ATR72", Some(52), "2026-07-01", None).allowed);
    // A basis must be the holder's own qualification.
    let other = add(&mut org, "other", &[]);
    run(
        &mut org,
        ADMIN,
        Command::AddQualification(NewQualification {
            holder: "other".into(),
            kind: "licence".into(),
            number: "L-9".into(),
            categories: vec![],
            type_ratings: vec![],
            issued: NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
            expires: None,
        }),
    )
    .unwrap();
    let _ = other;
    let e = run(
        &mut org,
        ADMIN,
        Command::EditAuthorization {
            reference: "CS-1".into(),
            edit: super::command::AuthorizationEdit {
                bases: Some(vec![3]),
                ..Default::default()
            },
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("belongs to someone else"), "{e}");
}

#[test]
fn kinds_are_configured_by_authorization_managers_only() {
    let mut org = org_from_preset("maintenance");
    let tech = add(&mut org, "tech", &["Workshop technician"]);
    let kind = |code: &str, months: Option<u32>| super::authorizations::AuthorizationKind {
        code: code.into(),
        name: "EWIS inspection".into(),
        expiry_required: true,
        max_validity_months: months,
        warning_days: 30,
        independent: true,
        requires: vec![],
        explicit_types: false,
        reason_required: false,
    };
    assert!(matches!(
        run(
            &mut org,
            as_user(tech),
            Command::SetKind(kind("EWIS", Some(24)))
        ),
        Err(DomainError::Forbidden(_))
    ));
    let r = run(&mut org, ADMIN, Command::SetKind(kind("E W", Some(24))));
    assert!(
        matches!(&r, Err(DomainError::Invalid(m)) if m.contains("malformed kind code 'E W'")),
        "{r:?}"
    );
    let r = run(&mut org, ADMIN, Command::SetKind(kind("EWIS", Some(0))));
    assert!(
        matches!(&r, Err(DomainError::Invalid(m)) if m.contains("maximum validity must be 1 to 600 months")),
        "{r:?}"
    );
    run(&mut org, ADMIN, Command::SetKind(kind("ewis", Some(24)))).unwrap();
    assert_eq!(org.kind("EWIS").unwrap().max_validity_months, Some(24));
    // Changing the policy replaces the kind with the same code.
    run(&mut org, ADMIN, Command::SetKind(kind("EWIS", Some(12)))).unwrap();
    assert_eq!(
        org.settings
            .kinds
            .iter()
            .filter(|k| k.code == "EWIS")
            .count(),
        1
    );
    assert_eq!(org.kind("ewis").unwrap().max_validity_months, Some(12));
}

#[test]
fn a_deleted_holders_qualifications_and_authorizations_are_history() {
    let mut org = signoff_fixture();
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    run(
        &mut org,
        ADMIN,
        Command::DeleteUser {
            user: "tech".into(),
        },
    )
    .unwrap();
    for cmd in [
        Command::EditQualification {
            id: 1,
            edit: super::command::QualificationEdit {
                number: Some("L-2".into()),
                ..Default::default()
            },
        },
        Command::RenewAuthorization {
            reference: "CS-1".into(),
            effective_from: None,
            expires: d("2027-12-31"),
        },
        Command::EditAuthorization {
            reference: "CS-1".into(),
            edit: super::command::AuthorizationEdit {
                stations: Some(vec![]),
                ..Default::default()
            },
        },
    ] {
        let r = run(&mut org, ADMIN, cmd.clone());
        assert!(
            matches!(r, Err(DomainError::Immutable(_))),
            "{cmd:?} gave {r:?}"
        );
    }
    // Revoking what a departed person held stays possible, for the record.
    run(
        &mut org,
        ADMIN,
        Command::SetAuthorizationStatus {
            reference: "CS-1".into(),
            status: AuthorizationStatus::Revoked,
            reason: "left the organisation".into(),
        },
    )
    .unwrap();
}
