// Times the candidate matrix-product kernels on one lane's products of the VAE training step
// (784-400-20, batch 128: the shapes blas_kernels.c probes), one thread, thread CPU time, best
// of ROUNDS passes: OpenBLAS sgemm (the kernel set OPENBLAS_CORETYPE or its own pick gives),
// BLIS sgemm, oneDNN sgemm (f32), and oneDNN's matmul on bf16 inputs with f32 accumulation and
// output (the "mixed precision" candidate; its inputs are converted to bf16 beforehand, and the
// conversion of one pass's inputs is timed separately). Build and run: bench/kernels/run.sh.
#define _GNU_SOURCE
#include <blis.h>
#include <cblas.h>
#include <math.h>
#include <oneapi/dnnl/dnnl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

// OpenBLAS's own entry points (blis.h brings BLIS's cblas.h, which lacks them).
void openblas_set_num_threads(int);
char *openblas_get_config(void);
char *openblas_get_corename(void);

static const int shapes[][5] = {  // {m, n, k, transposeA, transposeB}, as in blas_kernels.c
    {64, 400, 784, 0, 1}, {64, 40, 400, 0, 1}, {64, 400, 20, 0, 1}, {64, 784, 400, 0, 1},
    {64, 400, 784, 0, 0}, {64, 20, 400, 0, 0}, {64, 400, 40, 0, 0},
    {392, 400, 128, 1, 0}, {200, 20, 128, 1, 0}, {24, 400, 128, 1, 0}, {200, 784, 128, 1, 0},
};
enum { SHAPES = sizeof shapes / sizeof shapes[0], ROUNDS = 30, SIZE = 400 * 784 };

static double cpu_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static float A[SIZE], B[SIZE], C[SIZE], REF[SHAPES][SIZE];
static uint16_t A16[SIZE], B16[SIZE];

static uint16_t to_bf16(float x) {  // round to nearest even
    uint32_t u;
    memcpy(&u, &x, 4);
    return (uint16_t)((u + 0x7FFF + ((u >> 16) & 1)) >> 16);
}

typedef void (*pass_fn)(int s);

static void openblas(int s) {
    const int *p = shapes[s];
    cblas_sgemm(CblasRowMajor, p[3] ? CblasTrans : CblasNoTrans, p[4] ? CblasTrans : CblasNoTrans, p[0], p[1], p[2], 1,
                A, p[3] ? p[0] : p[2], B, p[4] ? p[2] : p[1], 0, C, p[1]);
}

static void blis(int s) {
    const int *p = shapes[s];
    const int m = p[0], n = p[1], k = p[2], lda = p[3] ? m : k, ldb = p[4] ? k : n;
    float one = 1, zero = 0;
    bli_sgemm(p[3] ? BLIS_TRANSPOSE : BLIS_NO_TRANSPOSE, p[4] ? BLIS_TRANSPOSE : BLIS_NO_TRANSPOSE, m, n, k, &one,
              A, lda, 1, B, ldb, 1, &zero, C, n, 1);
}

static void onednn_f32(int s) {
    const int *p = shapes[s];
    dnnl_sgemm(p[3] ? 'T' : 'N', p[4] ? 'T' : 'N', p[0], p[1], p[2], 1, A, p[3] ? p[0] : p[2], B, p[4] ? p[2] : p[1], 0, C, p[1]);
}

static dnnl_engine_t engine;
static dnnl_stream_t stream;
static dnnl_primitive_t prims[SHAPES];
static dnnl_memory_t mems[SHAPES][3];

static void check(dnnl_status_t st, const char *what) {
    if (st != dnnl_success) { fprintf(stderr, "oneDNN: %s failed (%d)\n", what, (int)st); exit(1); }
}

static void setup_bf16(void) {
    check(dnnl_engine_create(&engine, dnnl_cpu, 0), "engine");
    check(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags), "stream");
    for (int s = 0; s < SHAPES; s++) {
        const int *p = shapes[s];
        const dnnl_dim_t m = p[0], n = p[1], k = p[2];
        dnnl_memory_desc_t a, b, c;
        dnnl_dims_t ad = {m, k}, bd = {k, n}, cd = {m, n};
        dnnl_dims_t as = {p[3] ? 1 : k, p[3] ? m : 1}, bs = {p[4] ? 1 : n, p[4] ? k : 1}, cs = {n, 1};
        check(dnnl_memory_desc_init_by_strides(&a, 2, ad, dnnl_bf16, as), "a");
        check(dnnl_memory_desc_init_by_strides(&b, 2, bd, dnnl_bf16, bs), "b");
        check(dnnl_memory_desc_init_by_strides(&c, 2, cd, dnnl_f32, cs), "c");
        dnnl_matmul_desc_t md;
        check(dnnl_matmul_desc_init(&md, &a, &b, NULL, &c), "matmul desc");
        dnnl_primitive_desc_t pd;
        check(dnnl_primitive_desc_create(&pd, &md, NULL, engine, NULL), "primitive desc");
        const char *impl = NULL;
        dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl);
        if (s == 0) printf("oneDNN bf16 matmul implementation: %s\n", impl ? impl : "?");
        check(dnnl_primitive_create(&prims[s], pd), "primitive");
        check(dnnl_memory_create(&mems[s][0], &a, engine, A16), "mem a");
        check(dnnl_memory_create(&mems[s][1], &b, engine, B16), "mem b");
        check(dnnl_memory_create(&mems[s][2], &c, engine, C), "mem c");
        dnnl_primitive_desc_destroy(pd);
    }
}

