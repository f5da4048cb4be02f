//! File descriptors: the process's limit raised to what it may have, and shared between
//! connections and partitions so that neither can starve the other of `open`.

/// Descriptors kept aside for everything else: the offsets log, plugin files and probe
/// pipes, the runtime's own, standard streams.
const RESERVED_DESCRIPTORS: u64 = 256;
/// Files a partition may keep open: its active segment's log, offset index and time index once
/// it is written to (an idle one keeps only its log open; the budget counts the worst case).
pub const DESCRIPTORS_PER_PARTITION: u64 = 3;

/// How many connections and partitions the host may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DescriptorBudget {
    /// The process's limit on open descriptors (`RLIMIT_NOFILE`) after raising it.
    pub open_files: u64,
    pub max_connections: usize,
    pub max_partitions: u32,
}

/// Raises the soft limit on open descriptors to the hard limit (as a service manager's
/// `LimitNOFILE` would) and returns it; `None` when it cannot be read.
pub fn raise_open_files_limit() -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes the struct passed; it lives for the call.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return None;
    }
    // Some systems report an unlimited hard limit that setrlimit refuses; a million is plenty.
    let wanted = limit.rlim_max.min(1 << 20);
    if wanted > limit.rlim_cur {
        let raised = libc::rlimit {
            rlim_cur: wanted,
            rlim_max: limit.rlim_max,
        };
        // SAFETY: setrlimit reads the struct passed; it lives for the call.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            limit.rlim_cur = wanted;
        }
    }
    Some(limit.rlim_cur)
}

impl DescriptorBudget {
    /// Splits `open_files` descriptors (less a reserve): connections get what is configured,
    /// at most half (0: half), partitions what is configured of the rest (0: all of it). A
    /// configured limit that does not fit is lowered, and a note says so.
    pub fn split(open_files: u64, max_connections: usize, max_partitions: u32) -> (Self, Vec<String>) {
        let mut notes = Vec::new();
        let usable = open_files.saturating_sub(RESERVED_DESCRIPTORS).max(2);
        let connections = match max_connections as u64 {
            0 => usable / 2,
            wanted if wanted > usable / 2 => {
                let fitted = usable / 2;
                notes.push(format!(
                    "max_connections {wanted} does not fit {open_files} open files: {fitted} instead"
                ));
                fitted
            }
            wanted => wanted,
        }
        .max(1);
        let for_partitions = (usable - connections.min(usable)) / DESCRIPTORS_PER_PARTITION;
        let partitions = match u64::from(max_partitions) {
            0 => for_partitions,
            wanted if wanted > for_partitions => {
                notes.push(format!(
                    "max_partitions {wanted} does not fit {open_files} open files beside {connections} \
                     connections: {for_partitions} instead"
                ));
                for_partitions
            }
            wanted => wanted,
        };
        let budget = DescriptorBudget {
            open_files,
            max_connections: connections as usize,
            max_partitions: partitions.min(u64::from(u32::MAX)) as u32,
        };
        (budget, notes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_split_what_is_left_between_connections_and_partitions() {
        let (budget, notes) = DescriptorBudget::split(20_000, 0, 0);
        assert!(notes.is_empty());
        assert_eq!(budget.max_connections, 9_872);
        assert_eq!(budget.max_partitions, 9_872 / 3);
    }

    #[test]
    fn limits_that_do_not_fit_the_descriptors_are_lowered_and_said_so() {
        let (budget, notes) = DescriptorBudget::split(1024, 1024, 100_000);
        assert_eq!(budget.max_connections, 384);
        assert_eq!(budget.max_partitions, 128);
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(notes[0].contains("max_connections 1024"), "{notes:?}");
        let (budget, notes) = DescriptorBudget::split(1024, 100, 50);
        assert_eq!((budget.max_connections, budget.max_partitions), (100, 50));
        assert!(notes.is_empty());
    }
}
