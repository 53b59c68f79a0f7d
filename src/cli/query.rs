//! `clearance check`, `explain` and `signoff`: decisions with reasons.

use clap::Args;
use serde_json::json;

use super::{cell, parse_date, parse_datetime, CliResult, Ctx, EXIT_DENIED};
use crate::domain::authorizations::{parse_ata, AircraftType, SignoffRequest};
use crate::domain::conditions::RecordConditions;
use crate::domain::engine::{self, Requirement};
use crate::domain::org::Organisation;
use crate::domain::read::{self, Subject};
use crate::domain::text::sanitize;
use crate::domain::users::User;
use crate::ops::{self, Session, Snapshot};
use chrono::{DateTime, Utc};

#[derive(Debug, Args)]
pub struct CheckArgs {
    pub user: String,
    pub permission: String,
    /// The level needed (default: the lowest, e.g. view / yes / any relation)
    #[arg(long)]
    pub level: Option<String>,
    /// A relation that holds between the user and the record (scope permissions; repeatable)
    #[arg(long = "relation")]
    pub relations: Vec<String>,
    /// When (default: now)
    #[arg(long)]
    pub at: Option<String>,
    /// How long ago the record was confirmed, e.g. 20h, 3d, 1d12h (for a
    /// permission with an owner window)
    #[arg(long, value_name = "DURATION")]
    pub record_age: Option<String>,
    /// The record's state, e.g. confirmed, deleted, historical, exported
    /// (a permission may lock some states for everyone)
    #[arg(long, value_name = "STATE")]
    pub record_state: Option<String>,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    pub user: String,
    #[arg(long)]
    pub at: Option<String>,
}

#[derive(Debug, Args)]
pub struct SignoffArgs {
    pub user: String,
    #[arg(long)]
    pub kind: String,
    #[arg(long = "aircraft-type")]
    pub aircraft_type: String,
    /// ATA chapter, e.g. 32 or 32-11
    #[arg(long)]
    pub system: Option<String>,
    #[arg(long)]
    pub station: Option<String>,
    /// Who performed the work (for independent inspections)
    #[arg(long)]
    pub performed_by: Option<String>,
    /// Date of the signoff (default: today)
    #[arg(long)]
    pub date: Option<String>,
}

/// Resolves the subject of a query: yourself always; others need a read right.
fn subject<'a>(s: &'a Session, ctx: &Ctx, name: &str) -> CliResult<&'a User> {
    subject_in(s.org(), ctx, s.now(), name)
}

/// [`subject`] in an organisation as of `now`.
fn subject_in<'a>(
    org: &'a Organisation,
    ctx: &Ctx,
    now: DateTime<Utc>,
    name: &str,
) -> CliResult<&'a User> {
    let u = org.resolve_user(name)?;
    let actor = ops::actor_of(org, &ctx.login, ctx.as_user.as_deref(), now)?;
    if actor.effective() != u.id {
        // People's access (check, explain) or their authorizations (signoff).
        let me = org.user(actor.effective())?;
        read::require_holder(org, me, Subject::Users, u.id, now)
            .or_else(|_| read::require_holder(org, me, Subject::Authorizations, u.id, now))?;
    }
    Ok(u)
}

/// `clearance check`. At a server, the access table of the snapshot its
/// readers share decides (a check never waits for a write); here, with no
/// server, the engine decides alone — building the table for one answer
/// would cost more than it saves. The explained check says why either way.
pub fn check(ctx: &Ctx, a: CheckArgs) -> CliResult {
    match &ctx.reads {
        Some(reads) => {
            let snap = reads.at(ctx.clock().now());
            decide(ctx, &a, &snap.org, Some(&snap))
        }
        None => {
            let s = ctx.session()?;
            decide(ctx, &a, s.org(), None)
        }
    }
}

