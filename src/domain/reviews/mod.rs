//! Access reviews: campaigns that ask named reviewers to keep, remove or
//! shorten each assignment, personal grant and authorization in a scope by
//! a due date (PRODUCT.md "Access reviews").
//!
//! A campaign is one record ([`Campaign`]); each thing reviewed is its own
//! record ([`ReviewItem`]), so that deciding one item writes one small
//! record, not the whole campaign. What an item reviews is copied into it
//! when the campaign starts (the person's name, the role's name, the levels
//! in words): the evidence report shows what the reviewer saw, whatever is
//! renamed later.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::authorizations::AuthorizationId;
use super::catalog::Level;
use super::error::{invalid, DomainResult};
use super::org::Organisation;
use super::roles::RoleId;
use super::text::sanitize;
use super::users::{User, UserId};

pub mod evidence;
mod held;
pub mod items;
pub mod report;

pub use held::{into_blocks, ItemBlock, Reviews, BLOCK};

#[cfg(test)]
mod tests;

pub type CampaignId = u32;
/// An item's number within its campaign, from 1.
pub type ItemNo = u32;

/// The most items one campaign holds.
pub const MAX_ITEMS: usize = 2_000_000;
/// The most reviewers one campaign names.
pub const MAX_REVIEWERS: usize = 64;
/// How long a reviewer must have had their list open before keeping every
/// item without a risk sign at once, unless the campaign says otherwise.
pub const DEFAULT_BULK_AFTER_SECS: u32 = 120;

/// What a campaign covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scope {
    /// Every assignment, personal grant and authorization.
    All,
    /// The holders of one role.
    Role(RoleId),
    /// Everyone with any level in an area: the assignments of roles that
    /// give one, and the personal grants in it.
    Area(String),
    /// Administration: the administrator role, roles and grants that manage
    /// users, roles or authorizations, impersonate, or read the audit log.
    Privileged,
    /// Authorizations of one kind.
    Kind(String),
}

impl Scope {
    /// Parses `all`, `role:NAME`, `area:AREA`, `privileged`, `kind:KIND`.
    pub fn parse(org: &Organisation, text: &str) -> DomainResult<Scope> {
        let t = text.trim();
        let (head, rest) = match t.split_once(':') {
            Some((h, r)) => (h.trim().to_ascii_lowercase(), Some(r.trim())),
            None => (t.to_ascii_lowercase(), None),
        };
        match (head.as_str(), rest) {
            ("all", None) => Ok(Scope::All),
            ("privileged", None) => Ok(Scope::Privileged),
            ("role", Some(r)) if !r.is_empty() => Ok(Scope::Role(org.resolve_role(r)?.id)),
            ("area", Some(a)) if !a.is_empty() => {
                Ok(Scope::Area(org.catalog().resolve_area(a)?.key.clone()))
            }
            ("kind", Some(k)) if !k.is_empty() => Ok(Scope::Kind(org.kind(k)?.code.clone())),
            _ => Err(invalid(format!(
                "scope '{}': say all, privileged, role:NAME, area:AREA or kind:KIND",
                sanitize(t)
            ))),
        }
    }

    /// The scope in words: "holders of role Planner".
    pub fn describe(&self, org: &Organisation) -> String {
        match self {
            Scope::All => "everyone's access".into(),
            Scope::Role(r) => format!(
                "holders of role {}",
                org.roles.get(r).map_or(format!("#{r}"), |r| r.name.clone())
            ),
            Scope::Area(a) => format!("any level in area {a}"),
            Scope::Privileged => "privileged access".into(),
            Scope::Kind(k) => format!("authorizations of kind {k}"),
        }
    }
}

/// What happens at closing to an item nobody decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Fallback {
    Keep,
    Remove,
    /// Left as it is, recorded as not reviewed.
    None,
}

impl Fallback {
    pub fn parse(text: &str) -> DomainResult<Fallback> {
        match text.trim().to_ascii_lowercase().as_str() {
            "keep" => Ok(Fallback::Keep),
            "remove" => Ok(Fallback::Remove),
            "none" => Ok(Fallback::None),
            other => Err(invalid(format!(
                "default '{}': say keep, remove or none",
                sanitize(other)
            ))),
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            Fallback::Keep => "keep",
            Fallback::Remove => "remove",
            Fallback::None => "none",
        }
    }
}

/// A reviewer as the campaign started with them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reviewer {
    pub user: UserId,
    /// "Hugo Dahl (hdahl)" when the campaign started.
    pub name: String,
}

