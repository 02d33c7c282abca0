#!/usr/bin/env bash
# Builds and runs gemm_candidates.c (Debian: libopenblas-dev, libblis-dev, libdnnl-dev).
# Run as a user's machine does: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE bench/kernels/run.sh
set -euo pipefail
cd "$(dirname "$0")"
out=$(mktemp -d)
# OpenBLAS first, both for cblas.h and at link time: BLIS exports cblas_* too, and the first
# library loaded wins.
gcc -O2 -o "$out/gemm_candidates" gemm_candidates.c \
  -I/usr/include/x86_64-linux-gnu/openblas-pthread -I/usr/include/x86_64-linux-gnu/blis-openmp \
  -L/usr/lib/x86_64-linux-gnu/openblas-pthread -L/usr/lib/x86_64-linux-gnu/blis-openmp \
  -Wl,--no-as-needed -lopenblas -Wl,-rpath,/usr/lib/x86_64-linux-gnu/blis-openmp -lblis -ldnnl -lm
OMP_NUM_THREADS=1 "$out/gemm_candidates"
