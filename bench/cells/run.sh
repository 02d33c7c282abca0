#!/usr/bin/env bash
# Benchmark of the cell runner through `lessons build` on a generated course of 5 lessons with
# 20 small cells each (prose and math between them). Prints the figures of issue 6's bars:
#   cold build (empty cache) < 15 s, no-change rebuild < 0.2 s, prose-only edit < 0.5 s running
#   no cell, and a failing cell reported again (non-zero exit) by a rebuild from the cache.
# Usage: bench/cells/run.sh [path/to/lessons]   (default: builds .build-runner-release)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BIN="${1:-}"
if [ -z "$BIN" ]; then
  SCRATCH="$ROOT/.build-runner-release"
  (cd "$ROOT" && swift build -c release --scratch-path "$SCRATCH" >/dev/null)
  BIN="$SCRATCH/release/lessons"
fi
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"
[ -x "$BIN" ] || { echo "no lessons binary at $BIN" >&2; exit 2; }

WORK="$(mktemp -d /tmp/lessons-bench-cells.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/Lessons"
for l in 1 2 3 4 5; do
  f="$WORK/Lessons/0$l-lesson.md"
  printf -- "---\ntitle: Lesson %d\nsummary: Twenty small cells.\norder: %d\n---\n\n# Lesson %d\n\n" "$l" "$l" "$l" > "$f"
  printf 'We sample $z \\sim \\mathcal{N}(\\mu, \\sigma^2)$ and estimate things.\n\n' >> "$f"
  for c in $(seq 1 20); do
    printf 'Cell %d computes a small sum; the mean of $x_i$ is $\\bar{x}=\\frac{1}{n}\\sum_i x_i$.\n\n' "$c" >> "$f"
    printf '```swift\nlet xs%d = (1...%d).map { Double($0) * %d.5 }\nlet m%d = xs%d.reduce(0, +) / Double(xs%d.count)\nprint("cell %d mean:", m%d)\nexpect(m%d > 0, "positive mean")\n```\n\n' \
      "$c" "$((c + 3))" "$l" "$c" "$c" "$c" "$c" "$c" "$c" >> "$f"
  done
done
cd "$WORK"

now() { date +%s.%N; }
# Runs `lessons build`, prints elapsed seconds; stderr goes to $WORK/log.
timed_build() {
  local t0 t1 rc=0
  t0=$(now)
  "$BIN" build --lessons Lessons --output Output "$@" >"$WORK/out" 2>"$WORK/log" || rc=$?
  t1=$(now)
  echo "$(echo "$t1 - $t0" | bc -l) $rc"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ran_lessons() { grep -c '^running ' "$WORK/log" || true; }

export CI=1   # plain progress lines, which this script counts
echo "load average before: $(cut -d" " -f1-3 /proc/loadavg) on $(nproc) cores (other work on the machine slows the cold build most)"
read cold rc < <(timed_build)
echo "cold build (5 lessons x 20 cells, compile + run + render): ${cold} s (exit $rc, ran $(ran_lessons) lessons)"
# CPU time is steadier than wall time on a shared machine: wall on idle cores ~ CPU / cores.
rm -rf .lessons-cache Output
cpu=$( { /usr/bin/time -f "%U %S" "$BIN" build --lessons Lessons --output Output >/dev/null 2>"$WORK/log.cpu"; } 2>&1; tail -1 "$WORK/log.cpu")
echo "cold build CPU time (user + sys, compiler and lesson programs included): $(echo "$cpu" | awk '{print $1 + $2}') s"
[ "$rc" = 0 ] || { cat "$WORK/log"; exit 1; }

nochange=$(for i in 1 2 3 4 5; do timed_build | cut -d' ' -f1; done | median)
echo "no-change rebuild (median of 5): ${nochange} s (ran $(ran_lessons) lessons)"

prose=()
for i in 1 2 3 4 5; do
  sed -i "s/^We sample /We sample (edit $i) /" Lessons/03-lesson.md
  read t rc < <(timed_build)
  prose+=("$t")
  [ "$(ran_lessons)" = 0 ] || { echo "prose edit re-ran a lesson:"; cat "$WORK/log"; exit 1; }
done
echo "prose-only edit rebuild (median of 5): $(printf '%s\n' "${prose[@]}" | median) s (ran 0 lessons, 0 cells)"

sed -i 's/let xs7 = (1...10)/let xs7 = (1...11)/' Lessons/02-lesson.md
read t rc < <(timed_build)
echo "one cell edited: ${t} s (ran $(ran_lessons) lesson)"

# A failure is never forgotten: the cached failure is reported again with a non-zero exit.
printf '```swift\nexpect(1 + 1 == 3, "arithmetic is broken")\n```\n' >> Lessons/05-lesson.md
read t1 rc1 < <(timed_build); e1=$(grep -c 'error: expectation failed: arithmetic is broken' "$WORK/log" || true)
read t2 rc2 < <(timed_build); e2=$(grep -c 'error: expectation failed: arithmetic is broken' "$WORK/log" || true)
echo "failing cell: build exit $rc1 (reported ${e1}x), rebuild from cache ${t2} s exit $rc2 (reported ${e2}x, ran $(ran_lessons) lessons)"
grep 'arithmetic is broken' "$WORK/log" | head -1
echo "load average after: $(cut -d" " -f1-3 /proc/loadavg)"
