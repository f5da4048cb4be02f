//! Fuzzing on the stable toolchain (`cargo fuzz` needs nightly): property tests that start from
//! real, valid inputs made by the real encoders and mutate them as a coverage-blind fuzzer would
//! (bit flips, byte inserts and deletes, splices of the input into itself, integer fields set to
//! extremes, truncation), then feed them to a parser.
//!
//! - [`mutated`]: a strategy of mutated copies of one or more valid inputs.
//! - [`config`]: the case count, [`DEFAULT_CASES`] unless `REGROUP_FUZZ_CASES` says otherwise, so
//!   `cargo test` stays quick and a longer run is one variable away.
//! - [`CountingAllocator`] and [`peak_allocation`]: the most bytes a call held at once on its
//!   thread, so a test can assert that a parser's memory is bounded by its input or its limit.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::Config;

/// Cases per fuzz test in a plain `cargo test`.
pub const DEFAULT_CASES: u32 = 256;

/// Proptest's configuration for a fuzz test: [`DEFAULT_CASES`] cases, or `REGROUP_FUZZ_CASES`.
pub fn config() -> Config {
    Config {
        cases: std::env::var("REGROUP_FUZZ_CASES")
            .ok()
            .and_then(|cases| cases.parse().ok())
            .unwrap_or(DEFAULT_CASES),
        // A failure is shrunk, but not for minutes.
        max_shrink_iters: 2048,
        ..Config::default()
    }
}

/// Integers a length or count field is most often wrong with.
const EXTREMES: [u64; 10] = [
    0,
    1,
    0x7f,
    0x80,
    0xff,
    0x7fff,
    0xffff,
    0x7fff_ffff,
    0x8000_0000,
    u64::MAX,
];

const WIDTHS: &[u8] = &[1, 2, 4, 8];
const VARINTS: &[i64] = &[-2, -1, 0, i32::MAX as i64, i32::MIN as i64, i64::MAX, i64::MIN];

/// One change to a byte string; positions are fractions of its current length.
#[derive(Debug, Clone)]
pub enum Mutation {
    FlipBit(Index, u8),
    SetByte(Index, u8),
    Insert(Index, Vec<u8>),
    Delete(Index, usize),
    /// Copies `len` bytes from one place over another (repeated fields, shifted lengths).
    Splice {
        from: Index,
        to: Index,
        len: usize,
    },
    /// Writes an extreme integer of `width` bytes (1, 2, 4 or 8), big or little endian.
    Extreme {
        at: Index,
        width: u8,
        value: usize,
        big_endian: bool,
    },
    /// Writes an extreme value as a zigzag varint (the record batch's and Kafka's flexible lengths).
    Varint {
        at: Index,
        value: i64,
    },
    Truncate(Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => (any::<Index>(), 0..8u8).prop_map(|(at, bit)| Mutation::FlipBit(at, bit)),
        2 => (any::<Index>(), any::<u8>()).prop_map(|(at, byte)| Mutation::SetByte(at, byte)),
        1 => (any::<Index>(), prop::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(at, bytes)| Mutation::Insert(at, bytes)),
        1 => (any::<Index>(), 1..16usize).prop_map(|(at, len)| Mutation::Delete(at, len)),
        1 => (any::<Index>(), any::<Index>(), 1..64usize)
            .prop_map(|(from, to, len)| Mutation::Splice { from, to, len }),
        2 => (any::<Index>(), prop::sample::select(WIDTHS), 0..EXTREMES.len(), any::<bool>())
            .prop_map(|(at, width, value, big_endian)| Mutation::Extreme { at, width, value, big_endian }),
        1 => (any::<Index>(), prop::sample::select(VARINTS))
            .prop_map(|(at, value)| Mutation::Varint { at, value }),
        1 => any::<Index>().prop_map(Mutation::Truncate),
    ]
}

impl Mutation {
    /// Applies the change to `bytes` (a change that needs bytes where there are none is skipped).
    pub fn apply(&self, bytes: &mut Vec<u8>) {
        let len = bytes.len();
        match self {
            Mutation::FlipBit(at, bit) if len > 0 => bytes[at.index(len)] ^= 1 << bit,
            Mutation::SetByte(at, byte) if len > 0 => bytes[at.index(len)] = *byte,
            Mutation::Insert(at, new) => {
                let at = at.index(len + 1);
                bytes.splice(at..at, new.iter().copied());
            }
            Mutation::Delete(at, n) if len > 0 => {
                let at = at.index(len);
                bytes.drain(at..(at + n).min(len));
            }
            Mutation::Splice { from, to, len: n } if len > 0 => {
                let from = from.index(len);
                let to = to.index(len);
                let n = (*n).min(len - from).min(len - to);
                bytes.copy_within(from..from + n, to);
            }
            Mutation::Extreme {
                at,
                width,
                value,
                big_endian,
            } => {
                let width = usize::from(*width);
                let value = EXTREMES[*value].to_le_bytes();
                let mut field = value[..width].to_vec();
                if *big_endian {
                    field.reverse();
                }
                overwrite(bytes, at, &field);
            }
            Mutation::Varint { at, value } => overwrite(bytes, at, &zigzag_varint(*value)),
            Mutation::Truncate(at) => bytes.truncate(at.index(len + 1)),
            _ => {}
        }
    }
}

