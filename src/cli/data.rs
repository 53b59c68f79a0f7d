//! `init`, `demo`, `import`, `doctor`, `seed`, `presets`, and the
//! overview shown without a subcommand.

use crate::client::link::Link;
use crate::client::replica::Replica;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::users::require_all;
use super::{cell, clock, CliError, CliResult, Ctx};
use crate::domain::authorizations::Standing;
use crate::domain::command::{Command, NewUser};
use crate::domain::org::Organisation;
use crate::domain::read::Subject;
use crate::domain::text::sanitize;
use crate::domain::users::UserStatus;
use crate::ops::Session;

#[derive(Debug, Args)]
pub struct InitArgs {
    /// maintenance, flight-school, operator or club
    #[arg(long)]
    pub preset: String,
    #[arg(long)]
    pub admin_email: String,
    #[arg(long)]
    pub admin_given: String,
    #[arg(long)]
    pub admin_family: String,
    /// The organisation's name
    #[arg(long, default_value = "My organisation")]
    pub name: String,
    /// The IANA time zone every expiry day is counted in (Europe/Oslo,
    /// America/Anchorage, …); change it later with `org set --time-zone`
    #[arg(long, value_name = "ZONE", default_value = "UTC")]
    pub time_zone: String,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Json,
    Csv,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Table {
    Users,
    Roles,
    Authorizations,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[arg(long, value_enum)]
    pub format: Format,
    /// For CSV: which table
    #[arg(long, value_enum, default_value = "users")]
    pub table: Table,
    /// Write to a file instead of stdout
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// A JSON file written by 'clearance export --format json'
    pub file: PathBuf,
    /// Refuse files larger than this many megabytes (10^6 bytes)
    #[arg(long, value_name = "MB", default_value_t = DEFAULT_IMPORT_MAX_MB)]
    pub max_size_mb: u64,
}

/// The default bound on the size of an import file, in megabytes.
pub const DEFAULT_IMPORT_MAX_MB: u64 = 256;

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// users, roles, authorizations, audit or me
    #[arg(long)]
    pub tab: Option<String>,
    /// WIDTHxHEIGHT
    #[arg(long, default_value = "100x30")]
    pub size: String,
}

#[derive(Debug, Args)]
pub struct SeedArgs {
    #[arg(long)]
    pub users: usize,
    #[arg(long, default_value_t = 20)]
    pub roles: usize,
    #[arg(long, default_value_t = 0)]
    pub authorizations: usize,
}

/// The JSON export envelope.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Export {
    pub format: String,
    pub version: u32,
    pub organisation: Organisation,
}

/// [`Export`] as it is written: the organisation borrowed, not copied.
#[derive(Serialize)]
pub(super) struct ExportOut<'a> {
    pub(super) format: &'a str,
    pub(super) version: u32,
    pub(super) organisation: &'a Organisation,
}

pub(super) const EXPORT_FORMAT: &str = "clearance-organisation";

pub fn init(ctx: &Ctx, a: InitArgs) -> CliResult {
    let mut preset = crate::presets::load(&a.preset).map_err(CliError)?;
    preset.settings.time_zone = crate::domain::zone::Zone::parse(&a.time_zone)?;
    let admin = NewUser {
        given: a.admin_given,
        family: a.admin_family,
        email: Some(a.admin_email),
        login: Some(ctx.login.clone()),
        roles: vec![],
        access_until: None,
    };
    // Bad input creates nothing: a failed init removes the directory it made.
    let existed = ctx.db.exists();
    let s = match Session::init(&ctx.db, &ctx.login, clock(), &preset, &a.name, admin) {
        Ok(s) => s,
        Err(e) => {
            if !existed {
                let _ = std::fs::remove_dir_all(&ctx.db);
            }
            return Err(e.into());
        }
    };
    let admin_role = s.org().role(s.org().settings.admin_role)?.name.clone();
    if ctx.json {
        ctx.print_json(
            &json!({"ok": true, "db": ctx.db, "preset": preset.name, "administrator": ctx.login}),
        )?;
    } else {
        outln!(
            ctx,
            "created {} ({} preset) in {}; {} is its {}",
            sanitize(&s.org().settings.name),
            preset.name,
            ctx.db.display(),
            sanitize(&ctx.login),
            sanitize(&admin_role)
        );
    }
    Ok(0)
}

