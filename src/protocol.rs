//! What a client and the server of a database say to each other over the
//! Unix socket `clearance.sock` in the database directory.
//!
//! A frame is `[u32 big-endian length][u16 big-endian protocol version]
//! [bincode body]`, at most [`MAX_FRAME`] bytes after the length. A client
//! sends one [`Request`]; with a `Run` it passes its standard input, output
//! and error as file descriptors (SCM_RIGHTS) on the frame's first byte, so
//! the server writes the command's output where the client's would have
//! gone, streaming, with the client's own access to its terminal and files.
//! The server answers with one [`Response`]. Who the client is comes from
//! the kernel (the socket's peer credentials), never from the request.

use std::io::{Read, Write};

use bincode::Options;
use serde::{de::DeserializeOwned, Deserialize, Serialize};

/// The protocol version this build speaks. A frame of another version is
/// answered with [`Response::Refused`] naming both.
pub const VERSION: u16 = 1;

/// The largest frame body: a command line, never data (data travels through
/// the passed file descriptors).
pub const MAX_FRAME: u32 = 1024 * 1024;

/// The socket's file name in the database directory.
pub const SOCKET: &str = "clearance.sock";

/// What a client asks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Request {
    /// Is a server there? Answered with [`Response::Pong`].
    Ping,
    /// Runs one command line as the peer, with the passed standard input,
    /// output and error; answered with [`Response::Exit`].
    Run(Run),
    /// May a user do this? Answered from the server's read snapshot (never
    /// waiting for a write) with [`Response::Checked`], or
    /// [`Response::Refused`] for this check alone. More checks may follow
    /// on the same connection without waiting for answers (pipelined);
    /// they are answered in order until the client closes it. No
    /// descriptors travel with them.
    Check(Check),
}

/// A check as `clearance check` states it, at the server's now.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    pub user: String,
    pub permission: String,
    pub level: Option<String>,
    pub relations: Vec<String>,
    pub record_age: Option<String>,
    pub record_state: Option<String>,
    /// Test builds only, as in [`Run`].
    pub test_login: Option<String>,
    pub test_now: Option<String>,
}

/// One command line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Run {
    /// The arguments after the program name, `--db` left out.
    pub args: Vec<String>,
    /// Test builds only (the `test-hooks` feature, on both sides): the login
    /// and the instant the test runs the command as. Other builds ignore them.
    pub test_login: Option<String>,
    pub test_now: Option<String>,
}

/// What the server answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Response {
    Pong {
        pid: u32,
    },
    /// The command ran; its exit code (0 success or allowed, 1 denied, 2 error).
    Exit(i32),
    /// The request was not run, and why (one line).
    Refused(String),
    /// A check's answer: as `clearance check` exits 0 or 1.
    Checked {
        allowed: bool,
    },
}

/// Why a frame could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("the connection closed")]
    Closed,
    #[error("a frame of {0} bytes is over the {MAX_FRAME}-byte limit")]
    TooLarge(u64),
    #[error("protocol version {theirs} is not this build's {VERSION}; use the same clearance on both sides")]
    Version { theirs: u16 },
    #[error("an undecodable frame: {0}")]
    Garbage(String),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

fn options() -> impl Options {
    bincode::DefaultOptions::new()
        .with_fixint_encoding()
        .with_little_endian()
        .reject_trailing_bytes()
        .with_limit(u64::from(MAX_FRAME))
}

/// A frame's bytes: length, version, body.
pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, FrameError> {
    let body = options()
        .serialize(value)
        .map_err(|e| FrameError::Garbage(e.to_string()))?;
    let len = body.len() + 2;
    if len > MAX_FRAME as usize {
        return Err(FrameError::TooLarge(len as u64));
    }
    let mut out = Vec::with_capacity(4 + len);
    out.extend_from_slice(&(len as u32).to_be_bytes());
    out.extend_from_slice(&VERSION.to_be_bytes());
    out.extend_from_slice(&body);
    Ok(out)
}

/// Writes one frame.
pub fn write<T: Serialize>(w: &mut impl Write, value: &T) -> Result<(), FrameError> {
    w.write_all(&encode(value)?)?;
    w.flush()?;
    Ok(())
}

