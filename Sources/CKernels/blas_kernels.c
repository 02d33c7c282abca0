// Which of OpenBLAS's kernel sets the engine runs on: chosen by timing them, once per machine.
//
// Debian's OpenBLAS (0.3.21) is built for many CPUs at once (DYNAMIC_ARCH) and picks a kernel
// set by CPU model when it loads. That pick is not the fastest everywhere: on AMD Zen 4 its
// AVX-512 set ("Cooperlake") was 4-7% slower than its AVX2 set ("Haswell") on the VAE step's
// products, because Zen 4 runs 512-bit instructions as two halves; on Zen 5 (full 512-bit
// datapaths) the same AVX-512 set is 1.6x faster than Haswell's. A rule by vendor or model is
// wrong on the next CPU, so the engine times the step's own products with every set this CPU
// can run and keeps the fastest (`probe`). The timings are cached per machine in the user's
// cache folder, so the probe runs once; a user's OPENBLAS_CORETYPE always wins.
//
// oneDNN's sgemm, where the library is installed (Debian libdnnl2, opened with dlopen so that
// the engine does not depend on it), is one more candidate for the compiled training step's
// products (`vae_step_sgemm`): on a 2-core Zen 5 it ran the step's lane products 14% faster
// than OpenBLAS's best set (bench/README.md). The other products (the tape, evaluation) stay
// on OpenBLAS, whose fastest set is chosen in any case.
//
// OpenBLAS reads OPENBLAS_CORETYPE only in gotoblas_dynamic_init, so a switch sets the variable
// and re-runs that entry point. setenv is not safe while another thread may call getenv, so all
// of this runs in a constructor, when the engine's library is loaded: before main, before any
// thread of the program exists (OpenBLAS's own server threads, started by its constructor, read
// no environment). The probe and the cache reads and writes are plain C for the same reason.
#include "CKernels.h"
#include "internal.h"
#include <cpuid.h>
#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

// OpenBLAS's entry points used here, declared rather than included so that this target needs
// no BLAS header path (the enums of cblas.h are ints: RowMajor 101, NoTrans 111, Trans 112).
void cblas_sgemm(int order, int transa, int transb, int m, int n, int k, float alpha, const float *a, int lda,
                 const float *b, int ldb, float beta, float *c, int ldc);
int openblas_get_num_threads(void);
void openblas_set_num_threads(int n);
char *openblas_get_config(void);
enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };

// MARK: What this CPU can run

enum {
    F_AVX = 1, F_AVX2 = 2, F_FMA = 4, F_AVX512 = 8, F_AVX512BF16 = 16, F_AMX = 32,
};

/// The kernel sets worth timing, with the instruction sets their kernels use. Older sets
/// (Nehalem, Core2, Prescott, Barcelona...) are SSE only: on a CPU with AVX they cannot win, and
/// on one without AVX there is nothing to choose between, so OpenBLAS's own pick stands.
static const struct { const char *name, *table; unsigned needs; } families[] = {
    {"Sandybridge", "gotoblas_SANDYBRIDGE", F_AVX},
    {"Haswell", "gotoblas_HASWELL", F_AVX | F_AVX2 | F_FMA},
    {"Zen", "gotoblas_ZEN", F_AVX | F_AVX2 | F_FMA},
    {"SkylakeX", "gotoblas_SKYLAKEX", F_AVX | F_AVX2 | F_FMA | F_AVX512},
    {"Cooperlake", "gotoblas_COOPERLAKE", F_AVX | F_AVX2 | F_FMA | F_AVX512 | F_AVX512BF16},
    {"SapphireRapids", "gotoblas_SAPPHIRERAPIDS", F_AVX | F_AVX2 | F_FMA | F_AVX512 | F_AVX512BF16 | F_AMX},
};
enum { FAMILIES = sizeof families / sizeof families[0] };

static unsigned long long xgetbv0(void) {
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long)hi << 32) | lo;
}

