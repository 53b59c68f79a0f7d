//! The Reviews tab, for people with access reviews: one item per row, the
//! evidence of the selected one beside it, and one key per decision — `k`
//! keep, `x` remove (a reason: a number picks a common one), `s` shorten,
//! `K` keep every remaining item without a risk sign once the list has been
//! open as long as the campaign says. After a decision the next item is
//! selected. How long each item was in front of the reviewer is sent with
//! the decision, so the evidence report shows rubber-stamping.

mod draw;

use std::collections::HashMap;
use std::time::Instant;

use ratatui::layout::Rect;
use ratatui::Frame;

use crate::domain::reviews::evidence::{self, Activity, Evidence, Previous, Risk};
use crate::domain::reviews::{self as rv, CampaignId, ItemNo, ReviewItem, Sight, Verdict};
use crate::domain::users::UserId;
use crate::ops::Command;
use crate::tui::keymap::{Action, Context};
use crate::tui::popups::Popup;
use crate::tui::view::{Cx, Effect, Tab, View};
use crate::tui::widgets::confirm::Confirm;
use crate::tui::widgets::form::{self, Field, Form};
use crate::tui::widgets::table::{ColumnWidths, ListState};

const FORM_REMOVE: u32 = 1;
/// How long the activity asked of the server is used before it is asked again.
const ACTIVITY_FOR: std::time::Duration = std::time::Duration::from_secs(60);
const FORM_SHORTEN: u32 = 2;

/// The common reasons a number picks in the reason prompt.
pub const REASONS: [&str; 4] = [
    "no longer needed",
    "left the organisation",
    "changed job",
    "more than the job needs",
];

/// Which items the list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Show {
    /// Not decided yet (the default).
    #[default]
    ToDecide,
    All,
    Risk(Risk),
    /// No risk sign: what `K` would keep.
    NoRisk,
}

impl Show {
    const CYCLE: [Show; 9] = [
        Show::ToDecide,
        Show::All,
        Show::Risk(Risk::Inactive),
        Show::Risk(Risk::Privileged),
        Show::Risk(Risk::SodConflict),
        Show::Risk(Risk::GrantedByReviewer),
        Show::Risk(Risk::ExpiresNever),
        Show::Risk(Risk::Regranted),
        Show::NoRisk,
    ];

    pub fn word(self) -> &'static str {
        match self {
            Show::ToDecide => "to decide",
            Show::All => "all",
            Show::Risk(r) => r.word(),
            Show::NoRisk => "no risk sign",
        }
    }

    /// Its place in the cycle.
    pub fn index(self) -> usize {
        Show::CYCLE.iter().position(|s| *s == self).unwrap_or(0)
    }

    fn next(self) -> Show {
        let i = Show::CYCLE.iter().position(|s| *s == self).unwrap_or(0);
        Show::CYCLE[(i + 1) % Show::CYCLE.len()]
    }
}

#[derive(Default)]
pub struct ReviewsView {
    pub list: ListState,
    pub campaign: Option<CampaignId>,
    pub show: Show,
    /// An administrator's view of every item, not only their own.
    pub everyone: bool,
    rows: Vec<ItemNo>,
    widths: ColumnWidths,
    built_for: Option<(u64, Option<CampaignId>, Show, bool)>,
    /// Evidence of items, by number (built for the rows a filter needs and
    /// for the rows drawn).
    evidence: HashMap<ItemNo, Evidence>,
    activity: HashMap<UserId, Activity>,
    /// What the last closed campaign said, for (data version, campaign).
    previous: Option<((u64, CampaignId), Previous)>,
    /// Which list the activity was asked for, and when.
    activity_for: Option<(CampaignId, bool, Instant)>,
    /// When the reviewer first had this campaign's list in front of them.
    opened: Option<(CampaignId, Instant)>,
    /// The item selected and since when (time per decision).
    shown: Option<(ItemNo, Instant)>,
    /// The item a reason form is for.
    pending: Option<ItemNo>,
}

impl ReviewsView {
    /// The campaigns `cx.me` may look at: theirs (or all with
    /// users.manage), open ones first.
    pub fn campaigns(cx: &Cx) -> Vec<CampaignId> {
        let sight = rv::sight(cx.org, cx.me, cx.now);
        let me = cx.me.id;
        let mut v: Vec<&rv::Campaign> = cx
            .org
            .reviews
            .campaigns
            .values()
            .filter(|c| sight == Some(Sight::All) || c.reviewers.iter().any(|r| r.user == me))
            .collect();
        v.sort_by_key(|c| (!c.is_open(), c.due, c.id));
        v.into_iter().map(|c| c.id).collect()
    }

