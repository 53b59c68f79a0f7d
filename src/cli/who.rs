//! `clearance who PERMISSION`: every person who holds a permission (at
//! least a level, or a relation), with the roles and grant that give it and
//! their expiry, as the read policy lets the viewer see them.

use clap::Args;
use serde_json::json;

use super::users::read_scope;
use super::{cell, parse_date, CliError, CliResult, Ctx};
use crate::domain::read::Subject;
use crate::domain::text::sanitize;
use crate::domain::who::holders;

#[derive(Debug, Args)]
pub struct WhoArgs {
    pub permission: String,
    /// The least level that counts (default: any level above none)
    #[arg(long)]
    pub level: Option<String>,
    /// A relation the level must contain (scope permissions; repeatable)
    #[arg(long = "relation")]
    pub relations: Vec<String>,
    /// On a day (YYYY-MM-DD): as at the end of that day in the
    /// organisation's time zone (default: now)
    #[arg(long, value_name = "DATE")]
    pub at: Option<String>,
    /// Also people who hold nothing now for their standing (invited,
    /// deactivated, deleted, expired) but whose roles or grants would give it
    #[arg(long)]
    pub all: bool,
}

pub fn who(ctx: &Ctx, a: WhoArgs) -> CliResult {
    let s = ctx.session()?;
    let scope = read_scope(&s, ctx, Subject::Users)?;
    let org = s.org();
    let cat = org.catalog();
    let perm = cat
        .index_of(a.permission.trim())
        .ok_or_else(|| CliError(format!("unknown permission '{}'", sanitize(&a.permission))))?;
    let scale = &cat.get(perm).scale;
    let mut least = match &a.level {
        Some(l) => scale.parse_level(l)?,
        None => 0,
    };
    for r in &a.relations {
        least |= scale.parse_relation(r)?;
    }
    // The end of the day: its last second, while expiries of that day hold.
    let at = match &a.at {
        Some(d) => org.zone().end_of(parse_date("date", d)?) - chrono::Duration::seconds(1),
        None => s.now(),
    };
    let found: Vec<_> = holders(org, perm, least, at, a.all)
        .into_iter()
        .filter(|h| scope.covers(h.user))
        .collect();
    let user = |id: u32| org.users.get(&id);
    if ctx.json {
        let v: Vec<_> = found
            .iter()
            .map(|h| {
                let u = user(h.user);
                json!({
                    "user": u.map(|u| u.handle()),
                    "name": u.map(|u| u.name()),
                    "status": u.map(|u| u.status_word(at, org.zone())),
                    "level": scale.level_word(h.level),
                    "holds": h.holds,
                    "sources": h.sources.iter().map(|s| json!({"from": s.from, "level": s.level, "until": s.until})).collect::<Vec<_>>(),
                })
            })
            .collect();
        ctx.print_json(&v)?;
        return Ok(0);
    }
    if found.is_empty() {
        outln!(ctx, "nobody holds {}", sanitize(&cat.get(perm).key));
        return Ok(0);
    }
    for h in &found {
        let u = user(h.user);
        let sources = h
            .sources
            .iter()
            .map(|s| match s.until {
                Some(d) => format!("{} ({}, until {d})", s.from, s.level),
                None => format!("{} ({})", s.from, s.level),
            })
            .collect::<Vec<_>>()
            .join(", ");
        let standing = match u {
            Some(u) if !h.holds => {
                format!("  [{}: holds nothing now]", u.status_word(at, org.zone()))
            }
            _ => String::new(),
        };
        outln!(
            ctx,
            "{} {} {} {}{standing}",
            cell(&u.map(|u| u.handle()).unwrap_or_default(), 24),
            cell(&u.map(|u| u.name()).unwrap_or_default(), 22),
            cell(&scale.level_word(h.level), 8),
            sanitize(&sources)
        );
    }
    Ok(0)
}
