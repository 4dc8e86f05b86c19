#!/usr/bin/env python3
"""Seconds per epoch on MNIST 0 vs 1: this crate's trainers, the blog's NumPy code, scikit-learn and PyTorch.

Usage (from the repository's root; needs numpy, scikit-learn and threadpoolctl, and torch
for the PyTorch columns):

    python3 tools/compare.py [--rounds 5] [--epochs 5] [--blas-threads N] [--no-torch]

It builds and runs `epoch_times` (the crate's engine and its plain `gradient_descent`, see
src/bin/epoch_times/main.rs), then runs, on the same bundled data (data/, the 12,665
training images of digits 0 and 1, normalized as the blog does) and the same batch sizes:

- the blog's `gradient_descent` in NumPy (tools/reference.py, operation for operation),
  one epoch at a time: shuffle by copying the data set, a step per batch, the loss on the
  whole data set;
- for batch size 1, scikit-learn's `SGDClassifier` (log loss, constant learning rate
  0.1, no penalty), one epoch per `partial_fit` call;
- PyTorch (CPU, `float64` as NumPy), in two styles: the blog's loop written with torch
  tensors ("by hand"), and what most users would write, `nn.Linear` +
  `BCEWithLogitsLoss` + `optim.SGD` over slices of a permuted index, no DataLoader
  ("autograd"); each epoch ends with the loss on the whole data set, as the blog's does.
  Where torch is not installed these columns are left out, and the script says so.

They are measured side by side in one run: each round runs all of them, one after the
other, and a figure is the median of every timed epoch of every round. Each measurement
first trains one untimed warm-up epoch. The script prints a Markdown table of seconds per
epoch and ratios, the memory-bandwidth floor (two plain reads of the data set, measured by
`epoch_times`), the wall-clock time and peak memory of the main program (which trains with
`gradient_descent`, and with the engine under `--engine`) and of `epoch_times`, and whether
each of the project's targets is met. The book shows the part between the `ANCHOR: lesson`
markers; the targets belong to the README.

Why `partial_fit` for scikit-learn: it makes exactly one pass over the data (shuffled, one
update per sample) and keeps the model between calls, so every call is one more epoch of
the same run, as our epochs are. `fit(max_iter=1)` would start again from zero weights on
each call and warn that it did not converge; its time per call is about the same. Neither
computes the loss on the whole data set at the end of the epoch, which our trainer and the
blog's code do: scikit-learn does less work per epoch.

Threads: the engine shares its passes over the whole data set (the loss at the end of
every epoch, and with a full batch the gradient) between two threads where the machine has
two cores; its steps run on one. `gradient_descent` runs on one thread, but the BLAS
routines behind its products (src/programs/blas.rs) share a product of 2^18 numbers or
more between two threads, as OpenBLAS does with two: the loss at the end of every epoch,
and the steps of batches of about 330 and more. NumPy is measured twice,
with its BLAS (OpenBLAS) limited to one thread and with BLAS's own choice, one thread per
core, which is what a NumPy user gets; --blas-threads changes the list. PyTorch is measured
with 1 and 2 threads (`torch.set_num_threads`). scikit-learn's SGD runs on one thread.

The environment variables OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, which some machines set,
make a current NumPy pick a slower kernel; this script runs without them (it restarts
itself with them removed) unless --keep-openblas-env is given.
"""

import argparse
import gzip
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OPENBLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
BATCH_SIZES = ["1", "8", "32", "128", "1024", "full"]
LR = 0.1


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds of all three (default 5)")
    parser.add_argument("--epochs", type=int, default=5,
                        help="timed epochs per measurement (default 5; NumPy at batch size 1 "
                             "times at most 3, being slow)")
    parser.add_argument("--blas-threads", default="1,all",
                        help="NumPy's BLAS thread counts to measure, comma-separated; 'all' is "
                             "BLAS's own choice, all cores (default: 1,all)")
    parser.add_argument("--keep-openblas-env", action="store_true",
                        help="keep OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE if they are set")
    parser.add_argument("--torch-threads", default="1,2",
                        help="PyTorch thread counts to measure (default: 1,2)")
    parser.add_argument("--no-torch", action="store_true", help="leave PyTorch out")
    parser.add_argument("--data-dir", default=str(ROOT / "data"))
    return parser.parse_args()


