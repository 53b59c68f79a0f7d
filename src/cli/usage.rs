//! `clearance usage`: the last activity a server saw of each person — their
//! last sign-in, and per permission the last allowed check or signoff about
//! them — for access reviews. Evidence kept by the server, not audited (see
//! `store::usage`). Read as people's records are read: yourself always,
//! others with `users.view` or `users.manage`.

use chrono::{DateTime, Utc};
use clap::Args;
use serde_json::json;

use super::{CliResult, Ctx};
use crate::domain::read::{self, Subject};
use crate::domain::text::sanitize;
use crate::ops::{self, usage};

#[derive(Debug, Args)]
pub struct UsageArgs {
    /// The person (login, email or #id); default: everyone you may read
    pub user: Option<String>,
}

/// An instant on screen: local time, to the second.
fn local(at: DateTime<Utc>) -> String {
    at.with_timezone(&chrono::Local)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

pub fn usage(ctx: &Ctx, a: UsageArgs) -> CliResult {
    let s = ctx.session()?;
    let org = s.org();
    let now = s.now();
    let actor = ops::actor_of(org, &ctx.login, ctx.as_user.as_deref(), now)?;
    let users = match &a.user {
        Some(name) => {
            let u = org.resolve_user(name)?;
            if u.id != actor.effective() {
                let me = org.user(actor.effective())?;
                read::require_holder(org, me, Subject::Users, u.id, now)?;
            }
            Some(vec![u.id])
        }
        None => None,
    };
    let all = usage::visible(
        org,
        actor.effective(),
        users.as_deref(),
        s.usage_all()?,
        now,
    )?;
    if ctx.json {
        let items: Vec<_> = all
            .iter()
            .filter_map(|(id, u)| Some((org.user(*id).ok()?, u)))
            .map(|(user, u)| {
                json!({
                    "id": user.id,
                    "user": user.handle(),
                    "name": user.name(),
                    "last_sign_in": u.last_sign_in,
                    "last_allowed": u.last_allowed,
                })
            })
            .collect();
        ctx.print_json(&items)?;
        return Ok(0);
    }
    for (id, u) in &all {
        let Ok(user) = org.user(*id) else {
            continue;
        };
        outln!(
            ctx,
            "{} ({})",
            sanitize(&user.name()),
            sanitize(&user.handle())
        );
        if u.is_empty() {
            outln!(ctx, "  never seen");
            continue;
        }
        outln!(
            ctx,
            "  last sign-in  {}",
            u.last_sign_in.map_or("never seen".into(), local)
        );
        if u.last_allowed.is_empty() {
            outln!(ctx, "  no allowed check or signoff seen");
        }
        let width = u.last_allowed.keys().map(|k| k.len()).max().unwrap_or(0);
        for (perm, at) in &u.last_allowed {
            outln!(ctx, "  {:width$}  {}", sanitize(perm), local(*at));
        }
    }
    Ok(0)
}
