//! The Authorizations tab: every authorization sorted by expiry with its
//! standing as symbol and colour (✓ valid, ! expiring within the kind's
//! horizon, ✗ expired, ⊘ suspended or revoked), the holder's qualifications
//! alongside, and issue / renew / suspend / reinstate / revoke as commands.

use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::users::standing_mark;
use super::{pane, quals, split_detail};
use crate::domain::authorizations::{
    Authorization, AuthorizationId, AuthorizationStatus, Standing,
};
use crate::domain::catalog::system;
use crate::domain::command::{Command, NewAuthorization};
use crate::domain::text::sanitize;
use crate::domain::users::{User, UserId};
use crate::tui::keymap::{Action, Context};
use crate::tui::popups::Popup;
use crate::tui::view::{Cx, Effect, Tab, View};
use crate::tui::widgets::form::{self, Field, Form};
use crate::tui::widgets::palette::FuzzyFilter;
use crate::tui::widgets::reason::ReasonNeed;
use crate::tui::widgets::table::{
    filter_key, filter_paste, render_columns, Column, ColumnWidths, FilterKey, ListState,
};

const FORM_NEW: u32 = 1;
const FORM_RENEW: u32 = 2;
const FORM_SUSPEND: u32 = 3;
const FORM_REINSTATE: u32 = 4;
const FORM_REVOKE: u32 = 5;
const FORM_EDIT: u32 = 6;
/// Whom a new authorization is for (asked first, so that its bases can
/// be chosen from their qualifications).
const FORM_NEW_HOLDER: u32 = 7;

const FILTERS: [&str; 5] = [
    "all",
    "valid",
    "expiring",
    "expired",
    "suspended or revoked",
];

#[derive(Default)]
pub struct AuthorizationsView {
    pub list: ListState,
    pub filter: String,
    pub filtering: bool,
    standing_filter: usize,
    rows: Vec<AuthorizationId>,
    built_for: Option<(u64, String, usize)>,
    page: usize,
    widths: ColumnWidths,
}

/// The Authorizations table: standing, holder, reference and expiry
/// matter most; the scope and the first day give way when narrow.
const COLUMNS: [Column; 7] = [
    Column::new("", 10, 1, 1),
    Column::new("PERSON", 8, 10, 24),
    Column::new("REF", 7, 6, 12),
    Column::new("KIND", 6, 4, 8),
    Column::new("SCOPE", 4, 10, 60),
    Column::new("FROM", 3, 10, 10),
    Column::new("EXPIRES", 9, 10, 10),
];

impl AuthorizationsView {
    fn rebuild(&mut self, cx: &Cx) {
        let key = (cx.version, self.filter.clone(), self.standing_filter);
        if self.built_for.as_ref() == Some(&key) {
            return;
        }
        let today = cx.today();
        let wanted = self.standing_filter % FILTERS.len();
        let mut list: Vec<&Authorization> = cx
            .org
            .authorizations
            .values()
            .filter(|a| {
                let s = crate::domain::bases::standing(cx.org, a, today);
                match wanted {
                    1 => s == Standing::Valid,
                    2 => s == Standing::Expiring,
                    3 => matches!(
                        s,
                        Standing::Expired | Standing::NotYetEffective | Standing::MissingBasis
                    ),
                    4 => matches!(s, Standing::Suspended | Standing::Revoked),
                    _ => true,
                }
            })
            .collect();
        list.sort_by_key(|a| (a.expires.is_none(), a.expires, a.reference.clone()));
        if !self.filter.trim().is_empty() {
            let texts: Vec<String> = list
                .iter()
                .map(|a| {
                    let who = cx
                        .org
                        .users
                        .get(&a.holder)
                        .map(|u| u.name())
                        .unwrap_or_default();
                    format!("{} {} {} {}", a.reference, who, a.kind, a.scope.describe())
                })
                .collect();
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            let mut f = FuzzyFilter::default();
            list = f
                .apply(&self.filter, &refs)
                .into_iter()
                .map(|i| list[i])
                .collect();
        }
        self.rows = list.into_iter().map(|a| a.id).collect();
        self.built_for = Some(key);
        self.list.clamp(self.rows.len());
    }

