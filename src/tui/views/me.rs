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

const FORM_SIGNOFF: u32 = 1;

#[derive(Default)]
pub struct MeView {
    scroll: u16,
    /// The last signoff answer, shown until the next check.
    pub last_answer: Vec<String>,
}

impl View for MeView {
    fn chain(&self) -> &'static [Context] {
        &[Context::Me, Context::List, Context::Global]
    }

    fn hints(&self, _cx: &Cx) -> Vec<Action> {
        vec![Action::SignoffCheck, Action::SelectNext, Action::SelectPrev]
    }

    fn hidden(&self, _cx: &Cx) -> Vec<Action> {
        vec![Action::Filter, Action::Open, Action::Back]
    }

    fn render(&mut self, f: &mut Frame, area: Rect, cx: &Cx) {
        let t = cx.theme;
        let me = cx.me;
        let today = cx.today();
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
                .areas(area);
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
        for e in explain(cx.org, me, cx.now) {
            let srcs: Vec<String> = e
                .sources
                .iter()
                .map(|s| format!("{}{}", s.from, if s.in_force { "" } else { " (expired)" }))
                .collect();
            let style = if e.effective == "none" || e.effective == "no" || e.closed.is_some() {
                t.muted
            } else {
                t.granted
            };
            // The organisation may close a permission to everyone (its area
            // switched off, setup mode off): the level then gives nothing.
            let from = match &e.closed {
                Some(why) => format!("gives nothing: {why}"),
                None => srcs.join(", "),
            };
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<30} {:<13}", e.permission, e.effective), style),
                Span::styled(sanitize(&from), t.muted),
            ]));
        }
        let p = Paragraph::new(lines)
            .block(pane("My access".into(), cx, true))
            .scroll((self.scroll, 0));
        f.render_widget(p, left);
        // Right: qualifications, authorizations, the last signoff answer.
        let mut r = vec![Line::styled("My qualifications", t.title)];
        let quals: Vec<_> = cx
            .org
            .qualifications
            .values()
            .filter(|q| q.holder == me.id)
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
                .block(pane("Qualifications and authorizations".into(), cx, false))
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