/// Reads one frame whose first `have` bytes were already read (with the
/// file descriptors that came with them).
pub fn read_after<T: DeserializeOwned>(r: &mut impl Read, have: &[u8]) -> Result<T, FrameError> {
    let mut head = [0u8; 4];
    let n = have.len().min(4);
    head[..n].copy_from_slice(&have[..n]);
    if n < 4 {
        match r.read_exact(&mut head[n..]) {
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && n == 0 => {
                return Err(FrameError::Closed)
            }
            other => other?,
        }
    }
    let len = u32::from_be_bytes(head);
    if len > MAX_FRAME {
        return Err(FrameError::TooLarge(u64::from(len)));
    }
    if len < 2 {
        return Err(FrameError::Garbage(format!("a frame of {len} bytes")));
    }
    let mut body = vec![0u8; len as usize];
    let extra = &have[n..];
    let m = extra.len().min(body.len());
    body[..m].copy_from_slice(&extra[..m]);
    r.read_exact(&mut body[m..])?;
    let version = u16::from_be_bytes([body[0], body[1]]);
    if version != VERSION {
        return Err(FrameError::Version { theirs: version });
    }
    options()
        .deserialize(&body[2..])
        .map_err(|e| FrameError::Garbage(e.to_string()))
}

/// The bytes of `have` past the frame it starts with: what a client sent
/// after its first request before the server read it.
pub fn past_first_frame(have: &[u8]) -> &[u8] {
    let Some(head) = have.get(..4) else {
        return &[];
    };
    let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
    have.get(4 + len..).unwrap_or(&[])
}

/// Reads one frame.
pub fn read<T: DeserializeOwned>(r: &mut impl Read) -> Result<T, FrameError> {
    read_after(r, &[])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run() -> Request {
        Request::Run(Run {
            args: vec!["check".into(), "pia".into(), "flights.view".into()],
            test_login: None,
            test_now: None,
        })
    }

    #[test]
    fn a_frame_round_trips_and_names_its_version() {
        let bytes = encode(&run()).unwrap();
        assert_eq!(&bytes[4..6], VERSION.to_be_bytes());
        assert_eq!(
            u32::from_be_bytes(bytes[..4].try_into().unwrap()) as usize,
            bytes.len() - 4
        );
        let back: Request = read(&mut &bytes[..]).unwrap();
        assert_eq!(back, run());
        // The same, with the first bytes already read.
        let back: Request = read_after(&mut &bytes[3..], &bytes[..3]).unwrap();
        assert_eq!(back, run());
        let back: Request = read_after(&mut &bytes[9..], &bytes[..9]).unwrap();
        assert_eq!(back, run());
    }

    #[test]
    fn oversize_garbage_old_versions_and_cut_frames_are_errors_not_panics() {
        let big = (MAX_FRAME + 1).to_be_bytes();
        assert!(matches!(
            read::<Request>(&mut &big[..]),
            Err(FrameError::TooLarge(_))
        ));
        let mut old = encode(&run()).unwrap();
        old[4..6].copy_from_slice(&0u16.to_be_bytes());
        let e = read::<Request>(&mut &old[..]).unwrap_err();
        assert!(e.to_string().contains("protocol version 0"), "{e}");
        let mut garbage = encode(&run()).unwrap();
        for b in &mut garbage[6..] {
            *b = 0xff;
        }
        assert!(matches!(
            read::<Request>(&mut &garbage[..]),
            Err(FrameError::Garbage(_))
        ));
        let whole = encode(&run()).unwrap();
        for n in 0..whole.len() {
            assert!(read::<Request>(&mut &whole[..n]).is_err(), "{n} bytes");
        }
        assert!(matches!(
            read::<Request>(&mut &[][..]),
            Err(FrameError::Closed)
        ));
        let tiny = 1u32.to_be_bytes();
        assert!(matches!(
            read::<Request>(&mut &tiny[..]),
            Err(FrameError::Garbage(_))
        ));
        let long = Request::Run(Run {
            args: vec!["x".repeat(MAX_FRAME as usize)],
            test_login: None,
            test_now: None,
        });
        assert!(encode(&long).is_err());
    }
}
