//! A private PostgreSQL cluster for the fault tests: `initdb` into a
//! temporary folder, its own port on 127.0.0.1, stopped and started at will
//! without touching the machine's shared server.
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, bail};

pub struct PrivateCluster {
    dir: tempfile::TempDir,
    data: PathBuf,
    pub port: u16,
    /// PostgreSQL refuses to run as root: then every command runs as this
    /// user, who owns the folder.
    run_as: Option<&'static str>,
}

impl PrivateCluster {
    /// A new cluster, started, with trust authentication for `postgres`.
    pub fn start() -> anyhow::Result<PrivateCluster> {
        let dir = tempfile::Builder::new().prefix("posyandu-pg-").tempdir()?;
        let run_as = is_root().then_some("postgres");
        if let Some(user) = run_as {
            let status = Command::new("chown")
                .args([&format!("{user}:"), &dir.path().display().to_string()])
                .status()?;
            if !status.success() {
                bail!("cannot give {} to {user}", dir.path().display());
            }
        }
        let data = dir.path().join("data");
        let port = crate::load::free_port()?;
        let cluster = PrivateCluster {
            dir,
            data,
            port,
            run_as,
        };
        cluster.run(
            "initdb",
            &[
                "-D",
                &cluster.data.display().to_string(),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-sync",
                "--no-instructions",
            ],
        )?;
        cluster.start_again()?;
        Ok(cluster)
    }

    /// `postgres://postgres@127.0.0.1:PORT/name`
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Starts the (stopped) cluster and waits until it takes connections.
    pub fn start_again(&self) -> anyhow::Result<()> {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {} -c fsync=off -c max_connections=60",
            self.port,
            self.dir.path().display()
        );
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data.display().to_string(),
                "-l",
                &self.dir.path().join("server.log").display().to_string(),
                "-o",
                &options,
                "-w",
                "-t",
                "60",
                "start",
            ],
        )
    }

    /// Stops the cluster the hard way: `immediate` kills every backend at
    /// once (as a crash would; the next start recovers from the WAL).
    pub fn kill(&self) -> anyhow::Result<()> {
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data.display().to_string(),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
        )
    }

    /// The cluster's own log (for a failing test's message).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    fn run(&self, program: &str, args: &[&str]) -> anyhow::Result<()> {
        let mut command = match self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--", program]);
                c
            }
            None => Command::new(program),
        };
        let output = command
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .with_context(|| format!("{program} (PostgreSQL's server programs on PATH)"))?;
        if !output.status.success() {
            bail!(
                "{program} {args:?}: {}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Ok(())
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        let _ = self.kill();
        // Give the postmaster a moment to let go of the folder.
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}
