//! Property tests for the access algebra and a state-machine test of random
//! commands by random operators.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use proptest::prelude::*;

use super::command::{Command, InitOrganisation, NewUser};
use super::engine::{effective_levels, within};
use super::org::{Organisation, Record};
use super::proptest_oracles::{delegated_by, held_until, manages, may_assign};
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
        roles: p.init_roles(),
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
            prop_assert_eq!(e.next_change, Some(super::zone::Zone::UTC.end_of(today + Duration::days(last))));
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
    CopyRole {
        op: usize,
        role: usize,
    },
    RemoveRole {
        op: usize,
        role: usize,
    },
    Unbind {
        op: usize,
        target: usize,
    },
    /// Sets the roles a role's holders may assign.
    SetAssignable {
        op: usize,
        role: usize,
        picks: Vec<usize>,
    },
    /// Two steps as one batch.
    Batch(Box<Step>, Box<Step>),
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
        (u.clone(), u.clone(), r.clone(), u.clone()).prop_map(|(op, target, role, user)| {
            Step::Impersonate {
                op,
                target,
                role,
                user,
            }
        }),
        (u.clone(), r.clone()).prop_map(|(op, role)| Step::CopyRole { op, role }),
        (u.clone(), r.clone()).prop_map(|(op, role)| Step::RemoveRole { op, role }),
        (u.clone(), u.clone()).prop_map(|(op, target)| Step::Unbind { op, target }),
        (
            u.clone(),
            r.clone(),
            prop::collection::vec(0usize..32, 0..4)
        )
            .prop_map(|(op, role, picks)| Step::SetAssignable { op, role, picks }),
    ]
}

/// Single steps, and now and then two of them as one batch.
fn arb_step_or_batch() -> impl Strategy<Value = Step> {
    prop_oneof![
        9 => arb_step(),
        1 => (arb_step(), arb_step()).prop_map(|(a, b)| Step::Batch(Box::new(a), Box::new(b))),
    ]
}

fn pick<T: Clone>(v: &[T], i: usize) -> T {
    v[i % v.len()].clone()
}

