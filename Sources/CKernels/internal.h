// What blas_kernels.c shares with the other kernels of this target (not part of the engine's API).
#ifndef CKERNELS_INTERNAL_H
#define CKERNELS_INTERNAL_H

/// oneDNN's library handle (dlopen; NULL when it is not installed) and its major version.
void *vae_onednn_handle(int *major);

/// oneDNN on one thread for the calling thread (each lane of the step is one thread).
void vae_onednn_one_thread(void);

/// Whether the CPU (and the OS's saved register state) has AVX512-BF16, the instructions that
/// make bf16 products faster than float32 ones.
int vae_cpu_has_avx512_bf16(void);

/// The elementwise kernels of the step are built twice, for AVX2 (the target's -march=haswell)
/// and for AVX-512 (x86-64-v4), and the loader picks the one this CPU runs (an ifunc). On a Zen 5
/// that made the bf16 step, whose products are twice as fast, 12% faster, and the float32 step
/// no slower (bench/README.md).
#if defined(__x86_64__)
#define VAE_CLONES __attribute__((target_clones("arch=x86-64-v4", "default")))
#else
#define VAE_CLONES
#endif

#endif
