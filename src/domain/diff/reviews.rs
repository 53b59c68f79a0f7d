//! Access-review campaigns and their items in words.

use super::{field, line, DiffLine, Mark, Names};
use crate::domain::reviews::{Campaign, ItemBlock, ReviewItem};
use crate::domain::text::sanitize;

type Described = (String, Vec<DiffLine>);

pub(super) fn campaign(n: &Names, b: Option<&Campaign>, a: Option<&Campaign>) -> Described {
    let Some(c) = a.or(b) else {
        return ("access-review campaign".into(), vec![]);
    };
    let subject = format!("access-review campaign #{} {}", c.id, sanitize(&c.name));
    let mut out = Vec::new();
    let Some(a) = a else {
        return (subject, out);
    };
    match b {
        None => {
            out.push(line(
                Mark::Added,
                format!(
                    "{} items over {}, due {}, default {}",
                    a.item_count,
                    sanitize(&a.scope_words),
                    a.due,
                    a.fallback.word()
                ),
            ));
            let names: Vec<String> = a.reviewers.iter().map(|r| sanitize(&r.name)).collect();
            out.push(line(
                Mark::Added,
                format!("reviewers: {}", names.join(", ")),
            ));
        }
        Some(b) => {
            let names = |c: &Campaign| {
                c.reviewers
                    .iter()
                    .map(|r| sanitize(&r.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            field(&mut out, "reviewers", names(b), names(a));
            if let (None, Some(cl)) = (&b.closed, &a.closed) {
                out.push(line(Mark::Changed, format!("closed by {}", n.user(cl.by))));
                if let Some(next) = cl.next {
                    out.push(line(Mark::Added, format!("next campaign #{next}")));
                }
            }
        }
    }
    (subject, out)
}

pub(super) fn item(n: &Names, b: Option<&ReviewItem>, a: Option<&ReviewItem>) -> Described {
    let Some(i) = a.or(b) else {
        return ("review item".into(), vec![]);
    };
    let subject = format!(
        "item {} of campaign #{}: {} of {}",
        i.no,
        i.campaign,
        sanitize(&i.target.describe()),
        sanitize(&i.holder_name)
    );
    let mut out = Vec::new();
    let Some(a) = a else {
        return (subject, out);
    };
    let reviewer = |r: Option<u32>| r.map_or("nobody".into(), |r| n.user(r));
    match b {
        // First written on its own (it was in its campaign's block): what
        // it now says.
        None => {
            out.push(line(
                Mark::Changed,
                format!("reviewer: {}", reviewer(a.reviewer)),
            ));
            if let Some(d) = &a.decision {
                let mut s = d.verdict.words();
                if !d.reason.is_empty() {
                    s.push_str(&format!(" ({})", sanitize(&d.reason)));
                }
                if d.bulk {
                    s.push_str(" in bulk");
                }
                out.push(line(Mark::Changed, format!("decision: {s}")));
            }
            if let Some(o) = &a.outcome {
                out.push(line(Mark::Changed, format!("outcome: {}", o.words())));
            }
        }
        Some(b) => {
            field(
                &mut out,
                "reviewer",
                reviewer(b.reviewer),
                reviewer(a.reviewer),
            );
            let decision = |i: &ReviewItem| {
                i.decision.as_ref().map_or("undecided".into(), |d| {
                    let mut s = d.verdict.words();
                    if !d.reason.is_empty() {
                        s.push_str(&format!(" ({})", sanitize(&d.reason)));
                    }
                    if d.bulk {
                        s.push_str(" in bulk");
                    }
                    s
                })
            };
            field(&mut out, "decision", decision(b), decision(a));
            let outcome = |i: &ReviewItem| i.outcome.as_ref().map_or("open".into(), |o| o.words());
            field(&mut out, "outcome", outcome(b), outcome(a));
        }
    }
    (subject, out)
}

pub(super) fn block(n: &Names, b: Option<&ItemBlock>, a: Option<&ItemBlock>) -> Described {
    let Some(x) = a.or(b) else {
        return ("review items".into(), vec![]);
    };
    let last = x.first + x.items.len().saturating_sub(1) as u32;
    let subject = format!("items {}–{last} of campaign #{}", x.first, x.campaign);
    let mut out = Vec::new();
    if let (None, Some(a)) = (b, a) {
        for i in &a.items {
            out.push(line(
                Mark::Added,
                format!(
                    "{}: {} of {}, reviewer {}",
                    i.no,
                    sanitize(&i.target.describe()),
                    sanitize(&i.holder_name),
                    i.reviewer.map_or("nobody".into(), |r| n.user(r))
                ),
            ));
        }
    }
    (subject, out)
}
