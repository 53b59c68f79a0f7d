//! Records changed behind the audit log's back: every kind of direct edit
//! in sled (a record, an index entry, the administrator counter, the id
//! counters) is named by `doctor` and `audit verify`, although the chain
//! itself stays intact. The stored state must be exactly what the log says.

#[path = "common/store.rs"]
mod fixtures;

use std::path::Path;
use std::process::{Command as Process, Output};

use clearance::domain::org::{Counters, Organisation};
use clearance::domain::users::{RoleAssignment, User, UserStatus};
use clearance::store::{codec, Store};
use fixtures::{build_workload, copy_db, now, ADMIN_LOGIN};
use tempfile::TempDir;

fn id(n: u32) -> [u8; 4] {
    n.to_be_bytes()
}

fn get<T: codec::Stored>(store: &Store, tree: &str, key: &[u8]) -> T {
    let v = store.raw_tree(tree).unwrap().get(key).unwrap().unwrap();
    codec::decode(&v).unwrap()
}

fn put<T: codec::Stored>(store: &Store, tree: &str, key: &[u8], value: &T) {
    store
        .raw_tree(tree)
        .unwrap()
        .insert(key, codec::encode(value).unwrap())
        .unwrap();
}

fn admins(store: &Store) -> i64 {
    let v = store
        .raw_tree("meta")
        .unwrap()
        .get("admin_holders")
        .unwrap()
        .unwrap();
    i64::from_be_bytes(v.as_ref().try_into().unwrap())
}

/// A copy of `from`, edited through the raw trees, then closed.
fn edited(from: &Path, edit: &dyn Fn(&Store, &Organisation)) -> TempDir {
    let org = fixtures::open(from).org().clone();
    let to = tempfile::tempdir().unwrap();
    copy_db(from, to.path());
    let store = Store::open(to.path(), ADMIN_LOGIN).unwrap();
    edit(&store, &org);
    for t in clearance::store::TREE_NAMES {
        store.raw_tree(t).unwrap().flush().unwrap();
    }
    to
}

fn cli(db: &Path, args: &[&str]) -> Output {
    Process::new(env!("CARGO_BIN_EXE_clearance"))
        .env("CLEARANCE_AUTOSTART", "0")
        .env("CLEARANCE_TEST_LOGIN", ADMIN_LOGIN)
        .env("CLEARANCE_TEST_NOW", now().to_rfc3339())
        .env_remove("CLEARANCE_DB")
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("the binary runs")
}

fn user_where(org: &Organisation, f: impl Fn(&User) -> bool) -> User {
    org.users.values().find(|u| f(u)).unwrap().clone()
}

type Edit = (
    &'static str,
    Box<dyn Fn(&Store, &Organisation)>,
    Vec<String>,
);

