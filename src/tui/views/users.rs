//! The Users tab: a windowed, fuzzy-filterable table of users with a detail
//! pane, and every user action as a command.

use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::Frame;

mod assign;
mod detail;
mod lifecycle;
mod quals;
mod status;

use super::grants::{self, GrantEditor};
use super::{pane, split_detail};
use crate::domain::authorizations::Standing;
use crate::domain::catalog::system;
use crate::domain::command::{Command, NewUser, UserEdit};
use crate::domain::roles::RoleId;
use crate::domain::text::sanitize;
use crate::domain::users::{User, UserId};
use crate::tui::keymap::{Action, Context};
use crate::tui::popups::Popup;
use crate::tui::view::{Cx, Effect, View};
use crate::tui::widgets::form::{self, Field, Form};
use crate::tui::widgets::palette::FuzzyFilter;
use crate::tui::widgets::reason::ReasonNeed;
use crate::tui::widgets::table::{
    filter_key, filter_paste, render_columns, Column, ColumnWidths, FilterKey, ListState,
};
pub use detail::standing_mark;
use detail::status_span;
use status::FILTERS;

const FORM_NEW: u32 = 1;
const FORM_EDIT: u32 = 2;
use assign::{FORM_ASSIGN, FORM_UNASSIGN};

#[derive(Default)]
pub struct UsersView {
    pub list: ListState,
    pub filter: String,
    pub filtering: bool,
    status_filter: usize,
    role_filter: Option<RoleId>,
    /// Deactivated and deleted users are hidden unless shown (or filtered for).
    show_archived: bool,
    /// How many the list hides for that.
    hidden: usize,
    /// Filtered user ids in display order, and what they were built from.
    rows: Vec<UserId>,
    built_for: Option<(u64, String, usize, Option<RoleId>, bool)>,
    /// Users after the status and role filters, sorted, with their search text.
    base: Vec<(UserId, String)>,
    base_for: Option<(u64, usize, Option<RoleId>, bool)>,
    fuzzy: FuzzyFilter,
    page: usize,
    /// The personal-grant grid of one user, while it is open.
    pub grants: Option<GrantEditor>,
    /// The person (and qualification) a qualification form is for.
    qual: Option<(
        UserId,
        Option<crate::domain::qualifications::QualificationId>,
    )>,
    /// A new user is being added: the highest id before it (the new one,
    /// once committed, is selected).
    adding: Option<UserId>,
    widths: ColumnWidths,
}

/// The Users table: the marker, name and status matter most; roles and
/// email give way (cut first, then dropped) when the table is narrow.
const COLUMNS: [Column; 5] = [
    Column::new("", 10, 1, 1),
    Column::new("NAME", 9, 10, 26),
    Column::new("EMAIL", 6, 12, 34),
    Column::new("STATUS", 8, 6, 11),
    Column::new("ROLES", 5, 10, 48),
];

impl UsersView {
    /// Rebuilds the filtered rows when the data or the filter changed. The
    /// sorted base list and its search texts are kept per data version, so a
    /// filter keystroke only re-ranks.
    fn rebuild(&mut self, cx: &Cx) {
        let key = (
            cx.version,
            self.filter.clone(),
            self.status_filter,
            self.role_filter,
            self.show_archived,
        );
        if self.built_for.as_ref() == Some(&key) {
            return;
        }
        let base_key = (
            cx.version,
            self.status_filter,
            self.role_filter,
            self.show_archived,
        );
        if self.base_for != Some(base_key) {
            let status = FILTERS[self.status_filter % FILTERS.len()];
            let today = cx.today();
            let mut users: Vec<&User> = cx
                .org
                .users
                .values()
                .filter(|u| status.matches(u, today))
                .filter(|u| self.role_filter.is_none_or(|r| u.assignment(r).is_some()))
                .collect();
            // "Deactivate users to hide them from any list" (Flylogs): unless
            // shown, or asked for by status.
            let before = users.len();
            if status.hides_archived() && !self.show_archived {
                users.retain(|u| !u.is_archived());
            }
            self.hidden = before - users.len();
            users.sort_by_cached_key(|u| (u.family.to_lowercase(), u.given.to_lowercase(), u.id));
            self.base = users
                .into_iter()
                .map(|u| {
                    let text = format!(
                        "{} {} {} {}",
                        u.name(),
                        u.email.as_deref().unwrap_or(""),
                        u.login.as_deref().unwrap_or(""),
                        cx.org.roles_summary(u)
                    )
                    .to_lowercase();
                    (u.id, text)
                })
                .collect();
            self.base_for = Some(base_key);
            self.fuzzy.reset();
        }
        self.rows = if self.filter.trim().is_empty() {
            self.base.iter().map(|(id, _)| *id).collect()
        } else {
            let texts: Vec<&str> = self.base.iter().map(|(_, t)| t.as_str()).collect();
            self.fuzzy
                .apply(&self.filter, &texts)
                .into_iter()
                .map(|i| self.base[i].0)
                .collect()
        };
        self.built_for = Some(key);
        self.list.clamp(self.rows.len());
        self.select_added(cx);
    }

