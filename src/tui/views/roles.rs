//! The Roles tab: the list of roles and the levels of the selected role.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph};
use ratatui::Frame;

use super::pane;
use crate::domain::catalog::system;
use crate::domain::roles::RoleId;
use crate::domain::text::sanitize;
use crate::tui::app::{Cx, Effect, View};
use crate::tui::keymap::{Action, Context};
use crate::tui::widgets::table::{render_windowed, ListState};

#[derive(Default)]
pub struct RolesView {
    pub list: ListState,
    rows: Vec<RoleId>,
    built_for: Option<u64>,
    page: usize,
}

impl RolesView {
    fn rebuild(&mut self, cx: &Cx) {
        if self.built_for == Some(cx.version) {
            return;
        }
        self.rows = cx.org.roles.keys().copied().collect();
        self.built_for = Some(cx.version);
        self.list.clamp(self.rows.len());
    }
}

impl View for RolesView {
    fn chain(&self) -> &'static [Context] {
        &[Context::Roles, Context::List, Context::Global]
    }

    fn hints(&self, _cx: &Cx) -> Vec<Action> {
        vec![Action::SelectNext, Action::Open]
    }

    fn hidden(&self, cx: &Cx) -> Vec<Action> {
        let mut h = vec![Action::Filter];
        if !cx.may(system::ROLES_MANAGE) {
            h.extend([Action::New, Action::CopyRole, Action::RemoveRole]);
        }
        h
    }

    fn badge(&self, cx: &Cx) -> Option<&'static str> {
        (!cx.may(system::ROLES_MANAGE)).then_some("view only")
    }

    fn render(&mut self, f: &mut Frame, area: Rect, cx: &Cx) {
        self.rebuild(cx);
        let [left, right] =
            Layout::horizontal([Constraint::Length(36), Constraint::Min(20)]).areas(area);
        self.page = left.height.saturating_sub(3) as usize;
        let rows = self.rows.clone();
        let mut list = self.list;
        render_windowed(
            f,
            left,
            pane(format!("Roles ({})", rows.len()), cx, true),
            vec!["ROLE", "USERS"],
            &[Constraint::Min(20), Constraint::Length(5)],
            rows.len(),
            &mut list,
            cx.sym,
            cx.theme.selected,
            cx.theme.muted,
            |i| {
                let r = &cx.org.roles[&rows[i]];
                let n = cx
                    .org
                    .live_users()
                    .filter(|u| u.assignment(r.id).is_some())
                    .count();
                vec![Cell::from(sanitize(&r.name)), Cell::from(n.to_string())]
            },
        );
        self.list = list;
        let mut lines = Vec::new();
        if let Some(r) = rows
            .get(self.list.selected)
            .and_then(|id| cx.org.roles.get(id))
        {
            let c = cx.org.catalog();
            if r.builtin_admin {
                lines.push(Line::styled(
                    "Built in: every permission at its highest level (read-only)",
                    cx.theme.muted,
                ));
            }
            for area in &c.areas {
                lines.push(Line::styled(sanitize(&area.label), cx.theme.title));
                for (i, p) in c.in_area(&area.key) {
                    let l = r.level(c, i);
                    let style = if l == 0 {
                        cx.theme.muted
                    } else {
                        cx.theme.granted
                    };
                    lines.push(Line::from(vec![
                        Span::raw(format!("  {:<34}", p.key)),
                        Span::styled(p.scale.level_word(l), style),
                    ]));
                }
            }
            let title = format!("{} — levels", sanitize(&r.name));
            f.render_widget(Paragraph::new(lines).block(pane(title, cx, false)), right);
        } else {
            f.render_widget(pane("Levels".into(), cx, false), right);
        }
    }

    fn handle(&mut self, action: Action, cx: &Cx) -> Effect {
        self.rebuild(cx);
        let len = self.rows.len();
        match action {
            Action::SelectNext => self.list.next(len),
            Action::SelectPrev => self.list.prev(),
            Action::PageDown => self.list.page_down(len, self.page),
            Action::PageUp => self.list.page_up(self.page),
            Action::First => self.list.first(),
            Action::Last => self.list.last(len),
            _ => {}
        }
        Effect::None
    }
}
