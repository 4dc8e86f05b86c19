//! What the exercises' "Your turn" checks share: each exercise ends with code
//! for the reader to change, then runs it and prints a verdict, "Not yet" or
//! "Yes", that says what is still missing. The texts end without a newline,
//! ready for `say!`.

use ndarray::{Array1, Array2};

use crate::programs::report;
use crate::{Settings, Trained};

/// A trainer the reader writes in Exercises 1 and 4: from zero weights, on
/// the data `(x, y)` with `settings`.
pub type Trainer =
    fn(&Array2<f64>, &Array1<f64>, &Settings) -> anyhow::Result<Trained>;

/// How close two runs' numbers must be to count as the same computation: a
/// few roundings apart, as two correct programs summing in other orders are.
pub const TOLERANCE: f64 = 1e-12;

/// The heading every check prints first, naming the book's section.
pub fn heading(exercise: u8, task: &str) -> String {
    format!("\nYour turn: {task} (Exercise {exercise} in the book)")
}

/// Whether `yours` computed what `library` computed: the same number of
/// epochs, and every loss, weight and the bias within [`TOLERANCE`].
pub fn same_run(yours: &Trained, library: &Trained) -> bool {
    let close = |a: f64, b: f64| (a - b).abs() <= TOLERANCE;
    yours.loss_history.len() == library.loss_history.len()
        && yours.w.len() == library.w.len()
        && yours
            .loss_history
            .iter()
            .zip(&library.loss_history)
            .all(|(&a, &b)| close(a, b))
        && yours.w.iter().zip(&library.w).all(|(&a, &b)| close(a, b))
        && close(yours.b, library.b)
}

/// Your run beside the library's, loss per epoch, and the verdict: "Yes"
/// when [`same_run`] holds, otherwise "Not yet" and `hint`.
pub fn compare(
    yours: (&str, &Trained),
    library: (&str, &Trained),
    hint: &str,
) -> String {
    let table = report::loss_table(&[
        (yours.0, &yours.1.loss_history),
        (library.0, &library.1.loss_history),
    ]);
    let verdict = if same_run(yours.1, library.1) {
        format!(
            "Yes: {} computes what {} computes, to within {TOLERANCE:e}.",
            yours.0, library.0
        )
    } else {
        format!("Not yet: the two runs differ. {hint}")
    };
    format!("{table}\n{}", wrapped(&verdict))
}

/// `text` broken into lines of at most 80 characters at its spaces.
pub fn wrapped(text: &str) -> String {
    let mut out = String::new();
    let mut line_len = 0;
    for word in text.split_whitespace() {
        let len = word.chars().count();
        if line_len > 0 && line_len + 1 + len > 80 {
            out.push('\n');
            line_len = 0;
        } else if line_len > 0 {
            out.push(' ');
            line_len += 1;
        }
        out.push_str(word);
        line_len += len;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn run(w: f64, losses: &[f64]) -> Trained {
        Trained {
            w: array![w],
            b: 0.5,
            loss_history: losses.to_vec(),
        }
    }

    #[test]
    fn runs_agree_within_the_tolerance_only() {
        let a = run(2.0, &[1.0, 0.5]);
        assert!(same_run(&a, &run(2.0 + 1e-13, &[1.0, 0.5])));
        assert!(!same_run(&a, &run(2.0 + 1e-9, &[1.0, 0.5])));
        assert!(!same_run(&a, &run(2.0, &[1.0, 0.5 + 1e-9])));
        assert!(!same_run(&a, &run(2.0, &[1.0])));
    }

    #[test]
    fn the_verdict_says_yes_only_for_the_same_run() {
        let a = run(2.0, &[1.0, 0.5]);
        let yes = compare(("yours", &a), ("library", &a), "hint");
        assert!(yes.ends_with(
            "Yes: yours computes what library computes, to within 1e-12."
        ));
        let other = run(1.0, &[2.0, 1.5]);
        let no = compare(("yours", &other), ("library", &a), "Try again.");
        assert!(no.ends_with("Not yet: the two runs differ. Try again."));
    }

    #[test]
    fn verdicts_wrap_at_80_characters() {
        let long = "word ".repeat(40);
        let text = wrapped(&long);
        assert!(text.lines().all(|line| line.chars().count() <= 80));
        assert_eq!(text.split_whitespace().count(), 40);
        assert_eq!(wrapped("a b"), "a b");
    }
}
