//! Backup and restore: every tree, the audit chain and its head included,
//! copied item by item through the store under its lock (so no other
//! process writes meanwhile: the copy is consistent), into one file that
//! ends with its own SHA-256. A restore goes into a new database, built in
//! a sibling directory and renamed into place only once it is complete,
//! synced, and its stored state matches its audit log.
//!
//! File: `MAGIC`, the tree names (u8 count, then u8 length + name each),
//! then items `[u8 tree][u32 key length][key][u32 value length][value]`
//! (lengths big-endian), then `0xFF`, the item count (u64) and the SHA-256
//! of every byte before it.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::*;

const MAGIC: &[u8] = b"clearance-backup v1\n";
const END: u8 = 0xFF;
/// No key or value the store writes comes near this.
const MAX_ITEM: u32 = 16 * 1024 * 1024;

/// What a backup or restore copied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackupSummary {
    pub items: u64,
    pub head: Checkpoint,
}

/// Writes through to `inner` and hashes what it writes.
struct Hashing<W> {
    inner: W,
    hash: Sha256,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Reads from `inner` and hashes what it reads.
struct Verifying<R> {
    inner: R,
    hash: Sha256,
}

impl<R: Read> Verifying<R> {
    fn bytes(&mut self, n: usize) -> Result<Vec<u8>, StoreError> {
        let mut buf = vec![0u8; n];
        self.inner.read_exact(&mut buf).map_err(|e| {
            if e.kind() == std::io::ErrorKind::UnexpectedEof {
                bad("it ends too soon (cut short?)")
            } else {
                StoreError::Storage(format!("cannot read the backup: {e}"))
            }
        })?;
        self.hash.update(&buf);
        Ok(buf)
    }
    fn u8(&mut self) -> Result<u8, StoreError> {
        Ok(self.bytes(1)?[0])
    }
    fn u32(&mut self) -> Result<u32, StoreError> {
        let b = self.bytes(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
}

fn bad(why: &str) -> StoreError {
    StoreError::Storage(format!("not a usable clearance backup: {why}"))
}

fn io(what: &Path) -> impl Fn(std::io::Error) -> StoreError + '_ {
    move |e| StoreError::Storage(format!("cannot write {}: {e}", what.display()))
}

impl Store {
    /// Writes a backup of every tree to `file` (through `file.tmp`, synced
    /// and renamed, so a backup that exists is complete).
    pub fn backup(&self, file: &Path) -> Result<BackupSummary, StoreError> {
        let tmp = PathBuf::from(format!("{}.tmp", file.display()));
        let f = std::fs::File::create(&tmp).map_err(io(&tmp))?;
        let mut w = Hashing {
            inner: std::io::BufWriter::new(f),
            hash: Sha256::new(),
        };
        let result = self.write_backup(&mut w, &tmp);
        let result = result.and_then(|items| {
            let digest: [u8; 32] = w.hash.clone().finalize().into();
            w.inner.write_all(&digest).map_err(io(&tmp))?;
            let f = w.inner.into_inner().map_err(|e| io(&tmp)(e.into_error()))?;
            f.sync_all().map_err(io(&tmp))?;
            std::fs::rename(&tmp, file).map_err(io(file))?;
            let parent = file
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            files::sync_dir(parent)?;
            Ok(items)
        });
        match result {
            Ok(items) => Ok(BackupSummary {
                items,
                head: self.head,
            }),
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                Err(e)
            }
        }
    }

    /// [`Store::backup`] into a file its caller opened (a server's client,
    /// which then puts it in place): written, digested and synced.
    pub fn backup_into(
        &self,
        file: std::fs::File,
        name: &Path,
    ) -> Result<BackupSummary, StoreError> {
        let mut w = Hashing {
            inner: std::io::BufWriter::new(file),
            hash: Sha256::new(),
        };
        let items = self.write_backup(&mut w, name)?;
        let digest: [u8; 32] = w.hash.clone().finalize().into();
        w.inner.write_all(&digest).map_err(io(name))?;
        let f = w.inner.into_inner().map_err(|e| io(name)(e.into_error()))?;
        f.sync_all().map_err(io(name))?;
        Ok(BackupSummary {
            items,
            head: self.head,
        })
    }

    fn write_backup(&self, w: &mut impl Write, tmp: &Path) -> Result<u64, StoreError> {
        let put = |w: &mut dyn Write, b: &[u8]| w.write_all(b).map_err(io(tmp));
        put(w, MAGIC)?;
        put(w, &[TREE_NAMES.len() as u8])?;
        for name in TREE_NAMES {
            put(w, &[name.len() as u8])?;
            put(w, name.as_bytes())?;
        }
        let mut items = 0u64;
        for (i, tree) in self.trees.iter().enumerate() {
            for kv in tree.iter() {
                let (k, v) = kv.map_err(storage)?;
                // The generation of the record trees is this database's own:
                // a restore writes its first.
                if i == T_META && k.as_ref() == K_GENERATION {
                    continue;
                }
                put(w, &[i as u8])?;
                put(w, &(k.len() as u32).to_be_bytes())?;
                put(w, &k)?;
                put(w, &(v.len() as u32).to_be_bytes())?;
                put(w, &v)?;
                items += 1;
            }
        }
        put(w, &[END])?;
        put(w, &items.to_be_bytes())?;
        Ok(items)
    }

