//! Closing a campaign: every removal and shortening decided (or given by
//! the campaign's default) is planned as the command a person would give,
//! all in the one change, with each item's outcome; a recurring campaign
//! starts its next one in that change. Also the shortening of an
//! authorization a review asks for.

use chrono::{Months, NaiveDate};

use super::super::catalog::system;
use super::super::command::{Command, NewReview};
use super::super::error::{invalid, DomainError, DomainResult};
use super::super::org::{Organisation, Put, Record, RecordKey};
use super::super::reviews::items::{name_of, person_words};
use super::super::reviews::report::effective_verdict;
use super::super::reviews::{
    Campaign, CampaignId, Closed, Outcome, ReviewItem, Scope, Target, Verdict,
};
use super::super::text::{self, sanitize};
use super::reviews::{build, item_put, open_campaign, put_new, started_words};
use super::{plan_sequence, Ctx};

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
                        name_of(org, e.user),
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
        next_words = format!("; {}", started_words(&n, &items));
        next = Some(id);
        put_new(&mut puts, n, items);
    }
    closed.closed = Some(Closed {
        by: me.id,
        by_name: person_words(me),
        at: cx.now,
        organisation: org.settings.name.clone(),
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
