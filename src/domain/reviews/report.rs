//! The evidence report of a closed campaign: scope, reviewers, every item
//! with its decision, reason, reviewer, the time taken and what closing
//! applied (in the one audit entry named), the exceptions in force, and the
//! audit chain's head at closing. Rendered as JSON, CSV or one
//! self-contained HTML page that reads well printed.
//!
//! Rendering is a pure function of the closed campaign's records and the
//! closing entry, so `review verify-report` renders again from the chain
//! and compares: any edit of a report shows.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Campaign, ItemNo, Outcome, ReviewItem, Verdict};

/// The first line of every report names its format.
pub const FORMAT: &str = "clearance-review-report/1";
/// Decisions taken faster than this are marked quick in the report.
pub const QUICK_MS: u32 = 2_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    Json,
    Csv,
}

impl Format {
    pub fn parse(text: &str) -> Result<Format, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "html" => Ok(Format::Html),
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            other => Err(format!("format '{other}': say html, json or csv")),
        }
    }

    /// The format a report's text is in, from how it starts.
    pub fn sniff(text: &str) -> Format {
        let t = text.trim_start();
        if t.starts_with('{') {
            Format::Json
        } else if t.starts_with('<') {
            Format::Html
        } else {
            Format::Csv
        }
    }
}

/// Everything a report says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub format: String,
    pub organisation: String,
    pub campaign: u32,
    pub name: String,
    pub scope: String,
    pub due: String,
    pub default: String,
    pub started_by: String,
    pub started_at: String,
    pub closed_by: String,
    pub closed_at: String,
    pub reviewers: Vec<ReviewerLine>,
    pub totals: Totals,
    pub items: Vec<ItemLine>,
    pub exceptions: Vec<String>,
    /// The audit entry that closed the campaign and applied its decisions,
    /// and its hash: the chain's head at closing.
    pub closing_seq: u64,
    pub chain_head: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewerLine {
    pub name: String,
    pub items: u32,
    pub decided: u32,
    pub quick: u32,
    /// The median time per measured decision, in seconds (one decimal).
    pub median_seconds: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub items: u32,
    pub kept: u32,
    pub removed: u32,
    pub shortened: u32,
    pub not_reviewed: u32,
    pub by_default: u32,
    pub nothing_to_do: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemLine {
    pub no: ItemNo,
    pub person: String,
    pub access: String,
    pub until: String,
    pub given: String,
    pub reviewer: String,
    pub decision: String,
    pub reason: String,
    pub decided_at: String,
    /// Seconds the item was in front of the reviewer ("" when not measured).
    pub seconds: String,
    pub bulk: bool,
    pub outcome: String,
}

fn time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%SZ").to_string()
}

fn seconds(ms: u32) -> String {
    format!("{}.{}", ms / 1000, (ms % 1000) / 100)
}

