//! `clearance qual …` and `clearance auth …`

use clap::{Args, Subcommand};
use serde_json::json;

use super::users::{read_scope, require_all, require_holder};
use super::{cell, parse_date, parse_opt_date, CliError, CliResult, Ctx};
use crate::domain::authorizations::{Authorization, AuthorizationStatus};
use crate::domain::bases::BasisRequirement;
use crate::domain::command::{
    Command, KindEdit, NewAuthorization, NewQualification, QualificationEdit,
};
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
            let today = s.now().date_naive();
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
                    println!(
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
                println!("qualification #{}: {}", q.id, sanitize(&q.describe()));
                println!("  holder: {}", sanitize(&s.org().user(q.holder)?.name()));
                println!(
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
            let today = s.now().date_naive();
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
                ctx.print_json(
                    &list
                        .iter()
                        .map(|a| auth_json(org, a, today))
                        .collect::<Vec<_>>(),
                )?;
                return Ok(0);
            }
            println!(
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
                println!(
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
            println!("{} authorization(s)", list.len());
            Ok(0)
        }
        AuthCmd::Show { reference } => {
            let s = ctx.session()?;
            let org = s.org();
            let a = org.resolve_authorization(&reference)?;
            require_holder(&s, ctx, Subject::Authorizations, a.holder)?;
            let today = s.now().date_naive();
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
            println!(
                "authorization {} — {} ({})",
                sanitize(&a.reference),
                sanitize(&kind.name),
                crate::domain::bases::standing(org, a, today).word()
            );
            println!("  holder:      {}", sanitize(&org.user(a.holder)?.name()));
            println!("  scope:       {}", sanitize(&a.scope.describe()));
            if !a.limitations.is_empty() {
                println!("  limitations: {}", sanitize(&a.limitations));
            }
            println!(
                "  first issue {}, effective {}, expires {}",
                a.first_issue,
                a.effective_from,
                a.expires.map(|d| d.to_string()).unwrap_or("never".into())
            );
            for b in &a.bases {
                if let Ok(q) = org.qualification(*b) {
                    println!(
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
                println!(
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
            println!(
                "{} {} {} {} {} NAME",
                cell("CODE", 7),
                cell("EXPIRY", 9),
                cell("MAX", 8),
                cell("WARN", 6),
                cell("INDEP", 5)
            );
            for k in kinds {
                println!(
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
                    println!(
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
                        println!("        every change needs a reason (--reason)");
                    }
                }
            }
            Ok(0)
        }
    }
}
