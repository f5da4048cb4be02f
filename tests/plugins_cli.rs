//! `regroup plugins list` and `regroup plugins check`, run as a user runs them.

use std::process::Command;

use regroup_tests::{plugin_lib, publish, regroup_exe};

#[test]
fn plugins_check_reports_each_file_and_fails_if_any_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let good = publish(&plugin_lib("regroup-range"), dir.path(), "range.so");
    let bad = publish(&plugin_lib("fixture-not-a-plugin"), dir.path(), "not-a-plugin.so");

    let out = Command::new(regroup_exe())
        .args(["plugins", "check"])
        .arg(&good)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("ok ") && text.contains("strategy range"),
        "{text}"
    );

    let out = Command::new(regroup_exe())
        .args(["plugins", "check", "--json"])
        .arg(&good)
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let files = report["files"].as_array().unwrap();
    assert_eq!(files[0]["ok"], true);
    assert_eq!(files[0]["name"], "range");
    assert_eq!(files[1]["ok"], false);
    assert!(
        files[1]["error"]
            .as_str()
            .unwrap()
            .contains("not a Regroup plugin"),
        "{report}"
    );
}

#[test]
fn plugins_check_runs_assign_once_and_rejects_a_plugin_that_crashes_hangs_or_answers_wrongly_there() {
    let dir = tempfile::tempdir().unwrap();
    let file = publish(&plugin_lib("fixture-misbehaving"), dir.path(), "misbehaving.so");
    let check = |user_data: &str| {
        let out = Command::new(regroup_exe())
            .args([
                "plugins",
                "check",
                "--deadline-ms",
                "1500",
                "--user-data",
                user_data,
            ])
            .arg(&file)
            // A panic's backtrace, captured in a debug build, can take most of a deadline.
            .env_remove("RUST_BACKTRACE")
            .output()
            .unwrap();
        (out.status.code(), String::from_utf8(out.stdout).unwrap())
    };
    let (code, text) = check("");
    assert_eq!(
        code,
        Some(0),
        "it assigns correctly when not asked to fail: {text}"
    );
    for (ask, says) in [
        (
            "abort",
            "crashed in its assign call on a test group (killed by signal 6 (SIGABRT))",
        ),
        ("loop", "did not finish within the 1500 ms deadline"),
        ("panic", "panicked: asked to panic"),
        ("error", "returned an error: asked to fail"),
        ("invalid:unassigned", "returned an invalid assignment"),
    ] {
        let (code, text) = check(ask);
        assert_eq!(code, Some(1), "{ask}: {text}");
        assert!(
            text.starts_with("rejected") && text.contains(says),
            "{ask}: {text}"
        );
    }
}

#[test]
fn every_strategy_crate_builds_a_plugin_that_passes_the_check() {
    let strategies = [
        ("regroup-range", "range"),
        ("regroup-roundrobin", "roundrobin"),
        ("regroup-sticky", "sticky"),
        ("regroup-cooperative-sticky", "cooperative-sticky"),
        ("regroup-capacity-weighted", "capacity-weighted"),
    ];
    let files: Vec<_> = strategies
        .iter()
        .map(|(package, _)| plugin_lib(package))
        .collect();
    let out = Command::new(regroup_exe())
        .args(["plugins", "check", "--json"])
        .args(&files)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for (i, (package, name)) in strategies.iter().enumerate() {
        let file = &report["files"][i];
        assert_eq!(file["ok"], true, "{package}: {file}");
        assert_eq!(file["name"], *name, "{package}");
    }
    assert!(out.status.success());
}

#[test]
fn plugins_list_shows_builtins_files_and_rejections() {
    let dir = tempfile::tempdir().unwrap();
    publish(&plugin_lib("fixture-versioned-v1"), dir.path(), "versioned.so");
    std::fs::write(dir.path().join("junk.so"), b"junk").unwrap();

    let out = Command::new(regroup_exe())
        .args([
            "plugins",
            "list",
            "--json",
            "--isolate",
            "versioned",
            "--plugin-dir",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let strategies = list["strategies"].as_array().unwrap();
    let by_name = |name: &str| {
        strategies
            .iter()
            .find(|s| s["name"] == name)
            .unwrap_or_else(|| panic!("{name} in {list}"))
    };
    assert_eq!(by_name("range")["source"], "built-in");
    assert_eq!(by_name("versioned")["version"], "1.0.0");
    assert_eq!(by_name("versioned")["isolation"], "isolated");
    assert_eq!(by_name("versioned")["protocols"], serde_json::json!(["eager"]));
    let rejected = list["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 1);
    assert!(rejected[0]["path"].as_str().unwrap().ends_with("junk.so"));

    let table = Command::new(regroup_exe())
        .args(["plugins", "list", "--plugin-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    let table = String::from_utf8(table.stdout).unwrap();
    assert!(table.starts_with("STRATEGY"), "{table}");
    assert!(
        table.contains("rejected files:") && table.contains("junk.so"),
        "{table}"
    );
}
