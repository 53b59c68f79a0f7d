//! The Users tab's status filter: a status, or access that is time-limited
//! or about to end.

use chrono::NaiveDate;

use crate::domain::users::{User, UserStatus};

/// How many days ahead "expiring" looks.
pub const EXPIRING_DAYS: i64 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    All,
    Is(UserStatus),
    /// The account, a role or a personal grant has an end date.
    TimeLimited,
    /// Something of theirs ends within [`EXPIRING_DAYS`].
    Expiring,
}

/// The order `s` cycles through.
pub const FILTERS: [StatusFilter; 7] = [
    StatusFilter::All,
    StatusFilter::Is(UserStatus::Active),
    StatusFilter::Is(UserStatus::Invited),
    StatusFilter::Is(UserStatus::Deactivated),
    StatusFilter::Is(UserStatus::Deleted),
    StatusFilter::TimeLimited,
    StatusFilter::Expiring,
];

/// Every end date of a user's access still ahead (or today).
fn ends(u: &User, today: NaiveDate) -> impl Iterator<Item = NaiveDate> + '_ {
    u.access_until
        .into_iter()
        .chain(u.roles.iter().filter_map(|a| a.until))
        .chain(u.grants.iter().filter_map(|g| g.until))
        .filter(move |d| *d >= today)
}

impl StatusFilter {
    pub fn matches(self, u: &User, today: NaiveDate) -> bool {
        match self {
            StatusFilter::All => true,
            StatusFilter::Is(s) => u.status == s,
            StatusFilter::TimeLimited => !u.is_deleted() && ends(u, today).next().is_some(),
            StatusFilter::Expiring => {
                !u.is_deleted() && ends(u, today).any(|d| (d - today).num_days() <= EXPIRING_DAYS)
            }
        }
    }

    /// Whether deactivated and deleted people are hidden under it (unless
    /// shown): everywhere but where their status is asked for.
    pub fn hides_archived(self) -> bool {
        !matches!(self, StatusFilter::Is(_))
    }

    /// The filter's words in the list's title (None for all).
    pub fn words(self) -> Option<String> {
        match self {
            StatusFilter::All => None,
            StatusFilter::Is(s) => Some(format!("status: {}", s.word())),
            StatusFilter::TimeLimited => Some("time-limited access".into()),
            StatusFilter::Expiring => Some(format!("access ending within {EXPIRING_DAYS} days")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_limited_and_expiring_look_at_account_roles_and_grants() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let mut u = User {
            id: 2,
            given: "A".into(),
            family: "B".into(),
            email: None,
            login: None,
            status: UserStatus::Active,
            access_until: None,
            roles: vec![],
            grants: vec![],
            invitation: None,
            created_at: chrono::DateTime::<chrono::Utc>::MIN_UTC,
        };
        assert!(!StatusFilter::TimeLimited.matches(&u, today));
        u.access_until = Some(today + chrono::Duration::days(90));
        assert!(StatusFilter::TimeLimited.matches(&u, today));
        assert!(!StatusFilter::Expiring.matches(&u, today));
        u.access_until = Some(today + chrono::Duration::days(30));
        assert!(StatusFilter::Expiring.matches(&u, today));
        // An end already past limits nothing any more.
        u.access_until = Some(today - chrono::Duration::days(1));
        assert!(!StatusFilter::TimeLimited.matches(&u, today));
    }
}
