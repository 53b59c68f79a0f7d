//! The keymap as data: each row has an action, keys, a context and a
//! description. Key handling, footer hints, the `?` help and the command
//! palette are all generated from these rows.

use std::collections::BTreeMap;
use std::fmt;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;

/// Default bindings, compiled in.
pub const DEFAULT_KEYMAP: &str = include_str!("../../assets/keymap.toml");

macro_rules! actions {
    ($($variant:ident = $name:literal),* $(,)?) => {
        /// A user intent produced by the keymap.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action { $($variant),* }

        impl Action {
            pub const ALL: &'static [Action] = &[$(Action::$variant),*];
            pub fn name(self) -> &'static str {
                match self { $(Action::$variant => $name),* }
            }
            pub fn parse(s: &str) -> Option<Action> {
                match s { $($name => Some(Action::$variant),)* _ => None }
            }
        }
    };
}

actions! {
    Quit = "quit", ForceQuit = "force_quit", SuspendApp = "suspend_app", Redraw = "redraw", Help = "help",
    Palette = "palette",
    NextTab = "next_tab", PrevTab = "prev_tab",
    TabUsers = "tab_users", TabRoles = "tab_roles", TabAuthorizations = "tab_authorizations",
    TabAudit = "tab_audit", TabMe = "tab_me", TabReviews = "tab_reviews",
    SelectNext = "select_next", SelectPrev = "select_prev", PageDown = "page_down", PageUp = "page_up",
    First = "first", Last = "last", Filter = "filter", Open = "open", Back = "back",
    New = "new", Edit = "edit", AssignRole = "assign_role", UnassignRole = "unassign_role",
    PersonalGrants = "personal_grants", Invite = "invite", Deactivate = "deactivate",
    Reactivate = "reactivate", Delete = "delete", CycleStatusFilter = "cycle_status_filter",
    CycleRoleFilter = "cycle_role_filter", ToggleArchived = "toggle_archived",
    CopyRole = "copy_role", RemoveRole = "remove_role", ToggleMatrix = "toggle_matrix",
    GridDown = "grid_down", GridUp = "grid_up", GridLeft = "grid_left", GridRight = "grid_right",
    CycleLevel = "cycle_level", ToggleArea = "toggle_area", LevelNone = "level_none",
    LevelView = "level_view", LevelManage = "level_manage", LevelYes = "level_yes",
    LevelOwn = "level_own", LevelOther = "level_other", LevelAll = "level_all", Save = "save",
    Renew = "renew", Suspend = "suspend", Reinstate = "reinstate", Revoke = "revoke",
    Verify = "verify", SignoffCheck = "signoff_check",
    IssueAuthorization = "issue_authorization", Qualifications = "qualifications",
    NextField = "next_field", PrevField = "prev_field", Submit = "submit", Cancel = "cancel",
    Confirm = "confirm", Who = "who",
    ReviewKeep = "review_keep", ReviewRemove = "review_remove", ReviewShorten = "review_shorten",
    ReviewKeepAll = "review_keep_all", CycleRiskFilter = "cycle_risk_filter",
    NextCampaign = "next_campaign", ToggleAllItems = "toggle_all_items",
    CloseCampaign = "close_campaign",
}

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    Global,
    List,
    Users,
    Roles,
    Grid,
    Matrix,
    Authorizations,
    Audit,
    Me,
    Reviews,
    Form,
    Confirm,
    Help,
    Palette,
    Filter,
}

impl Context {
    pub const ALL: [Context; 15] = [
        Context::Global,
        Context::List,
        Context::Users,
        Context::Roles,
        Context::Grid,
        Context::Matrix,
        Context::Authorizations,
        Context::Audit,
        Context::Me,
        Context::Reviews,
        Context::Form,
        Context::Confirm,
        Context::Help,
        Context::Palette,
        Context::Filter,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Context::Global => "global",
            Context::List => "list",
            Context::Users => "users",
            Context::Roles => "roles",
            Context::Grid => "grid",
            Context::Matrix => "matrix",
            Context::Authorizations => "authorizations",
            Context::Audit => "audit",
            Context::Me => "me",
            Context::Reviews => "reviews",
            Context::Form => "form",
            Context::Confirm => "confirm",
            Context::Help => "help",
            Context::Palette => "palette",
            Context::Filter => "filter",
        }
    }

    pub fn parse(s: &str) -> Option<Context> {
        Context::ALL.into_iter().find(|c| c.name() == s)
    }
}

