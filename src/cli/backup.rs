//! `backup` and `restore`: a consistent copy of the whole database, the
//! audit chain and its head included, and its restoration into a new one.

use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use super::users::require_all;
use super::{CliResult, Ctx};
use crate::domain::read::Subject;
use crate::store::audit::hex;
use crate::store::Store;

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The file to write (replaced only once the new copy is complete)
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// A file written by 'clearance backup'
    pub file: PathBuf,
}

pub fn backup(ctx: &Ctx, a: BackupArgs) -> CliResult {
    let s = ctx.session()?;
    require_all(&s, ctx, Subject::Export)?;
    let b = match ctx.passed_file() {
        // At a server: into the file the client opened; it puts it in place.
        Some(f) => s.store().backup_into(f, &a.file)?,
        None => s.store().backup(&a.file)?,
    };
    if ctx.json {
        ctx.print_json(&json!({"ok": true, "file": a.file, "items": b.items,
            "head_seq": b.head.seq, "head_hash": hex(&b.head.hash)}))?;
    } else {
        outln!(
            ctx,
            "backed up {} items, audit head #{} {}, to {}",
            b.items,
            b.head.seq,
            hex(&b.head.hash),
            a.file.display()
        );
    }
    Ok(0)
}

pub fn restore(ctx: &Ctx, a: RestoreArgs) -> CliResult {
    let b = Store::restore(&ctx.db, &ctx.login, &a.file)?;
    if ctx.json {
        ctx.print_json(&json!({"ok": true, "db": ctx.db, "items": b.items,
            "head_seq": b.head.seq, "head_hash": hex(&b.head.hash)}))?;
    } else {
        outln!(
            ctx,
            "restored {} items into {}; the audit chain verifies, head #{} {}",
            b.items,
            ctx.db.display(),
            b.head.seq,
            hex(&b.head.hash)
        );
    }
    Ok(0)
}
