"""The reference VAE protocol in JAX (jit-compiled train step, Adam written out as in PyTorch).

784-400-20 ReLU, sigmoid output, loss = BCE summed over pixels + KL, Adam 1e-3, batch 128,
seed 1. Threads: XLA's CPU backend uses the machine's cores (2 here); we pin it to 2.
`--model hvae` trains the twin of vae_torch.py's HVAE (encoder 784-400-32, 32-200-16; prior
16-200-32; decoder 32-400-784), with the training data on the device and each batch gathered
inside the jitted step (`check_twins.py` checks that it gives PyTorch's loss and gradients on
the same weights and noise).
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


def adam(params, m, v, t, g):
    """PyTorch's Adam (lr 1e-3), written out."""
    b1, b2, lr, eps = 0.9, 0.999, 1e-3, 1e-8
    t = t + 1
    m = jax.tree_util.tree_map(lambda m, g: b1 * m + (1 - b1) * g, m, g)
    v = jax.tree_util.tree_map(lambda v, g: b2 * v + (1 - b2) * g * g, v, g)
    c1, c2 = 1 - b1 ** t, 1 - b2 ** t
    params = jax.tree_util.tree_map(lambda p, m, v: p - (lr / c1) * m / (jnp.sqrt(v) / jnp.sqrt(c2) + eps), params, m, v)
    return params, m, v, t


# Donating params and the Adam moments lets XLA update them in place instead of allocating new
# buffers each step (JAX's documented practice for training loops; about 6% faster here).
@functools.partial(jax.jit, donate_argnums=(0, 1, 2))
def train_step(params, m, v, t, x, key):
    loss, g = jax.value_and_grad(loss_fn)(params, x, key)
    params, m, v, t = adam(params, m, v, t, g)
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


# MARK: the HVAE twin (vae_torch.py's HVAE, parameter for parameter)

LOG2PI = math.log(2 * math.pi)


def init_gaussian(key, n_in, hidden, n_out):
    ks = jax.random.split(key, 3)
    return {"trunk": init_linear(ks[0], n_in, hidden), "mean": init_linear(ks[1], hidden, n_out),
            "logvar": init_linear(ks[2], hidden, n_out)}


def init_hvae(key):
    ks = jax.random.split(key, 5)
    return {"q1": init_gaussian(ks[0], 784, 400, 32), "q2": init_gaussian(ks[1], 32, 200, 16),
            "p1": init_gaussian(ks[2], 16, 200, 32),
            "px0": init_linear(ks[3], 32, 400), "px1": init_linear(ks[4], 400, 784)}


def gaussian(p, x):
    h = jax.nn.relu(dense(p["trunk"], x))
    return dense(p["mean"], h), dense(p["logvar"], h)


def log_normal(z, mu, logvar):
    return -0.5 * ((z - mu) ** 2 * jnp.exp(-logvar) + logvar + LOG2PI).sum(-1)


def hvae_terms(params, x, eps1, eps2):
    """Per example: log p(x|z1), KL term of level 1 (log q - log p at the sample), closed-form
    KL of level 2, and the log importance weight."""
    mu1, lv1 = gaussian(params["q1"], x)
    z1 = mu1 + eps1 * jnp.exp(0.5 * lv1)
    mu2, lv2 = gaussian(params["q2"], z1)
    z2 = mu2 + eps2 * jnp.exp(0.5 * lv2)
    rec = -bce_logits(dense(params["px1"], jax.nn.relu(dense(params["px0"], z1))), x).sum(-1)
    pm, plv = gaussian(params["p1"], z2)
    logq1, logp1 = log_normal(z1, mu1, lv1), log_normal(z1, pm, plv)
    kl2 = -0.5 * (1 + lv2 - mu2 ** 2 - jnp.exp(lv2)).sum(-1)
    logq2, logp2 = log_normal(z2, mu2, lv2), -0.5 * (z2 ** 2 + LOG2PI).sum(-1)
    return rec, logq1 - logp1, kl2, rec + logp1 + logp2 - logq1 - logq2


def hvae_loss_from_noise(params, x, eps1, eps2):
    rec, kl1, kl2, _ = hvae_terms(params, x, eps1, eps2)
    return (-rec + kl1 + kl2).sum()


