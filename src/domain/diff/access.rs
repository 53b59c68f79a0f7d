//! What governs access: roles and their levels, separation-of-duties rules
//! with their exceptions, and the organisation's settings (catalog, kinds,
//! policies).

use std::collections::BTreeSet;

use super::{field, line, text_or_none, yes, DiffLine, Mark, Names};
use crate::domain::kinds::AuthorizationKind;
use crate::domain::roles::Role;
use crate::domain::settings::Settings;
use crate::domain::sod::{member_words, SodRule};
use crate::domain::text::sanitize;

type Described = (String, Vec<DiffLine>);

pub(super) fn role(n: &Names, b: Option<&Role>, a: Option<&Role>) -> Described {
    let Some(r) = a.or(b) else {
        return ("role".into(), vec![]);
    };
    let subject = format!("role {}", n.role(r.id));
    let mut out = Vec::new();
    let Some(a) = a else {
        return (subject, out);
    };
    let empty = Role::new(a.id, String::new(), String::new(), Default::default());
    let added = b.is_none();
    let b = b.unwrap_or(&empty);
    if added {
        if !a.description.is_empty() {
            out.push(line(
                Mark::Added,
                format!("description {}", sanitize(&a.description)),
            ));
        }
    } else {
        field(&mut out, "name", sanitize(&b.name), sanitize(&a.name));
        field(
            &mut out,
            "description",
            text_or_none(&b.description),
            text_or_none(&a.description),
        );
    }
    if a.builtin_admin && !b.builtin_admin {
        out.push(line(
            Mark::Added,
            "account administrator: every permission at its top level",
        ));
    }
    let keys: BTreeSet<&String> = b.levels.keys().chain(a.levels.keys()).collect();
    for key in keys {
        let (x, y) = (
            b.levels.get(key).copied().unwrap_or(0),
            a.levels.get(key).copied().unwrap_or(0),
        );
        if x != y {
            let mark = match (x, y) {
                (0, _) => Mark::Added,
                (_, 0) => Mark::Removed,
                _ => Mark::Changed,
            };
            out.push(line(
                mark,
                format!(
                    "{}: {} → {}",
                    sanitize(key),
                    n.level(key, x),
                    n.level(key, y)
                ),
            ));
        }
    }
    for id in a.assignable.difference(&b.assignable) {
        out.push(line(
            Mark::Added,
            format!("may assign role {}", n.role(*id)),
        ));
    }
    for id in b.assignable.difference(&a.assignable) {
        out.push(line(
            Mark::Removed,
            format!("may no longer assign role {}", n.role(*id)),
        ));
    }
    if b.requires_email != a.requires_email {
        out.push(line(
            Mark::Changed,
            format!(
                "holders need an email {} → {}",
                yes(b.requires_email),
                yes(a.requires_email)
            ),
        ));
    }
    (subject, out)
}

