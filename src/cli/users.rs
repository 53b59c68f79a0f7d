//! `clearance user …`

use clap::{Args, Subcommand};
use serde_json::json;

use super::{cell, parse_opt_date, CliError, CliResult, Ctx};
use crate::domain::command::{Command, NewUser, UserEdit};
use crate::domain::org::Organisation;
use crate::domain::read::{self, ReadScope, Subject};
use crate::domain::text::sanitize;
use crate::domain::users::User;
use crate::ops::Session;

#[derive(Debug, Subcommand)]
pub enum UserCmd {
    /// Add a user (with an email and no login, the user is invited)
    Add(AddArgs),
    /// List users
    List(ListArgs),
    /// Show one user with roles, grants, qualifications and authorizations
    Show { user: String },
    /// Change a user's name, email, login or access expiry
    Edit(EditArgs),
    /// Give a user a role, optionally until a date
    Assign {
        user: String,
        role: String,
        #[arg(long, value_name = "DATE")]
        until: Option<String>,
        #[command(flatten)]
        exception: super::sod::ExceptionArgs,
        /// Last day of the exception (default: --until)
        #[arg(long, value_name = "DATE", requires = "exception")]
        exception_until: Option<String>,
    },
    /// Take a role from a user
    Unassign { user: String, role: String },
    /// Give a user a personal level on top of their roles (can only add)
    Grant {
        user: String,
        permission: String,
        level: String,
        #[arg(long, value_name = "DATE")]
        until: Option<String>,
        #[command(flatten)]
        exception: super::sod::ExceptionArgs,
        /// Last day of the exception (default: --until)
        #[arg(long, value_name = "DATE", requires = "exception")]
        exception_until: Option<String>,
    },
    /// Remove a personal grant
    Ungrant { user: String, permission: String },
    /// Deactivate a user (they hold no access; reversible)
    Deactivate { user: String },
    /// Reactivate a deactivated user
    Reactivate { user: String },
    /// Delete a user: a tombstone that stays on record and cannot be changed
    Delete {
        user: String,
        /// Type the user's short name (login, else the email before "@") to confirm
        #[arg(long, value_name = "HANDLE")]
        confirm: String,
    },
    /// Send (or re-send) an invitation; prints the one-time code once
    Invite {
        user: String,
        /// Days until the code expires
        #[arg(long, default_value_t = 14)]
        days: u32,
    },
    /// Accept an invitation: binds this process's OS login to the invited user
    Accept { code: String },
}

#[derive(Debug, Args)]
pub struct AddArgs {
    #[arg(long)]
    pub given: String,
    #[arg(long)]
    pub family: String,
    #[arg(long)]
    pub email: Option<String>,
    #[arg(long)]
    pub login: Option<String>,
    #[arg(long = "role", value_name = "ROLE")]
    pub roles: Vec<String>,
    /// Last day of access (YYYY-MM-DD)
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
}

#[derive(Debug, Args)]
pub struct EditArgs {
    pub user: String,
    #[arg(long)]
    pub given: Option<String>,
    #[arg(long)]
    pub family: Option<String>,
    #[arg(long)]
    pub email: Option<String>,
    /// Remove the email (the person then has no login)
    #[arg(long, conflicts_with = "email")]
    pub no_email: bool,
    #[arg(long)]
    pub login: Option<String>,
    #[arg(long, conflicts_with = "login")]
    pub no_login: bool,
    /// Last day of access (YYYY-MM-DD)
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// Remove the access expiry
    #[arg(long, conflicts_with = "until")]
    pub no_until: bool,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only users with this status (invited, active, deactivated, deleted)
    #[arg(long)]
    pub status: Option<String>,
    /// Also deactivated and deleted users (hidden otherwise)
    #[arg(long, conflicts_with = "status")]
    pub all: bool,
    /// Only holders of this role
    #[arg(long)]
    pub role: Option<String>,
}

