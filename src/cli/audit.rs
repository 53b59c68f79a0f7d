//! `clearance audit …`

use std::path::PathBuf;

use clap::Subcommand;
use serde_json::json;

use super::users::require_all;
use super::{CliError, CliResult, Ctx};
use crate::domain::read::Subject;
use crate::domain::text::sanitize;
use crate::store::audit::{hex, Checkpoint};

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
                    out.push(v);
                } else {
                    outln!(
                        ctx,
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
                    );
                    if full {
                        if let Some(r) = e.body.command.import_record() {
                            outln!(ctx, "    {}", r.describe());
                        }
                        for c in &e.body.changes {
                            outln!(ctx, "    {:?}", c.key);
                            outln!(
                                ctx,
                                "      before: {}",
                                sanitize(&serde_json::to_string(&c.before)?)
                            );
                            outln!(
                                ctx,
                                "      after:  {}",
                                sanitize(&serde_json::to_string(&c.after)?)
                            );
                        }
                    }
                }
            }
            if ctx.json {
                ctx.print_json(&out)?;
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
