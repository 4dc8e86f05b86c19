//! What the book states, checked against what the code and its runs produce.
//!
//! - `mdbook test`, mdBook's own check of a book's Rust code, passes. The
//!   book's listings are pieces of the crate, included from its files and
//!   compiled and tested with it by `cargo test`; each is marked
//!   `rust,ignore` under a caption naming its file, because mdBook would
//!   compile it alone, without the code around it. A Rust block that is not
//!   so marked must compile and run on its own.
//!
//! - Every measured figure a page states comes from a run. A page's own text
//!   (everything in its Markdown file except what `{{#include}}` brings in) may
//!   state a decimal number, such as a loss, an accuracy, a time or a ratio,
//!   only if one of the files the page includes holds it: an output in
//!   `book/outputs/` (program output, the tables the charts program prints
//!   and the measured comparison) or a listing, whose literals are the
//!   settings and data of a run. The rule reads all of the page's own text,
//!   formulas, inline code and hand-written code blocks included, so that a
//!   figure cannot hide in them.
//!
//! What counts as a decimal figure: digits with a decimal point or an
//! exponent, `0.0147`, `2.5`, `1e-15`. A figure matches a number of an
//! included file when that number rounds to it: `0.0147` and `0.015` both
//! match an output's `0.014728`. Signs are ignored (a minus sign in prose is
//! often an operator), and so are integers (counts, sizes, epochs and
//! settings, which the pages derive in plain sight), version numbers such as
//! `0.5.4`, digits inside names such as `f64`, and powers of ten written as
//! `$10^{-12}$`, which the book uses only for tolerances. The few figures that
//! come from no run are listed in [`ALLOWED`], each with its reason.
//!
//! It needs `mdbook` 0.5.4 and `mdbook-katex` 0.10.0 on the PATH;
//! `scripts/test` installs them.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::files::root;

/// Figures a page may state although no included file holds them:
/// (page, figure as written, why).
const ALLOWED: &[(&str, &str, &str)] = &[
    (
        "introduction.md",
        "2.3",
        "the number of the blog's part that the book follows",
    ),
    (
        "introduction.md",
        "1.86",
        "the oldest Rust the crate builds with (rust-version in Cargo.toml)",
    ),
    (
        "mini-batch/mnist.md",
        "0.5",
        "the threshold above which a predicted probability counts as a 1",
    ),
    (
        "mini-batch/mnist.md",
        "0.4123",
        "the blog's printed first-epoch loss, quoted to show that no run gives it",
    ),
    (
        "mini-batch/mnist.md",
        "0.1892",
        "the blog's printed last-epoch loss, quoted to show that no run gives it",
    ),
    (
        "mini-batch/mnist.md",
        "0.1925",
        "the blog's printed test loss, quoted to show that no run gives it",
    ),
    (
        "mini-batch/mnist.md",
        "0.935",
        "the blog's printed test accuracy, quoted to show that no run gives it",
    ),
    (
        "mini-batch/playground.md",
        "0.01",
        "a learning rate the reader is invited to type into the form",
    ),
    (
        "mini-batch/playground.md",
        "0.05",
        "a learning rate the reader is invited to type into the form",
    ),
    (
        "mini-batch/playground.md",
        "0.1",
        "a learning rate the reader is invited to type into the form",
    ),
    (
        "mini-batch/playground.md",
        "0.5",
        "a learning rate the reader is invited to type into the form",
    ),
    (
        "behind/playground.md",
        "1e-12",
        "the tolerance of the browser test, a setting of the test",
    ),
];

// ---------------------------------------------------------------------------
// mdbook test

#[test]
fn mdbook_test_passes() {
    common::book::require_tools();
    let output = Command::new("mdbook")
        .arg("test")
        .arg(root())
        .output()
        .expect("mdbook runs");
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let failures: Vec<&str> = log
        .lines()
        .filter(|l| l.starts_with("    ") && l.contains(".md - "))
        .collect();
    let errors: Vec<&str> = log
        .lines()
        .filter(|l| l.starts_with("error"))
        .take(20)
        .collect();
    assert!(
        output.status.success(),
        "`mdbook test` failed. A listing included from the crate is marked \
         `rust,ignore` under a <p class=\"listing\"> caption naming its file; \
         any other Rust block must compile on its own. Failing blocks:\n{}\n\n\
         First errors (run `mdbook test` for all of them):\n{}",
        failures.join("\n"),
        errors.join("\n")
    );
}