/// Writes `field` at a position of `bytes`, growing them where the field runs past the end.
fn overwrite(bytes: &mut Vec<u8>, at: &Index, field: &[u8]) {
    let at = at.index(bytes.len() + 1);
    let end = at + field.len();
    if bytes.len() < end {
        bytes.resize(end, 0);
    }
    bytes[at..end].copy_from_slice(field);
}

fn zigzag_varint(value: i64) -> Vec<u8> {
    let mut zigzag = ((value << 1) ^ (value >> 63)) as u64;
    let mut out = Vec::new();
    loop {
        let byte = (zigzag & 0x7f) as u8;
        zigzag >>= 7;
        if zigzag == 0 {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

/// 0 to 8 mutations, for a caller that applies them to a part of its input
/// ([`Mutation::apply`]).
pub fn mutations() -> impl Strategy<Value = Vec<Mutation>> {
    prop::collection::vec(mutation(), 0..8)
}

/// One of `valid` (chosen by the strategy) with 0 to 8 mutations applied. The valid inputs
/// themselves come out too, now and then, unmutated.
pub fn mutated(valid: Vec<Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    assert!(!valid.is_empty(), "fuzzing starts from at least one valid input");
    (prop::sample::select(valid), mutations()).prop_map(|(mut bytes, mutations)| {
        for mutation in &mutations {
            mutation.apply(&mut bytes);
        }
        bytes
    })
}

thread_local! {
    /// Bytes this thread holds now and the most it held since [`peak_allocation`] began, both
    /// counted from the start of the measured call.
    static HELD: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn count(delta: isize) {
    // `try_with`: allocations while the thread's locals are torn down are not counted.
    let _ = HELD.try_with(|held| {
        let now = held.get() + delta;
        held.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

/// The system allocator, counting each thread's bytes for [`peak_allocation`]. A test crate
/// installs it with `#[global_allocator] static A: CountingAllocator = CountingAllocator;`.
pub struct CountingAllocator;

// SAFETY: every call is forwarded to the system allocator unchanged; counting only reads the
// layout's size and touches thread-local cells that never allocate.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            count(layout.size() as isize);
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            count(layout.size() as isize);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract, passed on.
        unsafe { System.dealloc(ptr, layout) };
        count(-(layout.size() as isize));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            count(new_size as isize - layout.size() as isize);
        }
        new
    }
}

/// Runs `call` and returns its result with the most bytes its thread held at once during the
/// call, beyond what it held before. Zero unless [`CountingAllocator`] is the global allocator.
pub fn peak_allocation<R>(call: impl FnOnce() -> R) -> (R, usize) {
    HELD.with(|held| held.set(0));
    PEAK.with(|peak| peak.set(0));
    let result = call();
    let peak = PEAK.with(Cell::get);
    (result, peak.max(0) as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[global_allocator]
    static ALLOCATOR: CountingAllocator = CountingAllocator;

    #[test]
    fn the_peak_counts_what_a_call_held_at_once() {
        let ((), peak) = peak_allocation(|| {
            let big = vec![1u8; 1 << 20];
            drop(std::hint::black_box(big));
            let small = vec![1u8; 1 << 10];
            drop(std::hint::black_box(small));
        });
        assert!((1 << 20..(1 << 20) + 4096).contains(&peak), "{peak}");
    }

    #[test]
    fn zigzag_varints_are_kafkas() {
        assert_eq!(zigzag_varint(0), [0]);
        assert_eq!(zigzag_varint(-1), [1]);
        assert_eq!(zigzag_varint(1), [2]);
        assert_eq!(zigzag_varint(-64), [0x7f]);
        assert_eq!(zigzag_varint(64), [0x80, 0x01]);
    }

    #[test]
    fn mutations_stay_near_the_input() {
        let valid = vec![(0..100u8).collect::<Vec<_>>()];
        let mut runner = proptest::test_runner::TestRunner::new(config());
        runner
            .run(&mutated(valid), |bytes| {
                prop_assert!(bytes.len() <= 100 + 8 * 16);
                Ok(())
            })
            .unwrap();
    }
}
