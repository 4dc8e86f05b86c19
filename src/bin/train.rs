//! The main job: logistic regression on two classes of MNIST, trained with mini-batch
//! gradient descent on the data the repository ships.
//!
//! `cargo run --release` trains on all bundled images of the digits 0 and 1 and reports
//! the loss per epoch, then the test loss, accuracy and confusion counts.
//! `cargo run --release -- --help` lists the flags.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use ndarray::{Array1, Array2};
use neural_network::data::{
    BinaryTask, Dataset, IdxFiles, Kept, LabelledImages, Part, Setting, mnist,
};
use neural_network::engine::pixels::{PixelTask, Pixels};
use neural_network::engine::{self, Trainer};
use neural_network::metrics::Confusion;
use neural_network::programs::budget::{Budget, HeldOut, Keeps, Run};
use neural_network::programs::bundled::bundled_data;
use neural_network::programs::charts;
use neural_network::programs::checks::{Set, check_sets};
use neural_network::programs::cli::{
    name_flag, parse_args, parse_classes, parse_decay, parse_fraction,
    parse_images, parse_learning_rate, parse_memory, parse_output_path,
    parse_positive, parse_seed, parse_svg_path, run_main,
};
use neural_network::programs::mnist::{BATCH_SIZE, EPOCHS, LEARNING_RATE};
use neural_network::programs::output::Outputs;
use neural_network::programs::plot::{self, Line, Scale};
use neural_network::say;
use neural_network::{
    Activation, DEFAULT_SEED, EpochEnd, Loss, Normalization, Schedule,
    Settings, Shuffle, TrainError, Trained, binary_cross_entropy,
    gradient_descent, noise_scale, predict,
};

/// Train logistic regression on two MNIST classes with mini-batch gradient descent.
#[derive(Parser)]
#[command(
    after_help = "With no flags: all bundled images of the digits 0 and 1, batch size 32, \
learning rate 0.1, 10 epochs, shuffled with seed 42, trained by gradient_descent. Any other \
pair of digits is read from the full MNIST in data/mnist/."
)]
struct Args {
    /// Directory holding train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte
    /// and t10k-labels-idx1-ubyte, each raw or .gz (default: the bundled data/, or data/mnist/
    /// for classes other than 0 and 1)
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// The two classes to tell apart: the first becomes target 0, the second target 1
    #[arg(long, value_name = "A,B", default_value = "0,1", value_parser = parse_classes, allow_hyphen_values = true)]
    classes: (u8, u8),
    /// Use only the first N matching images of each of the training and test sets
    #[arg(long, value_name = "N", value_parser = parse_images)]
    limit: Option<usize>,
    /// Samples per mini-batch (more than the training set: one batch of all of it)
    #[arg(long, value_name = "N", default_value_t = BATCH_SIZE, value_parser = parse_images)]
    batch_size: usize,
    /// Learning rate (at the first step, with --decay)
    #[arg(long, value_name = "X", default_value_t = LEARNING_RATE, value_parser = parse_learning_rate, allow_hyphen_values = true)]
    lr: f64,
    /// Let the learning rate fall as lr / (1 + K · epochs so far), step by step (0: constant)
    #[arg(long, value_name = "K", value_parser = parse_decay, allow_negative_numbers = true)]
    decay: Option<f64>,
    /// Passes over the training set
    #[arg(long, value_name = "N", default_value_t = EPOCHS, value_parser = parse_positive)]
    epochs: usize,
    /// Seed of the shuffling (and of the split, with --blog or --validation)
    #[arg(long, value_name = "N", default_value_t = DEFAULT_SEED, value_parser = parse_seed, allow_hyphen_values = true)]
    seed: u64,
    /// Visit the training samples in file order every epoch
    #[arg(long)]
    no_shuffle: bool,
    /// Hold out the share F of the training set, drawn with the seed, and report the loss and
    /// accuracy on it instead of on the test set: for choosing settings without looking at
    /// the test set
    #[arg(long, value_name = "F", value_parser = parse_fraction, allow_negative_numbers = true)]
    validation: Option<f64>,
    /// Print the gradient noise scale B_simple = tr(Σ)/|G|² on the training set before and
    /// after training
    #[arg(long)]
    noise_scale: bool,
    /// Train with the crate's engine (src/engine/), which keeps the images as bytes: the same
    /// numbers as gradient_descent, faster and in less memory
    #[arg(long)]
    engine: bool,
    /// The blog's demo data: the first 1,000 training images of the two classes, normalized
    /// together, split 80/20 with the seed (so not with --limit); the other flags apply as usual
    #[arg(long, conflicts_with_all = ["limit", "validation"])]
    blog: bool,
    /// Write the trained weights, bias and normalization to FILE as JSON
    #[arg(long, value_name = "FILE", value_parser = parse_output_path)]
    save_weights: Option<PathBuf>,
    /// Draw the loss per epoch into FILE.svg as an SVG chart
    #[arg(long, value_name = "FILE.svg", value_parser = parse_svg_path)]
    loss_chart: Option<PathBuf>,
    /// The most memory the run may hold, such as 4GiB or 1.5GB: a run that would need more is
    /// refused before it reads the images
    #[arg(long, value_name = "SIZE", default_value = "2GiB", value_parser = parse_memory)]
    max_memory: u64,
    /// Replace output files even if they are read-only
    #[arg(long)]
    force: bool,
}

