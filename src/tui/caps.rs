//! What the terminal can show: how many colours, whether UTF-8 is safe, and
//! whether it can show the app at all. Decided from the environment (TERM,
//! COLORTERM, the locale, the window size) and the config, before the
//! terminal is taken over.

use std::fmt;

/// How many colours the terminal shows. Themes may use any colour; a last
/// pass over each frame maps them down to this depth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ColorDepth {
    /// No colour at all (VT100, VT220 and other mono terminals): bold and
    /// reverse video stay, so the selection is still visible.
    None,
    /// The 16 ANSI colours (SGR 30–37, 90–97 and 40–47, 100–107).
    Ansi16,
    /// The 256-colour palette (SGR 38;5;N).
    Ansi256,
    /// 24-bit colour (SGR 38;2;R;G;B).
    TrueColor,
}

impl ColorDepth {
    /// From TERM and COLORTERM. A mono terminal stays mono whatever
    /// COLORTERM says (it may be inherited from another terminal).
    pub fn detect(term: Option<&str>, colorterm: Option<&str>) -> ColorDepth {
        let term = term.unwrap_or("").to_ascii_lowercase();
        if is_mono(&term) {
            return ColorDepth::None;
        }
        let colorterm = colorterm.unwrap_or("").to_ascii_lowercase();
        if colorterm == "truecolor" || colorterm == "24bit" {
            ColorDepth::TrueColor
        } else if term.contains("256color") {
            ColorDepth::Ansi256
        } else {
            ColorDepth::Ansi16
        }
    }

    /// The config's `colors` value: "auto", "none", "16", "256" or "truecolor".
    pub fn parse(s: &str) -> Option<Option<ColorDepth>> {
        Some(match s {
            "auto" => None,
            "none" => Some(ColorDepth::None),
            "16" => Some(ColorDepth::Ansi16),
            "256" => Some(ColorDepth::Ansi256),
            "truecolor" => Some(ColorDepth::TrueColor),
            _ => return None,
        })
    }
}

impl fmt::Display for ColorDepth {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(match self {
            ColorDepth::None => "none",
            ColorDepth::Ansi16 => "16",
            ColorDepth::Ansi256 => "256",
            ColorDepth::TrueColor => "truecolor",
        })
    }
}

/// Terminals without colour: the DEC VTs (vt52, vt100, vt102, vt220, …) and
/// terminfo's mono variants ("-m", "-mono").
fn is_mono(term: &str) -> bool {
    let vt = term
        .strip_prefix("vt")
        .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()));
    vt || term.ends_with("-m") || term.ends_with("-mono")
}

/// Is the locale's character set UTF-8? The first of LC_ALL, LC_CTYPE and
/// LANG that is set and not empty decides: UTF-8 when it names UTF-8
/// ("en_US.UTF-8", "C.utf8"), not otherwise ("C", "POSIX", "de_DE.ISO-8859-1").
/// With none of them set the locale is taken as UTF-8: every terminal
/// emulator of today is, and a session started without a locale (a service,
/// a bare container) would otherwise lose its box drawing for nothing. Set
/// LANG=C or `ascii = true` to draw with ASCII.
pub fn locale_is_utf8(var: impl Fn(&str) -> Option<String>) -> bool {
    let value = ["LC_ALL", "LC_CTYPE", "LANG"]
        .into_iter()
        .filter_map(&var)
        .find(|v| !v.is_empty());
    match value {
        None => true,
        Some(v) => {
            let v = v.to_ascii_lowercase();
            v.contains("utf-8") || v.contains("utf8")
        }
    }
}

/// Refuses a terminal that cannot show the app (TERM unset or "dumb"): one
/// line for the user, pointing at the command line.
pub fn check_term(term: Option<&str>) -> Result<(), String> {
    match term {
        None | Some("") => Err(
            "this terminal (TERM is not set) cannot show the app; use the command line: \
             clearance --help"
                .into(),
        ),
        Some("dumb") => Err(
            "this terminal (TERM=dumb) cannot show the app; use the command line: \
             clearance --help"
                .into(),
        ),
        Some(_) => Ok(()),
    }
}

