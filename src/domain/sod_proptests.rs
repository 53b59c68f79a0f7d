//! Separation of duties as a state machine: random assignments, grants,
//! unassignments and role edits (some with exceptions) by the first
//! administrator, on a moving clock, against the maintenance preset's rules
//! and two more. No accepted command ever gives anyone a violation that no
//! exception covers and that they did not have before — judged by an oracle
//! written apart from `domain::sod`.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use proptest::prelude::*;

use super::command::{Command, NewUser};
use super::org::Organisation;
use super::proptests::org_from_preset;
use super::rules::{self, Actor};
use super::sod::SodMembers;

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).unwrap()
}

const ADMIN: Actor = Actor {
    operator: 1,
    acting_as: None,
};

/// The permissions the rules name, and a few more.
const PERMS: [&str; 8] = [
    "purchase_orders.approve",
    "receiving_inspections.complete",
    "invoices.approve",
    "work_orders.release",
    "signoffs.complete",
    "inventory.adjust",
    "time_entries.view",
    "order_requests.create",
];

#[derive(Debug, Clone)]
enum Step {
    Assign(usize, usize, Option<i64>),
    Unassign(usize, usize),
    Grant(usize, usize, Option<i64>),
    Ungrant(usize, usize),
    RoleSet(usize, usize),
    RoleUnset(usize, usize),
}

fn arb_step() -> impl Strategy<Value = (Step, Option<i64>, i64)> {
    let until = prop::option::of(0i64..20);
    let step = prop_oneof![
        (0usize..6, 0usize..8, until.clone()).prop_map(|(u, r, d)| Step::Assign(u, r, d)),
        (0usize..6, 0usize..8).prop_map(|(u, r)| Step::Unassign(u, r)),
        (0usize..6, 0usize..8, until).prop_map(|(u, p, d)| Step::Grant(u, p, d)),
        (0usize..6, 0usize..8).prop_map(|(u, p)| Step::Ungrant(u, p)),
        (0usize..8, 0usize..8).prop_map(|(r, p)| Step::RoleSet(r, p)),
        (0usize..8, 0usize..8).prop_map(|(r, p)| Step::RoleUnset(r, p)),
    ];
    // One step in four asks for an exception of a few days; the clock
    // moves up to two days between steps.
    (step, prop::option::weighted(0.25, 0i64..10), 0i64..48)
}

/// The (rule, user) pairs broken with no exception, the oracle's way: the
/// levels of the roles and grants in force (whatever the person's standing),
/// the built-in administrator outside the rules.
fn open(org: &Organisation, day: NaiveDate) -> BTreeSet<(u32, u32)> {
    let mut out = BTreeSet::new();
    for u in org.users.values().filter(|u| !u.is_deleted()) {
        let roles: Vec<_> = u
            .roles
            .iter()
            .filter(|a| a.until.is_none_or(|d| d >= day))
            .filter_map(|a| org.roles.get(&a.role))
            .collect();
        if roles.iter().any(|r| r.builtin_admin) {
            continue;
        }
        let level = |key: &str| {
            let from_roles = roles
                .iter()
                .fold(0u8, |l, r| l | r.levels.get(key).copied().unwrap_or(0));
            let from_grant = u
                .grants
                .iter()
                .filter(|g| g.permission == key && g.until.is_none_or(|d| d >= day))
                .fold(0u8, |l, g| l | g.level);
            from_roles | from_grant
        };
        for rule in org.sod_rules.values().filter(|r| r.removed.is_none()) {
            let broken = match &rule.members {
                SodMembers::Permissions(ps) => ps.iter().all(|p| {
                    let l = level(&p.key);
                    if p.level == 0 {
                        l != 0
                    } else {
                        l & p.level == p.level
                    }
                }),
                SodMembers::Roles(ids) => ids.iter().all(|id| roles.iter().any(|r| r.id == *id)),
            };
            let excepted = rule
                .exceptions
                .iter()
                .any(|e| e.user == u.id && e.until >= day);
            if broken && !excepted {
                out.insert((rule.id, u.id));
            }
        }
    }
    out
}

