"""Reads the Fashion-MNIST IDX gzip files (Debian's dataset-fashion-mnist) into float32 arrays in [0, 1]."""
import gzip
import os
import struct
import sys

import numpy as np


def data_dir(arg=None):
    return arg or os.environ.get("FASHION_MNIST_DIR") or "/usr/share/datasets/fashion-mnist"


def load(split, directory=None):
    d = data_dir(directory)
    prefix = "train" if split == "train" else "t10k"
    path = os.path.join(d, f"{prefix}-images-idx3-ubyte.gz")
    if not os.path.exists(path):
        sys.exit(f"{path}: not found; install the Debian package dataset-fashion-mnist")
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic, n, rows, cols = struct.unpack(">IIII", raw[:16])
    assert magic == 0x803 and rows == 28 and cols == 28, f"{path}: bad IDX header"
    return (np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(n, 784).astype(np.float32) / 255.0)


FLOPS_PER_SAMPLE = 2 * (3 * (784 * 400 + 400 * 40 + 20 * 400 + 400 * 784) - 784 * 400)


def report(name, n_samples, seconds, cpu_seconds, epochs, test_elbo, iwae, k):
    rate = n_samples / seconds
    print(f"{name}: samples/s: {rate:.0f}")
    print(f"{name}: s/epoch: {seconds / max(epochs, 1):.2f}")
    print(f"{name}: samples per CPU-second: {n_samples / max(cpu_seconds, 1e-9):.0f}")
    print(f"{name}: test -ELBO: {test_elbo:.2f}")
    print(f"{name}: test IWAE k={k}: {iwae:.2f} (as -log p(x))")
    sys.stdout.flush()
