//! Hostile input for property tests: how many cases a run feeds each parser, and a strategy
//! of mutations of valid input (bytes changed, removed, inserted, a cut, a piece repeated),
//! which reach much deeper into a parser than random text does.

use proptest::prelude::*;

/// Cases per parser: `HOSTILE_CASES`, else 1,000 (the reliability suite's full run sets
/// 100,000).
pub fn cases() -> u32 {
    std::env::var("HOSTILE_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000)
}

#[derive(Debug, Clone)]
enum Edit {
    Set(usize, u8),
    Remove(usize),
    Insert(usize, u8),
    Cut(usize),
    Repeat(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let at = any::<usize>();
    prop_oneof![
        (at, any::<u8>()).prop_map(|(i, b)| Edit::Set(i, b)),
        at.prop_map(Edit::Remove),
        (at, any::<u8>()).prop_map(|(i, b)| Edit::Insert(i, b)),
        at.prop_map(Edit::Cut),
        (at, 1usize..64).prop_map(|(i, n)| Edit::Repeat(i, n)),
    ]
}

fn apply(bytes: &mut Vec<u8>, e: &Edit) {
    let len = bytes.len().max(1);
    match *e {
        Edit::Set(i, b) if !bytes.is_empty() => bytes[i % len] = b,
        Edit::Remove(i) if !bytes.is_empty() => {
            bytes.remove(i % len);
        }
        Edit::Insert(i, b) => bytes.insert(i % (bytes.len() + 1), b),
        Edit::Cut(i) => bytes.truncate(i % (bytes.len() + 1)),
        Edit::Repeat(i, n) if !bytes.is_empty() => {
            let start = i % len;
            let piece: Vec<u8> = bytes[start..(start + n).min(bytes.len())].to_vec();
            let at = (start + piece.len()).min(bytes.len());
            bytes.splice(at..at, piece);
        }
        _ => {}
    }
}

/// One of `seeds` with one to eight edits, as text (invalid UTF-8 replaced, as a reader of
/// text would see it).
pub fn mutated(seeds: Vec<String>) -> impl Strategy<Value = String> {
    let n = seeds.len();
    assert!(n > 0, "seeds to mutate");
    (0..n, prop::collection::vec(edit(), 1..8)).prop_map(move |(i, edits)| {
        let mut bytes = seeds[i].clone().into_bytes();
        for e in &edits {
            apply(&mut bytes, e);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}
