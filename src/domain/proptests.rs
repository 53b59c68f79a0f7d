//! Property tests for the access algebra and a state-machine test of random
//! commands by random operators.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use proptest::prelude::*;

use super::command::{Command, InitOrganisation, NewUser};
use super::engine::{effective_levels, within};
use super::org::{Organisation, Record};
use super::roles::Role;
use super::rules::{self, Actor};
use super::users::{PersonalGrant, RoleAssignment};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).unwrap()
}

/// A fresh organisation from a preset, with its first administrator (#1, login "root").
pub(crate) fn org_from_preset(name: &str) -> Organisation {
    let p = crate::presets::load(name).unwrap();
    let init = InitOrganisation {
        settings: p.settings.clone(),
        admin_role_name: p.admin_role_name.clone(),
        roles: p.roles.clone(),
        admin: NewUser {
            given: "Ada".into(),
            family: "Admin".into(),
            email: Some("ada@example.org".into()),
            login: Some("root".into()),
            roles: vec![],
            access_until: None,
        },
    };
    let change = rules::plan_init(&init, now()).unwrap();
    let mut org = Organisation::new(
        p.settings.clone(),
        BTreeMap::new(),
        BTreeMap::new(),
        BTreeMap::new(),
        BTreeMap::new(),
        Default::default(),
    );
    org.apply(&change);
    org
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Adding roles or grants never lowers any effective level (join is monotone),
    /// and the effective level contains every source in force.
    #[test]
    fn join_is_monotone_and_grants_never_lower(
        role_picks in prop::collection::vec(0usize..16, 0..4),
        grants in prop::collection::vec((0usize..64, any::<u8>()), 0..6),
        extra_role in 0usize..16,
        extra_grant in (0usize..64, any::<u8>()),
    ) {
        let mut org = org_from_preset("operator");
        let roles: Vec<Role> = org.roles.values().cloned().collect();
        let n = org.catalog().len();
        let mut u = org.users[&1].clone();
        u.id = 99;
        u.login = None;
        u.email = None;
        u.roles.clear();
        for r in &role_picks {
            let role = &roles[r % roles.len()];
            if u.assignment(role.id).is_none() {
                u.roles.push(RoleAssignment { role: role.id, until: None, by: 1, at: now() });
            }
        }
        for (p, l) in &grants {
            let p = p % n;
            let perm = org.catalog().get(p).clone();
            let level = l & perm.scale.top();
            if level != 0 && perm.scale.is_valid(level) && u.grant(&perm.key).is_none() {
                u.grants.push(PersonalGrant { permission: perm.key.clone(), level, until: None, by: 1, at: now() });
            }
        }
        org.users.insert(99, u.clone());
        let before = effective_levels(&org, &u, now()).levels;
        for a in &u.roles {
            let rv = org.roles[&a.role].level_vector(org.catalog());
            prop_assert!(within(&rv, &before), "a role's levels are not within the effective levels");
        }
        for g in &u.grants {
            let i = org.catalog().index_of(&g.permission).unwrap();
            prop_assert_eq!(before[i] & g.level, g.level);
        }
        // Add one more role and one more grant: nothing may go down.
        let mut more = u.clone();
        let role = &roles[extra_role % roles.len()];
        if more.assignment(role.id).is_none() {
            more.roles.push(RoleAssignment { role: role.id, until: None, by: 1, at: now() });
        }
        let p = extra_grant.0 % n;
        let perm = org.catalog().get(p).clone();
        let level = extra_grant.1 & perm.scale.top();
        if level != 0 && perm.scale.is_valid(level) {
            more.grants.retain(|g| g.permission != perm.key);
            let old = u.grant(&perm.key).map_or(0, |g| g.level);
            more.grants.push(PersonalGrant { permission: perm.key.clone(), level: level | old, until: None, by: 1, at: now() });
        }
        let after = effective_levels(&org, &more, now()).levels;
        prop_assert!(within(&before, &after), "adding a role or grant lowered a level");
    }

    /// Expired sources give nothing, and the next change is the earliest expiry.
    #[test]
    fn expired_sources_give_nothing(days in prop::collection::vec(-30i64..30, 1..5)) {
        let org0 = org_from_preset("maintenance");
        let mut org = org0.clone();
        let role = org.roles.values().find(|r| !r.builtin_admin).unwrap().clone();
        let mut u = org.users[&1].clone();
        u.id = 50;
        u.login = None;
        u.email = None;
        u.roles = vec![];
        let today = now().date_naive();
        for d in &days {
            u.roles.retain(|a| a.role != role.id);
            u.roles.push(RoleAssignment { role: role.id, until: Some(today + Duration::days(*d)), by: 1, at: now() });
        }
        org.users.insert(50, u.clone());
        let e = effective_levels(&org, &u, now());
        let last = *days.last().unwrap();
        let rv = role.level_vector(org.catalog());
        if last < 0 {
            prop_assert!(e.levels.iter().all(|l| *l == 0));
            prop_assert_eq!(e.next_change, None);
        } else {
            prop_assert!(within(&rv, &e.levels));
            prop_assert_eq!(e.next_change, Some(super::users::end_of(today + Duration::days(last))));
        }
    }
}