def restart_without_openblas_env(args):
    """Re-executes this script without the OpenBLAS variables, before NumPy is loaded."""
    present = [v for v in OPENBLAS_VARS if v in os.environ]
    if present and not args.keep_openblas_env:
        env = {k: v for k, v in os.environ.items() if k not in OPENBLAS_VARS}
        print(f"(running without {', '.join(present)}; --keep-openblas-env keeps them)",
              file=sys.stderr)
        os.execve(sys.executable, [sys.executable] + sys.argv, env)


def read_idx(path):
    import numpy as np

    raw = gzip.open(path).read()
    ndims = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndims)]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndims).reshape(dims)


def load(data_dir):
    """The training images of digits 0 and 1 as the blog prepares them: X (n, 784) float64,
    normalized by its global mean and standard deviation, and y (n, 1) in {0, 1}."""
    import numpy as np

    images = read_idx(Path(data_dir) / "train-images-idx3-ubyte.gz")
    labels = read_idx(Path(data_dir) / "train-labels-idx1-ubyte.gz")
    keep = (labels == 0) | (labels == 1)
    raw = images[keep].reshape(int(keep.sum()), -1).astype(np.float64)
    y = (labels[keep] == 1).astype(np.float64).reshape(-1, 1)
    return normalize(raw), y, (float(np.mean(raw)), float(np.std(raw)))


def normalize(X):
    """The blog's normalize: one global mean and standard deviation."""
    import numpy as np

    mean, std = np.mean(X), np.std(X)
    return X - mean if std == 0 else (X - mean) / std


def batch_size_of(label, n):
    return n if label == "full" else int(label)


def run_ours(args, batch_sizes):
    """One run of epoch_times: {batch label: [seconds]}, the floor's seconds, the first loss
    at each batch size."""
    out = measured_run(
        [str(ROOT / "target/release/epoch_times"), "--data-dir", args.data_dir,
         "--epochs", str(args.epochs), "--batch-sizes", ",".join(batch_sizes), "--plain"])
    times, plain, floor, first_loss = {}, {}, None, {}
    for line in out.stdout.splitlines():
        record = json.loads(line)
        if record["what"] == "floor":
            floor = record
        elif record["what"] == "plain":
            plain[record["batch_size"]] = record["seconds"]
        else:
            times[record["batch_size"]] = record["seconds"]
            first_loss[record["batch_size"]] = record["first_loss"]
    return times, plain, floor, first_loss, out.peak_mb


class Measured:
    """A finished child process: its output, wall-clock seconds and peak resident memory."""

    def __init__(self, stdout, seconds, peak_mb):
        self.stdout, self.seconds, self.peak_mb = stdout, seconds, peak_mb


