#!/usr/bin/env python3
"""The blog's NumPy algorithm, run on the chapter's exercises: the reference our Rust must match.

Usage:
    python3 tools/reference.py exercise4 > tests/reference/exercise_4.txt
    python3 tools/reference.py bands [--seeds 10000]

`exercise4` runs Exercise 4 (no shuffling, so deterministic) and prints the final W, b and
loss history at full precision (Python's repr), in the lines our exercise binaries print.

`bands` runs Exercises 1-3 (which shuffle with NumPy's global generator) for many seeds and
prints, for each exercise, the smallest and largest final W, b and final loss, and whether
the loss fell in every run. `tests/exercises.rs` derives its sanity bands from this output.

`gradient_descent` below is the blog's function (Part 2.3) with its names, operation for
operation: the same array expressions in the same order, so the floating-point results
are the blog's. The printing is left out, and one switch is added: `shuffle=False` is the
blog's Exercise 4, for which the blog copies the whole function.
"""

import argparse
import sys

import numpy as np


def mse_loss(y_pred, y):
    return np.mean((y_pred - y) ** 2)


def binary_cross_entropy(a, y):
    epsilon = 1e-15
    return -np.mean(y * np.log(a + epsilon) + (1 - y) * np.log(1 - a + epsilon))


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def identity(z):
    return z


# ANCHOR: gradient_descent
def gradient_descent(X, y, W, b, lr, num_epochs, batch_size, loss_fn,
                     activation_fn=identity, shuffle=True):
    n_samples = X.shape[0]
    loss_history = []
    for epoch in range(num_epochs):
        if shuffle:
            indices = np.random.permutation(n_samples)
            X_shuffled, y_shuffled = X[indices], y[indices]
        else:  # Exercise 4: the samples in the order given
            X_shuffled, y_shuffled = X, y

        for start_idx in range(0, n_samples, batch_size):
            end_idx = min(start_idx + batch_size, n_samples)
            X_batch = X_shuffled[start_idx:end_idx]
            y_batch = y_shuffled[start_idx:end_idx]
            batch_size_actual = X_batch.shape[0]

            y_pred_batch = activation_fn(X_batch @ W + b)
            error = y_pred_batch - y_batch
            grad_W = (X_batch.T @ error) / batch_size_actual
            grad_b = np.mean(error)
            W = W - lr * grad_W
            b = b - lr * grad_b

        loss = loss_fn(activation_fn(X @ W + b), y)
        loss_history.append(float(loss))
    return W, b, loss_history
# ANCHOR_END: gradient_descent


LINEAR_X = np.array([[1.0], [2.0], [3.0], [4.0], [5.0], [6.0], [7.0], [8.0]])
LINEAR_Y = np.array([[2.0], [4.0], [6.0], [8.0], [10.0], [12.0], [14.0], [16.0]])
LOGISTIC_X = np.array([[0.5], [1.5], [1.0], [2.0], [3.0], [2.5]])
LOGISTIC_Y = np.array([[0.0], [0.0], [0.0], [1.0], [1.0], [1.0]])

# name -> (X, y, lr, epochs, batch size, loss, activation)
EXERCISES = {
    "exercise_1": (LINEAR_X, LINEAR_Y, 0.01, 5, 2, mse_loss, identity),
    "exercise_2": (LINEAR_X, LINEAR_Y, 0.01, 5, 4, mse_loss, identity),
    "exercise_3": (LOGISTIC_X, LOGISTIC_Y, 0.01, 10, 2, binary_cross_entropy, sigmoid),
}


def run(name, shuffle=True):
    X, y, lr, epochs, batch, loss, act = EXERCISES[name]
    return gradient_descent(X, y, np.zeros((1, 1)), np.zeros((1, 1)), lr, epochs, batch, loss, act, shuffle)


def exercise4():
    W, b, losses = run("exercise_1", shuffle=False)
    print("# Exercise 4 (no shuffling), from tools/reference.py with NumPy", np.__version__)
    print("Final weight W:", repr([float(W[0, 0])]))
    print("Final bias b:", repr(float(b[0, 0])))
    print("Loss history:", repr(losses))


def bands(seeds):
    print(f"# {seeds} seeds of NumPy's global generator, NumPy {np.__version__}")
    for name in EXERCISES:
        ws, bs, finals, fell = [], [], [], True
        for seed in range(seeds):
            np.random.seed(seed)
            W, b, losses = run(name)
            ws.append(float(W[0, 0]))
            bs.append(float(b[0, 0]))
            finals.append(losses[-1])
            fell &= losses[-1] < losses[0]
        print(f"{name}: W in [{min(ws)!r}, {max(ws)!r}], b in [{min(bs)!r}, {max(bs)!r}], "
              f"final loss in [{min(finals)!r}, {max(finals)!r}], last loss below first in every run: {fell}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["exercise4", "bands"])
    parser.add_argument("--seeds", type=int, default=10000)
    args = parser.parse_args()
    if args.what == "exercise4":
        exercise4()
    else:
        bands(args.seeds)


if __name__ == "__main__":
    sys.exit(main())
