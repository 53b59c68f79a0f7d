//! `clearance audit …`

use std::path::PathBuf;

use clap::Subcommand;
use serde_json::json;

use super::users::require_all;
use super::{CliError, CliResult, Ctx};
use crate::domain::diff::diff_text;
use crate::domain::org::Organisation;
use crate::domain::read::Subject;
use crate::domain::text::sanitize;
use crate::store::audit::{hex, AuditEntry, Checkpoint};

#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// The log, newest first
    List {
        /// How many entries
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// Show records before and after
        #[arg(long)]
        full: bool,
    },
    /// One entry in full: who, when, why, and what it changed in words
    /// (with --json: the entry with its records before and after)
    Show {
        /// The entry's sequence number (`audit list` shows it)
        seq: u64,
    },
    /// Verify the hash chain (and, with --anchor, against an exported checkpoint)
    Verify {
        #[arg(long, value_name = "FILE")]
        anchor: Option<PathBuf>,
    },
    /// Write the chain head to a file (or stdout) to detect later truncation or rollback
    Checkpoint {
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

pub fn run(ctx: &Ctx, cmd: AuditCmd) -> CliResult {
    let s = ctx.session_to_inspect()?;
    require_all(&s, ctx, Subject::Audit)?;
    let org = s.org();
    let who = |id: u32| {
        org.users
            .get(&id)
            .map(|u| u.handle())
            .unwrap_or_else(|| format!("#{id}"))
    };
    match cmd {
        AuditCmd::List { limit, full } => {
            let mut entries = s.audit_entries();
            entries.reverse();
            let mut out = Vec::new();
            for e in entries.into_iter().take(limit) {
                let e = e.map_err(CliError)?;
                if ctx.json {
                    out.push(entry_json(&e, &who, full)?);
                } else {
                    outln!(ctx, "{}", entry_line(&e, &who));
                    if full {
                        for l in entry_diff(org, &e) {
                            outln!(ctx, "    {l}");
                        }
                    }
                }
            }
            if ctx.json {
                ctx.print_json(&out)?;
            }
            Ok(0)
        }
        AuditCmd::Show { seq } => {
            let e = s
                .audit_entries()
                .into_iter()
                .filter_map(Result::ok)
                .find(|e| e.seq == seq)
                .ok_or_else(|| CliError(format!("no readable audit entry #{seq}")))?;
            if ctx.json {
                ctx.print_json(&entry_json(&e, &who, true)?)?;
                return Ok(0);
            }
            outln!(ctx, "entry    #{} {}", e.seq, e.body.command.name());
            outln!(
                ctx,
                "at       {}",
                e.body
                    .at
                    .with_timezone(&chrono::Local)
                    .format("%Y-%m-%d %H:%M:%S %Z")
            );
            let person = |id: u32| match org.users.get(&id) {
                Some(u) => sanitize(&format!("{} ({})", u.name(), u.handle())),
                None => format!("#{id}"),
            };
            outln!(
                ctx,
                "by       {}, OS login {}",
                person(e.body.operator),
                sanitize(&e.body.operator_login)
            );
            if let Some(a) = e.body.acting_as {
                outln!(ctx, "as       {}", person(a));
            }
            if let Some(r) = e.body.command.reason() {
                outln!(ctx, "reason   {}", sanitize(r));
            }
            outln!(ctx, "summary  {}", sanitize(&e.body.summary));
            outln!(ctx, "hash     {}", hex(&e.hash));
            outln!(ctx, "previous {}", hex(&e.prev_hash));
            for l in entry_diff(org, &e) {
                outln!(ctx, "{l}");
            }
            Ok(0)
        }
        AuditCmd::Verify { anchor } => {
            let anchor = anchor
                .map(|p| {
                    std::fs::read_to_string(&p)
                        .map_err(|e| CliError(format!("cannot read {}: {e}", p.display())))
                        .and_then(|t| {
                            Checkpoint::parse(&t)
                                .map_err(|e| CliError(format!("{}: {e}", p.display())))
                        })
                })
                .transpose()?;
            let v = s.store().verify_all(anchor)?;
            if ctx.json {
                ctx.print_json(&json!({"ok": v.ok(), "entries": v.entries, "head_seq": v.head_seq, "head_hash": v.head_hash, "problems": v.problems}))?;
            } else if v.ok() {
                outln!(ctx,
                    "audit chain intact: {} entries, head #{} {}; every record, index and counter is what it derives",
                    v.entries, v.head_seq, v.head_hash
                );
            } else {
                outln!(
                    ctx,
                    "{} ({} problem(s)):",
                    if v.chain_intact {
                        "RECORDS DIFFER FROM THE AUDIT LOG"
                    } else {
                        "AUDIT CHAIN BROKEN"
                    },
                    v.problems.len()
                );
                for p in &v.problems {
                    outln!(ctx, "  {}", sanitize(p));
                }
            }
            Ok(if v.ok() { 0 } else { super::EXIT_DENIED })
        }
        AuditCmd::Checkpoint { output } => {
            let head = s.store().head();
            let text = head.to_text();
            match output {
                Some(p) => {
                    std::fs::write(&p, &text)
                        .map_err(|e| CliError(format!("cannot write {}: {e}", p.display())))?;
                    outln!(
                        ctx,
                        "checkpoint of entry #{} written to {}",
                        head.seq,
                        p.display()
                    );
                }
                None => out!(ctx, "{text}"),
            }
            Ok(0)
        }
    }
}

/// One entry as JSON (`audit list --json`, `audit show --json`): with
/// `full`, its records before and after as stored, and an import's record.
fn entry_json(
    e: &AuditEntry,
    who: &dyn Fn(u32) -> String,
    full: bool,
) -> Result<serde_json::Value, CliError> {
    let mut v = json!({
        "seq": e.seq, "at": e.body.at, "operator": who(e.body.operator),
        "operator_login": e.body.operator_login,
        "acting_as": e.body.acting_as.map(who), "command": e.body.command.name(),
        "summary": e.body.summary, "reason": e.body.command.reason(),
        "hash": hex(&e.hash), "prev_hash": hex(&e.prev_hash),
    });
    if full {
        v["changes"] = serde_json::to_value(&e.body.changes)?;
        if let Some(r) = e.body.command.import_record() {
            v["replaced_by"] = json!({
                "records": r.items, "bytes": r.bytes, "sha256": hex(&r.digest),
                "users": r.users, "roles": r.roles,
                "qualifications": r.qualifications, "authorizations": r.authorizations,
            });
        }
    }
    Ok(v)
}

/// One entry on one line: "#12 2026-03-02 09:30:00 avery [user add] …".
fn entry_line(e: &AuditEntry, who: &dyn Fn(u32) -> String) -> String {
    format!(
        "#{} {} {}{} [{}] {}",
        e.seq,
        e.body
            .at
            .with_timezone(&chrono::Local)
            .format("%Y-%m-%d %H:%M:%S"),
        sanitize(&who(e.body.operator)),
        e.body
            .acting_as
            .map(|a| format!(" as {}", sanitize(&who(a))))
            .unwrap_or_default(),
        e.body.command.name(),
        sanitize(&e.body.summary)
    )
}

/// What an entry changed, in words (an import's record first).
fn entry_diff(org: &Organisation, e: &AuditEntry) -> Vec<String> {
    let mut out: Vec<String> = e
        .body
        .command
        .import_record()
        .map(|r| sanitize(&r.describe()))
        .into_iter()
        .collect();
    out.extend(diff_text(org, &e.body.changes).iter().map(|l| sanitize(l)));
    out
}