    fn rebuild(&mut self, cx: &Cx) {
        let all = Self::campaigns(cx);
        if self.campaign.is_none_or(|c| !all.contains(&c)) {
            self.campaign = all.first().copied();
        }
        let everyone = self.everyone && rv::sight(cx.org, cx.me, cx.now) == Some(Sight::All);
        let key = (cx.version, self.campaign, self.show, everyone);
        if self.built_for == Some(key) {
            return;
        }
        let fresh = self.activity_for.is_some_and(|(c, e, at)| {
            Some(c) == self.campaign && e == everyone && at.elapsed() < ACTIVITY_FOR
        });
        if !fresh {
            // What the server saw of the people whose access is listed
            // here (none without a server: "none recorded"), asked again
            // for another campaign or after a minute.
            let me = cx.me.id;
            let mut holders: Vec<UserId> = self
                .campaign
                .map(|c| {
                    cx.org
                        .reviews
                        .items_of(c)
                        .filter(|i| everyone || i.reviewer == Some(me))
                        .map(|i| i.holder)
                        .collect()
                })
                .unwrap_or_default();
            holders.sort_unstable();
            holders.dedup();
            self.activity = cx
                .session
                .usage(cx.actor.acting_as, Some(&holders))
                .map(crate::ops::reviews::activity_of)
                .unwrap_or_default();
            self.activity_for = self.campaign.map(|c| (c, everyone, Instant::now()));
        }
        self.built_for = Some(key);
        self.evidence.clear();
        self.rows.clear();
        let Some(c) = self
            .campaign
            .and_then(|id| cx.org.reviews.campaigns.get(&id))
        else {
            return;
        };
        if self.opened.is_none_or(|(id, _)| id != c.id) {
            self.opened = Some((c.id, Instant::now()));
        }
        let me = cx.me.id;
        let mine = |i: &&ReviewItem| everyone || i.reviewer == Some(me);
        let items: Vec<&ReviewItem> = cx.org.reviews.items_of(c.id).filter(mine).collect();
        let needs_evidence = matches!(self.show, Show::Risk(_) | Show::NoRisk);
        if needs_evidence {
            let nos: Vec<ItemNo> = items.iter().map(|i| i.no).collect();
            self.evidence_for(cx, &nos);
        }
        let show = self.show;
        let ev = &self.evidence;
        self.rows = items
            .iter()
            .filter(|i| match show {
                Show::ToDecide => i.decision.is_none() && i.outcome.is_none(),
                Show::All => true,
                Show::Risk(r) => ev.get(&i.no).is_some_and(|e| e.has(r)),
                Show::NoRisk => ev.get(&i.no).is_some_and(|e| e.risks.is_empty()),
            })
            .map(|i| i.no)
            .collect();
        self.list.clamp(self.rows.len());
    }

    /// The evidence of the items in `nos`, computed once per data version.
    fn evidence_for(&mut self, cx: &Cx, nos: &[ItemNo]) {
        let Some(c) = self
            .campaign
            .and_then(|id| cx.org.reviews.campaigns.get(&id))
        else {
            return;
        };
        let missing: Vec<ItemNo> = nos
            .iter()
            .copied()
            .filter(|n| !self.evidence.contains_key(n))
            .collect();
        if missing.is_empty() {
            return;
        }
        // The last closed campaign's say, built once per data version.
        let key = (cx.version, c.id);
        if self.previous.as_ref().is_none_or(|(k, _)| *k != key) {
            self.previous = Some((key, Previous::of(&cx.org.reviews, c)));
        }
        let Some((_, previous)) = &self.previous else {
            return;
        };
        let holders = missing
            .iter()
            .filter_map(|n| cx.org.reviews.item(c.id, *n))
            .map(|i| i.holder);
        let conflicts = evidence::conflicts(cx.org, holders, cx.now);
        for n in missing {
            if let Some(i) = cx.org.reviews.item(c.id, n) {
                let e = evidence::evidence(
                    cx.org,
                    i,
                    self.activity.get(&i.holder),
                    previous,
                    &conflicts,
                    cx.now,
                );
                self.evidence.insert(n, e);
            }
        }
    }