/// One random step: which operator, which command.
#[derive(Debug, Clone)]
enum Step {
    AddUser {
        op: usize,
        role: usize,
    },
    Assign {
        op: usize,
        target: usize,
        role: usize,
        until: Option<i64>,
    },
    Unassign {
        op: usize,
        target: usize,
        role: usize,
    },
    Grant {
        op: usize,
        target: usize,
        perm: usize,
        level: u8,
        until: Option<i64>,
    },
    Ungrant {
        op: usize,
        target: usize,
        perm: usize,
    },
    Deactivate {
        op: usize,
        target: usize,
    },
    Reactivate {
        op: usize,
        target: usize,
    },
    Delete {
        op: usize,
        target: usize,
    },
    Expire {
        op: usize,
        target: usize,
        days: Option<i64>,
    },
    SetRole {
        op: usize,
        role: usize,
        perm: usize,
        level: u8,
    },
    Impersonate {
        op: usize,
        target: usize,
        role: usize,
        user: usize,
    },
}

fn arb_step() -> impl Strategy<Value = Step> {
    let u = 0usize..32;
    let r = 0usize..32;
    let p = 0usize..64;
    let until = prop::option::of(-3i64..40);
    prop_oneof![
        (u.clone(), r.clone()).prop_map(|(op, role)| Step::AddUser { op, role }),
        (u.clone(), u.clone(), r.clone(), until.clone()).prop_map(|(op, target, role, until)| {
            Step::Assign {
                op,
                target,
                role,
                until,
            }
        }),
        (u.clone(), u.clone(), r.clone()).prop_map(|(op, target, role)| Step::Unassign {
            op,
            target,
            role
        }),
        (u.clone(), u.clone(), p.clone(), any::<u8>(), until.clone()).prop_map(
            |(op, target, perm, level, until)| Step::Grant {
                op,
                target,
                perm,
                level,
                until
            }
        ),
        (u.clone(), u.clone(), p.clone()).prop_map(|(op, target, perm)| Step::Ungrant {
            op,
            target,
            perm
        }),
        (u.clone(), u.clone()).prop_map(|(op, target)| Step::Deactivate { op, target }),
        (u.clone(), u.clone()).prop_map(|(op, target)| Step::Reactivate { op, target }),
        (u.clone(), u.clone()).prop_map(|(op, target)| Step::Delete { op, target }),
        (u.clone(), u.clone(), until).prop_map(|(op, target, days)| Step::Expire {
            op,
            target,
            days
        }),
        (u.clone(), r.clone(), p, any::<u8>()).prop_map(|(op, role, perm, level)| Step::SetRole {
            op,
            role,
            perm,
            level
        }),
        (u.clone(), u.clone(), r, u).prop_map(|(op, target, role, user)| Step::Impersonate {
            op,
            target,
            role,
            user
        }),
    ]
}