pub(super) fn sod_rule(n: &Names, b: Option<&SodRule>, a: Option<&SodRule>) -> Described {
    let Some(r) = a.or(b) else {
        return ("separation-of-duties rule".into(), vec![]);
    };
    let subject = format!("separation-of-duties rule {}", sanitize(&r.name));
    let mut out = Vec::new();
    let Some(a) = a else {
        return (subject, out);
    };
    let members = |r: &SodRule| sanitize(&member_words(n.org, &r.members).join(" + "));
    match b {
        None => {
            out.push(line(Mark::Added, format!("keeps apart {}", members(a))));
            if !a.reason.is_empty() {
                out.push(line(
                    Mark::Added,
                    format!("reason: {}", sanitize(&a.reason)),
                ));
            }
        }
        Some(b) => {
            field(&mut out, "name", sanitize(&b.name), sanitize(&a.name));
            field(
                &mut out,
                "reason",
                text_or_none(&b.reason),
                text_or_none(&a.reason),
            );
            field(&mut out, "keeps apart", members(b), members(a));
            match (&b.removed, &a.removed) {
                (None, Some(r)) => out.push(line(
                    Mark::Removed,
                    format!("rule withdrawn by {}", n.user(r.by)),
                )),
                (Some(_), None) => out.push(line(Mark::Added, "rule in force again")),
                _ => {}
            }
        }
    }
    let none = Vec::new();
    let before = b.map_or(&none, |b| &b.exceptions);
    for e in &a.exceptions {
        let who = n.user(e.user);
        match before.iter().find(|x| x.user == e.user) {
            None => out.push(line(
                Mark::Added,
                format!(
                    "exception for {who} until {} (reason: {})",
                    e.until,
                    sanitize(&e.reason)
                ),
            )),
            Some(x) if x.until != e.until || x.reason != e.reason => out.push(line(
                Mark::Changed,
                format!(
                    "exception for {who} until {} → {} (reason: {})",
                    x.until,
                    e.until,
                    sanitize(&e.reason)
                ),
            )),
            Some(_) => {}
        }
    }
    for x in before
        .iter()
        .filter(|x| !a.exceptions.iter().any(|e| e.user == x.user))
    {
        out.push(line(
            Mark::Removed,
            format!(
                "exception for {} ended (was until {})",
                n.user(x.user),
                x.until
            ),
        ));
    }
    (subject, out)
}

pub(super) fn settings(n: &Names, b: Option<&Settings>, a: Option<&Settings>) -> Described {
    let subject = "organisation settings".to_string();
    let mut out = Vec::new();
    let Some(a) = a else {
        return (subject, out);
    };
    let Some(b) = b else {
        let add = |out: &mut Vec<DiffLine>, t: String| out.push(line(Mark::Added, t));
        add(
            &mut out,
            format!(
                "organisation {} from preset {}",
                sanitize(&a.name),
                sanitize(&a.preset)
            ),
        );
        add(
            &mut out,
            format!(
                "catalog of {} areas, {} permissions",
                a.catalog.areas.len(),
                a.catalog.permissions.len()
            ),
        );
        let codes: Vec<String> = a.kinds.iter().map(|k| sanitize(&k.code)).collect();
        add(
            &mut out,
            format!("authorization kinds {}", text_or_none(&codes.join(", "))),
        );
        add(&mut out, format!("time zone {}", a.time_zone));
        policies(&mut out, None, a);
        return (subject, out);
    };
    field(&mut out, "name", sanitize(&b.name), sanitize(&a.name));
    field(&mut out, "preset", sanitize(&b.preset), sanitize(&a.preset));
    field(
        &mut out,
        "time zone",
        b.time_zone.to_string(),
        a.time_zone.to_string(),
    );
    field(
        &mut out,
        "administrator role",
        n.role(b.admin_role),
        n.role(a.admin_role),
    );
    policies(&mut out, Some(b), a);
    for area in a
        .features_off
        .iter()
        .filter(|x| !b.features_off.contains(x))
    {
        out.push(line(
            Mark::Removed,
            format!("area {} switched off", sanitize(area)),
        ));
    }
    for area in b
        .features_off
        .iter()
        .filter(|x| !a.features_off.contains(x))
    {
        out.push(line(
            Mark::Added,
            format!("area {} switched on", sanitize(area)),
        ));
    }
    kinds(&mut out, &b.kinds, &a.kinds);
    catalog(&mut out, b, a);
    (subject, out)
}

/// One yes/no policy of the settings.
type Policy = fn(&Settings) -> bool;

/// The yes/no policies, each only when it changed (or, for a new
/// organisation, when it is on).
fn policies(out: &mut Vec<DiffLine>, b: Option<&Settings>, a: &Settings) {
    let rows: [(&str, Policy); 4] = [
        ("every change needs a reason", |s| s.reason_required),
        ("setup mode", |s| s.setup_mode),
        ("every user needs a role", |s| s.role_required),
        ("deactivated users read their own records", |s| {
            s.deactivated_read_own
        }),
    ];
    for (label, get) in rows {
        match b {
            None if get(a) => out.push(line(Mark::Added, format!("{label}: yes"))),
            None => {}
            Some(b) => field(out, &format!("{label}:"), yes(get(b)), yes(get(a))),
        }
    }
}

