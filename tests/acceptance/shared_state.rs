//! A team's shared state in PostgreSQL, through Terraform's `pg` backend: the state lock makes
//! a second apply wait for (or, with `-lock-timeout=0s`, refuse to run beside) the first, and
//! nothing is lost. The test starts its own PostgreSQL server (from the Debian packages that
//! `scripts/setup.sh` installs) on a free port, and stops it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use kong_sandbox::{FaultAction, FaultRule};

use crate::harness::{needs_sandbox, provider_binary, Kong, Run, Workspace};

/// A PostgreSQL server of its own, in a temporary folder; stopped when dropped.
pub struct Postgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
}

/// The folder of PostgreSQL's server programs: `$PG_BIN`, else the newest
/// `/usr/lib/postgresql/<version>/bin` (where Debian's packages put them).
fn postgres_bin() -> PathBuf {
    if let Some(bin) = std::env::var_os("PG_BIN") {
        return PathBuf::from(bin);
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, bin)| bin)
        .expect("PostgreSQL's server programs are missing: run `. scripts/setup.sh` (it installs the Debian package `postgresql`), or set PG_BIN")
}

fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// PostgreSQL refuses to run as root: as root, its programs run as the `postgres` user.
fn as_postgres(program: &Path) -> Command {
    if is_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn id_of(flag: &str) -> u32 {
    let out = Command::new("id")
        .args([flag, "postgres"])
        .output()
        .expect("id runs");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("the postgres user exists (the Debian package creates it)")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

#[track_caller]
fn must(command: &mut Command, what: &str) {
    let out = command.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Postgres {
    /// Creates a cluster (trust authentication, local only) and starts it.
    pub fn start() -> Self {
        let bin = postgres_bin();
        let dir = tempfile::tempdir().expect("temp dir");
        if is_root() {
            std::os::unix::fs::chown(dir.path(), Some(id_of("-u")), Some(id_of("-g")))
                .expect("give the folder to postgres");
        }
        let data = dir.path().join("data");
        must(
            as_postgres(&bin.join("initdb")).arg("-D").arg(&data).args([
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-sync",
            ]),
            "initdb",
        );
        let mut last_error = String::new();
        for _ in 0..3 {
            let port = free_port();
            let options = format!(
                "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
                dir.path().display()
            );
            let out = as_postgres(&bin.join("pg_ctl"))
                .arg("-D")
                .arg(&data)
                .args(["-o", &options, "-l"])
                .arg(dir.path().join("server.log"))
                .args(["-w", "-t", "30", "start"])
                .output()
                .expect("pg_ctl runs");
            if out.status.success() {
                return Postgres { dir, bin, port };
            }
            last_error = String::from_utf8_lossy(&out.stderr).into_owned();
        }
        let log = std::fs::read_to_string(dir.path().join("server.log")).unwrap_or_default();
        panic!("PostgreSQL did not start: {last_error}\n{log}");
    }

    /// The connection string of its `postgres` database.
    pub fn conn_str(&self) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/postgres?sslmode=disable",
            self.port
        )
    }

    /// Runs one SQL query with psql; returns its unaligned output.
    pub fn query(&self, sql: &str) -> String {
        let out = Command::new(self.bin.join("psql"))
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(["-U", "postgres", "-d", "postgres", "-At", "-c", sql])
            .output()
            .expect("psql runs");
        assert!(
            out.status.success(),
            "psql: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = as_postgres(&self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.dir.path().join("data"))
            .args(["-m", "immediate", "-w", "stop"])
            .output();
    }
}

/// A team member's working directory: state in PostgreSQL, and the provider installed by
/// `terraform init` from a local mirror (as from a registry), not through dev_overrides.
fn member(kong: &Kong, postgres: &Postgres) -> Workspace {
    let ws = kong.workspace();
    let mirror = ws.path().join("mirror");
    let package = mirror.join("registry.terraform.io/dispatchframework/dispatch/0.1.0/linux_amd64");
    std::fs::create_dir_all(&package).expect("mirror");
    std::os::unix::fs::symlink(
        provider_binary(),
        package.join("terraform-provider-dispatch"),
    )
    .expect("link the provider");
    std::fs::write(
        ws.path().join("terraform.rc"),
        format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path = \"{}\"\n  }}\n}}\n",
            mirror.display()
        ),
    )
    .expect("CLI config");
    std::fs::write(
        ws.path().join("backend.tf"),
        format!(
            "terraform {{\n  backend \"pg\" {{\n    conn_str = \"{}\"\n  }}\n}}\n",
            postgres.conn_str()
        ),
    )
    .expect("backend");
    ws.write("");
    ws.run(&["init", "-input=false", "-no-color"]).success();
    ws
}

fn apis(names: std::ops::Range<usize>) -> String {
    names
        .map(|i| {
            format!("resource \"dispatch_api\" \"shared{i}\" {{\n  name     = \"shared-{i}\"\n  function = \"fn-{i}\"\n}}\n")
        })
        .collect()
}

fn spawn(ws: &Workspace, args: &[&str]) -> std::process::Child {
    ws.command(args, &[])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("terraform starts")
}

#[test]
fn a_second_apply_waits_for_the_state_lock_and_nothing_is_lost() {
    if needs_sandbox("fault injection") {
        return;
    }
    let postgres = Postgres::start();
    let kong = Kong::start();
    let alice = member(&kong, &postgres);
    let bob = member(&kong, &postgres);
    let carol = member(&kong, &postgres);
    // The team's state exists (its first apply also takes the backend's lock for creating a
    // workspace, which would hold every other workspace back too).
    alice.write(&apis(0..2));
    alice.apply().success();
    alice.write(&apis(0..5));
    // Bob's configuration is Alice's plus one API (a later commit of the same repository).
    bob.write(&apis(0..6));

    // Kong holds Alice's first request for a while: her apply holds the state lock meanwhile.
    kong.sandbox.controls().inject(FaultRule {
        method: Some("PUT".into()),
        path_contains: Some("/services/".into()),
        skip: 0,
        times: 1,
        action: FaultAction::Delay(Duration::from_secs(6)),
    });
    let apply = ["apply", "-auto-approve", "-input=false", "-no-color"];
    let alice_apply = spawn(&alice, &[&apply[..], &["-parallelism=1"]].concat());
    let started = Instant::now();
    while postgres.query("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'") == "0" {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "Alice's apply never took the state lock"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    // Without waiting, Bob is refused at once, and told who holds the lock.
    let refused = bob.run(&[
        "apply",
        "-auto-approve",
        "-input=false",
        "-no-color",
        "-lock-timeout=0s",
    ]);
    assert_ne!(refused.code, 0);
    let out = refused.output();
    assert!(out.contains("Error acquiring the state lock"), "{out}");
    assert!(
        out.contains("OperationTypeApply"),
        "says what holds it: {out}"
    );

    // Waiting, Bob's apply starts once Alice's ends, from the state she left.
    let bob_apply = spawn(&bob, &[&apply[..], &["-lock-timeout=120s"]].concat());
    assert_ne!(
        postgres.query("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"),
        "0",
        "Bob started while Alice held the lock"
    );

    // Another workspace of the same backend has a lock of its own.
    carol
        .run(&["workspace", "new", "-no-color", "staging"])
        .success();
    carol.write(&apis(100..101));
    let staging = carol.run(&["plan", "-input=false", "-no-color", "-lock-timeout=0s"]);
    assert!(
        staging.output().contains("Plan: 1 to add"),
        "{}",
        staging.output()
    );

    let alice_run = Run::of(alice_apply.wait_with_output().expect("terraform ends"));
    assert_eq!(alice_run.code, 0, "{}", alice_run.output());
    assert!(
        alice_run.output().contains("Resources: 3 added"),
        "{}",
        alice_run.output()
    );
    let bob_run = Run::of(bob_apply.wait_with_output().expect("terraform ends"));
    assert_eq!(bob_run.code, 0, "{}", bob_run.output());
    assert!(
        bob_run
            .output()
            .contains("Resources: 1 added, 0 changed, 0 destroyed"),
        "Bob only added his API: {}",
        bob_run.output()
    );

    // Nothing lost: one state holds all six, and it agrees with Kong.
    assert_eq!(kong.managed("services").len(), 6);
    assert_eq!(kong.managed("routes").len(), 6);
    assert_eq!(
        alice.state_list().len(),
        6,
        "Alice sees Bob's API in the shared state"
    );
    alice.write(&apis(0..6));
    assert_eq!(alice.plan().code, 0);
    assert_eq!(bob.plan().code, 0);
    assert_eq!(
        postgres.query("SELECT count(*) FROM terraform_remote_state.states"),
        "2",
        "the default and staging workspaces"
    );
}
