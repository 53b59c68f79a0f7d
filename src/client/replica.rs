//! An app's replica of the organisation, kept by its server.
//!
//! Attaching reads the organisation as of some audit entry; from then on
//! the server pushes every committed change, which a thread of ours reads
//! and hands to the app (waking it), and the app applies with the one apply
//! function the store uses (`Organisation::apply`). Commands go to the
//! server, each on its own connection, with the sequence number the edit
//! was based on. When the server goes away the thread says so and keeps
//! trying to attach to a new one; the app keeps its unsaved edits meanwhile.

use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::domain::org::Organisation;
use crate::domain::users::UserId;
use crate::ops::{Command, Outcome};
use crate::protocol::{self, Caller, Event, Execute, Refusal, Request, Response};
use crate::store::audit::{AuditEntry, Checkpoint};

/// How often a lost server is looked for again.
const RETRY: Duration = Duration::from_millis(500);

/// How long a command's own change may take to come back on the stream
/// before the app goes on without it.
const OWN_WAIT: Duration = Duration::from_secs(5);

/// Something to tell the app (it wakes the app's loop).
pub type Wake = Arc<dyn Fn() + Send + Sync>;

/// An organisation read from the server.
pub struct Snapshot {
    pub org: Organisation,
    pub seq: u64,
    pub pid: u32,
    /// Whom the server takes this app for.
    pub login: String,
}

/// What the following thread hands the app.
pub enum Pushed {
    Event(Box<Event>),
    /// The server went away (why); the thread looks for a new one.
    Lost(String),
    /// Attached again (to a new server, or after an import).
    Attached(Box<Snapshot>),
}

/// What happened to the replica, for the app to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum News {
    /// Someone's committed change, applied: by whom, and what.
    Changed {
        seq: u64,
        operator: UserId,
        summary: String,
    },
    Lost(String),
    Reattached {
        pid: u32,
    },
}

/// The test login and instant to send (test builds only; see `Caller`).
pub fn test_caller() -> Caller {
    let hooks = cfg!(feature = "test-hooks");
    Caller {
        test_login: std::env::var("CLEARANCE_TEST_LOGIN").ok().filter(|_| hooks),
        test_now: std::env::var("CLEARANCE_TEST_NOW").ok().filter(|_| hooks),
    }
}

/// Attaches on `stream`: the organisation, and the stream left for events.
pub fn attach_on(stream: UnixStream, caller: &Caller) -> Result<(Snapshot, UnixStream), String> {
    let bad = |e: protocol::FrameError| format!("attaching to the server failed: {e}");
    protocol::write(&mut &stream, &Request::Attach(caller.clone())).map_err(bad)?;
    let (seq, pid, login) = match protocol::read::<Response>(&mut &stream).map_err(bad)? {
        Response::Attached { seq, pid, login } => (seq, pid, login),
        Response::Refused(why) => return Err(format!("the server refused: {why}")),
        other => return Err(format!("the server answered {other:?}")),
    };
    let mut org: Organisation = protocol::read_chunked(&stream).map_err(bad)?;
    org.terminals = protocol::read_chunked(&stream).map_err(bad)?;
    org.sod_rules = protocol::read_chunked(&stream).map_err(bad)?;
    org.reviews = protocol::read_chunked(&stream).map_err(bad)?;
    org.reindex();
    Ok((
        Snapshot {
            org,
            seq,
            pid,
            login,
        },
        stream,
    ))
}

/// A replica: the organisation as of `seq`, following the server of `db`.
pub struct Replica {
    db: PathBuf,
    caller: Caller,
    pub org: Organisation,
    pub seq: u64,
    pub pid: u32,
    pub login: String,
    /// False from the moment the server went away until attached again.
    pub connected: bool,
    pushed: Receiver<Pushed>,
    /// What happened since the app last asked.
    news: Vec<News>,
    /// The stream the following thread reads (None once this replica is
    /// dropped): shut down on drop, so the server sees the app go.
    link: Arc<Mutex<Option<UnixStream>>>,
}

impl Drop for Replica {
    fn drop(&mut self) {
        let mut link = self.link.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(s) = link.take() {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
    }
}

impl Replica {
    /// Attaches to the server of `db` on `stream` and starts following it.
    pub fn attach(db: &Path, stream: UnixStream, wake: Wake) -> Result<Replica, String> {
        Self::attach_as(db, stream, wake, test_caller())
    }

