//! Draws the book's charts and prints the numbers behind them.
//!
//! Run it from the repository's root with `cargo run --bin charts`; it writes into
//! `book/charts/` (or the folder given with `--out-dir`). Every chart is deterministic, so
//! running it again rewrites the same bytes; `tests/charts.rs` checks that the committed
//! files are up to date.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use ndarray::Array1;
use ndarray::array;
use ndarray::s;
use neural_network::data::mnist;
use neural_network::data::{BinaryTask, Dataset, IdxFiles, Part};
use neural_network::engine;
use neural_network::gradcheck::loss_at;
use neural_network::metrics::Confusion;
use neural_network::programs::bundled::zeros_and_ones;
use neural_network::programs::checks::{Set, check_sets};
use neural_network::programs::cli::{parse_args, parse_output_path, run_main};
use neural_network::programs::output::{NewFolders, Outputs};
use neural_network::programs::plot::{self, Line, Picture, Scale, Shading};
use neural_network::programs::report;
use neural_network::{
    Activation, DEFAULT_SEED, Loss, Settings, Shuffle, Trained,
    gradient_descent, predict,
};
use neural_network::{note, say};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// The batch sizes, settings and machine description that `epoch_times`
/// and the benchmarks use, from the same file.
#[allow(dead_code)]
#[path = "epoch_times/timing.rs"]
mod timing;

/// Draws the book's charts as SVG files.
#[derive(Parser)]
struct Args {
    /// Folder to write the charts into (created if missing).
    #[arg(long, default_value = "book/charts", value_parser = parse_output_path)]
    out_dir: PathBuf,
    /// Draw only this chart (default: all of them).
    #[arg(long, value_enum)]
    only: Option<Chart>,
    /// Replace chart files even if they are read-only.
    #[arg(long)]
    force: bool,
}

/// The charts this program draws, one SVG file each.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Chart {
    /// batch_sizes.svg
    BatchSizes,
    /// mnist_shuffling.svg
    MnistShuffling,
    /// mnist_weights.svg
    MnistWeights,
    /// mnist_epochs.svg
    MnistEpochs,
    /// mnist_examples.svg
    MnistExamples,
    /// mnist_time.svg (measured, so different on every run)
    MnistTime,
}

impl Chart {
    /// Every chart, in the order they are drawn.
    const ALL: [Chart; 6] = [
        Chart::BatchSizes,
        Chart::MnistShuffling,
        Chart::MnistWeights,
        Chart::MnistEpochs,
        Chart::MnistExamples,
        Chart::MnistTime,
    ];

    /// The file the chart is drawn into.
    fn file(self) -> &'static str {
        match self {
            Chart::BatchSizes => "batch_sizes.svg",
            Chart::MnistShuffling => "mnist_shuffling.svg",
            Chart::MnistWeights => "mnist_weights.svg",
            Chart::MnistEpochs => "mnist_epochs.svg",
            Chart::MnistExamples => "mnist_examples.svg",
            Chart::MnistTime => "mnist_time.svg",
        }
    }
}

