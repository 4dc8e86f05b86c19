//! The book's playground: the crate's own `gradient_descent` and charts,
//! compiled to WebAssembly for the page "Playground: batch sizes in your
//! browser" (`book/mini-batch/playground.md`).
//!
//! A Web Worker trains ([`train_line`], [`Digits::train`]) so that the page
//! never freezes; the page's main thread draws ([`loss_chart`],
//! [`weights_chart`]), because plotters measures text through the page's
//! DOM, which a worker does not have. `scripts/build-playground` builds this
//! crate into `book/playground/`.

use ndarray::{Array1, ArrayRef1, ArrayRef2};
use neural_network::data::{
    BinaryTask, Dataset, IMAGES_MAGIC, LABELS_MAGIC, LabelledImages, line,
    mnist, parse_idx,
};
use neural_network::metrics::Confusion;
use neural_network::programs::charts::{
    self, Axis, Legend, Line, Picture, Scale, Shading,
};
use neural_network::{
    Activation, BCE_EPSILON, Loss, Schedule, Settings, Shuffle, TrainError,
    binary_cross_entropy, gradient_descent, predict,
};
use wasm_bindgen::prelude::*;

/// One training run, finished or stopped by divergence: what the page's
/// charts and tables show.
#[wasm_bindgen]
pub struct Run {
    batch_size: usize,
    samples: usize,
    losses: Vec<f64>,
    outcome: Outcome,
}

/// How a run ended.
enum Outcome {
    /// It made every epoch: its final parameters and, on the digits, how
    /// they do on the images held out.
    Trained {
        w: Array1<f64>,
        b: f64,
        held_out: Option<HeldOut>,
    },
    /// Its loss overflowed; the crate's error message says when and why.
    Diverged(String),
}

/// Loss and accuracy on the images a run did not train on.
struct HeldOut {
    loss: f64,
    accuracy: f64,
}

/// How a trained model did on held-out data, if there is any.
type Measured = Result<Option<HeldOut>, JsError>;

#[wasm_bindgen]
impl Run {
    /// The batch size the run used (the full batch as a number).
    #[wasm_bindgen(getter)]
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// How many samples the run trained on.
    #[wasm_bindgen(getter)]
    pub fn samples(&self) -> usize {
        self.samples
    }

    /// How many steps (weight updates) each epoch makes.
    #[wasm_bindgen(getter)]
    pub fn steps_per_epoch(&self) -> usize {
        self.samples.div_ceil(self.batch_size)
    }

    /// The loss on the training data after each epoch it finished.
    #[wasm_bindgen(getter)]
    pub fn losses(&self) -> Vec<f64> {
        self.losses.clone()
    }

    /// The crate's error message if the run diverged.
    #[wasm_bindgen(getter)]
    pub fn diverged(&self) -> Option<String> {
        match &self.outcome {
            Outcome::Diverged(message) => Some(message.clone()),
            Outcome::Trained { .. } => None,
        }
    }

    /// The final weights (none if the run diverged).
    #[wasm_bindgen(getter)]
    pub fn weights(&self) -> Option<Vec<f64>> {
        match &self.outcome {
            Outcome::Trained { w, .. } => Some(w.to_vec()),
            Outcome::Diverged(_) => None,
        }
    }

    /// The final bias (none if the run diverged).
    #[wasm_bindgen(getter)]
    pub fn bias(&self) -> Option<f64> {
        match &self.outcome {
            Outcome::Trained { b, .. } => Some(*b),
            Outcome::Diverged(_) => None,
        }
    }

    /// The loss on the held-out images (digits only).
    #[wasm_bindgen(getter)]
    pub fn held_out_loss(&self) -> Option<f64> {
        self.held_out().map(|h| h.loss)
    }

    /// The share of the held-out images classified correctly (digits only).
    #[wasm_bindgen(getter)]
    pub fn held_out_accuracy(&self) -> Option<f64> {
        self.held_out().map(|h| h.accuracy)
    }
}

impl Run {
    fn held_out(&self) -> Option<&HeldOut> {
        match &self.outcome {
            Outcome::Trained { held_out, .. } => held_out.as_ref(),
            Outcome::Diverged(_) => None,
        }
    }
}

/// What the form asks of one run, each setting by its name: JavaScript
/// makes a `new Choice()` and sets its fields (`choice.lr = 0.1`), so that
/// no two numbers can trade places, and `report_to` says whom to tell as
/// each epoch ends.
#[wasm_bindgen]
#[derive(Default)]
pub struct Choice {
    /// The batch size; none (`undefined`) for the full batch.
    pub batch_size: Option<usize>,
    /// The learning rate.
    pub lr: f64,
    /// The inverse-time decay of the rate; 0 keeps it constant.
    pub decay: f64,
    /// How many epochs to train.
    pub epochs: usize,
    /// Whether every epoch visits the samples in a fresh order.
    pub shuffled: bool,
    /// The seed of that order.
    pub seed: u64,
    progress: Option<js_sys::Function>,
}

