//! What the server does for attached apps: the organisation to start a
//! replica from, every committed change pushed as it happens, commands
//! planned and committed as the peer, and the audit log.

use std::io::Write;
use std::os::unix::net::UnixStream;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::domain::org::RecordKey;
use crate::ops::usage::Recorder;
use crate::ops::{Clock, Committed, FixedClock, Session, SystemClock};
use crate::protocol::{self, Caller, Event, Execute, FrameError, Response};

/// How long a slow app may take to read the organisation before the server
/// gives up on it.
const SNAPSHOT_TIMEOUT: Duration = Duration::from_secs(20);

/// The apps attached, each by the channel its connection's thread writes
/// from: encoded event frames, in commit order.
#[derive(Default, Clone)]
pub struct Subscribers(Arc<Mutex<Vec<Sender<Frame>>>>);

/// An encoded frame, shared by every app it goes to.
type Frame = Arc<Vec<u8>>;

impl Subscribers {
    /// Tells every attached app of `c`; forgets those that went away.
    pub fn tell(&self, c: &Committed) {
        // PIN hashes never leave the server.
        let change = c.change.clone().map(|mut ch| {
            ch.puts.retain(|p| !matches!(p.key, RecordKey::Pin(_)));
            ch
        });
        let event = Response::Event(Box::new(Event {
            seq: c.seq,
            at: c.at,
            operator: c.operator,
            acting_as: c.acting_as,
            summary: c.summary.clone(),
            change,
        }));
        let frame = match protocol::encode_up_to(&event, protocol::MAX_PUSHED) {
            Ok(f) => Arc::new(f),
            Err(e) => {
                // Too big to push: the apps attach again instead.
                tracing::warn!("cannot push change #{}: {e}", c.seq);
                let reload = Response::Event(Box::new(Event {
                    change: None,
                    ..event_of(c)
                }));
                match protocol::encode(&reload) {
                    Ok(f) => Arc::new(f),
                    Err(_) => return,
                }
            }
        };
        let mut subs = self.0.lock().unwrap_or_else(|e| e.into_inner());
        subs.retain(|s| s.send(Arc::clone(&frame)).is_ok());
    }

    fn add(&self) -> Receiver<Frame> {
        let (tx, rx) = mpsc::channel();
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(tx);
        rx
    }

