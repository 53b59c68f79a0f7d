//! Every edit command changes only what it names: an edit naming one field
//! leaves every other field of the record exactly as it was. Records are
//! compared as flattened JSON paths, independently of the rules' code.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use proptest::prelude::*;
use serde_json::Value;

use super::command::{
    AuthorizationEdit, Command, KindEdit, NewAuthorization, NewQualification, NewUser,
    QualificationEdit, UserEdit,
};
use super::org::Organisation;
use super::proptests::org_from_preset;
use super::rules::{plan, Actor};

const ADMIN: Actor = Actor {
    operator: 1,
    acting_as: None,
};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).unwrap()
}

fn day(d: i64) -> NaiveDate {
    t0().date_naive() + Duration::days(d)
}

fn run(org: &mut Organisation, cmd: Command) -> Result<(), String> {
    let ch = plan(org, ADMIN, &cmd, t0()).map_err(|e| e.to_string())?;
    org.apply(&ch);
    Ok(())
}

/// A maintenance organisation with one fully populated person: email, login,
/// access expiry, a role, a grant, a qualification and an authorization.
fn populated() -> Organisation {
    let mut org = org_from_preset("maintenance");
    for cmd in [
        Command::AddUser(NewUser {
            given: "Lena".into(),
            family: "Farouk".into(),
            email: Some("lena@example.org".into()),
            login: Some("lena".into()),
            roles: vec!["Certifying staff".into()],
            access_until: Some(day(300)),
        }),
        Command::Grant {
            user: "lena".into(),
            permission: "inventory.access".into(),
            level: "view".into(),
            until: Some(day(30)),
        },
        Command::AddQualification(NewQualification {
            holder: "lena".into(),
            kind: "licence".into(),
            number: "DK.66.1".into(),
            categories: vec!["B1".into()],
            type_ratings: vec!["ATR72".into()],
            issued: day(-400),
            expires: Some(day(900)),
        }),
        Command::AddQualification(NewQualification {
            holder: "lena".into(),
            kind: "continuation-training".into(),
            number: "CT-1".into(),
            categories: vec![],
            type_ratings: vec![],
            issued: day(-40),
            expires: Some(day(700)),
        }),
        Command::AddAuthorization(Box::new(NewAuthorization {
            holder: "lena".into(),
            reference: "CS-1".into(),
            kind: "B1".into(),
            aircraft_types: vec!["ATR72:600".into()],
            systems: vec!["21-36".into()],
            stations: vec!["EKBI".into()],
            limitations: "none".into(),
            first_issue: None,
            effective_from: day(-10),
            expires: Some(day(500)),
            bases: vec![1, 2],
        })),
    ] {
        run(&mut org, cmd).unwrap();
    }
    org
}

/// A JSON value flattened to paths: objects are descended, the rest kept whole.
fn flatten(prefix: &str, v: &Value, out: &mut BTreeMap<String, Value>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                flatten(&format!("{prefix}/{k}"), x, out);
            }
        }
        other => {
            out.insert(prefix.to_string(), other.clone());
        }
    }
}

/// The paths that differ between two records.
fn changed<T: serde::Serialize>(before: &T, after: &T) -> Vec<String> {
    let (mut b, mut a) = (BTreeMap::new(), BTreeMap::new());
    flatten("", &serde_json::to_value(before).unwrap(), &mut b);
    flatten("", &serde_json::to_value(after).unwrap(), &mut a);
    let mut keys: Vec<String> = b.keys().chain(a.keys()).cloned().collect();
    keys.sort();
    keys.dedup();
    keys.into_iter().filter(|k| b.get(k) != a.get(k)).collect()
}

/// One edit naming one field, and the record paths it may change.
#[derive(Debug, Clone)]
enum OneEdit {
    User(u8, u32),
    Role(u8, u32),
    RoleCell(usize, u8),
    Kind(u8, u32),
    Qualification(u8, u32),
    Authorization(u8, u32),
}

