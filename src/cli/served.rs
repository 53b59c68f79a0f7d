//! The command line and the server of a database: `clearance serve` runs
//! one; while it runs, every other command of that database is sent to it
//! (with this process's standard input, output and error) and prints and
//! exits exactly as it would have here. With no server, commands run here,
//! as before.

use std::cell::RefCell;
use std::fs::File;
use std::io::Write;
use std::os::fd::AsFd;
use std::time::Duration;

use clap::{Args, Parser};

use super::{dispatch, Cli, CliError, CliResult, Cmd, Ctx, EXIT_ERROR};
use crate::domain::text::sanitize;
use crate::ops::Session;
use crate::protocol::{self, Request, Response, Run};
use crate::server::{self, fds, Call};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Exit after this many seconds with no client (default: run until stopped)
    #[arg(long, value_name = "SECONDS")]
    pub idle_exit: Option<u64>,
    /// Let this group's members connect (the socket becomes 0660; default 0600)
    #[arg(long, value_name = "GROUP")]
    pub group: Option<String>,
    /// Started by a client (not by a person or a service manager): it may
    /// be asked to stop when idle, so a command that needs the database to
    /// itself (restore) can have it
    #[arg(long, hide = true)]
    pub auto: bool,
}

/// `clearance serve`: opens the database (taking its lock) and serves it.
pub fn serve(ctx: &Ctx, a: ServeArgs) -> CliResult {
    if a.idle_exit == Some(0) {
        return Err(CliError("--idle-exit must be at least 1 second".into()));
    }
    if let Some(g) = &a.group {
        server::gid_of(g).map_err(CliError)?;
    }
    let session = Session::open(&ctx.db, &ctx.login, ctx.clock())?;
    let options = server::Options {
        idle_exit: a.idle_exit.map(Duration::from_secs),
        group: a.group,
        auto: a.auto,
    };
    errln!(
        ctx,
        "serving {} on {} (pid {})",
        ctx.db.display(),
        server::socket_path(&ctx.db).display(),
        std::process::id()
    );
    server::serve(&ctx.db, session, &options).map_err(CliError)?;
    Ok(0)
}

/// Whether a server runs `command` for its client. The app, and creating
/// or restoring a database, stay here. A command that names a file (import,
/// export --output, backup) is served with the file opened here, by the
/// client, with its own rights: a server never opens a file by a client's
/// name.
fn served(command: Option<&Cmd>) -> bool {
    !matches!(
        command,
        None | Some(
            Cmd::Init(_)
                | Cmd::Demo
                | Cmd::Restore(_)
                | Cmd::Snapshot(_)
                | Cmd::Presets
                | Cmd::Serve(_)
        )
    )
}

/// The file a served command names, opened here: what to pass, and for a
/// file the server writes, where to put it once it is complete.
struct Named {
    file: File,
    /// Export and backup: (the temporary file written, the file it
    /// replaces only when the command succeeded).
    backup: Option<(std::path::PathBuf, std::path::PathBuf)>,
}

/// A new file beside `target`, written first and renamed over it on success.
fn beside(target: &std::path::Path) -> Result<Named, String> {
    let tmp = std::path::PathBuf::from(format!("{}.tmp", target.display()));
    let file = File::create(&tmp).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    Ok(Named {
        file,
        backup: Some((tmp, target.to_path_buf())),
    })
}

/// Opens the file `command` names, as the local command would have.
fn open_named(command: Option<&Cmd>) -> Result<Option<Named>, String> {
    let cannot = |p: &std::path::Path, verb: &str, e: std::io::Error| {
        format!("cannot {verb} {}: {e}", p.display())
    };
    Ok(match command {
        Some(Cmd::Import(a)) => Some(Named {
            file: File::open(&a.file).map_err(|e| cannot(&a.file, "read", e))?,
            backup: None,
        }),
        Some(Cmd::Export(a)) => a.output.as_deref().map(beside).transpose()?,
        Some(Cmd::Backup(a)) => Some(beside(&a.file)?),
        Some(Cmd::Review(super::review::ReviewCmd::VerifyReport { file })) => Some(Named {
            file: File::open(file).map_err(|e| cannot(file, "read", e))?,
            backup: None,
        }),
        Some(Cmd::Review(r)) => r.output().map(beside).transpose()?,
        _ => None,
    })
}