fn decide(ctx: &Ctx, a: &CheckArgs, org: &Organisation, snap: Option<&Snapshot>) -> CliResult {
    let now = ctx.clock().now();
    let at = match &a.at {
        Some(t) => parse_datetime(t)?,
        None => now,
    };
    let u = subject_in(org, ctx, now, &a.user)?;
    let pi = org.catalog().resolve(&a.permission)?;
    let scale = &org.catalog().get(pi).scale;
    let req = engine::required_level(
        scale,
        &Requirement {
            level: a.level.clone(),
            relations: a.relations.clone(),
        },
    )?;
    let cond = RecordConditions::parse(a.record_age.as_deref(), a.record_state.as_deref())?;
    let mut d = engine::check(org, u, pi, req, &cond, at);
    if let Some(snap) = snap {
        // For an instant before the table was computed, the engine decides.
        let allowed = snap.decide(u, pi, req, &cond, at);
        debug_assert_eq!(
            allowed, d.allowed,
            "the table and the check differ: {}",
            d.reason
        );
        d.allowed = allowed;
    }
    if d.allowed && a.at.is_none() {
        // Usage evidence (a question about another instant is no use).
        note_allowed(ctx, u.id, &org.catalog().get(pi).key, now);
    }
    if ctx.json {
        ctx.print_json(&d)?;
    } else {
        outln!(
            ctx,
            "{} {} {} ({})",
            if d.allowed { "ALLOWED" } else { "DENIED" },
            sanitize(&d.user),
            d.permission,
            d.required
        );
        outln!(ctx, "  {}", sanitize(&d.reason));
        outln!(ctx, "  decided by: {}", d.decided_by);
        for src in &d.sources {
            outln!(
                ctx,
                "  {} {} = {}{}{}",
                if src.in_force { "+" } else { "-" },
                sanitize(&src.from),
                src.level,
                src.until.map(|d| format!(" until {d}")).unwrap_or_default(),
                if src.in_force { "" } else { " (not in force)" }
            );
        }
    }
    Ok(if d.allowed { 0 } else { EXIT_DENIED })
}

pub fn explain(ctx: &Ctx, a: ExplainArgs) -> CliResult {
    let s = ctx.session()?;
    let at = match &a.at {
        Some(t) => parse_datetime(t)?,
        None => s.now(),
    };
    let u = subject(&s, ctx, &a.user)?;
    let ex = engine::explain(s.org(), u, at);
    let delegations = delegation_lines(s.org(), u, at);
    if ctx.json {
        ctx.print_json(&json!({
            "user": u.handle(),
            "holds_access": u.holds_access(at, s.org().zone()),
            "at": at,
            "levels": ex,
            "may_assign": delegations.iter().map(|(role, via, until, refused)| json!({
                "role": role, "via": via, "until": until, "refused": refused,
            })).collect::<Vec<_>>(),
        }))?;
        return Ok(0);
    }
    outln!(
        ctx,
        "{} at {}{}",
        sanitize(&u.name()),
        local_too(at, s.org().zone()),
        if u.holds_access(at, s.org().zone()) {
            ""
        } else {
            " — holds no access"
        }
    );
    for e in &ex {
        let srcs: Vec<String> = e
            .sources
            .iter()
            .map(|s| {
                format!(
                    "{} {}{}{}",
                    s.from,
                    s.level,
                    s.until.map(|d| format!(" until {d}")).unwrap_or_default(),
                    if s.in_force { "" } else { " (not in force)" }
                )
            })
            .collect();
        outln!(
            ctx,
            "  {} {} ← {}{}",
            cell(&e.permission, 32),
            cell(&e.effective, 14),
            sanitize(&srcs.join("; ")),
            e.closed
                .as_deref()
                .map(|why| format!(" — gives nothing: {why}"))
                .unwrap_or_default()
        );
    }
    if !delegations.is_empty() {
        outln!(ctx, "  may assign (delegated administration):");
        for (role, via, until, refused) in &delegations {
            let how = match refused {
                Some(why) => format!("not by them: {why}"),
                None => until.clone().unwrap_or_default(),
            };
            outln!(ctx, "    {} ← role {via}; {how}", cell(&sanitize(role), 28),);
        }
    }
    Ok(0)
}

