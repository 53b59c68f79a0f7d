//! Drawing the Reviews tab: the campaign line, the items, the evidence.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::{ReviewsView, Show};
use crate::domain::reviews::evidence::Evidence;
use crate::domain::reviews::{Campaign, ReviewItem};
use crate::domain::text::sanitize;
use crate::tui::view::Cx;
use crate::tui::views::{pane, split_detail};
use crate::tui::widgets::table::{render_columns, Column};

/// The item list's columns: number, access and person matter most.
const COLUMNS: [Column; 6] = [
    Column::new("#", 9, 3, 6),
    Column::new("PERSON", 8, 10, 28),
    Column::new("ACCESS", 9, 12, 40),
    Column::new("UNTIL", 5, 10, 10),
    Column::new("RISK", 9, 9, 16),
    Column::new("DECISION", 6, 8, 18),
];

fn campaign_line(v: &ReviewsView, c: &Campaign, cx: &Cx) -> Line<'static> {
    let me = cx.me.id;
    let (mut mine, mut decided) = (0u32, 0u32);
    for i in cx.org.reviews.items_of(c.id) {
        if v.everyone || i.reviewer == Some(me) {
            mine += 1;
            if i.decision.is_some() {
                decided += 1;
            }
        }
    }
    let days = (c.due - cx.today()).num_days();
    let due = match (c.is_open(), days) {
        (false, _) => c.state_words(),
        (true, d) if d < 0 => format!("OVERDUE by {} days", -d),
        (true, d) => format!("due in {d} days ({})", c.due),
    };
    let whose = if v.everyone { "all" } else { "yours" };
    Line::from(vec![
        Span::styled(format!(" #{} {} ", c.id, sanitize(&c.name)), cx.theme.title),
        Span::raw(format!(
            "· {decided}/{mine} decided ({whose}) · {due} · show: {} · ",
            v.show.word()
        )),
        Span::styled(sanitize(&c.scope_words), cx.theme.muted),
    ])
}

fn decision_words(i: &ReviewItem) -> String {
    match (&i.outcome, &i.decision) {
        (Some(o), _) => o.words(),
        (None, Some(d)) if d.bulk => "keep (bulk)".into(),
        (None, Some(d)) => d.verdict.words(),
        (None, None) => "—".into(),
    }
}

fn risk_words(e: Option<&Evidence>) -> String {
    match e {
        Some(e) => e
            .risks
            .iter()
            .map(|r| r.word())
            .collect::<Vec<_>>()
            .join(", "),
        None => String::new(),
    }
}

fn risk_short(e: Option<&Evidence>) -> String {
    match e {
        Some(e) if e.risks.is_empty() => "·".into(),
        Some(e) => e
            .risks
            .iter()
            .map(|r| r.short())
            .collect::<Vec<_>>()
            .join(" "),
        None => String::new(),
    }
}

