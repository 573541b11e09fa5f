//! Replay on every core, in rounds.
//!
//! Each round overlaps three stages of consecutive chunks: the calling thread applies chunk
//! `k-1` (verified in the previous round) while the other threads verify the signatures of
//! chunk `k` (decoded in the previous round) and decode chunk `k+1`; once done applying, the
//! calling thread takes verification and decoding pieces too. No core waits for another
//! stage except at the end of a round, and every piece is one large Ed25519 batch.

use super::{decode_records, Prechecked, RawEntry, ReplayError, Replayer, Signatures};
use crate::crypto::{BatchJob, Domain, PublicKey};
use crate::merkle::MerkleTree;
use crate::parallel::{cores, Pieces};
use crate::state::{signature_items, spread_flags, KeyDirectory, State};

/// Verification pieces per thread in a round: more than one so the calling thread, which
/// starts late, and the others finish together.
const VERIFY_PIECES_PER_THREAD: usize = 2;

/// Records per decoding piece.
const DECODE_PIECE: usize = 256;

/// Below this many signatures and records to decode, a round runs on the calling thread alone.
const SMALL_ROUND: usize = 64;

/// Why a replay stopped.
#[derive(Debug)]
pub enum PipelineError<E> {
    /// The source of the chunks failed; every entry before the failing chunk was good.
    Source(E),
    /// The first bad entry.
    Entry(ReplayError),
}

/// A decoded chunk, in the pieces it was decoded in (not copied into one vector), and the key
/// of each entry's actor.
struct Decoded {
    pieces: Vec<Vec<Prechecked>>,
    keys: Vec<Option<PublicKey>>,
}

impl Decoded {
    fn entries(&self) -> impl Iterator<Item = &Prechecked> {
        self.pieces.iter().flatten()
    }
}

/// Replays a whole ledger given as chunks of records in order (from genesis) on every core:
/// [`Replay::from_genesis`], [`Replay::feed`], [`Replay::finish`]. `expected_entries` sizes the
/// state's maps up front (0 if unknown; see `State::reserve`).
pub fn replay_chunks<R, E, I>(
    chunks: I,
    signatures: Signatures,
    expected_entries: u64,
) -> Result<(State, MerkleTree), PipelineError<E>>
where
    R: RawEntry,
    I: IntoIterator<Item = Result<Vec<R>, E>>,
{
    let mut replay = Replay::from_genesis(signatures, expected_entries);
    replay.feed(chunks)?;
    Ok(replay.finish())
}

/// The one replay driver: a replay from genesis, or resumed after the entries that made a state
/// and tree, fed chunks of records in order. Each entry gets the checks of SPEC §13 in order
/// (stored hash, strict decoding, sequence number, chain link, signature if asked, every rule at
/// its ledger time) and the first bad entry stops the replay: every entry before it is applied,
/// none after.
#[derive(Debug)]
pub struct Replay {
    replayer: Replayer,
    /// Keys introduced by the entries fed so far (a resumed replay finds earlier keys in its
    /// state).
    directory: KeyDirectory,
    signatures: Signatures,
}

impl Replay {
    /// A replay from genesis; `expected_entries` sizes the state's maps (0 if unknown).
    pub fn from_genesis(signatures: Signatures, expected_entries: u64) -> Self {
        let mut state = State::new();
        state.reserve(expected_entries);
        Self::resume(state, MerkleTree::new(), signatures)
    }

    /// A replay of the entries after those that made `state` and `tree` (another writer's, or
    /// the rest of a store whose prefix was trusted).
    pub fn resume(state: State, tree: MerkleTree, signatures: Signatures) -> Self {
        Self {
            replayer: Replayer::resume(state, tree),
            directory: KeyDirectory::new(),
            signatures,
        }
    }

    /// Entries replayed so far.
    pub fn len(&self) -> u64 {
        self.replayer.parts().1.len()
    }

    /// Whether no entry is replayed yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The state and tree so far.
    pub fn parts(&self) -> (&State, &MerkleTree) {
        self.replayer.parts()
    }

    /// The rebuilt state and tree.
    pub fn finish(self) -> (State, MerkleTree) {
        self.replayer.finish()
    }

