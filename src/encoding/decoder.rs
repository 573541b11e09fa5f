//! Typed reader over validated canonical CBOR.

use super::check::head;
use super::DecodeError;

/// Reads typed fields from canonical CBOR, reporting byte offsets in errors.
#[derive(Debug)]
pub struct Decoder<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Decoder<'a> {
    /// A decoder at the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, pos: 0 }
    }

    /// Current offset in the input.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// The input between two offsets (used to keep the exact bytes of a signed sub-item).
    pub fn slice(&self, start: usize, end: usize) -> &'a [u8] {
        self.bytes.get(start..end).unwrap_or(&[])
    }

    /// Fails unless the whole input has been read.
    pub fn finish(&self) -> Result<(), DecodeError> {
        if self.pos == self.bytes.len() {
            Ok(())
        } else {
            Err(DecodeError::TrailingBytes { offset: self.pos })
        }
    }

    /// A safe initial capacity for `n` items of `T`: never more than the input has items
    /// left (each takes at least a byte), nor more than the bytes left in memory, so an array
    /// head that claims many items reserves no more than the input's size before they decode.
    pub fn capacity_hint<T>(&self, n: u64) -> usize {
        let left = self.bytes.len().saturating_sub(self.pos);
        let fit = left / std::mem::size_of::<T>().max(1);
        usize::try_from(n).unwrap_or(usize::MAX).min(left).min(fit)
    }

    fn expect(&mut self, major: u8, expected: &'static str) -> Result<(usize, u64), DecodeError> {
        let at = self.pos;
        let h = head(self.bytes, at)?;
        if h.major != major || (major == 7) {
            return Err(DecodeError::UnexpectedType {
                offset: at,
                expected,
            });
        }
        self.pos += h.len;
        Ok((at, h.value))
    }

    /// An unsigned integer.
    pub fn uint(&mut self) -> Result<u64, DecodeError> {
        self.expect(0, "unsigned integer").map(|(_, v)| v)
    }

    /// A signed integer in the range of `i64` (major type 0 or 1).
    pub fn int(&mut self) -> Result<i64, DecodeError> {
        let at = self.pos;
        let negative = self.bytes.get(at).is_some_and(|b| b >> 5 == 1);
        let (_, v) = if negative {
            self.expect(1, "integer")?
        } else {
            self.expect(0, "integer")?
        };
        let v = i64::try_from(v).map_err(|_| DecodeError::UnexpectedType {
            offset: at,
            expected: "integer in the range of i64",
        })?;
        Ok(if negative { -1 - v } else { v })
    }

    /// An array head; returns its item count.
    pub fn array_any(&mut self) -> Result<u64, DecodeError> {
        self.expect(4, "array").map(|(_, v)| v)
    }

    /// An array head of exactly `len` items.
    pub fn array(&mut self, len: u64) -> Result<(), DecodeError> {
        let (at, n) = self.expect(4, "array")?;
        if n != len {
            return Err(DecodeError::WrongLength {
                offset: at,
                expected: len,
                found: n,
            });
        }
        Ok(())
    }

    /// An array head whose count is one of `lens` (for structures whose later versions add
    /// fields); returns the count.
    pub fn array_of(&mut self, lens: &[u64]) -> Result<u64, DecodeError> {
        let (at, n) = self.expect(4, "array")?;
        if !lens.contains(&n) {
            return Err(DecodeError::WrongLength {
                offset: at,
                expected: lens.first().copied().unwrap_or(0),
                found: n,
            });
        }
        Ok(n)
    }

    /// The head of a versioned structure: an array of `len` items whose first is `version`.
    /// An array of one of the `older` lengths (an earlier version's) is read as far as its
    /// version, so it is refused by its version rather than by its length.
    pub fn versioned(
        &mut self,
        structure: &'static str,
        version: u64,
        len: u64,
        older: &[u64],
    ) -> Result<(), DecodeError> {
        let (at, n) = self.expect(4, "array")?;
        if n != len && !older.contains(&n) {
            return Err(DecodeError::WrongLength {
                offset: at,
                expected: len,
                found: n,
            });
        }
        self.version(structure, version)?;
        if n != len {
            return Err(DecodeError::WrongLength {
                offset: at,
                expected: len,
                found: n,
            });
        }
        Ok(())
    }

    /// A version field that must equal `version`.
    pub fn version(&mut self, structure: &'static str, version: u64) -> Result<(), DecodeError> {
        let at = self.pos;
        let found = self.uint()?;
        if found != version {
            return Err(DecodeError::UnknownVersion {
                offset: at,
                structure,
                found,
            });
        }
        Ok(())
    }

    fn string(
        &mut self,
        major: u8,
        expected: &'static str,
    ) -> Result<(usize, &'a [u8]), DecodeError> {
        let (at, len) = self.expect(major, expected)?;
        let end = usize::try_from(len)
            .ok()
            .and_then(|l| self.pos.checked_add(l))
            .filter(|e| *e <= self.bytes.len())
            .ok_or(DecodeError::Truncated { offset: at })?;
        let s = &self.bytes[self.pos..end];
        self.pos = end;
        Ok((at, s))
    }

    /// A byte string.
    pub fn bytes(&mut self) -> Result<&'a [u8], DecodeError> {
        self.string(2, "byte string").map(|(_, b)| b)
    }

    /// A byte string of exactly `N` bytes.
    pub fn byte_array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let (at, b) = self.string(2, "byte string")?;
        b.try_into().map_err(|_| DecodeError::WrongLength {
            offset: at,
            expected: N as u64,
            found: b.len() as u64,
        })
    }

    /// A text string.
    pub fn text(&mut self) -> Result<&'a str, DecodeError> {
        let (at, b) = self.string(3, "text string")?;
        std::str::from_utf8(b).map_err(|_| DecodeError::InvalidUtf8 { offset: at })
    }

    /// `false` or `true`.
    pub fn bool(&mut self) -> Result<bool, DecodeError> {
        match self.bytes.get(self.pos) {
            Some(0xf4) => {
                self.pos += 1;
                Ok(false)
            }
            Some(0xf5) => {
                self.pos += 1;
                Ok(true)
            }
            _ => Err(DecodeError::UnexpectedType {
                offset: self.pos,
                expected: "boolean",
            }),
        }
    }

    /// Whether the next item is an array (nothing is consumed).
    pub fn peek_is_array(&self) -> Result<bool, DecodeError> {
        match self.bytes.get(self.pos) {
            Some(b) => Ok(b >> 5 == 4),
            None => Err(DecodeError::Truncated { offset: self.pos }),
        }
    }

    /// Consumes a `null` if one is next; returns whether it did.
    pub fn take_null(&mut self) -> Result<bool, DecodeError> {
        match self.bytes.get(self.pos) {
            Some(0xf6) => {
                self.pos += 1;
                Ok(true)
            }
            Some(_) => Ok(false),
            None => Err(DecodeError::Truncated { offset: self.pos }),
        }
    }
}