// ---------------------------------------------------------------------------
// The rule that keeps the figures true

/// A decimal figure as a page writes it, with its value and how far a
/// number may be from it and still round to it.
#[derive(Debug, Clone, PartialEq)]
struct Figure {
    text: String,
    value: f64,
    half_unit: f64,
}

/// Every number in `text`: (where it starts, the number as written, and
/// whether it is a decimal figure). Digits inside names (`f64`), version
/// numbers (`0.5.4`) and thousands separators are handled as described at the
/// top of this file.
fn numbers(text: &str) -> Vec<(usize, Figure, bool)> {
    let bytes = text.as_bytes();
    let is_name = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let digits_from = |mut i: usize| {
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        i
    };
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit()
            || (i > 0 && (is_name(bytes[i - 1]) || bytes[i - 1] == b'.'))
        {
            i += 1;
            continue;
        }
        let start = i;
        let mut end = digits_from(i);
        let mut fraction_digits = 0;
        let mut dots = 0;
        while end + 1 < bytes.len()
            && bytes[end] == b'.'
            && bytes[end + 1].is_ascii_digit()
        {
            let next = digits_from(end + 1);
            fraction_digits = next - end - 1;
            dots += 1;
            end = next;
        }
        let mut exponent = 0;
        let mut has_exponent = false;
        if end < bytes.len() && (bytes[end] == b'e' || bytes[end] == b'E') {
            let mut j = end + 1;
            if j < bytes.len() && (bytes[j] == b'-' || bytes[j] == b'+') {
                j += 1;
            }
            let k = digits_from(j);
            if k > j && (k == bytes.len() || !is_name(bytes[k])) {
                exponent = text[end + 1..k].parse().expect("an exponent");
                has_exponent = true;
                end = k;
            }
        }
        i = end;
        if dots > 1 || (end < bytes.len() && is_name(bytes[end])) {
            continue; // a version number, or digits that start a name
        }
        let written = &text[start..end];
        let value: f64 = written.parse().expect("a number");
        let figure = Figure {
            text: written.to_string(),
            value,
            half_unit: 0.5 * 10f64.powi(exponent - fraction_digits as i32),
        };
        found.push((start, figure, dots == 1 || has_exponent));
    }
    found
}

/// Whether some number in `source` rounds to `figure`.
fn backed(figure: &Figure, source: &[f64]) -> bool {
    source
        .iter()
        .any(|s| (s.abs() - figure.value).abs() <= figure.half_unit * 1.000001)
}

/// The decimal figures of `own_text` that no number of `sources` rounds to
/// and that `allowed` does not list: (line, figure).
fn unbacked_figures(
    own_text: &str,
    sources: &str,
    allowed: &[&str],
) -> Vec<(usize, String)> {
    let source: Vec<f64> = numbers(sources)
        .into_iter()
        .map(|(_, f, _)| f.value)
        .collect();
    numbers(own_text)
        .into_iter()
        .filter(|(_, figure, decimal)| {
            *decimal
                && !allowed.contains(&figure.text.as_str())
                && !backed(figure, &source)
        })
        .map(|(at, figure, _)| {
            (own_text[..at].matches('\n').count() + 1, figure.text)
        })
        .collect()
}

/// A page split into its own text and the text of the files it includes.
struct Page {
    /// The page's path relative to `book/`, with `/` separators.
    name: String,
    own_text: String,
    included: String,
}

/// The name a line marks with `marker` (`ANCHOR:` or `ANCHOR_END:`), read as
/// mdBook reads it: anywhere in the line, so in any comment syntax.
fn anchor_name<'a>(line: &'a str, marker: &str) -> Option<&'a str> {
    let rest = line[line.find(marker)? + marker.len()..].trim_start();
    let end = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(rest.len());
    Some(&rest[..end])
}