/// The feature bits above that both the CPU and the operating system (saved register state) support.
static unsigned cpu_features(void) {
    unsigned a, b, c, d, f = 0;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    const int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, fma = (c >> 12) & 1;
    if (!osxsave || !avx) return 0;
    const unsigned long long xcr0 = xgetbv0();
    if ((xcr0 & 0x6) != 0x6) return 0;                   // XMM and YMM state
    f |= F_AVX;
    if (fma) f |= F_FMA;
    if (__get_cpuid_max(0, NULL) < 7) return f;
    __cpuid_count(7, 0, a, b, c, d);
    if ((b >> 5) & 1) f |= F_AVX2;
    // F, DQ, CD, BW, VL: what OpenBLAS's SkylakeX kernels use; opmask and ZMM state saved.
    const unsigned avx512 = (1u << 16) | (1u << 17) | (1u << 28) | (1u << 30) | (1u << 31);
    const int zmm_state = (xcr0 & 0xE0) == 0xE0;
    if ((b & avx512) == avx512 && zmm_state) f |= F_AVX512;
    const int amx = ((d >> 22) & 1) && ((d >> 24) & 1) && (xcr0 & 0x60000) == 0x60000;  // AMX-BF16, AMX-TILE, tile state
    unsigned a1, b1, c1, d1;
    __cpuid_count(7, 1, a1, b1, c1, d1);
    if (((a1 >> 5) & 1) && (f & F_AVX512)) f |= F_AVX512BF16;
    if (amx && (f & F_AVX512BF16)) f |= F_AMX;
    return f;
}

/// The CPU's brand string ("AMD EPYC 9B45 ...", trimmed), or its vendor when it has none.
static void cpu_model(char *out, size_t size) {
    unsigned r[12] = {0};
    char brand[49] = {0};
    if (__get_cpuid_max(0x80000000, NULL) >= 0x80000004) {
        for (unsigned i = 0; i < 3; i++) __get_cpuid(0x80000002 + i, &r[4 * i], &r[4 * i + 1], &r[4 * i + 2], &r[4 * i + 3]);
        memcpy(brand, r, 48);
    } else {
        unsigned a, b, c, d;
        __get_cpuid(0, &a, &b, &c, &d);
        memcpy(brand, &b, 4); memcpy(brand + 4, &d, 4); memcpy(brand + 8, &c, 4);
    }
    char *s = brand;
    while (*s == ' ') s++;
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == ' ') s[--n] = 0;
    for (char *p = s; *p; p++) if (*p == ';' || *p == '\n') *p = ' ';  // the key's separators
    snprintf(out, size, "%s", s);
}

// MARK: oneDNN, if installed

typedef int (*dnnl_sgemm_fn)(char transa, char transb, long long m, long long n, long long k, float alpha,
                             const float *a, long long lda, const float *b, long long ldb, float beta, float *c, long long ldc);
typedef struct { int major, minor, patch; const char *hash; unsigned cpu_runtime, gpu_runtime; } dnnl_version_info;
static dnnl_sgemm_fn onednn_sgemm;
static void (*omp_set_threads)(int);
static char onednn_name[32];
static int step_on_onednn;
static void *onednn_library;
static int onednn_major;

/// Opens oneDNN if it is installed; its name with version ("oneDNN-2.6.3", one word as the cache file needs) in onednn_name.
static int load_onednn(void) {
    if (onednn_sgemm) return 1;
    void *h = dlopen("libdnnl.so.2", RTLD_NOW | RTLD_LOCAL);
    if (!h) h = dlopen("libdnnl.so.3", RTLD_NOW | RTLD_LOCAL);
    if (!h) return 0;
    dnnl_sgemm_fn f = (dnnl_sgemm_fn)dlsym(h, "dnnl_sgemm");
    const dnnl_version_info *(*version)(void) = (const dnnl_version_info *(*)(void))dlsym(h, "dnnl_version");
    if (!f || !version) { dlclose(h); return 0; }
    // An OpenMP build runs each call on all cores unless told otherwise; inside a lane it must
    // run on one (see vae_step_sgemm). A build without OpenMP has no such function and runs
    // sequentially or on its own pool.
    omp_set_threads = (void (*)(int))dlsym(h, "omp_set_num_threads");
    const dnnl_version_info *v = version();
    snprintf(onednn_name, sizeof onednn_name, "oneDNN-%d.%d.%d", v->major, v->minor, v->patch);
    onednn_major = v->major;
    onednn_library = h;
    onednn_sgemm = f;
    return 1;
}

void *vae_onednn_handle(int *major) {
    if (!load_onednn()) return NULL;
    if (major) *major = onednn_major;
    return onednn_library;
}

int vae_cpu_has_avx512_bf16(void) { return (cpu_features() & F_AVX512BF16) != 0; }

/// oneDNN on one thread for the calling thread (each lane is one thread; OpenMP's thread count
/// is a per-thread setting).
void vae_onednn_one_thread(void) {
    static __thread int done;
    if (!done && omp_set_threads) omp_set_threads(1);
    done = 1;
}

