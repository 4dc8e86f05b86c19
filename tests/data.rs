//! The bundled data and the IDX loader: real files, checked to the byte, and every bad file
//! turned into an error that names it.

mod common;

use std::fs;
use std::path::Path;

use common::files::{bundled, gzip, set_length, temp_dir, write_idx_set};
use neural_network::data::read::is_gzip;
use neural_network::data::{
    DataError, Gunzip, IMAGES_MAGIC, IdxDataSet, IdxError, LABELS_MAGIC, Part,
    ReadError, TEST_IMAGES, TEST_LABELS, TRAIN_IMAGES, TRAIN_LABELS,
    encode_idx, parse_idx, read_idx,
};
use neural_network::programs::checksum::{
    content_sha256, hex_sha256, read_sums, read_verified,
};

#[test]
fn bundled_files_match_their_checksums() {
    for dir in [bundled().to_path_buf(), bundled().join("mnist")] {
        files_match_their_checksums(&dir);
    }
}

/// The four files of `dir` against its `SHA256SUMS`, and a wrong sum refused.
fn files_match_their_checksums(dir: &Path) {
    let sums = read_sums(&dir.join("SHA256SUMS")).unwrap();
    assert_eq!(sums.len(), 4);
    for (name, magic) in [
        (TRAIN_IMAGES, IMAGES_MAGIC),
        (TRAIN_LABELS, LABELS_MAGIC),
        (TEST_IMAGES, IMAGES_MAGIC),
        (TEST_LABELS, LABELS_MAGIC),
    ] {
        let path = dir.join(format!("{name}.gz"));
        read_verified(&path, magic, &sums[name]).unwrap();
        let wrong = "0".repeat(64);
        assert!(matches!(
            read_verified(&path, magic, &wrong),
            Err(DataError::Checksum { .. })
        ));
    }
}

#[test]
fn bundled_data_holds_every_zero_and_one_of_mnist() {
    let data = IdxDataSet::load(&bundled()).unwrap();
    assert_eq!(
        (data.train.len(), data.train.count(0), data.train.count(1)),
        (12_665, 5_923, 6_742)
    );
    assert_eq!(
        (data.test.len(), data.test.count(0), data.test.count(1)),
        (2_115, 980, 1_135)
    );
    assert_eq!((data.train.rows, data.train.cols), (28, 28));
    let train = data.train.binary((0, 1), None, Part::Train).unwrap();
    assert_eq!(train.x.dim(), (12_665, 784));
    assert_eq!(train.positives(), 6_742);
    assert_eq!(
        train.x.iter().max(),
        Some(&255),
        "raw bytes, not normalized"
    );
    let swapped = data.train.binary((1, 0), Some(10), Part::Train).unwrap();
    assert_eq!(
        swapped.y,
        train.y.slice(ndarray::s![..10]).mapv(|t| 1.0 - t),
        "the second class is target 1"
    );
}

