//! Running the real `limber` binary against a temporary data directory.

use std::path::Path;

use assert_cmd::Command;
use tempfile::TempDir;

/// Screening answers that raise no flag: twelve "no"s, then "yes" to "has a clinician looked at it?".
pub(crate) const CLEAR_ANSWERS: &str = "no\nno\nno\nno\nno\nno\nno\nno\nno\nno\nno\nno\nyes\n";

/// Settings in the environment of whoever runs the tests that would change what limber does:
/// another database (which, beside a data directory, limber refuses), one's own content, a voice.
pub(crate) const HOST_SETTINGS: [&str; 3] = ["LIMBER_DATABASE_URL", "LIMBER_CONTENT", "LIMBER_SPEAK"];

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

    /// `limber ARGS` with this data directory and none of the settings of whoever runs the tests.
    pub(crate) fn limber(&self, args: &[&str]) -> Command {
        let mut cmd = Command::cargo_bin("limber").expect("the limber binary is built");
        cmd.args(args).env("LIMBER_DATA_DIR", self.path()).env("TZ", "UTC");
        for setting in HOST_SETTINGS {
            cmd.env_remove(setting);
        }
        cmd
    }

    /// The same as a plain process (one spawned and driven by hand, or in a pseudo-terminal).
    pub(crate) fn process(&self) -> std::process::Command {
        self.in_home(std::process::Command::new(assert_cmd::cargo::cargo_bin("limber")))
    }

    /// `command` (a shell that runs limber) with this data directory and none of the settings
    /// of whoever runs the tests.
    pub(crate) fn in_home(&self, mut command: std::process::Command) -> std::process::Command {
        command.env("LIMBER_DATA_DIR", self.path()).env("TZ", "UTC");
        for setting in HOST_SETTINGS {
            command.env_remove(setting);
        }
        command
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
