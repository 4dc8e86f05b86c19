//! Every way to misuse the public API gives a typed error with a helpful message, never a panic.

use ndarray::{Array1, Array2, array};
use neural_network::{
    Activation, Loss, Settings, ShapeError, TrainError, binary_cross_entropy,
    gradient, gradient_descent, matrix_multiply, mse_loss, predict,
};

fn x() -> Array2<f64> {
    array![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
}
fn y() -> Array1<f64> {
    array![1.0, 0.0, 1.0]
}
fn w() -> Array1<f64> {
    array![0.0, 0.0]
}
fn ok() -> Settings {
    Settings::new(0.1, 2, 2, Loss::Mse)
}

fn fails_with(
    x: Array2<f64>,
    y: Array1<f64>,
    w: Array1<f64>,
    b: f64,
    settings: Settings,
) -> TrainError {
    gradient_descent(&x, &y, &w, b, &settings, |_| {})
        .expect_err("training should have been refused")
}

/// [`fails_with`] on good data with `settings`.
fn refused(settings: Settings) -> TrainError {
    fails_with(x(), y(), w(), 0.0, settings)
}

#[test]
fn a_batch_size_or_a_number_of_epochs_of_zero() {
    let zero_batch = refused(Settings {
        batch_size: 0,
        ..ok()
    });
    assert_eq!(zero_batch, TrainError::ZeroBatchSize);
    assert!(zero_batch.to_string().contains("batch size is 0"));
    let zero_epochs = refused(Settings {
        num_epochs: 0,
        ..ok()
    });
    assert_eq!(zero_epochs, TrainError::ZeroEpochs);
}

#[test]
fn learning_rate_not_positive_or_not_finite() {
    for lr in [0.0, -1.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let e = refused(Settings { lr, ..ok() });
        assert!(
            matches!(e, TrainError::InvalidLearningRate(_)),
            "lr {lr}: {e:?}"
        );
        assert!(e.to_string().contains("learning rate"));
    }
}

#[test]
fn empty_data() {
    let e = fails_with(Array2::zeros((0, 2)), Array1::zeros(0), w(), 0.0, ok());
    assert_eq!(
        e,
        TrainError::EmptyData {
            rows: 0,
            features: 2
        }
    );
    let e = fails_with(Array2::zeros((3, 0)), y(), Array1::zeros(0), 0.0, ok());
    assert_eq!(
        e,
        TrainError::EmptyData {
            rows: 3,
            features: 0
        }
    );
}

#[test]
fn inputs_and_targets_with_different_row_counts() {
    let e = fails_with(x(), array![1.0, 0.0], w(), 0.0, ok());
    assert_eq!(
        e,
        TrainError::RowMismatch {
            inputs: 3,
            targets: 2
        }
    );
    assert!(e.to_string().contains("3 rows but the targets have 2"));
}

#[test]
fn weights_that_do_not_match_the_features() {
    let e = fails_with(x(), y(), array![0.0, 0.0, 0.0], 0.0, ok());
    assert_eq!(
        e,
        TrainError::WeightMismatch {
            weights: 3,
            features: 2
        }
    );
}

#[test]
fn non_finite_values_are_located() {
    let mut bad_x = x();
    bad_x[[2, 1]] = f64::NAN;
    let e = fails_with(bad_x, y(), w(), 0.0, ok());
    assert!(
        e.to_string()
            .contains("inputs contain NaN at row 2, column 1"),
        "{e}"
    );

    let e = fails_with(x(), array![1.0, f64::INFINITY, 0.0], w(), 0.0, ok());
    assert!(
        e.to_string().contains("targets contain inf at row 1"),
        "{e}"
    );

    let e = fails_with(x(), y(), array![0.0, f64::NEG_INFINITY], 0.0, ok());
    assert!(
        e.to_string()
            .contains("initial weights contain -inf at index 1"),
        "{e}"
    );

    let e = fails_with(x(), y(), w(), f64::NAN, ok());
    assert!(e.to_string().contains("initial bias"), "{e}");
}

#[test]
fn a_diverging_run_stops_at_the_epoch_where_the_loss_stops_being_finite() {
    let x = array![[1e100], [2e100]];
    let y = array![1.0, 2.0];
    let e = fails_with(
        x,
        y,
        array![0.0],
        0.0,
        Settings::new(10.0, 50, 1, Loss::Mse),
    );
    match e {
        TrainError::Diverged { epoch, loss, lr } => {
            assert!(
                (1..=50).contains(&epoch) && !loss.is_finite() && lr == 10.0
            );
        }
        other => panic!("expected divergence, got {other:?}"),
    }
}

#[test]
fn a_diverging_run_reports_its_epoch_after_finite_ones() {
    // y = 2x with a learning rate far above 2/λ_max: the loss grows ~100× per epoch and
    // overflows after a few finite epochs, which the observer has already seen.
    let x = array![[10.0], [20.0], [30.0]];
    let y = array![20.0, 40.0, 60.0];
    let mut finite_epochs = 0;
    let e = gradient_descent(
        &x,
        &y,
        &array![0.0],
        0.0,
        &Settings::new(1.0, 1000, 3, Loss::Mse),
        |_| finite_epochs += 1,
    )
    .unwrap_err();
    assert!(finite_epochs > 0);
    assert!(
        matches!(e, TrainError::Diverged { epoch, .. } if epoch == finite_epochs + 1),
        "{e:?}"
    );
    assert!(e.to_string().contains("learning rate below"));
}

#[test]
fn helper_shape_errors() {
    let e = matrix_multiply(&x(), &array![[1.0], [2.0], [3.0]]).unwrap_err();
    assert!(matches!(
        e,
        ShapeError::Multiply {
            left_cols: 2,
            right_rows: 3,
            ..
        }
    ));
    assert!(e.to_string().contains("3×2 matrix by a 3×1 matrix"), "{e}");
    assert!(matches!(
        mse_loss(&array![1.0], &array![1.0, 2.0]),
        Err(ShapeError::Lengths { .. })
    ));
    assert_eq!(
        binary_cross_entropy(&Array1::zeros(0), &Array1::zeros(0)),
        Err(ShapeError::Empty)
    );
    assert!(predict(&x(), &array![1.0], 0.0, Activation::Identity).is_err());
    assert!(gradient(&x(), &array![1.0]).is_err());
}
