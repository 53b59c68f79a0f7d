//! The config file through the real binary: every invalid fixture in
//! tests/fixtures/config/ gives one exact error line naming the file and the
//! key, exit 2, and nothing on stdout — `snapshot` loads the config, keymap
//! and theme exactly as the app does, before anything else. (The example
//! config equals the defaults: src/config.rs; no key conflicts and every
//! action described: src/tui/keymap.rs. The app in a pty with a bad config:
//! tests/tui_pty.rs.)

#[path = "common/cli.rs"]
mod cli;

use std::path::Path;
use std::process::{Command as Process, Stdio};

use clearance::config::Config;
use clearance::tui::Look;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// `clearance --db DB --config CONFIG snapshot ...` as the demo's
/// administrator, with `env` added (NO_COLOR removed unless given).
fn snapshot(db: &Path, config: &Path, env: &[(&str, &str)], extra: &[&str]) -> Run {
    let mut cmd = Process::new(cli::bin());
    cmd.env("CLEARANCE_AUTOSTART", "0");
    cmd.arg("--db")
        .arg(db)
        .arg("--config")
        .arg(config)
        .arg("snapshot")
        .args(extra)
        .env("CLEARANCE_TEST_LOGIN", cli::ADMIN)
        .env("CLEARANCE_TEST_NOW", cli::NOW)
        .env("TZ", "UTC")
        .env_remove("NO_COLOR")
        .env_remove("CLEARANCE_DB")
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("the binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn fixture(name: &str) -> String {
    format!(
        "{}/tests/fixtures/config/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// Asserts exit 2, nothing on stdout, and exactly `expected` on stderr.
#[track_caller]
fn assert_error(r: &Run, expected: &str) {
    assert_eq!(r.code, 2, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    assert_eq!(r.stdout, "", "something was drawn");
    assert_eq!(r.stderr, format!("{expected}\n"));
}

#[test]
fn an_unknown_key_names_the_file_line_and_key() {
    let db = cli::Db::demo();
    let f = fixture("unknown_key.toml");
    let r = snapshot(&db.path, Path::new(&f), &[], &[]);
    assert_error(
        &r,
        &format!(
            "error: {f}: line 3, column 1: unknown field `colour`, expected one of \
             `theme`, `mouse`, `ascii`, `colors`, `idle_lock_minutes`, `keys`"
        ),
    );
}

#[test]
fn a_value_of_the_wrong_type_names_the_file_line_and_column() {
    let db = cli::Db::demo();
    let f = fixture("bad_value.toml");
    let r = snapshot(&db.path, Path::new(&f), &[], &[]);
    assert_error(
        &r,
        &format!("error: {f}: line 1, column 9: invalid type: string \"yes\", expected a boolean"),
    );
}

#[test]
fn a_bad_theme_name_is_named() {
    let db = cli::Db::demo();
    let f = fixture("bad_theme.toml");
    let r = snapshot(&db.path, Path::new(&f), &[], &[]);
    assert_error(
        &r,
        &format!(
            "error: {f}: theme: unknown theme 'solarized' (default, mono, or a path to a .toml file)"
        ),
    );
}

#[test]
fn a_bad_theme_name_is_an_error_under_no_color_too() {
    // Fixed here: with NO_COLOR set, the configured theme used to be skipped
    // unchecked, so a broken config passed or failed depending on the
    // environment.
    let db = cli::Db::demo();
    let f = fixture("bad_theme.toml");
    let r = snapshot(&db.path, Path::new(&f), &[("NO_COLOR", "1")], &[]);
    assert_error(
        &r,
        &format!(
            "error: {f}: theme: unknown theme 'solarized' (default, mono, or a path to a .toml file)"
        ),
    );
}

#[test]
fn a_keys_override_that_creates_a_conflict_is_named() {
    let db = cli::Db::demo();
    let f = fixture("keys_conflict.toml");
    let r = snapshot(&db.path, Path::new(&f), &[], &[]);
    assert_error(
        &r,
        &format!("error: {f}: [keys]: key '?' is bound to both quit and help in context global"),
    );
}

#[test]
fn a_keys_override_of_an_unknown_action_or_key_is_named() {
    let db = cli::Db::demo();
    let f = fixture("keys_unknown_action.toml");
    let r = snapshot(&db.path, Path::new(&f), &[], &[]);
    assert_error(&r, &format!("error: {f}: [keys]: unknown action 'fly'"));
    let f = fixture("keys_bad_key.toml");
    let r = snapshot(&db.path, Path::new(&f), &[], &[]);
    assert_error(
        &r,
        &format!("error: {f}: [keys] quit: unknown key 'hyper-q'"),
    );
}

#[test]
fn a_missing_config_file_is_an_error() {
    let db = cli::Db::demo();
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("absent.toml");
    let r = snapshot(&db.path, &f, &[], &[]);
    assert_eq!(r.code, 2);
    assert_eq!(r.stdout, "");
    assert!(
        r.stderr.starts_with(&format!("error: {}: ", f.display())),
        "{}",
        r.stderr
    );
    assert!(!f.exists(), "no config file is written by surprise");
}

#[test]
fn a_custom_theme_file_with_a_bad_colour_or_syntax_is_named() {
    let db = cli::Db::demo();
    let dir = tempfile::tempdir().unwrap();
    let theme = dir.path().join("neon.toml");
    let config = dir.path().join("config.toml");
    std::fs::write(&config, format!("theme = \"{}\"\n", theme.display())).unwrap();
    // A colour that does not exist, in an otherwise complete theme.
    let src = clearance::tui::theme::DEFAULT_THEME.replace(
        "granted = { fg = \"green\" }",
        "granted = { fg = \"greenish\" }",
    );
    assert_ne!(src, clearance::tui::theme::DEFAULT_THEME);
    std::fs::write(&theme, src).unwrap();
    let r = snapshot(&db.path, &config, &[], &[]);
    assert_error(
        &r,
        &format!(
            "error: {}: granted.fg: unknown colour 'greenish'",
            theme.display()
        ),
    );
    // Broken TOML: one line with the line and column, not a source excerpt.
    std::fs::write(&theme, "[styles]\nnormal = { fg = \n").unwrap();
    let r = snapshot(&db.path, &config, &[], &[]);
    assert_eq!(r.code, 2);
    let prefix = format!("error: {}: line 2, column ", theme.display());
    assert!(r.stderr.starts_with(&prefix), "{}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(!r.stderr.contains('␊'), "{}", r.stderr);
}

#[test]
fn the_example_config_and_an_empty_one_render_like_no_config() {
    let db = cli::Db::demo();
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.toml");
    std::fs::write(&empty, "").unwrap();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml");
    let a = snapshot(&db.path, &example, &[], &["--size", "100x30"]);
    let b = snapshot(&db.path, &empty, &[], &["--size", "100x30"]);
    assert_eq!(a.code, 0, "{}", a.stderr);
    assert_eq!(b.code, 0, "{}", b.stderr);
    assert_eq!(a.stdout, b.stdout);
    assert!(a.stdout.contains("Users (40)"), "{}", a.stdout);
}

#[test]
fn no_color_selects_the_mono_theme() {
    // The only test in this binary that reads NO_COLOR in-process; the
    // others run the binary with NO_COLOR removed or set explicitly.
    let config = Config::default();
    std::env::set_var("NO_COLOR", "1");
    let mono = Look::from_config(&config, "config.toml", false);
    std::env::set_var("NO_COLOR", "");
    let empty = Look::from_config(&config, "config.toml", false);
    std::env::remove_var("NO_COLOR");
    let plain = Look::from_config(&config, "config.toml", false);
    assert!(mono.unwrap().theme.mono, "NO_COLOR=1 selects mono");
    assert!(!empty.unwrap().theme.mono, "an empty NO_COLOR does not");
    assert!(!plain.unwrap().theme.mono);
}

#[test]
fn ascii_from_the_config_or_the_flag() {
    let db = cli::Db::demo();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "ascii = true\n").unwrap();
    let r = snapshot(&db.path, &config, &[], &["--size", "100x30"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("+ Users (40) - 1 deactivated/deleted hidden ---"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains('│'), "{}", r.stdout);
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml");
    let r2 = snapshot(&db.path, &example, &[], &["--ascii", "--size", "100x30"]);
    assert_eq!(r2.code, 0, "{}", r2.stderr);
    assert_eq!(r.stdout, r2.stdout);
}
