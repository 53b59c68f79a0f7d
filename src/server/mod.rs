//! The server of one database: it owns the store (and its lock) and runs the
//! command lines its clients send, one at a time through the one
//! [`Session`], as the user bound to the client's OS login — which it takes
//! from the kernel (the socket's peer credentials), never from the request.
//! A thread per connection; writes never wait for another process to let go
//! of the database, and none is refused because another is in progress.

pub mod apps;
pub mod fds;
mod reads;
mod shutdown;

use std::os::fd::OwnedFd;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::ops::{Reads, Session};
use crate::protocol::{self, FrameError, Request, Response, Run};

/// How a server runs.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Exit after this long without a connection (None: run until stopped).
    pub idle_exit: Option<Duration>,
    /// A group whose members may connect (the socket is then 0660, else 0600).
    pub group: Option<String>,
    /// Started by a client: stops when asked while idle (see `Request::Stop`).
    pub auto: bool,
}

/// What runs a client's command line: the CLI, as the peer, on the shared
/// session, with the peer's standard input, output and error.
pub struct Call<'a> {
    pub db: &'a Path,
    pub session: &'a Arc<Mutex<Session>>,
    /// The snapshot checks read without taking the session.
    pub reads: &'a Arc<Reads>,
    pub run: Run,
    /// The peer's login (from its uid), and its uid.
    pub login: String,
    pub uid: u32,
    pub stdin: OwnedFd,
    pub stdout: OwnedFd,
    pub stderr: OwnedFd,
    /// The file the command names, opened by the client (import, export
    /// --output, backup).
    pub file: Option<OwnedFd>,
}

/// A running server's shared state.
struct Shared {
    db: PathBuf,
    session: Arc<Mutex<Session>>,
    /// The attached apps, told of every committed change.
    subs: apps::Subscribers,
    /// Started by a client (stops when asked while idle).
    auto: bool,
    /// The snapshot checks read, published by the session after each commit.
    reads: Arc<Reads>,
    /// Connections being served.
    busy: AtomicUsize,
    last: Mutex<Instant>,
    /// Where the usage evidence the readers note is written (None: it could
    /// not be opened; the evidence stays in memory).
    usage: Option<crate::store::usage::UsageTree>,
}

impl Shared {
    /// Writes the usage evidence not written yet (before the server ends).
    fn flush_usage(&self) {
        shutdown::flush_usage(&self.reads, self.usage.as_ref(), true);
    }
}

/// The socket of the database at `db`.
pub fn socket_path(db: &Path) -> PathBuf {
    db.join(protocol::SOCKET)
}

