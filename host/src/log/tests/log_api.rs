//! The host-level API: topic lifecycle, events, routing, errors, threads, reopen.

use std::time::{Duration, Instant};

use crate::log::{
    FlushPolicy, Log, LogError, LogOptions, OffsetSpec, Record, RecoveryAction, TopicEvent, TopicSettings,
};

fn open(dir: &std::path::Path) -> Log {
    let options = LogOptions {
        default_flush: FlushPolicy::Os,
        ..LogOptions::default()
    };
    let (log, report) = Log::open(dir, options).unwrap();
    assert!(report.is_clean(), "{report:?}");
    log
}

/// Polls `condition` until it holds; fails after a generous deadline instead of hanging.
fn eventually(what: &str, condition: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !condition() {
        assert!(Instant::now() < deadline, "{what} never happened");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn topics_are_created_listed_described_and_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path());
    let events = log.subscribe();
    let created = log.create_topic("orders", 3, TopicSettings::default()).unwrap();
    assert_eq!((created.partitions.len(), created.replication_factor), (3, 1));
    assert_eq!(created.flush, FlushPolicy::Os, "the host default applies");
    log.create_topic(
        "audit",
        1,
        TopicSettings {
            flush: Some(FlushPolicy::EveryBatch),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(log.list_topics(), ["audit", "orders"]);
    assert_eq!(
        log.describe_topic("audit").unwrap().flush,
        FlushPolicy::EveryBatch
    );
    assert!(matches!(
        log.create_topic("orders", 1, TopicSettings::default()),
        Err(LogError::TopicExists { .. })
    ));
    log.delete_topic("orders").unwrap();
    assert_eq!(log.list_topics(), ["audit"]);
    assert!(!dir.path().join("orders").exists());
    assert!(matches!(
        log.describe_topic("orders"),
        Err(LogError::UnknownTopic { .. })
    ));
    assert!(matches!(
        log.delete_topic("orders"),
        Err(LogError::UnknownTopic { .. })
    ));
    let received: Vec<TopicEvent> = events.try_iter().collect();
    assert_eq!(
        received,
        [
            TopicEvent::Created {
                topic: "orders".into(),
                partitions: 3
            },
            TopicEvent::Created {
                topic: "audit".into(),
                partitions: 1
            },
            TopicEvent::Deleted {
                topic: "orders".into()
            },
        ]
    );
}

#[test]
fn adding_partitions_publishes_an_event_for_rebalancing() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path());
    log.create_topic("orders", 2, TopicSettings::default()).unwrap();
    let events = log.subscribe();
    let described = log.add_partitions("orders", 5).unwrap();
    assert_eq!(described.partitions.len(), 5);
    assert_eq!(
        events.try_recv().unwrap(),
        TopicEvent::PartitionsAdded {
            topic: "orders".into(),
            previous: 2,
            now: 5
        }
    );
    let error = log.add_partitions("orders", 4).unwrap_err();
    assert!(
        matches!(
            error,
            LogError::PartitionCountNotIncreased {
                current: 5,
                requested: 4,
                ..
            }
        ),
        "{error}"
    );
    assert!(events.try_recv().is_err(), "a refused change publishes nothing");
}

#[test]
fn bad_names_factors_and_partitions_get_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path());
    let error = log.create_topic("a/b", 1, TopicSettings::default()).unwrap_err();
    assert!(
        error.to_string().contains("invalid topic name \"a/b\""),
        "{error}"
    );
    let error = log
        .create_topic(
            "replicated",
            1,
            TopicSettings {
                replication_factor: 3,
                ..Default::default()
            },
        )
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("replication factor 3 is not supported"),
        "{error}"
    );
    assert!(matches!(
        log.create_topic("none", 0, TopicSettings::default()),
        Err(LogError::InvalidSettings { .. })
    ));
    assert!(log.list_topics().is_empty(), "nothing half-created");
    log.create_topic("t", 2, TopicSettings::default()).unwrap();
    let error = log.fetch("t", 9, 0, 100).unwrap_err();
    assert!(
        error.to_string().contains("has no partition 9 (it has 2)"),
        "{error}"
    );
    assert!(matches!(
        log.append("missing", vec![Record::new("x")]),
        Err(LogError::UnknownTopic { .. })
    ));
}

