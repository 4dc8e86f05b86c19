//! The tools in `tools/` as a user meets them: their documented commands work, a mistyped
//! flag is an error rather than a silent run of something else, and the word count of the
//! book's chapter stays within its budget.

mod common;

use std::process::Command;

use common::files::root;

/// The `grep` that picks the compared lines out of our output, as the README's `diff`
/// command has it.
const COMPARED_LINES: &str = "grep -E '^(Epoch|Test (loss|accuracy))'";

#[test]
fn the_reference_tool_suggests_the_same_grep_as_the_readme() {
    // `^(Epoch|Test)` would keep `Test set: …` too, and the diff would fail.
    let tool = std::fs::read_to_string(root().join("tools/reference_mnist.py"))
        .unwrap();
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    assert!(tool.contains(COMPARED_LINES), "tools/reference_mnist.py");
    assert!(readme.contains(COMPARED_LINES), "README.md");
    assert!(!tool.contains("grep -E '^(Epoch|Test)'"));
}

#[test]
fn an_abbreviated_flag_of_the_reference_tool_is_an_error() {
    let numpy = Command::new("python3")
        .args(["-c", "import numpy"])
        .output();
    if !numpy.is_ok_and(|o| o.status.success()) {
        return common::skip(
            "python3 with numpy is not installed (pip install numpy), so the \
             reference tool cannot run here",
        );
    }
    let output = Command::new("python3")
        .arg(root().join("tools/reference_mnist.py"))
        .args(["--seed", "0"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("unrecognized arguments: --seed 0"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
}

/// The chapter's prose stays within the words a learner reads in one sitting (issue 19:
/// at most about 6,000, the blog's chapter being about 1,500); `tools/prose_words.py`
/// counts them page by page.
#[test]
fn the_chapter_stays_within_its_word_budget() {
    let output = Command::new("python3")
        .arg(root().join("tools/prose_words.py"))
        .args(["--max", "6000"])
        .output();
    let Ok(output) = output else {
        common::skip(
            "python3 is not installed, so the words cannot be counted",
        );
        return;
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("The chapter:"), "{stdout}");
    assert!(stdout.contains("Behind the chapter:"), "{stdout}");
}
