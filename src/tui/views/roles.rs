//! The Roles tab: the list of roles, the **permission grid editor** (the
//! catalog's areas, each expanding to its permissions, × roles) and the
//! **matrix** (roles × areas, "permissions at a glance"). Both are editable;
//! edits stay pending — marked `*` — until saved. Saving shows the impact on
//! users first and applies every pending change as one command.
//!
//! Focus moves between the role list and the grid or matrix: `enter` on the
//! list opens the grid on that role's column, `esc` comes back (asking first
//! when there are unsaved changes).
//!
//! The parts: `list` (the role list), `grid` (the grid editor: cells,
//! pending edits, impact, saving), `table` (moving in and drawing the grid
//! and the matrix), `tests`.

use std::collections::{BTreeMap, BTreeSet};

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

mod grid;
mod list;
mod table;

use super::pane;
use crate::domain::catalog::{Catalog, Level, PermIndex, Scale, MANAGE, OTHER, OWN, VIEW, YES};
use crate::domain::command::Command;
use crate::domain::engine::effective_levels;
use crate::domain::roles::{Role, RoleId};
use crate::domain::text::sanitize;
use crate::tui::keymap::{Action, Context};
use crate::tui::popups::Popup;
use crate::tui::view::{Cx, Effect, Tab, View};
use crate::tui::widgets::confirm::Confirm;
use crate::tui::widgets::form::{self, Field, Form};
use crate::tui::widgets::grid::{render_grid, GridCell, GridSpec, GridState, Visible};
use crate::tui::widgets::reason::ReasonNeed;
use crate::tui::widgets::table::ListState;
use crate::tui::widgets::Symbols;

const FORM_NEW: u32 = 1;
const FORM_COPY: u32 = 2;
const FORM_EDIT: u32 = 3;

const NOTE_SAVED: u32 = 1;
const NOTE_DISCARD: u32 = 2;

/// Impact lines shown before "… and N more".
const IMPACT_LINES: usize = 12;
/// Width of a role column (grid) or an area column (matrix).
const COL_WIDTH: u16 = 13;
/// The list pane's width when the list and the table sit side by side.
const LIST_WIDTH: u16 = 34;

const LIST_CHAIN: &[Context] = &[Context::Roles, Context::List, Context::Global];
const GRID_CHAIN: &[Context] = &[Context::Grid, Context::Global];
const MATRIX_CHAIN: &[Context] = &[Context::Matrix, Context::Grid, Context::Global];

/// Actions that change roles.
const EDIT_ACTIONS: [Action; 13] = [
    Action::New,
    Action::Edit,
    Action::CopyRole,
    Action::RemoveRole,
    Action::CycleLevel,
    Action::LevelNone,
    Action::LevelView,
    Action::LevelManage,
    Action::LevelYes,
    Action::LevelOwn,
    Action::LevelOther,
    Action::LevelAll,
    Action::Save,
];

/// Which pane has the keyboard.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Focus {
    #[default]
    List,
    Table,
}

/// What the table pane shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Mode {
    /// Areas and permissions × roles.
    #[default]
    Grid,
    /// Roles × areas.
    Matrix,
}

/// A row of the grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Row {
    Area(usize),
    Perm(PermIndex),
}

#[derive(Default)]
pub struct RolesView {
    pub list: ListState,
    widths: crate::tui::widgets::table::ColumnWidths,
    pub focus: Focus,
    pub mode: Mode,
    /// Grid cursor: row of `rows`, column = role index.
    pub grid: GridState,
    /// Matrix cursor: row = role index, column = area index.
    pub matrix: GridState,
    /// Roles in display order: the list rows, the grid columns, the matrix rows.
    roles: Vec<RoleId>,
    /// Live users holding each role.
    holders: Vec<usize>,
    /// Permissions of each area, in catalog order.
    area_perms: Vec<Vec<PermIndex>>,
    built_for: Option<u64>,
    /// Grid rows: areas and the permissions of expanded areas.
    rows: Vec<Row>,
    rows_built: bool,
    /// Areas (by key) shown without their permissions.
    collapsed: BTreeSet<String>,
    grid_widths: Vec<u16>,
    matrix_widths: Vec<u16>,
    grid_label: u16,
    matrix_label: u16,
    /// Unsaved edits: (role, permission) → level.
    pending: BTreeMap<(RoleId, PermIndex), Level>,
    /// Select this role once it appears (after adding or copying).
    select_name: Option<String>,
    page: usize,
}

