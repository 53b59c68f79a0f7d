//! The items a campaign reviews, and who reviews each.
//!
//! Items are the assignments, personal grants and authorizations in scope
//! that still give something: not those of deleted people, not assignments
//! or grants past their day, not revoked or expired authorizations.
//! Deactivated and invited people's items are included: roles kept by
//! someone who left are exactly what a review is for.
//!
//! Each item goes to a reviewer who neither holds it nor (unless the
//! campaign allows it) gave it. All items of one person go to the same
//! reviewer where the rules allow, so a reviewer sees someone's access
//! whole; people are spread over the reviewers in turn.

use chrono::{DateTime, NaiveDate, Utc};

use super::super::authorizations::AuthorizationStatus;
use super::super::catalog::system;
use super::super::org::Organisation;
use super::super::roles::Role;
use super::super::users::{User, UserStatus};
use super::{CampaignId, ItemNo, ReviewItem, Scope, Target};

/// The system permissions whose holders administer the organisation.
pub const PRIVILEGED: [&str; 5] = [
    system::USERS_MANAGE,
    system::USERS_IMPERSONATE,
    system::ROLES_MANAGE,
    system::AUTHORIZATIONS_MANAGE,
    system::AUDIT_VIEW,
];

/// Whether a role gives administration: it is the administrator role or
/// gives any level of a privileged permission.
pub fn role_is_privileged(role: &Role) -> bool {
    role.builtin_admin || role.levels.iter().any(|(k, l)| *l != 0 && is_privileged(k))
}

pub fn is_privileged(permission: &str) -> bool {
    PRIVILEGED.contains(&permission)
}

fn role_in_area(org: &Organisation, role: &Role, area: &str) -> bool {
    role.builtin_admin
        || org
            .catalog()
            .in_area(area)
            .any(|(_, p)| role.levels.get(&p.key).is_some_and(|l| *l != 0))
}

fn area_of(permission: &str) -> &str {
    permission
        .split_once('.')
        .map(|(a, _)| a)
        .unwrap_or(permission)
}

/// Whether a role's assignments are in scope.
fn role_in_scope(org: &Organisation, scope: &Scope, role: &Role) -> bool {
    match scope {
        Scope::All => true,
        Scope::Role(r) => role.id == *r,
        Scope::Area(a) => role_in_area(org, role, a),
        Scope::Privileged => role_is_privileged(role),
        Scope::Kind(_) => false,
    }
}

fn grant_in_scope(scope: &Scope, permission: &str) -> bool {
    match scope {
        Scope::All => true,
        Scope::Role(_) | Scope::Kind(_) => false,
        Scope::Area(a) => area_of(permission) == a,
        Scope::Privileged => is_privileged(permission),
    }
}

/// An item before its number and reviewer are given.
#[derive(Debug, Clone)]
pub struct Found {
    pub user: u32,
    pub target: Target,
    pub until: Option<NaiveDate>,
    pub given_by: u32,
    pub given_at: DateTime<Utc>,
}

/// Every item in scope on `today`, person by person in id order.
pub fn in_scope(org: &Organisation, scope: &Scope, today: NaiveDate) -> Vec<Found> {
    let catalog = org.catalog();
    let mut out = Vec::new();
    let live = |u: &&User| u.status != UserStatus::Deleted;
    let roles_in: std::collections::BTreeSet<_> = org
        .roles
        .values()
        .filter(|r| role_in_scope(org, scope, r))
        .map(|r| r.id)
        .collect();
    for u in org.users.values().filter(live) {
        for a in &u.roles {
            if !roles_in.contains(&a.role) || a.until.is_some_and(|d| d < today) {
                continue;
            }
            let Some(role) = org.roles.get(&a.role) else {
                continue;
            };
            out.push(Found {
                user: u.id,
                target: Target::Assignment {
                    role: role.id,
                    role_name: role.name.clone(),
                },
                until: a.until,
                given_by: a.by,
                given_at: a.at,
            });
        }
        for g in &u.grants {
            if !grant_in_scope(scope, &g.permission) || g.until.is_some_and(|d| d < today) {
                continue;
            }
            let words = catalog
                .index_of(&g.permission)
                .map_or(g.level.to_string(), |i| {
                    catalog.get(i).scale.level_word(g.level)
                });
            out.push(Found {
                user: u.id,
                target: Target::Grant {
                    permission: g.permission.clone(),
                    level: g.level,
                    level_words: words,
                },
                until: g.until,
                given_by: g.by,
                given_at: g.at,
            });
        }
    }
    let kinds = match scope {
        Scope::All => None,
        Scope::Kind(k) => Some(k.as_str()),
        _ => return out,
    };
    for a in org.authorizations.values() {
        if kinds.is_some_and(|k| !a.kind.eq_ignore_ascii_case(k))
            || a.status == AuthorizationStatus::Revoked
            || a.expires.is_some_and(|d| d < today)
            || org.users.get(&a.holder).is_none_or(|u| u.is_deleted())
        {
            continue;
        }
        out.push(Found {
            user: a.holder,
            target: Target::Authorization {
                id: a.id,
                reference: a.reference.clone(),
                kind: a.kind.clone(),
            },
            until: a.expires,
            given_by: a.issued_by,
            given_at: a.issued_at,
        });
    }
    if kinds.is_none() {
        // Keep one person's items together.
        out.sort_by_key(|f| f.user);
    }
    out
}

/// Numbers the items and gives each a reviewer: the person's turn in the
/// list of reviewers, or the next one along who neither holds the item nor
/// (unless `granter_may_review`) gave it; None if no reviewer is left.
pub fn assign(
    org: &Organisation,
    campaign: CampaignId,
    found: Vec<Found>,
    reviewers: &[u32],
    granter_may_review: bool,
) -> Vec<ReviewItem> {
    let n = reviewers.len();
    let mut turn = 0usize;
    let mut last_user = None;
    found
        .into_iter()
        .enumerate()
        .map(|(i, f)| {
            if last_user != Some(f.user) {
                if last_user.is_some() {
                    turn = (turn + 1) % n.max(1);
                }
                last_user = Some(f.user);
            }
            let reviewer = (0..n)
                .map(|k| reviewers[(turn + k) % n])
                .find(|r| *r != f.user && (granter_may_review || *r != f.given_by));
            ReviewItem {
                campaign,
                no: (i + 1) as ItemNo,
                holder: f.user,
                holder_name: name_of(org, f.user),
                target: f.target,
                until: f.until,
                given_by: f.given_by,
                given_by_name: name_of(org, f.given_by),
                given_at: f.given_at,
                reviewer,
                decision: None,
                outcome: None,
            }
        })
        .collect()
}

/// A person in words by id: "Hugo Dahl (hdahl)", or "#7" if unknown.
pub fn name_of(org: &Organisation, id: u32) -> String {
    org.users.get(&id).map_or(format!("#{id}"), person_words)
}

/// "Hugo Dahl (hdahl)".
pub fn person_words(u: &User) -> String {
    format!("{} ({})", u.name(), u.handle())
}
