#!/usr/bin/env python3
"""Item 7 of issue 13: uses the authoring features in the course (labels and @ references,
citations from Lessons/references.bib, "Try it" sections as callouts).

Run from the repository root once the course branch is merged:  python3 docs/apply-authoring-edits.py
Every edit is a text replacement that must match exactly once; if the course text changed and
a match fails, the script stops before writing anything and names the edit.
"""
import pathlib, shutil, sys

root = pathlib.Path(__file__).resolve().parent.parent
L = root / "Lessons"

EDITS = {
    "index.md": [
        ('order: 0\n---\n', 'order: 0\nbibliography: references.bib\n---\n'),
    ],
    "01-autoencoder-vs-vae.md": [
        ('A VAE\'s encoder does not output a point.',
         'A VAE [@kingma2014; @rezende2014] does things differently. Its encoder does not output a point.'),
        ('\\operatorname{diag}\\boldsymbol{\\sigma}^2_\\phi(\\mathbf{x})\\big),\n$$\n',
         '\\operatorname{diag}\\boldsymbol{\\sigma}^2_\\phi(\\mathbf{x})\\big),\n$$ {#eq-encoder}\n'),
        ('p(\\mathbf{z})=\\mathcal{N}(\\mathbf{0},\\mathbf{I}).\n$$\n',
         'p(\\mathbf{z})=\\mathcal{N}(\\mathbf{0},\\mathbf{I}).\n$$ {#eq-prior}\n'),
        ('-1-\\log\\sigma_j^2\\right).\n$$\n', '-1-\\log\\sigma_j^2\\right).\n$$ {#eq-kl-gaussian}\n'),
        ('## Why random codes land in empty space\n', '## Why random codes land in empty space {#sec-empty-space}\n'),
        ('knows? In a high-dimensional space, the volume is almost all "between" things.',
         'knows? In a high-dimensional space, the volume is almost all "between" things\n'
         '(for the VAE, the same question is how well the codes of all images together fill\n'
         'the prior of @eq-prior [@hoffman2016]).'),
    ],
    "02-bayes-and-the-evidence.md": [
        ("## Bayes' rule\n", "## Bayes' rule {#sec-bayes}\n"),
        ("d\\mathbf{z}'}.\n$$\n", "d\\mathbf{z}'}.\n$$ {#eq-bayes}\n"),
        ('When $d=2$ the integral is an area,', 'When $d=2$ the integral in @eq-bayes is an area,'),
        ('\\,\\Delta z_1\\,\\Delta z_2 .\n$$\n', '\\,\\Delta z_1\\,\\Delta z_2 .\n$$ {#eq-grid}\n'),
        ('```swift\n// For each image: the exact posterior on a fine grid',
         '```swift label=fig-posterior-grid caption="The exact posterior on a grid and the encoder\'s Gaussian q"\n// For each image: the exact posterior on a fine grid'),
        ('The grid above needed', 'The grid of @fig-posterior-grid needed'),
        ('That is **variational inference**.', 'That is **variational inference** [see @kingma2019].'),
        ('\\,\\|\\,p(\\mathbf{z}\\mid\\mathbf{x})\\big).\n$$\n', '\\,\\|\\,p(\\mathbf{z}\\mid\\mathbf{x})\\big).\n$$ {#eq-elbo-identity}\n'),
        ('The KL is never negative, so the first term', 'The KL in @eq-elbo-identity is never negative, so the first term'),
        ('\\,\\|\\,p(\\mathbf{z})\\big).\n$$\n', '\\,\\|\\,p(\\mathbf{z})\\big).\n$$ {#eq-elbo}\n'),
        ("the ELBO is exactly the VAE's training objective from lesson 1,",
         "the ELBO is exactly the VAE's training objective from lesson 1 [@kingma2014; @rezende2014],"),
    ],
    "03-reparameterization.md": [
        ('Training a VAE means raising the ELBO,', 'Training a VAE means raising the ELBO of @eq-elbo,'),
        ('\\boldsymbol{\\epsilon}\\sim\\mathcal{N}(\\mathbf{0},\\mathbf{I}),\n$$\n',
         '\\boldsymbol{\\epsilon}\\sim\\mathcal{N}(\\mathbf{0},\\mathbf{I}),\n$$ {#eq-reparam}\n'),
        ('The trick is to draw the randomness', 'The trick [@kingma2014; @rezende2014] is to draw the randomness'),
        ('\\odot\\boldsymbol{\\epsilon}\\big)\\Big].\n$$\n', '\\odot\\boldsymbol{\\epsilon}\\big)\\Big].\n$$ {#eq-reparam-gradient}\n'),
        ('\\nabla_\\phi\\log q_\\phi(\\mathbf{z})\\big].\n$$\n', '\\nabla_\\phi\\log q_\\phi(\\mathbf{z})\\big].\n$$ {#eq-score}\n'),
        ('The two single-sample estimators are', 'The two single-sample estimators, of @eq-score and of @eq-reparam-gradient, are'),
    ],
    "04-hierarchical-vae.md": [
        ('\\prod_{t=2}^{T}p_\\theta(\\mathbf{z}_{t-1}\\mid\\mathbf{z}_t).\n$$\n',
         '\\prod_{t=2}^{T}p_\\theta(\\mathbf{z}_{t-1}\\mid\\mathbf{z}_t).\n$$ {#eq-hvae-decoder}\n'),
        ('\\prod_{t=2}^{T}q_\\phi(\\mathbf{z}_t\\mid\\mathbf{z}_{t-1}).\n$$\n',
         '\\prod_{t=2}^{T}q_\\phi(\\mathbf{z}_t\\mid\\mathbf{z}_{t-1}).\n$$ {#eq-hvae-encoder}\n'),
        ('Substituting the two factorisations splits it',
         'Substituting the two factorisations, @eq-hvae-decoder and @eq-hvae-encoder, splits it'),
        ('{p(\\mathbf{z}_2)}\\right].\n$$\n', '{p(\\mathbf{z}_2)}\\right].\n$$ {#eq-chain-elbo}\n'),
        ('With $T$ levels of latents,', 'With $T$ levels of latents (a ladder of them, as in @sonderby2016),'),
        ('**importance-weighted estimate** (IWAE)', '**importance-weighted estimate** (IWAE, @burda2016)'),
        ('\\qquad\\mathbf{z}^{(k)}\\sim q_\\phi(\\cdot\\mid\\mathbf{x}),\n$$\n',
         '\\qquad\\mathbf{z}^{(k)}\\sim q_\\phi(\\cdot\\mid\\mathbf{x}),\n$$ {#eq-iwae}\n'),
        ('which is itself a lower bound, tighter than the ELBO,', 'which is itself a lower bound, tighter than the ELBO of @eq-chain-elbo,'),
    ],
}


def try_it_as_callout(text, name):
    """`## Try it` and everything after it (the last section) becomes `> [!TIP] Try it`."""
    head, sep, rest = text.partition("\n## Try it\n")
    if not sep:
        sys.exit(f"{name}: no '## Try it' section")
    if "\n## " in rest or "\n```" in rest:
        sys.exit(f"{name}: 'Try it' is not the last section or holds a code block; convert it by hand")
    body = rest.strip("\n").split("\n")
    quoted = "\n".join(("> " + l) if l.strip() else ">" for l in body)
    return head + "\n> [!TIP] Try it\n>\n" + quoted + "\n"


out = {}
for name, edits in EDITS.items():
    text = (L / name).read_text(encoding="utf-8")
    for old, new in edits:
        n = text.count(old)
        if n != 1:
            sys.exit(f"{name}: expected one match, found {n}, for: {old[:70]!r}")
        text = text.replace(old, new)
    if name != "index.md":
        text = try_it_as_callout(text, name)
    out[name] = text
for name, text in out.items():
    (L / name).write_text(text, encoding="utf-8")
shutil.copyfile(root / "docs" / "references.bib", L / "references.bib")
print("edited", ", ".join(out), "and wrote Lessons/references.bib")
