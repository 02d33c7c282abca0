"""The reference VAE protocol in JAX (jit-compiled train step, Adam written out as in PyTorch).

784-400-20 ReLU, sigmoid output, loss = BCE summed over pixels + KL, Adam 1e-3, batch 128,
seed 1. Threads: XLA's CPU backend uses the machine's cores (2 here); we pin it to 2.
"""
import argparse
import functools
import math
import os
import sys
import time

os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=true intra_op_parallelism_threads=2")

import jax
import jax.numpy as jnp
import numpy as np

import fmnist


def init_linear(key, n_in, n_out):
    bound = 1 / math.sqrt(n_in)  # PyTorch's nn.Linear default
    kw, kb = jax.random.split(key)
    return {"w": jax.random.uniform(kw, (n_in, n_out), jnp.float32, -bound, bound),
            "b": jax.random.uniform(kb, (n_out,), jnp.float32, -bound, bound)}


def init(key):
    ks = jax.random.split(key, 5)
    return {"fc1": init_linear(ks[0], 784, 400), "fc21": init_linear(ks[1], 400, 20),
            "fc22": init_linear(ks[2], 400, 20), "fc3": init_linear(ks[3], 20, 400),
            "fc4": init_linear(ks[4], 400, 784)}


def dense(p, x):
    return x @ p["w"] + p["b"]


def encode(params, x):
    h = jax.nn.relu(dense(params["fc1"], x))
    return dense(params["fc21"], h), dense(params["fc22"], h)


def decode_logits(params, z):
    return dense(params["fc4"], jax.nn.relu(dense(params["fc3"], z)))


def bce_logits(l, x):
    return jnp.maximum(l, 0) - l * x + jnp.log1p(jnp.exp(-jnp.abs(l)))


def loss_fn(params, x, key):
    mu, logvar = encode(params, x)
    z = mu + jax.random.normal(key, mu.shape) * jnp.exp(0.5 * logvar)
    bce = bce_logits(decode_logits(params, z), x).sum()
    kld = -0.5 * jnp.sum(1 + logvar - mu ** 2 - jnp.exp(logvar))
    return bce + kld


# Donating params and the Adam moments lets XLA update them in place instead of allocating new
# buffers each step (JAX's documented practice for training loops; about 6% faster here).
@functools.partial(jax.jit, donate_argnums=(0, 1, 2))
def train_step(params, m, v, t, x, key):
    loss, g = jax.value_and_grad(loss_fn)(params, x, key)
    b1, b2, lr, eps = 0.9, 0.999, 1e-3, 1e-8
    t = t + 1
    m = jax.tree_util.tree_map(lambda m, g: b1 * m + (1 - b1) * g, m, g)
    v = jax.tree_util.tree_map(lambda v, g: b2 * v + (1 - b2) * g * g, v, g)
    c1, c2 = 1 - b1 ** t, 1 - b2 ** t
    params = jax.tree_util.tree_map(lambda p, m, v: p - (lr / c1) * m / (jnp.sqrt(v) / jnp.sqrt(c2) + eps), params, m, v)
    return params, m, v, t, loss


@jax.jit
def eval_loss(params, x, key):
    return loss_fn(params, x, key)


@functools.partial(jax.jit, static_argnums=3)
def log_weights(params, x, key, k=100):
    mu, logvar = encode(params, x)
    eps = jax.random.normal(key, (x.shape[0], k, mu.shape[1]))
    z = mu[:, None, :] + eps * jnp.exp(0.5 * logvar)[:, None, :]
    logpx = -bce_logits(decode_logits(params, z), x[:, None, :]).sum(-1)
    logpz = -0.5 * (z ** 2 + math.log(2 * math.pi)).sum(-1)
    logq = -0.5 * (eps ** 2 + logvar[:, None, :] + math.log(2 * math.pi)).sum(-1)
    w = logpx + logpz - logq
    return jax.scipy.special.logsumexp(w, axis=1) - math.log(k)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--iwae-samples", type=int, default=100)
    ap.add_argument("--data", default=None)
    ap.add_argument("--lockstep", action="store_true",
                    help="print ready, then wait for a stdin line before each epoch and before evaluating")
    a = ap.parse_args()
    train = fmnist.load("train", a.data)
    test = jnp.asarray(fmnist.load("test", a.data))
    key = jax.random.PRNGKey(1)
    key, k0 = jax.random.split(key)
    params = init(k0)
    m = jax.tree_util.tree_map(jnp.zeros_like, params)
    v = jax.tree_util.tree_map(jnp.zeros_like, params)
    t = jnp.zeros((), jnp.float32)
    n, bs = train.shape[0], 128
    rng = np.random.default_rng(1)
    # Compile both batch shapes before timing (jit compile time is not training throughput),
    # on copies: the step consumes (donates) the buffers it is given.
    copy = lambda tree: jax.tree_util.tree_map(jnp.copy, tree)
    for shape in {bs, n % bs or bs}:
        jax.block_until_ready(train_step(copy(params), copy(m), copy(v), t, jnp.asarray(train[:shape]), key))
    seconds = cpu_seconds = 0.0
    if a.lockstep:
        print("ready", flush=True)
    for epoch in range(1, a.epochs + 1):
        if a.lockstep:
            sys.stdin.readline()
        t0, c0 = time.perf_counter(), time.process_time()
        perm = rng.permutation(n)
        total = 0.0
        losses = []
        for s in range(0, n, bs):
            key, sk = jax.random.split(key)
            params, m, v, t, loss = train_step(params, m, v, t, jnp.asarray(train[perm[s:s + bs]]), sk)
            losses.append(loss)
        total = float(sum(jax.device_get(losses)))
        dt, cpu = time.perf_counter() - t0, time.process_time() - c0
        seconds += dt
        cpu_seconds += cpu
        print(f"jax epoch {epoch}: train -ELBO {total / n:.2f}, {dt:.2f} s, cpu {cpu:.2f} s, {n / dt:.0f} samples/s", flush=True)
    if a.lockstep:
        sys.stdin.readline()
    test_loss = 0.0
    for s in range(0, test.shape[0], 1000):
        key, sk = jax.random.split(key)
        test_loss += float(eval_loss(params, test[s:s + 1000], sk))
    test_loss /= test.shape[0]
    iw, k = 0.0, a.iwae_samples
    if k > 0:
        for s in range(0, test.shape[0], 50):
            key, sk = jax.random.split(key)
            iw += float(log_weights(params, test[s:s + 50], sk, k).sum())
        iw /= test.shape[0]
    fmnist.report("jax", n * a.epochs, seconds, cpu_seconds, a.epochs, test_loss, -iw if k > 0 else float("nan"), k)


if __name__ == "__main__":
    main()
