//! The real Kafka clients tests run against a host, installed pinned on first use into the
//! git-ignored `.clients/` of the workspace, with a note on stderr saying what is being done:
//!
//! - [`python`]: a virtual environment (`.clients/venv`) with `tests/kafka_clients/requirements.txt`
//!   (confluent-kafka, i.e. librdkafka; kafka-python; aiokafka);
//! - [`node_modules`]: `npm ci` of `tests/kafka_clients/package.json` and its lock file into
//!   `.clients/node` (kafkajs);
//! - [`kcat`]: kcat when it is on the PATH (never installed by a test: `apt-get install kcat`).
//!
//! Each installs once per test process, and not at all when what is installed matches the pins
//! (a marker file holds the pins it was installed from). A failed install fails the tests that
//! need it, saying why.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::cli::{Server, ok, regroup};

/// The workspace's root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `tests/kafka_clients/NAME`: the pins and the client scripts.
pub fn client_file(name: &str) -> PathBuf {
    workspace().join("tests/kafka_clients").join(name)
}

/// The virtual environment's python, with the pinned Python clients installed.
pub fn python() -> &'static Path {
    static PYTHON: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match PYTHON.get_or_init(install_python_clients) {
        Ok(python) => python,
        Err(why) => panic!("the Python Kafka clients could not be installed: {why}"),
    }
}

/// The `node_modules` directory holding the pinned Node clients (for `NODE_PATH`).
pub fn node_modules() -> &'static Path {
    static MODULES: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match MODULES.get_or_init(install_node_clients) {
        Ok(modules) => modules,
        Err(why) => panic!("the Node Kafka clients could not be installed: {why}"),
    }
}

/// kcat on the PATH, or `None` after saying on stderr that the tests using it are skipped.
pub fn kcat() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join("kcat"))
            .find(|candidate| candidate.is_file())
    });
    if found.is_none() {
        eprintln!("kafka_clients: kcat is not on the PATH: its checks are skipped (apt-get install kcat)");
    }
    found
}

fn install_python_clients() -> Result<PathBuf, String> {
    let requirements = client_file("requirements.txt");
    let venv = workspace().join(".clients/venv");
    let python = venv.join("bin/python");
    let wanted = read(&requirements)?;
    let marker = venv.join("installed-requirements.txt");
    if std::fs::read_to_string(&marker).is_ok_and(|installed| installed == wanted) {
        return Ok(python);
    }
    eprintln!(
        "kafka_clients: installing the pinned Python Kafka clients ({}) into {} (once; needs python3-venv and PyPI)",
        requirements.display(),
        venv.display()
    );
    run(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
    run(Command::new(venv.join("bin/pip"))
        .args(["install", "--disable-pip-version-check", "--quiet", "-r"])
        .arg(&requirements))?;
    std::fs::write(&marker, wanted).map_err(|e| format!("{}: {e}", marker.display()))?;
    Ok(python)
}

fn install_node_clients() -> Result<PathBuf, String> {
    let dir = workspace().join(".clients/node");
    let modules = dir.join("node_modules");
    let lock = read(&client_file("package-lock.json"))?;
    let marker = dir.join("installed-package-lock.json");
    if std::fs::read_to_string(&marker).is_ok_and(|installed| installed == lock) {
        return Ok(modules);
    }
    eprintln!(
        "kafka_clients: installing the pinned Node Kafka clients ({}) into {} (once; needs npm and its registry)",
        client_file("package.json").display(),
        dir.display()
    );
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for file in ["package.json", "package-lock.json"] {
        std::fs::copy(client_file(file), dir.join(file)).map_err(|e| format!("{file}: {e}"))?;
    }
    // `npm ci` installs exactly what the lock file pins, or fails.
    run(Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(&dir))?;
    std::fs::write(&marker, lock).map_err(|e| format!("{}: {e}", marker.display()))?;
    Ok(modules)
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn run(command: &mut Command) -> Result<(), String> {
    let output = command.output().map_err(|e| format!("{command:?}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{command:?} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// The host's Kafka listener address, as `regroup serve` names it on its first line.
pub fn kafka_addr(server: &Server) -> &str {
    server
        .kafka_addr
        .as_deref()
        .expect("serve names its Kafka listener's address on its first line")
}

/// Creates `topic` through the native CLI.
pub fn create_topic(server: &Server, topic: &str, partitions: u32) {
    ok(regroup(
        &["topics", "create", topic, "--partitions", &partitions.to_string()],
        server,
    ));
}