static void onednn_gemm(int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda, const float *b, int ldb,
                        float beta, float *c, int ldc) {
    vae_onednn_one_thread();
    onednn_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void vae_step_sgemm(int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda, const float *b, int ldb,
                    float beta, float *c, int ldc) {
    if (step_on_onednn) {
        onednn_gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    } else {
        cblas_sgemm(ROW_MAJOR, ta ? TRANS : NO_TRANS, tb ? TRANS : NO_TRANS, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }
}

int vae_step_sgemm_is_onednn(void) { return step_on_onednn; }

int vae_step_sgemm_select(int onednn) {
    if (onednn && !load_onednn()) return 0;
    step_on_onednn = onednn;
    return 1;
}

// MARK: The pure part (tested without timing anything)

int vae_blas_fastest(const vae_kernel_timing *t, int n) {
    int best = -1;
    for (int i = 0; i < n; i++) {
        if (!(t[i].seconds > 0) || !isfinite(t[i].seconds)) continue;
        if (best < 0 || t[i].seconds < t[best].seconds) best = i;
    }
    return best;
}

static int is_runnable(const char *name, const char *const *runnable, int n) {
    for (int i = 0; i < n; i++) if (strcmp(name, runnable[i]) == 0) return 1;
    return 0;
}

/// Parses a cache file: its key line must be `key`, and every timed set one this machine can
/// run. Returns 0 (with the reason in out->note) for anything else.
static int parse_cache(const char *text, const char *key, const char *const *runnable, int n_runnable, vae_blas_choice *out) {
    int have_key = 0;
    out->count = 0;
    const char *line = text;
    while (line && *line) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char buf[512];
        if (len >= sizeof buf) { snprintf(out->note, sizeof out->note, "a line of %zu bytes", len); return 0; }
        memcpy(buf, line, len); buf[len] = 0;
        line = end ? end + 1 : NULL;
        if (buf[0] == '#' || buf[0] == 0) continue;
        if (strncmp(buf, "key ", 4) == 0) {
            if (strcmp(buf + 4, key) != 0) { snprintf(out->note, sizeof out->note, "made on another machine (%.200s)", buf + 4); return 0; }
            have_key = 1;
        } else if (strncmp(buf, "time ", 5) == 0) {
            char name[sizeof out->timings[0].name];
            double seconds;
            char extra;
            if (sscanf(buf + 5, "%31s %lf %c", name, &seconds, &extra) != 2 || !(seconds > 0) || !isfinite(seconds)) {
                snprintf(out->note, sizeof out->note, "an unreadable line \"%.200s\"", buf); return 0;
            }
            if (!is_runnable(name, runnable, n_runnable)) {
                snprintf(out->note, sizeof out->note, "a kernel set this CPU cannot run (%s)", name); return 0;
            }
            if (out->count == VAE_MAX_KERNEL_SETS) { snprintf(out->note, sizeof out->note, "too many timings"); return 0; }
            snprintf(out->timings[out->count].name, sizeof out->timings[0].name, "%s", name);
            out->timings[out->count++].seconds = seconds;
        } else {
            snprintf(out->note, sizeof out->note, "an unreadable line \"%.200s\"", buf); return 0;
        }
    }
    if (!have_key) { snprintf(out->note, sizeof out->note, "no key line"); return 0; }
    if (out->count == 0) { snprintf(out->note, sizeof out->note, "no timings"); return 0; }
    return 1;
}

int vae_blas_decide(vae_blas_choice *c) {
    vae_kernel_timing blas[VAE_MAX_KERNEL_SETS];
    int n = 0, onednn = -1;
    for (int i = 0; i < c->count; i++) {
        if (strncmp(c->timings[i].name, "oneDNN", 6) == 0) onednn = i; else blas[n++] = c->timings[i];
    }
    const int best = vae_blas_fastest(blas, n);
    if (best < 0) return 0;
    snprintf(c->kernels, sizeof c->kernels, "%s", blas[best].name);
    const int on = onednn >= 0 && vae_blas_fastest(&c->timings[onednn], 1) == 0 && c->timings[onednn].seconds < blas[best].seconds;
    snprintf(c->step_sgemm, sizeof c->step_sgemm, "%s", on ? c->timings[onednn].name : "OpenBLAS");
    return 1;
}

int vae_blas_plan(const char *user, const char *cache_text, const char *key, const char *const *runnable, int n_runnable,
                  vae_blas_choice *out) {
    out->count = 0; out->kernels[0] = 0; out->note[0] = 0;
    snprintf(out->step_sgemm, sizeof out->step_sgemm, "OpenBLAS");
    if (user && *user) {
        snprintf(out->kernels, sizeof out->kernels, "%s", user);
        return out->source = VAE_KERNELS_USER;
    }
    if (cache_text && parse_cache(cache_text, key, runnable, n_runnable, out) && vae_blas_decide(out)) {
        return out->source = VAE_KERNELS_CACHED;
    }
    if (cache_text && out->note[0] == 0) snprintf(out->note, sizeof out->note, "no OpenBLAS kernel set timed");
    out->count = 0;
    if (cache_text) {
        char why[sizeof out->note];
        snprintf(why, sizeof why, "%s", out->note);
        snprintf(out->note, sizeof out->note, "the cache file was not used: %s", why);
    }
    return out->source = VAE_KERNELS_PROBED;
}

int vae_blas_format_cache(const char *key, const vae_blas_choice *c, char *buf, size_t size) {
    int n = snprintf(buf, size,
                     "# lessons: OpenBLAS kernel sets timed on this machine (seconds per lane of the VAE training step's\n"
                     "# matrix products, one thread, best of several). Delete this file to time them again.\n"
                     "key %s\n", key);
    for (int i = 0; i < c->count && n >= 0 && (size_t)n < size; i++)
        n += snprintf(buf + n, size - (size_t)n, "time %s %.9f\n", c->timings[i].name, c->timings[i].seconds);
    return n >= 0 && (size_t)n < size;
}

// MARK: Switching and timing

typedef char *(*corename_fn)(void);
typedef void (*void_fn)(void);
static corename_fn corename;
static void_fn dynamic_init, dynamic_quit;

/// Makes OpenBLAS use `name`'s kernels; false if it did not take them.
static int switch_to(const char *name) {
    if (strcmp(corename(), name) == 0) return 1;
    setenv("OPENBLAS_CORETYPE", name, 1);
    dynamic_quit();
    dynamic_init();
    return strcmp(corename(), name) == 0;
}

static double thread_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/// The products one lane runs in a training step of the 784-400-20 VAE at batch 128
/// (Training/CompiledStep.swift): forward and input gradients of its 64 rows, and weight gradients of
/// its half of each layer's output units over all 128 rows. {m, n, k, transposeA, transposeB}.
static const int lane_shapes[][5] = {
    {64, 400, 784, 0, 1}, {64, 40, 400, 0, 1}, {64, 400, 20, 0, 1}, {64, 784, 400, 0, 1},   // forward
    {64, 400, 784, 0, 0}, {64, 20, 400, 0, 0}, {64, 400, 40, 0, 0},                        // dx
    {392, 400, 128, 1, 0}, {200, 20, 128, 1, 0}, {24, 400, 128, 1, 0}, {200, 784, 128, 1, 0}, // dW
};
enum { LANE_SHAPES = sizeof lane_shapes / sizeof lane_shapes[0] };

/// Thread CPU seconds of one pass over the lane's products (preemption by other processes does
/// not count; OpenBLAS runs single-threaded during the probe, as it does inside a lane).
static double time_pass(const float *a, const float *b, float *c, int onednn) {
    const double t0 = thread_seconds();
    for (int s = 0; s < LANE_SHAPES; s++) {
        const int m = lane_shapes[s][0], n = lane_shapes[s][1], k = lane_shapes[s][2];
        const int ta = lane_shapes[s][3], tb = lane_shapes[s][4];
        if (onednn) onednn_gemm(ta, tb, m, n, k, 1.0f, a, ta ? m : k, b, tb ? k : n, 0.0f, c, n);
        else cblas_sgemm(ROW_MAJOR, ta ? TRANS : NO_TRANS, tb ? TRANS : NO_TRANS, m, n, k, 1.0f, a, ta ? m : k, b, tb ? k : n, 0.0f, c, n);
    }
    return thread_seconds() - t0;
}

static int is_onednn(const char *name) { return strncmp(name, "oneDNN", 6) == 0; }

/// Times every candidate, rounds interleaved so that a change in the machine's load hits all
/// alike; each keeps its best pass. A set more than 1.5x slower than the best after two rounds
/// is dropped (it cannot win, and timing it costs the most). About 50 ms on a 2-core Zen 5.
static void probe(const char *const *names, int n, vae_blas_choice *out) {
    enum { ROUNDS = 7 };
    size_t size = 0;
    for (int s = 0; s < LANE_SHAPES; s++) {
        const size_t m = (size_t)lane_shapes[s][0], nn = (size_t)lane_shapes[s][1], k = (size_t)lane_shapes[s][2];
        size_t x = m * k > k * nn ? m * k : k * nn;
        if (m * nn > x) x = m * nn;
        if (x > size) size = x;
    }
    float *a = malloc(size * sizeof(float)), *b = malloc(size * sizeof(float)), *c = malloc(size * sizeof(float));
    out->count = 0;
    if (!a || !b || !c) { free(a); free(b); free(c); return; }
    unsigned state = 12345u;
    for (size_t i = 0; i < size; i++) {
        state = state * 1664525u + 1013904223u; a[i] = (float)(state >> 8) / 16777216.0f - 0.5f;
        state = state * 1664525u + 1013904223u; b[i] = (float)(state >> 8) / 16777216.0f - 0.5f;
    }
    const int threads = openblas_get_num_threads();
    openblas_set_num_threads(1);
    double best[VAE_MAX_KERNEL_SETS];
    int alive[VAE_MAX_KERNEL_SETS];
    for (int i = 0; i < n; i++) {
        alive[i] = is_onednn(names[i]) || switch_to(names[i]);
        best[i] = INFINITY;
        if (alive[i]) (void)time_pass(a, b, c, is_onednn(names[i]));  // warm-up: the libraries' buffers, the caches
    }
    for (int r = 0; r < ROUNDS; r++) {
        for (int i = 0; i < n; i++) {
            if (!alive[i] || !(is_onednn(names[i]) || switch_to(names[i]))) continue;
            const double t = time_pass(a, b, c, is_onednn(names[i]));
            if (t < best[i]) best[i] = t;
        }
        if (r == 1) {
            double fastest = INFINITY;
            for (int i = 0; i < n; i++) if (alive[i] && best[i] < fastest) fastest = best[i];
            for (int i = 0; i < n; i++) if (alive[i] && best[i] > 1.5 * fastest) alive[i] = 0;
        }
    }
    openblas_set_num_threads(threads);
    for (int i = 0; i < n; i++) {
        if (!isfinite(best[i])) continue;
        snprintf(out->timings[out->count].name, sizeof out->timings[0].name, "%s", names[i]);
        out->timings[out->count++].seconds = best[i];
    }
    free(a); free(b); free(c);
}

// MARK: The cache file

/// $XDG_CACHE_HOME/lessons (if absolute), else $HOME/.cache/lessons; 0 if neither is set.
static int cache_dir(char *out, size_t size) {
    const char *x = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    int n;
    if (x && x[0] == '/') n = snprintf(out, size, "%s/lessons", x);
    else if (home && home[0] == '/') n = snprintf(out, size, "%s/.cache/lessons", home);
    else return 0;
    return n > 0 && (size_t)n < size;
}

static int make_dirs(char *path) {
    for (char *p = path + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        const int rc = mkdir(path, 0755);
        *p = '/';
        if (rc != 0 && errno != EEXIST) return 0;
    }
    return mkdir(path, 0755) == 0 || errno == EEXIST;
}

/// The file's first 16 KB (a longer file is not one of ours, and fails to parse), or NULL.
static char *read_small_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    enum { MAX = 16384 };
    char *buf = malloc(MAX + 1);
    const size_t n = buf ? fread(buf, 1, MAX, f) : 0;
    fclose(f);
    if (buf) buf[n] = 0;
    return buf;
}

