//! Terminal capabilities, through the real binary in a pty: the first frame
//! under each TERM, COLORTERM, locale, `--ascii` and `colors` setting, read
//! byte by byte (which colour sequences, whether anything beyond ASCII); a
//! dumb terminal refused before raw mode; a window of 0×0 (a serial line)
//! with and without LINES/COLUMNS; ctrl-l repainting the whole screen. The
//! theme used has RGB colours, so every depth has something to map down.

#[path = "common/cli.rs"]
mod cli;
#[path = "common/pty.rs"]
mod pty;

use std::path::PathBuf;

use pty::{tail, Pty, Spawn, ENTER_ALT};

/// A config with the default theme, two of its colours made RGB, and
/// `extra` lines.
fn config(dir: &tempfile::TempDir, extra: &str) -> PathBuf {
    let theme = include_str!("../assets/themes/default.toml")
        .replace("title = { fg = \"cyan\"", "title = { fg = \"#ff8700\"")
        .replace(
            "muted = { fg = \"dark_gray\" }",
            "muted = { fg = \"#808080\" }",
        );
    assert!(theme.contains("#ff8700") && theme.contains("#808080"));
    let t = dir.path().join("rgb.toml");
    std::fs::write(&t, theme).unwrap();
    let c = dir.path().join("config.toml");
    std::fs::write(
        &c,
        format!("theme = {:?}\n{extra}", t.display().to_string()),
    )
    .unwrap();
    c
}

/// What the SGR sequences of some output set.
#[derive(Debug, Default)]
struct Sgr {
    /// 38;5;N or 48;5;N
    palette: bool,
    /// 38;2;R;G;B or 48;2;R;G;B
    rgb: bool,
    /// 30–37, 40–47, 90–97, 100–107
    ansi: bool,
    bold: bool,
    reverse: bool,
}

fn sgr(out: &str) -> Sgr {
    let mut s = Sgr::default();
    for seq in out.split("\x1b[").skip(1) {
        let end = seq
            .find(|c: char| ('\x40'..='\x7e').contains(&c))
            .unwrap_or(seq.len());
        if !seq[end..].starts_with('m') {
            continue;
        }
        let params: Vec<u32> = seq[..end]
            .split(';')
            .map(|p| p.parse().unwrap_or(0))
            .collect();
        let mut i = 0;
        while i < params.len() {
            match params[i] {
                38 | 48 if params.get(i + 1) == Some(&5) => {
                    s.palette = true;
                    i += 2;
                }
                38 | 48 if params.get(i + 1) == Some(&2) => {
                    s.rgb = true;
                    i += 4;
                }
                30..=37 | 40..=47 | 90..=97 | 100..=107 => s.ansi = true,
                1 => s.bold = true,
                7 => s.reverse = true,
                _ => {}
            }
            i += 1;
        }
    }
    s
}

/// Starts the app on the demo with the RGB theme, `extra` config lines,
/// `env` and `args`; waits for its first frame, quits; returns everything
/// it wrote.
fn first_frame(env: &[(&str, &str)], args: &[&str], extra: &str) -> String {
    let db = cli::Db::demo();
    let dir = tempfile::tempdir().unwrap();
    let c = config(&dir, extra);
    let c = c.to_str().unwrap();
    let mut all = vec!["--config", c];
    all.extend_from_slice(args);
    let mut app = Pty::spawn(&db.path, cli::ADMIN, &all, env);
    app.wait_for(0, "Users (40)");
    app.send(b"q");
    let st = app.wait_exit();
    let out = app.output();
    assert!(st.success(), "exit {st}; {}", tail(&out));
    assert!(out.contains(ENTER_ALT), "{}", tail(&out));
    out
}

const BOX: char = '─';

#[test]
fn xterm_256color_gets_the_palette_and_box_drawing() {
    let out = first_frame(&[("TERM", "xterm-256color")], &[], "");
    let s = sgr(&out);
    assert!(s.palette && s.ansi && !s.rgb, "{s:?}");
    assert!(out.contains(BOX));
}

#[test]
fn colorterm_truecolor_gets_rgb() {
    let out = first_frame(
        &[("TERM", "xterm-256color"), ("COLORTERM", "truecolor")],
        &[],
        "",
    );
    let s = sgr(&out);
    assert!(s.rgb && s.ansi, "{s:?}");
    assert!(out.contains("38;2;255;135;0"), "the title's own colour");
}

#[test]
fn xterm_and_linux_get_16_colours_only() {
    for term in ["xterm", "linux", "screen"] {
        let out = first_frame(&[("TERM", term)], &[], "");
        let s = sgr(&out);
        assert!(s.ansi && !s.palette && !s.rgb, "{term}: {s:?}");
        assert!(!out.contains("38;5;") && !out.contains("38;2;"), "{term}");
    }
}

#[test]
fn vt100_gets_no_colour_but_keeps_bold_and_reverse() {
    // Even with COLORTERM inherited from another terminal.
    let out = first_frame(&[("TERM", "vt100"), ("COLORTERM", "truecolor")], &[], "");
    let s = sgr(&out);
    assert!(!s.ansi && !s.palette && !s.rgb, "{s:?}");
    assert!(s.bold, "the active tab and the selection stay bold: {s:?}");
}

