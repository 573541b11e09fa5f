//! Reading archives item by item in constant memory: [`ArchiveReader`] and [`ArchiveEntry`].

use super::format::{ArchiveError, Header, Tail, Trailer, MAX_CHECKPOINTS, MAX_FRAME, VERSION};
use crate::audit::RawEntry;
use crate::crypto::Digest32;
use crate::encoding::{Canonical, DecodeError};
use std::io::Read;

/// One entry read from an archive, with the offset of its item in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveEntry {
    /// Byte offset of the entry's item.
    pub offset: u64,
    /// The entry hash written beside it (checked against the bytes when replayed).
    pub hash: Digest32,
    /// The entry bytes.
    pub bytes: Vec<u8>,
}

impl RawEntry for ArchiveEntry {
    fn stored_hash(&self) -> Option<Digest32> {
        Some(self.hash)
    }
    fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

/// Reads an archive item by item, in constant memory.
#[derive(Debug)]
pub struct ArchiveReader<R: Read> {
    input: R,
    offset: u64,
    header: Header,
    read: u64,
}

impl<R: Read> ArchiveReader<R> {
    /// Reads and checks the header.
    pub fn new(mut input: R) -> Result<Self, ArchiveError> {
        let mut offset = 0;
        let header = read_frame(&mut input, &mut offset, "header")?;
        let header = Header::from_canonical(&header).map_err(|reason| match reason {
            DecodeError::UnknownVersion {
                structure: "archive",
                found,
                ..
            } if found < VERSION => ArchiveError::OldFormat { found },
            reason => ArchiveError::Malformed {
                offset: 0,
                item: "header",
                reason,
            },
        })?;
        Ok(Self {
            input,
            offset,
            header,
            read: 0,
        })
    }

    /// The archive's header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The next entry, or `None` once the header's count has been read.
    pub fn next_entry(&mut self) -> Result<Option<ArchiveEntry>, ArchiveError> {
        let seq = self.read;
        self.read_entry().map_err(|e| match e {
            ArchiveError::Truncated {
                offset, expected, ..
            } => ArchiveError::Truncated {
                offset,
                expected,
                entry: Some(seq),
            },
            other => other,
        })
    }

    fn read_entry(&mut self) -> Result<Option<ArchiveEntry>, ArchiveError> {
        if self.read == self.header.entries {
            return Ok(None);
        }
        let offset = self.offset;
        let malformed = |reason| ArchiveError::Malformed {
            offset,
            item: "entry",
            reason,
        };
        // `[h'entry hash', h'entry bytes']`
        let n = self.entry_head(offset, 4, "array")?;
        if n != 2 {
            return Err(malformed(DecodeError::WrongLength {
                offset: 0,
                expected: 2,
                found: n,
            }));
        }
        let hash_len = self.entry_head(offset, 2, "byte string")?;
        if hash_len != 32 {
            return Err(malformed(DecodeError::WrongLength {
                offset: 1,
                expected: 32,
                found: hash_len,
            }));
        }
        let mut hash = [0u8; 32];
        read_exact(
            &mut self.input,
            &mut hash,
            &mut self.offset,
            offset,
            "entry",
        )?;
        let len = self.entry_head(offset, 2, "byte string")?;
        if len > crate::event::MAX_ENTRY_LEN as u64 {
            return Err(malformed(DecodeError::TooLarge {
                len: usize::try_from(len).unwrap_or(usize::MAX),
                limit: crate::event::MAX_ENTRY_LEN,
            }));
        }
        let mut bytes = vec![0; len as usize];
        read_exact(
            &mut self.input,
            &mut bytes,
            &mut self.offset,
            offset,
            "entry",
        )?;
        self.read += 1;
        Ok(Some(ArchiveEntry {
            offset,
            hash: Digest32(hash),
            bytes,
        }))
    }

    /// Reads a head inside the entry item starting at `offset`; its major type must be `major`.
    fn entry_head(
        &mut self,
        offset: u64,
        major: u8,
        expected: &'static str,
    ) -> Result<u64, ArchiveError> {
        match read_head(&mut self.input, &mut self.offset, "entry")? {
            Some(h) if h.major == major => Ok(h.value),
            Some(_) => Err(ArchiveError::Malformed {
                offset,
                item: "entry",
                reason: DecodeError::UnexpectedType {
                    offset: 0,
                    expected,
                },
            }),
            None => Err(ArchiveError::Truncated {
                offset,
                expected: "entry",
                entry: None,
            }),
        }
    }

