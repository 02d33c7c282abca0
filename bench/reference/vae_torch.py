"""The PyTorch VAE example (examples/vae/main.py) on Fashion-MNIST, timed: the reference protocol.

784-400-20 ReLU, sigmoid output, loss = BCE summed over pixels + KL, Adam 1e-3, batch 128,
seed 1, 2 threads. `--model hvae` trains the hierarchical twin of the Swift engine's
HierarchicalVAE (encoder 784-400-32, 32-200-16; decoder 16-200-32, 32-400-784).
`--compile` runs the loss (forward and, through AOTAutograd, backward) through `torch.compile`
(inductor, C++ code built with gcc), compiled for both batch shapes before the timed epochs.
"""
import argparse
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

import fmnist

LOG2PI = math.log(2 * math.pi)


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 400)
        self.fc21 = nn.Linear(400, 20)
        self.fc22 = nn.Linear(400, 20)
        self.fc3 = nn.Linear(20, 400)
        self.fc4 = nn.Linear(400, 784)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def decode_logits(self, z):
        return self.fc4(F.relu(self.fc3(z)))

    def forward(self, x):
        mu, logvar = self.encode(x)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return torch.sigmoid(self.decode_logits(z)), mu, logvar

    def loss(self, x):
        recon, mu, logvar = self(x)
        bce = F.binary_cross_entropy(recon, x, reduction="sum")
        kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
        return bce + kld

    def log_weights(self, x, k):
        mu, logvar = self.encode(x)
        mu, logvar = mu.repeat_interleave(k, 0), logvar.repeat_interleave(k, 0)
        xr = x.repeat_interleave(k, 0)
        eps = torch.randn_like(mu)
        z = mu + eps * torch.exp(0.5 * logvar)
        logpx = -F.binary_cross_entropy_with_logits(self.decode_logits(z), xr, reduction="none").sum(1)
        logpz = -0.5 * (z.pow(2) + LOG2PI).sum(1)
        logq = -0.5 * (eps.pow(2) + logvar + LOG2PI).sum(1)
        return (logpx + logpz - logq).view(-1, k)


class Gaussian(nn.Module):
    """One-hidden-layer ReLU network giving a diagonal Gaussian."""

    def __init__(self, n_in, hidden, n_out):
        super().__init__()
        self.trunk = nn.Linear(n_in, hidden)
        self.mean = nn.Linear(hidden, n_out)
        self.logvar = nn.Linear(hidden, n_out)

    def forward(self, x):
        h = F.relu(self.trunk(x))
        return self.mean(h), self.logvar(h)


def log_normal(z, mu, logvar):
    return -0.5 * ((z - mu).pow(2) * torch.exp(-logvar) + logvar + LOG2PI).sum(1)


class HVAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.q1 = Gaussian(784, 400, 32)
        self.q2 = Gaussian(32, 200, 16)
        self.p1 = Gaussian(16, 200, 32)
        self.px = nn.Sequential(nn.Linear(32, 400), nn.ReLU(), nn.Linear(400, 784))

    def terms(self, x):
        mu1, lv1 = self.q1(x)
        z1 = mu1 + torch.randn_like(mu1) * torch.exp(0.5 * lv1)
        mu2, lv2 = self.q2(z1)
        z2 = mu2 + torch.randn_like(mu2) * torch.exp(0.5 * lv2)
        rec = -F.binary_cross_entropy_with_logits(self.px(z1), x, reduction="none").sum(1)
        pm, plv = self.p1(z2)
        logq1, logp1 = log_normal(z1, mu1, lv1), log_normal(z1, pm, plv)
        kl2 = -0.5 * (1 + lv2 - mu2.pow(2) - lv2.exp()).sum(1)
        logq2, logp2 = log_normal(z2, mu2, lv2), -0.5 * (z2.pow(2) + LOG2PI).sum(1)
        return rec, logq1 - logp1, kl2, rec + logp1 + logp2 - logq1 - logq2

    def loss(self, x):
        rec, kl1, kl2, _ = self.terms(x)
        return (-rec + kl1 + kl2).sum()

    def log_weights(self, x, k):
        xr = x.repeat_interleave(k, 0)
        return self.terms(xr)[3].view(-1, k)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="vae", choices=["vae", "hvae"])
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--iwae-samples", type=int, default=100)
    ap.add_argument("--data", default=None)
    ap.add_argument("--compile", action="store_true", help="torch.compile the loss (inductor)")
    ap.add_argument("--lockstep", action="store_true",
                    help="print ready, then wait for a stdin line before each epoch and before evaluating")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    train = torch.from_numpy(fmnist.load("train", a.data))
    test = torch.from_numpy(fmnist.load("test", a.data))
    model = VAE() if a.model == "vae" else HVAE()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    n, bs = train.shape[0], 128
    loss_fn = model.loss
    if a.compile:
        loss_fn = torch.compile(model.loss)
        # Compile both batch shapes now (compilation is not training throughput), leaving the
        # parameters and the random stream as they were.
        state = torch.get_rng_state()
        for shape in {bs, n % bs or bs}:
            loss_fn(train[:shape]).backward()
            opt.zero_grad()
        torch.set_rng_state(state)
    seconds = cpu_seconds = 0.0
    if a.lockstep:
        print("ready", flush=True)
    for epoch in range(1, a.epochs + 1):
        if a.lockstep:
            sys.stdin.readline()
        t0, c0 = time.perf_counter(), time.process_time()
        perm = torch.randperm(n)
        total = 0.0
        for s in range(0, n, bs):
            x = train[perm[s:s + bs]]
            opt.zero_grad()
            loss = loss_fn(x)
            loss.backward()
            opt.step()
            total += loss.item()
        dt, cpu = time.perf_counter() - t0, time.process_time() - c0
        seconds += dt
        cpu_seconds += cpu
        print(f"torch epoch {epoch}: train -ELBO {total / n:.2f}, {dt:.2f} s, cpu {cpu:.2f} s, {n / dt:.0f} samples/s", flush=True)
    if a.lockstep:
        sys.stdin.readline()
    with torch.no_grad():
        test_loss = sum(model.loss(test[s:s + 1000]).item() for s in range(0, test.shape[0], 1000)) / test.shape[0]
        iw, k = 0.0, a.iwae_samples
        if k > 0:
            for s in range(0, test.shape[0], 50):
                w = model.log_weights(test[s:s + 50], k)
                iw += (torch.logsumexp(w.double(), 1) - math.log(k)).sum().item()
            iw /= test.shape[0]
    fmnist.report("torch", n * a.epochs, seconds, cpu_seconds, a.epochs, test_loss, -iw if k > 0 else float("nan"), k)


if __name__ == "__main__":
    main()
