#ifndef CKERNELS_H
#define CKERNELS_H

/// One Adam step over n parameters (PyTorch's Adam: c1 = 1 - beta1^t, c2 = 1 - beta2^t).
/// With clear_gradient, g is zeroed after use.
void vae_adam(float *p, float *g, float *m, float *v, long n, float lr, float beta1, float beta2,
              float epsilon, float c1, float c2, int clear_gradient);

/// y[r, :] += b (then max(., 0) with relu) for `rows` rows `ld` apart.
void vae_add_bias(float *y, const float *b, long rows, long cols, long ld, int relu);

/// The fused Bernoulli loss on a block of logits (`rows` x `cols`, rows `ld` apart): adds the bias
/// to the logits, writes dBCE/dlogit = sigmoid(l) - x into grad, and adds each column's BCE,
/// row by row in order, into column_sums.
void vae_bias_bce_columns(float *logits, const float *bias, const float *x, float *grad, long rows, long cols, long ld,
                          float *column_sums);

/// Sum over n values of BCE(l, x), stable for any logit, with the gradient sigmoid(l) - x written to grad.
double vae_bce(const float *l, const float *x, float *grad, long n);

/// Standard normals [first, end) of a sequence made two at a time (Box-Muller) from uniform
/// pairs: pair i = (u1, u2) = uniform_pairs[2i], uniform_pairs[2i + 1], u1 in (0, 1], u2 in [0, 1).
void vae_box_muller(const double *uniform_pairs, float *out, long first, long end);

#include <stddef.h>

/// A spin-wait's pause: tells the core this thread is waiting (x86 `pause`), which frees
/// execution resources for a sibling hardware thread and costs a few dozen cycles.
static inline void vae_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

// OpenBLAS's kernel set, chosen when the engine's library loads (blas_kernels.c).

enum {
    VAE_KERNELS_FIXED = 0,    ///< an OpenBLAS built for one CPU: nothing to choose
    VAE_KERNELS_USER = 1,     ///< the user's OPENBLAS_CORETYPE
    VAE_KERNELS_CACHED = 2,   ///< the fastest of the timings in this machine's cache file
    VAE_KERNELS_PROBED = 3,   ///< timed now (the first run on this machine, or the cache file was unusable)
    VAE_KERNELS_DEFAULT = 4,  ///< OpenBLAS's own pick (nothing else to time, or the probe failed; see note)
};
enum { VAE_MAX_KERNEL_SETS = 8 };

typedef struct {
    char name[32];    ///< OpenBLAS's name of the set ("Haswell", "Cooperlake", ...)
    double seconds;   ///< best time of one lane's products of a training step
} vae_kernel_timing;

typedef struct {
    int source;                                      ///< VAE_KERNELS_*
    char kernels[32];                                ///< the OpenBLAS set in use
    char step_sgemm[32];                             ///< what runs the compiled step's products: "OpenBLAS" or "oneDNN-x.y.z"
    int count;                                       ///< timings (probed now or read from the cache)
    vae_kernel_timing timings[VAE_MAX_KERNEL_SETS];
    char cache_path[1024];                           ///< this machine's cache file ("" if there is no cache folder or it could not be written)
    char note[320];                                  ///< why a cache file was not used or not written, or ""
} vae_blas_choice;

/// What the engine chose at load.
const vae_blas_choice *vae_blas_kernel_choice(void);

/// Index of the fastest timing (positive and finite; the first of equals), or -1.
int vae_blas_fastest(const vae_kernel_timing *timings, int n);

/// The decision before any timing: the user's OPENBLAS_CORETYPE (or NULL) wins; else a cache
/// file's text (or NULL) whose key line is `key` and whose sets are all among `runnable` gives
/// the fastest of its timings; else VAE_KERNELS_PROBED, meaning "time them" (with the reason a
/// cache file was not used in out->note). Fills `out` and returns its source.
int vae_blas_plan(const char *user, const char *cache_text, const char *key, const char *const *runnable, int n_runnable,
                  vae_blas_choice *out);

/// From c's timings: the fastest OpenBLAS set into c->kernels, and into c->step_sgemm "OpenBLAS"
/// or oneDNN's timing name if oneDNN's sgemm was faster still. 0 if no OpenBLAS set was timed.
int vae_blas_decide(vae_blas_choice *c);

/// The compiled training step's matrix product (row-major C = alpha op(A) op(B) + beta C) on
/// the library chosen at load: oneDNN's sgemm on one thread, or OpenBLAS's.
void vae_step_sgemm(int transpose_a, int transpose_b, int m, int n, int k, float alpha, const float *a, int lda,
                    const float *b, int ldb, float beta, float *c, int ldc);

/// 1 if the compiled step's products run on oneDNN's sgemm, 0 if on OpenBLAS.
int vae_step_sgemm_is_onednn(void);

/// Runs the step's products on oneDNN (1) or OpenBLAS (0) from now on, whatever the probe chose
/// (tests); 0 if oneDNN is asked for and not installed.
int vae_step_sgemm_select(int onednn);

/// The cache file's text for `key` and c's timings into buf; 0 if it does not fit.
int vae_blas_format_cache(const char *key, const vae_blas_choice *c, char *buf, size_t size);

#include <stdint.h>

// Mixed precision for the compiled step (bf16.c): bf16 products with float32 accumulation.

/// 1 if bf16 products can run here (oneDNN 2 installed, a CPU with AVX512-BF16, the engine built
/// with oneDNN's header); else 0, with the reason (what to install, or why not) in `why`.
int vae_bf16_available(char *why, size_t size);

/// oneDNN's name for the kernel of the first bf16 product made ("brg:avx512_core_bf16", ...), or "".
const char *vae_bf16_implementation(void);

/// C = op(A) op(B) + beta C (row-major) with A and B in bf16 and C in float32; beta is 0 or 1.
/// Needs vae_bf16_available; where oneDNN makes no kernel for a shape, that product runs in
/// float32 from the widened inputs (the same numbers up to float32 rounding) with one warning.
void vae_bf16_gemm(int transpose_a, int transpose_b, int m, int n, int k, const uint16_t *a, int lda, const uint16_t *b,
                   int ldb, float beta, float *c, int ldc);

/// Tests: run every bf16 product on the float32 fallback (1) or on oneDNN again (0).
void vae_bf16_force_widened(int on);

/// Tests: how many threads hold a cache of bf16 products (a thread's goes when it ends).
int vae_bf16_thread_caches(void);

/// bf16 of n values, rounded to nearest even.
void vae_to_bf16(const float *x, uint16_t *out, long n);

/// float32 of n bf16 values (exact).
void vae_from_bf16(const uint16_t *x, float *out, long n);

/// vae_adam (without clearing g), writing also the bf16 copy p16 of the updated parameters.
void vae_adam_bf16(float *p, const float *g, float *m, float *v, uint16_t *p16, long n, float lr, float beta1, float beta2,
                   float epsilon, float c1, float c2);

#endif