    /// Selects the user just added (clearing the filters that would hide them).
    fn select_added(&mut self, cx: &Cx) {
        let Some(before) = self.adding else {
            return;
        };
        let Some(new) = cx.org.users.keys().copied().filter(|id| *id > before).max() else {
            return;
        };
        self.adding = None;
        if !self.rows.contains(&new) {
            self.filter.clear();
            self.filtering = false;
            self.status_filter = 0;
            self.role_filter = None;
            self.rebuild(cx);
        }
        if let Some(i) = self.rows.iter().position(|id| *id == new) {
            self.list.selected = i;
        }
    }

    pub fn selected<'a>(&self, cx: &Cx<'a>) -> Option<&'a User> {
        self.rows
            .get(self.list.selected)
            .and_then(|id| cx.org.users.get(id))
    }

    /// The marker for a user's authorizations: ✗ expired, ⊘ suspended, ! expiring.
    fn marker(&self, cx: &Cx, u: &User) -> (&'static str, Style) {
        let today = cx.today();
        let mut worst = None;
        for a in cx.org.authorizations.values().filter(|a| a.holder == u.id) {
            let s = crate::domain::bases::standing(cx.org, a, today);
            let rank = match s {
                Standing::Expired | Standing::MissingBasis => 3,
                Standing::Suspended => 2,
                Standing::Expiring => 1,
                _ => 0,
            };
            if rank > 0 && worst.is_none_or(|(r, _)| rank > r) {
                worst = Some((rank, s));
            }
        }
        match worst.map(|w| w.1) {
            Some(Standing::Expired | Standing::MissingBasis) => {
                (cx.sym.expired(), cx.theme.expired)
            }
            Some(Standing::Suspended) => (cx.sym.suspended(), cx.theme.suspended),
            Some(Standing::Expiring) => (cx.sym.expiring(), cx.theme.expiring),
            _ => (" ", Style::default()),
        }
    }

    fn filter_title(&self, cx: &Cx) -> String {
        let mut parts = Vec::new();
        if let Some(w) = FILTERS[self.status_filter % FILTERS.len()].words() {
            parts.push(w);
        }
        if let Some(r) = self.role_filter.and_then(|r| cx.org.roles.get(&r)) {
            parts.push(format!("role: {}", sanitize(&r.name)));
        }
        if self.hidden > 0 {
            parts.push(format!("{} deactivated/deleted hidden", self.hidden));
        } else if self.show_archived {
            parts.push("with deactivated/deleted".into());
        }
        if self.filtering || !self.filter.is_empty() {
            parts.push(format!(
                "/{}{}",
                sanitize(&self.filter),
                if self.filtering { "_" } else { "" }
            ));
        }
        let n = self.rows.len();
        if parts.is_empty() {
            format!("Users ({n})")
        } else {
            format!("Users ({n}) — {}", parts.join(", "))
        }
    }

    fn roles_choice(cx: &Cx) -> Vec<String> {
        cx.org.roles.values().map(|r| r.name.clone()).collect()
    }
}

const EDIT_ACTIONS: [Action; 9] = [
    Action::New,
    Action::Edit,
    Action::AssignRole,
    Action::UnassignRole,
    Action::PersonalGrants,
    Action::Invite,
    Action::Deactivate,
    Action::Reactivate,
    Action::Delete,
];

