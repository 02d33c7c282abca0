// Which of OpenBLAS's kernel sets the engine runs on.
//
// Debian's OpenBLAS (0.3.21) is built for many CPUs at once and picks a kernel set when it
// loads. On AMD Zen 4 it picks its AVX-512 set ("Cooperlake"), written for Intel cores; Zen 4
// runs 512-bit instructions as two 256-bit halves, and there OpenBLAS's AVX2 set ("Haswell")
// is faster: 4-7% on every matrix product of the VAE step, measured side by side (bench/README.md).
// OpenBLAS reads OPENBLAS_CORETYPE only while loading, before any of our code runs, so we
// redo its choice through its own exported entry points, once, before the first product.
#include "CKernels.h"
#include <cpuid.h>
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

static int is_amd(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(0, &a, &b, &c, &d)) return 0;
    char vendor[13];
    memcpy(vendor, &b, 4); memcpy(vendor + 4, &d, 4); memcpy(vendor + 8, &c, 4); vendor[12] = 0;
    return strcmp(vendor, "AuthenticAMD") == 0;
}

const char *vae_choose_blas_kernels(void) {
    char *(*corename)(void) = (char *(*)(void))dlsym(RTLD_DEFAULT, "gotoblas_corename");
    void (*init)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "gotoblas_dynamic_init");
    void (*quit)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "gotoblas_dynamic_quit");
    if (!corename || !init || !quit) return NULL;  // an OpenBLAS built for one CPU only
    const char *core = corename();
    // The user's choice wins.
    if (getenv("OPENBLAS_CORETYPE") != NULL || !is_amd()) return core;
    if (strcmp(core, "Cooperlake") != 0 && strcmp(core, "SkylakeX") != 0) return core;
    setenv("OPENBLAS_CORETYPE", "Haswell", 1);
    quit();
    init();
    unsetenv("OPENBLAS_CORETYPE");  // not for the processes we start
    return corename();
}
