//! Running the `regroup` binary as a user would: `serve` as a child process on port 0, client
//! commands against it, `consume` processes whose stdout lines arrive on a channel.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Output, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use serde_json::Value;

use super::{regroup_exe, serve_command};

/// How long any one thing the tests wait for may take.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// `regroup serve` as a child process; stopped with SIGTERM (gracefully) or killed on drop.
pub struct Server {
    pub child: Child,
    pub addr: String,
    /// The Kafka listener's address, when it is on.
    pub kafka_addr: Option<String>,
    /// The Prometheus endpoint's address, when it is on.
    pub metrics_addr: Option<String>,
}

impl Server {
    pub fn start(data_dir: &Path, plugin_dir: Option<&Path>) -> Server {
        Server::start_with(data_dir, |command| {
            if let Some(dir) = plugin_dir {
                command.arg("--plugin-dir").arg(dir);
            }
        })
    }

    /// As [`Server::start`], with the `serve` command further set up by `configure` (more
    /// flags, a working directory, environment variables).
    pub fn start_with(data_dir: &Path, configure: impl FnOnce(&mut Command)) -> Server {
        let mut command = serve_command(data_dir);
        command
            // The consumers here use 1.5 s sessions, below Kafka's 6 s minimum.
            .args(["--group-min-session-timeout-ms", "1000"]);
        configure(&mut command);
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        // "regroup listening on 127.0.0.1:PORT (data ..."
        let addr = line
            .split_whitespace()
            .nth(3)
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        // "... and for Kafka clients on 127.0.0.1:PORT (advertised as ..."
        let kafka_addr = line
            .split_once("Kafka clients on ")
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .map(str::to_owned);
        // "...; metrics on http://127.0.0.1:PORT/metrics; ..."
        let metrics_addr = line
            .split_once("metrics on http://")
            .and_then(|(_, rest)| rest.split_once("/metrics"))
            .map(|(addr, _)| addr.to_owned());
        Server {
            child,
            addr,
            kafka_addr,
            metrics_addr,
        }
    }

    /// SIGTERM, then wait: the graceful shutdown path.
    pub fn stop(mut self) {
        Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        let status = self.child.wait().unwrap();
        assert!(status.success(), "serve exited with {status}");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn regroup(args: &[&str], server: &Server) -> Output {
    Command::new(regroup_exe())
        .args(args)
        .args(["--server", &server.addr])
        .output()
        .unwrap()
}

/// `regroup consume` of `orders` in group `g` from the beginning until `count` records were printed;
/// its stdout, after a successful exit.
pub fn consume_from_beginning(server: &Server, count: usize) -> String {
    let count = count.to_string();
    let args = ["consume", "--topic", "orders", "--group", "g", "--from-beginning"];
    ok(regroup(&[&args[..], &["--max-records", &count]].concat(), server))
}

pub fn ok(output: Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

pub fn json(output: Output) -> Value {
    serde_json::from_str(&ok(output)).unwrap()
}

/// The group's description, or `None` while the host does not know the group yet.
pub fn describe(server: &Server) -> Option<Value> {
    let output = regroup(&["groups", "describe", "g", "--json"], server);
    output
        .status
        .success()
        .then(|| serde_json::from_slice(&output.stdout).unwrap())
}

pub fn produce_lines(server: &Server, topic: &str, lines: &[String]) {
    let mut child = Command::new(regroup_exe())
        .args([
            "produce",
            "--topic",
            topic,
            "--key-separator",
            ":",
            "--server",
            &server.addr,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(lines.join("\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

pub fn lines(from: usize, to: usize) -> Vec<String> {
    (from..to).map(|n| format!("key-{}:record-{n}", n % 7)).collect()
}

/// A `regroup consume` process whose stdout lines arrive on a channel.
pub struct ConsumerProcess {
    pub child: Child,
    pub records: mpsc::Receiver<String>,
}

impl ConsumerProcess {
    pub fn start(server: &Server, extra: &[&str]) -> ConsumerProcess {
        let mut child = Command::new(regroup_exe())
            .args([
                "consume",
                "--topic",
                "orders",
                "--group",
                "g",
                "--session-timeout-ms",
                "1500",
            ])
            .args(["--server", &server.addr])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        ConsumerProcess {
            records: lines_of(child.stdout.take().unwrap()),
            child,
        }
    }

    pub fn take(&self, count: usize) -> Vec<String> {
        (0..count)
            .map(|_| self.records.recv_timeout(PATIENCE).expect("a record"))
            .collect()
    }
}

impl Drop for ConsumerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn lines_of(stdout: ChildStdout) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

pub fn values(lines: &[String]) -> Vec<String> {
    let mut v: Vec<String> = lines
        .iter()
        .map(|l| l.split_once(':').unwrap().1.to_owned())
        .collect();
    v.sort();
    v
}
