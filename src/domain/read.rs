//! Reading is a rule too: what a user may list and see, with scope. One
//! policy for the CLI, the app and any later front end; the front ends ask
//! here instead of keeping their own permission lists.
//!
//! - **People** (users): `users.manage` reads everyone; `users.view` reads by
//!   its relations (`own`: yourself, `other`: everyone else; on an `access`
//!   scale any level reads everyone). Finer relations (`students`, `pilots`)
//!   name memberships Clearance does not record yet, so they read nobody:
//!   deny by default.
//! - **Authorizations and qualifications**: `authorizations.manage` reads
//!   all; where the catalog has `authorizations.view`, it governs the rest by
//!   its relations; where it does not, `users.view` reading everyone does.
//! - **Roles and kinds** (definitions, not personal data): any of
//!   `users.view`, `users.manage`, `roles.manage`, `authorizations.manage`.
//! - **The audit log and exports**: `audit.view` (exports: also `users.manage`).
//! - Everyone may always read their own record, access, qualifications and
//!   authorizations (self-service, the Me tab).

use chrono::{DateTime, Utc};

use super::catalog::{system, Catalog, Level, Scale};
use super::engine::effective_levels;
use super::error::{DomainError, DomainResult};
use super::org::Organisation;
use super::users::{User, UserId};

/// What is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Users,
    /// Authorizations and the qualifications they rest on.
    Authorizations,
    /// Role and kind definitions.
    Roles,
    Audit,
    /// The whole organisation as a file.
    Export,
}

impl Subject {
    /// What to hold to read everyone's, for messages.
    fn needs(self, catalog: &Catalog) -> &'static str {
        match self {
            Subject::Users => "users.view for other users, or users.manage",
            Subject::Authorizations if catalog.index_of("authorizations.view").is_some() => {
                "authorizations.view for all, or authorizations.manage"
            }
            Subject::Authorizations => "users.view, or authorizations.manage",
            Subject::Roles => "users.view, users.manage, roles.manage or authorizations.manage",
            Subject::Audit => "audit.view",
            Subject::Export => "users.manage or audit.view",
        }
    }

    fn what(self) -> &'static str {
        match self {
            Subject::Users => "other users",
            Subject::Authorizations => "other people's authorizations and qualifications",
            Subject::Roles => "roles",
            Subject::Audit => "the audit log",
            Subject::Export => "the organisation",
        }
    }
}

/// Whose records of a subject a viewer may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadScope {
    viewer: UserId,
    /// Everyone's.
    pub others: bool,
}

impl ReadScope {
    /// Whether the viewer may read a record held by (or about) `holder`.
    pub fn covers(self, holder: UserId) -> bool {
        self.others || holder == self.viewer
    }
}

/// The viewer's reading rights on one subject at `at`.
pub fn read_scope(
    org: &Organisation,
    viewer: &User,
    subject: Subject,
    at: DateTime<Utc>,
) -> ReadScope {
    let levels = effective_levels(org, viewer, at).levels;
    let c = org.catalog();
    let level = |key: &str| c.index_of(key).map_or(0, |i| levels[i]);
    let grant = |key: &str| level(key) != 0;
    let reads_others = |key: &str| {
        c.index_of(key).is_some_and(|i| {
            let l = levels[i];
            match &c.get(i).scale {
                Scale::Scope { .. } => l & other_bit(&c.get(i).scale) != 0,
                _ => l != 0,
            }
        })
    };
    let others = match subject {
        Subject::Users => grant(system::USERS_MANAGE) || reads_others(system::USERS_VIEW),
        Subject::Authorizations => {
            grant(system::AUTHORIZATIONS_MANAGE)
                || if c.index_of("authorizations.view").is_some() {
                    reads_others("authorizations.view")
                } else {
                    reads_others(system::USERS_VIEW)
                }
        }
        Subject::Roles => [
            system::USERS_VIEW,
            system::USERS_MANAGE,
            system::ROLES_MANAGE,
            system::AUTHORIZATIONS_MANAGE,
        ]
        .iter()
        .any(|k| level(k) != 0),
        Subject::Audit => grant(system::AUDIT_VIEW),
        Subject::Export => grant(system::USERS_MANAGE) || grant(system::AUDIT_VIEW),
    };
    ReadScope {
        viewer: viewer.id,
        others,
    }
}

/// The bit of the `other` relation on a scope scale (0 if it has none).
fn other_bit(scale: &Scale) -> Level {
    scale.parse_relation("other").unwrap_or(0)
}

