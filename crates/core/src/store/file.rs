//! Sessions in files, for the processes of one machine (and the CLI): one
//! JSON file per session, written atomically (a temporary file renamed over
//! it), readable by its owner only, with `flock` advisory locks (through
//! `fs4`) for the swap and for the refresh lease.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use super::{SessionStore, StoreError, StoreErrorKind, StoreFuture, Stored};

/// Sessions kept in a folder, shared by the processes of one machine.
///
/// - The folder is created with mode 0700, and each record file with 0600.
///   A folder or record file that others can read or write is refused
///   ([`StoreErrorKind::Insecure`]), as ssh refuses such a private key.
/// - A write goes to a temporary file in the folder, flushed to disk, then
///   renamed over the record: a reader sees the old record or the new one,
///   never half of one, and a crash leaves no damaged record.
/// - The refresh lease is an exclusive `flock` on `<record>.lease`: the
///   kernel drops it when its process ends, however it ends, so a process
///   killed mid-refresh frees the lease at once.
///
/// Without a sealing key, each record holds its token and refresh token in
/// the clear, protected by file permissions only (like `~/.netrc` or
/// `gh`'s `hosts.yml`).
pub struct FileStore {
    dir: PathBuf,
    /// The lease files this process holds, by record key: closing one
    /// releases its lock.
    leases: Mutex<HashMap<String, (String, File)>>,
}

impl std::fmt::Debug for FileStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileStore").field("dir", &self.dir).finish()
    }
}

impl FileStore {
    /// A store in `dir`, created (mode 0700) if missing. Fails if the folder
    /// cannot be created, or can be read or written by others.
    pub fn new(dir: impl Into<PathBuf>) -> Result<Self, StoreError> {
        let dir = dir.into();
        let store = FileStore {
            dir,
            leases: Mutex::new(HashMap::new()),
        };
        if !store.dir.exists() {
            create_private_dir(&store.dir)
                .map_err(|e| store.error(StoreErrorKind::Unavailable, format!("{e}")))?;
        }
        store.check_dir()?;
        Ok(store)
    }

