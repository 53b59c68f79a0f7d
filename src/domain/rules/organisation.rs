//! Organisation-wide settings: the name, the time zone every expiry day is
//! counted in, and the policies (a role required; deactivated users reading
//! their own records).

use super::super::command::OrganisationEdit;
use super::super::error::{invalid, DomainError, DomainResult};
use super::super::org::{Put, Record, RecordKey};
use super::super::text::{self, sanitize};
use super::super::zone::Zone;
use super::Ctx;

/// Changes only what the edit names. Moving the time zone moves the end of
/// every expiry day — everyone's access, assignments and grants end up to a
/// day earlier or later — so, like an import, it needs an account
/// administrator who holds that role for good.
pub(super) fn edit_organisation(cx: &mut Ctx<'_>, edit: &OrganisationEdit) -> DomainResult<String> {
    let org = cx.org;
    if !org.is_permanent_admin(cx.me, cx.now) {
        return Err(DomainError::Forbidden(
            "changing the organisation's settings needs an account administrator who holds that role for good".into(),
        ));
    }
    let mut settings = org.settings.clone();
    let mut said = Vec::new();
    if let Some(name) = &edit.name {
        let name = text::required_text("organisation name", name)?;
        if name != settings.name {
            said.push(format!(
                "renamed the organisation from {} to {}",
                sanitize(&settings.name),
                sanitize(&name)
            ));
            settings.name = name;
        }
    }
    if let Some(zone) = &edit.time_zone {
        let zone = Zone::parse(zone)?;
        if zone != settings.time_zone {
            said.push(format!(
                "moved the organisation's time zone from {} to {}: every expiry day now ends at midnight {}",
                settings.time_zone, zone, zone
            ));
            settings.time_zone = zone;
        }
    }
    if let Some(on) = edit.role_required {
        if on != settings.role_required {
            said.push(if on {
                "every user now needs a role".to_string()
            } else {
                "users no longer need a role".to_string()
            });
            settings.role_required = on;
        }
    }
    if let Some(on) = edit.deactivated_read_own {
        if on != settings.deactivated_read_own {
            said.push(if on {
                "deactivated users now keep read-only access to their own records".to_string()
            } else {
                "deactivated users now hold nothing".to_string()
            });
            settings.deactivated_read_own = on;
        }
    }
    if said.is_empty() {
        return Err(invalid("nothing to change"));
    }
    cx.puts.push(Put {
        key: RecordKey::Settings,
        before: Some(Record::Settings(Box::new(org.settings.clone()))),
        after: Some(Record::Settings(Box::new(settings))),
    });
    Ok(said.join("; "))
}