/// The roles a user's roles let them assign: (role, via role, "for good" /
/// "until D", why not).
type DelegationLine = (String, String, Option<String>, Option<String>);

fn delegation_lines(
    org: &crate::domain::org::Organisation,
    u: &User,
    at: chrono::DateTime<chrono::Utc>,
) -> Vec<DelegationLine> {
    let name = |id| org.roles.get(&id).map_or("?".into(), |r| r.name.clone());
    crate::domain::delegation::delegations(org, u, at)
        .into_iter()
        .map(|d| {
            (
                name(d.role),
                name(d.via),
                d.until.map(|t| t.describe()),
                d.refused,
            )
        })
        .collect()
}

pub fn signoff(ctx: &Ctx, a: SignoffArgs) -> CliResult {
    let s = ctx.session()?;
    let org = s.org();
    let u = subject(&s, ctx, &a.user)?;
    let kind = org.kind(&a.kind)?;
    let date = match &a.date {
        Some(d) => parse_date("date", d)?,
        None => s.today(),
    };
    let req = SignoffRequest {
        kind: kind.code.clone(),
        aircraft_type: AircraftType::parse(&a.aircraft_type)?,
        system: a.system.as_deref().map(parse_ata).transpose()?,
        station: a.station.clone(),
        date,
        performed_by: a
            .performed_by
            .as_deref()
            .map(|p| org.resolve_user(p).map(|u| u.id))
            .transpose()?,
    };
    let d = crate::domain::signoff::signoff(org, u, &req)?;
    if d.allowed && a.date.is_none() {
        let key = crate::domain::catalog::system::SIGNOFFS_COMPLETE;
        note_allowed(ctx, u.id, key, s.now());
    }
    if ctx.json {
        ctx.print_json(&d)?;
    } else if d.allowed {
        outln!(
            ctx,
            "YES: {} may sign off {} on {}{}{} on {date}",
            sanitize(&u.name()),
            kind.code,
            req.aircraft_type,
            req.system
                .map(|c| format!(", ATA {c:02}"))
                .unwrap_or_default(),
            req.station
                .as_deref()
                .map(|s| format!(" at {}", sanitize(s)))
                .unwrap_or_default()
        );
        outln!(
            ctx,
            "  covered by authorization {}",
            sanitize(d.covering.as_deref().unwrap_or(""))
        );
    } else {
        outln!(
            ctx,
            "NO: {} may not sign off {} on {} on {date}",
            sanitize(&u.name()),
            kind.code,
            req.aircraft_type
        );
        for (i, f) in d.failures.iter().enumerate() {
            outln!(
                ctx,
                "  {}. {} — fix: {}",
                i + 1,
                sanitize(&f.condition),
                sanitize(&f.fix)
            );
        }
    }
    Ok(if d.allowed { 0 } else { EXIT_DENIED })
}

/// At a server: notes that a check or signoff about `user` on `permission`
/// was allowed (usage evidence, see `ops::usage`). Without one, nothing.
fn note_allowed(
    ctx: &Ctx,
    user: crate::domain::users::UserId,
    permission: &str,
    at: DateTime<Utc>,
) {
    if let Some(reads) = &ctx.reads {
        reads.usage().allowed(user, permission, at);
    }
}

/// "2026-03-31 09:59 UTC", and the organisation's local time when it is not UTC.
pub fn local_too(at: chrono::DateTime<chrono::Utc>, zone: crate::domain::zone::Zone) -> String {
    let utc = at.format("%Y-%m-%d %H:%M UTC").to_string();
    if zone == crate::domain::zone::Zone::UTC {
        return utc;
    }
    format!("{utc} ({} {zone})", zone.local(at).format("%Y-%m-%d %H:%M"))
}
