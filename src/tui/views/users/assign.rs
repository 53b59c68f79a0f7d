//! Assigning and removing a role in the Users tab. The picker starts on no
//! role (submitting it so does nothing and says so). Before anything happens
//! a confirmation shows what the person gains or loses — the permissions
//! whose effective level changes, old → new in words (the same impact code
//! as the Roles grid) — and a role holding administrative permissions needs
//! the person's short handle typed, like deleting.

use chrono::NaiveDate;

use crate::domain::catalog::system;
use crate::domain::command::Command;
use crate::domain::engine::effective_levels;
use crate::domain::roles::Role;
use crate::domain::text::sanitize;
use crate::domain::users::{RoleAssignment, User};
use crate::tui::popups::Popup;
use crate::tui::view::{Cx, Effect, Tab};
use crate::tui::views::impact;
use crate::tui::widgets::confirm::Confirm;
use crate::tui::widgets::form::{self, Field, Form};

pub(super) const FORM_ASSIGN: u32 = 3;
pub(super) const FORM_UNASSIGN: u32 = 4;

/// The picker's first option: no role chosen yet.
pub const NO_ROLE: &str = "(choose a role)";

/// Permissions that make a role administrative (typed confirmation).
const ADMINISTRATIVE: [&str; 4] = [
    system::USERS_MANAGE,
    system::ROLES_MANAGE,
    system::AUTHORIZATIONS_MANAGE,
    system::USERS_IMPERSONATE,
];

/// Most lines of level changes shown in a confirmation.
const IMPACT_LINES: usize = 8;

/// The form choosing a role to assign to `u`, starting on no role.
pub(super) fn assign_form(cx: &Cx, u: &User) -> Effect {
    let mut roles = vec![NO_ROLE.to_string()];
    roles.extend(cx.org.roles.values().map(|r| r.name.clone()));
    let form = Form::new(
        &format!("Assign a role to {}", sanitize(&u.name())),
        vec![
            Field::choice("Role", roles, 0, "space / ← → or a letter to choose"),
            Field::text("Until", "", "optional: YYYY-MM-DD", form::optional_date),
        ],
    );
    Effect::Open(Popup::Form(form, Tab::Users, FORM_ASSIGN))
}

/// The form choosing one of `u`'s roles to remove, starting on no role.
pub(super) fn unassign_form(cx: &Cx, u: &User) -> Result<Effect, String> {
    let held: Vec<String> = u
        .roles
        .iter()
        .filter_map(|a| cx.org.roles.get(&a.role).map(|r| r.name.clone()))
        .collect();
    if held.is_empty() {
        return Err(format!("{} holds no role", sanitize(&u.name())));
    }
    let mut options = vec![NO_ROLE.to_string()];
    options.extend(held);
    let form = Form::new(
        &format!("Unassign a role from {}", sanitize(&u.name())),
        vec![Field::choice("Role", options, 0, "space / ← → to choose")],
    );
    Ok(Effect::Open(Popup::Form(form, Tab::Users, FORM_UNASSIGN)))
}

/// The chosen role, or what to say when none is chosen.
fn chosen<'a>(cx: &Cx<'a>, name: &str) -> Result<&'a Role, String> {
    if name == NO_ROLE || name.is_empty() {
        return Err("no role chosen: pick one with space / ← → first".into());
    }
    cx.org.resolve_role(name).map_err(|e| e.to_string())
}

/// The confirmation of assigning `role` to `u` (until a date), with its impact.
pub(super) fn confirm_assign(
    cx: &Cx,
    u: &User,
    role: &str,
    until: Option<NaiveDate>,
) -> Result<Effect, String> {
    let role = chosen(cx, role)?;
    let mut after = u.clone();
    after.roles.retain(|a| a.role != role.id);
    after.roles.push(RoleAssignment {
        role: role.id,
        until,
        by: cx.actor.operator,
        at: cx.now,
    });
    let head = match until {
        Some(d) => format!(
            "Assign {} to {} until {d}.",
            sanitize(&role.name),
            sanitize(&u.name())
        ),
        None => format!(
            "Assign {} to {}.",
            sanitize(&role.name),
            sanitize(&u.name())
        ),
    };
    let cmd = Command::AssignRole {
        user: format!("#{}", u.id),
        role: role.name.clone(),
        until,
    };
    Ok(confirm(cx, u, &after, role, "Assign a role", head, cmd))
}

/// The confirmation of removing `role` from `u`, with its impact.
pub(super) fn confirm_unassign(cx: &Cx, u: &User, role: &str) -> Result<Effect, String> {
    let role = chosen(cx, role)?;
    let mut after = u.clone();
    after.roles.retain(|a| a.role != role.id);
    let head = format!(
        "Remove {} from {}.",
        sanitize(&role.name),
        sanitize(&u.name())
    );
    let cmd = Command::UnassignRole {
        user: format!("#{}", u.id),
        role: role.name.clone(),
    };
    Ok(confirm(cx, u, &after, role, "Unassign a role", head, cmd))
}

/// Whether a role holds an administrative permission (or is the built-in
/// account administrator).
pub fn administrative(cx: &Cx, role: &Role) -> bool {
    let c = cx.org.catalog();
    role.builtin_admin
        || ADMINISTRATIVE
            .iter()
            .any(|k| c.index_of(k).is_some_and(|i| role.level(c, i) != 0))
}

fn confirm(
    cx: &Cx,
    u: &User,
    after: &User,
    role: &Role,
    title: &str,
    head: String,
    cmd: Command,
) -> Effect {
    let c = cx.org.catalog();
    let before = effective_levels(cx.org, u, cx.now).levels;
    let now = effective_levels(cx.org, after, cx.now).levels;
    let mut changes = impact::level_changes(c, &before, &now, cx.sym);
    // Administrative permissions first: they matter most.
    changes.sort_by_key(|ch| {
        !ADMINISTRATIVE
            .iter()
            .any(|k| ch.starts_with(&format!("{k} ")))
    });
    let mut lines = vec![head];
    if changes.is_empty() {
        lines.push(format!(
            "No effective level of {} changes (other roles or grants give the same).",
            sanitize(&u.given)
        ));
    } else {
        lines.push(format!(
            "{} of {}'s level{} change{}:",
            changes.len(),
            sanitize(&u.given),
            if changes.len() == 1 { "" } else { "s" },
            if changes.len() == 1 { "s" } else { "" },
        ));
        lines.extend(impact::change_lines(&changes, IMPACT_LINES, cx.sym));
    }
    let admin = administrative(cx, role);
    let mut confirm = Confirm::new(title, lines, admin);
    if admin {
        confirm.lines.push(format!(
            "{} holds administrative permissions.",
            sanitize(&role.name)
        ));
        confirm = confirm.typed_confirmation(&u.handle());
    }
    Effect::Open(Popup::Confirm(confirm, Box::new(Effect::Run(cmd))))
}