    fn selected<'a>(&self, cx: &Cx<'a>) -> Option<&'a Authorization> {
        self.rows
            .get(self.list.selected)
            .and_then(|id| cx.org.authorizations.get(id))
    }

    fn reason_form(&self, title: &str, tag: u32) -> Effect {
        let form = Form::new(
            title,
            vec![Field::text(
                "Reason",
                "",
                "required: why, for the record",
                form::required,
            )],
        );
        Effect::Open(Popup::Form(form, Tab::Authorizations, tag))
    }
}

impl View for AuthorizationsView {
    fn chain(&self) -> &'static [Context] {
        &[Context::Authorizations, Context::List, Context::Global]
    }

    fn hints(&self, _cx: &Cx) -> Vec<Action> {
        vec![Action::Filter, Action::New, Action::Renew, Action::Suspend]
    }

    fn hidden(&self, cx: &Cx) -> Vec<Action> {
        if cx.may(system::AUTHORIZATIONS_MANAGE) {
            vec![]
        } else {
            vec![
                Action::New,
                Action::Edit,
                Action::Renew,
                Action::Suspend,
                Action::Reinstate,
                Action::Revoke,
            ]
        }
    }

    fn badge(&self, cx: &Cx) -> Option<&'static str> {
        (!cx.may(system::AUTHORIZATIONS_MANAGE)).then_some("view only")
    }

    fn render(&mut self, f: &mut Frame, area: Rect, cx: &Cx) {
        self.rebuild(cx);
        let (list_area, detail_area) = split_detail(area);
        self.page = list_area.height.saturating_sub(3) as usize;
        let today = cx.today();
        let rows = self.rows.clone();
        let mut title = format!(
            "Authorizations ({}) — {}",
            rows.len(),
            FILTERS[self.standing_filter % FILTERS.len()]
        );
        if self.filtering || !self.filter.is_empty() {
            title.push_str(&format!(
                " /{}{}",
                sanitize(&self.filter),
                if self.filtering { "_" } else { "" }
            ));
        }
        let mut list = self.list;
        render_columns(
            f,
            list_area,
            pane(title, cx, true),
            &COLUMNS,
            &mut self.widths,
            cx.version,
            rows.len(),
            &mut list,
            cx.sym,
            cx.theme.selected,
            cx.theme.muted,
            |i| {
                let a = &cx.org.authorizations[&rows[i]];
                let (sym, style) =
                    standing_mark(crate::domain::bases::standing(cx.org, a, today), cx);
                let who = cx
                    .org
                    .users
                    .get(&a.holder)
                    .map(|u| u.name())
                    .unwrap_or_default();
                vec![
                    Line::styled(sym, style),
                    Line::from(sanitize(&who)),
                    Line::from(sanitize(&a.reference)),
                    Line::from(sanitize(&a.kind)),
                    Line::from(sanitize(&a.scope.describe())),
                    Line::from(a.effective_from.to_string()),
                    Line::styled(
                        a.expires
                            .map(|d| d.to_string())
                            .unwrap_or_else(|| "none".into()),
                        style,
                    ),
                ]
            },
        );
        self.list = list;
        let mut lines = Vec::new();
        if let Some(a) = self.selected(cx) {
            let t = cx.theme;
            let kind = cx.org.kind(&a.kind).ok();
            let st = crate::domain::bases::standing(cx.org, a, today);
            let (sym, style) = standing_mark(st, cx);
            lines.push(Line::styled(
                format!(
                    "{} — {}",
                    sanitize(&a.reference),
                    sanitize(&kind.map(|k| k.name.clone()).unwrap_or_default())
                ),
                t.title,
            ));
            let days = a
                .days_to_expiry(today)
                .map(|d| match d {
                    d if d < 0 => format!(" ({} days ago)", -d),
                    0 => " (expires today)".to_string(),
                    d => format!(" ({d} days left)"),
                })
                .unwrap_or_default();
            lines.push(Line::styled(format!("{sym} {}{days}", st.word()), style));
            let holder = cx.org.users.get(&a.holder);
            lines.push(Line::from(format!(
                "holder      {}",
                sanitize(&holder.map(|u| u.name()).unwrap_or_default())
            )));
            lines.push(Line::from(format!(
                "scope       {}",
                sanitize(&a.scope.describe())
            )));
            if !a.limitations.is_empty() {
                lines.push(Line::from(format!(
                    "limitations {}",
                    sanitize(&a.limitations)
                )));
            }
            lines.push(Line::from(format!(
                "first issue {}  effective {}",
                a.first_issue, a.effective_from
            )));
            lines.push(Line::from(format!(
                "expires     {}",
                a.expires
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| "never".into())
            )));
            let issuer = cx
                .org
                .users
                .get(&a.issued_by)
                .map(|u| u.handle())
                .unwrap_or_default();
            lines.push(Line::from(format!(
                "issued by   {} on {}",
                sanitize(&issuer),
                a.issued_at.with_timezone(&chrono::Local).format("%Y-%m-%d")
            )));
            lines.push(Line::styled("Bases", t.title));
            for b in &a.bases {
                if let Some(q) = cx.org.qualifications.get(b) {
                    let ok = q.valid_on(today);
                    lines.push(Line::styled(
                        format!(
                            "  {} #{} {}",
                            if ok { cx.sym.valid() } else { cx.sym.expired() },
                            q.id,
                            sanitize(&q.describe())
                        ),
                        if ok { t.normal } else { t.expired },
                    ));
                }
            }
            lines.push(Line::styled("Holder's qualifications", t.title));
            for q in cx
                .org
                .qualifications
                .values()
                .filter(|q| q.holder == a.holder)
            {
                let exp = q.expires.map(|d| format!(" until {d}")).unwrap_or_default();
                lines.push(Line::from(format!(
                    "  #{} {}{exp}",
                    q.id,
                    sanitize(&q.describe())
                )));
            }
            lines.push(Line::styled("History", t.title));
            for h in &a.history {
                let by = cx
                    .org
                    .users
                    .get(&h.by)
                    .map(|u| u.handle())
                    .unwrap_or_default();
                lines.push(Line::from(format!(
                    "  {} {} by {}: {}",
                    h.at.with_timezone(&chrono::Local).format("%Y-%m-%d"),
                    h.status.word(),
                    sanitize(&by),
                    sanitize(&h.reason)
                )));
            }
        }
        f.render_widget(
            Paragraph::new(lines)
                .block(pane("Detail".into(), cx, false))
                .wrap(Wrap { trim: false }),
            detail_area,
        );
    }

    fn capture(&mut self, key: KeyEvent, cx: &Cx) -> Option<Effect> {
        match filter_key(&mut self.filter, &mut self.filtering, key)? {
            FilterKey::Changed => self.list.selected = 0,
            FilterKey::Down => {
                self.rebuild(cx);
                self.list.next(self.rows.len());
            }
            FilterKey::Up => self.list.prev(),
            FilterKey::Other => {}
        }
        Some(Effect::None)
    }

    fn click(&mut self, column: u16, row: u16, cx: &Cx) -> Effect {
        self.rebuild(cx);
        if let Some(i) = self.list.row_at(column, row, self.rows.len()) {
            self.list.selected = i;
        }
        Effect::None
    }

    fn paste(&mut self, text: &str) -> bool {
        filter_paste(&mut self.filter, self.filtering, text)
    }

    fn handle(&mut self, action: Action, cx: &Cx) -> Effect {
        self.rebuild(cx);
        let len = self.rows.len();
        let sel = self.selected(cx);
        match action {
            _ if self.list.navigate(action, len, self.page) => {}
            Action::Filter => self.filtering = true,
            // Back to all: the text and the standing filter at once.
            Action::Back => {
                self.filter.clear();
                self.standing_filter = 0;
            }
            // Open: the edit form (the detail is beside the list).
            Action::Open if cx.may(system::AUTHORIZATIONS_MANAGE) => {
                return self.handle(Action::Edit, cx)
            }
            Action::CycleStatusFilter => {
                self.standing_filter = (self.standing_filter + 1) % FILTERS.len()
            }
            Action::New => {
                // Empty: a selected row is no reason to issue to its holder.
                let form = Form::new(
                    "Issue an authorization: for whom?",
                    vec![Field::text(
                        "Holder",
                        "",
                        "email, login or #id",
                        form::required,
                    )],
                );
                return Effect::Open(Popup::Form(form, Tab::Authorizations, FORM_NEW_HOLDER));
            }
            Action::Edit => {
                let Some(a) = sel else {
                    return Effect::Error("no authorization selected".into());
                };
                let types: Vec<String> = a
                    .scope
                    .aircraft_types
                    .iter()
                    .map(|t| t.to_string())
                    .collect();
                let systems = if a.scope.systems.is_empty() {
                    String::new()
                } else {
                    crate::domain::authorizations::format_ata_ranges(&a.scope.systems)
                };
                let form = Form::new(
                    &format!("Edit {}", sanitize(&a.reference)),
                    vec![
                        Field::text(
                            "Aircraft types",
                            &types.join(", "),
                            "comma-separated; empty = any",
                            form::aircraft_types,
                        ),
                        Field::text(
                            "Systems (ATA)",
                            &systems,
                            "e.g. 21-36, 52; empty = any",
                            form::ata_list,
                        ),
                        Field::text(
                            "Stations",
                            &a.scope.stations.join(", "),
                            "comma-separated; empty = any",
                            form::list,
                        ),
                        Field::text("Limitations", &a.limitations, "optional", form::any).long(),
                        quals::bases_field(cx, a.holder, &a.bases),
                    ],
                )
                .with_reason(ReasonNeed::for_kind(cx.org, &a.kind));
                return Effect::Open(Popup::Form(form, Tab::Authorizations, FORM_EDIT));
            }
            Action::Renew => {
                let Some(a) = sel else {
                    return Effect::Error("no authorization selected".into());
                };
                let form = Form::new(
                    &format!("Renew {}", sanitize(&a.reference)),
                    vec![
                        Field::text(
                            "Effective from",
                            &a.effective_from.max(cx.today()).to_string(),
                            "YYYY-MM-DD",
                            form::date,
                        ),
                        Field::text("Expires", "", "YYYY-MM-DD", form::date),
                    ],
                )
                .with_reason(ReasonNeed::for_kind(cx.org, &a.kind));
                return Effect::Open(Popup::Form(form, Tab::Authorizations, FORM_RENEW));
            }
            Action::Suspend => return self.reason_form("Suspend: reason", FORM_SUSPEND),
            Action::Reinstate => return self.reason_form("Reinstate: reason", FORM_REINSTATE),
            Action::Revoke => return self.reason_form("Revoke for good: reason", FORM_REVOKE),
            _ => {}
        }
        Effect::None
    }

    fn submit(&mut self, tag: u32, f: &Form, cx: &Cx) -> Result<Effect, String> {
        let reference = self.selected(cx).map(|a| a.reference.clone());
        let status = |s: AuthorizationStatus| -> Result<Effect, String> {
            Ok(Effect::Run(Command::SetAuthorizationStatus {
                reference: reference.clone().ok_or("no authorization selected")?,
                status: s,
                reason: f.value(0),
            }))
        };
        match tag {
            FORM_NEW_HOLDER => {
                let u = cx
                    .org
                    .resolve_user(&f.value(0))
                    .map_err(|e| e.to_string())?;
                Ok(new_authorization_form(cx, u))
            }
            FORM_NEW => {
                // The holder option reads "#ID Name".
                let holder: UserId = f
                    .value(0)
                    .split_whitespace()
                    .next()
                    .and_then(|id| id.trim_start_matches('#').parse().ok())
                    .ok_or("no holder chosen")?;
                let bases = quals::chosen_bases(cx, holder, f.fields.get(9))?;
                Ok(Effect::Run(Command::AddAuthorization(Box::new(
                    NewAuthorization {
                        holder: format!("#{holder}"),
                        reference: f.value(1),
                        kind: f.value(2),
                        aircraft_types: form::split_list(&f.value(3)),
                        systems: form::split_list(&f.value(4)),
                        stations: form::split_list(&f.value(5)),
                        limitations: f.value(6),
                        first_issue: None,
                        effective_from: form::parse_date(&f.value(7))?,
                        expires: form::optional_date_value(&f.value(8)),
                        bases,
                    },
                ))))
            }
            FORM_RENEW => Ok(Effect::Run(Command::RenewAuthorization {
                reference: reference.ok_or("no authorization selected")?,
                effective_from: Some(form::parse_date(&f.value(0))?),
                expires: form::parse_date(&f.value(1))?,
            })),
            FORM_EDIT => {
                let holder = self
                    .selected(cx)
                    .map(|a| a.holder)
                    .ok_or("no authorization selected")?;
                let bases = quals::chosen_bases(cx, holder, f.fields.get(4))?;
                Ok(Effect::Run(Command::EditAuthorization {
                    reference: reference.ok_or("no authorization selected")?,
                    edit: crate::domain::command::AuthorizationEdit {
                        aircraft_types: Some(form::split_list(&f.value(0))),
                        systems: Some(form::split_list(&f.value(1))),
                        stations: Some(form::split_list(&f.value(2))),
                        limitations: Some(f.value(3)),
                        bases: Some(bases),
                    },
                }))
            }
            FORM_SUSPEND => status(AuthorizationStatus::Suspended),
            FORM_REINSTATE => status(AuthorizationStatus::Active),
            FORM_REVOKE => status(AuthorizationStatus::Revoked),
            _ => Ok(Effect::None),
        }
    }
}

