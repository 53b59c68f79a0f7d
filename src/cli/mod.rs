//! The `clearance` command line: one module per subcommand group. Every
//! change goes through `ops::Session::execute`; output is plain text
//! (sanitised) or `--json`.

mod audit;
mod authz;
mod backup;
mod data;
mod json;
mod kinds;
mod query;
mod rescue;
mod roles;
mod users;

use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use clap::{Parser, Subcommand};

use crate::domain::text::{is_unsafe_char, sanitize};
use crate::ops::{Clock, OpsError, Session, SystemClock};

/// Exit codes: 0 success or allowed, 1 denied, 2 error.
pub const EXIT_DENIED: i32 = 1;
pub const EXIT_ERROR: i32 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "clearance",
    version,
    about = "Who may do what in an aviation organisation: users, roles, permission levels, qualifications and personnel authorizations, with a hash-chained audit trail",
    propagate_version = true
)]
pub struct Cli {
    /// Database directory (default: the platform data directory)
    #[arg(long, global = true, env = "CLEARANCE_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Machine-readable output
    #[arg(long, global = true)]
    pub json: bool,
    /// Act as another user (needs users.impersonate; the audit records both)
    #[arg(long = "as", global = true, value_name = "USER")]
    pub as_user: Option<String>,
    /// Why: recorded with the change in the audit log (any change command)
    #[arg(long, global = true, value_name = "TEXT")]
    pub reason: Option<String>,
    /// Configuration file (default: the platform config directory's clearance/config.toml)
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// ASCII only: no box-drawing characters or symbols (old terminals)
    #[arg(long, global = true)]
    pub ascii: bool,
    #[command(subcommand)]
    pub command: Option<Cmd>,
}

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Create a new database from a preset; you become its account administrator
    Init(data::InitArgs),
    /// Create (if absent) and open a realistic sample organisation
    Demo,
    /// Users: add, list, show, edit, assign, grant, deactivate, delete, invite, accept
    #[command(subcommand)]
    User(users::UserCmd),
    /// Roles and their permission levels
    #[command(subcommand)]
    Role(roles::RoleCmd),
    /// Qualifications: licences, type training, continuation training, assessments
    #[command(subcommand)]
    Qual(authz::QualCmd),
    /// Personnel authorizations
    #[command(subcommand)]
    Auth(authz::AuthCmd),
    /// Authorization kinds and their policies
    #[command(subcommand)]
    Kind(kinds::KindCmd),
    /// May USER do PERMISSION? Exit 0 allowed, 1 denied, 2 error
    Check(query::CheckArgs),
    /// Every effective level of a user with its sources
    Explain(query::ExplainArgs),
    /// May USER sign this off? Exit 0 allowed, 1 denied, 2 error
    Signoff(query::SignoffArgs),
    /// The audit log
    #[command(subcommand)]
    Audit(audit::AuditCmd),
    /// Export the organisation (JSON: everything; CSV: users, roles, authorizations)
    Export(data::ExportArgs),
    /// Replace the organisation with an exported JSON file, all or nothing
    Import(data::ImportArgs),
    /// Write a consistent copy of the whole database, the audit chain and its head included
    Backup(backup::BackupArgs),
    /// Restore a backup into a new database (--db must not exist or be empty)
    Restore(backup::RestoreArgs),
    /// Check integrity: the audit chain, and every record, index and counter against what it derives
    Doctor,
    /// Locked out? Bind your login to an account administrator (only the owner
    /// of the database files, only when no administrator with a login exists)
    Rescue(rescue::RescueArgs),
    /// Add a deterministic synthetic organisation for scale tests
    Seed(data::SeedArgs),
    /// List the presets
    Presets,
    /// Render one frame of the app to stdout as plain text, then exit
    Snapshot(data::SnapshotArgs),
}

