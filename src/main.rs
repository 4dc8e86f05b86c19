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
use ndarray::Array1;
use neural_network::data::{Dataset, IdxFiles, Part, mnist};
use neural_network::engine;
use neural_network::engine::pixels::{PixelTask, Pixels};
use neural_network::metrics::Confusion;
use neural_network::programs::checks::{Set, check_sets};
use neural_network::programs::cli::{
    bundled_data, parse_args, parse_classes, parse_images, parse_learning_rate,
    parse_output_path, parse_positive, parse_seed, parse_svg_path, run_main,
};
use neural_network::programs::output::Outputs;
use neural_network::programs::plot::{self, Line, Scale};
use neural_network::say;
use neural_network::{
    Activation, DEFAULT_SEED, Loss, Normalization, Settings, Shuffle,
    TrainError, Trained, binary_cross_entropy, predict,
};

/// Train logistic regression on two MNIST classes with mini-batch gradient descent.
#[derive(Parser)]
#[command(
    after_help = "With no flags: all bundled images of the digits 0 and 1, batch size 32, \
learning rate 0.1, 10 epochs, shuffled with seed 42."
)]
struct Args {
    /// Directory holding train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte
    /// and t10k-labels-idx1-ubyte, each raw or .gz (default: the bundled data/)
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// The two classes to tell apart: the first becomes target 0, the second target 1
    #[arg(long, value_name = "A,B", default_value = "0,1", value_parser = parse_classes, allow_hyphen_values = true)]
    classes: (u8, u8),
    /// Use only the first N matching images of each of the training and test sets
    #[arg(long, value_name = "N", value_parser = parse_images)]
    limit: Option<usize>,
    /// Samples per mini-batch (more than the training set: one batch of all of it)
    #[arg(long, value_name = "N", default_value_t = mnist::BATCH_SIZE, value_parser = parse_images)]
    batch_size: usize,
    /// Learning rate
    #[arg(long, value_name = "X", default_value_t = mnist::LEARNING_RATE, value_parser = parse_learning_rate, allow_hyphen_values = true)]
    lr: f64,
    /// Passes over the training set
    #[arg(long, value_name = "N", default_value_t = mnist::EPOCHS, value_parser = parse_positive)]
    epochs: usize,
    /// Seed of the shuffling (and, with --blog, of the train/test split)
    #[arg(long, value_name = "N", default_value_t = DEFAULT_SEED, value_parser = parse_seed, allow_hyphen_values = true)]
    seed: u64,
    /// Visit the training samples in file order every epoch
    #[arg(long)]
    no_shuffle: bool,
    /// The blog's demo data: the first 1,000 training images of the two classes, normalized
    /// together, split 80/20 with the seed (so not with --limit); the other flags apply as usual
    #[arg(long, conflicts_with = "limit")]
    blog: bool,
    /// Write the trained weights, bias and normalization to FILE as JSON
    #[arg(long, value_name = "FILE", value_parser = parse_output_path)]
    save_weights: Option<PathBuf>,
    /// Draw the loss per epoch into FILE.svg as an SVG chart
    #[arg(long, value_name = "FILE.svg", value_parser = parse_svg_path)]
    loss_chart: Option<PathBuf>,
    /// Replace output files even if they are read-only
    #[arg(long)]
    force: bool,
}

fn main() -> ExitCode {
    run_main(|| run(parse_args()))
}