/// A campaign. Its items are records of their own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Campaign {
    pub id: CampaignId,
    pub name: String,
    pub scope: Scope,
    /// The scope in words when the campaign started.
    pub scope_words: String,
    pub reviewers: Vec<Reviewer>,
    /// The last day to decide (inclusive, in the organisation's time zone).
    pub due: NaiveDate,
    pub fallback: Fallback,
    /// Another campaign like this one starts when this one closes, due this
    /// many months after this one.
    pub recur_months: Option<u32>,
    /// Whether someone may review access they gave (off: by policy never).
    pub granter_may_review: bool,
    /// How long a reviewer must have had their list open before keeping
    /// every item without a risk sign at once.
    pub bulk_after_secs: u32,
    /// Days without activity that make an item show the inactive sign.
    pub inactive_days: u32,
    pub started_by: UserId,
    pub started_by_name: String,
    pub started_at: DateTime<Utc>,
    /// The campaign this one recurs from.
    pub follows: Option<CampaignId>,
    /// How many items it holds.
    pub item_count: u32,
    pub closed: Option<Closed>,
}

impl Campaign {
    pub fn is_open(&self) -> bool {
        self.closed.is_none()
    }

    pub fn reviewer_name(&self, user: UserId) -> String {
        self.reviewers
            .iter()
            .find(|r| r.user == user)
            .map_or(format!("#{user}"), |r| r.name.clone())
    }

    /// "open, due 2027-03-31" / "closed 2027-03-30 by Ada Admin".
    pub fn state_words(&self) -> String {
        match &self.closed {
            None => format!("open, due {}", self.due),
            Some(c) => format!("closed {} by {}", c.at.format("%Y-%m-%d"), c.by_name),
        }
    }
}

/// How a campaign was closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closed {
    pub by: UserId,
    pub by_name: String,
    pub at: DateTime<Utc>,
    /// The organisation's name when it closed (its report names it).
    pub organisation: String,
    /// The separation-of-duties exceptions in force for people in scope
    /// when it closed, in words.
    pub exceptions: Vec<String>,
    /// The campaign that started when this one closed (recurrence).
    pub next: Option<CampaignId>,
}

/// What an item reviews, with the words it was shown in when the campaign
/// started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Target {
    Assignment {
        role: RoleId,
        role_name: String,
    },
    Grant {
        permission: String,
        level: Level,
        level_words: String,
    },
    Authorization {
        id: AuthorizationId,
        reference: String,
        kind: String,
    },
}

impl Target {
    /// "role Planner", "grant inventory = manage", "authorization CS-014 (B1)".
    pub fn describe(&self) -> String {
        match self {
            Target::Assignment { role_name, .. } => format!("role {role_name}"),
            Target::Grant {
                permission,
                level_words,
                ..
            } => format!("grant {permission} = {level_words}"),
            Target::Authorization {
                reference, kind, ..
            } => format!("authorization {reference} ({kind})"),
        }
    }

    pub fn kind_word(&self) -> &'static str {
        match self {
            Target::Assignment { .. } => "role",
            Target::Grant { .. } => "grant",
            Target::Authorization { .. } => "authorization",
        }
    }
}

/// One thing a campaign reviews.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewItem {
    pub campaign: CampaignId,
    pub no: ItemNo,
    /// The person who holds it, and their name and handle at the start.
    pub holder: UserId,
    pub holder_name: String,
    pub target: Target,
    /// Its expiry when the campaign started (None: never).
    pub until: Option<NaiveDate>,
    /// Who gave it and when (as recorded on the assignment, grant or
    /// authorization).
    pub given_by: UserId,
    /// Who gave it, in words, when the campaign started.
    pub given_by_name: String,
    pub given_at: DateTime<Utc>,
    /// None: no reviewer could be given (every one holds it or gave it).
    pub reviewer: Option<UserId>,
    pub decision: Option<Decision>,
    /// What closing did with it.
    pub outcome: Option<Outcome>,
}

impl ReviewItem {
    pub fn key(&self) -> (CampaignId, ItemNo) {
        (self.campaign, self.no)
    }
}

/// A reviewer's verdict on an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verdict {
    Keep,
    Remove,
    /// Keep until a day (inclusive), then it ends.
    Shorten(NaiveDate),
}

