//! Access-review campaigns. Starting, reassigning and closing one is user
//! administration: it needs `users.manage`. Only an item's reviewer
//! decides it; nobody reviews their own access, and (unless the campaign
//! allows it) nobody reviews access they gave. Closing applies every
//! removal and shortening in the one change, each planned as the command a
//! person would give (so every rule holds for it), under the closer's
//! authority.

use chrono::{Months, NaiveDate};

use super::super::catalog::system;
use super::super::command::{Command, NewReview};
use super::super::error::{invalid, DomainError, DomainResult};
use super::super::org::{Organisation, Put, Record, RecordKey};
use super::super::reviews::evidence::{conflicts, static_risks, Previous};
use super::super::reviews::items::{assign, in_scope, person_words};
use super::super::reviews::report::effective_verdict;
use super::super::reviews::{
    into_blocks, Campaign, CampaignId, Closed, Decision, ItemNo, Outcome, ReviewItem, Reviewer,
    Scope, Target, Verdict, DEFAULT_BULK_AFTER_SECS, MAX_ITEMS, MAX_REVIEWERS,
};
use super::super::text::{self, sanitize};
use super::super::users::User;
use super::{plan_sequence, Ctx};

fn open_campaign(org: &Organisation, id: CampaignId) -> DomainResult<&Campaign> {
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

fn item<'a>(org: &'a Organisation, c: &Campaign, no: ItemNo) -> DomainResult<&'a ReviewItem> {
    org.reviews.item(c.id, no).ok_or_else(|| {
        invalid(format!(
            "campaign #{} has no item {no} (items 1 to {})",
            c.id, c.item_count
        ))
    })
}

fn reviewer_of<'a>(cx: &Ctx<'a>, name: &str) -> DomainResult<&'a User> {
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
fn build(
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
    let unassigned = items.iter().filter(|i| i.reviewer.is_none()).count() as u32;
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
        unassigned,
        closed: None,
    };
    Ok((campaign, items))
}

