//! Access-review campaigns. Starting, reassigning and closing one is user
//! administration: it needs `users.manage`. Only an item's reviewer
//! decides it; nobody reviews their own access, and (unless the campaign
//! allows it) nobody reviews access they gave. Closing is in `closing`.

use super::super::catalog::system;
use super::super::command::NewReview;
use super::super::error::{invalid, DomainError, DomainResult};
use super::super::org::{Organisation, Put, Record, RecordKey};
use super::super::reviews::evidence::{conflicts, static_risks, Previous};
use super::super::reviews::items::{assign, in_scope, person_words};
use super::super::reviews::{
    into_blocks, Campaign, CampaignId, Decision, ItemNo, ReviewItem, Reviewer, Scope, Verdict,
    DEFAULT_BULK_AFTER_SECS, MAX_ITEMS, MAX_REVIEWERS,
};
use super::super::text::{self, sanitize};
use super::super::users::User;
use super::Ctx;

pub(super) fn open_campaign(org: &Organisation, id: CampaignId) -> DomainResult<&Campaign> {
    let c = org
        .reviews
        .campaigns
        .get(&id)
        .ok_or_else(|| super::super::error::unknown("campaign", format!("#{id}")))?;
    if !c.is_open() {
        return Err(DomainError::Immutable(format!(
            "campaign #{id} {} is closed; its decisions stand as recorded",
            sanitize(&c.name)
        )));
    }
    Ok(c)
}

pub(super) fn item<'a>(
    org: &'a Organisation,
    c: &Campaign,
    no: ItemNo,
) -> DomainResult<&'a ReviewItem> {
    org.reviews.item(c.id, no).ok_or_else(|| {
        invalid(format!(
            "campaign #{} has no item {no} (items 1 to {})",
            c.id, c.item_count
        ))
    })
}

pub(super) fn reviewer_of<'a>(cx: &Ctx<'a>, name: &str) -> DomainResult<&'a User> {
    let u = cx.org.resolve_user(name)?;
    if !u.holds_access(cx.now, cx.org.zone()) {
        return Err(invalid(format!(
            "reviewer {} holds no access ({})",
            sanitize(&u.handle()),
            u.status_word(cx.now, cx.org.zone())
        )));
    }
    Ok(u)
}

/// The campaign record and its items, for a new campaign on `org`.
pub(super) fn build(
    cx: &Ctx<'_>,
    org: &Organisation,
    id: CampaignId,
    nr: &NewReview,
    follows: Option<CampaignId>,
) -> DomainResult<(Campaign, Vec<ReviewItem>)> {
    let name = text::required_text("campaign name", &nr.name)?;
    let scope = Scope::parse(org, &nr.scope)?;
    if nr.reviewers.is_empty() {
        return Err(invalid(
            "a campaign needs at least one reviewer (--reviewer)",
        ));
    }
    if nr.reviewers.len() > MAX_REVIEWERS {
        return Err(invalid(format!(
            "a campaign names at most {MAX_REVIEWERS} reviewers"
        )));
    }
    let mut reviewers: Vec<&User> = Vec::new();
    for r in &nr.reviewers {
        let u = reviewer_of(cx, r)?;
        if !reviewers.iter().any(|x| x.id == u.id) {
            reviewers.push(u);
        }
    }
    let today = cx.today();
    if nr.due < today {
        return Err(invalid(format!("due date {} is in the past", nr.due)));
    }
    let found = in_scope(org, &scope, today);
    if found.len() > MAX_ITEMS {
        return Err(invalid(format!(
            "the scope holds {} items; a campaign holds at most {MAX_ITEMS}: narrow it",
            found.len()
        )));
    }
    let ids: Vec<u32> = reviewers.iter().map(|u| u.id).collect();
    let items = assign(org, id, found, &ids, nr.granter_may_review);
    let me = org.user(cx.actor.effective())?;
    let campaign = Campaign {
        id,
        name,
        scope_words: scope.describe(org),
        scope,
        reviewers: reviewers
            .iter()
            .map(|u| Reviewer {
                user: u.id,
                name: person_words(u),
            })
            .collect(),
        due: nr.due,
        fallback: nr.fallback,
        recur_months: nr.recur_months,
        granter_may_review: nr.granter_may_review,
        bulk_after_secs: nr.bulk_after_secs.unwrap_or(DEFAULT_BULK_AFTER_SECS),
        inactive_days: match nr.inactive_days {
            Some(0) => return Err(invalid("inactive days must be at least 1")),
            Some(d) => d,
            None => super::super::reviews::evidence::INACTIVE_DAYS,
        },
        started_by: me.id,
        started_by_name: person_words(me),
        started_at: cx.now,
        follows,
        item_count: items.len() as u32,
        closed: None,
    };
    Ok((campaign, items))
}

