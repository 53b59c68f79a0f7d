//! Who holds a permission: every person whose effective level (the
//! engine's, at an instant) holds at least a level, with what gives it.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::catalog::{Level, PermIndex};
use super::engine::{effective_levels, potential_levels, sources_of, Source};
use super::org::Organisation;
use super::sod::level_holds;
use super::users::UserId;

/// One holder of a permission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Holder {
    pub user: UserId,
    pub level: Level,
    /// Whether they hold it at the instant (false: only listed with
    /// `hidden`, for someone whose standing gives them nothing now).
    pub holds: bool,
    /// The roles and personal grant that give it, in force at the instant.
    pub sources: Vec<Source>,
}

/// Everyone holding at least `least` of `perm` at `at` (0: any level above
/// none). With `hidden`, also the people who hold nothing now because of
/// their standing (invited, deactivated, deleted, past their access
/// expiry) but whose roles and grants in force would give it.
pub fn holders(
    org: &Organisation,
    perm: PermIndex,
    least: Level,
    at: DateTime<Utc>,
    hidden: bool,
) -> Vec<Holder> {
    let zone = org.zone();
    let mut out = Vec::new();
    for u in org.users.values() {
        let level = effective_levels(org, u, at).levels[perm];
        let holds = level_holds(level, least);
        let (level, listed) = if holds {
            (level, true)
        } else if hidden && !u.holds_access(at, zone) {
            let p = potential_levels(org, u, at)[perm];
            (p, level_holds(p, least))
        } else {
            (level, false)
        };
        if !listed {
            continue;
        }
        let sources = sources_of(org, u, perm, at)
            .into_iter()
            .filter(|s| !holds || s.in_force)
            .filter(|s| zone.holds_until(s.until, at))
            .collect();
        out.push(Holder {
            user: u.id,
            level,
            holds,
            sources,
        });
    }
    out
}