    /// After every entry: reads the signed checkpoints (with their offsets) and the trailer,
    /// and checks that nothing follows it.
    pub fn finish(mut self) -> Result<(Vec<(u64, String)>, Trailer), ArchiveError> {
        while self.next_entry()?.is_some() {}
        let mut checkpoints = Vec::new();
        let trailer = loop {
            let at = self.offset;
            let frame = read_frame(&mut self.input, &mut self.offset, "trailer")?;
            let malformed = |reason| ArchiveError::Malformed {
                offset: at,
                item: "checkpoint or trailer",
                reason,
            };
            match Tail::decode_bytes(&frame).map_err(malformed)? {
                Tail::End(t) => break t,
                Tail::Checkpoint(_) if checkpoints.len() == MAX_CHECKPOINTS => {
                    return Err(ArchiveError::TooManyCheckpoints)
                }
                Tail::Checkpoint(note) => checkpoints.push((at, note)),
            }
        };
        let mut extra = [0u8; 1];
        loop {
            match self.input.read(&mut extra) {
                Ok(0) => return Ok((checkpoints, trailer)),
                Ok(_) => {
                    return Err(ArchiveError::TrailingData {
                        offset: self.offset,
                    })
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
}

/// A parsed item head: major type, argument and the head's bytes as read.
struct RawHead {
    major: u8,
    value: u64,
    bytes: Vec<u8>,
}

/// Reads one item head; `None` at a clean end of input.
fn read_head(
    input: &mut impl Read,
    offset: &mut u64,
    item: &'static str,
) -> Result<Option<RawHead>, ArchiveError> {
    let start = *offset;
    let mut first = [0u8; 1];
    loop {
        match input.read(&mut first) {
            Ok(0) => return Ok(None),
            Ok(_) => break,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    *offset += 1;
    let extra = match first[0] & 0x1f {
        24 => 1,
        25 => 2,
        26 => 4,
        27 => 8,
        _ => 0,
    };
    let mut bytes = vec![first[0]; 1 + extra];
    read_exact(input, &mut bytes[1..], offset, start, item)?;
    match crate::encoding::check::head(&bytes, 0) {
        Ok(h) => Ok(Some(RawHead {
            major: h.major,
            value: h.value,
            bytes,
        })),
        Err(reason) => Err(ArchiveError::Malformed {
            offset: start,
            item,
            reason,
        }),
    }
}

fn read_exact(
    input: &mut impl Read,
    buf: &mut [u8],
    offset: &mut u64,
    item_start: u64,
    item: &'static str,
) -> Result<(), ArchiveError> {
    match input.read_exact(buf) {
        Ok(()) => {
            *offset += buf.len() as u64;
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Err(ArchiveError::Truncated {
            offset: item_start,
            expected: item,
            entry: None,
        }),
        Err(e) => Err(e.into()),
    }
}

/// Reads a header or trailer as the bytes of the file: one array of integers and strings,
/// checked strictly by the caller's decoding.
fn read_frame(
    input: &mut impl Read,
    offset: &mut u64,
    item: &'static str,
) -> Result<Vec<u8>, ArchiveError> {
    let start = *offset;
    let mut frame = Vec::new();
    let mut left = 1u64;
    let mut top = true;
    while left > 0 {
        left -= 1;
        let head_at = *offset;
        let Some(head) = read_head(input, offset, item)? else {
            return Err(ArchiveError::Truncated {
                offset: start,
                expected: item,
                entry: None,
            });
        };
        frame.extend_from_slice(&head.bytes);
        match (head.major, top) {
            (4, true) => left = head.value,
            (0, false) => {}
            (2 | 3, false) => {
                if head.value > MAX_FRAME as u64 {
                    return Err(too_large(head.value, start, item));
                }
                let at = frame.len();
                frame.resize(at + head.value as usize, 0);
                read_exact(input, &mut frame[at..], offset, start, item)?;
            }
            _ => {
                return Err(ArchiveError::Malformed {
                    offset: head_at,
                    item,
                    reason: DecodeError::UnexpectedType {
                        offset: 0,
                        expected: if top { "array" } else { "integer or string" },
                    },
                })
            }
        }
        top = false;
        if frame.len() > MAX_FRAME {
            return Err(too_large(frame.len() as u64, start, item));
        }
    }
    Ok(frame)
}

fn too_large(len: u64, offset: u64, item: &'static str) -> ArchiveError {
    ArchiveError::Malformed {
        offset,
        item,
        reason: DecodeError::TooLarge {
            len: usize::try_from(len).unwrap_or(usize::MAX),
            limit: MAX_FRAME,
        },
    }
}