pub fn demo(ctx: &Ctx) -> CliResult {
    let fresh = !crate::store::Store::exists(&ctx.db);
    if fresh {
        let existed = ctx.db.exists();
        if let Err(e) = build_demo(ctx) {
            // Leave nothing half-made behind: a demo is all or nothing.
            if !existed {
                let _ = std::fs::remove_dir_all(&ctx.db);
            }
            return Err(e);
        }
    }
    open_app(ctx)
}

fn is_terminal() -> bool {
    use std::io::IsTerminal;
    std::io::stdin().is_terminal() && std::io::stdout().is_terminal()
}

/// Opens the terminal app (or, without a terminal, prints the overview).
/// Everything that can fail is checked before the terminal is taken over.
pub fn open_app(ctx: &Ctx) -> CliResult {
    if !is_terminal() || ctx.json {
        return overview(ctx);
    }
    let look = ctx.look()?;
    // A terminal that cannot show the app hears so before raw mode.
    crate::tui::caps::check_term(std::env::var("TERM").ok().as_deref()).map_err(CliError)?;
    crate::tui::caps::check_size().map_err(CliError)?;
    let link = if crate::store::Store::exists(&ctx.db) {
        match crate::client::connect_or_start(&ctx.db) {
            Some(stream) => attach(ctx, stream)?,
            None => ctx.own_session()?.into(),
        }
    } else {
        let existed = ctx.db.exists();
        use crate::tui::first_run::{self, Outcome};
        let left = |code| {
            if !existed {
                let _ = std::fs::remove_dir_all(&ctx.db);
            }
            Ok(code)
        };
        let created = match first_run::run(&ctx.db, &ctx.login, clock(), &look) {
            Ok(Outcome::Created(s)) => *s,
            Ok(Outcome::Left) => return left(0),
            Ok(Outcome::Ended(code)) => return left(code),
            Err(e) => return Err(CliError(e)),
        };
        // The new organisation is served like any other, when servers are on.
        if crate::client::autostart() {
            drop(created);
            match crate::client::connect_or_start(&ctx.db) {
                Some(stream) => attach(ctx, stream)?,
                None => ctx.own_session()?.into(),
            }
        } else {
            created.into()
        }
    };
    // A login bound to no active user, or an `--as` the operator may not
    // take, hears it before the terminal is taken. A workshop terminal's
    // login is bound to nobody: its app starts at the kiosk sign-in screen.
    if link.is_terminal() {
        if ctx.as_user.is_some() {
            return Err(CliError(
                "a workshop terminal is self-service: it takes no --as".into(),
            ));
        }
    } else {
        link.actor(ctx.as_user.as_deref())?;
    }
    Ok(crate::tui::run(link, look, ctx.as_user.as_deref())?)
}

/// The app as a client of the database's server, on `stream`.
fn attach(ctx: &Ctx, stream: std::os::unix::net::UnixStream) -> Result<Link, CliError> {
    let wake: crate::client::replica::Wake = std::sync::Arc::new(crate::tui::signals::wake);
    let replica = Replica::attach(&ctx.db, stream, wake).map_err(CliError)?;
    Ok(Link::remote(replica, ctx.clock()))
}

pub fn snapshot(ctx: &Ctx, a: SnapshotArgs) -> CliResult {
    let (w, h) = a
        .size
        .split_once(['x', 'X'])
        .and_then(|(w, h)| Some((w.trim().parse::<u16>().ok()?, h.trim().parse::<u16>().ok()?)))
        .filter(|(w, h)| (1..=1000).contains(w) && (1..=1000).contains(h))
        .ok_or_else(|| {
            CliError(format!(
                "malformed --size '{}' (use WIDTHxHEIGHT, e.g. 100x30)",
                sanitize(&a.size)
            ))
        })?;
    let tab = a
        .tab
        .as_deref()
        .map(|t| {
            crate::tui::app::Tab::parse(t).ok_or_else(|| {
                CliError(format!(
                    "unknown tab '{}' (users, roles, authorizations, audit, me)",
                    sanitize(t)
                ))
            })
        })
        .transpose()?;
    let look = ctx.look()?;
    // At a server, from a replica it gives (as an app would see it).
    let session = match crate::client::connect(&ctx.db) {
        Some(stream) => attach(ctx, stream)?,
        None => ctx.own_session()?.into(),
    };
    // The view of the user acted as (`--as`), checked like any command's.
    session.actor(ctx.as_user.as_deref())?;
    out!(
        ctx,
        "{}",
        crate::tui::snapshot(session, look, tab, ctx.as_user.as_deref(), w, h).map_err(CliError)?
    );
    Ok(0)
}

