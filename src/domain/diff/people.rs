//! People and what they hold: users (with their role assignments and
//! personal grants), qualifications, authorizations, kiosk PINs, and the
//! workshop terminals.

use super::{day, field, line, text_or_none, until, DiffLine, Mark, Names};
use crate::domain::authorizations::Authorization;
use crate::domain::kiosk::{Pin, Terminal};
use crate::domain::qualifications::Qualification;
use crate::domain::text::sanitize;
use crate::domain::users::User;

type Described = (String, Vec<DiffLine>);

fn opt_text(s: &Option<String>) -> String {
    s.as_deref().map_or_else(|| "none".into(), sanitize)
}

pub(super) fn user(n: &Names, b: Option<&User>, a: Option<&User>) -> Described {
    let Some(u) = a.or(b) else {
        return ("user".into(), vec![]);
    };
    let who = n.user(u.id);
    let subject = format!("user {who}");
    let mut out = Vec::new();
    let Some(a) = a else {
        return (subject, out);
    };
    let Some(b) = b else {
        for (label, v) in [("email", &a.email), ("login", &a.login)] {
            if let Some(v) = v {
                out.push(line(Mark::Added, format!("{label} {}", sanitize(v))));
            }
        }
        out.push(line(Mark::Added, format!("status {}", a.status.word())));
        if let Some(d) = a.access_until {
            out.push(line(Mark::Added, format!("access until {d}")));
        }
        assignments(n, &who, &[], &a.roles, &mut out);
        grants(n, &who, &[], &a.grants, &mut out);
        if let Some(i) = &a.invitation {
            out.push(line(
                Mark::Added,
                format!("invited (the code is valid until {})", n.instant(i.expires)),
            ));
        }
        return (subject, out);
    };
    field(
        &mut out,
        "given name",
        sanitize(&b.given),
        sanitize(&a.given),
    );
    field(
        &mut out,
        "family name",
        sanitize(&b.family),
        sanitize(&a.family),
    );
    field(&mut out, "email", opt_text(&b.email), opt_text(&a.email));
    field(&mut out, "login", opt_text(&b.login), opt_text(&a.login));
    field(
        &mut out,
        "status",
        b.status.word().into(),
        a.status.word().into(),
    );
    field(
        &mut out,
        "access until",
        day(b.access_until, "no end"),
        day(a.access_until, "no end"),
    );
    assignments(n, &who, &b.roles, &a.roles, &mut out);
    grants(n, &who, &b.grants, &a.grants, &mut out);
    match (&b.invitation, &a.invitation) {
        (None, Some(i)) => out.push(line(
            Mark::Added,
            format!("invited (the code is valid until {})", n.instant(i.expires)),
        )),
        (Some(x), Some(i)) if x != i => out.push(line(
            Mark::Changed,
            format!(
                "invited again (the new code is valid until {})",
                n.instant(i.expires)
            ),
        )),
        (Some(_), None) => out.push(line(Mark::Removed, "invitation closed")),
        _ => {}
    }
    (subject, out)
}

/// Role assignments given, taken away and changed.
fn assignments(
    n: &Names,
    who: &str,
    b: &[crate::domain::users::RoleAssignment],
    a: &[crate::domain::users::RoleAssignment],
    out: &mut Vec<DiffLine>,
) {
    for x in a {
        let role = n.role(x.role);
        match b.iter().find(|y| y.role == x.role) {
            None => out.push(line(
                Mark::Added,
                format!("assigned role {role} to {who}{}", until(x.until)),
            )),
            Some(y) if y.until != x.until => out.push(line(
                Mark::Changed,
                format!(
                    "role {role} until {} → {}",
                    day(y.until, "no end"),
                    day(x.until, "no end")
                ),
            )),
            Some(_) => {}
        }
    }
    for y in b.iter().filter(|y| !a.iter().any(|x| x.role == y.role)) {
        out.push(line(
            Mark::Removed,
            format!("unassigned role {} from {who}", n.role(y.role)),
        ));
    }
}

