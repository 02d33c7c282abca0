#!/usr/bin/env bash
# Sharded builds against a real shared cache: Debian's nginx with WebDAV PUT on 127.0.0.1, in a
# temporary folder (issue 16). Builds the fixture course (Tests/Shards/fixture) in 2 shards in
# parallel processes, each in its own copy (as on two CI runners), assembles the site with
# --require-cached from a clean copy and compares it byte for byte with a one-machine build;
# then: two writers of the same keys at once; a lesson that would have to run is named; models travel through the cache; the server
# killed mid-build (the shards finish locally, say so, and lose nothing); a corrupted blob
# (ignored, made again); a wrong token (a warning); the token in no log, page, manifest or JUnit.
#
#   Tests/Shards/run.sh            uses .build/release/lessons (make test builds it first)
#   LESSONS=.build/debug/lessons Tests/Shards/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
LESSONS=${LESSONS:-$ROOT/.build/release/lessons}
case $LESSONS in /*) ;; *) LESSONS=$ROOT/$LESSONS ;; esac
[ -x "$LESSONS" ] || { echo "error: $LESSONS is not built: run swift build -c release (or set LESSONS=...)" >&2; exit 2; }

if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  echo "installing Debian's nginx"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx >/dev/null \
    || { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx >/dev/null; }
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

WORK=$(mktemp -d /tmp/lessons-shards.XXXXXX)
NGINX_PID=""
stop_nginx() {
  if [ -n "$NGINX_PID" ]; then
    kill "$NGINX_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$NGINX_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$NGINX_PID" 2>/dev/null || true
    wait "$NGINX_PID" 2>/dev/null || true
    NGINX_PID=""
  fi
}
SHARD_PIDS=""
cleanup() {
  for p in $SHARD_PIDS; do kill "$p" 2>/dev/null || true; done
  stop_nginx
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

TOKEN="shards-test-secret-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT/lessons-cache/"
STORE=$WORK/store
mkdir -p "$STORE/lessons-cache" "$WORK/nginx/tmp"
cat > "$WORK/nginx/nginx.conf" <<EOF
# Written by Tests/Shards/run.sh: a WebDAV PUT store on loopback that wants the test's token.
daemon off;
master_process off;
worker_processes 1;
user root;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 64; }
http {
  access_log $WORK/nginx/access.log;
  client_body_temp_path $WORK/nginx/tmp/body;
  proxy_temp_path $WORK/nginx/tmp/proxy;
  fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
  uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
  scgi_temp_path $WORK/nginx/tmp/scgi;
  client_max_body_size 512m;
  server {
    listen 127.0.0.1:$PORT;
    root $STORE;
    location /lessons-cache/ {
      if (\$http_authorization != "Bearer $TOKEN") { return 401; }
      dav_methods PUT;
      create_full_put_path on;
      dav_access user:rw group:r all:r;
    }
  }
}
EOF
start_nginx() {
  "$NGINX" -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" &
  NGINX_PID=$!
  for _ in $(seq 1 100); do
    if curl_code=$(python3 - "$PORT" <<'PY'
import socket, sys
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=0.2).close(); print("up")
except OSError: sys.exit(1)
PY
    ); then return 0; fi
    kill -0 "$NGINX_PID" 2>/dev/null || { cat "$WORK/nginx/error.log" >&2; echo "FAIL: nginx did not start" >&2; exit 1; }
    sleep 0.1
  done
  echo "FAIL: nginx did not listen on 127.0.0.1:$PORT" >&2; exit 1
}
start_nginx
echo "nginx (WebDAV PUT) on $URL, store in $STORE"

fail() { echo "FAIL: $*" >&2; exit 1; }
expect_in() { grep -qF -- "$2" "$1" || { echo "--- $1:" >&2; cat "$1" >&2; fail "$1 lacks: $2"; }; }
expect_not_in() { ! grep -qF -- "$2" "$1" || { echo "--- $1:" >&2; cat "$1" >&2; fail "$1 has: $2"; }; }
copy() { rm -rf "$WORK/$1"; mkdir -p "$WORK/$1"; cp -R Tests/Shards/fixture/Lessons "$WORK/$1/"; }
run_in() {  # run_in DIR LOG args...: lessons in DIR, output to LOG; returns its status
  local dir=$1 log=$2; shift 2
  (cd "$WORK/$dir" && LESSONS_CACHE_TOKEN=$TOKEN CI=1 "$LESSONS" "$@") >"$WORK/$log" 2>&1
}
# every cell of every lesson edited (a comment), so nothing is cached anywhere
edit_cells() { for f in "$WORK/$1"/Lessons/0*.md; do sed -i "s/^\`\`\`swift\$/\`\`\`swift\n\/\/ $2/" "$f"; done; }

# 1. The one-machine build: the reference.
copy one
run_in one one.log build --jobs 2 || { cat "$WORK/one.log"; fail "the one-machine build failed"; }
echo "one machine: $(tail -1 "$WORK/one.log")"

# 2. Two shards in parallel processes, each in its own copy (two runners).
copy s1; copy s2
run_in s1 s1.log build --jobs 1 --shard 1/2 --cache-url "$URL" & p1=$!
run_in s2 s2.log build --jobs 1 --shard 2/2 --cache-url "$URL" & p2=$!
SHARD_PIDS="$p1 $p2"
wait $p1 || { cat "$WORK/s1.log"; fail "shard 1/2 failed"; }
wait $p2 || { cat "$WORK/s2.log"; fail "shard 2/2 failed"; }
SHARD_PIDS=""
echo "$(tail -1 "$WORK/s1.log")"
echo "$(tail -1 "$WORK/s2.log")"
# no run times recorded yet: by size; the two lessons sharing a model are in one shard
expect_in "$WORK/s1.log" "shard 1/2: 2 of 5 lessons with cells (Lessons/02-model-a.md, Lessons/03-model-b.md), 2 run, 0 from cache; balanced by run times from none recorded in $URL yet: by file size; shared cache $URL: 0 fetched, 2 stored, 0 models fetched, 1 stored; 0 errors, 0 warnings"
expect_in "$WORK/s2.log" "shard 2/2: 3 of 5 lessons with cells (Lessons/01-sums.md, Lessons/04-table.md, Lessons/05-text.md), 3 run, 0 from cache; balanced by run times from none recorded in $URL yet: by file size; shared cache $URL: 0 fetched, 3 stored; 0 errors, 0 warnings"
[ ! -e "$WORK/s1/Output" ] && [ ! -e "$WORK/s2/Output" ] || fail "a shard wrote a site"
ls "$STORE/lessons-cache/ac" "$STORE/lessons-cache/cas" >/dev/null || fail "nothing under ac/ and cas/"
for f in "$STORE"/lessons-cache/cas/*; do
  [ "$(sha256sum "$f" | cut -d' ' -f1)" = "$(basename "$f")" ] || fail "cas/$(basename "$f") is not named by its SHA-256"
done

# 2b. Two writers of the same keys at once: two copies run the whole course as shard 1/1
#     against a fresh prefix at the same time; every blob is whole and the site assembles.
RACE="${URL}race/"
copy r1; copy r2
run_in r1 r1.log build --jobs 1 --shard 1/1 --cache-url "$RACE" & p1=$!
run_in r2 r2.log build --jobs 1 --shard 1/1 --cache-url "$RACE" & p2=$!
SHARD_PIDS="$p1 $p2"
wait $p1 || { cat "$WORK/r1.log"; fail "racing shard 1 failed"; }
wait $p2 || { cat "$WORK/r2.log"; fail "racing shard 2 failed"; }
SHARD_PIDS=""
for f in "$STORE"/lessons-cache/race/cas/*; do
  [ "$(sha256sum "$f" | cut -d' ' -f1)" = "$(basename "$f")" ] || fail "race/cas/$(basename "$f") is not whole"
done
copy rasm
run_in rasm rasm.log build --jobs 2 --require-cached --cache-url "$RACE" || { cat "$WORK/rasm.log"; fail "assembling after two writers failed"; }
diff -r "$WORK/one/Output" "$WORK/rasm/Output" || fail "the site assembled after two writers differs"
echo "ok: two shards writing the same keys at once"

# 3. Assemble from a clean copy: nothing runs, the site is the one-machine site byte for byte.
copy asm
run_in asm asm.log build --jobs 2 --require-cached --cache-url "$URL" || { cat "$WORK/asm.log"; fail "the assembling build failed"; }
echo "assembled: $(tail -1 "$WORK/asm.log")"
expect_in "$WORK/asm.log" "shared cache $URL: 5 fetched, 0 stored; 0 errors, 0 warnings"
expect_not_in "$WORK/asm.log" "running Lessons/"
diff -r "$WORK/one/Output" "$WORK/asm/Output" || fail "the assembled site differs from the one-machine build"
echo "ok: the assembled site is byte-identical to the one-machine build"
run_in asm check.log check --jobs 2 --require-cached --cache-url "$URL" --junit "$WORK/junit.xml" \
  || { cat "$WORK/check.log"; fail "check --require-cached failed"; }
expect_in "$WORK/check.log" "check: 5 lessons, 6 cells (0 lessons run, 5 from cache), 0 failing; 0 errors, 0 warnings"

# 4. --require-cached names the lessons that would have to run, and runs none of them.
copy req
sed -i 's/print("words:", words.count)/print("words:", words.count, "!")/' "$WORK/req/Lessons/05-text.md"
if run_in req req.log build --require-cached --cache-url "$URL"; then fail "--require-cached built a changed lesson"; fi
expect_in "$WORK/req.log" "error: --require-cached: 1 lesson would have to run: Lessons/05-text.md. Their results for these cells and this build of lessons are in neither .lessons-cache/ nor the shared cache $URL. Run their shards first (lessons build --shard I/N, with the same --cache-url and the same build), or build without --require-cached."
expect_not_in "$WORK/req.log" "running Lessons/"
[ ! -e "$WORK/req/Output" ] || fail "--require-cached wrote a site although it failed"

# 5. Models travel: a changed lesson B runs and loads lesson A's checkpoint from the cache.
copy model
sed -i 's/print("largest weight:"/print("the largest weight:"/' "$WORK/model/Lessons/03-model-b.md"
run_in model model.log build --jobs 1 --cache-url "$URL" || { cat "$WORK/model.log"; fail "the model build failed"; }
expect_in "$WORK/model.log" "shared cache $URL: 4 fetched, 1 stored, 1 models fetched, 0 stored; 0 errors, 0 warnings"
cmp "$WORK/model/.lessons-cache/models/"*/fixture-weights-v1.file "$WORK/s1/.lessons-cache/models/"*/fixture-weights-v1.file \
  || fail "the fetched model differs from the one shard 1 trained"

