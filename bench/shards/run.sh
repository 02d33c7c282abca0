#!/usr/bin/env bash
# The course's cold build (no .lessons-cache/, models trained from scratch) two ways on this
# machine, in one script (issue 16, item 5):
#   A. one `lessons build --jobs 2`
#   B. the README's shell recipe: `--shard 1/2 & --shard 2/2 & wait`, then
#      `lessons build --require-cached` (one machine, so the shards share .lessons-cache/)
# Prints wall times, which lessons each shard ran, and each lesson's time in A (the input of the
# README's estimate for a 50-lesson course on 1, 4 and 20 runners).
# Usage: bench/shards/run.sh [path/to/lessons] [lessons folder]   (default: .build/release/lessons, Lessons)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BIN="${1:-$ROOT/.build/release/lessons}"
COURSE="${2:-$ROOT/Lessons}"
[ -x "$BIN" ] || { echo "no lessons binary at $BIN: run swift build -c release" >&2; exit 2; }
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"

WORK="$(mktemp -d /tmp/lessons-bench-shards.XXXXXX)"
PIDS=""
trap 'for p in $PIDS; do kill $p 2>/dev/null || true; done; rm -rf "$WORK"' EXIT
for d in one sharded; do mkdir -p "$WORK/$d"; cp -R "$COURSE" "$WORK/$d/Lessons"; done

export CI=1
now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc -l | xargs printf "%.1f"; }
echo "machine: $(nproc) cores, load average before: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine slows every figure)"

# A. one build, two lessons at a time
cd "$WORK/one"
t0=$(now)
"$BIN" build --jobs 2 >"$WORK/one.out" 2>"$WORK/one.log" || { cat "$WORK/one.log" "$WORK/one.out"; exit 1; }
t1=$(now)
A=$(secs "$t0" "$t1")
echo "A. lessons build --jobs 2 (cold):                  ${A} s   $(tail -1 "$WORK/one.out")"
echo "   per lesson (compile + run, as the runner reports them; lessons that load a model another trained wait for it):"
grep -E '^Lessons/.*: ran ' "$WORK/one.log" | sed 's/^/     /'

# B. two shards in parallel (each with the default --jobs, the core count), then assembly
cd "$WORK/sharded"
t0=$(now)
"$BIN" build --shard 1/2 >"$WORK/s1.out" 2>"$WORK/s1.log" & p1=$!
"$BIN" build --shard 2/2 >"$WORK/s2.out" 2>"$WORK/s2.log" & p2=$!
PIDS="$p1 $p2"
wait $p1 || { cat "$WORK/s1.log"; exit 1; }
wait $p2 || { cat "$WORK/s2.log"; exit 1; }
PIDS=""
t1=$(now)
"$BIN" build --jobs 2 --require-cached >"$WORK/asm.out" 2>"$WORK/asm.log" || { cat "$WORK/asm.log" "$WORK/asm.out"; exit 1; }
t2=$(now)
echo "B. --shard 1/2 & --shard 2/2 & wait (cold):        $(secs "$t0" "$t1") s"
echo "   $(tail -1 "$WORK/s1.out")"
echo "   $(tail -1 "$WORK/s2.out")"
echo "   then lessons build --require-cached:            $(secs "$t1" "$t2") s   $(tail -1 "$WORK/asm.out")"
echo "   B in all:                                       $(secs "$t0" "$t2") s   (A: ${A} s)"
if diff -r "$WORK/one/Output" "$WORK/sharded/Output" >/dev/null; then echo "   the two sites are byte-identical"
else
  # the course's lesson 2 prints grid-integration times it measures, which differ on every run
  echo "   the two sites differ in: $(diff -rq "$WORK/one/Output" "$WORK/sharded/Output" | sed "s|$WORK/||g" | awk '{print $2}' | xargs)"
fi

# A again, after B, so that a change in the machine's load shows (the machine is shared)
rm -rf "$WORK/one/.lessons-cache" "$WORK/one/Output"
cd "$WORK/one"
t0=$(now)
"$BIN" build --jobs 2 >"$WORK/one2.out" 2>"$WORK/one2.log" || { cat "$WORK/one2.log"; exit 1; }
t1=$(now)
echo "A again (cold):                                    $(secs "$t0" "$t1") s   load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