fn arb_edit() -> impl Strategy<Value = OneEdit> {
    prop_oneof![
        (0u8..5, any::<u32>()).prop_map(|(f, v)| OneEdit::User(f, v)),
        (0u8..2, any::<u32>()).prop_map(|(f, v)| OneEdit::Role(f, v)),
        (0usize..200, any::<u8>()).prop_map(|(p, l)| OneEdit::RoleCell(p, l)),
        (0u8..5, any::<u32>()).prop_map(|(f, v)| OneEdit::Kind(f, v)),
        (0u8..5, any::<u32>()).prop_map(|(f, v)| OneEdit::Qualification(f, v)),
        (0u8..5, any::<u32>()).prop_map(|(f, v)| OneEdit::Authorization(f, v)),
    ]
}

/// The command for an edit, and the paths it may change.
fn command(org: &Organisation, e: &OneEdit) -> (Command, Vec<String>) {
    let n = |v: u32, m: u32| (v % m) as i64;
    match *e {
        OneEdit::User(f, v) => {
            let mut edit = UserEdit::default();
            let path = match f {
                0 => {
                    edit.given = Some(format!("G{v}"));
                    "/given"
                }
                1 => {
                    edit.family = Some(format!("F{v}"));
                    "/family"
                }
                2 => {
                    edit.email = Some(Some(format!("x{v}@example.org")));
                    "/email"
                }
                3 => {
                    edit.login = Some(Some(format!("l{v}")));
                    "/login"
                }
                _ => {
                    edit.access_until = Some(Some(day(1 + n(v, 200))));
                    "/access_until"
                }
            };
            let cmd = Command::EditUser {
                user: "lena".into(),
                edit,
            };
            (cmd, vec![path.into()])
        }
        OneEdit::Role(f, v) => {
            let (name, description, path) = match f {
                0 => (Some(format!("Role {v}")), None, "/name"),
                _ => (None, Some(format!("About {v}")), "/description"),
            };
            let cmd = Command::EditRole {
                role: "Workshop technician".into(),
                name,
                description,
            };
            (cmd, vec![path.into()])
        }
        OneEdit::RoleCell(p, l) => {
            let perm = org.catalog().get(p % org.catalog().len());
            let cmd = Command::SetRoleLevels {
                role: "Workshop technician".into(),
                levels: vec![(
                    perm.key.clone(),
                    perm.scale.level_word(l & perm.scale.top()),
                )],
            };
            (cmd, vec![format!("/levels/{}", perm.key)])
        }
        OneEdit::Kind(f, v) => {
            let mut edit = KindEdit::default();
            let path = match f {
                0 => {
                    edit.name = Some(format!("Kind {v}"));
                    "/name"
                }
                1 => {
                    edit.expiry_required = Some(v % 2 == 0);
                    "/expiry_required"
                }
                2 => {
                    edit.max_validity_months = Some((v % 3 != 0).then_some(1 + v % 600));
                    "/max_validity_months"
                }
                3 => {
                    edit.warning_days = Some(v % 3651);
                    "/warning_days"
                }
                _ => {
                    edit.independent = Some(v % 2 == 0);
                    "/independent"
                }
            };
            let cmd = Command::EditKind {
                code: "RII".into(),
                edit,
            };
            (cmd, vec![path.into()])
        }
        OneEdit::Qualification(f, v) => {
            let mut edit = QualificationEdit::default();
            let path = match f {
                0 => {
                    edit.number = Some(format!("N{v}"));
                    "/number"
                }
                1 => {
                    edit.categories = Some(vec![format!("B{}", v % 3)]);
                    "/categories"
                }
                2 => {
                    edit.type_ratings = Some(vec![format!("T{v}")]);
                    "/type_ratings"
                }
                3 => {
                    edit.issued = Some(day(-n(v, 900)));
                    "/issued"
                }
                _ => {
                    edit.expires = Some(Some(day(n(v, 900))));
                    "/expires"
                }
            };
            (
                Command::EditQualification { id: 1, edit },
                vec![path.into()],
            )
        }
        OneEdit::Authorization(f, v) => {
            let mut edit = AuthorizationEdit::default();
            let path = match f {
                0 => {
                    edit.aircraft_types = Some(vec![format!("T{}", v % 1000)]);
                    "/scope/aircraft_types"
                }
                1 => {
                    let a = 5 + v % 90;
                    edit.systems = Some(vec![format!("{a}-{}", a + v % 5)]);
                    "/scope/systems"
                }
                2 => {
                    edit.stations = Some(vec![format!("S{}", v % 1000)]);
                    "/scope/stations"
                }
                3 => {
                    edit.limitations = Some(format!("limit {v}"));
                    "/limitations"
                }
                _ => {
                    edit.bases = Some(if v % 2 == 0 { vec![] } else { vec![2, 1] });
                    "/bases"
                }
            };
            let cmd = Command::EditAuthorization {
                reference: "CS-1".into(),
                edit,
            };
            (cmd, vec![path.into()])
        }
    }
}

