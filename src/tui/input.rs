//! The terminal's input: waits in poll(2) on the terminal and the signal
//! self-pipe, then reads every byte that is ready (a burst of 10,000 keys is
//! one batch, drawn once). End of input or an error reading the terminal is
//! a hang-up. Pastes are bounded: one ends when the input pauses after its
//! end marker, when the input pauses for [`PASTE_QUIET`] without one, or
//! after [`PASTE_MAX_TIME`]; bytes that arrive with a paste, before the
//! pause, are part of it (never keys), and at most [`PASTE_MAX_BYTES`] are
//! kept.

use std::io;
use std::os::fd::RawFd;
use std::time::{Duration, Instant};

use ratatui::crossterm::event::Event;

pub use super::event::PASTE_MAX_BYTES;
use super::event::{Parser, Paste, Token};
use super::signals;

/// How long the rest of an escape sequence may take to arrive.
const ESC_WAIT: Duration = Duration::from_millis(25);
/// A paste without its end marker ends after this long without input.
pub const PASTE_QUIET: Duration = Duration::from_millis(300);
/// After its end marker a paste still takes what arrives with it, until the
/// input pauses this long.
pub const AFTER_END_QUIET: Duration = Duration::from_millis(100);
/// The longest a paste may go on; after it, input is dropped until it pauses.
pub const PASTE_MAX_TIME: Duration = Duration::from_secs(10);
/// The most bytes read before the loop gets control back (to see signals).
const BATCH_MAX: usize = 256 * 1024;

/// What the reader hands the loop, in arrival order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming {
    Event(Event),
    /// Something to tell the user (a paste cut or ended without its marker).
    Notice(String),
    /// End of input: the terminal is gone.
    Hangup,
}

struct OpenPaste {
    paste: Paste,
    started: Instant,
    last: Instant,
    /// Past the time bound: bytes are dropped until the input pauses.
    discarding: bool,
}

impl OpenPaste {
    fn quiet(&self) -> Duration {
        if self.paste.ended {
            AFTER_END_QUIET
        } else {
            PASTE_QUIET
        }
    }

    /// When this paste ends if nothing more arrives.
    fn deadline(&self) -> Instant {
        let pause = self.last + self.quiet();
        if self.discarding {
            pause
        } else {
            pause.min(self.started + PASTE_MAX_TIME)
        }
    }
}

pub struct Input {
    fd: RawFd,
    parser: Parser,
    paste: Option<OpenPaste>,
    buf: Vec<u8>,
    hangup: bool,
}

/// What poll(2) reported.
#[derive(Default)]
struct Ready {
    tty: bool,
    gone: bool,
    wake: bool,
}

fn poll(fd: RawFd, timeout: Duration) -> io::Result<Ready> {
    let wake = signals::wake_fd();
    let mut fds = [
        libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        },
        libc::pollfd {
            fd: wake,
            events: libc::POLLIN,
            revents: 0,
        },
    ];
    let n = if wake >= 0 { 2 } else { 1 };
    let ms = timeout.as_millis().min(i32::MAX as u128) as i32;
    // SAFETY: poll(2) on an array we own, of the length we pass.
    let rc = unsafe { libc::poll(fds.as_mut_ptr(), n, ms) };
    if rc < 0 {
        let e = io::Error::last_os_error();
        return if e.kind() == io::ErrorKind::Interrupted {
            Ok(Ready::default())
        } else {
            Err(e)
        };
    }
    let r = fds[0].revents;
    Ok(Ready {
        tty: r & libc::POLLIN != 0,
        gone: r & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0 && r & libc::POLLIN == 0,
        wake: n == 2 && fds[1].revents & libc::POLLIN != 0,
    })
}

impl Input {
    /// Reads the terminal on standard input (the app runs only when it is one).
    pub fn stdin() -> Input {
        Input::from_fd(libc::STDIN_FILENO)
    }

    pub fn from_fd(fd: RawFd) -> Input {
        Input {
            fd,
            parser: Parser::default(),
            paste: None,
            buf: vec![0; 64 * 1024],
            hangup: false,
        }
    }

    /// Is a paste being received?
    pub fn in_paste(&self) -> bool {
        self.paste.is_some()
    }

    /// Waits up to `timeout` for input or a signal, then returns everything
    /// that is ready. Empty when the time ran out or only a signal came.
    pub fn wait(&mut self, timeout: Duration) -> io::Result<Vec<Incoming>> {
        let mut out = Vec::new();
        if self.hangup {
            out.push(Incoming::Hangup);
            return Ok(out);
        }
        let now = Instant::now();
        let timeout = match &self.paste {
            Some(p) => timeout.min(p.deadline().saturating_duration_since(now)),
            None => timeout,
        };
        let ready = poll(self.fd, timeout)?;
        if ready.wake {
            signals::drain_wake();
        }
        if ready.gone {
            self.hangup = true;
        } else if ready.tty {
            self.read_burst(&mut out)?;
            if self.paste.is_none() && self.parser.has_pending() && !self.hangup {
                // The rest of an escape sequence may be on its way.
                if poll(self.fd, ESC_WAIT)?.tty {
                    self.read_burst(&mut out)?;
                }
                if self.paste.is_none() {
                    let mut toks = Vec::new();
                    self.parser.flush(&mut toks);
                    self.take_tokens(toks, &mut out);
                }
            }
        }
        self.check_paste(Instant::now(), &mut out);
        if self.hangup {
            out.push(Incoming::Hangup);
        }
        Ok(out)
    }

