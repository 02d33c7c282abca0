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
# absolute, so that SCRATCH may be a path outside the repository (an older build to compare with)
BIN="$(cd "$SCRATCH/release" && pwd)/lessons"
WORK=$(mktemp -d /tmp/lessons-site-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
python3 bench/site/gen.py "$WORK/Lessons" "$PAGES" "$FORMULAS"

median() { python3 -c "import sys,statistics; print(f'{statistics.median(map(float, sys.argv[1:])):.3f}')" "$@"; }
# timed CMD...: runs CMD, appends "wall cpu" (seconds; cpu = user + sys of it and its children) to $WORK/t
timed() { /usr/bin/time -f "%e %U %S" -o "$WORK/t1" "$@" >/dev/null 2>"$WORK/stderr" || { cat "$WORK/stderr"; exit 1; }
          awk '{ printf "%.3f %.3f\n", $1, $2 + $3 }' "$WORK/t1"; }
build() { (cd "$WORK" && timed "$BIN" build --no-run --lessons Lessons --output Output); }

declare -a cold_w cold_c warm_w warm_c mc_w mc_c prose_w prose_c edit_w edit_c peer_w peer_c
for r in $(seq "$RUNS"); do
  rm -rf "$WORK/.lessons-cache" "$WORK/Output"
  read -r w c < <(build); cold_w+=("$w"); cold_c+=("$c")
  read -r w c < <(build); warm_w+=("$w"); warm_c+=("$c")
  # as after a new build of the tool: no page is reused, every formula comes from the math cache
  rm -f "$WORK/.lessons-cache/tool-identity"
  read -r w c < <(build); mc_w+=("$w"); mc_c+=("$c")
  # edit prose on one page: only that page is rendered, from the cache
  echo "Edited prose in run $r." >> "$WORK/Lessons/05-synthetic.md"
  read -r w c < <(build); prose_w+=("$w"); prose_c+=("$c")
  # add a new formula to one page: that page is rendered and node renders the one formula
  echo "A new formula in run $r: \$x_{$r} + y\$." >> "$WORK/Lessons/07-synthetic.md"
  read -r w c < <(build); edit_w+=("$w"); edit_c+=("$c")
  read -r w c < <(NODE_PATH=/usr/share/nodejs timed node bench/site/katex-peer.js "$WORK/Lessons"); peer_w+=("$w"); peer_c+=("$c")
done
formulas=$(NODE_PATH=/usr/share/nodejs node bench/site/katex-peer.js "$WORK/Lessons" | cut -d' ' -f1)
pagesBuilt=$(ls "$WORK/Output"/*.html | wc -l)
bytes=$(du -sb "$WORK/Output" | cut -f1)
echo "site benchmark: $PAGES pages, $formulas formulas, $RUNS runs, output $((bytes / 1024)) KiB in $pagesBuilt html files; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "median seconds         wall    cpu    (bar on wall)   wall of each run"
printf "  cold build           %s  %s   < 2.0          %s\n" "$(median "${cold_w[@]}")" "$(median "${cold_c[@]}")" "${cold_w[*]}"
printf "  no-change rebuild    %s  %s   < 0.2          %s\n" "$(median "${warm_w[@]}")" "$(median "${warm_c[@]}")" "${warm_w[*]}"
printf "  re-render from cache %s  %s                  %s\n" "$(median "${mc_w[@]}")" "$(median "${mc_c[@]}")" "${mc_w[*]}"
printf "  one page, prose      %s  %s                  %s\n" "$(median "${prose_w[@]}")" "$(median "${prose_c[@]}")" "${prose_w[*]}"
printf "  one page, +formula   %s  %s                  %s\n" "$(median "${edit_w[@]}")" "$(median "${edit_c[@]}")" "${edit_w[*]}"
printf "  peer: KaTeX alone    %s  %s   (one node process, same formulas)\n" "$(median "${peer_w[@]}")" "$(median "${peer_c[@]}")"
python3 -c "print(f'  cold build / KaTeX alone: wall {$(median "${cold_w[@]}") / $(median "${peer_w[@]}"):.2f}x, cpu {$(median "${cold_c[@]}") / $(median "${peer_c[@]}"):.2f}x')"