// ---- levels on a scale ------------------------------------------------------

/// The level a letter key stands for on a scale, if that level exists there.
pub fn level_for(action: Action, scale: &Scale) -> Option<Level> {
    match (action, scale) {
        (Action::LevelNone, _) => Some(0),
        (Action::LevelView, Scale::Access) => Some(VIEW),
        (Action::LevelManage, Scale::Access) => Some(MANAGE),
        (Action::LevelYes, Scale::Grant) => Some(YES),
        (Action::LevelOwn, Scale::Scope { .. }) => Some(OWN),
        (Action::LevelOther, Scale::Scope { .. }) => Some(OTHER),
        (Action::LevelAll, Scale::Scope { .. }) => Some(scale.top()),
        _ => None,
    }
}

/// The word of a letter key, for messages.
fn action_word(action: Action) -> &'static str {
    match action {
        Action::LevelNone => "none",
        Action::LevelView => "view",
        Action::LevelManage => "manage",
        Action::LevelYes => "yes",
        Action::LevelOwn => "own",
        Action::LevelOther => "other",
        Action::LevelAll => "all",
        _ => "?",
    }
}

/// The levels `space` steps through: access none → view → manage; grant
/// no → yes; scope none → each relation alone → own with each finer
/// relation → all.
pub fn cycle_levels(scale: &Scale) -> Vec<Level> {
    match scale {
        Scale::Access => vec![0, VIEW, MANAGE],
        Scale::Grant => vec![0, YES],
        Scale::Scope { relations } => {
            let mut v = vec![0];
            for i in 0..relations.len().min(8) {
                v.push(1u8 << i);
            }
            for i in 2..relations.len().min(8) {
                v.push(OWN | (1u8 << i));
            }
            let top = scale.top();
            if !v.contains(&top) {
                v.push(top);
            }
            v
        }
    }
}

/// The next level after `cur` in the cycle (a level outside the cycle moves
/// to the next one up, or back to none).
pub fn next_level(scale: &Scale, cur: Level) -> Level {
    let v = cycle_levels(scale);
    match v.iter().position(|l| *l == cur) {
        Some(i) => v[(i + 1) % v.len()],
        None => v.iter().copied().find(|l| *l > cur).unwrap_or(0),
    }
}

/// What one role holds in one area, in a few characters: "—" for nothing,
/// "full" for every permission at its top, the level word when one
/// permission is granted, otherwise the first granted level and "+N" for N
/// more granted permissions.
pub fn summary(c: &Catalog, perms: &[PermIndex], levels: &[Level], sym: Symbols) -> String {
    let granted: Vec<usize> = (0..perms.len()).filter(|i| levels[*i] != 0).collect();
    if granted.is_empty() {
        return sym.pick("—", "-").to_string();
    }
    let full = perms
        .iter()
        .zip(levels)
        .all(|(p, l)| *l == c.get(*p).scale.top());
    if full && perms.len() > 1 {
        return "full".into();
    }
    let first = c
        .get(perms[granted[0]])
        .scale
        .level_word(levels[granted[0]]);
    if granted.len() == 1 {
        first
    } else {
        format!("{first} +{}", granted.len() - 1)
    }
}

