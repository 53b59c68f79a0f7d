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
    app.wait_for(0, "Users (41)");
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
