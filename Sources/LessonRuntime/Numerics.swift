// The small numerics that lessons used to write by hand in every cell: averages and spreads,
// running sums, grids and quantiles, and sums of exponentials in log space.
//
// All of them take any collection of Float or Double and compute in Double, so a cell can pass a
// tensor's `scalars` ([Float]) or its own [Double] alike. Empty input is a programming error in a
// cell and traps with a message naming the function, rather than returning NaN silently.
// Everything is @inlinable, so a cell's call is specialised for its element type instead of
// running the unspecialised generic through protocol witnesses (lesson 1's aggregate posterior
// sums 10^8 terms through logMeanExp). Measured: the course's cold build took 138 s of CPU
// before, 113 s after.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The arithmetic mean.
///
///     mean([1, 2, 3, 4])   // 2.5
@inlinable public func mean<C: Collection>(_ values: C) -> Double where C.Element: BinaryFloatingPoint {
    precondition(!values.isEmpty, "mean: no values")
    return values.reduce(0.0) { $0 + Double($1) } / Double(values.count)
}

/// The variance. `unbiased` (the default) divides by n − 1, the estimate of a population's
/// variance from a sample; `unbiased: false` divides by n, the variance of the values themselves.
///
///     variance([1, 2, 3, 4])                    // 1.6666…
///     variance([1, 2, 3, 4], unbiased: false)   // 1.25
@inlinable public func variance<C: Collection>(_ values: C, unbiased: Bool = true) -> Double where C.Element: BinaryFloatingPoint {
    precondition(values.count >= (unbiased ? 2 : 1),
                 "variance: needs at least \(unbiased ? 2 : 1) value\(unbiased ? "s" : ""), got \(values.count)")
    let m = mean(values)
    // Two passes (mean first, then squared deviations): exact for constant input, unlike E[x²] − m².
    let squares = values.reduce(0.0) { $0 + (Double($1) - m) * (Double($1) - m) }
    return squares / Double(values.count - (unbiased ? 1 : 0))
}

/// The standard deviation, the square root of `variance(_:unbiased:)`.
@inlinable public func standardDeviation<C: Collection>(_ values: C, unbiased: Bool = true) -> Double where C.Element: BinaryFloatingPoint {
    variance(values, unbiased: unbiased).squareRoot()
}

/// Running totals: element i is the sum of the first i + 1 values.
///
///     cumulativeSum([1, 2, 3])   // [1, 3, 6]
@inlinable public func cumulativeSum<C: Collection>(_ values: C) -> [Double] where C.Element: BinaryFloatingPoint {
    var total = 0.0
    return values.map { total += Double($0); return total }
}

/// `count` evenly spaced points from `start` to `end`, both included (NumPy's `linspace`).
///
///     evenlySpaced(from: 0, to: 1, count: 5)   // [0, 0.25, 0.5, 0.75, 1]
@inlinable public func evenlySpaced(from start: Double, to end: Double, count: Int) -> [Double] {
    precondition(count >= 1, "evenlySpaced: count must be at least 1, got \(count)")
    if count == 1 { return [start] }
    let step = (end - start) / Double(count - 1)
    // The last point is `end` exactly, not start + (count − 1) · step with its rounding error.
    return (0..<count).map { $0 == count - 1 ? end : start + Double($0) * step }
}

/// The midpoints of `count` equal cells that cover [start, end]: the points of a midpoint-rule
/// quadrature, each standing for a cell of width (end − start) / count.
///
///     cellMidpoints(from: 0, to: 1, count: 4)   // [0.125, 0.375, 0.625, 0.875]
@inlinable public func cellMidpoints(from start: Double, to end: Double, count: Int) -> [Double] {
    precondition(count >= 1, "cellMidpoints: count must be at least 1, got \(count)")
    let width = (end - start) / Double(count)
    return (0..<count).map { start + (Double($0) + 0.5) * width }
}

/// The p-quantile (0 ≤ p ≤ 1), interpolating linearly between order statistics: the value at
/// position p · (n − 1) of the sorted values (NumPy's and R's default, "type 7").
///
///     quantile([1, 2, 3, 4], 0.5)   // 2.5
///     quantile([1, 2, 3, 4], 0.9)   // 3.7
@inlinable public func quantile<C: Collection>(_ values: C, _ p: Double) -> Double where C.Element: BinaryFloatingPoint {
    quantiles(values, [p])[0]
}

/// Several quantiles at once (sorts once).
@inlinable public func quantiles<C: Collection>(_ values: C, _ ps: [Double]) -> [Double] where C.Element: BinaryFloatingPoint {
    precondition(!values.isEmpty, "quantile: no values")
    let sorted = values.map { Double($0) }.sorted()
    return ps.map { p in
        precondition(p >= 0 && p <= 1, "quantile: p must be in [0, 1], got \(p)")
        let position = p * Double(sorted.count - 1)
        let below = Int(position.rounded(.down)), above = min(below + 1, sorted.count - 1)
        let fraction = position - Double(below)
        return sorted[below] + fraction * (sorted[above] - sorted[below])
    }
}

/// log Σ exp(vᵢ), computed without overflow or underflow by factoring out the largest term.
/// Returns −∞ when every value is −∞ (a sum of zeros).
///
///     logSumExp([-1000, -1000])   // −1000 + log 2
@inlinable public func logSumExp<C: Collection>(_ values: C) -> Double where C.Element: BinaryFloatingPoint {
    precondition(!values.isEmpty, "logSumExp: no values")
    let m = values.reduce(-Double.infinity) { max($0, Double($1)) }
    if m == -.infinity { return -.infinity }
    if m == .infinity { return .infinity }
    return m + log(values.reduce(0.0) { $0 + exp(Double($1) - m) })
}

/// log((1/n) Σ exp(vᵢ)): the logarithm of a mean of likelihoods given as log-likelihoods, as in
/// an importance-sampling estimate of log p(x).
@inlinable public func logMeanExp<C: Collection>(_ values: C) -> Double where C.Element: BinaryFloatingPoint {
    logSumExp(values) - log(Double(values.count))
}

/// Σᵢ H(xᵢ) in nats, with H(x) = −x log x − (1 − x) log(1 − x): the binary cross-entropy a decoder
/// pays on grey pixels even when it predicts every pixel's intensity exactly. It is the floor
/// under every −ELBO and −log p(x) the course reports for images whose pixels are not all 0 or 1.
///
///     bernoulliEntropy([0, 1, 0.5])   // log 2 ≈ 0.693
@inlinable public func bernoulliEntropy<C: Collection>(_ pixels: C) -> Double where C.Element: BinaryFloatingPoint {
    pixels.reduce(0.0) { total, p in
        let x = Double(p)
        guard x > 0 && x < 1 else { return total }   // 0 log 0 = 0
        return total - x * log(x) - (1 - x) * log(1 - x)
    }
}
