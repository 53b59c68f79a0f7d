//! A `clearance serve` of a test database, killed (and so stopped) on drop.
#![allow(dead_code)]

use std::io::Read;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::cli::{bin, ADMIN, NOW};

/// A `clearance serve` process, killed on drop.
pub struct Server {
    pub child: Child,
    pub socket: PathBuf,
}

impl Server {
    pub fn start(db: &Path, extra: &[&str]) -> Server {
        let socket = db.join("clearance.sock");
        let child = Command::new(bin())
            .arg("--db")
            .arg(db)
            .arg("serve")
            .args(extra)
            .env("CLEARANCE_TEST_LOGIN", ADMIN)
            .env("CLEARANCE_TEST_NOW", NOW)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the server");
        let mut s = Server { child, socket };
        s.wait_for_socket();
        s
    }

    /// Waits until the server answers (bounded).
    pub fn wait_for_socket(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if UnixStream::connect(&self.socket).is_ok() {
                return;
            }
            if let Ok(Some(st)) = self.child.try_wait() {
                let mut err = String::new();
                if let Some(e) = self.child.stderr.as_mut() {
                    let _ = e.read_to_string(&mut err);
                }
                panic!("the server exited ({st}): {err}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("the server did not answer on {}", self.socket.display());
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}
