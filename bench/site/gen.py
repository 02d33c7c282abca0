#!/usr/bin/env python3
"""Writes a synthetic course: PAGES lessons of about FORMULAS formulas each (default 50 x 100).
Formulas differ from page to page so the render cache cannot share them across pages."""
import os, sys

out, pages, formulas = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(out, exist_ok=True)
templates = [
    r"\mathbb{E}_{q_\phi(\mathbf{z}\mid\mathbf{x})}\big[\log p_\theta(\mathbf{x}\mid\mathbf{z})\big] + {K}",
    r"D_{\mathrm{KL}}\big(q(\mathbf{z}_{K})\,\|\,p(\mathbf{z})\big)=\tfrac12\sum_{j=1}^{K}\left(\mu_j^2+\sigma_j^2-\log\sigma_j^2-1\right)",
    r"\mathbf{z}_{K}=\boldsymbol{\mu}+\boldsymbol{\sigma}\odot\boldsymbol{\epsilon},\ \boldsymbol{\epsilon}\sim\mathcal{N}(\mathbf{0},\mathbf{I})",
    r"p_\theta(\mathbf{x})=\int p_\theta(\mathbf{x}\mid\mathbf{z})\,p(\mathbf{z})\,d\mathbf{z}\approx\frac{1}{{K}}\sum_{s=1}^{S} w_s",
    r"\frac{\partial \mathcal{L}}{\partial \theta_{K}} = \sum_{i=1}^{n} \nabla_\theta \log p_\theta(x_i)",
]
for p in range(1, pages + 1):
    lines = ["---", f"title: Synthetic lesson {p}", f"summary: Page {p} of the benchmark course.", f"order: {p}", "---", ""]
    k = 0
    section = 0
    while k < formulas:
        if k % 20 == 0:
            section += 1
            lines += [f"## Section {section}", ""]
        t = templates[k % len(templates)].replace("{K}", f"{{{p * 1000 + k}}}")
        if k % 4 == 3:
            lines += ["Some prose before a display formula, with *emphasis* and `code`:", "", "$$", t, "$$", ""]
        else:
            lines += [f"Inline text with ${t}$ and a second sentence that carries on for a while.", ""]
        k += 1
    lines += ["```swift", f"let page = {p}", "print(\"page\", page * 2)", "```", ""]
    with open(os.path.join(out, f"{p:02d}-synthetic.md"), "w") as f:
        f.write("\n".join(lines))