fn main() -> ExitCode {
    run_main(|| run(parse_args()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let wanted = |chart: Chart| args.only.is_none_or(|only| only == chart);
    let data = zeros_and_ones();
    // Every chart file is checked before anything is drawn.
    let folders = NewFolders::create("--out-dir", &args.out_dir)?;
    let files: Vec<PathBuf> = Chart::ALL
        .into_iter()
        .filter(|&chart| wanted(chart))
        .map(|chart| args.out_dir.join(chart.file()))
        .collect();
    let plan: Vec<(&str, &Path)> =
        files.iter().map(|f| ("--out-dir", f.as_path())).collect();
    let inputs = IdxFiles::find(&data)?.paths.to_vec();
    let _outputs = Outputs::plan(&plan, &inputs, args.force)?;
    draw(&args, &data)?;
    folders.keep();
    Ok(())
}

/// Draws the wanted charts from the bundled data in `data`.
fn draw(args: &Args, data: &Path) -> anyhow::Result<()> {
    let wanted = |chart: Chart| args.only.is_none_or(|only| only == chart);
    if wanted(Chart::BatchSizes) {
        batch_sizes(&args.out_dir)?;
    }
    let mnist_charts = [
        Chart::MnistShuffling,
        Chart::MnistWeights,
        Chart::MnistEpochs,
        Chart::MnistExamples,
        Chart::MnistTime,
    ];
    if !mnist_charts.into_iter().any(wanted) {
        return Ok(());
    }
    let mnist = BinaryTask::load(data, (0, 1), None)?;
    check_sets(&[
        Set::of(Part::Train, &mnist.train),
        Set::of(Part::Test, &mnist.test),
    ])?;
    if wanted(Chart::MnistShuffling) {
        mnist_shuffling(&mnist, &args.out_dir)?;
    }
    if wanted(Chart::MnistWeights) {
        mnist_weights(&mnist, &args.out_dir)?;
    }
    if wanted(Chart::MnistEpochs) {
        mnist_epochs(&mnist, &args.out_dir)?;
    }
    if wanted(Chart::MnistExamples) {
        mnist_examples(&mnist, &args.out_dir)?;
    }
    if wanted(Chart::MnistTime) {
        mnist_time(&mnist, &args.out_dir)?;
    }
    Ok(())
}

/// `batch_sizes.svg`: Exercise 1's data trained with batch sizes 1, 2, 4 and 8.
fn batch_sizes(out_dir: &Path) -> anyhow::Result<()> {
    let runs = batch_size_runs()?;
    say!("batch_sizes.svg, loss per epoch:");
    chart_and_table(
        &out_dir.join(Chart::BatchSizes.file()),
        "y = 2x, learning rate 0.01: loss per epoch by batch size",
        &runs,
        None,
    )
}

// ANCHOR: batch_sizes
/// Exercise 1's data trained for 30 epochs with batch sizes 1, 2, 4 and 8:
/// each run's loss history, labelled.
fn batch_size_runs() -> anyhow::Result<Vec<(String, Vec<f64>)>> {
    let x = array![[1.0], [2.0], [3.0], [4.0], [5.0], [6.0], [7.0], [8.0]];
    let y = array![2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 14.0, 16.0];
    let mut runs = Vec::new();
    for batch_size in [1, 2, 4, 8] {
        let settings = Settings::new(0.01, 30, batch_size, Loss::Mse)
            .shuffle(Shuffle::Seeded(DEFAULT_SEED));
        let trained =
            gradient_descent(&x, &y, &array![0.0], 0.0, &settings, |_| {})?;
        runs.push((format!("batch size {batch_size}"), trained.loss_history));
    }
    Ok(runs)
}
// ANCHOR_END: batch_sizes

/// The main program's model: logistic regression from zero weights, batch size 32,
/// learning rate 0.1, 10 epochs.
fn mnist_settings(shuffle: Shuffle) -> Settings {
    mnist::settings(mnist::BATCH_SIZE, mnist::EPOCHS).shuffle(shuffle)
}

/// Trains the main program's model on `x`, `y` and returns it with its test accuracy.
fn train_mnist(
    mnist: &BinaryTask,
    x: &ndarray::Array2<f64>,
    y: &Array1<f64>,
    shuffle: Shuffle,
) -> anyhow::Result<(Trained, f64)> {
    let w_init = Array1::zeros(x.ncols());
    let trained =
        engine::train(x, y, &w_init, 0.0, &mnist_settings(shuffle), |_| {})?;
    let p = predict(&mnist.test.x, &trained.w, trained.b, Activation::Sigmoid)?;
    let accuracy = Confusion::of(&p, &mnist.test.y)?.accuracy();
    Ok((trained, accuracy))
}

/// `mnist_shuffling.svg`: the MNIST training set sorted by label (every 0, then every 1),
/// trained with a fresh shuffle every epoch and in that order.
fn mnist_shuffling(mnist: &BinaryTask, out_dir: &Path) -> anyhow::Result<()> {
    let sorted = sorted_by_label(&mnist.train);
    let mut runs = Vec::new();
    say!("mnist_shuffling.svg, training set sorted by label:");
    for (label, shuffle) in [
        ("shuffled every epoch", Shuffle::Seeded(DEFAULT_SEED)),
        ("in order: every 0, then every 1", Shuffle::Off),
    ] {
        let (trained, accuracy) =
            train_mnist(mnist, &sorted.x, &sorted.y, shuffle)?;
        say!("{label}: test accuracy {accuracy:.4}");
        runs.push((label.to_string(), trained.loss_history));
    }
    chart_and_table(
        &out_dir.join(Chart::MnistShuffling.file()),
        "MNIST 0 vs 1 sorted by label, batch size 32: loss per epoch",
        &runs,
        None,
    )
}

// ANCHOR: sorted
/// The data set with every sample of target 0 first, then every sample of
/// target 1, each in its original order.
fn sorted_by_label(set: &Dataset) -> Dataset {
    let mut order: Vec<usize> = (0..set.len()).collect();
    order.sort_by(|&i, &j| set.y[i].total_cmp(&set.y[j]));
    set.select(&order)
}
// ANCHOR_END: sorted

/// `mnist_weights.svg`: the weights the main program learns, as a 28×28 image, beside
/// the first two test images of each digit.
fn mnist_weights(mnist: &BinaryTask, out_dir: &Path) -> anyhow::Result<()> {
    let (trained, accuracy) = train_mnist(
        mnist,
        &mnist.train.x,
        &mnist.train.y,
        Shuffle::Seeded(DEFAULT_SEED),
    )?;
    let (rows, cols) = mnist.train.image_shape;
    let mut pictures = vec![Picture {
        label: "weights (red +, blue −)".to_string(),
        rows,
        cols,
        values: trained.w.to_vec(),
        shading: Shading::Diverging,
    }];
    for target in [0.0, 1.0] {
        let digit = if target == 0.0 {
            mnist.test.classes.0
        } else {
            mnist.test.classes.1
        };
        for (i, _) in mnist
            .test
            .y
            .iter()
            .enumerate()
            .filter(|&(_, &t)| t == target)
            .take(2)
        {
            pictures.push(Picture {
                label: format!("test image {i}: a {digit}"),
                rows,
                cols,
                values: mnist.test.x.row(i).to_vec(),
                shading: Shading::Ink,
            });
        }
    }
    plot::pictures(
        &out_dir.join(Chart::MnistWeights.file()),
        "What logistic regression learned on MNIST 0 vs 1",
        &pictures,
    )?;
    let (lo, hi) = trained
        .w
        .iter()
        .fold((f64::MAX, f64::MIN), |(l, h), &w| (l.min(w), h.max(w)));
    say!("mnist_weights.svg: weights from {lo:.4} to {hi:.4}");
    say!(
        "corner pixel's weight {:.4}, bias {:.4}, test accuracy {accuracy:.4}",
        trained.w[0],
        trained.b
    );
    Ok(())
}

/// The batch sizes the MNIST comparisons train with; `None` is the full batch.
const MNIST_BATCHES: [Option<usize>; 5] =
    [Some(1), Some(8), Some(32), Some(128), None];

/// The legend's name for a batch size.
fn batch_name(batch_size: Option<usize>) -> String {
    format!("batch size {}", timing::batch_label(batch_size))
}

/// `mnist_epochs.svg`: MNIST 0 vs 1, loss per epoch for each batch size.
fn mnist_epochs(mnist: &BinaryTask, out_dir: &Path) -> anyhow::Result<()> {
    let (x, y) = (&mnist.train.x, &mnist.train.y);
    let mut runs = Vec::new();
    for batch_size in MNIST_BATCHES {
        let settings = timing::settings(batch_size, x.nrows(), mnist::EPOCHS);
        let trained = engine::train(
            x,
            y,
            &Array1::zeros(x.ncols()),
            0.0,
            &settings,
            |_| {},
        )?;
        runs.push((batch_name(batch_size), trained.loss_history));
    }
    // Every run starts from the same zero weights, so from the same loss.
    let initial = loss_at(
        x,
        y,
        &Array1::zeros(x.ncols()),
        0.0,
        Loss::BinaryCrossEntropy,
        Activation::Sigmoid,
    )?;
    say!(
        "mnist_epochs.svg, loss per epoch; before any step (epoch 0) every batch \
         size\nstarts from the loss of the zero weights, {initial:.6}:"
    );
    chart_and_table(
        &out_dir.join(Chart::MnistEpochs.file()),
        "MNIST 0 vs 1, learning rate 0.1: loss per epoch by batch size",
        &runs,
        Some(initial),
    )
}

/// Into how many pieces `mnist_examples` cuts an epoch, at most: it measures the loss
/// after each piece.
const PIECES_PER_EPOCH: usize = 16;

/// `mnist_examples.svg`: MNIST 0 vs 1, loss against the number of training examples the
/// steps have used, measured after every piece of an epoch over the first 3 epochs.
///
/// The library reports the loss once per epoch, so this chart cuts each shuffled epoch into
/// pieces of whole batches and trains on one piece at a time, in order, continuing from
/// where the last piece stopped. A piece is at least a sixteenth of the epoch, rounded up
/// to whole batches, so an epoch has at most 16 pieces (the last one shorter). Batches never
/// straddle two pieces, so the steps are those of an ordinary shuffled epoch; between
/// pieces the loss on the whole training set is measured.
fn mnist_examples(mnist: &BinaryTask, out_dir: &Path) -> anyhow::Result<()> {
    let n = mnist.train.len();
    let (mut curves, mut pieces) = (Vec::new(), Vec::new());
    for batch_size in MNIST_BATCHES {
        let (piece, points) = loss_after_each_piece(&mnist.train, batch_size)?;
        pieces.push((piece, n.div_ceil(piece)));
        curves.push(Line {
            label: batch_name(batch_size),
            points,
        });
    }
    let x_axis = plot::Axis {
        label: "training examples used (log scale)",
        scale: Scale::Log,
    };
    let y_axis = plot::Axis {
        label: "loss on the training set (log scale)",
        scale: Scale::Log,
    };
    plot::lines(
        &out_dir.join(Chart::MnistExamples.file()),
        "MNIST 0 vs 1, learning rate 0.1: loss against examples used",
        x_axis,
        y_axis,
        &curves,
    )?;
    say!(
        "mnist_examples.svg, loss on the training set after the first piece, \
         1 epoch and 3 epochs\n(the full batch's piece is the whole epoch):"
    );
    say!(
        "{:>16}  {:>6}  {:>6}  {:>11}  {:>11}  {:>11}",
        "",
        "piece",
        "pieces",
        "after",
        "after",
        "after"
    );
    say!(
        "{:>16}  {:>6}  {:>6}  {:>11}  {:>11}  {:>11}",
        "",
        "size",
        "/epoch",
        "1 piece",
        "1 epoch",
        "3 epochs"
    );
    for (curve, (piece, count)) in curves.iter().zip(pieces) {
        let at = |i: usize| curve.points.get(i).map_or(f64::NAN, |p| p.1);
        let first = if count > 1 {
            format!("{:.6}", at(0))
        } else {
            "-".to_string()
        };
        say!(
            "{:>16}  {piece:>6}  {count:>6}  {first:>11}  {:>11.6}  {:>11.6}",
            curve.label,
            at(count - 1),
            at(curve.points.len() - 1)
        );
    }
    Ok(())
}

// ANCHOR: examples_seen
/// Trains three shuffled epochs a piece at a time; returns the piece size
/// and, after each piece, the examples used so far and the training loss.
fn loss_after_each_piece(
    train: &Dataset,
    batch_size: Option<usize>,
) -> anyhow::Result<(usize, Vec<(f64, f64)>)> {
    let (x, y, n) = (&train.x, &train.y, train.len());
    let settings = Settings {
        shuffle: Shuffle::Off,
        ..timing::settings(batch_size, n, 1)
    };
    let m = settings.batch_size;
    let piece = n.div_ceil(PIECES_PER_EPOCH).div_ceil(m) * m;
    let mut rng = ChaCha8Rng::seed_from_u64(DEFAULT_SEED);
    let (mut w, mut b, mut seen, mut points) =
        (Array1::zeros(x.ncols()), 0.0, 0, Vec::new());
    for _epoch in 0..3 {
        let mut order: Vec<usize> = (0..n).collect();
        order.shuffle(&mut rng);
        let shuffled = train.select(&order);
        for start in (0..n).step_by(piece) {
            let rows = start..(start + piece).min(n);
            let (part_x, part_y) = (
                shuffled.x.slice(s![rows.clone(), ..]),
                shuffled.y.slice(s![rows.clone()]),
            );
            let trained =
                engine::train(&part_x, &part_y, &w, b, &settings, |_| {})?;
            (w, b, seen) = (trained.w, trained.b, seen + rows.len());
            let loss = loss_at(
                x,
                y,
                &w,
                b,
                Loss::BinaryCrossEntropy,
                Activation::Sigmoid,
            )?;
            points.push((seen as f64, loss));
        }
    }
    Ok((piece, points))
}
// ANCHOR_END: examples_seen

/// How long each batch size trains for in `mnist_time`.
const TIME_BUDGET_SECONDS: f64 = 0.25;

/// `mnist_time.svg`: MNIST 0 vs 1, loss against wall-clock time, each batch size trained
/// for a quarter of a second. Measured, so it differs a little on every run and machine;
/// the title names the machine.
fn mnist_time(mnist: &BinaryTask, out_dir: &Path) -> anyhow::Result<()> {
    let (x, y) = (&mnist.train.x, &mnist.train.y);
    let mut curves = Vec::new();
    for batch_size in MNIST_BATCHES {
        // More epochs than any batch size runs within the budget.
        let settings = timing::settings(batch_size, x.nrows(), 100_000);
        let w = Array1::zeros(x.ncols());
        let trainer = engine::Trainer::new(x, y, &w, 0.0, &settings)?;
        let start = std::time::Instant::now();
        let mut points = Vec::new();
        for end in trainer {
            points.push((start.elapsed().as_secs_f64(), end?.loss));
            if start.elapsed().as_secs_f64() >= TIME_BUDGET_SECONDS {
                break;
            }
        }
        note!(
            "mnist_time.svg: {}: {} epochs, last loss {:.6}",
            batch_name(batch_size),
            points.len(),
            points.last().map_or(f64::NAN, |p| p.1)
        );
        curves.push(Line {
            label: batch_name(batch_size),
            points,
        });
    }
    let x_axis = plot::Axis {
        label: "seconds since the start (log scale)",
        scale: Scale::Log,
    };
    let y_axis = plot::Axis {
        label: "loss on the training set (log scale)",
        scale: Scale::Log,
    };
    plot::lines(
        &out_dir.join(Chart::MnistTime.file()),
        &format!("MNIST 0 vs 1: loss against time, on {}", timing::machine()),
        x_axis,
        y_axis,
        &curves,
    )?;
    Ok(())
}

/// Draws labelled loss histories as a loss-per-epoch chart (log scale) at `path` and prints
/// the numbers behind it as a table. With `initial`, the loss before training, every curve
/// starts from it at epoch 0, so that the chart shows the first epoch's fall too.
fn chart_and_table(
    path: &Path,
    title: &str,
    runs: &[(String, Vec<f64>)],
    initial: Option<f64>,
) -> anyhow::Result<()> {
    let curves: Vec<Line> = runs
        .iter()
        .map(|(label, losses)| {
            let mut line = Line::per_epoch(label, losses);
            if let Some(loss) = initial {
                line.points.insert(0, (0.0, loss));
            }
            line
        })
        .collect();
    plot::loss_per_epoch(path, title, Scale::Log, &curves)?;
    let columns: Vec<(&str, &[f64])> = runs
        .iter()
        .map(|(label, losses)| (label.as_str(), losses.as_slice()))
        .collect();
    say!("{}", report::loss_table(&columns));
    Ok(())
}
