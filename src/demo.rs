//! The sample organisation of `clearance demo` and the synthetic one of
//! `clearance seed`, both built through commands (the one write path).

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::domain::command::{Command, NewAuthorization, NewQualification, NewUser};
use crate::ops::code_hash;

const GIVEN: [&str; 40] = [
    "Mara", "Jonas", "Ingrid", "Tomasz", "Aisha", "Henrik", "Lucía", "Pieter", "Sofie", "Rafael",
    "Noor", "Emil", "Chiara", "Kwame", "Freya", "Mateo", "Hanna", "Oskar", "Leila", "Bjørn",
    "Yuki", "Anders", "Priya", "Luca", "Elin", "Dmitri", "Amara", "Niels", "Zofia", "Karim",
    "Astrid", "Felix", "Ines", "Gustav", "Maja", "Olumide", "Clara", "Viktor", "Selma", "Jakob",
];
const FAMILY: [&str; 40] = [
    "Lindqvist",
    "Berg",
    "Haugen",
    "Nowak",
    "Rahman",
    "Dahl",
    "Moreno",
    "de Vries",
    "Jensen",
    "Costa",
    "Haddad",
    "Larsen",
    "Romano",
    "Mensah",
    "Holm",
    "García",
    "Virtanen",
    "Nyberg",
    "Farouk",
    "Eriksen",
    "Tanaka",
    "Sørensen",
    "Iyer",
    "Ferrari",
    "Strand",
    "Volkov",
    "Okafor",
    "Kjær",
    "Kowalska",
    "Mansour",
    "Lund",
    "Weber",
    "Duarte",
    "Lindgren",
    "Nielsen",
    "Adeyemi",
    "Schulz",
    "Petrov",
    "Aalto",
    "Brandt",
];

fn login_of(i: usize) -> String {
    let g: String = GIVEN[i]
        .chars()
        .filter(|c| c.is_ascii_alphabetic())
        .collect();
    let f: String = FAMILY[i]
        .chars()
        .filter(|c| c.is_ascii_alphabetic())
        .collect();
    format!(
        "{}{}",
        g.to_ascii_lowercase().chars().next().unwrap_or('x'),
        f.to_ascii_lowercase()
    )
}

fn email_of(i: usize) -> String {
    format!("{}@demo-mro.example", login_of(i))
}

