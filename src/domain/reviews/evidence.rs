//! The evidence shown beside an item: what it gives, who gave it and when,
//! last activity, expiry, what changed since the last closed campaign,
//! separation-of-duties conflicts, an authorization's standing and bases,
//! and the risk signs a reviewer filters on.
//!
//! Activity (last sign-in, last allowed use of a permission) is evidence
//! the server keeps apart from the audited records; the domain takes it as
//! given ([`Activity`]).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::super::authorizations::Standing;
use super::super::org::Organisation;
use super::super::sod;
use super::super::users::UserId;
use super::items::{is_privileged, role_is_privileged};
use super::{Campaign, CampaignId, Outcome, ReviewItem, Reviews, Target};

/// Days without activity after which an item counts as inactive, unless
/// the campaign says otherwise.
pub const INACTIVE_DAYS: u32 = 90;

/// What the server saw of one person.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Activity {
    pub last_sign_in: Option<DateTime<Utc>>,
    /// Permission key → the last time a check or signoff about the person
    /// was allowed.
    pub last_allowed: BTreeMap<String, DateTime<Utc>>,
}

/// A sign that an item deserves a look before it is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Risk {
    /// No activity for at least the inactivity threshold (or none recorded
    /// since it was given that long ago).
    Inactive,
    Privileged,
    SodConflict,
    GrantedByReviewer,
    ExpiresNever,
    /// Given again after an earlier campaign removed it.
    Regranted,
}

impl Risk {
    pub fn word(self) -> &'static str {
        match self {
            Risk::Inactive => "inactive",
            Risk::Privileged => "privileged",
            Risk::SodConflict => "SoD conflict",
            Risk::GrantedByReviewer => "granted by reviewer",
            Risk::ExpiresNever => "expires never",
            Risk::Regranted => "given again after removal",
        }
    }

    /// Four letters for a table column: "idle priv sod mine perm back"
    /// (inactive, privileged, SoD conflict, given by the reviewer,
    /// permanent, given again after a removal).
    pub fn short(self) -> &'static str {
        match self {
            Risk::Inactive => "idle",
            Risk::Privileged => "priv",
            Risk::SodConflict => "sod",
            Risk::GrantedByReviewer => "mine",
            Risk::ExpiresNever => "perm",
            Risk::Regranted => "back",
        }
    }
}

/// Everything shown about one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// What it gives, one line each ("inventory: manage").
    pub gives: Vec<String>,
    /// "Ada Admin (ada) on 2026-03-01".
    pub given: String,
    /// "signed in 2026-11-20; used inventory.manage 2026-11-19", or "none
    /// recorded".
    pub activity: String,
    /// Whole days since the last activity (None: none recorded).
    pub idle_days: Option<i64>,
    pub expiry: String,
    pub changed: String,
    pub sod: Vec<String>,
    /// For an authorization: its standing and bases.
    pub authorization: Vec<String>,
    /// Whether the item still exists as reviewed (false: ended or removed
    /// since the campaign started).
    pub current: bool,
    pub risks: Vec<Risk>,
}

/// What an item is judged against: its campaign's inactivity threshold,
/// and what the last closed campaign said of each (person, thing). It owns
/// what it keeps, so a front end builds it once per change of the data.
pub struct Previous {
    /// Days without activity that count as inactive.
    pub inactive_days: i64,
    /// The last campaign closed before this one started.
    pub campaign: Option<Earlier>,
    by_thing: HashMap<(UserId, u8, String), Said>,
}

/// The campaign an item is compared with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Earlier {
    pub id: CampaignId,
    pub name: String,
}

/// What that campaign said of one thing.
struct Said {
    until: Option<NaiveDate>,
    level_words: Option<String>,
    outcome: Option<Outcome>,
}

fn thing(t: &Target) -> (u8, String) {
    match t {
        Target::Assignment { role, .. } => (0, role.to_string()),
        Target::Grant { permission, .. } => (1, permission.clone()),
        Target::Authorization { id, .. } => (2, id.to_string()),
    }
}

fn level_words(t: &Target) -> Option<&String> {
    match t {
        Target::Grant { level_words, .. } => Some(level_words),
        _ => None,
    }
}

