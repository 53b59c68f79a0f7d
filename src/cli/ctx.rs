//! What one invocation runs with: where it writes, who runs it, when, and
//! the session — this process's own, or, at a server, the server's one
//! session taken for the length of the command.

use std::io::Write;
use std::path::PathBuf;

use chrono::{DateTime, Utc};

use super::{json, json_safe, CliError, CliResult};
use crate::domain::text::sanitize;
use crate::ops::{Clock, OpsError, Session, SystemClock};

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
    /// Where the output goes: stdout, or the client's stdout at a server.
    pub out: std::cell::RefCell<Box<dyn std::io::Write>>,
    /// Where progress and notes go: stderr, or the client's.
    pub err: std::cell::RefCell<Box<dyn std::io::Write>>,
    /// The client's standard input at a server (None: this process's).
    pub input: Option<std::fs::File>,
    /// The instant tests fix (test builds only; None: the system clock).
    pub now: Option<DateTime<Utc>>,
    /// The uid of who runs the command (this process's, or a server's peer).
    pub uid: u32,
    /// At a server: its one open session, shared by every connection.
    pub shared: Option<std::sync::Arc<std::sync::Mutex<Session>>>,
    /// At a server: the snapshot its readers share (checks read it without
    /// taking the session).
    pub reads: Option<std::sync::Arc<crate::ops::Reads>>,
    /// At a server: the file the command names, opened by the client with
    /// its own rights (import reads it, export and backup write it).
    pub file: std::cell::RefCell<Option<std::fs::File>>,
}

/// An open session: this process's own, or a server's, locked for the
/// length of one command.
pub enum SessionRef<'a> {
    Own(Box<Session>),
    Shared(std::sync::MutexGuard<'a, Session>),
}

impl std::ops::Deref for SessionRef<'_> {
    type Target = Session;
    fn deref(&self) -> &Session {
        match self {
            SessionRef::Own(s) => s,
            SessionRef::Shared(s) => s,
        }
    }
}

impl std::ops::DerefMut for SessionRef<'_> {
    fn deref_mut(&mut self) -> &mut Session {
        match self {
            SessionRef::Own(s) => s,
            SessionRef::Shared(s) => s,
        }
    }
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
    /// Writes to the output. A closed stdout ends the process (SIGPIPE, as
    /// other command-line tools); other write errors are left unreported,
    /// as `println!` would have panicked on them.
    pub fn write_out(&self, args: std::fmt::Arguments<'_>) {
        let _ = self.out.borrow_mut().write_fmt(args);
    }

    /// The file a client passed for the command, if any (taken once).
    pub fn passed_file(&self) -> Option<std::fs::File> {
        self.file.borrow_mut().take()
    }

    /// Whether the standard input (this process's or the client's) is a terminal.
    pub fn input_is_terminal(&self) -> bool {
        use std::io::IsTerminal;
        match &self.input {
            Some(f) => f.is_terminal(),
            None => std::io::stdin().is_terminal(),
        }
    }

    /// One line from the standard input (this process's or the client's).
    pub fn read_line(&self) -> std::io::Result<String> {
        use std::io::BufRead;
        let mut line = String::new();
        match &self.input {
            Some(f) => {
                // Byte by byte: nothing past the line is taken from the client.
                let mut byte = [0u8; 1];
                let mut bytes = Vec::new();
                let mut f = f;
                while std::io::Read::read(&mut f, &mut byte)? == 1 && byte[0] != b'\n' {
                    bytes.push(byte[0]);
                }
                line = String::from_utf8_lossy(&bytes).into_owned();
            }
            None => {
                std::io::stdin().lock().read_line(&mut line)?;
            }
        }
        Ok(line)
    }

    /// Writes to the error output.
    pub fn write_err(&self, args: std::fmt::Arguments<'_>) {
        let mut err = self.err.borrow_mut();
        let _ = err.write_fmt(args);
        let _ = err.flush();
    }

    /// The clock of this command: the instant a test fixed, else the system's.
    pub fn clock(&self) -> Box<dyn Clock> {
        match self.now {
            Some(t) => Box::new(crate::ops::FixedClock(t)),
            None => Box::new(SystemClock),
        }
    }

    /// Opens the organisation (at a server: takes its session, as the caller).
    pub fn session(&self) -> Result<SessionRef<'_>, OpsError> {
        match &self.shared {
            Some(shared) => {
                let mut s = shared.lock().unwrap_or_else(|e| e.into_inner());
                s.set_caller(&self.login, self.clock());
                Ok(SessionRef::Shared(s))
            }
            None => Ok(SessionRef::Own(Box::new(Session::open(
                &self.db,
                &self.login,
                self.clock(),
            )?))),
        }
    }

    /// Opens the organisation in this process (the app and its snapshot,
    /// which keep it).
    pub fn own_session(&self) -> Result<Session, OpsError> {
        Session::open(&self.db, &self.login, self.clock())
    }

    /// Opens the organisation even when its records differ from what the
    /// audit log seals: for `doctor` and `audit`, which say what differs.
    pub fn session_to_inspect(&self) -> Result<SessionRef<'_>, OpsError> {
        match &self.shared {
            Some(_) => self.session(),
            None => Ok(SessionRef::Own(Box::new(Session::open_to_inspect(
                &self.db,
                &self.login,
                self.clock(),
            )?))),
        }
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
            outln!(
                self,
                "{}",
                json_safe(
                    &serde_json::json!({"ok": true, "audit_seq": out.seq, "summary": out.summary})
                        .to_string()
                )
            );
        } else {
            outln!(self, "{} (audit #{})", sanitize(&out.summary), out.seq);
        }
    }

    /// Prints a JSON value.
    pub fn print_json(&self, v: &impl serde::Serialize) -> CliResult<()> {
        let mut out = self.out.borrow_mut();
        let mut buffered = std::io::BufWriter::new(&mut *out);
        json::write_pretty(&mut buffered, v)?;
        buffered.flush()?;
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
        let mut out = self.out.borrow_mut();
        let mut buffered = std::io::BufWriter::new(&mut *out);
        json::write_pretty_items(&mut buffered, items)?;
        buffered.flush()?;
        Ok(())
    }
}
