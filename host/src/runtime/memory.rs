//! The process's allocator settings.

/// Most free memory glibc's malloc keeps for reuse before handing any back to the kernel.
const KEEP_FREE_BYTES: i32 = 512 << 20;
/// Allocations at least this large get their own mapping (glibc's ceiling for the setting).
const OWN_MAPPING_BYTES: i32 = 32 << 20;

/// Has malloc keep freed memory for reuse instead of returning it to the kernel at each free.
///
/// An assignment of a million partitions allocates and frees tens of megabytes on a fresh thread
/// every time (the group, the result, the plugin's reply), and malloc's defaults return that
/// memory on free and fault it in again on the next call: about 40% of such a call
/// (`cargo bench -p regroup --bench plugins`: the linked-in `range` at 2,000 x 1M takes 14 ms
/// with the defaults, 8.7 ms with this). The price: after a large rebalance the process keeps
/// up to `KEEP_FREE_BYTES` of free heap instead of shrinking. The `regroup` binary calls this
/// first thing (its plugin workers too); the benchmarks call it to measure what it runs.
pub fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes malloc's tunables; it is called before other threads exist
    // (and is itself thread-safe).
    unsafe {
        libc::mallopt(libc::M_TRIM_THRESHOLD, KEEP_FREE_BYTES);
        libc::mallopt(libc::M_MMAP_THRESHOLD, OWN_MAPPING_BYTES);
    }
}
