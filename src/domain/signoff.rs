//! The signoff question asked of the organisation: "may this person sign
//! this off?". Gathers what the check needs — the permission from roles and
//! grants in force at noon (UTC) on the date, the person's authorizations
//! with their basis qualifications, and whether the organisation has
//! switched the signoffs area off — and asks
//! [`signoff_check`](super::authorizations::signoff_check). Every front end
//! calls this, so the setup exists once.

use super::authorizations::{
    closed_signoff_permission, no_signoff_permission, signoff_check, SignoffDecision,
    SignoffRequest,
};
use super::catalog::system;
use super::conditions::organisation_gate;
use super::engine::effective_levels;
use super::error::DomainResult;
use super::org::Organisation;
use super::users::User;

/// The signoff check for `person` on the request, against the organisation.
pub fn signoff(
    org: &Organisation,
    person: &User,
    req: &SignoffRequest,
) -> DomainResult<SignoffDecision> {
    let kind = org.kind(&req.kind)?;
    // The permission comes from roles and grants in force at noon on the date.
    let at = req
        .date
        .and_hms_opt(12, 0, 0)
        .map(|d| d.and_utc())
        .unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC);
    let perm = org.catalog().system(system::SIGNOFFS_COMPLETE);
    // An area switched off closes the permission to everyone, first.
    let permission = match organisation_gate(&org.settings, org.catalog().get(perm)) {
        Some(why) => Err(closed_signoff_permission(&why)),
        None if effective_levels(org, person, at).levels[perm] == 0 => Err(no_signoff_permission()),
        None => Ok(()),
    };
    let candidates: Vec<_> = org
        .authorizations
        .values()
        .filter(|a| a.holder == person.id)
        .map(|a| {
            (
                a,
                a.bases
                    .iter()
                    .filter_map(|b| org.qualifications.get(b))
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    Ok(signoff_check(person, permission, kind, &candidates, req))
}
