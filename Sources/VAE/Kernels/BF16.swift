import CKernels

extension VAEEngine {
    /// Why this machine cannot train with `Precision.bf16` (what to install, or what the CPU
    /// lacks), or nil when it can: bf16 products need oneDNN 2 (Debian's libdnnl2, and its
    /// header libdnnl-dev when the engine is built) and a CPU with AVX512-BF16.
    public static var bf16Unavailable: String? {
        var why = [CChar](repeating: 0, count: 256)
        return vae_bf16_available(&why, why.count) == 1 ? nil : String(cString: why)
    }

    /// oneDNN's name for the kernel that runs the bf16 products (after a bf16 training step), or nil.
    public static var bf16Implementation: String? {
        let s = String(cString: vae_bf16_implementation())
        return s.isEmpty ? nil : s
    }
}

/// The compiled step's bf16 product: C = op(A) op(B) (+ C with `accumulate`), A and B in bf16, C float32.
@inline(__always)
func stepGEMM16(_ transA: Bool, _ transB: Bool, m: Int, n: Int, k: Int, _ a: UnsafePointer<UInt16>, lda: Int,
                _ b: UnsafePointer<UInt16>, ldb: Int, accumulate: Bool = false, _ c: UnsafeMutablePointer<Float>, ldc: Int) {
    vae_bf16_gemm(transA ? 1 : 0, transB ? 1 : 0, Int32(m), Int32(n), Int32(k), a, Int32(lda), b, Int32(ldb),
                  accumulate ? 1 : 0, c, Int32(ldc))
}

/// bf16 copies of `count` float32 values, rounded to nearest even.
@inline(__always)
func toBF16(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<UInt16>, count: Int) {
    vae_to_bf16(x, out, count)
}
