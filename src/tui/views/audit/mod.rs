//! The Audit tab: the log newest first, with who ran each change; the
//! selected entry in the domain's words (what it did to each record, with
//! the reason and the whole summary); a `/` filter over person, command,
//! summary, day and author (see [`filter`]); and the chain's verification
//! status.

mod detail;
pub mod filter;

use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Wrap};
use ratatui::Frame;

use super::{pane, split_detail};
use crate::domain::diff::{describe_changes, RecordDiff};
use crate::domain::text::sanitize;
use crate::store::audit::AuditEntry;
use crate::tui::keymap::{Action, Context};
use crate::tui::view::{Cx, Effect, View};
use crate::tui::widgets::palette::FuzzyFilter;
use crate::tui::widgets::table::{filter_key, filter_paste, render_windowed, FilterKey, ListState};
use filter::{Searchable, Tokens};

/// The most records the detail describes (a seeding batch writes
/// thousands; `clearance audit show SEQ` prints them all).
const DETAIL_RECORDS: usize = 200;

#[derive(Default)]
pub struct AuditView {
    pub list: ListState,
    /// The `/` filter as typed, and whether it is being typed.
    pub filter: String,
    pub filtering: bool,
    /// Entries newest first (or the reason one could not be read).
    entries: Vec<Result<AuditEntry, String>>,
    /// What the filter matches of each entry (same order).
    search: Vec<Searchable>,
    built_for: Option<u64>,
    /// Entries passing the filter's tokens (indices into `entries`), and
    /// the tokens and data version they were made for.
    base: Vec<usize>,
    base_for: Option<(u64, Tokens)>,
    /// Entries shown (indices into `entries`), and what they were made for.
    rows: Vec<usize>,
    rows_for: Option<(u64, String)>,
    fuzzy: FuzzyFilter,
    /// The selected entry's diff: (version, seq) it was described for.
    described: Option<((u64, u64), Vec<RecordDiff>)>,
    /// (version verified at, ok, text)
    verified: Option<(u64, bool, String)>,
    page: usize,
    detail_scroll: u16,
}

impl AuditView {
    /// Reads the log once per data change, with what the filter matches.
    fn rebuild(&mut self, cx: &Cx) {
        if self.built_for != Some(cx.version) {
            let mut e = cx.session.audit_entries();
            e.reverse();
            self.search = e.iter().map(|e| Searchable::of(cx.org, e)).collect();
            self.entries = e;
            self.built_for = Some(cx.version);
            self.base_for = None;
            self.rows_for = None;
            self.described = None;
        }
        self.refilter(cx.version);
        self.list.clamp(self.rows.len());
    }