# 6. The server killed mid-build: two shards on one machine (the README's shell recipe), every
#    cell changed so everything runs; nginx is killed after the first result is stored. Both
#    finish locally and say so; the assembling build then finds everything in .lessons-cache/
#    and matches a one-machine build of the same sources.
copy kill; edit_cells kill "killed mid-build"
copy killref; edit_cells killref "killed mid-build"
: > "$WORK/nginx/access.log"
run_in kill k1.log build --jobs 1 --shard 1/2 --cache-url "$URL" & p1=$!
run_in kill k2.log build --jobs 1 --shard 2/2 --cache-url "$URL" & p2=$!
SHARD_PIDS="$p1 $p2"
for _ in $(seq 1 1200); do grep -q '"PUT /lessons-cache/ac/' "$WORK/nginx/access.log" && break; sleep 0.05; done
grep -q '"PUT /lessons-cache/ac/' "$WORK/nginx/access.log" || fail "no result was stored within 60 s"
stop_nginx
wait $p1 || { cat "$WORK/k1.log"; fail "shard 1/2 failed when the server died"; }
wait $p2 || { cat "$WORK/k2.log"; fail "shard 2/2 failed when the server died"; }
SHARD_PIDS=""
cat "$WORK/k1.log" "$WORK/k2.log" > "$WORK/k.log"
expect_in "$WORK/k.log" "warning: shared cache $URL failed while"
expect_in "$WORK/k.log" "the build goes on without it (lessons run here, results stay in .lessons-cache/)"
expect_in "$WORK/k.log" "ran here only (results in .lessons-cache/, not shared)"
echo "server killed: $(tail -1 "$WORK/k1.log")"
echo "               $(tail -1 "$WORK/k2.log")"
run_in kill kasm.log build --jobs 2 --require-cached --cache-url "$URL" || { cat "$WORK/kasm.log"; fail "assembling after the server died failed"; }
run_in killref kref.log build --jobs 2 || { cat "$WORK/kref.log"; fail "the reference build failed"; }
diff -r "$WORK/killref/Output" "$WORK/kill/Output" || fail "the site built while the server died differs from a one-machine build"
echo "ok: server killed mid-build: shards finished locally, nothing lost, site identical"

