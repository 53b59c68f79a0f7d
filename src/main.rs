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
    // A failure nobody planned for (sled unwraps some I/O errors inside,
    // e.g. an fsync that fails with EIO) is reported in one line, with no
    // backtrace, and the details go to the log; the process exits 2 like
    // every other error. The app's own hook restores the terminal first.
    std::panic::set_hook(Box::new(report_panic));
    let code = std::panic::catch_unwind(clearance::cli::main).unwrap_or(2);
    std::process::exit(code);
}

fn report_panic(info: &std::panic::PanicHookInfo<'_>) {
    use std::io::Write;
    use std::sync::atomic::{AtomicBool, Ordering};
    static REPORTED: AtomicBool = AtomicBool::new(false);
    let what = info
        .payload()
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| info.payload().downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown".into());
    let place = info
        .location()
        .map(|l| format!(" at {}:{}", l.file(), l.line()))
        .unwrap_or_default();
    tracing::error!("internal failure{place}: {what}");
    if REPORTED.swap(true, Ordering::SeqCst) {
        return;
    }
    let line = format!(
        "error: internal failure ({}); the last change may not be saved: 'clearance doctor' checks the database\n",
        clearance::domain::text::sanitize(&what)
    );
    // Written whole or not at all: stderr may be gone.
    let _ = std::io::stderr().write_all(line.as_bytes());
}
