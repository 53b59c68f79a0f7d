//! The permission catalog: areas, permissions and their scales, and the
//! words for levels on each scale.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::error::{invalid, unknown, DomainResult};
use super::text;

/// A level is a bit set; its meaning depends on the permission's scale.
pub type Level = u8;

/// Index of a permission in its catalog.
pub type PermIndex = usize;

pub const NONE: Level = 0;
pub const VIEW: Level = 0b01;
pub const MANAGE: Level = 0b11;
pub const YES: Level = 0b1;
pub const OWN: Level = 0b01;
pub const OTHER: Level = 0b10;

/// The scale a permission is measured on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scale {
    /// none < view < manage (bits 0, 0b01, 0b11).
    Access,
    /// A set of relations between actor and record; bit i is `relations[i]`.
    /// The first two are always `own` and `other`.
    Scope { relations: Vec<String> },
    /// no / yes.
    Grant,
}

impl Scale {
    pub fn name(&self) -> &'static str {
        match self {
            Scale::Access => "access",
            Scale::Scope { .. } => "scope",
            Scale::Grant => "grant",
        }
    }

    /// The highest level on this scale.
    pub fn top(&self) -> Level {
        match self {
            Scale::Access => MANAGE,
            Scale::Grant => YES,
            Scale::Scope { relations } => {
                if relations.len() >= 8 {
                    u8::MAX
                } else {
                    (1u8 << relations.len()) - 1
                }
            }
        }
    }

    /// True when a check passes on any one requested bit (scope), false when
    /// every requested bit is needed (access, grant).
    pub fn checks_any(&self) -> bool {
        matches!(self, Scale::Scope { .. })
    }

    /// Whether `level` is a level that exists on this scale.
    pub fn is_valid(&self, level: Level) -> bool {
        match self {
            Scale::Access => matches!(level, NONE | VIEW | MANAGE),
            Scale::Grant => matches!(level, 0 | YES),
            Scale::Scope { .. } => level & !self.top() == 0,
        }
    }

    /// The words accepted for levels on this scale, for error messages.
    pub fn level_words(&self) -> String {
        match self {
            Scale::Access => "none, view, manage".into(),
            Scale::Grant => "no, yes".into(),
            Scale::Scope { relations } => {
                format!(
                    "none, all, or relations joined by '+': {}",
                    relations.join(", ")
                )
            }
        }
    }

    /// Parses a level word on this scale (case-insensitive; single letters
    /// n/v/m and n/y work too).
    pub fn parse_level(&self, word: &str) -> DomainResult<Level> {
        let w = word.trim().to_ascii_lowercase();
        let bad = || {
            invalid(format!(
                "level '{}' does not exist on the {} scale (use {})",
                text::sanitize(word),
                self.name(),
                self.level_words()
            ))
        };
        match self {
            Scale::Access => match w.as_str() {
                "none" | "n" | "-" => Ok(NONE),
                "view" | "v" => Ok(VIEW),
                "manage" | "m" => Ok(MANAGE),
                _ => Err(bad()),
            },
            Scale::Grant => match w.as_str() {
                "no" | "n" | "none" | "-" => Ok(0),
                "yes" | "y" => Ok(YES),
                _ => Err(bad()),
            },
            Scale::Scope { relations } => match w.as_str() {
                "none" | "n" | "-" => Ok(NONE),
                "all" | "a" => Ok(self.top()),
                _ => {
                    let mut level = 0;
                    for part in w.split('+').map(str::trim) {
                        let i = relations.iter().position(|r| r == part).ok_or_else(bad)?;
                        level |= 1 << i;
                    }
                    Ok(level)
                }
            },
        }
    }

    /// Parses one relation name to its bit.
    pub fn parse_relation(&self, word: &str) -> DomainResult<Level> {
        match self {
            Scale::Scope { relations } => {
                let w = word.trim().to_ascii_lowercase();
                relations
                    .iter()
                    .position(|r| *r == w)
                    .map(|i| 1u8 << i)
                    .ok_or_else(|| {
                        invalid(format!(
                            "unknown relation '{}' (this permission has: {})",
                            text::sanitize(word),
                            relations.join(", ")
                        ))
                    })
            }
            _ => Err(invalid(format!(
                "relations apply only to scope permissions; this one is on the {} scale",
                self.name()
            ))),
        }
    }

    /// The word for a level on this scale.
    pub fn level_word(&self, level: Level) -> String {
        match self {
            Scale::Access => match level {
                NONE => "none".into(),
                VIEW => "view".into(),
                MANAGE => "manage".into(),
                other => format!("invalid({other:#04b})"),
            },
            Scale::Grant => if level & YES != 0 { "yes" } else { "no" }.into(),
            Scale::Scope { relations } => {
                if level == 0 {
                    "none".into()
                } else if level == self.top() {
                    "all".into()
                } else {
                    relations
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| level & (1 << i) != 0)
                        .map(|(_, r)| r.as_str())
                        .collect::<Vec<_>>()
                        .join("+")
                }
            }
        }
    }
}

