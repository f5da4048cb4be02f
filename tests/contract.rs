//! The contract can grow: a plugin built against the frozen contract 1.0
//! (`tests/fixtures/old-contract/contract-1.0`)
//! still loads and assigns in a host whose group envelope has a field 1.0 never knew
//! (`GroupSpec::group_id`), while a plugin built against the current contract reads that field.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use regroup::registry::{Isolation, Registry, RegistryConfig};
use regroup_assignor_api::abi;
use regroup_assignor_api::kit;
use regroup_assignor_api::model::GroupSpec;
use regroup_tests::{plugin_lib, publish, regroup_exe};

fn registry(dir: &Path, isolation: Isolation) -> Registry {
    publish(&plugin_lib("fixture-old-contract"), dir, "old-contract.so");
    publish(&plugin_lib("fixture-reads-group-id"), dir, "reads-group-id.so");
    let mut config = RegistryConfig::new(Some(dir.to_owned()), regroup_exe());
    config.settle_time = Duration::from_millis(100);
    config.default_isolation = isolation;
    Registry::start(config).unwrap()
}

fn group() -> Arc<GroupSpec> {
    Arc::new(
        GroupSpec::builder()
            .group_id("orders-readers")
            .generation(7)
            .topic("orders", 5)
            .topic("audit", 1)
            .member("c2", &["orders"])
            .member("c1", &["orders", "audit"])
            .member("c3", &["orders"])
            .build(),
    )
}

#[test]
fn a_plugin_of_contract_1_0_loads_and_assigns_beside_one_that_reads_the_new_field() {
    for isolation in [Isolation::InProcess, Isolation::Isolated] {
        let dir = tempfile::tempdir().unwrap();
        let registry = registry(dir.path(), isolation);
        assert!(registry.rejected().is_empty(), "{:?}", registry.rejected());

        // The old plugin declares nothing, so it is sent version 1 of the group envelope.
        let old = registry.get("old-contract").expect("the 1.0 plugin is served");
        assert!(old.info.reads.is_empty());
        assert_eq!(abi::group_spec_version(&old.info), Some(1));
        let group = group();
        let out = registry.assign("old-contract", Arc::clone(&group)).unwrap();
        kit::validate(&group, &out).unwrap();
        // orders dealt to c1, c2, c3 in turn; audit to its only subscriber.
        let names = |m: &str| kit::partition_names(&group, &out, m);
        assert_eq!(names("c1"), ["audit-0", "orders-0", "orders-3"], "{isolation:?}");
        assert_eq!(names("c2"), ["orders-1", "orders-4"]);
        assert_eq!(names("c3"), ["orders-2"]);
        for m in &out.members {
            assert_eq!(m.user_data, b"generation 7, 3 members", "it read the group right");
        }

        // The current plugin reads the newest version, group id included.
        let new = registry.get("reads-group-id").unwrap();
        assert_eq!(
            abi::group_spec_version(&new.info),
            Some(<GroupSpec as regroup_assignor_api::codec::Envelope>::VERSION)
        );
        let out = registry.assign("reads-group-id", Arc::clone(&group)).unwrap();
        assert!(out.members.iter().all(|m| m.user_data == b"orders-readers"));
        let mut anonymous = (*group).clone();
        anonymous.group_id = None;
        let out = registry.assign("reads-group-id", Arc::new(anonymous)).unwrap();
        assert!(out.members.iter().all(|m| m.user_data == b"none"));
    }
}
