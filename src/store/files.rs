//! The database directory's files, below sled: leftovers of an interrupted
//! run removed before sled opens.

use std::path::Path;

use super::StoreError;

/// Removes `snap.*.generating` files from sled's directory. sled 0.34.7
/// writes a snapshot to `snap.N.generating` on every open and renames it
/// when complete; a kill while it is being written leaves it behind, and
/// the next open takes it for the newest snapshot, fails its checksum and
/// refuses to open ("Read corrupted data at file offset None") although
/// every acknowledged write is intact in the log. Call only with our lock
/// held, before sled opens: then no process can be writing such a file.
/// Returns the names removed.
pub(super) fn remove_incomplete_snapshots(sled_dir: &Path) -> Result<Vec<String>, StoreError> {
    let entries = match std::fs::read_dir(sled_dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(StoreError::Storage(format!(
                "cannot read {}: {e}",
                sled_dir.display()
            )))
        }
    };
    let mut removed = Vec::new();
    for entry in entries {
        let entry = entry
            .map_err(|e| StoreError::Storage(format!("cannot read {}: {e}", sled_dir.display())))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !(name.starts_with("snap.") && name.ends_with(".generating")) {
            continue;
        }
        let path = entry.path();
        std::fs::remove_file(&path).map_err(|e| {
            StoreError::Storage(format!(
                "cannot remove the incomplete snapshot {}: {e}",
                path.display()
            ))
        })?;
        tracing::warn!(
            file = %path.display(),
            "removed an incomplete sled snapshot left by an interrupted run"
        );
        removed.push(name);
    }
    Ok(removed)
}