#[test]
fn keyed_records_land_on_kafkas_partition_and_survive_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let log = open(dir.path());
        log.create_topic("t", 10, TopicSettings::default()).unwrap();
        let appended = log
            .append("t", vec![Record::new("v").with_key("21").with_header("h", "1")])
            .unwrap();
        // Kafka's UtilsTest: murmur2("21") = -973932308, toPositive = 1173551340, % 10 = 0.
        assert_eq!(appended[0].partition, 0);
    }
    let log = open(dir.path());
    let fetch = log.fetch("t", 0, 0, 1000).unwrap();
    let record = &fetch.batches[0].records[0];
    assert_eq!(
        (record.key.as_deref(), record.value.as_slice()),
        (Some(&b"21"[..]), &b"v"[..])
    );
    assert_eq!(record.headers[0].name, "h");
    assert_eq!(log.list_offset("t", 0, OffsetSpec::Latest).unwrap(), Some(1));
    assert_eq!(
        log.list_offset("t", 0, OffsetSpec::Timestamp(record.timestamp))
            .unwrap(),
        Some(0)
    );
}

#[test]
fn background_retention_advances_the_log_start() {
    let dir = tempfile::tempdir().unwrap();
    let options = LogOptions {
        default_flush: FlushPolicy::Os,
        retention_check_interval: Duration::from_millis(10),
        ..LogOptions::default()
    };
    let (log, _) = Log::open(dir.path(), options).unwrap();
    let settings = TopicSettings {
        segment_bytes: 256,
        retention_bytes: Some(256),
        ..TopicSettings::default()
    };
    log.create_topic("t", 1, settings).unwrap();
    for i in 0..50 {
        log.append_to(
            "t",
            0,
            &[Record::new(format!("record-{i:03}-{}", "x".repeat(40)))],
        )
        .unwrap();
    }
    // Passes may run between the appends; wait for one after the last append.
    eventually("retention by the background thread", || {
        log.describe_topic("t").unwrap().partitions[0].size_bytes < 1024
    });
    assert!(
        log.fetch("t", 0, 0, 1).is_err(),
        "offset 0 is below the log start"
    );
    let start = log.list_offset("t", 0, OffsetSpec::Earliest).unwrap().unwrap();
    assert!(start > 0);
    let fetch = log.fetch("t", 0, start, u64::MAX).unwrap();
    assert_eq!(fetch.log_start_offset, start);
    assert_eq!(fetch.batches.last().unwrap().records.last().unwrap().offset, 49);
}

#[test]
fn interval_flush_policy_is_served_by_the_flusher_thread() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path());
    let settings = TopicSettings {
        flush: Some(FlushPolicy::Interval(Duration::from_millis(5))),
        ..TopicSettings::default()
    };
    log.create_topic("t", 1, settings).unwrap();
    log.append_to("t", 0, &[Record::new("x")]).unwrap();
    let topic = log.topic("t").unwrap();
    let partition = topic.partition(0).unwrap();
    assert!(partition.has_unflushed_appends());
    eventually("the interval flush", || !partition.has_unflushed_appends());
}

