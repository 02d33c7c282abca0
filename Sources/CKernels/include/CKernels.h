#ifndef CKERNELS_H
#define CKERNELS_H

/// One Adam step over n parameters (PyTorch's Adam: c1 = 1 - beta1^t, c2 = 1 - beta2^t).
/// With clear_gradient, g is zeroed after use.
void vae_adam(float *p, float *g, float *m, float *v, long n, float lr, float beta1, float beta2,
              float epsilon, float c1, float c2, int clear_gradient);

/// Makes OpenBLAS use its AVX2 kernels on AMD CPUs where it picked its AVX-512 ones (unless
/// OPENBLAS_CORETYPE is set); returns the name of the kernel set in use, or NULL if this
/// OpenBLAS cannot switch. Call before any BLAS call runs, from one thread.
const char *vae_choose_blas_kernels(void);

#endif