/// A group of permissions shown together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Area {
    pub key: String,
    pub label: String,
}

pub use super::permission::{OwnerWindow, Permission};

/// The administrative permissions the rules refer to. Every catalog holds them.
pub mod system {
    pub const USERS_VIEW: &str = "users.view";
    pub const USERS_MANAGE: &str = "users.manage";
    pub const USERS_IMPERSONATE: &str = "users.impersonate";
    pub const ROLES_MANAGE: &str = "roles.manage";
    pub const AUTHORIZATIONS_MANAGE: &str = "authorizations.manage";
    pub const AUDIT_VIEW: &str = "audit.view";
    pub const SIGNOFFS_COMPLETE: &str = "signoffs.complete";

    /// Each system permission with whether it must be a grant (true) or may
    /// also be access/scope (false).
    pub const REQUIRED: [(&str, bool); 7] = [
        (USERS_VIEW, false),
        (USERS_MANAGE, true),
        (USERS_IMPERSONATE, true),
        (ROLES_MANAGE, true),
        (AUTHORIZATIONS_MANAGE, true),
        (AUDIT_VIEW, true),
        (SIGNOFFS_COMPLETE, true),
    ];
}

/// Every area and permission of an organisation, in display order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalog {
    pub areas: Vec<Area>,
    pub permissions: Vec<Permission>,
    #[serde(skip)]
    index: HashMap<String, PermIndex>,
}

impl Catalog {
    /// Builds and validates a catalog.
    pub fn new(areas: Vec<Area>, permissions: Vec<Permission>) -> DomainResult<Self> {
        let mut c = Catalog {
            areas,
            permissions,
            index: HashMap::new(),
        };
        c.validate()?;
        c.reindex();
        Ok(c)
    }

    /// Rebuilds the key index (after deserialising).
    pub fn reindex(&mut self) {
        self.index = self
            .permissions
            .iter()
            .enumerate()
            .map(|(i, p)| (p.key.clone(), i))
            .collect();
    }

    fn validate(&self) -> DomainResult<()> {
        let mut area_keys = std::collections::HashSet::new();
        for a in &self.areas {
            text::key("area key", &a.key)?;
            text::required_text("area label", &a.label)?;
            if !area_keys.insert(a.key.as_str()) {
                return Err(invalid(format!("area '{}' declared twice", a.key)));
            }
        }
        let mut keys = std::collections::HashSet::new();
        for p in &self.permissions {
            let (area, action) = p.key.split_once('.').ok_or_else(|| {
                invalid(format!(
                    "permission key '{}' must be area.action",
                    text::sanitize(&p.key)
                ))
            })?;
            text::key("permission area", area)?;
            text::key("permission action", action)?;
            if !area_keys.contains(area) {
                return Err(invalid(format!(
                    "permission '{}' is in undeclared area '{area}'",
                    p.key
                )));
            }
            text::required_text("permission label", &p.label)?;
            p.validate_conditions()?;
            if !keys.insert(p.key.as_str()) {
                return Err(invalid(format!("permission '{}' declared twice", p.key)));
            }
            if let Scale::Scope { relations } = &p.scale {
                if relations.len() < 2 || relations[0] != "own" || relations[1] != "other" {
                    return Err(invalid(format!(
                        "scope permission '{}' must start its relations with own, other",
                        p.key
                    )));
                }
                if relations.len() > 8 {
                    return Err(invalid(format!(
                        "scope permission '{}' has {} relations (at most 8)",
                        p.key,
                        relations.len()
                    )));
                }
                let mut seen = std::collections::HashSet::new();
                for r in relations {
                    text::key("relation", r)?;
                    if r == "all" || r == "none" || !seen.insert(r) {
                        return Err(invalid(format!(
                            "scope permission '{}' has a bad or repeated relation '{r}'",
                            p.key
                        )));
                    }
                }
            }
        }
        for (key, must_grant) in system::REQUIRED {
            let p = self
                .permissions
                .iter()
                .find(|p| p.key == key)
                .ok_or_else(|| invalid(format!("catalog lacks the system permission '{key}'")))?;
            if must_grant && p.scale != Scale::Grant {
                return Err(invalid(format!(
                    "system permission '{key}' must be on the grant scale"
                )));
            }
            if p.setup_only {
                return Err(invalid(format!(
                    "system permission '{key}' cannot be available only in setup mode"
                )));
            }
        }
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.permissions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.permissions.is_empty()
    }

