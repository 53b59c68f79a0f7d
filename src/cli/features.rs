//! `feature list|on|off` and `setup on|off|show`: the areas switched on or
//! off for the organisation, and setup mode (account administrators only,
//! audited).

use clap::Subcommand;
use serde_json::json;

use super::{CliResult, Ctx};
use crate::domain::command::Command;
use crate::domain::text::sanitize;

#[derive(Debug, Subcommand)]
pub enum FeatureCmd {
    /// Every area, on or off for the organisation
    List,
    /// Switch an area on again (an account administrator)
    On {
        /// The area's key, e.g. inventory
        area: String,
    },
    /// Switch an area off: every check in it is denied (an account administrator)
    Off {
        /// The area's key, e.g. inventory
        area: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum SetupCmd {
    /// Whether setup mode is on, and the permissions available only then
    Show,
    /// Turn setup mode on: setup-only permissions become available (an account administrator)
    On,
    /// Turn setup mode off (an account administrator)
    Off,
}

impl FeatureCmd {
    pub fn changes(&self) -> bool {
        !matches!(self, FeatureCmd::List)
    }
}

impl SetupCmd {
    pub fn changes(&self) -> bool {
        !matches!(self, SetupCmd::Show)
    }
}

pub fn run_feature(ctx: &Ctx, cmd: FeatureCmd) -> CliResult {
    match cmd {
        FeatureCmd::On { area } => ctx.run(Command::SetFeature { area, on: true }),
        FeatureCmd::Off { area } => ctx.run(Command::SetFeature { area, on: false }),
        FeatureCmd::List => {
            let s = ctx.session()?;
            s.operator()?;
            let settings = &s.org().settings;
            let c = s.org().catalog();
            if ctx.json {
                let areas: Vec<_> = c
                    .areas
                    .iter()
                    .map(|a| {
                        json!({
                            "area": a.key,
                            "label": a.label,
                            "on": !settings.area_off(&a.key),
                            "administration": c.is_administration_area(&a.key),
                        })
                    })
                    .collect();
                ctx.print_json(&areas)?;
                return Ok(0);
            }
            for a in &c.areas {
                outln!(
                    ctx,
                    "{:<3} {:<24} {}{}",
                    if settings.area_off(&a.key) {
                        "off"
                    } else {
                        "on"
                    },
                    a.key,
                    sanitize(&a.label),
                    if c.is_administration_area(&a.key) {
                        " (administration: always on)"
                    } else {
                        ""
                    }
                );
            }
            Ok(0)
        }
    }
}

pub fn run_setup(ctx: &Ctx, cmd: SetupCmd) -> CliResult {
    match cmd {
        SetupCmd::On => ctx.run(Command::SetSetupMode { on: true }),
        SetupCmd::Off => ctx.run(Command::SetSetupMode { on: false }),
        SetupCmd::Show => {
            let s = ctx.session()?;
            s.operator()?;
            let settings = &s.org().settings;
            let only: Vec<&str> = s
                .org()
                .catalog()
                .permissions
                .iter()
                .filter(|p| p.setup_only)
                .map(|p| p.key.as_str())
                .collect();
            if ctx.json {
                ctx.print_json(&json!({
                    "setup_mode": settings.setup_mode,
                    "setup_only": only,
                }))?;
                return Ok(0);
            }
            outln!(
                ctx,
                "setup mode is {}",
                if settings.setup_mode { "on" } else { "off" }
            );
            if only.is_empty() {
                outln!(
                    ctx,
                    "  no permission of this catalog is available only in setup mode"
                );
            } else {
                outln!(ctx, "  available only in setup mode: {}", only.join(", "));
            }
            Ok(0)
        }
    }
}