def hvae_loss(params, x, key):
    k1, k2 = jax.random.split(key)
    return hvae_loss_from_noise(params, x, jax.random.normal(k1, (x.shape[0], 32)), jax.random.normal(k2, (x.shape[0], 16)))


# The whole training set lives on the device; the step gathers its batch by index.
@functools.partial(jax.jit, donate_argnums=(0, 1, 2))
def hvae_train_step(params, m, v, t, data, idx, key):
    loss, g = jax.value_and_grad(hvae_loss)(params, jnp.take(data, idx, axis=0), key)
    params, m, v, t = adam(params, m, v, t, g)
    return params, m, v, t, loss


@jax.jit
def hvae_eval_loss(params, x, key):
    return hvae_loss(params, x, key)


@functools.partial(jax.jit, static_argnums=3)
def hvae_log_weights(params, x, key, k=100):
    xr = jnp.repeat(x, k, axis=0)
    k1, k2 = jax.random.split(key)
    w = hvae_terms(params, xr, jax.random.normal(k1, (xr.shape[0], 32)), jax.random.normal(k2, (xr.shape[0], 16)))[3]
    return jax.scipy.special.logsumexp(w.reshape(-1, k), axis=1) - math.log(k)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="vae", choices=["vae", "hvae"])
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--iwae-samples", type=int, default=100)
    ap.add_argument("--data", default=None)
    ap.add_argument("--lockstep", action="store_true",
                    help="print ready, then wait for a stdin line before each epoch and before evaluating")
    a = ap.parse_args()
    hvae = a.model == "hvae"
    train = fmnist.load("train", a.data)
    test = jnp.asarray(fmnist.load("test", a.data))
    key = jax.random.PRNGKey(1)
    key, k0 = jax.random.split(key)
    params = init_hvae(k0) if hvae else init(k0)
    m = jax.tree_util.tree_map(jnp.zeros_like, params)
    v = jax.tree_util.tree_map(jnp.zeros_like, params)
    t = jnp.zeros((), jnp.float32)
    n, bs = train.shape[0], 128
    rng = np.random.default_rng(1)
    data = jax.device_put(train) if hvae else None

    def step(params, m, v, t, rows, key):
        if hvae:
            return hvae_train_step(params, m, v, t, data, jnp.asarray(rows), key)
        return train_step(params, m, v, t, jnp.asarray(train[rows]), key)

    # Compile both batch shapes before timing (jit compile time is not training throughput),
    # on copies: the step consumes (donates) the buffers it is given.
    copy = lambda tree: jax.tree_util.tree_map(jnp.copy, tree)
    for shape in {bs, n % bs or bs}:
        jax.block_until_ready(step(copy(params), copy(m), copy(v), t, np.arange(shape), key))
    seconds = cpu_seconds = 0.0
    if a.lockstep:
        print("ready", flush=True)
    for epoch in range(1, a.epochs + 1):
        if a.lockstep:
            sys.stdin.readline()
        t0, c0 = time.perf_counter(), time.process_time()
        perm = rng.permutation(n)
        losses = []
        for s in range(0, n, bs):
            key, sk = jax.random.split(key)
            params, m, v, t, loss = step(params, m, v, t, perm[s:s + bs], sk)
            losses.append(loss)
        total = float(sum(jax.device_get(losses)))
        dt, cpu = time.perf_counter() - t0, time.process_time() - c0
        seconds += dt
        cpu_seconds += cpu
        print(f"jax epoch {epoch}: train -ELBO {total / n:.2f}, {dt:.2f} s, cpu {cpu:.2f} s, {n / dt:.0f} samples/s", flush=True)
    if a.lockstep:
        sys.stdin.readline()
    evaluate, weights = (hvae_eval_loss, hvae_log_weights) if hvae else (eval_loss, log_weights)
    test_loss = 0.0
    for s in range(0, test.shape[0], 1000):
        key, sk = jax.random.split(key)
        test_loss += float(evaluate(params, test[s:s + 1000], sk))
    test_loss /= test.shape[0]
    iw, k = 0.0, a.iwae_samples
    if k > 0:
        for s in range(0, test.shape[0], 50):
            key, sk = jax.random.split(key)
            iw += float(weights(params, test[s:s + 50], sk, k).sum())
        iw /= test.shape[0]
    fmnist.report("jax", n * a.epochs, seconds, cpu_seconds, a.epochs, test_loss, -iw if k > 0 else float("nan"), k)


if __name__ == "__main__":
    main()