impl View for UsersView {
    fn chain(&self) -> &'static [Context] {
        if self.grants.is_some() {
            return &[Context::Grid, Context::Global];
        }
        &[Context::Users, Context::List, Context::Global]
    }

    fn hints(&self, _cx: &Cx) -> Vec<Action> {
        if self.grants.is_some() {
            return GrantEditor::hints();
        }
        vec![
            Action::Filter,
            Action::New,
            Action::Edit,
            Action::AssignRole,
        ]
    }

    fn hidden(&self, cx: &Cx) -> Vec<Action> {
        let mut hidden = if cx.may(system::USERS_MANAGE) {
            vec![]
        } else {
            EDIT_ACTIONS.to_vec()
        };
        if !cx.may(system::AUTHORIZATIONS_MANAGE) {
            hidden.extend([Action::IssueAuthorization, Action::Qualifications]);
        }
        hidden
    }

    fn badge(&self, cx: &Cx) -> Option<&'static str> {
        (!cx.may(system::USERS_MANAGE)).then_some("view only")
    }

    fn render(&mut self, f: &mut Frame, area: Rect, cx: &Cx) {
        if let Some(g) = &mut self.grants {
            return g.render(f, area, cx);
        }
        self.rebuild(cx);
        let (list_area, detail_area) = split_detail(area);
        self.page = list_area.height.saturating_sub(3) as usize;
        let title = self.filter_title(cx);
        let rows = self.rows.clone();
        let mut list = self.list;
        let mut widths = std::mem::take(&mut self.widths);
        render_columns(
            f,
            list_area,
            pane(title, cx, true),
            &COLUMNS,
            &mut widths,
            cx.version,
            rows.len(),
            &mut list,
            cx.sym,
            cx.theme.selected,
            cx.theme.muted,
            |i| {
                let u = &cx.org.users[&rows[i]];
                let (m, ms) = self.marker(cx, u);
                vec![
                    Line::from(Span::styled(m, ms)),
                    Line::from(sanitize(&u.name())),
                    Line::from(match &u.email {
                        Some(e) => Span::raw(sanitize(e)),
                        None => Span::styled("no login", cx.theme.muted),
                    }),
                    Line::from(status_span(u, cx)),
                    Line::from(sanitize(&cx.org.roles_summary(u))),
                ]
            },
        );
        self.widths = widths;
        self.list = list;
        self.detail(f, detail_area, cx);
    }

    fn capture(&mut self, key: KeyEvent, cx: &Cx) -> Option<Effect> {
        match filter_key(&mut self.filter, &mut self.filtering, key)? {
            FilterKey::Changed => self.list.selected = 0,
            FilterKey::Down => {
                self.rebuild(cx);
                self.list.next(self.rows.len());
            }
            FilterKey::Up => self.list.prev(),
            FilterKey::Other => {}
        }
        Some(Effect::None)
    }

    fn paste(&mut self, text: &str) -> bool {
        filter_paste(&mut self.filter, self.filtering, text)
    }

    fn handle(&mut self, action: Action, cx: &Cx) -> Effect {
        if let Some(g) = &mut self.grants {
            return g.handle(action, cx).unwrap_or_else(|| {
                self.grants = None;
                Effect::None
            });
        }
        self.rebuild(cx);
        let len = self.rows.len();
        if self.list.navigate(action, len, self.page) {
            return Effect::None;
        }
        let sel = self.selected(cx).cloned();
        let action = match action {
            Action::Open if cx.may(system::USERS_MANAGE) => Action::Edit,
            a => a,
        };
        let need = |u: &Option<User>| u.clone().ok_or_else(|| "no user selected".to_string());
        let r = (|| -> Result<Effect, String> {
            Ok(match action {
                Action::Filter => {
                    self.filtering = true;
                    Effect::None
                }
                Action::Back => {
                    // Back to everyone: the text and the status and role
                    // filters at once.
                    self.filter.clear();
                    self.status_filter = 0;
                    self.role_filter = None;
                    Effect::None
                }
                // Open, view only: the detail (else it is the edit form).
                Action::Open => {
                    let u = need(&sel)?;
                    Effect::Open(Popup::Info(sanitize(&u.name()), detail::summary(&u, cx)))
                }
                Action::CycleStatusFilter => {
                    self.status_filter = (self.status_filter + 1) % FILTERS.len();
                    Effect::None
                }
                Action::ToggleArchived => {
                    self.show_archived = !self.show_archived;
                    Effect::None
                }
                Action::CycleRoleFilter => {
                    let ids: Vec<RoleId> = cx.org.roles.keys().copied().collect();
                    self.role_filter = match self
                        .role_filter
                        .and_then(|r| ids.iter().position(|x| *x == r))
                    {
                        None => ids.first().copied(),
                        Some(i) if i + 1 < ids.len() => Some(ids[i + 1]),
                        Some(_) => None,
                    };
                    Effect::None
                }
                Action::New => {
                    let mut roles = vec!["(none)".to_string()];
                    roles.extend(Self::roles_choice(cx));
                    let form = Form::new(
                        "New user",
                        vec![
                            Field::text("Given name", "", "required", form::required),
                            Field::text("Family name", "", "required", form::required),
                            Field::text(
                                "Email",
                                "",
                                "optional: with no login, the user is invited",
                                form::optional_email,
                            ),
                            Field::text(
                                "OS login",
                                "",
                                "optional: binds the user to a login on this host",
                                form::optional_login,
                            ),
                            Field::choice("Role", roles, 0, "space / ← → to choose"),
                            Field::text(
                                "Access until",
                                "",
                                "optional: YYYY-MM-DD, last day of access",
                                form::optional_date,
                            ),
                        ],
                    )
                    .with_reason(ReasonNeed::Optional);
                    Effect::Open(Popup::Form(form, crate::tui::view::Tab::Users, FORM_NEW))
                }
                Action::Edit => {
                    let u = need(&sel)?;
                    let form = Form::new(
                        &format!("Edit {}", sanitize(&u.name())),
                        vec![
                            Field::text("Given name", &u.given, "required", form::required),
                            Field::text("Family name", &u.family, "required", form::required),
                            Field::text(
                                "Email",
                                u.email.as_deref().unwrap_or(""),
                                "empty: no email (no login)",
                                form::optional_email,
                            ),
                            Field::text(
                                "OS login",
                                u.login.as_deref().unwrap_or(""),
                                "empty: not bound",
                                form::optional_login,
                            ),
                            Field::text(
                                "Access until",
                                &u.access_until.map(|d| d.to_string()).unwrap_or_default(),
                                "YYYY-MM-DD or empty",
                                form::optional_date,
                            ),
                        ],
                    )
                    .with_reason(ReasonNeed::Optional);
                    Effect::Open(Popup::Form(form, crate::tui::view::Tab::Users, FORM_EDIT))
                }
                Action::AssignRole => assign::assign_form(cx, &need(&sel)?),
                Action::UnassignRole => assign::unassign_form(cx, &need(&sel)?)?,
                Action::Qualifications => {
                    let u = need(&sel)?;
                    self.qualifications(cx, &u)
                }
                Action::IssueAuthorization => {
                    let u = need(&sel)?;
                    super::authorizations::new_authorization_form(cx, &u)
                }
                Action::PersonalGrants => {
                    let u = need(&sel)?;
                    self.grants = Some(GrantEditor::new(u.id));
                    Effect::None
                }
                Action::Invite | Action::Deactivate | Action::Reactivate | Action::Delete => {
                    lifecycle::ask(action, cx, &need(&sel)?)?
                }
                _ => Effect::None,
            })
        })();
        r.unwrap_or_else(Effect::Error)
    }

    fn click(&mut self, column: u16, row: u16, cx: &Cx) -> Effect {
        if self.grants.is_some() {
            return Effect::None;
        }
        self.rebuild(cx);
        if let Some(i) = self.list.row_at(column, row, self.rows.len()) {
            self.list.selected = i;
        }
        Effect::None
    }

    fn submit(&mut self, tag: u32, f: &Form, cx: &Cx) -> Result<Effect, String> {
        if tag == grants::FORM_SAVE {
            return match &self.grants {
                Some(g) => g.submit(f, cx),
                None => Ok(Effect::None),
            };
        }
        if matches!(
            tag,
            quals::FORM_QUAL_PICK | quals::FORM_QUAL_ADD | quals::FORM_QUAL_EDIT
        ) {
            return self.submit_qualification(tag, f, cx);
        }
        let opt = |s: String| if s.is_empty() { None } else { Some(s) };
        let date = |s: String| form::optional_date_value(&s);
        let sel = self.selected(cx).map(|u| format!("#{}", u.id));
        Ok(Effect::Run(match tag {
            FORM_NEW => {
                // Once it commits, the new user is selected (see rebuild).
                self.adding = cx.org.users.keys().copied().max().or(Some(0));
                let role = f.value(4);
                Command::AddUser(NewUser {
                    given: f.value(0),
                    family: f.value(1),
                    email: opt(f.value(2)),
                    login: opt(f.value(3)),
                    roles: if role == "(none)" { vec![] } else { vec![role] },
                    access_until: date(f.value(5)),
                })
            }
            FORM_EDIT => Command::EditUser {
                user: sel.ok_or("no user selected")?,
                edit: UserEdit {
                    given: Some(f.value(0)),
                    family: Some(f.value(1)),
                    email: Some(opt(f.value(2))),
                    login: Some(opt(f.value(3))),
                    access_until: Some(date(f.value(4))),
                },
            },
            // Assigning and removing show their impact and ask first.
            FORM_ASSIGN => {
                let u = self.selected(cx).ok_or("no user selected")?;
                return assign::confirm_assign(cx, u, &f.value(0), date(f.value(1)));
            }
            FORM_UNASSIGN => {
                let u = self.selected(cx).ok_or("no user selected")?;
                return assign::confirm_unassign(cx, u, &f.value(0));
            }
            _ => return Ok(Effect::None),
        }))
    }

    fn unsaved(&self) -> bool {
        self.grants.as_ref().is_some_and(GrantEditor::unsaved)
    }

    fn notify(&mut self, tag: u32, _cx: &Cx) -> Effect {
        match tag {
            grants::NOTE_SAVED => {
                if let Some(g) = &mut self.grants {
                    g.pending.clear();
                }
                Effect::None
            }
            grants::NOTE_DISCARD => {
                self.grants = None;
                Effect::Status("discarded the personal grant changes".into())
            }
            _ => Effect::None,
        }
    }
}
