//! `clearance sod add|list|remove|violations`: separation-of-duties rules
//! (adding and removing them needs roles.manage, audited) and who breaks
//! them now, with what gives each duty and any exception.

use chrono::NaiveDate;
use clap::{Args, Subcommand};
use serde_json::json;

use super::users::require_all;
use super::{cell, parse_date, CliError, CliResult, Ctx};
use crate::domain::command::Command;
use crate::domain::engine::Source;
use crate::domain::read::Subject;
use crate::domain::sod::{self, member_words};
use crate::domain::text::sanitize;

#[derive(Debug, Subcommand)]
pub enum SodCmd {
    /// Add a rule: nobody may hold all of its permissions, or all of its
    /// roles (needs roles.manage; --reason is kept with the rule)
    Add {
        name: String,
        /// A permission, optionally with the least level that counts
        /// (`purchase_orders.approve` or `time_entries.view=other`); two or more
        #[arg(long = "perm", value_name = "KEY[=LEVEL]")]
        perms: Vec<String>,
        /// A role; two or more
        #[arg(long = "role", value_name = "ROLE", conflicts_with = "perms")]
        roles: Vec<String>,
    },
    /// The rules, with their exceptions in force
    List {
        /// Include removed rules
        #[arg(long)]
        all: bool,
    },
    /// Remove a rule by name (it stays on record; needs roles.manage)
    Remove { rule: String },
    /// Everyone who holds every duty of a rule now, with what gives each,
    /// and whether an exception covers it (until when)
    Violations,
}

impl SodCmd {
    pub fn changes(&self) -> bool {
        matches!(self, SodCmd::Add { .. } | SodCmd::Remove { .. })
    }
}

/// `--exception REASON` with its end: what a refused change needs to be
/// done anyway, recorded as an exception to each rule it breaks.
#[derive(Debug, Clone, Args)]
pub struct ExceptionArgs {
    /// Do it despite a separation-of-duties rule, for this reason
    /// (needs roles.manage; recorded as an exception, audited)
    #[arg(long, value_name = "REASON")]
    pub exception: Option<String>,
}

impl ExceptionArgs {
    /// The command, wrapped as excepted when `--exception` was given (its
    /// end is `until`, required then).
    pub fn wrap(self, cmd: Command, until: Option<NaiveDate>) -> CliResult<Command> {
        match (self.exception, until) {
            (None, _) => Ok(cmd),
            (Some(reason), Some(until)) => Ok(Command::SodExcepted {
                reason,
                until,
                command: Box::new(cmd),
            }),
            (Some(_), None) => Err(CliError(
                "an exception needs the day it ends (--until DATE or --exception-until DATE); nothing was done".into(),
            )),
        }
    }
}

/// The end of an exception: `--exception-until`, else what it excepts
/// ends (`--until` of the assignment or grant).
pub fn exception_end(
    exception_until: &Option<String>,
    until: Option<NaiveDate>,
) -> CliResult<Option<NaiveDate>> {
    match exception_until {
        Some(d) => Ok(Some(parse_date("exception end", d)?)),
        None => Ok(until),
    }
}

pub fn run(ctx: &Ctx, cmd: SodCmd) -> CliResult {
    match cmd {
        SodCmd::Add { name, perms, roles } => ctx.run(Command::AddSodRule {
            name,
            reason: ctx.reason.clone().unwrap_or_default(),
            permissions: perms,
            roles,
        }),
        SodCmd::Remove { rule } => ctx.run(Command::RemoveSodRule { rule }),
        SodCmd::List { all } => list(ctx, all),
        SodCmd::Violations => violations(ctx),
    }
}

fn list(ctx: &Ctx, all: bool) -> CliResult {
    let s = ctx.session()?;
    require_all(&s, ctx, Subject::Roles)?;
    let org = s.org();
    let day = s.today();
    let who = |id: u32| org.users.get(&id).map(|u| u.handle()).unwrap_or_default();
    let shown: Vec<_> = org
        .sod_rules
        .values()
        .filter(|r| all || r.is_live())
        .collect();
    if ctx.json {
        let v: Vec<_> = shown
            .iter()
            .map(|r| {
                json!({
                    "id": r.id, "name": r.name, "reason": r.reason,
                    "kind": match r.members { sod::SodMembers::Permissions(_) => "permissions", sod::SodMembers::Roles(_) => "roles" },
                    "members": member_words(org, &r.members),
                    "added_by": who(r.added_by), "added_at": r.added_at,
                    "removed_at": r.removed.as_ref().map(|x| x.at),
                    "exceptions": r.exceptions.iter().filter(|e| e.until >= day).map(|e| json!({
                        "user": who(e.user), "reason": e.reason, "until": e.until, "by": who(e.by),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        ctx.print_json(&v)?;
        return Ok(0);
    }
    if shown.is_empty() {
        outln!(ctx, "no separation-of-duties rules");
        return Ok(0);
    }
    for r in shown {
        let removed = if r.is_live() { "" } else { "  (removed)" };
        outln!(
            ctx,
            "{} {}{removed}",
            cell(&r.name, 28),
            sanitize(&r.describe(org))
        );
        if !r.reason.is_empty() {
            outln!(ctx, "    why: {}", sanitize(&r.reason));
        }
        for e in r.exceptions.iter().filter(|e| e.until >= day) {
            outln!(
                ctx,
                "    exception: {} until {} ({})",
                sanitize(&who(e.user)),
                e.until,
                sanitize(&e.reason)
            );
        }
    }
    Ok(0)
}

fn source_words(sources: &[Source]) -> String {
    sources
        .iter()
        .map(|s| match s.until {
            Some(d) => format!("{} until {d}", s.from),
            None => s.from.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn violations(ctx: &Ctx) -> CliResult {
    let s = ctx.session()?;
    require_all(&s, ctx, Subject::Users)?;
    let org = s.org();
    let found = sod::violations(org, s.now());
    let user = |id: u32| org.users.get(&id);
    if ctx.json {
        let v: Vec<_> = found
            .iter()
            .map(|x| {
                json!({
                    "rule": org.sod_rules[&x.rule].name,
                    "user": user(x.user).map(|u| u.handle()),
                    "name": user(x.user).map(|u| u.name()),
                    "held": x.held,
                    "excepted": x.exception.is_some(),
                    "exception": x.exception.as_ref().map(|e| json!({"reason": e.reason, "until": e.until})),
                })
            })
            .collect();
        ctx.print_json(&v)?;
        return Ok(0);
    }
    if found.is_empty() {
        outln!(ctx, "no separation-of-duties violations");
        return Ok(0);
    }
    for x in &found {
        let u = user(x.user);
        let state = match &x.exception {
            Some(e) => format!("excepted until {} ({})", e.until, sanitize(&e.reason)),
            None => "VIOLATION".into(),
        };
        outln!(
            ctx,
            "{} {} {} {state}",
            cell(&org.sod_rules[&x.rule].name, 24),
            cell(&u.map(|u| u.handle()).unwrap_or_default(), 24),
            cell(&u.map(|u| u.name()).unwrap_or_default(), 20),
        );
        for h in &x.held {
            outln!(
                ctx,
                "    {}: {}",
                sanitize(&h.member),
                sanitize(&source_words(&h.sources))
            );
        }
    }
    Ok(0)
}
