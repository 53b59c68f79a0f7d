//! What the app offers beyond a tab's own keys: the `:` palette over every
//! action of every tab the operator may use, `who` (who holds a
//! permission, and what gives it), and the mouse (a click on a tab or a
//! row, the wheel).
//!
//! A tab's actions reach the palette through the keymap: every binding in
//! the tab's own context (the first of its `View::chain`, when that is not
//! `list`, `grid` or `global`) is offered, less what its `View::hidden`
//! (no permission) and `View::unbound` (nothing to do there) name, and,
//! for a tab other than the current one, less moving (up, down, back).

use ratatui::crossterm::event::{KeyEvent, MouseButton, MouseEvent, MouseEventKind};

use super::app::{make_cx, App, Effect, Popup, Tab, View};
use super::keymap::{Action, Context, Key};
use super::widgets::palette::{Palette, PaletteItem};
use super::widgets::picker::{Listing, PickFor, Picked, Picker};
use super::widgets::table::Column;
use crate::domain::read::Subject;
use crate::domain::who::holders;

/// Contexts every list or grid shares: offered for the current tab only.
fn shared(c: Context) -> bool {
    matches!(
        c,
        Context::Global | Context::List | Context::Grid | Context::Matrix
    )
}

/// Moving within a view: offered for the current tab only, even when a tab
/// binds it in its own context.
fn navigation(a: Action) -> bool {
    matches!(
        a,
        Action::SelectNext
            | Action::SelectPrev
            | Action::PageDown
            | Action::PageUp
            | Action::First
            | Action::Last
            | Action::Back
            | Action::GridUp
            | Action::GridDown
            | Action::GridLeft
            | Action::GridRight
    )
}

impl App {
    pub(super) fn view_ref(&self, tab: Tab) -> &dyn View {
        match tab {
            Tab::Users => &self.users,
            Tab::Roles => &self.roles,
            Tab::Authorizations => &self.authorizations,
            Tab::Audit => &self.audit,
            Tab::Me => &self.me,
            Tab::Reviews => &self.reviews,
        }
    }

    /// The current view's key chain and the actions it does not offer
    /// (no permission, or nothing to do there): for the help.
    pub(super) fn current_chain(&self) -> (Vec<Context>, Vec<Action>) {
        let Ok(cx) = self.cx() else {
            return (vec![Context::Global], Vec::new());
        };
        let view = self.view_ref(self.tab);
        let mut hidden = view.hidden(&cx);
        hidden.extend_from_slice(view.unbound());
        hidden.extend(self.global_hidden());
        (view.chain().to_vec(), hidden)
    }

