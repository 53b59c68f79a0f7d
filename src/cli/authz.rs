//! `clearance qual …` and `clearance auth …`

use clap::{Args, Subcommand};
use serde_json::json;

use super::users::{read_scope, require_holder};
use super::{cell, parse_date, parse_opt_date, CliError, CliResult, Ctx};
use crate::domain::authorizations::{Authorization, AuthorizationStatus};
use crate::domain::command::{Command, NewAuthorization, NewQualification, QualificationEdit};
use crate::domain::org::Organisation;
use crate::domain::read::Subject;
use crate::domain::text::sanitize;

#[derive(Debug, Subcommand)]
pub enum QualCmd {
    /// Record a qualification a person holds
    Add(QualAddArgs),
    /// List qualifications (optionally of one person)
    List {
        #[arg(long)]
        user: Option<String>,
    },
    /// Show one qualification
    Show { id: u32 },
    /// Correct or renew a qualification
    Edit(QualEditArgs),
}

#[derive(Debug, Args)]
pub struct QualAddArgs {
    pub user: String,
    /// licence, type-training, continuation-training, competence-assessment, other
    #[arg(long)]
    pub kind: String,
    #[arg(long)]
    pub number: String,
    /// Licence categories (repeatable), e.g. B1
    #[arg(long = "category")]
    pub categories: Vec<String>,
    /// Type ratings (repeatable), e.g. ATR72
    #[arg(long = "type-rating")]
    pub type_ratings: Vec<String>,
    #[arg(long)]
    pub issued: String,
    #[arg(long)]
    pub expires: Option<String>,
}

#[derive(Debug, Args)]
pub struct QualEditArgs {
    pub id: u32,
    #[arg(long)]
    pub number: Option<String>,
    #[arg(long = "category")]
    pub categories: Vec<String>,
    #[arg(long = "type-rating")]
    pub type_ratings: Vec<String>,
    #[arg(long)]
    pub issued: Option<String>,
    #[arg(long)]
    pub expires: Option<String>,
    #[arg(long, conflicts_with = "expires")]
    pub no_expiry: bool,
}

