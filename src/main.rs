fn main() {
    // Behave like other command-line tools when output is piped into `head`:
    // end quietly on a closed pipe instead of panicking.
    // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    std::process::exit(clearance::cli::main());
}
