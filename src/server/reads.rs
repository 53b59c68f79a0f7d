//! Checks answered from the read snapshot: many per connection, pipelined,
//! never taking the session, so that a check never waits for a write.
//! Each is authorized as `clearance check` authorizes it: the peer checks
//! itself always, anyone else only where it may read that person's access
//! or authorizations (the domain's read rule). An allowed check is noted
//! as usage evidence of its subject (see `ops::usage`), in memory.

use std::io::{BufReader, BufWriter, Read, Write};
use std::os::unix::net::UnixStream;
use std::sync::{Arc, Weak};

use chrono::{DateTime, Utc};

use crate::domain::conditions::RecordConditions;
use crate::domain::engine::{self, Requirement};
use crate::domain::read::{self, Subject};
use crate::domain::rules;
use crate::domain::users::UserId;
use crate::ops::{Reads, Snapshot};
use crate::protocol::{self, Check, FrameError, Request, Response};

/// Who asks, as the kernel says, and what this connection last learnt
/// about them.
pub(super) struct Peer {
    pub login: Result<String, String>,
    /// The snapshot, login and user of the last authorized check: the next
    /// one by the same login on the same snapshot needs no new look-up. (A
    /// weak reference: an idle connection keeps no old organisation.)
    known: Option<(Weak<Snapshot>, String, UserId, bool)>,
}

impl Peer {
    pub fn new(login: Result<String, String>) -> Peer {
        Peer { login, known: None }
    }
}

/// Answers `first` and every check after it on `stream` until the client
/// hangs up; `early` is what the client sent past the first frame before the
/// server read it. Answers are written in batches: whenever no request is
/// waiting to be read.
pub(super) fn serve_checks(
    reads: &Reads,
    stream: &UnixStream,
    peer: &mut Peer,
    first: Check,
    early: &[u8],
) -> Result<(), FrameError> {
    let mut input = BufReader::with_capacity(64 * 1024, early.chain(stream));
    let mut output = BufWriter::with_capacity(64 * 1024, stream);
    let mut next = Some(first);
    while let Some(check) = next.take() {
        let answer = match answer(reads, peer, &check) {
            Ok(allowed) => Response::Checked { allowed },
            Err(why) => Response::Refused(why),
        };
        output.write_all(&protocol::encode(&answer)?)?;
        if input.buffer().is_empty() {
            output.flush()?;
        }
        next = match protocol::read::<Request>(&mut input) {
            Ok(Request::Check(c)) => Some(c),
            Err(FrameError::Closed) => None,
            Ok(_) => {
                let why = "after a check, a connection takes only checks".to_string();
                output.write_all(&protocol::encode(&Response::Refused(why))?)?;
                None
            }
            Err(e @ FrameError::Io(_)) => return Err(e),
            Err(e) => {
                output.write_all(&protocol::encode(&Response::Refused(e.to_string()))?)?;
                None
            }
        };
    }
    output.flush()?;
    Ok(())
}

/// The login and instant a check runs as: the peer's and the clock's, or in
/// test builds those the test states.
fn caller(peer: &Peer, check: &Check) -> Result<(String, DateTime<Utc>), String> {
    let hooks = cfg!(feature = "test-hooks");
    let now = check
        .test_now
        .as_deref()
        .filter(|_| hooks)
        .and_then(crate::cli::parse_test_now)
        .unwrap_or_else(Utc::now);
    match check.test_login.as_ref().filter(|_| hooks) {
        Some(l) => Ok((l.clone(), now)),
        None => peer.login.clone().map(|l| (l, now)),
    }
}

/// One check: allowed or not, or why it was not decided.
fn answer(reads: &Reads, peer: &mut Peer, check: &Check) -> Result<bool, String> {
    let (login, at) = caller(peer, check)?;
    let snap = reads.at(at);
    let org = &snap.org;
    let me = viewer(peer, &snap, &login, at)?;
    let u = org.resolve_user(&check.user).map_err(|e| e.to_string())?;
    if me.0 != u.id && !me.1 {
        let me = org.user(me.0).map_err(|e| e.to_string())?;
        read::require_holder(org, me, Subject::Users, u.id, at)
            .or_else(|_| read::require_holder(org, me, Subject::Authorizations, u.id, at))
            .map_err(|e| e.to_string())?;
    }
    let pi = org
        .catalog()
        .resolve(&check.permission)
        .map_err(|e| e.to_string())?;
    let scale = &org.catalog().get(pi).scale;
    let required = engine::required_level(
        scale,
        &Requirement {
            level: check.level.clone(),
            relations: check.relations.clone(),
        },
    )
    .map_err(|e| e.to_string())?;
    let cond = RecordConditions::parse(check.record_age.as_deref(), check.record_state.as_deref())
        .map_err(|e| e.to_string())?;
    let allowed = snap.decide(u, pi, required, &cond, at);
    if allowed {
        reads.usage().allowed(u.id, &org.catalog().get(pi).key, at);
    }
    Ok(allowed)
}

