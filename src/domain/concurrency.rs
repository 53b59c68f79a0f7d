//! Optimistic concurrency: no lost update, no silent overwrite.
//!
//! Every record remembers, through the audit log, the sequence number of
//! its last change. An edit made in an app is based on what that app showed
//! — the organisation as of some audit sequence, its *base*. When the edit
//! is saved, the changes committed after its base are compared with the
//! records the edit replaces: if one of them changed in between, the edit is
//! refused, naming who changed it and when, and nothing is written. The app
//! then shows the new state and keeps the pending edit for review.
//!
//! Pure: the store reads the later changes, this decides.

use chrono::{DateTime, Utc};

use super::error::{DomainError, DomainResult};
use super::org::{Change, Organisation, RecordKey};
use super::users::UserId;

/// A change committed after an edit's base, as the audit log records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Later {
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub operator: UserId,
    pub summary: String,
    /// The records it wrote; None when it replaced every record (an import).
    pub keys: Option<Vec<RecordKey>>,
}

/// Refuses `change`, planned against `org`, when a record it replaces (one
/// that existed before it) was written by one of `later` — the changes
/// committed after the edit's base. The first such change is named.
pub fn check_fresh(org: &Organisation, change: &Change, later: &[Later]) -> DomainResult<()> {
    for l in later {
        let hit = change
            .puts
            .iter()
            .filter(|p| p.before.is_some())
            .map(|p| p.key)
            .find(|k| match &l.keys {
                None => true,
                Some(keys) => keys.contains(k),
            });
        if let Some(key) = hit {
            let who = org
                .users
                .get(&l.operator)
                .map(|u| u.name())
                .unwrap_or_else(|| format!("user #{}", l.operator));
            let when = org.zone().local(l.at).format("%Y-%m-%d %H:%M");
            let what = match &l.keys {
                None => "the whole organisation (an import)".to_string(),
                Some(_) => describe(org, key),
            };
            return Err(DomainError::Stale(format!(
                "{who} changed {what} at {when} (audit #{}: {}) after you opened it; nothing was saved — review the new state and save again",
                l.seq, l.summary
            )));
        }
    }
    Ok(())
}

/// A record in the domain's words.
pub fn describe(org: &Organisation, key: RecordKey) -> String {
    match key {
        RecordKey::Settings => "the organisation's settings".into(),
        RecordKey::User(id) => match org.users.get(&id) {
            Some(u) => format!("user {} ({})", u.name(), u.handle()),
            None => format!("user #{id}"),
        },
        RecordKey::Role(id) => match org.roles.get(&id) {
            Some(r) => format!("role {}", r.name),
            None => format!("role #{id}"),
        },
        RecordKey::Qualification(id) => match org.qualifications.get(&id) {
            Some(q) => format!("qualification {}", q.number),
            None => format!("qualification #{id}"),
        },
        RecordKey::Authorization(id) => match org.authorizations.get(&id) {
            Some(a) => format!("authorization {}", a.reference),
            None => format!("authorization #{id}"),
        },
        RecordKey::Terminal(id) => match org.terminals.get(&id) {
            Some(t) => format!("terminal {}", t.name),
            None => format!("terminal #{id}"),
        },
        RecordKey::SodRule(id) => match org.sod_rules.get(&id) {
            Some(r) => format!("separation-of-duties rule {}", r.name),
            None => format!("separation-of-duties rule #{id}"),
        },
        RecordKey::Campaign(id) => match org.reviews.campaigns.get(&id) {
            Some(c) => format!("campaign #{id} {}", c.name),
            None => format!("campaign #{id}"),
        },
        RecordKey::ReviewItem(c, n) => format!("item {n} of campaign #{c}"),
        RecordKey::ReviewBlock(c, n) => format!("items from {n} of campaign #{c}"),
        RecordKey::Pin(id) => match org.users.get(&id) {
            Some(u) => format!("the PIN of {}", u.name()),
            None => format!("the PIN of user #{id}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::org::{Put, Record};

    fn org() -> Organisation {
        crate::domain::proptests::org_from_preset("maintenance")
    }

    fn edit_of(org: &Organisation, key: RecordKey) -> Change {
        let before = match key {
            RecordKey::User(id) => Record::User(org.users[&id].clone()),
            RecordKey::Role(id) => Record::Role(org.roles[&id].clone()),
            _ => Record::Settings(Box::new(org.settings.clone())),
        };
        Change {
            puts: vec![Put {
                key,
                before: Some(before.clone()),
                after: Some(before),
            }],
            counters: org.counters,
            summary: "edit".into(),
        }
    }

    fn later(seq: u64, keys: Option<Vec<RecordKey>>) -> Later {
        Later {
            seq,
            at: "2026-11-30T14:02:00Z".parse().unwrap(),
            operator: 1,
            summary: "assigned role Pilot to someone".into(),
            keys,
        }
    }

    #[test]
    fn an_edit_of_a_record_changed_after_its_base_is_refused_naming_who_and_when() {
        let org = org();
        let user = *org.users.keys().next().unwrap();
        let change = edit_of(&org, RecordKey::User(user));
        // Nothing later: fine. Later changes elsewhere: fine.
        check_fresh(&org, &change, &[]).unwrap();
        let role = *org.roles.keys().next().unwrap();
        check_fresh(
            &org,
            &change,
            &[later(7, Some(vec![RecordKey::Role(role)]))],
        )
        .unwrap();
        // The same record: refused, with who, when, what and the entry.
        let e = check_fresh(
            &org,
            &change,
            &[
                later(7, Some(vec![RecordKey::Role(role)])),
                later(8, Some(vec![RecordKey::User(user)])),
            ],
        )
        .unwrap_err();
        let msg = e.to_string();
        let admin = org.users[&1].name();
        let target = org.users[&user].name();
        assert!(msg.contains(&admin), "{msg}");
        assert!(msg.contains(&format!("user {target}")), "{msg}");
        assert!(msg.contains("audit #8"), "{msg}");
        assert!(msg.contains("nothing was saved"), "{msg}");
        assert!(matches!(e, DomainError::Stale(_)));
    }

    #[test]
    fn an_import_after_the_base_makes_every_edit_stale_but_new_records_are_never_stale() {
        let org = org();
        let user = *org.users.keys().next().unwrap();
        let change = edit_of(&org, RecordKey::User(user));
        assert!(check_fresh(&org, &change, &[later(9, None)])
            .unwrap_err()
            .to_string()
            .contains("an import"));
        let mut new = change.clone();
        new.puts[0].before = None;
        check_fresh(&org, &new, &[later(9, None)]).unwrap();
    }
}