/// The viewer of this invocation (the effective actor) and what they may
/// read of `subject`, by the one read policy in `domain::read`.
pub fn read_scope(s: &Session, ctx: &Ctx, subject: Subject) -> CliResult<ReadScope> {
    let actor = s.actor(ctx.as_user.as_deref())?;
    let me = s.org().user(actor.effective())?;
    Ok(read::read_scope(s.org(), me, subject, s.now()))
}

/// Refuses unless the viewer may read everyone's records of `subject`.
pub fn require_all(s: &Session, ctx: &Ctx, subject: Subject) -> CliResult<ReadScope> {
    let actor = s.actor(ctx.as_user.as_deref())?;
    let me = s.org().user(actor.effective())?;
    Ok(read::require_all(s.org(), me, subject, s.now())?)
}

/// Refuses unless the viewer may read `holder`'s records of `subject`.
pub fn require_holder(
    s: &Session,
    ctx: &Ctx,
    subject: Subject,
    holder: crate::domain::users::UserId,
) -> CliResult<ReadScope> {
    let actor = s.actor(ctx.as_user.as_deref())?;
    let me = s.org().user(actor.effective())?;
    Ok(read::require_holder(s.org(), me, subject, holder, s.now())?)
}

pub fn user_json(org: &Organisation, u: &User) -> serde_json::Value {
    json!({
        "id": u.id,
        "given": u.given,
        "family": u.family,
        "email": u.email,
        "login": u.login,
        "status": u.status.word(),
        "invitation_expires": u.invitation.as_ref().map(|i| i.expires),
        "access_until": u.access_until,
        "roles": u.roles.iter().map(|a| json!({
            "role": org.roles.get(&a.role).map(|r| r.name.clone()),
            "until": a.until,
        })).collect::<Vec<_>>(),
        "grants": u.grants.iter().map(|g| {
            let word = org.catalog().index_of(&g.permission)
                .map(|i| org.catalog().get(i).scale.level_word(g.level))
                .unwrap_or_default();
            json!({"permission": g.permission, "level": word, "until": g.until})
        }).collect::<Vec<_>>(),
        "invitation": u.invitation.as_ref().map(|i| json!({"sent_at": i.sent_at, "expires": i.expires})),
    })
}

