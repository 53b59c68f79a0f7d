//! The diff of every record type, on the maintenance preset's organisation.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};

use super::*;
use crate::domain::authorizations::{
    Authorization, AuthorizationScope, AuthorizationStatus, StatusChange,
};
use crate::domain::command::{Command, NewUser, OrganisationEdit, UserEdit};
use crate::domain::kiosk::{Pin, Removal, Terminal};
use crate::domain::proptests::org_from_preset;
use crate::domain::qualifications::{Qualification, QualificationKind};
use crate::domain::rules::{plan, Actor};
use crate::domain::sod::{SodException, SodMembers, SodPermission, SodRule};
use crate::domain::users::{PersonalGrant, RoleAssignment, User, UserStatus};

const ADMIN: Actor = Actor {
    operator: 1,
    acting_as: None,
};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).unwrap()
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// The organisation with Hugo Dahl (hdahl), a workshop technician, added.
fn org() -> Organisation {
    let mut org = org_from_preset("maintenance");
    let ch = plan(
        &org,
        ADMIN,
        &Command::AddUser(NewUser {
            given: "Hugo".into(),
            family: "Dahl".into(),
            email: Some("hdahl@x.example".into()),
            login: Some("hdahl".into()),
            roles: vec!["Workshop technician".into()],
            access_until: None,
        }),
        t0(),
    )
    .unwrap();
    org.apply(&ch);
    org
}

fn hugo(org: &Organisation) -> User {
    org.resolve_user("hdahl").unwrap().clone()
}

fn role_id(org: &Organisation, name: &str) -> u32 {
    org.resolve_role(name).unwrap().id
}

/// Every line of a change as text ("+ …"), headings included.
fn text_of(org: &Organisation, cmd: Command) -> Vec<String> {
    let ch = plan(org, ADMIN, &cmd, t0()).unwrap();
    diff_text(org, &ch.puts)
}

fn put(before: Option<Record>, after: Option<Record>) -> Put {
    Put {
        key: after.as_ref().or(before.as_ref()).unwrap().key(),
        before,
        after,
    }
}

fn lines_of(org: &Organisation, p: Put) -> Vec<String> {
    diff_text(org, &[p])
}

fn has(lines: &[String], want: &str) -> bool {
    lines.iter().any(|l| l.contains(want))
}

#[test]
fn user_added_says_email_login_status_and_role_by_name() {
    let mut org = org_from_preset("maintenance");
    let cmd = Command::AddUser(NewUser {
        given: "Hugo".into(),
        family: "Dahl".into(),
        email: Some("hdahl@x.example".into()),
        login: Some("hdahl".into()),
        roles: vec!["Workshop technician".into()],
        access_until: Some(d("2027-03-01")),
    });
    let ch = plan(&org, ADMIN, &cmd, t0()).unwrap();
    org.apply(&ch);
    let t = diff_text(&org, &ch.puts);
    assert_eq!(t[0], "added user Hugo Dahl (hdahl)", "{t:?}");
    for want in [
        "  + email hdahl@x.example",
        "  + login hdahl",
        "  + status active",
        "  + access until 2027-03-01",
        "  + assigned role Workshop technician to Hugo Dahl (hdahl)",
    ] {
        assert!(t.iter().any(|l| l == want), "{want} in {t:?}");
    }
}

#[test]
fn user_assignment_until_a_day_names_role_and_person() {
    let org = org();
    let t = text_of(
        &org,
        Command::AssignRole {
            user: "hdahl".into(),
            role: "Stores".into(),
            until: Some(d("2027-03-01")),
        },
    );
    assert!(
        has(
            &t,
            "+ assigned role Stores to Hugo Dahl (hdahl) until 2027-03-01"
        ),
        "{t:?}"
    );
    let t = text_of(
        &org,
        Command::UnassignRole {
            user: "hdahl".into(),
            role: "Workshop technician".into(),
        },
    );
    assert!(
        has(
            &t,
            "- unassigned role Workshop technician from Hugo Dahl (hdahl)"
        ),
        "{t:?}"
    );
}