/// A new campaign: its record and its items in blocks.
pub(super) fn put_new(puts: &mut Vec<Put>, c: Campaign, items: Vec<ReviewItem>) {
    let id = c.id;
    puts.push(Put {
        key: RecordKey::Campaign(id),
        before: None,
        after: Some(Record::Campaign(Box::new(c))),
    });
    for b in into_blocks(id, items) {
        puts.push(Put {
            key: RecordKey::ReviewBlock(b.campaign, b.first),
            before: None,
            after: Some(Record::ReviewBlock(Box::new(b))),
        });
    }
}

/// An item written as it now is: over its own record if it has one, else
/// a new record beside its block.
pub(super) fn item_put(org: &Organisation, before: &ReviewItem, after: ReviewItem) -> Put {
    Put {
        key: RecordKey::ReviewItem(after.campaign, after.no),
        before: org
            .reviews
            .is_changed(before.campaign, before.no)
            .then(|| Record::ReviewItem(Box::new(before.clone()))),
        after: Some(Record::ReviewItem(Box::new(after))),
    }
}

pub(super) fn started_words(c: &Campaign, items: &[ReviewItem]) -> String {
    let mut s = format!(
        "started campaign #{} {}: {} items over {}, due {}",
        c.id,
        sanitize(&c.name),
        c.item_count,
        c.scope_words,
        c.due
    );
    let unassigned = items.iter().filter(|i| i.reviewer.is_none()).count();
    if unassigned > 0 {
        s.push_str(&format!(
            "; {unassigned} items have no reviewer (each reviewer holds or gave them): reassign them"
        ));
    }
    s
}

pub(super) fn start(cx: &mut Ctx<'_>, nr: &NewReview) -> DomainResult<String> {
    cx.require(system::USERS_MANAGE)?;
    let id = cx.org.reviews.next_id();
    let (c, items) = build(cx, cx.org, id, nr, None)?;
    let words = started_words(&c, &items);
    put_new(&mut cx.puts, c, items);
    Ok(words)
}

