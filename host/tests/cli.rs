//! The `regroup` binary's command line. Also makes `cargo test --workspace` build the binary
//! that the end-to-end tests in `tests/` run as probe and worker processes.

use std::process::Command;

#[test]
fn every_command_has_help() {
    for args in [
        &["--help"][..],
        &["plugins", "--help"],
        &["plugins", "list", "--help"],
        &["plugins", "check", "--help"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_regroup"))
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Usage:"),
            "{args:?}"
        );
    }
}

#[test]
fn an_unknown_command_fails_with_a_clear_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_regroup"))
        .arg("frobnicate")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unrecognized subcommand 'frobnicate'"));
}