impl RolesView {
    fn rebuild(&mut self, cx: &Cx) {
        let c = cx.org.catalog();
        if self.built_for != Some(cx.version) {
            self.roles = cx.org.roles.keys().copied().collect();
            let mut holders = vec![0usize; self.roles.len()];
            let index: BTreeMap<RoleId, usize> = self
                .roles
                .iter()
                .enumerate()
                .map(|(i, r)| (*r, i))
                .collect();
            for u in cx.org.live_users() {
                for a in &u.roles {
                    if let Some(i) = index.get(&a.role) {
                        holders[*i] += 1;
                    }
                }
            }
            self.holders = holders;
            self.area_perms = c
                .areas
                .iter()
                .map(|a| c.in_area(&a.key).map(|(i, _)| i).collect())
                .collect();
            // Drop edits of roles that went away or that now hold the level.
            let org = cx.org;
            self.pending.retain(|(r, p), l| {
                *p < c.len()
                    && org
                        .roles
                        .get(r)
                        .is_some_and(|role| !role.builtin_admin && role.level(c, *p) != *l)
            });
            if let Some(name) = self.select_name.take() {
                if let Some(i) = self
                    .roles
                    .iter()
                    .position(|id| org.roles[id].name.eq_ignore_ascii_case(&name))
                {
                    self.list.selected = i;
                }
            }
            self.list.clamp(self.roles.len());
            self.grid_widths = vec![COL_WIDTH; self.roles.len()];
            self.matrix_widths = vec![COL_WIDTH; c.areas.len()];
            let name_w = self
                .roles
                .iter()
                .map(|id| Span::raw(sanitize(&org.roles[id].name)).width())
                .max()
                .unwrap_or(0);
            self.matrix_label = (name_w as u16 + 3).clamp(14, 28);
            self.rows_built = false;
            self.built_for = Some(cx.version);
        }
        if !self.rows_built {
            self.rows.clear();
            let mut label_w = 12;
            for (ai, a) in c.areas.iter().enumerate() {
                self.rows.push(Row::Area(ai));
                let off = if cx.org.settings.area_off(&a.key) {
                    table::AREA_OFF.len()
                } else {
                    0
                };
                label_w = label_w.max(Span::raw(sanitize(&a.label)).width() + 4 + off);
                if !self.collapsed.contains(&a.key) {
                    for p in &self.area_perms[ai] {
                        self.rows.push(Row::Perm(*p));
                        let setup = if c.get(*p).setup_only {
                            table::SETUP_ONLY.len()
                        } else {
                            0
                        };
                        label_w = label_w.max(action_of(&c.get(*p).key).len() + 5 + setup);
                    }
                }
            }
            self.grid_label = (label_w as u16).clamp(14, 30);
            self.rows_built = true;
        }
        self.grid.clamp(self.rows.len(), self.roles.len());
        self.matrix.clamp(self.roles.len(), c.areas.len());
        if self.focus == Focus::List {
            self.sync_from_list();
        }
    }

    fn sync_from_list(&mut self) {
        self.grid.col = self.list.selected;
        self.matrix.row = self.list.selected;
    }

    /// The role of the list selection, or of the cursor in the table.
    fn role<'a>(&self, cx: &Cx<'a>) -> Option<&'a Role> {
        let i = match (self.focus, self.mode) {
            (Focus::List, _) => self.list.selected,
            (Focus::Table, Mode::Grid) => self.grid.col,
            (Focus::Table, Mode::Matrix) => self.matrix.row,
        };
        self.roles.get(i).and_then(|id| cx.org.roles.get(id))
    }

    /// The level shown for a cell: the pending edit or the stored level.
    fn level(&self, c: &Catalog, role: &Role, p: PermIndex) -> Level {
        self.pending
            .get(&(role.id, p))
            .copied()
            .unwrap_or_else(|| role.level(c, p))
    }

    fn set(&mut self, c: &Catalog, role: &Role, p: PermIndex, l: Level) {
        if role.level(c, p) == l {
            self.pending.remove(&(role.id, p));
        } else {
            self.pending.insert((role.id, p), l);
        }
    }
}

/// The action part of a permission key ("release" of "work_orders.release").
fn action_of(key: &str) -> &str {
    key.split_once('.').map(|(_, a)| a).unwrap_or(key)
}

/// A stored text on one line (descriptions may hold newlines).
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// "(roles 1–4 of 9)", or nothing when everything is visible.
fn range_text((a, b): (usize, usize), n: usize, what: &str) -> String {
    if a == 0 && b >= n {
        String::new()
    } else {
        format!("({what} {}–{b} of {n})", a + 1)
    }
}