    /// As [`Replica::attach`], saying who and when (honoured by test
    /// builds only, see [`Caller`]).
    pub fn attach_as(
        db: &Path,
        stream: UnixStream,
        wake: Wake,
        caller: Caller,
    ) -> Result<Replica, String> {
        let (snap, stream) = attach_on(stream, &caller)?;
        let (tx, rx) = mpsc::channel();
        let link = Arc::new(Mutex::new(stream.try_clone().ok()));
        let following = Following {
            db: db.to_path_buf(),
            caller: caller.clone(),
            tx,
            wake,
            link: Arc::clone(&link),
        };
        std::thread::spawn(move || following.run(stream));
        Ok(Replica {
            db: db.to_path_buf(),
            caller,
            org: snap.org,
            seq: snap.seq,
            pid: snap.pid,
            login: snap.login,
            connected: true,
            pushed: rx,
            news: Vec::new(),
            link,
        })
    }

    /// Applies everything pushed so far; what happened, in order.
    pub fn update(&mut self) -> Vec<News> {
        while let Ok(p) = self.pushed.try_recv() {
            self.take(p, None);
        }
        std::mem::take(&mut self.news)
    }

    /// Applies one pushed thing; `own` is the change this app just made
    /// (not news to it).
    fn take(&mut self, p: Pushed, own: Option<u64>) {
        match p {
            Pushed::Event(e) => {
                if e.seq <= self.seq {
                    return;
                }
                // An import has no change: the thread attaches again and the
                // new organisation follows.
                if let Some(change) = &e.change {
                    self.org.apply(change);
                    self.seq = e.seq;
                }
                if own != Some(e.seq) {
                    self.news.push(News::Changed {
                        seq: e.seq,
                        operator: e.operator,
                        summary: e.summary,
                    });
                }
            }
            Pushed::Lost(why) => {
                self.connected = false;
                self.news.push(News::Lost(why));
            }
            Pushed::Attached(s) => {
                self.org = s.org;
                self.seq = s.seq;
                self.pid = s.pid;
                if !std::mem::replace(&mut self.connected, true) {
                    self.news.push(News::Reattached { pid: s.pid });
                }
            }
        }
    }

    /// Sends one command, based on the organisation as of `base`; on
    /// success waits (bounded) until its change is in the replica.
    pub fn execute(
        &mut self,
        acting_as: Option<UserId>,
        command: Command,
        base: Option<u64>,
    ) -> Result<Outcome, Refusal> {
        let refused = |message: String| Refusal {
            message,
            fatal: false,
            stale: false,
        };
        if !self.connected {
            return Err(refused(
                "the server is gone; reconnecting — nothing was saved, your edits are kept".into(),
            ));
        }
        let stream = super::connect_or_start(&self.db)
            .ok_or_else(|| refused("cannot reach the server; nothing was saved".into()))?;
        let request = Request::Execute(Execute {
            caller: self.caller.clone(),
            acting_as,
            command,
            base,
        });
        protocol::write(&mut &stream, &request)
            .map_err(|e| refused(format!("the server did not take the command ({e})")))?;
        let outcome = match protocol::read::<Response>(&mut &stream) {
            Ok(Response::Executed(r)) => r?,
            Ok(Response::Refused(why)) => return Err(refused(format!("the server refused: {why}"))),
            Ok(other) => return Err(refused(format!("the server answered {other:?}"))),
            Err(e) => {
                return Err(refused(format!(
                    "the server ended before answering ({e}); whether the change was saved shows when it is back"
                )))
            }
        };
        self.catch_up(outcome.seq);
        Ok(outcome)
    }

    /// Waits until the change `seq` has been pushed (the server pushes it
    /// before it answers, so this is at once in practice).
    fn catch_up(&mut self, seq: u64) {
        let deadline = Instant::now() + OWN_WAIT;
        while self.seq < seq && self.connected {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.pushed.recv_timeout(left) {
                Ok(p) => self.take(p, Some(seq)),
                Err(_) => return,
            }
        }
    }

