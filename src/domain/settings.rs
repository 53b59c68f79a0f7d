//! Organisation-wide settings and their stored layouts.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::authorizations::AuthorizationKind;
use super::catalog::Catalog;
use super::layout::layout;
use super::roles::RoleId;
use super::zone::Zone;

/// Organisation-wide settings: the catalog, the authorization kinds, the
/// built-in administrator role, the time zone days are counted in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub name: String,
    pub preset: String,
    pub catalog: Catalog,
    pub admin_role: RoleId,
    pub kinds: Vec<AuthorizationKind>,
    /// The day every expiry is counted in (UTC unless set).
    pub time_zone: Zone,
    /// Every change needs a reason (a preset or `org set` may require it).
    pub reason_required: bool,
    /// Areas switched off for the organisation (sorted keys): every check
    /// in them is denied.
    pub features_off: Vec<String>,
    /// Setup mode: permissions marked setup-only are available.
    pub setup_mode: bool,
    /// Every user must hold at least one role (Flylogs: a user type).
    pub role_required: bool,
    /// A deactivated user keeps the view levels of the `own` relation
    /// (Flylogs: "access and login … without edit capabilities").
    pub deactivated_read_own: bool,
}

impl Settings {
    /// Whether an area is switched off for the organisation.
    pub fn area_off(&self, area: &str) -> bool {
        self.features_off.iter().any(|a| a == area)
    }
}

/// Layout generations 1 and 2 (see `domain::layout`): no time zone.
#[derive(Serialize, Deserialize)]
#[serde(rename = "Settings")]
struct SettingsV2<N, C, K> {
    name: N,
    preset: N,
    catalog: C,
    admin_role: RoleId,
    kinds: K,
}

/// Layout generation 3: the organisation's time zone, whether every
/// change needs a reason, the areas switched off, setup mode and the
/// policies (a role required, deactivated users reading their own records).
#[derive(Serialize, Deserialize)]
#[serde(rename = "Settings")]
struct SettingsV3<N, C, K, F> {
    name: N,
    preset: N,
    catalog: C,
    admin_role: RoleId,
    kinds: K,
    #[serde(default)]
    time_zone: Zone,
    #[serde(default)]
    reason_required: bool,
    #[serde(default)]
    features_off: F,
    #[serde(default)]
    setup_mode: bool,
    #[serde(default)]
    role_required: bool,
    #[serde(default)]
    deactivated_read_own: bool,
}

impl Serialize for Settings {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if layout() < 3 {
            SettingsV2 {
                name: &self.name,
                preset: &self.preset,
                catalog: &self.catalog,
                admin_role: self.admin_role,
                kinds: &self.kinds,
            }
            .serialize(s)
        } else {
            SettingsV3 {
                name: &self.name,
                preset: &self.preset,
                catalog: &self.catalog,
                admin_role: self.admin_role,
                kinds: &self.kinds,
                time_zone: self.time_zone,
                reason_required: self.reason_required,
                features_off: &self.features_off,
                setup_mode: self.setup_mode,
                role_required: self.role_required,
                deactivated_read_own: self.deactivated_read_own,
            }
            .serialize(s)
        }
    }
}

impl<'de> Deserialize<'de> for Settings {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if layout() < 3 {
            let s = SettingsV2::<String, Catalog, Vec<AuthorizationKind>>::deserialize(d)?;
            Ok(Settings {
                name: s.name,
                preset: s.preset,
                catalog: s.catalog,
                admin_role: s.admin_role,
                kinds: s.kinds,
                time_zone: Zone::UTC,
                reason_required: false,
                features_off: vec![],
                setup_mode: false,
                role_required: false,
                deactivated_read_own: false,
            })
        } else {
            let s =
                SettingsV3::<String, Catalog, Vec<AuthorizationKind>, Vec<String>>::deserialize(d)?;
            Ok(Settings {
                name: s.name,
                preset: s.preset,
                catalog: s.catalog,
                admin_role: s.admin_role,
                kinds: s.kinds,
                time_zone: s.time_zone,
                reason_required: s.reason_required,
                features_off: s.features_off,
                setup_mode: s.setup_mode,
                role_required: s.role_required,
                deactivated_read_own: s.deactivated_read_own,
            })
        }
    }
}
