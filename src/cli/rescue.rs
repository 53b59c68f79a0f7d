//! `clearance rescue`: the way back from a lock-out that does not need the
//! tool to work first. Only the OS user who owns the database files may run
//! it, and only while no active administrator with a login exists (or with
//! `--force` and the organisation's name typed as confirmation).

use std::os::unix::fs::MetadataExt;

use clap::Args;

use super::{CliError, CliResult, Ctx};
use crate::domain::text::sanitize;

#[derive(Debug, Args)]
pub struct RescueArgs {
    /// The user to bind your login to (default: the user already bound to it,
    /// else the first user who was ever an administrator)
    #[arg(long, value_name = "USER")]
    pub user: Option<String>,
    /// Rescue even though an active administrator with a login exists (their
    /// login is lost); needs the organisation's name as confirmation
    #[arg(long)]
    pub force: bool,
    /// With --force: the organisation's name, typed (asked for on a terminal)
    #[arg(long, value_name = "NAME", requires = "force")]
    pub confirm: Option<String>,
}

pub fn rescue(ctx: &Ctx, a: RescueArgs) -> CliResult {
    let meta = std::fs::metadata(&ctx.db)
        .map_err(|e| CliError(format!("cannot read {}: {e}", ctx.db.display())))?;
    // Who runs it: this process, or a server's client (from the kernel).
    let me = ctx.uid;
    if meta.uid() != me {
        return Err(CliError(format!(
            "rescue is only for the OS user who owns the database files (uid {}); you are uid {me}",
            meta.uid()
        )));
    }
    let mut s = ctx.session()?;
    if a.force {
        let name = s.org().settings.name.clone();
        let typed = match a.confirm {
            Some(t) => t,
            None if ctx.input_is_terminal() => {
                err!(
                    ctx,
                    "This binds login {} to an account administrator although one with a login exists.\nType the organisation's name ({}) to confirm: ",
                    sanitize(&ctx.login),
                    sanitize(&name)
                );
                ctx.read_line()?
            }
            None => {
                return Err(CliError(format!(
                    "--force needs the organisation's name as confirmation: --confirm '{}'",
                    sanitize(&name)
                )))
            }
        };
        if typed.trim() != name {
            return Err(CliError(
                "the confirmation does not match the organisation's name; nothing changed".into(),
            ));
        }
    }
    let out = s.rescue(a.user.as_deref(), a.force)?;
    ctx.done(&out);
    if !ctx.json {
        outln!(ctx,
            "Login {} can act as an account administrator again. Review the audit log, and give another person the role so this is not needed again.",
            sanitize(&ctx.login)
        );
    }
    Ok(0)
}
