//! The role list: its keys (new, copy, edit, remove, open) and drawing.

use super::*;
use crate::tui::widgets::table::{render_columns, Column};

/// The role list: the name gives way, the number of holders stays.
const ROLE_COLUMNS: [Column; 3] = [
    Column::new("", 10, 1, 1),
    Column::new("ROLE", 8, 8, 40),
    Column::new("USERS", 9, 5, 5),
];

impl RolesView {
    // ---- the role list ------------------------------------------------------

    pub(super) fn list_action(&mut self, action: Action, cx: &Cx) -> Effect {
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
                )
                .with_reason(ReasonNeed::Optional);
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
                )])
                .with_reason(ReasonNeed::Optional);
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
                )
                .with_reason(ReasonNeed::Optional);
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

    /// A click on a row of the list selects that role.
    pub(super) fn list_click(&mut self, column: u16, row: u16) {
        if self.focus != Focus::List {
            return;
        }
        if let Some(i) = self.list.row_at(column, row, self.roles.len()) {
            self.list.selected = i;
            self.sync_from_list();
        }
    }

    pub(super) fn render_list(&mut self, f: &mut Frame, area: Rect, cx: &Cx) {
        self.page = area.height.saturating_sub(3) as usize;
        let roles = &self.roles;
        let holders = &self.holders;
        let pending = &self.pending;
        let mut list = self.list;
        render_columns(
            f,
            area,
            pane(
                format!("Roles ({})", roles.len()),
                cx,
                self.focus == Focus::List,
            ),
            &ROLE_COLUMNS,
            &mut self.widths,
            cx.version,
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
                    Line::from(if changed {
                        Span::styled("*", cx.theme.changed)
                    } else {
                        Span::raw(" ")
                    }),
                    name,
                    Line::from(holders[i].to_string()),
                ]
            },
        );
        self.list = list;
    }
}
