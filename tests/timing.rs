//! The program that times epochs, `epoch_times`, as `tools/compare.py` runs
//! it (its helpers are tested in `src/bin/epoch_times/timing.rs`).

use std::path::Path;

use ndarray::array;
use neural_network::Normalization;

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
