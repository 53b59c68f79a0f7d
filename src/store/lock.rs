//! Our own lock file, taken before sled opens, so a second process learns at
//! once who holds the database. The lock is an advisory `flock`, released by
//! the kernel when the holder exits, even on SIGKILL.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::io::AsRawFd;
use std::path::Path;

pub const LOCK_FILE: &str = "clearance.lock";

#[derive(Debug)]
pub struct LockFile {
    file: File,
}

/// The holder's text. A holder that has just taken the lock writes it a
/// moment later (and one letting go clears it first): read again a few
/// times before saying nothing is known.
fn holder_text(file: &mut File) -> String {
    let mut text = String::new();
    for _ in 0..10 {
        text.clear();
        let _ = file
            .seek(SeekFrom::Start(0))
            .and_then(|_| file.read_to_string(&mut text));
        if text.contains("pid=") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    text
}

/// Who holds a database, as written in its lock file.
pub fn describe_holder(text: &str) -> String {
    if !text.contains("pid=") {
        return "database in use by another clearance process (starting or ending just now; try again)"
            .into();
    }
    let mut pid = "?";
    let mut login = "?";
    let mut since = "?";
    for line in text.lines() {
        if let Some((k, v)) = line.split_once('=') {
            match k {
                "pid" => pid = v,
                "login" => login = v,
                "since" => since = v,
                _ => {}
            }
        }
    }
    format!(
        "database in use by {} (pid {}) since {}",
        crate::domain::text::sanitize(login),
        crate::domain::text::sanitize(pid),
        crate::domain::text::sanitize(since)
    )
}

impl LockFile {
    /// Takes the lock in `dir` or says who holds it. Never blocks.
    pub fn acquire(dir: &Path, login: &str, since: &str) -> Result<LockFile, String> {
        let path = dir.join(LOCK_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&path)
            .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        // SAFETY: flock on a file descriptor we own; no memory is shared.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if rc != 0 {
            let err = std::io::Error::last_os_error();
            if err.raw_os_error() == Some(libc::EWOULDBLOCK) {
                return Err(describe_holder(&holder_text(&mut file)));
            }
            return Err(format!("cannot lock {}: {err}", path.display()));
        }
        let info = format!("pid={}\nlogin={login}\nsince={since}\n", std::process::id());
        file.set_len(0)
            .and_then(|_| file.seek(SeekFrom::Start(0)))
            .and_then(|_| file.write_all(info.as_bytes()))
            .and_then(|_| file.sync_data())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        Ok(LockFile { file })
    }
}

impl Drop for LockFile {
    fn drop(&mut self) {
        // Clear the holder text, then release the flock explicitly: closing
        // our descriptor alone does not release it while a copy of it lives
        // on in a child forked by another thread and not yet exec'd.
        let _ = self.file.set_len(0);
        // SAFETY: flock on a file descriptor we own; no memory is shared.
        unsafe {
            libc::flock(self.file.as_raw_fd(), libc::LOCK_UN);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_holder_that_has_not_written_yet_is_said_so_not_shown_as_question_marks() {
        let said = describe_holder("");
        assert!(said.contains("starting or ending just now"), "{said}");
        assert!(!said.contains('?'), "{said}");
        let said = describe_holder("pid=42\nlogin=ana\nsince=2026-03-02 09:30\n");
        assert_eq!(
            said,
            "database in use by ana (pid 42) since 2026-03-02 09:30"
        );
    }
}
