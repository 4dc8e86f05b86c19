//! Helpers shared by the integration tests that run the crate's programs.

#![allow(dead_code)]

use std::process::Command;

/// Runs one of the package's binaries and returns its standard output; panics with its
/// standard error if it fails.
pub fn run(program: &str, args: &[&str]) -> String {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot start {program}: {e}"));
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("programs print UTF-8")
}

/// The numbers after `Final weight W:`, `Final bias b:` and `Loss history:`, as an
/// exercise prints them.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub w: Vec<f64>,
    pub b: f64,
    pub losses: Vec<f64>,
}

/// Every summary in a program's output, in the order printed.
pub fn summaries(text: &str) -> Vec<Summary> {
    let value = |prefix: &str| -> Vec<String> {
        text.lines()
            .filter_map(|line| line.strip_prefix(prefix))
            .map(|rest| rest.trim().to_string())
            .collect()
    };
    let list = |s: &str| -> Vec<f64> {
        s.trim()
            .trim_matches(|c| c == '[' || c == ']')
            .split(',')
            .map(|v| {
                v.trim()
                    .parse()
                    .unwrap_or_else(|_| panic!("not a number: {v:?}"))
            })
            .collect()
    };
    // The loss history may wrap onto the following lines, up to its `]`.
    let histories: Vec<String> = text
        .match_indices("Loss history:")
        .map(|(at, label)| {
            let rest = &text[at + label.len()..];
            rest[..=rest.find(']').expect("a closing ]")].replace('\n', " ")
        })
        .collect();
    let (ws, bs, ls) =
        (value("Final weight W:"), value("Final bias b:"), histories);
    assert!(
        ws.len() == bs.len() && bs.len() == ls.len(),
        "incomplete summary in:\n{text}"
    );
    ws.iter()
        .zip(&bs)
        .zip(&ls)
        .map(|((w, b), l)| Summary {
            w: list(w),
            b: b.parse().expect("bias is a number"),
            losses: list(l),
        })
        .collect()
}
