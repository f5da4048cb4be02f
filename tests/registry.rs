//! The plugin registry against real cdylibs, real files and real child processes.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::Duration;

use regroup::registry::{
    Change, Isolation, LoadError, Registry, RegistryConfig, RegistryEvent, RunFailure, Source,
};
use regroup_assignor_api::kit::Violation;
use regroup_assignor_api::model::GroupSpec;
use regroup_tests::{plugin_lib, publish, regroup_exe, wait_for};

const PATIENCE: Duration = Duration::from_secs(30);

fn config(dir: &Path) -> RegistryConfig {
    let mut config = RegistryConfig::new(Some(dir.to_owned()), regroup_exe());
    config.settle_time = Duration::from_millis(100);
    config.rescan_interval = Duration::from_millis(100);
    config
}

/// Two members on one topic; the first member's user data steers the `misbehaving` fixture.
fn group(first_member_data: &str) -> Arc<GroupSpec> {
    Arc::new(
        GroupSpec::builder()
            .topic("orders", 4)
            .member("c1", &["orders"])
            .user_data(first_member_data.as_bytes())
            .member("c2", &["orders"])
            .build(),
    )
}

fn rejection(registry: &Registry, file: &str) -> Option<LoadError> {
    registry
        .rejected()
        .into_iter()
        .find(|r| r.path.file_name().is_some_and(|n| n == file))
        .map(|r| r.error)
}

fn next_event(events: &mpsc::Receiver<RegistryEvent>, name: &str) -> RegistryEvent {
    loop {
        let event = events
            .recv_timeout(PATIENCE)
            .unwrap_or_else(|_| panic!("no event for {name}"));
        if event.name == name {
            return event;
        }
    }
}

#[test]
fn several_plugins_load_from_one_directory_beside_the_builtins() {
    let dir = tempfile::tempdir().unwrap();
    publish(&plugin_lib("fixture-versioned-v1"), dir.path(), "versioned.so");
    publish(&plugin_lib("fixture-misbehaving"), dir.path(), "misbehaving.so");
    let registry = Registry::start(config(dir.path())).unwrap();

    let names: Vec<String> = registry.names().into_iter().collect();
    assert_eq!(
        names,
        [
            "cooperative-sticky",
            "misbehaving",
            "range",
            "roundrobin",
            "sticky",
            "versioned"
        ]
    );
    let versioned = registry.get("versioned").unwrap();
    assert_eq!(versioned.info.version, "1.0.0");
    assert!(matches!(&versioned.source, Source::File { path, .. } if path.ends_with("versioned.so")));
    assert_eq!(versioned.hash.len(), 64);
    assert_eq!(registry.get("range").unwrap().source, Source::Builtin);
    let out = registry.assign("versioned", group("")).unwrap();
    assert_eq!(out.members[0].partitions.len(), 4);
    assert_eq!(out.members[1].user_data, b"1.0.0");
    assert!(registry.rejected().is_empty(), "{:?}", registry.rejected());
}