def measured_run(command):
    """Runs `command` and measures it: wall-clock time, and peak resident memory as GNU
    time reports it (Debian's package `time`). The kernel's own figure for a child of this
    script would include this script's memory: a child forked from Python starts out with
    Python's resident pages counted."""
    import shutil
    import tempfile

    gnu_time = shutil.which("time", path="/usr/bin:/bin")
    if gnu_time is None:
        sys.exit("compare.py needs GNU time for memory figures: apt-get install time")
    with tempfile.NamedTemporaryFile("w+") as report:
        start = time.perf_counter()
        done = subprocess.run([gnu_time, "-f", "%M", "-o", report.name] + command,
                              capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            sys.exit(f"{' '.join(command)} failed:\n{done.stderr}")
        peak_kb = int(report.read().strip().splitlines()[-1])
    return Measured(done.stdout, seconds, peak_kb / 1024)


def run_numpy(X, y, label, epochs):
    """Seconds of each timed epoch of the blog's gradient_descent, and the warm-up loss."""
    import numpy as np
    reference = tools_module("reference")
    binary_cross_entropy = reference.binary_cross_entropy
    gradient_descent, sigmoid = reference.gradient_descent, reference.sigmoid

    m = batch_size_of(label, X.shape[0])
    W, b = np.zeros((X.shape[1], 1)), np.zeros((1, 1))
    W, b, losses = gradient_descent(X, y, W, b, LR, 1, m, binary_cross_entropy, sigmoid)
    seconds = []
    for _ in range(epochs):
        start = time.perf_counter()
        W, b, _ = gradient_descent(X, y, W, b, LR, 1, m, binary_cross_entropy, sigmoid)
        seconds.append(time.perf_counter() - start)
    return seconds, losses[0]


def tools_module(name):
    """tools/NAME.py as a module, loaded by its path (tools/ is not on the import path)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_sklearn(X, y, epochs, seed):
    """Seconds of each timed epoch (one partial_fit call) of SGDClassifier at batch size 1."""
    import numpy as np
    from sklearn.linear_model import SGDClassifier

    targets = y.ravel()
    model = SGDClassifier(loss="log_loss", penalty=None, learning_rate="constant", eta0=LR,
                          shuffle=True, random_state=seed)
    classes = np.array([0.0, 1.0])
    model.partial_fit(X, targets, classes=classes)
    seconds = []
    for _ in range(epochs):
        start = time.perf_counter()
        model.partial_fit(X, targets)
        seconds.append(time.perf_counter() - start)
    return seconds


def torch_or_none(args):
    """The torch module, or None (with a message saying why) where it is not to be used."""
    if args.no_torch:
        print("(PyTorch left out: --no-torch)", file=sys.stderr)
        return None
    try:
        import torch
    except ImportError:
        print("(PyTorch left out: torch is not installed; `pip install torch` adds it)",
              file=sys.stderr)
        return None
    return torch


def torch_epochs(epoch, label, epochs):
    """Seconds of each timed call of `epoch` after an untimed warm-up one."""
    epoch()
    seconds = []
    for _ in range(epochs):
        start = time.perf_counter()
        epoch()
        seconds.append(time.perf_counter() - start)
    return seconds


def run_torch_by_hand(torch, X, y, label, epochs):
    """The blog's gradient_descent with torch tensors, one epoch per call."""
    n = X.shape[0]
    m = batch_size_of(label, n)
    state = {"W": torch.zeros((X.shape[1], 1), dtype=X.dtype),
             "b": torch.zeros((1, 1), dtype=X.dtype)}

    def epoch():
        W, b = state["W"], state["b"]
        indices = torch.randperm(n)
        X_shuffled, y_shuffled = X[indices], y[indices]
        for start in range(0, n, m):
            X_batch, y_batch = X_shuffled[start:start + m], y_shuffled[start:start + m]
            error = torch.sigmoid(X_batch @ W + b) - y_batch
            W = W - LR * (X_batch.T @ error) / X_batch.shape[0]
            b = b - LR * error.mean()
        a = torch.sigmoid(X @ W + b)
        loss = -torch.mean(y * torch.log(a + 1e-15) + (1 - y) * torch.log(1 - a + 1e-15))
        state["W"], state["b"] = W, b
        return float(loss)

    return torch_epochs(epoch, label, epochs)


def run_torch_autograd(torch, X, y, label, epochs):
    """nn.Linear + BCEWithLogitsLoss + optim.SGD over slices of a permuted index."""
    n = X.shape[0]
    m = batch_size_of(label, n)
    model = torch.nn.Linear(X.shape[1], 1, dtype=X.dtype)
    with torch.no_grad():
        model.weight.zero_()
        model.bias.zero_()
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    loss_fn = torch.nn.BCEWithLogitsLoss()

    def epoch():
        permutation = torch.randperm(n)
        for start in range(0, n, m):
            batch = permutation[start:start + m]
            optimizer.zero_grad()
            loss_fn(model(X[batch]), y[batch]).backward()
            optimizer.step()
        with torch.no_grad():
            return float(loss_fn(model(X), y))

    return torch_epochs(epoch, label, epochs)


TORCH_STYLES = [("by hand", run_torch_by_hand), ("autograd", run_torch_autograd)]


def machine():
    """The processor's model name, family and model numbers (which tell apart processors
    that share a name, such as generations of AMD EPYC), and how many logical CPUs."""
    fields = {}
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for line in lscpu.splitlines():
            key, _, value = line.partition(":")
            fields.setdefault(key.strip(), value.strip())
    except OSError:
        pass
    model = fields.get("Model name") or platform.processor() or "unknown processor"
    if "CPU family" in fields and "Model" in fields:
        model += f" (family {fields['CPU family']}, model {fields['Model']})"
    return f"{model}, {os.cpu_count()} logical CPUs"


def main():
    args = parse_args()
    restart_without_openblas_env(args)
    # Python puts this script's folder first on the import path, where profile.py would
    # stand in for the standard library's `profile`, which torch imports.
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "tools"]
    torch = torch_or_none(args)

    import numpy as np
    import sklearn
    from threadpoolctl import threadpool_info, threadpool_limits

    blas_cores = max(i["num_threads"] for i in threadpool_info() if i.get("user_api") == "blas")
    variants = [(f"NumPy, {n} BLAS thread{'s' if n != 1 else ''}", n)
                for n in (blas_cores if v == "all" else int(v)
                          for v in args.blas_threads.split(","))]
    torch_variants = [] if torch is None else [
        (f"PyTorch {style}, {n} thread{'s' if n != 1 else ''}", style, run, n)
        for style, run in TORCH_STYLES for n in map(int, args.torch_threads.split(","))]
    print("building epoch_times and train ...", file=sys.stderr)
    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "epoch_times",
                    "--bin", "train"], cwd=ROOT, check=True)

    X, y, numpy_stats = load(args.data_dir)
    if torch is not None:
        X_torch, y_torch = torch.from_numpy(X), torch.from_numpy(y)
    ours, plain, numpy_times, sk_times, torch_times = {}, {}, {}, [], {}
    floors, numpy_first_loss, our_first_loss = [], {}, {}
    epoch_times_peaks, main_runs, engine_runs = [], [], []
    train = [str(ROOT / "target/release/train"), "--data-dir", args.data_dir]
    for r in range(args.rounds):
        print(f"round {r + 1}/{args.rounds} ...", file=sys.stderr)
        times, plain_times, floor_record, first_loss, peak = run_ours(args, BATCH_SIZES)
        epoch_times_peaks.append(peak)
        main_runs.append(measured_run(train))
        engine_runs.append(measured_run(train + ["--engine"]))
        floors += floor_record["seconds"]
        our_first_loss = first_loss
        for label, seconds in times.items():
            ours.setdefault(label, []).extend(seconds)
        for label, seconds in plain_times.items():
            plain.setdefault(label, []).extend(seconds)
        for name, threads in variants:
            np.random.seed(r)
            with threadpool_limits(limits=threads, user_api="blas"):
                for label in BATCH_SIZES:
                    epochs = min(args.epochs, 3) if label == "1" else args.epochs
                    seconds, loss = run_numpy(X, y, label, epochs)
                    numpy_times.setdefault((name, label), []).extend(seconds)
                    numpy_first_loss[label] = loss
        sk_times += run_sklearn(X, y, args.epochs, seed=r)
        for name, _, run, threads in torch_variants:
            torch.manual_seed(r)
            torch.set_num_threads(threads)
            for label in BATCH_SIZES:
                epochs = 1 if label == "1" else args.epochs
                seconds = run(torch, X_torch, y_torch, label, epochs)
                torch_times.setdefault((name, label), []).extend(seconds)

    med = statistics.median
    blas = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    blas_text = "; ".join(sorted({f"{i['internal_api']} {i.get('version')} "
                                  f"({i.get('architecture')} kernel)" for i in blas}))
    floor = med(floors)
    gbps = 2 * floor_bytes(X) / floor / 1e9
    torch_text = "" if torch is None else f", PyTorch {torch.__version__} (CPU)"

    print("<!-- ANCHOR: lesson -->")
    print(f"MNIST 0 vs 1: {X.shape[0]:,} images × {X.shape[1]} pixels, f64 "
          f"({floor_bytes(X) / 1e6:.0f} MB); learning rate {LR}, sigmoid, binary cross-entropy.")
    print(f"Machine: {machine()}. Python {platform.python_version()}, NumPy {np.__version__}, "
          f"scikit-learn {sklearn.__version__}{torch_text}, BLAS: {blas_text or 'none found'}.")
    print(f"Median of {args.rounds} rounds × {args.epochs} epochs (NumPy at batch size 1: "
          f"{min(args.epochs, 3)}; PyTorch at batch size 1: 1), each after a warm-up epoch. "
          f"Seconds per epoch, and in brackets how many times the engine's time.\n")
    columns = ["the engine", "`gradient_descent`"] + [name for name, _ in variants]
    columns += ["scikit-learn `SGDClassifier`"] + [name for name, _, _, _ in torch_variants]
    print("| batch size | " + " | ".join(columns) + " |")
    print("| --- |" + " ---: |" * len(columns))
    for label in BATCH_SIZES:
        o = med(ours[label])

        def cell(times):
            t = med(times)
            return f"{t:.4f} ({t / o:.1f}×)"

        cells = [f"{o:.4f}", cell(plain[label])]
        cells += [cell(numpy_times[(name, label)]) for name, _ in variants]
        cells.append(cell(sk_times) if label == "1" else "–")
        cells += [cell(torch_times[(name, label)]) for name, _, _, _ in torch_variants]
        print(f"| {label} | " + " | ".join(cells) + " |")
    full = med(ours["full"])
    print(f"\nThe engine trains on the images' raw bytes, only their groups of eight pixels "
          f"that are not all blank, with the normalization folded into the model; the others "
          f"read the {floor_bytes(X) / 1e6:.0f} MB of normalized `f64`. The `f64` floor, "
          f"reading those {floor_bytes(X) / 1e6:.0f} MB twice with eight independent sums on "
          f"1 thread: {floor:.4f} s ({gbps:.0f} GB/s); the engine's full batch ÷ floor: "
          f"{full / floor:.2f}.")
    ours_loss, numpy_loss = our_first_loss["full"], numpy_first_loss["full"]
    print(f"\nFull batch, loss after the first epoch (deterministic): ours {ours_loss!r}, "
          f"NumPy {numpy_loss!r}, relative difference "
          f"{abs(ours_loss - numpy_loss) / numpy_loss:.0e}. The inputs were normalized with "
          f"mean {floor_record['mean']!r} and standard deviation {floor_record['std']!r} by the crate, "
          f"{numpy_stats[0]!r} and {numpy_stats[1]!r} by NumPy, which sum in different "
          f"orders (relative differences "
          f"{relative(floor_record['mean'], numpy_stats[0]):.0e} and "
          f"{relative(floor_record['std'], numpy_stats[1]):.0e}).")
    print(f"\nThe main program (`cargo run --release`, 10 epochs at batch size 32, loading and "
          f"testing included), median of {len(main_runs)} runs: with `gradient_descent` "
          f"{med([m.seconds for m in main_runs]):.2f} s wall-clock and "
          f"{med([m.peak_mb for m in main_runs]):.0f} MB of peak resident memory; with "
          f"`--engine` {med([m.seconds for m in engine_runs]):.2f} s and "
          f"{med([m.peak_mb for m in engine_runs]):.0f} MB. `epoch_times`, all six batch "
          f"sizes of both trainers: peak {med(epoch_times_peaks):.0f} MB.")
    print("<!-- ANCHOR_END: lesson -->")

    print("\nTargets:")
    checks = [
        ("batch 1: the engine ≥ 10× faster than scikit-learn",
         med(sk_times) / med(ours["1"]), 10, ">="),
    ]
    for name, _ in variants:
        checks.append((f"batch 32: the engine ≥ 10× faster than {name}",
                       med(numpy_times[(name, "32")]) / med(ours["32"]), 10, ">="))
    for name, style, _, threads in torch_variants:
        if style == "autograd" and threads == 2:
            slowest = min(BATCH_SIZES, key=lambda label: med(torch_times[(name, label)])
                          / med(ours[label]))
            checks.append((f"every batch size: the engine ≥ 5× faster than {name} "
                           f"(closest: {slowest})",
                           med(torch_times[(name, slowest)]) / med(ours[slowest]), 5, ">="))
    checks.append(("full batch: the engine at most half the f64 two-pass floor",
                   full / floor, 0.5, "<="))
    checks.append(("the main program with --engine: peak resident memory in MB",
                   med([m.peak_mb for m in engine_runs]), 40, "<="))
    for name, _ in variants:
        worst = max(BATCH_SIZES, key=lambda label: med(plain[label])
                    / med(numpy_times[(name, label)]))
        checks.append((f"every batch size: `gradient_descent` at most {name}'s time "
                       f"(closest: {worst})",
                       med(plain[worst]) / med(numpy_times[(name, worst)]), 1.0, "<="))
    for text, value, target, sense in checks:
        met = {">=": value >= target, "<=": value <= target, "<": value < target}[sense]
        print(f"- {text}: {value:.2f} — {'met' if met else f'missed (target {sense} {target})'}")
    if torch is None:
        print("- PyTorch: not measured (left out, or not installed: see the message above)")


def relative(a, b):
    return abs(a - b) / abs(b) if b else abs(a - b)


def floor_bytes(X):
    return X.size * X.itemsize


if __name__ == "__main__":
    sys.exit(main())
