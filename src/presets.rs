//! The presets shipped with Clearance (assets/presets/*.toml, compiled in).

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use crate::domain::authorizations::AuthorizationKind;
use crate::domain::bases::BasisRequirement;
use crate::domain::catalog::{Area, Catalog, OwnerWindow, Permission, Scale};
use crate::domain::org::Settings;
use crate::domain::roles::{Role, RoleId};
use crate::domain::text;

/// Every preset: (name, TOML source).
pub const PRESETS: [(&str, &str); 4] = [
    (
        "maintenance",
        include_str!("../assets/presets/maintenance.toml"),
    ),
    (
        "flight-school",
        include_str!("../assets/presets/flight-school.toml"),
    ),
    ("operator", include_str!("../assets/presets/operator.toml")),
    ("club", include_str!("../assets/presets/club.toml")),
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PresetFile {
    name: String,
    title: String,
    description: String,
    admin_role_name: String,
    areas: Vec<Area>,
    permissions: Vec<PermissionFile>,
    #[serde(default)]
    roles: Vec<RoleFile>,
    #[serde(default)]
    authorization_kinds: Vec<KindFile>,
    /// Every change needs a reason (`--reason`, the app's reason field).
    #[serde(default)]
    reason_required: bool,
    /// Every user must hold a role.
    #[serde(default)]
    role_required: bool,
    /// Deactivated users keep the view levels of the `own` relation.
    #[serde(default)]
    deactivated_read_own: bool,
    /// Holders of the built-in administrator role need an email.
    #[serde(default)]
    admin_requires_email: bool,
    /// Separation-of-duties rules the organisation starts with.
    #[serde(default)]
    sod_rules: Vec<SodRuleFile>,
}

/// A separation-of-duties rule of a preset: two or more permissions
/// (`key` or `key=level`) or two or more roles, by name.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SodRuleFile {
    pub name: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub permissions: Vec<String>,
    #[serde(default)]
    pub roles: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PermissionFile {
    key: String,
    label: String,
    scale: String,
    relations: Option<Vec<String>>,
    /// `{ hours = 24, relations = ["own", "pic"] }`
    owner_window: Option<OwnerWindow>,
    #[serde(default)]
    locked_states: Vec<String>,
    #[serde(default)]
    setup_only: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleFile {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    levels: BTreeMap<String, String>,
    /// Roles (by name; "*": every role of the preset) its holders may assign.
    #[serde(default)]
    assignable: Vec<String>,
    #[serde(default)]
    requires_email: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KindFile {
    code: String,
    name: String,
    expiry_required: bool,
    max_validity_months: Option<u32>,
    warning_days: u32,
    #[serde(default)]
    independent: bool,
    /// Basis requirements: `licence:B1`, `type`, `continuation:24`.
    #[serde(default)]
    requires: Vec<String>,
    #[serde(default)]
    explicit_types: bool,
    #[serde(default)]
    reason_required: bool,
}

/// A preset ready to initialise an organisation from.
#[derive(Debug, Clone)]
pub struct Preset {
    pub name: String,
    pub title: String,
    pub description: String,
    pub admin_role_name: String,
    pub settings: Settings,
    pub roles: Vec<Role>,
    /// Holders of the built-in administrator role need an email.
    pub admin_requires_email: bool,
    /// Separation-of-duties rules, added by the first administrator right
    /// after the organisation is created (one audited change).
    pub sod_rules: Vec<SodRuleFile>,
}

impl Preset {
    /// The change that adds the preset's separation-of-duties rules (None:
    /// it has none).
    pub fn sod_command(&self) -> Option<crate::domain::command::Command> {
        use crate::domain::command::Command;
        if self.sod_rules.is_empty() {
            return None;
        }
        let adds = self
            .sod_rules
            .iter()
            .map(|r| Command::AddSodRule {
                name: r.name.clone(),
                reason: r.reason.clone(),
                permissions: r.permissions.clone(),
                roles: r.roles.clone(),
            })
            .collect();
        Some(Command::Reasoned {
            reason: format!("the separation-of-duties rules of the {} preset", self.name),
            command: Box::new(Command::Batch(adds)),
        })
    }
}

impl Preset {
    /// The roles an organisation starts with, as `InitOrganisation` takes
    /// them: a template of the built-in administrator, then the roles.
    pub fn init_roles(&self) -> Vec<Role> {
        let admin = Role {
            builtin_admin: true,
            requires_email: self.admin_requires_email,
            ..Role::new(
                0,
                self.admin_role_name.clone(),
                String::new(),
                BTreeMap::new(),
            )
        };
        std::iter::once(admin)
            .chain(self.roles.iter().cloned())
            .collect()
    }
}

pub fn names() -> Vec<&'static str> {
    PRESETS.iter().map(|(n, _)| *n).collect()
}

/// Loads and validates a preset by name.
pub fn load(name: &str) -> Result<Preset, String> {
    let (_, src) = PRESETS
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name.trim()))
        .ok_or_else(|| {
            format!(
                "unknown preset '{}' (use {})",
                text::sanitize(name),
                names().join(", ")
            )
        })?;
    parse(src).map_err(|e| format!("preset {name}: {e}"))
}

