//! Draws the book's charts and prints the numbers behind them.
//!
//! Run it from the repository's root with `cargo run --bin charts`; it writes into
//! `book/charts/` (or the folder given with `--out-dir`). Every chart but the measured one
//! is deterministic, so running it again rewrites the same bytes; `tests/charts.rs` checks
//! that the committed files are up to date, and `tests/outputs.rs` the numbers printed
//! behind them, both for the charts that `--list` names ([`CHARTS`], their one list).

use std::cell::{OnceCell, RefCell};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::rc::Rc;

use anyhow::Context;
use clap::Parser;
use clap::builder::{PossibleValue, PossibleValuesParser};
use ndarray::array;
use ndarray::s;
use ndarray::{Array1, Array2};
use neural_network::data::{BinaryTask, Dataset, IdxFiles, Part, line};
use neural_network::gradcheck::loss_at;
use neural_network::metrics::Confusion;
use neural_network::programs::bundled::zeros_and_ones;
use neural_network::programs::charts;
use neural_network::programs::checks::{Set, check_sets};
use neural_network::programs::cli::{parse_args, parse_output_path, run_main};
use neural_network::programs::mnist;
use neural_network::programs::output::{NewFolders, Outputs};
use neural_network::programs::plot::{self, Line, Picture, Scale, Shading};
use neural_network::programs::report;
use neural_network::programs::sweep::flags::Args as SweepArgs;
use neural_network::programs::sweep::run::Sweep;
use neural_network::programs::sweep::times::EpochTimes;
use neural_network::programs::sweep::{self, figures};
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
    #[arg(long, value_name = "CHART", value_parser = chart_names())]
    only: Option<String>,
    /// Replace chart files even if they are read-only.
    #[arg(long)]
    force: bool,
    /// Print every chart's name, file and kind (drawn or measured), one a
    /// line, and draw nothing.
    #[arg(long, exclusive = true)]
    list: bool,
}

/// A chart of the book: its name, and how it is drawn.
struct Chart {
    /// Its name for `--only`; its file is the name in snake case, with
    /// `.svg` (`mnist-epochs`: `mnist_epochs.svg`).
    name: &'static str,
    /// Whether it shows measured times, so that it differs on every run.
    measured: bool,
    /// Draws it from the bundled data into the file at the path given.
    draw: fn(&Data, &Path) -> anyhow::Result<()>,
}

/// Every chart this program draws, in the order they are drawn: the one
/// list of them (`--list` prints it for the tests).
const CHARTS: [Chart; 11] = [
    Chart::drawn("batch-sizes", |_, file| batch_sizes(file)),
    Chart::drawn("mnist-shuffling", |data, file| {
        mnist_shuffling(data.mnist()?, file)
    }),
    Chart::drawn("mnist-weights", |data, file| {
        mnist_weights(data.mnist()?, file)
    }),
    Chart::drawn("mnist-epochs", |data, file| {
        mnist_epochs(data.mnist()?, file)
    }),
    Chart::drawn("mnist-examples", |data, file| {
        mnist_examples(data.mnist()?, file)
    }),
    Chart {
        measured: true,
        ..Chart::drawn("mnist-time", |data, file| {
            mnist_time(data.mnist()?, file)
        })
    },
    Chart::drawn("batch-size-heatmap", |data, file| {
        from_sweep(data, "mnist-4-9", figures::heatmap, file)
    }),
    Chart::drawn("batch-size-tradeoff", |data, file| {
        from_sweep(
            data,
            "mnist-4-9",
            |s, r, p| figures::tradeoff(s, r, 1, p),
            file,
        )
    }),
    Chart::drawn("batch-size-test", |data, file| {
        from_sweep(data, "mnist-4-9", figures::test_error, file)
    }),
    Chart::drawn("batch-size-floor", |data, file| {
        from_sweep(data, "mnist-4-9-decay", figures::floor, file)
    }),
    Chart::drawn("batch-size-time", |_, file| batch_size_time(file)),
];

impl Chart {
    /// A chart drawn from data alone, the same on every run.
    const fn drawn(
        name: &'static str,
        draw: fn(&Data, &Path) -> anyhow::Result<()>,
    ) -> Self {
        Self {
            name,
            measured: false,
            draw,
        }
    }

    /// The file the chart is drawn into.
    fn file(&self) -> String {
        format!("{}.svg", self.name.replace('-', "_"))
    }
}

/// What `--only` accepts: the names of [`CHARTS`], each with its file.
fn chart_names() -> PossibleValuesParser {
    PossibleValuesParser::new(CHARTS.iter().map(|chart| {
        let file = chart.file();
        PossibleValue::new(chart.name).help(if chart.measured {
            format!("{file} (measured, so different on every run)")
        } else {
            file
        })
    }))
}

