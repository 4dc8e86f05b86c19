//! The NumPy reference tools as a user meets them: their documented commands work, and a
//! mistyped flag is an error rather than a silent run of something else.

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