    pub fn get(&self, i: PermIndex) -> &Permission {
        &self.permissions[i]
    }

    pub fn index_of(&self, key: &str) -> Option<PermIndex> {
        self.index.get(key).copied()
    }

    /// Resolves a permission key given by a person (case-insensitive).
    pub fn resolve(&self, key: &str) -> DomainResult<PermIndex> {
        self.index_of(key)
            .or_else(|| self.index_of(&key.trim().to_ascii_lowercase()))
            .ok_or_else(|| unknown("permission", text::sanitize(key)))
    }

    /// Resolves an area key given by a person (case-insensitive).
    pub fn resolve_area(&self, key: &str) -> DomainResult<&Area> {
        let k = key.trim().to_ascii_lowercase();
        self.areas
            .iter()
            .find(|a| a.key == k)
            .ok_or_else(|| unknown("area", text::sanitize(key)))
    }

    /// Whether an area holds a permission the rules use to administer the
    /// organisation (users, roles, authorizations, audit): such an area
    /// cannot be switched off. `signoffs.complete` is not administration.
    pub fn is_administration_area(&self, area: &str) -> bool {
        system::REQUIRED.iter().any(|(key, _)| {
            *key != system::SIGNOFFS_COMPLETE && key.split_once('.').is_some_and(|(a, _)| a == area)
        })
    }

    /// The index of a system permission; the catalog was validated to hold it.
    pub fn system(&self, key: &str) -> PermIndex {
        self.index_of(key)
            .unwrap_or_else(|| panic!("validated catalog lacks system permission {key}"))
    }

    /// The top level of every permission, in catalog order.
    pub fn tops(&self) -> Vec<Level> {
        self.permissions.iter().map(|p| p.scale.top()).collect()
    }

    /// Permissions of one area, in order.
    pub fn in_area<'a>(
        &'a self,
        area: &'a str,
    ) -> impl Iterator<Item = (PermIndex, &'a Permission)> + 'a {
        self.permissions
            .iter()
            .enumerate()
            .filter(move |(_, p)| p.area() == area)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn scope(rel: &[&str]) -> Scale {
        Scale::Scope {
            relations: rel.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn access_words_round_trip() {
        for l in [NONE, VIEW, MANAGE] {
            assert_eq!(
                Scale::Access
                    .parse_level(&Scale::Access.level_word(l))
                    .unwrap(),
                l
            );
        }
        assert!(Scale::Access.parse_level("own").is_err());
        assert!(!Scale::Access.is_valid(0b10));
    }

    #[test]
    fn scope_words_combine_relations() {
        let s = scope(&["own", "other", "students", "assigned"]);
        assert_eq!(s.parse_level("own+students").unwrap(), 0b0101);
        assert_eq!(s.parse_level("all").unwrap(), 0b1111);
        assert_eq!(s.level_word(0b0101), "own+students");
        assert_eq!(s.level_word(0b1111), "all");
        assert!(s.parse_level("own+pilots").is_err());
        assert!(s.is_valid(0b1000));
        assert!(!s.is_valid(0b1_0000));
    }

    #[test]
    fn default_scope_gives_none_own_other_all() {
        let s = scope(&["own", "other"]);
        assert_eq!(s.level_word(OWN), "own");
        assert_eq!(s.level_word(OTHER), "other");
        assert_eq!(s.level_word(OWN | OTHER), "all");
    }
}
