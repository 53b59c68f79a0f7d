//! The client side of a database's server: connect, starting a server when
//! none answers, so that every front end is a client with no extra step.
//!
//! A server started here runs `clearance serve` detached (its own session,
//! no terminal, its output to the log), exits after an idle time, and takes
//! the database's lock like any other opener. Set `CLEARANCE_AUTOSTART=0`
//! to run each command in its own process instead, as before servers
//! existed (scripts that want the database to themselves, and most of the
//! test suite).

pub mod checks;
pub mod link;
pub mod replica;

use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::server::socket_path;

/// How long a server started here waits for its first client after the
/// last one left (`CLEARANCE_SERVER_IDLE` seconds overrides).
pub const IDLE_EXIT: Duration = Duration::from_secs(300);

/// How long to wait for a server just started to answer.
const START_WAIT: Duration = Duration::from_secs(10);

/// Is starting a server allowed (`CLEARANCE_AUTOSTART` not 0/no/false)?
pub fn autostart() -> bool {
    !matches!(
        std::env::var("CLEARANCE_AUTOSTART")
            .unwrap_or_default()
            .to_ascii_lowercase()
            .as_str(),
        "0" | "no" | "false" | "off"
    )
}

/// The idle time of a server started here.
pub fn idle_exit() -> Duration {
    std::env::var("CLEARANCE_SERVER_IDLE")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .filter(|s| *s > 0)
        .map(Duration::from_secs)
        .unwrap_or(IDLE_EXIT)
}

/// Connects to the server of the database at `db`, if one answers.
pub fn connect(db: &Path) -> Option<UnixStream> {
    UnixStream::connect(socket_path(db)).ok()
}

/// Connects to the server of `db`, starting one when none answers and the
/// database exists. None: no server (autostart off, no database yet, or the
/// server could not start — the caller then opens the database itself and
/// says why it cannot, as before).
pub fn connect_or_start(db: &Path) -> Option<UnixStream> {
    if let Some(s) = connect(db) {
        return Some(s);
    }
    if !autostart() || !crate::store::Store::exists(db) {
        return None;
    }
    let mut child = match spawn(db) {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!("cannot start a server for {}: {e}", db.display());
            return None;
        }
    };
    let started = Instant::now();
    let mut deadline = started + START_WAIT;
    loop {
        if let Some(s) = connect(db) {
            reap(child);
            return Some(s);
        }
        if Instant::now() >= deadline {
            reap(child);
            return None;
        }
        // A server that exits at once either lost a race to another one
        // starting (which will answer soon) or cannot open the database
        // (held by a process that is not a server): wait a little more.
        if let Ok(Some(status)) = child.try_wait() {
            tracing::info!("the server started for {} exited: {status}", db.display());
            deadline = deadline.min(Instant::now() + Duration::from_millis(500));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Asks a server of `db` that a client started to stop, and waits until it
/// has let go of the database: for a command that needs it to itself.
/// Err: a server runs and cannot stop (why); Ok when none runs any more.
pub fn stop_server(db: &Path) -> Result<(), String> {
    use crate::protocol::{self, Request, Response};
    let Some(stream) = connect(db) else {
        return Ok(());
    };
    protocol::write(&mut &stream, &Request::Stop).map_err(|e| e.to_string())?;
    match protocol::read::<Response>(&mut &stream) {
        Ok(Response::Stopping { pid }) => {
            let deadline = Instant::now() + START_WAIT;
            // SAFETY: kill with signal 0 only asks whether the process exists.
            while unsafe { libc::kill(pid as libc::pid_t, 0) } == 0 && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
            Ok(())
        }
        Ok(Response::Refused(why)) => Err(why),
        Ok(other) => Err(format!("the server answered {other:?}")),
        // It ended meanwhile.
        Err(_) => Ok(()),
    }
}

/// `clearance serve --idle-exit S --auto` for `db`, detached: a new session
/// (no controlling terminal, no signals from ours), nothing on our output.
fn spawn(db: &Path) -> std::io::Result<std::process::Child> {
    let exe = std::env::current_exe()?;
    // Only the clearance binary starts servers of itself (a program that
    // embeds the library, such as a test, would start itself instead).
    let ours = exe
        .file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with("clearance"));
    if !ours {
        return Err(std::io::Error::other(format!(
            "{} is not the clearance binary",
            exe.display()
        )));
    }
    let mut cmd = Command::new(exe);
    cmd.arg("--db")
        .arg(db)
        .arg("serve")
        .arg("--idle-exit")
        .arg(idle_exit().as_secs().to_string())
        .arg("--auto")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .env_remove("CLEARANCE_TEST_PANIC_ON_KEY");
    // SAFETY: setsid is async-signal-safe and touches no memory of ours.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd.spawn()
}

/// Waits for the started server in the background, so it is never left a
/// zombie while this process (an app) lives on.
fn reap(mut child: std::process::Child) {
    std::thread::spawn(move || {
        let _ = child.wait();
    });
}