#[test]
fn the_full_mnist_ships_with_the_official_sums_and_counts() {
    // The published SHA-256 sums of the decompressed official files.
    let official = [
        (
            TRAIN_IMAGES,
            "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        ),
        (
            TRAIN_LABELS,
            "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        ),
        (
            TEST_IMAGES,
            "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        ),
        (
            TEST_LABELS,
            "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
        ),
    ];
    let sums = read_sums(&bundled().join("mnist/SHA256SUMS")).unwrap();
    for (name, sum) in official {
        assert_eq!(sums[name], sum, "{name}");
    }
    let full = IdxDataSet::load(&bundled().join("mnist")).unwrap();
    let train: Vec<usize> = (0..10).map(|d| full.train.count(d)).collect();
    let test: Vec<usize> = (0..10).map(|d| full.test.count(d)).collect();
    assert_eq!(
        train,
        [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    );
    assert_eq!(
        test,
        [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    );
    // The small set in data/ is exactly the full set's zeros and ones, in
    // the same order.
    let small = IdxDataSet::load(&bundled()).unwrap();
    let mut subset = full.train.of_classes(&[0, 1], None);
    subset.path = small.train.path.clone();
    assert_eq!(subset, small.train);
    let mut subset = full.test.of_classes(&[0, 1], None);
    subset.path = small.test.path.clone();
    assert_eq!(subset, small.test);
}

/// A directory with four small, valid IDX files (gzipped or raw), for breaking one at a time.
fn small_set(dir: &Path, gzip: bool) {
    let labels = [3u8, 5, 3, 7, 5];
    let pixels: Vec<u8> = (0..5 * 4).map(|i| (i * 13 % 256) as u8).collect();
    write_idx_set(dir, [2, 2], &pixels, &labels, gzip);
}

#[test]
fn raw_and_gzipped_files_read_the_same() {
    let (raw, gz) = (temp_dir(), temp_dir());
    small_set(raw.path(), false);
    small_set(gz.path(), true);
    let (a, b) = (
        IdxDataSet::load(raw.path()).unwrap(),
        IdxDataSet::load(gz.path()).unwrap(),
    );
    assert_eq!(a.train.pixels, b.train.pixels);
    let task = a.train.binary((3, 5), None, Part::Train).unwrap();
    assert_eq!(task.y.to_vec(), vec![0.0, 1.0, 0.0, 1.0]);
    assert_eq!(
        task.x.row(1).to_vec(),
        vec![52, 65, 78, 91],
        "image 1's pixels, in order"
    );
}

fn load_error(dir: &Path) -> (DataError, String) {
    let e = IdxDataSet::load(dir).expect_err("the directory is broken");
    let message = e.to_string();
    (e, message)
}

/// The [`load_error`] of a small set (gzipped or raw) in a fresh folder after
/// `damage` has broken it (it is given the folder).
fn damaged_set_error(
    gzip: bool,
    damage: impl FnOnce(&Path),
) -> (DataError, String) {
    let dir = temp_dir();
    small_set(dir.path(), gzip);
    damage(dir.path());
    load_error(dir.path())
}

#[test]
fn missing_directory_and_missing_file() {
    let scratch = temp_dir();
    let (e, message) = load_error(&scratch.path().join("no-such-directory"));
    assert!(
        matches!(e, DataError::MissingDir(_))
            && message.contains("no-such-directory"),
        "{message}"
    );
    let (e, message) = damaged_set_error(true, |dir| {
        fs::remove_file(dir.join(format!("{TEST_LABELS}.gz"))).unwrap()
    });
    assert!(
        matches!(e, DataError::MissingFile { .. })
            && message.contains(TEST_LABELS),
        "{message}"
    );
}

#[test]
fn wrong_magic_number_names_the_file() {
    // A label file where an image file should be.
    let (e, message) = damaged_set_error(false, |dir| {
        fs::copy(dir.join(TRAIN_LABELS), dir.join(TRAIN_IMAGES)).unwrap();
    });
    assert!(
        matches!(
            e,
            DataError::Format {
                source: IdxError::Magic { .. },
                ..
            }
        ),
        "{e:?}"
    );
    assert!(
        message.contains(TRAIN_IMAGES)
            && message.contains("wrong magic number 0x00000801"),
        "{message}"
    );
}

#[test]
fn truncated_files_raw_and_gzipped() {
    let (_, message) = damaged_set_error(false, |dir| {
        set_length(&dir.join(TEST_IMAGES), |length| length - 3)
    });
    assert!(
        message.contains(TEST_IMAGES) && message.contains("truncated"),
        "{message}"
    );

    let (e, message) = damaged_set_error(true, |dir| {
        set_length(&dir.join(format!("{TRAIN_LABELS}.gz")), |length| length / 2)
    });
    assert!(
        matches!(e, DataError::Gzip { .. })
            && message.contains(TRAIN_LABELS)
            && message.contains("damaged gzip data"),
        "{message}"
    );
}

#[test]
fn image_and_label_counts_that_disagree() {
    let (e, message) = damaged_set_error(false, |dir| {
        let labels = encode_idx(LABELS_MAGIC, &[4], &[3, 5, 3, 7]);
        fs::write(dir.join(TRAIN_LABELS), labels).unwrap();
    });
    assert!(
        matches!(
            e,
            DataError::CountMismatch {
                image_count: 5,
                label_count: 4,
                ..
            }
        ),
        "{message}"
    );
}

#[test]
fn task_errors() {
    let dir = temp_dir();
    small_set(dir.path(), true);
    let data = IdxDataSet::load(dir.path()).unwrap();
    let e = data.test.binary((3, 9), None, Part::Test).unwrap_err();
    assert!(
        e.to_string()
            .contains("class 9 has no samples in the test set"),
        "{e}"
    );
    assert!(matches!(
        data.train.binary((5, 5), None, Part::Train),
        Err(DataError::SameClasses(5))
    ));
    assert!(matches!(
        data.train.binary((3, 5), Some(0), Part::Train),
        Err(DataError::ZeroLimit)
    ));
    assert_eq!(
        data.train
            .binary((3, 5), Some(3), Part::Train)
            .unwrap()
            .len(),
        3
    );
}

#[test]
fn parse_idx_checks_every_length() {
    let good = encode_idx(IMAGES_MAGIC, &[2, 3, 1], &[1, 2, 3, 4, 5, 6]);
    assert_eq!(parse_idx(&good, IMAGES_MAGIC).unwrap().dims, vec![2, 3, 1]);
    assert!(matches!(
        parse_idx(&good[..10], IMAGES_MAGIC),
        Err(IdxError::ShortHeader {
            found: 10,
            needed: 16
        })
    ));
    let mut long = good.clone();
    long.push(0);
    assert!(
        parse_idx(&long, IMAGES_MAGIC)
            .unwrap_err()
            .to_string()
            .contains("longer than its header says")
    );
    let huge = encode_idx(IMAGES_MAGIC, &[u32::MAX as usize; 3], &[]);
    assert!(
        matches!(
            parse_idx(&huge, IMAGES_MAGIC),
            Err(IdxError::TooLarge { .. })
        ),
        "a header promising exabytes is an error, not an allocation"
    );
    assert!(matches!(
        parse_idx(&[], LABELS_MAGIC),
        Err(IdxError::ShortHeader { .. })
    ));
}

#[test]
fn train_test_split_is_seeded_and_complete() {
    let data = IdxDataSet::load(&bundled()).unwrap();
    let all = data.train.binary((0, 1), Some(1000), Part::Train).unwrap();
    let (train, test) = all.train_test_split(0.2, 42);
    assert_eq!((train.len(), test.len()), (800, 200));
    assert_eq!(all.train_test_split(0.2, 42), (train.clone(), test.clone()));
    assert_ne!(all.train_test_split(0.2, 7).1, test);
    assert_eq!(train.positives() + test.positives(), all.positives());
}

#[test]
fn the_validation_split_is_seeded_disjoint_and_holds_both_classes() {
    let data = IdxDataSet::load(&bundled()).unwrap();
    let all = data.train.binary((0, 1), Some(1000), Part::Train).unwrap();
    let (train, validation) = all.validation_split(0.25, 42).unwrap();
    assert_eq!((train.len(), validation.len()), (750, 250));
    // Disjoint and complete: every image lands on exactly one side.
    let mut rows: Vec<Vec<u64>> = train
        .x
        .rows()
        .into_iter()
        .chain(validation.x.rows())
        .map(|r| r.iter().map(|&v| u64::from(v)).collect())
        .collect();
    let mut expected: Vec<Vec<u64>> = all
        .x
        .rows()
        .into_iter()
        .map(|r| r.iter().map(|&v| u64::from(v)).collect())
        .collect();
    rows.sort();
    expected.sort();
    assert_eq!(rows, expected);
    for set in [&train, &validation] {
        assert!(set.positives() > 0 && set.positives() < set.len());
    }
    // The seed decides the split.
    assert_eq!(
        all.validation_split(0.25, 42).unwrap(),
        (train, validation.clone())
    );
    assert_ne!(all.validation_split(0.25, 7).unwrap().1, validation);
}

#[test]
fn validation_splits_that_cannot_work_are_typed_errors() {
    let data = IdxDataSet::load(&bundled()).unwrap();
    let all = data.train.binary((0, 1), Some(1000), Part::Train).unwrap();
    for fraction in [0.0, 1.0, -0.2, 1.5, f64::NAN] {
        let err = all.validation_split(fraction, 42).unwrap_err();
        assert!(matches!(err, DataError::ValidationFraction(_)), "{err}");
    }
    // One held-out image cannot hold both classes.
    let err = all.validation_split(0.0005, 42).unwrap_err();
    assert!(
        matches!(
            err,
            DataError::SplitLacksClass {
                part: Part::Validation,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("validation set"), "{err}");
}

/// `bytes` read as the loader reads a file of them.
fn stream(
    bytes: &[u8],
    magic: u32,
) -> Result<neural_network::data::Idx, ReadError> {
    let mut reader = bytes;
    if is_gzip(&mut reader).unwrap() {
        read_idx(Gunzip::new(reader), magic, None)
    } else {
        read_idx(reader, magic, Some(bytes.len() as u64))
    }
}

#[test]
fn gzip_members_padding_and_trailing_bytes_read_as_gzip_does() {
    let file = encode_idx(IMAGES_MAGIC, &[2, 3, 1], &[1, 2, 3, 4, 5, 6]);
    let parsed = parse_idx(&file, IMAGES_MAGIC).unwrap();
    assert_eq!(stream(&file, IMAGES_MAGIC).unwrap(), parsed);
    assert_eq!(stream(&gzip(&file), IMAGES_MAGIC).unwrap(), parsed);
    // Two gzip members are one stream, as for gzip -d.
    let mut two = gzip(&file[..7]);
    two.extend(gzip(&file[7..]));
    assert_eq!(stream(&two, IMAGES_MAGIC).unwrap(), parsed);
    // Zero padding after the last member is accepted, as gzip accepts it.
    let mut padded = gzip(&file);
    padded.extend([0; 100]);
    assert_eq!(stream(&padded, IMAGES_MAGIC).unwrap(), parsed);
    // Anything else after it is an error that says so.
    let mut garbage = gzip(&file);
    garbage.extend(b"\0\0junk");
    match stream(&garbage, IMAGES_MAGIC) {
        Err(ReadError::Io(e)) => assert!(
            e.to_string().contains("neither gzip data nor zero padding"),
            "{e}"
        ),
        other => {
            panic!("expected an error about trailing bytes, got {other:?}")
        }
    }
    // Longer than declared: refused, whether raw or compressed.
    let mut long = file.clone();
    long.push(9);
    for bytes in [long.clone(), gzip(&long)] {
        assert!(matches!(
            stream(&bytes, IMAGES_MAGIC),
            Err(ReadError::Format(IdxError::Longer { expected: 6 }))
        ));
    }
    assert!(matches!(
        stream(&gzip(&file[..file.len() - 1]), IMAGES_MAGIC),
        Err(ReadError::Format(IdxError::Truncated {
            expected: 6,
            found: 5
        }))
    ));
}

#[test]
fn the_content_checksum_is_the_checksum_of_the_decompressed_file() {
    let file = encode_idx(LABELS_MAGIC, &[3], &[7, 8, 9]);
    let idx = parse_idx(&file, LABELS_MAGIC).unwrap();
    assert_eq!(content_sha256(LABELS_MAGIC, &idx), hex_sha256(&file));
}