fn main() -> ExitCode {
    run_main(|| run(parse_args()).map_err(|e| name_flag(e, flag)))
}

/// This program's flag for a setting of the data.
fn flag(setting: Setting) -> Option<&'static str> {
    Some(match setting {
        Setting::Dir => "--data-dir",
        Setting::Classes => "--classes",
        Setting::Limit => "--limit",
        Setting::Validation => "--validation",
    })
}

fn run(args: Args) -> anyhow::Result<()> {
    let (dir, shown) = data_dir(&args)?;
    let files = IdxFiles::find(&dir)?;
    let outputs = plan_outputs(&files, &args)?;
    check_memory(&files, &args)?;
    let settings = settings(&args);
    let run = if args.engine {
        let task = read_task(&files, &shown, &args)?;
        with_engine(task, &settings, &args)?
    } else {
        let task = read_task(&files, &shown, &args)?;
        with_gradient_descent(task, &settings, &args)?
    };
    let confusion = evaluate(&run.trained, &run.test, held_out(&args))?;
    say!(
        "Confusion counts (rows: true class, columns: predicted class; 0 is class {}, 1 is class {}):",
        run.test.classes.0,
        run.test.classes.1
    );
    say!("{confusion}");
    if args.validation.is_some() {
        say!(
            "The test set was not read: choose the settings on the validation set, then \
             measure the chosen ones once, without --validation."
        );
    }
    write_outputs(&outputs, &run, &settings, &args)
}

/// The data directory, and how the output names it: the bundled data is
/// found wherever the program is started from, and it is named by its path
/// in the repository, so that the output is the same in every checkout.
fn data_dir(args: &Args) -> anyhow::Result<(PathBuf, String)> {
    Ok(match &args.data_dir {
        Some(dir) => (dir.clone(), dir.display().to_string()),
        None => {
            let bundled = bundled_data(args.classes)?;
            (bundled.dir, bundled.shown.to_string())
        }
    })
}

/// Checks every output before the data is read, so that a bad path fails
/// at once and no output can overwrite an input.
fn plan_outputs(files: &IdxFiles, args: &Args) -> anyhow::Result<Outputs> {
    let wanted: Vec<(&str, &Path)> = [
        ("--save-weights", &args.save_weights),
        ("--loss-chart", &args.loss_chart),
    ]
    .into_iter()
    .filter_map(|(flag, path)| Some((flag, path.as_deref()?)))
    .collect();
    let inputs: Vec<PathBuf> =
        files.paths.iter().chain(&files.unread).cloned().collect();
    Ok(Outputs::plan(&wanted, &inputs, args.force)?)
}