#[test]
fn user_edit_and_status_in_words() {
    let org = org();
    let t = text_of(
        &org,
        Command::EditUser {
            user: "hdahl".into(),
            edit: UserEdit {
                email: Some(Some("hugo@y.example".into())),
                ..Default::default()
            },
        },
    );
    assert!(has(&t, "~ email hdahl@x.example → hugo@y.example"), "{t:?}");
    let t = text_of(
        &org,
        Command::Deactivate {
            user: "hdahl".into(),
        },
    );
    assert!(has(&t, "~ status active → deactivated"), "{t:?}");
}

#[test]
fn personal_grants_use_the_scale_words() {
    let org = org();
    let u = hugo(&org);
    let mut a = u.clone();
    a.grants.push(PersonalGrant {
        permission: "work_orders.release".into(),
        level: 1,
        until: Some(d("2026-06-30")),
        by: 1,
        at: t0(),
    });
    a.grants.push(PersonalGrant {
        permission: "inventory.access".into(),
        level: 0b11,
        until: None,
        by: 1,
        at: t0(),
    });
    let t = lines_of(
        &org,
        put(Some(Record::User(u.clone())), Some(Record::User(a.clone()))),
    );
    assert!(
        has(
            &t,
            "+ granted work_orders.release: no → yes to Hugo Dahl (hdahl) until 2026-06-30"
        ),
        "{t:?}"
    );
    assert!(has(&t, "granted inventory.access: none → manage"), "{t:?}");
    let mut c = a.clone();
    c.grants[1].level = 0b01;
    c.grants.remove(0);
    let t = lines_of(&org, put(Some(Record::User(a)), Some(Record::User(c))));
    assert!(
        has(&t, "~ personal grant inventory.access: manage → view"),
        "{t:?}"
    );
    assert!(
        has(
            &t,
            "- withdrew personal grant work_orders.release: yes → no"
        ),
        "{t:?}"
    );
}

#[test]
fn invitation_never_shows_its_code() {
    let org = org();
    let u = hugo(&org);
    let mut a = u.clone();
    a.invitation = Some(crate::domain::users::Invitation {
        code_hash: [7; 32],
        sent_at: t0(),
        expires: Utc.with_ymd_and_hms(2026, 6, 8, 9, 0, 0).unwrap(),
        by: 1,
    });
    let t = lines_of(&org, put(Some(Record::User(u)), Some(Record::User(a))));
    assert!(
        has(
            &t,
            "+ invited (the code is valid until 2026-06-08 09:00 UTC)"
        ),
        "{t:?}"
    );
    assert!(!t.iter().any(|l| l.contains("0707") || l.contains("[7")));
}

#[test]
fn role_levels_in_words_and_assignable_roles_by_name() {
    let org = org();
    let id = role_id(&org, "Workshop technician");
    let b = org.roles[&id].clone();
    let mut a = b.clone();
    a.levels.insert("inventory.access".into(), 0b11);
    a.levels.insert("work_orders.release".into(), 1);
    a.levels.remove("tools.access");
    a.assignable.insert(role_id(&org, "Stores"));
    a.name = "Senior technician".into();
    let t = lines_of(&org, put(Some(Record::Role(b)), Some(Record::Role(a))));
    assert_eq!(t[0], "changed role Workshop technician", "{t:?}");
    for want in [
        "~ name Workshop technician → Senior technician",
        "~ inventory.access: view → manage",
        "+ work_orders.release: no → yes",
        "- tools.access: view → none",
        "+ may assign role Stores",
    ] {
        assert!(has(&t, want), "{want} in {t:?}");
    }
}