    /// How many apps are attached.
    pub fn count(&self) -> usize {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

fn event_of(c: &Committed) -> Event {
    Event {
        seq: c.seq,
        at: c.at,
        operator: c.operator,
        acting_as: c.acting_as,
        summary: c.summary.clone(),
        change: None,
    }
}

/// Who a request runs as, and by which clock: the peer's login (from the
/// kernel) and the system clock. Only test builds (`hooks`) let the test
/// suite say who and when; nothing a client sends changes who it is
/// otherwise.
pub fn resolve(hooks: bool, peer: String, caller: &Caller) -> (String, Box<dyn Clock>) {
    let (login, now) = crate::cli::served::caller_of(
        hooks,
        peer,
        caller.test_login.as_deref(),
        caller.test_now.as_deref(),
    );
    let clock: Box<dyn Clock> = match now {
        Some(t) => Box::new(FixedClock(t)),
        None => Box::new(SystemClock),
    };
    (login, clock)
}

/// An app attaches: the organisation as of now, then every change after it
/// until the app goes away. A person's app attaching is a sign-in of
/// theirs (usage evidence).
pub fn attach(
    session: &Mutex<Session>,
    subs: &Subscribers,
    usage: &Recorder,
    stream: &UnixStream,
    login: String,
    clock: Box<dyn Clock>,
) -> Result<(), FrameError> {
    let (org, events) = {
        let session = session.lock().unwrap_or_else(|e| e.into_inner());
        // Only a person's bound login or a workshop terminal attaches: an
        // OS account that may reach the socket but is nobody gets nothing.
        let org = session.org();
        let now = clock.now();
        let person = crate::ops::operator_of(org, &login, now);
        if person.is_err() && crate::domain::rules::kiosk::terminal(org, &login).is_err() {
            let why = crate::ops::OpsError::NotBound(login).to_string();
            return protocol::write(&mut &*stream, &Response::Refused(why));
        }
        if let Ok(user) = person {
            usage.signed_in(user, now);
        }
        protocol::write(
            &mut &*stream,
            &Response::Attached {
                seq: session.head_seq(),
                pid: std::process::id(),
                login,
            },
        )?;
        // The organisation as of that entry, and every change after it
        // (subscribed before the session is let go: none is missed; they
        // wait in the channel while the organisation is sent, outside the
        // session, so a slow app holds nobody up).
        (session.shared_org(), subs.add())
    };
    stream.set_write_timeout(Some(SNAPSHOT_TIMEOUT))?;
    protocol::write_chunked(std::io::BufWriter::new(stream), &*org)?;
    // Terminals travel apart (an organisation's bincode leaves them out);
    // PINs never leave the server.
    protocol::write_chunked(std::io::BufWriter::new(stream), &org.terminals)?;
    // Separation-of-duties rules travel apart too.
    protocol::write_chunked(std::io::BufWriter::new(stream), &org.sod_rules)?;
    // And access-review campaigns with their items.
    protocol::write_chunked(std::io::BufWriter::new(stream), &org.reviews)?;
    stream.set_write_timeout(None)?;
    drop(org);
    // Until the app goes away: noticed when a push fails, or when the app
    // hangs up while nothing is pushed (so an idle server can leave).
    loop {
        match events.recv_timeout(HANGUP_CHECK) {
            Ok(frame) => (&*stream).write_all(&frame)?,
            Err(mpsc::RecvTimeoutError::Timeout) if hung_up(stream) => return Ok(()),
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => return Ok(()),
        }
    }
}

/// How often an attached app that is sent nothing is checked for.
const HANGUP_CHECK: Duration = Duration::from_millis(500);

/// Has the peer closed its end? (An app sends nothing after attaching, so
/// anything readable is the end of the stream.)
fn hung_up(stream: &UnixStream) -> bool {
    use std::os::fd::AsRawFd;
    let mut p = libc::pollfd {
        fd: stream.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: poll(2) on one pollfd we own, without waiting.
    let rc = unsafe { libc::poll(&mut p, 1, 0) };
    rc > 0 && p.revents & (libc::POLLIN | libc::POLLHUP | libc::POLLERR) != 0
}

/// Plans and commits an app's command as the peer (a sign-in of theirs
/// too, as usage evidence).
pub fn execute(
    session: &Mutex<Session>,
    usage: &Recorder,
    login: String,
    clock: Box<dyn Clock>,
    x: Execute,
) -> Response {
    let mut session = session.lock().unwrap_or_else(|e| e.into_inner());
    session.set_caller(&login, clock);
    let result = session.operator().and_then(|op| {
        let now = session.now();
        usage.signed_in(op, now);
        let actor = crate::domain::rules::actor(session.org(), op, x.acting_as, now)?;
        session.execute_based(actor, x.command, x.base)
    });
    Response::Executed(result.map_err(|e| crate::client::link::refusal(&e)))
}

/// A kiosk sign-in at the peer's terminal (see `ops::kiosk`); one that
/// succeeds is usage evidence.
pub fn sign_in(
    session: &Mutex<Session>,
    usage: &Recorder,
    login: String,
    clock: Box<dyn Clock>,
    person: &str,
    pin: &str,
) -> Response {
    let mut session = session.lock().unwrap_or_else(|e| e.into_inner());
    session.set_caller(&login, clock);
    let signed = session.kiosk_sign_in(person, pin);
    if let Ok(s) = &signed {
        usage.signed_in(s.user, session.now());
    }
    Response::SignedIn(signed.map_err(|e| crate::client::link::refusal(&e)))
}

/// A kiosk sign-out at the peer's terminal.
pub fn sign_out(
    session: &Mutex<Session>,
    login: String,
    clock: Box<dyn Clock>,
    user: crate::domain::users::UserId,
    idle: bool,
) -> Response {
    let mut session = session.lock().unwrap_or_else(|e| e.into_inner());
    session.set_caller(&login, clock);
    Response::Executed(
        session
            .kiosk_sign_out(user, idle)
            .map_err(|e| crate::client::link::refusal(&e)),
    )
}

/// The audit log and its stored head, streamed: to a person who may read
/// the whole log (as `clearance audit` requires).
pub fn audit(
    session: &Mutex<Session>,
    stream: &UnixStream,
    login: String,
    clock: Box<dyn Clock>,
) -> Result<(), FrameError> {
    let (entries, head) = {
        let s = session.lock().unwrap_or_else(|e| e.into_inner());
        let now = clock.now();
        let may = crate::ops::operator_of(s.org(), &login, now)
            .map_err(|e| e.to_string())
            .and_then(|op| s.org().user(op).map_err(|e| e.to_string()))
            .and_then(|me| {
                crate::domain::read::require_all(
                    s.org(),
                    me,
                    crate::domain::read::Subject::Audit,
                    now,
                )
                .map_err(|e| e.to_string())
            });
        if let Err(why) = may {
            return protocol::write(&mut &*stream, &Response::Refused(why));
        }
        (s.audit_entries(), s.store().head())
    };
    protocol::write_chunked(std::io::BufWriter::new(stream), &(entries, head))
}

/// Usage evidence (see `ops::usage`) of `users` (None: everyone) that the
/// peer, acting as `acting_as`, may read, streamed as chunks; refused when
/// the peer is bound to nobody.
pub fn usage(
    session: &Mutex<Session>,
    stream: &UnixStream,
    login: String,
    clock: Box<dyn Clock>,
    acting_as: Option<crate::domain::users::UserId>,
    users: Option<&[crate::domain::users::UserId]>,
) -> Result<(), FrameError> {
    let answer = {
        let mut s = session.lock().unwrap_or_else(|e| e.into_inner());
        s.set_caller(&login, clock);
        s.usage_for(acting_as, users)
    };
    match answer {
        Ok(all) => protocol::write_chunked(std::io::BufWriter::new(stream), &all),
        Err(e) => protocol::write(&mut &*stream, &Response::Refused(e.to_string())),
    }
}
