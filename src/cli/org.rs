//! `org show` and `org set`: the organisation's name and the time zone every
//! expiry day is counted in.

use clap::Subcommand;
use serde_json::json;

use super::{CliResult, Ctx};
use crate::domain::command::{Command, OrganisationEdit};
use crate::domain::text::sanitize;

#[derive(Debug, Subcommand)]
pub enum OrgCmd {
    /// The organisation's name, preset, time zone and today's date there
    Show,
    /// Change the organisation's name, time zone or policies (an account
    /// administrator who holds that role for good)
    Set {
        /// The organisation's new name
        #[arg(long)]
        name: Option<String>,
        /// The IANA time zone every expiry day is counted in, e.g.
        /// Europe/Oslo or America/Anchorage (a new organisation: UTC)
        #[arg(long, value_name = "ZONE")]
        time_zone: Option<String>,
        /// Whether every change needs a reason: --reason, and the app's
        /// reason field (yes or no)
        #[arg(long, value_name = "YES|NO", value_parser = yes_no)]
        reason_required: Option<bool>,
        /// Whether every user must hold a role (yes or no)
        #[arg(long, value_name = "YES|NO", value_parser = yes_no)]
        role_required: Option<bool>,
        /// Whether deactivated users keep read-only access to their own
        /// records: the own relation of every view permission (yes or no)
        #[arg(long, value_name = "YES|NO", value_parser = yes_no)]
        deactivated_read_own: Option<bool>,
    },
}

fn yes_no(s: &str) -> Result<bool, String> {
    match s.to_ascii_lowercase().as_str() {
        "yes" | "true" | "on" => Ok(true),
        "no" | "false" | "off" => Ok(false),
        _ => Err("expected yes or no".into()),
    }
}

pub fn run_org(ctx: &Ctx, cmd: OrgCmd) -> CliResult {
    match cmd {
        OrgCmd::Set {
            name,
            time_zone,
            reason_required,
            role_required,
            deactivated_read_own,
        } => {
            let edit = OrganisationEdit {
                name,
                time_zone,
                reason_required,
                role_required,
                deactivated_read_own,
            };
            if edit == OrganisationEdit::default() {
                return Err(super::CliError(
                    "org set needs --name, --time-zone, --reason-required, --role-required or --deactivated-read-own; nothing was done".into(),
                ));
            }
            ctx.run(Command::EditOrganisation(edit))
        }
        OrgCmd::Show => {
            let s = ctx.session()?;
            // Anyone who may use the tool sees what day it is for the rules.
            s.operator()?;
            let settings = &s.org().settings;
            let zone = settings.time_zone;
            let now = s.now();
            let today = s.today();
            let ends = zone.end_of(today);
            if ctx.json {
                ctx.print_json(&json!({
                    "name": settings.name,
                    "preset": settings.preset,
                    "time_zone": zone.name(),
                    "today": today,
                    "today_ends": ends,
                    "reason_required": settings.reason_required,
                    "features_off": settings.features_off,
                    "setup_mode": settings.setup_mode,
                    "role_required": settings.role_required,
                    "deactivated_read_own": settings.deactivated_read_own,
                }))?;
                return Ok(0);
            }
            outln!(ctx, "{}", sanitize(&settings.name));
            outln!(ctx, "  preset:     {}", settings.preset);
            outln!(
                ctx,
                "  time zone:  {zone} (every expiry day ends at midnight there)"
            );
            outln!(
                ctx,
                "  reasons:    {}",
                if settings.reason_required {
                    "every change needs one"
                } else {
                    "where a kind requires one"
                }
            );
            outln!(
                ctx,
                "  today:      {today}, ends {} UTC (in {})",
                ends.format("%Y-%m-%d %H:%M"),
                short(ends - now)
            );
            outln!(
                ctx,
                "  switched off: {}",
                if settings.features_off.is_empty() {
                    "nothing".to_string()
                } else {
                    settings.features_off.join(", ")
                }
            );
            outln!(
                ctx,
                "  setup mode: {}",
                if settings.setup_mode { "on" } else { "off" }
            );
            let yn = |b: bool| if b { "yes" } else { "no" };
            outln!(
                ctx,
                "  every user needs a role: {}",
                yn(settings.role_required)
            );
            outln!(
                ctx,
                "  deactivated users read their own records: {}",
                yn(settings.deactivated_read_own)
            );
            Ok(0)
        }
    }
}

/// "5h 12m" — how long until a moment.
fn short(d: chrono::Duration) -> String {
    let m = d.num_minutes().max(0);
    format!("{}h {:02}m", m / 60, m % 60)
}