pub fn run(ctx: &Ctx, cmd: UserCmd) -> CliResult {
    match cmd {
        UserCmd::Add(a) => ctx.run(Command::AddUser(NewUser {
            given: a.given,
            family: a.family,
            email: a.email,
            login: a.login,
            roles: a.roles,
            access_until: parse_opt_date("access expiry", &a.until)?,
        })),
        UserCmd::List(a) => list(ctx, a),
        UserCmd::Show { user } => show(ctx, &user),
        UserCmd::Edit(a) => {
            let edit = UserEdit {
                given: a.given,
                family: a.family,
                email: if a.no_email {
                    Some(None)
                } else {
                    a.email.map(Some)
                },
                login: if a.no_login {
                    Some(None)
                } else {
                    a.login.map(Some)
                },
                access_until: if a.no_until {
                    Some(None)
                } else {
                    parse_opt_date("access expiry", &a.until)?.map(Some)
                },
            };
            ctx.run(Command::EditUser { user: a.user, edit })
        }
        UserCmd::Assign {
            user,
            role,
            until,
            exception,
            exception_until,
        } => {
            let until = parse_opt_date("assignment expiry", &until)?;
            let end = super::sod::exception_end(&exception_until, until)?;
            ctx.run(exception.wrap(Command::AssignRole { user, role, until }, end)?)
        }
        UserCmd::Unassign { user, role } => ctx.run(Command::UnassignRole { user, role }),
        UserCmd::Grant {
            user,
            permission,
            level,
            until,
            exception,
            exception_until,
        } => {
            let until = parse_opt_date("grant expiry", &until)?;
            let end = super::sod::exception_end(&exception_until, until)?;
            let grant = Command::Grant {
                user,
                permission,
                level,
                until,
            };
            ctx.run(exception.wrap(grant, end)?)
        }
        UserCmd::Ungrant { user, permission } => ctx.run(Command::Ungrant { user, permission }),
        UserCmd::Deactivate { user } => ctx.run(Command::Deactivate { user }),
        UserCmd::Reactivate { user } => ctx.run(Command::Reactivate { user }),
        UserCmd::Delete { user, confirm } => {
            let s = ctx.session()?;
            let u = s.org().resolve_user(&user)?;
            // The short name (login, else the email before "@"); the
            // whole handle (the email) is taken too.
            if confirm != u.short_name() && confirm != u.handle() {
                return Err(CliError(format!(
                    "confirmation '{}' does not match {}'s short name; nothing deleted",
                    sanitize(&confirm),
                    sanitize(&u.name())
                )));
            }
            drop(s);
            ctx.run(Command::DeleteUser { user })
        }
        UserCmd::Invite { user, days } => {
            // The validity limit is a rule (domain::rules); 0 days has
            // already expired.
            let code = crate::ops::new_invitation_code()?;
            let mut s = ctx.session()?;
            let actor = s.actor(ctx.as_user.as_deref())?;
            let expires = s.now() + chrono::Duration::days(i64::from(days));
            let out = s.execute(
                actor,
                ctx.with_reason(Command::Invite {
                    user,
                    code_hash: crate::ops::code_hash(&code),
                    expires,
                }),
            )?;
            if ctx.json {
                outln!(
                    ctx,
                    "{}",
                    json!({"ok": true, "audit_seq": out.seq, "summary": out.summary, "code": code, "expires": expires})
                );
            } else {
                outln!(ctx, "{} (audit #{})", sanitize(&out.summary), out.seq);
                outln!(
                    ctx,
                    "one-time code: {code}   (shown once; expires {})",
                    expires.format("%Y-%m-%d %H:%M UTC")
                );
                outln!(ctx, "the person runs: clearance user accept {code}");
            }
            Ok(0)
        }
        UserCmd::Accept { code } => {
            let mut s = ctx.session()?;
            let out = s.accept(&code)?;
            ctx.done(&out);
            Ok(0)
        }
    }
}

fn list(ctx: &Ctx, a: ListArgs) -> CliResult {
    let s = ctx.session()?;
    require_all(&s, ctx, Subject::Users)?;
    let org = s.org();
    let now = s.now();
    let status = a.status.as_deref().map(str::to_ascii_lowercase);
    if let Some(st) = &status {
        if !["invited", "active", "deactivated", "deleted"].contains(&st.as_str()) {
            return Err(CliError(format!(
                "unknown status '{}' (invited, active, deactivated, deleted)",
                sanitize(st)
            )));
        }
    }
    let role = a.role.as_deref().map(|r| org.resolve_role(r)).transpose()?;
    let users: Vec<&User> = org
        .users
        .values()
        .filter(|u| match status.as_deref() {
            Some(st) => u.status.word() == st,
            // Deactivated and deleted users are hidden unless asked for.
            None => a.all || !u.is_archived(),
        })
        .filter(|u| role.is_none_or(|r| u.assignment(r.id).is_some()))
        .collect();
    if ctx.json {
        ctx.print_json_items(users.iter().map(|u| user_json(org, u)))?;
        return Ok(0);
    }
    outln!(
        ctx,
        "{} {} {} {} ROLES",
        cell("ID", 5),
        cell("NAME", 24),
        cell("EMAIL", 30),
        cell("STATUS", 14)
    );
    for u in &users {
        outln!(
            ctx,
            "{} {} {} {} {}",
            cell(&u.id.to_string(), 5),
            cell(&u.name(), 24),
            cell(u.email.as_deref().unwrap_or("—"), 30),
            cell(u.status_word(now, org.zone()), 14),
            sanitize(&org.roles_summary(u))
        );
    }
    let hidden = if a.all || status.is_some() {
        0
    } else {
        org.users
            .values()
            .filter(|u| u.is_archived() && role.is_none_or(|r| u.assignment(r.id).is_some()))
            .count()
    };
    if hidden > 0 {
        outln!(
            ctx,
            "{} user(s); {hidden} deactivated or deleted not shown (--all)",
            users.len()
        );
    } else {
        outln!(ctx, "{} user(s)", users.len());
    }
    Ok(0)
}