#[wasm_bindgen]
impl Choice {
    /// A run with no settings yet: every field is to be set.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Choice {
        Choice::default()
    }

    /// Calls `progress(epoch)` as each epoch ends (epochs count from 1).
    pub fn report_to(&mut self, progress: js_sys::Function) {
        self.progress = Some(progress);
    }
}

/// The settings of one run, its batch size as a number, and whom to tell.
struct Plan {
    batch_size: usize,
    settings: Settings,
    progress: Option<js_sys::Function>,
}

impl Choice {
    /// The run's settings on `samples` samples, with the data set's loss.
    fn plan(&self, samples: usize, loss: Loss) -> Plan {
        let batch_size = self.batch_size.unwrap_or(samples);
        let shuffle = if self.shuffled {
            Shuffle::Seeded(self.seed)
        } else {
            Shuffle::Off
        };
        let schedule = if self.decay == 0.0 {
            Schedule::Constant
        } else {
            Schedule::InverseTime { decay: self.decay }
        };
        let settings = Settings::new(self.lr, self.epochs, batch_size, loss)
            .shuffle(shuffle)
            .schedule(schedule);
        let progress = self.progress.clone();
        Plan {
            batch_size,
            settings,
            progress,
        }
    }
}

// ANCHOR: descend
/// Runs the chapter's `gradient_descent` from `w_init` and zero bias,
/// keeping the loss of every epoch it finishes, so that a run that diverges
/// still shows how it got there; any other error stops the training.
fn descend(
    x: &ArrayRef2<f64>,
    y: &ArrayRef1<f64>,
    plan: &Plan,
    held_out: impl FnOnce(&Array1<f64>, f64) -> Measured,
) -> Result<Run, JsError> {
    let mut losses = Vec::new();
    let w_init = Array1::zeros(x.ncols());
    let settings = &plan.settings;
    let result = gradient_descent(x, y, &w_init, 0.0, settings, |end| {
        losses.push(end.loss);
        tell(&plan.progress, end.epoch);
    });
    let outcome = match result {
        Ok(trained) => Outcome::Trained {
            held_out: held_out(&trained.w, trained.b)?,
            w: trained.w,
            b: trained.b,
        },
        Err(diverged @ TrainError::Diverged { .. }) => {
            Outcome::Diverged(diverged.to_string())
        }
        Err(other) => return Err(other.into()),
    };
    Ok(Run {
        batch_size: plan.batch_size,
        samples: x.nrows(),
        losses,
        outcome,
    })
}
// ANCHOR_END: descend

/// Tells the page how far a run is; a failing callback changes nothing.
fn tell(progress: &Option<js_sys::Function>, epoch: usize) {
    if let Some(progress) = progress {
        let _ = progress.call1(&JsValue::NULL, &JsValue::from(epoch as u32));
    }
}

// ANCHOR: train_line
/// Trains the line `y = 2x` of Exercises 1 and 2 from zero, as the
/// exercises do.
#[wasm_bindgen]
pub fn train_line(choice: &Choice) -> Result<Run, JsError> {
    let (x, y) = line::points();
    let plan = choice.plan(x.nrows(), Loss::Mse);
    // Every point is on the line, so none is held out.
    descend(&x, &y, &plan, |_, _| Ok(None))
}
// ANCHOR_END: train_line

/// Demo images of two digits, as the page loaded them.
#[wasm_bindgen]
pub struct Digits {
    images: LabelledImages,
    classes: (u8, u8),
}

#[wasm_bindgen]
impl Digits {
    /// Parses the bytes of an IDX image file and its IDX label file, whose
    /// labels are the digits `negative` (target 0) and `positive` (target 1).
    #[wasm_bindgen(constructor)]
    pub fn new(
        images: &[u8],
        labels: &[u8],
        negative: u8,
        positive: u8,
    ) -> Result<Digits, JsError> {
        let images = LabelledImages::pair(
            "train-images-idx3-ubyte".into(),
            parse_idx(images, IMAGES_MAGIC)?,
            "train-labels-idx1-ubyte".into(),
            parse_idx(labels, LABELS_MAGIC)?,
        )?;
        Ok(Digits {
            images,
            classes: (negative, positive),
        })
    }

    /// Pixel rows of one image.
    #[wasm_bindgen(getter)]
    pub fn rows(&self) -> usize {
        self.images.rows
    }

    /// Pixel columns of one image.
    #[wasm_bindgen(getter)]
    pub fn cols(&self) -> usize {
        self.images.cols
    }

