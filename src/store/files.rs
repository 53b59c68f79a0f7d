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

/// fsyncs a directory, so that files created, renamed or removed in it
/// survive a power cut (a file's own fsync does not cover its name).
pub fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| {
            StoreError::Storage(format!("cannot sync the directory {}: {e}", dir.display()))
        })
}

/// Creates the database directory if absent: private (0700) whatever the
/// umask, its parent synced so that the new name is durable. Returns whether
/// it was created.
pub(super) fn create_db_dir(path: &Path) -> Result<bool, StoreError> {
    use std::os::unix::fs::DirBuilderExt;
    if path.is_dir() {
        return Ok(false);
    }
    let cannot =
        |e: std::io::Error| StoreError::Storage(format!("cannot create {}: {e}", path.display()));
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(cannot)?;
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(path)
        .map_err(cannot)?;
    set_mode(path, 0o700)?;
    sync_dir(parent)?;
    Ok(true)
}

fn set_mode(path: &Path, mode: u32) -> Result<(), StoreError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| StoreError::Storage(format!("cannot make {} private: {e}", path.display())))
}

/// Makes a database directory private whatever the umask its files were
/// created under (a database made by an older build, or by a library caller
/// with a loose umask): the directory 0700, our lock and log files 0600,
/// sled's directory and everything in it. Nothing else in the directory is
/// touched: it may be one the user chose.
pub(super) fn make_db_private(path: &Path, sled_dir: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::PermissionsExt;
    for (p, want) in [
        (path.to_path_buf(), 0o700),
        (path.join(super::lock::LOCK_FILE), 0o600),
        (path.join("clearance.log"), 0o600),
    ] {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if !m.file_type().is_symlink() && m.permissions().mode() & 0o777 != want => {
                set_mode(&p, want)?
            }
            _ => {}
        }
    }
    if sled_dir.is_dir() {
        make_private(sled_dir)?;
    }
    Ok(())
}

/// Makes a directory 0700 and everything in it private (files 0600,
/// directories 0700, recursively), whatever the umask they were created
/// under. Symbolic links are left alone.
fn make_private(dir: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::symlink_metadata(dir)
        .map_err(|e| StoreError::Storage(format!("cannot read {}: {e}", dir.display())))?;
    if meta.permissions().mode() & 0o777 != 0o700 {
        set_mode(dir, 0o700)?;
    }
    let entries = std::fs::read_dir(dir)
        .map_err(|e| StoreError::Storage(format!("cannot read {}: {e}", dir.display())))?;
    for entry in entries {
        let entry = entry
            .map_err(|e| StoreError::Storage(format!("cannot read {}: {e}", dir.display())))?;
        let path = entry.path();
        let kind = entry
            .file_type()
            .map_err(|e| StoreError::Storage(format!("cannot read {}: {e}", path.display())))?;
        if kind.is_dir() {
            make_private(&path)?;
        } else if kind.is_file() {
            let mode = entry
                .metadata()
                .map_err(|e| StoreError::Storage(format!("cannot read {}: {e}", path.display())))?
                .permissions()
                .mode();
            if mode & 0o777 != 0o600 {
                set_mode(&path, 0o600)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn sync_dir_syncs_a_directory_and_names_a_missing_one() {
        let dir = tempfile::tempdir().unwrap();
        sync_dir(dir.path()).unwrap();
        let missing = dir.path().join("gone");
        let err = sync_dir(&missing).unwrap_err().to_string();
        assert!(
            err.contains("cannot sync the directory") && err.contains("gone"),
            "{err}"
        );
    }

    #[test]
    fn create_db_dir_makes_a_private_directory_once() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("a/db");
        assert!(create_db_dir(&db).unwrap());
        assert_eq!(mode(&db), 0o700);
        assert!(!create_db_dir(&db).unwrap());
    }

    #[test]
    fn make_private_tightens_files_and_directories_below() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        std::fs::set_permissions(&sub, std::fs::Permissions::from_mode(0o755)).unwrap();
        let f = sub.join("f");
        std::fs::write(&f, b"x").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o666)).unwrap();
        make_private(dir.path()).unwrap();
        assert_eq!(mode(dir.path()), 0o700);
        assert_eq!(mode(&sub), 0o700);
        assert_eq!(mode(&f), 0o600);
    }
}