    /// Restores a backup into `path`, which must not exist or be an empty
    /// directory. Nothing appears at `path` unless the whole backup was
    /// read, its checksum matched, and the restored store loads with its
    /// state matching what its audit log seals and derives.
    pub fn restore(path: &Path, holder: &str, file: &Path) -> Result<BackupSummary, StoreError> {
        // This run's own log file may already be there.
        let log = path.join("clearance.log");
        if let Ok(entries) = std::fs::read_dir(path) {
            if entries
                .filter_map(Result::ok)
                .any(|e| e.file_name() != "clearance.log")
            {
                return Err(StoreError::Refused(format!(
                    "{} is not empty: restore into a new database directory",
                    path.display()
                )));
            }
        } else if path.exists() {
            return Err(StoreError::Refused(format!(
                "{} exists and is not a directory",
                path.display()
            )));
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "db".into());
        let staging = path.with_file_name(format!(".{name}.restoring-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&staging);
        let result = Self::restore_into(&staging, holder, file);
        let result = result.and_then(|summary| {
            if log.exists() {
                std::fs::rename(&log, staging.join("clearance.log")).map_err(io(&log))?;
            }
            if path.exists() {
                std::fs::remove_dir(path).map_err(io(path))?;
            }
            std::fs::rename(&staging, path).map_err(io(path))?;
            let parent = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            files::sync_dir(parent)?;
            Ok(summary)
        });
        if result.is_err() {
            let _ = std::fs::remove_dir_all(&staging);
        }
        result
    }

    fn restore_into(
        staging: &Path,
        holder: &str,
        file: &Path,
    ) -> Result<BackupSummary, StoreError> {
        let f = std::fs::File::open(file)
            .map_err(|e| StoreError::Storage(format!("cannot read {}: {e}", file.display())))?;
        let mut r = Verifying {
            inner: std::io::BufReader::new(f),
            hash: Sha256::new(),
        };
        if r.bytes(MAGIC.len())? != MAGIC {
            return Err(bad("it does not start as one"));
        }
        let mut names = Vec::new();
        for _ in 0..r.u8()? {
            let n = r.u8()? as usize;
            let name =
                String::from_utf8(r.bytes(n)?).map_err(|_| bad("a tree name is not text"))?;
            let index = TREE_NAMES.iter().position(|t| *t == name).ok_or_else(|| {
                bad(&format!(
                    "unknown tree '{}'",
                    crate::domain::text::sanitize(&name)
                ))
            })?;
            names.push(index);
        }
        let store = Store::open(staging, holder)?;
        let mut items = 0u64;
        loop {
            let t = r.u8()?;
            if t == END {
                break;
            }
            let tree = *names
                .get(t as usize)
                .ok_or_else(|| bad("an item names no tree"))?;
            let klen = r.u32()?;
            if klen > MAX_ITEM {
                return Err(bad("an item is too long"));
            }
            let k = r.bytes(klen as usize)?;
            let vlen = r.u32()?;
            if vlen > MAX_ITEM {
                return Err(bad("an item is too long"));
            }
            let v = r.bytes(vlen as usize)?;
            if tree == T_META && k == K_GENERATION {
                return Err(bad("it names a generation of the record trees"));
            }
            store.trees[tree].insert(k, v).map_err(storage)?;
            items += 1;
        }
        let count = r.bytes(8)?;
        let expected: [u8; 32] = r.hash.clone().finalize().into();
        let mut digest = [0u8; 32];
        r.inner
            .read_exact(&mut digest)
            .map_err(|_| bad("it ends too soon (cut short?)"))?;
        if digest != expected {
            return Err(bad("its checksum does not match (damaged or edited)"));
        }
        let mut rest = [0u8; 1];
        if r.inner.read(&mut rest).map_err(storage)? != 0 {
            return Err(bad("bytes follow its checksum"));
        }
        if u64::from_be_bytes(count.try_into().unwrap_or_default()) != items {
            return Err(bad("its item count does not match"));
        }
        store.sync().map_err(StoreError::Storage)?;
        drop(store);
        // Reopen as any command would: the head, the seal, the replay.
        let store = Store::open(staging, holder)?;
        store.load()?;
        let v = store.verify_all(None)?;
        if !v.ok() {
            return Err(bad(&format!(
                "the restored audit log does not verify: {}",
                v.problems.join("; ")
            )));
        }
        Ok(BackupSummary {
            items,
            head: store.head,
        })
    }
}