/// Personal grants given, withdrawn and changed, levels in words.
fn grants(
    n: &Names,
    who: &str,
    b: &[crate::domain::users::PersonalGrant],
    a: &[crate::domain::users::PersonalGrant],
    out: &mut Vec<DiffLine>,
) {
    for x in a {
        let key = sanitize(&x.permission);
        let now = n.level(&x.permission, x.level);
        match b.iter().find(|y| y.permission == x.permission) {
            None => out.push(line(
                Mark::Added,
                format!(
                    "granted {key}: {} → {now} to {who}{}",
                    n.level(&x.permission, 0),
                    until(x.until)
                ),
            )),
            Some(y) => {
                if y.level != x.level {
                    out.push(line(
                        Mark::Changed,
                        format!(
                            "personal grant {key}: {} → {now}",
                            n.level(&y.permission, y.level)
                        ),
                    ));
                }
                if y.until != x.until {
                    out.push(line(
                        Mark::Changed,
                        format!(
                            "personal grant {key} until {} → {}",
                            day(y.until, "no end"),
                            day(x.until, "no end")
                        ),
                    ));
                }
            }
        }
    }
    for y in b
        .iter()
        .filter(|y| !a.iter().any(|x| x.permission == y.permission))
    {
        out.push(line(
            Mark::Removed,
            format!(
                "withdrew personal grant {}: {} → {} from {who}",
                sanitize(&y.permission),
                n.level(&y.permission, y.level),
                n.level(&y.permission, 0)
            ),
        ));
    }
}

pub(super) fn qualification(
    n: &Names,
    b: Option<&Qualification>,
    a: Option<&Qualification>,
) -> Described {
    let Some(q) = a.or(b) else {
        return ("qualification".into(), vec![]);
    };
    let subject = format!(
        "qualification {} of {}",
        sanitize(&q.describe()),
        n.user(q.holder)
    );
    let mut out = Vec::new();
    let Some(a) = a else {
        return (subject, out);
    };
    let Some(b) = b else {
        out.push(line(Mark::Added, format!("issued {}", a.issued)));
        out.push(line(
            Mark::Added,
            format!("expires {}", day(a.expires, "never")),
        ));
        return (subject, out);
    };
    field(&mut out, "kind", b.kind.word().into(), a.kind.word().into());
    field(&mut out, "number", sanitize(&b.number), sanitize(&a.number));
    let list = |v: &[String]| text_or_none(&v.join(","));
    field(
        &mut out,
        "categories",
        list(&b.categories),
        list(&a.categories),
    );
    field(
        &mut out,
        "type ratings",
        list(&b.type_ratings),
        list(&a.type_ratings),
    );
    field(
        &mut out,
        "issued",
        b.issued.to_string(),
        a.issued.to_string(),
    );
    field(
        &mut out,
        "expires",
        day(b.expires, "never"),
        day(a.expires, "never"),
    );
    field(&mut out, "holder", n.user(b.holder), n.user(a.holder));
    (subject, out)
}

