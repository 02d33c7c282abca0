"""Checks that the JAX HVAE twin (vae_jax.py) computes what PyTorch's (vae_torch.py) does: the
same loss and gradients on the same weights, batch and noise. Run from bench/reference:

    ../.venv/bin/python check_twins.py

Prints the two losses and the largest gradient difference; exits 1 if they differ by more than
float32 rounding (relative 1e-4 on the loss, 1e-3 on each gradient relative to its scale).
"""
import sys

import jax
import jax.numpy as jnp
import numpy as np
import torch

import fmnist
import vae_jax
import vae_torch


def main():
    torch.manual_seed(3)
    model = vae_torch.HVAE()
    x = torch.from_numpy(fmnist.load("test")[:128])
    eps1, eps2 = torch.randn(128, 32), torch.randn(128, 16)
    noise = iter([eps1, eps2])
    real = torch.randn_like
    torch.randn_like = lambda t: next(noise)  # the two draws of HVAE.terms, in order
    try:
        loss_t = model.loss(x)
    finally:
        torch.randn_like = real
    loss_t.backward()

    # nn.Linear keeps W as (out, in); the JAX twin multiplies x @ W with W as (in, out).
    lin = lambda l: {"w": jnp.asarray(l.weight.detach().numpy().T), "b": jnp.asarray(l.bias.detach().numpy())}
    gauss = lambda g: {"trunk": lin(g.trunk), "mean": lin(g.mean), "logvar": lin(g.logvar)}
    params = {"q1": gauss(model.q1), "q2": gauss(model.q2), "p1": gauss(model.p1), "px0": lin(model.px[0]), "px1": lin(model.px[2])}
    loss_j, grads = jax.value_and_grad(vae_jax.hvae_loss_from_noise)(
        params, jnp.asarray(x.numpy()), jnp.asarray(eps1.numpy()), jnp.asarray(eps2.numpy()))

    glin = lambda l: {"w": l.weight.grad.numpy().T, "b": l.bias.grad.numpy()}
    ggauss = lambda g: {"trunk": glin(g.trunk), "mean": glin(g.mean), "logvar": glin(g.logvar)}
    gt = {"q1": ggauss(model.q1), "q2": ggauss(model.q2), "p1": ggauss(model.p1), "px0": glin(model.px[0]), "px1": glin(model.px[2])}
    worst, where = 0.0, ""
    for path, gj in jax.tree_util.tree_flatten_with_path(grads)[0]:
        name = jax.tree_util.keystr(path)
        gtorch = gt
        for k in path:
            gtorch = gtorch[k.key]
        scale = max(1e-3, float(np.abs(gtorch).max()))
        d = float(np.abs(np.asarray(gj) - gtorch).max()) / scale
        if d > worst:
            worst, where = d, name
    rel = abs(float(loss_j) - loss_t.item()) / abs(loss_t.item())
    print(f"loss: torch {loss_t.item():.4f}, jax {float(loss_j):.4f} (relative difference {rel:.2e})")
    print(f"largest gradient difference: {worst:.2e} of the gradient's scale, at {where}")
    sys.exit(0 if rel < 1e-4 and worst < 1e-3 else 1)


if __name__ == "__main__":
    main()