impl Previous {
    /// The last campaign closed before `campaign` started.
    pub fn of(reviews: &Reviews, campaign: &Campaign) -> Previous {
        let prev = reviews
            .campaigns
            .values()
            .filter(|c| c.id != campaign.id)
            .filter_map(|c| c.closed.as_ref().map(|cl| (cl.at, c)))
            .filter(|(at, _)| *at <= campaign.started_at)
            .max_by_key(|(at, c)| (*at, c.id))
            .map(|(_, c)| c);
        let by_thing = prev
            .map(|p| {
                reviews
                    .items_of(p.id)
                    .map(|i| {
                        let (k, id) = thing(&i.target);
                        let said = Said {
                            until: i.until,
                            level_words: level_words(&i.target).cloned(),
                            outcome: i.outcome.clone(),
                        };
                        ((i.holder, k, id), said)
                    })
                    .collect()
            })
            .unwrap_or_default();
        Previous {
            inactive_days: i64::from(campaign.inactive_days),
            campaign: prev.map(|p| Earlier {
                id: p.id,
                name: p.name.clone(),
            }),
            by_thing,
        }
    }

    fn find(&self, item: &ReviewItem) -> Option<&Said> {
        let (k, id) = thing(&item.target);
        self.by_thing.get(&(item.holder, k, id))
    }

    /// What changed since the last closed campaign, and whether it was
    /// given again after that campaign removed it.
    pub fn changed(&self, item: &ReviewItem) -> (String, bool) {
        let Some(p) = &self.campaign else {
            return ("first review".into(), false);
        };
        let Some(old) = self.find(item) else {
            return (format!("new since {} (#{})", p.name, p.id), false);
        };
        if matches!(old.outcome, Some(Outcome::Removed)) {
            return (
                format!("given again after {} (#{}) removed it", p.name, p.id),
                true,
            );
        }
        let mut diffs = Vec::new();
        if let (Some(a), Some(b)) = (&old.level_words, level_words(&item.target)) {
            if a != b {
                diffs.push(format!("level {a} → {b}"));
            }
        }
        if old.until != item.until {
            diffs.push(format!("until {} → {}", day(old.until), day(item.until)));
        }
        if diffs.is_empty() {
            let how = old
                .outcome
                .as_ref()
                .map_or("reviewed".into(), Outcome::words);
            (
                format!("unchanged since {} (#{}): {how}", p.name, p.id),
                false,
            )
        } else {
            (
                format!("since {} (#{}): {}", p.name, p.id, diffs.join(", ")),
                false,
            )
        }
    }
}

fn day(d: Option<NaiveDate>) -> String {
    d.map_or("never".into(), |d| d.to_string())
}

/// The separation-of-duties conflicts of each of `users` now, in words
/// (only those with one are in the map).
pub fn conflicts(
    org: &Organisation,
    users: impl IntoIterator<Item = UserId>,
    now: DateTime<Utc>,
) -> HashMap<UserId, Vec<String>> {
    let day = org.day_of(now);
    let rules: Vec<_> = org.sod_rules.values().filter(|r| r.is_live()).collect();
    let mut out: HashMap<UserId, Vec<String>> = HashMap::new();
    if rules.is_empty() {
        return out;
    }
    for id in users {
        if out.contains_key(&id) {
            continue;
        }
        let Some(u) = org.users.get(&id) else {
            continue;
        };
        let words: Vec<String> = rules
            .iter()
            .filter(|r| sod::holds_all(org, r, u, now, false))
            .map(|r| {
                let mut w = format!("{}: holds {}", r.name, r.describe(org));
                if let Some(e) = r.exception(id, day) {
                    w.push_str(&format!(" (exception until {}: {})", e.until, e.reason));
                }
                w
            })
            .collect();
        if !words.is_empty() {
            out.insert(id, words);
        }
    }
    out
}

