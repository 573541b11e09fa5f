//! Canonical CBOR (RFC 8949 §4.2.1 deterministic encoding) for every byte format.
//!
//! Chancery encodes every structure as a CBOR array of fixed shape whose first element is a
//! version or a variant tag; it never emits maps, floats, tags or indefinite lengths. Decoding is
//! two-layered: [`check::validate`] first walks the whole input and enforces the generic
//! deterministic-encoding rules (each violation a distinct [`DecodeError`]), then the typed
//! decoder reads the fields, and finally the value is re-encoded and compared with the input, so
//! `decode(bytes)` succeeds only when `encode(decode(bytes)) == bytes`.

pub mod check;
mod decoder;
mod encoder;

pub use decoder::Decoder;
pub use encoder::Encoder;

/// Lower-case hexadecimal of `bytes` (keys, digests and rows in messages and files).
pub(crate) fn hex(bytes: impl AsRef<[u8]>) -> String {
    bytes.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// Largest input accepted by [`Canonical::from_canonical`] (an entry, a statement, a credential).
pub const MAX_INPUT_LEN: usize = 64 * 1024;

/// Deepest nesting of arrays (and maps) accepted by the decoder.
pub const MAX_DEPTH: usize = 16;

/// Why a byte string is not a valid canonical encoding. Offsets count bytes from the start of
/// the input.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The input is longer than [`MAX_INPUT_LEN`].
    #[error("input of {len} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        /// Length of the input.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// The input ends inside an item.
    #[error("input ends inside an item at byte {offset}")]
    Truncated {
        /// Where the incomplete item starts.
        offset: usize,
    },
    /// Bytes follow the single top-level item.
    #[error("trailing bytes after the item, starting at byte {offset}")]
    TrailingBytes {
        /// First trailing byte.
        offset: usize,
    },
    /// An integer, length or count is not in its shortest form.
    #[error("non-shortest integer or length at byte {offset}")]
    NonShortest {
        /// The item head.
        offset: usize,
    },
    /// An indefinite-length string, array or map.
    #[error("indefinite-length item at byte {offset}")]
    IndefiniteLength {
        /// The item head.
        offset: usize,
    },
    /// A floating-point number.
    #[error("floating-point value at byte {offset}")]
    Float {
        /// The item head.
        offset: usize,
    },
    /// Map keys not in bytewise order of their encodings.
    #[error("map keys out of order at byte {offset}")]
    UnsortedMapKeys {
        /// The out-of-order key.
        offset: usize,
    },
    /// The same map key twice.
    #[error("duplicate map key at byte {offset}")]
    DuplicateMapKey {
        /// The repeated key.
        offset: usize,
    },
    /// Arrays or maps nested deeper than [`MAX_DEPTH`].
    #[error("nesting deeper than {limit} at byte {offset}")]
    TooDeep {
        /// The item that is too deep.
        offset: usize,
        /// The limit.
        limit: usize,
    },
    /// A CBOR item that no Chancery format uses (tags, simple values, reserved encodings).
    #[error("unsupported CBOR item (major type {major}, info {info}) at byte {offset}")]
    Unsupported {
        /// The item head.
        offset: usize,
        /// Major type.
        major: u8,
        /// Additional information.
        info: u8,
    },
    /// A text string that is not UTF-8.
    #[error("text string is not UTF-8 at byte {offset}")]
    InvalidUtf8 {
        /// The string head.
        offset: usize,
    },
    /// A well-formed item of the wrong type for its field.
    #[error("expected {expected} at byte {offset}")]
    UnexpectedType {
        /// The item head.
        offset: usize,
        /// What the format requires.
        expected: &'static str,
    },
    /// An array or byte string of the wrong length.
    #[error("wrong length at byte {offset}: expected {expected}, found {found}")]
    WrongLength {
        /// The item head.
        offset: usize,
        /// Required length.
        expected: u64,
        /// Length found.
        found: u64,
    },
    /// A structure version this implementation does not know.
    #[error("unknown {structure} version {found} at byte {offset}")]
    UnknownVersion {
        /// The version field.
        offset: usize,
        /// Which structure.
        structure: &'static str,
        /// The version found.
        found: u64,
    },
    /// A variant tag this implementation does not know.
    #[error("unknown {kind} tag {tag} at byte {offset}")]
    UnknownTag {
        /// The tag field.
        offset: usize,
        /// Which enumeration.
        kind: &'static str,
        /// The tag found.
        tag: u64,
    },
    /// An algorithm identifier this implementation does not know.
    #[error("unknown algorithm {alg} at byte {offset}")]
    UnknownAlgorithm {
        /// The algorithm field.
        offset: usize,
        /// The identifier found.
        alg: u64,
    },
    /// A field whose value breaks its format (a bad key, a malformed license identifier, ...).
    #[error("invalid {what} at byte {offset}")]
    InvalidValue {
        /// The field.
        offset: usize,
        /// What is wrong.
        what: &'static str,
    },
    /// The input decodes but re-encoding does not reproduce it.
    #[error("input is not the canonical encoding of its value")]
    NotCanonical,
}

