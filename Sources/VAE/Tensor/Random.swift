import CKernels
import Glibc

/// A small, fast, seeded random number generator (xoshiro256**, seeded by SplitMix64), so
/// a run with the same seed is the same bit for bit on the same machine.
///
/// ```swift
/// var rng = SeededGenerator(seed: 1)
/// let u = rng.uniform()      // in [0, 1)
/// let e = rng.normal()       // standard normal
/// ```
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var s0, s1, s2, s3: UInt64

    /// A generator whose whole stream is fixed by `seed`.
    public init(seed: UInt64) {
        var x = seed
        func splitmix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitmix(); s1 = splitmix(); s2 = splitmix(); s3 = splitmix()
    }

    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    @inline(__always) private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}

extension RandomNumberGenerator {
    /// Uniform in [0, 1), with 24 random bits (every Float in the grid is reachable).
    @inline(__always)
    public mutating func uniform() -> Float { Float(next() >> 40) * 0x1p-24 }

    /// Uniform in [0, 1) as a Double, 53 random bits.
    @inline(__always)
    public mutating func uniformDouble() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// A standard normal draw (Box–Muller; one of the pair is discarded so the stream
    /// position depends only on the number of draws).
    @inline(__always)
    public mutating func normal() -> Float {
        let u1 = 1 - uniformDouble()  // (0, 1], so log is finite
        let u2 = uniformDouble()
        return Float(Glibc.sqrt(-2 * Glibc.log(u1)) * Glibc.cos(2 * Double.pi * u2))
    }

    /// A normal draw with the given mean and standard deviation.
    public mutating func normal(mean: Float, standardDeviation: Float) -> Float {
        mean + standardDeviation * normal()
    }
}

/// Fills `v` with standard normal draws, two per Box–Muller pair (used on hot paths).
@inline(__always)
func fillNormal<G: RandomNumberGenerator>(_ v: inout [Float], using rng: inout G) {
    v.withUnsafeMutableBufferPointer { p in fillNormal(p.baseAddress!, count: p.count, using: &rng) }
}

@inline(__always)
func fillNormal<G: RandomNumberGenerator>(_ p: UnsafeMutablePointer<Float>, count n: Int, using rng: inout G) {
    withUnsafeTemporaryAllocation(of: Double.self, capacity: 256) { u in
        var done = 0
        while done < n {  // 128 pairs at a time
            let k = min(256, n - done)
            drawUniformPairs(forNormals: k, into: u.baseAddress!, using: &rng)
            vae_box_muller(u.baseAddress!, p + done, 0, k)
            done += k
        }
    }
}

/// The uniforms `fillNormal` draws for `n` normals (a pair per two normals), so that the
/// normals can be made elsewhere, in parts (`normals(fromUniformPairs:…)`).
@inline(__always)
func drawUniformPairs<G: RandomNumberGenerator>(forNormals n: Int, into u: UnsafeMutablePointer<Double>, using rng: inout G) {
    for i in 0..<((n + 1) / 2) {
        u[2 * i] = 1 - rng.uniformDouble()
        u[2 * i + 1] = rng.uniformDouble()
    }
}

/// Normals `range` of what `fillNormal` would have written from these uniform pairs.
@inline(__always)
func normals(fromUniformPairs u: UnsafePointer<Double>, into p: UnsafeMutablePointer<Float>, range: Range<Int>) {
    vae_box_muller(u, p, range.lowerBound, range.upperBound)
}

extension Array {
    /// Fisher–Yates shuffle driven by `rng` (the standard library's algorithm is not
    /// guaranteed stable across releases; this one is).
    mutating func seededShuffle<G: RandomNumberGenerator>(using rng: inout G) {
        guard count > 1 else { return }
        for i in stride(from: count - 1, to: 0, by: -1) {
            let j = Int(rng.next() % UInt64(i + 1))
            swapAt(i, j)
        }
    }
}