/// Serves `session` (the open database at `db`) until stopped, or until idle
/// for `options.idle_exit`. Returns when idle; errors are one line.
pub fn serve(db: &Path, mut session: Session, options: &Options) -> Result<(), String> {
    // A client whose reader goes away (`clearance export | head`) must not
    // end the server: writes to its pipe fail with EPIPE instead.
    // SAFETY: setting a signal's disposition to ignore touches no memory.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
    tame_the_allocator();
    let path = socket_path(db);
    // We hold the database's lock, so a socket left here is stale.
    if path.exists() {
        std::fs::remove_file(&path)
            .map_err(|e| format!("cannot remove the stale socket {}: {e}", path.display()))?;
    }
    let listener = UnixListener::bind(&path)
        .map_err(|e| format!("cannot listen on {}: {e}", path.display()))?;
    restrict(&path, options.group.as_deref())?;
    tracing::info!("serving {} on {}", db.display(), path.display());
    let subs = apps::Subscribers::default();
    let told = subs.clone();
    session.observe(Box::new(move |c| told.tell(c)));
    let usage = session
        .usage_tree()
        .map_err(|e| tracing::warn!("cannot open the usage tree: {e}"))
        .ok();
    let shared = Arc::new(Shared {
        db: db.to_path_buf(),
        reads: session.reads(),
        session: Arc::new(Mutex::new(session)),
        subs,
        auto: options.auto,
        busy: AtomicUsize::new(0),
        last: Mutex::new(Instant::now()),
        usage,
    });
    shutdown::start_flusher(Arc::clone(&shared.reads), shared.usage.clone());
    let ending = Arc::clone(&shared);
    let socket = path.clone();
    let caught = shutdown::on_signals(move |signo| {
        let _session = ending.session.lock().unwrap_or_else(|e| e.into_inner());
        ending.flush_usage();
        let _ = std::fs::remove_file(&socket);
        tracing::info!("signal {signo}: the server exits");
        std::process::exit(0);
    });
    if let Err(e) = caught {
        tracing::warn!("cannot catch signals (usage since the last write is lost on one): {e}");
    }
    if let Some(idle) = options.idle_exit {
        let watched = Arc::clone(&shared);
        let path = path.clone();
        std::thread::spawn(move || watch_idle(&watched, idle, &path));
    }
    for conn in listener.incoming() {
        match conn {
            Ok(stream) => {
                let shared = Arc::clone(&shared);
                shared.busy.fetch_add(1, Ordering::SeqCst);
                std::thread::spawn(move || {
                    if let Err(e) = connection(&shared, stream) {
                        tracing::info!("a connection ended: {e}");
                    }
                    *shared.last.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
                    shared.busy.fetch_sub(1, Ordering::SeqCst);
                });
            }
            Err(e) => tracing::warn!("accept failed: {e}"),
        }
    }
    Ok(())
}

/// A server allocates from a thread per connection, and each commit
/// replaces megabytes (the access table, records): glibc's allocator would
/// keep an arena per thread and raise its mmap threshold to the largest
/// block freed, and the freed megabytes would stay in the process. Two
/// arenas, and blocks of 256 KiB or more mapped and unmapped on their own,
/// keep the server near what it holds.
fn tame_the_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets the allocator's parameters (under its own
    // lock), before the server's connections start.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
    }
}

/// The socket's mode: 0600, or 0660 with `group` as its group — and then
/// the database directory lets that group reach the socket (0710: search
/// only; every file in it stays the service account's, 0600).
fn restrict(path: &Path, group: Option<&str>) -> Result<(), String> {
    let mode = if group.is_some() { 0o660 } else { 0o600 };
    if let Some(g) = group {
        let gid = rustix::fs::Gid::from_raw(gid_of(g)?);
        rustix::fs::chown(path, None, Some(gid))
            .map_err(|e| format!("cannot give the socket to group {g}: {e}"))?;
        if let Some(dir) = path.parent() {
            rustix::fs::chown(dir, None, Some(gid))
                .map_err(|e| format!("cannot give the database directory to group {g}: {e}"))?;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o710))
                .map_err(|e| format!("cannot open the database directory to group {g}: {e}"))?;
        }
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| format!("cannot restrict the socket: {e}"))
}

/// Ends the process once nothing has connected for `idle` and nothing is
/// being served; the session's lock is taken first, so no command is cut.
fn watch_idle(shared: &Shared, idle: Duration, path: &Path) {
    loop {
        std::thread::sleep(Duration::from_millis(200).min(idle));
        // A server nobody can reach any more (its socket, or its whole
        // database directory, was removed) has nothing left to serve.
        if !path.exists() {
            let _session = shared.session.lock().unwrap_or_else(|e| e.into_inner());
            shared.flush_usage();
            tracing::info!("{} is gone: the server exits", path.display());
            std::process::exit(0);
        }
        let last = *shared.last.lock().unwrap_or_else(|e| e.into_inner());
        if shared.busy.load(Ordering::SeqCst) == 0 && last.elapsed() >= idle {
            let _session = shared.session.lock().unwrap_or_else(|e| e.into_inner());
            if shared.busy.load(Ordering::SeqCst) == 0 {
                shared.flush_usage();
                let _ = std::fs::remove_file(path);
                tracing::info!("idle for {idle:?}: the server exits");
                std::process::exit(0);
            }
        }
    }
}

