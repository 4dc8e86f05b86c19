//! Exercise 2: the effect of batch size. The data and settings of Exercise 1,
//! trained once with batch size 2 and once with batch size 4, then compared
//! epoch by epoch.
//!
//! Run it with `cargo run --bin exercise_2` (add `-- --seed 7` for other
//! batches). It ends with "Your turn": settings for you to change so that
//! batch sizes 2, 4 and 8 are compared at the same number of steps.

use std::process::ExitCode;

use ndarray::array;
use neural_network::data::line;
use neural_network::programs::{cli, report, your_turn};
use neural_network::{Loss, Settings, Shuffle, gradient_descent, say};

fn main() -> ExitCode {
    cli::exercise(
        "Exercise 2: y = 2x with batch sizes 2 and 4, lr 0.01, 5 epochs",
        (2, "the same number of steps"),
        solution,
        |seed| your_turn_comparison(your_settings, seed),
    )
}

// ANCHOR: solution
/// Trains `y = 2x` with batch sizes 2 and 4 and compares the two loss
/// histories.
fn solution(seed: u64) -> anyhow::Result<()> {
    let (x, y) = line::points();
    let w_init = array![0.0];
    let b_init = 0.0;

    let mut histories = Vec::new();
    for batch_size in [2, 4] {
        say!("Batch size {batch_size}:");
        let settings = Settings::new(0.01, 5, batch_size, Loss::Mse)
            .shuffle(Shuffle::Seeded(seed));
        let trained =
            gradient_descent(&x, &y, &w_init, b_init, &settings, |e| {
                say!("{e}")
            })?;
        say!("{}\n", report::summary(&w_init, b_init, &trained));
        histories.push(trained.loss_history);
    }
    say!("Loss per epoch:");
    say!(
        "{}",
        report::loss_table(&[
            ("batch size 2", &histories[0]),
            ("batch size 4", &histories[1])
        ])
    );
    Ok(())
}
// ANCHOR_END: solution

// ANCHOR: your_turn
/// Your turn: the settings of a run of `batch_size` on the eight points.
/// Change them so that every batch size takes as many steps as batch size 2
/// takes in five epochs, with the same learning rate.
fn your_settings(batch_size: usize) -> Settings {
    Settings::new(0.01, 5, batch_size, Loss::Mse)
}
// ANCHOR_END: your_turn

/// The batch sizes that "Your turn" compares, and the one whose five epochs
/// set the number of steps.
const COMPARED: [usize; 3] = [2, 4, 8];

/// Trains batch sizes 2, 4 and 8 with the settings `yours` gives them and
/// the shuffling seed `seed`, and tabulates each run's steps and final loss,
/// with the verdict: "Yes" once every run takes the steps of batch size 2's
/// five epochs at the learning rate 0.01.
fn your_turn_comparison(
    yours: fn(usize) -> Settings,
    seed: u64,
) -> anyhow::Result<String> {
    let (x, y) = line::points();
    let n = x.nrows();
    let goal = 5 * n.div_ceil(COMPARED[0]);
    let mut text = format!(
        "{:>10}  {:>6}  {:>5}  {:>13}  {:>10}\n",
        "batch size", "epochs", "steps", "learning rate", "final loss"
    );
    let mut steps_taken = Vec::new();
    let mut same_rate = true;
    for batch_size in COMPARED {
        let settings = yours(batch_size).shuffle(Shuffle::Seeded(seed));
        let trained =
            gradient_descent(&x, &y, &array![0.0], 0.0, &settings, |_| {})?;
        let steps = settings.num_epochs * n.div_ceil(settings.batch_size);
        let last = trained.loss_history.last().copied().unwrap_or(f64::NAN);
        text.push_str(&format!(
            "{:>10}  {:>6}  {steps:>5}  {:>13}  {last:>10.6}\n",
            settings.batch_size, settings.num_epochs, settings.lr
        ));
        steps_taken.push(steps);
        same_rate &= settings.lr == 0.01;
    }
    let verdict = if !same_rate {
        "Not yet: keep the learning rate at 0.01 for every batch size, so \
         that only the batch size and the number of epochs differ."
            .to_string()
    } else if steps_taken.iter().all(|&s| s == goal) {
        format!("Yes: every batch size takes {goal} steps.")
    } else {
        let list: Vec<String> =
            steps_taken.iter().map(|s| s.to_string()).collect();
        format!(
            "Not yet: the runs take {} steps. Give every batch size the {goal} \
             steps that batch size 2 takes in five epochs.",
            list.join(", ")
        )
    };
    Ok(text + &your_turn::wrapped(&verdict))
}

#[cfg(test)]
#[path = "solutions/exercise_2.rs"]
mod solved;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_solution_compares_at_the_same_number_of_steps() {
        let text = your_turn_comparison(solved::your_settings, 42).unwrap();
        assert!(
            text.contains("Yes: every batch size takes 20 steps."),
            "{text}"
        );
        // What the page says of it: at the same number of steps the final
        // losses lie within a few percent of each other.
        let losses: Vec<f64> = text
            .lines()
            .skip(1)
            .take(3)
            .map(|l| l.split_whitespace().last().unwrap().parse().unwrap())
            .collect();
        let (lo, hi) = losses
            .iter()
            .fold((f64::MAX, f64::MIN), |(l, h), &v| (l.min(v), h.max(v)));
        assert!(hi / lo < 1.1, "{losses:?}");
    }

    #[test]
    fn changing_the_learning_rate_is_not_the_task() {
        fn faster(batch_size: usize) -> Settings {
            Settings::new(0.02, 10, batch_size, Loss::Mse)
        }
        let text = your_turn_comparison(faster, 42).unwrap();
        assert!(text.contains("Not yet: keep the learning rate"), "{text}");
    }
}