#[test]
fn removed_role_is_named_from_its_own_record() {
    let org = org();
    let mut r = org.roles[&role_id(&org, "Stores")].clone();
    r.id = 99;
    r.name = "Night stores".into();
    let t = lines_of(&org, put(Some(Record::Role(r)), None));
    assert_eq!(t, vec!["removed role Night stores"]);
}

fn qualification(holder: u32) -> Qualification {
    Qualification {
        id: 40,
        holder,
        kind: QualificationKind::Licence,
        number: "DK.66.1234".into(),
        categories: vec!["B1".into()],
        type_ratings: vec!["ATR72".into()],
        issued: d("2020-01-01"),
        expires: Some(d("2030-01-01")),
        created_at: t0(),
    }
}

#[test]
fn qualification_added_and_changed() {
    let org = org();
    let q = qualification(hugo(&org).id);
    let t = lines_of(&org, put(None, Some(Record::Qualification(q.clone()))));
    assert_eq!(
        t[0],
        "added qualification licence DK.66.1234 [B1] (ATR72) of Hugo Dahl (hdahl)"
    );
    assert!(has(&t, "+ expires 2030-01-01"), "{t:?}");
    let mut a = q.clone();
    a.categories.push("B2".into());
    a.expires = None;
    let t = lines_of(
        &org,
        put(
            Some(Record::Qualification(q)),
            Some(Record::Qualification(a)),
        ),
    );
    assert!(has(&t, "~ categories B1 → B1,B2"), "{t:?}");
    assert!(has(&t, "~ expires 2030-01-01 → never"), "{t:?}");
}

fn authorization(holder: u32) -> Authorization {
    Authorization {
        id: 70,
        holder,
        reference: "CS-099".into(),
        kind: "B1".into(),
        scope: AuthorizationScope::default(),
        limitations: String::new(),
        first_issue: d("2026-06-01"),
        effective_from: d("2026-06-01"),
        expires: Some(d("2027-06-01")),
        issued_by: 1,
        issued_at: t0(),
        bases: vec![40],
        status: AuthorizationStatus::Active,
        history: vec![],
    }
}

#[test]
fn authorization_by_reference_with_status_reason_and_bases() {
    let org = org();
    let holder = hugo(&org).id;
    let x = authorization(holder);
    // The basis is not in the organisation but in the same change.
    let q = qualification(holder);
    let puts = [
        put(None, Some(Record::Qualification(q))),
        put(None, Some(Record::Authorization(x.clone()))),
    ];
    let t = diff_text(&org, &puts);
    assert!(
        has(&t, "added authorization CS-099 (B1) of Hugo Dahl (hdahl)"),
        "{t:?}"
    );
    assert!(has(&t, "+ bases licence DK.66.1234 [B1] (ATR72)"), "{t:?}");
    assert!(has(&t, "+ scope any type; ATA any; any station"), "{t:?}");
    let mut a = x.clone();
    a.status = AuthorizationStatus::Suspended;
    a.history.push(StatusChange {
        status: AuthorizationStatus::Suspended,
        reason: "pending\u{1b}[2J recurrent training".into(),
        by: 1,
        at: t0(),
    });
    a.expires = Some(d("2027-12-01"));
    let t = lines_of(
        &org,
        put(
            Some(Record::Authorization(x)),
            Some(Record::Authorization(a)),
        ),
    );
    assert!(has(&t, "~ expires 2027-06-01 → 2027-12-01"), "{t:?}");
    assert!(
        has(
            &t,
            "~ status active → suspended (reason: pending␛[2J recurrent training)"
        ),
        "{t:?}"
    );
    assert!(!t.iter().any(|l| l.contains('\u{1b}')));
}

