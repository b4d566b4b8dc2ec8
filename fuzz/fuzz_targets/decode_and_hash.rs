//! Fuzzes the path a hostile file takes through `lodge hash`: sniff the format, decode within
//! limits, check the size, hash (with the dihedral variants). It must never crash or allocate
//! without bound, whatever the bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lodge_pdq::Hasher;
use lodge_pdq::decode::DecodeOptions;
use lodge_pdq::file::{FileOptions, hash_image_bytes};

fuzz_target!(|data: &[u8]| {
    let options = FileOptions {
        decode: DecodeOptions { max_side: 4096, max_pixels: 4096 * 4096, max_alloc: 256 * 1024 * 1024, apply_exif_orientation: true },
        dihedral: true,
        ..FileOptions::default()
    };
    let _ = hash_image_bytes(data, &options, &mut Hasher::new());
});