/// The user bound to `login`, as `clearance check` finds its operator, and
/// whether they may read everyone's access (then no per-check look-up).
fn viewer(
    peer: &mut Peer,
    snap: &Arc<Snapshot>,
    login: &str,
    at: DateTime<Utc>,
) -> Result<(UserId, bool), String> {
    if let Some((s, l, id, all)) = &peer.known {
        if std::ptr::eq(s.as_ptr(), Arc::as_ptr(snap)) && l == login && snap.table.covers(at) {
            return Ok((*id, *all));
        }
    }
    let org = &snap.org;
    let op = org
        .user_by_login(login)
        .filter(|u| u.holds_access(at, org.zone()))
        .ok_or_else(|| crate::ops::OpsError::NotBound(login.to_string()).to_string())?;
    let actor = rules::actor(org, op.id, None, at).map_err(|e| e.to_string())?;
    let me = org.user(actor.effective()).map_err(|e| e.to_string())?;
    let all = read::require_all(org, me, Subject::Users, at).is_ok()
        || read::require_all(org, me, Subject::Authorizations, at).is_ok();
    peer.known = Some((Arc::downgrade(snap), login.to_string(), me.id, all));
    Ok((me.id, all))
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use chrono::TimeZone;

    use super::*;
    use crate::client::checks::Checks;
    use crate::domain::command::{Command, NewUser};
    use crate::ops::{FixedClock, Session};

    fn session(dir: &std::path::Path) -> Session {
        let preset = crate::presets::load("maintenance").unwrap();
        let admin = NewUser {
            given: "Ada".into(),
            family: "Admin".into(),
            email: None,
            login: None,
            roles: vec![],
            access_until: None,
        };
        let now = Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap();
        Session::init(dir, "ada", Box::new(FixedClock(now)), &preset, "Org", admin).unwrap()
    }

    fn ask(user: &str, permission: &str) -> Check {
        Check {
            user: user.into(),
            permission: permission.into(),
            ..Check::default()
        }
    }

    /// Serves one connection's checks on a thread; the client's end.
    fn connection(reads: Arc<Reads>) -> (Checks, std::thread::JoinHandle<()>) {
        let (client, server) = UnixStream::pair().unwrap();
        let served = std::thread::spawn(move || {
            let Ok(Request::Check(first)) = protocol::read::<Request>(&mut &server) else {
                return;
            };
            let mut peer = Peer::new(Ok("ada".into()));
            serve_checks(&reads, &server, &mut peer, first, &[]).unwrap();
        });
        (Checks::over(client), served)
    }

    #[test]
    fn checks_are_answered_while_the_session_is_held_and_see_each_commit() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = session(dir.path());
        let reads = s.reads();
        let shared = Arc::new(Mutex::new(s));
        let (mut checks, served) = connection(Arc::clone(&reads));
        {
            // A long write holds the session: checks do not wait for it.
            let _writing = shared.lock().unwrap();
            let many: Vec<Check> = (0..1000).map(|_| ask("ada", "users.manage")).collect();
            let answers = checks.run(&many).unwrap();
            assert!(answers.iter().all(|a| a == &Ok(true)), "{:?}", answers[0]);
            assert!(checks.one(&ask("nobody", "users.manage")).unwrap().is_err());
        }
        let mut s = shared.lock().unwrap();
        let actor = s.actor(None).unwrap();
        let add = |i: u32| {
            Command::AddUser(NewUser {
                given: "Pia".into(),
                family: format!("Holm {i}"),
                email: None,
                login: Some(format!("pia{i}")),
                roles: vec![],
                access_until: None,
            })
        };
        s.execute(actor, add(0)).unwrap();
        assert_eq!(checks.one(&ask("pia0", "users.manage")).unwrap(), Ok(false));
        // Commits through the spare organisation (and one while a reader
        // holds it, which copies) leave the session's organisation as the
        // store has it.
        let mut held = None;
        for i in 1..6 {
            match i {
                2 => held = Some(reads.at(Utc::now())),
                4 => held = None,
                _ => {}
            }
            s.execute(actor, add(i)).unwrap();
            assert_eq!(*s.org(), s.store().load().unwrap().unwrap());
            assert_eq!(*reads.at(Utc::now()).org, *s.org());
        }
        assert!(held.is_none());
        drop(checks);
        served.join().unwrap();
    }
}
