//! A throwaway PostgreSQL cluster (initdb + pg_ctl in a temporary directory, on a free port) for CI and benches.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, bail};

/// The user the cluster's superuser is called, and the database tests connect to first.
const SUPERUSER: &str = "limber";

/// A running cluster; stopped (and its directory removed) when dropped, on success or failure.
pub(crate) struct Cluster {
    bin: PathBuf,
    dir: tempfile::TempDir,
    /// Run PostgreSQL's tools as the `postgres` system user (initdb refuses root).
    as_postgres: bool,
    /// A URL for the `postgres` database on it (tests make their own databases from it).
    pub(crate) url: String,
}

/// Where Debian keeps PostgreSQL's server tools: the newest `/usr/lib/postgresql/N/bin`.
fn find_bin() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

/// PostgreSQL's server tools, installed with apt-get when missing (CI starts from a fresh machine).
fn bin() -> anyhow::Result<PathBuf> {
    if let Some(bin) = find_bin() {
        return Ok(bin);
    }
    eprintln!("    PostgreSQL is not installed: apt-get install -y postgresql");
    crate::apt::install(&["postgresql"])?;
    find_bin().context("PostgreSQL was installed but no /usr/lib/postgresql/*/bin/initdb was found")
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

impl Cluster {
    /// Starts a cluster in a new temporary directory on a free loopback port. `durable` keeps
    /// fsync on (benches); tests run without it.
    pub(crate) fn start(durable: bool) -> anyhow::Result<Cluster> {
        let bin = bin()?;
        let dir =
            tempfile::Builder::new().prefix("limber-pg-").tempdir().context("cannot make a temporary directory")?;
        let as_postgres = is_root();
        if as_postgres {
            let status = Command::new("chown").args(["-R", "postgres:postgres"]).arg(dir.path()).status()?;
            if !status.success() {
                bail!("cannot give {} to the postgres user", dir.path().display());
            }
        }
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let mut cluster = Cluster { bin, dir, as_postgres, url: String::new() };
        let data = cluster.data();
        let initdb = cluster
            .tool("initdb")
            .arg("-D")
            .arg(&data)
            .args(["-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--no-sync"])
            .output()
            .context("cannot run initdb")?;
        if !initdb.status.success() {
            bail!("initdb failed: {}", String::from_utf8_lossy(&initdb.stderr));
        }
        let fsync = if durable { "on" } else { "off" };
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync={fsync} \
             -c synchronous_commit={fsync}",
            cluster.dir.path().display()
        );
        let log = cluster.dir.path().join("postgres.log");
        let started = cluster
            .tool("pg_ctl")
            .arg("-D")
            .arg(&data)
            .args(["-o", &options, "-l"])
            .arg(&log)
            .args(["-w", "start"])
            .output()
            .context("cannot run pg_ctl start")?;
        if !started.status.success() {
            let log = std::fs::read_to_string(&log).unwrap_or_default();
            bail!("PostgreSQL did not start: {}{log}", String::from_utf8_lossy(&started.stderr));
        }
        cluster.url = format!("postgres://{SUPERUSER}@127.0.0.1:{port}/postgres");
        Ok(cluster)
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The pid of the cluster's postmaster, the parent of all its processes.
    pub(crate) fn postmaster(&self) -> anyhow::Result<u32> {
        let file = self.data().join("postmaster.pid");
        let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
        text.lines().next().and_then(|l| l.trim().parse().ok()).with_context(|| format!("no pid in {}", file.display()))
    }

    /// One of PostgreSQL's tools, run as the postgres user when we are root.
    fn tool(&self, name: &str) -> Command {
        let path = self.bin.join(name);
        if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.data();
        let stopped = self.tool("pg_ctl").arg("-D").arg(&data).args(["-m", "immediate", "-w", "stop"]).output();
        if !stopped.is_ok_and(|o| o.status.success()) {
            eprintln!("xtask: could not stop the throwaway PostgreSQL in {}", self.dir.path().display());
        }
    }
}
