//! A reviewer works through 200 items in the real binary on a pty: one
//! key per keep, `x` then a number and Enter per removal, measured as
//! keystrokes per item (≤ 1.2 on average), and every decision is in the
//! database afterwards with the reason the number picked.

#[path = "common/cli.rs"]
mod cli;

#[path = "common/pty.rs"]
mod pty;

use pty::Pty;

const ITEMS: usize = 200;

#[test]
fn a_reviewer_decides_200_items_at_under_1_2_keystrokes_each() {
    let db = cli::Db::init("maintenance");
    db.run(&["seed", "--users", "170", "--roles", "5"]).ok();
    db.run(&[
        "review",
        "start",
        "--name",
        "Q1",
        "--scope",
        "all",
        "--reviewer",
        cli::ADMIN,
        "--due",
        "2026-03-31",
        "--granter-may-review",
    ])
    .ok();
    let mut app = Pty::spawn(&db.path, cli::ADMIN, &[], &[]);
    app.wait_for(0, "Reviews");
    app.key_then(b"6", "to decide");
    // Every 20th item is removed with a common reason (x, 2, Enter); the
    // rest are kept with k.
    let mut keys: Vec<u8> = Vec::new();
    let mut keystrokes = 0usize;
    for i in 0..ITEMS {
        if i % 20 == 19 {
            keys.extend_from_slice(b"x2\r");
            keystrokes += 3;
        } else {
            keys.push(b'k');
            keystrokes += 1;
        }
    }
    for chunk in keys.chunks(16) {
        app.send(chunk);
    }
    app.send(b"q");
    let st = app.wait_exit();
    assert!(st.success(), "{}", pty::tail(&app.output()));
    let per_item = keystrokes as f64 / ITEMS as f64;
    assert!(per_item <= 1.2, "{per_item} keystrokes per item");
    let items = db.run(&["review", "items", "1", "--json"]).ok().json();
    let decided: Vec<_> = items
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| !i["decision"].is_null())
        .collect();
    assert_eq!(decided.len(), ITEMS, "every key decided one item");
    let removed = decided
        .iter()
        .filter(|i| i["decision"] == "remove")
        .collect::<Vec<_>>();
    assert_eq!(removed.len(), ITEMS / 20);
    assert!(removed
        .iter()
        .all(|i| i["reason"] == "left the organisation"));
    assert!(decided.iter().all(|i| !i["looked_ms"].is_null()));
    eprintln!("{per_item} keystrokes per item over {ITEMS} items");
}
