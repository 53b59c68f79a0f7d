//! The configuration file (TOML). Read and validated before the terminal is
//! taken over; a bad file is an error naming the file and key, never a silent
//! fallback. Nothing is ever written here by surprise.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// "default", "mono", or a path to a theme file.
    pub theme: String,
    /// Capture the mouse (scroll and click select).
    pub mouse: bool,
    /// Draw with ASCII only (no box-drawing characters or symbols).
    pub ascii: bool,
    /// Lock the screen after this many idle minutes (0: never).
    pub idle_lock_minutes: u32,
    /// Action name → keys, replacing the default keys of that action.
    pub keys: BTreeMap<String, Vec<String>>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            theme: "default".into(),
            mouse: false,
            ascii: false,
            idle_lock_minutes: 0,
            keys: BTreeMap::new(),
        }
    }
}

/// Where the config file is looked for when `--config` is not given.
pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "clearance").map(|d| d.config_dir().join("config.toml"))
}

impl Config {
    pub fn parse(src: &str, origin: &str) -> Result<Config, String> {
        toml::from_str(src).map_err(|e| toml_error(src, origin, &e))
    }

    /// Loads a config file. An explicitly named file must exist; the default
    /// location may be absent (then the defaults apply).
    pub fn load(path: Option<&Path>) -> Result<Config, String> {
        let (p, explicit) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => match default_path() {
                Some(p) => (p, false),
                None => return Ok(Config::default()),
            },
        };
        match std::fs::read_to_string(&p) {
            Ok(src) => Config::parse(&src, &p.display().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => {
                Ok(Config::default())
            }
            Err(e) => Err(format!("{}: {e}", p.display())),
        }
    }
}

/// A TOML error as one line: the file, line and column, and what is wrong.
/// (toml's own text spans several lines with an excerpt of the source, which
/// a one-line `error: ...` would show as control pictures.)
pub fn toml_error(src: &str, origin: &str, e: &toml::de::Error) -> String {
    let msg = e.message().split_whitespace().collect::<Vec<_>>().join(" ");
    match e.span().and_then(|s| src.get(..s.start)) {
        Some(before) => {
            let line = before.matches('\n').count() + 1;
            let column = before.chars().rev().take_while(|c| *c != '\n').count() + 1;
            format!("{origin}: line {line}, column {column}: {msg}")
        }
        None => format!("{origin}: {msg}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_config_equals_the_defaults() {
        let c = Config::parse(
            include_str!("../config.example.toml"),
            "config.example.toml",
        )
        .unwrap();
        assert_eq!(c, Config::default());
    }

    #[test]
    fn an_unknown_key_is_named() {
        let e = Config::parse("mouse = false\ncolour = \"blue\"\n", "c.toml").unwrap_err();
        assert_eq!(
            e,
            "c.toml: line 2, column 1: unknown field `colour`, expected one of \
             `theme`, `mouse`, `ascii`, `idle_lock_minutes`, `keys`"
        );
    }

    #[test]
    fn a_missing_explicit_file_is_an_error() {
        let e = Config::load(Some(Path::new("/nonexistent/clearance.toml"))).unwrap_err();
        assert!(e.contains("/nonexistent/clearance.toml"), "{e}");
    }
}
