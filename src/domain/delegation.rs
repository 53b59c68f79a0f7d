//! Delegated administration (PRODUCT.md): a role may carry **assignable
//! roles** — the roles its holders may assign and unassign, and whose
//! holders they may add, edit, deactivate and delete, even where those roles
//! hold levels the holder lacks (the Kubernetes `bind` idea, limited to
//! named roles).
//!
//! Delegation never hands out more administration than the delegate has:
//! a listed role is assignable by a user only when
//! - it is not the built-in administrator;
//! - every role it lets its own holders assign is assignable by the user
//!   too (delegation does not widen down a chain);
//! - every administrative level it holds (`users.manage`,
//!   `users.impersonate`, `roles.manage`) is held by the user.
//!
//! And in time: the user assigns it only for as long as they hold the role
//! that lists it, the roles it lists, and those administrative levels.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::catalog::system;
use super::holdings::{holdings, Until};
use super::org::Organisation;
use super::roles::RoleId;
use super::users::User;

/// The administrative permissions delegation never gives beyond the
/// delegate's own.
pub const ADMINISTRATIVE: [&str; 3] = [
    system::USERS_MANAGE,
    system::USERS_IMPERSONATE,
    system::ROLES_MANAGE,
];

/// One role a user's roles list as assignable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delegation {
    pub role: RoleId,
    /// The role (of the user's) that lists it, held longest.
    pub via: RoleId,
    /// Until when the user may assign it; None: listed, but not assignable
    /// by them (see `refused`).
    pub until: Option<Until>,
    /// Why a listed role is not assignable by this user.
    pub refused: Option<String>,
}

/// Every role the user's roles in force at `at` list as assignable, with
/// until when the user may assign it or why not. A user who holds no access
/// delegates nothing.
pub fn delegations(org: &Organisation, user: &User, at: DateTime<Utc>) -> Vec<Delegation> {
    let zone = org.zone();
    if !user.holds_access(at, zone) {
        return vec![];
    }
    let access = Until::from_date(user.access_until);
    // Listed roles: until when (the longest-held role listing them) and by which role.
    let mut listed: BTreeMap<RoleId, (Until, RoleId)> = BTreeMap::new();
    for a in &user.roles {
        if !zone.holds_until(a.until, at) {
            continue;
        }
        let Some(role) = org.roles.get(&a.role) else {
            continue;
        };
        let until = Until::from_date(a.until).min(access);
        for x in &role.assignable {
            let e = listed.entry(*x).or_insert((until, role.id));
            if until > e.0 {
                *e = (until, role.id);
            }
        }
    }
    let cat = org.catalog();
    let held = holdings(org, user, at);
    let mut out = Vec::new();
    for (&id, &(until, via)) in &listed {
        let Some(x) = org.roles.get(&id) else {
            continue;
        };
        let refuse = |why: String| Delegation {
            role: id,
            via,
            until: None,
            refused: Some(why),
        };
        if x.builtin_admin {
            out.push(refuse(
                "the built-in administrator is never delegated".into(),
            ));
            continue;
        }
        let mut until = until;
        let mut why = None;
        for y in &x.assignable {
            match listed.get(y) {
                Some((u, _)) => until = until.min(*u),
                None => {
                    let name = org.roles.get(y).map_or("?", |r| r.name.as_str());
                    why = Some(format!(
                        "it lets its holders assign {name}, which you may not"
                    ));
                    break;
                }
            }
        }
        if why.is_none() {
            for key in ADMINISTRATIVE {
                let Some(i) = cat.index_of(key) else {
                    continue;
                };
                let l = x.level(cat, i);
                if l == 0 {
                    continue;
                }
                match held.until(i, l) {
                    Some(h) => until = until.min(h),
                    None => {
                        why = Some(format!(
                            "it gives {key} = {}, which you do not hold",
                            cat.get(i).scale.level_word(l)
                        ));
                        break;
                    }
                }
            }
        }
        match why {
            Some(w) => out.push(refuse(w)),
            None => out.push(Delegation {
                role: id,
                via,
                until: Some(until),
                refused: None,
            }),
        }
    }
    out
}

/// The roles the user may assign by delegation, and until when.
pub fn assignable_by(
    org: &Organisation,
    user: &User,
    at: DateTime<Utc>,
) -> BTreeMap<RoleId, Until> {
    delegations(org, user, at)
        .into_iter()
        .filter_map(|d| Some((d.role, d.until?)))
        .collect()
}
