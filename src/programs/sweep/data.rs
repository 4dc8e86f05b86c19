//! The three sets a sweep needs: the samples it trains on, the validation
//! set it chooses settings on, and the test set it measures the chosen
//! settings on, once.

use std::path::Path;

use crate::Normalization;
use crate::data::images::normalized;
use crate::data::{BinaryTask, DataError, Dataset, IdxDataSet, Part};

/// Two classes of an IDX data set, split for a sweep.
#[derive(Debug, Clone)]
pub struct SweepData {
    /// The training samples the runs train on.
    pub fit: Dataset,
    /// The share of the training set held out to choose settings on.
    pub validation: Dataset,
    /// The test set, looked at only for the chosen settings.
    pub test: Dataset,
    /// The mean and standard deviation of `fit`, applied to all three.
    pub normalization: Normalization,
}

impl SweepData {
    /// Reads the IDX files of `dir`, keeps `classes`, holds out `fraction`
    /// of the training set (drawn with `seed`) as the validation set, and
    /// normalizes all three sets with the statistics of the rest: neither
    /// the validation nor the test set shapes the model, not even through
    /// its mean.
    pub fn load(
        dir: &Path,
        classes: (u8, u8),
        fraction: f64,
        seed: u64,
    ) -> Result<Self, DataError> {
        let data = IdxDataSet::load(dir)?;
        let task: BinaryTask = BinaryTask::validation(
            &data.train,
            classes,
            None,
            (fraction, seed),
        )?;
        let (fit, validation) = (task.train, task.test);
        let normalization = task.normalization;
        let test = data.test.binary(classes, None, Part::Test)?;
        let test = test.map_x(|x| normalized(x, &normalization));
        Ok(Self {
            fit,
            validation,
            test,
            normalization,
        })
    }

    /// One line that identifies the data: the classes, the sizes of the
    /// three sets and the normalization, as a table's header records it.
    pub fn describe(&self) -> String {
        let (a, b) = self.fit.classes;
        let (rows, cols) = self.fit.image_shape;
        format!(
            "classes {a},{b}; {rows}x{cols} images; {} to train on, {} for \
             validation, {} for test; normalized with mean {:?} and standard \
             deviation {:?}",
            self.fit.len(),
            self.validation.len(),
            self.test.len(),
            self.normalization.mean,
            self.normalization.std
        )
    }
}
