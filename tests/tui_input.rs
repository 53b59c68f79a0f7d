//! The real binary in a pseudo-terminal, fed input the way terminals and
//! people really send it: bursts far larger than one read, and pastes
//! (unterminated, with an end marker inside, a megabyte). Every wait is
//! bounded and a child still running at the end is killed.

#[path = "common/cli.rs"]
mod cli;
#[path = "common/pty.rs"]
mod pty;

use std::time::Instant;

use pty::{assert_restored, Pty};

#[test]
fn a_burst_of_ten_thousand_keys_is_all_handled_without_another_key() {
    let db = cli::Db::demo();
    let mut app = Pty::spawn(&db.path, cli::ADMIN, &[], &[]);
    app.wait_for(0, "Users (40)");
    // 10,000 Down arrows (30,000 bytes, many reads, sequences split between
    // them), then `2` as the burst's very last byte: the Roles tab shows
    // only if every byte before it was read and handled.
    let mut burst = b"\x1b[B".repeat(10_000);
    burst.push(b'2');
    let start = Instant::now();
    app.key_then(&burst, "2 Roles");
    eprintln!("10,000 keys handled in {:?}", start.elapsed());
    // Back on Users, the selection is on the last row (Felix Weber, last
    // by family name), far below the first window of rows.
    app.key_then(b"1", "Weber");
    app.send(b"q");
    assert!(app.wait_exit().success());
    assert_restored(&app.output());
}

/// The status line as written: messages are fresh text in a style of their
/// own, so they reach the terminal in one piece.
const NO_FIELD: &str = "paste ignored: no text field has focus";

#[test]
fn a_lone_paste_start_ends_by_itself_and_says_so_then_keys_work() {
    let db = cli::Db::demo();
    let mut app = Pty::spawn(&db.path, cli::ADMIN, &[], &[]);
    app.wait_for(0, "Users (40)");
    let from = app.len();
    app.send(b"\x1b[200~");
    app.wait_for(from, "paste ended without its end marker");
    // Keys are keys again: `2` switches tab, `q` quits.
    app.key_then(b"2", "2 Roles");
    app.send(b"q");
    let st = app.wait_exit();
    assert!(st.success(), "{st}");
    assert_restored(&app.output());
}

#[test]
fn sigterm_ends_the_app_in_the_middle_of_an_unterminated_paste() {
    let db = cli::Db::demo();
    let mut app = Pty::spawn(&db.path, cli::ADMIN, &[], &[]);
    app.wait_for(0, "Users (40)");
    app.send(b"\x1b[200~q\x03");
    app.signal(libc::SIGTERM);
    let st = app.wait_exit();
    assert_eq!(st.exit_code(), 143, "{st}");
    assert_restored(&app.output());
}

#[test]
fn keys_after_a_paste_end_marker_are_never_actions() {
    let db = cli::Db::demo();
    let mut app = Pty::spawn(&db.path, cli::ADMIN, &[], &[]);
    app.wait_for(0, "Users (40)");
    // Outside a field: the paste, and the `2` and `q` that came with its
    // end marker, are dropped (no tab switch, no quit).
    let from = app.len();
    app.send(b"\x1b[200~abc\x1b[201~2q\x1b[201~");
    app.wait_for(from, NO_FIELD);
    let out = app.output();
    assert!(
        !out[from..].contains("Roles ("),
        "the Roles tab was opened by pasted text"
    );
    // In a form: the Enter that came with the paste does not submit, the
    // `q` does not quit; both are text (the line break a space).
    app.key_then(b"n", "New user");
    let from = app.len();
    app.send(b"\x1b[200~Ann\x1b[201~\rq\x1b[201~");
    app.wait_for(from, "Ann");
    // Still the form (the Enter did not submit it): fill in the family name
    // and submit; the store has the pasted given name, line break a space.
    app.send(b"\t");
    app.send(b"Lee");
    app.key_then(b"\r", "(audit #3)");
    app.send(b"q");
    let st = app.wait_exit();
    assert!(st.success(), "{st}");
    let users = db.run(&["user", "list", "--json"]).ok().json();
    let names: Vec<String> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| format!("{}|{}", u["given"], u["family"]))
        .collect();
    assert!(
        names.contains(&"\"Ann q\"|\"Lee\"".to_string()),
        "{names:?}"
    );
}

#[test]
fn a_megabyte_paste_with_escapes_is_cut_at_the_field_limit_and_runs_nothing() {
    let db = cli::Db::demo();
    let mut app = Pty::spawn(&db.path, cli::ADMIN, &[], &[]);
    app.wait_for(0, "Users (40)");
    app.key_then(b"n", "New user");
    // 1 MiB of text laced with end markers, keys, arrows, Enter and ctrl-c.
    let piece = b"Lorem ipsum \x1b[201~q2\x1b[B\r\n\x03\x1b[200~ ";
    let mut paste = b"\x1b[200~".to_vec();
    while paste.len() < 1 << 20 {
        paste.extend_from_slice(piece);
    }
    paste.extend_from_slice(b"\x1b[201~");
    let from = app.len();
    let start = Instant::now();
    app.send(&paste);
    app.wait_for(from, "Given name holds at most 200 characters");
    eprintln!("1 MiB paste handled in {:?}", start.elapsed());
    app.wait_for(from, "kept the first 65536");
    // Still running, still the form; typing costs nothing noticeable.
    let typed = Instant::now();
    app.key_then(b"\t", "Family name");
    eprintln!("a key after the paste: {:?}", typed.elapsed());
    app.send(b"\x03");
    let st = app.wait_exit();
    assert!(st.success(), "{st}");
    let verify = db.run(&["audit", "verify", "--json"]).ok().json();
    assert_eq!(verify["entries"], 2, "nothing was submitted: {verify:#}");
}
