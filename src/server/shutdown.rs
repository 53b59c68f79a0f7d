//! How a server keeps its usage evidence (see `store::usage`): written by a
//! flusher thread every few seconds (what ran a minute ahead of the tree, or
//! everything when the recorder fills up),
//! and once more whenever the server ends — idle, stopped by a client, or
//! by SIGTERM, SIGINT or SIGHUP, which it catches to end the same way (the
//! session taken, so no command is cut; then the usage written; then the
//! socket removed). A failed write is logged, and the evidence stays in
//! memory for the next try; it never ends the server.

use std::os::fd::RawFd;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::ops::Reads;
use crate::store::usage::UsageTree;

/// How often the flusher writes what changed.
pub const FLUSH_EVERY: Duration = Duration::from_secs(5);

/// The signals that end a server cleanly. One ignored when the server
/// started (as `nohup` leaves SIGHUP) stays ignored.
const ENDING: [libc::c_int; 3] = [libc::SIGTERM, libc::SIGINT, libc::SIGHUP];

static WAKE_WRITE: AtomicI32 = AtomicI32::new(-1);

/// Writes what the recorder holds and the tree lacks (`all`: everything,
/// as the server ends; else what is due); logs a failure.
pub fn flush_usage(reads: &Reads, tree: Option<&UsageTree>, all: bool) {
    let Some(tree) = tree else {
        return;
    };
    let usage = reads.usage();
    let done = if all {
        usage.flush_to(tree)
    } else {
        usage.flush_due(tree)
    };
    match done {
        Ok(0) => {}
        Ok(n) => tracing::debug!(items = n, "usage written"),
        Err(e) => tracing::warn!("usage evidence not written (kept in memory, tried again): {e}"),
    }
}

/// Starts the flusher thread.
pub fn start_flusher(reads: Arc<Reads>, tree: Option<UsageTree>) {
    if tree.is_none() {
        tracing::warn!("no usage tree: usage evidence is kept in memory only");
    }
    std::thread::spawn(move || loop {
        reads.usage().wait(FLUSH_EVERY);
        flush_usage(&reads, tree.as_ref(), false);
    });
}

extern "C" fn on_signal(signo: libc::c_int) {
    // SAFETY: only async-signal-safe calls: errno is saved and restored
    // around one write(2) to our own pipe.
    unsafe {
        let errno = *libc::__errno_location();
        let fd = WAKE_WRITE.load(Ordering::SeqCst);
        if fd >= 0 {
            let byte = signo as u8;
            libc::write(fd, (&byte as *const u8).cast(), 1);
        }
        *libc::__errno_location() = errno;
    }
}

/// Runs `then` (on a thread of its own) with the first ending signal the
/// process receives; `then` is expected to end the process.
pub fn on_signals(then: impl FnOnce(libc::c_int) + Send + 'static) -> std::io::Result<()> {
    let mut fds: [RawFd; 2] = [-1; 2];
    // SAFETY: pipe2 fills the two-element array we own.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    let [read_end, write_end] = fds;
    // The handler never blocks: a full pipe already says enough.
    // SAFETY: fcntl on a descriptor we own.
    unsafe {
        let flags = libc::fcntl(write_end, libc::F_GETFL);
        libc::fcntl(write_end, libc::F_SETFL, flags | libc::O_NONBLOCK);
    }
    WAKE_WRITE.store(write_end, Ordering::SeqCst);
    std::thread::spawn(move || {
        let mut byte = 0u8;
        loop {
            // SAFETY: read(2) of one byte into a byte we own.
            let n = unsafe { libc::read(read_end, (&mut byte as *mut u8).cast(), 1) };
            if n == 1 {
                then(libc::c_int::from(byte));
                return;
            }
            if n == 0 || std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
                return;
            }
        }
    });
    for signo in ENDING {
        // SAFETY: sigaction with a handler that only touches an atomic and
        // write(2); the structs are ours and zero-initialised.
        unsafe {
            let mut old: libc::sigaction = std::mem::zeroed();
            libc::sigaction(signo, std::ptr::null(), &mut old);
            if old.sa_sigaction == libc::SIG_IGN {
                continue;
            }
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_signal as *const () as libc::sighandler_t;
            libc::sigemptyset(&mut sa.sa_mask);
            // Connections' reads and writes go on as if nothing happened.
            sa.sa_flags = libc::SA_RESTART;
            libc::sigaction(signo, &sa, std::ptr::null_mut());
        }
    }
    Ok(())
}
