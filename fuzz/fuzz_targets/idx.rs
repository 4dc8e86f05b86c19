//! Fuzzes the IDX reader with arbitrary bytes: gzip or raw, images and labels, read by the
//! streaming reader the loader uses and paired into a binary task. Nothing may panic; on
//! raw bytes the streaming reader and the slice parser must agree exactly; whatever is
//! read must encode back to the content it came from.
//!
//! Run with `cargo fuzz run idx -- -runs=1000000` from the repository root (see fuzz/README.md).

#![no_main]

use std::path::PathBuf;

use libfuzzer_sys::fuzz_target;
use neural_network::data::read::is_gzip;
use neural_network::data::{
    Gunzip, IMAGES_MAGIC, Idx, LABELS_MAGIC, LabelledImages, Part, ReadError,
    encode_idx, parse_idx, read_idx,
};

fuzz_target!(|input: &[u8]| {
    // The first byte says where to split the rest into an image file and a label file.
    let Some((&cut, rest)) = input.split_first() else {
        return;
    };
    let (first, second) = rest.split_at((cut as usize).min(rest.len()));
    if let (Some(images), Some(labels)) =
        (read(first, IMAGES_MAGIC), read(second, LABELS_MAGIC))
    {
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

/// Reads `bytes` as the loader reads a file of them, checking the result against the
/// slice parser.
fn read(bytes: &[u8], magic: u32) -> Option<Idx> {
    let mut reader = bytes;
    let gzip = is_gzip(&mut reader).expect("reading a slice cannot fail");
    let streamed = if gzip {
        read_idx(Gunzip::new(reader), magic, None)
    } else {
        read_idx(reader, magic, Some(bytes.len() as u64))
    };
    if let Ok(idx) = &streamed {
        let content = encode_idx(magic, &idx.dims, &idx.data);
        assert_eq!(
            parse_idx(&content, magic).as_ref(),
            Ok(idx),
            "read, encode, parse"
        );
        if !gzip {
            assert_eq!(content, bytes, "a raw file is its content");
        }
    }
    if !gzip {
        match (&streamed, parse_idx(bytes, magic)) {
            (Ok(a), Ok(b)) => assert_eq!(a, &b),
            (Err(ReadError::Format(a)), Err(b)) => assert_eq!(a, &b),
            (a, b) => {
                panic!("the streaming reader gave {a:?}, the parser {b:?}")
            }
        }
    }
    streamed.ok()
}
