//! The main job: logistic regression on two classes of MNIST, trained with mini-batch
//! gradient descent on the data the repository ships.
//!
//! `cargo run --release` trains on all bundled images of the digits 0 and 1 and reports
//! the loss per epoch, then the test loss, accuracy and confusion counts.
//! `cargo run --release -- --help` lists the flags.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use ndarray::Array1;
use neural_network::data::{BinaryTask, Dataset, IdxDataSet, mnist};
use neural_network::engine;
use neural_network::metrics::Confusion;
use neural_network::programs::cli::{
    parse_classes, parse_learning_rate, parse_positive, run_main,
};
use neural_network::programs::output::write_atomically;
use neural_network::programs::plot::{self, Line, Scale};
use neural_network::{
    Activation, DEFAULT_SEED, Loss, Normalization, Settings, Shuffle, Trained,
    binary_cross_entropy, predict,
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
    #[arg(long, value_name = "A,B", default_value = "0,1", value_parser = parse_classes)]
    classes: (u8, u8),
    /// Use only the first N matching images of each of the training and test sets
    #[arg(long, value_name = "N", value_parser = parse_positive)]
    limit: Option<usize>,
    /// Samples per mini-batch
    #[arg(long, default_value_t = mnist::BATCH_SIZE, value_parser = parse_positive)]
    batch_size: usize,
    /// Learning rate
    #[arg(long, default_value_t = mnist::LEARNING_RATE, value_parser = parse_learning_rate, allow_negative_numbers = true)]
    lr: f64,
    /// Passes over the training set
    #[arg(long, default_value_t = mnist::EPOCHS, value_parser = parse_positive)]
    epochs: usize,
    /// Seed of the shuffling (and, with --blog, of the train/test split)
    #[arg(long, default_value_t = DEFAULT_SEED)]
    seed: u64,
    /// Visit the training samples in file order every epoch
    #[arg(long)]
    no_shuffle: bool,
    /// Reproduce the blog's demo: the first 1,000 training images of the two classes,
    /// normalized together, split 80/20 with the seed; 10 epochs, batch size 32, lr 0.1
    #[arg(long, conflicts_with_all = ["limit", "batch_size", "lr", "epochs"])]
    blog: bool,
    /// Write the trained weights, bias and normalization to FILE as JSON
    #[arg(long, value_name = "FILE")]
    save_weights: Option<PathBuf>,
    /// Draw the loss per epoch into FILE as an SVG chart
    #[arg(long, value_name = "FILE.svg")]
    loss_chart: Option<PathBuf>,
}

fn main() -> ExitCode {
    run_main(|| run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    // The bundled data is found wherever the program is started from; it is named by its
    // path in the repository, so that the output is the same in every checkout.
    let (dir, shown) = match &args.data_dir {
        Some(dir) => (dir.clone(), dir.display().to_string()),
        None => (
            Path::new(env!("CARGO_MANIFEST_DIR")).join("data"),
            "data/ (bundled)".to_string(),
        ),
    };
    for (flag, path) in [
        ("--save-weights", &args.save_weights),
        ("--loss-chart", &args.loss_chart),
    ] {
        if let Some(path) = path {
            check_output_folder(flag, path)?;
        }
    }
    let (train, test, normalization) = if args.blog {
        blog_split(&dir, &args)?
    } else {
        file_split(&dir, &args)?
    };
    println!(
        "Data: {shown} (normalized with mean {:.4} and standard deviation {:.4})",
        normalization.mean, normalization.std
    );
    describe("Training set", &train);
    describe("Test set", &test);

    let settings = settings(&args);
    println!(
        "Training: logistic regression, batch size {}, learning rate {:?}, {} epochs, {}",
        settings.batch_size,
        settings.lr,
        settings.num_epochs,
        match settings.shuffle {
            Shuffle::Seeded(seed) => format!("shuffled with seed {seed}"),
            Shuffle::Off => "not shuffled".to_string(),
        }
    );
    let trained = train_with_progress(&train, &settings)?;
    let confusion = evaluate(&trained, &test)?;
    println!(
        "Confusion counts (rows: true class, columns: predicted class; 0 is digit {}, 1 is digit {}):",
        test.classes.0, test.classes.1
    );
    println!("{confusion}");
    if let Some(path) = &args.save_weights {
        let json = weights_json(&trained, &normalization, train.classes);
        write_atomically(path, json.as_bytes()).with_context(|| {
            format!("--save-weights: cannot write {}", path.display())
        })?;
        println!("Weights written to {}", path.display());
    }
    if let Some(path) = &args.loss_chart {
        let title = format!(
            "Loss per epoch, batch size {}, learning rate {:?}",
            settings.batch_size, settings.lr
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
        println!("Loss chart written to {}", path.display());
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
    println!(
        "Test loss: {:.4}",
        binary_cross_entropy(&probabilities, &test.y)?
    );
    println!("Test accuracy: {:.4}", confusion.accuracy());
    Ok(confusion)
}
// ANCHOR_END: evaluate

/// Fails before training if the folder that `path` is to be written into does not exist,
/// so that a long run does not end in an error after all.
fn check_output_folder(flag: &str, path: &Path) -> anyhow::Result<()> {
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    anyhow::ensure!(
        folder.is_dir(),
        "{flag}: cannot write {}: the folder {} does not exist",
        path.display(),
        folder.display()
    );
    Ok(())
}

/// The training and test files of `dir`, normalized with the training set's statistics.
fn file_split(
    dir: &Path,
    args: &Args,
) -> anyhow::Result<(Dataset, Dataset, Normalization)> {
    let task = BinaryTask::load(dir, args.classes, args.limit)?;
    Ok((task.train, task.test, task.normalization))
}

/// The blog's demo: its first 1,000 training images, normalized together,
/// then split.
fn blog_split(
    dir: &Path,
    args: &Args,
) -> anyhow::Result<(Dataset, Dataset, Normalization)> {
    let images = IdxDataSet::load(dir)?.train;
    Ok(mnist::blog_demo(&images, args.classes, args.seed)?)
}

fn describe(name: &str, set: &Dataset) {
    let (rows, cols) = set.image_shape;
    println!(
        "{name}: {} images of {rows}×{cols} pixels ({} of digit {}, {} of digit {})",
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
    train: &Dataset,
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
    let w_init = Array1::zeros(train.x.ncols());
    let trained =
        engine::train(&train.x, &train.y, &w_init, 0.0, settings, |epoch| {
            bar.suspend(|| println!("{epoch}"));
            bar.inc(1);
        });
    bar.finish_and_clear();
    Ok(trained?)
}
// ANCHOR_END: train

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