/// The part of `file` between `ANCHOR: anchor` and `ANCHOR_END: anchor`,
/// without the anchor lines, as mdBook includes it; all of `file` without an
/// anchor.
fn anchored(file: &str, anchor: Option<&str>) -> String {
    let Some(anchor) = anchor else {
        return file.to_string();
    };
    if let Some(lines) = line_range(file, anchor) {
        return lines;
    }
    let mut inside = false;
    let mut text = String::new();
    for line in file.lines() {
        if let Some(name) = anchor_name(line, "ANCHOR_END:") {
            inside &= name != anchor;
        } else if let Some(name) = anchor_name(line, "ANCHOR:") {
            inside |= name == anchor;
        } else if inside {
            text.push_str(line);
            text.push('\n');
        }
    }
    text
}

/// The lines of `file` that a line range (`2`, `2:10`, `2:`, `:10`, counted
/// from 1 and inclusive) selects, as mdBook includes them; `None` when
/// `range` is an anchor's name.
fn line_range(file: &str, range: &str) -> Option<String> {
    let number = |t: &str| t.parse::<usize>().ok();
    let (first, last) = match range.split_once(':') {
        None => (number(range)?, number(range)?),
        Some((a, b)) => (
            if a.is_empty() { 1 } else { number(a)? },
            if b.is_empty() { usize::MAX } else { number(b)? },
        ),
    };
    let lines = file.lines().skip(first.saturating_sub(1));
    let taken = lines.take(last.saturating_add(1).saturating_sub(first.max(1)));
    Some(taken.map(|l| format!("{l}\n")).collect())
}

/// Splits a page's Markdown into its own text and what its `{{#include}}`
/// directives bring in (HTML comments are not text a reader sees).
fn read_page(book: &Path, path: &Path) -> Page {
    let markdown = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let folder = path.parent().expect("a page is in a folder");
    let (mut own_text, mut included) = (String::new(), String::new());
    let mut rest = markdown.as_str();
    while let Some(p) = [rest.find("{{#include "), rest.find("<!--")]
        .into_iter()
        .flatten()
        .min()
    {
        own_text.push_str(&rest[..p]);
        rest = &rest[p..];
        if let Some(comment) = rest.strip_prefix("<!--") {
            let end = comment.find("-->").map_or(comment.len(), |e| e + 3);
            // Keep the line breaks, so that line numbers stay those of the file.
            own_text
                .push_str(&"\n".repeat(comment[..end].matches('\n').count()));
            rest = &comment[end..];
            continue;
        }
        let end = rest.find("}}").expect("a closed {{#include}}");
        let target = rest["{{#include ".len()..end].trim();
        let (file, anchor) = match target.split_once(':') {
            Some((file, anchor)) => (file, Some(anchor)),
            None => (target, None),
        };
        let file_path = folder.join(file);
        let text = std::fs::read_to_string(&file_path).unwrap_or_else(|e| {
            panic!("{}: cannot read {file}: {e}", path.display())
        });
        included.push_str(&anchored(&text, anchor));
        included.push('\n');
        rest = &rest[end + 2..];
    }
    own_text.push_str(rest);
    let name = path
        .strip_prefix(book)
        .expect("a page of the book")
        .to_string_lossy()
        .replace('\\', "/");
    Page {
        name,
        own_text,
        included,
    }
}

/// Every page of the book: the Markdown files under `book/` except the
/// table of contents and the program outputs.
fn pages() -> Vec<Page> {
    let book = root().join("book");
    let mut paths: Vec<PathBuf> = Vec::new();
    let mut pending = vec![book.clone()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).expect("a readable folder") {
            let path = entry.expect("a readable entry").path();
            if path.is_dir() {
                if path != book.join("outputs") {
                    pending.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "md")
                && path != book.join("SUMMARY.md")
            {
                paths.push(path);
            }
        }
    }
    paths.sort();
    paths.iter().map(|p| read_page(&book, p)).collect()
}

fn allowed_on(page: &str) -> Vec<&'static str> {
    ALLOWED
        .iter()
        .filter(|(p, _, _)| *p == page)
        .map(|(_, figure, _)| *figure)
        .collect()
}

