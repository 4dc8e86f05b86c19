//! The book as the tests build it: with the pinned tools, into a fresh folder.

use std::path::PathBuf;
use std::process::Command;

use super::files::{fresh_dir, root};

/// The tools the book is built with, at the versions it is written for
/// (`scripts/test` installs them).
pub const TOOLS: &[(&str, &str)] =
    &[("mdbook", "0.5.4"), ("mdbook-katex", "0.10.0")];

/// Fails with install instructions unless every tool of [`TOOLS`] answers
/// `--version` with its pinned version.
pub fn require_tools() {
    let hint = TOOLS
        .iter()
        .map(|(tool, version)| {
            format!("  cargo install {tool} --locked --version {version}")
        })
        .collect::<Vec<_>>()
        .join("\n");
    for (tool, version) in TOOLS {
        let answer = Command::new(tool)
            .arg("--version")
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned());
        let Some(answer) = answer else {
            panic!(
                "`{tool}` is not on the PATH; the book tests need it. Install the \
                 pinned versions with\n{hint}\n(or run scripts/test, which does that \
                 and then runs cargo test)"
            );
        };
        assert!(
            answer
                .split_whitespace()
                .any(|w| w.trim_start_matches('v') == *version),
            "`{tool} --version` says {:?}, but the book is built with {tool} \
             {version}. Install the pinned versions with\n{hint}\n(or run \
             scripts/test)",
            answer.trim()
        );
    }
}

/// Builds the book with the pinned tools into the fresh folder `name` (see
/// [`fresh_dir`]); returns the folder and what `mdbook build` printed, without
/// terminal colour codes. Fails if the build fails.
pub fn build(name: &str) -> (PathBuf, String) {
    require_tools();
    let dir = fresh_dir(name);
    let output = Command::new("mdbook")
        .arg("build")
        .arg(root())
        .arg("--dest-dir")
        .arg(&dir)
        .output()
        .expect("mdbook runs");
    let log = strip_ansi(&format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    ));
    assert!(output.status.success(), "mdbook build failed:\n{log}");
    (dir, log)
}

/// Removes terminal colour codes (`ESC [ … m`) from a log.
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}
