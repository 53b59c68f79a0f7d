//! Evidence reports of closed campaigns, read from the audit chain, and
//! their verification: a report is rendered again from the records and the
//! closing entry and compared byte for byte.

use std::collections::{BTreeMap, HashMap};

use crate::domain::command::Command;
use crate::domain::reviews::evidence::Activity;
use crate::domain::reviews::report::{self, Format, Report};
use crate::domain::reviews::CampaignId;
use crate::domain::users::UserId;
use crate::domain::DomainError;
use crate::store::audit::{hex, AuditEntry};
use crate::store::usage::Usage;

use super::{OpsError, OpsResult, Session};

fn closes(cmd: &Command, id: CampaignId) -> bool {
    match cmd {
        Command::CloseReview { campaign } => *campaign == id,
        Command::Reasoned { command, .. } => closes(command, id),
        _ => false,
    }
}

/// Usage as the evidence of reviews takes it: last sign-in and last
/// allowed use of each permission, by person.
pub fn activity_of(usage: BTreeMap<UserId, Usage>) -> HashMap<UserId, Activity> {
    usage
        .into_iter()
        .map(|(id, u)| {
            (
                id,
                Activity {
                    last_sign_in: u.last_sign_in,
                    last_allowed: u.last_allowed,
                },
            )
        })
        .collect()
}

/// What `verify-report` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportCheck {
    pub campaign: CampaignId,
    pub closing_seq: u64,
    /// Every difference or chain problem; empty: the report is what the
    /// chain records.
    pub problems: Vec<String>,
}

impl Session {
    /// The audit entry that closed campaign `id`.
    fn closing_entry(&self, id: CampaignId) -> OpsResult<AuditEntry> {
        let c = self.org().reviews.campaigns.get(&id).ok_or_else(|| {
            OpsError::Domain(DomainError::Unknown {
                what: "campaign",
                name: format!("#{id}"),
            })
        })?;
        if c.is_open() {
            return Err(OpsError::Domain(DomainError::Conflict(format!(
                "campaign #{id} is still open: its report is written when it closes (clearance review close {id})"
            ))));
        }
        for e in self.store().audit_entries() {
            let e = e.map_err(|m| OpsError::Domain(DomainError::Conflict(m)))?;
            if closes(&e.body.command, id) {
                return Ok(e);
            }
        }
        Err(OpsError::Domain(DomainError::Conflict(format!(
            "the audit log holds no entry closing campaign #{id}"
        ))))
    }

    /// The evidence report of a closed campaign.
    pub fn review_report(&self, id: CampaignId) -> OpsResult<Report> {
        let entry = self.closing_entry(id)?;
        let org = self.org();
        let c = &org.reviews.campaigns[&id];
        let items: Vec<_> = org.reviews.items_of(id).collect();
        Ok(report::build(c, &items, entry.seq, &hex(&entry.hash)))
    }

    /// Checks a report's text against the chain: the chain verifies, the
    /// closing entry is the one the report names, and the report is exactly
    /// what the records render.
    pub fn verify_report(&self, text: &str) -> OpsResult<ReportCheck> {
        let id = report::campaign_of(text).ok_or_else(|| {
            OpsError::Domain(DomainError::Invalid(
                "this is not a Clearance review report (no campaign named in it)".into(),
            ))
        })?;
        let mut problems = Vec::new();
        let v = self.store().verify_audit(None);
        problems.extend(v.problems.iter().map(|p| format!("audit chain: {p}")));
        let r = self.review_report(id)?;
        let expected = report::render(&r, Format::sniff(text));
        if !text.contains(&r.chain_head) {
            problems.push(format!(
                "the report does not name the closing entry's hash {} (audit #{})",
                r.chain_head, r.closing_seq
            ));
        }
        if let Some(d) = first_difference(&expected, text) {
            problems.push(d);
        }
        Ok(ReportCheck {
            campaign: id,
            closing_seq: r.closing_seq,
            problems,
        })
    }
}

/// The first line where `got` differs from `want`, in words.
fn first_difference(want: &str, got: &str) -> Option<String> {
    if want == got {
        return None;
    }
    let cut = |s: &str| -> String {
        let s: String = s.chars().take(120).collect();
        crate::domain::text::sanitize(&s)
    };
    let mut w = want.lines();
    let mut g = got.lines();
    let mut n = 0usize;
    loop {
        n += 1;
        match (w.next(), g.next()) {
            (Some(a), Some(b)) if a == b => continue,
            (Some(a), Some(b)) => {
                return Some(format!(
                    "line {n} differs from what the chain records:\n  recorded: {}\n  report:   {}",
                    cut(a),
                    cut(b)
                ))
            }
            (Some(a), None) => {
                return Some(format!(
                    "the report ends at line {n}; the chain records: {}",
                    cut(a)
                ))
            }
            (None, Some(b)) => {
                return Some(format!(
                    "line {n} is not in what the chain records: {}",
                    cut(b)
                ))
            }
            (None, None) => {
                return Some(
                    "the report differs from what the chain records in line endings or spacing"
                        .into(),
                )
            }
        }
    }
}