/// One key with modifiers, as written in the keymap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub code: KeyName,
    pub ctrl: bool,
    pub alt: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyName {
    Char(char),
    Enter,
    Esc,
    Tab,
    BackTab,
    Space,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
    Backspace,
    Delete,
    F(u8),
}

impl Key {
    /// Parses "j", "G", "ctrl-c", "shift-tab", "pgdn", "f1", "space".
    pub fn parse(s: &str) -> Result<Key, String> {
        let mut ctrl = false;
        let mut alt = false;
        let mut rest = s;
        loop {
            if let Some(r) = rest.strip_prefix("ctrl-") {
                ctrl = true;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("alt-") {
                alt = true;
                rest = r;
            } else {
                break;
            }
        }
        let code = match rest {
            "enter" => KeyName::Enter,
            "esc" => KeyName::Esc,
            "tab" => KeyName::Tab,
            "backtab" | "shift-tab" => KeyName::BackTab,
            "space" => KeyName::Space,
            "up" => KeyName::Up,
            "down" => KeyName::Down,
            "left" => KeyName::Left,
            "right" => KeyName::Right,
            "pgup" => KeyName::PageUp,
            "pgdn" => KeyName::PageDown,
            "home" => KeyName::Home,
            "end" => KeyName::End,
            "backspace" => KeyName::Backspace,
            "delete" => KeyName::Delete,
            f if f.len() >= 2
                && f.starts_with('f')
                && f[1..].parse::<u8>().is_ok_and(|n| (1..=12).contains(&n)) =>
            {
                KeyName::F(f[1..].parse().unwrap_or(1))
            }
            c if c.chars().count() == 1 => {
                let ch = c.chars().next().unwrap_or(' ');
                if ch.is_control() {
                    return Err(format!(
                        "key '{}' is a control character",
                        ch.escape_default()
                    ));
                }
                KeyName::Char(ch)
            }
            _ => return Err(format!("unknown key '{s}'")),
        };
        Ok(Key { code, ctrl, alt })
    }

    /// The key of a terminal key event, if we can name it.
    pub fn from_event(e: &KeyEvent) -> Option<Key> {
        let ctrl = e.modifiers.contains(KeyModifiers::CONTROL);
        let alt = e.modifiers.contains(KeyModifiers::ALT);
        let code = match e.code {
            KeyCode::Char(' ') => KeyName::Space,
            KeyCode::Char(c) => KeyName::Char(if ctrl { c.to_ascii_lowercase() } else { c }),
            KeyCode::Enter => KeyName::Enter,
            KeyCode::Esc => KeyName::Esc,
            KeyCode::Tab => KeyName::Tab,
            KeyCode::BackTab => KeyName::BackTab,
            KeyCode::Up => KeyName::Up,
            KeyCode::Down => KeyName::Down,
            KeyCode::Left => KeyName::Left,
            KeyCode::Right => KeyName::Right,
            KeyCode::PageUp => KeyName::PageUp,
            KeyCode::PageDown => KeyName::PageDown,
            KeyCode::Home => KeyName::Home,
            KeyCode::End => KeyName::End,
            KeyCode::Backspace => KeyName::Backspace,
            KeyCode::Delete => KeyName::Delete,
            KeyCode::F(n) => KeyName::F(n),
            _ => return None,
        };
        Some(Key { code, ctrl, alt })
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("ctrl-")?;
        }
        if self.alt {
            f.write_str("alt-")?;
        }
        match self.code {
            KeyName::Char(c) => write!(f, "{c}"),
            KeyName::Enter => f.write_str("enter"),
            KeyName::Esc => f.write_str("esc"),
            KeyName::Tab => f.write_str("tab"),
            KeyName::BackTab => f.write_str("shift-tab"),
            KeyName::Space => f.write_str("space"),
            KeyName::Up => f.write_str("↑"),
            KeyName::Down => f.write_str("↓"),
            KeyName::Left => f.write_str("←"),
            KeyName::Right => f.write_str("→"),
            KeyName::PageUp => f.write_str("pgup"),
            KeyName::PageDown => f.write_str("pgdn"),
            KeyName::Home => f.write_str("home"),
            KeyName::End => f.write_str("end"),
            KeyName::Backspace => f.write_str("backspace"),
            KeyName::Delete => f.write_str("delete"),
            KeyName::F(n) => write!(f, "f{n}"),
        }
    }
}