#[test]
fn colors_none_in_the_config_turns_colour_off() {
    let out = first_frame(
        &[("TERM", "xterm-256color"), ("COLORTERM", "truecolor")],
        &[],
        "colors = \"none\"\n",
    );
    let s = sgr(&out);
    assert!(!s.ansi && !s.palette && !s.rgb, "{s:?}");
    assert!(s.bold, "{s:?}");
}

#[test]
fn colors_16_in_the_config_beats_truecolor() {
    let out = first_frame(
        &[("TERM", "xterm-256color"), ("COLORTERM", "truecolor")],
        &[],
        "colors = \"16\"\n",
    );
    let s = sgr(&out);
    assert!(s.ansi && !s.palette && !s.rgb, "{s:?}");
}

#[test]
fn a_c_locale_draws_ascii_only_with_at_most_16_colours() {
    for env in [
        &[("LANG", "C")][..],
        &[("LANG", "POSIX")],
        &[("LANG", "en_US.UTF-8"), ("LC_ALL", "C")],
    ] {
        let out = first_frame(env, &[], "");
        assert!(out.is_ascii(), "{env:?}: {}", tail(&out));
        let s = sgr(&out);
        assert!(s.ansi && !s.palette && !s.rgb, "{env:?}: {s:?}");
        assert!(
            out.contains("+ Users (40) - 1 deactivated/deleted hidden ---"),
            "{env:?}"
        );
    }
}

#[test]
fn a_utf8_locale_draws_boxes() {
    for lang in ["en_US.UTF-8", "C.utf8"] {
        let out = first_frame(&[("LANG", lang)], &[], "");
        assert!(out.contains(BOX), "{lang}");
        assert!(!out.is_ascii(), "{lang}");
    }
}

#[test]
fn ascii_false_in_the_config_keeps_boxes_under_a_c_locale() {
    let out = first_frame(&[("LANG", "C")], &[], "ascii = false\n");
    assert!(out.contains(BOX));
}

#[test]
fn the_ascii_flag_sends_ascii_and_no_palette_colours() {
    let out = first_frame(&[("TERM", "xterm-256color")], &["--ascii"], "");
    assert!(out.is_ascii(), "{}", tail(&out));
    let s = sgr(&out);
    assert!(s.ansi && !s.palette && !s.rgb, "{s:?}");
    assert!(!out.contains("38;5;"));
}

#[test]
fn a_dumb_terminal_is_refused_before_raw_mode() {
    let db = cli::Db::demo();
    let mut app = Pty::spawn(&db.path, cli::ADMIN, &[], &[("TERM", "dumb")]);
    let st = app.wait_exit();
    let out = app.output();
    assert_eq!(st.exit_code(), 2, "{}", tail(&out));
    assert_eq!(
        out.trim_end(),
        "error: this terminal (TERM=dumb) cannot show the app; use the command line: \
         clearance --help"
    );
}

#[test]
fn a_window_of_0x0_uses_lines_and_columns_or_says_what_is_wrong() {
    let db = cli::Db::demo();
    let mut app = Pty::spawn_with(
        &db.path,
        cli::ADMIN,
        Spawn {
            env: &[("LINES", "30"), ("COLUMNS", "100")],
            size: (0, 0),
            ..Spawn::default()
        },
    );
    app.wait_for(0, "Users (40)");
    assert!(!app.output().contains("resize to at least"));
    app.send(b"q");
    assert!(app.wait_exit().success());

    let mut app = Pty::spawn_with(
        &db.path,
        cli::ADMIN,
        Spawn {
            size: (0, 0),
            ..Spawn::default()
        },
    );
    let st = app.wait_exit();
    let out = app.output();
    assert_eq!(st.exit_code(), 2, "{}", tail(&out));
    assert!(!out.contains(ENTER_ALT), "{}", tail(&out));
    assert_eq!(
        out.trim_end(),
        "error: the terminal reports no window size (0×0) and LINES/COLUMNS are not set; \
         set them (e.g. LINES=24 COLUMNS=80) or use the command line: clearance --help"
    );
}

#[test]
fn ctrl_l_clears_and_repaints_the_whole_screen_even_in_a_popup() {
    let db = cli::Db::demo();
    let mut app = Pty::spawn(&db.path, cli::ADMIN, &[], &[]);
    app.wait_for(0, "Users (40)");
    let from = app.len();
    app.send(b"\x0c");
    app.wait_for(from, "\x1b[2J");
    // Every cell but the blank ones is written again (after a clear, blank
    // cells are skipped, so only words without spaces are looked for).
    app.wait_for(from, "(40)");
    app.wait_for(from, "Clearance");
    // In the help popup too; the popup is painted again with the rest.
    app.key_then(b"?", "Help — type to filter");
    let from = app.len();
    app.send(b"\x0c");
    app.wait_for(from, "\x1b[2J");
    app.wait_for(from, "Help — type to filter");
    app.wait_for(from, "(40)");
    app.send(b"\x1b");
    // A lone esc is told from the start of a sequence by a pause.
    std::thread::sleep(std::time::Duration::from_millis(300));
    app.send(b"q");
    assert!(app.wait_exit().success(), "{}", tail(&app.output()));
}
