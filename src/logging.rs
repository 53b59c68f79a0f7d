//! Logs go to a file beside the database, never to the screen.

use std::path::Path;

/// Starts file logging in the database directory when it exists. Failure to
/// log is not a reason to fail the command.
pub fn init(db: &Path) {
    if !db.is_dir() {
        return;
    }
    let appender = tracing_appender::rolling::never(db, "clearance.log");
    let _ = tracing_subscriber::fmt()
        .with_writer(appender)
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .try_init();
}
