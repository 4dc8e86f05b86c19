#!/usr/bin/env python3
"""Where an epoch of the engine spends its time, on the images kept as their groups of ink.

Usage (from the repository's root; needs Linux `perf`, Debian's package linux-perf):

    python3 tools/profile.py > book/outputs/profile.txt

It builds `epoch_times`, runs it for 200 epochs at batch size 32 (so that loading the data
is a small part of the run) under `perf record` with
the software clock (`-e cpu-clock`, which works where the processor's counters are not
exposed, as in most virtual machines), then prints the share of samples of the busiest
functions and, within the epoch's own function (everything the engine inlines into
`steps_and_loss_avx2`), of the busiest source lines as `perf annotate` attributes them.
Sampling is statistical: the shares move by a point or two from run to run.
"""

import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EPOCH_FUNCTION = "neural_network::engine::steps_and_loss_avx2"
COMMAND = ["target/release/epoch_times", "--epochs", "200", "--batch-sizes", "32",
           "--floor-repeats", "1"]


def run(args, **kwargs):
    return subprocess.run(args, cwd=ROOT, check=True, capture_output=True, text=True,
                          **kwargs).stdout


def main():
    run(["cargo", "build", "--release", "--quiet", "--bin", "epoch_times"])
    with tempfile.NamedTemporaryFile(suffix=".data") as data:
        run(["perf", "record", "-q", "-e", "cpu-clock", "-F", "4000", "-o", data.name,
             "--"] + COMMAND)
        report = run(["perf", "report", "-i", data.name, "--no-children", "--stdio",
                      "--sort", "symbol"])
        annotate = run(["perf", "annotate", "-i", data.name, "--stdio", "-s",
                        EPOCH_FUNCTION])

    print("perf record -e cpu-clock -F 4000 --")
    print(f"    {' '.join(COMMAND)}")
    print("\nShare of the samples, by function:")
    for line in report.splitlines():
        m = re.match(r"\s+([0-9.]+)%\s+\[.\]\s+(.*?)\s*$", line)
        if m and float(m.group(1)) >= 2.0:
            name = m.group(2).strip()[:70]
            print(f"{float(m.group(1)):6.1f}%  {name}".rstrip())

    lines, source = {}, None
    for line in annotate.splitlines():
        sample = re.match(r"\s+([0-9.]+) :\s+[0-9a-f]+:", line)
        if sample:
            if source:
                lines[source] = lines.get(source, 0.0) + float(sample.group(1))
            continue
        label = re.match(r"\s+:\s+\d+\s+(.*)$", line)
        if label and label.group(1).strip():
            source = label.group(1).strip()[:70]
    print(f"\nWithin {EPOCH_FUNCTION}, by source line:")
    for text, share in sorted(lines.items(), key=lambda item: -item[1])[:10]:
        print(f"{share:6.1f}%  {text}")


if __name__ == "__main__":
    sys.exit(main())