fn setup() -> Organisation {
    let mut org = org_from_preset("maintenance");
    let p = crate::presets::load("maintenance").unwrap();
    let mut cmds = vec![p.sod_command().unwrap()];
    cmds.push(Command::AddSodRule {
        name: "own-time".into(),
        reason: String::new(),
        permissions: vec!["time_entries.view=other".into(), "inventory.adjust".into()],
        roles: vec![],
    });
    cmds.push(Command::AddSodRule {
        name: "stores-or-purchasing".into(),
        reason: String::new(),
        permissions: vec![],
        roles: vec!["Stores".into(), "Purchasing".into()],
    });
    for i in 0..6 {
        cmds.push(Command::AddUser(NewUser {
            given: format!("U{i}"),
            family: "Seed".into(),
            email: None,
            login: Some(format!("u{i}")),
            roles: vec![],
            access_until: None,
        }));
    }
    for c in cmds {
        let ch = rules::plan(&org, ADMIN, &c, start()).unwrap();
        org.apply(&ch);
    }
    org
}

fn command(org: &Organisation, step: &Step, day: NaiveDate) -> Command {
    let roles: Vec<String> = org
        .roles
        .values()
        .filter(|r| !r.builtin_admin)
        .map(|r| r.name.clone())
        .collect();
    let user = |i: usize| format!("u{i}");
    let role = |i: usize| roles[i % roles.len()].clone();
    let perm = |i: usize| PERMS[i % PERMS.len()].to_string();
    let top = |p: &str| {
        let i = org.catalog().index_of(p).unwrap();
        let s = &org.catalog().get(i).scale;
        s.level_word(s.top())
    };
    let until = |d: &Option<i64>| d.map(|d| day + Duration::days(d));
    match step {
        Step::Assign(u, r, d) => Command::AssignRole {
            user: user(*u),
            role: role(*r),
            until: until(d),
        },
        Step::Unassign(u, r) => Command::UnassignRole {
            user: user(*u),
            role: role(*r),
        },
        Step::Grant(u, p, d) => Command::Grant {
            user: user(*u),
            permission: perm(*p),
            level: top(&perm(*p)),
            until: until(d),
        },
        Step::Ungrant(u, p) => Command::Ungrant {
            user: user(*u),
            permission: perm(*p),
        },
        Step::RoleSet(r, p) => Command::SetRoleLevels {
            role: role(*r),
            levels: vec![(perm(*p), top(&perm(*p)))],
        },
        Step::RoleUnset(r, p) => Command::SetRoleLevels {
            role: role(*r),
            levels: vec![(perm(*p), "none".into())],
        },
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn no_command_creates_a_violation_without_an_exception(
        steps in prop::collection::vec(arb_step(), 1..40),
    ) {
        let mut org = setup();
        let mut t = start();
        for (step, exception, hours) in &steps {
            t += Duration::hours(*hours);
            let day = org.day_of(t);
            let mut cmd = command(&org, step, day);
            if let Some(d) = exception {
                cmd = Command::SodExcepted {
                    reason: "cover".into(),
                    until: day + Duration::days(*d),
                    command: Box::new(cmd),
                };
            }
            let before = open(&org, day);
            if let Ok(ch) = rules::plan(&org, ADMIN, &cmd, t) {
                org.apply(&ch);
                let after = open(&org, day);
                let new: Vec<_> = after.difference(&before).collect();
                prop_assert!(new.is_empty(), "{cmd:?} created {new:?}");
            }
        }
    }
}

/// The test above means something only if commands are refused for
/// separation of duties and done with exceptions, both.
#[test]
fn refusals_and_exceptions_both_happen() {
    let mut org = setup();
    let day = org.day_of(start());
    let assign = |role: &str| Command::AssignRole {
        user: "u0".into(),
        role: role.into(),
        until: None,
    };
    let ch = rules::plan(&org, ADMIN, &assign("Stores"), start()).unwrap();
    org.apply(&ch);
    let e = rules::plan(&org, ADMIN, &assign("Purchasing"), start()).unwrap_err();
    assert!(e.to_string().contains("u0"), "{e}");
    let excepted = Command::SodExcepted {
        reason: "cover".into(),
        until: day + Duration::days(3),
        command: Box::new(assign("Purchasing")),
    };
    let ch = rules::plan(&org, ADMIN, &excepted, start()).unwrap();
    org.apply(&ch);
    assert!(open(&org, day).is_empty());
    assert!(!open(&org, day + Duration::days(4)).is_empty());
}