#[derive(Debug, Subcommand)]
pub enum AuthCmd {
    /// Issue an authorization
    Add(AuthAddArgs),
    /// List authorizations, soonest expiry first
    List {
        /// Only those expiring within DAYS (or already expired)
        #[arg(long, value_name = "DAYS")]
        expiring: Option<u32>,
        #[arg(long)]
        user: Option<String>,
    },
    /// Show one authorization with its bases and history
    Show { reference: String },
    /// Suspend (reason required)
    Suspend {
        reference: String,
        #[arg(long)]
        reason: String,
    },
    /// Reinstate a suspended authorization (reason required)
    Reinstate {
        reference: String,
        #[arg(long)]
        reason: String,
    },
    /// Revoke for good (reason required)
    Revoke {
        reference: String,
        #[arg(long)]
        reason: String,
    },
    /// Change an authorization's scope, limitations or bases
    Edit(AuthEditArgs),
    /// Extend an authorization's validity
    Renew {
        reference: String,
        #[arg(long)]
        expires: String,
        #[arg(long)]
        from: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct AuthEditArgs {
    pub reference: String,
    /// Replace the aircraft types (repeatable); --any-type for any
    #[arg(long = "aircraft-type")]
    pub aircraft_types: Vec<String>,
    #[arg(long, conflicts_with = "aircraft_types")]
    pub any_type: bool,
    /// Replace the ATA systems (repeatable); --any-system for any
    #[arg(long = "system")]
    pub systems: Vec<String>,
    #[arg(long, conflicts_with = "systems")]
    pub any_system: bool,
    /// Replace the stations (repeatable); --any-station for any
    #[arg(long = "station")]
    pub stations: Vec<String>,
    #[arg(long, conflicts_with = "stations")]
    pub any_station: bool,
    #[arg(long)]
    pub limitations: Option<String>,
    /// Replace the bases (repeatable qualification ids)
    #[arg(long = "basis")]
    pub bases: Vec<u32>,
}

#[derive(Debug, Args)]
pub struct AuthAddArgs {
    pub user: String,
    #[arg(long)]
    pub reference: String,
    #[arg(long)]
    pub kind: String,
    /// Aircraft type, TYPE or TYPE:VARIANT (repeatable; none = any)
    #[arg(long = "aircraft-type")]
    pub aircraft_types: Vec<String>,
    /// ATA chapters or ranges, e.g. 21-36 (repeatable; none = any)
    #[arg(long = "system")]
    pub systems: Vec<String>,
    /// Stations (repeatable; none = any)
    #[arg(long = "station")]
    pub stations: Vec<String>,
    #[arg(long, default_value = "")]
    pub limitations: String,
    #[arg(long)]
    pub first_issue: Option<String>,
    #[arg(long)]
    pub from: String,
    #[arg(long)]
    pub expires: Option<String>,
    /// Qualification ids it rests on (repeatable)
    #[arg(long = "basis")]
    pub bases: Vec<u32>,
}

pub fn run_qual(ctx: &Ctx, cmd: QualCmd) -> CliResult {
    match cmd {
        QualCmd::Add(a) => ctx.run(Command::AddQualification(NewQualification {
            holder: a.user,
            kind: a.kind,
            number: a.number,
            categories: a.categories,
            type_ratings: a.type_ratings,
            issued: parse_date("issue date", &a.issued)?,
            expires: parse_opt_date("expiry", &a.expires)?,
        })),
        QualCmd::Edit(a) => ctx.run(Command::EditQualification {
            id: a.id,
            edit: QualificationEdit {
                number: a.number,
                categories: (!a.categories.is_empty()).then_some(a.categories),
                type_ratings: (!a.type_ratings.is_empty()).then_some(a.type_ratings),
                issued: parse_opt_date("issue date", &a.issued)?,
                expires: if a.no_expiry {
                    Some(None)
                } else {
                    parse_opt_date("expiry", &a.expires)?.map(Some)
                },
            },
        }),
        QualCmd::List { user } => {
            let s = ctx.session()?;
            let org = s.org();
            let holder = user.as_deref().map(|u| org.resolve_user(u)).transpose()?;
            let scope = match holder {
                Some(h) => require_holder(&s, ctx, Subject::Authorizations, h.id)?,
                None => read_scope(&s, ctx, Subject::Authorizations)?,
            };
            let today = s.today();
            let qs: Vec<_> = org
                .qualifications
                .values()
                .filter(|q| holder.is_none_or(|h| q.holder == h.id) && scope.covers(q.holder))
                .collect();
            if ctx.json {
                ctx.print_json(&qs.iter().map(|q| json!({
                    "id": q.id, "holder": org.users.get(&q.holder).map(|u| u.handle()), "kind": q.kind.word(),
                    "number": q.number, "categories": q.categories, "type_ratings": q.type_ratings,
                    "issued": q.issued, "expires": q.expires, "valid_today": q.valid_on(today)
                })).collect::<Vec<_>>())?;
            } else {
                for q in qs {
                    let who = org
                        .users
                        .get(&q.holder)
                        .map(|u| u.name())
                        .unwrap_or_default();
                    outln!(
                        ctx,
                        "#{} {} {} issued {}{} {}",
                        cell(&q.id.to_string(), 4),
                        cell(&who, 22),
                        sanitize(&q.describe()),
                        q.issued,
                        q.expires
                            .map(|d| format!(" expires {d}"))
                            .unwrap_or_default(),
                        if q.valid_on(today) { "✓" } else { "✗" }
                    );
                }
            }
            Ok(0)
        }
        QualCmd::Show { id } => {
            let s = ctx.session()?;
            let q = s.org().qualification(id)?;
            require_holder(&s, ctx, Subject::Authorizations, q.holder)?;
            if ctx.json {
                ctx.print_json(q)?;
            } else {
                outln!(ctx, "qualification #{}: {}", q.id, sanitize(&q.describe()));
                outln!(
                    ctx,
                    "  holder: {}",
                    sanitize(&s.org().user(q.holder)?.name())
                );
                outln!(
                    ctx,
                    "  issued {}, expires {}",
                    q.issued,
                    q.expires.map(|d| d.to_string()).unwrap_or("never".into())
                );
            }
            Ok(0)
        }
    }
}

pub fn auth_json(
    org: &Organisation,
    a: &Authorization,
    today: chrono::NaiveDate,
) -> serde_json::Value {
    json!({
        "reference": a.reference,
        "holder": org.users.get(&a.holder).map(|u| u.handle()),
        "kind": a.kind,
        "aircraft_types": a.scope.aircraft_types.iter().map(|t| t.to_string()).collect::<Vec<_>>(),
        "systems": crate::domain::authorizations::format_ata_ranges(&a.scope.systems),
        "stations": a.scope.stations,
        "limitations": a.limitations,
        "first_issue": a.first_issue,
        "effective_from": a.effective_from,
        "expires": a.expires,
        "status": a.status.word(),
        "standing": crate::domain::bases::standing(org, a, today).word(),
        "days_to_expiry": a.days_to_expiry(today),
        "bases": a.bases,
    })
}

pub fn run_auth(ctx: &Ctx, cmd: AuthCmd) -> CliResult {
    let status = |reference: String, status, reason: String| Command::SetAuthorizationStatus {
        reference,
        status,
        reason,
    };
    match cmd {
        AuthCmd::Add(a) => ctx.run(Command::AddAuthorization(Box::new(NewAuthorization {
            holder: a.user,
            reference: a.reference,
            kind: a.kind,
            aircraft_types: a.aircraft_types,
            systems: a.systems,
            stations: a.stations,
            limitations: a.limitations,
            first_issue: parse_opt_date("first issue", &a.first_issue)?,
            effective_from: parse_date("effective date", &a.from)?,
            expires: parse_opt_date("expiry", &a.expires)?,
            bases: a.bases,
        }))),
        AuthCmd::Edit(a) => {
            let list = |v: Vec<String>, any: bool| {
                if any {
                    Some(vec![])
                } else {
                    (!v.is_empty()).then_some(v)
                }
            };
            ctx.run(Command::EditAuthorization {
                reference: a.reference,
                edit: crate::domain::command::AuthorizationEdit {
                    aircraft_types: list(a.aircraft_types, a.any_type),
                    systems: list(a.systems, a.any_system),
                    stations: list(a.stations, a.any_station),
                    limitations: a.limitations,
                    bases: (!a.bases.is_empty()).then_some(a.bases),
                },
            })
        }
        AuthCmd::Suspend { reference, reason } => {
            ctx.run(status(reference, AuthorizationStatus::Suspended, reason))
        }
        AuthCmd::Reinstate { reference, reason } => {
            ctx.run(status(reference, AuthorizationStatus::Active, reason))
        }
        AuthCmd::Revoke { reference, reason } => {
            ctx.run(status(reference, AuthorizationStatus::Revoked, reason))
        }
        AuthCmd::Renew {
            reference,
            expires,
            from,
        } => ctx.run(Command::RenewAuthorization {
            reference,
            effective_from: parse_opt_date("effective date", &from)?,
            expires: parse_date("expiry", &expires)?,
        }),
        AuthCmd::List { expiring, user } => {
            let s = ctx.session()?;
            let org = s.org();
            let today = s.today();
            let holder = user.as_deref().map(|u| org.resolve_user(u)).transpose()?;
            let scope = match holder {
                Some(h) => require_holder(&s, ctx, Subject::Authorizations, h.id)?,
                None => read_scope(&s, ctx, Subject::Authorizations)?,
            };
            let mut list: Vec<&Authorization> = org
                .authorizations
                .values()
                .filter(|a| holder.is_none_or(|h| a.holder == h.id) && scope.covers(a.holder))
                .filter(|a| match expiring {
                    None => true,
                    Some(d) => {
                        a.status != AuthorizationStatus::Revoked
                            && a.days_to_expiry(today).is_some_and(|n| n <= d as i64)
                    }
                })
                .collect();
            list.sort_by_key(|a| (a.expires.is_none(), a.expires, a.reference.clone()));
            if ctx.json {
                ctx.print_json_items(list.iter().map(|a| auth_json(org, a, today)))?;
                return Ok(0);
            }
            outln!(
                ctx,
                "  {} {} {} {} {} SCOPE",
                cell("REFERENCE", 10),
                cell("PERSON", 22),
                cell("KIND", 6),
                cell("FROM", 10),
                cell("EXPIRES", 10)
            );
            for a in &list {
                let st = crate::domain::bases::standing(org, a, today);
                let mark = match st {
                    crate::domain::authorizations::Standing::Valid => "✓",
                    crate::domain::authorizations::Standing::Expiring => "!",
                    crate::domain::authorizations::Standing::Expired
                    | crate::domain::authorizations::Standing::NotYetEffective
                    | crate::domain::authorizations::Standing::MissingBasis => "✗",
                    _ => "⊘",
                };
                outln!(
                    ctx,
                    "{mark} {} {} {} {} {} {} [{}]",
                    cell(&a.reference, 10),
                    cell(
                        &org.users
                            .get(&a.holder)
                            .map(|u| u.name())
                            .unwrap_or_default(),
                        22
                    ),
                    cell(&a.kind, 6),
                    a.effective_from,
                    a.expires
                        .map(|d| d.to_string())
                        .unwrap_or("none      ".into()),
                    sanitize(&a.scope.describe()),
                    st.word()
                );
            }
            outln!(ctx, "{} authorization(s)", list.len());
            Ok(0)
        }
        AuthCmd::Show { reference } => {
            let s = ctx.session()?;
            let org = s.org();
            let a = org.resolve_authorization(&reference)?;
            require_holder(&s, ctx, Subject::Authorizations, a.holder)?;
            let today = s.today();
            if ctx.json {
                let mut v = auth_json(org, a, today);
                v["history"] = json!(a
                    .history
                    .iter()
                    .map(|h| json!({
                        "status": h.status.word(), "reason": h.reason, "at": h.at,
                        "by": org.users.get(&h.by).map(|u| u.handle())
                    }))
                    .collect::<Vec<_>>());
                ctx.print_json(&v)?;
                return Ok(0);
            }
            let kind = org.kind(&a.kind).map_err(CliError::from)?;
            outln!(
                ctx,
                "authorization {} — {} ({})",
                sanitize(&a.reference),
                sanitize(&kind.name),
                crate::domain::bases::standing(org, a, today).word()
            );
            outln!(
                ctx,
                "  holder:      {}",
                sanitize(&org.user(a.holder)?.name())
            );
            outln!(ctx, "  scope:       {}", sanitize(&a.scope.describe()));
            if !a.limitations.is_empty() {
                outln!(ctx, "  limitations: {}", sanitize(&a.limitations));
            }
            outln!(
                ctx,
                "  first issue {}, effective {}, expires {}",
                a.first_issue,
                a.effective_from,
                a.expires.map(|d| d.to_string()).unwrap_or("never".into())
            );
            for b in &a.bases {
                if let Ok(q) = org.qualification(*b) {
                    outln!(
                        ctx,
                        "  basis #{}: {} {}",
                        q.id,
                        sanitize(&q.describe()),
                        if q.valid_on(today) {
                            "✓"
                        } else {
                            "✗ not valid today"
                        }
                    );
                }
            }
            for h in &a.history {
                outln!(
                    ctx,
                    "  {} {} by {}: {}",
                    h.at.format("%Y-%m-%d %H:%M"),
                    h.status.word(),
                    sanitize(&org.users.get(&h.by).map(|u| u.handle()).unwrap_or_default()),
                    sanitize(&h.reason)
                );
            }
            Ok(0)
        }
    }
}
