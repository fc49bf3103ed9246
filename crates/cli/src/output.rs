//! Files the CLI writes on request (`export -o`, `handout -o`): what they may replace, and
//! writing them whole or not at all.

use std::io::{Read as _, Write};
use std::path::Path;

use anyhow::Context as _;

/// A file written with `-o` replaces only an earlier file of its kind or another regular file:
/// never a link, a device, a pipe or a folder (a rename would put a file in its place), nor a
/// database (`-o limber.db` would wipe the history). `what` names the command in the message.
pub(crate) fn refuse_to_replace(path: &Path, what: &str) -> anyhow::Result<()> {
    let Ok(meta) = std::fs::symlink_metadata(path) else { return Ok(()) };
    if !meta.file_type().is_file() {
        return Err(crate::UsageError(format!(
            "{} exists and is not a regular file (a link, a device, a pipe or a folder); write the {what} to a new file",
            path.display()
        ))
        .into());
    }
    let mut head = [0u8; 16];
    let read = std::fs::File::open(path).and_then(|mut f| f.read(&mut head)).unwrap_or(0);
    // SQLite's file header, and the first bytes of its write-ahead log.
    let sidecar = path.file_name().is_some_and(|n| {
        let n = n.to_string_lossy();
        n.ends_with("-wal") || n.ends_with("-shm") || n.ends_with("-journal")
    });
    let database = sidecar
        || head[..read].starts_with(b"SQLite format 3\0")
        || (read >= 4 && matches!(u32::from_be_bytes([head[0], head[1], head[2], head[3]]), 0x377f_0682 | 0x377f_0683));
    if database {
        return Err(crate::UsageError(format!(
            "{} is a database (perhaps limber's own): the {what} will not replace it; write it to a new file",
            path.display()
        ))
        .into());
    }
    Ok(())
}

/// Writes `path` through `write`: into a file beside it, synced, then renamed over it, so a
/// failure leaves no half file and an earlier one as it was. Checks [`refuse_to_replace`] first.
/// A new `private` file is readable by its owner only.
pub(crate) fn replace_file<T>(
    path: &Path,
    what: &str,
    private: bool,
    write: impl FnOnce(std::io::BufWriter<std::fs::File>) -> anyhow::Result<(std::io::BufWriter<std::fs::File>, T)>,
) -> anyhow::Result<T> {
    refuse_to_replace(path, what)?;
    let cannot = || format!("cannot write {}", path.display());
    let mut tmp = path.with_extension("tmp-limber");
    if tmp == path {
        // `-o x.tmp-limber`: the file beside it must be another.
        tmp = path.with_extension("tmp-limber-2");
    }
    // A file left there by an earlier run that failed is replaced; a link there is not followed.
    if std::fs::symlink_metadata(&tmp).is_ok_and(|m| !m.file_type().is_file()) {
        return Err(crate::UsageError(format!("{} is in the way: remove it, then try again", tmp.display())).into());
    }
    // Health data (an export) is the owner's alone, whatever the umask; a handout is not.
    let mut options = if private { limber_app::store::private::file_options() } else { std::fs::OpenOptions::new() };
    let file = options.write(true).create(true).truncate(true).open(&tmp).with_context(cannot)?;
    // A file replaced keeps who may read it (an export holds health data).
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(&tmp, meta.permissions());
    }
    let written = write(std::io::BufWriter::new(file)).and_then(|(file, value)| {
        let mut file = file.into_inner().map_err(|e| e.into_error())?;
        file.flush()?;
        file.sync_all()?;
        Ok(value)
    });
    match written {
        Ok(value) => {
            std::fs::rename(&tmp, path).with_context(cannot)?;
            Ok(value)
        }
        // Reading the history failed, not writing the file: said as it is (the file is not
        // written, nor one it would have replaced touched).
        Err(e) if e.downcast_ref::<crate::context::ReadingHistory>().is_some() => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e.context(cannot()))
        }
    }
}
