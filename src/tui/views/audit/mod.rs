//! The Audit tab: the log newest first, the full before and after of the
//! selected entry with the reason given for it, and the chain's
//! verification status.

use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Wrap};
use ratatui::Frame;

use super::{pane, split_detail};
use crate::domain::text::sanitize;
use crate::store::audit::AuditEntry;
use crate::tui::keymap::{Action, Context};
use crate::tui::view::{Cx, Effect, View};
use crate::tui::widgets::table::{render_windowed, ListState};

#[derive(Default)]
pub struct AuditView {
    pub list: ListState,
    /// Entries newest first (or the reason one could not be read).
    entries: Vec<Result<AuditEntry, String>>,
    built_for: Option<u64>,
    /// (version verified at, ok, text)
    verified: Option<(u64, bool, String)>,
    page: usize,
    detail_scroll: u16,
}

impl AuditView {
    fn rebuild(&mut self, cx: &Cx) {
        if self.built_for == Some(cx.version) {
            return;
        }
        let mut e = cx.session.audit_entries();
        e.reverse();
        self.entries = e;
        self.built_for = Some(cx.version);
        self.list.clamp(self.entries.len());
    }

    /// Verifies the chain from the entries this view has read (the log is
    /// read once per data change, or again on the verify key).
    fn verify(&mut self, cx: &Cx) {
        let v = cx
            .session
            .verify_entries(self.entries.iter().rev().cloned());
        let text = if v.ok() {
            format!(
                "{} chain intact: {} entries, head #{}",
                cx.sym.valid(),
                v.entries,
                v.head_seq
            )
        } else {
            format!(
                "{} CHAIN BROKEN: {}",
                cx.sym.expired(),
                v.problems.first().cloned().unwrap_or_default()
            )
        };
        self.verified = Some((cx.version, v.ok(), text));
    }
}

impl View for AuditView {
    fn chain(&self) -> &'static [Context] {
        &[Context::Audit, Context::List, Context::Global]
    }

    fn hints(&self, _cx: &Cx) -> Vec<Action> {
        vec![Action::SelectNext, Action::Verify, Action::Open]
    }

    fn hidden(&self, _cx: &Cx) -> Vec<Action> {
        vec![Action::Filter]
    }

    fn badge(&self, _cx: &Cx) -> Option<&'static str> {
        Some("read only")
    }

    fn render(&mut self, f: &mut Frame, area: Rect, cx: &Cx) {
        if !cx.reads(crate::domain::read::Subject::Audit).others {
            f.render_widget(Paragraph::new("you may not read the audit log"), area);
            return;
        }
        self.rebuild(cx);
        if self.verified.as_ref().is_none_or(|v| v.0 != cx.version) {
            self.verify(cx);
        }
        let (list_area, detail_area) = split_detail(area);
        self.page = list_area.height.saturating_sub(3) as usize;
        let (ok, vtext) = self
            .verified
            .as_ref()
            .map(|v| (v.1, v.2.clone()))
            .unwrap_or((true, String::new()));
        let title = format!("Audit log — {vtext}");
        let entries = &self.entries;
        let who = |id: u32| {
            cx.org
                .users
                .get(&id)
                .map(|u| u.handle())
                .unwrap_or_else(|| format!("#{id}"))
        };
        let mut list = self.list;
        let block =
            pane(title, cx, true).border_style(if ok { cx.theme.title } else { cx.theme.danger });
        render_windowed(
            f,
            list_area,
            block,
            vec!["#", "WHEN", "WHO", "WHAT"],
            &[
                Constraint::Length(6),
                Constraint::Length(16),
                Constraint::Length(14),
                Constraint::Min(10),
            ],
            entries.len(),
            &mut list,
            cx.sym,
            cx.theme.selected,
            cx.theme.muted,
            |i| match &entries[i] {
                Ok(e) => vec![
                    Cell::from(e.seq.to_string()),
                    Cell::from(
                        e.body
                            .at
                            .with_timezone(&chrono::Local)
                            .format("%Y-%m-%d %H:%M")
                            .to_string(),
                    ),
                    Cell::from(sanitize(&who(e.body.operator))),
                    Cell::from(sanitize(&e.body.summary)),
                ],
                Err(msg) => vec![
                    Cell::from("?"),
                    Cell::from(""),
                    Cell::from(""),
                    Cell::from(Span::styled(sanitize(msg), cx.theme.danger)),
                ],
            },
        );
        self.list = list;
        let mut lines = Vec::new();
        if let Some(Ok(e)) = self.entries.get(self.list.selected) {
            lines.push(Line::styled(
                format!("Entry #{} — {}", e.seq, e.body.command.name()),
                cx.theme.title,
            ));
            lines.push(Line::from(format!(
                "at       {}",
                e.body
                    .at
                    .with_timezone(&chrono::Local)
                    .format("%Y-%m-%d %H:%M:%S %Z")
            )));
            lines.push(Line::from(format!(
                "by       {} (login {})",
                sanitize(&who(e.body.operator)),
                sanitize(&e.body.operator_login)
            )));
            if let Some(a) = e.body.acting_as {
                lines.push(Line::from(format!("as       {}", sanitize(&who(a)))));
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
                lines.push(Line::from(r.describe()));
            }
            for c in &e.body.changes {
                lines.push(Line::styled(format!("{:?}", c.key), cx.theme.title));
                let before = serde_json::to_string(&c.before).unwrap_or_default();
                let after = serde_json::to_string(&c.after).unwrap_or_default();
                lines.push(Line::styled(
                    format!("- {}", sanitize(&before)),
                    cx.theme.denied,
                ));
                lines.push(Line::styled(
                    format!("+ {}", sanitize(&after)),
                    cx.theme.granted,
                ));
            }
        }
        f.render_widget(
            Paragraph::new(lines)
                .block(pane("Before and after".into(), cx, false))
                .wrap(Wrap { trim: false })
                .scroll((self.detail_scroll, 0)),
            detail_area,
        );
    }

    fn handle(&mut self, action: Action, cx: &Cx) -> Effect {
        self.rebuild(cx);
        let len = self.entries.len();
        match action {
            _ if self.list.navigate(action, len, self.page) => {}
            Action::Open => self.detail_scroll = self.detail_scroll.saturating_add(5),
            Action::Back => self.detail_scroll = 0,
            Action::Verify => {
                // Read the log again: the verify key checks what is on disk now.
                self.built_for = None;
                self.rebuild(cx);
                self.verify(cx);
                let text = self
                    .verified
                    .as_ref()
                    .map(|v| v.2.clone())
                    .unwrap_or_default();
                return if self.verified.as_ref().is_some_and(|v| v.1) {
                    Effect::Status(text)
                } else {
                    Effect::Error(text)
                };
            }
            _ => {}
        }
        if !matches!(action, Action::Open | Action::Back) {
            self.detail_scroll = 0;
        }
        Effect::None
    }
}
