//! The grid and the matrix pane: moving in it, drawing it, the info lines.

use super::*;
use crate::domain::conditions::organisation_gate;

/// After an area switched off for the organisation, in the grid and the matrix.
pub(super) const AREA_OFF: &str = " (off)";
/// After a permission available only in setup mode.
pub(super) const SETUP_ONLY: &str = " (setup)";

impl RolesView {
    pub(super) fn table_action(&mut self, action: Action, cx: &Cx) -> Effect {
        let nroles = self.roles.len();
        match (self.mode, action) {
            (Mode::Grid, Action::GridDown) => self.grid.down(self.rows.len()),
            (Mode::Grid, Action::GridUp) => self.grid.up(),
            (Mode::Grid, Action::GridLeft) => self.grid.left(),
            (Mode::Grid, Action::GridRight) => self.grid.right(nroles),
            (Mode::Matrix, Action::GridDown) => self.matrix.down(nroles),
            (Mode::Matrix, Action::GridUp) => self.matrix.up(),
            (Mode::Matrix, Action::GridLeft) => self.matrix.left(),
            (Mode::Matrix, Action::GridRight) => self.matrix.right(cx.org.catalog().areas.len()),
            (_, Action::ToggleArea) => return self.toggle_area(cx),
            (_, Action::Save) => return self.save(cx),
            (_, Action::Back) => return self.back(),
            (
                _,
                Action::CycleLevel
                | Action::LevelNone
                | Action::LevelView
                | Action::LevelManage
                | Action::LevelYes
                | Action::LevelOwn
                | Action::LevelOther
                | Action::LevelAll,
            ) => return self.edit(action, cx),
            _ => {}
        }
        // The list follows the role under the cursor.
        self.list.selected = match self.mode {
            Mode::Grid => self.grid.col,
            Mode::Matrix => self.matrix.row,
        };
        Effect::None
    }

    pub(super) fn render_table(&mut self, f: &mut Frame, area: Rect, cx: &Cx) {
        let focused = self.focus == Focus::Table;
        let inner = pane(String::new(), cx, focused).inner(area);
        let [grid_area, info_area] =
            Layout::vertical([Constraint::Min(3), Constraint::Length(2)]).areas(inner);
        let c = cx.org.catalog();
        let org = cx.org;
        let roles = &self.roles;
        let vis: Visible;
        let title;
        match self.mode {
            Mode::Grid => {
                let rows = &self.rows;
                let collapsed = &self.collapsed;
                let spec = GridSpec {
                    rows: rows.len(),
                    widths: &self.grid_widths,
                    label_width: self.grid_label,
                    corner: "AREA / PERMISSION",
                    header_lines: 2,
                    focused,
                };
                let mut state = self.grid;
                vis = render_grid(
                    f.buffer_mut(),
                    grid_area,
                    &spec,
                    &mut state,
                    cx.theme,
                    cx.sym,
                    |col| sanitize(&org.roles[&roles[col]].name),
                    |row| match rows[row] {
                        Row::Area(a) => {
                            let open = !collapsed.contains(&c.areas[a].key);
                            let off = org.settings.area_off(&c.areas[a].key);
                            (
                                format!(
                                    "{} {}{}",
                                    if open {
                                        cx.sym.pick("▾", "-")
                                    } else {
                                        cx.sym.pick("▸", "+")
                                    },
                                    sanitize(&c.areas[a].label),
                                    if off { AREA_OFF } else { "" }
                                ),
                                if off { cx.theme.muted } else { cx.theme.title },
                            )
                        }
                        Row::Perm(p) => {
                            let perm = c.get(p);
                            (
                                format!(
                                    "  {}{}",
                                    sanitize(action_of(&perm.key)),
                                    if perm.setup_only { SETUP_ONLY } else { "" }
                                ),
                                if org.settings.area_off(perm.area()) {
                                    cx.theme.muted
                                } else {
                                    cx.theme.normal
                                },
                            )
                        }
                    },
                    |row, col| {
                        let role = &org.roles[&roles[col]];
                        match rows[row] {
                            Row::Area(a) => self.area_cell(cx, role, a),
                            Row::Perm(p) => self.perm_cell(cx, role, p),
                        }
                    },
                );
                self.grid = state;
                title = format!(
                    "Grid: permissions × roles {}",
                    range_text(vis.cols, roles.len(), "roles")
                );
            }
            Mode::Matrix => {
                let spec = GridSpec {
                    rows: roles.len(),
                    widths: &self.matrix_widths,
                    label_width: self.matrix_label,
                    corner: "ROLE",
                    header_lines: 2,
                    focused,
                };
                let mut state = self.matrix;
                vis = render_grid(
                    f.buffer_mut(),
                    grid_area,
                    &spec,
                    &mut state,
                    cx.theme,
                    cx.sym,
                    |col| {
                        format!(
                            "{}{}",
                            sanitize(&c.areas[col].label),
                            if org.settings.area_off(&c.areas[col].key) {
                                AREA_OFF
                            } else {
                                ""
                            }
                        )
                    },
                    |row| {
                        let r = &org.roles[&roles[row]];
                        (sanitize(&r.name), cx.theme.normal)
                    },
                    |row, col| self.area_cell(cx, &org.roles[&roles[row]], col),
                );
                self.matrix = state;
                title = format!(
                    "Matrix: roles × areas {}",
                    range_text(vis.cols, c.areas.len(), "areas")
                );
            }
        }
        let title = if self.pending.is_empty() {
            title
        } else {
            format!("{title} · {} unsaved", self.pending.len())
        };
        f.render_widget(pane(title, cx, focused), area);
        f.render_widget(Paragraph::new(self.info(cx)), info_area);
    }

