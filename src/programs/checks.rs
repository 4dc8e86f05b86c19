//! The checks a program runs on its data sets before it trains: on the sets
//! as they will be trained and tested, after every split (`--blog`'s, a
//! validation split), so that a mistake in the data is found in
//! milliseconds, not after the last epoch.

use thiserror::Error;

use crate::data::{Dataset, Part, TEST_IMAGES, TRAIN_IMAGES};

/// A problem with the data sets as they will be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SetsError {
    /// A set lacks one of the two classes.
    #[error(
        "the {part} set holds no image of class {class} (it holds {len} image{}, all of class \
         {other}): a model is trained and tested on both classes: give data with more \
         images of each",
        if *len == 1 { "" } else { "s" }
    )]
    MissingClass {
        part: Part,
        class: u8,
        other: u8,
        len: usize,
    },
    /// A set's images have another size than the training set's.
    #[error(
        "the {part} images ({file}) are {}×{} pixels but the training images ({TRAIN_IMAGES}) \
         are {}×{}: the sets must come from one data set",
        shape.0, shape.1, train_shape.0, train_shape.1
    )]
    OtherShape {
        part: Part,
        file: &'static str,
        shape: (usize, usize),
        train_shape: (usize, usize),
    },
}

/// What the checks look at in a data set, whatever form its images take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Set {
    /// Which set it is.
    pub part: Part,
    /// The labels behind targets 0 and 1.
    pub classes: (u8, u8),
    /// How many images it holds.
    pub len: usize,
    /// How many of them have target 1.
    pub positives: usize,
    /// Rows and columns of one image.
    pub image_shape: (usize, usize),
}

impl Set {
    /// The facts of `set`, the `part` set.
    pub fn of<X>(part: Part, set: &Dataset<X>) -> Self {
        Self {
            part,
            classes: set.classes,
            len: set.len(),
            positives: set.positives(),
            image_shape: set.image_shape,
        }
    }
}

/// Checks that every set holds images of both classes, and that all have
/// the training set's image shape (the first set is the training set).
pub fn check_sets(sets: &[Set]) -> Result<(), SetsError> {
    let Some(train) = sets.first() else {
        return Ok(());
    };
    for set in sets {
        let (a, b) = set.classes;
        for (count, class, other) in
            [(set.len - set.positives, a, b), (set.positives, b, a)]
        {
            if count == 0 {
                return Err(SetsError::MissingClass {
                    part: set.part,
                    class,
                    other,
                    len: set.len,
                });
            }
        }
        if set.image_shape != train.image_shape {
            return Err(SetsError::OtherShape {
                part: set.part,
                file: match set.part {
                    Part::Test => TEST_IMAGES,
                    Part::Train | Part::Validation => TRAIN_IMAGES,
                },
                shape: set.image_shape,
                train_shape: train.image_shape,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use ndarray::{Array1, Array2, array};

    use super::*;

    fn set(y: Array1<f64>, shape: (usize, usize)) -> Dataset {
        Dataset {
            x: Array2::zeros((y.len(), shape.0 * shape.1)),
            y,
            classes: (3, 8),
            image_shape: shape,
        }
    }

    #[test]
    fn both_classes_and_one_shape_pass() {
        let train = set(array![0.0, 1.0, 1.0], (2, 2));
        let test = set(array![1.0, 0.0], (2, 2));
        assert_eq!(
            check_sets(&[
                Set::of(Part::Train, &train),
                Set::of(Part::Test, &test)
            ]),
            Ok(())
        );
    }

    #[test]
    fn a_set_of_one_class_is_named_with_the_class_it_lacks() {
        let train = set(array![1.0], (2, 2));
        let error = check_sets(&[Set::of(Part::Train, &train)]).unwrap_err();
        assert_eq!(
            error,
            SetsError::MissingClass {
                part: Part::Train,
                class: 3,
                other: 8,
                len: 1
            }
        );
        assert!(error.to_string().starts_with(
            "the training set holds no image of class 3 (it holds 1 image, all of class 8)"
        ));
    }

    #[test]
    fn test_images_of_another_size_are_refused() {
        let train = set(array![0.0, 1.0], (2, 2));
        let test = set(array![0.0, 1.0], (1, 3));
        let error = check_sets(&[
            Set::of(Part::Train, &train),
            Set::of(Part::Test, &test),
        ])
        .unwrap_err()
        .to_string();
        assert!(
            error.starts_with(
                "the test images (t10k-images-idx3-ubyte) are 1×3 pixels but the training \
                 images (train-images-idx3-ubyte) are 2×2"
            ),
            "{error}"
        );
    }
}
