//! The workload the benchmarks time, and the helpers around it.

use std::path::Path;

use ndarray::array;
use neural_network::Normalization;
use neural_network::engine::timing::{self, BATCH_SIZES, batch_label, median};

#[test]
fn normalizing_in_place_gives_the_same_values_as_a_copy() {
    for x in [
        array![[1.0, 2.0], [3.0, 5.0]],
        array![[4.0, 4.0], [4.0, 4.0]],
    ] {
        let norm = Normalization::of(&x);
        let mut in_place = x.clone();
        norm.apply_in_place(&mut in_place);
        assert_eq!(in_place, norm.apply(&x));
    }
}

#[test]
fn the_workload_is_the_bundled_mnist_0_vs_1_normalized() {
    let (x, y, normalization) = timing::mnist_0_vs_1(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("data"),
    )
    .expect("the bundled data loads");
    assert_eq!(x.dim(), (12_665, 784));
    assert_eq!(y.len(), 12_665);
    assert!(y.iter().all(|&t| t == 0.0 || t == 1.0));
    let norm = Normalization::of(&x);
    assert!(norm.mean.abs() < 1e-9 && (norm.std - 1.0).abs() < 1e-9);
    // The raw pixels' statistics: a mean of a few dozen grey levels.
    assert!(normalization.mean > 10.0 && normalization.std > 10.0);
}

#[test]
fn timing_runs_the_epochs_the_trainer_has_left() {
    let (x, y) = (ndarray::Array2::ones((50, 3)), ndarray::Array1::ones(50));
    let mut trainer =
        timing::trainer(&x, &y, Some(8), 3).expect("valid settings");
    trainer
        .next()
        .expect("a first epoch")
        .expect("a finite loss");
    let times = timing::time_epochs(&mut trainer).expect("finite losses");
    assert_eq!(times.len(), 2, "three epochs, one already run");
    assert!(
        times.iter().all(|&t| t.is_finite() && t >= 0.0),
        "{times:?}"
    );
    assert!(trainer.next().is_none(), "nothing left after timing");
}

#[test]
fn batch_sizes_and_medians() {
    let labels: Vec<String> =
        BATCH_SIZES.into_iter().map(batch_label).collect();
    assert_eq!(labels, ["1", "8", "32", "128", "1024", "full"]);
    assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
    assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
    assert!(median(&[]).is_nan());
}

#[test]
fn the_floor_reads_every_element_twice() {
    let x = ndarray::Array2::from_shape_fn((3, 7), |(i, j)| (i * 7 + j) as f64);
    assert_eq!(timing::read_twice(&x), 2.0 * x.sum());
    let times = timing::time_floor(&x, 3);
    assert!(
        times.iter().all(|&t| t.is_finite() && t >= 0.0),
        "{times:?}"
    );
}

#[test]
fn epoch_times_prints_one_json_line_per_measurement() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_epoch_times"))
        .args(["--data-dir", data.to_str().expect("a UTF-8 path")])
        .args([
            "--epochs",
            "1",
            "--batch-sizes",
            "1024,full",
            "--floor-repeats",
            "2",
        ])
        .output()
        .expect("epoch_times runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].starts_with(
        "{\"what\": \"floor\", \"rows\": 12665, \"bytes\": 79434880,"
    ));
    assert!(
        lines[1].starts_with("{\"what\": \"epoch\", \"batch_size\": \"1024\",")
    );
    assert!(
        lines[2].starts_with("{\"what\": \"epoch\", \"batch_size\": \"full\",")
    );
    assert!(
        lines
            .iter()
            .all(|l| l.ends_with('}') && l.contains("\"median\": "))
    );
}

#[test]
fn epoch_times_rejects_a_batch_size_of_zero() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_epoch_times"))
        .args(["--batch-sizes", "0"])
        .output()
        .expect("epoch_times runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 1"));
}
