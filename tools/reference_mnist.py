#!/usr/bin/env python3
"""The blog's NumPy algorithm on the bundled MNIST 0-vs-1 data, to compare with `cargo run --release`.

Usage:
    python3 tools/reference_mnist.py --no-shuffle > tests/reference/mnist_no_shuffle.txt
    python3 tools/reference_mnist.py --seeds 5        # shuffled: compare the spread
    python3 tools/reference_mnist.py --blog-demo > book/outputs/blog_demo_numpy.txt

It reads `data/` (gzip IDX), keeps digits 0 and 1, normalizes both sets with the training
set's global mean and standard deviation (as our main program does), trains logistic
regression from zero weights with the blog's `gradient_descent` (batch size 32, lr 0.1,
10 epochs; see tools/reference.py) and prints the lines our program prints:

    cargo run --release -- --no-shuffle | grep -E '^(Epoch|Test (loss|accuracy))'

With `--no-shuffle` nothing is random, so the two outputs must agree line for line.
With shuffling the permutations differ (NumPy's generator vs ChaCha8), so compare the
spread of test loss and accuracy over seeds instead.

`--blog-demo` runs the blog's own MNIST script instead, as the blog writes it: the first
1,000 zeros and ones of the training images, normalized together, split by scikit-learn's
`train_test_split(test_size=0.2, random_state=42)`, then trained with NumPy's shuffling. The
blog does not seed that shuffling, so it runs once for each of `--seeds` seeds. It needs
scikit-learn. The book compares its output with the figures the blog prints.
"""

import argparse
import gzip
import pathlib

import numpy as np

from reference import binary_cross_entropy, gradient_descent, sigmoid

DATA = pathlib.Path(__file__).resolve().parent.parent / "data"


def idx(name):
    raw = gzip.decompress((DATA / f"{name}.gz").read_bytes())
    ndims = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndims)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndims).reshape(dims)


def load(prefix):
    images = idx(f"{prefix}-images-idx3-ubyte").reshape(-1, 784).astype(float)
    labels = idx(f"{prefix}-labels-idx1-ubyte").astype(float).reshape(-1, 1)
    keep = (labels[:, 0] == 0) | (labels[:, 0] == 1)
    return images[keep], labels[keep]


def run(X_train, y_train, X_test, y_test, shuffle):
    W, b, losses = gradient_descent(X_train, y_train, np.zeros((784, 1)), np.zeros((1, 1)), 0.1, 10, 32,
                                    binary_cross_entropy, sigmoid, shuffle)
    p = sigmoid(X_test @ W + b)
    return losses, float(binary_cross_entropy(p, y_test)), float(np.mean((p > 0.5) == y_test))


def blog_demo(seeds):
    """The blog's MNIST script on the bundled images, once per NumPy seed."""
    import sklearn
    from sklearn.model_selection import train_test_split

    images, labels = load("train")
    X, y = images[:1000], labels[:1000]
    X = (X - np.mean(X)) / np.std(X)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42)
    print(f"The blog's MNIST script, NumPy {np.__version__}, scikit-learn {sklearn.__version__}")
    print(f"{len(X_train)} training and {len(X_test)} test images, each seed a run:")
    print(f"{'np.random.seed':>14}  {'loss, epoch 1':>13}  {'loss, epoch 10':>14}  {'test loss':>9}  {'test accuracy':>13}")
    for seed in range(seeds):
        np.random.seed(seed)
        losses, test_loss, accuracy = run(X_train, y_train, X_test, y_test, shuffle=True)
        print(f"{seed:>14}  {losses[0]:>13.4f}  {losses[-1]:>14.4f}  {test_loss:>9.4f}  {accuracy:>13.4f}")


def main():
    # No abbreviations: `--seed 0` must be an error, not `--seeds 0`.
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    parser.add_argument("--no-shuffle", action="store_true")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--blog-demo", action="store_true")
    args = parser.parse_args()

    if args.blog_demo:
        blog_demo(args.seeds)
        return

    X_train, y_train = load("train")
    X_test, y_test = load("t10k")
    mean, std = X_train.mean(), X_train.std()
    X_train, X_test = (X_train - mean) / std, (X_test - mean) / std

    if args.no_shuffle:
        losses, test_loss, accuracy = run(X_train, y_train, X_test, y_test, shuffle=False)
        for epoch, loss in enumerate(losses, 1):
            print(f"Epoch {epoch}/10, Loss: {loss:.4f}")
        print(f"Test loss: {test_loss:.4f}")
        print(f"Test accuracy: {accuracy:.4f}")
        return
    for seed in range(args.seeds):
        np.random.seed(seed)
        losses, test_loss, accuracy = run(X_train, y_train, X_test, y_test, shuffle=True)
        print(f"seed {seed}: final training loss {losses[-1]:.4f}, test loss {test_loss:.4f}, test accuracy {accuracy:.4f}")


if __name__ == "__main__":
    main()