fn show(ctx: &Ctx, user: &str) -> CliResult {
    let s = ctx.session()?;
    let org = s.org();
    let u = org.resolve_user(user)?;
    require_holder(&s, ctx, Subject::Users, u.id)?;
    // Their qualifications and authorizations only where those may be read.
    let papers = read_scope(&s, ctx, Subject::Authorizations)?.covers(u.id);
    let today = s.today();
    let quals: Vec<_> = org
        .qualifications
        .values()
        .filter(|q| papers && q.holder == u.id)
        .collect();
    let auths: Vec<_> = org
        .authorizations
        .values()
        .filter(|a| papers && a.holder == u.id)
        .collect();
    if ctx.json {
        let mut v = user_json(org, u);
        v["qualifications"] = json!(quals.iter().map(|q| json!({
            "id": q.id, "kind": q.kind.word(), "number": q.number, "categories": q.categories,
            "type_ratings": q.type_ratings, "issued": q.issued, "expires": q.expires, "valid_today": q.valid_on(today)
        })).collect::<Vec<_>>());
        v["authorizations"] = json!(auths.iter().map(|a| json!({
            "reference": a.reference, "kind": a.kind, "status": a.status.word(),
            "standing": crate::domain::bases::standing(org, a, today).word(), "expires": a.expires
        })).collect::<Vec<_>>());
        ctx.print_json(&v)?;
        return Ok(0);
    }
    outln!(ctx, "{} (#{})", sanitize(&u.name()), u.id);
    outln!(
        ctx,
        "  email:   {}",
        sanitize(u.email.as_deref().unwrap_or("none"))
    );
    outln!(
        ctx,
        "  login:   {}",
        sanitize(u.login.as_deref().unwrap_or("not bound"))
    );
    outln!(ctx, "  status:  {}", u.status_word(s.now(), s.org().zone()));
    if let Some(i) = &u.invitation {
        outln!(
            ctx,
            "  invitation: sent {}, {} {}",
            i.sent_at.format("%Y-%m-%d %H:%M UTC"),
            if i.expires < s.now() {
                "expired"
            } else {
                "expires"
            },
            i.expires.format("%Y-%m-%d %H:%M UTC")
        );
    }
    if let Some(d) = u.access_until {
        outln!(ctx, "  access until: {d}");
    }
    if let Some(i) = &u.invitation {
        outln!(
            ctx,
            "  invitation: sent {}, expires {}",
            i.sent_at.format("%Y-%m-%d"),
            i.expires.format("%Y-%m-%d %H:%M UTC")
        );
    }
    outln!(ctx, "  roles:   {}", sanitize(&org.roles_summary(u)));
    for g in &u.grants {
        let word = org
            .catalog()
            .index_of(&g.permission)
            .map(|i| org.catalog().get(i).scale.level_word(g.level))
            .unwrap_or_default();
        outln!(
            ctx,
            "  grant:   {} = {word}{}",
            g.permission,
            g.until.map(|d| format!(" until {d}")).unwrap_or_default()
        );
    }
    for q in &quals {
        outln!(
            ctx,
            "  qualification #{}: {} issued {}{}{}",
            q.id,
            sanitize(&q.describe()),
            q.issued,
            q.expires
                .map(|d| format!(", expires {d}"))
                .unwrap_or_default(),
            if q.valid_on(today) {
                ""
            } else {
                "  ✗ not valid today"
            }
        );
    }
    for a in &auths {
        outln!(
            ctx,
            "  authorization {}: {} {} — {}",
            sanitize(&a.reference),
            sanitize(&a.kind),
            sanitize(&a.scope.describe()),
            crate::domain::bases::standing(org, a, today).word()
        );
    }
    Ok(0)
}