/// One connection: one request, one answer.
fn connection(shared: &Shared, stream: UnixStream) -> Result<(), FrameError> {
    let cred = rustix::net::sockopt::socket_peercred(&stream).map_err(std::io::Error::from)?;
    let (first, passed) = fds::recv_with_fds(&stream)?;
    if first.is_empty() {
        return Err(FrameError::Closed);
    }
    let request = match protocol::read_after::<Request>(&mut &stream, &first) {
        Ok(r) => r,
        Err(e @ (FrameError::Closed | FrameError::Io(_))) => return Err(e),
        Err(e) => {
            // Say why, then hang up; the server goes on serving others.
            let _ = protocol::write(&mut &stream, &Response::Refused(e.to_string()));
            return Err(e);
        }
    };
    let hooks = cfg!(feature = "test-hooks");
    let uid = cred.uid.as_raw();
    let response = match request {
        Request::Ping => Response::Pong {
            pid: std::process::id(),
        },
        Request::Run(run) => run_command(shared, uid, run, passed),
        Request::Check(check) => {
            let mut peer = reads::Peer::new(login_of_uid(uid));
            let early = protocol::past_first_frame(&first);
            return reads::serve_checks(&shared.reads, &stream, &mut peer, check, early);
        }
        Request::Attach(caller) => {
            return match login_of_uid(uid) {
                Ok(p) => {
                    let (login, clock) = apps::resolve(hooks, p, &caller);
                    let usage = shared.reads.usage();
                    apps::attach(&shared.session, &shared.subs, usage, &stream, login, clock)
                }
                Err(e) => protocol::write(&mut &stream, &Response::Refused(e)),
            };
        }
        Request::Audit(caller) => {
            return match login_of_uid(uid) {
                Ok(p) => {
                    let (login, clock) = apps::resolve(hooks, p, &caller);
                    apps::audit(&shared.session, &stream, login, clock)
                }
                Err(e) => protocol::write(&mut &stream, &Response::Refused(e)),
            };
        }
        Request::Stop => return stop(shared, uid, &stream),
        Request::Usage {
            caller,
            acting_as,
            users,
        } => {
            return match login_of_uid(uid) {
                Ok(p) => {
                    let (login, clock) = apps::resolve(hooks, p, &caller);
                    let users = users.as_deref();
                    apps::usage(&shared.session, &stream, login, clock, acting_as, users)
                }
                Err(e) => protocol::write(&mut &stream, &Response::Refused(e)),
            };
        }
        Request::KioskSignIn {
            caller,
            person,
            pin,
        } => match login_of_uid(uid) {
            Ok(p) => {
                let (login, clock) = apps::resolve(hooks, p, &caller);
                apps::sign_in(
                    &shared.session,
                    shared.reads.usage(),
                    login,
                    clock,
                    &person,
                    &pin,
                )
            }
            Err(e) => Response::Refused(e),
        },
        Request::KioskSignOut { caller, user, idle } => match login_of_uid(uid) {
            Ok(p) => {
                let (login, clock) = apps::resolve(hooks, p, &caller);
                apps::sign_out(&shared.session, login, clock, user, idle)
            }
            Err(e) => Response::Refused(e),
        },
        Request::Execute(x) => match login_of_uid(uid) {
            Ok(p) => {
                let (login, clock) = apps::resolve(hooks, p, &x.caller);
                apps::execute(&shared.session, shared.reads.usage(), login, clock, x)
            }
            Err(e) => Response::Refused(e),
        },
    };
    protocol::write(&mut &stream, &response)?;
    Ok(())
}

