//! QR images of compact presentations (feature `qr`): PNG and SVG.

use qrcode::{Color, EcLevel, QrCode};

/// Why a QR image cannot be made.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum QrError {
    /// The text does not fit in a QR code at the error correction level used.
    #[error("text of {0} characters does not fit in one QR code")]
    TooLong(usize),
    /// The PNG encoder failed.
    #[error("PNG encoding failed: {0}")]
    Png(#[from] png::EncodingError),
}

/// Error correction level M (about 15 % of the symbol may be damaged).
fn code(text: &str) -> Result<QrCode, QrError> {
    QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map_err(|_| QrError::TooLong(text.len()))
}

/// The QR symbol's width in modules (its version is `(width − 17) / 4`).
pub fn modules(text: &str) -> Result<usize, QrError> {
    Ok(code(text)?.width())
}

/// A grayscale PNG of the QR code of `text`: `scale` pixels per module and the standard quiet
/// zone of four modules.
pub fn to_png(text: &str, scale: u32) -> Result<Vec<u8>, QrError> {
    let code = code(text)?;
    let width = code.width();
    let colors = code.to_colors();
    let scale = scale.max(1) as usize;
    let quiet = 4;
    let side = (width + 2 * quiet) * scale;
    let mut pixels = vec![255u8; side * side];
    for (i, c) in colors.iter().enumerate() {
        if *c != Color::Dark {
            continue;
        }
        let (mx, my) = (i % width + quiet, i / width + quiet);
        for y in my * scale..(my + 1) * scale {
            pixels[y * side + mx * scale..y * side + (mx + 1) * scale].fill(0);
        }
    }
    let mut out = Vec::new();
    let side = u32::try_from(side).map_err(|_| QrError::TooLong(text.len()))?;
    let mut encoder = png::Encoder::new(&mut out, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&pixels)?;
    writer.finish()?;
    Ok(out)
}

/// An SVG image of the QR code of `text`, at least `min_size` pixels wide.
pub fn to_svg(text: &str, min_size: u32) -> Result<String, QrError> {
    Ok(code(text)?
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(min_size, min_size)
        .quiet_zone(true)
        .build())
}
