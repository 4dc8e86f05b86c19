//! The `mnist` crate as an independent oracle for our IDX reader: both read the full
//! official MNIST, and every pixel and label must agree.
//!
//! The `mnist` crate reads only uncompressed files under fixed names, with the counts of
//! the full data set, so the four files of `../shared/data/mnist` (beside the repository,
//! raw or gzipped, as `fetch_mnist` leaves them) are decompressed into a temporary folder
//! for it with flate2 directly; our reader reads the originals. Where that folder does not
//! hold the four files the test says so on standard error and checks nothing: the data
//! is 55 MB and is not part of the repository.

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::Path;

use flate2::read::MultiGzDecoder;
use mnist::MnistBuilder;
use neural_network::data::{IdxDataSet, IdxFiles};

#[test]
fn our_reader_reads_the_official_mnist_exactly_as_the_mnist_crate_does() {
    let source =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/mnist");
    let files = match IdxFiles::find(&source) {
        Ok(files) => files,
        Err(why) => {
            eprintln!(
                "SKIPPED: no official MNIST to compare with the mnist crate: {why}"
            );
            return;
        }
    };
    let plain = tempfile::tempdir().unwrap();
    for path in &files.paths {
        let name = path.file_name().unwrap().to_string_lossy();
        let name = name.strip_suffix(".gz").unwrap_or(&name);
        let mut reader: Box<dyn Read> =
            if path.extension() == Some("gz".as_ref()) {
                Box::new(MultiGzDecoder::new(File::open(path).unwrap()))
            } else {
                Box::new(File::open(path).unwrap())
            };
        io::copy(
            &mut reader,
            &mut File::create(plain.path().join(name)).unwrap(),
        )
        .unwrap();
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
    drop(fs::remove_dir_all(plain.path()));
}