#[allow(clippy::too_many_arguments)]
pub(super) fn decide(
    cx: &mut Ctx<'_>,
    campaign: CampaignId,
    items: &[ItemNo],
    verdict: &Verdict,
    reason: &str,
    looked_ms: Option<u32>,
    bulk: Option<u32>,
) -> DomainResult<String> {
    let org = cx.org;
    let c = open_campaign(org, campaign)?;
    if items.is_empty() {
        return Err(invalid("name the items to decide"));
    }
    let reason = text::free_text("reason", reason)?;
    if *verdict != Verdict::Keep && reason.trim().is_empty() {
        return Err(invalid(format!(
            "a reason is needed to {} (--reason TEXT)",
            verdict.words()
        )));
    }
    let me = cx.actor.effective();
    let today = cx.today();
    if let Some(open_ms) = bulk {
        if *verdict != Verdict::Keep {
            return Err(invalid("only keep is decided in bulk"));
        }
        if u64::from(open_ms) < u64::from(c.bulk_after_secs) * 1000 {
            return Err(DomainError::Forbidden(format!(
                "keeping every item at once needs the list open for {} s first ({} s so far): look before you keep",
                c.bulk_after_secs,
                open_ms / 1000
            )));
        }
    }
    let previous = Previous::of(&org.reviews, c);
    let sod = if bulk.is_some() {
        let holders = items
            .iter()
            .filter_map(|n| org.reviews.item(c.id, *n))
            .map(|i| i.holder);
        conflicts(org, holders, cx.now)
    } else {
        Default::default()
    };
    let mut seen = std::collections::BTreeSet::new();
    for no in items {
        if !seen.insert(*no) {
            return Err(invalid(format!("item {no} is named twice")));
        }
        let it = item(org, c, *no)?;
        if it.reviewer != Some(me) {
            return Err(DomainError::Forbidden(match it.reviewer {
                Some(r) => format!(
                    "item {no} is for {} to decide, not you",
                    sanitize(&c.reviewer_name(r))
                ),
                None => format!("item {no} has no reviewer yet; an administrator reassigns it"),
            }));
        }
        // Acting as the reviewer does not let the person behind it decide
        // their own access, or (by policy) access they gave.
        let operator = cx.actor.operator;
        if it.holder == operator {
            return Err(DomainError::Forbidden(format!(
                "item {no} is your own access: nobody reviews their own access"
            )));
        }
        if !c.granter_may_review && it.given_by == operator {
            return Err(DomainError::Forbidden(format!(
                "item {no} is access you gave: by this campaign's policy you cannot review it"
            )));
        }
        if let Verdict::Shorten(d) = verdict {
            if *d < today {
                return Err(invalid(format!("{d} is in the past")));
            }
            if it.until.is_some_and(|u| *d >= u) {
                return Err(invalid(format!(
                    "item {no} already ends {}; shorten to a day before it",
                    it.until.map(|u| u.to_string()).unwrap_or_default()
                )));
            }
        }
        if bulk.is_some() {
            if it.decision.is_some() {
                return Err(invalid(format!("item {no} is already decided")));
            }
            let risks = static_risks(org, it, &previous, &sod, cx.now);
            if let Some(r) = risks.first() {
                return Err(DomainError::Forbidden(format!(
                    "item {no} shows a risk sign ({}): decide it on its own",
                    r.word()
                )));
            }
        }
        let mut after = it.clone();
        after.decision = Some(Decision {
            verdict: *verdict,
            reason: reason.clone(),
            by: me,
            at: cx.now,
            looked_ms: if bulk.is_some() { None } else { looked_ms },
            bulk: bulk.is_some(),
        });
        cx.puts.push(item_put(org, it, after));
    }
    Ok(match (items, bulk) {
        ([no], None) => {
            let it = item(org, c, *no)?;
            format!(
                "campaign #{} item {no}: {} {} of {}{}",
                c.id,
                verdict.words(),
                it.target.describe(),
                sanitize(&it.holder_name),
                if reason.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", sanitize(&reason))
                }
            )
        }
        _ => format!(
            "campaign #{}: {} {} items{}",
            c.id,
            verdict.words(),
            items.len(),
            if bulk.is_some() {
                " at once (none showed a risk sign)"
            } else {
                ""
            }
        ),
    })
}

pub(super) fn reassign(
    cx: &mut Ctx<'_>,
    campaign: CampaignId,
    items: &[ItemNo],
    reviewer: &str,
) -> DomainResult<String> {
    cx.require(system::USERS_MANAGE)?;
    let org = cx.org;
    let c = open_campaign(org, campaign)?;
    if items.is_empty() {
        return Err(invalid("name the items to reassign"));
    }
    let to = reviewer_of(cx, reviewer)?;
    for no in items {
        let it = item(org, c, *no)?;
        if to.id == it.holder {
            return Err(DomainError::Forbidden(format!(
                "item {no}: {} cannot review their own access",
                sanitize(&to.handle())
            )));
        }
        if !c.granter_may_review && to.id == it.given_by {
            return Err(DomainError::Forbidden(format!(
                "item {no}: {} gave this access and, by this campaign's policy, cannot review it",
                sanitize(&to.handle())
            )));
        }
        let mut after = it.clone();
        after.reviewer = Some(to.id);
        // A decision by someone else no longer stands.
        after.decision = None;
        cx.puts.push(item_put(org, it, after));
    }
    let mut nc = c.clone();
    if !nc.reviewers.iter().any(|r| r.user == to.id) {
        nc.reviewers.push(Reviewer {
            user: to.id,
            name: person_words(to),
        });
    }
    if nc != *c {
        cx.puts.push(Put {
            key: RecordKey::Campaign(c.id),
            before: Some(Record::Campaign(Box::new(c.clone()))),
            after: Some(Record::Campaign(Box::new(nc))),
        });
    }
    Ok(format!(
        "campaign #{}: {} items given to {} to review",
        c.id,
        items.len(),
        sanitize(&person_words(to))
    ))
}