    /// The folder the records are in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn error(&self, kind: StoreErrorKind, detail: String) -> StoreError {
        StoreError::new(self.describe(), kind, detail)
    }

    /// The folder is ours and closed to others: checked before every use,
    /// since another user could loosen a folder they own between uses.
    fn check_dir(&self) -> Result<(), StoreError> {
        let meta = fs::metadata(&self.dir)
            .map_err(|e| self.error(StoreErrorKind::Unavailable, format!("{e}")))?;
        if !meta.is_dir() {
            return Err(self.error(StoreErrorKind::Unavailable, "it is not a folder".into()));
        }
        if !owned_by_us(&meta) {
            return Err(self.error(
                StoreErrorKind::Insecure,
                "the folder belongs to another user; it was not used".into(),
            ));
        }
        if let Some(mode) = open_to_others(&meta) {
            return Err(self.error(
                StoreErrorKind::Insecure,
                format!(
                    "the folder can be read or written by others (mode {mode:o}); \
                     run `chmod 700` on it"
                ),
            ));
        }
        Ok(())
    }

    /// Opens (or creates, 0600) a lock or lease file; a link planted in its
    /// place is refused, never followed.
    fn open_private(&self, path: &Path) -> Result<File, StoreError> {
        private_file(path, false).map_err(|e| {
            let link = fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if link {
                self.error(
                    StoreErrorKind::Insecure,
                    format!("{name} is a symbolic link; it was not followed"),
                )
            } else {
                self.error(StoreErrorKind::Unavailable, format!("{e}"))
            }
        })
    }

    /// The checks every file of the store passes once open: a regular file
    /// (not a FIFO or device planted to block or feed us), ours, 0600.
    fn check_file(&self, file: &File, name: &str) -> Result<(), StoreError> {
        let meta = file
            .metadata()
            .map_err(|e| self.error(StoreErrorKind::Unavailable, format!("{e}")))?;
        if !meta.is_file() || !owned_by_us(&meta) {
            return Err(self.error(
                StoreErrorKind::Insecure,
                format!("{name} is not a regular file of this user; it was not used"),
            ));
        }
        if let Some(mode) = open_to_others(&meta) {
            return Err(self.error(
                StoreErrorKind::Insecure,
                format!(
                    "the record file {name} can be read or written by others (mode {mode:o}); \
                     it was not used: run `chmod 600` on it, and consider its session leaked"
                ),
            ));
        }
        Ok(())
    }

    /// The record file of `key`: readable names for people looking in the
    /// folder, and a digest of the whole key so that no two keys share one.
    fn path(&self, key: &str, ext: &str) -> PathBuf {
        let digest = ring::digest::digest(&ring::digest::SHA256, key.as_bytes());
        let hex: String = digest.as_ref()[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let readable: String = key
            .split('/')
            .take(2)
            .collect::<Vec<_>>()
            .join("-")
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .take(64)
            .collect();
        self.dir.join(format!("{readable}-{hex}.{ext}"))
    }

    fn read(&self, path: &Path) -> Result<Option<Stored>, StoreError> {
        self.check_dir()?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut file = match open_existing(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(self.error(
                    StoreErrorKind::Insecure,
                    format!("{name} cannot be opened as a plain file ({e}); it was not used"),
                ))
            }
        };
        self.check_file(&file, &name)?;
        // A record is a few KiB; a huge file is not one of ours.
        let mut text = String::new();
        let read = (&mut file).take(256 * 1024).read_to_string(&mut text);
        let corrupt = || {
            self.error(
                StoreErrorKind::Corrupt,
                format!(
                    "the record file {name} is not an authapi session record; it was left as it is"
                ),
            )
        };
        if read.is_err() || text.len() >= 256 * 1024 {
            return Err(corrupt());
        }
        #[derive(serde::Deserialize)]
        struct OnDisk {
            generation: u64,
            record: String,
        }
        let on_disk: OnDisk = serde_json::from_str(&text).map_err(|_| corrupt())?;
        Ok(Some(Stored {
            generation: on_disk.generation,
            data: on_disk.record,
        }))
    }

    fn write(&self, path: &Path, stored: &Stored) -> std::io::Result<()> {
        let text = serde_json::json!({
            "generation": stored.generation,
            "record": stored.data,
        })
        .to_string();
        let mut suffix = [0u8; 8];
        getrandom::getrandom(&mut suffix).map_err(|e| std::io::Error::other(e.to_string()))?;
        let tmp = path.with_extension(format!(
            "tmp-{}",
            suffix
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        ));
        let result = (|| {
            let mut file = private_file(&tmp, true)?;
            file.write_all(text.as_bytes())?;
            file.sync_all()?;
            fs::rename(&tmp, path)?;
            // The rename itself survives a crash only once the folder is
            // on disk: else a crash could bring back a record holding a
            // spent refresh token.
            #[cfg(unix)]
            File::open(&self.dir)?.sync_all()?;
            Ok(())
        })();
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result
    }

    fn swap_now(&self, key: &str, expected: u64, next: &Stored) -> Result<bool, StoreError> {
        let io = |e: std::io::Error| self.error(StoreErrorKind::Unavailable, format!("{e}"));
        // The swap lock is held for a read and a rename (microseconds);
        // blocking on it is shorter than any way of waiting for it.
        self.check_dir()?;
        let lock = self.open_private(&self.path(key, "lock"))?;
        self.check_file(&lock, "the swap lock")?;
        fs4::FileExt::lock(&lock).map_err(io)?;
        let path = self.path(key, "json");
        let current = self.read(&path)?.map_or(0, |s| s.generation);
        if current != expected || next.generation <= current {
            return Ok(false);
        }
        self.write(&path, next).map_err(io)?;
        Ok(true)
        // `lock` closes here, which releases it.
    }

    fn try_lease_now(&self, key: &str, holder: &str) -> Result<bool, StoreError> {
        let io = |e: std::io::Error| self.error(StoreErrorKind::Unavailable, format!("{e}"));
        let mut leases = self.leases.lock().unwrap_or_else(|e| e.into_inner());
        if leases.contains_key(key) {
            // Another task of this process holds it.
            return Ok(false);
        }
        self.check_dir()?;
        let mut file = self.open_private(&self.path(key, "lease"))?;
        self.check_file(&file, "the lease file")?;
        match fs4::FileExt::try_lock(&file) {
            Ok(()) => {}
            Err(fs4::TryLockError::WouldBlock) => return Ok(false),
            Err(fs4::TryLockError::Error(e)) => return Err(io(e)),
        }
        // Who holds it, for people looking in the folder.
        let _ = file.set_len(0);
        let _ = writeln!(file, "{holder}");
        leases.insert(key.to_string(), (holder.to_string(), file));
        Ok(true)
    }
}