    /// Trains logistic regression on the digits as `train --blog` does,
    /// on the demo split that the choice's seed draws.
    pub fn train(&self, choice: &Choice) -> Result<Run, JsError> {
        let demo: BinaryTask =
            mnist::blog_demo(&self.images, self.classes, choice.seed)?;
        let (train, held_out) = (demo.train, demo.test);
        let plan = choice.plan(train.len(), Loss::BinaryCrossEntropy);
        train_digits(&train, &held_out, plan)
    }
}

// ANCHOR: train_digits
/// Trains logistic regression from zero on `train`, the blog's demo split
/// of the images, then measures it on the images it held out.
fn train_digits(
    train: &Dataset,
    held_out: &Dataset,
    plan: Plan,
) -> Result<Run, JsError> {
    let plan = Plan {
        settings: plan.settings.activation(Activation::Sigmoid),
        ..plan
    };
    descend(&train.x, &train.y, &plan, |w, b| {
        let p = predict(&held_out.x, w, b, Activation::Sigmoid)?;
        Ok(Some(HeldOut {
            loss: binary_cross_entropy(&p, &held_out.y)?,
            accuracy: Confusion::of(&p, &held_out.y)?.accuracy(),
        }))
    })
}
// ANCHOR_END: train_digits

/// The ε that the binary cross-entropy adds inside its logarithms: a
/// computed loss below it means "0, to the precision of f64".
#[wasm_bindgen]
pub fn loss_epsilon() -> f64 {
    BCE_EPSILON
}

/// Splits `values` into one equal run per label, or says why it cannot.
fn per_label<'a>(
    labels: &[String],
    values: &'a [f64],
) -> Result<std::slice::Chunks<'a, f64>, JsError> {
    if labels.is_empty() || values.is_empty() {
        return Err(JsError::new("nothing to draw"));
    }
    if values.len() % labels.len() != 0 {
        return Err(JsError::new(&format!(
            "{} values cannot be split evenly among {} labels",
            values.len(),
            labels.len()
        )));
    }
    Ok(values.chunks(values.len() / labels.len()))
}

// ANCHOR: loss_chart
/// A chart of the training loss of several runs, drawn as the book's charts
/// are, always on a log axis: a loss below `floor` (0 to the precision of
/// the arithmetic) is drawn at `floor`, so that it keeps its place there.
/// The x axis is logarithmic when `log_x` is set (for steps, which differ
/// by thousands between batch sizes).
#[wasm_bindgen]
pub struct LossChart {
    title: String,
    x_label: String,
    log_x: bool,
    floor: f64,
    curves: Vec<Line>,
}

#[wasm_bindgen]
impl LossChart {
    #[wasm_bindgen(constructor)]
    pub fn new(
        title: String,
        x_label: String,
        log_x: bool,
        floor: f64,
    ) -> Self {
        let curves = Vec::new();
        LossChart {
            title,
            x_label,
            log_x,
            floor,
            curves,
        }
    }

    /// Adds one run's curve: its loss after each epoch, at `xs`.
    pub fn add(
        &mut self,
        label: String,
        xs: &[f64],
        losses: &[f64],
    ) -> Result<(), JsError> {
        if xs.len() != losses.len() {
            return Err(JsError::new("one x per loss"));
        }
        let floor = self.floor;
        let points = xs.iter().zip(losses).map(|(&x, &l)| (x, l.max(floor)));
        let points = points.collect();
        self.curves.push(Line { label, points });
        Ok(())
    }

    /// The chart as SVG, `width` pixels wide, so that a phone need not
    /// shrink its text; the legend goes below the plot, where it hides
    /// none of the curves.
    pub fn draw(&self, width: u32) -> Result<String, JsError> {
        let scale = if self.log_x {
            Scale::Log
        } else {
            Scale::Linear
        };
        let x = Axis {
            label: &self.x_label,
            scale,
        };
        let y = Axis {
            label: "training loss (log scale)",
            scale: Scale::Log,
        };
        let (title, curves) = (&self.title, &self.curves);
        Ok(charts::plot(
            title,
            x,
            y,
            &charts::Series::lines(curves),
            Legend::Below,
            width,
        )?)
    }
}
// ANCHOR_END: loss_chart

/// The learned weights of several runs as `rows × cols` pictures, red for
/// positive and blue for negative, like the MNIST page's chart.
#[wasm_bindgen]
pub fn weights_chart(
    title: &str,
    labels: Vec<String>,
    weights: &[f64],
    rows: usize,
    cols: usize,
) -> Result<String, JsError> {
    let pictures: Vec<Picture> = per_label(&labels, weights)?
        .zip(&labels)
        .map(|(values, label)| Picture {
            label: label.clone(),
            rows,
            cols,
            values: values.to_vec(),
            shading: Shading::Diverging,
        })
        .collect();
    Ok(charts::pictures(title, &pictures)?)
}
