//! Fuzzes the IDX reader with arbitrary bytes: gzip or raw, images and labels, paired into
//! a binary task. Nothing may panic; whatever parses must encode back to the same bytes.
//!
//! Run with `cargo fuzz run idx -- -runs=1000000` from the repository root (see fuzz/README.md).

#![no_main]

use std::path::PathBuf;

use libfuzzer_sys::fuzz_target;
use neural_network::data::{
    IMAGES_MAGIC, LABELS_MAGIC, LabelledImages, Part, encode_idx, gunzip_if_gzipped, parse_idx,
};

fuzz_target!(|input: &[u8]| {
    // The first byte says where to split the rest into an image file and a label file.
    let Some((&cut, rest)) = input.split_first() else {
        return;
    };
    let (first, second) = rest.split_at((cut as usize).min(rest.len()));
    let (Ok(images), Ok(labels)) = (
        gunzip_if_gzipped(first.to_vec()),
        gunzip_if_gzipped(second.to_vec()),
    ) else {
        return;
    };
    let parsed_images = parse_idx(&images, IMAGES_MAGIC);
    let parsed_labels = parse_idx(&labels, LABELS_MAGIC);
    for (parsed, bytes, magic) in [
        (&parsed_images, &images, IMAGES_MAGIC),
        (&parsed_labels, &labels, LABELS_MAGIC),
    ] {
        if let Ok(idx) = parsed {
            assert_eq!(
                &encode_idx(magic, &idx.dims, &idx.data),
                bytes,
                "parse then encode must give the bytes back"
            );
        }
    }
    if let (Ok(images), Ok(labels)) = (parsed_images, parsed_labels) {
        if let Ok(set) = LabelledImages::pair(
            PathBuf::from("images"),
            images,
            PathBuf::from("labels"),
            labels,
        ) {
            let classes = (
                set.labels.first().copied().unwrap_or(0),
                set.labels.last().copied().unwrap_or(1),
            );
            let _ = set.binary(classes, Some(64), Part::Train);
        }
    }
});
