//! The Roles tab: the list of roles, the **permission grid editor** (the
//! catalog's areas, each expanding to its permissions, × roles) and the
//! **matrix** (roles × areas, "permissions at a glance"). Both are editable;
//! edits stay pending — marked `*` — until saved. Saving shows the impact on
//! users first and applies every pending change as one command.
//!
//! Focus moves between the role list and the grid or matrix: `enter` on the
//! list opens the grid on that role's column, `esc` comes back (asking first
//! when there are unsaved changes).

use std::collections::{BTreeMap, BTreeSet};

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph};
use ratatui::Frame;

use super::pane;
use crate::domain::catalog::{Catalog, Level, PermIndex, Scale, MANAGE, OTHER, OWN, VIEW, YES};
use crate::domain::command::Command;
use crate::domain::engine::effective_levels;
use crate::domain::roles::{Role, RoleId};
use crate::domain::text::sanitize;
use crate::tui::app::{Cx, Effect, Popup, Tab, View};
use crate::tui::keymap::{Action, Context};
use crate::tui::widgets::confirm::Confirm;
use crate::tui::widgets::form::{self, Field, Form};
use crate::tui::widgets::grid::{fit, render_grid, GridCell, GridSpec, GridState, Visible};
use crate::tui::widgets::table::{render_windowed, ListState};
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
                label_w = label_w.max(Span::raw(sanitize(&a.label)).width() + 4);
                if !self.collapsed.contains(&a.key) {
                    for p in &self.area_perms[ai] {
                        self.rows.push(Row::Perm(*p));
                        label_w = label_w.max(action_of(&c.get(*p).key).len() + 5);
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

    fn area_changed(&self, role: RoleId, area: usize) -> bool {
        self.area_perms[area]
            .iter()
            .any(|p| self.pending.contains_key(&(role, *p)))
    }

    fn area_cell(&self, cx: &Cx, role: &Role, area: usize) -> GridCell {
        let c = cx.org.catalog();
        let perms = &self.area_perms[area];
        let levels: Vec<Level> = perms.iter().map(|p| self.level(c, role, *p)).collect();
        let text = summary(c, perms, &levels, cx.sym);
        GridCell {
            style: if levels.iter().any(|l| *l != 0) {
                cx.theme.granted
            } else {
                cx.theme.muted
            },
            text,
            changed: self.area_changed(role.id, area),
        }
    }

    fn perm_cell(&self, cx: &Cx, role: &Role, p: PermIndex) -> GridCell {
        let c = cx.org.catalog();
        let l = self.level(c, role, p);
        GridCell {
            text: c.get(p).scale.level_word(l),
            style: if l != 0 {
                cx.theme.granted
            } else {
                cx.theme.muted
            },
            changed: self.pending.contains_key(&(role.id, p)),
        }
    }

    // ---- editing ------------------------------------------------------------

    /// A level key or `space` on the cell under the cursor.
    fn edit(&mut self, action: Action, cx: &Cx) -> Effect {
        let c = cx.org.catalog();
        let Some(role) = self.role(cx) else {
            return Effect::Error("no role selected".into());
        };
        if role.builtin_admin {
            return Effect::Error(format!(
                "{} is built in and read-only: it always holds every permission at its highest level",
                sanitize(&role.name)
            ));
        }
        let target = match self.mode {
            Mode::Grid => match self.rows.get(self.grid.row) {
                Some(r) => *r,
                None => return Effect::None,
            },
            Mode::Matrix => Row::Area(self.matrix.col),
        };
        match target {
            Row::Perm(p) => {
                let perm = c.get(p);
                let cur = self.level(c, role, p);
                let new = if action == Action::CycleLevel {
                    next_level(&perm.scale, cur)
                } else {
                    match level_for(action, &perm.scale) {
                        Some(l) => l,
                        None => {
                            return Effect::Error(format!(
                                "'{}' does not exist on the {} scale of {} (use {})",
                                action_word(action),
                                perm.scale.name(),
                                perm.key,
                                perm.scale.level_words()
                            ))
                        }
                    }
                };
                self.set(c, role, p, new);
            }
            Row::Area(a) => {
                let perms = self.area_perms.get(a).cloned().unwrap_or_default();
                let changes = self.area_levels(c, role, &perms, action);
                if changes.is_empty() {
                    return Effect::Error(format!(
                        "no permission in {} takes '{}'",
                        sanitize(&c.areas[a].label),
                        action_word(action)
                    ));
                }
                for (p, l) in changes {
                    self.set(c, role, p, l);
                }
            }
        }
        Effect::None
    }

    /// The levels a key gives every permission of an area: `0` none, `a` the
    /// top of each scale, another letter that level where it exists;
    /// `space` steps none → view (the area's access permissions) → full →
    /// none.
    fn area_levels(
        &self,
        c: &Catalog,
        role: &Role,
        perms: &[PermIndex],
        action: Action,
    ) -> Vec<(PermIndex, Level)> {
        let scale = |p: &PermIndex| &c.get(*p).scale;
        match action {
            Action::LevelNone => perms.iter().map(|p| (*p, 0)).collect(),
            Action::LevelAll => perms.iter().map(|p| (*p, scale(p).top())).collect(),
            Action::CycleLevel => {
                let cur: Vec<Level> = perms.iter().map(|p| self.level(c, role, *p)).collect();
                let is_access = |p: &PermIndex| *scale(p) == Scale::Access;
                let has_access = perms.iter().any(is_access);
                let none = cur.iter().all(|l| *l == 0);
                let viewing = has_access
                    && perms
                        .iter()
                        .zip(&cur)
                        .all(|(p, l)| if is_access(p) { *l == VIEW } else { *l == 0 });
                if none && has_access {
                    perms
                        .iter()
                        .map(|p| (*p, if is_access(p) { VIEW } else { 0 }))
                        .collect()
                } else if none || viewing {
                    perms.iter().map(|p| (*p, scale(p).top())).collect()
                } else if perms.iter().zip(&cur).all(|(p, l)| *l == scale(p).top()) {
                    perms.iter().map(|p| (*p, 0)).collect()
                } else {
                    perms.iter().map(|p| (*p, scale(p).top())).collect()
                }
            }
            other => perms
                .iter()
                .filter_map(|p| level_for(other, scale(p)).map(|l| (*p, l)))
                .collect(),
        }
    }

    /// The commands that save every pending edit: one `SetRoleLevels` per
    /// changed role, as a batch when several.
    fn save_command(&self, cx: &Cx) -> Option<Command> {
        let c = cx.org.catalog();
        let mut by_role: BTreeMap<RoleId, Vec<(String, String)>> = BTreeMap::new();
        for ((r, p), l) in &self.pending {
            let perm = c.get(*p);
            by_role
                .entry(*r)
                .or_default()
                .push((perm.key.clone(), perm.scale.level_word(*l)));
        }
        let mut cmds: Vec<Command> = by_role
            .into_iter()
            .filter_map(|(r, levels)| {
                cx.org.roles.get(&r).map(|role| Command::SetRoleLevels {
                    role: role.name.clone(),
                    levels,
                })
            })
            .collect();
        match cmds.len() {
            0 => None,
            1 => cmds.pop(),
            _ => Some(Command::Batch(cmds)),
        }
    }

    /// Which users gain or lose which levels if the pending edits are saved:
    /// each affected live user's effective levels before and after.
    pub fn impact(&self, cx: &Cx) -> Vec<String> {
        let c = cx.org.catalog();
        let changed: BTreeSet<RoleId> = self.pending.keys().map(|(r, _)| *r).collect();
        let mut after = cx.org.clone();
        for ((r, p), l) in &self.pending {
            if let Some(role) = after.roles.get_mut(r) {
                let key = c.get(*p).key.clone();
                if *l == 0 {
                    role.levels.remove(&key);
                } else {
                    role.levels.insert(key, *l);
                }
            }
        }
        let arrow = cx.sym.pick("→", "->");
        // Per affected user, the levels that change: "key old → new".
        let mut affected: Vec<(String, Vec<String>)> = Vec::new();
        for u in cx
            .org
            .live_users()
            .filter(|u| u.roles.iter().any(|a| changed.contains(&a.role)))
        {
            let before = effective_levels(cx.org, u, cx.now).levels;
            let now = effective_levels(&after, u, cx.now).levels;
            let changes: Vec<String> = before
                .iter()
                .zip(&now)
                .enumerate()
                .filter(|(_, (b, a))| b != a)
                .map(|(i, (b, a))| {
                    let s = &c.get(i).scale;
                    format!(
                        "{} {} {arrow} {}",
                        c.get(i).key,
                        s.level_word(*b),
                        s.level_word(*a)
                    )
                })
                .collect();
            if !changes.is_empty() {
                affected.push((u.name(), changes));
            }
        }
        let names: Vec<String> = changed
            .iter()
            .filter_map(|r| cx.org.roles.get(r).map(|r| r.name.clone()))
            .collect();
        let n = self.pending.len();
        let mut out = vec![format!(
            "{n} change{} to {}, saved as one command.",
            if n == 1 { "" } else { "s" },
            names.join(", ")
        )];
        if affected.is_empty() {
            out.push("No active user gains or loses a level.".into());
            return out;
        }
        let users = affected.len();
        out.push(format!(
            "{users} user{} gain or lose levels:",
            if users == 1 { "" } else { "s" }
        ));
        // One user per entry, continued on indented lines when long; whole
        // users only, at most IMPACT_LINES lines.
        const WIDTH: usize = 64;
        let mut used = 0;
        let mut shown = 0;
        for (name, changes) in &affected {
            let mut entry = vec![format!("  {name}: {}", changes[0])];
            for ch in &changes[1..] {
                let last = entry.last_mut().expect("entry has a line");
                if last.chars().count() + 2 + ch.chars().count() <= WIDTH {
                    last.push_str(", ");
                    last.push_str(ch);
                } else {
                    last.push(',');
                    entry.push(format!("    {ch}"));
                }
            }
            if used + entry.len() > IMPACT_LINES && shown > 0 {
                break;
            }
            used += entry.len();
            shown += 1;
            out.extend(entry.into_iter().map(|l| fit(&l, WIDTH + 2, cx.sym)));
        }
        if shown < users {
            out.push(format!(
                "  {} and {} more user{}",
                cx.sym.pick("…", "..."),
                users - shown,
                if users - shown == 1 { "" } else { "s" }
            ));
        }
        out
    }

    fn save(&self, cx: &Cx) -> Effect {
        let Some(cmd) = self.save_command(cx) else {
            return Effect::Status("nothing to save".into());
        };
        let c = Confirm::new("Save: impact on users", self.impact(cx), false);
        Effect::Open(Popup::Confirm(
            c,
            Box::new(Effect::RunThen(
                cmd,
                Box::new(Effect::Notify(Tab::Roles, NOTE_SAVED)),
            )),
        ))
    }

    fn back(&mut self) -> Effect {
        if self.pending.is_empty() {
            self.focus = Focus::List;
            return Effect::None;
        }
        let n = self.pending.len();
        let c = Confirm::new(
            "Discard changes?",
            vec![format!(
                "Discard {n} unsaved change{}?",
                if n == 1 { "" } else { "s" }
            )],
            false,
        );
        Effect::Open(Popup::Confirm(
            c,
            Box::new(Effect::Notify(Tab::Roles, NOTE_DISCARD)),
        ))
    }

    fn toggle_area(&mut self, cx: &Cx) -> Effect {
        if self.mode == Mode::Matrix {
            return Effect::Status(
                "the matrix shows whole areas; the grid (m on the role list) expands them".into(),
            );
        }
        let c = cx.org.catalog();
        let area = match self.rows.get(self.grid.row) {
            Some(Row::Area(a)) => *a,
            Some(Row::Perm(p)) => match c.areas.iter().position(|a| a.key == c.get(*p).area()) {
                Some(a) => a,
                None => return Effect::None,
            },
            None => return Effect::None,
        };
        let key = c.areas[area].key.clone();
        if !self.collapsed.remove(&key) {
            self.collapsed.insert(key);
        }
        self.rows_built = false;
        self.rebuild(cx);
        if let Some(i) = self.rows.iter().position(|r| *r == Row::Area(area)) {
            self.grid.row = i;
        }
        Effect::None
    }

    // ---- the role list ------------------------------------------------------

    fn list_action(&mut self, action: Action, cx: &Cx) -> Effect {
        let len = self.roles.len();
        match action {
            _ if self.list.navigate(action, len, self.page) => {}
            Action::Open => {
                self.sync_from_list();
                self.focus = Focus::Table;
            }
            Action::ToggleMatrix => {
                self.mode = match self.mode {
                    Mode::Grid => Mode::Matrix,
                    Mode::Matrix => Mode::Grid,
                };
            }
            Action::New => {
                let f = Form::new(
                    "New role",
                    vec![
                        Field::text("Name", "", "required", form::required),
                        Field::text("Description", "", "optional", form::optional_text),
                    ],
                );
                return Effect::Open(Popup::Form(f, Tab::Roles, FORM_NEW));
            }
            Action::CopyRole => {
                let Some(r) = self.role(cx) else {
                    return Effect::Error("no role selected".into());
                };
                let f = Form::new(
                    &format!("Copy {}", sanitize(&r.name)),
                    vec![
                        Field::text("New name", "", "required: the copy's name", form::required),
                        Field::text(
                            "Description",
                            &one_line(&r.description),
                            "optional",
                            form::optional_text,
                        ),
                    ],
                )
                .with_notes(vec![format!(
                    "The copy starts with every level of {}.",
                    r.name
                )]);
                return Effect::Open(Popup::Form(f, Tab::Roles, FORM_COPY));
            }
            Action::Edit => {
                let Some(r) = self.role(cx) else {
                    return Effect::Error("no role selected".into());
                };
                let f = Form::new(
                    &format!("Edit {}", sanitize(&r.name)),
                    vec![
                        Field::text("Name", &r.name, "required", form::required),
                        Field::text(
                            "Description",
                            &one_line(&r.description),
                            "optional",
                            form::optional_text,
                        ),
                    ],
                );
                return Effect::Open(Popup::Form(f, Tab::Roles, FORM_EDIT));
            }
            Action::RemoveRole => {
                let Some(r) = self.role(cx) else {
                    return Effect::Error("no role selected".into());
                };
                if r.builtin_admin {
                    return Effect::Error(format!(
                        "{} is built in and cannot be removed",
                        sanitize(&r.name)
                    ));
                }
                let n = self.holders.get(self.list.selected).copied().unwrap_or(0);
                if n > 0 {
                    return Effect::Error(format!(
                        "{} is assigned to {n} user{}; unassign it first",
                        sanitize(&r.name),
                        if n == 1 { "" } else { "s" }
                    ));
                }
                let c = Confirm::new(
                    "Remove role",
                    vec![
                        format!("Remove the role {}?", r.name),
                        "Its history stays in the audit log.".into(),
                    ],
                    true,
                )
                .typed_confirmation(&r.name);
                return Effect::Open(Popup::Confirm(
                    c,
                    Box::new(Effect::Run(Command::RemoveRole {
                        role: r.name.clone(),
                    })),
                ));
            }
            _ => {}
        }
        self.sync_from_list();
        Effect::None
    }

    fn table_action(&mut self, action: Action, cx: &Cx) -> Effect {
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

    // ---- drawing ------------------------------------------------------------

    fn render_list(&mut self, f: &mut Frame, area: Rect, cx: &Cx) {
        self.page = area.height.saturating_sub(3) as usize;
        let roles = &self.roles;
        let holders = &self.holders;
        let pending = &self.pending;
        let mut list = self.list;
        render_windowed(
            f,
            area,
            pane(
                format!("Roles ({})", roles.len()),
                cx,
                self.focus == Focus::List,
            ),
            vec!["", "ROLE", "USERS"],
            &[
                Constraint::Length(1),
                Constraint::Min(12),
                Constraint::Length(5),
            ],
            roles.len(),
            &mut list,
            cx.sym,
            cx.theme.selected,
            cx.theme.muted,
            |i| {
                let r = &cx.org.roles[&roles[i]];
                let changed = pending.keys().any(|(id, _)| *id == r.id);
                let name = if r.builtin_admin {
                    Line::from(vec![
                        Span::raw(sanitize(&r.name)),
                        Span::styled(" (built in)", cx.theme.muted),
                    ])
                } else {
                    Line::from(sanitize(&r.name))
                };
                vec![
                    Cell::from(if changed {
                        Span::styled("*", cx.theme.changed)
                    } else {
                        Span::raw(" ")
                    }),
                    Cell::from(name),
                    Cell::from(holders[i].to_string()),
                ]
            },
        );
        self.list = list;
    }

    fn render_table(&mut self, f: &mut Frame, area: Rect, cx: &Cx) {
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
                            (
                                format!(
                                    "{} {}",
                                    if open {
                                        cx.sym.pick("▾", "-")
                                    } else {
                                        cx.sym.pick("▸", "+")
                                    },
                                    sanitize(&c.areas[a].label)
                                ),
                                cx.theme.title,
                            )
                        }
                        Row::Perm(p) => (
                            format!("  {}", sanitize(action_of(&c.get(p).key))),
                            cx.theme.normal,
                        ),
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
                    |col| sanitize(&c.areas[col].label),
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
    fn info(&self, cx: &Cx) -> Vec<Line<'static>> {
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
                if self.pending.contains_key(&(role.id, p)) {
                    s.push_str(&format!(
                        " (saved: {})",
                        perm.scale.level_word(role.level(c, p))
                    ));
                }
                lines.push(Line::from(s));
            }
            Some(Row::Area(a)) => {
                let mut spans = vec![Span::styled(
                    format!("{}: ", sanitize(&c.areas[a].label)),
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
pub(crate) mod tests {
    use std::path::{Path, PathBuf};

    use chrono::{DateTime, TimeZone, Utc};
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use super::*;
    use crate::domain::catalog::system;
    use crate::domain::command::NewUser;
    use crate::ops::{FixedClock, Session};
    use crate::tui::app::App;
    use crate::tui::keymap::Keymap;
    use crate::tui::theme::Theme;

    pub(crate) const ADMIN: &str = "avery";
    /// A maintenance planner of the demo: may view users, not manage roles.
    const PLANNER: &str = "mlindqvist";

    pub(crate) fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 9, 30, 0).unwrap()
    }

    /// The demo organisation (maintenance preset) in a temporary directory.
    pub(crate) struct Demo {
        _dir: tempfile::TempDir,
        pub(crate) path: PathBuf,
    }

    pub(crate) fn demo() -> Demo {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        let preset = crate::presets::load("maintenance").unwrap();
        let admin = NewUser {
            given: "Avery".into(),
            family: "Admin".into(),
            email: Some("avery@demo-mro.example".into()),
            login: Some(ADMIN.into()),
            roles: vec![],
            access_until: None,
        };
        let mut s = Session::init(
            &path,
            ADMIN,
            Box::new(FixedClock(now())),
            &preset,
            "Demo MRO",
            admin,
        )
        .unwrap();
        run(&mut s, Command::Batch(crate::demo::demo_commands(now())));
        Demo { _dir: dir, path }
    }

    pub(crate) fn run(s: &mut Session, cmd: Command) {
        let actor = s.actor(None).unwrap();
        s.execute(actor, cmd).unwrap();
    }

    pub(crate) fn session(path: &Path, login: &str) -> Session {
        Session::open(path, login, Box::new(FixedClock(now()))).unwrap()
    }

    pub(crate) fn app(path: &Path, login: &str) -> App {
        App::new(
            session(path, login),
            Keymap::default_keymap(),
            Theme::builtin("default").unwrap(),
            false,
        )
    }

    pub(crate) fn press(app: &mut App, code: KeyCode) {
        app.on_key(KeyEvent::new(code, KeyModifiers::NONE));
    }

    pub(crate) fn keys(app: &mut App, s: &str) {
        for c in s.chars() {
            press(app, KeyCode::Char(c));
        }
    }

    pub(crate) fn screen(app: &mut App) -> String {
        crate::tui::render_text(app, 120, 40)
    }

    pub(crate) fn status(app: &App) -> (String, bool) {
        app.status
            .as_ref()
            .map(|s| (s.text.clone(), s.error))
            .unwrap_or_default()
    }

    pub(crate) fn audit_len(app: &App) -> usize {
        app.session.audit_entries().len()
    }

    fn stored(app: &App, role: &str, perm: &str) -> Level {
        let org = app.session.org();
        let r = org.resolve_role(role).unwrap();
        r.level(org.catalog(), org.catalog().index_of(perm).unwrap())
    }

    /// Roles tab, the list on `role`, then the grid on its column.
    fn open_role(app: &mut App, role: &str) {
        keys(app, "2");
        assert_eq!(app.tab, Tab::Roles);
        screen(app);
        let i = app
            .roles
            .roles
            .iter()
            .position(|id| app.session.org().roles[id].name == role)
            .unwrap();
        keys(app, "g");
        for _ in 0..i {
            keys(app, "j");
        }
        press(app, KeyCode::Enter);
        assert_eq!(app.roles.focus, Focus::Table);
        assert_eq!(app.roles.grid.col, i);
    }

    /// Moves the grid cursor down to a permission's row.
    fn goto_perm(app: &mut App, perm: &str) {
        let p = app.session.org().catalog().index_of(perm).unwrap();
        let target = app
            .roles
            .rows
            .iter()
            .position(|r| *r == Row::Perm(p))
            .unwrap();
        while app.roles.grid.row > target {
            keys(app, "k");
        }
        while app.roles.grid.row < target {
            keys(app, "j");
        }
    }

    fn confirm_lines(app: &App) -> Vec<String> {
        match app.popups.last() {
            Some(Popup::Confirm(c, _)) => c.lines.clone(),
            _ => panic!("no confirmation open"),
        }
    }

    #[test]
    fn set_a_cell_save_and_confirm_commits_one_audit_entry() {
        let d = demo();
        let mut app = app(&d.path, ADMIN);
        let before = audit_len(&app);
        open_role(&mut app, "Workshop technician");
        goto_perm(&mut app, "work_orders.release");
        keys(&mut app, "y");
        assert!(app.unsaved());
        let s = screen(&mut app);
        assert!(s.contains("yes*"), "{s}");
        assert!(s.contains("1 unsaved"), "{s}");
        // Nothing is written before saving.
        assert_eq!(
            stored(&app, "Workshop technician", "work_orders.release"),
            0
        );
        keys(&mut app, "w");
        let lines = confirm_lines(&app);
        assert!(
            lines[0].contains("1 change to Workshop technician"),
            "{lines:?}"
        );
        // Impact: users of the role gain the level (Hanna Virtanen is a
        // workshop technician in the demo; the list is capped).
        assert!(
            lines
                .iter()
                .any(|l| l.contains(": work_orders.release no → yes")),
            "{lines:?}"
        );
        assert!(lines.len() <= 2 + IMPACT_LINES + 1, "{lines:?}");
        assert!(lines.iter().any(|l| l.contains("… and")), "{lines:?}");
        keys(&mut app, "y");
        assert!(app.popups.is_empty());
        assert_eq!(
            stored(&app, "Workshop technician", "work_orders.release"),
            YES
        );
        assert_eq!(audit_len(&app), before + 1);
        assert!(!app.unsaved());
        let (text, error) = status(&app);
        assert!(!error, "{text}");
        assert!(text.contains("set role Workshop technician"), "{text}");
        assert!(!screen(&mut app).contains("yes*"));
    }

    #[test]
    fn changes_to_several_roles_are_one_batch_and_one_audit_entry() {
        let d = demo();
        let mut app = app(&d.path, ADMIN);
        let before = audit_len(&app);
        open_role(&mut app, "Stores");
        goto_perm(&mut app, "tools.access");
        keys(&mut app, "v");
        keys(&mut app, "l"); // Purchasing
        keys(&mut app, "m");
        goto_perm(&mut app, "aircraft.access");
        keys(&mut app, " "); // none → view
        assert_eq!(app.roles.pending.len(), 3);
        keys(&mut app, "w");
        let lines = confirm_lines(&app);
        assert!(
            lines[0].contains("3 changes to Stores, Purchasing"),
            "{lines:?}"
        );
        keys(&mut app, "y");
        assert_eq!(stored(&app, "Stores", "tools.access"), VIEW);
        assert_eq!(stored(&app, "Purchasing", "tools.access"), MANAGE);
        assert_eq!(stored(&app, "Purchasing", "aircraft.access"), VIEW);
        assert_eq!(audit_len(&app), before + 1);
        assert!(!app.unsaved());
    }

    #[test]
    fn escalation_is_refused_leaves_data_and_edits_and_shows_the_message() {
        let d = demo();
        {
            // A role editor who may manage roles but holds little else.
            let mut s = session(&d.path, ADMIN);
            run(
                &mut s,
                Command::AddRole {
                    name: "Role editor".into(),
                    description: String::new(),
                    copy_from: None,
                },
            );
            run(
                &mut s,
                Command::SetRoleLevels {
                    role: "Role editor".into(),
                    levels: vec![
                        ("roles.manage".into(), "yes".into()),
                        ("users.view".into(), "view".into()),
                    ],
                },
            );
            run(
                &mut s,
                Command::AddUser(NewUser {
                    given: "Rhea".into(),
                    family: "Editor".into(),
                    email: Some("rhea@demo-mro.example".into()),
                    login: Some("reditor".into()),
                    roles: vec!["Role editor".into()],
                    access_until: None,
                }),
            );
        }
        let mut app = app(&d.path, "reditor");
        let before = audit_len(&app);
        open_role(&mut app, "Workshop technician");
        assert!(!screen(&mut app).contains("view only"));
        goto_perm(&mut app, "work_orders.release");
        keys(&mut app, "y");
        keys(&mut app, "w");
        keys(&mut app, "y");
        let (text, error) = status(&app);
        assert!(error, "{text}");
        assert!(text.contains("you hold work_orders.release = no"), "{text}");
        assert_eq!(
            stored(&app, "Workshop technician", "work_orders.release"),
            0
        );
        assert_eq!(audit_len(&app), before);
        // The edit stays, marked, for the operator to change or discard.
        assert!(app.unsaved());
        let s = screen(&mut app);
        assert!(s.contains("yes*"), "{s}");
        assert!(s.contains("you hold work_orders.release = no"), "{s}");
    }

    #[test]
    fn esc_with_changes_asks_before_discarding() {
        let d = demo();
        let mut app = app(&d.path, ADMIN);
        open_role(&mut app, "Stores");
        // No changes: esc goes straight back to the list.
        press(&mut app, KeyCode::Esc);
        assert_eq!(app.roles.focus, Focus::List);
        assert!(app.popups.is_empty());
        press(&mut app, KeyCode::Enter);
        goto_perm(&mut app, "tools.access");
        keys(&mut app, "m");
        press(&mut app, KeyCode::Esc);
        assert!(confirm_lines(&app)[0].contains("Discard 1 unsaved change"));
        keys(&mut app, "n");
        assert!(app.popups.is_empty());
        assert!(app.unsaved());
        assert_eq!(app.roles.focus, Focus::Table);
        press(&mut app, KeyCode::Esc);
        keys(&mut app, "y");
        assert!(!app.unsaved());
        assert_eq!(app.roles.focus, Focus::List);
        assert_eq!(stored(&app, "Stores", "tools.access"), 0);
        assert!(status(&app).0.contains("discarded 1 unsaved change"));
    }

    #[test]
    fn quitting_with_unsaved_edits_asks() {
        let d = demo();
        let mut app = app(&d.path, ADMIN);
        open_role(&mut app, "Stores");
        goto_perm(&mut app, "tools.access");
        keys(&mut app, "v");
        keys(&mut app, "q");
        assert!(!app.quit);
        assert!(confirm_lines(&app)[0].contains("unsaved changes"));
    }

    #[test]
    fn the_builtin_administrator_is_read_only() {
        let d = demo();
        let mut app = app(&d.path, ADMIN);
        open_role(&mut app, "Account administrator");
        goto_perm(&mut app, "work_orders.delete");
        for k in [" ", "0", "y"] {
            keys(&mut app, k);
            let (text, error) = status(&app);
            assert!(error);
            assert!(text.contains("built in and read-only"), "{text}");
        }
        assert!(!app.unsaved());
        assert!(screen(&mut app).contains("built in, read-only"));
        // Not from the matrix either, and it cannot be removed.
        press(&mut app, KeyCode::Esc);
        keys(&mut app, "m");
        press(&mut app, KeyCode::Enter);
        keys(&mut app, "0");
        assert!(status(&app).0.contains("built in and read-only"));
        press(&mut app, KeyCode::Esc);
        keys(&mut app, "D");
        assert!(status(&app).0.contains("built in and cannot be removed"));
        assert!(app.popups.is_empty());
    }

    #[test]
    fn a_level_missing_from_the_scale_is_refused() {
        let d = demo();
        let mut app = app(&d.path, ADMIN);
        open_role(&mut app, "Stores");
        goto_perm(&mut app, "work_orders.release");
        keys(&mut app, "v");
        let (text, error) = status(&app);
        assert!(error);
        assert!(
            text.contains("'view' does not exist on the grant scale of work_orders.release"),
            "{text}"
        );
        goto_perm(&mut app, "time_entries.view");
        keys(&mut app, "m");
        assert!(status(&app).0.contains("scope scale"));
        assert!(!app.unsaved());
        // On a scope: own, other, all, and space cycles through them.
        keys(&mut app, "o");
        assert_eq!(
            app.roles.pending.values().copied().collect::<Vec<_>>(),
            [OWN]
        );
        keys(&mut app, " ");
        assert_eq!(
            app.roles.pending.values().copied().collect::<Vec<_>>(),
            [OTHER]
        );
        keys(&mut app, " ");
        assert_eq!(app.roles.pending.values().copied().collect::<Vec<_>>(), [3]);
        // Back to the stored level: no longer a change.
        keys(&mut app, " ");
        assert!(!app.unsaved());
    }

    #[test]
    fn areas_collapse_and_expand_and_area_rows_edit_the_whole_area() {
        let d = demo();
        let mut app = app(&d.path, ADMIN);
        open_role(&mut app, "Read-only");
        goto_perm(&mut app, "work_orders.release");
        let n = app.roles.rows.len();
        keys(&mut app, "z");
        assert_eq!(app.roles.rows.len(), n - 5);
        assert_eq!(app.roles.rows[app.roles.grid.row], Row::Area(3));
        assert!(screen(&mut app).contains("▸ Work orders"));
        keys(&mut app, "a");
        assert_eq!(app.roles.pending.len(), 5);
        let s = screen(&mut app);
        assert!(s.contains("full*"), "{s}");
        keys(&mut app, "z");
        assert_eq!(app.roles.rows.len(), n);
    }

    #[test]
    fn the_matrix_summarises_and_edits_whole_areas() {
        let d = demo();
        let mut app = app(&d.path, ADMIN);
        let before = audit_len(&app);
        keys(&mut app, "2m");
        assert_eq!(app.roles.mode, Mode::Matrix);
        let s = screen(&mut app);
        assert!(s.contains("Matrix: roles × areas"), "{s}");
        assert!(s.contains("Work orders"), "{s}");
        // The read-only role: view in work orders, nothing more.
        keys(&mut app, "G");
        press(&mut app, KeyCode::Enter);
        assert_eq!(
            app.keymap.lookup(
                app.roles.chain(),
                &crate::tui::keymap::Key::parse("m").unwrap()
            ),
            Some(Action::LevelManage)
        );
        assert_eq!(app.roles.matrix.row, 7);
        keys(&mut app, "lll"); // Work orders
        let c = app.session.org().catalog();
        let wo = c.areas.iter().position(|a| a.key == "work_orders").unwrap();
        assert_eq!(app.roles.matrix.col, wo);
        // `v` sets access permissions to view, leaves the grants.
        keys(&mut app, "0");
        assert_eq!(app.roles.pending.len(), 1);
        keys(&mut app, "v");
        assert!(!app.unsaved(), "view is what the role already holds");
        keys(&mut app, "y");
        assert_eq!(app.roles.pending.len(), 4, "every grant of the area");
        let s = screen(&mut app);
        assert!(s.contains("view +4*"), "{s}");
        keys(&mut app, "o");
        assert!(status(&app)
            .0
            .contains("no permission in Work orders takes 'own'"));
        keys(&mut app, "w");
        keys(&mut app, "y");
        assert_eq!(stored(&app, "Read-only", "work_orders.release"), YES);
        assert_eq!(stored(&app, "Read-only", "work_orders.access"), VIEW);
        assert_eq!(audit_len(&app), before + 1);
        // `space` cycles: full, then none.
        keys(&mut app, " ");
        assert!(screen(&mut app).contains("full*"));
        keys(&mut app, " ");
        assert!(screen(&mut app).contains("—*"));
    }

    #[test]
    fn an_operator_without_roles_manage_sees_no_edit_keys() {
        let d = demo();
        let mut app = app(&d.path, PLANNER);
        keys(&mut app, "2");
        assert_eq!(app.tab, Tab::Roles);
        let s = screen(&mut app);
        assert!(s.contains("view only"), "{s}");
        assert!(!s.contains("n new"), "{s}");
        keys(&mut app, "n");
        assert!(app.popups.is_empty());
        assert!(status(&app).0.contains("you lack the permission"));
        press(&mut app, KeyCode::Enter);
        let s = screen(&mut app);
        assert!(!s.contains("space cycle"), "{s}");
        assert!(s.contains("z expand"), "{s}");
        keys(&mut app, "jy");
        assert!(!app.unsaved());
        assert!(status(&app).0.contains("you lack the permission"));
        let cx =
            crate::tui::app::make_cx(&app.session, &app.keymap, &app.theme, app.sym, 1, app.who)
                .unwrap();
        assert!(!cx.may(system::ROLES_MANAGE));
    }

    #[test]
    fn new_copy_edit_and_remove_roles() {
        let d = demo();
        let mut app = app(&d.path, ADMIN);
        let before = audit_len(&app);
        keys(&mut app, "2n");
        keys(&mut app, "Line lead");
        press(&mut app, KeyCode::Tab);
        keys(&mut app, "Leads a shift");
        press(&mut app, KeyCode::Enter);
        assert!(app.popups.is_empty(), "{:?}", status(&app));
        let org = app.session.org();
        let r = org.resolve_role("Line lead").unwrap();
        assert_eq!(r.description, "Leads a shift");
        // The new role is selected; copy it.
        screen(&mut app);
        assert_eq!(
            app.session.org().roles[&app.roles.roles[app.roles.list.selected]].name,
            "Line lead"
        );
        // Copy the planner.
        keys(&mut app, "gj");
        keys(&mut app, "c");
        keys(&mut app, "Planner 2");
        press(&mut app, KeyCode::Enter);
        assert!(app.popups.is_empty(), "{:?}", status(&app));
        assert_eq!(stored(&app, "Planner 2", "work_orders.release"), YES);
        screen(&mut app);
        // Rename it.
        keys(&mut app, "e");
        for _ in 0..9 {
            press(&mut app, KeyCode::Backspace);
        }
        keys(&mut app, "Deputy planner");
        press(&mut app, KeyCode::Enter);
        assert!(app.popups.is_empty(), "{:?}", status(&app));
        assert!(app.session.org().resolve_role("Deputy planner").is_ok());
        // Remove it: typed confirmation of the name.
        screen(&mut app);
        keys(&mut app, "D");
        keys(&mut app, "y");
        assert!(!app.popups.is_empty(), "y alone does not confirm");
        for _ in 0..1 {
            press(&mut app, KeyCode::Backspace);
        }
        keys(&mut app, "Deputy planner");
        press(&mut app, KeyCode::Enter);
        assert!(app.popups.is_empty());
        assert!(app.session.org().resolve_role("Deputy planner").is_err());
        assert_eq!(audit_len(&app), before + 4);
        // A role in use cannot be removed.
        keys(&mut app, "gj");
        keys(&mut app, "D");
        assert!(status(&app).0.contains("unassign it first"));
    }

    #[test]
    fn renders_at_80x24_and_120x40_in_every_mode() {
        let d = demo();
        let mut app = app(&d.path, ADMIN);
        keys(&mut app, "2");
        for size in [(80, 24), (120, 40), (200, 50)] {
            for (setup, expect) in [
                ("", "Grid: permissions × roles"),
                ("\n", "AREA / PERMISSION"),
                ("m", "Matrix: roles × areas"),
                ("m\n", "ROLE"),
            ] {
                app.roles.focus = Focus::List;
                app.roles.mode = Mode::Grid;
                for c in setup.chars() {
                    if c == '\n' {
                        press(&mut app, KeyCode::Enter);
                    } else {
                        keys(&mut app, &c.to_string());
                    }
                }
                let s = crate::tui::render_text(&mut app, size.0, size.1);
                assert!(s.contains(expect), "{size:?} {setup:?}\n{s}");
                // Far right and bottom too.
                for _ in 0..30 {
                    keys(&mut app, "l");
                    keys(&mut app, "j");
                }
                crate::tui::render_text(&mut app, size.0, size.1);
            }
        }
    }

    #[test]
    fn scope_cycles_reach_finer_relations() {
        let s = Scale::Scope {
            relations: vec!["own".into(), "other".into(), "students".into()],
        };
        assert_eq!(cycle_levels(&s), vec![0, 1, 2, 4, 5, 7]);
        assert_eq!(s.level_word(next_level(&s, 4)), "own+students");
        assert_eq!(next_level(&s, 7), 0);
        // A level outside the cycle moves up.
        assert_eq!(next_level(&s, 6), 7);
        assert_eq!(cycle_levels(&Scale::Access), vec![0, VIEW, MANAGE]);
    }
}