/// Every kind of direct edit, with what doctor must say about it.
fn edits(org: &Organisation) -> Vec<Edit> {
    let admin_role = org.settings.admin_role;
    let plain = user_where(org, |u| {
        u.status == UserStatus::Active && !u.roles.iter().any(|a| a.role == admin_role)
    });
    let deactivated = user_where(org, |u| u.status == UserStatus::Deactivated);
    let role = org
        .roles
        .values()
        .find(|r| !r.builtin_admin)
        .unwrap()
        .clone();
    let auth = org.authorizations.values().next().unwrap().clone();
    let reference = auth.reference.to_lowercase();
    let (pid, did, rid, aid) = (plain.id, deactivated.id, role.id, auth.id);
    let email = plain.email.clone().unwrap();
    vec![
        (
            "a role level raised",
            Box::new(move |s: &Store, o: &Organisation| {
                let mut r = o.roles[&rid].clone();
                let key = o.settings.catalog.permissions[0].key.clone();
                let level = r.levels.get(&key).copied().unwrap_or(0);
                r.levels.insert(key, level + 1);
                put(s, "roles", &id(rid), &r);
            }),
            vec![format!("roles/#{rid} differs from what the audit log derives")],
        ),
        (
            "a user given the administrator role, with the holder counter",
            Box::new(move |s: &Store, o: &Organisation| {
                let mut u = o.users[&pid].clone();
                u.roles.push(RoleAssignment {
                    role: o.settings.admin_role,
                    until: None,
                    by: 1,
                    at: now(),
                });
                put(s, "users", &id(pid), &u);
                let n = admins(s) + 1;
                s.raw_tree("meta")
                    .unwrap()
                    .insert("admin_holders", &n.to_be_bytes())
                    .unwrap();
            }),
            vec![
                format!("users/#{pid} differs from what the audit log derives"),
                "meta/admin_holders differs from what the audit log derives".into(),
            ],
        ),
        (
            "a deactivated user reactivated",
            Box::new(move |s: &Store, _: &Organisation| {
                let mut u: User = get(s, "users", &id(did));
                u.status = UserStatus::Active;
                put(s, "users", &id(did), &u);
            }),
            vec![format!("users/#{did} differs from what the audit log derives")],
        ),
        (
            "an authorization and its index entry deleted",
            Box::new({
                let reference = reference.clone();
                move |s: &Store, _: &Organisation| {
                    s.raw_tree("authorizations").unwrap().remove(id(aid)).unwrap().unwrap();
                    s.raw_tree("idx_auth_ref")
                        .unwrap()
                        .remove(reference.as_bytes())
                        .unwrap()
                        .unwrap();
                }
            }),
            vec![
                format!("authorizations/#{aid} is missing: the audit log derives it"),
                format!("idx_auth_ref/'{reference}' is missing: the audit log derives it"),
            ],
        ),
        (
            "the organisation renamed",
            Box::new(|s: &Store, o: &Organisation| {
                let mut settings = o.settings.clone();
                settings.name = "Someone Else's MRO".into();
                put(s, "settings", b"settings", &settings);
            }),
            vec!["settings differs from what the audit log derives".into()],
        ),
        (
            "a user record deleted with its index entries",
            Box::new({
                let email = email.clone();
                move |s: &Store, o: &Organisation| {
                    s.raw_tree("users").unwrap().remove(id(pid)).unwrap().unwrap();
                    s.raw_tree("idx_email").unwrap().remove(email.as_bytes()).unwrap();
                    if let Some(l) = &o.users[&pid].login {
                        s.raw_tree("idx_login").unwrap().remove(l.as_bytes()).unwrap();
                    }
                }
            }),
            vec![format!("users/#{pid} is missing: the audit log derives it")],
        ),
        (
            "a user record added with an index entry",
            Box::new(move |s: &Store, o: &Organisation| {
                let mut u = o.users[&pid].clone();
                let new = o.counters.next_user;
                u.id = new;
                u.email = Some("ghost@store-test.example".into());
                u.login = None;
                put(s, "users", &id(new), &u);
                s.raw_tree("idx_email")
                    .unwrap()
                    .insert("ghost@store-test.example", &id(new))
                    .unwrap();
            }),
            vec![
                "is not in what the audit log derives (added behind its back)".into(),
                "idx_email/'ghost@store-test.example' is not in what the audit log derives".into(),
            ],
        ),
        (
            "an index entry pointed at another user",
            Box::new({
                let email = email.clone();
                move |s: &Store, _: &Organisation| {
                    s.raw_tree("idx_email")
                        .unwrap()
                        .insert(email.as_bytes(), &id(1))
                        .unwrap()
                        .unwrap();
                }
            }),
            vec![format!(
                "idx_email/'{email}' differs from what the audit log derives: it names #1, the log #{pid}"
            )],
        ),
        (
            "the administrator counter alone",
            Box::new(|s: &Store, _: &Organisation| {
                let n = admins(s) + 3;
                s.raw_tree("meta")
                    .unwrap()
                    .insert("admin_holders", &n.to_be_bytes())
                    .unwrap();
            }),
            vec!["meta/admin_holders differs from what the audit log derives".into()],
        ),
        (
            "the user id counter wound back",
            Box::new(|s: &Store, o: &Organisation| {
                let c = Counters {
                    next_user: 2,
                    ..o.counters
                };
                put(s, "meta", b"counters", &c);
            }),
            vec!["meta/counters differs from what the audit log derives: next_user is 2".into()],
        ),
    ]
}

