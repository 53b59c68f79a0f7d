//! Drawing the app: the locked screen, the size guard, the "your access
//! ended" screen, or the header, the focused view, the footer hints, the
//! status line and the popups.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

use super::app::{make_cx, App, Popup, Tab, View, MIN_HEIGHT, MIN_WIDTH};
use super::keymap::{Action, Context};
use super::session::render_ended;
use super::widgets::centered;
use super::widgets::status::{render_hints, render_key_pairs, render_status};
use crate::domain::text::sanitize;

impl App {
    /// Draws one frame.
    pub fn draw(&mut self, f: &mut Frame) {
        let area = f.area();
        self.drawn = Some((area.width, area.height));
        if self.locked {
            let r = centered(area, 60.min(area.width), 4.min(area.height));
            let block = Block::default()
                .borders(Borders::ALL)
                .border_set(self.sym.border_set())
                .border_style(self.theme.border);
            let quit = self
                .keymap
                .keys_text(&[Context::Global], Action::Quit)
                .unwrap_or_else(|| "q".into());
            let text = vec![
                Line::from(" Screen hidden after inactivity — any key shows it."),
                Line::from(format!(
                    " Still signed in: quit ({quit}) before leaving the terminal."
                )),
            ];
            f.render_widget(Paragraph::new(text).block(block), r);
            self.finish(f);
            return;
        }
        if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
            let msg = format!(
                "resize to at least {MIN_WIDTH}×{MIN_HEIGHT} (now {}×{})",
                area.width, area.height
            );
            let mut msg = if self.sym.ascii {
                msg.replace('×', "x")
            } else {
                msg
            };
            if self.unsaved() {
                let force = self
                    .keymap
                    .keys_text(&[Context::Global], Action::ForceQuit)
                    .unwrap_or_else(|| "ctrl-c".into());
                msg.push_str(&format!(
                    "\nunsaved changes: resize to see them, or {force} to quit and discard them"
                ));
            }
            f.render_widget(Paragraph::new(msg).wrap(Wrap { trim: true }), area);
            self.finish(f);
            return;
        }
        if self.at_sign_in() {
            return self.draw_sign_in(f);
        }
        let [header, body, hints, status] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(1),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(area);
        let tabs = self.visible_tabs();
        let tab = self.tab;
        let cx = match make_cx(
            &self.session,
            &self.keymap,
            &self.theme,
            self.sym,
            self.version,
            self.who,
        ) {
            Ok(cx) => cx,
            Err(why) => return self.draw_ended(f, area, &why),
        };
        // Header: tabs you may see, the organisation, who you are.
        let mut spans = vec![Span::styled(" Clearance ", cx.theme.title)];
        let mut spots = Vec::new();
        for t in Tab::ALL {
            if !tabs.contains(&t) {
                continue;
            }
            let n = Tab::ALL.iter().position(|x| *x == t).unwrap_or(0) + 1;
            let style = if t == tab {
                cx.theme.tab_active
            } else {
                cx.theme.tab_inactive
            };
            let x: usize = spans.iter().map(|s| s.width()).sum();
            let title = format!(" {n} {} ", t.title());
            let w = Span::raw(title.as_str()).width();
            spots.push((t, header.x + x as u16, header.x + (x + w) as u16));
            spans.push(Span::styled(title, style));
            spans.push(Span::raw(" "));
        }
        let name = format!(
            "{}{}",
            if cx.actor.acting_as.is_some() {
                "as "
            } else {
                ""
            },
            sanitize(&cx.me.name())
        );
        let mut who = format!("{name} · {}", sanitize(&cx.org.settings.name));
        // A reviewer is reminded of what they have left to decide. The
        // person's name comes first, then the reminder, then the
        // organisation's name: the reminder is shortened or the
        // organisation's name left out when they do not all fit.
        let due = crate::domain::reviews::due_for(cx.org, cx.me.id);
        if !due.is_empty() && self.kiosk.is_none() {
            let items: u32 = due.iter().map(|(_, n)| n).sum();
            let long = format!(
                "{} review{} due, {items} item{} ",
                due.len(),
                if due.len() == 1 { "" } else { "s" },
                if items == 1 { "" } else { "s" }
            );
            let short = format!("{items} to review ");
            let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
            let room =
                |w: &str| (header.width as usize).saturating_sub(used + w.chars().count() + 1);
            let fits = [
                (long.clone(), who.clone()),
                (long, name.clone()),
                (short, name.clone()),
            ]
            .into_iter()
            .find(|(t, w)| t.chars().count() <= room(w));
            if let Some((text, w)) = fits {
                spans.push(Span::styled(text, cx.theme.expiring));
                who = w;
            }
        }
        let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
        // Cut the name with an ellipsis rather than mid-word at the edge.
        let room = (header.width as usize).saturating_sub(used + 1);
        let who = if who.chars().count() > room {
            let mut w: String = who.chars().take(room.saturating_sub(1)).collect();
            w.push('…');
            if room == 0 {
                String::new()
            } else {
                w
            }
        } else {
            who
        };
        let pad = (header.width as usize).saturating_sub(used + who.chars().count() + 1);
        spans.push(Span::raw(" ".repeat(pad)));
        spans.push(Span::styled(who, cx.theme.muted));
        f.render_widget(Paragraph::new(Line::from(spans)), header);
        let view: &mut dyn View = match tab {
            Tab::Users => &mut self.users,
            Tab::Roles => &mut self.roles,
            Tab::Authorizations => &mut self.authorizations,
            Tab::Audit => &mut self.audit,
            Tab::Me => &mut self.me,
            Tab::Reviews => &mut self.reviews,
        };
        view.render(f, body, &cx);
        let chain = view.chain();
        let mut actions = view.hints(&cx);
        let hidden = view.hidden(&cx);
        let unbound = view.unbound();
        actions.retain(|a| !hidden.contains(a) && !unbound.contains(a));
        actions.push(Action::Help);
        actions.push(Action::Quit);
        let badge = view.badge(&cx);
        match self.popups.last() {
            Some(Popup::Form(..)) => render_hints(
                f,
                hints,
                &self.keymap,
                &[Context::Form],
                &[Action::NextField, Action::Submit, Action::Cancel],
                &self.theme,
                None,
            ),
            // The keys that act now: y and n type text in a text field.
            Some(Popup::Confirm(c, _)) => {
                render_key_pairs(f, hints, &c.hints(&self.keymap), &self.theme, None)
            }
            _ => render_hints(f, hints, &self.keymap, chain, &actions, &self.theme, badge),
        }
        match self.banner() {
            Some(text) => render_status(
                f,
                status,
                Some(&super::widgets::status::Status { text, error: true }),
                &self.theme,
            ),
            None => render_status(f, status, self.status.as_ref(), &self.theme),
        }
        drop(cx);
        self.tab_spots = spots;
        self.draw_popups(f, body);
        self.finish(f);
    }

    /// The "your access ended" screen (see `session::render_ended`).
    fn draw_ended(&mut self, f: &mut Frame, area: Rect, why: &str) {
        render_ended(f, area, why, &self.keymap, &self.theme, self.sym);
        self.finish(f);
    }

    /// The last passes (see `passes::finish`).
    pub(super) fn finish(&self, f: &mut Frame) {
        super::passes::finish(f.buffer_mut(), self.theme.mono, self.depth, self.sym.ascii);
    }
}