    /// Reads while bytes are ready (up to [`BATCH_MAX`]).
    fn read_burst(&mut self, out: &mut Vec<Incoming>) -> io::Result<()> {
        let mut total = 0;
        loop {
            // SAFETY: read(2) into our buffer, at most its length. The fd is
            // readable (poll said so), so this does not block.
            let n = unsafe { libc::read(self.fd, self.buf.as_mut_ptr().cast(), self.buf.len()) };
            if n == 0 {
                self.hangup = true;
                return Ok(());
            }
            if n < 0 {
                let e = io::Error::last_os_error();
                match e.kind() {
                    io::ErrorKind::Interrupted => continue,
                    io::ErrorKind::WouldBlock => return Ok(()),
                    _ => {
                        // EIO and the like: the terminal is gone.
                        tracing::info!("the terminal hung up (reading failed: {e})");
                        self.hangup = true;
                        return Ok(());
                    }
                }
            }
            let n = n as usize;
            let bytes = self.buf[..n].to_vec();
            self.take_bytes(&bytes, out);
            total += n;
            if total >= BATCH_MAX {
                return Ok(());
            }
            let next = poll(self.fd, Duration::ZERO)?;
            if next.gone {
                self.hangup = true;
                return Ok(());
            }
            if !next.tty {
                return Ok(());
            }
        }
    }

    fn take_bytes(&mut self, bytes: &[u8], out: &mut Vec<Incoming>) {
        let now = Instant::now();
        if let Some(p) = &mut self.paste {
            if !p.discarding {
                p.paste.add(bytes);
            }
            p.last = now;
            return;
        }
        let mut toks = Vec::new();
        let rest = self.parser.feed(bytes, &mut toks);
        self.take_tokens(toks, out);
        if let Some(rest) = rest {
            // A paste started; it takes everything after its marker.
            let mut p = OpenPaste {
                paste: Paste::default(),
                started: now,
                last: now,
                discarding: false,
            };
            p.paste.add(&rest);
            self.paste = Some(p);
        }
    }

    fn take_tokens(&mut self, toks: Vec<Token>, out: &mut Vec<Incoming>) {
        for t in toks {
            match t {
                Token::Event(e) => out.push(Incoming::Event(e)),
                // Only the last token of a feed can be a paste start.
                Token::PasteStart => {}
            }
        }
    }

    /// Ends the open paste when its time has come.
    fn check_paste(&mut self, now: Instant, out: &mut Vec<Incoming>) {
        let Some(p) = &mut self.paste else {
            return;
        };
        let paused = now >= p.last + p.quiet();
        if p.discarding {
            if paused {
                self.paste = None;
            }
            return;
        }
        let too_long = now >= p.started + PASTE_MAX_TIME;
        if !paused && !too_long {
            return;
        }
        let total = p.paste.total;
        out.push(Incoming::Event(Event::Paste(p.paste.text())));
        if p.paste.truncated() {
            out.push(Incoming::Notice(format!(
                "paste cut: {total} bytes, kept the first {PASTE_MAX_BYTES}"
            )));
        }
        if !paused {
            out.push(Incoming::Notice(format!(
                "paste still arriving after {} s: input is dropped until it pauses",
                PASTE_MAX_TIME.as_secs()
            )));
            p.discarding = true;
            p.paste = Paste::default();
            return;
        }
        if !p.paste.ended {
            out.push(Incoming::Notice(format!(
                "paste ended without its end marker after {total} bytes"
            )));
        }
        self.paste = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    /// A pipe standing in for the terminal.
    fn pipe() -> (Input, RawFd) {
        let mut fds = [-1; 2];
        // SAFETY: pipe(2) fills the array we own.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        (Input::from_fd(fds[0]), fds[1])
    }

    fn write(fd: RawFd, b: &[u8]) {
        // SAFETY: writing our buffer to our pipe.
        assert_eq!(
            unsafe { libc::write(fd, b.as_ptr().cast(), b.len()) },
            b.len() as isize
        );
    }

    fn collect(input: &mut Input, for_: Duration) -> Vec<Incoming> {
        let start = Instant::now();
        let mut all = Vec::new();
        while start.elapsed() < for_ {
            all.extend(input.wait(Duration::from_millis(20)).unwrap());
        }
        all
    }

    fn ch(c: char) -> Incoming {
        Incoming::Event(Event::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::NONE,
        )))
    }

    #[test]
    fn keys_with_a_paste_end_are_text_not_actions() {
        let (mut input, w) = pipe();
        write(w, b"\x1b[200~abc\x1b[201~2q\x1b[201~");
        let got = collect(&mut input, Duration::from_millis(400));
        assert_eq!(got, vec![Incoming::Event(Event::Paste("abc2q".into()))]);
        // After the pause keys are keys again.
        write(w, b"q");
        assert_eq!(
            collect(&mut input, Duration::from_millis(100)),
            vec![ch('q')]
        );
    }

    #[test]
    fn a_lone_paste_start_ends_after_a_pause_and_says_so() {
        let (mut input, w) = pipe();
        write(w, b"\x1b[200~xy");
        let got = collect(&mut input, PASTE_QUIET + Duration::from_millis(200));
        assert_eq!(got[0], Incoming::Event(Event::Paste("xy".into())));
        assert!(
            matches!(&got[1], Incoming::Notice(n) if n.contains("without its end marker")),
            "{got:?}"
        );
        write(w, b"q");
        assert_eq!(
            collect(&mut input, Duration::from_millis(100)),
            vec![ch('q')]
        );
    }

    #[test]
    fn end_of_input_is_a_hangup() {
        let (mut input, w) = pipe();
        write(w, b"j");
        // SAFETY: closing our write end.
        unsafe { libc::close(w) };
        let got = input.wait(Duration::from_secs(1)).unwrap();
        assert_eq!(got, vec![ch('j'), Incoming::Hangup]);
        assert_eq!(
            input.wait(Duration::from_secs(1)).unwrap(),
            vec![Incoming::Hangup]
        );
    }
}