    fn cx(&self) -> Result<super::view::Cx<'_>, String> {
        make_cx(
            &self.session,
            &self.keymap,
            &self.theme,
            self.sym,
            self.version,
            self.who,
        )
    }

    /// Global actions not offered here: tabs the operator may not see,
    /// suspending where it is off.
    fn global_hidden(&self) -> Vec<Action> {
        let tabs = self.visible_tabs();
        let mut out: Vec<Action> = [
            (Tab::Users, Action::TabUsers),
            (Tab::Roles, Action::TabRoles),
            (Tab::Authorizations, Action::TabAuthorizations),
            (Tab::Audit, Action::TabAudit),
            (Tab::Me, Action::TabMe),
            (Tab::Reviews, Action::TabReviews),
        ]
        .into_iter()
        .filter(|(t, _)| !tabs.contains(t))
        .map(|(_, a)| a)
        .collect();
        if !self.allow_suspend {
            out.push(Action::SuspendApp);
        }
        if self.kiosk.is_some() {
            out.extend([Action::Palette, Action::Who]);
        }
        out
    }

    /// Every action the operator may use now: the current tab's (its list
    /// keys too), then the global ones, then the other tabs' own.
    pub fn palette_items(&self) -> Vec<PaletteItem> {
        let Ok(cx) = self.cx() else {
            return Vec::new();
        };
        let keys_of = |b: &super::keymap::Binding| {
            b.keys
                .iter()
                .map(|k| k.to_string())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut items: Vec<PaletteItem> = Vec::new();
        let mut tabs = self.visible_tabs();
        tabs.retain(|t| *t != self.tab);
        tabs.insert(0, self.tab);
        let global_hidden = self.global_hidden();
        for (n, tab) in tabs.into_iter().enumerate() {
            let view = self.view_ref(tab);
            let mut hidden = view.hidden(&cx);
            hidden.extend_from_slice(view.unbound());
            let contexts: Vec<Context> = view
                .chain()
                .iter()
                .copied()
                .filter(|c| *c != Context::Global && (n == 0 || !shared(*c)))
                .collect();
            for b in self.keymap.bindings_for(&contexts) {
                if hidden.contains(&b.action)
                    || matches!(b.action, Action::Cancel)
                    || (n > 0 && navigation(b.action))
                {
                    continue;
                }
                let description = if shared(b.context) {
                    b.description.clone()
                } else {
                    format!("{}: {}", tab.title(), b.description)
                };
                items.push(PaletteItem {
                    action: b.action,
                    tab: Some(tab),
                    arg: None,
                    keys: keys_of(b),
                    description,
                });
            }
            if n == 0 {
                for b in self.keymap.bindings_for(&[Context::Global]) {
                    if global_hidden.contains(&b.action) || b.action == Action::Palette {
                        continue;
                    }
                    items.push(PaletteItem {
                        action: b.action,
                        tab: None,
                        arg: None,
                        keys: keys_of(b),
                        description: b.description.clone(),
                    });
                }
            }
        }
        items
    }

    pub(super) fn open_palette(&mut self) {
        let permissions = self.permission_keys();
        self.popups.push(Popup::Palette(Palette {
            items: self.palette_items(),
            permissions,
            query: String::new(),
            selected: 0,
        }));
    }

    fn permission_keys(&self) -> Vec<String> {
        let cat = self.session.org().catalog();
        (0..cat.len()).map(|i| cat.get(i).key.clone()).collect()
    }

    /// Runs a palette item: an action of another tab switches to it first.
    pub(super) fn run_item(&mut self, item: PaletteItem) {
        if item.action == Action::Who {
            return self.who(item.arg);
        }
        if let Some(t) = item.tab {
            if t != self.tab {
                if !self.visible_tabs().contains(&t) {
                    return self.set_error("you have no access to that tab".into());
                }
                self.tab = t;
            }
        }
        self.run_action(item.action);
    }

    /// `who`: the holders of `permission`, or a picker over the catalog's
    /// permissions first.
    pub(super) fn who(&mut self, permission: Option<String>) {
        if self.kiosk.is_some() {
            return self.set_error("a workshop terminal is self-service: no 'who' here".into());
        }
        match permission {
            None => {
                let picker = Picker::new(
                    "Who has… (type a permission)",
                    PickFor::Who,
                    self.permission_keys(),
                );
                self.popups.push(Popup::Pick(picker));
            }
            Some(key) => match self.who_listing(&key) {
                Ok(l) => self.popups.push(Popup::List(l)),
                Err(e) => self.set_error(e),
            },
        }
    }

    /// Every holder of a permission now, with what gives it, as the read
    /// policy lets the operator see them (like `clearance who`).
    pub fn who_listing(&self, key: &str) -> Result<Listing, String> {
        let cx = self.cx()?;
        let org = cx.org;
        let cat = org.catalog();
        let perm = cat
            .index_of(key.trim())
            .ok_or_else(|| format!("unknown permission '{}'", key.trim()))?;
        let scale = &cat.get(perm).scale;
        let scope = cx.reads(Subject::Users);
        let found: Vec<_> = holders(org, perm, 0, cx.now, false)
            .into_iter()
            .filter(|h| scope.covers(h.user))
            .collect();
        let rows: Vec<Vec<String>> = found
            .iter()
            .map(|h| {
                let u = org.users.get(&h.user);
                let sources = h
                    .sources
                    .iter()
                    .map(|s| match s.until {
                        Some(d) => format!("{} ({}, until {d})", s.from, s.level),
                        None => format!("{} ({})", s.from, s.level),
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                vec![
                    u.map(|u| u.name()).unwrap_or_default(),
                    u.map(|u| u.handle()).unwrap_or_default(),
                    scale.level_word(h.level),
                    sources,
                ]
            })
            .collect();
        let mut notes = Vec::new();
        if rows.is_empty() {
            notes.push(format!("nobody holds {key}"));
        }
        if !scope.others {
            notes.push("you may read only your own record: nobody else is listed".into());
        }
        Ok(Listing {
            title: format!("Who has {key} ({})", rows.len()),
            columns: vec![
                Column::new("NAME", 8, 10, 24),
                Column::new("HANDLE", 4, 8, 28),
                Column::new("LEVEL", 9, 4, 14),
                Column::new("FROM", 7, 12, 80),
            ],
            rows,
            notes,
            scroll: 0,
        })
    }

    /// A key for a picker or a listing on top.
    pub(super) fn pick_key(&mut self, k: KeyEvent, key: Key) -> Effect {
        match self.popups.last_mut() {
            Some(Popup::Pick(p)) => match p.key(k, &key, &self.keymap) {
                Picked::Nothing => Effect::None,
                Picked::Cancel => Effect::Close,
                Picked::Chosen(s) => {
                    let purpose = p.purpose;
                    self.popups.pop();
                    match purpose {
                        PickFor::Who => self.who(Some(s)),
                    }
                    Effect::None
                }
            },
            Some(Popup::List(l)) => {
                if l.key(k) {
                    Effect::Close
                } else {
                    Effect::None
                }
            }
            _ => Effect::None,
        }
    }

    /// The mouse (when the config turns capture on): the wheel moves the
    /// selection, a left click on a tab switches to it and one on a row
    /// selects it.
    pub(super) fn on_mouse(&mut self, m: MouseEvent) {
        let action = match m.kind {
            MouseEventKind::ScrollDown => Some(Action::SelectNext),
            MouseEventKind::ScrollUp => Some(Action::SelectPrev),
            MouseEventKind::Down(MouseButton::Left) => {
                self.dirty = true;
                if let Some((t, _, _)) = self
                    .tab_spots
                    .iter()
                    .find(|(_, x0, x1)| m.row == 0 && (*x0..*x1).contains(&m.column))
                {
                    self.tab = *t;
                    return;
                }
                let tab = self.tab;
                if let Some(effect) =
                    self.with_view(tab, |view, cx| view.click(m.column, m.row, cx))
                {
                    self.apply(effect);
                }
                return;
            }
            _ => None,
        };
        if let Some(a) = action {
            self.dirty = true;
            self.run_action(a);
        }
    }
}
