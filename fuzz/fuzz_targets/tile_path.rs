#![no_main]
// A tile path parses only if it is the canonical path of the tile it names.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(path) = std::str::from_utf8(data) {
        if let Ok(tile) = chancery::merkle::Tile::parse(path) {
            assert_eq!(tile.path(), path);
        }
    }
});
