//! The `clearance` command line: one module per subcommand group. Every
//! change goes through `ops::Session::execute`; output is plain text
//! (sanitised) or `--json`.

/// Writes a line to the invocation's output (stdout, or the buffer a server
/// sends back to its client).
macro_rules! outln {
    ($ctx:expr) => {
        $ctx.write_out(format_args!("\n"))
    };
    ($ctx:expr, $($arg:tt)*) => {
        $ctx.write_out(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// Writes a line to the invocation's error output (progress, notes).
macro_rules! errln {
    ($ctx:expr) => {
        $ctx.write_err(format_args!("\n"))
    };
    ($ctx:expr, $($arg:tt)*) => {
        $ctx.write_err(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// Writes to the invocation's error output without a line break.
macro_rules! err {
    ($ctx:expr, $($arg:tt)*) => {
        $ctx.write_err(format_args!($($arg)*))
    };
}

/// Writes to the invocation's output without a line break.
macro_rules! out {
    ($ctx:expr, $($arg:tt)*) => {
        $ctx.write_out(format_args!($($arg)*))
    };
}

mod audit;
mod authz;
mod backup;
mod ctx;
mod data;
mod export;
mod features;
mod json;
mod kinds;
mod kiosk;
mod org;
mod query;
mod rescue;
mod review;
mod review_list;
pub(crate) mod served;
mod sod;

pub use ctx::{Ctx, SessionRef};
pub use served::run_served;
mod roles;
mod usage;
mod users;
mod who;

use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use clap::{Parser, Subcommand};

use crate::domain::text::{is_unsafe_char, sanitize};
use crate::ops::{Clock, SystemClock};

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
    /// The organisation: its name and the time zone expiry days are counted in
    #[command(subcommand)]
    Org(org::OrgCmd),
    /// Authorization kinds and their policies
    #[command(subcommand)]
    Kind(kinds::KindCmd),
    /// Areas switched on or off for the organisation (off: every check in it is denied)
    #[command(subcommand)]
    Feature(features::FeatureCmd),
    /// Setup mode: some permissions are available only while it is on
    #[command(subcommand)]
    Setup(features::SetupCmd),
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
    /// Workshop terminals: shared OS accounts where the app runs in kiosk mode
    #[command(subcommand)]
    Terminal(kiosk::TerminalCmd),
    /// Your kiosk PIN for workshop terminals (set), or reset someone's
    #[command(subcommand)]
    Pin(kiosk::PinCmd),
    /// Access reviews: campaigns in which reviewers keep, remove or shorten
    /// each assignment, grant and authorization in scope, with evidence
    #[command(subcommand)]
    Review(review::ReviewCmd),
    /// Separation of duties: rules that keep duties apart, and who breaks them
    #[command(subcommand)]
    Sod(sod::SodCmd),
    /// Who holds PERMISSION (at least a level, a relation, on a day), and
    /// what gives it
    Who(who::WhoArgs),
    /// Last activity the server saw: each person's last sign-in and, per
    /// permission, the last allowed check or signoff (evidence, not audited)
    Usage(usage::UsageArgs),
    /// Run the server of the database in the foreground (for a service
    /// manager): every other clearance command of this database goes through it
    Serve(served::ServeArgs),
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
            Cmd::Org(c) => matches!(c, org::OrgCmd::Set { .. }),
            Cmd::Feature(c) => c.changes(),
            Cmd::Setup(c) => c.changes(),
            Cmd::Import(_) => true,
            Cmd::Terminal(c) => c.changes(),
            Cmd::Pin(c) => matches!(c, kiosk::PinCmd::Reset { .. }),
            Cmd::Sod(c) => c.changes(),
            Cmd::Review(c) => c.changes() || matches!(c, review::ReviewCmd::Decide { .. }),
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

/// The clock: the system clock; builds with the `test-hooks` feature (the
/// test suite only) let tests fix it with
/// CLEARANCE_TEST_NOW (RFC 3339). Other builds ignore that variable.
pub fn clock() -> Box<dyn Clock> {
    match test_now() {
        Some(t) => Box::new(crate::ops::FixedClock(t)),
        None => Box::new(SystemClock),
    }
}

/// The instant tests fix with CLEARANCE_TEST_NOW (`test-hooks` builds only).
pub fn test_now() -> Option<DateTime<Utc>> {
    #[cfg(feature = "test-hooks")]
    if let Ok(s) = std::env::var("CLEARANCE_TEST_NOW") {
        return parse_test_now(&s);
    }
    None
}

/// An RFC 3339 instant, as tests give it.
pub fn parse_test_now(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
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
        out: std::cell::RefCell::new(Box::new(std::io::stdout())),
        err: std::cell::RefCell::new(Box::new(std::io::stderr())),
        input: None,
        now: test_now(),
        // SAFETY: geteuid has no preconditions and cannot fail.
        uid: unsafe { libc::geteuid() },
        shared: None,
        reads: None,
        file: std::cell::RefCell::new(None),
    };
    crate::logging::init(&ctx.db);
    // A server of this database answers the command, if one runs.
    if let Some(code) = served::through_server(&ctx, cli.command.as_ref()) {
        return Ok(code);
    }
    dispatch(&ctx, cli.command)
}

/// Runs one parsed command line with `ctx`: here, or at a server for its
/// client.
pub(crate) fn dispatch(ctx: &Ctx, command: Option<Cmd>) -> CliResult {
    let Some(cmd) = command else {
        if ctx.reason.is_some() {
            return Err(CliError("--reason goes with a change command".into()));
        }
        return data::open_app(ctx);
    };
    if ctx.reason.is_some() && !cmd.takes_reason() {
        return Err(CliError(
            "--reason goes with a change command (add, edit, assign, set, …); nothing was done"
                .into(),
        ));
    }
    match cmd {
        Cmd::Init(a) => data::init(ctx, a),
        Cmd::Demo => data::demo(ctx),
        Cmd::User(c) => users::run(ctx, c),
        Cmd::Role(c) => roles::run(ctx, c),
        Cmd::Qual(c) => authz::run_qual(ctx, c),
        Cmd::Auth(c) => authz::run_auth(ctx, c),
        Cmd::Kind(c) => kinds::run_kind(ctx, c),
        Cmd::Org(c) => org::run_org(ctx, c),
        Cmd::Feature(c) => features::run_feature(ctx, c),
        Cmd::Setup(c) => features::run_setup(ctx, c),
        Cmd::Check(a) => query::check(ctx, a),
        Cmd::Explain(a) => query::explain(ctx, a),
        Cmd::Signoff(a) => query::signoff(ctx, a),
        Cmd::Audit(c) => audit::run(ctx, c),
        Cmd::Export(a) => export::export(ctx, a),
        Cmd::Import(a) => data::import(ctx, a),
        Cmd::Backup(a) => backup::backup(ctx, a),
        Cmd::Restore(a) => backup::restore(ctx, a),
        Cmd::Doctor => data::doctor(ctx),
        Cmd::Rescue(a) => rescue::rescue(ctx, a),
        Cmd::Seed(a) => data::seed(ctx, a),
        Cmd::Presets => data::presets(ctx),
        Cmd::Snapshot(a) => data::snapshot(ctx, a),
        Cmd::Serve(a) => served::serve(ctx, a),
        Cmd::Terminal(c) => kiosk::run_terminal(ctx, c),
        Cmd::Pin(c) => kiosk::run_pin(ctx, c),
        Cmd::Sod(c) => sod::run(ctx, c),
        Cmd::Review(c) => review::run(ctx, c),
        Cmd::Who(a) => who::who(ctx, a),
        Cmd::Usage(a) => usage::usage(ctx, a),
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