#[test]
fn terminal_added_and_taken_out_of_use() {
    let org = org();
    let term = Terminal {
        id: 3,
        name: "Hangar 2".into(),
        login: "kiosk2".into(),
        added_by: 1,
        added_at: t0(),
        removed: None,
    };
    let t = lines_of(&org, put(None, Some(Record::Terminal(term.clone()))));
    assert_eq!(t, vec!["added terminal Hangar 2 (login kiosk2)"]);
    let mut a = term.clone();
    a.removed = Some(Removal { by: 1, at: t0() });
    let t = lines_of(
        &org,
        put(Some(Record::Terminal(term)), Some(Record::Terminal(a))),
    );
    assert!(has(&t, "- taken out of use by Ada Admin (root)"), "{t:?}");
}

#[test]
fn pin_set_changed_cleared_and_locked_never_show_the_hash() {
    let org = org();
    let id = hugo(&org).id;
    let hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";
    let mut set = Pin::new(id);
    set.hash = Some(hash.into());
    set.set_at = Some(t0());
    let t = lines_of(&org, put(None, Some(Record::Pin(set.clone()))));
    assert_eq!(
        t,
        vec!["added kiosk PIN of Hugo Dahl (hdahl)", "  + PIN set"]
    );
    let mut changed = set.clone();
    changed.hash = Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$b3RoZXI".into());
    let t = lines_of(
        &org,
        put(Some(Record::Pin(set.clone())), Some(Record::Pin(changed))),
    );
    assert!(has(&t, "~ PIN changed"), "{t:?}");
    let mut locked = set.clone();
    locked.failures = 5;
    locked.locked_until = Some(Utc.with_ymd_and_hms(2026, 6, 1, 9, 15, 0).unwrap());
    let t = lines_of(
        &org,
        put(Some(Record::Pin(set.clone())), Some(Record::Pin(locked))),
    );
    assert!(has(&t, "~ wrong PINs in a row 0 → 5"), "{t:?}");
    assert!(has(&t, "+ locked until 2026-06-01 09:15 UTC"), "{t:?}");
    let t = lines_of(
        &org,
        put(
            Some(Record::Pin(set.clone())),
            Some(Record::Pin(Pin::new(id))),
        ),
    );
    assert!(has(&t, "- PIN cleared"), "{t:?}");
    for l in lines_of(&org, put(Some(Record::Pin(set)), None)) {
        assert!(!l.contains("argon2") && !l.contains("c2FsdA"), "{l}");
    }
}

#[test]
fn sod_rule_with_exceptions_in_words() {
    let org = org();
    let hugo = hugo(&org).id;
    let rule = SodRule {
        id: 5,
        name: "release-and-certify".into(),
        reason: "four eyes".into(),
        members: SodMembers::Permissions(vec![
            SodPermission {
                key: "work_orders.release".into(),
                level: 0,
            },
            SodPermission {
                key: "inventory.access".into(),
                level: 0b11,
            },
        ]),
        added_by: 1,
        added_at: t0(),
        removed: None,
        exceptions: vec![],
    };
    let t = lines_of(&org, put(None, Some(Record::SodRule(rule.clone()))));
    assert!(
        has(
            &t,
            "+ keeps apart work_orders.release + inventory.access=manage"
        ),
        "{t:?}"
    );
    assert!(has(&t, "+ reason: four eyes"), "{t:?}");
    let mut a = rule.clone();
    a.exceptions.push(SodException {
        user: hugo,
        reason: "only certifier on night shift".into(),
        until: d("2026-07-01"),
        by: 1,
        at: t0(),
    });
    let t = lines_of(
        &org,
        put(
            Some(Record::SodRule(rule.clone())),
            Some(Record::SodRule(a.clone())),
        ),
    );
    assert!(
        has(
            &t,
            "+ exception for Hugo Dahl (hdahl) until 2026-07-01 (reason: only certifier on night shift)"
        ),
        "{t:?}"
    );
    let mut c = rule.clone();
    c.removed = Some(Removal { by: 1, at: t0() });
    let t = lines_of(
        &org,
        put(Some(Record::SodRule(a)), Some(Record::SodRule(c))),
    );
    assert!(has(&t, "- rule withdrawn by Ada Admin (root)"), "{t:?}");
    assert!(
        has(
            &t,
            "- exception for Hugo Dahl (hdahl) ended (was until 2026-07-01)"
        ),
        "{t:?}"
    );
}

