//! Signals while the app owns the terminal. A handler only records the
//! signal in an atomic set and writes one byte to a self-pipe, so that the
//! loop, waiting in `poll`, wakes at once; the loop then acts between
//! commands: quit (restoring the terminal), suspend, redraw or resize.

use std::os::fd::RawFd;
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::sync::Once;

/// Signals that end the app: it restores the terminal and exits with
/// 128 + the signal's number. A signal ignored when the app started (as
/// `nohup` leaves SIGHUP) stays ignored.
pub const QUIT: [libc::c_int; 8] = [
    libc::SIGHUP,
    libc::SIGINT,
    libc::SIGQUIT,
    libc::SIGTERM,
    libc::SIGUSR1,
    libc::SIGUSR2,
    libc::SIGALRM,
    libc::SIGPIPE,
];
/// Signals the loop handles without quitting: stop (SIGTSTP), continued
/// (SIGCONT) and window size changed (SIGWINCH).
const OTHER: [libc::c_int; 3] = [libc::SIGTSTP, libc::SIGCONT, libc::SIGWINCH];

/// One bit per signal number received and not yet taken.
static PENDING: AtomicU64 = AtomicU64::new(0);
static WAKE_READ: AtomicI32 = AtomicI32::new(-1);
static WAKE_WRITE: AtomicI32 = AtomicI32::new(-1);
static INSTALL: Once = Once::new();

extern "C" fn on_signal(signo: libc::c_int) {
    // SAFETY: only async-signal-safe calls: errno is saved and restored
    // around a non-blocking write(2) to our own pipe.
    unsafe {
        let errno = *libc::__errno_location();
        if (0..64).contains(&signo) {
            PENDING.fetch_or(1 << signo, Ordering::SeqCst);
        }
        let fd = WAKE_WRITE.load(Ordering::SeqCst);
        if fd >= 0 {
            let byte = 1u8;
            libc::write(fd, (&byte as *const u8).cast(), 1);
        }
        *libc::__errno_location() = errno;
    }
}

/// Installs the handlers (once per process). Returns an error only when the
/// self-pipe cannot be made.
pub fn install() -> std::io::Result<()> {
    let mut result = Ok(());
    INSTALL.call_once(|| {
        let mut fds = [-1; 2];
        // SAFETY: pipe2 fills the two-element array we own.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC) } != 0 {
            result = Err(std::io::Error::last_os_error());
            return;
        }
        WAKE_READ.store(fds[0], Ordering::SeqCst);
        WAKE_WRITE.store(fds[1], Ordering::SeqCst);
        for signo in QUIT.into_iter().chain(OTHER) {
            // SAFETY: sigaction with a handler that only touches atomics and
            // write(2); the structs are ours and zero-initialised.
            unsafe {
                let mut old: libc::sigaction = std::mem::zeroed();
                libc::sigaction(signo, std::ptr::null(), &mut old);
                if QUIT.contains(&signo) && old.sa_sigaction == libc::SIG_IGN {
                    continue;
                }
                let mut sa: libc::sigaction = std::mem::zeroed();
                sa.sa_sigaction = on_signal as *const () as libc::sighandler_t;
                libc::sigemptyset(&mut sa.sa_mask);
                // No SA_RESTART: a wait in poll(2) returns at once.
                sa.sa_flags = 0;
                libc::sigaction(signo, &sa, std::ptr::null_mut());
            }
        }
    });
    result
}

/// The read end of the self-pipe: readable when a signal arrived.
pub fn wake_fd() -> RawFd {
    WAKE_READ.load(Ordering::SeqCst)
}

/// Wakes the app's loop from another thread (a change pushed by the
/// server), as a signal would; the set of signals stays as it is.
pub fn wake() {
    let fd = WAKE_WRITE.load(Ordering::SeqCst);
    if fd >= 0 {
        // SAFETY: writing one byte from our buffer to our non-blocking pipe;
        // a full pipe already wakes the loop.
        unsafe { libc::write(fd, [0u8].as_ptr().cast(), 1) };
    }
}

/// Empties the self-pipe (its bytes only wake the loop; the set says which).
pub fn drain_wake() {
    let fd = wake_fd();
    if fd < 0 {
        return;
    }
    let mut buf = [0u8; 64];
    // SAFETY: reading into our buffer from our non-blocking pipe.
    while unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) } > 0 {}
}

/// Takes the signals received since the last call, as a set of numbers.
pub fn take() -> Signals {
    Signals(PENDING.swap(0, Ordering::SeqCst))
}

/// A set of signal numbers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Signals(u64);

impl Signals {
    pub fn contains(self, signo: libc::c_int) -> bool {
        (0..64).contains(&signo) && self.0 & (1 << signo) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The first terminating signal in the set (the lowest number).
    pub fn quit(self) -> Option<libc::c_int> {
        QUIT.into_iter().filter(|s| self.contains(*s)).min()
    }

    pub fn without(self, signo: libc::c_int) -> Signals {
        if (0..64).contains(&signo) {
            Signals(self.0 & !(1 << signo))
        } else {
            self
        }
    }

    pub fn union(self, other: Signals) -> Signals {
        Signals(self.0 | other.0)
    }
}

/// Stops the process as SIGTSTP would have (after the caller restored the
/// terminal); returns when it is continued.
pub fn stop_self() {
    // SAFETY: raising SIGSTOP on ourselves; it cannot be caught.
    unsafe {
        libc::raise(libc::SIGSTOP);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_names_its_first_terminating_signal() {
        let s = Signals((1 << libc::SIGTERM) | (1 << libc::SIGWINCH) | (1 << libc::SIGUSR1));
        assert!(s.contains(libc::SIGWINCH));
        assert!(!s.contains(libc::SIGHUP));
        assert_eq!(s.quit(), Some(libc::SIGUSR1));
        assert_eq!(Signals(1 << libc::SIGCONT).quit(), None);
        assert!(Signals::default().is_empty());
    }
}
