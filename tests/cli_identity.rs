//! Identity through the real binary: addresses a reader cannot tell apart
//! are one identity (refused as duplicates) or refused outright; names with
//! nothing visible are refused; `#12` names a user by id, a bare number is a
//! login.

mod common;

use common::cli::Db;

fn add(db: &Db, email: &str) -> common::cli::Out {
    db.run(&[
        "user", "add", "--given", "Jo", "--family", "Sé", "--email", email,
    ])
}

#[test]
fn look_alike_addresses_are_one_identity_or_refused() {
    let db = Db::init("maintenance");
    add(&db, "jos\u{e9}@example.org").ok();
    add(&db, "root@example.org").ok();
    add(&db, "a@example.org").ok();
    let mut g = db.guard();
    g.refuse(
        &[
            "user",
            "add",
            "--given",
            "J",
            "--family",
            "D",
            "--email",
            "jose\u{301}@example.org",
        ],
        &["already in use"],
    );
    g.refuse(
        &[
            "user",
            "add",
            "--given",
            "J",
            "--family",
            "D",
            "--email",
            "\u{ff52}oot@example.org",
        ],
        &["already in use"],
    );
    g.refuse(
        &[
            "user",
            "add",
            "--given",
            "J",
            "--family",
            "D",
            "--email",
            "\u{430}@example.org",
        ],
        &["already in use"],
    );
    g.refuse(
        &[
            "user",
            "add",
            "--given",
            "J",
            "--family",
            "D",
            "--email",
            "p\u{430}ypal@example.org",
        ],
        &["mixes scripts"],
    );
    // The NFD spelling finds the NFC person.
    let v = db
        .run(&["--json", "user", "show", "jose\u{301}@example.org"])
        .ok()
        .json();
    assert_eq!(v["email"], "jos\u{e9}@example.org");
    assert_eq!(g.count(), 4);
}

#[test]
fn invisible_names_and_separators_are_refused() {
    let db = Db::init("maintenance");
    let mut g = db.guard();
    for given in [
        "\u{3164}",
        "\u{301}\u{302}",
        "A\u{2028}B",
        "A\u{202e}B",
        "A\u{E0041}",
    ] {
        g.refuse(
            &["user", "add", "--given", given, "--family", "X"],
            &["given name"],
        );
    }
    assert_eq!(g.count(), 5);
}

#[test]
fn a_bare_number_is_a_login_and_hash_number_an_id() {
    let db = Db::init("maintenance");
    db.run(&[
        "user", "add", "--given", "Num", "--family", "Ber", "--login", "1001",
    ])
    .ok();
    let by_login = db.run(&["--json", "user", "show", "1001"]).ok().json();
    assert_eq!(by_login["login"], "1001");
    let by_id = db.run(&["--json", "user", "show", "#1"]).ok().json();
    assert_eq!(by_id["id"], 1);
    db.run(&["user", "show", "1"]).error(&["unknown user", "1"]);
}