#[test]
fn stray_entries_in_the_log_and_topic_directories_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    {
        let log = open(dir.path());
        log.create_topic("t", 1, TopicSettings::default()).unwrap();
    }
    std::fs::write(dir.path().join("README"), b"hello").unwrap();
    std::fs::create_dir(dir.path().join("half-created")).unwrap();
    std::fs::create_dir(dir.path().join("t").join("7")).unwrap();
    let (log, report) = Log::open(dir.path(), LogOptions::default()).unwrap();
    assert_eq!(report.stray_paths.len(), 2, "{report:?}");
    let strays: Vec<_> = report
        .actions()
        .filter(|(_, _, a)| matches!(a, RecoveryAction::IgnoredStrayFile { .. }))
        .collect();
    assert_eq!(strays.len(), 1, "{report:?}");
    assert_eq!(log.list_topics(), ["t"]);
    let error = log
        .create_topic("half-created", 1, TopicSettings::default())
        .unwrap_err();
    assert!(error.to_string().contains("holds no topic"), "{error}");
}

#[test]
fn partitions_past_the_hosts_limit_are_refused_before_any_file_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let options = LogOptions {
        default_flush: FlushPolicy::Os,
        max_partitions: Some(10),
        ..LogOptions::default()
    };
    let (log, _) = Log::open(dir.path(), options).unwrap();
    log.create_topic("small", 6, TopicSettings::default()).unwrap();
    let error = log
        .create_topic("huge", 100_000, TopicSettings::default())
        .unwrap_err();
    assert!(matches!(error, LogError::InvalidSettings { .. }), "{error}");
    assert!(error.to_string().contains("limit of 10"), "{error}");
    assert!(!dir.path().join("huge").exists(), "nothing was created");
    let error = log.add_partitions("small", 11).unwrap_err();
    assert!(error.to_string().contains("would make 11 on"), "{error}");
    assert_eq!(log.describe_topic("small").unwrap().partitions.len(), 6);
    log.create_topic("fits", 4, TopicSettings::default()).unwrap();
}

#[test]
fn a_data_directory_of_log_format_1_is_refused_at_open_naming_the_file_and_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    {
        let log = open(dir.path());
        log.create_topic("old", 1, TopicSettings::default()).unwrap();
    }
    let conf = dir.path().join("old").join("topic.conf");
    let text = std::fs::read_to_string(&conf).unwrap();
    assert!(text.starts_with("format_version = 2\n"), "{text}");
    // As a format-1 host wrote it: `key=value` lines.
    std::fs::write(
        &conf,
        "format_version=1\npartitions=1\nreplication_factor=1\nflush=host\n",
    )
    .unwrap();
    let error = Log::open(dir.path(), LogOptions::default()).unwrap_err();
    assert!(
        matches!(
            error,
            LogError::UnsupportedFormat {
                found: 1,
                supported: 2,
                ..
            }
        ),
        "{error}"
    );
    let message = error.to_string();
    assert!(message.contains(&conf.display().to_string()), "{message}");
    assert!(
        message.contains("Read the data out with the Regroup build that wrote it"),
        "{message}"
    );
}

#[test]
fn a_topic_keeps_its_id_across_reopen_and_a_topic_created_again_gets_a_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let first = {
        let log = open(dir.path());
        log.create_topic("t", 1, TopicSettings::default()).unwrap();
        log.topic_id("t").unwrap()
    };
    assert_ne!(first, [0; 16]);
    // open() asserts a clean report: topic.id is not taken for a stray file.
    let log = open(dir.path());
    assert_eq!(log.topic_id("t").unwrap(), first);
    log.delete_topic("t").unwrap();
    log.create_topic("t", 1, TopicSettings::default()).unwrap();
    assert_ne!(log.topic_id("t").unwrap(), first);
    assert!(matches!(
        log.topic_id("nosuch"),
        Err(LogError::UnknownTopic { .. })
    ));
}

#[test]
fn a_topic_from_before_topic_ids_gets_one_at_open_and_keeps_it() {
    let dir = tempfile::tempdir().unwrap();
    {
        let log = open(dir.path());
        log.create_topic("t", 1, TopicSettings::default()).unwrap();
    }
    std::fs::remove_file(dir.path().join("t/topic.id")).unwrap();
    let given = open(dir.path()).topic_id("t").unwrap();
    assert_ne!(given, [0; 16]);
    assert_eq!(open(dir.path()).topic_id("t").unwrap(), given);
}
