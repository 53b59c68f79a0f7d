//! Delegated administration, required fields and read-only deactivated
//! users, on the operator preset (Flylogs, seed 003).

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::command::{Command, NewUser, RolePolicyEdit, UserEdit};
use super::delegation::delegations;
use super::error::DomainError;
use super::holdings::Until;
use super::org::Organisation;
use super::proptests::org_from_preset;
use super::rules::{plan, Actor};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).unwrap()
}

const ADMIN: Actor = Actor {
    operator: 1,
    acting_as: None,
};

fn by(id: u32) -> Actor {
    Actor {
        operator: id,
        acting_as: None,
    }
}

fn run(org: &mut Organisation, who: Actor, cmd: Command) -> Result<(), DomainError> {
    let ch = plan(org, who, &cmd, t0())?;
    org.apply(&ch);
    Ok(())
}

fn new_user(login: &str, email: bool, roles: &[&str]) -> Command {
    Command::AddUser(NewUser {
        given: login.into(),
        family: "Test".into(),
        email: email.then(|| format!("{login}@test.example")),
        login: Some(login.into()),
        roles: roles.iter().map(|r| r.to_string()).collect(),
        access_until: None,
    })
}

fn add(org: &mut Organisation, who: Actor, login: &str, roles: &[&str]) -> u32 {
    run(org, who, new_user(login, true, roles)).unwrap();
    org.resolve_user(login).unwrap().id
}

fn family(user: &str, name: &str) -> Command {
    Command::EditUser {
        user: user.into(),
        edit: UserEdit {
            family: Some(name.into()),
            ..Default::default()
        },
    }
}

fn escalation(r: Result<(), DomainError>, needle: &str) {
    assert!(
        matches!(&r, Err(DomainError::Escalation(m)) if m.contains(needle)),
        "expected an escalation naming '{needle}': {r:?}"
    );
}

/// "Human resources manager: Create and manage any other company user" and
/// "Pilot management can be performed by any Company administrator,
/// Operations manager or Human Resources manager".
#[test]
fn human_resources_manages_pilots_without_their_flying_rights() {
    let mut org = org_from_preset("operator");
    let hr = add(&mut org, ADMIN, "hr", &["Human Resources Manager"]);
    // A pilot without email: no login either.
    run(
        &mut org,
        by(hr),
        Command::AddUser(NewUser {
            given: "Pia".into(),
            family: "Holm".into(),
            email: None,
            login: None,
            roles: vec!["Pilot".into()],
            access_until: None,
        }),
    )
    .unwrap();
    let pia = org
        .users
        .values()
        .find(|u| u.given == "Pia")
        .unwrap()
        .handle();
    run(&mut org, by(hr), family(&pia, "Lund")).unwrap();
    let assign = |role: &str| Command::AssignRole {
        user: pia.clone(),
        role: role.into(),
        until: None,
    };
    run(&mut org, by(hr), assign("Flight Instructor")).unwrap();
    run(
        &mut org,
        by(hr),
        Command::UnassignRole {
            user: pia.clone(),
            role: "Pilot".into(),
        },
    )
    .unwrap();
    run(&mut org, by(hr), Command::Deactivate { user: pia.clone() }).unwrap();
    run(&mut org, by(hr), Command::Reactivate { user: pia.clone() }).unwrap();
    run(&mut org, by(hr), Command::DeleteUser { user: pia.clone() }).unwrap();
    // Staff too, Operations Manager included.
    add(&mut org, by(hr), "om", &["Operations Manager"]);
    run(&mut org, by(hr), family("om", "Berg")).unwrap();
}

/// Delegation is by role, not by level: HR still grants nothing it lacks,
/// and never reaches an administrator (a deviation from the seed's matrix,
/// which shows HR's "Manage users" with no caveat).
#[test]
fn human_resources_never_reaches_an_administrator_nor_grants_what_it_lacks() {
    let mut org = org_from_preset("operator");
    let hr = add(&mut org, ADMIN, "hr", &["Human Resources Manager"]);
    add(&mut org, ADMIN, "pil", &["Pilot"]);
    add(&mut org, ADMIN, "boss", &["Company Administrator"]);
    escalation(run(&mut org, by(hr), family("boss", "X")), "exceeds yours");
    escalation(
        run(
            &mut org,
            by(hr),
            Command::Deactivate {
                user: "boss".into(),
            },
        ),
        "exceeds yours",
    );
    escalation(
        run(
            &mut org,
            by(hr),
            Command::AssignRole {
                user: "pil".into(),
                role: "Company Administrator".into(),
                until: None,
            },
        ),
        "more than you hold",
    );
    escalation(
        run(
            &mut org,
            by(hr),
            Command::Grant {
                user: "pil".into(),
                permission: "flights.edit".into(),
                level: "all".into(),
                until: None,
            },
        ),
        "cannot grant",
    );
    // A pilot with a personal grant beyond HR's levels is beyond HR.
    run(
        &mut org,
        ADMIN,
        Command::Grant {
            user: "pil".into(),
            permission: "billing.manage".into(),
            level: "view".into(),
            until: None,
        },
    )
    .unwrap();
    escalation(run(&mut org, by(hr), family("pil", "X")), "billing.manage");
}

