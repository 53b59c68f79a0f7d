//! `clearance review start|list|show|items|decide|reassign|close|report|
//! verify-report`: access-review campaigns. Starting, reassigning and
//! closing need users.manage; only an item's reviewer decides it.

use std::path::PathBuf;

use clap::Subcommand;
use serde_json::json;

use super::{cell, parse_date, CliError, CliResult, Ctx};
use crate::domain::command::{Command, NewReview};
use crate::domain::org::Organisation;
use crate::domain::reviews::evidence::{self, Previous};
use crate::domain::reviews::report::{self, Format};
use crate::domain::reviews::{
    self as rv, parse_recur, Campaign, Fallback, ItemNo, ReviewItem, Sight, Verdict,
};
use crate::domain::text::sanitize;
use crate::ops::Session;

#[derive(Debug, Subcommand)]
pub enum ReviewCmd {
    /// Start a campaign: every assignment, personal grant and authorization
    /// in scope becomes an item for a reviewer (never its holder, and by
    /// policy never who gave it); needs users.manage
    Start {
        #[arg(long)]
        name: String,
        /// all, privileged, role:NAME, area:AREA or kind:KIND
        #[arg(long)]
        scope: String,
        /// A reviewer (login, email or #id); give one or more
        #[arg(long = "reviewer", value_name = "USER", required = true)]
        reviewers: Vec<String>,
        /// The last day to decide (YYYY-MM-DD)
        #[arg(long)]
        due: String,
        /// What closing does with items nobody decided: keep, remove or none
        #[arg(long, default_value = "none")]
        default: String,
        /// Start the next campaign like this one when it closes, due this
        /// much later (3m, 6m, 1y)
        #[arg(long, value_name = "PERIOD")]
        recur: Option<String>,
        /// Let people review access they gave (off: such items go to the
        /// next reviewer)
        #[arg(long)]
        granter_may_review: bool,
        /// Seconds a reviewer must have had their list open before keeping
        /// every item without a risk sign at once (default 120)
        #[arg(long, value_name = "SECONDS")]
        bulk_after: Option<u32>,
        /// Days without activity that mark an item inactive (default 90)
        #[arg(long, value_name = "DAYS")]
        inactive_days: Option<u32>,
    },
    /// Campaigns: open ones (with --all, closed ones too)
    List {
        #[arg(long)]
        all: bool,
        /// Only open campaigns due within DAYS (or overdue), with what each
        /// reviewer has left: for scripts and reminder mail
        #[arg(long, value_name = "DAYS")]
        due: Option<i64>,
    },
    /// One campaign: scope, reviewers, progress
    Show { campaign: String },
    /// A campaign's items with their evidence
    Items {
        campaign: String,
        /// Only the items given to me
        #[arg(long)]
        mine: bool,
        /// Only items not decided yet
        #[arg(long)]
        open: bool,
    },
    /// Decide items: keep, remove, or shorten DATE (a reason is required
    /// for anything but keep: --reason)
    Decide {
        campaign: String,
        /// Item numbers: 7, 3,4,9 or 10-20
        items: String,
        /// keep, remove or shorten
        decision: String,
        /// The last day, for shorten
        date: Option<String>,
    },
    /// Give items to another reviewer (needs users.manage; audited)
    Reassign {
        campaign: String,
        items: String,
        #[arg(long = "to", value_name = "USER")]
        to: String,
    },
    /// Close a campaign: apply every removal and shortening in one audited
    /// change; undecided items get the campaign's default (needs users.manage)
    Close {
        campaign: String,
        /// Write the evidence report here as well
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// html, json or csv (default: from the file's extension, else html)
        #[arg(long)]
        format: Option<String>,
    },
    /// Write the evidence report of a closed campaign
    Report {
        campaign: String,
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// html, json or csv (default: from the file's extension, else html)
        #[arg(long)]
        format: Option<String>,
    },
    /// Check a report against the audit chain: exit 0 when it is exactly
    /// what the chain records, 1 when it was edited or the chain is broken
    VerifyReport { file: PathBuf },
}

impl ReviewCmd {
    pub fn changes(&self) -> bool {
        matches!(
            self,
            ReviewCmd::Start { .. } | ReviewCmd::Reassign { .. } | ReviewCmd::Close { .. }
        )
    }

    /// The file a served command writes (report, close -o) or reads
    /// (verify-report), opened by the client.
    pub fn output(&self) -> Option<&std::path::Path> {
        match self {
            ReviewCmd::Close { output, .. } | ReviewCmd::Report { output, .. } => output.as_deref(),
            _ => None,
        }
    }
}

/// Parses `7`, `3,4,9`, `10-20` (and mixes).
pub fn parse_items(text: &str) -> CliResult<Vec<ItemNo>> {
    let bad = || {
        CliError(format!(
            "items '{}': say 7, 3,4,9 or 10-20; nothing was done",
            sanitize(text)
        ))
    };
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => {
                let a: ItemNo = a.trim().parse().map_err(|_| bad())?;
                let b: ItemNo = b.trim().parse().map_err(|_| bad())?;
                if a == 0 || b < a || b - a > 1_000_000 {
                    return Err(bad());
                }
                out.extend(a..=b);
            }
            None => out.push(part.parse().map_err(|_| bad())?),
        }
    }
    if out.is_empty() || out.contains(&0) {
        return Err(bad());
    }
    Ok(out)
}

