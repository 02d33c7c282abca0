#!/usr/bin/env bash
# Site benchmark: a 50-page synthetic course with ~100 formulas a page.
# Bars (issue 3): cold build < 2 s, no-change rebuild < 0.2 s.
# Usage: bench/site/run.sh [PAGES] [FORMULAS_PER_PAGE] [RUNS]
# Env: SCRATCH (SwiftPM scratch path, default .build), SKIP_BUILD=1 to reuse the release binary.
set -euo pipefail
cd "$(dirname "$0")/../.."
PAGES=${1:-50}; FORMULAS=${2:-100}; RUNS=${3:-3}
SCRATCH=${SCRATCH:-.build}
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  swift build -c release --scratch-path "$SCRATCH" --product lessons >/dev/null
fi
BIN="$SCRATCH/release/lessons"
WORK=$(mktemp -d /tmp/lessons-site-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
python3 bench/site/gen.py "$WORK/Lessons" "$PAGES" "$FORMULAS"

now() { date +%s.%N; }
elapsed() { python3 -c "print(f'{$2 - $1:.3f}')"; }
median() { python3 -c "import sys,statistics; print(f'{statistics.median(map(float, sys.argv[1:])):.3f}')" "$@"; }
build() { (cd "$WORK" && "$OLDPWD/$BIN" build --no-run --lessons Lessons --output Output >/dev/null 2>"$WORK/stderr") || { cat "$WORK/stderr"; exit 1; }; }

cold=(); warm=(); edit=(); peer=()
for r in $(seq "$RUNS"); do
  rm -rf "$WORK/.lessons-cache" "$WORK/Output"
  t0=$(now); build; t1=$(now); cold+=("$(elapsed "$t0" "$t1")")
  t0=$(now); build; t1=$(now); warm+=("$(elapsed "$t0" "$t1")")
  # edit prose and one formula on one page: only that formula goes to node
  echo "Edited prose in run $r with \$x_{$r} + y$." >> "$WORK/Lessons/07-synthetic.md"
  t0=$(now); build; t1=$(now); edit+=("$(elapsed "$t0" "$t1")")
  out=$(NODE_PATH=/usr/share/nodejs node bench/site/katex-peer.js "$WORK/Lessons")
  formulas=${out% *}; peer+=("${out#* }")
done
pagesBuilt=$(ls "$WORK/Output"/*.html | wc -l)
bytes=$(du -sb "$WORK/Output" | cut -f1)
echo "site benchmark: $PAGES pages, $formulas formulas, $RUNS runs (median seconds), output $((bytes / 1024)) KiB in $pagesBuilt html files"
echo "  cold build (no cache)          $(median "${cold[@]}")   bar < 2.0    runs: ${cold[*]}"
echo "  no-change rebuild              $(median "${warm[@]}")   bar < 0.2    runs: ${warm[*]}"
echo "  rebuild after a one-page edit  $(median "${edit[@]}")                runs: ${edit[*]}"
echo "  peer: KaTeX alone, one node    $(median "${peer[@]}")   (same formulas, renderToString loop only)"
python3 -c "print(f'  cold build / KaTeX alone = {$(median "${cold[@]}") / $(median "${peer[@]}"):.2f}x')"
