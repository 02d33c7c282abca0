// Random draws for cells: the engine's seeded generator, plus the Double draws and arrays of
// draws that lessons used to write by hand.
//
// The generator itself is the engine's `SeededGenerator` (xoshiro256** seeded by SplitMix64),
// so a cell and a model trained with the same seed share one stream definition. Everything here
// is an extension of `RandomNumberGenerator`, so it works with any generator, but only a seeded
// one makes a page the same on every build.

import VAE
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension RandomNumberGenerator {
    /// A uniform draw in `range` (53 random bits).
    ///
    ///     var rng = SeededGenerator(seed: 1)
    ///     let u = rng.uniformDouble(in: -1...1)
    @inlinable public mutating func uniformDouble(in range: ClosedRange<Double>) -> Double {
        range.lowerBound + (range.upperBound - range.lowerBound) * uniformDouble()
    }

    /// A standard normal draw in double precision (Box–Muller on two 53-bit uniforms; one of the
    /// pair is discarded, so the stream position depends only on how many draws were made).
    @inlinable public mutating func normalDouble() -> Double {
        let u1 = 1 - uniformDouble()  // (0, 1], so the logarithm is finite
        let u2 = uniformDouble()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// A normal draw with the given mean and standard deviation, in double precision.
    @inlinable public mutating func normalDouble(mean: Double, standardDeviation: Double) -> Double {
        mean + standardDeviation * normalDouble()
    }

    /// `count` standard normal draws as `Float`s (the engine's `normal()`, one after another).
    @inlinable public mutating func normals(count: Int, mean: Float = 0, standardDeviation: Float = 1) -> [Float] {
        precondition(count >= 0, "normals(count:): count must not be negative, got \(count)")
        return (0..<count).map { _ in mean + standardDeviation * normal() }
    }

    /// `count` normal draws as `Double`s.
    @inlinable public mutating func normalDoubles(count: Int, mean: Double = 0, standardDeviation: Double = 1) -> [Double] {
        precondition(count >= 0, "normalDoubles(count:): count must not be negative, got \(count)")
        return (0..<count).map { _ in mean + standardDeviation * normalDouble() }
    }

    /// `count` uniform draws in [0, 1) as `Float`s (24 random bits each).
    @inlinable public mutating func uniforms(count: Int) -> [Float] {
        precondition(count >= 0, "uniforms(count:): count must not be negative, got \(count)")
        return (0..<count).map { _ in uniform() }
    }

    /// `count` uniform draws in `range` as `Double`s.
    @inlinable public mutating func uniformDoubles(count: Int, in range: ClosedRange<Double> = 0...1) -> [Double] {
        precondition(count >= 0, "uniformDoubles(count:): count must not be negative, got \(count)")
        return (0..<count).map { _ in uniformDouble(in: range) }
    }

    /// A uniformly chosen index in `0..<n` (no modulo bias: Swift's `Int.random(in:using:)`).
    @inlinable public mutating func index(below n: Int) -> Int {
        precondition(n > 0, "index(below:): n must be positive, got \(n)")
        return Int.random(in: 0..<n, using: &self)
    }
}