/// "An operator assigns an assignable role only for as long as they hold
/// the role that makes it assignable."
#[test]
fn delegation_lasts_as_long_as_the_role_that_gives_it() {
    let mut org = org_from_preset("operator");
    let until = t0().date_naive() + Duration::days(10);
    let hr = add(&mut org, ADMIN, "hr", &["Student Pilot"]);
    run(
        &mut org,
        ADMIN,
        Command::AssignRole {
            user: "hr".into(),
            role: "Human Resources Manager".into(),
            until: Some(until),
        },
    )
    .unwrap();
    let d = delegations(&org, org.user(hr).unwrap(), t0());
    let pilot = org.resolve_role("Pilot").unwrap().id;
    let p = d.iter().find(|x| x.role == pilot).unwrap();
    assert_eq!(p.until, Some(Until::Day(until)));
    add(&mut org, ADMIN, "pil", &["Captain"]);
    let assign = |u| Command::AssignRole {
        user: "pil".into(),
        role: "Pilot".into(),
        until: u,
    };
    escalation(run(&mut org, by(hr), assign(None)), "only until");
    escalation(
        run(&mut org, by(hr), assign(Some(until + Duration::days(1)))),
        "only until",
    );
    run(&mut org, by(hr), assign(Some(until))).unwrap();
    // A new pilot for good: refused; until the day HR's role ends: fine.
    escalation(
        run(&mut org, by(hr), new_user("p2", false, &["Pilot"])),
        "for good",
    );
    run(
        &mut org,
        by(hr),
        Command::AddUser(NewUser {
            access_until: Some(until),
            ..match new_user("p3", false, &["Pilot"]) {
                Command::AddUser(n) => n,
                _ => unreachable!(),
            }
        }),
    )
    .unwrap();
    // Lifting the pilot's access expiry beyond that: refused.
    escalation(
        run(
            &mut org,
            by(hr),
            Command::EditUser {
                user: "p3".into(),
                edit: UserEdit {
                    access_until: Some(None),
                    ..Default::default()
                },
            },
        ),
        "users.manage",
    );
}

/// "Assignable roles never include a role that can itself assign roles or
/// any administrative permission … that the operator lacks."
#[test]
fn delegation_never_hands_out_more_administration_than_the_delegate_has() {
    let mut org = org_from_preset("operator");
    org.settings.role_required = false;
    let policy = |role: &str, list: &[&str]| Command::SetRolePolicy {
        role: role.into(),
        edit: RolePolicyEdit {
            assignable: Some(list.iter().map(|s| s.to_string()).collect()),
            requires_email: None,
        },
    };
    let add_role = |name: &str| Command::AddRole {
        name: name.into(),
        description: String::new(),
        copy_from: None,
    };
    let set = |role: &str, perm: &str, level: &str| Command::SetRoleLevels {
        role: role.into(),
        levels: vec![(perm.into(), level.into())],
    };
    // Desk: manages users and lets its holders assign pilots.
    run(&mut org, ADMIN, add_role("Desk")).unwrap();
    run(&mut org, ADMIN, set("Desk", "users.manage", "yes")).unwrap();
    run(&mut org, ADMIN, policy("Desk", &["Pilot"])).unwrap();
    // Junior: manages users and may assign Desk, but not pilots.
    run(&mut org, ADMIN, add_role("Junior")).unwrap();
    run(&mut org, ADMIN, set("Junior", "users.manage", "yes")).unwrap();
    run(&mut org, ADMIN, policy("Junior", &["Desk"])).unwrap();
    // Imp: may act as others; listed for HR.
    run(&mut org, ADMIN, add_role("Imp")).unwrap();
    run(&mut org, ADMIN, set("Imp", "users.impersonate", "yes")).unwrap();
    run(
        &mut org,
        ADMIN,
        policy("Human Resources Manager", &["Pilot", "Imp"]),
    )
    .unwrap();
    let junior = add(&mut org, ADMIN, "junior", &["Junior"]);
    let hr = add(&mut org, ADMIN, "hr", &["Human Resources Manager"]);
    add(&mut org, ADMIN, "x", &[]);
    let d = delegations(&org, org.user(junior).unwrap(), t0());
    assert!(
        d[0].refused.as_deref().unwrap().contains("assign Pilot"),
        "{d:?}"
    );
    let assign = |role: &str| Command::AssignRole {
        user: "x".into(),
        role: role.into(),
        until: None,
    };
    // Desk's levels are within Junior's, but Desk lets its holders assign
    // Pilot, which Junior may not.
    escalation(run(&mut org, by(junior), assign("Desk")), "assign Pilot");
    let d = delegations(&org, org.user(hr).unwrap(), t0());
    let imp = org.resolve_role("Imp").unwrap().id;
    assert!(d.iter().any(|x| x.role == imp && x.until.is_none()));
    escalation(run(&mut org, by(hr), assign("Imp")), "users.impersonate");
    run(&mut org, by(hr), assign("Pilot")).unwrap();
    // Junior lists Desk, which lists Pilot: HR may assign both, so HR
    // manages a Junior holder. A holder of a role that lists Imp, HR may not.
    run(&mut org, by(hr), family("junior", "X")).unwrap();
    run(&mut org, ADMIN, add_role("Lister")).unwrap();
    run(&mut org, ADMIN, policy("Lister", &["Imp"])).unwrap();
    add(&mut org, ADMIN, "l", &["Lister"]);
    escalation(run(&mut org, by(hr), family("l", "X")), "assign Imp");
}

