//! Property tests of the precomputed access table against the explained
//! check: for any record, standing and later instant (the table refreshed
//! to it), the table decides as the check does; and a table brought up to
//! a change of one user is the table built after it.

use chrono::{Duration, NaiveDate};
use proptest::prelude::*;

use super::conditions::RecordConditions;
use super::conditions_proptests::{now, organisation, STATES};
use super::engine::{check, AccessTable};
use super::org::{Change, Organisation, Put, Record, RecordKey};
use super::users::{User, UserStatus};

const STATUSES: [UserStatus; 4] = [
    UserStatus::Active,
    UserStatus::Deactivated,
    UserStatus::Invited,
    UserStatus::Deleted,
];

/// User #99 of [`organisation`] with a status, an access expiry and role
/// expiries some days from now (negative: past).
#[allow(clippy::too_many_arguments)]
fn standing(
    org: &mut Organisation,
    u: &mut User,
    status: usize,
    read_own: bool,
    access_days: Option<i64>,
    role_days: &[i64],
) {
    let today = org.day_of(now());
    let day = |d: i64| -> NaiveDate { today + Duration::days(d) };
    u.status = STATUSES[status % STATUSES.len()];
    u.access_until = access_days.map(day);
    for (a, d) in u.roles.iter_mut().zip(role_days) {
        a.until = Some(day(*d));
    }
    org.settings.deactivated_read_own = read_own;
    org.users.insert(u.id, u.clone());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn the_table_decides_as_the_check_for_any_record_standing_and_later_instant(
        preset in 0usize..3,
        role_picks in prop::collection::vec(0usize..16, 0..4),
        grants in prop::collection::vec((0usize..64, any::<u8>()), 0..6),
        off in prop::collection::vec(0usize..32, 0..3),
        setup_mode in any::<bool>(),
        status in 0usize..4,
        read_own in any::<bool>(),
        access_days in prop::option::of(-3i64..5),
        role_days in prop::collection::vec(-3i64..5, 0..4),
        later_hours in 0i64..200,
        perm in 0usize..64,
        required in 1u8..=255,
        age_hours in prop::option::of(0i64..100),
        state in prop::option::of(0usize..5),
    ) {
        let (mut org, mut u) = organisation(preset, &role_picks, &grants, &off, setup_mode);
        standing(&mut org, &mut u, status, read_own, access_days, &role_days);
        let mut table = AccessTable::build(&org, now());
        let at = now() + Duration::hours(later_hours);
        table.refresh(&org, at);
        prop_assert!(table.covers(at));
        let built = AccessTable::build(&org, at);
        prop_assert!(table.row(99) == built.row(99), "the refreshed row differs");
        prop_assert_eq!(table.next_change(), built.next_change());
        let pi = perm % org.catalog().len();
        let r = required & org.catalog().get(pi).scale.top();
        prop_assume!(r != 0);
        let cond = RecordConditions {
            age: age_hours.map(Duration::hours),
            state: state.map(|s| STATES[s].to_string()),
        };
        let d = check(&org, &u, pi, r, &cond, at);
        prop_assert_eq!(table.decide(&org, u.id, pi, r, &cond), d.allowed, "{}", d.reason);
        // An unknown user is denied.
        prop_assert!(!table.decide(&org, 10_000, pi, r, &RecordConditions::default()));
    }

    #[test]
    fn a_table_brought_up_to_a_change_of_one_user_is_the_table_built_after_it(
        preset in 0usize..3,
        role_picks in prop::collection::vec(0usize..16, 0..4),
        grants in prop::collection::vec((0usize..64, any::<u8>()), 0..6),
        new_picks in prop::collection::vec(0usize..16, 0..4),
        new_grants in prop::collection::vec((0usize..64, any::<u8>()), 0..6),
        status in 0usize..4,
        access_days in prop::option::of(-3i64..5),
        new_id in prop::option::of(100u32..300),
        removed in any::<bool>(),
        later_hours in 0i64..50,
    ) {
        let (mut org, _) = organisation(preset, &role_picks, &grants, &[], false);
        let mut table = AccessTable::build(&org, now());
        let (_, mut changed) = organisation(preset, &new_picks, &new_grants, &[], false);
        standing(&mut org.clone(), &mut changed, status, false, access_days, &[]);
        if let Some(id) = new_id {
            changed.id = id;
        }
        let before = org.users.get(&changed.id).cloned().map(Record::User);
        let after = (!removed).then(|| Record::User(changed.clone()));
        let change = Change {
            puts: vec![Put { key: RecordKey::User(changed.id), before, after }],
            counters: org.counters,
            summary: "a change".into(),
        };
        org.apply(&change);
        let at = now() + Duration::hours(later_hours);
        table.apply(&org, &change, at);
        let built = AccessTable::build(&org, at);
        let n = org.catalog().len();
        let levels = |t: &AccessTable, id| (0..n).map(|p| t.level(id, p)).collect::<Vec<_>>();
        for id in [1, 99, changed.id] {
            prop_assert_eq!(levels(&table, id), levels(&built, id));
        }
        prop_assert_eq!(table.next_change(), built.next_change());
        prop_assert!(table.covers(at));
    }
}
