fn main() {
    // Behave like other command-line tools when output is piped into `head`:
    // end quietly on a closed pipe instead of panicking.
    // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // Everything clearance creates holds personal data: the database, its
    // lock and log files, exports. Private to the user whatever the umask
    // (the store also tightens what an earlier run left looser).
    // SAFETY: umask only sets this process's file-creation mask; no memory is involved.
    unsafe {
        libc::umask(0o077);
    }
    std::process::exit(clearance::cli::main());
}
