//! The personal-grant editor of the Users tab: the permission grid in a
//! one-user mode. Rows are the catalog's permissions; one column shows what
//! the user's roles give (read-only), the edited column the level with the
//! personal grant, and the last the grant itself. A grant can only add: a
//! level below what the roles give is refused. Edits stay pending (`*`) until
//! saved; saving asks for an optional expiry and issues `Grant` / `Ungrant`
//! commands, as one batch when several.

use std::collections::BTreeMap;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::pane;
use super::roles::{cycle_levels, level_for};
use crate::domain::catalog::{Level, PermIndex};
use crate::domain::command::Command;
use crate::domain::engine::potential_levels;
use crate::domain::text::sanitize;
use crate::domain::users::{PersonalGrant, User, UserId};
use crate::tui::keymap::Action;
use crate::tui::popups::Popup;
use crate::tui::view::{Cx, Effect, Tab};
use crate::tui::widgets::confirm::Confirm;
use crate::tui::widgets::form::{self, Field, Form};
use crate::tui::widgets::grid::{render_grid, GridCell, GridSpec, GridState};
use crate::tui::widgets::reason::ReasonNeed;

/// Notifications the Users tab forwards to the editor.
pub const NOTE_SAVED: u32 = 101;
pub const NOTE_DISCARD: u32 = 102;

const COLUMNS: [&str; 3] = ["From roles", "With grant", "Grant"];
const WIDTHS: [u16; 3] = [13, 14, 26];
/// The editable column.
const EDIT_COL: usize = 1;

pub struct GrantEditor {
    pub user: UserId,
    pub grid: GridState,
    /// Permission → the chosen level (roles and grant together).
    pub pending: BTreeMap<PermIndex, Level>,
    /// What the roles alone give, per permission.
    inherited: Vec<Level>,
    built_for: Option<u64>,
}

impl GrantEditor {
    pub fn new(user: UserId) -> GrantEditor {
        GrantEditor {
            user,
            grid: GridState {
                col: EDIT_COL,
                ..GridState::default()
            },
            pending: BTreeMap::new(),
            inherited: Vec::new(),
            built_for: None,
        }
    }

