//! Running the real `limber` binary against a temporary data directory.

use std::path::Path;

use assert_cmd::Command;
use tempfile::TempDir;

/// Screening answers that raise no flag: eleven "no"s, then "yes" to "has a clinician looked at it?".
pub(crate) const CLEAR_ANSWERS: &str = "no\nno\nno\nno\nno\nno\nno\nno\nno\nno\nno\nyes\n";

/// A person's machine: a data directory of their own.
pub(crate) struct Home {
    pub(crate) dir: TempDir,
}

impl Home {
    pub(crate) fn new() -> Home {
        Home { dir: tempfile::tempdir().expect("temp dir") }
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `limber ARGS` with this data directory and no inherited content or voice settings.
    pub(crate) fn limber(&self, args: &[&str]) -> Command {
        let mut cmd = Command::cargo_bin("limber").expect("the limber binary is built");
        cmd.args(args)
            .env("LIMBER_DATA_DIR", self.path())
            .env_remove("LIMBER_CONTENT")
            .env_remove("LIMBER_SPEAK")
            .env("TZ", "UTC");
        cmd
    }

    /// Answers the screening as someone with no warning signs would: "no" to each warning sign,
    /// and "yes", a clinician has looked at this pain.
    pub(crate) fn screened(self) -> Home {
        self.limber(&["screening"]).write_stdin(CLEAR_ANSWERS).assert().success();
        self
    }

    /// `ARGS --json`, parsed.
    pub(crate) fn json(&self, args: &[&str]) -> serde_json::Value {
        let out = self.limber(args).arg("--json").assert().success().get_output().stdout.clone();
        serde_json::from_slice(&out).expect("valid JSON")
    }
}
