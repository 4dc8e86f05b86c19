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
        s.trim_matches(|c| c == '[' || c == ']')
            .split(',')
            .map(|v| {
                v.trim()
                    .parse()
                    .unwrap_or_else(|_| panic!("not a number: {v:?}"))
            })
            .collect()
    };
    let (ws, bs, ls) = (
        value("Final weight W:"),
        value("Final bias b:"),
        value("Loss history:"),
    );
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

/// What a program did when it ran: exit code, output, peak memory and time.
#[derive(Debug)]
pub struct Measured {
    /// The exit code (`None` if a signal ended it).
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// The peak resident memory of the process, in bytes (its `ru_maxrss`).
    pub peak_memory: u64,
    pub elapsed: std::time::Duration,
}

/// Runs `program` with `args` and measures it: its peak memory comes from `wait4`, which
/// reports the resources of exactly this child (other tests run in parallel in the same
/// process, so `RUSAGE_CHILDREN` would mix their children in).
// The child is reaped by wait4, which std's `wait` cannot stand in for.
#[allow(clippy::zombie_processes)]
pub fn measure(program: &str, args: &[&str]) -> Measured {
    use std::io::Read;
    use std::process::Stdio;
    let started = std::time::Instant::now();
    let mut child = Command::new(program)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {program}: {e}"));
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        stderr.read_to_string(&mut text).unwrap();
        text
    });
    let mut out = String::new();
    stdout.read_to_string(&mut out).unwrap();
    let err = errors.join().unwrap();
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child, whose pid is valid until it is reaped here.
    let pid = unsafe {
        libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage)
    };
    assert_eq!(pid, child.id() as libc::pid_t, "wait4 failed");
    let elapsed = started.elapsed();
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    Measured {
        code,
        stdout: out,
        stderr: err,
        // Linux reports ru_maxrss in kilobytes.
        peak_memory: usage.ru_maxrss as u64 * 1024,
        elapsed,
    }
}

/// The entries of a folder with their content (or link target) and permissions: equal
/// before and after a run that must change nothing there.
pub fn snapshot(dir: &std::path::Path) -> Vec<(String, String, u32)> {
    use std::os::unix::fs::PermissionsExt;
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let content = if meta.file_type().is_symlink() {
                format!("-> {}", std::fs::read_link(&path).unwrap().display())
            } else if meta.is_file() {
                let bytes = std::fs::read(&path).unwrap();
                format!("{} bytes, {:x}", bytes.len(), checksum(&bytes))
            } else {
                "(not a regular file)".to_string()
            };
            (
                path.file_name().unwrap().to_string_lossy().into_owned(),
                content,
                meta.permissions().mode(),
            )
        })
        .collect();
    entries.sort();
    entries
}

/// A cheap checksum (FNV-1a) to tell file contents apart.
fn checksum(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100000001b3)
    })
}