    fn selected_item<'a>(&self, cx: &Cx<'a>) -> Option<&'a ReviewItem> {
        let c = self.campaign?;
        let no = self.rows.get(self.list.selected)?;
        cx.org.reviews.item(c, *no)
    }

    /// Milliseconds the selected item has been in front of the reviewer.
    fn looked_ms(&self) -> Option<u32> {
        self.shown
            .map(|(_, at)| at.elapsed().as_millis().min(u32::MAX as u128) as u32)
    }

    fn decide(&self, no: ItemNo, verdict: Verdict, reason: String) -> Effect {
        let Some(c) = self.campaign else {
            return Effect::None;
        };
        let cmd = Command::DecideReview {
            campaign: c,
            items: vec![no],
            verdict,
            reason,
            looked_ms: self.looked_ms(),
            bulk: None,
        };
        Effect::RunThen(cmd, Box::new(Effect::Notify(Tab::Reviews, NOTE_DECIDED)))
    }

    /// The items `K` would keep: undecided, mine, without a risk sign.
    fn bulk_candidates(&mut self, cx: &Cx) -> Vec<ItemNo> {
        let Some(c) = self.campaign else {
            return vec![];
        };
        let me = cx.me.id;
        let nos: Vec<ItemNo> = cx
            .org
            .reviews
            .items_of(c)
            .filter(|i| i.reviewer == Some(me) && i.decision.is_none())
            .map(|i| i.no)
            .collect();
        self.evidence_for(cx, &nos);
        nos.into_iter()
            .filter(|n| self.evidence.get(n).is_some_and(|e| e.risks.is_empty()))
            .collect()
    }

    fn keep_all(&mut self, cx: &Cx) -> Effect {
        let Some(c) = self
            .campaign
            .and_then(|id| cx.org.reviews.campaigns.get(&id))
        else {
            return Effect::None;
        };
        let open_ms = self
            .opened
            .filter(|(id, _)| *id == c.id)
            .map_or(0, |(_, at)| {
                at.elapsed().as_millis().min(u32::MAX as u128) as u32
            });
        let need = c.bulk_after_secs.saturating_mul(1000);
        if open_ms < need {
            return Effect::Error(format!(
                "keeping every item at once needs the list open for {} s first ({} s so far): look before you keep",
                c.bulk_after_secs,
                open_ms / 1000
            ));
        }
        let nos = self.bulk_candidates(cx);
        if nos.is_empty() {
            return Effect::Status("no undecided item of yours is without a risk sign".into());
        }
        let n = nos.len();
        let cmd = Command::DecideReview {
            campaign: c.id,
            items: nos,
            verdict: Verdict::Keep,
            reason: String::new(),
            looked_ms: None,
            bulk: Some(open_ms),
        };
        let confirm = Confirm::new(
            "Keep every item without a risk sign?",
            vec![
                format!("Keep {n} undecided items that show no risk sign (not inactive, not privileged, no SoD conflict, not given by you, with an end date, not given again after a removal)."),
                "Recorded as one bulk decision.".into(),
            ],
            false,
        );
        Effect::Open(Popup::Confirm(confirm, Box::new(Effect::Run(cmd))))
    }

    fn close_campaign(&self, cx: &Cx) -> Effect {
        let Some(c) = self
            .campaign
            .and_then(|id| cx.org.reviews.campaigns.get(&id))
        else {
            return Effect::None;
        };
        if !c.is_open() {
            return Effect::Error(format!("campaign #{} is already closed", c.id));
        }
        let undecided = cx
            .org
            .reviews
            .items_of(c.id)
            .filter(|i| i.decision.is_none())
            .count();
        let confirm = Confirm::new(
            &format!(
                "Close campaign #{} {}?",
                c.id,
                crate::domain::text::sanitize(&c.name)
            ),
            vec![
                "Every removal and shortening decided is applied now, as one audited change."
                    .into(),
                format!(
                    "{undecided} undecided items get the campaign's default: {}.",
                    c.fallback.word()
                ),
                format!(
                    "Write the evidence report afterwards: clearance review report {} -o FILE",
                    c.id
                ),
            ],
            true,
        );
        Effect::Open(Popup::Confirm(
            confirm,
            Box::new(Effect::Run(Command::CloseReview { campaign: c.id })),
        ))
    }
}

/// After a decision: select the next item to decide.
const NOTE_DECIDED: u32 = 1;

