//! C2SP tlog-tiles resource paths: `tile/<L>/<N>[.p/<W>]` for hash tiles and
//! `tile/entries/<N>[.p/<W>]` for entry bundles, with `N` written as 3-digit path elements, all
//! but the last prefixed with `x` (1234067 → `x001/x234/067`). Formatting and strict parsing:
//! one path per tile, so a cache or a server never holds one tile under two names.

/// Hashes (or entries) in a full tile.
pub const TILE_WIDTH: u64 = 256;
/// The highest hash-tile level (tlog-tiles: 0–5 covers any 64-bit tree size).
pub const MAX_LEVEL: u8 = 5;

/// What a tile path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TileKind {
    /// A tile of Merkle tree hashes at this level (0: the leaf hashes).
    Hashes(u8),
    /// A bundle of entries.
    Entries,
}

/// A tile: its kind, its index within its level, and, for a partial tile, its width (1–255).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tile {
    /// Hash tile of a level, or entry bundle.
    pub kind: TileKind,
    /// Index of the tile within its level.
    pub index: u64,
    /// Width of a partial tile (1–255); `None` for a full tile of 256.
    pub partial: Option<u8>,
}

/// A path that is not a canonical tlog-tiles tile path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a tile path: {0}")]
pub struct TilePathError(pub &'static str);

impl Tile {
    /// The tile's path, without a leading `/` (e.g. `tile/0/x001/x234/067.p/45`).
    pub fn path(&self) -> String {
        let mut out = String::from("tile/");
        match self.kind {
            TileKind::Hashes(level) => out.push_str(&level.to_string()),
            TileKind::Entries => out.push_str("entries"),
        }
        out.push('/');
        out.push_str(&index_path(self.index));
        if let Some(w) = self.partial {
            out.push_str(&format!(".p/{w}"));
        }
        out
    }

    /// Parses a tile path (without a leading `/`), refusing every non-canonical spelling:
    /// leading zeros in the level or width, a width of 0 or 256 or more, index elements that are
    /// not three digits or lack their `x`, a level above [`MAX_LEVEL`].
    pub fn parse(path: &str) -> Result<Self, TilePathError> {
        let rest = path
            .strip_prefix("tile/")
            .ok_or(TilePathError("no tile/ prefix"))?;
        let (kind, rest) = rest.split_once('/').ok_or(TilePathError("no level"))?;
        let kind = if kind == "entries" {
            TileKind::Entries
        } else {
            let level = decimal(kind).ok_or(TilePathError("level is not a decimal"))?;
            let level = u8::try_from(level)
                .ok()
                .filter(|l| *l <= MAX_LEVEL)
                .ok_or(TilePathError("level above 5"))?;
            TileKind::Hashes(level)
        };
        let (index, partial) = match rest.split_once(".p/") {
            Some((index, width)) => {
                let w = decimal(width).ok_or(TilePathError("width is not a decimal"))?;
                let w = u8::try_from(w)
                    .ok()
                    .filter(|w| *w >= 1)
                    .ok_or(TilePathError("width not in 1..=255"))?;
                (index, Some(w))
            }
            None => (rest, None),
        };
        Ok(Self {
            kind,
            index: parse_index(index)?,
            partial,
        })
    }
}

/// `N` as tlog-tiles path elements: 3 digits each, all but the last prefixed with `x`.
pub fn index_path(mut n: u64) -> String {
    let mut groups = vec![n % 1000];
    n /= 1000;
    while n > 0 {
        groups.push(n % 1000);
        n /= 1000;
    }
    let last = groups.len() - 1;
    groups
        .iter()
        .rev()
        .enumerate()
        .map(|(i, g)| {
            if i < last {
                format!("x{g:03}")
            } else {
                format!("{g:03}")
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn parse_index(path: &str) -> Result<u64, TilePathError> {
    let elements: Vec<&str> = path.split('/').collect();
    let last = elements.len() - 1;
    let mut n: u64 = 0;
    for (i, e) in elements.iter().enumerate() {
        let digits = if i < last {
            e.strip_prefix('x').ok_or(TilePathError(
                "an index element before the last lacks its x",
            ))?
        } else {
            e
        };
        if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(TilePathError("an index element is not three digits"));
        }
        // A leading group of 000 would give the index a second spelling.
        if i == 0 && i < last && digits == "000" {
            return Err(TilePathError("a leading index element of zero"));
        }
        let g: u64 = digits
            .parse()
            .map_err(|_| TilePathError("an index element is not three digits"))?;
        n = n
            .checked_mul(1000)
            .and_then(|n| n.checked_add(g))
            .ok_or(TilePathError("index beyond 64 bits"))?;
    }
    Ok(n)
}

/// A decimal with no leading zero (except "0" itself), at most 20 digits.
fn decimal(s: &str) -> Option<u64> {
    let canonical = !s.is_empty()
        && s.len() <= 20
        && s.bytes().all(|b| b.is_ascii_digit())
        && (s == "0" || !s.starts_with('0'));
    canonical.then(|| s.parse().ok()).flatten()
}
