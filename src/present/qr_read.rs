//! Reading the compact text of a presentation back from a photographed or scanned QR code
//! (feature `qr-read`): a PNG or JPEG image, made grey, searched for QR codes (rqrr).
//!
//! The image is untrusted input: its declared size is checked before any pixel is decoded
//! ([`MAX_PIXELS`]), so a small file that claims a huge image costs nothing.

/// The most pixels an image may have (4096 × 4096, a phone camera's photo at most).
pub const MAX_PIXELS: usize = 4096 * 4096;

/// Why no text was read from an image.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadQrError {
    /// Neither a PNG nor a JPEG file.
    #[error("not a PNG or JPEG image")]
    NotAnImage,
    /// A PNG or JPEG file that does not decode.
    #[error("the image does not decode: {0}")]
    Undecodable(String),
    /// More pixels than [`MAX_PIXELS`].
    #[error("the image is {width}×{height} pixels, more than {MAX_PIXELS} in all")]
    TooLarge {
        /// Its width.
        width: usize,
        /// Its height.
        height: usize,
    },
    /// No QR code was found in the image.
    #[error("no QR code was found in the image")]
    NoCode,
    /// A QR code was found but could not be read (blurred, cut off, damaged past its error
    /// correction).
    #[error("the QR code could not be read: {0}")]
    Unreadable(String),
    /// The QR code holds bytes that are not text.
    #[error("the QR code does not hold text")]
    NotText,
}

/// The PNG signature.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";
/// A JPEG's start of image and the next marker's first byte.
const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF];

/// Whether `bytes` are a PNG or JPEG image (by their first bytes), which [`read_text`] reads.
pub fn is_image(bytes: &[u8]) -> bool {
    bytes.starts_with(PNG) || bytes.starts_with(JPEG)
}

/// The text of `bytes` if they are a presentation already, else of the first readable QR
/// code in the PNG or JPEG image they are: what a verifier takes as a presentation, whatever
/// it was sent as.
pub fn presented(bytes: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>, ReadQrError> {
    match is_image(bytes) {
        true => Ok(read_text(bytes)?.into_bytes().into()),
        false => Ok(bytes.into()),
    }
}

/// The text of the first readable QR code in `image` (PNG or JPEG).
pub fn read_text(image: &[u8]) -> Result<String, ReadQrError> {
    let (width, height, grey) = if image.starts_with(PNG) {
        png_grey(image)?
    } else if image.starts_with(JPEG) {
        jpeg_grey(image)?
    } else {
        return Err(ReadQrError::NotAnImage);
    };
    let mut prepared =
        rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| grey[y * width + x]);
    let mut unreadable = None;
    for grid in prepared.detect_grids() {
        let mut bytes = Vec::new();
        match grid.decode_to(&mut bytes) {
            Ok(_) => return String::from_utf8(bytes).map_err(|_| ReadQrError::NotText),
            Err(e) => unreadable = Some(e.to_string()),
        }
    }
    Err(unreadable.map_or(ReadQrError::NoCode, ReadQrError::Unreadable))
}

/// Refuses an image of more than [`MAX_PIXELS`].
fn check_size(width: usize, height: usize) -> Result<(), ReadQrError> {
    match width.checked_mul(height) {
        Some(n) if n <= MAX_PIXELS && n > 0 => Ok(()),
        _ => Err(ReadQrError::TooLarge { width, height }),
    }
}

/// A PNG's pixels as 8-bit grey, row by row.
fn png_grey(image: &[u8]) -> Result<(usize, usize, Vec<u8>), ReadQrError> {
    let undecodable = |e: png::DecodingError| ReadQrError::Undecodable(e.to_string());
    // The size, from the header chunk that must come first (before anything is decoded).
    if let (Some(b"IHDR"), Some(w), Some(h)) =
        (image.get(12..16), image.get(16..20), image.get(20..24))
    {
        let dimension = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize;
        check_size(dimension(w), dimension(h))?;
    }
    let mut decoder = png::Decoder::new_with_limits(
        image,
        png::Limits {
            bytes: MAX_PIXELS * 8,
        },
    );
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().map_err(undecodable)?;
    let (width, height) = {
        let info = reader.info();
        (info.width as usize, info.height as usize)
    };
    check_size(width, height)?;
    let mut buf = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut buf).map_err(undecodable)?;
    let channels = frame.color_type.samples();
    let row = frame.line_size;
    let mut grey = Vec::with_capacity(width * height);
    for y in 0..height {
        let line = buf
            .get(y * row..y * row + width * channels)
            .ok_or_else(|| ReadQrError::Undecodable("a row is cut short".into()))?;
        grey.extend(line.chunks_exact(channels).map(|px| match px {
            // Grey, grey and alpha, RGB, RGBA: the luma of the colour (alpha ignored).
            [g] | [g, _] => *g,
            [r, g, b, ..] => luma(*r, *g, *b),
            _ => 0,
        }));
    }
    Ok((width, height, grey))
}

/// ITU-R BT.601 luma of an 8-bit colour.
fn luma(r: u8, g: u8, b: u8) -> u8 {
    let y = 299 * u32::from(r) + 587 * u32::from(g) + 114 * u32::from(b);
    u8::try_from(y / 1000).unwrap_or(u8::MAX)
}

/// A JPEG's pixels as 8-bit grey (its luma), row by row.
fn jpeg_grey(image: &[u8]) -> Result<(usize, usize, Vec<u8>), ReadQrError> {
    use zune_core::bytestream::ZCursor;
    use zune_core::colorspace::ColorSpace;
    use zune_core::options::DecoderOptions;
    let undecodable = |e: zune_jpeg::errors::DecodeErrors| ReadQrError::Undecodable(e.to_string());
    let options = DecoderOptions::default()
        .jpeg_set_out_colorspace(ColorSpace::Luma)
        .set_max_width(4096)
        .set_max_height(4096);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(image), options);
    decoder.decode_headers().map_err(undecodable)?;
    let (width, height) = decoder
        .dimensions()
        .ok_or_else(|| ReadQrError::Undecodable("no frame header".into()))?;
    check_size(width, height)?;
    let grey = decoder.decode().map_err(undecodable)?;
    if grey.len() < width * height {
        return Err(ReadQrError::Undecodable(
            "fewer pixels than its size".into(),
        ));
    }
    Ok((width, height, grey))
}