/// A file the server wrote: put in place (renamed over the old one, the
/// directory synced) on success, removed otherwise — a refused export or
/// backup leaves the file it names as it was.
fn finish_backup(named: Option<Named>, ok: bool) -> Result<(), String> {
    let Some((tmp, file)) = named.and_then(|n| n.backup) else {
        return Ok(());
    };
    if !ok {
        let _ = std::fs::remove_file(&tmp);
        return Ok(());
    }
    std::fs::rename(&tmp, &file).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    let dir = file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| format!("cannot sync {}: {e}", dir.display()))
}

/// Sends the command to the database's server, if one answers: its exit
/// code (the output went to ours). None: no server, run it here.
pub fn through_server(ctx: &Ctx, command: Option<&Cmd>) -> Option<i32> {
    if !served(command) {
        // A restore needs the database to itself: a server a client
        // started steps aside (one run by a person says why it cannot).
        if matches!(command, Some(Cmd::Restore(_))) {
            if let Err(why) = crate::client::stop_server(&ctx.db) {
                let _ = writeln!(std::io::stderr(), "error: {}", sanitize(&why));
                return Some(EXIT_ERROR);
            }
        }
        return None;
    }
    let stream = crate::client::connect_or_start(&ctx.db)?;
    let run = Run {
        args: std::env::args_os()
            .skip(1)
            .map(|a| a.to_string_lossy().into_owned())
            .collect(),
        test_login: test_login(),
        test_now: std::env::var("CLEARANCE_TEST_NOW")
            .ok()
            .filter(|_| cfg!(feature = "test-hooks")),
    };
    let said = |msg: String| {
        let _ = writeln!(std::io::stderr(), "error: {}", sanitize(&msg));
        Some(EXIT_ERROR)
    };
    let bytes = match protocol::encode(&Request::Run(run)) {
        Ok(b) => b,
        Err(e) => return said(e.to_string()),
    };
    let named = match open_named(command) {
        Ok(n) => n,
        Err(e) => return said(format!("{e}; nothing was done")),
    };
    let (stdin, stdout, stderr) = (std::io::stdin(), std::io::stdout(), std::io::stderr());
    let mut passed = vec![stdin.as_fd(), stdout.as_fd(), stderr.as_fd()];
    if let Some(n) = &named {
        passed.push(n.file.as_fd());
    }
    if let Err(e) = fds::send_with_fds(&stream, &bytes, &passed) {
        let _ = finish_backup(named, false);
        return said(format!(
            "the server of {} did not take the command ({e}); nothing was done",
            ctx.db.display()
        ));
    }
    let answer = protocol::read::<Response>(&mut &stream);
    let ok = matches!(answer, Ok(Response::Exit(0)));
    if let Err(e) = finish_backup(named, ok) {
        return said(e);
    }
    match answer {
        Ok(Response::Exit(code)) => Some(code),
        Ok(Response::Refused(why)) => said(format!("the server refused: {why}")),
        Ok(_) => said("the server answered something else".into()),
        Err(e) => said(format!(
            "the server of {} ended before answering ({e}); 'clearance doctor' says whether the change was saved",
            ctx.db.display()
        )),
    }
}

/// The login tests run as (`test-hooks` builds only).
fn test_login() -> Option<String> {
    #[cfg(feature = "test-hooks")]
    if let Ok(l) = std::env::var("CLEARANCE_TEST_LOGIN") {
        return Some(l);
    }
    None
}