#[test]
fn every_figure_a_page_states_is_in_a_file_it_includes() {
    let pages = pages();
    assert!(pages.len() > 10, "only {} pages found", pages.len());
    let mut problems = Vec::new();
    for page in &pages {
        for (line, figure) in unbacked_figures(
            &page.own_text,
            &page.included,
            &allowed_on(&page.name),
        ) {
            problems.push(format!("book/{}:{line}: {figure}", page.name));
        }
    }
    assert!(
        problems.is_empty(),
        "these figures appear in no output or listing that their page includes. Quote \
         a figure a run printed, include the output that prints it, or (for a constant \
         that comes from no run) add it to ALLOWED with its reason:\n  {}",
        problems.join("\n  ")
    );
}

#[test]
fn every_allowed_figure_is_still_stated_on_its_page() {
    let pages = pages();
    for (page_name, figure, _) in ALLOWED {
        let page =
            pages
                .iter()
                .find(|p| p.name == *page_name)
                .unwrap_or_else(|| {
                    panic!("ALLOWED names a missing page {page_name}")
                });
        let stated = numbers(&page.own_text)
            .iter()
            .any(|(_, f, decimal)| *decimal && f.text == *figure);
        assert!(
            stated,
            "{figure} is allowed on {page_name} but the page no longer states it: \
             remove it from ALLOWED"
        );
    }
}

/// A page that quotes one figure right and one wrong; the checker must
/// catch exactly the wrong one.
#[test]
fn a_planted_wrong_figure_is_caught() {
    let output = "Epoch 1/10, Loss: 0.014728\nTest accuracy: 0.9995\n";
    let page = "After one epoch the loss is 0.0147 (about 0.015), and the \
                accuracy 0.9995.\nThe second epoch ends at 0.0150.\n";
    assert_eq!(
        unbacked_figures(page, output, &[]),
        [(2, "0.0150".to_string())]
    );
    assert!(unbacked_figures(page, output, &["0.0150"]).is_empty());
}

/// The same wrong figure, planted into every real page, is caught on each:
/// no page escapes the rule.
#[test]
fn a_planted_figure_is_caught_on_every_page() {
    for page in pages() {
        let planted =
            format!("{}\nThe loss fell to 0.123456789.\n", page.own_text);
        let caught =
            unbacked_figures(&planted, &page.included, &allowed_on(&page.name));
        assert!(
            caught.iter().any(|(_, f)| f == "0.123456789"),
            "the planted figure was not caught on {}",
            page.name
        );
    }
}

#[test]
fn what_counts_as_a_decimal_figure() {
    let decimals = |text: &str| -> Vec<String> {
        numbers(text)
            .into_iter()
            .filter(|(_, _, decimal)| *decimal)
            .map(|(_, f, _)| f.text)
            .collect()
    };
    assert_eq!(
        decimals(
            "f64, u8, mdbook 0.5.4, 12,665 images, epoch 10, $10^{-12}$, \
             1e-15, 8.3558e-4, -0.40, x2.5, (0.25 s), 2.0."
        ),
        ["1e-15", "8.3558e-4", "0.40", "0.25", "2.0"]
    );
    let rounding = &numbers("0.015")[0].1;
    assert!(backed(rounding, &[0.014728]));
    assert!(!backed(rounding, &[0.0156]));
}

#[test]
fn line_ranges_are_read_as_mdbook_reads_them() {
    let file = "a\nb\nc\nd\n";
    assert_eq!(anchored(file, Some("2:3")), "b\nc\n");
    assert_eq!(anchored(file, Some("3:")), "c\nd\n");
    assert_eq!(anchored(file, Some(":2")), "a\nb\n");
    assert_eq!(anchored(file, Some("4")), "d\n");
}

#[test]
fn anchors_are_read_as_mdbook_reads_them() {
    let file = "a 0.1\n// ANCHOR: one\nb 0.2\n<!-- ANCHOR: two -->\nc 0.3\n\
                <!-- ANCHOR_END: two -->\n// ANCHOR_END: one\nd 0.4\n";
    assert_eq!(anchored(file, Some("one")), "b 0.2\nc 0.3\n");
    assert_eq!(anchored(file, Some("two")), "c 0.3\n");
    assert_eq!(anchored(file, Some("three")), "");
    assert_eq!(anchored(file, None), file);
}
