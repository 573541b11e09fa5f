//! Writer of canonical CBOR: shortest heads, definite lengths only.

/// Appends canonical CBOR items to a byte buffer.
#[derive(Debug, Default)]
pub struct Encoder {
    buf: Vec<u8>,
}

impl Encoder {
    /// An empty encoder.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty encoder with room for `capacity` bytes (one allocation for an item whose size
    /// is known roughly in advance, instead of one per doubling).
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            buf: Vec::with_capacity(capacity),
        }
    }

    /// The bytes written so far.
    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    /// Item head in its shortest form (RFC 8949 §4.2.1).
    fn head(&mut self, major: u8, value: u64) {
        let m = major << 5;
        if value < 24 {
            self.buf.push(m | value as u8);
        } else if value <= 0xff {
            self.buf.extend_from_slice(&[m | 24, value as u8]);
        } else if value <= 0xffff {
            self.buf.push(m | 25);
            self.buf.extend_from_slice(&(value as u16).to_be_bytes());
        } else if value <= 0xffff_ffff {
            self.buf.push(m | 26);
            self.buf.extend_from_slice(&(value as u32).to_be_bytes());
        } else {
            self.buf.push(m | 27);
            self.buf.extend_from_slice(&value.to_be_bytes());
        }
    }

    /// Unsigned integer (major type 0).
    pub fn uint(&mut self, v: u64) {
        self.head(0, v);
    }

    /// Signed integer: major type 0 if non-negative, else major type 1 (`-1 - n`).
    pub fn int(&mut self, v: i64) {
        if v >= 0 {
            self.head(0, v.unsigned_abs());
        } else {
            self.head(1, (-1 - v).unsigned_abs());
        }
    }

    /// Byte string (major type 2).
    pub fn bytes(&mut self, b: &[u8]) {
        self.head(2, b.len() as u64);
        self.buf.extend_from_slice(b);
    }

    /// Text string (major type 3).
    pub fn text(&mut self, s: &str) {
        self.head(3, s.len() as u64);
        self.buf.extend_from_slice(s.as_bytes());
    }

    /// Array head of `len` items (major type 4); the items follow.
    pub fn array(&mut self, len: u64) {
        self.head(4, len);
    }

    /// `false` or `true`.
    pub fn bool(&mut self, v: bool) {
        self.buf.push(if v { 0xf5 } else { 0xf4 });
    }

    /// Appends bytes that are already one canonical item (e.g. a kept signed sub-item).
    pub fn raw(&mut self, item: &[u8]) {
        self.buf.extend_from_slice(item);
    }

    /// `null`, used for an absent optional field.
    pub fn null(&mut self) {
        self.buf.push(0xf6);
    }
}