/// The data the charts are drawn from: the bundled MNIST and the book's
/// sweeps, each read the first time a chart asks for it.
struct Data {
    dir: PathBuf,
    mnist: OnceCell<BinaryTask>,
    sweeps: RefCell<Vec<(&'static str, Rc<BookSweep>)>>,
}

/// A book's sweep and the results of its tables.
type BookSweep = (Sweep, sweep::Results);

impl Data {
    /// The digits 0 and 1 of the bundled data, as the main program trains on them.
    fn mnist(&self) -> anyhow::Result<&BinaryTask> {
        if let Some(task) = self.mnist.get() {
            return Ok(task);
        }
        let task: BinaryTask = BinaryTask::load(&self.dir, (0, 1), None)?;
        check_sets(&[
            Set::of(Part::Train, &task.train),
            Set::of(Part::Test, &task.test),
        ])?;
        Ok(self.mnist.get_or_init(|| task))
    }

    /// The book's sweep `name` (`book/sweeps/NAME`, made by `sweep` with
    /// the flags of `sweep::BOOK_SWEEPS`), as `sweep --report` reads it.
    fn sweep(&self, name: &'static str) -> anyhow::Result<Rc<BookSweep>> {
        let known = self
            .sweeps
            .borrow()
            .iter()
            .find(|(n, _)| *n == name)
            .cloned();
        if let Some((_, loaded)) = known {
            return Ok(loaded);
        }
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let flags = sweep::book_flags(root, name, &["--report"]);
        let sweep = Sweep::from_args(&SweepArgs::try_parse_from(flags)?)?;
        let results = sweep.results(None)?;
        let loaded = Rc::new((sweep, results));
        self.sweeps.borrow_mut().push((name, Rc::clone(&loaded)));
        Ok(loaded)
    }
}

fn main() -> ExitCode {
    run_main(|| run(parse_args()))
}

fn run(args: Args) -> anyhow::Result<()> {
    if args.list {
        for chart in &CHARTS {
            let kind = if chart.measured { "measured" } else { "drawn" };
            say!("{} {} {kind}", chart.name, chart.file());
        }
        return Ok(());
    }
    let wanted: Vec<&Chart> = CHARTS
        .iter()
        .filter(|chart| {
            args.only.as_deref().is_none_or(|only| only == chart.name)
        })
        .collect();
    let data = Data {
        dir: zeros_and_ones(),
        mnist: OnceCell::new(),
        sweeps: RefCell::new(Vec::new()),
    };
    // Every chart file is checked before anything is drawn.
    let folders = NewFolders::create("--out-dir", &args.out_dir)?;
    let files: Vec<PathBuf> = wanted
        .iter()
        .map(|chart| args.out_dir.join(chart.file()))
        .collect();
    let plan: Vec<(&str, &Path)> =
        files.iter().map(|f| ("--out-dir", f.as_path())).collect();
    let inputs = IdxFiles::find(&data.dir)?.paths.to_vec();
    let _outputs = Outputs::plan(&plan, &inputs, args.force)?;
    for (chart, file) in wanted.iter().zip(&files) {
        (chart.draw)(&data, file)?;
    }
    folders.keep();
    Ok(())
}

/// A chart of the page "Choosing the batch size", drawn by `figure` from the
/// book's sweep `name`; prints the numbers it shows.
fn from_sweep(
    data: &Data,
    name: &'static str,
    figure: fn(&Sweep, &sweep::Results, &Path) -> anyhow::Result<String>,
    file: &Path,
) -> anyhow::Result<()> {
    let loaded = data.sweep(name)?;
    let (sweep, results) = &*loaded;
    let text = figure(sweep, results, file)?;
    for line in text.lines() {
        say!("{}", line.trim_end());
    }
    Ok(())
}

/// `batch_size_time.svg`: the seconds per epoch of both trainers that
/// `sweep --time-epochs 5` measured, from `book/outputs/sweep_times.txt`.
fn batch_size_time(file: &Path) -> anyhow::Result<()> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("book/outputs/sweep_times.txt");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let times = EpochTimes::parse(&text).map_err(anyhow::Error::msg)?;
    figures::time(&times, file)?;
    say!("batch_size_time.svg: the times of book/outputs/sweep_times.txt");
    Ok(())
}

/// `batch_sizes.svg`: Exercise 1's data trained with batch sizes 1, 2, 4 and 8.
fn batch_sizes(file: &Path) -> anyhow::Result<()> {
    let runs = batch_size_runs()?;
    say!("batch_sizes.svg, loss per epoch:");
    chart_and_table(file, "y = 2x: loss per epoch, by batch size", &runs, None)
}

