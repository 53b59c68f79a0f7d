//! Fixtures for the CLI tests: the real `clearance` binary run against a
//! database in a temporary directory, always with a fixed clock
//! (CLEARANCE_TEST_NOW) and an explicit OS login (CLEARANCE_TEST_LOGIN), so
//! every run is deterministic. Also: snapshots of the whole store (audit log
//! and JSON export) to prove that a refused command changed nothing.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command as Process, Stdio};

use tempfile::TempDir;

/// The instant every CLI test runs at, unless it says otherwise.
pub const NOW: &str = "2026-03-02T09:30:00Z";

/// The OS login the test administrator is bound to.
pub const ADMIN: &str = "avery";

/// Path of the binary under test.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_clearance")
}

/// What one run of the binary did.
#[derive(Debug, Clone)]
pub struct Out {
    /// The command line, for failure messages.
    pub cmdline: String,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    fn describe(&self) -> String {
        format!(
            "`{}` exited {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.cmdline, self.code, self.stdout, self.stderr
        )
    }

    /// Asserts exit code 0 (success or allowed).
    #[track_caller]
    pub fn ok(self) -> Out {
        assert_eq!(self.code, 0, "expected success: {}", self.describe());
        self
    }

    /// Asserts exit code 1 (denied).
    #[track_caller]
    pub fn denied(self) -> Out {
        assert_eq!(
            self.code,
            1,
            "expected a denial (exit 1): {}",
            self.describe()
        );
        self
    }

    /// Asserts exit code 2 with exactly one line `error: ...` on stderr that
    /// contains every needle (case-insensitively); returns the message.
    #[track_caller]
    pub fn error(self, needles: &[&str]) -> String {
        assert_eq!(
            self.code,
            2,
            "expected an error (exit 2): {}",
            self.describe()
        );
        let err = self.stderr.trim_end_matches('\n');
        assert!(
            !err.contains('\n'),
            "the error is not one line: {}",
            self.describe()
        );
        assert!(
            err.starts_with("error: "),
            "stderr does not start with 'error: ': {}",
            self.describe()
        );
        let lower = err.to_lowercase();
        for n in needles {
            assert!(
                lower.contains(&n.to_lowercase()),
                "the error does not mention {n:?}: {}",
                self.describe()
            );
        }
        err.to_string()
    }

    /// Parses stdout as JSON.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.describe()))
    }
}

/// Runs the binary on `db` as `login` at `now`.
pub fn run_at(db: &Path, login: &str, now: &str, args: &[&str]) -> Out {
    let out = Process::new(bin())
        .env("CLEARANCE_AUTOSTART", "0")
        .arg("--db")
        .arg(db)
        .args(args)
        .env("CLEARANCE_TEST_LOGIN", login)
        .env("CLEARANCE_TEST_NOW", now)
        .env_remove("CLEARANCE_DB")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin()));
    Out {
        cmdline: format!(
            "CLEARANCE_TEST_LOGIN={login} CLEARANCE_TEST_NOW={now} clearance {}",
            args.iter()
                .map(|a| if a.contains(' ') || a.is_empty() {
                    format!("{a:?}")
                } else {
                    a.to_string()
                })
                .collect::<Vec<_>>()
                .join(" ")
        ),
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A database directory in a temporary directory, removed on drop.
pub struct Db {
    _dir: TempDir,
    pub path: PathBuf,
}

impl Db {
    /// An empty place for a database (nothing is created yet).
    pub fn empty() -> Db {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("db");
        Db { _dir: dir, path }
    }

    /// A new organisation from `preset`; [`ADMIN`] is its administrator with
    /// the email `admin@clearance.test`.
    pub fn init(preset: &str) -> Db {
        let db = Db::empty();
        db.run(&[
            "init",
            "--preset",
            preset,
            "--admin-email",
            "admin@clearance.test",
            "--admin-given",
            "Avery",
            "--admin-family",
            "Admin",
            "--name",
            "Test organisation",
        ])
        .ok();
        db
    }

    /// The demo organisation (maintenance preset, built relative to [`NOW`]);
    /// [`ADMIN`] is its administrator.
    pub fn demo() -> Db {
        let db = Db::empty();
        db.run(&["demo"]).ok();
        db
    }

    /// A copy of a closed database directory.
    pub fn copy_of(from: &Path) -> Db {
        let db = Db::empty();
        copy_dir(from, &db.path);
        db
    }

    /// Runs as the administrator at [`NOW`].
    pub fn run(&self, args: &[&str]) -> Out {
        run_at(&self.path, ADMIN, NOW, args)
    }

    /// Runs as `login` at [`NOW`].
    pub fn run_as(&self, login: &str, args: &[&str]) -> Out {
        run_at(&self.path, login, NOW, args)
    }

    /// Runs as `login` at `now`.
    pub fn run_at(&self, login: &str, now: &str, args: &[&str]) -> Out {
        run_at(&self.path, login, now, args)
    }

    /// `check USER PERMISSION EXTRA...` as the administrator: true when
    /// allowed (exit 0), false when denied (exit 1); panics on an error.
    #[track_caller]
    pub fn allowed(&self, user: &str, permission: &str, extra: &[&str]) -> bool {
        let mut args = vec!["check", user, permission];
        args.extend_from_slice(extra);
        let out = self.run(&args);
        match out.code {
            0 => true,
            1 => false,
            _ => panic!("check failed: {}", out.describe()),
        }
    }

    /// The whole observable state: the audit log and the JSON export.
    pub fn snapshot(&self) -> Snapshot {
        let audit = self
            .run(&["audit", "list", "--json", "--full", "--limit", "1000000"])
            .ok()
            .stdout;
        let export = self.run(&["export", "--format", "json"]).ok().stdout;
        Snapshot { audit, export }
    }

    /// Starts a series of refused commands: takes the baseline snapshot.
    pub fn guard(&self) -> Guard<'_> {
        Guard {
            db: self,
            baseline: self.snapshot(),
            refused: 0,
        }
    }
}

