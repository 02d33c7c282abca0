// Mixed precision for the compiled training step: matrix products on bf16 inputs with float32
// accumulation and output, on oneDNN's matmul (Debian's OpenBLAS 0.3.21 declares cblas_sbgemm
// but is built without it). The master weights, Adam's moments, the activations and every
// elementwise pass stay float32; the step keeps bf16 copies of what enters a product: each
// weight matrix (written by Adam as it updates it, `vae_adam_bf16`), each layer's input and
// each layer's output gradient (converted once per step, `vae_to_bf16`).
//
// oneDNN is opened with dlopen (blas_kernels.c), so the engine does not depend on it; its
// header, from Debian's libdnnl-dev, is needed at build time for the types. Version 2's C API
// (memory descriptors by value, matmul descriptors) is what this file speaks.
//
// A primitive is made per product shape, once, by the thread that runs it, and kept in that
// thread's cache with its three memory objects, so a step's products only swap data pointers.
// The cache goes with its thread (each training run's helper thread ends with the run).
#include "CKernels.h"
#include "internal.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Round to nearest even; NaN stays NaN (its quiet bit is set before rounding).
static inline uint16_t to_bf16(float x) {
    uint32_t u;
    memcpy(&u, &x, 4);
    if ((u & 0x7FFFFFFFu) > 0x7F800000u) return (uint16_t)((u >> 16) | 0x40);
    return (uint16_t)((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
}

static inline float from_bf16(uint16_t h) {
    const uint32_t u = (uint32_t)h << 16;
    float x;
    memcpy(&x, &u, 4);
    return x;
}

VAE_CLONES void vae_to_bf16(const float *restrict x, uint16_t *restrict out, long n) {
    for (long i = 0; i < n; i++) out[i] = to_bf16(x[i]);
}

void vae_from_bf16(const uint16_t *restrict x, float *restrict out, long n) {
    for (long i = 0; i < n; i++) out[i] = from_bf16(x[i]);
}

VAE_CLONES void vae_adam_bf16(float *restrict p, const float *restrict g, float *restrict m, float *restrict v, uint16_t *restrict p16,
                   long n, float lr, float beta1, float beta2, float epsilon, float c1, float c2) {
    // The loop of vae_adam (adam.c), plus the bf16 copy of each new value. The gradient is left
    // as it is: the bf16 step's weight-gradient products overwrite it (oneDNN's matmul would read
    // it again to add to zeros).
    const float step = lr / c1, rc2 = 1.0f / __builtin_sqrtf(c2), b1c = 1.0f - beta1, b2c = 1.0f - beta2;
    for (long i = 0; i < n; i++) {
        const float gi = g[i];
        const float mi = beta1 * m[i] + b1c * gi, vi = beta2 * v[i] + b2c * gi * gi;
        m[i] = mi;
        v[i] = vi;
        const float pi = p[i] - step * mi / (__builtin_sqrtf(vi) * rc2 + epsilon);
        p[i] = pi;
        p16[i] = to_bf16(pi);
    }
}

#if __has_include(<oneapi/dnnl/dnnl.h>)
#include <oneapi/dnnl/dnnl.h>
#define HAVE_ONEDNN_HEADER 1
#else
#define HAVE_ONEDNN_HEADER 0
#endif

#if HAVE_ONEDNN_HEADER
// The entry points, looked up in the library that blas_kernels.c opened.
#define ENTRY(name) static __typeof__(&name) p_##name
ENTRY(dnnl_engine_create);
ENTRY(dnnl_stream_create);
ENTRY(dnnl_stream_destroy);
ENTRY(dnnl_memory_desc_init_by_strides);
ENTRY(dnnl_matmul_desc_init);
ENTRY(dnnl_primitive_attr_create);
ENTRY(dnnl_primitive_attr_destroy);
ENTRY(dnnl_post_ops_create);
ENTRY(dnnl_post_ops_destroy);
ENTRY(dnnl_post_ops_append_sum);
ENTRY(dnnl_primitive_attr_set_post_ops);
ENTRY(dnnl_primitive_desc_create);
ENTRY(dnnl_primitive_desc_destroy);
ENTRY(dnnl_primitive_desc_query);
ENTRY(dnnl_primitive_create);
ENTRY(dnnl_primitive_destroy);
ENTRY(dnnl_memory_destroy);
ENTRY(dnnl_memory_create);
ENTRY(dnnl_memory_set_data_handle);
ENTRY(dnnl_primitive_execute);
ENTRY(dnnl_stream_wait);
#undef ENTRY
#endif

static int availability;           // decided once (pthread_once), before any product runs
static char unavailable_reason[256];
static char implementation[128];   // oneDNN's name for the kernel of the first product made

#if HAVE_ONEDNN_HEADER
static dnnl_engine_t engine;

static int look_up_entry_points(void *h) {
#define LOOK(name) if (!(p_##name = (__typeof__(p_##name))dlsym(h, #name))) return 0
    LOOK(dnnl_engine_create); LOOK(dnnl_stream_create); LOOK(dnnl_stream_destroy); LOOK(dnnl_memory_desc_init_by_strides);
    LOOK(dnnl_matmul_desc_init); LOOK(dnnl_primitive_attr_create); LOOK(dnnl_primitive_attr_destroy);
    LOOK(dnnl_post_ops_create); LOOK(dnnl_post_ops_destroy); LOOK(dnnl_post_ops_append_sum);
    LOOK(dnnl_primitive_attr_set_post_ops); LOOK(dnnl_primitive_desc_create); LOOK(dnnl_primitive_desc_destroy);
    LOOK(dnnl_primitive_desc_query); LOOK(dnnl_primitive_create); LOOK(dnnl_primitive_destroy);
    LOOK(dnnl_memory_destroy); LOOK(dnnl_memory_create);
    LOOK(dnnl_memory_set_data_handle); LOOK(dnnl_primitive_execute); LOOK(dnnl_stream_wait);
#undef LOOK
    return 1;
}
#endif

static pthread_once_t decided = PTHREAD_ONCE_INIT;
#if HAVE_ONEDNN_HEADER
static pthread_key_t thread_cache_key;
static void release_thread_cache(void *cache);
#endif

static void decide_availability(void) {
    availability = 0;
#if !HAVE_ONEDNN_HEADER
    snprintf(unavailable_reason, sizeof unavailable_reason,
             "this engine was built without oneDNN's header (Debian: apt-get install libdnnl-dev, then rebuild)");
#else
    int major = 0;
    void *h = vae_onednn_handle(&major);
    if (!h) {
        snprintf(unavailable_reason, sizeof unavailable_reason, "oneDNN is not installed (Debian: apt-get install libdnnl2)");
    } else if (major != 2) {
        snprintf(unavailable_reason, sizeof unavailable_reason, "the installed oneDNN is version %d; bf16 products need version 2", major);
    } else if (!vae_cpu_has_avx512_bf16()) {
        snprintf(unavailable_reason, sizeof unavailable_reason,
                 "this CPU has no AVX512-BF16 instructions, on which bf16 products would be slower than float32");
    } else if (!look_up_entry_points(h) || p_dnnl_engine_create(&engine, dnnl_cpu, 0) != dnnl_success ||
               pthread_key_create(&thread_cache_key, release_thread_cache) != 0) {
        snprintf(unavailable_reason, sizeof unavailable_reason, "oneDNN's matmul could not be set up");
    } else {
        availability = 1;
    }
#endif
}

int vae_bf16_available(char *why, size_t size) {
    // Training asks before its lanes run, so a product never runs undecided.
    pthread_once(&decided, decide_availability);
    if (!availability && why && size) snprintf(why, size, "%s", unavailable_reason);
    return availability;
}

const char *vae_bf16_implementation(void) { return implementation; }

#if HAVE_ONEDNN_HEADER
typedef struct {
    int ta, tb, m, n, k, lda, ldb, ldc, accumulate;
    dnnl_primitive_t primitive;
    dnnl_memory_t a, b, c;
} product;

// A training step has a few dozen shapes (three products per layer and lane, and the last
// batch's); a process that trains many models replaces the oldest entries (round robin).
enum { CACHE_SIZE = 128 };
typedef struct {
    product entries[CACHE_SIZE];
    int cached, next_replaced;
    dnnl_stream_t stream;
} thread_cache;

static void release_product(product *p) {
    if (p->a) p_dnnl_memory_destroy(p->a);
    if (p->b) p_dnnl_memory_destroy(p->b);
    if (p->c) p_dnnl_memory_destroy(p->c);
    if (p->primitive) p_dnnl_primitive_destroy(p->primitive);
    memset(p, 0, sizeof *p);
}

static int make_product(product *p) {
    dnnl_memory_desc_t a, b, c;
    // Row-major operands, transposes as strides: op(A) is m x k, op(B) is k x n.
    dnnl_dims_t ad = {p->m, p->k}, bd = {p->k, p->n}, cd = {p->m, p->n};
    dnnl_dims_t as = {p->ta ? 1 : p->lda, p->ta ? p->lda : 1};
    dnnl_dims_t bs = {p->tb ? 1 : p->ldb, p->tb ? p->ldb : 1};
    dnnl_dims_t cs = {p->ldc, 1};
    if (p_dnnl_memory_desc_init_by_strides(&a, 2, ad, dnnl_bf16, as) != dnnl_success ||
        p_dnnl_memory_desc_init_by_strides(&b, 2, bd, dnnl_bf16, bs) != dnnl_success ||
        p_dnnl_memory_desc_init_by_strides(&c, 2, cd, dnnl_f32, cs) != dnnl_success)
        return 0;
    dnnl_matmul_desc_t md;
    if (p_dnnl_matmul_desc_init(&md, &a, &b, NULL, &c) != dnnl_success) return 0;
    dnnl_primitive_attr_t attr = NULL;
    dnnl_post_ops_t ops = NULL;
    if (p->accumulate) {  // C += A B: the sum post-op
        if (p_dnnl_primitive_attr_create(&attr) != dnnl_success) return 0;
        if (p_dnnl_post_ops_create(&ops) != dnnl_success || p_dnnl_post_ops_append_sum(ops, 1.0f) != dnnl_success ||
            p_dnnl_primitive_attr_set_post_ops(attr, ops) != dnnl_success) {
            if (ops) p_dnnl_post_ops_destroy(ops);
            p_dnnl_primitive_attr_destroy(attr);
            return 0;
        }
    }
    dnnl_primitive_desc_t pd = NULL;
    const dnnl_status_t st = p_dnnl_primitive_desc_create(&pd, &md, attr, engine, NULL);
    if (ops) p_dnnl_post_ops_destroy(ops);
    if (attr) p_dnnl_primitive_attr_destroy(attr);
    if (st != dnnl_success) return 0;
    static int named;  // both lanes make their first products at once: one writes the name
    int expected = 0;
    if (__atomic_compare_exchange_n(&named, &expected, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        const char *impl = NULL;
        if (p_dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl) == dnnl_success && impl)
            snprintf(implementation, sizeof implementation, "%s", impl);
    }
    const int ok = p_dnnl_primitive_create(&p->primitive, pd) == dnnl_success &&
                   p_dnnl_memory_create(&p->a, &a, engine, DNNL_MEMORY_NONE) == dnnl_success &&
                   p_dnnl_memory_create(&p->b, &b, engine, DNNL_MEMORY_NONE) == dnnl_success &&
                   p_dnnl_memory_create(&p->c, &c, engine, DNNL_MEMORY_NONE) == dnnl_success;
    p_dnnl_primitive_desc_destroy(pd);
    return ok;
}

static _Atomic int live_caches;  // tests: the caches of threads that have not ended

static void release_thread_cache(void *cache) {
    thread_cache *t = cache;
    live_caches--;
    for (int i = 0; i < t->cached; i++) release_product(&t->entries[i]);
    if (t->stream) p_dnnl_stream_destroy(t->stream);
    free(t);
}
#endif

/// The calling thread's cache, made on its first bf16 product (NULL without oneDNN, or out of memory).
static void *my_cache(void) {
#if HAVE_ONEDNN_HEADER
    if (availability != 1) return NULL;
    thread_cache *t = pthread_getspecific(thread_cache_key);
    if (!t && (t = calloc(1, sizeof *t))) {
        if (pthread_setspecific(thread_cache_key, t) != 0) { free(t); return NULL; }
        live_caches++;
    }
    return t;
#else
    return NULL;
#endif
}

#if HAVE_ONEDNN_HEADER
static product *find_product(thread_cache *t, int ta, int tb, int m, int n, int k, int lda, int ldb, int ldc, int accumulate) {
    for (int i = 0; i < t->cached; i++) {
        product *p = &t->entries[i];
        if (p->ta == ta && p->tb == tb && p->m == m && p->n == n && p->k == k && p->lda == lda && p->ldb == ldb &&
            p->ldc == ldc && p->accumulate == accumulate)
            return p;
    }
    if (!t->stream && p_dnnl_stream_create(&t->stream, engine, dnnl_stream_default_flags) != dnnl_success) return NULL;
    product *p;
    if (t->cached < CACHE_SIZE) {
        p = &t->entries[t->cached++];
    } else {
        p = &t->entries[t->next_replaced];
        t->next_replaced = (t->next_replaced + 1) % CACHE_SIZE;
        release_product(p);
    }
    *p = (product){ta, tb, m, n, k, lda, ldb, ldc, accumulate, NULL, NULL, NULL, NULL};
    if (!make_product(p)) {
        release_product(p);  // an empty entry matches nothing (m = 0) until it is replaced
        return NULL;
    }
    return p;
}
#endif

static int force_widened;  // tests

/// The same product in float32 on OpenBLAS, from the bf16 inputs widened (exact): where oneDNN
/// could not make a primitive for a shape, the step still computes the right thing.
static void widened_product(int ta, int tb, int m, int n, int k, const uint16_t *a, int lda, const uint16_t *b, int ldb,
                            float beta, float *c, int ldc) {
    // Only the elements the product reads: the last row of an operand may end before its stride.
    const long na = ta ? (long)(k - 1) * lda + m : (long)(m - 1) * lda + k;
    const long nb = tb ? (long)(n - 1) * ldb + k : (long)(k - 1) * ldb + n;
    float *wa = malloc(sizeof(float) * na), *wb = malloc(sizeof(float) * nb);
    if (!wa || !wb) { fprintf(stderr, "vae: out of memory in a bf16 product\n"); abort(); }
    vae_from_bf16(a, wa, na);
    vae_from_bf16(b, wb, nb);
    static _Atomic int warned;
    if (!force_widened && !warned++) {
        fprintf(stderr, "vae: oneDNN made no bf16 product for %dx%dx%d; that product runs in float32 (slower)\n", m, n, k);
    }
    vae_step_sgemm(ta, tb, m, n, k, 1.0f, wa, lda, wb, ldb, beta, c, ldc);
    free(wa);
    free(wb);
}

void vae_bf16_force_widened(int on) { force_widened = on; }

int vae_bf16_thread_caches(void) {
#if HAVE_ONEDNN_HEADER
    return live_caches;
#else
    return 0;
#endif
}

void vae_bf16_gemm(int ta, int tb, int m, int n, int k, const uint16_t *a, int lda, const uint16_t *b, int ldb, float beta,
                   float *c, int ldc) {
#if HAVE_ONEDNN_HEADER
    thread_cache *t = force_widened ? NULL : my_cache();
    if (t) {
        vae_onednn_one_thread();
        product *p = find_product(t, ta, tb, m, n, k, lda, ldb, ldc, beta != 0.0f);
        if (p && p_dnnl_memory_set_data_handle(p->a, (void *)a) == dnnl_success &&
            p_dnnl_memory_set_data_handle(p->b, (void *)b) == dnnl_success &&
            p_dnnl_memory_set_data_handle(p->c, c) == dnnl_success) {
            dnnl_exec_arg_t args[3] = {{DNNL_ARG_SRC, p->a}, {DNNL_ARG_WEIGHTS, p->b}, {DNNL_ARG_DST, p->c}};
            if (p_dnnl_primitive_execute(p->primitive, t->stream, 3, args) == dnnl_success && p_dnnl_stream_wait(t->stream) == dnnl_success)
                return;
        }
    }
#endif
    widened_product(ta, tb, m, n, k, a, lda, b, ldb, beta, c, ldc);
}
