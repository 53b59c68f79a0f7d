//! Organisation-wide settings: the name, the time zone every expiry day is
//! counted in, whether every change needs a reason, and the policies (a
//! role required; deactivated users reading their own records).

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
    if let Some(required) = edit.reason_required {
        if required != settings.reason_required {
            said.push(if required {
                "every change now needs a reason".to_string()
            } else {
                "changes no longer need a reason (kinds may still require one)".to_string()
            });
            settings.reason_required = required;
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

/// Who may switch areas and setup mode: an account administrator whose
/// role is in force. Not "for good", unlike the time zone: a switch gives
/// nobody a level they do not hold (switching on only lets the levels
/// that roles and grants already give apply again), and any other
/// administrator can switch it back; the audit says who did it.
fn require_administrator(cx: &Ctx<'_>, what: &str) -> DomainResult<()> {
    if !cx.org.is_active_admin(cx.me, cx.now) {
        return Err(DomainError::Forbidden(format!(
            "{what} needs an account administrator"
        )));
    }
    Ok(())
}

fn put_settings(cx: &mut Ctx<'_>, settings: super::super::org::Settings) {
    cx.puts.push(Put {
        key: RecordKey::Settings,
        before: Some(Record::Settings(Box::new(cx.org.settings.clone()))),
        after: Some(Record::Settings(Box::new(settings))),
    });
}

/// Switches an area on or off for the organisation. The administration
/// areas (users, roles, authorizations, audit) stay on: the rules need them.
pub(super) fn set_feature(cx: &mut Ctx<'_>, area: &str, on: bool) -> DomainResult<String> {
    require_administrator(cx, "switching an area on or off")?;
    let org = cx.org;
    let a = org.catalog().resolve_area(area)?;
    let key = a.key.clone();
    let label = sanitize(&a.label);
    let mut settings = org.settings.clone();
    if on {
        if !settings.area_off(&key) {
            return Err(invalid(format!("nothing to change: {key} is already on")));
        }
        settings.features_off.retain(|k| *k != key);
        put_settings(cx, settings);
        Ok(format!(
            "switched {key} ({label}) on for the organisation: the levels roles and grants give in it apply again"
        ))
    } else {
        if org.catalog().is_administration_area(&key) {
            return Err(invalid(format!(
                "{key} is an administration area and cannot be switched off"
            )));
        }
        if settings.area_off(&key) {
            return Err(invalid(format!("nothing to change: {key} is already off")));
        }
        settings.features_off.push(key.clone());
        settings.features_off.sort();
        put_settings(cx, settings);
        Ok(format!(
            "switched {key} ({label}) off for the organisation: every check in it is denied"
        ))
    }
}

/// Turns setup mode on or off.
pub(super) fn set_setup_mode(cx: &mut Ctx<'_>, on: bool) -> DomainResult<String> {
    require_administrator(cx, "turning setup mode on or off")?;
    let org = cx.org;
    if org.settings.setup_mode == on {
        return Err(invalid(format!(
            "nothing to change: setup mode is already {}",
            if on { "on" } else { "off" }
        )));
    }
    let mut settings = org.settings.clone();
    settings.setup_mode = on;
    let setup_only: Vec<&str> = org
        .catalog()
        .permissions
        .iter()
        .filter(|p| p.setup_only)
        .map(|p| p.key.as_str())
        .collect();
    let which = if setup_only.is_empty() {
        "no permission of this catalog is setup-only".to_string()
    } else {
        setup_only.join(", ")
    };
    let summary = if on {
        format!("turned setup mode on: the setup-only permissions are available ({which})")
    } else {
        format!("turned setup mode off: the setup-only permissions give nothing ({which})")
    };
    put_settings(cx, settings);
    Ok(summary)
}