    fn user<'a>(&self, cx: &Cx<'a>) -> Option<&'a User> {
        cx.org.users.get(&self.user)
    }

    fn rebuild(&mut self, cx: &Cx) {
        if self.built_for == Some(cx.version) {
            return;
        }
        if let Some(u) = self.user(cx) {
            // The roles' levels as if the user were active (a deactivated
            // user's grants are still edited against their roles).
            let mut bare = u.clone();
            bare.grants.clear();
            self.inherited = potential_levels(cx.org, &bare, cx.now);
        }
        self.inherited.resize(cx.org.catalog().len(), 0);
        let stored: Vec<Level> = (0..self.inherited.len())
            .map(|p| self.stored(cx, p))
            .collect();
        self.pending
            .retain(|p, l| stored.get(*p).is_some_and(|s| s != l));
        self.grid.clamp(cx.org.catalog().len(), COLUMNS.len());
        self.grid.col = EDIT_COL;
        self.built_for = Some(cx.version);
    }

    fn grant<'a>(&self, cx: &Cx<'a>, p: PermIndex) -> Option<&'a PersonalGrant> {
        let key = &cx.org.catalog().get(p).key;
        self.user(cx)?.grants.iter().find(|g| g.permission == *key)
    }

    /// The grant in force today (an expired one gives nothing).
    fn active_grant(&self, cx: &Cx, p: PermIndex) -> Level {
        self.grant(cx, p)
            .filter(|g| g.until.is_none_or(|d| d >= cx.today()))
            .map_or(0, |g| g.level)
    }

    /// The level the user holds now from roles and grant.
    fn stored(&self, cx: &Cx, p: PermIndex) -> Level {
        self.inherited[p] | self.active_grant(cx, p)
    }

    fn level(&self, cx: &Cx, p: PermIndex) -> Level {
        self.pending
            .get(&p)
            .copied()
            .unwrap_or_else(|| self.stored(cx, p))
    }

    pub fn unsaved(&self) -> bool {
        !self.pending.is_empty()
    }

    pub fn hints() -> Vec<Action> {
        vec![Action::CycleLevel, Action::Save, Action::Back]
    }

    /// Handles a grid key. Returns `None` when the editor should close.
    pub fn handle(&mut self, action: Action, cx: &Cx) -> Option<Effect> {
        self.rebuild(cx);
        let n = cx.org.catalog().len();
        Some(match action {
            Action::GridDown => {
                self.grid.down(n);
                Effect::None
            }
            Action::GridUp => {
                self.grid.up();
                Effect::None
            }
            Action::GridLeft | Action::GridRight => Effect::Status(
                "only the \"with grant\" column is edited here; roles are edited in the Roles tab"
                    .into(),
            ),
            Action::ToggleArea => Effect::None,
            Action::Save => self.save(cx),
            Action::Back => {
                if self.pending.is_empty() {
                    return None;
                }
                let k = self.pending.len();
                let c = Confirm::new(
                    "Discard changes?",
                    vec![format!(
                        "Discard {k} unsaved personal grant change{}?",
                        if k == 1 { "" } else { "s" }
                    )],
                    false,
                );
                Effect::Open(Popup::Confirm(
                    c,
                    Box::new(Effect::Notify(Tab::Users, NOTE_DISCARD)),
                ))
            }
            Action::CycleLevel
            | Action::LevelNone
            | Action::LevelView
            | Action::LevelManage
            | Action::LevelYes
            | Action::LevelOwn
            | Action::LevelOther
            | Action::LevelAll => self.edit(action, cx),
            _ => Effect::None,
        })
    }

    fn edit(&mut self, action: Action, cx: &Cx) -> Effect {
        let p = self.grid.row;
        let c = cx.org.catalog();
        if p >= c.len() {
            return Effect::None;
        }
        let perm = c.get(p);
        let inh = self.inherited[p];
        let cur = self.level(cx, p);
        let new = if action == Action::CycleLevel {
            // Only levels that keep what the roles give.
            let levels: Vec<Level> = cycle_levels(&perm.scale)
                .into_iter()
                .filter(|l| l & inh == inh)
                .collect();
            match levels.iter().position(|l| *l == cur) {
                Some(i) => levels[(i + 1) % levels.len()],
                None => levels
                    .iter()
                    .copied()
                    .find(|l| *l > cur)
                    .unwrap_or(levels[0]),
            }
        } else {
            match level_for(action, &perm.scale) {
                Some(l) => l,
                None => {
                    return Effect::Error(format!(
                        "that level does not exist on the {} scale of {} (use {})",
                        perm.scale.name(),
                        perm.key,
                        perm.scale.level_words()
                    ))
                }
            }
        };
        if new & inh != inh {
            return Effect::Error(format!(
                "the roles give {} = {}; a personal grant can only add to it",
                perm.key,
                perm.scale.level_word(inh)
            ));
        }
        if new == self.stored(cx, p) {
            self.pending.remove(&p);
        } else {
            self.pending.insert(p, new);
        }
        Effect::None
    }

    /// The commands for the pending edits: a grant for each level above
    /// what the roles give, an ungrant where the roles alone suffice.
    fn commands(&self, cx: &Cx, until: Option<chrono::NaiveDate>) -> Vec<Command> {
        let c = cx.org.catalog();
        let user = format!("#{}", self.user);
        self.pending
            .iter()
            .filter_map(|(p, l)| {
                let perm = c.get(*p);
                if *l == self.inherited[*p] {
                    self.grant(cx, *p).map(|_| Command::Ungrant {
                        user: user.clone(),
                        permission: perm.key.clone(),
                    })
                } else {
                    Some(Command::Grant {
                        user: user.clone(),
                        permission: perm.key.clone(),
                        level: perm.scale.level_word(*l),
                        until,
                    })
                }
            })
            .collect()
    }

    fn save(&self, cx: &Cx) -> Effect {
        if self.pending.is_empty() {
            return Effect::Status("nothing to save".into());
        }
        let c = cx.org.catalog();
        let arrow = cx.sym.pick("→", "->");
        let mut notes = Vec::new();
        let mut adds = false;
        for (p, l) in &self.pending {
            let perm = c.get(*p);
            let from = perm.scale.level_word(self.stored(cx, *p));
            if *l == self.inherited[*p] {
                notes.push(format!(
                    "remove the grant on {}: {from} {arrow} {} (roles alone)",
                    perm.key,
                    perm.scale.level_word(*l)
                ));
            } else {
                adds = true;
                notes.push(format!(
                    "grant {}: {from} {arrow} {}",
                    perm.key,
                    perm.scale.level_word(*l)
                ));
            }
        }
        let name = self.user(cx).map(|u| u.name()).unwrap_or_default();
        let mut fields = Vec::new();
        if adds {
            fields.push(Field::text(
                "Until",
                "",
                "optional: YYYY-MM-DD, last day of the new grants",
                form::optional_date,
            ));
        } else {
            notes.push("enter: save   esc: back to the grid".into());
        }
        let f = Form::new(
            &format!("Save personal grants of {}", sanitize(&name)),
            fields,
        )
        .with_notes(notes)
        .with_reason(ReasonNeed::Optional);
        Effect::Open(Popup::Form(f, Tab::Users, FORM_SAVE))
    }

    /// The save form was submitted.
    pub fn submit(&self, f: &Form, cx: &Cx) -> Result<Effect, String> {
        let until = form::optional_date_value(&f.value(0));
        let mut cmds = self.commands(cx, until);
        let cmd = match cmds.len() {
            0 => return Err("nothing to save".into()),
            1 => cmds.remove(0),
            _ => Command::Batch(cmds),
        };
        Ok(Effect::RunThen(
            cmd,
            Box::new(Effect::Notify(Tab::Users, NOTE_SAVED)),
        ))
    }

    pub fn render(&mut self, f: &mut Frame, area: Rect, cx: &Cx) {
        self.rebuild(cx);
        let c = cx.org.catalog();
        let name = self.user(cx).map(|u| u.name()).unwrap_or_default();
        let mut title = format!("Personal grants of {}", sanitize(&name));
        if !self.pending.is_empty() {
            title.push_str(&format!(" · {} unsaved", self.pending.len()));
        }
        let block = pane(title, cx, true);
        let inner = block.inner(area);
        f.render_widget(block, area);
        let [grid_area, info_area] =
            Layout::vertical([Constraint::Min(3), Constraint::Length(2)]).areas(inner);
        let label_w = c
            .permissions
            .iter()
            .map(|p| p.key.len() as u16 + 3)
            .max()
            .unwrap_or(20)
            .clamp(16, 36);
        let spec = GridSpec {
            rows: c.len(),
            widths: &WIDTHS,
            label_width: label_w,
            corner: "PERMISSION",
            header_lines: 1,
            focused: true,
        };
        let mut state = self.grid;
        let today = cx.today();
        render_grid(
            f.buffer_mut(),
            grid_area,
            &spec,
            &mut state,
            cx.theme,
            cx.sym,
            |col| COLUMNS[col].to_string(),
            |row| (sanitize(&c.get(row).key), cx.theme.normal),
            |row, col| {
                let scale = &c.get(row).scale;
                let level_style = |l: Level| {
                    if l != 0 {
                        cx.theme.granted
                    } else {
                        cx.theme.muted
                    }
                };
                match col {
                    0 => {
                        let l = self.inherited[row];
                        GridCell {
                            text: scale.level_word(l),
                            style: level_style(l),
                            changed: false,
                        }
                    }
                    1 => {
                        let l = self.level(cx, row);
                        GridCell {
                            text: scale.level_word(l),
                            style: level_style(l),
                            changed: self.pending.contains_key(&row),
                        }
                    }
                    _ => {
                        let (text, style) = match self.grant(cx, row) {
                            None => (cx.sym.pick("—", "-").to_string(), cx.theme.muted),
                            Some(g) => {
                                let word = scale.level_word(g.level);
                                match g.until {
                                    Some(d) if d < today => {
                                        (format!("{word}, expired {d}"), cx.theme.expired)
                                    }
                                    Some(d) => (format!("{word} until {d}"), cx.theme.normal),
                                    None => (word, cx.theme.normal),
                                }
                            }
                        };
                        GridCell {
                            text,
                            style,
                            changed: false,
                        }
                    }
                }
            },
        );
        self.grid = state;
        let mut lines = vec![Line::styled(
            "A personal grant adds to what the roles give; it can never lower it.",
            cx.theme.muted,
        )];
        if let Some(p) = (self.grid.row < c.len()).then(|| c.get(self.grid.row)) {
            lines.push(Line::from(vec![
                Span::styled(format!("{} — ", p.key), cx.theme.title),
                Span::raw(format!(
                    "{} · {}",
                    sanitize(&p.label),
                    p.scale.level_words()
                )),
            ]));
        }
        f.render_widget(Paragraph::new(lines), info_area);
    }
}

