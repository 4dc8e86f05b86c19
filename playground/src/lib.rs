//! The book's playground: the crate's own `gradient_descent` and charts,
//! compiled to WebAssembly for the page "Playground: batch sizes in your
//! browser" (`book/mini-batch/playground.md`).
//!
//! A Web Worker trains ([`train_line`], [`Digits::train`]) so that the page
//! never freezes; the page's main thread draws ([`loss_chart`],
//! [`weights_chart`]), because plotters measures text through the page's
//! DOM, which a worker does not have. `scripts/build-playground` builds this
//! crate into `book/playground/`.

use ndarray::{Array1, array};
use neural_network::data::{
    IMAGES_MAGIC, LABELS_MAGIC, LabelledImages, mnist, parse_idx,
};
use neural_network::metrics::Confusion;
use neural_network::programs::charts::{self, Line, Picture, Scale, Shading};
use neural_network::{
    Activation, Loss, Settings, Shuffle, Trained, gradient_descent, predict,
};
use wasm_bindgen::prelude::*;

/// One finished training run: what the page's chart and table show.
#[wasm_bindgen]
pub struct Run {
    batch_size: usize,
    samples: usize,
    trained: Trained,
    test_accuracy: Option<f64>,
}

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

    /// The loss on the training data after each epoch.
    #[wasm_bindgen(getter)]
    pub fn losses(&self) -> Vec<f64> {
        self.trained.loss_history.clone()
    }

    /// The final weights.
    #[wasm_bindgen(getter)]
    pub fn weights(&self) -> Vec<f64> {
        self.trained.w.to_vec()
    }

    /// The final bias.
    #[wasm_bindgen(getter)]
    pub fn bias(&self) -> f64 {
        self.trained.b
    }

    /// The share of the test images classified correctly (MNIST only).
    #[wasm_bindgen(getter)]
    pub fn test_accuracy(&self) -> Option<f64> {
        self.test_accuracy
    }
}

/// Each epoch in a fresh order drawn with `seed`, or in the data's order.
fn order(shuffled: bool, seed: u64) -> Shuffle {
    if shuffled {
        Shuffle::Seeded(seed)
    } else {
        Shuffle::Off
    }
}

// ANCHOR: train_line
/// Trains the line `y = 2x` of Exercises 1 and 2 from zero, as the
/// exercises do; no batch size means the full batch.
#[wasm_bindgen]
pub fn train_line(
    batch_size: Option<usize>,
    lr: f64,
    epochs: usize,
    shuffled: bool,
    seed: u64,
) -> Result<Run, JsError> {
    let x = array![[1.0], [2.0], [3.0], [4.0], [5.0], [6.0], [7.0], [8.0]];
    let y = array![2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 14.0, 16.0];
    let batch_size = batch_size.unwrap_or(x.nrows());
    let settings = Settings::new(lr, epochs, batch_size, Loss::Mse)
        .shuffle(order(shuffled, seed));
    let trained =
        gradient_descent(&x, &y, &array![0.0], 0.0, &settings, |_| {})?;
    Ok(Run {
        batch_size,
        samples: x.nrows(),
        trained,
        test_accuracy: None,
    })
}
// ANCHOR_END: train_line

/// The blog's demo images of the digits 0 and 1, as the page loaded them.
#[wasm_bindgen]
pub struct Digits {
    images: LabelledImages,
}

#[wasm_bindgen]
impl Digits {
    /// Parses the bytes of an IDX image file and its IDX label file.
    #[wasm_bindgen(constructor)]
    pub fn new(images: &[u8], labels: &[u8]) -> Result<Digits, JsError> {
        let images = LabelledImages::pair(
            "train-images-idx3-ubyte".into(),
            parse_idx(images, IMAGES_MAGIC)?,
            "train-labels-idx1-ubyte".into(),
            parse_idx(labels, LABELS_MAGIC)?,
        )?;
        Ok(Digits { images })
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

    /// Trains logistic regression on the digits as `train --blog` does.
    pub fn train(
        &self,
        batch_size: Option<usize>,
        lr: f64,
        epochs: usize,
        shuffled: bool,
        seed: u64,
    ) -> Result<Run, JsError> {
        let shuffle = order(shuffled, seed);
        train_digits(&self.images, batch_size, lr, epochs, shuffle, seed)
    }
}

// ANCHOR: train_digits
/// Trains logistic regression from zero on the blog's demo split of
/// `images`, made with `seed`, then measures it on the test images.
fn train_digits(
    images: &LabelledImages,
    batch_size: Option<usize>,
    lr: f64,
    epochs: usize,
    shuffle: Shuffle,
    seed: u64,
) -> Result<Run, JsError> {
    let (train, test, _) = mnist::blog_demo(images, (0, 1), seed)?;
    let batch_size = batch_size.unwrap_or(train.len());
    let settings =
        Settings::new(lr, epochs, batch_size, Loss::BinaryCrossEntropy)
            .activation(Activation::Sigmoid)
            .shuffle(shuffle);
    let w_init = Array1::zeros(train.x.ncols());
    let trained =
        gradient_descent(&train.x, &train.y, &w_init, 0.0, &settings, |_| {})?;
    let p = predict(&test.x, &trained.w, trained.b, Activation::Sigmoid)?;
    let accuracy = Confusion::of(&p, &test.y)?.accuracy();
    Ok(Run {
        batch_size,
        samples: train.len(),
        trained,
        test_accuracy: Some(accuracy),
    })
}
// ANCHOR_END: train_digits

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
/// The loss per epoch of several runs, one curve per label, drawn as the
/// book's charts are; `losses` holds the runs' histories one after another.
#[wasm_bindgen]
pub fn loss_chart(
    title: &str,
    labels: Vec<String>,
    losses: &[f64],
) -> Result<String, JsError> {
    let curves: Vec<Line> = per_label(&labels, losses)?
        .zip(&labels)
        .map(|(history, label)| Line::per_epoch(label, history))
        .collect();
    let scale = if losses.iter().all(|&l| l > 0.0) {
        Scale::Log
    } else {
        Scale::Linear
    };
    Ok(charts::loss_per_epoch(title, scale, &curves)?)
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