// ANCHOR: batch_sizes
/// Exercise 1's data trained for 30 epochs with batch sizes 1, 2, 4 and 8:
/// each run's loss history, labelled.
fn batch_size_runs() -> anyhow::Result<Vec<(String, Vec<f64>)>> {
    let (x, y) = line::points();
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

/// Trains the main program's model on `x`, `y` with `settings`, from zero
/// weights, with the chapter's `gradient_descent`, and returns it with its
/// test accuracy.
fn train_mnist(
    mnist: &BinaryTask,
    (x, y): (&Array2<f64>, &Array1<f64>),
    settings: &Settings,
) -> anyhow::Result<(Trained, f64)> {
    let w_init = Array1::zeros(x.ncols());
    let trained = gradient_descent(x, y, &w_init, 0.0, settings, |_| {})?;
    let p = predict(&mnist.test.x, &trained.w, trained.b, Activation::Sigmoid)?;
    let accuracy = Confusion::of(&p, &mnist.test.y)?.accuracy();
    Ok((trained, accuracy))
}

/// `mnist_shuffling.svg`: the MNIST training set sorted by label (every 0, then every 1),
/// trained with a fresh shuffle every epoch and in that order.
fn mnist_shuffling(mnist: &BinaryTask, file: &Path) -> anyhow::Result<()> {
    let sorted = sorted_by_label(&mnist.train);
    let mut runs = Vec::new();
    say!("mnist_shuffling.svg, training set sorted by label:");
    for (label, shuffle) in [
        ("shuffled every epoch", Shuffle::Seeded(DEFAULT_SEED)),
        ("in order: every 0, then every 1", Shuffle::Off),
    ] {
        let (trained, accuracy) = train_mnist(
            mnist,
            (&sorted.x, &sorted.y),
            &mnist_settings(shuffle),
        )?;
        say!("{label}: test accuracy {accuracy:.4}");
        runs.push((label.to_string(), trained.loss_history));
    }
    chart_and_table(file, "MNIST sorted by label: loss per epoch", &runs, None)
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

/// The batch sizes whose weights `mnist_weights` draws: the smallest, the
/// main program's and the full batch.
const WEIGHTS_BATCHES: [Option<usize>; 3] = [Some(1), Some(32), None];

/// `mnist_weights.svg`: the weights the main program's model learns with batch
/// sizes 1, 32 and the full batch, as 28×28 images, beside the first test
/// image of each digit.
fn mnist_weights(mnist: &BinaryTask, file: &Path) -> anyhow::Result<()> {
    let (rows, cols) = mnist.train.image_shape;
    let train = (&mnist.train.x, &mnist.train.y);
    let mut pictures = Vec::new();
    say!("mnist_weights.svg, the weights learned in 10 epochs:");
    say!(
        "{:>16}  {:>8}  {:>8}  {:>13}  {:>8}  {:>13}",
        "",
        "lowest",
        "highest",
        "corner pixel",
        "bias",
        "test accuracy"
    );
    for batch_size in WEIGHTS_BATCHES {
        let settings = batch_settings(batch_size, mnist.train.len());
        let (trained, accuracy) = train_mnist(mnist, train, &settings)?;
        let (lo, hi) = trained
            .w
            .iter()
            .fold((f64::MAX, f64::MIN), |(l, h), &w| (l.min(w), h.max(w)));
        let name = batch_name(batch_size);
        say!(
            "{name:>16}  {lo:>8.4}  {hi:>8.4}  {:>13.4}  {:>8.4}  {accuracy:>13.4}",
            trained.w[0],
            trained.b
        );
        pictures.push(Picture {
            label: name,
            rows,
            cols,
            values: trained.w.to_vec(),
            shading: Shading::Diverging,
        });
    }
    let test = &mnist.test;
    for (target, digit) in [(0.0, test.classes.0), (1.0, test.classes.1)] {
        if let Some(i) = test.y.iter().position(|&t| t == target) {
            pictures.push(Picture {
                label: format!("test image {i}: {digit}"),
                rows,
                cols,
                values: test.x.row(i).to_vec(),
                shading: Shading::Ink,
            });
        }
    }
    plot::save(
        file,
        charts::pictures("Weights learned, by batch size", &pictures),
    )?;
    Ok(())
}

/// The batch sizes the MNIST comparisons train with; `None` is the full batch.
const MNIST_BATCHES: [Option<usize>; 5] =
    [Some(1), Some(8), Some(32), Some(128), None];

/// The legend's name for a batch size.
fn batch_name(batch_size: Option<usize>) -> String {
    match batch_size {
        Some(m) => format!("batch size {m}"),
        None => "full batch".to_string(),
    }
}

/// The main program's settings for 10 epochs of `batch_size`, `None` being
/// the full batch of all `rows`.
fn batch_settings(batch_size: Option<usize>, rows: usize) -> Settings {
    mnist::settings(batch_size.unwrap_or(rows), mnist::EPOCHS)
}

/// `mnist_epochs.svg`: MNIST 0 vs 1, loss per epoch for each batch size.
fn mnist_epochs(mnist: &BinaryTask, file: &Path) -> anyhow::Result<()> {
    let (x, y) = (&mnist.train.x, &mnist.train.y);
    let mut runs = Vec::new();
    for batch_size in MNIST_BATCHES {
        let settings = batch_settings(batch_size, x.nrows());
        let (trained, _) = train_mnist(mnist, (x, y), &settings)?;
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
    chart_and_table(file, "MNIST 0 vs 1: loss per epoch", &runs, Some(initial))
}

/// The y axis of the MNIST charts over examples and over time.
const TRAINING_LOSS: plot::Axis = log_axis("training loss (log scale)");

/// An axis on a log scale, named `label`.
const fn log_axis(label: &str) -> plot::Axis<'_> {
    plot::Axis {
        label,
        scale: Scale::Log,
    }
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
fn mnist_examples(mnist: &BinaryTask, file: &Path) -> anyhow::Result<()> {
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
    // Five noisy curves fill every corner: the legend goes below them.
    plot::save(
        file,
        charts::plot(
            "MNIST 0 vs 1: loss per example used",
            log_axis("examples used (log scale)"),
            TRAINING_LOSS,
            &charts::Series::lines(&curves),
            plot::Legend::Below,
            plot::SIZE.0,
        ),
    )?;
    say_examples_table(&curves, &pieces);
    Ok(())
}

/// Prints the numbers behind `mnist_examples.svg`: each curve's piece
/// size, its pieces per epoch, and its loss after the first piece, one
/// epoch and three.
fn say_examples_table(curves: &[Line], pieces: &[(usize, usize)]) {
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
    for (curve, &(piece, count)) in curves.iter().zip(pieces) {
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
}

// ANCHOR: examples_seen
/// Trains three shuffled epochs a piece at a time; returns the piece size
/// and, after each piece, the examples used so far and the training loss.
fn loss_after_each_piece(
    train: &Dataset,
    batch_size: Option<usize>,
) -> anyhow::Result<(usize, Vec<(f64, f64)>)> {
    let (x, y, n) = (&train.x, &train.y, train.len());
    // One epoch per piece, in the piece's order.
    let settings = Settings {
        num_epochs: 1,
        shuffle: Shuffle::Off,
        ..batch_settings(batch_size, n)
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
                gradient_descent(&part_x, &part_y, &w, b, &settings, |_| {})?;
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

/// `mnist_time.svg`: the runs of `mnist_epochs.svg`, each point placed at the
/// wall-clock time its epoch ended. Measured, so it differs a little on every
/// run and machine; the x axis names the machine.
fn mnist_time(mnist: &BinaryTask, file: &Path) -> anyhow::Result<()> {
    let (x, y) = (&mnist.train.x, &mnist.train.y);
    let w_init = Array1::zeros(x.ncols());
    let initial = loss_at(
        x,
        y,
        &w_init,
        0.0,
        Loss::BinaryCrossEntropy,
        Activation::Sigmoid,
    )?;
    let mut curves = Vec::new();
    for batch_size in MNIST_BATCHES {
        let settings = batch_settings(batch_size, x.nrows());
        let mut points = vec![(0.0, initial)];
        let start = std::time::Instant::now();
        gradient_descent(x, y, &w_init, 0.0, &settings, |end| {
            points.push((start.elapsed().as_secs_f64(), end.loss));
        })?;
        note!(
            "mnist_time.svg: {}: {} epochs in {:.2} s, last loss {:.6}",
            batch_name(batch_size),
            settings.num_epochs,
            start.elapsed().as_secs_f64(),
            points.last().map_or(f64::NAN, |p| p.1)
        );
        curves.push(Line {
            label: batch_name(batch_size),
            points,
        });
    }
    let machine = neural_network::programs::report::machine()
        .replace("(R)", "")
        .replace("(TM)", "")
        .replace(" Processor", "");
    let x_axis = plot::Axis {
        label: &format!("seconds, on {machine}"),
        scale: Scale::Linear,
    };
    plot::save(
        file,
        charts::lines(
            "MNIST 0 vs 1: loss against time",
            x_axis,
            TRAINING_LOSS,
            &curves,
        ),
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
    let svg = charts::loss_per_epoch(title, Scale::Log, &curves);
    plot::save(path, svg)?;
    let columns: Vec<(&str, &[f64])> = runs
        .iter()
        .map(|(label, losses)| (label.as_str(), losses.as_slice()))
        .collect();
    say!("{}", report::loss_table(&columns));
    Ok(())
}