/// A type with one canonical byte encoding.
pub trait Canonical: Sized {
    /// Writes the canonical encoding.
    fn encode(&self, e: &mut Encoder);

    /// Reads the value; the input has already passed [`check::validate`].
    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError>;

    /// The canonical encoding as bytes.
    fn to_canonical(&self) -> Vec<u8> {
        let mut e = Encoder::new();
        self.encode(&mut e);
        e.into_bytes()
    }

    /// Strictly decodes `bytes`: size limit, deterministic-encoding rules, the type's own rules,
    /// no trailing bytes, and re-encoding must reproduce `bytes` exactly.
    fn from_canonical(bytes: &[u8]) -> Result<Self, DecodeError> {
        if bytes.len() > MAX_INPUT_LEN {
            return Err(DecodeError::TooLarge {
                len: bytes.len(),
                limit: MAX_INPUT_LEN,
            });
        }
        Self::from_stored(bytes)
    }

    /// [`Canonical::from_canonical`] without the size limit on untrusted input: for what this
    /// library wrote itself and checked before decoding (a row of the persistent index, whose
    /// MAC verified), which grows with the ledger (a seal's uses, the compromise declarations)
    /// past any limit fit for a statement.
    fn from_stored(bytes: &[u8]) -> Result<Self, DecodeError> {
        check::validate(bytes)?;
        let mut d = Decoder::new(bytes);
        let value = Self::decode(&mut d)?;
        d.finish()?;
        let mut e = Encoder::with_capacity(bytes.len());
        value.encode(&mut e);
        if e.into_bytes() != bytes {
            return Err(DecodeError::NotCanonical);
        }
        Ok(value)
    }
}

impl<T: Canonical> Canonical for Vec<T> {
    fn encode(&self, e: &mut Encoder) {
        e.array(self.len() as u64);
        for item in self {
            item.encode(e);
        }
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        let n = d.array_any()?;
        let mut out = Vec::with_capacity(d.capacity_hint::<T>(n));
        for _ in 0..n {
            out.push(T::decode(d)?);
        }
        Ok(out)
    }
}

impl Canonical for String {
    fn encode(&self, e: &mut Encoder) {
        e.text(self);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        d.text().map(str::to_owned)
    }
}

impl Canonical for u64 {
    fn encode(&self, e: &mut Encoder) {
        e.uint(*self);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        d.uint()
    }
}

impl<T: Canonical> Canonical for Option<T> {
    fn encode(&self, e: &mut Encoder) {
        match self {
            Some(v) => v.encode(e),
            None => e.null(),
        }
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        if d.take_null()? {
            Ok(None)
        } else {
            T::decode(d).map(Some)
        }
    }
}

impl Canonical for bool {
    fn encode(&self, e: &mut Encoder) {
        e.bool(*self);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        d.bool()
    }
}
