#!/usr/bin/env python3
"""Writes scikit-learn's bundled handwritten digits as an IDX data set.

Usage (needs scikit-learn, which ships the data set: no network):

    python3 tools/digits_idx.py --out DIR [--test-fraction 0.2] [--seed 42]

`sklearn.datasets.load_digits` holds 1,797 images of 8×8 pixels, values 0 to 16, of the
ten digits (the UCI "Optical Recognition of Handwritten Digits" test set). This script
draws a seeded permutation, keeps its first `--test-fraction` as the test set and the rest
as the training set, and writes the four files any program of this crate reads:
`train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte` and
`t10k-labels-idx1-ubyte`, raw IDX (magic 2051 for images, 2049 for labels, sizes big-endian),
pixels as the bytes 0 to 16. Then, for example,

    cargo run --release --bin sweep -- --data-dir DIR --classes 3,8 --out sweep-digits

runs the batch-size sweep on it. The same seed writes the same bytes.
"""

import argparse
import struct
import sys
from pathlib import Path


def idx(magic, dims, data):
    """The bytes of an IDX file: magic, sizes, then the data as unsigned bytes."""
    header = struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in dims)
    return header + bytes(data)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], allow_abbrev=False)
    parser.add_argument("--out", required=True, type=Path, help="folder for the four files")
    parser.add_argument("--test-fraction", type=float, default=0.2,
                        help="share of the images kept as the test set (default 0.2)")
    parser.add_argument("--seed", type=int, default=42, help="seed of the permutation")
    args = parser.parse_args()
    if not 0.0 < args.test_fraction < 1.0:
        parser.error(f"--test-fraction must lie strictly between 0 and 1, got {args.test_fraction}")
    try:
        import numpy as np
        from sklearn.datasets import load_digits
    except ImportError as e:
        sys.exit(f"error: {e}: this tool needs numpy and scikit-learn (pip install scikit-learn)")

    digits = load_digits()
    images = digits.images.astype(np.uint8)  # 0 to 16, whole numbers
    labels = digits.target.astype(np.uint8)
    order = np.random.default_rng(args.seed).permutation(len(labels))
    test_count = int(np.ceil(args.test_fraction * len(labels)))
    parts = {"t10k": order[:test_count], "train": order[test_count:]}
    args.out.mkdir(parents=True, exist_ok=True)
    rows, cols = images.shape[1:]
    for name, rows_of in parts.items():
        (args.out / f"{name}-images-idx3-ubyte").write_bytes(
            idx(2051, [len(rows_of), rows, cols], images[rows_of].ravel()))
        (args.out / f"{name}-labels-idx1-ubyte").write_bytes(
            idx(2049, [len(rows_of)], labels[rows_of]))
        print(f"{name}: {len(rows_of)} images of {rows}x{cols} pixels")


if __name__ == "__main__":
    main()