fn build_demo(ctx: &Ctx) -> CliResult<()> {
    {
        let preset = crate::presets::load("maintenance").map_err(CliError)?;
        let admin = NewUser {
            given: "Demo".into(),
            family: "Administrator".into(),
            email: Some("admin@demo-mro.example".into()),
            login: Some(ctx.login.clone()),
            roles: vec![],
            access_until: None,
        };
        let mut s = Session::init(
            &ctx.db,
            &ctx.login,
            clock(),
            &preset,
            "Demo MRO (Part-145)",
            admin,
        )?;
        let actor = s.actor(None)?;
        let cmds = crate::demo::demo_commands(s.now());
        s.execute(actor, Command::Batch(cmds))?;
        let out = s.execute(actor, crate::demo::demo_campaign(s.now()))?;
        eprintln!(
            "created the demo organisation in {} (audit #{})",
            ctx.db.display(),
            out.seq
        );
    }
    Ok(())
}

/// A summary of the organisation (shown by `demo` until the terminal app exists).
pub fn overview(ctx: &Ctx) -> CliResult {
    let s = ctx.session()?;
    let me = s.actor(ctx.as_user.as_deref())?;
    let org = s.org();
    let today = s.today();
    let count = |st: UserStatus| org.users.values().filter(|u| u.status == st).count();
    let mut standing = std::collections::BTreeMap::new();
    for a in org.authorizations.values() {
        *standing
            .entry(crate::domain::bases::standing(org, a, today).word())
            .or_insert(0) += 1;
    }
    if ctx.json {
        ctx.print_json(&json!({
            "organisation": org.settings.name, "preset": org.settings.preset, "db": ctx.db,
            "operator": org.user(me.effective())?.handle(),
            "users": {"active": count(UserStatus::Active), "invited": count(UserStatus::Invited),
                      "deactivated": count(UserStatus::Deactivated), "deleted": count(UserStatus::Deleted)},
            "roles": org.roles.len(), "qualifications": org.qualifications.len(),
            "authorizations": standing, "audit_head": s.store().head().seq,
        }))?;
        return Ok(0);
    }
    outln!(
        ctx,
        "{} — {} preset — {}",
        sanitize(&org.settings.name),
        org.settings.preset,
        ctx.db.display()
    );
    outln!(ctx, "you are {}", sanitize(&org.user(me.operator)?.name()));
    outln!(
        ctx,
        "users: {} active, {} invited, {} deactivated, {} deleted",
        count(UserStatus::Active),
        count(UserStatus::Invited),
        count(UserStatus::Deactivated),
        count(UserStatus::Deleted)
    );
    outln!(
        ctx,
        "roles: {}   qualifications: {}",
        org.roles.len(),
        org.qualifications.len()
    );
    let words: Vec<String> = standing.iter().map(|(k, v)| format!("{v} {k}")).collect();
    outln!(ctx, "authorizations: {}", words.join(", "));
    let soon: Vec<_> = org
        .authorizations
        .values()
        .map(|a| (a, crate::domain::bases::standing(org, a, today)))
        .filter(|(_, st)| {
            matches!(
                st,
                Standing::Expiring | Standing::Expired | Standing::MissingBasis
            )
        })
        .collect();
    for (a, st) in soon {
        outln!(
            ctx,
            "  {} {} {} {}",
            if st == Standing::Expiring { "!" } else { "✗" },
            cell(&a.reference, 8),
            cell(
                &org.users
                    .get(&a.holder)
                    .map(|u| u.name())
                    .unwrap_or_default(),
                22
            ),
            match st {
                Standing::MissingBasis => "missing basis".to_string(),
                _ => format!(
                    "expires {}",
                    a.expires.map(|d| d.to_string()).unwrap_or_default()
                ),
            }
        );
    }
    outln!(ctx, "audit log: {} entries", s.store().head().seq);
    outln!(ctx, "(run it in a terminal to open the app; or try: clearance user list, clearance auth list --expiring 30, clearance explain USER)");
    Ok(0)
}