/// The commands that fill the demo organisation, relative to `now`. The
/// operator (user #1) is the account administrator.
pub fn demo_commands(now: DateTime<Utc>) -> Vec<Command> {
    let today = now.date_naive();
    let d = |days: i64| today + Duration::days(days);
    let mut cmds = Vec::new();
    // (index, roles, access until)
    let plan: Vec<(usize, Vec<&str>)> = (0..40)
        .map(|i| {
            let roles = match i {
                0..=4 => vec!["Maintenance planner"],
                5..=16 => vec!["Workshop technician"],
                17..=24 => vec!["Workshop technician", "Certifying staff"],
                25..=28 => vec!["Stores"],
                29..=31 => vec!["Purchasing"],
                32..=34 => vec!["Compliance/airworthiness"],
                35..=36 => vec!["Read-only"],
                37 => vec!["Read-only"], // external auditor, time-limited
                38 => vec!["Workshop technician"], // pending invitation
                _ => vec!["Stores"],     // deactivated
            };
            (i, roles)
        })
        .collect();
    for (i, roles) in &plan {
        let i = *i;
        let (email, login, until) = match i {
            37 => (
                Some(format!("auditor.{}@caa.example", login_of(i))),
                Some(login_of(i)),
                Some(d(7)),
            ),
            38 => (Some(email_of(i)), None, None),
            // Some workshop people are on record without email or login.
            14..=16 => (None, None, None),
            _ => (Some(email_of(i)), Some(login_of(i)), None),
        };
        cmds.push(Command::AddUser(NewUser {
            given: GIVEN[i].into(),
            family: FAMILY[i].into(),
            email,
            login,
            roles: roles.iter().map(|r| r.to_string()).collect(),
            access_until: until,
        }));
    }
    let handle = |i: usize| match i {
        14..=16 => format!("#{}", i + 2),
        38 => email_of(i),
        37 => login_of(i),
        _ => login_of(i),
    };
    cmds.push(Command::Invite {
        user: handle(38),
        code_hash: code_hash("DEMO-INVITE-CODE"),
        expires: now + Duration::days(14),
    });
    cmds.push(Command::Deactivate { user: handle(39) });
    // A stand-in approver for a holiday: a time-limited personal grant.
    cmds.push(Command::Grant {
        user: handle(2),
        permission: "work_orders.release".into(),
        level: "yes".into(),
        until: Some(d(10)),
    });
    // Qualifications and authorizations of the certifying staff (17..=24).
    let mut qual_id = 1u32;
    for (n, i) in (17..=24).enumerate() {
        let licence = qual_id;
        let cont = qual_id + 1;
        qual_id += 2;
        let cat = if n % 3 == 2 { "B2" } else { "B1" };
        cmds.push(Command::AddQualification(NewQualification {
            holder: handle(i),
            kind: "licence".into(),
            number: format!("DK.66.{:04}", 1200 + n),
            categories: vec![cat.into()],
            type_ratings: vec![
                "ATR72".into(),
                if n % 2 == 0 {
                    "DHC8".into()
                } else {
                    "A320".into()
                },
            ],
            issued: d(-2000 + n as i64 * 30),
            expires: Some(d(800 + n as i64 * 20)),
        }));
        // Expiries: two within 30 days, one expired, the rest comfortable.
        let (from, expires) = match n {
            1 => (d(-700), d(12)),
            3 => (d(-690), d(27)),
            4 => (d(-400), d(-5)),
            _ => (d(-300 + n as i64), d(330 + n as i64 * 10)),
        };
        // Continuation training just before the authorization took effect
        // (the kind requires one within 24 months); one has lapsed since.
        let cont_expiry = if n == 5 {
            d(-12)
        } else {
            d(200 + n as i64 * 15)
        };
        cmds.push(Command::AddQualification(NewQualification {
            holder: handle(i),
            kind: "continuation-training".into(),
            number: format!("CT-{}-{:03}", today.format("%Y"), 40 + n),
            categories: vec![],
            type_ratings: vec![],
            issued: from - Duration::days(10),
            expires: Some(cont_expiry),
        }));
        let systems = match n % 3 {
            0 => vec!["21-36".to_string()],
            1 => vec!["21-36".to_string(), "49".to_string()],
            _ => vec![],
        };
        cmds.push(Command::AddAuthorization(Box::new(NewAuthorization {
            holder: handle(i),
            reference: format!("CS-{:03}", 10 + n),
            kind: cat.into(),
            aircraft_types: vec!["ATR72".into()],
            systems,
            stations: vec!["EKBI".into()],
            limitations: if n == 2 {
                "Not valid for engine ground runs.".into()
            } else {
                String::new()
            },
            first_issue: Some(from - Duration::days(365)),
            effective_from: from,
            expires: Some(expires),
            bases: vec![licence, cont],
        })));
        if n % 2 == 0 {
            cmds.push(Command::AddAuthorization(Box::new(NewAuthorization {
                holder: handle(i),
                reference: format!("IN-{:03}", 10 + n),
                kind: "INSP".into(),
                aircraft_types: vec![],
                systems: vec![],
                stations: vec!["EKBI".into(), "EKCH".into()],
                limitations: String::new(),
                first_issue: None,
                effective_from: d(-100),
                expires: Some(d(265 + n as i64)),
                bases: vec![licence],
            })));
        }
    }
    cmds.push(Command::SetAuthorizationStatus {
        reference: "CS-016".into(),
        status: crate::domain::authorizations::AuthorizationStatus::Suspended,
        reason: "Pending investigation of occurrence report 2026-114".into(),
    });
    cmds
}

/// The demo's open access review: everyone's access, due in two weeks,
/// reviewed by the administrator and the head of compliance. The demo
/// administrator gave everyone their access, so this small station lets
/// granters review (each such item shows the risk sign).
pub fn demo_campaign(now: DateTime<Utc>) -> Command {
    Command::StartReview(Box::new(crate::domain::command::NewReview {
        name: "Q1 access review".into(),
        scope: "all".into(),
        reviewers: vec!["#1".into(), login_of(32)],
        due: now.date_naive() + Duration::days(14),
        fallback: crate::domain::reviews::Fallback::None,
        recur_months: Some(3),
        granter_may_review: true,
        bulk_after_secs: Some(30),
        inactive_days: None,
    }))
}

/// A deterministic date for seeded records.
/// What the organisation's separation-of-duties rules keep apart: the
/// permission keys of each permission rule, the role names of each role
/// rule. The seed gives nobody all of one (counting any level as holding).
struct Apart {
    perms: Vec<Vec<String>>,
    roles: Vec<Vec<String>>,
}

impl Apart {
    fn of(org: &crate::domain::org::Organisation) -> Apart {
        use crate::domain::sod::SodMembers;
        let mut a = Apart {
            perms: vec![],
            roles: vec![],
        };
        for r in org.sod_rules.values().filter(|r| r.is_live()) {
            match &r.members {
                SodMembers::Permissions(ps) => {
                    a.perms.push(ps.iter().map(|p| p.key.clone()).collect())
                }
                SodMembers::Roles(ids) => a.roles.push(
                    ids.iter()
                        .filter_map(|id| org.roles.get(id).map(|r| r.name.clone()))
                        .collect(),
                ),
            }
        }
        a
    }

    /// Whether holding the permissions `keys` and the roles `roles` breaks a rule.
    fn broken(&self, keys: &std::collections::BTreeSet<String>, roles: &[String]) -> bool {
        self.perms
            .iter()
            .any(|r| r.iter().all(|k| keys.contains(k)))
            || self
                .roles
                .iter()
                .any(|r| r.iter().all(|n| roles.contains(n)))
    }
}

