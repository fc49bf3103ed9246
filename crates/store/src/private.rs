//! Files and folders that hold health data: readable and writable by their owner only.
//!
//! On Unix a data directory limber creates is 0700 and the files it creates there (the
//! database, its write-ahead log and shared memory, exports, a session kept aside) are 0600,
//! whatever the umask: pain ratings and safety answers are no one else's to read on a shared
//! machine. Elsewhere the platform's defaults apply.

use std::fs::{DirBuilder, OpenOptions};
use std::io;
use std::path::Path;

/// Creates `dir`, readable by its owner only, and any missing parents as the umask says
/// (others may need to make folders of their own beside it). A directory that exists already
/// is left as it is (the person chose where it is and who may list it).
pub fn create_dir(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    // (A parent that is a file is left for the last step to say "Not a directory".)
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty() && !p.exists()) {
        std::fs::create_dir_all(parent)?;
    }
    let mut builder = DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    match builder.create(dir) {
        // Made meanwhile by another limber: as good.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        // Said plainly: the system's own words ("File exists") do not say what is wrong.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && dir.is_file() => {
            Err(io::Error::new(io::ErrorKind::AlreadyExists, "it is a file, not a directory"))
        }
        other => other,
    }
}

/// Options that create a file readable and writable by its owner only (a file that exists
/// keeps its mode).
pub fn file_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}

/// Takes read and write away from other accounts (not the file's group: one shared with a
/// group on purpose stays so) when `path` is a file its owner may write and others may read
/// (a database written by an earlier limber, before its files were kept private). A file made
/// read-only (a backup) is left exactly as it is.
pub fn restrict(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let Ok(meta) = std::fs::metadata(path) else { return Ok(()) };
        let mode = meta.permissions().mode();
        if meta.is_file() && mode & 0o200 != 0 && mode & 0o007 != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & !0o007))?;
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).expect("exists").permissions().mode() & 0o777
    }

    #[test]
    fn what_is_created_is_the_owners_alone_and_a_file_others_could_read_is_restricted() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("a/b");
        create_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        let file = dir.join("f");
        file_options().write(true).create_new(true).open(&file).unwrap();
        assert_eq!(mode(&file), 0o600);
        // Others lose what they could read; a group keeps what it was given.
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o664)).unwrap();
        restrict(&file).unwrap();
        assert_eq!(mode(&file), 0o660);
        // A backup made read-only is left as it is.
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o444)).unwrap();
        restrict(&file).unwrap();
        assert_eq!(mode(&file), 0o444);
        // A directory is not a file to restrict; a missing path is nothing to do.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        restrict(&dir).unwrap();
        assert_eq!(mode(&dir), 0o755);
        restrict(&dir.join("missing")).unwrap();
    }
}
