#!/usr/bin/env bash
# Trains the reference protocol with our engine (vae-bench) and its strongest peers side by side
# on this machine, each as its users run it: PyTorch eager and PyTorch with torch.compile, both
# with PyTorch's default settings, and JAX (jit, donated buffers); then prints our throughput
# ratio to each, test -ELBO and IWAE.
#
#   bench/compare.sh                 # 10 epochs each (the protocol), the VAE
#   EPOCHS=3 bench/compare.sh        # shorter
#   MODEL=hvae bench/compare.sh      # the HVAE protocol (JAX twin: vae_jax.py --model hvae)
#   RUNS=3 bench/compare.sh          # three full comparisons, then the median of each ratio
#   PEERS="pytorch jax" bench/compare.sh         # a subset of the peers
#   BF16=0 bench/compare.sh          # without our bf16 run (by default it runs where it can)
#   TORCH_PASSIVE=1 bench/compare.sh # also PyTorch with OMP_WAIT_POLICY=PASSIVE, beside its default
#
# Benchmark as a user's machine runs: this workplace sets OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE
# in every shell, so run `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE bench/compare.sh`.
#
# Python side: a venv in bench/.venv (git-ignored) with torch (CPU) and jax[cpu] from PyPI.
# PyPI's default torch wheel for x86-64 pulls ~3 GB of CUDA packages; we first ask pip for
# the CPU-only build "torch==2.13.0+cpu" (pip finds it where this machine's pip config
# points, find-links=/opt/wheels) and fall back to the default wheel, which also runs on CPU.
#
# The machine is shared and noisy: the programs take turns epoch by epoch (see below), and
# throughput is the median of the per-epoch rates (the first epoch, with warm-up, left out).
set -euo pipefail
cd "$(dirname "$0")/.."
EPOCHS=${EPOCHS:-10}
MODEL=${MODEL:-vae}
IWAE=${IWAE:-100}
RUNS=${RUNS:-1}
PEERS=${PEERS:-pytorch torch.compile jax}
TORCH_PASSIVE=${TORCH_PASSIVE:-0}
BF16=${BF16:-1}
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
# Our mixed-precision step (bf16 products, float32 weights) runs beside float32 where it can.
if [ "$BF16" = 1 ]; then
  if why=$("$BIN" --precision bf16 --epochs 0 --iwae-samples 0 2>&1 >/dev/null); then
    PEERS="ours-bf16 $PEERS"
  else
    echo "== no bf16 run: ${why#vae-bench: }"
  fi
fi

echo "== torch $("$PY" -c 'import torch; print(torch.__version__)'), jax $("$PY" -c 'import jax; print(jax.__version__)')"

# Every peer runs with its own defaults, as its users run it. (PyTorch's OpenMP threads
# spin-wait by default; OMP_WAIT_POLICY=PASSIVE made it 30% slower on the VAE and 2x slower on
# the HVAE on a quiet Zen 5, so it is shown only beside the default, with TORCH_PASSIVE=1.)
# Lockstep: each program sets up, prints "ready" and then trains one epoch per line it reads
# on stdin. The driver hands out turns epoch by epoch (rotating who goes first), so all
# frameworks see the same background load on this shared machine; evaluation (test -ELBO,
# IWAE) also runs one program at a time.
# One run = the three programs side by side in lockstep; with RUNS > 1, the runs follow each
# other and the medians of their ratios are printed at the end (the machine's background load
# changes from minute to minute, so one run's ratio can be off by 10% or more).
SUMMARY=$(mktemp)
for run in $(seq 1 "$RUNS"); do
OUT=$(mktemp -d)
echo "== run $run of $RUNS: logs in $OUT; $(nproc) cores; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
"$PY" - "$OUT" "$MODEL" "$EPOCHS" "$IWAE" "$BIN" "$PY" "$PEERS" "$TORCH_PASSIVE" <<'PYEOF' | tee -a "$SUMMARY"
import re, statistics, subprocess, sys, os
out, model, epochs, iwae, binary, py = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
peers, passive = sys.argv[7].split(), sys.argv[8] == "1"
torch_cmd = [py, "bench/reference/vae_torch.py", "--model", model, "--epochs", str(epochs), "--threads", "2",
             "--iwae-samples", iwae, "--lockstep"]
cmds = {"ours": [binary, "--model", model, "--epochs", str(epochs), "--threads", "2", "--iwae-samples", iwae, "--lockstep"]}
if "ours-bf16" in peers:
    cmds["ours-bf16"] = cmds["ours"] + ["--precision", "bf16"]
if "pytorch" in peers:
    cmds["pytorch"] = torch_cmd
if "torch.compile" in peers:
    cmds["torch.compile"] = torch_cmd + ["--compile"]
if passive:
    cmds["pytorch-passive"] = ["env", "OMP_WAIT_POLICY=PASSIVE"] + torch_cmd
if "jax" in peers:
    cmds["jax"] = [py, "bench/reference/vae_jax.py", "--model", model, "--epochs", str(epochs), "--iwae-samples", iwae, "--lockstep"]
procs, logs = {}, {}
def read_until(name, pattern):
    p = procs[name]
    while True:
        line = p.stdout.readline()
        if not line:
            return None
        logs[name].write(line); logs[name].flush()
        print(f"[{name}] {line}", end="", flush=True)
        if re.search(pattern, line):
            return line