/// The form tag of the save form (distinct from the Users tab's own).
pub const FORM_SAVE: u32 = 101;

#[cfg(test)]
mod tests {
    use ratatui::crossterm::event::KeyCode;

    use super::*;
    use crate::domain::catalog::{MANAGE, VIEW, YES};
    use crate::tui::app::App;
    use crate::tui::views::roles::tests::{
        app, audit_len, demo, keys, press, screen, status, ADMIN,
    };

    /// The Users tab, filtered to one user, with the grant grid open.
    fn open_grants(app: &mut App, login: &str) {
        keys(app, "1/");
        keys(app, login);
        press(app, KeyCode::Enter);
        let sel = app.users.list.selected;
        screen(app);
        assert_eq!(sel, 0);
        keys(app, "p");
        assert!(app.users.grants.is_some(), "{:?}", status(app));
    }

    fn goto(app: &mut App, perm: &str) {
        let p = app.session.org().catalog().index_of(perm).unwrap();
        while app.users.grants.as_ref().unwrap().grid.row > p {
            keys(app, "k");
        }
        while app.users.grants.as_ref().unwrap().grid.row < p {
            keys(app, "j");
        }
    }

    fn grant_of(app: &App, login: &str, perm: &str) -> Option<(u8, Option<chrono::NaiveDate>)> {
        let u = app.session.org().resolve_user(login).unwrap();
        u.grants
            .iter()
            .find(|g| g.permission == perm)
            .map(|g| (g.level, g.until))
    }