fn pick<T: Clone>(v: &[T], i: usize) -> T {
    v[i % v.len()].clone()
}

fn run_steps(preset: &str, steps: &[Step]) -> Result<(), TestCaseError> {
    let mut org = org_from_preset(preset);
    let mut t = now();
    // Start with one holder of every role, added by the administrator.
    let admin = Actor {
        operator: 1,
        acting_as: None,
    };
    let role_names: Vec<String> = org.roles.values().map(|r| r.name.clone()).collect();
    for (i, name) in role_names.iter().enumerate() {
        let cmd = Command::AddUser(NewUser {
            given: format!("U{i}"),
            family: "Seed".into(),
            email: None,
            login: Some(format!("u{i}")),
            roles: vec![name.clone()],
            access_until: None,
        });
        let ch =
            rules::plan(&org, admin, &cmd, t).map_err(|e| TestCaseError::fail(e.to_string()))?;
        org.apply(&ch);
    }
    let perms: Vec<String> = org
        .catalog()
        .permissions
        .iter()
        .map(|p| p.key.clone())
        .collect();
    let mut accepted = 0;
    for (n, step) in steps.iter().enumerate() {
        t += Duration::hours(7);
        let today: NaiveDate = t.date_naive();
        let ids: Vec<u32> = org.users.keys().copied().collect();
        let user = |i: usize| format!("#{}", pick(&ids, i));
        let roles: Vec<String> = org.roles.values().map(|r| r.name.clone()).collect();
        let (op, cmd, acting_as) = match step.clone() {
            Step::AddUser { op, role } => (
                op,
                Command::AddUser(NewUser {
                    given: format!("N{n}"),
                    family: "New".into(),
                    email: None,
                    login: Some(format!("n{n}")),
                    roles: vec![pick(&roles, role)],
                    access_until: None,
                }),
                None,
            ),
            Step::Assign {
                op,
                target,
                role,
                until,
            } => (
                op,
                Command::AssignRole {
                    user: user(target),
                    role: pick(&roles, role),
                    until: until.map(|d| today + Duration::days(d)),
                },
                None,
            ),
            Step::Unassign { op, target, role } => (
                op,
                Command::UnassignRole {
                    user: user(target),
                    role: pick(&roles, role),
                },
                None,
            ),
            Step::Grant {
                op,
                target,
                perm,
                level,
                until,
            } => {
                let key = pick(&perms, perm);
                let p = org.catalog().get(org.catalog().index_of(&key).unwrap());
                let word = p.scale.level_word(level & p.scale.top());
                (
                    op,
                    Command::Grant {
                        user: user(target),
                        permission: key,
                        level: word,
                        until: until.map(|d| today + Duration::days(d)),
                    },
                    None,
                )
            }
            Step::Ungrant { op, target, perm } => (
                op,
                Command::Ungrant {
                    user: user(target),
                    permission: pick(&perms, perm),
                },
                None,
            ),
            Step::Deactivate { op, target } => {
                (op, Command::Deactivate { user: user(target) }, None)
            }
            Step::Reactivate { op, target } => {
                (op, Command::Reactivate { user: user(target) }, None)
            }
            Step::Delete { op, target } => (op, Command::DeleteUser { user: user(target) }, None),
            Step::Expire { op, target, days } => (
                op,
                Command::EditUser {
                    user: user(target),
                    edit: super::command::UserEdit {
                        access_until: Some(days.map(|d| today + Duration::days(d))),
                        ..Default::default()
                    },
                },
                None,
            ),
            Step::SetRole {
                op,
                role,
                perm,
                level,
            } => {
                let key = pick(&perms, perm);
                let p = org.catalog().get(org.catalog().index_of(&key).unwrap());
                let word = p.scale.level_word(level & p.scale.top());
                (
                    op,
                    Command::SetRoleLevels {
                        role: pick(&roles, role),
                        levels: vec![(key, word)],
                    },
                    None,
                )
            }
            Step::Impersonate {
                op,
                target,
                role,
                user: as_user,
            } => (
                op,
                Command::AssignRole {
                    user: user(target),
                    role: pick(&roles, role),
                    until: None,
                },
                Some(pick(&ids, as_user)),
            ),
        };
        // A quarter of the steps come from the first administrator, the rest
        // from anyone (managers, technicians, the deactivated, the deleted).
        let operator = if op < 8 { 1 } else { pick(&ids, op) };
        let Ok(actor) = rules::actor(&org, operator, acting_as, t) else {
            continue;
        };
        let me = org.user(actor.effective()).unwrap().clone();
        let mine = effective_levels(&org, &me, t).levels;
        let Ok(change) = rules::plan(&org, actor, &cmd, t) else {
            continue;
        };
        accepted += 1;
        // No escalation: nothing gained by anyone lies outside the actor's own levels.
        for put in &change.puts {
            match (&put.before, &put.after) {
                (b, Some(Record::User(after))) => {
                    let gained_after = effective_levels(&org, after, t).levels;
                    let before_levels = match b {
                        Some(Record::User(bu)) => effective_levels(&org, bu, t).levels,
                        _ => vec![0; gained_after.len()],
                    };
                    for (i, (a, b)) in gained_after.iter().zip(&before_levels).enumerate() {
                        let gained = a & !b;
                        prop_assert!(
                            gained & !mine[i] == 0,
                            "step {n} {:?} by #{} gave {} bits {gained:#b} beyond the actor's",
                            step,
                            actor.effective(),
                            perms[i]
                        );
                    }
                    if let Some(Record::User(bu)) = b {
                        prop_assert!(!bu.is_deleted(), "step {n}: a deleted user was changed");
                        let theirs = super::engine::potential_levels(&org, bu, t);
                        prop_assert!(
                            within(&theirs, &mine),
                            "step {n}: edited a user whose access exceeds the actor's"
                        );
                    }
                }
                (Some(Record::Role(b)), Some(Record::Role(a))) => {
                    let (bv, av) = (b.level_vector(org.catalog()), a.level_vector(org.catalog()));
                    for i in 0..bv.len() {
                        if bv[i] != av[i] {
                            prop_assert!(
                                (bv[i] | av[i]) & !mine[i] == 0,
                                "step {n}: role cell beyond the actor's level"
                            );
                        }
                    }
                }
                _ => {}
            }
        }
        org.apply(&change);
        prop_assert!(
            org.users.values().any(|u| org.is_permanent_admin(u, t)),
            "step {n} {:?} left no active administrator",
            step
        );
    }
    ACCEPTED.fetch_add(accepted, std::sync::atomic::Ordering::Relaxed);
    TRIED.fetch_add(steps.len(), std::sync::atomic::Ordering::Relaxed);
    Ok(())
}

static ACCEPTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
static TRIED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// ≥ 256 random command sequences by random operators: no escalation ever
    /// succeeds and an active administrator always remains.
    #[test]
    fn random_commands_never_escalate_and_keep_an_administrator(
        preset in prop::sample::select(vec!["operator", "maintenance", "flight-school", "club"]),
        steps in prop::collection::vec(arb_step(), 1..40),
    ) {
        run_steps(preset, &steps)?;
    }
}

/// The state-machine test is only meaningful if many random commands succeed.
#[test]
fn random_commands_mostly_reach_the_rules() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strat = (
        prop::sample::select(vec!["operator", "maintenance"]),
        prop::collection::vec(arb_step(), 30..40),
    );
    runner
        .run(&strat, |(preset, steps)| run_steps(preset, &steps))
        .unwrap();
    let accepted = ACCEPTED.load(std::sync::atomic::Ordering::Relaxed);
    let tried = TRIED.load(std::sync::atomic::Ordering::Relaxed);
    eprintln!("state machine: {accepted} of {tried} random commands accepted");
    assert!(
        accepted * 10 >= tried,
        "only {accepted} of {tried} random commands were accepted"
    );
}
