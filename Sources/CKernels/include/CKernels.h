#ifndef CKERNELS_H
#define CKERNELS_H

/// One Adam step over n parameters (PyTorch's Adam: c1 = 1 - beta1^t, c2 = 1 - beta2^t).
/// With clear_gradient, g is zeroed after use.
void vae_adam(float *p, float *g, float *m, float *v, long n, float lr, float beta1, float beta2,
              float epsilon, float c1, float c2, int clear_gradient);

#endif