fn format_of(format: &Option<String>, output: &Option<PathBuf>) -> CliResult<Format> {
    if let Some(f) = format {
        return Format::parse(f).map_err(CliError);
    }
    let ext = output
        .as_ref()
        .and_then(|p| p.extension())
        .and_then(|e| e.to_str())
        .unwrap_or("html");
    Ok(Format::parse(ext).unwrap_or(Format::Html))
}

/// The campaign named and the report's format (checked before anything is
/// done).
fn campaign_and_format(
    ctx: &Ctx,
    campaign: &str,
    format: &Option<String>,
    output: &Option<PathBuf>,
) -> CliResult<(u32, Format)> {
    let format = format_of(format, output)?;
    let id = ctx.session()?.org().reviews.resolve(campaign)?.id;
    Ok((id, format))
}

pub fn run(ctx: &Ctx, cmd: ReviewCmd) -> CliResult {
    match cmd {
        ReviewCmd::Start {
            name,
            scope,
            reviewers,
            due,
            default,
            recur,
            granter_may_review,
            bulk_after,
            inactive_days,
        } => {
            let nr = NewReview {
                name,
                scope,
                reviewers,
                due: parse_date("due date", &due)?,
                fallback: Fallback::parse(&default)?,
                recur_months: recur.as_deref().map(parse_recur).transpose()?,
                granter_may_review,
                bulk_after_secs: bulk_after,
                inactive_days,
            };
            ctx.run(Command::StartReview(Box::new(nr)))
        }
        ReviewCmd::Decide {
            campaign,
            items,
            decision,
            date,
        } => {
            let items = parse_items(&items)?;
            let day = date.as_deref().map(|d| parse_date("date", d)).transpose()?;
            let verdict = Verdict::parse(&decision, day)?;
            let mut s = ctx.session()?;
            let id = s.org().reviews.resolve(&campaign)?.id;
            let actor = s.actor(ctx.as_user.as_deref())?;
            let out = s.execute(
                actor,
                Command::DecideReview {
                    campaign: id,
                    items,
                    verdict,
                    reason: ctx.reason.clone().unwrap_or_default(),
                    looked_ms: None,
                    bulk: None,
                },
            )?;
            ctx.done(&out);
            Ok(0)
        }
        ReviewCmd::Reassign {
            campaign,
            items,
            to,
        } => {
            let items = parse_items(&items)?;
            let id = ctx.session()?.org().reviews.resolve(&campaign)?.id;
            ctx.run(Command::ReassignReview {
                campaign: id,
                items,
                reviewer: to,
            })
        }
        ReviewCmd::Close {
            campaign,
            output,
            format,
        } => {
            let (id, format) = campaign_and_format(ctx, &campaign, &format, &output)?;
            ctx.run(Command::CloseReview { campaign: id })?;
            match output {
                Some(_) => write_report(ctx, id, &output, format),
                None => {
                    outln!(
                        ctx,
                        "write its evidence report with: clearance review report {id} -o review-{id}.html"
                    );
                    Ok(0)
                }
            }
        }
        ReviewCmd::Report {
            campaign,
            output,
            format,
        } => {
            let (id, format) = campaign_and_format(ctx, &campaign, &format, &output)?;
            write_report(ctx, id, &output, format)
        }
        ReviewCmd::VerifyReport { file } => verify(ctx, &file),
        ReviewCmd::List { all, due } => super::review_list::list(ctx, all, due),
        ReviewCmd::Show { campaign } => super::review_list::show(ctx, &campaign),
        ReviewCmd::Items {
            campaign,
            mine,
            open,
        } => items(ctx, &campaign, mine, open),
    }
}

/// Who the caller is and what they may see of campaigns.
pub(super) fn sight_of(s: &Session, ctx: &Ctx) -> CliResult<(u32, Sight)> {
    let actor = s.actor(ctx.as_user.as_deref())?;
    let me = s.org().user(actor.effective())?;
    let sight = rv::sight(s.org(), me, s.now()).ok_or_else(|| {
        CliError("you review no campaign, and seeing every campaign needs users.manage".into())
    })?;
    Ok((me.id, sight))
}

fn write_report(ctx: &Ctx, id: u32, output: &Option<PathBuf>, format: Format) -> CliResult {
    let s = ctx.session()?;
    let (_, sight) = sight_of(&s, ctx)?;
    if sight != Sight::All {
        return Err(CliError(
            "a campaign's evidence report needs users.manage".into(),
        ));
    }
    let r = s.review_report(id)?;
    let text = report::render(&r, format);
    use std::io::Write;
    match (ctx.passed_file(), output) {
        (Some(mut f), Some(p)) => {
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
            outln!(ctx, "wrote the report of campaign #{id} to {}", p.display());
        }
        (None, Some(p)) => {
            std::fs::write(p, &text)
                .map_err(|e| CliError(format!("cannot write {}: {e}", p.display())))?;
            outln!(ctx, "wrote the report of campaign #{id} to {}", p.display());
        }
        (_, None) => ctx.write_out(format_args!("{text}")),
    }
    Ok(0)
}

