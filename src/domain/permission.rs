//! One permission of the catalog, with the record conditions it may
//! declare: an owner window (the owner may act on a young record even
//! without the level), the record states in which nobody may act, and
//! whether it is available only in setup mode.
//!
//! Permissions written before the conditions existed (layout generations 1
//! and 2, see `domain::layout`) have three fields; the store reads and
//! re-encodes them in that layout, so old bytes stay readable and hash the
//! same.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::catalog::Scale;
use super::error::{invalid, DomainResult};
use super::layout::layout;
use super::text;

/// The most hours an owner window may last (one year).
pub const MAX_WINDOW_HOURS: u32 = 24 * 366;
/// The most locked states one permission may declare.
pub const MAX_LOCKED_STATES: usize = 16;

/// For `hours` after a record was confirmed, an actor for whom one of
/// `relations` holds may act on it even without the level (Flylogs: the
/// creator or the Pilot in Command edits their flight for 24 hours).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerWindow {
    pub hours: u32,
    /// Relations of the permission's scope scale the window is for.
    pub relations: Vec<String>,
}

/// One right in one area, on a scale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permission {
    /// `area.action`
    pub key: String,
    pub label: String,
    pub scale: Scale,
    /// The owner window, if any (scope permissions only).
    pub owner_window: Option<OwnerWindow>,
    /// Record states in which nobody may act, whatever their level
    /// (`deleted`, `historical`, `exported`).
    pub locked_states: Vec<String>,
    /// Available only while the organisation is in setup mode.
    pub setup_only: bool,
}

impl Permission {
    /// A permission without record conditions.
    pub fn new(key: impl Into<String>, label: impl Into<String>, scale: Scale) -> Self {
        Permission {
            key: key.into(),
            label: label.into(),
            scale,
            owner_window: None,
            locked_states: vec![],
            setup_only: false,
        }
    }

    pub fn area(&self) -> &str {
        self.key
            .split_once('.')
            .map(|(a, _)| a)
            .unwrap_or(&self.key)
    }

    /// The bits of the owner window's relations (0 without a window).
    pub fn window_bits(&self) -> u8 {
        let Some(w) = &self.owner_window else {
            return 0;
        };
        w.relations
            .iter()
            .filter_map(|r| self.scale.parse_relation(r).ok())
            .fold(0, |a, b| a | b)
    }

    /// Whether records in `state` are locked for this permission.
    pub fn locks(&self, state: &str) -> bool {
        self.locked_states.iter().any(|s| s == state)
    }

    /// The record conditions as one phrase for listings: "owner window 24h
    /// (own, pic); locked when deleted, historical; setup mode only".
    pub fn conditions_word(&self) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(w) = &self.owner_window {
            parts.push(format!(
                "owner window {}h ({})",
                w.hours,
                w.relations.join(", ")
            ));
        }
        if !self.locked_states.is_empty() {
            parts.push(format!("locked when {}", self.locked_states.join(", ")));
        }
        if self.setup_only {
            parts.push("setup mode only".into());
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }

    /// Checks the record conditions against the scale (the catalog checks
    /// the rest).
    pub(super) fn validate_conditions(&self) -> DomainResult<()> {
        if let Some(w) = &self.owner_window {
            if !matches!(self.scale, Scale::Scope { .. }) {
                return Err(invalid(format!(
                    "permission '{}': an owner window needs the scope scale",
                    self.key
                )));
            }
            if w.hours == 0 || w.hours > MAX_WINDOW_HOURS {
                return Err(invalid(format!(
                    "permission '{}': the owner window must last 1 to {MAX_WINDOW_HOURS} hours",
                    self.key
                )));
            }
            if w.relations.is_empty() {
                return Err(invalid(format!(
                    "permission '{}': the owner window names no relation",
                    self.key
                )));
            }
            for r in &w.relations {
                self.scale.parse_relation(r).map_err(|e| {
                    invalid(format!("permission '{}': owner window: {e}", self.key))
                })?;
            }
        }
        if self.locked_states.len() > MAX_LOCKED_STATES {
            return Err(invalid(format!(
                "permission '{}' locks {} states (at most {MAX_LOCKED_STATES})",
                self.key,
                self.locked_states.len()
            )));
        }
        let mut seen = std::collections::HashSet::new();
        for s in &self.locked_states {
            text::key("record state", s)?;
            if !seen.insert(s) {
                return Err(invalid(format!(
                    "permission '{}' locks state '{s}' twice",
                    self.key
                )));
            }
        }
        Ok(())
    }
}