    /// Replays the next chunks of records, in order, on every core. Returns the first failure
    /// in ledger order: a bad entry, or the source's error if every entry before it was good
    /// (all of those are then applied).
    pub fn feed<R, E, I>(&mut self, chunks: I) -> Result<(), PipelineError<E>>
    where
        R: RawEntry,
        I: IntoIterator<Item = Result<Vec<R>, E>>,
    {
        let signatures = self.signatures;
        let replayer = &mut self.replayer;
        let directory = &mut self.directory;
        let threads = cores();
        let mut chunks = chunks.into_iter();
        let mut next_seq = replayer.parts().1.len();
        // Chunk k-1: verified, to apply this round.
        let mut verified: Option<Vec<Vec<Prechecked>>> = None;
        // Chunk k: decoded, to verify this round.
        let mut decoded: Option<Decoded> = None;
        // A failure after the last entry read; reported once every entry before it is applied.
        let mut stop: Option<PipelineError<E>> = None;
        // Chunk k+2, read during the round that decodes chunk k+1.
        let mut ahead = chunks.next();
        loop {
            // Chunk k+1: to decode this round.
            let raw = match stop.is_none().then(|| ahead.take()).flatten() {
                Some(Ok(raw)) => Some(raw),
                Some(Err(e)) => {
                    stop = Some(PipelineError::Source(e));
                    None
                }
                None => None,
            };
            if raw.is_none() && decoded.is_none() && verified.is_none() {
                break;
            }
            let (items, slots) = match (&decoded, signatures) {
                (Some(d), Signatures::Verify) => {
                    let refs: Vec<_> = d.entries().map(|p| &p.entry.statement).collect();
                    signature_items(&refs, &d.keys)
                }
                _ => (Vec::new(), Vec::new()),
            };
            let verify =
                BatchJob::new(Domain::Statement, &items, threads, VERIFY_PIECES_PER_THREAD);
            let raw_records = raw.as_deref().unwrap_or_default();
            let decode = Pieces::new(raw_records, DECODE_PIECE);
            let decode_one =
                || decode.take(|start, piece| decode_records(next_seq + start as u64, piece));
            let mut applied = Ok(());
            let more = raw.is_some();
            // Small rounds (a short ledger, the last round) are not worth a thread.
            let helpers = if items.len() + raw_records.len() >= SMALL_ROUND {
                threads - 1
            } else {
                0
            };
            std::thread::scope(|s| {
                for _ in 0..helpers {
                    s.spawn(|| {
                        while verify.work_one() {}
                        while decode_one() {}
                    });
                }
                if let Some(chunk) = verified.take() {
                    applied = replayer.apply(chunk.into_iter().flatten());
                }
                if more {
                    ahead = chunks.next();
                }
                while verify.work_one() {}
                while decode_one() {}
            });
            applied.map_err(PipelineError::Entry)?;
            let flags = verify.finish();
            verified = decoded.take().map(|mut d| {
                if signatures == Signatures::Verify {
                    let flags = spread_flags(d.keys.len(), &slots, flags);
                    for (p, ok) in d.pieces.iter_mut().flatten().zip(flags) {
                        p.signature_ok = ok;
                    }
                }
                d.pieces
            });
            if raw.is_some() {
                let mut pieces = Vec::new();
                let mut decoded_len = 0u64;
                for (piece, result) in decode.finish() {
                    let (good, fault) = result.unwrap_or_else(|| {
                        // A piece nobody decoded (a worker died): decode it here.
                        decode_records(next_seq + decoded_len, piece)
                    });
                    decoded_len += good.len() as u64;
                    pieces.push(good);
                    if let Some(fault) = fault {
                        stop = Some(PipelineError::Entry(fault));
                        break;
                    }
                }
                next_seq += decoded_len;
                let d = Decoded {
                    keys: Vec::new(),
                    pieces,
                };
                let keys = match signatures {
                    Signatures::Verify => {
                        let known = replayer.state();
                        directory.signers_after(known, d.entries().map(|p| &p.entry.statement))
                    }
                    Signatures::Trust => Vec::new(),
                };
                decoded = Some(Decoded { keys, ..d });
            }
        }
        match stop {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}
