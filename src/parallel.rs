//! Work shared by several threads: a slice cut into pieces that any thread takes in turn.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// The number of worker threads to use: one per core.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// A slice cut into pieces; each thread calling [`Pieces::take`] gets the next piece not yet
/// taken and records its result, so threads that join late or run slower take fewer pieces.
#[derive(Debug)]
pub struct Pieces<'a, T, O> {
    piece_len: usize,
    pieces: Vec<&'a [T]>,
    next: AtomicUsize,
    done: Mutex<Vec<(usize, O)>>,
}

impl<'a, T, O> Pieces<'a, T, O> {
    /// `items` cut into pieces of `piece_len` (at least 1) items.
    pub fn new(items: &'a [T], piece_len: usize) -> Self {
        Self {
            piece_len: piece_len.max(1),
            pieces: items.chunks(piece_len.max(1)).collect(),
            next: AtomicUsize::new(0),
            done: Mutex::new(Vec::new()),
        }
    }

    /// Runs `f` on the next untaken piece (with the index of its first item) and records its
    /// result; false when none is left.
    pub fn take(&self, f: impl FnOnce(usize, &'a [T]) -> O) -> bool {
        let i = self.next.fetch_add(1, Ordering::Relaxed);
        let Some(piece) = self.pieces.get(i) else {
            return false;
        };
        let out = f(i * self.piece_len, piece);
        self.done
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push((i, out));
        true
    }

    /// Every piece with its result in order; `None` for a piece nobody finished (a worker
    /// died). Call after every worker has returned.
    pub fn finish(self) -> Vec<(&'a [T], Option<O>)> {
        let mut done = self
            .done
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        done.sort_by_key(|(i, _)| std::cmp::Reverse(*i));
        self.pieces
            .into_iter()
            .enumerate()
            .map(|(i, piece)| {
                let out = match done.last() {
                    Some((j, _)) if *j == i => done.pop().map(|(_, o)| o),
                    _ => None,
                };
                (piece, out)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_piece_once_in_order() {
        let items: Vec<u32> = (0..1000).collect();
        let pieces = Pieces::new(&items, 7);
        std::thread::scope(|s| {
            for _ in 0..3 {
                s.spawn(|| while pieces.take(|_, p| p.iter().sum::<u32>()) {});
            }
        });
        let out = pieces.finish();
        assert_eq!(out.len(), 1000usize.div_ceil(7));
        let flat: Vec<u32> = out.iter().flat_map(|(p, _)| p.iter().copied()).collect();
        assert_eq!(flat, items);
        for (p, o) in out {
            assert_eq!(o, Some(p.iter().sum()));
        }
    }

    #[test]
    fn untaken_pieces_have_no_result() {
        let items = [1u8, 2, 3, 4, 5];
        let pieces = Pieces::new(&items, 2);
        assert!(pieces.take(|start, p| start + p.len()));
        let out = pieces.finish();
        assert_eq!(out[0].1, Some(2));
        assert_eq!(out[1].1, None);
        assert_eq!(out[2].1, None);
    }
}