#[test]
fn a_replaced_plugin_serves_its_new_version_with_no_failed_call() {
    let dir = tempfile::tempdir().unwrap();
    publish(&plugin_lib("fixture-versioned-v1"), dir.path(), "versioned.so");
    let registry = Registry::start(config(dir.path())).unwrap();
    let events = registry.subscribe();
    registry.watch();

    let stop = Arc::new(AtomicBool::new(false));
    let (calls, failures) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (seen_tx, seen_rx) = mpsc::channel();
    let caller = {
        let (registry, stop, calls, failures) =
            (registry.clone(), stop.clone(), calls.clone(), failures.clone());
        thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                match registry.assign("versioned", group("")) {
                    Ok(out) => {
                        let _ = seen_tx.send(out.members[0].user_data.clone());
                    }
                    Err(e) => {
                        eprintln!("failed call: {e}");
                        failures.fetch_add(1, Ordering::Relaxed);
                    }
                }
                calls.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    wait_for("calls on version 1", PATIENCE, || {
        (seen_rx.recv().ok()? == b"1.0.0").then_some(())
    });

    publish(&plugin_lib("fixture-versioned-v2"), dir.path(), "versioned.so");
    wait_for("a call answered by version 2", PATIENCE, || {
        (seen_rx.recv().ok()? == b"2.0.0").then_some(())
    });
    stop.store(true, Ordering::Relaxed);
    caller.join().unwrap();

    assert_eq!(
        failures.load(Ordering::Relaxed),
        0,
        "of {} calls",
        calls.load(Ordering::Relaxed)
    );
    let event = next_event(&events, "versioned");
    assert_eq!(event.version, "2.0.0");
    assert!(
        matches!(event.change, Change::Updated { ref previous_version, .. } if previous_version == "1.0.0")
    );
}

#[test]
fn a_plugin_with_a_builtins_name_takes_it_over_and_removing_it_restores_the_builtin() {
    let dir = tempfile::tempdir().unwrap();
    let registry = Registry::start(config(dir.path())).unwrap();
    let events = registry.subscribe();
    assert_eq!(registry.get("range").unwrap().source, Source::Builtin);

    let file = publish(&plugin_lib("regroup-range"), dir.path(), "range.so");
    wait_for("the file to settle and load", PATIENCE, || {
        (!registry.rescan()).then_some(())
    });
    assert!(matches!(
        registry.get("range").unwrap().source,
        Source::File { .. }
    ));
    let event = next_event(&events, "range");
    assert!(
        matches!(&event.change, Change::Updated { previous_source, .. } if previous_source == "built-in")
    );
    registry.assign("range", group("")).unwrap();

    std::fs::remove_file(file).unwrap();
    registry.rescan();
    assert_eq!(registry.get("range").unwrap().source, Source::Builtin);
    let event = next_event(&events, "range");
    assert_eq!(event.source, "built-in");
    assert!(matches!(event.change, Change::Updated { .. }));
}

#[test]
fn a_removed_plugin_is_withdrawn_with_an_event() {
    let dir = tempfile::tempdir().unwrap();
    let file = publish(&plugin_lib("fixture-misbehaving"), dir.path(), "misbehaving.so");
    let registry = Registry::start(config(dir.path())).unwrap();
    let events = registry.subscribe();
    std::fs::remove_file(file).unwrap();
    registry.rescan();
    assert!(registry.get("misbehaving").is_none());
    assert_eq!(next_event(&events, "misbehaving").change, Change::Removed);
    let err = registry.assign("misbehaving", group("")).unwrap_err();
    assert_eq!(err.failure, RunFailure::Unknown);
}

#[test]
fn each_broken_kind_is_rejected_with_its_reason_while_good_plugins_keep_working() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("junk.so"), b"this is not a library at all").unwrap();
    publish(&plugin_lib("fixture-not-a-plugin"), d, "not-a-plugin.so");
    let good = std::fs::read(plugin_lib("fixture-misbehaving")).unwrap();
    std::fs::write(d.join("truncated.so"), &good[..good.len() / 2]).unwrap();
    publish(&plugin_lib("fixture-wrong-abi"), d, "wrong-abi.so");
    publish(&plugin_lib("fixture-panics-on-load"), d, "panics-on-load.so");
    publish(&plugin_lib("fixture-crashes-on-load"), d, "crashes-on-load.so");
    publish(&plugin_lib("fixture-misbehaving"), d, "a-misbehaving.so");
    publish(&plugin_lib("fixture-misbehaving"), d, "b-misbehaving-again.so");
    std::thread::sleep(Duration::from_millis(150)); // let the truncated file settle, as a stalled writer's would
    let registry = Registry::start(config(d)).unwrap();
    registry.rescan();

    let expect = |file: &str, matches: fn(&LoadError) -> bool| {
        let error = rejection(&registry, file).unwrap_or_else(|| panic!("{file} was not rejected"));
        assert!(matches(&error), "{file}: unexpected reason: {error}");
        error
    };
    expect("junk.so", |e| matches!(e, LoadError::NotALibrary(_)));
    expect("not-a-plugin.so", |e| matches!(e, LoadError::NotAPlugin));
    expect("truncated.so", |e| matches!(e, LoadError::Truncated(_)));
    let abi = expect("wrong-abi.so", |e| {
        matches!(e, LoadError::IncompatibleContract { .. })
    });
    assert!(
        abi.to_string().lines().count() <= 5,
        "the error line stays short:\n{abi}"
    );
    assert!(
        abi.detail().unwrap().len() > abi.to_string().len(),
        "the full report is kept for debug logs"
    );
    let panicked = expect("panics-on-load.so", |e| matches!(e, LoadError::LoadPanicked(_)));
    assert!(
        panicked.to_string().contains("cannot describe itself"),
        "{panicked}"
    );
    let crashed = expect("crashes-on-load.so", |e| matches!(e, LoadError::ProbeCrashed(_)));
    assert!(crashed.to_string().contains("SIGABRT"), "{crashed}");
    let taken = expect("b-misbehaving-again.so", |e| {
        matches!(e, LoadError::NameTaken { .. })
    });
    assert!(taken.to_string().contains("a-misbehaving.so"), "{taken}");
    assert_eq!(registry.rejected().len(), 7);

    let served = registry.get("misbehaving").unwrap();
    assert!(matches!(&served.source, Source::File { path, .. } if path.ends_with("a-misbehaving.so")));
    registry.assign("misbehaving", group("")).unwrap();
    registry.assign("range", group("")).unwrap();
}