pub(super) fn authorization(
    n: &Names,
    b: Option<&Authorization>,
    a: Option<&Authorization>,
) -> Described {
    let Some(x) = a.or(b) else {
        return ("authorization".into(), vec![]);
    };
    let subject = format!(
        "authorization {} ({}) of {}",
        sanitize(&x.reference),
        sanitize(&x.kind),
        n.user(x.holder)
    );
    let mut out = Vec::new();
    let Some(a) = a else {
        return (subject, out);
    };
    let bases = |v: &[u32]| {
        if v.is_empty() {
            "none".to_string()
        } else {
            v.iter()
                .map(|q| n.qualification(*q))
                .collect::<Vec<_>>()
                .join("; ")
        }
    };
    let Some(b) = b else {
        let add = |out: &mut Vec<DiffLine>, t: String| out.push(line(Mark::Added, t));
        add(&mut out, format!("issued to {}", n.user(a.holder)));
        add(&mut out, format!("scope {}", sanitize(&a.scope.describe())));
        if !a.limitations.is_empty() {
            add(
                &mut out,
                format!("limitations {}", sanitize(&a.limitations)),
            );
        }
        if a.first_issue != a.effective_from {
            add(&mut out, format!("first issued {}", a.first_issue));
        }
        add(&mut out, format!("effective from {}", a.effective_from));
        add(&mut out, format!("expires {}", day(a.expires, "never")));
        if !a.bases.is_empty() {
            add(&mut out, format!("bases {}", bases(&a.bases)));
        }
        add(&mut out, format!("status {}", a.status.word()));
        return (subject, out);
    };
    field(
        &mut out,
        "reference",
        sanitize(&b.reference),
        sanitize(&a.reference),
    );
    field(&mut out, "kind", sanitize(&b.kind), sanitize(&a.kind));
    field(&mut out, "holder", n.user(b.holder), n.user(a.holder));
    field(
        &mut out,
        "scope",
        sanitize(&b.scope.describe()),
        sanitize(&a.scope.describe()),
    );
    field(
        &mut out,
        "limitations",
        text_or_none(&b.limitations),
        text_or_none(&a.limitations),
    );
    field(
        &mut out,
        "first issued",
        b.first_issue.to_string(),
        a.first_issue.to_string(),
    );
    field(
        &mut out,
        "effective from",
        b.effective_from.to_string(),
        a.effective_from.to_string(),
    );
    field(
        &mut out,
        "expires",
        day(b.expires, "never"),
        day(a.expires, "never"),
    );
    field(&mut out, "bases", bases(&b.bases), bases(&a.bases));
    if b.status != a.status {
        // The status change's reason is the newest history entry.
        let why = a
            .history
            .get(b.history.len()..)
            .and_then(|h| h.last())
            .filter(|h| h.status == a.status && !h.reason.is_empty())
            .map(|h| format!(" (reason: {})", sanitize(&h.reason)))
            .unwrap_or_default();
        out.push(line(
            Mark::Changed,
            format!("status {} → {}{why}", b.status.word(), a.status.word()),
        ));
    }
    (subject, out)
}

pub(super) fn terminal(n: &Names, b: Option<&Terminal>, a: Option<&Terminal>) -> Described {
    let Some(t) = a.or(b) else {
        return ("terminal".into(), vec![]);
    };
    let subject = format!(
        "terminal {} (login {})",
        sanitize(&t.name),
        sanitize(&t.login)
    );
    let mut out = Vec::new();
    let (Some(b), Some(a)) = (b, a) else {
        return (subject, out);
    };
    field(&mut out, "name", sanitize(&b.name), sanitize(&a.name));
    field(&mut out, "login", sanitize(&b.login), sanitize(&a.login));
    match (&b.removed, &a.removed) {
        (None, Some(r)) => out.push(line(
            Mark::Removed,
            format!("taken out of use by {}", n.user(r.by)),
        )),
        (Some(_), None) => out.push(line(Mark::Added, "back in use")),
        _ => {}
    }
    (subject, out)
}

/// A kiosk PIN: whether it was set, changed or cleared — never the hash —
/// and its failure count and lock.
pub(super) fn pin(n: &Names, b: Option<&Pin>, a: Option<&Pin>) -> Described {
    let Some(p) = a.or(b) else {
        return ("kiosk PIN".into(), vec![]);
    };
    let subject = format!("kiosk PIN of {}", n.user(p.user));
    let mut out = Vec::new();
    let none = Pin::new(p.user);
    let (b, a) = (b.unwrap_or(&none), a.unwrap_or(&none));
    match (&b.hash, &a.hash) {
        (None, Some(_)) => out.push(line(Mark::Added, "PIN set")),
        (Some(x), Some(y)) if x != y => out.push(line(Mark::Changed, "PIN changed")),
        (Some(_), None) => out.push(line(Mark::Removed, "PIN cleared")),
        _ => {}
    }
    if b.failures != a.failures {
        out.push(line(
            Mark::Changed,
            format!("wrong PINs in a row {} → {}", b.failures, a.failures),
        ));
    }
    match (b.locked_until, a.locked_until) {
        (None, Some(t)) => out.push(line(Mark::Added, format!("locked until {}", n.instant(t)))),
        (Some(_), None) => out.push(line(Mark::Removed, "lock lifted")),
        (Some(x), Some(y)) if x != y => out.push(line(
            Mark::Changed,
            format!("locked until {} → {}", n.instant(x), n.instant(y)),
        )),
        _ => {}
    }
    // Only the time it was set differs: say so rather than print fields.
    if out.is_empty() && b.set_at != a.set_at {
        out.push(line(Mark::Changed, "PIN set again"));
    }
    (subject, out)
}