/// A finished run: the trained model, the set it is measured on, and the
/// normalization the weights go with.
struct Finished {
    trained: Trained,
    /// How many images it trained on.
    train_len: usize,
    test: Dataset,
    normalization: Normalization,
}

impl Finished {
    /// The end of a run that trained `trained` on `task`'s training set.
    fn of<X>(trained: Trained, task: BinaryTask<X>) -> Finished {
        Finished {
            trained,
            train_len: task.train.len(),
            test: task.test,
            normalization: task.normalization,
        }
    }
}

/// Trains on `task` with `gradient_descent`, the images in `f64`.
fn with_gradient_descent(
    task: BinaryTask,
    settings: &Settings,
    args: &Args,
) -> anyhow::Result<Finished> {
    announce(settings, task.train.len());
    let trained = train_with_progress(&task.train, settings)?;
    noise_report(args, &task.train.x, &task.train.y, &trained)?;
    Ok(Finished::of(trained, task))
}

/// [`with_gradient_descent`] with the engine, on images kept as bytes.
fn with_engine(
    task: PixelTask,
    settings: &Settings,
    args: &Args,
) -> anyhow::Result<Finished> {
    say!("Trainer: the engine (src/engine/), images kept as bytes");
    announce(settings, task.train.len());
    let trained = train_with_engine(&task.train, settings)?;
    if args.noise_scale {
        // The f64 copy is made only to measure the noise scale.
        let x = task.train.x.to_f64();
        noise_report(args, &x, &task.train.y, &trained)?;
    }
    Ok(Finished::of(trained, task))
}

/// Writes the files the flags ask for: the weights, the loss chart.
fn write_outputs(
    outputs: &Outputs,
    run: &Finished,
    settings: &Settings,
    args: &Args,
) -> anyhow::Result<()> {
    let trained = &run.trained;
    if let Some(path) = &args.save_weights {
        let json = weights_json(trained, &run.normalization, run.test.classes);
        outputs.write(path, json.as_bytes())?;
        say!("Weights written to {}", path.display());
    }
    if let Some(path) = &args.loss_chart {
        let title = format!(
            "Loss per epoch, batch size {}, learning rate {:?}",
            settings.batch_size.min(run.train_len),
            settings.lr
        );
        let curve = Line::per_epoch("training loss", &trained.loss_history);
        // A loss of exactly 0 (or the -1e-15 that the ε in the logarithms allows) has no
        // place on a log axis.
        let scale = if trained.loss_history.iter().all(|&l| l > 0.0) {
            Scale::Log
        } else {
            Scale::Linear
        };
        let svg = charts::loss_per_epoch(&title, scale, &[curve]);
        plot::save(path, svg).context("--loss-chart")?;
        say!("Loss chart written to {}", path.display());
    }
    Ok(())
}

/// Refuses a run that would hold more memory than `--max-memory`, from
/// what the files declare and the trainer keeps, before the images are read.
fn check_memory(files: &IdxFiles, args: &Args) -> anyhow::Result<()> {
    let keeps = match (args.engine, args.noise_scale) {
        (false, _) => Keeps::GRADIENT_DESCENT,
        (true, false) => Keeps::ENGINE_BYTES,
        // The noise scale is measured on the images in f64.
        (true, true) => Keeps::ENGINE_BYTES_AND_F64,
    };
    let ways_out: &[&str] = match (args.blog, args.engine) {
        (true, _) => &[],
        (false, true) => &["pass --limit N to keep fewer images"],
        (false, false) => &[
            "pass --limit N to keep fewer images, or --engine to keep them as bytes",
        ],
    };
    let run = Run {
        classes: args.classes,
        limit: if args.blog {
            Some(mnist::DEMO_IMAGES)
        } else {
            args.limit
        },
        held_out: if args.blog || args.validation.is_some() {
            HeldOut::FromTraining
        } else {
            HeldOut::TestFiles
        },
        epochs: args.epochs,
    };
    Ok(Budget(args.max_memory).check_run(files, &run, keeps, ways_out)?)
}

