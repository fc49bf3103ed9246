//! `cargo xtask dist`: release builds of the three binaries with their man pages, shell completions and `SHA256SUMS`.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use anyhow::{Context as _, bail};
use sha2::{Digest as _, Sha256};

use crate::root;

/// One shipped binary: its package, and how to ask it for its man page and a completion script
/// (each binary writes them from its own clap `Command`, with hidden arguments).
struct Binary {
    name: &'static str,
    package: &'static str,
    man: &'static [&'static str],
    completions: &'static [&'static str],
}

const BINARIES: &[Binary] = &[
    Binary { name: "limber", package: "limber-cli", man: &["man"], completions: &["completions"] },
    Binary { name: "limber-tui", package: "limber-tui", man: &["--man"], completions: &["--completions"] },
    Binary { name: "limber-server", package: "limber-server", man: &["man"], completions: &["completions"] },
];

/// Each shell clap_complete knows, and the file name its completion goes in (`{}` is the binary).
const SHELLS: &[(&str, &str)] = &[
    ("bash", "bash/{}"),
    ("zsh", "zsh/_{}"),
    ("fish", "fish/{}.fish"),
    ("elvish", "elvish/{}.elv"),
    ("powershell", "powershell/_{}.ps1"),
];

/// Where cargo puts build output: `CARGO_TARGET_DIR`, or `target/` in the workspace.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root().join("target"), PathBuf::from)
}

/// Runs `binary args…` and returns its standard output.
fn output_of(binary: &Path, args: &[&str]) -> anyhow::Result<Vec<u8>> {
    let out = Command::new(binary)
        .args(args)
        .output()
        .with_context(|| format!("could not run {} {}", binary.display(), args.join(" ")))?;
    if !out.status.success() || out.stdout.is_empty() {
        bail!(
            "`{} {}` failed ({}): {}",
            binary.display(),
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(out.stdout)
}

/// Writes `bytes` to `out/relative`, creating its directory, and remembers it for `SHA256SUMS`.
fn put(out: &Path, relative: &str, bytes: &[u8], sums: &mut Vec<(String, String)>) -> anyhow::Result<()> {
    let path = out.join(relative);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
    let hex: String = Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect();
    sums.push((hex, relative.to_owned()));
    Ok(())
}

/// Builds the three binaries with `profile` (`release` for a real bundle) and fills `out`.
pub(crate) fn run(profile: &str, out: &Path) -> anyhow::Result<ExitCode> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let t = Instant::now();
    let mut build = Command::new(&cargo);
    build.args(["build", "--locked", "--profile", profile]).current_dir(root());
    for b in BINARIES {
        build.args(["--package", b.package, "--bin", b.name]);
    }
    eprintln!("==> building {} ({profile})", BINARIES.iter().map(|b| b.name).collect::<Vec<_>>().join(", "));
    if !build.status().context("could not start cargo")?.success() {
        eprintln!("xtask dist: the build failed after {:.1?}", t.elapsed());
        return Ok(ExitCode::FAILURE);
    }
    let built = target_dir().join(if profile == "dev" { "debug" } else { profile });
    if out.exists() {
        std::fs::remove_dir_all(out).with_context(|| format!("clearing {}", out.display()))?;
    }
    let mut sums = Vec::new();
    for b in BINARIES {
        let binary = built.join(format!("{}{}", b.name, std::env::consts::EXE_SUFFIX));
        let bytes = std::fs::read(&binary).with_context(|| format!("reading {}", binary.display()))?;
        put(out, &format!("bin/{}{}", b.name, std::env::consts::EXE_SUFFIX), &bytes, &mut sums)?;
        set_executable(&out.join("bin").join(format!("{}{}", b.name, std::env::consts::EXE_SUFFIX)))?;
        put(out, &format!("man/man1/{}.1", b.name), &output_of(&binary, b.man)?, &mut sums)?;
        for (shell, file) in SHELLS {
            let args: Vec<&str> = b.completions.iter().copied().chain([*shell]).collect();
            put(out, &format!("completions/{}", file.replace("{}", b.name)), &output_of(&binary, &args)?, &mut sums)?;
        }
    }
    let list: String = sums.iter().map(|(hex, path)| format!("{hex}  {path}\n")).collect();
    std::fs::write(out.join("SHA256SUMS"), list).context("writing SHA256SUMS")?;
    eprintln!("xtask dist: {} files and SHA256SUMS in {} ({:.1?})", sums.len(), out.display(), t.elapsed());
    Ok(ExitCode::SUCCESS)
}

#[cfg(unix)]
fn set_executable(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .with_context(|| format!("making {} executable", path.display()))
}

#[cfg(not(unix))]
fn set_executable(_: &Path) -> anyhow::Result<()> {
    Ok(())
}