#[test]
fn a_file_still_being_written_is_never_loaded_then_loads_once_complete() {
    let dir = tempfile::tempdir().unwrap();
    let registry = Registry::start(config(dir.path())).unwrap();
    let bytes = std::fs::read(plugin_lib("fixture-versioned-v1")).unwrap();
    let path = dir.path().join("versioned.so");
    {
        use std::io::Write;
        let mut file = std::fs::File::create(&path).unwrap();
        // A slow copy: a chunk every 20 ms, rescanning all the while.
        for chunk in bytes.chunks(bytes.len() / 20 + 1) {
            file.write_all(chunk).unwrap();
            file.flush().unwrap();
            registry.rescan();
            assert!(registry.get("versioned").is_none(), "a partial file was loaded");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    wait_for("the complete file to load", PATIENCE, || {
        registry.rescan();
        registry.get("versioned")
    });
    assert!(rejection(&registry, "versioned.so").is_none());
}

#[test]
fn a_truncated_file_that_is_later_completed_is_loaded() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(plugin_lib("fixture-versioned-v1")).unwrap();
    let path = dir.path().join("versioned.so");
    std::fs::write(&path, &bytes[..bytes.len() / 3]).unwrap();
    std::thread::sleep(Duration::from_millis(150));
    let registry = Registry::start(config(dir.path())).unwrap();
    assert!(matches!(
        rejection(&registry, "versioned.so"),
        Some(LoadError::Truncated(_))
    ));
    std::fs::write(&path, &bytes).unwrap();
    wait_for("the completed file to load", PATIENCE, || {
        registry.rescan();
        registry.get("versioned")
    });
    assert!(rejection(&registry, "versioned.so").is_none());
}

fn misbehaving_registry(isolation: Isolation) -> (tempfile::TempDir, Registry) {
    misbehaving_registry_with_deadline(isolation, Duration::from_millis(700))
}

fn misbehaving_registry_with_deadline(
    isolation: Isolation,
    deadline: Duration,
) -> (tempfile::TempDir, Registry) {
    let dir = tempfile::tempdir().unwrap();
    publish(&plugin_lib("fixture-misbehaving"), dir.path(), "misbehaving.so");
    let mut config = config(dir.path());
    config.default_isolation = isolation;
    config.deadline = deadline;
    let registry = Registry::start(config).unwrap();
    assert_eq!(registry.get("misbehaving").unwrap().isolation, isolation);
    (dir, registry)
}

#[test]
fn a_panicking_assign_returns_an_error_and_the_host_lives() {
    for isolation in [Isolation::InProcess, Isolation::Isolated] {
        // A panic's backtrace (with RUST_BACKTRACE set, in a debug build, on a busy machine) can
        // take longer than the 700 ms the loop tests use; this run must not meet the deadline.
        let (_dir, registry) = misbehaving_registry_with_deadline(isolation, Duration::from_secs(30));
        let err = registry.assign("misbehaving", group("panic")).unwrap_err();
        assert_eq!(
            err.failure,
            RunFailure::Panicked("asked to panic".into()),
            "{isolation}"
        );
        assert!(
            err.to_string().contains("misbehaving.so"),
            "names the plugin: {err}"
        );
        registry.assign("misbehaving", group("")).unwrap();
    }
}

#[test]
fn an_error_from_the_plugin_is_returned_as_such() {
    let (_dir, registry) = misbehaving_registry(Isolation::InProcess);
    let err = registry.assign("misbehaving", group("error")).unwrap_err();
    assert_eq!(err.failure, RunFailure::Returned("asked to fail".into()));
}

#[test]
fn an_endless_loop_in_isolated_mode_is_killed_at_the_deadline_and_the_next_call_works() {
    let (_dir, registry) = misbehaving_registry(Isolation::Isolated);
    let err = registry.assign("misbehaving", group("loop")).unwrap_err();
    assert_eq!(
        err.failure,
        RunFailure::DeadlineExceeded(Duration::from_millis(700))
    );
    let out = registry.assign("misbehaving", group("")).unwrap();
    assert_eq!(out.members[0].partitions.len(), 4);
}

#[test]
fn an_abort_in_isolated_mode_costs_only_the_worker() {
    let (_dir, registry) = misbehaving_registry(Isolation::Isolated);
    let err = registry.assign("misbehaving", group("abort")).unwrap_err();
    assert!(
        matches!(&err.failure, RunFailure::WorkerDied(how) if how.contains("SIGABRT")),
        "{err}"
    );
    registry.assign("misbehaving", group("")).unwrap();
}

#[test]
fn an_isolated_plugin_that_allocates_past_the_worker_memory_limit_costs_only_its_worker() {
    let dir = tempfile::tempdir().unwrap();
    publish(&plugin_lib("fixture-misbehaving"), dir.path(), "misbehaving.so");
    let mut config = config(dir.path());
    config.default_isolation = Isolation::Isolated;
    config.deadline = Duration::from_secs(60);
    config.worker_max_memory = Some(256 << 20);
    let registry = Registry::start(config).unwrap();
    // A gigabyte: fine without a limit, four times this worker's.
    let err = registry
        .assign("misbehaving", group("allocate:1024"))
        .unwrap_err();
    assert!(
        matches!(&err.failure, RunFailure::WorkerDied(how) if how.contains("at most 256 MiB of heap")),
        "{err}"
    );
    // Within the limit it works, in a fresh worker.
    registry.assign("misbehaving", group("allocate:64")).unwrap();
}

#[test]
fn an_in_process_endless_loop_misses_the_deadline_without_blocking_the_caller() {
    let (_dir, registry) = misbehaving_registry(Isolation::InProcess);
    let err = registry.assign("misbehaving", group("loop")).unwrap_err();
    assert_eq!(
        err.failure,
        RunFailure::DeadlineExceeded(Duration::from_millis(700))
    );
}

#[test]
fn an_in_process_run_past_its_deadline_is_never_started_again_while_it_runs_then_cools_down() {
    let dir = tempfile::tempdir().unwrap();
    publish(&plugin_lib("fixture-misbehaving"), dir.path(), "misbehaving.so");
    let mut config = config(dir.path());
    config.deadline = Duration::from_millis(700);
    config.overrun_cooldown = Duration::from_secs(1);
    let registry = Registry::start(config).unwrap();

    let err = registry.assign("misbehaving", group("sleep:2500")).unwrap_err();
    assert_eq!(
        err.failure,
        RunFailure::DeadlineExceeded(Duration::from_millis(700))
    );
    // Its thread sleeps on: a second run would be a second thread, so none is started.
    let err = registry.assign("misbehaving", group("")).unwrap_err();
    assert_eq!(err.failure, RunFailure::StillRunning, "{err}");
    // Once that run ends, the cool-down keeps it aside a while longer; then it runs again.
    let err = wait_for("the abandoned run to end", PATIENCE, || {
        registry
            .assign("misbehaving", group(""))
            .err()
            .filter(|e| e.failure != RunFailure::StillRunning)
    });
    assert!(matches!(err.failure, RunFailure::SetAside(_)), "{err}");
    assert!(err.to_string().contains("set aside"), "{err}");
    let out = wait_for("the cool-down to end", PATIENCE, || {
        registry.assign("misbehaving", group("")).ok()
    });
    assert_eq!(out.members[0].partitions.len(), 4);
}

#[test]
fn an_invalid_assignment_is_rejected_naming_the_violation() {
    for isolation in [Isolation::InProcess, Isolation::Isolated] {
        let (_dir, registry) = misbehaving_registry(isolation);
        type Expect = fn(&Violation) -> bool;
        let cases: [(&str, Expect); 4] = [
            ("invalid:twice", |v| matches!(v, Violation::AssignedTwice { .. })),
            ("invalid:unknown-member", |v| {
                matches!(v, Violation::UnknownMember { .. })
            }),
            ("invalid:unassigned", |v| {
                matches!(v, Violation::Unassigned { .. })
            }),
            ("invalid:unsubscribed", |v| {
                matches!(v, Violation::UnknownPartition { .. })
            }),
        ];
        for (ask, matches) in cases {
            let err = registry.assign("misbehaving", group(ask)).unwrap_err();
            match &err.failure {
                RunFailure::Invalid(v) => assert!(matches(v), "{ask}: {err}"),
                other => panic!("{ask}: expected an invalid assignment, got {other}"),
            }
        }
    }
}

#[test]
fn a_file_renamed_into_a_watched_directory_is_served_without_a_manual_rescan() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    config.rescan_interval = Duration::from_secs(3600); // only file events can make it quick
    let registry = Registry::start(config).unwrap();
    let events = registry.subscribe();
    registry.watch();
    publish(&plugin_lib("fixture-versioned-v1"), dir.path(), "versioned.so");
    let event = next_event(&events, "versioned");
    assert_eq!(event.change, Change::Added);
    assert!(registry.get("versioned").is_some());
}

#[test]
fn a_rolled_back_version_is_served_again() {
    let dir = tempfile::tempdir().unwrap();
    publish(&plugin_lib("fixture-versioned-v1"), dir.path(), "versioned.so");
    let registry = Registry::start(config(dir.path())).unwrap();
    let answer = |registry: &Registry| {
        registry.assign("versioned", group("")).unwrap().members[0]
            .user_data
            .clone()
    };
    assert_eq!(answer(&registry), b"1.0.0");
    for (lib, want) in [
        ("fixture-versioned-v2", b"2.0.0"),
        ("fixture-versioned-v1", b"1.0.0"),
    ] {
        publish(&plugin_lib(lib), dir.path(), "versioned.so");
        wait_for(&format!("{lib} to serve"), PATIENCE, || {
            registry.rescan();
            (answer(&registry) == want).then_some(())
        });
    }
    assert!(registry.rejected().is_empty());
}
