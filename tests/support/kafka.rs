//! Real Kafka clients for the end-to-end tests: the pinned Python clients
//! (`kafka_clients/requirements.txt`) installed on first use into `.clients/venv` (git-ignored)
//! with a note on stderr; a failed install fails the tests saying why.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::cli::{Server, ok, regroup};

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn requirements() -> PathBuf {
    workspace().join("tests/kafka_clients/requirements.txt")
}

/// The virtual environment's python, with the pinned clients installed (once).
pub fn python() -> &'static Path {
    static PYTHON: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match PYTHON.get_or_init(install_clients) {
        Ok(python) => python,
        Err(why) => panic!("the Kafka clients could not be installed: {why}"),
    }
}

fn install_clients() -> Result<PathBuf, String> {
    let venv = workspace().join(".clients/venv");
    let python = venv.join("bin/python");
    let wanted =
        std::fs::read_to_string(requirements()).map_err(|e| format!("{}: {e}", requirements().display()))?;
    let marker = venv.join("installed-requirements.txt");
    if std::fs::read_to_string(&marker).is_ok_and(|installed| installed == wanted) {
        return Ok(python);
    }
    eprintln!(
        "kafka_clients: installing the pinned Kafka clients ({}) into {} (once; needs python3-venv and PyPI)",
        requirements().display(),
        venv.display()
    );
    let run = |command: &mut Command| -> Result<(), String> {
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
    };
    run(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
    run(Command::new(venv.join("bin/pip"))
        .args(["install", "--disable-pip-version-check", "--quiet", "-r"])
        .arg(requirements()))?;
    std::fs::write(&marker, wanted).map_err(|e| format!("{}: {e}", marker.display()))?;
    Ok(python)
}

pub fn kafka_addr(server: &Server) -> &str {
    server
        .kafka_addr
        .as_deref()
        .expect("serve names its Kafka listener's address on its first line")
}

pub fn create_topic(server: &Server, topic: &str, partitions: u32) {
    ok(regroup(
        &["topics", "create", topic, "--partitions", &partitions.to_string()],
        server,
    ));
}