#[test]
fn assignable_roles_are_set_by_role_managers_within_what_they_may_assign() {
    let mut org = org_from_preset("operator");
    let hr = add(&mut org, ADMIN, "hr", &["Human Resources Manager"]);
    let policy = |list: &[&str]| Command::SetRolePolicy {
        role: "Crew Scheduling".into(),
        edit: RolePolicyEdit {
            assignable: Some(list.iter().map(|s| s.to_string()).collect()),
            requires_email: None,
        },
    };
    let r = run(&mut org, by(hr), policy(&["Pilot"]));
    assert!(matches!(&r, Err(DomainError::Forbidden(m)) if m.contains("roles.manage")));
    let r = run(&mut org, ADMIN, policy(&["Company Administrator"]));
    assert!(matches!(&r, Err(DomainError::Invalid(m)) if m.contains("never assignable")));
    run(&mut org, ADMIN, policy(&["Pilot"])).unwrap();
    let cs = org.resolve_role("Crew Scheduling").unwrap();
    assert_eq!(cs.assignable.len(), 1);
    // A role others list stays until it is taken off their lists.
    let r = run(
        &mut org,
        ADMIN,
        Command::RemoveRole {
            role: "Pilot".into(),
        },
    );
    assert!(matches!(&r, Err(DomainError::Conflict(m)) if m.contains("assignable by")));
    // A copy lets its holders assign what the original does.
    run(
        &mut org,
        ADMIN,
        Command::AddRole {
            name: "HR 2".into(),
            description: String::new(),
            copy_from: Some("Human Resources Manager".into()),
        },
    )
    .unwrap();
    let copy = org.resolve_role("HR 2").unwrap();
    let hr_role = org.resolve_role("Human Resources Manager").unwrap();
    assert_eq!(copy.assignable, hr_role.assignable);
    assert!(copy.requires_email);
}

/// "All staff members require at least … Email address … User type";
/// "pilots can be created without email address".
#[test]
fn staff_need_an_email_and_everyone_a_role_but_pilots_need_no_email() {
    let mut org = org_from_preset("operator");
    let invalid = |r: Result<(), DomainError>, needle: &str| {
        assert!(
            matches!(&r, Err(DomainError::Invalid(m)) if m.contains(needle)),
            "{r:?}"
        )
    };
    invalid(
        run(
            &mut org,
            ADMIN,
            new_user("om", false, &["Operations Manager"]),
        ),
        "role Operations Manager requires an email",
    );
    invalid(
        run(&mut org, ADMIN, new_user("nobody", true, &[])),
        "needs a role",
    );
    run(&mut org, ADMIN, new_user("pil", false, &["Pilot"])).unwrap();
    run(&mut org, ADMIN, new_user("cc", false, &["Cabin Crew"])).unwrap();
    invalid(
        run(
            &mut org,
            ADMIN,
            Command::AssignRole {
                user: "pil".into(),
                role: "Flight Dispatcher".into(),
                until: None,
            },
        ),
        "requires an email",
    );
    invalid(
        run(
            &mut org,
            ADMIN,
            Command::UnassignRole {
                user: "pil".into(),
                role: "Pilot".into(),
            },
        ),
        "needs a role",
    );
    add(&mut org, ADMIN, "fd", &["Flight Dispatcher"]);
    invalid(
        run(
            &mut org,
            ADMIN,
            Command::EditUser {
                user: "fd".into(),
                edit: UserEdit {
                    email: Some(None),
                    ..Default::default()
                },
            },
        ),
        "requires an email",
    );
    // Another preset requires neither.
    let mut mro = org_from_preset("maintenance");
    run(&mut mro, ADMIN, new_user("nobody", false, &[])).unwrap();
}