#[test]
fn every_direct_edit_is_named_by_doctor() {
    let template = tempfile::tempdir().unwrap();
    let org = build_workload(template.path()).org().clone();
    assert!(
        org.users
            .values()
            .any(|u| u.status == UserStatus::Deactivated),
        "the workload has a deactivated user"
    );
    {
        let s = fixtures::open(template.path());
        let clean = s.store().doctor(s.org()).unwrap();
        assert!(clean.is_empty(), "an untouched database: {clean:?}");
    }
    let mut missed = Vec::new();
    for (what, edit, expect) in edits(&org) {
        let copy = edited(template.path(), edit.as_ref());
        let store = Store::open(copy.path(), ADMIN_LOGIN).unwrap();
        // The chain alone does not see it: only the records moved.
        assert!(store.verify_audit(None).ok(), "{what}: the chain broke");
        drop(store);
        // Opening sees it at once: the stored state is not what the head
        // entry seals. Commands refuse to work on it.
        match clearance::ops::Session::open(copy.path(), ADMIN_LOGIN, fixtures::clock()) {
            Ok(_) => missed.push(format!("{what}: the database opened for work")),
            Err(e) => assert!(
                e.to_string()
                    .contains("the stored records differ from the state audit entry 8 seals"),
                "{what}: {e}"
            ),
        }
        // doctor opens it to inspect, and names the key.
        let s =
            clearance::ops::Session::open_to_inspect(copy.path(), ADMIN_LOGIN, fixtures::clock())
                .unwrap_or_else(|e| panic!("{what}: the edited database does not load: {e}"));
        let problems = s.store().doctor(s.org()).unwrap();
        assert!(
            problems
                .iter()
                .any(|p| p.contains("differ from the state audit entry 8 seals")),
            "{what}: {problems:?}"
        );
        for needle in &expect {
            if !problems.iter().any(|p| p.contains(needle.as_str())) {
                missed.push(format!("{what}: no problem says '{needle}': {problems:?}"));
            }
        }
    }
    assert!(missed.is_empty(), "{}", missed.join("\n"));
}

#[test]
fn cli_doctor_and_audit_verify_name_the_edited_record_even_with_an_anchor() {
    let template = tempfile::tempdir().unwrap();
    let org = build_workload(template.path()).org().clone();
    let files = tempfile::tempdir().unwrap();
    let anchor = files.path().join("head.checkpoint");
    let anchor_s = anchor.to_str().unwrap();
    let out = cli(template.path(), &["audit", "checkpoint", "-o", anchor_s]);
    assert_eq!(out.status.code(), Some(0));
    let out = cli(template.path(), &["audit", "verify", "--anchor", anchor_s]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    let (_, edit, _) = edits(&org).into_iter().nth(2).unwrap();
    let copy = edited(template.path(), edit.as_ref());
    let did = org
        .users
        .values()
        .find(|u| u.status == UserStatus::Deactivated)
        .unwrap()
        .id;
    let needle = format!("users/#{did} differs from what the audit log derives");
    for args in [
        &["doctor"][..],
        &["audit", "verify"][..],
        &["audit", "verify", "--anchor", anchor_s][..],
    ] {
        let out = cli(copy.path(), args);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stdout}");
        assert!(stdout.contains(&needle), "{args:?}: {stdout}");
    }
    let out = cli(copy.path(), &["audit", "verify"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with("RECORDS DIFFER FROM THE AUDIT LOG"),
        "{stdout}"
    );
    let out = cli(copy.path(), &["--json", "audit", "verify"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ok"], false);
}