/// The name of the set the model is measured on.
fn held_out(args: &Args) -> &'static str {
    if args.validation.is_some() {
        "Validation set"
    } else {
        "Test set"
    }
}

/// Which set the model is measured on.
fn held_part(args: &Args) -> Part {
    if args.validation.is_some() {
        Part::Validation
    } else {
        Part::Test
    }
}

/// The data line, and any uncompressed file left unread.
fn report_data(
    shown: &str,
    files: &IdxFiles,
    normalization: &Normalization,
    args: &Args,
) {
    say!(
        "Data: {shown}, normalized with mean {:.4} and standard deviation {:.4}",
        normalization.mean,
        normalization.std
    );
    for unread in &files.unread {
        say!(
            "Note: {} is not read: the .gz file of the same name beside it is",
            unread.display()
        );
    }
    if let Some(fraction) = args.validation {
        say!(
            "Validation: {fraction:?} of the training images held out, drawn with seed {}",
            args.seed
        );
    }
}

/// The line that says how the run trains.
fn announce(settings: &Settings, samples: usize) {
    let schedule = match settings.schedule {
        Schedule::Constant => String::new(),
        decaying => format!(" decaying as {decaying}"),
    };
    say!(
        "Training: logistic regression, {}, learning rate {:?}{schedule}, {} epoch{}, {}",
        batch_text(settings.batch_size, samples),
        settings.lr,
        settings.num_epochs,
        if settings.num_epochs == 1 { "" } else { "s" },
        match settings.shuffle {
            Shuffle::Seeded(seed) => format!("shuffled with seed {seed}"),
            Shuffle::Off => "not shuffled".to_string(),
        }
    );
}

// ANCHOR: settings
/// Logistic regression with the flags' batch size, learning rate, decay,
/// epochs and shuffling.
fn settings(args: &Args) -> Settings {
    let shuffle = if args.no_shuffle {
        Shuffle::Off
    } else {
        Shuffle::Seeded(args.seed)
    };
    let schedule = match args.decay {
        Some(decay) => Schedule::InverseTime { decay },
        None => Schedule::Constant,
    };
    Settings::new(
        args.lr,
        args.epochs,
        args.batch_size,
        Loss::BinaryCrossEntropy,
    )
    .activation(Activation::Sigmoid)
    .shuffle(shuffle)
    .schedule(schedule)
}
// ANCHOR_END: settings

// ANCHOR: evaluate
/// Prints the loss and accuracy of the trained model on `set` (the test
/// set, or the validation set) and returns its confusion counts.
fn evaluate(
    trained: &Trained,
    set: &Dataset,
    name: &str,
) -> anyhow::Result<Confusion> {
    let probabilities =
        predict(&set.x, &trained.w, trained.b, Activation::Sigmoid)?;
    let confusion = Confusion::of(&probabilities, &set.y)?;
    let loss = binary_cross_entropy(&probabilities, &set.y)?;
    let name = name.trim_end_matches(" set");
    say!("{name} loss: {loss:.4}");
    say!("{name} accuracy: {:.4}", confusion.accuracy());
    Ok(confusion)
}
// ANCHOR_END: evaluate

/// The training and test sets, the training images kept as `X` keeps them
/// (`f64` for `gradient_descent`, bytes for the engine): the test set, or
/// the validation part of the training set with `--validation`, or the
/// blog's demo split with `--blog`.
fn task<X: Kept>(
    files: &IdxFiles,
    args: &Args,
) -> anyhow::Result<BinaryTask<X>> {
    Ok(match (args.blog, args.validation) {
        (true, _) => {
            mnist::blog_demo(&train_images(files)?, args.classes, args.seed)?
        }
        (false, Some(fraction)) => BinaryTask::validation(
            &train_images(files)?,
            args.classes,
            args.limit,
            (fraction, args.seed),
        )?,
        (false, None) => {
            BinaryTask::new(&files.load()?, args.classes, args.limit)?
        }
    })
}