/// Every record of the organisation as paths, keyed by record.
fn records(org: &Organisation) -> Value {
    let kinds: BTreeMap<String, Value> = org
        .settings
        .kinds
        .iter()
        .map(|k| (k.code.clone(), serde_json::to_value(k).unwrap()))
        .collect();
    serde_json::json!({
        "users": org.users.iter().map(|(k, v)| (k.to_string(), v)).collect::<BTreeMap<_, _>>(),
        "roles": org.roles.iter().map(|(k, v)| (k.to_string(), v)).collect::<BTreeMap<_, _>>(),
        "qualifications": org.qualifications.iter().map(|(k, v)| (k.to_string(), v)).collect::<BTreeMap<_, _>>(),
        "authorizations": org.authorizations.iter().map(|(k, v)| (k.to_string(), v)).collect::<BTreeMap<_, _>>(),
        "kinds": kinds,
        "name": org.settings.name,
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn an_edit_naming_one_field_leaves_every_other_field_unchanged(e in arb_edit()) {
        let org = populated();
        let (cmd, allowed) = command(&org, &e);
        let mut after = org.clone();
        // Refusals (e.g. "nothing to change") change nothing at all; the
        // edits of free text always go through.
        let text_edit = matches!(
            e,
            OneEdit::User(0 | 1, _)
                | OneEdit::Role(1, _)
                | OneEdit::Kind(0, _)
                | OneEdit::Qualification(0, _)
                | OneEdit::Authorization(3, _)
        );
        if let Err(msg) = run(&mut after, cmd.clone()) {
            prop_assert!(!text_edit, "{cmd:?} was refused: {msg}");
            prop_assert_eq!(&after, &org);
            return Ok(());
        }
        let record = match &e {
            OneEdit::User(..) => "/users/2",
            OneEdit::Role(..) | OneEdit::RoleCell(..) => "/roles/3",
            OneEdit::Kind(..) => "/kinds/RII",
            OneEdit::Qualification(..) => "/qualifications/1",
            OneEdit::Authorization(..) => "/authorizations/1",
        };
        for path in changed(&records(&org), &records(&after)) {
            prop_assert!(
                allowed.iter().any(|a| path == format!("{record}{a}")),
                "{cmd:?} changed {path}, which it does not name"
            );
        }
    }
}

#[test]
fn setting_a_kinds_name_keeps_its_policy() {
    let mut org = populated();
    let before = org.kind("RII").unwrap().clone();
    assert!(before.independent && before.expiry_required);
    run(
        &mut org,
        Command::EditKind {
            code: "RII".into(),
            edit: KindEdit {
                name: Some("x".into()),
                ..Default::default()
            },
        },
    )
    .unwrap();
    let after = org.kind("RII").unwrap();
    assert_eq!(after.name, "x");
    assert_eq!(
        (
            after.expiry_required,
            after.max_validity_months,
            after.warning_days,
            after.independent
        ),
        (
            before.expiry_required,
            before.max_validity_months,
            before.warning_days,
            before.independent
        )
    );
}
