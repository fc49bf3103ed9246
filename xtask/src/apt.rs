//! Debian packages the tests and benchmarks need, installed with `apt-get` when missing (CI
//! starts from a fresh machine).

use std::process::Command;

use anyhow::{Context, bail};

/// Installs `packages` (`install -y`, after an `update` when the package lists are missing),
/// with `sudo` unless running as root, then empties apt's cache of downloaded packages: a fresh
/// CI machine may have little disk to spare for the build that follows.
pub(crate) fn install(packages: &[&str]) -> anyhow::Result<()> {
    let root = Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let apt = |args: &[&str]| -> anyhow::Result<bool> {
        let mut cmd = Command::new(if root { "apt-get" } else { "sudo" });
        if !root {
            cmd.arg("apt-get");
        }
        let status = cmd
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .with_context(|| format!("could not start `apt-get {}`", args.join(" ")))?;
        Ok(status.success())
    };
    let install = [&["install", "-y"][..], packages].concat();
    if !(apt(&install)? || (apt(&["update"])? && apt(&install)?)) {
        bail!("could not install {} with apt-get", packages.join(" "));
    }
    // Only space: a failure here changes nothing the tests need.
    let _ = apt(&["clean"]);
    Ok(())
}
