//! `kind list` and `kind set`: the authorization kinds and their policies.

use clap::Subcommand;

use super::users::require_all;
use super::{cell, CliResult, Ctx};
use crate::domain::bases::BasisRequirement;
use crate::domain::command::{Command, KindEdit};
use crate::domain::read::Subject;
use crate::domain::text::sanitize;

#[derive(Debug, Subcommand)]
pub enum KindCmd {
    /// List the authorization kinds and their policies
    List,
    /// Add a kind, or change only the parts of its name and policy you name
    Set {
        code: String,
        /// The kind's name (needed for a new kind)
        #[arg(long)]
        name: Option<String>,
        /// An expiry date is required
        #[arg(long, conflicts_with = "expiry_optional")]
        expiry_required: bool,
        /// An expiry date is optional
        #[arg(long)]
        expiry_optional: bool,
        /// Maximum validity in months
        #[arg(long, value_name = "MONTHS", conflicts_with = "no_max")]
        max_months: Option<u32>,
        /// No maximum validity
        #[arg(long)]
        no_max: bool,
        /// Warn this many days before expiry (a new kind: 60)
        #[arg(long, value_name = "DAYS")]
        warning_days: Option<u32>,
        /// An inspection kind: the inspector must not be who performed the work
        #[arg(long, conflicts_with = "not_independent")]
        independent: bool,
        /// Not an inspection kind
        #[arg(long)]
        not_independent: bool,
        /// A basis its authorizations must rest on (repeat; replaces the
        /// list): licence:CATEGORY, type, continuation:MONTHS
        #[arg(
            long = "requires",
            value_name = "BASIS",
            conflicts_with = "no_requires"
        )]
        requires: Vec<String>,
        /// No bases required
        #[arg(long)]
        no_requires: bool,
        /// The scope must name aircraft types
        #[arg(long, conflicts_with = "any_type")]
        explicit_types: bool,
        /// The scope may be "any type"
        #[arg(long)]
        any_type: bool,
        /// Every change to its authorizations needs --reason
        #[arg(long, conflicts_with = "no_reason_required")]
        reason_required: bool,
        /// No reason needed
        #[arg(long)]
        no_reason_required: bool,
    },
}

/// `--yes` / `--no` flag pairs: Some only when one of them was given.
fn either(yes: bool, no: bool) -> Option<bool> {
    (yes || no).then_some(yes)
}

pub fn run_kind(ctx: &Ctx, cmd: KindCmd) -> CliResult {
    match cmd {
        KindCmd::Set {
            code,
            name,
            expiry_required,
            expiry_optional,
            max_months,
            no_max,
            warning_days,
            independent,
            not_independent,
            requires,
            no_requires,
            explicit_types,
            any_type,
            reason_required,
            no_reason_required,
        } => ctx.run(Command::EditKind {
            code,
            edit: KindEdit {
                name,
                expiry_required: either(expiry_required, expiry_optional),
                max_validity_months: if no_max {
                    Some(None)
                } else {
                    max_months.map(Some)
                },
                warning_days,
                independent: either(independent, not_independent),
                requires: if no_requires {
                    Some(vec![])
                } else if requires.is_empty() {
                    None
                } else {
                    Some(
                        requires
                            .iter()
                            .map(|w| BasisRequirement::parse(w))
                            .collect::<Result<_, _>>()?,
                    )
                },
                explicit_types: either(explicit_types, any_type),
                reason_required: either(reason_required, no_reason_required),
            },
        }),
        KindCmd::List => {
            let s = ctx.session()?;
            require_all(&s, ctx, Subject::Roles)?;
            let kinds = &s.org().settings.kinds;
            if ctx.json {
                ctx.print_json(kinds)?;
                return Ok(0);
            }
            outln!(
                ctx,
                "{} {} {} {} {} NAME",
                cell("CODE", 7),
                cell("EXPIRY", 9),
                cell("MAX", 8),
                cell("WARN", 6),
                cell("INDEP", 5)
            );
            for k in kinds {
                outln!(
                    ctx,
                    "{} {} {} {} {} {}",
                    cell(&k.code, 7),
                    cell(
                        if k.expiry_required {
                            "required"
                        } else {
                            "optional"
                        },
                        9
                    ),
                    cell(
                        &k.max_validity_months
                            .map(|m| format!("{m} mo"))
                            .unwrap_or_else(|| "none".into()),
                        8
                    ),
                    cell(&format!("{} d", k.warning_days), 6),
                    cell(if k.independent { "yes" } else { "no" }, 5),
                    sanitize(&k.name)
                );
                if !k.requires.is_empty() || k.explicit_types || k.reason_required {
                    let words: Vec<String> = k.requires.iter().map(|r| r.word()).collect();
                    outln!(
                        ctx,
                        "        requires: {}{}",
                        if words.is_empty() {
                            "no bases".to_string()
                        } else {
                            words.join(", ")
                        },
                        if k.explicit_types {
                            "; scope must name aircraft types"
                        } else {
                            ""
                        },
                    );
                    if k.reason_required {
                        outln!(ctx, "        every change needs a reason (--reason)");
                    }
                }
            }
            Ok(0)
        }
    }
}