/// Reads an export, bounded by `max_mb`, parsing as it reads (the file is
/// never held in memory as a whole).
fn read_export(
    file: &std::path::Path,
    passed: Option<std::fs::File>,
    max_mb: u64,
) -> CliResult<Export> {
    use std::io::Read;
    let cannot = |e: std::io::Error| CliError(format!("cannot read {}: {e}", file.display()));
    let f = match passed {
        Some(f) => f,
        None => std::fs::File::open(file).map_err(cannot)?,
    };
    let max = max_mb.saturating_mul(1_000_000);
    let len = f.metadata().map_err(cannot)?.len();
    let too_large = || {
        CliError(format!(
            "{} is larger than the import limit of {max_mb} MB; raise it with --max-size-mb",
            file.display()
        ))
    };
    if len > max {
        return Err(too_large());
    }
    // Bounded again while reading, should the file grow meanwhile.
    let mut reader = std::io::BufReader::new(f.take(max.saturating_add(1)));
    let parsed: Result<Export, _> = serde_json::from_reader(&mut reader);
    // All of the allowance taken: the file holds more than `max` bytes.
    if reader.get_ref().limit() == 0 {
        return Err(too_large());
    }
    parsed.map_err(|e| CliError(format!("{}: not a clearance export: {e}", file.display())))
}

pub fn import(ctx: &Ctx, a: ImportArgs) -> CliResult {
    let e = read_export(&a.file, ctx.passed_file(), a.max_size_mb)?;
    if e.format != EXPORT_FORMAT || e.version != 1 {
        return Err(CliError(format!(
            "{}: unsupported export format {} version {}",
            a.file.display(),
            sanitize(&e.format),
            e.version
        )));
    }
    let mut org = e.organisation;
    org.reindex();
    ctx.run(Command::Import(Box::new(org)))
}

pub fn doctor(ctx: &Ctx) -> CliResult {
    let s = ctx.session_to_inspect()?;
    require_all(&s, ctx, Subject::Audit)?;
    let problems = s.store().doctor(s.org())?;
    if ctx.json {
        ctx.print_json(&json!({"ok": problems.is_empty(), "problems": problems}))?;
    } else if problems.is_empty() {
        outln!(ctx,
            "ok: {} users, {} roles, {} qualifications, {} authorizations; the audit chain ({} entries) is intact and every record, index and counter is what it derives; references agree",
            s.org().users.len(),
            s.org().roles.len(),
            s.org().qualifications.len(),
            s.org().authorizations.len(),
            s.store().head().seq
        );
    } else {
        for p in &problems {
            outln!(ctx, "problem: {}", sanitize(p));
        }
    }
    Ok(if problems.is_empty() {
        0
    } else {
        super::EXIT_DENIED
    })
}

pub fn seed(ctx: &Ctx, a: SeedArgs) -> CliResult {
    if a.users == 0 || a.users > 1_000_000 {
        return Err(CliError("--users must be 1 to 1000000".into()));
    }
    let mut s = ctx.session()?;
    let actor = s.actor(ctx.as_user.as_deref())?;
    let batches =
        crate::demo::seed_batches(s.org(), s.now(), a.users, a.roles, a.authorizations, 2000);
    let total: usize = batches.iter().map(Vec::len).sum();
    let mut done = 0;
    for b in batches {
        done += b.len();
        s.execute(actor, Command::Batch(b))?;
        err!(
            ctx,
            "\rseeding: {done}/{total} commands ({}%)",
            done * 100 / total.max(1)
        );
    }
    errln!(ctx);
    outln!(
        ctx,
        "seeded {} users, {} roles, {} authorizations",
        a.users,
        a.roles,
        a.authorizations
    );
    Ok(0)
}

pub fn presets(ctx: &Ctx) -> CliResult {
    let mut out = Vec::new();
    for n in crate::presets::names() {
        let p = crate::presets::load(n).map_err(CliError)?;
        out.push(json!({"name": p.name, "title": p.title, "roles": p.roles.len() + 1,
            "permissions": p.settings.catalog.len(), "kinds": p.settings.kinds.len(), "description": p.description}));
        if !ctx.json {
            outln!(
                ctx,
                "{} — {} ({} roles, {} permissions, {} authorization kinds)",
                cell(n, 13),
                p.title,
                p.roles.len() + 1,
                p.settings.catalog.len(),
                p.settings.kinds.len()
            );
        }
    }
    if ctx.json {
        ctx.print_json(&out)?;
    }
    Ok(0)
}