/// Parses a preset file.
pub fn parse(src: &str) -> Result<Preset, String> {
    let f: PresetFile = toml::from_str(src).map_err(|e| e.to_string())?;
    let mut perms = Vec::new();
    for p in f.permissions {
        let scale = match (p.scale.as_str(), p.relations) {
            ("access", None) => Scale::Access,
            ("grant", None) => Scale::Grant,
            ("scope", r) => Scale::Scope {
                relations: r.unwrap_or_else(|| vec!["own".into(), "other".into()]),
            },
            (s, Some(_)) if s == "access" || s == "grant" => {
                return Err(format!(
                    "permission {}: relations apply only to the scope scale",
                    p.key
                ))
            }
            (s, _) => {
                return Err(format!(
                    "permission {}: unknown scale '{s}' (access, scope, grant)",
                    p.key
                ))
            }
        };
        perms.push(Permission {
            key: p.key,
            label: p.label,
            scale,
            owner_window: p.owner_window,
            locked_states: p.locked_states,
            setup_only: p.setup_only,
        });
    }
    let catalog = Catalog::new(f.areas, perms).map_err(|e| e.to_string())?;
    // Roles get ids 2, 3, … in order when the organisation is created.
    let ids: BTreeMap<String, RoleId> = f
        .roles
        .iter()
        .enumerate()
        .map(|(i, r)| (r.name.to_lowercase(), i as RoleId + 2))
        .collect();
    let mut roles = Vec::new();
    for r in f.roles {
        let mut assignable = BTreeSet::new();
        for n in &r.assignable {
            if n == "*" {
                assignable.extend(ids.values().copied());
            } else if n.eq_ignore_ascii_case(&f.admin_role_name) {
                return Err(format!(
                    "role {}: the built-in administrator is never assignable by delegation",
                    r.name
                ));
            } else {
                let id = ids
                    .get(&n.to_lowercase())
                    .ok_or_else(|| format!("role {}: unknown assignable role '{n}'", r.name))?;
                assignable.insert(*id);
            }
        }
        let mut levels = BTreeMap::new();
        for (k, w) in &r.levels {
            let i = catalog
                .resolve(k)
                .map_err(|e| format!("role {}: {e}", r.name))?;
            let p = catalog.get(i);
            let l = p
                .scale
                .parse_level(w)
                .map_err(|e| format!("role {}, {k}: {e}", r.name))?;
            if l != 0 {
                levels.insert(p.key.clone(), l);
            }
        }
        roles.push(Role {
            assignable,
            requires_email: r.requires_email,
            ..Role::new(0, r.name, r.description, levels)
        });
    }
    let mut kinds = Vec::new();
    for k in f.authorization_kinds {
        let requires = k
            .requires
            .iter()
            .map(|w| BasisRequirement::parse(w).map_err(|e| format!("kind {}: {e}", k.code)))
            .collect::<Result<Vec<_>, _>>()?;
        kinds.push(AuthorizationKind {
            code: k.code,
            name: k.name,
            expiry_required: k.expiry_required,
            max_validity_months: k.max_validity_months,
            warning_days: k.warning_days,
            independent: k.independent,
            requires,
            explicit_types: k.explicit_types,
            reason_required: k.reason_required,
        });
    }
    Ok(Preset {
        name: f.name.clone(),
        title: f.title,
        description: f.description,
        admin_role_name: f.admin_role_name,
        settings: Settings {
            name: String::new(),
            preset: f.name,
            catalog,
            admin_role: 1,
            kinds,
            time_zone: crate::domain::zone::Zone::UTC,
            reason_required: f.reason_required,
            features_off: vec![],
            setup_mode: false,
            role_required: f.role_required,
            deactivated_read_own: f.deactivated_read_own,
        },
        roles,
        admin_requires_email: f.admin_requires_email,
        sod_rules: f.sod_rules,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_loads() {
        for n in names() {
            let p = load(n).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(p.name, n);
            assert!(!p.roles.is_empty());
        }
    }

    #[test]
    fn unknown_preset_is_named() {
        assert!(load("airline")
            .unwrap_err()
            .contains("unknown preset 'airline'"));
    }
}