    /// Two lines under the table: the role, and the cell under the cursor
    /// (or a legend while the list has the focus).
    pub(super) fn info(&self, cx: &Cx) -> Vec<Line<'static>> {
        let c = cx.org.catalog();
        let t = cx.theme;
        let mut lines = Vec::new();
        let Some(role) = self.role(cx) else {
            return lines;
        };
        let i = self.roles.iter().position(|r| *r == role.id).unwrap_or(0);
        let n = self.holders.get(i).copied().unwrap_or(0);
        let mut spans = vec![
            Span::styled(sanitize(&role.name), t.title),
            Span::styled(
                format!(" · {n} user{}", if n == 1 { "" } else { "s" }),
                t.muted,
            ),
        ];
        if role.builtin_admin {
            spans.push(Span::styled(" · built in, read-only", t.muted));
        }
        if let Some(a) = assignable_text(cx, role) {
            spans.push(Span::styled(format!(" · {a}"), t.normal));
        }
        if role.requires_email {
            spans.push(Span::styled(" · needs email", t.muted));
        }
        if !role.description.is_empty() {
            spans.push(Span::styled(
                format!(" · {}", sanitize(&one_line(&role.description))),
                t.muted,
            ));
        }
        lines.push(Line::from(spans));
        if self.focus == Focus::List {
            lines.push(Line::styled(
                match self.mode {
                    Mode::Grid => "levels: none/view/manage · no/yes · own/other/all · * unsaved",
                    Mode::Matrix => "— none · full: every permission at its top · +N: N more granted · * unsaved",
                },
                t.muted,
            ));
            return lines;
        }
        let target = match self.mode {
            Mode::Grid => self.rows.get(self.grid.row).copied(),
            Mode::Matrix => Some(Row::Area(self.matrix.col)),
        };
        match target {
            Some(Row::Perm(p)) => {
                let perm = c.get(p);
                let l = self.level(c, role, p);
                let mut s = format!(
                    "{} — {} · {}: {}",
                    perm.key,
                    sanitize(&perm.label),
                    perm.scale.name(),
                    perm.scale.level_word(l)
                );
                if let Some(cond) = perm.conditions_word() {
                    s.push_str(&format!(" · {cond}"));
                }
                if let Some(why) = organisation_gate(&cx.org.settings, perm) {
                    s.push_str(&format!(" · gives nothing: {why}"));
                }
                if self.pending.contains_key(&(role.id, p)) {
                    s.push_str(&format!(
                        " (saved: {})",
                        perm.scale.level_word(role.level(c, p))
                    ));
                }
                lines.push(Line::from(s));
            }
            Some(Row::Area(a)) => {
                let off = cx.org.settings.area_off(&c.areas[a].key);
                let mut spans = vec![Span::styled(
                    format!(
                        "{}{}: ",
                        sanitize(&c.areas[a].label),
                        if off {
                            " (switched off for this organisation)"
                        } else {
                            ""
                        }
                    ),
                    t.title,
                )];
                for p in &self.area_perms[a] {
                    let l = self.level(c, role, *p);
                    let changed = self.pending.contains_key(&(role.id, *p));
                    spans.push(Span::styled(
                        format!(
                            "{}={}{} ",
                            action_of(&c.get(*p).key),
                            c.get(*p).scale.level_word(l),
                            if changed { "*" } else { "" }
                        ),
                        if changed {
                            t.changed
                        } else if l != 0 {
                            t.granted
                        } else {
                            t.muted
                        },
                    ));
                }
                lines.push(Line::from(spans));
            }
            None => {}
        }
        lines
    }
}

/// The roles a role's holders may assign (delegated administration), in
/// words: "assigns every role but the administrator", "assigns Pilot, …".
fn assignable_text(cx: &Cx, role: &Role) -> Option<String> {
    if role.assignable.is_empty() {
        return None;
    }
    let others = cx.org.roles.values().filter(|r| !r.builtin_admin).count();
    if role.assignable.len() == others {
        return Some("assigns every role but the administrator".into());
    }
    let names: Vec<String> = role
        .assignable
        .iter()
        .filter_map(|id| cx.org.roles.get(id).map(|r| sanitize(&r.name)))
        .collect();
    Some(format!("assigns {}", names.join(", ")))
}