fn seed_date(base: NaiveDate, n: u64, span: i64) -> NaiveDate {
    base + Duration::days((n.wrapping_mul(2654435761) % span as u64) as i64)
}

/// Commands for a synthetic organisation: `roles` extra roles, `users` users
/// and `auths` authorizations, in batches of `batch` commands. Deterministic.
pub fn seed_batches(
    org: &crate::domain::org::Organisation,
    now: DateTime<Utc>,
    users: usize,
    roles: usize,
    auths: usize,
    batch: usize,
) -> Vec<Vec<Command>> {
    let today = org.day_of(now);
    let existing: Vec<String> = org
        .roles
        .values()
        .filter(|r| !r.builtin_admin)
        .map(|r| r.name.clone())
        .collect();
    let mut role_names = existing.clone();
    let apart = Apart::of(org);
    // The permissions each role gives, to keep the seed within the rules.
    let mut gives: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> = org
        .roles
        .values()
        .filter(|r| !r.builtin_admin)
        .map(|r| {
            let keys = r
                .levels
                .iter()
                .filter(|(_, l)| **l != 0)
                .map(|(k, _)| k.clone());
            (r.name.clone(), keys.collect())
        })
        .collect();
    let mut role_cmds = Vec::new();
    let keys: Vec<(String, String)> = org
        .catalog()
        .permissions
        .iter()
        .map(|p| (p.key.clone(), p.scale.level_word(p.scale.top())))
        .collect();
    let start = org.roles.len();
    for r in 0..roles {
        let name = format!("Seed role {:03}", start + r);
        role_cmds.push(Command::AddRole {
            name: name.clone(),
            description: "synthetic".into(),
            copy_from: None,
        });
        let mut held = std::collections::BTreeSet::new();
        let levels: Vec<(String, String)> = keys
            .iter()
            .enumerate()
            .filter(|(i, _)| {
                (i + r) % 4 == 0
                    && !keys[*i].0.starts_with("users.")
                    && !keys[*i].0.starts_with("roles.")
            })
            .filter(|(_, (k, _))| {
                let mut with = held.clone();
                with.insert(k.clone());
                let ok = !apart.broken(&with, &[]);
                if ok {
                    held = with;
                }
                ok
            })
            .map(|(_, kv)| kv.clone())
            .collect();
        gives.insert(name.clone(), held);
        if !levels.is_empty() {
            role_cmds.push(Command::SetRoleLevels {
                role: name.clone(),
                levels,
            });
        }
        role_names.push(name);
    }
    let mut out: Vec<Vec<Command>> = role_cmds.chunks(batch).map(|c| c.to_vec()).collect();
    let base = org.counters.next_user as usize;
    let mut user_cmds = Vec::with_capacity(users);
    for n in 0..users {
        let id = base + n;
        let pick = |k: usize| role_names[(n * 7 + k * 13) % role_names.len()].clone();
        let mut rs = vec![pick(0)];
        if n % 3 == 0 {
            let both = vec![pick(0), pick(1)];
            let keys = both
                .iter()
                .filter_map(|r| gives.get(r))
                .flatten()
                .cloned()
                .collect();
            if !apart.broken(&keys, &both) {
                rs.push(pick(1));
            }
        }
        rs.dedup();
        user_cmds.push(Command::AddUser(NewUser {
            given: format!("Person{id}"),
            family: format!("Seed{}", n % 997),
            email: (n % 10 != 0).then(|| format!("person{id}@seed.example")),
            login: (n % 10 != 0).then(|| format!("seed{id}")),
            roles: rs,
            access_until: (n % 50 == 0).then(|| seed_date(today, n as u64, 400)),
        }));
    }
    out.extend(user_cmds.chunks(batch).map(|c| c.to_vec()));
    let kinds: Vec<String> = org
        .settings
        .kinds
        .iter()
        .filter(|k| k.max_validity_months.is_none_or(|m| m >= 12))
        // Seeded authorizations rest on no qualifications and carry no reason.
        .filter(|k| k.requires.is_empty() && !k.explicit_types && !k.reason_required)
        .map(|k| k.code.clone())
        .collect();
    if !kinds.is_empty() && users > 0 {
        let mut auth_cmds = Vec::with_capacity(auths);
        let next = org.counters.next_authorization as usize;
        for n in 0..auths {
            let from = today - Duration::days(30 + (n % 200) as i64);
            auth_cmds.push(Command::AddAuthorization(Box::new(NewAuthorization {
                holder: format!("#{}", base + (n * 31) % users),
                reference: format!("SEED-{:06}", next + n),
                kind: kinds[n % kinds.len()].clone(),
                aircraft_types: vec![["ATR72", "A320", "DHC8"][n % 3].into()],
                systems: vec!["21-36".into()],
                stations: vec![],
                limitations: String::new(),
                first_issue: None,
                effective_from: from,
                expires: Some(from + Duration::days(300)),
                bases: vec![],
            })));
        }
        out.extend(auth_cmds.chunks(batch).map(|c| c.to_vec()));
    }
    out
}
