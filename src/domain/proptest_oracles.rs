//! The oracles of the state-machine test (`proptests`), coded apart from
//! the rules they check: until when a user holds a level, who manages, and
//! what delegated administration lets a user assign (PRODUCT.md).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};

use super::engine::{effective_levels, within};
use super::org::Organisation;

/// The oracle of time, independent of the rules' own bookkeeping: until when
/// `user` holds bit `bit` of permission `perm`, found by asking the engine at
/// every day on which some source of theirs could end (None: not held now;
/// `NaiveDate::MAX`: for good).
pub(super) fn held_until(
    org: &Organisation,
    user: &super::users::User,
    perm: usize,
    bit: u8,
    t: DateTime<Utc>,
) -> Option<NaiveDate> {
    let has = |at: DateTime<Utc>| effective_levels(org, user, at).levels[perm] & (1 << bit) != 0;
    if !has(t) {
        return None;
    }
    let mut ends: Vec<NaiveDate> = user
        .roles
        .iter()
        .filter_map(|a| a.until)
        .chain(user.grants.iter().filter_map(|g| g.until))
        .chain(user.access_until)
        .filter(|d| *d >= org.day_of(t))
        .collect();
    ends.sort();
    for d in ends {
        if !has(org.zone().end_of(d)) {
            return Some(d);
        }
    }
    Some(NaiveDate::MAX)
}

/// Whether a user may manage users or roles at `t`.
pub(super) fn manages(org: &Organisation, u: &super::users::User, t: DateTime<Utc>) -> bool {
    let levels = effective_levels(org, u, t).levels;
    [
        super::catalog::system::USERS_MANAGE,
        super::catalog::system::ROLES_MANAGE,
    ]
    .iter()
    .any(|k| levels[org.catalog().system(k)] != 0)
}

/// The oracle of delegated administration (PRODUCT.md), coded apart from
/// the rules: the roles `me`'s roles in force list as assignable, with the
/// last day `me` may assign each (`NaiveDate::MAX`: for good) — never the
/// built-in administrator, never a role that lets its holders assign a role
/// `me` may not, never a role with an administrative level `me` lacks, and
/// for no longer than `me` holds the listing role, the listed roles and
/// those levels.
pub(super) fn delegated_by(
    org: &Organisation,
    me: &super::users::User,
    t: DateTime<Utc>,
) -> BTreeMap<u32, NaiveDate> {
    let zone = org.zone();
    if !me.holds_access(t, zone) {
        return BTreeMap::new();
    }
    let end = |d: Option<NaiveDate>| d.unwrap_or(NaiveDate::MAX);
    let mut listed: BTreeMap<u32, NaiveDate> = BTreeMap::new();
    for a in me.roles.iter().filter(|a| zone.holds_until(a.until, t)) {
        let Some(role) = org.roles.get(&a.role) else {
            continue;
        };
        let d = end(a.until).min(end(me.access_until));
        for x in &role.assignable {
            let e = listed.entry(*x).or_insert(d);
            *e = (*e).max(d);
        }
    }
    let cat = org.catalog();
    let mut out = BTreeMap::new();
    'roles: for (&x, &d) in &listed {
        let Some(xr) = org.roles.get(&x).filter(|r| !r.builtin_admin) else {
            continue;
        };
        let mut d = d;
        for y in &xr.assignable {
            match listed.get(y) {
                Some(e) => d = d.min(*e),
                None => continue 'roles,
            }
        }
        for key in super::delegation::ADMINISTRATIVE {
            let Some(i) = cat.index_of(key) else {
                continue;
            };
            let l = xr.level(cat, i);
            for bit in (0..8u8).filter(|b| l & (1 << b) != 0) {
                match held_until(org, me, i, bit, t) {
                    Some(g) => d = d.min(g),
                    None => continue 'roles,
                }
            }
        }
        out.insert(x, d);
    }
    out
}

/// Whether `me` may assign `role` (for good, with `for_good`): by
/// delegation, or holding its levels (for good) and able to assign every
/// role it lists.
pub(super) fn may_assign(
    org: &Organisation,
    me: &super::users::User,
    delegated: &BTreeMap<u32, NaiveDate>,
    role: u32,
    for_good: bool,
    t: DateTime<Utc>,
    seen: &mut std::collections::BTreeSet<u32>,
) -> bool {
    if delegated
        .get(&role)
        .is_some_and(|d| !for_good || *d == NaiveDate::MAX)
    {
        return true;
    }
    let Some(r) = org.roles.get(&role) else {
        return true;
    };
    seen.insert(role);
    let cat = org.catalog();
    let mine = effective_levels(org, me, t).levels;
    let rv = r.level_vector(cat);
    if !within(&rv, &mine) {
        return false;
    }
    if for_good {
        for (i, l) in rv.iter().enumerate() {
            for bit in (0..8u8).filter(|b| l & (1 << b) != 0) {
                if held_until(org, me, i, bit, t) != Some(NaiveDate::MAX) {
                    return false;
                }
            }
        }
    }
    r.assignable.iter().all(|y| {
        seen.contains(y) || {
            seen.insert(*y);
            may_assign(org, me, delegated, *y, for_good, t, seen)
        }
    })
}
