//! Property tests of the conditions a check depends on besides levels:
//! areas switched off and setup mode close a permission to everyone, a
//! locked record state denies everyone, the owner window only ever adds
//! (and only for a young record), and the precomputed access table agrees
//! with the explained check.

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;

use super::conditions::{organisation_gate, owner_window, record_lock, RecordConditions};
use super::engine::{check, AccessTable};
use super::org::Organisation;
use super::proptests::org_from_preset;
use super::users::{PersonalGrant, RoleAssignment, User};

pub(super) fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).unwrap()
}

const PRESETS: [&str; 3] = ["operator", "club", "maintenance"];
pub(super) const STATES: [&str; 5] = ["deleted", "historical", "exported", "confirmed", "draft"];

/// The organisation of a preset with user #99 holding some of its roles and
/// grants, some areas switched off and setup mode on or off.
pub(super) fn organisation(
    preset: usize,
    role_picks: &[usize],
    grants: &[(usize, u8)],
    off: &[usize],
    setup_mode: bool,
) -> (Organisation, User) {
    let mut org = org_from_preset(PRESETS[preset % PRESETS.len()]);
    let roles: Vec<_> = org.roles.values().cloned().collect();
    let n = org.catalog().len();
    let mut u = org.users[&1].clone();
    u.id = 99;
    u.login = None;
    u.email = None;
    u.roles.clear();
    for r in role_picks {
        let role = &roles[r % roles.len()];
        if u.assignment(role.id).is_none() {
            u.roles.push(RoleAssignment {
                role: role.id,
                until: None,
                by: 1,
                at: now(),
            });
        }
    }
    for (p, l) in grants {
        let perm = org.catalog().get(p % n).clone();
        let level = l & perm.scale.top();
        if level != 0 && perm.scale.is_valid(level) && u.grant(&perm.key).is_none() {
            u.grants.push(PersonalGrant {
                permission: perm.key.clone(),
                level,
                until: None,
                by: 1,
                at: now(),
            });
        }
    }
    let switchable: Vec<String> = org
        .catalog()
        .areas
        .iter()
        .map(|a| a.key.clone())
        .filter(|a| !org.catalog().is_administration_area(a))
        .collect();
    let mut features_off: Vec<String> = off
        .iter()
        .map(|i| switchable[i % switchable.len()].clone())
        .collect();
    features_off.sort();
    features_off.dedup();
    org.settings.features_off = features_off;
    org.settings.setup_mode = setup_mode;
    org.users.insert(99, u.clone());
    (org, u)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn conditions_only_remove_except_a_young_records_owner_window(
        preset in 0usize..3,
        role_picks in prop::collection::vec(0usize..16, 0..4),
        grants in prop::collection::vec((0usize..64, any::<u8>()), 0..6),
        off in prop::collection::vec(0usize..32, 0..3),
        setup_mode in any::<bool>(),
        perm in 0usize..64,
        required in 1u8..=255,
        age_hours in prop::option::of(0i64..100),
        state in prop::option::of(0usize..5),
    ) {
        let (org, u) = organisation(preset, &role_picks, &grants, &off, setup_mode);
        let c = org.catalog();
        let pi = perm % c.len();
        let p = c.get(pi);
        let required = required & p.scale.top();
        prop_assume!(required != 0);
        let cond = RecordConditions {
            age: age_hours.map(Duration::hours),
            state: state.map(|s| STATES[s].to_string()),
        };
        let plain = check(&org, &u, pi, required, &RecordConditions::default(), now());
        let with = check(&org, &u, pi, required, &cond, now());
        let window = owner_window(p, required, &cond);

        // The organisation closes a permission to everyone, the administrator
        // included, whatever the record.
        if let Some(why) = organisation_gate(&org.settings, p) {
            prop_assert!(!with.allowed && !plain.allowed);
            prop_assert_eq!(with.decided_by, "organisation");
            prop_assert!(with.reason.contains(&why));
        }
        // A locked state denies everyone.
        if record_lock(p, &cond).is_some() {
            prop_assert!(!with.allowed);
        }
        // Conditions only remove, except the owner window, which only adds,
        // and only while the record is younger than the window.
        if with.allowed && !plain.allowed {
            prop_assert!(window.is_open(), "{} allowed by {}", p.key, with.reason);
            prop_assert_eq!(with.decided_by, "owner window");
        }
        if window.is_open() && organisation_gate(&org.settings, p).is_none()
            && record_lock(p, &cond).is_none()
        {
            prop_assert!(with.allowed, "an open window denied: {}", with.reason);
        }
        // Without a locked state and outside any window, the record changes nothing.
        if record_lock(p, &cond).is_none() && !window.is_open() {
            prop_assert_eq!(with.allowed, plain.allowed);
        }
    }

    /// The precomputed table answers as the explained check does for a
    /// check about no record in particular: closed permissions are zero in
    /// every row.
    #[test]
    fn the_access_table_agrees_with_the_check(
        preset in 0usize..3,
        role_picks in prop::collection::vec(0usize..16, 0..4),
        grants in prop::collection::vec((0usize..64, any::<u8>()), 0..6),
        off in prop::collection::vec(0usize..32, 0..3),
        setup_mode in any::<bool>(),
        required in 1u8..=255,
    ) {
        let (org, u) = organisation(preset, &role_picks, &grants, &off, setup_mode);
        let table = AccessTable::build(&org, now());
        for (pi, p) in org.catalog().permissions.iter().enumerate() {
            let r = required & p.scale.top();
            if r == 0 {
                continue;
            }
            let d = check(&org, &u, pi, r, &RecordConditions::default(), now());
            prop_assert_eq!(table.allows(u.id, pi, r), d.allowed, "{}: {}", p.key, d.reason);
            // The built-in administrator holds everything the organisation leaves open.
            prop_assert_eq!(table.allows(1, pi, r), organisation_gate(&org.settings, p).is_none());
        }
    }
}
