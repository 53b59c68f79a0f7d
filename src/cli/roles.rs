//! `clearance role …`

use clap::Subcommand;
use serde_json::json;

use super::users::require_all;
use super::{cell, CliResult, Ctx};
use crate::domain::command::Command;
use crate::domain::read::Subject;
use crate::domain::text::sanitize;

#[derive(Debug, Subcommand)]
pub enum RoleCmd {
    /// Add an empty role
    Add {
        name: String,
        #[arg(long, default_value = "")]
        description: String,
    },
    /// List roles with how many live users hold each
    List,
    /// Show a role's level on every permission
    Show {
        role: String,
        /// Also list permissions at none
        #[arg(long)]
        all: bool,
    },
    /// Set one permission's level in a role
    Set {
        role: String,
        permission: String,
        level: String,
    },
    /// Copy a role under a new name
    Copy {
        from: String,
        name: String,
        #[arg(long, default_value = "")]
        description: String,
    },
    /// Rename a role or change its description
    Edit {
        role: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        description: Option<String>,
    },
    /// Remove a role that no one holds
    Rm { role: String },
}

pub fn run(ctx: &Ctx, cmd: RoleCmd) -> CliResult {
    match cmd {
        RoleCmd::Add { name, description } => ctx.run(Command::AddRole {
            name,
            description,
            copy_from: None,
        }),
        RoleCmd::Copy {
            from,
            name,
            description,
        } => ctx.run(Command::AddRole {
            name,
            description,
            copy_from: Some(from),
        }),
        RoleCmd::Set {
            role,
            permission,
            level,
        } => ctx.run(Command::SetRoleLevels {
            role,
            levels: vec![(permission, level)],
        }),
        RoleCmd::Edit {
            role,
            name,
            description,
        } => ctx.run(Command::EditRole {
            role,
            name,
            description,
        }),
        RoleCmd::Rm { role } => ctx.run(Command::RemoveRole { role }),
        RoleCmd::List => {
            let s = ctx.session()?;
            require_all(&s, ctx, Subject::Roles)?;
            let org = s.org();
            let rows: Vec<_> = org
                .roles
                .values()
                .map(|r| {
                    (
                        r,
                        org.live_users()
                            .filter(|u| u.assignment(r.id).is_some())
                            .count(),
                    )
                })
                .collect();
            if ctx.json {
                ctx.print_json(&rows.iter().map(|(r, n)| json!({
                    "id": r.id, "name": r.name, "description": r.description, "builtin": r.builtin_admin, "users": n
                })).collect::<Vec<_>>())?;
            } else {
                outln!(
                    ctx,
                    "{} {} {} DESCRIPTION",
                    cell("ID", 4),
                    cell("ROLE", 30),
                    cell("USERS", 6)
                );
                for (r, n) in rows {
                    outln!(
                        ctx,
                        "{} {} {} {}",
                        cell(&r.id.to_string(), 4),
                        cell(&r.name, 30),
                        cell(&n.to_string(), 6),
                        sanitize(&r.description)
                    );
                }
            }
            Ok(0)
        }
        RoleCmd::Show { role, all } => {
            let s = ctx.session()?;
            require_all(&s, ctx, Subject::Roles)?;
            let org = s.org();
            let r = org.resolve_role(&role)?;
            let c = org.catalog();
            let levels: Vec<_> = c
                .permissions
                .iter()
                .enumerate()
                .map(|(i, p)| (p, r.level(c, i)))
                .filter(|(_, l)| all || *l != 0)
                .collect();
            if ctx.json {
                ctx.print_json(&json!({
                    "id": r.id, "name": r.name, "description": r.description, "builtin": r.builtin_admin,
                    "levels": levels.iter().map(|(p, l)| (p.key.clone(), p.scale.level_word(*l))).collect::<std::collections::BTreeMap<_, _>>(),
                }))?;
            } else {
                outln!(
                    ctx,
                    "{}{}",
                    sanitize(&r.name),
                    if r.builtin_admin {
                        " (built in, read-only)"
                    } else {
                        ""
                    }
                );
                if !r.description.is_empty() {
                    outln!(ctx, "  {}", sanitize(&r.description));
                }
                for (p, l) in levels {
                    outln!(ctx, "  {} {}", cell(&p.key, 34), p.scale.level_word(l));
                }
            }
            Ok(0)
        }
    }
}
