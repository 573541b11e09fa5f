//! Review of issue 16: an array head claiming many items made the decoder reserve room for
//! all of them (up to one per input byte, each item hundreds of bytes) before the first item
//! failed. What a decode allocates is bounded by its input, not by the items it claims.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chancery::present::Presentation;
use chancery::{Canonical, SignedStatement};

#[global_allocator]
static ALLOCATOR: dhat::Alloc = dhat::Alloc;

/// An array head of `n` items (CBOR major type 4, 16-bit length: its shortest form for
/// 256 ≤ n), then `n` empty arrays.
fn claimed_array(n: u16) -> Vec<u8> {
    let mut bytes = vec![0x99];
    bytes.extend_from_slice(&n.to_be_bytes());
    bytes.resize(3 + n as usize, 0x80);
    bytes
}

/// The peak heap (bytes) while `decode` runs, beyond what was live before it.
fn peak_of(decode: impl FnOnce()) -> u64 {
    let _profiler = dhat::Profiler::builder().testing().build();
    let before = dhat::HeapStats::get().curr_bytes as u64;
    decode();
    dhat::HeapStats::get().max_bytes as u64 - before
}

// One test: dhat's testing profiler is one per process.
#[test]
fn given_array_heads_claiming_60000_items_when_decoded_then_the_heap_stays_near_the_input_size() {
    let input = claimed_array(60_000);
    let limit = 4 * input.len() as u64;

    let statements = peak_of(|| assert!(Vec::<SignedStatement>::from_canonical(&input).is_err()));
    let presentation = peak_of(|| assert!(Presentation::from_canonical(&input).is_err()));

    assert!(
        statements <= limit,
        "{statements} bytes for an input of {}",
        input.len()
    );
    assert!(
        presentation <= limit,
        "{presentation} bytes for an input of {}",
        input.len()
    );
}
