//! The Me tab, for everyone including a technician with no admin rights: my
//! roles and effective permissions with their sources, my qualifications and
//! authorizations with days to expiry, and the signoff check.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::pane;
use super::users::standing_mark;
use crate::domain::authorizations::{parse_ata, AircraftType, SignoffRequest};
use crate::domain::engine::explain;
use crate::domain::text::sanitize;
use crate::tui::keymap::{Action, Context};
use crate::tui::popups::Popup;
use crate::tui::view::{Cx, Effect, Tab, View};
use crate::tui::widgets::form::{self, Field, Form};
use crate::tui::widgets::palette::fuzzy_contains;
use crate::tui::widgets::table::{
    ellipsize, filter_key, filter_paste, fit_columns, wrap_parts, Column, FilterKey,
};
use ratatui::crossterm::event::KeyEvent;

const FORM_SIGNOFF: u32 = 1;

#[derive(Default)]
pub struct MeView {
    scroll: u16,
    /// The last signoff answer, shown until the next check.
    pub last_answer: Vec<String>,
    /// `/`: only the permissions, qualifications and authorizations
    /// matching this (fuzzy) are listed.
    pub filter: String,
    pub filtering: bool,
}

/// My effective permissions: the level first, then the permission, then
/// what gives it (cut with "…" when narrow, dropped last).
const PERM_COLUMNS: [Column; 3] = [
    Column::new("PERMISSION", 8, 12, 34),
    Column::new("LEVEL", 9, 4, 16),
    Column::new("FROM", 7, 10, 90),
];

impl MeView {
    fn words(&self) -> Vec<Vec<char>> {
        self.filter
            .split_whitespace()
            .map(|w| w.to_lowercase().chars().collect())
            .collect()
    }

    /// Whether a line of the lists matches the filter (all, without one).
    fn keeps(&self, words: &[Vec<char>], text: &str) -> bool {
        words.is_empty() || fuzzy_contains(words, text)
    }

    fn title(&self, base: &str) -> String {
        if self.filtering || !self.filter.is_empty() {
            format!(
                "{base} — /{}{}",
                sanitize(&self.filter),
                if self.filtering { "_" } else { "" }
            )
        } else {
            base.to_string()
        }
    }
}

