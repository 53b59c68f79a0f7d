//! The grid editor: cells, pending edits, their impact on users, saving.

use super::*;
use crate::tui::views::impact;

impl RolesView {
    pub(super) fn area_changed(&self, role: RoleId, area: usize) -> bool {
        self.area_perms[area]
            .iter()
            .any(|p| self.pending.contains_key(&(role, *p)))
    }

    pub(super) fn area_cell(&self, cx: &Cx, role: &Role, area: usize) -> GridCell {
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

    pub(super) fn perm_cell(&self, cx: &Cx, role: &Role, p: PermIndex) -> GridCell {
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
    pub(super) fn edit(&mut self, action: Action, cx: &Cx) -> Effect {
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
    pub(super) fn area_levels(
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
    pub(super) fn save_command(&self, cx: &Cx) -> Option<Command> {
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
        // Per affected user, the levels that change: "key old → new".
        let mut affected: Vec<(String, Vec<String>)> = Vec::new();
        for u in cx
            .org
            .live_users()
            .filter(|u| u.roles.iter().any(|a| changed.contains(&a.role)))
        {
            let before = effective_levels(cx.org, u, cx.now).levels;
            let now = effective_levels(&after, u, cx.now).levels;
            let changes = impact::level_changes(c, &before, &now, cx.sym);
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
        out.extend(impact::people_lines(&affected, IMPACT_LINES, cx.sym));
        out
    }

    pub(super) fn save(&self, cx: &Cx) -> Effect {
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

    pub(super) fn back(&mut self) -> Effect {
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

    pub(super) fn toggle_area(&mut self, cx: &Cx) -> Effect {
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
}
