//! The `mnist` crate as an independent oracle for our IDX reader: both read the full
//! official MNIST that ships in `data/mnist/`, and every pixel and label must agree.
//!
//! The `mnist` crate reads only uncompressed files under fixed names, with the counts of
//! the full data set, so the four shipped `.gz` files are decompressed into a temporary
//! folder for it with flate2 directly; our reader reads the originals.

mod common;

use std::fs::File;
use std::io;

use common::files::{bundled, temp_dir};
use flate2::read::MultiGzDecoder;
use mnist::MnistBuilder;
use neural_network::data::{IdxDataSet, IdxFiles};

#[test]
fn our_reader_reads_the_official_mnist_exactly_as_the_mnist_crate_does() {
    let source = bundled().join("mnist");
    let files = IdxFiles::find(&source).expect("the full MNIST in data/mnist/");
    let plain = temp_dir();
    for path in &files.paths {
        let name = path.file_name().unwrap().to_string_lossy();
        let name = name.strip_suffix(".gz").expect("shipped compressed");
        let mut reader = MultiGzDecoder::new(File::open(path).unwrap());
        let mut copy = File::create(plain.path().join(name)).unwrap();
        io::copy(&mut reader, &mut copy).unwrap();
    }

    let theirs = MnistBuilder::new()
        .base_path(plain.path().to_str().unwrap())
        .label_format_digit()
        .training_set_length(60_000)
        .validation_set_length(0)
        .test_set_length(10_000)
        .finalize();
    let ours = IdxDataSet::load(&source).unwrap();

    assert_eq!((ours.train.len(), ours.test.len()), (60_000, 10_000));
    assert_eq!((ours.train.rows, ours.train.cols), (28, 28));
    assert!(
        ours.train.pixels == theirs.trn_img,
        "training pixels differ"
    );
    assert!(
        ours.train.labels == theirs.trn_lbl,
        "training labels differ"
    );
    assert!(ours.test.pixels == theirs.tst_img, "test pixels differ");
    assert!(ours.test.labels == theirs.tst_lbl, "test labels differ");
}