/// The command a step stands for: (operator pick, command, acting as).
fn command_for(
    step: &Step,
    n: usize,
    org: &Organisation,
    today: NaiveDate,
) -> (usize, Command, Option<u32>) {
    let ids: Vec<u32> = org.users.keys().copied().collect();
    let user = |i: usize| format!("#{}", pick(&ids, i));
    let roles: Vec<String> = org.roles.values().map(|r| r.name.clone()).collect();
    let perms: Vec<String> = org
        .catalog()
        .permissions
        .iter()
        .map(|p| p.key.clone())
        .collect();
    let word = |perm: &str, level: u8| {
        let p = org.catalog().get(org.catalog().index_of(perm).unwrap());
        p.scale.level_word(level & p.scale.top())
    };
    let day = |d: Option<i64>| d.map(|d| today + Duration::days(d));
    match step.clone() {
        Step::AddUser { op, role } => (
            op,
            Command::AddUser(NewUser {
                given: format!("N{n}"),
                family: "New".into(),
                email: Some(format!("n{n}@new.example")),
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
                until: day(until),
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
            let level = word(&key, level);
            (
                op,
                Command::Grant {
                    user: user(target),
                    permission: key,
                    level,
                    until: day(until),
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
        Step::Deactivate { op, target } => (op, Command::Deactivate { user: user(target) }, None),
        Step::Reactivate { op, target } => (op, Command::Reactivate { user: user(target) }, None),
        Step::Delete { op, target } => (op, Command::DeleteUser { user: user(target) }, None),
        Step::Expire { op, target, days } => (
            op,
            Command::EditUser {
                user: user(target),
                edit: super::command::UserEdit {
                    access_until: Some(day(days)),
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
            let level = word(&key, level);
            (
                op,
                Command::SetRoleLevels {
                    role: pick(&roles, role),
                    levels: vec![(key, level)],
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
        Step::CopyRole { op, role } => (
            op,
            Command::AddRole {
                name: format!("Copy {n}"),
                description: String::new(),
                copy_from: Some(pick(&roles, role)),
            },
            None,
        ),
        Step::RemoveRole { op, role } => (
            op,
            Command::RemoveRole {
                role: pick(&roles, role),
            },
            None,
        ),
        Step::Unbind { op, target } => (
            op,
            Command::EditUser {
                user: user(target),
                edit: super::command::UserEdit {
                    login: Some(None),
                    ..Default::default()
                },
            },
            None,
        ),
        Step::SetAssignable { op, role, picks } => (
            op,
            Command::SetRolePolicy {
                role: pick(&roles, role),
                edit: super::command::RolePolicyEdit {
                    assignable: Some(picks.iter().map(|p| pick(&roles, *p)).collect()),
                    requires_email: None,
                },
            },
            None,
        ),
        Step::Batch(a, b) => {
            let (op, first, _) = command_for(&a, n, org, today);
            let (_, second, _) = command_for(&b, n + 1000, org, today);
            (op, Command::Batch(vec![first, second]), None)
        }
    }
}

/// What the state machine saw: commands tried and accepted, per command name.
#[derive(Default)]
struct Stats {
    tried: BTreeMap<&'static str, usize>,
    accepted: BTreeMap<&'static str, usize>,
    by_admin: usize,
    /// Changes to users beyond the actor's own levels, by delegation.
    delegated: usize,
}

/// Runs `steps` on `preset` with its days counted in `zone`.
fn run_steps(preset: &str, zone: &str, steps: &[Step]) -> Result<(), TestCaseError> {
    let mut org = org_from_preset(preset);
    org.settings.time_zone = super::zone::Zone::parse(zone).unwrap();
    let mut t = now();
    // Start with one holder of every role, added by the administrator, half
    // of them for a limited time.
    let admin = Actor {
        operator: 1,
        acting_as: None,
    };
    let role_names: Vec<String> = org.roles.values().map(|r| r.name.clone()).collect();
    for (i, name) in role_names.iter().enumerate() {
        let cmd = Command::AddUser(NewUser {
            given: format!("U{i}"),
            family: "Seed".into(),
            email: Some(format!("u{i}@seed.example")),
            login: Some(format!("u{i}")),
            roles: vec![name.clone()],
            access_until: (i % 2 == 1).then(|| org.day_of(t) + Duration::days(i as i64 % 9)),
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
    let mut stats = Stats::default();
    for (n, step) in steps.iter().enumerate() {
        // A moving clock: expiries pass while the steps run.
        t += Duration::hours(7);
        let (op, cmd, acting_as) = command_for(step, n, &org, org.day_of(t));
        // One step in eight comes from the first administrator, the rest from
        // anyone (managers, technicians, the temporary, the deactivated).
        // Half pick among those who may manage something, so that
        // delegated administration is exercised, not only refused.
        let ids: Vec<u32> = org.users.keys().copied().collect();
        let managers: Vec<u32> = org
            .users
            .values()
            .filter(|u| u.id != 1 && manages(&org, u, t))
            .map(|u| u.id)
            .collect();
        let operator = match op {
            0..4 => 1,
            4..20 if !managers.is_empty() => pick(&managers, op),
            _ => pick(&ids, op),
        };
        *stats.tried.entry(cmd.name()).or_default() += 1;
        let Ok(actor) = rules::actor(&org, operator, acting_as, t) else {
            continue;
        };
        let me = org.user(actor.effective()).unwrap().clone();
        let mine = effective_levels(&org, &me, t).levels;
        let delegated = delegated_by(&org, &me, t);
        let Ok(change) = rules::plan(&org, actor, &cmd, t) else {
            continue;
        };
        *stats.accepted.entry(cmd.name()).or_default() += 1;
        stats.by_admin += usize::from(operator == 1);
        for put in &change.puts {
            match (&put.before, &put.after) {
                (b, Some(Record::User(after))) => {
                    let before = match b {
                        Some(Record::User(bu)) => Some(bu),
                        _ => None,
                    };
                    // Nobody changes their own roles, grants or expiry.
                    if let Some(bu) = before {
                        if bu.id == actor.operator || Some(bu.id) == actor.acting_as {
                            prop_assert!(
                                bu.roles == after.roles
                                    && bu.grants == after.grants
                                    && bu.access_until == after.access_until,
                                "step {n} {step:?}: #{} changed their own access",
                                bu.id
                            );
                        }
                        prop_assert!(!bu.is_deleted(), "step {n}: a deleted user was changed");
                        // Within the actor's access, apart from the roles
                        // the actor may assign by delegation.
                        let mut rest = bu.clone();
                        rest.roles.retain(|a| !delegated.contains_key(&a.role));
                        let theirs = super::engine::potential_levels(&org, &rest, t);
                        prop_assert!(
                            within(&theirs, &mine),
                            "step {n} {step:?}: edited a user whose access exceeds the actor's"
                        );
                        // Nor can they hand out roles the actor could not.
                        for a in rest
                            .roles
                            .iter()
                            .filter(|a| org.zone().holds_until(a.until, t))
                        {
                            let lists = org
                                .roles
                                .get(&a.role)
                                .map(|r| r.assignable.clone())
                                .unwrap_or_default();
                            for y in lists {
                                prop_assert!(
                                    may_assign(&org, &me, &delegated, y, false, t, &mut Default::default()),
                                    "step {n} {step:?}: edited #{} who may assign role #{y}, which the actor may not",
                                    bu.id
                                );
                            }
                        }
                        let full = super::engine::potential_levels(&org, bu, t);
                        stats.delegated += usize::from(!within(&full, &mine));
                    } else {
                        let full = super::engine::potential_levels(&org, after, t);
                        stats.delegated += usize::from(!within(&full, &mine));
                    }
                    // No level held longer than the actor holds it (an
                    // invited user is counted as the active user they become)
                    // — apart from assignments the actor may make by
                    // delegation for as long as they last.
                    let mut live = after.clone();
                    if live.status == super::users::UserStatus::Invited {
                        live.status = super::users::UserStatus::Active;
                    }
                    let access = live.access_until.unwrap_or(NaiveDate::MAX);
                    live.roles.retain(|a| {
                        let lasts = a.until.unwrap_or(NaiveDate::MAX).min(access);
                        delegated.get(&a.role).is_none_or(|d| *d < lasts)
                    });
                    for (i, key) in perms.iter().enumerate() {
                        for bit in 0..8u8 {
                            let Some(will) = held_until(&org, &live, i, bit, t) else {
                                continue;
                            };
                            let was = before.and_then(|bu| held_until(&org, bu, i, bit, t));
                            if was.is_some_and(|w| w >= will) {
                                continue;
                            }
                            let giver = held_until(&org, &me, i, bit, t);
                            prop_assert!(
                                giver.is_some_and(|g| g >= will),
                                "step {n} {step:?} by #{}: #{} holds {key} bit {bit} until {will}, the actor until {giver:?}",
                                actor.effective(),
                                after.id
                            );
                        }
                    }
                }
                (b, Some(Record::Role(a))) => {
                    // Listing or unlisting an assignable role hands out or
                    // takes back the power to assign it, for good.
                    let was = match b {
                        Some(Record::Role(b)) => b.assignable.clone(),
                        _ => Default::default(),
                    };
                    for y in was.symmetric_difference(&a.assignable) {
                        prop_assert!(
                            may_assign(&org, &me, &delegated, *y, true, t, &mut Default::default()),
                            "step {n} {step:?}: role {} lists or unlists role #{y}, which the actor may not assign for good",
                            &a.name
                        );
                    }
                    let av = a.level_vector(org.catalog());
                    let bv = match b {
                        Some(Record::Role(b)) => b.level_vector(org.catalog()),
                        _ => vec![0; av.len()],
                    };
                    for i in 0..bv.len() {
                        if bv[i] != av[i] {
                            prop_assert!(
                                (bv[i] | av[i]) & !mine[i] == 0,
                                "step {n}: role cell beyond the actor's level"
                            );
                        }
                        // Role levels are permanent: added bits need a hold for good.
                        for bit in 0..8u8 {
                            if (av[i] & !bv[i]) & (1 << bit) != 0 {
                                prop_assert_eq!(
                                    held_until(&org, &me, i, bit, t),
                                    Some(NaiveDate::MAX),
                                    "step {} {:?}: role {} got {} bit {} from a temporary hold",
                                    n,
                                    step,
                                    &a.name,
                                    &perms[i],
                                    bit
                                );
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        org.apply(&change);
        prop_assert!(
            org.users.values().any(|u| org.is_permanent_admin(u, t)),
            "step {n} {:?} left no active administrator with a login",
            step
        );
    }
    let mut all = STATS.lock().unwrap();
    for (k, v) in stats.tried {
        *all.tried.entry(k).or_default() += v;
    }
    for (k, v) in stats.accepted {
        *all.accepted.entry(k).or_default() += v;
    }
    all.by_admin += stats.by_admin;
    all.delegated += stats.delegated;
    Ok(())
}

static STATS: std::sync::Mutex<Stats> = std::sync::Mutex::new(Stats {
    tried: BTreeMap::new(),
    accepted: BTreeMap::new(),
    by_admin: 0,
    delegated: 0,
});

/// Days counted at UTC, far east and far west of it, and with a change of clocks.
const ZONES: [&str; 4] = [
    "UTC",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
    "Europe/Oslo",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// ≥ 256 random command sequences by random operators: no escalation ever
    /// succeeds and an active administrator always remains.
    #[test]
    fn random_commands_never_escalate_and_keep_an_administrator(
        preset in prop::sample::select(vec!["operator", "maintenance", "flight-school", "club"]),
        zone in prop::sample::select(ZONES.to_vec()),
        steps in prop::collection::vec(arb_step_or_batch(), 1..40),
    ) {
        run_steps(preset, zone, &steps)?;
    }
}

/// The state-machine test is only meaningful if many random commands
/// succeed, of every kind, and mostly by operators other than the first
/// administrator. Prints what it exercised.
#[test]
fn random_commands_mostly_reach_the_rules() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strat = (
        prop::sample::select(vec!["operator", "maintenance"]),
        prop::sample::select(ZONES.to_vec()),
        prop::collection::vec(arb_step_or_batch(), 30..40),
    );
    runner
        .run(&strat, |(preset, zone, steps)| {
            run_steps(preset, zone, &steps)
        })
        .unwrap();
    let all = STATS.lock().unwrap();
    let tried: usize = all.tried.values().sum();
    let accepted: usize = all.accepted.values().sum();
    eprintln!("state machine: {accepted} of {tried} random commands accepted, {} by the first administrator, {} by delegation", all.by_admin, all.delegated);
    for (k, v) in &all.tried {
        eprintln!(
            "  {k:16} {:5} of {v:5}",
            all.accepted.get(k).copied().unwrap_or(0)
        );
    }
    assert!(
        accepted * 10 >= tried,
        "only {accepted} of {tried} random commands were accepted"
    );
    assert!(
        all.by_admin * 2 < accepted,
        "most accepted commands came from the first administrator"
    );
    assert!(
        all.delegated > 0,
        "no change beyond the actor's own levels was ever made by delegation"
    );
    for name in [
        "role edit",
        "user add",
        "user assign",
        "user grant",
        "role set",
        "role add",
        "user reactivate",
        "batch",
    ] {
        assert!(
            all.accepted.get(name).copied().unwrap_or(0) > 0,
            "no '{name}' was ever accepted"
        );
    }
}