impl View for MeView {
    fn chain(&self) -> &'static [Context] {
        &[Context::Me, Context::List, Context::Global]
    }

    fn hints(&self, _cx: &Cx) -> Vec<Action> {
        vec![
            Action::SignoffCheck,
            Action::Filter,
            Action::SelectNext,
            Action::SelectPrev,
        ]
    }

    fn hidden(&self, _cx: &Cx) -> Vec<Action> {
        Vec::new()
    }

    /// Nothing here opens: the lists are the detail.
    fn unbound(&self) -> &'static [Action] {
        &[Action::Open]
    }

    fn capture(&mut self, key: KeyEvent, _cx: &Cx) -> Option<Effect> {
        if filter_key(&mut self.filter, &mut self.filtering, key)? == FilterKey::Changed {
            self.scroll = 0;
        }
        Some(Effect::None)
    }

    fn paste(&mut self, text: &str) -> bool {
        filter_paste(&mut self.filter, self.filtering, text)
    }

    fn render(&mut self, f: &mut Frame, area: Rect, cx: &Cx) {
        let t = cx.theme;
        let me = cx.me;
        let today = cx.today();
        let words = self.words();
        // Side by side when wide, stacked when narrow (the sources need room).
        let [left, right] = if area.width >= 110 {
            Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(area)
        } else {
            Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(area)
        };
        // Left: roles and effective permissions with sources.
        let mut lines = vec![Line::styled(
            format!("{} ({})", sanitize(&me.name()), sanitize(&me.handle())),
            t.title,
        )];
        lines.push(Line::styled("My roles", t.title));
        for a in &me.roles {
            let name = cx
                .org
                .roles
                .get(&a.role)
                .map(|r| r.name.clone())
                .unwrap_or_default();
            let until = a.until.map(|d| format!(" (until {d})")).unwrap_or_default();
            lines.push(Line::from(format!("  {}{until}", sanitize(&name))));
        }
        lines.push(Line::styled("My effective permissions", t.title));
        let mut rows = Vec::new();
        for e in explain(cx.org, me, cx.now) {
            let srcs: Vec<String> = e
                .sources
                .iter()
                .map(|s| {
                    let until = match s.until {
                        Some(d) if s.in_force => format!(" until {d}"),
                        Some(d) => format!(" expired {d}"),
                        None if s.in_force => String::new(),
                        None => " (expired)".into(),
                    };
                    format!("{}{until}", s.from)
                })
                .collect();
            let style = if e.effective == "none" || e.effective == "no" || e.closed.is_some() {
                t.muted
            } else {
                t.granted
            };
            // The organisation may close a permission to everyone (its area
            // switched off, setup mode off): the level then gives nothing.
            let from: Vec<String> = match &e.closed {
                Some(why) => vec![format!("gives nothing: {why}")],
                None => srcs,
            };
            let from: Vec<String> = from.iter().map(|s| sanitize(s)).collect();
            let text = format!("{} {} {}", e.permission, e.effective, from.join(", "));
            if self.keeps(&words, &text) {
                rows.push((e.permission, e.effective, from, style));
            }
        }
        // The columns fit the content and the pane (inside its borders,
        // after a 2-cell indent).
        let content: Vec<u16> = [
            rows.iter().map(|r| r.0.chars().count()).max(),
            rows.iter().map(|r| r.1.chars().count()).max(),
            rows.iter().map(|r| Span::raw(r.2.join(", ")).width()).max(),
        ]
        .iter()
        .map(|m| m.unwrap_or(0) as u16)
        .collect();
        let fit = fit_columns(&PERM_COLUMNS, &content, left.width.saturating_sub(4), 1);
        for (perm, level, from, style) in rows {
            let mut spans = vec![Span::raw("  ")];
            let mut indent = 2;
            for (i, text) in [perm, level].into_iter().enumerate() {
                let Some(w) = fit[i] else { continue };
                let cut = ellipsize(Line::from(text), w);
                let pad = (w as usize).saturating_sub(cut.width()) + 1;
                spans.extend(cut.spans.into_iter().map(|s| s.style(style)));
                spans.push(Span::raw(" ".repeat(pad)));
                indent += w as usize + 1;
            }
            // What gives it wraps at its sources (an expiry is never cut
            // off while there is room below).
            let Some(w) = fit[2] else {
                lines.push(Line::from(spans));
                continue;
            };
            for (n, part) in wrap_parts(&from, w as usize).into_iter().enumerate() {
                if n > 0 {
                    lines.push(Line::from(std::mem::replace(
                        &mut spans,
                        vec![Span::raw(" ".repeat(indent))],
                    )));
                }
                spans.extend(ellipsize(Line::from(part), w).spans);
            }
            let last: Vec<Span> = spans
                .into_iter()
                .enumerate()
                .map(|(i, s)| if i == 0 { s } else { s.style(t.muted) })
                .collect();
            lines.push(Line::from(last));
        }
        let p = Paragraph::new(lines)
            .block(pane(self.title("My access"), cx, true))
            .scroll((self.scroll, 0));
        f.render_widget(p, left);
        // Right: qualifications, authorizations, the last signoff answer.
        let mut r = vec![Line::styled("My qualifications", t.title)];
        let quals: Vec<_> = cx
            .org
            .qualifications
            .values()
            .filter(|q| q.holder == me.id)
            .filter(|q| self.keeps(&words, &q.describe()))
            .collect();
        if quals.is_empty() {
            r.push(Line::styled("  none on record", t.muted));
        }
        for q in quals {
            let days = q.expires.map(|e| (e - today).num_days());
            let ok = q.valid_on(today);
            let when = match days {
                Some(d) if d < 0 => format!("expired {} days ago", -d),
                Some(d) => format!("{d} days left"),
                None => "no expiry".into(),
            };
            r.push(Line::styled(
                format!(
                    "  {} {} — {when}",
                    if ok { cx.sym.valid() } else { cx.sym.expired() },
                    sanitize(&q.describe())
                ),
                if ok { t.normal } else { t.expired },
            ));
        }
        r.push(Line::styled("My authorizations", t.title));
        let auths: Vec<_> = cx
            .org
            .authorizations
            .values()
            .filter(|a| a.holder == me.id)
            .filter(|a| {
                let text = format!("{} {} {}", a.reference, a.kind, a.scope.describe());
                self.keeps(&words, &text)
            })
            .collect();
        if auths.is_empty() {
            r.push(Line::styled("  none on record", t.muted));
        }
        for a in auths {
            let st = crate::domain::bases::standing(cx.org, a, today);
            let (sym, style) = standing_mark(st, cx);
            let days = a
                .days_to_expiry(today)
                .map(|d| {
                    if d < 0 {
                        format!(", expired {} days ago", -d)
                    } else {
                        format!(", {d} days left")
                    }
                })
                .unwrap_or_default();
            r.push(Line::styled(
                format!(
                    "  {sym} {} {} — {}{days}",
                    sanitize(&a.reference),
                    sanitize(&a.kind),
                    st.word()
                ),
                style,
            ));
            r.push(Line::styled(
                format!("      {}", sanitize(&a.scope.describe())),
                t.muted,
            ));
        }
        if !self.last_answer.is_empty() {
            r.push(Line::styled("Last signoff check", t.title));
            for l in &self.last_answer {
                r.push(Line::from(sanitize(l)));
            }
        }
        f.render_widget(
            Paragraph::new(r)
                .block(pane(
                    self.title("Qualifications and authorizations"),
                    cx,
                    false,
                ))
                .wrap(Wrap { trim: false }),
            right,
        );
    }

    fn handle(&mut self, action: Action, cx: &Cx) -> Effect {
        match action {
            Action::SelectNext => self.scroll = self.scroll.saturating_add(1),
            Action::SelectPrev => self.scroll = self.scroll.saturating_sub(1),
            Action::PageDown => self.scroll = self.scroll.saturating_add(10),
            Action::PageUp => self.scroll = self.scroll.saturating_sub(10),
            Action::First => self.scroll = 0,
            Action::Filter => self.filtering = true,
            Action::Back => {
                self.filter.clear();
                self.scroll = 0;
            }
            Action::SignoffCheck => {
                let kinds: Vec<String> = cx
                    .org
                    .settings
                    .kinds
                    .iter()
                    .map(|k| k.code.clone())
                    .collect();
                if kinds.is_empty() {
                    return Effect::Error("this organisation has no authorization kinds".into());
                }
                let form = Form::new(
                    "Signoff check: may I sign this off?",
                    vec![
                        Field::choice("Kind", kinds, 0, "space / ← → or a letter to choose"),
                        Field::text(
                            "Aircraft type",
                            "",
                            "TYPE or TYPE:VARIANT, e.g. ATR72:600",
                            form::aircraft_type,
                        ),
                        Field::text(
                            "System (ATA)",
                            "",
                            "optional: chapter, e.g. 32",
                            form::optional_ata,
                        ),
                        Field::text("Station", "", "optional: e.g. EKBI", form::optional_text),
                        Field::text("Date", &cx.today().to_string(), "YYYY-MM-DD", form::date),
                        Field::text(
                            "Performed by",
                            "",
                            "optional: who did the work (login or email), for an independent inspection",
                            form::optional_text,
                        ),
                    ],
                );
                return Effect::Open(Popup::Form(form, Tab::Me, FORM_SIGNOFF));
            }
            _ => {}
        }
        Effect::None
    }

    fn submit(&mut self, tag: u32, f: &Form, cx: &Cx) -> Result<Effect, String> {
        if tag != FORM_SIGNOFF {
            return Ok(Effect::None);
        }
        let org = cx.org;
        let me = cx.me;
        let kind = org.kind(&f.value(0)).map_err(|e| e.to_string())?;
        let date = form::parse_date(&f.value(4))?;
        let sys = f.value(2);
        let station = f.value(3);
        let req = SignoffRequest {
            kind: kind.code.clone(),
            aircraft_type: AircraftType::parse(&f.value(1)).map_err(|e| e.to_string())?,
            system: if sys.is_empty() {
                None
            } else {
                Some(parse_ata(&sys).map_err(|e| e.to_string())?)
            },
            station: if station.is_empty() {
                None
            } else {
                Some(station)
            },
            date,
            performed_by: match f.value(5).trim() {
                "" => None,
                p => Some(org.resolve_user(p).map_err(|e| e.to_string())?.id),
            },
        };
        let d = crate::domain::signoff::signoff(org, me, &req).map_err(|e| e.to_string())?;
        let mut lines = Vec::new();
        if d.allowed {
            lines.push(format!(
                "{} YES: {} on {} on {date}, covered by {}",
                cx.sym.valid(),
                kind.code,
                req.aircraft_type,
                d.covering.unwrap_or_default()
            ));
        } else {
            lines.push(format!(
                "{} NO: {} on {} on {date}",
                cx.sym.expired(),
                kind.code,
                req.aircraft_type
            ));
            for (i, fl) in d.failures.iter().enumerate() {
                lines.push(format!("{}. {} — fix: {}", i + 1, fl.condition, fl.fix));
            }
        }
        self.last_answer = lines.clone();
        Ok(Effect::Open(Popup::Info("Signoff check".into(), lines)))
    }
}