/// Authorization kinds added, removed and changed, by code.
fn kinds(out: &mut Vec<DiffLine>, b: &[AuthorizationKind], a: &[AuthorizationKind]) {
    let requires = |k: &AuthorizationKind| {
        let w: Vec<String> = k.requires.iter().map(|r| r.word()).collect();
        text_or_none(&w.join(", "))
    };
    for k in a {
        let code = sanitize(&k.code);
        let Some(x) = b.iter().find(|x| x.code == k.code) else {
            out.push(line(
                Mark::Added,
                format!("authorization kind {code} ({})", sanitize(&k.name)),
            ));
            continue;
        };
        let months = |k: &AuthorizationKind| {
            k.max_validity_months
                .map_or("no limit".into(), |m| format!("{m} months"))
        };
        let rows = [
            ("name", sanitize(&x.name), sanitize(&k.name)),
            (
                "expiry required",
                yes(x.expiry_required),
                yes(k.expiry_required),
            ),
            ("maximum validity", months(x), months(k)),
            (
                "warning days",
                x.warning_days.to_string(),
                k.warning_days.to_string(),
            ),
            ("independent", yes(x.independent), yes(k.independent)),
            ("bases required", requires(x), requires(k)),
            (
                "explicit types",
                yes(x.explicit_types),
                yes(k.explicit_types),
            ),
            (
                "reason required",
                yes(x.reason_required),
                yes(k.reason_required),
            ),
        ];
        for (label, before, after) in rows {
            field(out, &format!("kind {code} {label}"), before, after);
        }
    }
    for x in b.iter().filter(|x| !a.iter().any(|k| k.code == x.code)) {
        out.push(line(
            Mark::Removed,
            format!("authorization kind {}", sanitize(&x.code)),
        ));
    }
}

/// Areas and permissions added, removed and changed, by key.
fn catalog(out: &mut Vec<DiffLine>, b: &Settings, a: &Settings) {
    if b.catalog == a.catalog {
        return;
    }
    let before = out.len();
    let (bc, ac) = (&b.catalog, &a.catalog);
    for x in ac
        .areas
        .iter()
        .filter(|x| !bc.areas.iter().any(|y| y.key == x.key))
    {
        out.push(line(Mark::Added, format!("area {}", sanitize(&x.key))));
    }
    for y in bc
        .areas
        .iter()
        .filter(|y| !ac.areas.iter().any(|x| x.key == y.key))
    {
        out.push(line(Mark::Removed, format!("area {}", sanitize(&y.key))));
    }
    for p in &ac.permissions {
        let key = sanitize(&p.key);
        match bc.permissions.iter().find(|q| q.key == p.key) {
            None => out.push(line(
                Mark::Added,
                format!("permission {key} ({} scale)", p.scale.name()),
            )),
            Some(q) if q != p => {
                field(
                    out,
                    &format!("permission {key} label"),
                    sanitize(&q.label),
                    sanitize(&p.label),
                );
                field(
                    out,
                    &format!("permission {key} scale"),
                    q.scale.level_words(),
                    p.scale.level_words(),
                );
                field(
                    out,
                    &format!("permission {key} setup only:"),
                    yes(q.setup_only),
                    yes(p.setup_only),
                );
                field(
                    out,
                    &format!("permission {key} conditions"),
                    text_or_none(&q.conditions_word().unwrap_or_default()),
                    text_or_none(&p.conditions_word().unwrap_or_default()),
                );
            }
            Some(_) => {}
        }
    }
    for q in bc
        .permissions
        .iter()
        .filter(|q| !ac.permissions.iter().any(|p| p.key == q.key))
    {
        out.push(line(
            Mark::Removed,
            format!("permission {}", sanitize(&q.key)),
        ));
    }
    if out.len() == before {
        out.push(line(Mark::Changed, "catalog changed"));
    }
}
