//! Checks sent to a database's server over one connection, pipelined: every
//! request is written without waiting for answers (from a second thread, so
//! that neither side ever waits on a full socket buffer), and the answers
//! come back in order.

use std::io::{BufReader, BufWriter, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;

use crate::protocol::{self, Check, FrameError, Request, Response};

/// One check's answer: allowed or denied, or why the server did not decide
/// it (an unknown user or permission, or a check of someone the caller may
/// not read).
pub type Answer = Result<bool, String>;

/// A connection for checks to the server of the database at `db`.
pub struct Checks {
    stream: UnixStream,
}

impl Checks {
    pub fn connect(db: &Path) -> std::io::Result<Checks> {
        let stream = UnixStream::connect(crate::server::socket_path(db))?;
        Ok(Checks { stream })
    }

    /// Checks over a connection made elsewhere.
    pub fn over(stream: UnixStream) -> Checks {
        Checks { stream }
    }

    /// Sends every check and reads every answer, in order.
    pub fn run(&mut self, checks: &[Check]) -> Result<Vec<Answer>, FrameError> {
        let stream = &self.stream;
        std::thread::scope(|scope| {
            let writer = scope.spawn(move || send(stream, checks));
            let answers = receive(stream, checks.len());
            let sent = writer
                .join()
                .unwrap_or_else(|_| Err(FrameError::Garbage("the sending thread failed".into())));
            let answers = answers?;
            sent?;
            Ok(answers)
        })
    }

    /// One check, sent and answered on this thread.
    pub fn one(&mut self, check: &Check) -> Result<Answer, FrameError> {
        send(&self.stream, std::slice::from_ref(check))?;
        let mut answers = receive(&self.stream, 1)?;
        answers.pop().ok_or(FrameError::Closed)
    }
}

fn send(stream: &UnixStream, checks: &[Check]) -> Result<(), FrameError> {
    let mut out = BufWriter::with_capacity(64 * 1024, stream);
    for c in checks {
        out.write_all(&protocol::encode(&Request::Check(c.clone()))?)?;
    }
    out.flush()?;
    Ok(())
}

fn receive(stream: &UnixStream, n: usize) -> Result<Vec<Answer>, FrameError> {
    let mut input = BufReader::with_capacity(64 * 1024, stream);
    let mut answers = Vec::with_capacity(n);
    for _ in 0..n {
        answers.push(match protocol::read::<Response>(&mut input)? {
            Response::Checked { allowed } => Ok(allowed),
            Response::Refused(why) => Err(why),
            other => Err(format!("the server answered {other:?}")),
        });
    }
    Ok(answers)
}
