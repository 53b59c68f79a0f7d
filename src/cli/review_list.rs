//! `clearance review list` and `review show`: campaigns and their progress.

use serde_json::json;

use super::review::sight_of;
use super::{cell, CliResult, Ctx};
use crate::domain::org::Organisation;
use crate::domain::reviews::{Campaign, Sight};
use crate::domain::text::sanitize;

/// Progress of a campaign: (items, decided), over what `me` may see.
fn progress(org: &Organisation, c: &Campaign, mine: Option<u32>) -> (u32, u32) {
    let mut n = 0;
    let mut d = 0;
    for i in org.reviews.items_of(c.id) {
        if mine.is_some_and(|m| i.reviewer != Some(m)) {
            continue;
        }
        n += 1;
        if i.decision.is_some() {
            d += 1;
        }
    }
    (n, d)
}

/// Undecided items per reviewer.
fn left_by_reviewer(org: &Organisation, c: &Campaign) -> Vec<(String, u32)> {
    c.reviewers
        .iter()
        .map(|r| {
            let n = org
                .reviews
                .items_of(c.id)
                .filter(|i| i.reviewer == Some(r.user) && i.decision.is_none())
                .count() as u32;
            (r.name.clone(), n)
        })
        .collect()
}

pub fn list(ctx: &Ctx, all: bool, due: Option<i64>) -> CliResult {
    let s = ctx.session()?;
    let (me, sight) = sight_of(&s, ctx)?;
    let org = s.org();
    let today = s.today();
    let mine = (sight == Sight::Mine).then_some(me);
    let shown: Vec<&Campaign> = org
        .reviews
        .campaigns
        .values()
        .filter(|c| mine.is_none_or(|m| c.reviewers.iter().any(|r| r.user == m)))
        .filter(|c| (all && due.is_none()) || c.is_open())
        .filter(|c| due.is_none_or(|d| (c.due - today).num_days() <= d))
        .collect();
    if ctx.json {
        let v: Vec<_> = shown
            .iter()
            .map(|c| {
                let (n, d) = progress(org, c, mine);
                json!({
                    "id": c.id, "name": c.name, "scope": c.scope_words, "due": c.due,
                    "days_left": (c.due - today).num_days(),
                    "open": c.is_open(), "items": n, "decided": d,
                    "unassigned": org.reviews.unassigned(c.id),
                    "left": left_by_reviewer(org, c).into_iter()
                        .filter(|(_, n)| mine.is_none() || *n > 0)
                        .map(|(r, n)| json!({"reviewer": r, "undecided": n}))
                        .collect::<Vec<_>>(),
                    "closed_at": c.closed.as_ref().map(|x| x.at),
                })
            })
            .collect();
        ctx.print_json(&v)?;
        return Ok(0);
    }
    if shown.is_empty() {
        outln!(
            ctx,
            "{}",
            match due {
                Some(d) => format!("no open campaign is due within {d} days"),
                None => "no campaigns".into(),
            }
        );
        return Ok(0);
    }
    for c in shown {
        let (n, d) = progress(org, c, mine);
        let days = (c.due - today).num_days();
        let when = match (c.is_open(), days) {
            (false, _) => c.state_words(),
            (true, d) if d < 0 => format!("OVERDUE by {} days (due {})", -d, c.due),
            (true, d) => format!("due {} ({d} days)", c.due),
        };
        outln!(
            ctx,
            "#{:<4} {} {:>6}/{:<6} decided  {}",
            c.id,
            cell(&c.name, 24),
            d,
            n,
            when
        );
        if due.is_some() {
            for (r, left) in left_by_reviewer(org, c) {
                if left > 0 {
                    outln!(ctx, "      {} has {left} items left", sanitize(&r));
                }
            }
        }
    }
    Ok(0)
}

pub fn show(ctx: &Ctx, campaign: &str) -> CliResult {
    let s = ctx.session()?;
    let (me, sight) = sight_of(&s, ctx)?;
    let org = s.org();
    let c = org.reviews.resolve(campaign)?;
    let mine = (sight == Sight::Mine).then_some(me);
    if mine.is_some_and(|m| !c.reviewers.iter().any(|r| r.user == m)) {
        return Err(super::CliError(format!(
            "you are not a reviewer of campaign #{}",
            c.id
        )));
    }
    let (n, d) = progress(org, c, mine);
    let left = left_by_reviewer(org, c);
    if ctx.json {
        ctx.print_json(&json!({
            "id": c.id, "name": c.name, "scope": c.scope_words, "due": c.due,
            "default": c.fallback.word(), "recur_months": c.recur_months,
            "granter_may_review": c.granter_may_review, "bulk_after_secs": c.bulk_after_secs,
            "inactive_days": c.inactive_days,
            "started_by": c.started_by_name, "started_at": c.started_at,
            "items": n, "decided": d, "unassigned": org.reviews.unassigned(c.id),
            "reviewers": left.iter().map(|(r, n)| json!({"reviewer": r, "undecided": n})).collect::<Vec<_>>(),
            "open": c.is_open(),
            "closed_by": c.closed.as_ref().map(|x| x.by_name.clone()),
            "closed_at": c.closed.as_ref().map(|x| x.at),
            "next": c.closed.as_ref().and_then(|x| x.next),
        }))?;
        return Ok(0);
    }
    outln!(ctx, "campaign #{} {}", c.id, sanitize(&c.name));
    outln!(ctx, "  scope:     {}", sanitize(&c.scope_words));
    outln!(ctx, "  state:     {}", sanitize(&c.state_words()));
    outln!(
        ctx,
        "  started:   {} by {}",
        org.zone().local(c.started_at).format("%Y-%m-%d %H:%M"),
        sanitize(&c.started_by_name)
    );
    outln!(
        ctx,
        "  default:   {} (for items nobody decides)",
        c.fallback.word()
    );
    if let Some(m) = c.recur_months {
        outln!(ctx, "  recurs:    every {m} months");
    }
    outln!(
        ctx,
        "  policy:    {}; bulk keep after {} s with the list open; inactive after {} days",
        if c.granter_may_review {
            "people may review access they gave"
        } else {
            "nobody reviews access they gave"
        },
        c.bulk_after_secs,
        c.inactive_days
    );
    outln!(ctx, "  progress:  {d} of {n} items decided");
    let unassigned = org.reviews.unassigned(c.id);
    if unassigned > 0 {
        outln!(
            ctx,
            "  WARNING:   {} items have no reviewer (every reviewer holds or gave them): clearance review reassign {} ITEMS --to USER",
            unassigned,
            c.id
        );
    }
    for (r, left) in left {
        outln!(ctx, "  reviewer:  {} — {left} undecided", sanitize(&r));
    }
    if let Some(n) = c.closed.as_ref().and_then(|x| x.next) {
        outln!(ctx, "  next:      campaign #{n}");
    }
    Ok(0)
}
