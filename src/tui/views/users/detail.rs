//! The Users tab's detail pane: the selected person's record, roles,
//! grants, qualifications and authorizations.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::UsersView;
use crate::domain::authorizations::Standing;
use crate::domain::text::sanitize;
use crate::domain::users::{User, UserStatus};
use crate::tui::view::Cx;
use crate::tui::views::pane;

impl UsersView {
    pub(super) fn detail(&self, f: &mut Frame, area: Rect, cx: &Cx) {
        let block = pane("Detail".into(), cx, false);
        let Some(u) = self.selected(cx) else {
            f.render_widget(block, area);
            return;
        };
        f.render_widget(
            Paragraph::new(lines(u, cx))
                .block(block)
                .wrap(Wrap { trim: false }),
            area,
        );
    }
}

/// A person's detail as plain text lines (enter on a user, view only).
pub(super) fn summary(u: &User, cx: &Cx) -> Vec<String> {
    lines(u, cx).iter().map(|l| l.to_string()).collect()
}

/// A person's record, roles, grants, qualifications and authorizations.
fn lines(u: &User, cx: &Cx) -> Vec<Line<'static>> {
    let t = cx.theme;
    let today = cx.today();
    let mut lines = vec![
        Line::styled(sanitize(&u.name()), t.title),
        Line::from(format!(
            "email   {}",
            sanitize(u.email.as_deref().unwrap_or("none (no login)"))
        )),
        Line::from(format!(
            "login   {}",
            sanitize(u.login.as_deref().unwrap_or("not bound"))
        )),
        Line::from(vec![Span::raw("status  "), status_span(u, cx)]),
    ];
    if let Some(d) = u.access_until {
        lines.push(Line::from(format!("access until {d}")));
    }
    if let Some(i) = &u.invitation {
        lines.push(Line::from(format!(
            "invitation sent {}, expires {}",
            i.sent_at.with_timezone(&chrono::Local).format("%Y-%m-%d"),
            i.expires
                .with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M")
        )));
    }
    lines.push(Line::styled("Roles", t.title));
    if u.roles.is_empty() {
        lines.push(Line::styled("  none", t.muted));
    }
    for a in &u.roles {
        let name = cx
            .org
            .roles
            .get(&a.role)
            .map(|r| r.name.clone())
            .unwrap_or_default();
        let (extra, style) = match a.until {
            Some(d) if d < today => (format!(" (expired {d})"), t.expired),
            Some(d) => (format!(" (until {d})"), t.normal),
            None => (String::new(), t.normal),
        };
        lines.push(Line::styled(format!("  {}{extra}", sanitize(&name)), style));
    }
    if !u.grants.is_empty() {
        lines.push(Line::styled("Personal grants", t.title));
        for g in &u.grants {
            let word = cx
                .org
                .catalog()
                .index_of(&g.permission)
                .map(|i| cx.org.catalog().get(i).scale.level_word(g.level))
                .unwrap_or_default();
            let until = g.until.map(|d| format!(" until {d}")).unwrap_or_default();
            lines.push(Line::from(format!("  {} = {word}{until}", g.permission)));
        }
    }
    let quals: Vec<_> = cx
        .org
        .qualifications
        .values()
        .filter(|q| q.holder == u.id)
        .collect();
    if !quals.is_empty() {
        lines.push(Line::styled("Qualifications", t.title));
        for q in quals {
            let ok = q.valid_on(today);
            lines.push(Line::styled(
                format!(
                    "  {} {}",
                    if ok { cx.sym.valid() } else { cx.sym.expired() },
                    sanitize(&q.describe())
                ),
                if ok { t.normal } else { t.expired },
            ));
        }
    }
    let auths: Vec<_> = cx
        .org
        .authorizations
        .values()
        .filter(|a| a.holder == u.id)
        .collect();
    if !auths.is_empty() {
        lines.push(Line::styled("Authorizations", t.title));
        for a in auths {
            let st = crate::domain::bases::standing(cx.org, a, today);
            let (sym, style) = standing_mark(st, cx);
            lines.push(Line::styled(
                format!(
                    "  {sym} {} {} — {}",
                    sanitize(&a.reference),
                    sanitize(&a.kind),
                    st.word()
                ),
                style,
            ));
        }
    }
    lines
}

pub fn standing_mark(st: Standing, cx: &Cx) -> (&'static str, Style) {
    match st {
        Standing::Valid => (cx.sym.valid(), cx.theme.granted),
        Standing::Expiring => (cx.sym.expiring(), cx.theme.expiring),
        Standing::Expired | Standing::NotYetEffective | Standing::MissingBasis => {
            (cx.sym.expired(), cx.theme.expired)
        }
        Standing::Suspended | Standing::Revoked => (cx.sym.suspended(), cx.theme.suspended),
    }
}

pub(super) fn status_span(u: &User, cx: &Cx) -> Span<'static> {
    let expired = u.status == UserStatus::Active && !u.holds_access(cx.now, cx.org.zone());
    let (word, style) = match u.status {
        _ if expired => ("expired", cx.theme.expired),
        UserStatus::Active => ("active", cx.theme.granted),
        UserStatus::Invited => ("invited", cx.theme.expiring),
        UserStatus::Deactivated => ("deactivated", cx.theme.muted),
        UserStatus::Deleted => ("deleted", cx.theme.denied),
    };
    Span::styled(word, style)
}
