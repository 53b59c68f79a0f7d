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
    /// Change the organisation's name or time zone (an account administrator
    /// who holds that role for good)
    Set {
        /// The organisation's new name
        #[arg(long)]
        name: Option<String>,
        /// The IANA time zone every expiry day is counted in, e.g.
        /// Europe/Oslo or America/Anchorage (a new organisation: UTC)
        #[arg(long, value_name = "ZONE")]
        time_zone: Option<String>,
    },
}

pub fn run_org(ctx: &Ctx, cmd: OrgCmd) -> CliResult {
    match cmd {
        OrgCmd::Set { name, time_zone } => {
            if name.is_none() && time_zone.is_none() {
                return Err(super::CliError(
                    "org set needs --name or --time-zone; nothing was done".into(),
                ));
            }
            ctx.run(Command::EditOrganisation(OrganisationEdit {
                name,
                time_zone,
            }))
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
                    "features_off": settings.features_off,
                    "setup_mode": settings.setup_mode,
                }))?;
                return Ok(0);
            }
            println!("{}", sanitize(&settings.name));
            println!("  preset:     {}", settings.preset);
            println!("  time zone:  {zone} (every expiry day ends at midnight there)");
            println!(
                "  today:      {today}, ends {} UTC (in {})",
                ends.format("%Y-%m-%d %H:%M"),
                short(ends - now)
            );
            println!(
                "  switched off: {}",
                if settings.features_off.is_empty() {
                    "nothing".to_string()
                } else {
                    settings.features_off.join(", ")
                }
            );
            println!(
                "  setup mode: {}",
                if settings.setup_mode { "on" } else { "off" }
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