for name, cmd in cmds.items():  # set up one at a time (loading data, jit compilation)
    logs[name] = open(os.path.join(out, name + ".txt"), "w")
    procs[name] = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
    if read_until(name, r"^ready") is None:
        sys.exit(f"{name} failed to start: {' '.join(cmd)}")
names = list(cmds)
for e in range(epochs):
    for name in names[e % len(names):] + names[:e % len(names)]:
        procs[name].stdin.write("go\n"); procs[name].stdin.flush()
        if read_until(name, r"epoch \d+:") is None:
            sys.exit(f"{name} stopped during epoch {e + 1}")
for name in names:
    procs[name].stdin.write("go\n"); procs[name].stdin.close()
    read_until(name, r"$^")  # to EOF
    if procs[name].wait() != 0:
        sys.exit(f"{name} failed (exit {procs[name].returncode})")

def parse(name):
    path = os.path.join(out, name + ".txt")
    if not os.path.exists(path):
        return None
    text = open(path).read()
    rates = [float(r) for r in re.findall(r"epoch \d+:.*?(\d+(?:\.\d+)?) samples/s", text)]
    cpu = [float(r) for r in re.findall(r"epoch \d+:.*?cpu (\d+(?:\.\d+)?) s", text)]
    n = 60000
    steady = rates[1:] if len(rates) > 1 else rates
    elbo = float(re.search(r"test -ELBO: ([\d.]+)", text).group(1))
    iw = re.search(r"test IWAE k=\d+: ([\d.na]+)", text)
    steady_cpu = cpu[1:] if len(cpu) > 1 else cpu
    return {"rate": statistics.median(steady), "best": max(rates), "elbo": elbo, "iwae": iw.group(1) if iw else "?",
            "per_cpu": n / statistics.median(steady_cpu)}
results = {name: parse(name) for name in cmds}
ours = results["ours"]
print()
print(f"model {model}, {epochs} epochs, load average now {open('/proc/loadavg').read().split()[0]}; "
      f"OPENBLAS_CORETYPE {os.environ.get('OPENBLAS_CORETYPE', 'unset')}")
print(f"{'':16} {'samples/s (median)':>19} {'best epoch':>11} {'per CPU-second':>15} {'test -ELBO':>11} {'IWAE':>8}")
for name, r in results.items():
    print(f"{name:16} {r['rate']:19.0f} {r['best']:11.0f} {r['per_cpu']:15.0f} {r['elbo']:11.2f} {r['iwae']:>8}")
print()
for name, r in results.items():
    if name not in ("ours", "ours-bf16"):
        print(f"ours / {name + ' throughput:':28} {ours['rate'] / r['rate']:.2f}x median, {ours['best'] / r['best']:.2f}x best epoch, "
              f"{ours['per_cpu'] / r['per_cpu']:.2f}x per CPU-second")
torches = [results[n] for n in ("pytorch", "torch.compile") if n in results]
if torches:
    fastest = max(torches, key=lambda r: r["rate"])
    print(f"ours / the faster PyTorch:     {ours['rate'] / fastest['rate']:.2f}x median (bar: 3x for the VAE)")
if "jax" in results:
    print(f"ours / jax (bar: 1.25x):       {ours['rate'] / results['jax']['rate']:.2f}x median")
for name in ("pytorch", "jax"):
    if name in results:
        print(f"test -ELBO ours - {name}: {ours['elbo'] - results[name]['elbo']:+.2f} nats (bar: within 1 of PyTorch)")
if "ours-bf16" in results:
    bf = results["ours-bf16"]
    print(f"ours-bf16 / ours (float32):    {bf['rate'] / ours['rate']:.2f}x median")
    if "jax" in results:
        print(f"ours-bf16 / jax (float32) (stretch bar: 1.5x): {bf['rate'] / results['jax']['rate']:.2f}x median")
    print(f"test -ELBO ours-bf16 - ours: {bf['elbo'] - ours['elbo']:+.2f} nats (bar: within 1 of float32 training)")
PYEOF
done
if [ "$RUNS" -gt 1 ]; then
  echo
  echo "== $RUNS runs: medians of the per-run ratios"
  "$PY" - "$SUMMARY" <<'PYEOF'
import re, statistics, sys
text = open(sys.argv[1]).read()
for peer in ["pytorch", "torch.compile", "pytorch-passive", "jax"]:
    runs = [float(x) for x in re.findall(r"ours / %s throughput: +([\d.]+)x median" % re.escape(peer), text)]
    if runs:
        print(f"ours / {peer}: " + ", ".join(f"{r:.2f}x" for r in runs) + f"; median {statistics.median(runs):.2f}x")
for label, pattern in [("ours-bf16 / jax", r"ours-bf16 / jax \(float32\) \(stretch bar: 1.5x\): ([\d.]+)x"),
                       ("ours-bf16 / ours", r"ours-bf16 / ours \(float32\): +([\d.]+)x")]:
    runs = [float(x) for x in re.findall(pattern, text)]
    if runs:
        print(f"{label}: " + ", ".join(f"{r:.2f}x" for r in runs) + f"; median {statistics.median(runs):.2f}x")
PYEOF
fi
rm -f "$SUMMARY"