impl View for RolesView {
    fn chain(&self) -> &'static [Context] {
        match (self.focus, self.mode) {
            (Focus::List, _) => LIST_CHAIN,
            (Focus::Table, Mode::Grid) => GRID_CHAIN,
            (Focus::Table, Mode::Matrix) => MATRIX_CHAIN,
        }
    }

    fn hints(&self, _cx: &Cx) -> Vec<Action> {
        match (self.focus, self.mode) {
            (Focus::List, _) => vec![
                Action::Open,
                Action::ToggleMatrix,
                Action::New,
                Action::CopyRole,
            ],
            (Focus::Table, Mode::Grid) => vec![
                Action::CycleLevel,
                Action::ToggleArea,
                Action::Save,
                Action::Back,
            ],
            (Focus::Table, Mode::Matrix) => vec![Action::CycleLevel, Action::Save, Action::Back],
        }
    }

    fn hidden(&self, cx: &Cx) -> Vec<Action> {
        let mut h = vec![Action::Filter];
        if !cx.may(crate::domain::catalog::system::ROLES_MANAGE) {
            h.extend(EDIT_ACTIONS);
        }
        h
    }

    fn badge(&self, cx: &Cx) -> Option<&'static str> {
        (!cx.may(crate::domain::catalog::system::ROLES_MANAGE)).then_some("view only")
    }

    fn render(&mut self, f: &mut Frame, area: Rect, cx: &Cx) {
        self.rebuild(cx);
        if area.width >= 110 {
            let [left, right] =
                Layout::horizontal([Constraint::Length(LIST_WIDTH), Constraint::Min(40)])
                    .areas(area);
            self.render_list(f, left, cx);
            self.render_table(f, right, cx);
        } else if self.focus == Focus::Table {
            // Narrow: the table takes the whole body while it has the focus.
            self.render_table(f, area, cx);
        } else {
            let list_h = (self.roles.len() as u16 + 3).clamp(5, 9);
            let [top, bottom] =
                Layout::vertical([Constraint::Length(list_h), Constraint::Min(6)]).areas(area);
            self.render_list(f, top, cx);
            self.render_table(f, bottom, cx);
        }
    }

    fn handle(&mut self, action: Action, cx: &Cx) -> Effect {
        self.rebuild(cx);
        match self.focus {
            Focus::List => self.list_action(action, cx),
            Focus::Table => self.table_action(action, cx),
        }
    }

    fn unsaved(&self) -> bool {
        !self.pending.is_empty()
    }

    fn click(&mut self, column: u16, row: u16, cx: &Cx) -> Effect {
        self.rebuild(cx);
        self.list_click(column, row);
        Effect::None
    }

    fn submit(&mut self, tag: u32, f: &Form, cx: &Cx) -> Result<Effect, String> {
        self.rebuild(cx);
        let selected = self.role(cx);
        Ok(Effect::Run(match tag {
            FORM_NEW => {
                self.select_name = Some(f.value(0));
                Command::AddRole {
                    name: f.value(0),
                    description: f.value(1),
                    copy_from: None,
                }
            }
            FORM_COPY => {
                let src = selected.ok_or("no role selected")?;
                self.select_name = Some(f.value(0));
                Command::AddRole {
                    name: f.value(0),
                    description: f.value(1),
                    copy_from: Some(src.name.clone()),
                }
            }
            FORM_EDIT => {
                let r = selected.ok_or("no role selected")?;
                let name = f.value(0);
                let description = f.value(1);
                let name = (name != r.name).then_some(name);
                let description = (description != one_line(&r.description)).then_some(description);
                if name.is_none() && description.is_none() {
                    return Err("nothing to change".into());
                }
                if let Some(n) = &name {
                    self.select_name = Some(n.clone());
                }
                Command::EditRole {
                    role: r.name.clone(),
                    name,
                    description,
                }
            }
            _ => return Ok(Effect::None),
        }))
    }

    fn notify(&mut self, tag: u32, _cx: &Cx) -> Effect {
        match tag {
            NOTE_SAVED => {
                self.pending.clear();
                Effect::None
            }
            NOTE_DISCARD => {
                let n = self.pending.len();
                self.pending.clear();
                self.focus = Focus::List;
                Effect::Status(format!(
                    "discarded {n} unsaved change{}",
                    if n == 1 { "" } else { "s" }
                ))
            }
            _ => Effect::None,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests;