/// Reads the task as `X` keeps it, checks its sets and says what it is.
fn read_task<X: Kept>(
    files: &IdxFiles,
    shown: &str,
    args: &Args,
) -> anyhow::Result<BinaryTask<X>> {
    let task = task(files, args)?;
    check_held_sets(&task.train, &task.test, args)?;
    report_data(shown, files, &task.normalization, args);
    describe_sets(&task.train, &task.test, args);
    Ok(task)
}

/// The training images and labels alone, for runs that never look at the
/// test set.
fn train_images(files: &IdxFiles) -> anyhow::Result<LabelledImages> {
    let [images, labels, ..] = &files.paths;
    Ok(LabelledImages::read(images, labels)?)
}

/// Checks the training set and the held-out one before training (see
/// `programs::checks`).
fn check_held_sets<X>(
    train: &Dataset<X>,
    held: &Dataset,
    args: &Args,
) -> anyhow::Result<()> {
    Ok(check_sets(&[
        Set::of(Part::Train, train),
        Set::of(held_part(args), held),
    ])?)
}

/// The lines that describe the training set and the held-out one.
fn describe_sets<X>(train: &Dataset<X>, held: &Dataset, args: &Args) {
    describe("Training set", train);
    describe(held_out(args), held);
}

fn describe<X>(name: &str, set: &Dataset<X>) {
    let (rows, cols) = set.image_shape;
    say!(
        "{name}: {} images of {rows}×{cols} pixels ({} of class {}, {} of class {})",
        set.len(),
        set.len() - set.positives(),
        set.classes.0,
        set.positives(),
        set.classes.1
    );
}

// ANCHOR: train
/// Trains from zero weights with the chapter's `gradient_descent`, printing
/// the blog's line after each epoch; on a terminal, a progress bar on
/// standard error shows how far the run is.
fn train_with_progress(
    train: &Dataset,
    settings: &Settings,
) -> anyhow::Result<Trained> {
    let bar = epoch_bar(settings.num_epochs)?;
    let w_init = Array1::zeros(train.x.ncols());
    let (x, y) = (&train.x, &train.y);
    let trained = gradient_descent(x, y, &w_init, 0.0, settings, |epoch| {
        show_epoch(&bar, epoch)
    });
    bar.finish_and_clear();
    let trained = explain_divergence(trained)?;
    let before = predict(x, &Array1::zeros(x.ncols()), 0.0, SIGMOID)?;
    let after = predict(x, &trained.w, trained.b, SIGMOID)?;
    check_moved(&before, &after, &trained, settings.lr)?;
    Ok(trained)
}
// ANCHOR_END: train

/// [`train_with_progress`] with the engine, on images kept as bytes.
fn train_with_engine(
    train: &Dataset<Pixels>,
    settings: &Settings,
) -> anyhow::Result<Trained> {
    let bar = epoch_bar(settings.num_epochs)?;
    let (rows, cols) = train.image_shape;
    let w_init = Array1::zeros(rows * cols);
    let (x, y) = (&train.x, &train.y);
    let trained = Trainer::for_pixels(x, y, (&w_init, 0.0), settings)
        .and_then(|trainer| trainer.run(|epoch| show_epoch(&bar, epoch)));
    bar.finish_and_clear();
    let trained = explain_divergence(trained)?;
    let zeros = Array1::zeros(rows * cols);
    let before = engine::predict(x, &zeros, 0.0, SIGMOID)?;
    let after = engine::predict(x, &trained.w, trained.b, SIGMOID)?;
    check_moved(&before, &after, &trained, settings.lr)?;
    Ok(trained)
}