# 7. A corrupted blob: ignored with a warning, the lesson runs, the blob is made again.
start_nginx
# every results blob of lesson 01 (the original and the edited one of step 6) gets damaged
blobs=$(grep -lF 'sum: 5050' "$STORE"/lessons-cache/cas/* || true)
[ -n "$blobs" ] || fail "no results blob of lesson 01 in the store"
for b in $blobs; do printf 'lessons-results-2 0000\n{"damaged": true}' > "$b"; done
copy bad
run_in bad bad.log build --jobs 2 --cache-url "$URL" || { cat "$WORK/bad.log"; fail "the build with a corrupted blob failed"; }
expect_in "$WORK/bad.log" " (results of Lessons/01-sums.md) does not match its hash; it is ignored and made again"
expect_in "$WORK/bad.log" "shared cache $URL: 4 fetched, 1 stored; 0 errors, 0 warnings"
diff -r "$WORK/one/Output" "$WORK/bad/Output" || fail "the site built over a corrupted blob differs"
blob=$(sed -n 's/.*shared cache blob cas\/\([0-9a-f]*\) (results of Lessons\/01-sums.md).*/\1/p' "$WORK/bad.log" | head -1)
[ "$(sha256sum "$STORE/lessons-cache/cas/$blob" | cut -d' ' -f1)" = "$blob" ] || fail "the corrupted blob cas/$blob was not made again"
echo "ok: corrupted blob ignored and made again"

# 8. A wrong token: HTTP 401 is a warning, the shard runs its lessons here.
copy tok
(cd "$WORK/tok" && LESSONS_CACHE_TOKEN=wrong CI=1 "$LESSONS" build --jobs 2 --shard 2/2 --cache-url "$URL") > "$WORK/tok.log" 2>&1 \
  || { cat "$WORK/tok.log"; fail "the build with a wrong token failed"; }
expect_in "$WORK/tok.log" "answered HTTP 401 (check LESSONS_CACHE_TOKEN)"

# 9. The token appears in no log, page, manifest, JUnit report or cache file.
if grep -rlF -- "$TOKEN" "$WORK"/*.log "$WORK"/*.xml "$WORK"/*/Output "$WORK"/*/.lessons-cache "$STORE" 2>/dev/null; then
  fail "the token leaked into the files above"
fi
grep -qF "Bearer" "$WORK/nginx/access.log" && fail "the access log has the token"
echo "ok: Tests/Shards passed (nginx WebDAV on 127.0.0.1:$PORT)"