pub(super) fn render(v: &mut ReviewsView, f: &mut Frame, area: Rect, cx: &Cx) {
    let Some(c) = v.campaign.and_then(|id| cx.org.reviews.campaigns.get(&id)) else {
        let msg = vec![
            Line::styled("No access reviews for you.", cx.theme.title),
            Line::from(""),
            Line::from("A campaign asks reviewers to keep, remove or shorten each assignment,"),
            Line::from("grant and authorization in its scope. Start one from the command line:"),
            Line::from("  clearance review start --name \"Q1\" --scope all --reviewer LOGIN --due YYYY-MM-DD"),
        ];
        f.render_widget(
            Paragraph::new(msg)
                .block(pane("Reviews".into(), cx, true))
                .wrap(Wrap { trim: false }),
            area,
        );
        return;
    };
    let [top, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(3)]).areas(area);
    f.render_widget(Paragraph::new(campaign_line(v, c, cx)), top);
    let (list_area, detail_area) = if body.width >= 110 {
        let [a, b] = Layout::horizontal([Constraint::Percentage(64), Constraint::Percentage(36)])
            .areas(body);
        (a, b)
    } else {
        split_detail(body)
    };
    // Evidence for the rows in view (the risk column) and the selection.
    let h = list_area.height.saturating_sub(3) as usize;
    let range = v.list.window(v.rows.len(), h);
    let visible: Vec<_> = v.rows[range].to_vec();
    v.evidence_for(cx, &visible);
    let rows = v.rows.clone();
    let org = cx.org;
    let ev = &v.evidence;
    let cid = c.id;
    let title = format!(
        "Items ({}{})",
        rows.len(),
        if v.show == Show::ToDecide {
            " to decide"
        } else {
            ""
        }
    );
    let key = cx
        .version
        .wrapping_mul(1_000_003)
        .wrapping_add(u64::from(cid) << 8)
        .wrapping_add(v.show.index() as u64);
    render_columns(
        f,
        list_area,
        pane(title, cx, true),
        &COLUMNS,
        &mut v.widths,
        key,
        rows.len(),
        &mut v.list,
        cx.sym,
        cx.theme.selected,
        cx.theme.title,
        |i| {
            let Some(it) = org.reviews.item(cid, rows[i]) else {
                return vec![Line::from(""); COLUMNS.len()];
            };
            let e = ev.get(&it.no);
            let risk = risk_short(e);
            vec![
                Line::from(it.no.to_string()),
                Line::from(sanitize(
                    it.holder_name.split(" (").next().unwrap_or_default(),
                )),
                Line::from(sanitize(&it.target.describe())),
                Line::from(it.until.map_or("never".into(), |d| d.to_string())),
                if e.is_some_and(|e| !e.risks.is_empty()) {
                    Line::styled(risk, cx.theme.expiring)
                } else {
                    Line::from(risk)
                },
                Line::from(decision_words(it)),
            ]
        },
    );
    let lines = match v
        .rows
        .get(v.list.selected)
        .and_then(|n| cx.org.reviews.item(c.id, *n))
    {
        Some(it) => detail_lines(it, c, v.evidence.get(&it.no), cx),
        None => vec![Line::styled(
            match v.show {
                Show::ToDecide => {
                    "Nothing left to decide here. f shows other items, c the next campaign."
                }
                _ => "No item matches. f shows other items.",
            },
            cx.theme.muted,
        )],
    };
    f.render_widget(
        Paragraph::new(lines)
            .block(pane("Evidence".into(), cx, false))
            .wrap(Wrap { trim: false }),
        detail_area,
    );
}

fn detail_lines(
    it: &ReviewItem,
    c: &Campaign,
    e: Option<&Evidence>,
    cx: &Cx,
) -> Vec<Line<'static>> {
    let t = cx.theme;
    let row = |k: &str, v: String| {
        Line::from(vec![
            Span::styled(format!("{k:<13}"), t.muted),
            Span::raw(sanitize(&v)),
        ])
    };
    let mut out = vec![Line::styled(
        format!(
            "{} {} — {}",
            it.no,
            sanitize(&it.holder_name),
            sanitize(&it.target.describe())
        ),
        t.title,
    )];
    if let Some(e) = e {
        if !e.risks.is_empty() {
            out.push(Line::styled(
                format!("risk: {}", risk_words(Some(e))),
                t.expired,
            ));
        }
        if !e.current {
            out.push(Line::styled(
                "it no longer exists as reviewed (ended or removed since the campaign started)",
                t.muted,
            ));
        }
        out.push(row("given", e.given.clone()));
        out.push(row("activity", e.activity.clone()));
        out.push(row("expires", e.expiry.clone()));
        out.push(row("since review", e.changed.clone()));
        for s in &e.sod {
            out.push(row("SoD", s.clone()));
        }
        for a in &e.authorization {
            out.push(row("authorization", a.clone()));
        }
        out.push(Line::styled("gives", t.muted));
        for g in e.gives.iter().take(40) {
            out.push(Line::from(format!("  {}", sanitize(g))));
        }
        if e.gives.len() > 40 {
            out.push(Line::styled(
                format!("  … and {} more", e.gives.len() - 40),
                t.muted,
            ));
        }
    }
    out.push(row(
        "reviewer",
        it.reviewer
            .map_or("nobody yet (an administrator reassigns it)".into(), |r| {
                c.reviewer_name(r)
            }),
    ));
    if let Some(d) = &it.decision {
        let by = cx
            .org
            .users
            .get(&d.by)
            .map_or(format!("#{}", d.by), |u| u.name());
        out.push(row(
            "decision",
            format!(
                "{}{} by {by} at {}",
                d.verdict.words(),
                if d.reason.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", d.reason)
                },
                cx.org.zone().local(d.at).format("%Y-%m-%d %H:%M")
            ),
        ));
    }
    if let Some(o) = &it.outcome {
        out.push(row("outcome", o.words()));
    }
    out
}
