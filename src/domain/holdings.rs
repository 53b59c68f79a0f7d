//! How long a user holds each level: the time half of rule 2 ("no escalation
//! in time"). A user holds a bit of a permission *until T* when some role
//! assignment or personal grant in force gives it and neither that source nor
//! the user's own access expiry ends before T. An operator may give a level
//! only for as long as they hold it.

use chrono::{DateTime, NaiveDate, Utc};

use super::catalog::{Level, PermIndex};
use super::org::Organisation;
use super::users::{User, UserStatus};

/// The last day something holds (inclusive), or for good. `Day(_) < Forever`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Until {
    Day(NaiveDate),
    Forever,
}

impl Until {
    pub fn from_date(d: Option<NaiveDate>) -> Until {
        d.map_or(Until::Forever, Until::Day)
    }

    /// "for good" or "until 2026-12-03", for messages.
    pub fn describe(self) -> String {
        match self {
            Until::Forever => "for good".into(),
            Until::Day(d) => format!("until {d}"),
        }
    }
}

/// Per permission, per bit of its level: until when the bit is held (None:
/// not held at all).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holdings {
    bits: Vec<[Option<Until>; 8]>,
}

impl Holdings {
    /// Nothing held (a user who does not exist yet).
    pub fn none(nperm: usize) -> Self {
        Holdings {
            bits: vec![[None; 8]; nperm],
        }
    }

    /// Until when every bit of `level` is held (None: some bit is not held).
    /// The empty level is held for good.
    pub fn until(&self, perm: PermIndex, level: Level) -> Option<Until> {
        let mut out = Until::Forever;
        for (b, held) in self.bits[perm].iter().enumerate() {
            if level & (1 << b) != 0 {
                out = out.min((*held)?);
            }
        }
        Some(out)
    }

    /// The bits of `perm` that are held at all.
    pub fn level(&self, perm: PermIndex) -> Level {
        self.bits[perm]
            .iter()
            .enumerate()
            .filter(|(_, h)| h.is_some())
            .fold(0, |l, (b, _)| l | (1 << b))
    }

    pub fn len(&self) -> usize {
        self.bits.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bits.is_empty()
    }

    /// Until when one bit of a permission is held (None: not held).
    pub fn bit(&self, perm: PermIndex, bit: u8) -> Option<Until> {
        self.bits[perm][bit as usize]
    }
}

/// Until when `user` holds each bit at `at`. Invited users count as holding
/// what they will hold once they accept (nobody has to act again for that);
/// deleted and expired users hold nothing, and deactivated users nothing but
/// what the organisation lets them keep (read-only access to their own
/// records, `engine::reads_own_only`), as the engine decides.
pub fn holdings(org: &Organisation, user: &User, at: DateTime<Utc>) -> Holdings {
    let catalog = org.catalog();
    if super::engine::reads_own_only(org, user, at) {
        let mut active = user.clone();
        active.status = UserStatus::Active;
        let mut h = holdings(org, &active, at);
        for (bits, p) in h.bits.iter_mut().zip(&catalog.permissions) {
            let keep = super::engine::read_own_keeps(p);
            for (b, held) in bits.iter_mut().enumerate() {
                if keep & (1 << b) == 0 {
                    *held = None;
                }
            }
        }
        return h;
    }
    let mut h = Holdings::none(catalog.len());
    let zone = org.zone();
    let live = matches!(user.status, UserStatus::Active | UserStatus::Invited);
    if !live || !zone.holds_until(user.access_until, at) {
        return h;
    }
    let access = Until::from_date(user.access_until);
    let mut give = |perm: PermIndex, level: Level, until: Until| {
        let until = until.min(access);
        for (b, held) in h.bits[perm].iter_mut().enumerate() {
            if level & (1 << b) != 0 {
                *held = Some(held.map_or(until, |x| x.max(until)));
            }
        }
    };
    for a in &user.roles {
        if !zone.holds_until(a.until, at) {
            continue;
        }
        let Some(role) = org.roles.get(&a.role) else {
            continue;
        };
        for i in 0..catalog.len() {
            let l = role.level(catalog, i);
            if l != 0 {
                give(i, l, Until::from_date(a.until));
            }
        }
    }
    for g in &user.grants {
        if !zone.holds_until(g.until, at) {
            continue;
        }
        if let Some(i) = catalog.index_of(&g.permission) {
            give(i, g.level, Until::from_date(g.until));
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn until_orders_days_before_forever() {
        assert!(Until::Day(d("2099-12-31")) < Until::Forever);
        assert!(Until::Day(d("2026-01-01")) < Until::Day(d("2026-01-02")));
        assert_eq!(Until::from_date(None), Until::Forever);
        assert_eq!(Until::Day(d("2026-12-03")).describe(), "until 2026-12-03");
    }

    #[test]
    fn the_empty_level_is_held_for_good_and_a_missing_bit_not_at_all() {
        let mut h = Holdings::none(1);
        assert_eq!(h.until(0, 0), Some(Until::Forever));
        h.bits[0][0] = Some(Until::Day(d("2026-12-03")));
        assert_eq!(h.until(0, 0b01), Some(Until::Day(d("2026-12-03"))));
        assert_eq!(h.until(0, 0b11), None);
        assert_eq!(h.level(0), 0b01);
    }

    /// Found by the state-machine proptest: a deactivated user keeps reading
    /// their own records where the organisation says so, so what they hold
    /// is that, not nothing — else an operator whose access ends could give
    /// them roles whose read-own access outlasts the operator's.
    #[test]
    fn a_deactivated_user_holds_what_they_may_still_read_of_their_own() {
        use crate::domain::users::UserStatus;
        let mut org = crate::domain::proptests::org_from_preset("operator");
        // The administrator's role gives every level; deactivated, only
        // the own relation of view permissions is left.
        let mut u = org.users[&1].clone();
        u.status = UserStatus::Deactivated;
        let at = chrono::Utc::now();
        let cat = org.catalog().clone();
        let view = cat.resolve("users.view").unwrap();
        let edit = cat.resolve("users.manage").unwrap();
        org.settings.deactivated_read_own = true;
        let h = holdings(&org, &u, at);
        assert_eq!(h.level(view), crate::domain::catalog::OWN);
        assert_eq!(h.level(edit), 0);
        assert_eq!(
            h.until(view, crate::domain::catalog::OWN),
            Some(Until::Forever)
        );
        org.settings.deactivated_read_own = false;
        assert_eq!(holdings(&org, &u, at).level(view), 0);
    }
}
