//! The detail pane of the Audit tab: who, when, why, the whole summary,
//! and what the change did to each record in words (`domain::diff`).

use ratatui::text::Line;

use crate::domain::diff::{Mark, RecordDiff};
use crate::domain::text::sanitize;
use crate::store::audit::AuditEntry;
use crate::tui::view::Cx;

/// A person for the detail: "Demo Administrator (avery)", or `#id`.
pub fn person(cx: &Cx, id: u32) -> String {
    match cx.org.users.get(&id) {
        Some(u) => sanitize(&format!("{} ({})", u.name(), u.handle())),
        None => format!("#{id}"),
    }
}

/// Every line of the detail of one entry, its diff already described.
pub fn lines(cx: &Cx, e: &AuditEntry, diffs: &[RecordDiff]) -> Vec<Line<'static>> {
    let mut lines = vec![
        Line::styled(
            format!("Entry #{} — {}", e.seq, e.body.command.name()),
            cx.theme.title,
        ),
        Line::from(format!(
            "at       {}",
            e.body
                .at
                .with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M:%S %Z")
        )),
        Line::from(format!(
            "by       {}, OS login {}",
            person(cx, e.body.operator),
            sanitize(&e.body.operator_login)
        )),
    ];
    if let Some(a) = e.body.acting_as {
        lines.push(Line::from(format!("as       {}", person(cx, a))));
    }
    if let Some(r) = e.body.command.reason() {
        lines.push(Line::from(format!("reason   {}", sanitize(r))));
    }
    lines.push(Line::from(format!(
        "summary  {}",
        sanitize(&e.body.summary)
    )));
    lines.push(Line::styled(
        format!("hash     {}", crate::store::audit::hex(&e.hash)),
        cx.theme.muted,
    ));
    if let Some(r) = e.body.command.import_record() {
        lines.push(Line::from(sanitize(&r.describe())));
    }
    for d in diffs {
        lines.push(Line::styled(sanitize(&d.heading()), cx.theme.title));
        for l in &d.lines {
            let style = match l.mark {
                Mark::Added => cx.theme.granted,
                Mark::Removed => cx.theme.denied,
                Mark::Changed => ratatui::style::Style::default(),
            };
            lines.push(Line::styled(
                format!("  {} {}", l.mark.sign(), sanitize(&l.text)),
                style,
            ));
        }
    }
    let more = e.body.changes.len().saturating_sub(diffs.len());
    if more > 0 {
        lines.push(Line::styled(
            format!("… and {more} more records: clearance audit show {}", e.seq),
            cx.theme.muted,
        ));
    }
    lines
}