    /// Filters when the query or the data changed, never per frame: the
    /// tokens narrow the entries first (kept while only the words change),
    /// then the words are matched incrementally.
    fn refilter(&mut self, version: u64) {
        let key = (version, self.filter.clone());
        if self.rows_for.as_ref() == Some(&key) {
            return;
        }
        let q = filter::parse(&self.filter);
        if self.base_for.as_ref() != Some(&(version, q.tokens.clone())) {
            self.base = (0..self.entries.len())
                .filter(|i| q.tokens.admits(&self.search[*i]))
                .collect();
            self.base_for = Some((version, q.tokens.clone()));
            self.fuzzy.reset();
        }
        self.rows = if q.words.trim().is_empty() {
            self.base.clone()
        } else {
            let texts: Vec<&str> = self
                .base
                .iter()
                .map(|i| self.search[*i].text.as_str())
                .collect();
            // A log keeps its order (newest first), not the match ranking.
            let mut hits = self.fuzzy.apply(&q.words, &texts);
            hits.sort_unstable();
            hits.into_iter().map(|i| self.base[i]).collect()
        };
        self.rows_for = Some(key);
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

    fn title(&self, vtext: &str) -> String {
        if !self.filtering && self.filter.is_empty() {
            return format!("Audit log — {vtext}");
        }
        let q = filter::parse(&self.filter);
        let bad = if q.bad.is_empty() {
            String::new()
        } else {
            format!(" (ignored: {})", sanitize(&q.bad.join(" ")))
        };
        format!(
            "Audit log ({} of {}) /{}{}{bad} — {vtext}",
            self.rows.len(),
            self.entries.len(),
            sanitize(&self.filter),
            if self.filtering { "_" } else { "" }
        )
    }

    /// The selected entry's diff, described once per entry and data version.
    fn describe_selected(&mut self, cx: &Cx) {
        let Some(Ok(e)) = self
            .rows
            .get(self.list.selected)
            .and_then(|i| self.entries.get(*i))
        else {
            self.described = None;
            return;
        };
        let key = (cx.version, e.seq);
        if self.described.as_ref().is_none_or(|d| d.0 != key) {
            let shown = &e.body.changes[..e.body.changes.len().min(DETAIL_RECORDS)];
            self.described = Some((key, describe_changes(cx.org, shown)));
        }
    }

    fn render_detail(&mut self, f: &mut Frame, area: Rect, cx: &Cx) {
        self.describe_selected(cx);
        let entry = self
            .rows
            .get(self.list.selected)
            .and_then(|i| self.entries.get(*i));
        let lines = match (entry, &self.described) {
            (Some(Ok(e)), Some((_, diffs))) => detail::lines(cx, e, diffs),
            (Some(Err(msg)), _) => vec![Line::styled(sanitize(msg), cx.theme.danger)],
            _ => Vec::new(),
        };
        // Scroll no further than the last screenful (wrapped lines counted
        // roughly: word wrap may take a line or two more).
        let width = area.width.saturating_sub(2).max(1) as usize;
        let rows: usize = lines.iter().map(|l| l.width().div_ceil(width).max(1)).sum();
        let end = rows.saturating_sub(area.height.saturating_sub(2) as usize);
        self.detail_scroll = self.detail_scroll.min(end.try_into().unwrap_or(u16::MAX));
        f.render_widget(
            Paragraph::new(lines)
                .block(pane("What changed".into(), cx, false))
                .wrap(Wrap { trim: false })
                .scroll((self.detail_scroll, 0)),
            area,
        );
    }
}

impl View for AuditView {
    fn chain(&self) -> &'static [Context] {
        &[Context::Audit, Context::List, Context::Global]
    }

    fn hints(&self, _cx: &Cx) -> Vec<Action> {
        vec![
            Action::SelectNext,
            Action::Filter,
            Action::Verify,
            Action::Open,
        ]
    }

    fn hidden(&self, _cx: &Cx) -> Vec<Action> {
        vec![]
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
        let title = self.title(&vtext);
        let (entries, rows) = (&self.entries, &self.rows);
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
                Constraint::Length(20),
                Constraint::Min(10),
            ],
            rows.len(),
            &mut list,
            cx.sym,
            cx.theme.selected,
            cx.theme.muted,
            |i| match &entries[rows[i]] {
                Ok(e) => vec![
                    Cell::from(e.seq.to_string()),
                    Cell::from(
                        e.body
                            .at
                            .with_timezone(&chrono::Local)
                            .format("%Y-%m-%d %H:%M")
                            .to_string(),
                    ),
                    who_cell(cx, e.body.operator),
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
        self.render_detail(f, detail_area, cx);
    }

    fn capture(&mut self, key: KeyEvent, cx: &Cx) -> Option<Effect> {
        match filter_key(&mut self.filter, &mut self.filtering, key)? {
            FilterKey::Changed => {
                self.list.selected = 0;
                self.detail_scroll = 0;
            }
            FilterKey::Down => {
                self.rebuild(cx);
                self.list.next(self.rows.len());
                self.detail_scroll = 0;
            }
            FilterKey::Up => {
                self.list.prev();
                self.detail_scroll = 0;
            }
            FilterKey::Other => {}
        }
        Some(Effect::None)
    }

    fn paste(&mut self, text: &str) -> bool {
        filter_paste(&mut self.filter, self.filtering, text)
    }

    fn handle(&mut self, action: Action, cx: &Cx) -> Effect {
        self.rebuild(cx);
        let len = self.rows.len();
        match action {
            _ if self.list.navigate(action, len, self.page) => {}
            Action::Filter => self.filtering = true,
            Action::Open => self.detail_scroll = self.detail_scroll.saturating_add(5),
            Action::Back if !self.filter.is_empty() => {
                self.filter.clear();
                self.list.selected = 0;
            }
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

/// The person who ran a change: login (or email) and name.
fn who_cell<'a>(cx: &Cx, id: u32) -> Cell<'a> {
    match cx.org.users.get(&id) {
        Some(u) => Cell::from(Line::from(vec![
            Span::raw(sanitize(&u.handle())),
            Span::raw(" "),
            Span::styled(sanitize(&u.name()), cx.theme.muted),
        ])),
        None => Cell::from(format!("#{id}")),
    }
}