    #[test]
    fn grant_and_ungrant_from_the_grid() {
        let d = demo();
        let mut app = app(&d.path, ADMIN);
        let before = audit_len(&app);
        open_grants(&mut app, "hdahl");
        let s = screen(&mut app);
        assert!(s.contains("Personal grants of Henrik Dahl"), "{s}");
        assert!(s.contains("From roles"), "{s}");
        goto(&mut app, "work_orders.release");
        keys(&mut app, "y");
        goto(&mut app, "tools.access");
        keys(&mut app, "m");
        assert!(app.unsaved());
        let s = screen(&mut app);
        assert!(s.contains("yes*"), "{s}");
        assert!(s.contains("manage*"), "{s}");
        keys(&mut app, "w");
        // The save form: the changes, and an optional expiry.
        let Some(Popup::Form(f, Tab::Users, _)) = app.popups.last() else {
            panic!("no save form");
        };
        assert!(f
            .notes
            .iter()
            .any(|n| n.contains("grant work_orders.release: no → yes")));
        keys(&mut app, "2026-03-20");
        press(&mut app, KeyCode::Enter);
        assert!(app.popups.is_empty(), "{:?}", status(&app));
        let until = chrono::NaiveDate::from_ymd_opt(2026, 3, 20);
        assert_eq!(
            grant_of(&app, "hdahl", "work_orders.release"),
            Some((YES, until))
        );
        assert_eq!(
            grant_of(&app, "hdahl", "tools.access"),
            Some((MANAGE, until))
        );
        assert_eq!(audit_len(&app), before + 1, "two grants, one batch");
        assert!(!app.unsaved());
        assert!(screen(&mut app).contains("yes until 2026-03-20"));
        // Back to what the roles give: the grant is removed.
        // Its save form has only the reason, recorded with the command.
        goto(&mut app, "tools.access");
        keys(&mut app, "v");
        keys(&mut app, "w");
        keys(&mut app, "tool crib moved to stores");
        press(&mut app, KeyCode::Enter);
        assert!(app.popups.is_empty(), "{:?}", status(&app));
        assert_eq!(grant_of(&app, "hdahl", "tools.access"), None);
        assert_eq!(audit_len(&app), before + 2);
        let last = app.session.audit_entries().pop().unwrap().unwrap();
        assert_eq!(last.body.command.name(), "user ungrant");
        assert_eq!(
            last.body.command.reason(),
            Some("tool crib moved to stores")
        );
    }

    #[test]
    fn inherited_levels_cannot_be_lowered() {
        let d = demo();
        let mut app = app(&d.path, ADMIN);
        open_grants(&mut app, "hdahl");
        goto(&mut app, "work_orders.access");
        keys(&mut app, "0");
        let (text, error) = status(&app);
        assert!(error);
        assert!(
            text.contains("the roles give work_orders.access = view"),
            "{text}"
        );
        assert!(!app.unsaved());
        // `space` steps only through levels that keep the inherited one.
        keys(&mut app, " ");
        assert_eq!(
            app.users
                .grants
                .as_ref()
                .unwrap()
                .pending
                .values()
                .copied()
                .collect::<Vec<_>>(),
            [MANAGE]
        );
        keys(&mut app, " ");
        assert!(!app.unsaved());
        let _ = VIEW;
        keys(&mut app, "y");
        assert!(status(&app)
            .0
            .contains("does not exist on the access scale"));
    }

    #[test]
    fn esc_closes_and_asks_when_there_are_changes() {
        let d = demo();
        let mut app = app(&d.path, ADMIN);
        open_grants(&mut app, "hdahl");
        press(&mut app, KeyCode::Esc);
        assert!(app.users.grants.is_none());
        keys(&mut app, "p");
        goto(&mut app, "work_orders.release");
        keys(&mut app, "y");
        press(&mut app, KeyCode::Esc);
        assert!(matches!(app.popups.last(), Some(Popup::Confirm(..))));
        keys(&mut app, "y");
        assert!(app.users.grants.is_none());
        assert!(!app.unsaved());
        assert_eq!(grant_of(&app, "hdahl", "work_orders.release"), None);
    }
}