impl Cmd {
    /// Whether the command changes the data through one audited command, so
    /// that a `--reason` can be recorded with it.
    fn takes_reason(&self) -> bool {
        match self {
            Cmd::User(c) => !matches!(
                c,
                users::UserCmd::List(_)
                    | users::UserCmd::Show { .. }
                    | users::UserCmd::Accept { .. }
            ),
            Cmd::Role(c) => !matches!(c, roles::RoleCmd::List | roles::RoleCmd::Show { .. }),
            Cmd::Qual(c) => !matches!(c, authz::QualCmd::List { .. } | authz::QualCmd::Show { .. }),
            Cmd::Auth(c) => !matches!(c, authz::AuthCmd::List { .. } | authz::AuthCmd::Show { .. }),
            Cmd::Kind(c) => matches!(c, kinds::KindCmd::Set { .. }),
            Cmd::Import(_) => true,
            _ => false,
        }
    }
}

/// A one-line error for the user, with its exit code.
#[derive(Debug)]
pub struct CliError(pub String);

impl<E: std::fmt::Display> From<E> for CliError {
    fn from(e: E) -> Self {
        CliError(e.to_string())
    }
}

pub type CliResult<T = i32> = Result<T, CliError>;

/// Shared state of one invocation.
pub struct Ctx {
    pub db: PathBuf,
    pub json: bool,
    pub as_user: Option<String>,
    /// The reason given with `--reason`, recorded with the change.
    pub reason: Option<String>,
    pub login: String,
    pub config: Option<PathBuf>,
    pub ascii: bool,
}

impl Ctx {
    /// Config, keymap and theme, validated before the terminal is touched.
    pub fn look(&self) -> Result<crate::tui::Look, CliError> {
        let config = crate::config::Config::load(self.config.as_deref()).map_err(CliError)?;
        let origin = self
            .config
            .clone()
            .or_else(crate::config::default_path)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "config".into());
        crate::tui::Look::from_config(&config, &origin, self.ascii).map_err(CliError)
    }
}

impl Ctx {
    /// Opens the organisation.
    pub fn session(&self) -> Result<Session, OpsError> {
        Session::open(&self.db, &self.login, clock())
    }

    /// Opens the organisation even when its records differ from what the
    /// audit log seals: for `doctor` and `audit`, which say what differs.
    pub fn session_to_inspect(&self) -> Result<Session, OpsError> {
        Session::open_to_inspect(&self.db, &self.login, clock())
    }

    /// Opens the organisation, runs one command as the operator, prints the outcome.
    pub fn run(&self, cmd: crate::ops::Command) -> CliResult {
        let mut s = self.session()?;
        let actor = s.actor(self.as_user.as_deref())?;
        let out = s.execute(actor, self.with_reason(cmd))?;
        self.done(&out);
        Ok(0)
    }

    /// The command with the `--reason` given, if any, to be recorded with it.
    pub fn with_reason(&self, cmd: crate::ops::Command) -> crate::ops::Command {
        match &self.reason {
            Some(reason) => crate::ops::Command::Reasoned {
                reason: reason.clone(),
                command: Box::new(cmd),
            },
            None => cmd,
        }
    }

    pub fn done(&self, out: &crate::ops::Outcome) {
        if self.json {
            println!(
                "{}",
                json_safe(
                    &serde_json::json!({"ok": true, "audit_seq": out.seq, "summary": out.summary})
                        .to_string()
                )
            );
        } else {
            println!("{} (audit #{})", sanitize(&out.summary), out.seq);
        }
    }

    /// Prints a JSON value.
    pub fn print_json(&self, v: &impl serde::Serialize) -> CliResult<()> {
        use std::io::Write;
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        json::write_pretty(&mut out, v)?;
        out.flush()?;
        Ok(())
    }

    /// Prints a JSON array as [`Ctx::print_json`] would print it, building
    /// each item only as it is written, so that a long list is never held
    /// in memory as a whole.
    pub fn print_json_items<T: serde::Serialize>(
        &self,
        items: impl Iterator<Item = T>,
    ) -> CliResult<()> {
        use std::io::Write;
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        json::write_pretty_items(&mut out, items)?;
        out.flush()?;
        Ok(())
    }
}