const SIGMOID: Activation = Activation::Sigmoid;

/// A progress bar over the epochs on standard error, shown only on a
/// terminal.
fn epoch_bar(epochs: usize) -> anyhow::Result<ProgressBar> {
    let bar = if std::io::stderr().is_terminal() {
        ProgressBar::new(epochs as u64)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(ProgressStyle::with_template(
        "{bar:40} epoch {pos}/{len}, {elapsed} elapsed, about {eta} left",
    )?);
    Ok(bar)
}

/// Prints the blog's line for an epoch above the progress bar.
fn show_epoch(bar: &ProgressBar, epoch: &EpochEnd) {
    bar.suspend(|| say!("{epoch}"));
    bar.inc(1);
}

/// A diverged run, with the advice that helps here: the inputs are
/// normalized, so only a smaller learning rate does.
fn explain_divergence(
    trained: Result<Trained, TrainError>,
) -> anyhow::Result<Trained> {
    match trained {
        Err(TrainError::Diverged { epoch, loss, lr }) => bail!(
            "training diverged: the loss became {loss} at epoch {epoch}: \
             the steps of learning rate {lr:?} are too large for this \
             data; pass a smaller --lr, such as {:?}",
            lr / 10.0
        ),
        other => Ok(other?),
    }
}

/// With `--noise-scale`, prints the gradient noise scale on the training set
/// at zero weights and for the trained model.
fn noise_report(
    args: &Args,
    x: &Array2<f64>,
    y: &Array1<f64>,
    trained: &Trained,
) -> anyhow::Result<()> {
    if !args.noise_scale {
        return Ok(());
    }
    let at = |w: &Array1<f64>, b| -> anyhow::Result<_> {
        Ok(noise_scale(x, &(predict(x, w, b, SIGMOID)? - y))?)
    };
    let (start, end) = (
        at(&Array1::zeros(x.ncols()), 0.0)?,
        at(&trained.w, trained.b)?,
    );
    say!(
        "Gradient noise scale B_simple = tr(Σ)/|G|² on the training set: {:.1} at the start, \
         {:.1} after training",
        start.simple(),
        end.simple()
    );
    Ok(())
}

/// The batch size as the run uses it: one larger than the training set is
/// one batch of the whole set, and is said so.
fn batch_text(batch_size: usize, samples: usize) -> String {
    if batch_size > samples {
        format!(
            "batch size {samples} (the whole training set; --batch-size {batch_size} is larger)"
        )
    } else {
        format!("batch size {batch_size}")
    }
}

/// Fails when training changed no prediction on the training set: steps so
/// small (a learning rate such as 1e-320) that they vanish in `f64`
/// arithmetic train nothing, and must not pass for a result.
fn check_moved(
    before: &Array1<f64>,
    after: &Array1<f64>,
    trained: &Trained,
    lr: f64,
) -> anyhow::Result<()> {
    if before == after {
        bail!(
            "training changed no prediction: after {} epochs every training image gets the \
             probability it had before; steps of learning rate {lr:?} are too small to register \
             in f64 arithmetic: pass a larger --lr, such as {}",
            trained.loss_history.len(),
            LEARNING_RATE
        );
    }
    Ok(())
}

/// The trained model as JSON: enough to apply it to new images.
fn weights_json(
    trained: &Trained,
    normalization: &Normalization,
    classes: (u8, u8),
) -> String {
    let weights: Vec<String> =
        trained.w.iter().map(|w| format!("{w:?}")).collect();
    format!(
        "{{\n  \"classes\": [{}, {}],\n  \"normalization\": {{\"mean\": {:?}, \"std\": {:?}}},\n  \"bias\": {:?},\n  \"weights\": [{}]\n}}\n",
        classes.0,
        classes.1,
        normalization.mean,
        normalization.std,
        trained.b,
        weights.join(", ")
    )
}
