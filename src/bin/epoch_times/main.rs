//! Times epochs of the crate's engine on MNIST 0 vs 1 and the memory-bandwidth floor,
//! one JSON object per line: what `tools/compare.py` reads.
//!
//! `cargo run --release --bin epoch_times -- --epochs 5`
//!
//! For each batch size it trains one warm-up epoch, then times `--epochs` more and prints
//! `{"what": "epoch", "batch_size": "32", "rows": 12665, "seconds": [...], "median": ...}`.
//! The floor line, `{"what": "floor", ...}`, times two plain reads of the data set (see
//! `timing::read_twice`) and gives the normalization used.
//! The engine shares its passes over the whole data set between two threads where there
//! are two cores, and the BLAS routines behind `gradient_descent`'s products share the
//! large ones (`src/programs/blas.rs`); everything else runs on one.
//!
//! `--plain` adds `{"what": "plain", ...}` lines: the same for the book's `gradient_descent`.
//!
//! `--ladder` prints instead the speed page's table (`book/outputs/ladder.md`): every
//! step from the book's `gradient_descent` to the engine, at batch sizes 1, 32 and full,
//! each the median of `--epochs` epochs in each of `--rounds` rounds.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use ndarray::Array1;
use neural_network::data::{BinaryTask, IdxFiles};
use neural_network::engine::Trainer;
use neural_network::programs::budget::{Budget, HeldOut, Keeps, Run};
use neural_network::programs::bundled::zeros_and_ones;
use neural_network::programs::cli::{
    parse_args, parse_memory, parse_positive, run_main,
};
use neural_network::say;

use ladder::{LADDER, Workload};
use timing::{BATCH_SIZES, batch_label, median};

mod ladder;
mod timing;

/// Time epochs of mini-batch gradient descent on MNIST 0 vs 1.
#[derive(Parser)]
struct Args {
    /// Directory with the IDX files (default: the bundled data/).
    #[arg(long, default_value_os_t = zeros_and_ones(), hide_default_value = true)]
    data_dir: PathBuf,
    /// Epochs to time per batch size, after one warm-up epoch.
    #[arg(long, default_value = "5", value_parser = parse_positive)]
    epochs: usize,
    /// Batch sizes to time, e.g. 1,32,full (default: 1,8,32,128,1024,full).
    #[arg(long, value_delimiter = ',', value_parser = parse_batch_size)]
    batch_sizes: Option<Vec<Option<usize>>>,
    /// How many times to time the floor.
    #[arg(long, default_value = "20", value_parser = parse_positive)]
    floor_repeats: usize,
    /// Time the book's `gradient_descent` too, at the same batch sizes
    #[arg(long)]
    plain: bool,
    /// Print the speed page's ladder, a Markdown table, instead
    #[arg(long, conflicts_with = "batch_sizes")]
    ladder: bool,
    /// With --ladder: rounds over every step, to even out a busy machine
    #[arg(long, default_value = "3", value_parser = parse_positive)]
    rounds: usize,
    /// The most memory the run may hold, such as 4GiB
    #[arg(long, value_name = "SIZE", default_value = "2GiB", value_parser = parse_memory)]
    max_memory: u64,
}

/// A batch size: a whole number of at least 1, or `full`.
fn parse_batch_size(text: &str) -> Result<Option<usize>, String> {
    if text == "full" {
        Ok(None)
    } else {
        parse_positive(text).map(Some)
    }
}

