//! Generic validation of RFC 8949 §4.2.1 deterministic encoding, independent of any schema.

use super::{DecodeError, MAX_DEPTH};

/// A parsed item head.
pub(crate) struct Head {
    pub major: u8,
    pub info: u8,
    pub value: u64,
    /// Bytes taken by the head.
    pub len: usize,
}

/// Parses the head at `pos`, rejecting non-shortest forms, reserved and indefinite encodings.
pub(crate) fn head(bytes: &[u8], pos: usize) -> Result<Head, DecodeError> {
    let first = *bytes
        .get(pos)
        .ok_or(DecodeError::Truncated { offset: pos })?;
    let major = first >> 5;
    let info = first & 0x1f;
    let extra = match info {
        0..=23 => 0,
        24 => 1,
        25 => 2,
        26 => 4,
        27 => 8,
        31 if matches!(major, 2..=5) => return Err(DecodeError::IndefiniteLength { offset: pos }),
        _ => {
            return Err(DecodeError::Unsupported {
                offset: pos,
                major,
                info,
            })
        }
    };
    if major == 7 && (25..=27).contains(&info) {
        return Err(DecodeError::Float { offset: pos });
    }
    let body = bytes
        .get(pos + 1..pos + 1 + extra)
        .ok_or(DecodeError::Truncated { offset: pos })?;
    let value = if extra == 0 {
        u64::from(info)
    } else {
        body.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b))
    };
    let shortest = match extra {
        0 => true,
        1 => value >= 24,
        2 => value > 0xff,
        4 => value > 0xffff,
        _ => value > 0xffff_ffff,
    };
    if !shortest {
        return Err(DecodeError::NonShortest { offset: pos });
    }
    Ok(Head {
        major,
        info,
        value,
        len: 1 + extra,
    })
}

/// Checks that `bytes` is exactly one well-formed, deterministically encoded CBOR item using only
/// integers, byte and text strings, arrays, maps with ordered unique keys, `false`, `true` and
/// `null`, nested at most [`MAX_DEPTH`] deep.
pub fn validate(bytes: &[u8]) -> Result<(), DecodeError> {
    let end = item(bytes, 0, 0)?;
    if end != bytes.len() {
        return Err(DecodeError::TrailingBytes { offset: end });
    }
    Ok(())
}

/// Validates the item at `pos`; returns the offset just past it.
fn item(bytes: &[u8], pos: usize, depth: usize) -> Result<usize, DecodeError> {
    let h = head(bytes, pos)?;
    let mut next = pos + h.len;
    match h.major {
        0 | 1 => Ok(next),
        2 | 3 => {
            let len =
                usize::try_from(h.value).map_err(|_| DecodeError::Truncated { offset: pos })?;
            let end = next
                .checked_add(len)
                .filter(|e| *e <= bytes.len())
                .ok_or(DecodeError::Truncated { offset: pos })?;
            if h.major == 3 && std::str::from_utf8(&bytes[next..end]).is_err() {
                return Err(DecodeError::InvalidUtf8 { offset: pos });
            }
            Ok(end)
        }
        4 | 5 => {
            if depth >= MAX_DEPTH {
                return Err(DecodeError::TooDeep {
                    offset: pos,
                    limit: MAX_DEPTH,
                });
            }
            let mut prev_key: Option<(usize, usize)> = None;
            for _ in 0..h.value {
                if h.major == 5 {
                    let key_start = next;
                    next = item(bytes, next, depth + 1)?;
                    if let Some((ps, pe)) = prev_key {
                        match bytes[ps..pe].cmp(&bytes[key_start..next]) {
                            std::cmp::Ordering::Less => {}
                            std::cmp::Ordering::Equal => {
                                return Err(DecodeError::DuplicateMapKey { offset: key_start })
                            }
                            std::cmp::Ordering::Greater => {
                                return Err(DecodeError::UnsortedMapKeys { offset: key_start })
                            }
                        }
                    }
                    prev_key = Some((key_start, next));
                }
                next = item(bytes, next, depth + 1)?;
            }
            Ok(next)
        }
        7 if matches!(h.info, 20..=22) => Ok(next),
        _ => Err(DecodeError::Unsupported {
            offset: pos,
            major: h.major,
            info: h.info,
        }),
    }
}
