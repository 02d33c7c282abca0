// Box-Muller in single precision: two standard normals from u1 in (0, 1] and u2 in [0, 1).
// glibc's float logf/sincosf are about three times faster than the double versions, and
// single precision is all a Float normal needs.
#define _GNU_SOURCE
#include "CKernels.h"
#include <math.h>

void vae_box_muller(const double *uniform_pairs, float *out, long first, long end) {
    for (long pair = first / 2; 2 * pair < end; pair++) {
        const float r = sqrtf(-2.0f * logf((float)uniform_pairs[2 * pair]));
        float s, c;
        sincosf(6.2831853071795864769f * (float)uniform_pairs[2 * pair + 1], &s, &c);
        if (2 * pair >= first) out[2 * pair] = r * c;
        if (2 * pair + 1 < end) out[2 * pair + 1] = r * s;
    }
}
