//! `terminal add|list|remove` (workshop terminals, `users.manage`, audited)
//! and `pin set|reset` (your own kiosk PIN; an administrator only resets
//! someone's). A PIN is read twice without echo at a terminal, or once from
//! standard input with `--stdin`; it is hashed before anything is stored.

use std::io::Read;
use std::os::fd::{AsFd, BorrowedFd};

use clap::Subcommand;
use rustix::termios::{self, LocalModes, OptionalActions, Termios};
use serde_json::json;

use super::users::require_all;
use super::{cell, CliError, CliResult, Ctx};
use crate::domain::command::Command;
use crate::domain::read::Subject;
use crate::domain::text::sanitize;

#[derive(Debug, Subcommand)]
pub enum TerminalCmd {
    /// Register a shared OS account as a workshop terminal: started from it,
    /// the app shows the kiosk sign-in screen (needs users.manage)
    Add {
        /// A name people know the terminal by, e.g. "Hangar 2"
        name: String,
        /// The terminal's own OS login (bound to no user)
        #[arg(long, value_name = "OSLOGIN")]
        login: String,
    },
    /// The workshop terminals
    List {
        /// Include removed terminals
        #[arg(long)]
        all: bool,
    },
    /// Remove a workshop terminal, by name or login (needs users.manage)
    Remove {
        /// Its name or OS login
        terminal: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum PinCmd {
    /// Set your own kiosk PIN (at least 6 characters), asked twice without
    /// echo
    Set {
        /// Read the PIN once, from one line of standard input
        #[arg(long)]
        stdin: bool,
    },
    /// Clear someone's kiosk PIN and lock: they must set a new one (needs
    /// users.manage; nobody can set or read another's PIN)
    Reset {
        /// The person: login, email or #id
        user: String,
    },
}

impl TerminalCmd {
    pub fn changes(&self) -> bool {
        !matches!(self, TerminalCmd::List { .. })
    }
}

pub fn run_terminal(ctx: &Ctx, cmd: TerminalCmd) -> CliResult {
    match cmd {
        TerminalCmd::Add { name, login } => ctx.run(Command::AddTerminal { name, login }),
        TerminalCmd::Remove { terminal } => ctx.run(Command::RemoveTerminal { terminal }),
        TerminalCmd::List { all } => list(ctx, all),
    }
}

fn list(ctx: &Ctx, all: bool) -> CliResult {
    let s = ctx.session()?;
    require_all(&s, ctx, Subject::Users)?;
    let org = s.org();
    let who = |id: u32| org.users.get(&id).map(|u| u.handle()).unwrap_or_default();
    let shown: Vec<_> = org
        .terminals
        .values()
        .filter(|t| all || t.is_live())
        .collect();
    if ctx.json {
        let v: Vec<_> = shown
            .iter()
            .map(|t| {
                json!({
                    "id": t.id, "name": t.name, "login": t.login,
                    "added_by": who(t.added_by), "added_at": t.added_at,
                    "removed_by": t.removed.as_ref().map(|r| who(r.by)),
                    "removed_at": t.removed.as_ref().map(|r| r.at),
                })
            })
            .collect();
        ctx.print_json(&v)?;
        return Ok(0);
    }
    if shown.is_empty() {
        outln!(ctx, "no workshop terminals");
        return Ok(0);
    }
    for t in shown {
        let added = org.zone().local(t.added_at).format("%Y-%m-%d");
        let removed = t
            .removed
            .as_ref()
            .map(|r| {
                format!(
                    "  removed {} by {}",
                    org.zone().local(r.at).format("%Y-%m-%d"),
                    sanitize(&who(r.by))
                )
            })
            .unwrap_or_default();
        outln!(
            ctx,
            "{} {} added {added} by {}{removed}",
            cell(&t.name, 20),
            cell(&t.login, 16),
            sanitize(&who(t.added_by))
        );
    }
    Ok(0)
}

pub fn run_pin(ctx: &Ctx, cmd: PinCmd) -> CliResult {
    match cmd {
        PinCmd::Reset { user } => ctx.run(Command::ResetPin { user }),
        PinCmd::Set { stdin } => {
            if ctx.as_user.is_some() {
                return Err(CliError(
                    "a PIN is set only by its owner: 'pin set' takes no --as; nothing was changed"
                        .into(),
                ));
            }
            // Who you are is checked before the PIN is asked for.
            ctx.session()?.operator()?;
            let pin = if stdin {
                let line = ctx.read_line()?;
                line.strip_suffix('\n')
                    .map(|l| l.strip_suffix('\r').unwrap_or(l))
                    .unwrap_or(&line)
                    .to_string()
            } else if ctx.input_is_terminal() {
                pin_twice(ctx)?
            } else {
                return Err(CliError(
                    "no terminal to ask for the PIN on: pass --stdin to read it from standard input; nothing was changed"
                        .into(),
                ));
            };
            let mut s = ctx.session()?;
            let out = s.set_pin(&pin)?;
            ctx.done(&out);
            Ok(0)
        }
    }
}

/// Asks for the PIN twice, without echo; refuses when they differ.
fn pin_twice(ctx: &Ctx) -> CliResult<String> {
    err!(ctx, "New kiosk PIN: ");
    let first = read_hidden(ctx)?;
    err!(ctx, "The same PIN again: ");
    let second = read_hidden(ctx)?;
    if first != second {
        return Err(CliError("the two PINs differ; nothing was changed".into()));
    }
    Ok(first)
}

/// Echo off on a terminal until dropped: restored on every path out.
struct Hidden<'a> {
    fd: BorrowedFd<'a>,
    saved: Termios,
}

impl<'a> Hidden<'a> {
    fn new(fd: BorrowedFd<'a>) -> CliResult<Hidden<'a>> {
        let saved = termios::tcgetattr(fd)
            .map_err(|e| CliError(format!("cannot read the terminal's settings: {e}")))?;
        let mut quiet = saved.clone();
        // Byte by byte, no echo, and ctrl-c read as a key (so that it ends
        // here, with the echo restored, not in a signal).
        quiet.local_modes -= LocalModes::ECHO | LocalModes::ICANON | LocalModes::ISIG;
        quiet.special_codes[termios::SpecialCodeIndex::VMIN] = 1;
        quiet.special_codes[termios::SpecialCodeIndex::VTIME] = 0;
        termios::tcsetattr(fd, OptionalActions::Now, &quiet)
            .map_err(|e| CliError(format!("cannot turn the terminal's echo off: {e}")))?;
        Ok(Hidden { fd, saved })
    }
}

impl Drop for Hidden<'_> {
    fn drop(&mut self) {
        let _ = termios::tcsetattr(self.fd, OptionalActions::Now, &self.saved);
    }
}

/// One line typed without echo. Ctrl-c or ctrl-d cancels; backspace edits.
fn read_hidden(ctx: &Ctx) -> CliResult<String> {
    let stdin = std::io::stdin();
    let (fd, mut reader): (BorrowedFd<'_>, Box<dyn Read + '_>) = match &ctx.input {
        Some(f) => (f.as_fd(), Box::new(f)),
        None => (stdin.as_fd(), Box::new(stdin.lock())),
    };
    let bytes = {
        let _hidden = Hidden::new(fd)?;
        read_typed(&mut reader)
    };
    errln!(ctx);
    let bytes = bytes?;
    String::from_utf8(bytes).map_err(|_| CliError("the PIN is not UTF-8 text".into()))
}

fn read_typed(reader: &mut dyn Read) -> CliResult<Vec<u8>> {
    let cancelled = || CliError("cancelled; nothing was changed".into());
    let mut bytes = Vec::new();
    let mut b = [0u8; 1];
    loop {
        if reader.read(&mut b)? == 0 {
            return Err(cancelled());
        }
        match b[0] {
            b'\n' | b'\r' => return Ok(bytes),
            0x03 | 0x04 => return Err(cancelled()),
            0x7f | 0x08 => {
                // One character back: its continuation bytes, then its lead.
                while bytes.last().is_some_and(|c| c & 0xc0 == 0x80) {
                    bytes.pop();
                }
                bytes.pop();
            }
            c => bytes.push(c),
        }
    }
}