/// The form issuing an authorization to `holder` (chosen first, or the
/// person it was opened from in the Users tab); the bases are ticked from
/// their qualifications.
pub(crate) fn new_authorization_form(cx: &Cx, holder: &User) -> Effect {
    let kinds: Vec<String> = cx
        .org
        .settings
        .kinds
        .iter()
        .map(|k| k.code.clone())
        .collect();
    if kinds.is_empty() {
        return Effect::Error("this organisation has no authorization kinds".into());
    }
    let form = Form::new(
        "Issue an authorization",
        vec![
            Field::choice(
                "Holder",
                vec![format!("#{} {}", holder.id, sanitize(&holder.name()))],
                0,
                "chosen before the form",
            ),
            Field::text("Reference", "", "unique, e.g. CS-120", form::required),
            Field::choice("Kind", kinds, 0, "space / ← → or a letter to choose"),
            Field::text(
                "Aircraft types",
                "",
                "comma-separated TYPE or TYPE:VARIANT; empty = any",
                form::aircraft_types,
            ),
            Field::text(
                "Systems (ATA)",
                "",
                "e.g. 21-36, 49; empty = any",
                form::ata_list,
            ),
            Field::text("Stations", "", "comma-separated; empty = any", form::list),
            Field::text("Limitations", "", "optional", form::any).long(),
            Field::text(
                "Effective from",
                &cx.today().to_string(),
                "YYYY-MM-DD",
                form::date,
            ),
            Field::text(
                "Expires",
                "",
                "YYYY-MM-DD (the kind may require it)",
                form::optional_date,
            ),
            quals::bases_field(cx, holder.id, &[]),
        ],
    )
    // Field 2 is the kind: the reason is required while it names a kind
    // that requires one.
    .with_reason(ReasonNeed::for_kind_field(cx.org, 2));
    Effect::Open(Popup::Form(form, Tab::Authorizations, FORM_NEW))
}
