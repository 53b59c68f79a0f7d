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
use chrono::{DateTime, Utc};
use serde::{de::DeserializeOwned, Deserialize, Serialize};

use crate::domain::command::Command;
use crate::domain::org::Change;
use crate::domain::users::UserId;
use crate::ops::kiosk::SignedIn;
use crate::ops::Outcome;

/// The protocol version this build speaks. A frame of another version is
/// answered with [`Response::Refused`] naming both.
pub const VERSION: u16 = 1;

/// The largest frame body: a command line, never data (data travels through
/// the passed file descriptors).
pub const MAX_FRAME: u32 = 1024 * 1024;

/// The largest frame a client takes from its server (a pushed change may
/// carry many records; the organisation itself comes in chunks).
pub const MAX_PUSHED: u32 = 256 * 1024 * 1024;

/// The size of one [`Response::Chunk`].
const CHUNK: usize = 256 * 1024;

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
    /// An app attaches: answered with [`Response::Attached`], the
    /// organisation as [`Response::Chunk`]s (see [`ChunkWriter`]), then a
    /// [`Response::Event`] for every change committed after it, for as long
    /// as the connection stays open.
    Attach(Caller),
    /// Plans and commits one command as the peer; answered with
    /// [`Response::Executed`].
    Execute(Execute),
    /// The audit log, answered as [`Response::Chunk`]s of a bincode
    /// `(Vec<Result<AuditEntry, String>>, Checkpoint)`: the entries and the
    /// stored head.
    Audit(Caller),
    /// Asks a server started by a client to stop now, so that a command
    /// needing the database to itself (restore) can open it. Honoured only
    /// from the server's own OS user, with no other client connected;
    /// answered with [`Response::Stopping`] or [`Response::Refused`].
    Stop,
    /// At a workshop terminal (the peer's login): signs a person in by
    /// login or email and PIN; answered with [`Response::SignedIn`].
    KioskSignIn {
        caller: Caller,
        person: String,
        pin: String,
    },
    /// Signs the person out of the peer's terminal; answered with
    /// [`Response::Executed`].
    KioskSignOut {
        caller: Caller,
        user: UserId,
        idle: bool,
    },
    /// May a user do this? Answered from the server's read snapshot (never
    /// waiting for a write) with [`Response::Checked`], or
    /// [`Response::Refused`] for this check alone. More checks may follow
    /// on the same connection without waiting for answers (pipelined);
    /// they are answered in order until the client closes it. No
    /// descriptors travel with them.
    Check(Check),
    /// Usage evidence (`store::usage`): the last sign-in and, per
    /// permission, the last allowed check or signoff of `users` (None:
    /// everyone), as the peer — acting as `acting_as` — may read them:
    /// people it may not read (see `domain::read`, as their records) are
    /// left out, as are ids the organisation does not know; someone never
    /// seen has an empty `Usage`. Answered as [`Response::Chunk`]s of a
    /// bincode `BTreeMap<UserId, Usage>` (see [`read_chunked`]), or
    /// [`Response::Refused`] when the peer is bound to nobody. (Added after
    /// `Check`: earlier requests keep their encoding, so the version stays;
    /// a server without it refuses it as undecodable.)
    Usage {
        caller: Caller,
        acting_as: Option<UserId>,
        users: Option<Vec<UserId>>,
    },
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

/// Test builds only (the `test-hooks` feature, on both sides): the login and
/// the instant a request runs as. Other builds ignore them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Caller {
    pub test_login: Option<String>,
    pub test_now: Option<String>,
}

/// One command from an app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Execute {
    pub caller: Caller,
    /// The user the operator acts as (`--as`), checked at the server.
    pub acting_as: Option<UserId>,
    pub command: Command,
    /// The audit sequence the edit was based on: the command is refused if
    /// a record it replaces changed after it (see `domain::concurrency`).
    pub base: Option<u64>,
}

/// A change committed at the server, pushed to every attached app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub operator: UserId,
    pub acting_as: Option<UserId>,
    pub summary: String,
    /// What to apply to a replica; None when the change replaced the whole
    /// organisation (an import): the app attaches again.
    pub change: Option<Change>,
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
    /// An app is attached; the organisation follows, as of audit entry `seq`.
    Attached {
        seq: u64,
        pid: u32,
        /// Whom the server takes the app for (its peer's login).
        login: String,
    },
    /// A piece of a long answer; an empty one ends it.
    Chunk(#[serde(with = "serde_bytes")] Vec<u8>),
    /// A change committed after the app attached.
    Event(Box<Event>),
    /// What an [`Execute`] did: the outcome, or why nothing was done.
    Executed(Result<Outcome, Refusal>),
    /// The server exits once this is sent.
    Stopping {
        pid: u32,
    },
    /// A kiosk sign-in: who, or why not.
    SignedIn(Result<SignedIn, Refusal>),
    /// A check's answer: as `clearance check` exits 0 or 1.
    Checked {
        allowed: bool,
    },
}

/// Why a command from an app was not done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    pub message: String,
    /// The store stopped taking writes (see `OpsError::is_fatal`).
    pub fatal: bool,
    /// A record the edit replaces changed since the edit's base.
    pub stale: bool,
}