static void onednn_bf16(int s) {
    dnnl_exec_arg_t args[3] = {{DNNL_ARG_SRC, mems[s][0]}, {DNNL_ARG_WEIGHTS, mems[s][1]}, {DNNL_ARG_DST, mems[s][2]}};
    check(dnnl_primitive_execute(prims[s], stream, 3, args), "execute");
    check(dnnl_stream_wait(stream), "wait");
}

/// Best pass over the shapes, and the largest error against the OpenBLAS result relative to the
/// largest magnitude of that product.
static double time_kernel(pass_fn f, double *max_err) {
    double best = INFINITY;
    *max_err = 0;
    for (int s = 0; s < SHAPES; s++) f(s);  // warm-up
    for (int r = 0; r < ROUNDS; r++) {
        const double t0 = cpu_now();
        for (int s = 0; s < SHAPES; s++) f(s);
        const double t = cpu_now() - t0;
        if (t < best) best = t;
    }
    for (int s = 0; s < SHAPES; s++) {
        f(s);
        const int n = shapes[s][0] * shapes[s][1];
        double scale = 0, err = 0;
        for (int i = 0; i < n; i++) { scale = fmax(scale, fabs(REF[s][i])); err = fmax(err, fabs(C[i] - REF[s][i])); }
        *max_err = fmax(*max_err, err / scale);
    }
    return best;
}

int main(void) {
    unsigned st = 7;
    for (int i = 0; i < SIZE; i++) {
        st = st * 1664525u + 1013904223u; A[i] = (float)(st >> 8) / 16777216.0f - 0.5f;
        st = st * 1664525u + 1013904223u; B[i] = (float)(st >> 8) / 16777216.0f - 0.5f;
    }
    openblas_set_num_threads(1);
    bli_thread_set_num_threads(1);
    double flops = 0;
    for (int s = 0; s < SHAPES; s++) {
        openblas(s);
        memcpy(REF[s], C, sizeof(float) * shapes[s][0] * shapes[s][1]);
        flops += 2.0 * shapes[s][0] * shapes[s][1] * shapes[s][2];
    }
    setup_bf16();
    // The bf16 inputs of one pass: every product's A and B converted once.
    double conv = INFINITY;
    for (int r = 0; r < ROUNDS; r++) {
        const double t0 = cpu_now();
        for (int s = 0; s < SHAPES; s++) {
            const int na = shapes[s][0] * shapes[s][2], nb = shapes[s][2] * shapes[s][1];
            for (int i = 0; i < na; i++) A16[i] = to_bf16(A[i]);
            for (int i = 0; i < nb; i++) B16[i] = to_bf16(B[i]);
        }
        conv = fmin(conv, cpu_now() - t0);
    }
    printf("OpenBLAS %s (kernels %s), BLIS %s, oneDNN %d.%d.%d; one lane's products of a VAE step, %.1f MFLOP, 1 thread, best of %d\n",
           openblas_get_config(), openblas_get_corename(), bli_info_get_version_str(),
           dnnl_version()->major, dnnl_version()->minor, dnnl_version()->patch, flops / 1e6, ROUNDS);
    const struct { const char *name; pass_fn f; } k[] = {
        {"OpenBLAS sgemm", openblas}, {"BLIS sgemm", blis}, {"oneDNN sgemm (f32)", onednn_f32}, {"oneDNN matmul bf16->f32", onednn_bf16}};
    for (int i = 0; i < 4; i++) {
        double err;
        const double t = time_kernel(k[i].f, &err);
        printf("%-26s %8.3f ms  %7.1f GFLOP/s  max error %.1e of the product's scale\n", k[i].name, t * 1e3, flops / t / 1e9, err);
    }
    printf("%-26s %8.3f ms  (converting one pass's inputs to bf16, scalar loop)\n", "f32 -> bf16", conv * 1e3);
    return 0;
}