/// One row of the keymap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub action: Action,
    pub keys: Vec<Key>,
    pub context: Context,
    pub description: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeymapFile {
    binding: Vec<BindingFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BindingFile {
    action: String,
    keys: Vec<String>,
    context: String,
    description: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    pub bindings: Vec<Binding>,
}

impl Keymap {
    /// Parses a keymap file; errors name the row and the problem.
    pub fn parse(src: &str, origin: &str) -> Result<Keymap, String> {
        let f: KeymapFile = toml::from_str(src).map_err(|e| format!("{origin}: {e}"))?;
        let mut bindings = Vec::new();
        for (i, b) in f.binding.into_iter().enumerate() {
            let row = i + 1;
            let action = Action::parse(&b.action)
                .ok_or_else(|| format!("{origin}: binding {row}: unknown action '{}'", b.action))?;
            let context = Context::parse(&b.context).ok_or_else(|| {
                format!("{origin}: binding {row}: unknown context '{}'", b.context)
            })?;
            let keys = b
                .keys
                .iter()
                .map(|k| {
                    Key::parse(k)
                        .map_err(|e| format!("{origin}: binding {row} ({}): {e}", b.action))
                })
                .collect::<Result<Vec<_>, _>>()?;
            if b.description.trim().is_empty() {
                return Err(format!(
                    "{origin}: binding {row} ({}): description is empty",
                    b.action
                ));
            }
            bindings.push(Binding {
                action,
                keys,
                context,
                description: b.description,
            });
        }
        let km = Keymap { bindings };
        km.check_conflicts().map_err(|e| format!("{origin}: {e}"))?;
        Ok(km)
    }

    pub fn default_keymap() -> Keymap {
        Keymap::parse(DEFAULT_KEYMAP, "assets/keymap.toml")
            .expect("the default keymap is valid (tested)")
    }

    /// Replaces the keys of actions (config `[keys]`), in every context where
    /// the action is bound.
    pub fn with_overrides(
        mut self,
        overrides: &BTreeMap<String, Vec<String>>,
        origin: &str,
    ) -> Result<Keymap, String> {
        for (name, keys) in overrides {
            let action = Action::parse(name)
                .ok_or_else(|| format!("{origin}: [keys]: unknown action '{name}'"))?;
            let parsed = keys
                .iter()
                .map(|k| Key::parse(k).map_err(|e| format!("{origin}: [keys] {name}: {e}")))
                .collect::<Result<Vec<_>, _>>()?;
            let mut found = false;
            for b in self.bindings.iter_mut().filter(|b| b.action == action) {
                b.keys = parsed.clone();
                found = true;
            }
            if !found {
                return Err(format!(
                    "{origin}: [keys]: action '{name}' has no binding to override"
                ));
            }
        }
        self.check_conflicts()
            .map_err(|e| format!("{origin}: [keys]: {e}"))?;
        Ok(self)
    }

    /// Rejects one key bound to two actions along any lookup chain.
    pub fn check_conflicts(&self) -> Result<(), String> {
        for chain in CHAINS {
            let mut seen: BTreeMap<Key, (Action, Context)> = BTreeMap::new();
            for ctx in chain.iter() {
                for b in self.bindings.iter().filter(|b| b.context == *ctx) {
                    for k in &b.keys {
                        if let Some((a, c)) = seen.get(k) {
                            if *a != b.action && *c == *ctx {
                                return Err(format!(
                                    "key '{k}' is bound to both {} and {} in context {}",
                                    a.name(),
                                    b.action.name(),
                                    ctx.name()
                                ));
                            }
                            if *a != b.action {
                                return Err(format!(
                                    "key '{k}' of {} ({}) is shadowed by {} ({})",
                                    b.action.name(),
                                    ctx.name(),
                                    a.name(),
                                    c.name()
                                ));
                            }
                        } else {
                            seen.insert(*k, (b.action, *ctx));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// The action a key means along a lookup chain (first context wins).
    pub fn lookup(&self, chain: &[Context], key: &Key) -> Option<Action> {
        chain.iter().find_map(|ctx| {
            self.bindings
                .iter()
                .find(|b| b.context == *ctx && b.keys.contains(key))
                .map(|b| b.action)
        })
    }

    /// Bindings along a chain, in chain order, each action once.
    pub fn bindings_for(&self, chain: &[Context]) -> Vec<&Binding> {
        let mut out: Vec<&Binding> = Vec::new();
        for ctx in chain {
            for b in self.bindings.iter().filter(|b| b.context == *ctx) {
                if !out.iter().any(|o| o.action == b.action) {
                    out.push(b);
                }
            }
        }
        out
    }

    /// The keys of an action in a context, joined for display ("j/↓").
    pub fn keys_text(&self, chain: &[Context], action: Action) -> Option<String> {
        self.bindings_for(chain)
            .into_iter()
            .find(|b| b.action == action)
            .map(|b| {
                b.keys
                    .iter()
                    .map(|k| k.to_string())
                    .collect::<Vec<_>>()
                    .join("/")
            })
    }
}

/// Every lookup chain the app uses: keys resolve along one of these.
pub const CHAINS: &[&[Context]] = &[
    &[Context::Users, Context::List, Context::Global],
    &[Context::Roles, Context::List, Context::Global],
    &[Context::Grid, Context::Global],
    &[Context::Matrix, Context::Grid, Context::Global],
    &[Context::Authorizations, Context::List, Context::Global],
    &[Context::Audit, Context::List, Context::Global],
    &[Context::Me, Context::List, Context::Global],
    &[Context::Reviews, Context::Global],
    &[Context::Form],
    &[Context::Confirm],
    &[Context::Help],
    &[Context::Palette],
    &[Context::Filter],
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_keymap_has_no_conflicts_and_describes_every_action() {
        let km = Keymap::default_keymap();
        km.check_conflicts().unwrap();
        for b in &km.bindings {
            assert!(!b.description.trim().is_empty(), "{:?}", b.action);
            assert!(!b.keys.is_empty(), "{:?} has no key", b.action);
        }
        for a in Action::ALL {
            assert!(
                km.bindings.iter().any(|b| b.action == *a),
                "action {} has no binding",
                a.name()
            );
        }
    }

    #[test]
    fn every_action_has_a_plain_key_not_only_a_chord() {
        let km = Keymap::default_keymap();
        for b in &km.bindings {
            if b.action == Action::ForceQuit {
                continue; // `q` quits too
            }
            if b.action == Action::SuspendApp {
                continue; // ctrl-z is job control's own key; `:` reaches it too
            }
            if b.action == Action::Redraw {
                continue; // ctrl-l is the terminals' own redraw key; `:` reaches it too
            }
            assert!(
                b.keys
                    .iter()
                    .any(|k| !k.ctrl && !k.alt && !matches!(k.code, KeyName::F(_))),
                "{} in {} is reachable only by a chord or F-key",
                b.action.name(),
                b.context.name()
            );
        }
    }

    #[test]
    fn two_bindings_for_one_key_in_one_context_are_rejected() {
        let src = r#"
[[binding]]
action = "quit"
keys = ["q"]
context = "global"
description = "Quit"

[[binding]]
action = "help"
keys = ["q"]
context = "global"
description = "Help"
"#;
        let e = Keymap::parse(src, "test.toml").unwrap_err();
        assert!(
            e.contains("key 'q' is bound to both quit and help in context global"),
            "{e}"
        );
    }

    #[test]
    fn bad_rows_name_the_row() {
        let e = Keymap::parse("[[binding]]\naction = \"fly\"\nkeys = [\"f\"]\ncontext = \"global\"\ndescription = \"x\"\n", "k.toml").unwrap_err();
        assert_eq!(e, "k.toml: binding 1: unknown action 'fly'");
        let e = Keymap::parse("[[binding]]\naction = \"quit\"\nkeys = [\"hyper-q\"]\ncontext = \"global\"\ndescription = \"x\"\n", "k.toml").unwrap_err();
        assert_eq!(e, "k.toml: binding 1 (quit): unknown key 'hyper-q'");
    }

    #[test]
    fn keys_parse_and_print() {
        assert_eq!(Key::parse("ctrl-c").unwrap().to_string(), "ctrl-c");
        assert_eq!(
            Key::parse("G").unwrap(),
            Key {
                code: KeyName::Char('G'),
                ctrl: false,
                alt: false
            }
        );
        assert!(Key::parse("f13").is_err());
    }
}
