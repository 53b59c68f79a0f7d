//! Rule 2 with delegated administration (`domain::delegation`): the roles an
//! operator may assign by delegation are answered for by name, not level by
//! level; everything else in rule 2 stands.

use std::collections::BTreeSet;

use super::super::error::{DomainError, DomainResult};
use super::super::holdings::Until;
use super::super::roles::{Role, RoleId};
use super::super::text::sanitize;
use super::super::users::User;
use super::Ctx;

impl Ctx<'_> {
    /// Until when the operator may assign `role` by delegation (None: not at all).
    pub(super) fn delegates(&self, role: RoleId) -> Option<Until> {
        self.delegated.get(&role).copied()
    }

    /// `user` without the role assignments the operator may give by
    /// delegation at all: what remains must lie within the operator's access.
    pub(super) fn without_delegated(&self, user: &User) -> User {
        let mut u = user.clone();
        u.roles.retain(|a| self.delegates(a.role).is_none());
        u
    }

    /// `user` without the role assignments the operator may give by
    /// delegation for as long as they last (the assignment's end, or the
    /// user's access expiry if earlier).
    pub(super) fn without_covered(&self, user: &User) -> User {
        let access = Until::from_date(user.access_until);
        let mut u = user.clone();
        u.roles.retain(|a| {
            let lasts = Until::from_date(a.until).min(access);
            self.delegates(a.role).is_none_or(|d| d < lasts)
        });
        u
    }

    /// Rule 2 for delegation itself: every role the user's other roles (in
    /// force, or once reactivated) let them assign, the operator may assign
    /// too. Nobody manages someone who can hand out more than they can.
    pub(super) fn delegation_within(&self, rest: &User) -> DomainResult<()> {
        let zone = self.org.zone();
        for a in &rest.roles {
            if !zone.holds_until(a.until, self.now) {
                continue;
            }
            let Some(role) = self.org.roles.get(&a.role) else {
                continue;
            };
            if let Err(e) = self.may_assign_listed(role, false, &mut BTreeSet::new()) {
                let why = match e {
                    DomainError::Escalation(m) => m,
                    other => other.to_string(),
                };
                return Err(DomainError::Escalation(format!(
                    "{} holds role {}: {why}",
                    sanitize(&rest.handle()),
                    role.name,
                )));
            }
        }
        Ok(())
    }

    /// Whether the operator may assign `role`: by delegation, or because
    /// they hold every level it gives and may assign every role it lets its
    /// holders assign. With `for_good`, for good (a role's assignable roles
    /// are permanent, like its levels).
    pub(super) fn may_assign(&self, role: &Role, for_good: bool) -> DomainResult<()> {
        self.may_assign_in(role, for_good, &mut BTreeSet::new())
    }

    fn may_assign_in(
        &self,
        role: &Role,
        for_good: bool,
        seen: &mut BTreeSet<RoleId>,
    ) -> DomainResult<()> {
        let delegated = self.delegates(role.id);
        if delegated.is_some_and(|d| !for_good || d == Until::Forever) {
            return Ok(());
        }
        let held = self.holds_role(role).and_then(|()| {
            if for_good {
                let cat = self.org.catalog();
                for (i, l) in role.level_vector(cat).into_iter().enumerate() {
                    self.holds_for_good(i, l)?;
                }
            }
            self.may_assign_listed(role, for_good, seen)
        });
        match (held, delegated) {
            (Ok(()), _) => Ok(()),
            (Err(_), Some(Until::Day(d))) => Err(DomainError::Escalation(format!(
                "you may assign role {} only until {d}, not for good",
                role.name
            ))),
            (Err(e), _) => Err(e),
        }
    }

    /// Every role `role` lets its holders assign, the operator may assign.
    fn may_assign_listed(
        &self,
        role: &Role,
        for_good: bool,
        seen: &mut BTreeSet<RoleId>,
    ) -> DomainResult<()> {
        seen.insert(role.id);
        for y in &role.assignable {
            if !seen.insert(*y) {
                continue;
            }
            let Some(yr) = self.org.roles.get(y) else {
                continue;
            };
            if self.may_assign_in(yr, for_good, seen).is_err() {
                return Err(DomainError::Escalation(format!(
                    "role {} lets its holders assign {}, which you may not assign",
                    role.name, yr.name
                )));
            }
        }
        Ok(())
    }
}