/// The clock: the system clock; builds with the `test-hooks` feature (the
/// test suite only) let tests fix it with
/// CLEARANCE_TEST_NOW (RFC 3339). Other builds ignore that variable.
pub fn clock() -> Box<dyn Clock> {
    #[cfg(feature = "test-hooks")]
    if let Ok(s) = std::env::var("CLEARANCE_TEST_NOW") {
        if let Ok(t) = DateTime::parse_from_rfc3339(&s) {
            return Box::new(crate::ops::FixedClock(t.with_timezone(&Utc)));
        }
    }
    Box::new(SystemClock)
}

/// The OS login of this process, from its real uid (not from environment
/// variables). Only `test-hooks` builds (the test suite) honour CLEARANCE_TEST_LOGIN.
pub fn os_login() -> Result<String, CliError> {
    #[cfg(feature = "test-hooks")]
    if let Ok(l) = std::env::var("CLEARANCE_TEST_LOGIN") {
        return Ok(l);
    }
    let uid = unsafe { libc::getuid() };
    let mut buf = vec![0 as libc::c_char; 16384];
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut result: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: getpwuid_r writes into our buffers; we read pw_name only when it succeeded.
    let rc = unsafe { libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr(), buf.len(), &mut result) };
    if rc != 0 || result.is_null() {
        return Err(CliError(format!("cannot find the login name of uid {uid}")));
    }
    let name = unsafe { std::ffi::CStr::from_ptr(pwd.pw_name) };
    Ok(name.to_string_lossy().into_owned())
}

/// The default database directory.
pub fn default_db() -> Result<PathBuf, CliError> {
    directories::ProjectDirs::from("", "", "clearance")
        .map(|d| d.data_dir().join("db"))
        .ok_or_else(|| CliError("cannot find a data directory; pass --db PATH".into()))
}

pub fn parse_date(what: &str, s: &str) -> Result<NaiveDate, CliError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
        CliError(format!(
            "malformed {what} '{}' (use YYYY-MM-DD)",
            sanitize(s)
        ))
    })
}

pub fn parse_opt_date(what: &str, s: &Option<String>) -> Result<Option<NaiveDate>, CliError> {
    s.as_deref().map(|s| parse_date(what, s)).transpose()
}

/// A date (taken at 12:00 UTC), `YYYY-MM-DD HH:MM` (UTC) or RFC 3339.
pub fn parse_datetime(s: &str) -> Result<DateTime<Utc>, CliError> {
    let t = s.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Ok(d.with_timezone(&Utc));
    }
    for f in ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S"] {
        if let Ok(d) = NaiveDateTime::parse_from_str(t, f) {
            return Ok(d.and_utc());
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Ok(d
            .and_hms_opt(12, 0, 0)
            .map(|d| d.and_utc())
            .unwrap_or_default());
    }
    Err(CliError(format!(
        "malformed date-time '{}' (use YYYY-MM-DD, 'YYYY-MM-DD HH:MM' UTC, or RFC 3339)",
        sanitize(s)
    )))
}