impl View for ReviewsView {
    fn chain(&self) -> &'static [Context] {
        &[Context::Reviews, Context::Global]
    }

    fn hints(&self, _cx: &Cx) -> Vec<Action> {
        vec![
            Action::ReviewKeep,
            Action::ReviewRemove,
            Action::ReviewShorten,
            Action::ReviewKeepAll,
            Action::CycleRiskFilter,
        ]
    }

    fn hidden(&self, cx: &Cx) -> Vec<Action> {
        if rv::sight(cx.org, cx.me, cx.now) == Some(Sight::All) {
            vec![]
        } else {
            vec![Action::CloseCampaign, Action::ToggleAllItems]
        }
    }

    fn render(&mut self, f: &mut Frame, area: Rect, cx: &Cx) {
        self.rebuild(cx);
        let sel = self.rows.get(self.list.selected).copied();
        if self.shown.map(|(n, _)| n) != sel {
            self.shown = sel.map(|n| (n, Instant::now()));
        }
        draw::render(self, f, area, cx);
    }

    fn handle(&mut self, action: Action, cx: &Cx) -> Effect {
        self.rebuild(cx);
        let len = self.rows.len();
        if self.list.navigate(action, len, 10) {
            return Effect::None;
        }
        match action {
            Action::CycleRiskFilter => {
                self.show = self.show.next();
                self.list.first();
                Effect::Status(format!("showing: {}", self.show.word()))
            }
            Action::NextCampaign => {
                let all = Self::campaigns(cx);
                if all.is_empty() {
                    return Effect::Status("no campaigns".into());
                }
                let i = self
                    .campaign
                    .and_then(|c| all.iter().position(|x| *x == c))
                    .map_or(0, |i| (i + 1) % all.len());
                self.campaign = Some(all[i]);
                self.list.first();
                Effect::None
            }
            Action::ToggleAllItems => {
                self.everyone = !self.everyone;
                self.list.first();
                Effect::Status(if self.everyone {
                    "showing every reviewer's items".into()
                } else {
                    "showing the items given to you".into()
                })
            }
            Action::ReviewKeep | Action::ReviewRemove | Action::ReviewShorten => {
                let Some(i) = self.selected_item(cx) else {
                    return Effect::Status("no item selected".into());
                };
                if i.reviewer != Some(cx.me.id) {
                    return Effect::Error(format!(
                        "item {} is for {} to decide, not you",
                        i.no,
                        i.reviewer
                            .and_then(|r| cx.org.users.get(&r))
                            .map_or("nobody yet".into(), |u| u.name())
                    ));
                }
                match action {
                    Action::ReviewKeep => self.decide(i.no, Verdict::Keep, String::new()),
                    Action::ReviewRemove => {
                        self.pending = Some(i.no);
                        let hint = REASONS
                            .iter()
                            .enumerate()
                            .map(|(n, r)| format!("{} {r}", n + 1))
                            .collect::<Vec<_>>()
                            .join(" · ");
                        let f = Form::new(
                            &format!("Remove {}: why?", i.target.describe()),
                            vec![Field::text(
                                "Reason",
                                "",
                                &format!("{hint} — or type one"),
                                form::required,
                            )],
                        );
                        Effect::Open(Popup::Form(f, Tab::Reviews, FORM_REMOVE))
                    }
                    _ => {
                        self.pending = Some(i.no);
                        let f = Form::new(
                            &format!("Shorten {}: until when, and why?", i.target.describe()),
                            vec![
                                Field::text("Last day", "", "YYYY-MM-DD", form::date),
                                Field::text(
                                    "Reason",
                                    "",
                                    "1–4 for a common reason, or type one",
                                    form::required,
                                ),
                            ],
                        );
                        Effect::Open(Popup::Form(f, Tab::Reviews, FORM_SHORTEN))
                    }
                }
            }
            Action::ReviewKeepAll => self.keep_all(cx),
            Action::CloseCampaign => self.close_campaign(cx),
            _ => Effect::None,
        }
    }

    fn submit(&mut self, tag: u32, f: &Form, _cx: &Cx) -> Result<Effect, String> {
        let Some(no) = self.pending.take() else {
            return Ok(Effect::None);
        };
        let reason_at = if tag == FORM_SHORTEN { 1 } else { 0 };
        let typed = f.value(reason_at);
        let reason = match typed.trim().parse::<usize>() {
            Ok(n) if (1..=REASONS.len()).contains(&n) => REASONS[n - 1].to_string(),
            _ => typed.trim().to_string(),
        };
        let verdict = match tag {
            FORM_REMOVE => Verdict::Remove,
            FORM_SHORTEN => Verdict::Shorten(form::parse_date(&f.value(0))?),
            _ => return Ok(Effect::None),
        };
        Ok(self.decide(no, verdict, reason))
    }

    fn click(&mut self, column: u16, row: u16, cx: &Cx) -> Effect {
        self.rebuild(cx);
        if let Some(i) = self.list.row_at(column, row, self.rows.len()) {
            self.list.selected = i;
        }
        Effect::None
    }

    fn notify(&mut self, tag: u32, cx: &Cx) -> Effect {
        if tag == NOTE_DECIDED {
            self.rebuild(cx);
            // The "to decide" list lost the decided row: the same place
            // holds the next one. Other lists move on by one.
            if self.show != Show::ToDecide {
                self.list.next(self.rows.len());
            }
        }
        Effect::None
    }
}
