#!/usr/bin/env bash
# Trains the reference VAE protocol with our engine (vae-bench), PyTorch and JAX one after
# another on this machine and prints our throughput ratio to each, plus test -ELBO and IWAE.
#
#   bench/compare.sh                 # 10 epochs each (the protocol)
#   EPOCHS=3 bench/compare.sh        # shorter
#   MODEL=hvae bench/compare.sh      # the HVAE protocol (ours vs PyTorch only)
#
# Python side: a venv in bench/.venv (git-ignored) with torch (CPU) and jax[cpu] from PyPI.
# PyPI's default torch wheel for x86-64 pulls ~3 GB of CUDA packages; we first ask pip for
# the CPU-only build "torch==2.13.0+cpu" (pip finds it where this machine's pip config
# points, find-links=/opt/wheels) and fall back to the default wheel, which also runs on CPU.
#
# The machine is shared and noisy, so throughput is the median of the per-epoch rates of
# each run (the first epoch of each, which includes warm-up, is left out when there are more).
set -euo pipefail
cd "$(dirname "$0")/.."
EPOCHS=${EPOCHS:-10}
MODEL=${MODEL:-vae}
IWAE=${IWAE:-100}
VENV=bench/.venv
PY=$VENV/bin/python

if ! [ -x "$PY" ] || ! "$PY" -c "import torch, jax" >/dev/null 2>&1; then
  echo "== creating $VENV (torch CPU, jax[cpu])"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip >/dev/null 2>&1 || true
  "$VENV/bin/pip" install -q "torch==2.13.0+cpu" || "$VENV/bin/pip" install -q torch
  "$VENV/bin/pip" install -q "jax[cpu]" numpy
fi

echo "== building vae-bench (release)"
swift build -c release --product vae-bench --scratch-path .build-bench 2>&1 | tail -1
BIN=.build-bench/release/vae-bench

OUT=$(mktemp -d)
echo "== logs in $OUT; $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== ours (Swift, OpenBLAS, 2 threads)"
"$BIN" --model "$MODEL" --epochs "$EPOCHS" --threads 2 --iwae-samples "$IWAE" | tee "$OUT/ours.txt"
echo "== PyTorch $("$PY" -c 'import torch; print(torch.__version__)') (2 threads)"
"$PY" bench/reference/vae_torch.py --model "$MODEL" --epochs "$EPOCHS" --threads 2 --iwae-samples "$IWAE" | tee "$OUT/torch.txt"
if [ "$MODEL" = vae ]; then
  echo "== JAX $("$PY" -c 'import jax; print(jax.__version__)') (jit, 2 threads)"
  "$PY" bench/reference/vae_jax.py --epochs "$EPOCHS" --iwae-samples "$IWAE" | tee "$OUT/jax.txt"
fi

"$PY" - "$OUT" "$MODEL" <<'PYEOF'
import re, statistics, sys, os
out, model = sys.argv[1], sys.argv[2]
def parse(name):
    path = os.path.join(out, name + ".txt")
    if not os.path.exists(path):
        return None
    text = open(path).read()
    rates = [float(r) for r in re.findall(r"epoch \d+:.*?(\d+(?:\.\d+)?) samples/s", text)]
    steady = rates[1:] if len(rates) > 1 else rates
    elbo = float(re.search(r"test -ELBO: ([\d.]+)", text).group(1))
    iw = re.search(r"test IWAE k=\d+: ([\d.na]+)", text)
    return {"rate": statistics.median(steady), "best": max(rates), "elbo": elbo, "iwae": iw.group(1) if iw else "?"}
ours, torch, jax = parse("ours"), parse("torch"), parse("jax")
print()
print(f"{'':8} {'samples/s (median)':>19} {'best epoch':>11} {'test -ELBO':>11} {'IWAE':>8}")
for name, r in [("ours", ours), ("pytorch", torch), ("jax", jax)]:
    if r:
        print(f"{name:8} {r['rate']:19.0f} {r['best']:11.0f} {r['elbo']:11.2f} {r['iwae']:>8}")
print()
print(f"ours / pytorch throughput: {ours['rate'] / torch['rate']:.2f}x (bar: 2x)")
if jax:
    print(f"ours / jax throughput:     {ours['rate'] / jax['rate']:.2f}x (bar: 1.3x)")
print(f"test -ELBO ours - pytorch: {ours['elbo'] - torch['elbo']:+.2f} nats (bar: within 1)")
PYEOF