impl Verdict {
    /// Parses `keep`, `remove` or `shorten` with its day.
    pub fn parse(word: &str, day: Option<NaiveDate>) -> DomainResult<Verdict> {
        match (word.trim().to_ascii_lowercase().as_str(), day) {
            ("keep", None) => Ok(Verdict::Keep),
            ("remove", None) => Ok(Verdict::Remove),
            ("shorten", Some(d)) => Ok(Verdict::Shorten(d)),
            ("shorten", None) => Err(invalid("shorten needs the last day: shorten 2027-01-31")),
            ("keep" | "remove", Some(_)) => Err(invalid("only shorten takes a day")),
            (other, _) => Err(invalid(format!(
                "decision '{}': say keep, remove or shorten DATE",
                sanitize(other)
            ))),
        }
    }

    pub fn words(&self) -> String {
        match self {
            Verdict::Keep => "keep".into(),
            Verdict::Remove => "remove".into(),
            Verdict::Shorten(d) => format!("shorten to {d}"),
        }
    }
}

/// A decision as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub verdict: Verdict,
    pub reason: String,
    pub by: UserId,
    pub at: DateTime<Utc>,
    /// How long the item was in front of the reviewer before they decided,
    /// as their front end measured it (None: not measured, e.g. a command
    /// line).
    pub looked_ms: Option<u32>,
    /// Part of a bulk keep of every item without a risk sign.
    pub bulk: bool,
}

/// What closing did with an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    Kept,
    Removed,
    Shortened(NaiveDate),
    /// Undecided, and the campaign's default was none.
    NotReviewed,
    /// It had already ended or changed by itself by closing time.
    Gone(String),
}

impl Outcome {
    pub fn words(&self) -> String {
        match self {
            Outcome::Kept => "kept".into(),
            Outcome::Removed => "removed".into(),
            Outcome::Shortened(d) => format!("shortened to {d}"),
            Outcome::NotReviewed => "not reviewed".into(),
            Outcome::Gone(why) => format!("nothing to do: {why}"),
        }
    }
}

/// A duration such as `3m` (months) or `1y` for `--recur`.
pub fn parse_recur(text: &str) -> DomainResult<u32> {
    let t = text.trim().to_ascii_lowercase();
    let (n, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let n: u32 = n
        .parse()
        .map_err(|_| invalid(format!("recurrence '{}': say 3m, 6m or 1y", sanitize(text))))?;
    let months = match unit {
        "m" | "mo" | "month" | "months" => n,
        "y" | "year" | "years" => n.saturating_mul(12),
        _ => {
            return Err(invalid(format!(
                "recurrence '{}': say 3m, 6m or 1y",
                sanitize(text)
            )))
        }
    };
    if !(1..=36).contains(&months) {
        return Err(invalid("a campaign recurs every 1 to 36 months"));
    }
    Ok(months)
}

/// What a person may see of a campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sight {
    /// Every item: a holder of `users.manage`.
    All,
    /// The items given to them to review.
    Mine,
}

/// What `me` may see of campaigns at `now`: every item with `users.manage`,
/// else the items they review (a reviewer sees the evidence of what they
/// decide, whatever the read policy lets them see elsewhere); None: nothing.
pub fn sight(org: &Organisation, me: &User, now: DateTime<Utc>) -> Option<Sight> {
    let i = org.catalog().system(super::catalog::system::USERS_MANAGE);
    let top = org.catalog().get(i).scale.top();
    if super::engine::effective_levels(org, me, now).levels[i] & top == top {
        return Some(Sight::All);
    }
    let reviews_some = org
        .reviews
        .campaigns
        .values()
        .any(|c| c.reviewers.iter().any(|r| r.user == me.id));
    reviews_some.then_some(Sight::Mine)
}

/// The open campaigns with items for `me` to decide: (campaign, items
/// undecided), due first.
pub fn due_for(org: &Organisation, me: UserId) -> Vec<(&Campaign, u32)> {
    let mut out: Vec<(&Campaign, u32)> = org
        .reviews
        .campaigns
        .values()
        .filter(|c| c.is_open() && c.reviewers.iter().any(|r| r.user == me))
        .map(|c| {
            let n = org
                .reviews
                .items_of(c.id)
                .filter(|i| i.reviewer == Some(me) && i.decision.is_none())
                .count() as u32;
            (c, n)
        })
        .filter(|(_, n)| *n > 0)
        .collect();
    out.sort_by_key(|(c, _)| (c.due, c.id));
    out
}