/// A size from LINES and COLUMNS, when both are set to numbers above zero.
pub fn env_size(var: impl Fn(&str) -> Option<String>) -> Option<(u16, u16)> {
    let n = |k: &str| var(k)?.trim().parse::<u16>().ok().filter(|n| *n > 0);
    Some((n("COLUMNS")?, n("LINES")?))
}

/// The window size as (columns, rows): what the terminal reports, or, when
/// it reports nothing (0×0, as serial lines do), LINES and COLUMNS.
pub fn window_size() -> Option<(u16, u16)> {
    match ratatui::crossterm::terminal::size() {
        Ok((w, h)) if w > 0 && h > 0 => Some((w, h)),
        _ => env_size(env),
    }
}

/// Checks that the window has a size, before the terminal is taken over.
pub fn check_size() -> Result<(), String> {
    match window_size() {
        Some(_) => Ok(()),
        None => Err(
            "the terminal reports no window size (0×0) and LINES/COLUMNS are not set; \
             set them (e.g. LINES=24 COLUMNS=80) or use the command line: clearance --help"
                .into(),
        ),
    }
}

/// One environment variable, if set and valid Unicode.
pub fn env(k: &str) -> Option<String> {
    std::env::var(k).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_follows_term_and_colorterm() {
        use ColorDepth::{Ansi16, Ansi256, TrueColor};
        let d = |t: Option<&str>, c: Option<&str>| ColorDepth::detect(t, c);
        assert_eq!(d(Some("xterm-256color"), None), Ansi256);
        assert_eq!(d(Some("screen-256color"), None), Ansi256);
        assert_eq!(d(Some("xterm-256color"), Some("truecolor")), TrueColor);
        assert_eq!(d(Some("xterm"), Some("24bit")), TrueColor);
        for t in ["xterm", "linux", "screen", "tmux", "rxvt", "ansi"] {
            assert_eq!(d(Some(t), None), Ansi16, "{t}");
        }
        for t in ["vt100", "vt220", "VT102", "vt52", "xterm-mono", "ansi-m"] {
            assert_eq!(d(Some(t), Some("truecolor")), ColorDepth::None, "{t}");
        }
        assert_eq!(d(Some("vte"), None), Ansi16);
    }

    #[test]
    fn the_locale_decides_utf8_in_posix_order() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert!(locale_is_utf8(env(&[("LANG", "en_US.UTF-8")])));
        assert!(locale_is_utf8(env(&[("LANG", "C.utf8")])));
        assert!(!locale_is_utf8(env(&[("LANG", "C")])));
        assert!(!locale_is_utf8(env(&[("LANG", "POSIX")])));
        assert!(!locale_is_utf8(env(&[("LANG", "de_DE.ISO-8859-1")])));
        // LC_ALL, then LC_CTYPE, then LANG; an empty value does not count.
        assert!(!locale_is_utf8(env(&[
            ("LC_ALL", "C"),
            ("LANG", "en_US.UTF-8")
        ])));
        assert!(locale_is_utf8(env(&[
            ("LC_CTYPE", "sv_SE.UTF-8"),
            ("LANG", "C")
        ])));
        assert!(locale_is_utf8(env(&[("LC_ALL", ""), ("LANG", "C.UTF-8")])));
        // Nothing set: UTF-8 (documented in the README).
        assert!(locale_is_utf8(env(&[])));
    }

    #[test]
    fn dumb_and_unset_terminals_are_refused_with_one_line() {
        assert_eq!(
            check_term(Some("dumb")).unwrap_err(),
            "this terminal (TERM=dumb) cannot show the app; use the command line: clearance --help"
        );
        assert!(check_term(None).unwrap_err().contains("TERM is not set"));
        assert!(check_term(Some("")).is_err());
        assert!(check_term(Some("vt100")).is_ok());
    }

    #[test]
    fn lines_and_columns_give_a_size_only_when_both_are_numbers() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(
            env_size(env(&[("LINES", "24"), ("COLUMNS", "80")])),
            Some((80, 24))
        );
        assert_eq!(env_size(env(&[("LINES", "24")])), None);
        assert_eq!(env_size(env(&[("LINES", "0"), ("COLUMNS", "80")])), None);
        assert_eq!(env_size(env(&[("LINES", "x"), ("COLUMNS", "80")])), None);
    }
}