/// Escapes, in serialised JSON, the characters serde_json leaves raw but a
/// terminal or an editor acts on: C1 controls (`\u009b` starts a control
/// sequence), bidi controls (`\u202e`), separators and other format
/// characters. They can only stand inside JSON strings, so escaping them
/// keeps the JSON valid and equal in meaning.
pub fn json_safe(json: &str) -> String {
    if !json.chars().any(|c| !c.is_ascii() && is_unsafe_char(c)) {
        return json.to_string();
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if !c.is_ascii() && is_unsafe_char(c) {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{:04x}", u));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Pads a cell to a width in characters (the text is sanitised first).
pub fn cell(s: &str, w: usize) -> String {
    let s = sanitize(s);
    let n = s.chars().count();
    if n > w {
        let mut t: String = s.chars().take(w.saturating_sub(1)).collect();
        t.push('…');
        t
    } else {
        format!("{s}{}", " ".repeat(w - n))
    }
}

/// Parses the arguments and runs; returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    match run(cli) {
        Ok(code) => code,
        Err(CliError(msg)) => {
            // Never a panic when stderr is gone (a hung-up terminal).
            let _ = std::io::Write::write_fmt(
                &mut std::io::stderr(),
                format_args!("error: {}\n", sanitize(&msg)),
            );
            EXIT_ERROR
        }
    }
}

/// Help and version go out as clap prints them; every other argument error
/// becomes one line `error: ...` (exit 2), like every other error.
fn usage_error(e: clap::Error) -> i32 {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        e.exit();
    }
    let text = e.render().to_string();
    let what: Vec<&str> = text
        .lines()
        .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("tip:"))
        .collect();
    let what = what.join(" ");
    let what = what.strip_prefix("error: ").unwrap_or(&what);
    eprintln!("error: {} (see --help)", sanitize(what));
    EXIT_ERROR
}

fn run(cli: Cli) -> CliResult {
    let db = match &cli.db {
        Some(p) => p.clone(),
        None => default_db()?,
    };
    let ctx = Ctx {
        db,
        json: cli.json,
        as_user: cli.as_user.clone(),
        reason: cli.reason.clone(),
        login: os_login()?,
        config: cli.config.clone(),
        ascii: cli.ascii,
    };
    crate::logging::init(&ctx.db);
    let Some(cmd) = cli.command else {
        if ctx.reason.is_some() {
            return Err(CliError("--reason goes with a change command".into()));
        }
        return data::open_app(&ctx);
    };
    if ctx.reason.is_some() && !cmd.takes_reason() {
        return Err(CliError(
            "--reason goes with a change command (add, edit, assign, set, …); nothing was done"
                .into(),
        ));
    }
    match cmd {
        Cmd::Init(a) => data::init(&ctx, a),
        Cmd::Demo => data::demo(&ctx),
        Cmd::User(c) => users::run(&ctx, c),
        Cmd::Role(c) => roles::run(&ctx, c),
        Cmd::Qual(c) => authz::run_qual(&ctx, c),
        Cmd::Auth(c) => authz::run_auth(&ctx, c),
        Cmd::Kind(c) => kinds::run_kind(&ctx, c),
        Cmd::Check(a) => query::check(&ctx, a),
        Cmd::Explain(a) => query::explain(&ctx, a),
        Cmd::Signoff(a) => query::signoff(&ctx, a),
        Cmd::Audit(c) => audit::run(&ctx, c),
        Cmd::Export(a) => data::export(&ctx, a),
        Cmd::Import(a) => data::import(&ctx, a),
        Cmd::Backup(a) => backup::backup(&ctx, a),
        Cmd::Restore(a) => backup::restore(&ctx, a),
        Cmd::Doctor => data::doctor(&ctx),
        Cmd::Rescue(a) => rescue::rescue(&ctx, a),
        Cmd::Seed(a) => data::seed(&ctx, a),
        Cmd::Presets => data::presets(&ctx),
        Cmd::Snapshot(a) => data::snapshot(&ctx, a),
    }
}

#[cfg(test)]
mod tests {
    use super::json_safe;

    #[test]
    fn json_output_escapes_c1_bidi_and_tag_characters_and_stays_equal() {
        let v = serde_json::json!({"name": "a\u{9b}31mb\u{202e}c\u{E0041}d\u{2028}é"});
        let raw = serde_json::to_string(&v).unwrap();
        let safe = json_safe(&raw);
        assert!(
            safe.contains("\\u009b") && safe.contains("\\u202e") && safe.contains("\\udb40\\udc41"),
            "{safe}"
        );
        assert!(safe.is_ascii() || safe.contains('é'));
        assert!(!safe.contains('\u{9b}') && !safe.contains('\u{202e}'));
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back, v);
    }
}