impl Refusal {
    /// The store stopped taking writes.
    pub fn is_fatal(&self) -> bool {
        self.fatal
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
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

fn options(limit: u32) -> impl Options {
    bincode::DefaultOptions::new()
        .with_fixint_encoding()
        .with_little_endian()
        .reject_trailing_bytes()
        .with_limit(u64::from(limit))
}

/// A frame's bytes: length, version, body.
pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, FrameError> {
    encode_up_to(value, MAX_FRAME)
}

/// A frame's bytes, up to `limit` (the server's pushes: [`MAX_PUSHED`]).
pub fn encode_up_to<T: Serialize>(value: &T, limit: u32) -> Result<Vec<u8>, FrameError> {
    let body = options(limit)
        .serialize(value)
        .map_err(|e| FrameError::Garbage(e.to_string()))?;
    let len = body.len() + 2;
    if len > limit as usize {
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
    read_limited(r, have, MAX_FRAME)
}

/// Reads one frame of at most `limit` bytes (a client reading its server
/// takes [`MAX_PUSHED`]).
pub fn read_limited<T: DeserializeOwned>(
    r: &mut impl Read,
    have: &[u8],
    limit: u32,
) -> Result<T, FrameError> {
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
    if len > limit {
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
    options(limit)
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

/// Writes a long answer as [`Response::Chunk`] frames: bincode streams a
/// value into it, and [`ChunkWriter::finish`] ends it with an empty chunk.
/// Neither side holds the whole encoding at once.
pub struct ChunkWriter<W: Write> {
    out: W,
    buf: Vec<u8>,
}

impl<W: Write> ChunkWriter<W> {
    pub fn new(out: W) -> Self {
        ChunkWriter {
            out,
            buf: Vec::with_capacity(CHUNK),
        }
    }

    fn send(&mut self) -> std::io::Result<()> {
        let chunk = Response::Chunk(std::mem::take(&mut self.buf));
        let bytes = encode(&chunk).map_err(std::io::Error::other)?;
        self.out.write_all(&bytes)?;
        if let Response::Chunk(mut b) = chunk {
            b.clear();
            self.buf = b;
        }
        Ok(())
    }

    /// Sends what is left and the empty chunk that ends the answer.
    pub fn finish(mut self) -> std::io::Result<()> {
        if !self.buf.is_empty() {
            self.send()?;
        }
        self.send()?;
        self.out.flush()
    }
}

impl<W: Write> Write for ChunkWriter<W> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let n = data.len().min(CHUNK - self.buf.len());
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() == CHUNK {
            self.send()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Reads a long answer sent by a [`ChunkWriter`], up to its empty chunk.
pub struct ChunkReader<R: Read> {
    input: R,
    chunk: Vec<u8>,
    at: usize,
    ended: bool,
}

impl<R: Read> ChunkReader<R> {
    pub fn new(input: R) -> Self {
        ChunkReader {
            input,
            chunk: Vec::new(),
            at: 0,
            ended: false,
        }
    }
}

impl<R: Read> Read for ChunkReader<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.chunk.len() && !self.ended {
            match read::<Response>(&mut self.input) {
                Ok(Response::Chunk(c)) => {
                    self.ended = c.is_empty();
                    self.chunk = c;
                    self.at = 0;
                }
                Ok(Response::Refused(why)) => return Err(std::io::Error::other(why)),
                Ok(other) => {
                    return Err(std::io::Error::other(format!(
                        "expected a chunk, the server sent {other:?}"
                    )))
                }
                Err(e) => return Err(std::io::Error::other(e)),
            }
        }
        let n = out.len().min(self.chunk.len() - self.at);
        out[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// Streams `value` as chunks to `out`.
pub fn write_chunked<T: Serialize>(out: impl Write, value: &T) -> Result<(), FrameError> {
    let mut w = ChunkWriter::new(out);
    bincode::DefaultOptions::new()
        .with_fixint_encoding()
        .with_little_endian()
        .serialize_into(&mut w, value)
        .map_err(|e| FrameError::Garbage(e.to_string()))?;
    w.finish()?;
    Ok(())
}

/// Reads a value streamed by [`write_chunked`].
pub fn read_chunked<T: DeserializeOwned>(input: impl Read) -> Result<T, FrameError> {
    // Gathered first, then decoded from memory: decoding from a reader
    // costs a call per field, several times the whole transfer.
    let mut bytes = Vec::new();
    ChunkReader::new(input).read_to_end(&mut bytes)?;
    bincode::DefaultOptions::new()
        .with_fixint_encoding()
        .with_little_endian()
        .reject_trailing_bytes()
        .deserialize(&bytes)
        .map_err(|e| FrameError::Garbage(e.to_string()))
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

    #[test]
    fn a_long_answer_streams_as_chunks_and_a_cut_or_padded_one_is_an_error() {
        // Over three chunks' worth.
        let value: Vec<String> = (0..40_000).map(|i| format!("user number {i}")).collect();
        let mut wire = Vec::new();
        write_chunked(&mut wire, &value).unwrap();
        let mut frames = 0;
        let mut r = &wire[..];
        while let Ok(Response::Chunk(c)) = read::<Response>(&mut r) {
            assert!(c.len() <= CHUNK);
            frames += 1;
            if c.is_empty() {
                break;
            }
        }
        assert!(frames >= 4, "{frames} frames");
        let back: Vec<String> = read_chunked(&wire[..]).unwrap();
        assert_eq!(back, value);
        // Cut anywhere: an error, never a panic or a short value.
        for n in [0, 5, wire.len() / 2, wire.len() - 1] {
            assert!(read_chunked::<Vec<String>>(&wire[..n]).is_err(), "{n}");
        }
        // Bytes after the value, inside the chunks: refused.
        let mut padded = Vec::new();
        let mut w = ChunkWriter::new(&mut padded);
        w.write_all(&wire_body(&value)).unwrap();
        w.write_all(b"extra").unwrap();
        w.finish().unwrap();
        assert!(read_chunked::<Vec<String>>(&padded[..]).is_err());
    }

    fn wire_body(value: &Vec<String>) -> Vec<u8> {
        bincode::DefaultOptions::new()
            .with_fixint_encoding()
            .with_little_endian()
            .serialize(value)
            .unwrap()
    }
}