/// Layout generations 1 and 2: no record conditions.
#[derive(Serialize, Deserialize)]
#[serde(rename = "Permission")]
struct PermissionV1<S, C> {
    key: S,
    label: S,
    scale: C,
}

/// Layout generation 3: the record conditions.
#[derive(Serialize, Deserialize)]
#[serde(rename = "Permission")]
struct PermissionV3<S, C, W, L> {
    key: S,
    label: S,
    scale: C,
    #[serde(default)]
    owner_window: W,
    #[serde(default)]
    locked_states: L,
    #[serde(default)]
    setup_only: bool,
}

impl Serialize for Permission {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if layout() < 3 {
            PermissionV1 {
                key: &self.key,
                label: &self.label,
                scale: &self.scale,
            }
            .serialize(s)
        } else {
            PermissionV3 {
                key: &self.key,
                label: &self.label,
                scale: &self.scale,
                owner_window: &self.owner_window,
                locked_states: &self.locked_states,
                setup_only: self.setup_only,
            }
            .serialize(s)
        }
    }
}

impl<'de> Deserialize<'de> for Permission {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if layout() < 3 {
            let p = PermissionV1::<String, Scale>::deserialize(d)?;
            Ok(Permission::new(p.key, p.label, p.scale))
        } else {
            let p =
                PermissionV3::<String, Scale, Option<OwnerWindow>, Vec<String>>::deserialize(d)?;
            Ok(Permission {
                key: p.key,
                label: p.label,
                scale: p.scale,
                owner_window: p.owner_window,
                locked_states: p.locked_states,
                setup_only: p.setup_only,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalog::tests::scope;
    use crate::domain::layout::with_layout;

    fn flights_edit() -> Permission {
        Permission {
            owner_window: Some(OwnerWindow {
                hours: 24,
                relations: vec!["own".into(), "pic".into()],
            }),
            locked_states: vec!["deleted".into(), "historical".into()],
            ..Permission::new(
                "flights.edit",
                "Edit flights",
                scope(&["own", "other", "pic"]),
            )
        }
    }

    #[test]
    fn the_window_bits_are_its_relations() {
        assert_eq!(flights_edit().window_bits(), 0b101);
        assert_eq!(
            Permission::new("a.b", "x", scope(&["own", "other"])).window_bits(),
            0
        );
    }

    #[test]
    fn a_window_needs_a_scope_scale_known_relations_and_sane_hours() {
        assert!(flights_edit().validate_conditions().is_ok());
        let mut p = flights_edit();
        p.scale = Scale::Grant;
        assert!(p.validate_conditions().is_err());
        let mut p = flights_edit();
        p.owner_window.as_mut().unwrap().relations = vec!["students".into()];
        let e = p.validate_conditions().unwrap_err().to_string();
        assert!(e.contains("unknown relation 'students'"), "{e}");
        let mut p = flights_edit();
        p.owner_window.as_mut().unwrap().hours = 0;
        assert!(p.validate_conditions().is_err());
        let mut p = flights_edit();
        p.locked_states = vec!["Deleted".into()];
        assert!(p.validate_conditions().is_err());
        let mut p = flights_edit();
        p.locked_states = vec!["deleted".into(), "deleted".into()];
        assert!(p.validate_conditions().is_err());
    }

    #[test]
    fn the_old_layout_drops_the_conditions_and_reads_back_without_them() {
        let p = flights_edit();
        let old = with_layout(2, || bincode::serialize(&p).unwrap());
        let back: Permission = with_layout(2, || bincode::deserialize(&old).unwrap());
        assert_eq!(
            back,
            Permission::new(p.key.clone(), p.label.clone(), p.scale.clone())
        );
        let new = bincode::serialize(&p).unwrap();
        assert!(new.len() > old.len());
        let back: Permission = bincode::deserialize(&new).unwrap();
        assert_eq!(back, p);
    }

    #[test]
    fn json_without_the_conditions_reads_as_none() {
        let p: Permission = serde_json::from_str(
            r#"{"key":"a.b","label":"x","scale":{"Scope":{"relations":["own","other"]}}}"#,
        )
        .unwrap();
        assert_eq!(p.owner_window, None);
        assert!(p.locked_states.is_empty());
        assert!(!p.setup_only);
    }

    #[test]
    fn conditions_read_as_one_phrase() {
        assert_eq!(
            flights_edit().conditions_word().unwrap(),
            "owner window 24h (own, pic); locked when deleted, historical"
        );
        assert_eq!(
            Permission::new("a.b", "x", Scale::Grant).conditions_word(),
            None
        );
    }
}