/// Builds the report of a closed campaign from its records and the entry
/// that closed it: only words the records kept as they were (names when
/// the campaign started or closed), so that a report renders the same
/// whatever is renamed later.
pub fn build(
    campaign: &Campaign,
    items: &[&ReviewItem],
    closing_seq: u64,
    chain_head: &str,
) -> Report {
    let closed = campaign.closed.as_ref();
    let mut totals = Totals::default();
    let mut lines = Vec::with_capacity(items.len());
    for i in items {
        totals.items += 1;
        match &i.outcome {
            Some(Outcome::Kept) => totals.kept += 1,
            Some(Outcome::Removed) => totals.removed += 1,
            Some(Outcome::Shortened(_)) => totals.shortened += 1,
            Some(Outcome::NotReviewed) | None => totals.not_reviewed += 1,
            Some(Outcome::Gone(_)) => totals.nothing_to_do += 1,
        }
        if i.decision.is_none() && !matches!(i.outcome, Some(Outcome::Gone(_))) {
            totals.by_default += 1;
        }
        let d = i.decision.as_ref();
        lines.push(ItemLine {
            no: i.no,
            person: i.holder_name.clone(),
            access: i.target.describe(),
            until: i.until.map_or("never".into(), |d| d.to_string()),
            given: format!("{} {}", i.given_by_name, i.given_at.format("%Y-%m-%d")),
            reviewer: i
                .reviewer
                .map_or("(none)".into(), |r| campaign.reviewer_name(r)),
            decision: match d {
                Some(d) => d.verdict.words(),
                None => format!("(default: {})", campaign.fallback.word()),
            },
            reason: d.map(|d| d.reason.clone()).unwrap_or_default(),
            decided_at: d.map(|d| time(d.at)).unwrap_or_default(),
            seconds: d.and_then(|d| d.looked_ms).map(seconds).unwrap_or_default(),
            bulk: d.is_some_and(|d| d.bulk),
            outcome: i.outcome.as_ref().map_or("open".into(), Outcome::words),
        });
    }
    let reviewers = campaign
        .reviewers
        .iter()
        .map(|r| {
            let mine: Vec<_> = items
                .iter()
                .filter(|i| i.reviewer == Some(r.user))
                .collect();
            let mut times: Vec<u32> = mine
                .iter()
                .filter_map(|i| i.decision.as_ref().filter(|d| d.by == r.user))
                .filter_map(|d| d.looked_ms)
                .collect();
            times.sort_unstable();
            ReviewerLine {
                name: r.name.clone(),
                items: mine.len() as u32,
                decided: mine.iter().filter(|i| i.decision.is_some()).count() as u32,
                quick: times.iter().filter(|t| **t < QUICK_MS).count() as u32,
                median_seconds: times.get(times.len() / 2).map(|m| seconds(*m)),
            }
        })
        .collect();
    Report {
        format: FORMAT.into(),
        organisation: closed.map(|c| c.organisation.clone()).unwrap_or_default(),
        campaign: campaign.id,
        name: campaign.name.clone(),
        scope: campaign.scope_words.clone(),
        due: campaign.due.to_string(),
        default: campaign.fallback.word().into(),
        started_by: campaign.started_by_name.clone(),
        started_at: time(campaign.started_at),
        closed_by: closed.map(|c| c.by_name.clone()).unwrap_or_default(),
        closed_at: closed.map(|c| time(c.at)).unwrap_or_default(),
        reviewers,
        totals,
        items: lines,
        exceptions: closed.map(|c| c.exceptions.clone()).unwrap_or_default(),
        closing_seq,
        chain_head: chain_head.into(),
    }
}

/// The report as text in a format.
pub fn render(r: &Report, format: Format) -> String {
    match format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(r).expect("a report serialises");
            s.push('\n');
            s
        }
        Format::Csv => csv(r),
        Format::Html => html(r),
    }
}