    /// Asks the server, answering on a connection of its own.
    pub fn ask(&self, request: &Request) -> Result<Response, Refusal> {
        let refused = |message: String| Refusal {
            message,
            fatal: false,
            stale: false,
        };
        let stream = super::connect_or_start(&self.db)
            .ok_or_else(|| refused("cannot reach the server; nothing was done".into()))?;
        protocol::write(&mut &stream, request)
            .map_err(|e| refused(format!("the server did not take the request ({e})")))?;
        protocol::read::<Response>(&mut &stream)
            .map_err(|e| refused(format!("the server ended before answering ({e})")))
    }

    /// The caller this replica sends (test builds: who and when).
    pub fn caller(&self) -> Caller {
        self.caller.clone()
    }

    /// The audit log and the stored head, from the server.
    pub fn audit(&self) -> Result<(Vec<Result<AuditEntry, String>>, Checkpoint), String> {
        let stream = super::connect(&self.db).ok_or("the server is gone")?;
        protocol::write(&mut &stream, &Request::Audit(self.caller.clone()))
            .map_err(|e| e.to_string())?;
        protocol::read_chunked(&stream).map_err(|e| format!("reading the audit log: {e}"))
    }

    /// Usage evidence of `users` (None: everyone) as this app's person,
    /// acting as `acting_as`, may read it: see [`usage`].
    pub fn usage(
        &self,
        acting_as: Option<UserId>,
        users: Option<&[UserId]>,
    ) -> Result<std::collections::BTreeMap<UserId, crate::ops::usage::Usage>, String> {
        usage(&self.db, self.caller.clone(), acting_as, users)
    }
}

/// Asks the server of the database at `db` for the usage evidence of
/// `users` (None: everyone) that its caller (the peer, acting as
/// `acting_as`) may read: people it may not read are left out; someone
/// never seen has an empty `Usage`. See `Request::Usage`.
pub fn usage(
    db: &Path,
    caller: Caller,
    acting_as: Option<UserId>,
    users: Option<&[UserId]>,
) -> Result<std::collections::BTreeMap<UserId, crate::ops::usage::Usage>, String> {
    let stream = super::connect(db).ok_or("no server answers")?;
    let request = Request::Usage {
        caller,
        acting_as,
        users: users.map(<[UserId]>::to_vec),
    };
    protocol::write(&mut &stream, &request).map_err(|e| e.to_string())?;
    protocol::read_chunked(&stream).map_err(|e| format!("reading usage: {e}"))
}

/// The following thread's part: events until the server goes; then a new
/// server, attached to as soon as one answers. Ends when the app is gone.
struct Following {
    db: PathBuf,
    caller: Caller,
    tx: Sender<Pushed>,
    wake: Wake,
    /// Shared with the replica (see there); None: the app is gone.
    link: Arc<Mutex<Option<UnixStream>>>,
}

impl Following {
    fn send(&self, p: Pushed) -> bool {
        let ok = self.tx.send(p).is_ok();
        (self.wake)();
        ok
    }

    fn gone(&self) -> bool {
        self.link
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_none()
    }

    fn run(self, mut stream: UnixStream) {
        loop {
            let lost = loop {
                match protocol::read_limited::<Response>(&mut &stream, &[], protocol::MAX_PUSHED) {
                    Ok(Response::Event(e)) => {
                        let reload = e.change.is_none();
                        if !self.send(Pushed::Event(e)) {
                            return;
                        }
                        if reload {
                            break None;
                        }
                    }
                    Ok(_) => {}
                    Err(e) => break Some(e.to_string()),
                }
            };
            if self.gone() {
                return;
            }
            if let Some(why) = lost {
                if !self.send(Pushed::Lost(why)) {
                    return;
                }
            }
            loop {
                let attached = super::connect_or_start(&self.db)
                    .ok_or_else(|| "no server".to_string())
                    .and_then(|s| attach_on(s, &self.caller));
                match attached {
                    Ok((snap, s)) => {
                        let mut link = self.link.lock().unwrap_or_else(|e| e.into_inner());
                        if link.is_none() {
                            return;
                        }
                        *link = s.try_clone().ok();
                        drop(link);
                        stream = s;
                        if !self.send(Pushed::Attached(Box::new(snap))) {
                            return;
                        }
                        break;
                    }
                    Err(e) => {
                        tracing::info!("reattaching: {e}");
                        if self.gone() {
                            return;
                        }
                        std::thread::sleep(RETRY);
                    }
                }
            }
        }
    }
}