fn verify(ctx: &Ctx, file: &std::path::Path) -> CliResult {
    let text = match ctx.passed_file() {
        Some(mut f) => {
            use std::io::Read;
            let mut t = String::new();
            f.read_to_string(&mut t)
                .map_err(|e| CliError(format!("cannot read {}: {e}", file.display())))?;
            t
        }
        None => std::fs::read_to_string(file)
            .map_err(|e| CliError(format!("cannot read {}: {e}", file.display())))?,
    };
    let s = ctx.session()?;
    let check = s.verify_report(&text)?;
    if check.problems.is_empty() {
        outln!(
            ctx,
            "report intact: campaign #{} as closed in audit entry #{}, and the chain verifies",
            check.campaign,
            check.closing_seq
        );
        return Ok(0);
    }
    outln!(ctx, "REPORT DOES NOT MATCH THE CHAIN:");
    for p in &check.problems {
        outln!(ctx, "  {}", p);
    }
    Ok(1)
}

/// One item as JSON, with its evidence.
fn item_json(
    org: &Organisation,
    c: &Campaign,
    i: &ReviewItem,
    e: &evidence::Evidence,
) -> serde_json::Value {
    json!({
        "item": i.no,
        "person": i.holder_name,
        "access": i.target.describe(),
        "kind": i.target.kind_word(),
        "until": i.until,
        "reviewer": i.reviewer.map(|r| c.reviewer_name(r)),
        "decision": i.decision.as_ref().map(|d| d.verdict.words()),
        "reason": i.decision.as_ref().map(|d| d.reason.clone()),
        "decided_by": i.decision.as_ref().map(|d| org.users.get(&d.by).map(|u| u.handle())),
        "decided_at": i.decision.as_ref().map(|d| d.at),
        "looked_ms": i.decision.as_ref().and_then(|d| d.looked_ms),
        "bulk": i.decision.as_ref().is_some_and(|d| d.bulk),
        "outcome": i.outcome.as_ref().map(|o| o.words()),
        "evidence": e,
        "risks": e.risks.iter().map(|r| r.word()).collect::<Vec<_>>(),
    })
}

fn items(ctx: &Ctx, campaign: &str, mine: bool, open: bool) -> CliResult {
    let s = ctx.session()?;
    let (me, sight) = sight_of(&s, ctx)?;
    let org = s.org();
    let c = org.reviews.resolve(campaign)?;
    let only_mine = mine || sight == Sight::Mine;
    let previous = Previous::of(&org.reviews, c);
    let shown: Vec<&ReviewItem> = org
        .reviews
        .items_of(c.id)
        .filter(|i| !only_mine || i.reviewer == Some(me))
        .filter(|i| !open || i.decision.is_none())
        .collect();
    let conflicts = evidence::conflicts(org, shown.iter().map(|i| i.holder), s.now());
    let mut holders: Vec<u32> = shown.iter().map(|i| i.holder).collect();
    holders.sort_unstable();
    holders.dedup();
    let acting_as = s.actor(ctx.as_user.as_deref())?.acting_as;
    let activity = crate::ops::reviews::activity_of(s.usage_for(acting_as, Some(&holders))?);
    let ev = |i: &ReviewItem| {
        evidence::evidence(
            org,
            i,
            activity.get(&i.holder),
            &previous,
            &conflicts,
            s.now(),
        )
    };
    if ctx.json {
        ctx.print_json_items(shown.iter().map(|i| item_json(org, c, i, &ev(i))))?;
        return Ok(0);
    }
    if shown.is_empty() {
        outln!(ctx, "no items to show in campaign #{}", c.id);
        return Ok(0);
    }
    for i in shown {
        let e = ev(i);
        let decision = match (&i.decision, &i.outcome) {
            (_, Some(o)) => o.words(),
            (Some(d), None) => d.verdict.words(),
            (None, None) => "undecided".into(),
        };
        outln!(
            ctx,
            "{:>5} {} {} {} {}",
            i.no,
            cell(&i.holder_name, 28),
            cell(&i.target.describe(), 36),
            cell(&decision, 20),
            sanitize(
                &i.reviewer
                    .map(|r| c.reviewer_name(r))
                    .unwrap_or("(no reviewer)".into())
            )
        );
        let risks: Vec<_> = e.risks.iter().map(|r| r.word()).collect();
        outln!(
            ctx,
            "      given by {}; until {}; activity: {}; {}{}",
            sanitize(&e.given),
            e.expiry,
            sanitize(&e.activity),
            sanitize(&e.changed),
            if risks.is_empty() {
                String::new()
            } else {
                format!("; risk: {}", risks.join(", "))
            }
        );
    }
    Ok(0)
}