/// Which report a text claims to be: its campaign id (for verify-report).
pub fn campaign_of(text: &str) -> Option<u32> {
    match Format::sniff(text) {
        Format::Json => serde_json::from_str::<serde_json::Value>(text)
            .ok()?
            .get("campaign")?
            .as_u64()
            .map(|c| c as u32),
        _ => {
            let at = text.find("campaign #")? + "campaign #".len();
            let digits: String = text[at..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().ok()
        }
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn csv(r: &Report) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# {FORMAT}; {}; campaign #{} {}; closed {} by {}; closing audit #{}; chain head {}",
        csv_field(&r.organisation),
        r.campaign,
        csv_field(&r.name),
        r.closed_at,
        csv_field(&r.closed_by),
        r.closing_seq,
        r.chain_head
    );
    s.push_str(
        "item,person,access,until,given,reviewer,decision,reason,decided_at,seconds,bulk,outcome\n",
    );
    for i in &r.items {
        let fields = [
            i.no.to_string(),
            i.person.clone(),
            i.access.clone(),
            i.until.clone(),
            i.given.clone(),
            i.reviewer.clone(),
            i.decision.clone(),
            i.reason.clone(),
            i.decided_at.clone(),
            i.seconds.clone(),
            i.bulk.to_string(),
            i.outcome.clone(),
        ];
        let row: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        s.push_str(&row.join(","));
        s.push('\n');
    }
    s
}

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c if c.is_control() => o.push('\u{FFFD}'),
            c => o.push(c),
        }
    }
    o
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;font-size:10pt;margin:2em;color:#000}\
h1{font-size:16pt;margin:0 0 .2em}h2{font-size:12pt;margin:1.2em 0 .4em}\
table{border-collapse:collapse;width:100%}th,td{border:1px solid #999;padding:2px 4px;text-align:left;vertical-align:top}\
th{background:#eee}tr{page-break-inside:avoid}.quick{font-weight:bold}\
dl{display:grid;grid-template-columns:max-content auto;gap:2px 1em}dt{font-weight:bold}dd{margin:0}\
.chain{font-family:monospace;word-break:break-all}@media print{body{margin:0}}";

fn html(r: &Report) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"generator\" content=\"{FORMAT}\">\
<title>Access review: {} (campaign #{})</title><style>{STYLE}</style></head><body>\n",
        esc(&r.name),
        r.campaign
    );
    let _ = writeln!(
        s,
        "<h1>Access review: {}</h1><p>{} — campaign #{}</p>",
        esc(&r.name),
        esc(&r.organisation),
        r.campaign
    );
    let t = &r.totals;
    let _ = writeln!(
        s,
        "<dl><dt>Scope</dt><dd>{}</dd><dt>Due</dt><dd>{}</dd><dt>Default for undecided items</dt><dd>{}</dd>\
<dt>Started</dt><dd>{} by {}</dd><dt>Closed</dt><dd>{} by {}</dd>\
<dt>Items</dt><dd>{} — kept {}, removed {}, shortened {}, not reviewed {}, nothing to do {}; {} by default</dd>\
<dt>Applied in</dt><dd>audit entry #{}</dd><dt>Chain head at closing</dt><dd class=\"chain\">{}</dd></dl>",
        esc(&r.scope),
        esc(&r.due),
        esc(&r.default),
        esc(&r.started_at),
        esc(&r.started_by),
        esc(&r.closed_at),
        esc(&r.closed_by),
        t.items,
        t.kept,
        t.removed,
        t.shortened,
        t.not_reviewed,
        t.nothing_to_do,
        t.by_default,
        r.closing_seq,
        esc(&r.chain_head)
    );
    s.push_str("<h2>Reviewers</h2><table><tr><th>Reviewer</th><th>Items</th><th>Decided</th><th>Under 2 s</th><th>Median time</th></tr>\n");
    for v in &r.reviewers {
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&v.name),
            v.items,
            v.decided,
            v.quick,
            v.median_seconds
                .as_deref()
                .map_or("—".into(), |m| format!("{m} s"))
        );
    }
    s.push_str("</table>\n<h2>Separation-of-duties exceptions in force</h2>\n");
    if r.exceptions.is_empty() {
        s.push_str("<p>None.</p>\n");
    } else {
        s.push_str("<ul>");
        for e in &r.exceptions {
            let _ = write!(s, "<li>{}</li>", esc(e));
        }
        s.push_str("</ul>\n");
    }
    s.push_str("<h2>Items</h2><table><tr><th>#</th><th>Person</th><th>Access</th><th>Until</th><th>Given</th><th>Reviewer</th><th>Decision</th><th>Reason</th><th>Decided</th><th>Time</th><th>Outcome</th></tr>\n");
    for i in &r.items {
        let quick = i
            .seconds
            .split('.')
            .next()
            .and_then(|w| w.parse::<u32>().ok())
            .is_some_and(|w| w * 1000 < QUICK_MS);
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}{}</td><td>{}</td><td>{}</td><td{}>{}</td><td>{}</td></tr>",
            i.no,
            esc(&i.person),
            esc(&i.access),
            esc(&i.until),
            esc(&i.given),
            esc(&i.reviewer),
            esc(&i.decision),
            if i.bulk { " (bulk)" } else { "" },
            esc(&i.reason),
            esc(&i.decided_at),
            if quick { " class=\"quick\"" } else { "" },
            if i.seconds.is_empty() { "—".into() } else { format!("{} s", esc(&i.seconds)) },
            esc(&i.outcome)
        );
    }
    let _ = writeln!(
        s,
        "</table>\n<p>Times are UTC. Verify this report against the database's audit chain with \
<code>clearance review verify-report FILE</code>.</p>\n</body></html>"
    );
    s
}

/// The verdict a decision or the default gives an undecided item.
pub fn effective_verdict(item: &ReviewItem, campaign: &Campaign) -> Option<Verdict> {
    match (&item.decision, campaign.fallback) {
        (Some(d), _) => Some(d.verdict),
        (None, super::Fallback::Keep) => Some(Verdict::Keep),
        (None, super::Fallback::Remove) => Some(Verdict::Remove),
        (None, super::Fallback::None) => None,
    }
}