/// Written to a temporary file and renamed, so that two processes probing at once never leave
/// a half-written file.
static int write_file_atomically(const char *path, const char *text) {
    char tmp[sizeof ((vae_blas_choice *)0)->cache_path + 32];
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f) return 0;
    const size_t len = strlen(text);
    const int written = fwrite(text, 1, len, f) == len;
    const int closed = fclose(f) == 0;
    if (written && closed && rename(tmp, path) == 0) return 1;
    const int saved = errno;
    unlink(tmp);
    errno = saved;
    return 0;
}

static unsigned long long fnv1a(const char *s) {
    unsigned long long h = 1469598103934665603ull;
    for (; *s; s++) { h ^= (unsigned char)*s; h *= 1099511628211ull; }
    return h;
}

// MARK: At load

static vae_blas_choice choice;

const vae_blas_choice *vae_blas_kernel_choice(void) { return &choice; }

__attribute__((constructor)) static void choose_blas_kernels(void) {
    choice.source = VAE_KERNELS_FIXED;
    snprintf(choice.kernels, sizeof choice.kernels, "fixed at build");
    corename = (corename_fn)dlsym(RTLD_DEFAULT, "gotoblas_corename");
    dynamic_init = (void_fn)dlsym(RTLD_DEFAULT, "gotoblas_dynamic_init");
    dynamic_quit = (void_fn)dlsym(RTLD_DEFAULT, "gotoblas_dynamic_quit");
    if (!corename || !dynamic_init || !dynamic_quit) return;  // an OpenBLAS built for one CPU only

    // The sets OpenBLAS has and this CPU can run.
    const unsigned features = cpu_features();
    const char *runnable[FAMILIES + 1];
    int n = 0;
    for (int i = 0; i < FAMILIES; i++)
        if ((families[i].needs & ~features) == 0 && dlsym(RTLD_DEFAULT, families[i].table)) runnable[n++] = families[i].name;
    const char *user_early = getenv("OPENBLAS_CORETYPE");
    if (!(user_early && *user_early) && load_onednn()) runnable[n++] = onednn_name;

    // The key: CPU model, core count, OpenBLAS version ("OpenBLAS 0.3.21 DYNAMIC_ARCH ..." → "0.3.21").
    char model[64], version[32] = "unknown", key[192];
    cpu_model(model, sizeof model);
    const char *config = openblas_get_config();
    if (config && strncmp(config, "OpenBLAS ", 9) == 0) sscanf(config + 9, "%31s", version);
    snprintf(key, sizeof key, "cpu=%s;cores=%ld;openblas=%s;probe=1", model, sysconf(_SC_NPROCESSORS_ONLN), version);

    char dir[sizeof choice.cache_path - 40];
    const int have_dir = cache_dir(dir, sizeof dir);
    if (have_dir) snprintf(choice.cache_path, sizeof choice.cache_path, "%s/blas-kernels-%016llx.txt", dir, fnv1a(key));
    const char *user = getenv("OPENBLAS_CORETYPE");
    char *text = user || !have_dir ? NULL : read_small_file(choice.cache_path);
    const int plan = vae_blas_plan(user, text, key, runnable, n, &choice);
    free(text);
    if (plan == VAE_KERNELS_USER) {
        snprintf(choice.kernels, sizeof choice.kernels, "%s", corename());  // what OpenBLAS made of it
        return;
    }
    char original[sizeof choice.kernels];
    snprintf(original, sizeof original, "%s", corename());
    if (plan == VAE_KERNELS_PROBED) {
        // choice.note says why a cache file there was not used, if there was one.
        if (n < 2) {  // nothing to choose between: OpenBLAS's pick stands, untimed
            choice.source = VAE_KERNELS_DEFAULT;
            snprintf(choice.kernels, sizeof choice.kernels, "%s", original);
            snprintf(choice.note, sizeof choice.note, "no other kernel set to time on this CPU");
            return;
        }
        probe(runnable, n, &choice);
        if (!vae_blas_decide(&choice)) {
            choice.source = VAE_KERNELS_DEFAULT;
            (void)switch_to(original);
            snprintf(choice.kernels, sizeof choice.kernels, "%s", corename());
            snprintf(choice.note, sizeof choice.note, "the probe could not time any kernel set");
            unsetenv("OPENBLAS_CORETYPE");
            return;
        }
        char body[2048];
        if (!have_dir) {
            snprintf(choice.note, sizeof choice.note, "not cached: neither XDG_CACHE_HOME nor HOME is an absolute path");
        } else if (!vae_blas_format_cache(key, &choice, body, sizeof body) || !make_dirs(dir) ||
                   !write_file_atomically(choice.cache_path, body)) {
            snprintf(choice.note, sizeof choice.note, "not cached: could not write %.200s: %s", choice.cache_path, strerror(errno));
            choice.cache_path[0] = 0;
        }
    }
    if (!switch_to(choice.kernels)) {  // a cached set that this OpenBLAS does not take
        snprintf(choice.note, sizeof choice.note, "OpenBLAS did not take %s; its own pick stands", choice.kernels);
        (void)switch_to(original);
        snprintf(choice.kernels, sizeof choice.kernels, "%s", corename());
        choice.source = VAE_KERNELS_DEFAULT;
    }
    unsetenv("OPENBLAS_CORETYPE");  // the user had not set it; not for the processes we start
    step_on_onednn = strcmp(choice.step_sgemm, "OpenBLAS") != 0 && onednn_sgemm != NULL;
}
