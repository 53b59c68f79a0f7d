//! Themes: styles named by meaning, loaded from TOML.

use std::collections::BTreeMap;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

pub const DEFAULT_THEME: &str = include_str!("../../assets/themes/default.toml");
pub const MONO_THEME: &str = include_str!("../../assets/themes/mono.toml");

/// The style names a theme must define.
pub const STYLE_NAMES: [&str; 17] = [
    "normal",
    "muted",
    "title",
    "tab_active",
    "tab_inactive",
    "selected",
    "granted",
    "denied",
    "expiring",
    "expired",
    "suspended",
    "danger",
    "changed",
    "key",
    "status_ok",
    "status_error",
    "border",
];

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    pub normal: Style,
    pub muted: Style,
    pub title: Style,
    pub tab_active: Style,
    pub tab_inactive: Style,
    pub selected: Style,
    pub granted: Style,
    pub denied: Style,
    pub expiring: Style,
    pub expired: Style,
    pub suspended: Style,
    pub danger: Style,
    pub changed: Style,
    pub key: Style,
    pub status_ok: Style,
    pub status_error: Style,
    pub border: Style,
    /// True for the mono theme: a last pass strips every colour.
    pub mono: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    styles: BTreeMap<String, StyleFile>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct StyleFile {
    fg: Option<String>,
    bg: Option<String>,
    #[serde(default)]
    modifiers: Vec<String>,
}

fn color(s: &str) -> Result<Color, String> {
    Ok(match s {
        "reset" => Color::Reset,
        "black" => Color::Black,
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        "blue" => Color::Blue,
        "magenta" => Color::Magenta,
        "cyan" => Color::Cyan,
        "gray" => Color::Gray,
        "dark_gray" => Color::DarkGray,
        "light_red" => Color::LightRed,
        "light_green" => Color::LightGreen,
        "light_yellow" => Color::LightYellow,
        "light_blue" => Color::LightBlue,
        "light_magenta" => Color::LightMagenta,
        "light_cyan" => Color::LightCyan,
        "white" => Color::White,
        hex if hex.len() == 7 && hex.starts_with('#') => {
            let v =
                u32::from_str_radix(&hex[1..], 16).map_err(|_| format!("bad colour '{hex}'"))?;
            Color::Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8)
        }
        other => return Err(format!("unknown colour '{other}'")),
    })
}

fn modifier(s: &str) -> Result<Modifier, String> {
    Ok(match s {
        "bold" => Modifier::BOLD,
        "dim" => Modifier::DIM,
        "italic" => Modifier::ITALIC,
        "underlined" => Modifier::UNDERLINED,
        "reversed" => Modifier::REVERSED,
        other => return Err(format!("unknown modifier '{other}'")),
    })
}

impl Theme {
    pub fn parse(src: &str, name: &str, origin: &str) -> Result<Theme, String> {
        let f: ThemeFile =
            toml::from_str(src).map_err(|e| crate::config::toml_error(src, origin, &e))?;
        for k in f.styles.keys() {
            if !STYLE_NAMES.contains(&k.as_str()) {
                return Err(format!("{origin}: unknown style '{k}'"));
            }
        }
        let get = |n: &str| -> Result<Style, String> {
            let sf = f
                .styles
                .get(n)
                .ok_or_else(|| format!("{origin}: style '{n}' is missing"))?;
            let mut st = Style::default();
            if let Some(c) = &sf.fg {
                st = st.fg(color(c).map_err(|e| format!("{origin}: {n}.fg: {e}"))?);
            }
            if let Some(c) = &sf.bg {
                st = st.bg(color(c).map_err(|e| format!("{origin}: {n}.bg: {e}"))?);
            }
            for m in &sf.modifiers {
                st = st.add_modifier(
                    modifier(m).map_err(|e| format!("{origin}: {n}.modifiers: {e}"))?,
                );
            }
            Ok(st)
        };
        Ok(Theme {
            name: name.to_string(),
            normal: get("normal")?,
            muted: get("muted")?,
            title: get("title")?,
            tab_active: get("tab_active")?,
            tab_inactive: get("tab_inactive")?,
            selected: get("selected")?,
            granted: get("granted")?,
            denied: get("denied")?,
            expiring: get("expiring")?,
            expired: get("expired")?,
            suspended: get("suspended")?,
            danger: get("danger")?,
            changed: get("changed")?,
            key: get("key")?,
            status_ok: get("status_ok")?,
            status_error: get("status_error")?,
            border: get("border")?,
            mono: name == "mono",
        })
    }

    pub fn builtin(name: &str) -> Result<Theme, String> {
        match name {
            "default" => Theme::parse(DEFAULT_THEME, "default", "assets/themes/default.toml"),
            "mono" => Theme::parse(MONO_THEME, "mono", "assets/themes/mono.toml"),
            other => Err(format!(
                "unknown theme '{other}' (default, mono, or a path to a .toml file)"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_themes_load() {
        assert!(!Theme::builtin("default").unwrap().mono);
        let m = Theme::builtin("mono").unwrap();
        assert!(m.mono);
        assert_eq!(m.granted.fg, None);
    }

    #[test]
    fn bad_theme_names_the_style() {
        let e =
            Theme::parse("[styles]\nnormal = { fg = \"purpleish\" }\n", "x", "t.toml").unwrap_err();
        assert_eq!(e, "t.toml: normal.fg: unknown colour 'purpleish'");
    }
}