/// At the server: runs a client's command line as the peer, writing to the
/// client's standard output and error; the exit code it would have had.
pub fn run_served(call: Call<'_>) -> i32 {
    let stderr = File::from(call.stderr);
    let fail = |msg: &str| {
        let _ = writeln!(&stderr, "error: {}", sanitize(msg));
        EXIT_ERROR
    };
    let cli = match Cli::try_parse_from(
        std::iter::once("clearance".to_string()).chain(call.run.args.iter().cloned()),
    ) {
        Ok(cli) => cli,
        Err(e) => return fail(&format!("the server could not read the command: {e}")),
    };
    if !served(cli.command.as_ref()) {
        return fail("this command runs where it is typed, not at the server");
    }
    let (login, now) = caller(cfg!(feature = "test-hooks"), call.login, &call.run);
    note_sign_in(call.reads, &login, now);
    let err = match stderr.try_clone() {
        Ok(e) => e,
        Err(e) => return fail(&e.to_string()),
    };
    let ctx = Ctx {
        db: call.db.to_path_buf(),
        json: cli.json,
        as_user: cli.as_user.clone(),
        reason: cli.reason.clone(),
        login,
        config: None,
        ascii: cli.ascii,
        out: RefCell::new(Box::new(std::io::BufWriter::new(File::from(call.stdout)))),
        err: RefCell::new(Box::new(err)),
        input: Some(File::from(call.stdin)),
        now,
        uid: call.uid,
        shared: Some(call.session.clone()),
        reads: Some(call.reads.clone()),
        file: RefCell::new(call.file.map(File::from)),
    };
    let result =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| dispatch(&ctx, cli.command)));
    let _ = ctx.out.borrow_mut().flush();
    match result {
        Ok(Ok(code)) => code,
        // The client's reader went away (`… | head`): as a process writing
        // to that pipe would have been ended by SIGPIPE, quietly.
        Ok(Err(CliError(msg))) if msg.contains("Broken pipe") => 128 + libc::SIGPIPE,
        Ok(Err(CliError(msg))) => fail(&msg),
        Err(_) => fail(
            "internal failure at the server; the last change may not be saved: 'clearance doctor' checks the database",
        ),
    }
}

/// A command line run by a person's bound login is a sign-in of theirs
/// (usage evidence, see `ops::usage`), noted whatever the command does.
fn note_sign_in(
    reads: &crate::ops::Reads,
    login: &str,
    now: Option<chrono::DateTime<chrono::Utc>>,
) {
    let at = now.unwrap_or_else(chrono::Utc::now);
    if let Ok(user) = crate::ops::operator_of(&reads.at(at).org, login, at) {
        reads.usage().signed_in(user, at);
    }
}

/// Who the command runs as, and when: the peer's login (from the kernel)
/// and the system clock. Only test builds (`hooks`) let the test suite say
/// who and when, as CLEARANCE_TEST_LOGIN and CLEARANCE_TEST_NOW do without
/// a server; nothing a client sends changes who it is otherwise.
fn caller(hooks: bool, peer: String, run: &Run) -> (String, Option<chrono::DateTime<chrono::Utc>>) {
    caller_of(
        hooks,
        peer,
        run.test_login.as_deref(),
        run.test_now.as_deref(),
    )
}

/// [`caller`] from the test login and instant a request carries (an app's
/// requests too: `server::apps::resolve`).
pub(crate) fn caller_of(
    hooks: bool,
    peer: String,
    test_login: Option<&str>,
    test_now: Option<&str>,
) -> (String, Option<chrono::DateTime<chrono::Utc>>) {
    if !hooks {
        return (peer, None);
    }
    (
        test_login.map(str::to_string).unwrap_or(peer),
        test_now.and_then(super::parse_test_now),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_cannot_claim_another_login_outside_test_builds() {
        let run = Run {
            args: vec!["user".into(), "list".into()],
            test_login: Some("root".into()),
            test_now: Some("2030-01-01T00:00:00Z".into()),
        };
        assert_eq!(caller(false, "pia".into(), &run), ("pia".into(), None));
        let (login, now) = caller(true, "pia".into(), &run);
        assert_eq!(login, "root");
        assert!(now.is_some());
        let plain = Run {
            test_login: None,
            test_now: None,
            ..run
        };
        assert_eq!(caller(true, "pia".into(), &plain), ("pia".into(), None));
    }

    #[test]
    fn the_app_and_new_databases_stay_where_they_are_typed() {
        let parse = |args: &[&str]| {
            Cli::try_parse_from(std::iter::once("clearance").chain(args.iter().copied()))
                .unwrap()
                .command
        };
        assert!(!served(None));
        for local in [
            &[
                "init",
                "--preset",
                "club",
                "--admin-email",
                "a@b.c",
                "--admin-given",
                "A",
                "--admin-family",
                "B",
            ][..],
            &["demo"],
            &["restore", "x.bak"],
            &["snapshot"],
            &["serve"],
        ] {
            assert!(!served(parse(local).as_ref()), "{local:?}");
        }
        for remote in [
            &["user", "list"][..],
            &["check", "pia", "flights.view"],
            &["export", "--format", "json"],
            &["export", "--format", "json", "--output", "x.json"],
            &["import", "x.json"],
            &["backup", "x.bak"],
            &["doctor"],
            &["audit", "verify"],
        ] {
            assert!(served(parse(remote).as_ref()), "{remote:?}");
        }
    }
}
