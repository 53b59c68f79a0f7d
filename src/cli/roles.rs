//! `clearance role …`

use clap::Subcommand;
use serde_json::json;

use super::users::require_all;
use super::{cell, CliResult, Ctx};
use crate::domain::command::{Command, RolePolicyEdit};
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
        #[command(flatten)]
        exception: super::sod::ExceptionArgs,
        /// Last day of the exception
        #[arg(long, value_name = "DATE", requires = "exception")]
        until: Option<String>,
    },
    /// Copy a role under a new name
    Copy {
        from: String,
        name: String,
        #[arg(long, default_value = "")]
        description: String,
    },
    /// Rename a role, change its description, the roles its holders may
    /// assign (delegated administration) or whether they need an email
    Edit {
        role: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        description: Option<String>,
        /// A role its holders may assign, add, edit, deactivate and delete
        /// (repeatable; replaces the list)
        #[arg(long = "assignable", value_name = "ROLE")]
        assignable: Vec<String>,
        /// Its holders may assign no roles
        #[arg(long, conflicts_with = "assignable")]
        no_assignable: bool,
        /// Its holders must have an email address
        #[arg(long)]
        requires_email: bool,
        #[arg(long, conflicts_with = "requires_email")]
        no_requires_email: bool,
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
            exception,
            until,
        } => {
            let until = super::parse_opt_date("exception end", &until)?;
            let set = Command::SetRoleLevels {
                role,
                levels: vec![(permission, level)],
            };
            ctx.run(exception.wrap(set, until)?)
        }
        RoleCmd::Edit {
            role,
            name,
            description,
            assignable,
            no_assignable,
            requires_email,
            no_requires_email,
        } => {
            let policy = RolePolicyEdit {
                assignable: (no_assignable || !assignable.is_empty()).then_some(assignable),
                requires_email: (requires_email || no_requires_email).then_some(requires_email),
            };
            let mut cmds = Vec::new();
            if name.is_some() || description.is_some() {
                cmds.push(Command::EditRole {
                    role: role.clone(),
                    name,
                    description,
                });
            }
            if policy != RolePolicyEdit::default() {
                cmds.push(Command::SetRolePolicy { role, edit: policy });
            }
            match cmds.len() {
                0 => Err(super::CliError(
                    "role edit needs --name, --description, --assignable, --no-assignable, --requires-email or --no-requires-email; nothing was done".into(),
                )),
                1 => ctx.run(cmds.remove(0)),
                _ => ctx.run(Command::Batch(cmds)),
            }
        }
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
            let assignable: Vec<String> = if r.builtin_admin {
                vec!["every role (holds every level)".into()]
            } else {
                r.assignable
                    .iter()
                    .filter_map(|id| org.roles.get(id).map(|x| x.name.clone()))
                    .collect()
            };
            if ctx.json {
                ctx.print_json(&json!({
                    "id": r.id, "name": r.name, "description": r.description, "builtin": r.builtin_admin,
                    "assignable": assignable, "requires_email": r.requires_email,
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
                if !assignable.is_empty() {
                    outln!(ctx, "  may assign: {}", sanitize(&assignable.join(", ")));
                }
                if r.requires_email {
                    outln!(ctx, "  its holders need an email address");
                }
                for (p, l) in levels {
                    outln!(ctx, "  {} {}", cell(&p.key, 34), p.scale.level_word(l));
                }
            }
            Ok(0)
        }
    }
}