/// The evidence for one item now.
pub fn evidence(
    org: &Organisation,
    item: &ReviewItem,
    activity: Option<&Activity>,
    previous: &Previous,
    conflicts: &HashMap<UserId, Vec<String>>,
    now: DateTime<Utc>,
) -> Evidence {
    let catalog = org.catalog();
    let today = org.day_of(now);
    let holder = org.users.get(&item.holder);
    let mut risks = Vec::new();
    let mut perms: Vec<String> = Vec::new();
    let mut authorization = Vec::new();
    let (gives, current) = match &item.target {
        Target::Assignment { role, .. } => {
            let current = holder.is_some_and(|u| u.assignment(*role).is_some());
            let gives = match org.roles.get(role) {
                Some(r) if r.builtin_admin => {
                    perms = catalog.permissions.iter().map(|p| p.key.clone()).collect();
                    vec!["every permission at its top level (administrator)".into()]
                }
                Some(r) => {
                    if role_is_privileged(r) {
                        risks.push(Risk::Privileged);
                    }
                    r.levels
                        .iter()
                        .filter(|(_, l)| **l != 0)
                        .map(|(k, l)| {
                            perms.push(k.clone());
                            let w = catalog
                                .index_of(k)
                                .map_or(l.to_string(), |i| catalog.get(i).scale.level_word(*l));
                            format!("{k}: {w}")
                        })
                        .collect()
                }
                None => vec!["(the role no longer exists)".into()],
            };
            if org.roles.get(role).is_some_and(|r| r.builtin_admin) {
                risks.push(Risk::Privileged);
            }
            (gives, current)
        }
        Target::Grant {
            permission,
            level_words,
            ..
        } => {
            if is_privileged(permission) {
                risks.push(Risk::Privileged);
            }
            perms.push(permission.clone());
            let current = holder.is_some_and(|u| u.grant(permission).is_some());
            (vec![format!("{permission}: {level_words}")], current)
        }
        Target::Authorization { id, .. } => match org.authorizations.get(id) {
            Some(a) => {
                let standing = a.standing(today, org.kind(&a.kind).ok());
                authorization.push(format!(
                    "{}: {} from {}{}",
                    a.reference,
                    standing.word(),
                    a.effective_from,
                    a.expires.map(|d| format!(" to {d}")).unwrap_or_default()
                ));
                if !a.limitations.is_empty() {
                    authorization.push(format!("limitations: {}", a.limitations));
                }
                for b in &a.bases {
                    if let Some(q) = org.qualifications.get(b) {
                        let valid = if q.valid_on(today) {
                            "valid"
                        } else {
                            "NOT valid"
                        };
                        authorization.push(format!("basis: {} ({valid})", q.describe()));
                    }
                }
                perms.push(super::super::catalog::system::SIGNOFFS_COMPLETE.into());
                let current = !matches!(standing, Standing::Revoked | Standing::Expired);
                (vec![format!("{} {}", a.kind, a.scope.describe())], current)
            }
            None => (vec!["(the authorization no longer exists)".into()], false),
        },
    };
    let act = activity.cloned().unwrap_or_default();
    let last_use = perms
        .iter()
        .filter_map(|p| act.last_allowed.get(p).map(|t| (*t, p.clone())))
        .max();
    let last = [act.last_sign_in, last_use.as_ref().map(|(t, _)| *t)]
        .into_iter()
        .flatten()
        .max();
    let mut words = Vec::new();
    if let Some(t) = act.last_sign_in {
        words.push(format!("signed in {}", t.format("%Y-%m-%d")));
    }
    if let Some((t, p)) = &last_use {
        words.push(format!("used {p} {}", t.format("%Y-%m-%d")));
    }
    let idle_days = last.map(|t| (now - t).num_days());
    let inactive = match idle_days {
        Some(d) => d >= previous.inactive_days,
        None => (now - item.given_at).num_days() >= previous.inactive_days,
    };
    if inactive {
        risks.push(Risk::Inactive);
    }
    if item.until.is_none() {
        risks.push(Risk::ExpiresNever);
    }
    if item.reviewer == Some(item.given_by) {
        risks.push(Risk::GrantedByReviewer);
    }
    let sod = conflicts.get(&item.holder).cloned().unwrap_or_default();
    if !sod.is_empty() {
        risks.push(Risk::SodConflict);
    }
    let (changed, regranted) = previous.changed(item);
    if regranted {
        risks.push(Risk::Regranted);
    }
    risks.sort();
    risks.dedup();
    Evidence {
        gives,
        given: format!(
            "{} on {}",
            super::items::name_of(org, item.given_by),
            item.given_at.format("%Y-%m-%d")
        ),
        activity: if words.is_empty() {
            "none recorded".into()
        } else {
            words.join("; ")
        },
        idle_days,
        expiry: match item.until {
            None => "never".into(),
            Some(d) => format!("{d} ({} days)", (d - today).num_days()),
        },
        changed,
        sod,
        authorization,
        current,
        risks,
    }
}

impl Evidence {
    pub fn has(&self, r: Risk) -> bool {
        self.risks.contains(&r)
    }
}

/// The signs that can be judged without activity: a bulk keep is refused
/// for an item showing any of them (the front end also leaves out inactive
/// ones, from the activity it has).
pub fn static_risks(
    org: &Organisation,
    item: &ReviewItem,
    previous: &Previous,
    conflicts: &HashMap<UserId, Vec<String>>,
    now: DateTime<Utc>,
) -> Vec<Risk> {
    let seen_now = Activity {
        last_sign_in: Some(now),
        last_allowed: BTreeMap::new(),
    };
    let mut risks = evidence(org, item, Some(&seen_now), previous, conflicts, now).risks;
    risks.retain(|r| *r != Risk::Inactive);
    risks
}