/// Reading everyone's records of a subject (listings of roles, the audit
/// log, exports), or an error naming what it needs.
pub fn require_all(
    org: &Organisation,
    viewer: &User,
    subject: Subject,
    at: DateTime<Utc>,
) -> DomainResult<ReadScope> {
    let scope = read_scope(org, viewer, subject, at);
    if scope.others {
        return Ok(scope);
    }
    Err(DomainError::Forbidden(format!(
        "reading {} needs {}",
        subject.what(),
        subject.needs(org.catalog())
    )))
}

/// Reading one holder's records of a subject, or an error naming what it needs.
pub fn require_holder(
    org: &Organisation,
    viewer: &User,
    subject: Subject,
    holder: UserId,
    at: DateTime<Utc>,
) -> DomainResult<ReadScope> {
    let scope = read_scope(org, viewer, subject, at);
    if scope.covers(holder) {
        return Ok(scope);
    }
    Err(DomainError::Forbidden(format!(
        "reading {} needs {}",
        subject.what(),
        subject.needs(org.catalog())
    )))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::domain::command::{Command, NewUser};
    use crate::domain::proptests::org_from_preset;
    use crate::domain::rules::{plan, Actor};

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).unwrap()
    }

    fn with(preset: &str, role: &str, grants: &[(&str, &str)]) -> (Organisation, UserId) {
        let mut org = org_from_preset(preset);
        // A user with only personal grants.
        org.settings.role_required = false;
        let admin = Actor {
            operator: 1,
            acting_as: None,
        };
        let mut cmds = vec![Command::AddUser(NewUser {
            given: "Vi".into(),
            family: "Ewer".into(),
            email: None,
            login: Some("vi".into()),
            roles: if role.is_empty() {
                vec![]
            } else {
                vec![role.into()]
            },
            access_until: None,
        })];
        for (p, l) in grants {
            cmds.push(Command::Grant {
                user: "vi".into(),
                permission: (*p).into(),
                level: (*l).into(),
                until: None,
            });
        }
        for c in cmds {
            let ch = plan(&org, admin, &c, t0()).unwrap();
            org.apply(&ch);
        }
        let id = org.resolve_user("vi").unwrap().id;
        (org, id)
    }

    #[test]
    fn a_finer_relation_alone_reads_nobody_but_yourself() {
        let (org, vi) = with("operator", "", &[("users.view", "students")]);
        let me = org.user(vi).unwrap();
        let s = read_scope(&org, me, Subject::Users, t0());
        assert!(!s.others);
        assert!(s.covers(vi));
        assert!(!s.covers(1));
        let e = require_all(&org, me, Subject::Users, t0()).unwrap_err();
        assert!(e.to_string().contains("users.view for other users"), "{e}");
    }

    #[test]
    fn the_other_relation_reads_everyone() {
        let (org, vi) = with("operator", "", &[("users.view", "other")]);
        let me = org.user(vi).unwrap();
        assert!(read_scope(&org, me, Subject::Users, t0()).covers(1));
    }

    #[test]
    fn authorizations_view_own_reads_only_ones_own_and_all_reads_everyones() {
        let (org, vi) = with("maintenance", "", &[("authorizations.view", "own")]);
        let me = org.user(vi).unwrap();
        let s = require_holder(&org, me, Subject::Authorizations, vi, t0()).unwrap();
        assert!(!s.others);
        let e = require_holder(&org, me, Subject::Authorizations, 1, t0()).unwrap_err();
        assert!(
            e.to_string()
                .contains("authorizations.view for all, or authorizations.manage"),
            "{e}"
        );
        let (org, vi) = with("maintenance", "", &[("authorizations.view", "all")]);
        let me = org.user(vi).unwrap();
        assert!(read_scope(&org, me, Subject::Authorizations, t0()).others);
        // users.view does not read authorizations where authorizations.view exists.
        let (org, vi) = with("maintenance", "", &[("users.view", "view")]);
        let me = org.user(vi).unwrap();
        assert!(!read_scope(&org, me, Subject::Authorizations, t0()).others);
        assert!(read_scope(&org, me, Subject::Users, t0()).others);
    }

    #[test]
    fn without_authorizations_view_users_view_governs() {
        let (org, vi) = with("flight-school", "", &[("users.view", "view")]);
        let me = org.user(vi).unwrap();
        assert!(read_scope(&org, me, Subject::Authorizations, t0()).others);
    }

    #[test]
    fn nothing_held_reads_only_yourself_and_no_audit() {
        let (org, vi) = with("maintenance", "", &[]);
        let me = org.user(vi).unwrap();
        for s in [
            Subject::Users,
            Subject::Authorizations,
            Subject::Roles,
            Subject::Audit,
            Subject::Export,
        ] {
            let r = read_scope(&org, me, s, t0());
            assert!(!r.others, "{s:?}");
            assert!(r.covers(vi));
        }
    }
}