fn run(args: Args) -> anyhow::Result<()> {
    // The bundled data is found wherever the program is started from; it is named by its
    // path in the repository, so that the output is the same in every checkout.
    let (dir, shown) = match &args.data_dir {
        Some(dir) => (dir.clone(), dir.display().to_string()),
        None => (bundled_data(), "data/ (bundled)".to_string()),
    };
    let files = IdxFiles::find(&dir)?;
    // Every output is checked before the data is read, so that a bad path
    // fails at once and no output can overwrite an input.
    let wanted: Vec<(&str, &Path)> = [
        ("--save-weights", &args.save_weights),
        ("--loss-chart", &args.loss_chart),
    ]
    .into_iter()
    .filter_map(|(flag, path)| Some((flag, path.as_deref()?)))
    .collect();
    let inputs: Vec<PathBuf> =
        files.paths.iter().chain(&files.unread).cloned().collect();
    let outputs = Outputs::plan(&wanted, &inputs, args.force)?;
    let PixelTask {
        train,
        test,
        normalization,
    } = if args.blog {
        blog_split(&files, &args)?
    } else {
        file_split(&files, &args)?
    };
    check_sets(&[Set::of(Part::Train, &train), Set::of(Part::Test, &test)])?;
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
    describe("Training set", &train);
    describe("Test set", &test);

    let settings = settings(&args);
    say!(
        "Training: logistic regression, {}, learning rate {:?}, {} epoch{}, {}",
        batch_text(settings.batch_size, train.len()),
        settings.lr,
        settings.num_epochs,
        if settings.num_epochs == 1 { "" } else { "s" },
        match settings.shuffle {
            Shuffle::Seeded(seed) => format!("shuffled with seed {seed}"),
            Shuffle::Off => "not shuffled".to_string(),
        }
    );
    let trained = train_with_progress(&train, &settings)?;
    let confusion = evaluate(&trained, &test)?;
    say!(
        "Confusion counts (rows: true class, columns: predicted class; 0 is class {}, 1 is class {}):",
        test.classes.0,
        test.classes.1
    );
    say!("{confusion}");
    if let Some(path) = &args.save_weights {
        let json = weights_json(&trained, &normalization, train.classes);
        outputs.write(path, json.as_bytes())?;
        say!("Weights written to {}", path.display());
    }
    if let Some(path) = &args.loss_chart {
        let title = format!(
            "Loss per epoch, batch size {}, learning rate {:?}",
            settings.batch_size.min(train.len()),
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
        plot::loss_per_epoch(path, &title, scale, &[curve])
            .context("--loss-chart")?;
        say!("Loss chart written to {}", path.display());
    }
    Ok(())
}

// ANCHOR: settings
/// Logistic regression with the flags' batch size, learning rate, epochs
/// and shuffling.
fn settings(args: &Args) -> Settings {
    let shuffle = if args.no_shuffle {
        Shuffle::Off
    } else {
        Shuffle::Seeded(args.seed)
    };
    Settings::new(
        args.lr,
        args.epochs,
        args.batch_size,
        Loss::BinaryCrossEntropy,
    )
    .activation(Activation::Sigmoid)
    .shuffle(shuffle)
}
// ANCHOR_END: settings

// ANCHOR: evaluate
/// Prints the test loss and accuracy of the trained model and returns its
/// confusion counts.
fn evaluate(trained: &Trained, test: &Dataset) -> anyhow::Result<Confusion> {
    let probabilities =
        predict(&test.x, &trained.w, trained.b, Activation::Sigmoid)?;
    let confusion = Confusion::of(&probabilities, &test.y)?;
    say!(
        "Test loss: {:.4}",
        binary_cross_entropy(&probabilities, &test.y)?
    );
    say!("Test accuracy: {:.4}", confusion.accuracy());
    Ok(confusion)
}
// ANCHOR_END: evaluate

/// The training and test files, normalized with the training set's
/// statistics; the training images kept as bytes.
fn file_split(files: &IdxFiles, args: &Args) -> anyhow::Result<PixelTask> {
    Ok(PixelTask::new(&files.load()?, args.classes, args.limit)?)
}

/// The blog's demo: its first 1,000 training images, normalized together,
/// then split.
fn blog_split(files: &IdxFiles, args: &Args) -> anyhow::Result<PixelTask> {
    let images = files.load()?.train;
    Ok(PixelTask::blog_demo(&images, args.classes, args.seed)?)
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
/// Trains from zero weights, printing the blog's line after each epoch; on a
/// terminal, a progress bar on standard error shows how far the run is.
fn train_with_progress(
    train: &Dataset<Pixels>,
    settings: &Settings,
) -> anyhow::Result<Trained> {
    let bar = if std::io::stderr().is_terminal() {
        ProgressBar::new(settings.num_epochs as u64)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(ProgressStyle::with_template(
        "{bar:40} epoch {pos}/{len}, {elapsed} elapsed, about {eta} left",
    )?);
    let (rows, cols) = train.image_shape;
    let w_init = Array1::zeros(rows * cols);
    let (x, y) = (&train.x, &train.y);
    let trained = engine::train_pixels(x, y, &w_init, 0.0, settings, |epoch| {
        bar.suspend(|| say!("{epoch}"));
        bar.inc(1);
    });
    bar.finish_and_clear();
    match trained {
        // The inputs are normalized here, so the only advice that helps is a
        // smaller learning rate.
        Err(TrainError::Diverged { epoch, loss, lr }) => bail!(
            "training diverged: the loss became {loss} at epoch {epoch}: \
             the steps of learning rate {lr:?} are too large for this \
             data; pass a smaller --lr, such as {:?}",
            lr / 10.0
        ),
        other => {
            let trained = other?;
            check_moved(train, &trained, settings.lr)?;
            Ok(trained)
        }
    }
}
// ANCHOR_END: train

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
    train: &Dataset<Pixels>,
    trained: &Trained,
    lr: f64,
) -> anyhow::Result<()> {
    let sigmoid = Activation::Sigmoid;
    let zeros = Array1::zeros(trained.w.len());
    let before = engine::predict(&train.x, &zeros, 0.0, sigmoid)?;
    let after = engine::predict(&train.x, &trained.w, trained.b, sigmoid)?;
    if before == after {
        bail!(
            "training changed no prediction: after {} epochs every training image gets the \
             probability it had before; steps of learning rate {lr:?} are too small to register \
             in f64 arithmetic: pass a larger --lr, such as {}",
            trained.loss_history.len(),
            mnist::LEARNING_RATE
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