/// The audit log and the export of a database at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub audit: String,
    pub export: String,
}

impl Snapshot {
    /// Number of audit entries.
    pub fn audit_len(&self) -> usize {
        serde_json::from_str::<Vec<serde_json::Value>>(&self.audit)
            .expect("audit list --json is a JSON array")
            .len()
    }
}

/// Runs commands that must be refused and proves after each that the store
/// is exactly as it was when the guard was made.
pub struct Guard<'a> {
    db: &'a Db,
    baseline: Snapshot,
    refused: usize,
}

impl Guard<'_> {
    /// As the administrator: exit 2, one line naming every needle, no change.
    #[track_caller]
    pub fn refuse(&mut self, args: &[&str], needles: &[&str]) -> String {
        self.refuse_as(ADMIN, args, needles)
    }

    /// As `login`: exit 2, one line naming every needle, no change.
    #[track_caller]
    pub fn refuse_as(&mut self, login: &str, args: &[&str], needles: &[&str]) -> String {
        let out = self.db.run_as(login, args);
        let cmdline = out.cmdline.clone();
        let msg = out.error(needles);
        self.unchanged(&cmdline);
        msg
    }

    /// Asserts the store equals the baseline.
    #[track_caller]
    pub fn unchanged(&mut self, after: &str) {
        self.refused += 1;
        let now = self.db.snapshot();
        assert!(
            now.audit == self.baseline.audit,
            "the audit log changed after `{after}`:\nbefore: {}\nafter: {}",
            self.baseline.audit,
            now.audit
        );
        assert!(
            now.export == self.baseline.export,
            "the organisation changed after `{after}`"
        );
    }

    /// How many refusals were checked.
    pub fn count(&self) -> usize {
        self.refused
    }

    pub fn baseline(&self) -> &Snapshot {
        &self.baseline
    }
}

/// Copies a closed database directory.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create the copy's directory");
    for entry in std::fs::read_dir(from).expect("read the database directory") {
        let entry = entry.expect("a directory entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy a database file");
        }
    }
}

impl Db {
    /// A path for a file next to the database (inside the same temporary directory).
    pub fn file(&self, name: &str) -> PathBuf {
        self.path
            .parent()
            .expect("the database lies in a temporary directory")
            .join(name)
    }

    /// Exports the organisation as JSON to a file next to the database and
    /// returns the file and its parsed content.
    pub fn export_json(&self, name: &str) -> (PathBuf, serde_json::Value) {
        let p = self.file(name);
        self.run(&[
            "export",
            "--format",
            "json",
            "--output",
            p.to_str().unwrap(),
        ])
        .ok();
        let text = std::fs::read_to_string(&p).expect("the export was written");
        let v = serde_json::from_str(&text).expect("the export is JSON");
        (p, v)
    }
}

/// Writes a JSON value to `path`.
pub fn write_json(path: &Path, v: &serde_json::Value) {
    std::fs::write(path, serde_json::to_vec_pretty(v).unwrap()).expect("write a JSON file");
}
