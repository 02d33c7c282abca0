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

/// Makes OpenBLAS use its AVX2 kernels on AMD CPUs where it picked its AVX-512 ones (unless
/// OPENBLAS_CORETYPE is set); returns the name of the kernel set in use, or NULL if this
/// OpenBLAS cannot switch. Call before any BLAS call runs, from one thread.
const char *vae_choose_blas_kernels(void);

#endif
