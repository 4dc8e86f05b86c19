//! Exercise 3: mini-batch logistic regression on synthetic two-class data, with
//! a sigmoid output and binary cross-entropy loss.
//!
//! Run it with `cargo run --bin exercise_3` (add `-- --seed 7` for other
//! batches). It ends with "Your turn": settings for you to change until the
//! model classifies all six points correctly.

use std::process::ExitCode;

use ndarray::array;
use neural_network::programs::{cli, report, your_turn};
use neural_network::{
    Activation, Loss, Settings, Shuffle, gradient_descent, predict, say,
};

fn main() -> ExitCode {
    cli::exercise(
        "Exercise 3: logistic regression on six points, batch size 2, lr 0.01, 10 epochs",
        (3, "classify all six points"),
        solution,
        |seed| your_turn_check(your_settings(), seed),
    )
}

// ANCHOR: solution
/// Trains logistic regression on six points and prints each epoch and the
/// summary.
fn solution(seed: u64) -> anyhow::Result<()> {
    let x = array![[0.5], [1.5], [1.0], [2.0], [3.0], [2.5]];
    let y = array![0.0, 0.0, 0.0, 1.0, 1.0, 1.0];
    let w_init = array![0.0];
    let b_init = 0.0;
    let settings = Settings::new(0.01, 10, 2, Loss::BinaryCrossEntropy)
        .activation(Activation::Sigmoid)
        .shuffle(Shuffle::Seeded(seed));

    let trained =
        gradient_descent(&x, &y, &w_init, b_init, &settings, |e| say!("{e}"))?;
    say!("{}", report::summary(&w_init, b_init, &trained));
    Ok(())
}
// ANCHOR_END: solution

// ANCHOR: your_turn
/// Your turn: the settings of Exercise 3. Change them until the trained
/// model puts every one of the six points in its class.
fn your_settings() -> Settings {
    Settings::new(0.01, 10, 2, Loss::BinaryCrossEntropy)
        .activation(Activation::Sigmoid)
}
// ANCHOR_END: your_turn

/// Trains Exercise 3's points with `settings` and the shuffling seed `seed`,
/// and tabulates each point's probability of label 1 and predicted label,
/// with the verdict: "Yes" once all six are predicted right.
fn your_turn_check(settings: Settings, seed: u64) -> anyhow::Result<String> {
    let x = array![[0.5], [1.5], [1.0], [2.0], [3.0], [2.5]];
    let y = array![0.0, 0.0, 0.0, 1.0, 1.0, 1.0];
    let settings = settings.shuffle(Shuffle::Seeded(seed));
    let trained =
        gradient_descent(&x, &y, &array![0.0], 0.0, &settings, |_| {})?;
    let p = predict(&x, &trained.w, trained.b, settings.activation_fn)?;
    let mut text = format!(
        "Trained with batch size {}, learning rate {}, {} epochs: W {:.4}, b {:.4}\n",
        settings.batch_size,
        settings.lr,
        settings.num_epochs,
        trained.w[0],
        trained.b
    );
    text.push_str("    x  label  probability of 1  predicted\n");
    let mut right = 0;
    for ((input, &label), &probability) in x.column(0).iter().zip(&y).zip(&p) {
        let predicted = if probability > 0.5 { 1.0 } else { 0.0 };
        right += usize::from(predicted == label);
        text.push_str(&format!(
            "{input:>5.1}  {label:>5}  {probability:>16.4}  {predicted:>9}\n"
        ));
    }
    let verdict = if right == y.len() {
        format!("Yes: all {right} points are predicted right.")
    } else {
        format!(
            "Not yet: {right} of {} points are predicted right. More steps, or \
             larger ones, move the boundary between the classes.",
            y.len()
        )
    };
    Ok(text + &your_turn::wrapped(&verdict))
}

#[cfg(test)]
#[path = "solutions/exercise_3.rs"]
mod solved;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_solution_classifies_all_six_points() {
        for seed in [42, 7] {
            let text = your_turn_check(solved::your_settings(), seed).unwrap();
            assert!(text.contains("Yes: all 6 points"), "{text}");
        }
    }
}