#[test]
fn settings_changes_and_a_new_organisation() {
    let org = org();
    let t = text_of(
        &org,
        Command::EditOrganisation(OrganisationEdit {
            name: Some("Nordic MRO".into()),
            time_zone: Some("Europe/Oslo".into()),
            reason_required: Some(true),
            role_required: None,
            deactivated_read_own: None,
        }),
    );
    assert!(has(&t, "changed organisation settings"), "{t:?}");
    assert!(has(&t, "~ time zone UTC → Europe/Oslo"), "{t:?}");
    assert!(has(&t, "~ every change needs a reason: no → yes"), "{t:?}");
    let mut a = org.settings.clone();
    a.features_off.push("inventory".into());
    a.kinds[0].warning_days += 5;
    let t = lines_of(
        &org,
        put(
            Some(Record::Settings(Box::new(org.settings.clone()))),
            Some(Record::Settings(Box::new(a))),
        ),
    );
    assert!(has(&t, "- area inventory switched off"), "{t:?}");
    assert!(has(&t, "~ kind A warning days"), "{t:?}");
    let t = lines_of(
        &org,
        put(None, Some(Record::Settings(Box::new(org.settings.clone())))),
    );
    assert!(has(&t, "+ organisation"), "{t:?}");
    assert!(has(&t, "+ time zone UTC"), "{t:?}");
}

#[test]
fn unknown_ids_fall_back_to_hash_id_and_untold_fields_to_field_text() {
    let org = org();
    let mut x = authorization(404);
    x.bases = vec![777];
    let t = lines_of(&org, put(None, Some(Record::Authorization(x))));
    assert!(has(&t, "of #404"), "{t:?}");
    assert!(has(&t, "+ bases #777"), "{t:?}");
    // A difference no typed line names (when the user was created) is still shown.
    let u = hugo(&org);
    let mut a = u.clone();
    a.created_at = Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap();
    let t = lines_of(
        &org,
        put(Some(Record::User(u.clone())), Some(Record::User(a))),
    );
    assert!(
        has(
            &t,
            "~ created_at: \"2026-06-01T09:00:00Z\" → \"2020-01-01T00:00:00Z\""
        ),
        "{t:?}"
    );
    // A record rewritten the same says so; mismatched types do not panic.
    let t = lines_of(
        &org,
        put(Some(Record::User(u.clone())), Some(Record::User(u.clone()))),
    );
    assert!(has(&t, "no difference"), "{t:?}");
    let odd = Put {
        key: RecordKey::User(u.id),
        before: Some(Record::User(u)),
        after: Some(Record::Terminal(Terminal {
            id: 1,
            name: "x".into(),
            login: "y".into(),
            added_by: 1,
            added_at: t0(),
            removed: None,
        })),
    };
    let t = diff_text(&org, &[odd]);
    assert!(has(&t, "changed user Hugo Dahl (hdahl)"), "{t:?}");
    assert!(has(&t, "~ login: \"hdahl\" → \"y\""), "{t:?}");
}

#[test]
fn names_with_control_characters_are_sanitised() {
    let org = org();
    let mut u = hugo(&org);
    u.id = 500;
    u.given = "Eve\u{1b}]0;pwned\u{7}".into();
    u.login = Some("eve".into());
    u.status = UserStatus::Invited;
    u.roles = vec![RoleAssignment {
        role: 1,
        until: None,
        by: 1,
        at: t0(),
    }];
    let t = lines_of(&org, put(None, Some(Record::User(u))));
    assert!(t
        .iter()
        .all(|l| !l.chars().any(crate::domain::text::is_unsafe_char)));
    assert!(has(&t, "Eve␛]0;pwned␇ Dahl (eve)"), "{t:?}");
}