/// A new campaign: its record and its items in blocks.
fn put_new(puts: &mut Vec<Put>, c: Campaign, items: Vec<ReviewItem>) {
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
fn item_put(org: &Organisation, before: &ReviewItem, after: ReviewItem) -> Put {
    Put {
        key: RecordKey::ReviewItem(after.campaign, after.no),
        before: org
            .reviews
            .is_changed(before.campaign, before.no)
            .then(|| Record::ReviewItem(Box::new(before.clone()))),
        after: Some(Record::ReviewItem(Box::new(after))),
    }
}

fn started_words(c: &Campaign) -> String {
    let mut s = format!(
        "started campaign #{} {}: {} items over {}, due {}",
        c.id,
        sanitize(&c.name),
        c.item_count,
        c.scope_words,
        c.due
    );
    if c.unassigned > 0 {
        s.push_str(&format!(
            "; {} items have no reviewer (each reviewer holds or gave them): reassign them",
            c.unassigned
        ));
    }
    s
}

pub(super) fn start(cx: &mut Ctx<'_>, nr: &NewReview) -> DomainResult<String> {
    cx.require(system::USERS_MANAGE)?;
    let id = cx.org.reviews.next_id();
    let (c, items) = build(cx, cx.org, id, nr, None)?;
    let words = started_words(&c);
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
    let mut before_unassigned = 0u32;
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
        if it.reviewer.is_none() {
            before_unassigned += 1;
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
    nc.unassigned -= before_unassigned;
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

/// The command that carries out a verdict on an item as things stand, or
/// why there is nothing to do.
fn carry_out(
    org: &Organisation,
    c: &Campaign,
    it: &ReviewItem,
    verdict: Verdict,
    reason: &str,
    today: NaiveDate,
) -> Result<(Option<Command>, Outcome), Outcome> {
    let user = format!("#{}", it.holder);
    let holder = org.users.get(&it.holder).filter(|u| !u.is_deleted());
    let gone = |why: &str| Err(Outcome::Gone(why.into()));
    let until_now = match &it.target {
        Target::Assignment { role, .. } => match holder.and_then(|u| u.assignment(*role)) {
            Some(a) => a.until,
            None => return gone("the role was unassigned"),
        },
        Target::Grant { permission, .. } => match holder.and_then(|u| u.grant(permission)) {
            Some(g) => g.until,
            None => return gone("the grant was withdrawn"),
        },
        Target::Authorization { id, .. } => match org.authorizations.get(id) {
            Some(a) if a.status != super::super::authorizations::AuthorizationStatus::Revoked => {
                a.expires
            }
            _ => return gone("the authorization was revoked"),
        },
    };
    if until_now.is_some_and(|d| d < today) {
        return gone("it had ended");
    }
    let verdict = match verdict {
        Verdict::Shorten(d) if d < today => Verdict::Remove,
        Verdict::Shorten(d) if until_now.is_some_and(|u| u <= d) => {
            return Err(Outcome::Gone(format!(
                "it already ends {}",
                until_now.map(|u| u.to_string()).unwrap_or_default()
            )))
        }
        v => v,
    };
    let why = format!("access review #{} {}: {reason}", c.id, c.name);
    let cmd = match (verdict, &it.target) {
        (Verdict::Keep, _) => return Ok((None, Outcome::Kept)),
        (Verdict::Remove, Target::Assignment { role, .. }) => Command::UnassignRole {
            user,
            role: role_name(org, *role)?,
        },
        (Verdict::Remove, Target::Grant { permission, .. }) => Command::Ungrant {
            user,
            permission: permission.clone(),
        },
        (Verdict::Remove, Target::Authorization { reference, .. }) => {
            Command::SetAuthorizationStatus {
                reference: reference.clone(),
                status: super::super::authorizations::AuthorizationStatus::Revoked,
                reason: why,
            }
        }
        (Verdict::Shorten(d), Target::Assignment { role, .. }) => Command::AssignRole {
            user,
            role: role_name(org, *role)?,
            until: Some(d),
        },
        (Verdict::Shorten(d), Target::Grant { permission, .. }) => {
            let g = holder
                .and_then(|u| u.grant(permission))
                .expect("checked above");
            let catalog = org.catalog();
            let words = catalog
                .index_of(permission)
                .map_or(g.level.to_string(), |i| {
                    catalog.get(i).scale.level_word(g.level)
                });
            Command::Grant {
                user,
                permission: permission.clone(),
                level: words,
                until: Some(d),
            }
        }
        (Verdict::Shorten(d), Target::Authorization { reference, .. }) => {
            Command::ShortenAuthorization {
                reference: reference.clone(),
                expires: d,
                reason: why,
            }
        }
    };
    let outcome = match verdict {
        Verdict::Shorten(d) => Outcome::Shortened(d),
        _ => Outcome::Removed,
    };
    Ok((Some(cmd), outcome))
}

fn role_name(org: &Organisation, role: u32) -> Result<String, Outcome> {
    org.roles
        .get(&role)
        .map(|r| r.name.clone())
        .ok_or_else(|| Outcome::Gone("the role no longer exists".into()))
}

pub(super) fn close(cx: &mut Ctx<'_>, campaign: CampaignId) -> DomainResult<String> {
    cx.require(system::USERS_MANAGE)?;
    let org = cx.org;
    let c = open_campaign(org, campaign)?;
    let today = cx.today();
    let mut cmds = Vec::new();
    let mut outcomes: Vec<(&ReviewItem, Outcome)> = Vec::new();
    for it in org.reviews.items_of(c.id) {
        let verdict = effective_verdict(it, c);
        let reason = match &it.decision {
            Some(d) => d.reason.clone(),
            None => "not reviewed by the due date".into(),
        };
        let outcome = match verdict {
            None => Outcome::NotReviewed,
            Some(v) => match carry_out(org, c, it, v, &reason, today) {
                Ok((cmd, o)) => {
                    cmds.extend(cmd);
                    o
                }
                Err(o) => o,
            },
        };
        outcomes.push((it, outcome));
    }
    let (after, mut puts) = if cmds.is_empty() {
        (None, Vec::new())
    } else {
        let why = cx
            .reason
            .clone()
            .unwrap_or_else(|| format!("access review #{} {}", c.id, c.name));
        let (o, p) = plan_sequence(org, cx.actor, &cmds, cx.now, Some(&why), "removal")?;
        (Some(o), p)
    };
    let state = after.as_ref().unwrap_or(org);
    let holders: std::collections::BTreeSet<u32> = outcomes.iter().map(|(i, _)| i.holder).collect();
    let exceptions = org
        .sod_rules
        .values()
        .filter(|r| r.is_live())
        .flat_map(|r| {
            r.exceptions
                .iter()
                .filter(|e| e.until >= today && holders.contains(&e.user))
                .map(move |e| {
                    format!(
                        "{}: {} until {} ({})",
                        r.name,
                        org.users
                            .get(&e.user)
                            .map_or(format!("#{}", e.user), person_words),
                        e.until,
                        e.reason
                    )
                })
        })
        .collect();
    let counts = Counts::of(&outcomes);
    for (it, o) in outcomes {
        let mut a = it.clone();
        a.outcome = Some(o);
        puts.push(item_put(org, it, a));
    }
    let me = org.user(cx.actor.effective())?;
    let mut closed = c.clone();
    let mut next_words = String::new();
    let mut next = None;
    if let Some(months) = c.recur_months {
        let id = org.reviews.next_id();
        let due = c
            .due
            .checked_add_months(Months::new(months))
            .ok_or_else(|| invalid("the next due date is out of range"))?
            .max(today);
        let nr = NewReview {
            name: c.name.clone(),
            scope: scope_text(org, &c.scope),
            reviewers: c
                .reviewers
                .iter()
                .filter(|r| {
                    state
                        .users
                        .get(&r.user)
                        .is_some_and(|u| u.holds_access(cx.now, org.zone()))
                })
                .map(|r| format!("#{}", r.user))
                .collect(),
            due,
            fallback: c.fallback,
            recur_months: c.recur_months,
            granter_may_review: c.granter_may_review,
            bulk_after_secs: Some(c.bulk_after_secs),
            inactive_days: Some(c.inactive_days),
        };
        let (n, items) = build(cx, state, id, &nr, Some(c.id))
            .map_err(|e| super::prefix_error(e, "the next campaign"))?;
        next_words = format!("; {}", started_words(&n));
        next = Some(id);
        put_new(&mut puts, n, items);
    }
    closed.closed = Some(Closed {
        by: me.id,
        by_name: person_words(me),
        at: cx.now,
        exceptions,
        next,
    });
    puts.push(Put {
        key: RecordKey::Campaign(c.id),
        before: Some(Record::Campaign(Box::new(c.clone()))),
        after: Some(Record::Campaign(Box::new(closed))),
    });
    if let Some(a) = &after {
        cx.counters = a.counters;
    }
    cx.puts = puts;
    Ok(format!(
        "closed campaign #{} {}: {}{next_words}",
        c.id,
        sanitize(&c.name),
        counts.words()
    ))
}

/// A scope as `review start` takes it, for a recurrence.
fn scope_text(org: &Organisation, s: &Scope) -> String {
    match s {
        Scope::All => "all".into(),
        Scope::Privileged => "privileged".into(),
        Scope::Role(r) => format!(
            "role:{}",
            org.roles.get(r).map_or(String::new(), |r| r.name.clone())
        ),
        Scope::Area(a) => format!("area:{a}"),
        Scope::Kind(k) => format!("kind:{k}"),
    }
}

#[derive(Default)]
struct Counts {
    kept: usize,
    removed: usize,
    shortened: usize,
    not_reviewed: usize,
    gone: usize,
}

impl Counts {
    fn of(outcomes: &[(&ReviewItem, Outcome)]) -> Counts {
        let mut c = Counts::default();
        for (_, o) in outcomes {
            match o {
                Outcome::Kept => c.kept += 1,
                Outcome::Removed => c.removed += 1,
                Outcome::Shortened(_) => c.shortened += 1,
                Outcome::NotReviewed => c.not_reviewed += 1,
                Outcome::Gone(_) => c.gone += 1,
            }
        }
        c
    }

    fn words(&self) -> String {
        format!(
            "{} kept, {} removed, {} shortened, {} not reviewed, {} with nothing to do",
            self.kept, self.removed, self.shortened, self.not_reviewed, self.gone
        )
    }
}

pub(super) fn shorten_authorization(
    cx: &mut Ctx<'_>,
    reference: &str,
    expires: NaiveDate,
    reason: &str,
) -> DomainResult<String> {
    cx.require(system::AUTHORIZATIONS_MANAGE)?;
    let reason = text::required_text("reason", reason)?;
    let before = cx.org.resolve_authorization(reference)?;
    if before.status == super::super::authorizations::AuthorizationStatus::Revoked {
        return Err(DomainError::Immutable(format!(
            "authorization {} is revoked",
            sanitize(&before.reference)
        )));
    }
    if expires < cx.today() {
        return Err(invalid(format!(
            "{expires} is in the past; revoke it instead"
        )));
    }
    if expires < before.effective_from {
        return Err(invalid(format!(
            "{expires} is before it takes effect ({}); revoke it instead",
            before.effective_from
        )));
    }
    if before.expires.is_some_and(|e| e <= expires) {
        return Err(invalid(format!(
            "authorization {} already expires {}; shortening brings it forward",
            sanitize(&before.reference),
            before.expires.map(|e| e.to_string()).unwrap_or_default()
        )));
    }
    let mut a = before.clone();
    a.expires = Some(expires);
    let words = format!(
        "authorization {} now expires {expires} (was {}): {}",
        sanitize(&a.reference),
        before
            .expires
            .map_or("never".to_string(), |e| e.to_string()),
        sanitize(&reason)
    );
    cx.puts.push(Put {
        key: RecordKey::Authorization(a.id),
        before: Some(Record::Authorization(before.clone())),
        after: Some(Record::Authorization(a)),
    });
    Ok(words)
}
