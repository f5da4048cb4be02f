//! The ELF check fuzzed over a whole real library: mutations land anywhere in the file, with a
//! bias towards what the check reads wherever it lies (the ELF header, the program and section
//! header tables far into the file, the dynamic symbol and string tables and their headers, the
//! dynamic section, the file's last page), and may shift everything after them. The check never
//! panics, holds no more than a bounded amount beyond the file, and every refusal says what is
//! wrong with the file.

use proptest::prelude::*;
use proptest::sample::Index;
use regroup_fuzz_support::{Mutation, config, mutations, peak_allocation};

use super::tests::{dynstr_header, library};
use super::*;

const SHT_DYNAMIC: u32 = 6;
/// Bytes of the file each mutation window covers.
const WINDOW: usize = 4096;

fn field(lib: &[u8], at: usize, width: usize) -> usize {
    let mut bytes = [0u8; 8];
    bytes[..width].copy_from_slice(&lib[at..at + width]);
    u64::from_le_bytes(bytes) as usize
}

/// Offsets in the library where the check's inputs lie.
fn regions(lib: &[u8]) -> Vec<usize> {
    let (phoff, shoff) = (field(lib, 32, 8), field(lib, 40, 8));
    let (shentsize, shnum) = (field(lib, 58, 2), field(lib, 60, 2));
    let section_of_kind = |kind: u32| {
        (0..shnum)
            .map(|i| shoff + i * shentsize)
            .find(|&at| field(lib, at + 4, 4) == kind as usize)
            .expect("the library has the section")
    };
    let (dynsym, dynstr, dynamic) = (
        section_of_kind(SHT_DYNSYM),
        dynstr_header(lib),
        section_of_kind(SHT_DYNAMIC),
    );
    vec![
        0,
        phoff,
        shoff,
        dynsym,
        dynstr,
        field(lib, dynsym + 24, 8),
        field(lib, dynstr + 24, 8),
        field(lib, dynamic + 24, 8),
        lib.len() - WINDOW,
    ]
}

/// Where a window of mutations goes: one of the regions (most often) or anywhere in the file.
fn window(regions: Vec<usize>) -> impl Strategy<Value = (Option<usize>, Index, Vec<Mutation>)> {
    (
        prop::option::weighted(0.8, prop::sample::select(regions)),
        any::<Index>(),
        mutations(),
    )
}

#[test]
fn mutated_libraries_anywhere_in_the_file_never_panic_the_check_and_refusals_say_why() {
    let lib = library();
    assert!(check(lib, "malloc").unwrap().iter().any(|name| name == "malloc"));
    let regions = regions(lib);
    proptest!(config(), |(windows in prop::collection::vec(window(regions.clone()), 1..4))| {
        let mut mutated = lib.to_vec();
        for (region, anywhere, mutations) in windows {
            let start = region.unwrap_or_else(|| anywhere.index(mutated.len())).min(mutated.len());
            let end = (start + WINDOW).min(mutated.len());
            let mut part = mutated[start..end].to_vec();
            for mutation in &mutations {
                mutation.apply(&mut part);
            }
            mutated.splice(start..end, part);
        }
        let (checked, peak) = peak_allocation(|| check(&mutated, "malloc"));
        // The section list (at most 65,535 headers read) and the names found.
        prop_assert!(peak <= 1 << 20, "{peak} bytes held checking {} bytes", mutated.len());
        if let Err(refusal) = checked {
            let message = refusal.to_string();
            prop_assert!(
                ["ELF", "library", "machine", "table", "ends at byte"].iter().any(|w| message.contains(w)),
                "the refusal says what was wrong: {message}"
            );
            if let ElfError::Truncated { end, len, .. } = refusal {
                prop_assert_eq!(len, mutated.len() as u64, "the refusal names the file's length");
                prop_assert!(end > len);
            }
        }
    });
}

/// A section header table of zero-sized entries claiming 65,535 of them takes no bytes of the
/// file: refused by its entry size, not read as 65,535 copies of one header.
#[test]
fn header_tables_of_entries_smaller_than_elf64_s_are_refused() {
    for (at, table) in [(54, "program"), (58, "section")] {
        let mut lib = library().to_vec();
        lib[at..at + 2].copy_from_slice(&0u16.to_le_bytes());
        lib[at + 2..at + 4].copy_from_slice(&u16::MAX.to_le_bytes());
        let refusal = check(&lib, "malloc").unwrap_err().to_string();
        assert!(
            refusal.contains(&format!("{table} header entries of 0 bytes")),
            "{refusal}"
        );
    }
}