/// Stops a server a client started, when its own user asks and no one
/// else is connected: the session is taken (no command is cut), the socket
/// removed, the answer sent, and the process ends, letting go of the lock.
fn stop(shared: &Shared, uid: u32, stream: &UnixStream) -> Result<(), FrameError> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    let own = uid == unsafe { libc::geteuid() };
    let why = if !shared.auto {
        Some("it was started with 'clearance serve'; stop it there (or with its service manager)")
    } else if !own {
        Some("only its own OS user may stop it")
    } else if shared.busy.load(Ordering::SeqCst) > 1 || shared.subs.count() > 0 {
        Some("others are using it")
    } else {
        None
    };
    if let Some(why) = why {
        let pid = std::process::id();
        let msg = format!("a server runs this database (pid {pid}) and cannot stop now: {why}");
        return protocol::write(&mut &*stream, &Response::Refused(msg));
    }
    let _session = shared.session.lock().unwrap_or_else(|e| e.into_inner());
    shared.flush_usage();
    let _ = std::fs::remove_file(socket_path(&shared.db));
    protocol::write(
        &mut &*stream,
        &Response::Stopping {
            pid: std::process::id(),
        },
    )?;
    tracing::info!("stopped at a client's request");
    std::process::exit(0);
}

/// Runs a client's command line with the descriptors it passed.
fn run_command(shared: &Shared, uid: u32, run: Run, passed: Vec<OwnedFd>) -> Response {
    let count = passed.len();
    let mut passed = passed.into_iter();
    let (Some(stdin), Some(stdout), Some(stderr), file) =
        (passed.next(), passed.next(), passed.next(), passed.next())
    else {
        return Response::Refused(format!(
            "a command needs the client's standard input, output and error ({count} passed)"
        ));
    };
    match login_of_uid(uid) {
        Ok(login) => Response::Exit(crate::cli::run_served(Call {
            db: &shared.db,
            session: &shared.session,
            reads: &shared.reads,
            run,
            login,
            uid,
            stdin,
            stdout,
            stderr,
            file,
        })),
        Err(e) => Response::Refused(e),
    }
}

/// The login name of `uid`, from the password database.
pub fn login_of_uid(uid: u32) -> Result<String, String> {
    let mut buf = vec![0 as libc::c_char; 16384];
    // SAFETY: an all-zero passwd is a valid value for getpwuid_r to fill.
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut result: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: getpwuid_r writes into our buffers; we read pw_name only when it succeeded.
    let rc = unsafe { libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr(), buf.len(), &mut result) };
    if rc != 0 || result.is_null() {
        return Err(format!("cannot find the login name of uid {uid}"));
    }
    // SAFETY: on success pw_name points into `buf`, NUL-terminated.
    let name = unsafe { std::ffi::CStr::from_ptr(pwd.pw_name) };
    Ok(name.to_string_lossy().into_owned())
}

/// The id of group `name`.
pub fn gid_of(name: &str) -> Result<u32, String> {
    let cname = std::ffi::CString::new(name).map_err(|_| format!("bad group name {name:?}"))?;
    let mut buf = vec![0 as libc::c_char; 16384];
    // SAFETY: an all-zero group is a valid value for getgrnam_r to fill.
    let mut grp: libc::group = unsafe { std::mem::zeroed() };
    let mut result: *mut libc::group = std::ptr::null_mut();
    // SAFETY: getgrnam_r writes into our buffers; we read gr_gid only when it succeeded.
    let rc = unsafe {
        libc::getgrnam_r(
            cname.as_ptr(),
            &mut grp,
            buf.as_mut_ptr(),
            buf.len(),
            &mut result,
        )
    };
    if rc != 0 || result.is_null() {
        return Err(format!("no group named {name:?}"));
    }
    Ok(grp.gr_gid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uids_map_to_logins_through_the_password_database() {
        assert_eq!(login_of_uid(0).as_deref(), Ok("root"));
        assert!(login_of_uid(4_000_000_000)
            .unwrap_err()
            .contains("uid 4000000000"));
        assert_eq!(gid_of("root"), Ok(0));
        assert!(gid_of("no-such-group-here").is_err());
    }
}