impl SessionStore for FileStore {
    fn describe(&self) -> String {
        format!("file {}", self.dir.display())
    }

    fn load<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<Stored>> {
        Box::pin(async move { self.read(&self.path(key, "json")) })
    }

    fn swap<'a>(&'a self, key: &'a str, expected: u64, next: Stored) -> StoreFuture<'a, bool> {
        Box::pin(async move { self.swap_now(key, expected, &next) })
    }

    fn try_lease<'a>(
        &'a self,
        key: &'a str,
        holder: &'a str,
        _ttl: Duration,
    ) -> StoreFuture<'a, bool> {
        // No expiry is needed: the kernel frees the lock of a dead process.
        Box::pin(async move { self.try_lease_now(key, holder) })
    }

    fn renew<'a>(&'a self, key: &'a str, holder: &'a str, _ttl: Duration) -> StoreFuture<'a, bool> {
        // A `flock` has no expiry: held is held.
        let leases = self.leases.lock().unwrap_or_else(|e| e.into_inner());
        super::ready(Ok(leases.get(key).is_some_and(|(h, _)| h == holder)))
    }

    fn release<'a>(&'a self, key: &'a str, holder: &'a str) -> StoreFuture<'a, ()> {
        let mut leases = self.leases.lock().unwrap_or_else(|e| e.into_inner());
        if leases.get(key).is_some_and(|(h, _)| h == holder) {
            leases.remove(key);
        }
        super::ready(Ok(()))
    }
}

/// The permission bits that let others in, if any are set.
#[cfg(unix)]
fn open_to_others(meta: &fs::Metadata) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o777;
    (mode & 0o077 != 0).then_some(mode)
}

#[cfg(not(unix))]
fn open_to_others(_: &fs::Metadata) -> Option<u32> {
    None
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Whether a file or folder belongs to the user this process runs as.
#[cfg(unix)]
fn owned_by_us(meta: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    meta.uid() == rustix::process::geteuid().as_raw()
}

#[cfg(not(unix))]
fn owned_by_us(_: &fs::Metadata) -> bool {
    true
}

/// Flags that keep a planted link or FIFO from redirecting or blocking an
/// open: the checks on the open file then refuse anything but a plain file.
#[cfg(unix)]
fn no_follow(options: &mut OpenOptions) {
    use rustix::fs::OFlags;
    let flags = OFlags::NOFOLLOW | OFlags::NONBLOCK;
    std::os::unix::fs::OpenOptionsExt::custom_flags(options, flags.bits() as i32);
}

#[cfg(not(unix))]
fn no_follow(_: &mut OpenOptions) {}

/// Opens an existing record to read it.
fn open_existing(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true);
    no_follow(&mut options);
    options.open(path)
}

/// Opens (creating with mode 0600) a file of the store; `new` insists on a
/// new file.
fn private_file(path: &Path, new: bool) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true);
    if new {
        options.create_new(true);
    } else {
        options.create(true);
    }
    no_follow(&mut options);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}