fn main() -> ExitCode {
    run_main(|| run(parse_args()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let run = Run {
        classes: (0, 1),
        limit: None,
        held_out: HeldOut::TestFiles,
        epochs: args.epochs,
    };
    let files = IdxFiles::find(&args.data_dir)?;
    Budget(args.max_memory).check_run(&files, &run, Keeps::EPOCH_TIMES, &[])?;
    if args.ladder {
        return print_ladder(&args);
    }
    let (x, y, normalization) = timing::mnist_0_vs_1(&args.data_dir)?;
    let floor = timing::time_floor(&x, args.floor_repeats);
    say!(
        "{{\"what\": \"floor\", \"rows\": {}, \"bytes\": {}, \"seconds\": {}, \"median\": {}, \
         \"mean\": {:?}, \"std\": {:?}}}",
        x.nrows(),
        x.len() * size_of::<f64>(),
        json_list(&floor),
        median(&floor),
        normalization.mean,
        normalization.std
    );
    drop((x, y));
    // The engine as `--engine` runs it: the images kept as their groups of ink.
    let task = timing::mnist_0_vs_1_pixels(&args.data_dir)?;
    let (x, y) = (&task.train.x, &task.train.y);
    let w = Array1::zeros(x.ncols());
    for batch_size in args.batch_sizes.clone().unwrap_or(BATCH_SIZES.to_vec()) {
        // One warm-up epoch, then the timed ones.
        let settings = timing::settings(batch_size, x.nrows(), 1 + args.epochs);
        let mut trainer = Trainer::for_pixels(x, y, (&w, 0.0), &settings)?;
        let loss = trainer.next().expect("at least one epoch")?.loss;
        let seconds = timing::time_epochs(&mut trainer)?;
        say!(
            "{{\"what\": \"epoch\", \"batch_size\": \"{}\", \"rows\": {}, \"seconds\": {}, \
             \"median\": {}, \"first_loss\": {loss}}}",
            batch_label(batch_size),
            x.nrows(),
            json_list(&seconds),
            median(&seconds)
        );
    }
    if args.plain {
        print_plain(&args)?;
    }
    Ok(())
}

/// One JSON line per batch size: the seconds of `--epochs` epochs of the
/// book's `gradient_descent`, after a warm-up one, on the images in `f64`
/// as the main program loads them.
fn print_plain(args: &Args) -> anyhow::Result<()> {
    let task: BinaryTask = BinaryTask::load(&args.data_dir, (0, 1), None)?;
    let (x, y) = (&task.train.x, &task.train.y);
    for batch_size in args.batch_sizes.clone().unwrap_or(BATCH_SIZES.to_vec()) {
        let settings = timing::settings(batch_size, x.nrows(), 1 + args.epochs);
        let seconds = timing::time_plain(x, y, &settings)?;
        say!(
            "{{\"what\": \"plain\", \"batch_size\": \"{}\", \"rows\": {}, \"seconds\": {}, \
             \"median\": {}}}",
            batch_label(batch_size),
            x.nrows(),
            json_list(&seconds),
            median(&seconds)
        );
    }
    Ok(())
}

/// The ladder of [`ladder::LADDER`] as a Markdown table of
/// milliseconds per epoch, with the floor below it.
fn print_ladder(args: &Args) -> anyhow::Result<()> {
    let workload = Workload::load(&args.data_dir)?;
    let x = &workload.x;
    let batch_sizes = [Some(1), Some(32), None];
    let mut seconds = vec![vec![Vec::new(); batch_sizes.len()]; LADDER.len()];
    for _ in 0..args.rounds {
        for (rung, times) in LADDER.iter().zip(&mut seconds) {
            for (batch_size, times) in batch_sizes.iter().zip(times.iter_mut())
            {
                let settings = timing::settings(*batch_size, x.nrows(), 1);
                let epochs = args.epochs;
                times.extend(ladder::time_rung(
                    rung, &workload, &settings, epochs,
                )?);
            }
        }
    }
    say!(
        "Milliseconds per epoch on MNIST 0 vs 1 ({} images × {} pixels), \
         each the median of {} rounds × {} epochs; {}.\n",
        x.nrows(),
        x.ncols(),
        args.rounds,
        args.epochs,
        neural_network::programs::report::machine()
    );
    say!("| step | batch size 1 | batch size 32 | full batch |");
    say!("| --- | ---: | ---: | ---: |");
    for (i, (rung, times)) in LADDER.iter().zip(&seconds).enumerate() {
        let cells: Vec<String> = times
            .iter()
            .map(|t| format!("{:.1}", 1000.0 * median(t)))
            .collect();
        say!("| {i}. {} | {} |", rung.name, cells.join(" | "));
    }
    let floor = median(&timing::time_floor(&workload.x, args.floor_repeats));
    say!(
        "\nThe floor, two plain reads of the {:.0} MB of `f64`, takes {:.1} ms.",
        (x.len() * size_of::<f64>()) as f64 / 1e6,
        1000.0 * floor
    );
    let pixels = &workload.pixels;
    let bytes = pixels.bytes();
    let zeros = bytes.iter().filter(|&&p| p == 0).count();
    let ink = pixels.ink_share() * (pixels.nrows() * pixels.groups()) as f64;
    // The page quotes this sentence on its own, between the anchors.
    say!("<!-- ANCHOR: ink -->");
    say!(
        "{:.1} % of the pixels of these images are 0, and {:.1} % of their groups of \
         eight pixels are all 0; an image has {:.1} groups of ink on average, out of {}.",
        100.0 * zeros as f64 / bytes.len() as f64,
        100.0 * (1.0 - pixels.ink_share()),
        ink / pixels.nrows() as f64,
        pixels.groups()
    );
    say!("<!-- ANCHOR_END: ink -->");
    Ok(())
}

fn json_list(values: &[f64]) -> String {
    let items: Vec<String> = values.iter().map(f64::to_string).collect();
    format!("[{}]", items.join(", "))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use ndarray::{Array1, Array2};
    use neural_network::Normalization;

    use super::timing::*;

    // timing.rs

    #[test]
    fn the_workload_is_the_bundled_mnist_0_vs_1_normalized() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
        let (x, y, normalization) =
            mnist_0_vs_1(&dir).expect("the bundled data");
        assert_eq!(x.dim(), (12_665, 784));
        assert_eq!(y.len(), 12_665);
        assert!(y.iter().all(|&t| t == 0.0 || t == 1.0));
        let norm = Normalization::of(&x);
        assert!(norm.mean.abs() < 1e-9 && (norm.std - 1.0).abs() < 1e-9);
        // The raw pixels' statistics: a mean of a few dozen grey levels.
        assert!(normalization.mean > 10.0 && normalization.std > 10.0);
        let pixels = mnist_0_vs_1_pixels(&dir).expect("the bundled data");
        assert_eq!(pixels.normalization, normalization);
        assert_eq!(pixels.train.y, y);
    }

    #[test]
    fn timing_runs_the_epochs_the_trainer_has_left() {
        let (x, y) = (Array2::ones((50, 3)), Array1::ones(50));
        let settings = settings(Some(8), x.nrows(), 3);
        let w = Array1::zeros(3);
        let mut trainer =
            neural_network::engine::Trainer::new(&x, &y, &w, 0.0, &settings)
                .expect("valid settings");
        trainer
            .next()
            .expect("a first epoch")
            .expect("a finite loss");
        let times = time_epochs(&mut trainer).expect("finite losses");
        assert_eq!(times.len(), 2, "three epochs, one already run");
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
        let x = Array2::from_shape_fn((3, 7), |(i, j)| (i * 7 + j) as f64);
        assert_eq!(read_twice(&x), 2.0 * x.sum());
        assert_eq!(time_floor(&x, 3).len(), 3, "one time per repeat");
    }
}
