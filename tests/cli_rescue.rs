//! `clearance rescue`: the way back from a lock-out, through the real binary.
//! Refused while an administrator with a login exists (unless forced with the
//! organisation's name), refused to anyone but the owner of the files, and
//! audited when it acts.

mod common;

use std::os::unix::fs::MetadataExt;

use common::cli::{Db, ADMIN};

const ORG: &str = "Test organisation";

#[test]
fn rescue_is_refused_while_an_administrator_with_a_login_exists() {
    let db = Db::init("maintenance");
    let mut g = db.guard();
    g.refuse_as(
        "newroot",
        &["rescue"],
        &[
            "active account administrator with a login exists",
            ADMIN,
            "--force",
        ],
    );
    g.refuse_as(
        "newroot",
        &["rescue", "--force"],
        &["--force needs the organisation's name", ORG],
    );
    g.refuse_as(
        "newroot",
        &["rescue", "--force", "--confirm", "Wrong name"],
        &["does not match", "nothing changed"],
    );
    g.refuse_as("newroot", &["rescue", "--confirm", ORG], &["--force"]);
    assert_eq!(g.count(), 4);
}

#[test]
fn a_forced_rescue_binds_the_owners_login_and_says_so_in_the_audit() {
    let db = Db::init("maintenance");
    // The administrator's OS account is gone: the new login is bound to nobody.
    db.run_as("newroot", &["user", "list"])
        .error(&["bound to no active user"]);
    let out = db
        .run_as("newroot", &["rescue", "--force", "--confirm", ORG])
        .ok();
    assert!(
        out.stdout.contains("rescue: bound OS login newroot")
            && out.stdout.contains("Account administrator for good")
            && out.stdout.contains("forced"),
        "{}",
        out.stdout
    );
    // The new login now acts; the old one is unbound.
    db.run_as("newroot", &["user", "list"]).ok();
    db.run(&["user", "list"])
        .error(&["bound to no active user"]);
    let audit = db.run_as("newroot", &["audit", "list"]).ok();
    assert!(audit.stdout.contains("rescue"), "{}", audit.stdout);
    db.run_as("newroot", &["audit", "verify"]).ok();
    db.run_as("newroot", &["doctor"]).ok();
    // Now an administrator with a login exists again: no second rescue.
    db.run_as("other", &["rescue"])
        .error(&["administrator with a login exists", "newroot"]);
}

#[test]
fn rescue_is_only_for_the_owner_of_the_database_files() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped: changing a directory's owner needs root");
        return;
    }
    let db = Db::init("maintenance");
    let before = std::fs::metadata(&db.path).unwrap().uid();
    std::os::unix::fs::chown(&db.path, Some(12345), None).unwrap();
    db.run_as("newroot", &["rescue", "--force", "--confirm", ORG])
        .error(&[
            "only for the OS user who owns the database files",
            "uid 12345",
        ]);
    std::os::unix::fs::chown(&db.path, Some(before), None).unwrap();
    db.run(&["audit", "verify"]).ok();
}
