// Axis scales and "nice" ticks (steps of 1, 2 or 5 times a power of ten; decades on log axes).

import Foundation

struct Scale {
    var d0: Double, d1: Double  // domain
    var r0: Double, r1: Double  // range in px
    var log: Bool

    func callAsFunction(_ v: Double) -> Double {
        let t = log ? (log10(v) - log10(d0)) / (log10(d1) - log10(d0)) : (v - d0) / (d1 - d0)
        return r0 + t * (r1 - r0)
    }
    /// True if v can be placed on this scale.
    func accepts(_ v: Double) -> Bool { v.isFinite && (!log || v > 0) }
}

enum Ticks {
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let e = floor(log10(raw)), f = raw / pow(10, e)
        // Round up to 1, 2, 5 or 10, leaning to the smaller step so short axes still get 4-6 ticks.
        let n: Double = f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10
        return n * pow(10, e)
    }

    static func linearStep(_ lo: Double, _ hi: Double, count: Int, integer: Bool = false) -> Double {
        var s = niceStep((hi - lo) / Double(max(count, 1)))
        if integer { s = max(1, s.rounded()) }
        return s
    }

    /// Tick values inside [lo, hi], about `count` of them, and at least three where the axis
    /// allows (a narrow panel's axis with a lone "0" tells the reader nothing about its scale).
    static func linear(_ lo: Double, _ hi: Double, count: Int, integer: Bool = false) -> [Double] {
        guard hi > lo, lo.isFinite, hi.isFinite else { return [] }
        var step = linearStep(lo, hi, count: count, integer: integer)
        var out = linear(lo, hi, step: step)
        while out.count < 3 {
            let e = floor(log10(step)), n = (step / pow(10, e)).rounded()
            let smaller = (n >= 5 ? 2 : n >= 2 ? 1 : 0.5) * pow(10, e)  // 5 -> 2 -> 1 -> 0.5
            if integer && smaller < 1 { break }
            step = smaller
            out = linear(lo, hi, step: step)
        }
        return out
    }

    static func linear(_ lo: Double, _ hi: Double, step: Double) -> [Double] {
        let first = (lo / step).rounded(.up)
        var out: [Double] = []
        var k = first
        while out.count < 1000 {
            var v = k * step  // multiply, don't accumulate, so 0.1-steps stay exact-looking
            if abs(v) < step * 1e-9 { v = 0 }
            if v > hi + step * 1e-9 { break }
            out.append(v); k += 1
        }
        return out
    }

    /// Ticks for a log axis: powers of ten, thinned when there are many decades, or 1-2-5 within
    /// decades when there are few.
    static func log(_ lo: Double, _ hi: Double, count: Int) -> [Double] {
        guard lo > 0, hi > lo, hi.isFinite else { return [] }
        let e0 = Int(floor(log10(lo))), e1 = Int(ceil(log10(hi)))
        let decades = e1 - e0
        var out: [Double] = []
        if decades <= 2 {
            // Within a decade or two: 1-2-5, or denser mantissas when that leaves fewer than four ticks.
            for ms in [[1.0, 2, 5], [1.0, 2, 3, 5], [1.0, 1.5, 2, 3, 5, 7]] {
                out = []
                for e in e0...e1 { for m in ms { let v = decade(m, e); if v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9) { out.append(v) } } }
                if out.count >= 4 { break }
            }
        } else {
            var every = max(1, Int((Double(decades) / Double(max(count, 1))).rounded(.up)))
            // Every k-th decade, anchored at 10^0 so the labels read 1, 100, 10^4 rather than 10, 1000, 10^5;
            // thinned no further than three labelled decades (two labels cannot show the scale's pace).
            while true {
                out = []
                for e in e0...e1 where ((e % every) + every) % every == 0 {
                    let v = decade(1, e); if v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9) { out.append(v) }
                }
                if out.count >= 3 || every == 1 { break }
                every -= 1
            }
            // Three decades or so, with only two powers of ten inside: add 3s, then 2s and 5s.
            for ms in [[1.0, 3], [1.0, 2, 5]] where out.count < 3 {
                out = []
                for e in e0...e1 { for m in ms { let v = decade(m, e); if v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9) { out.append(v) } } }
            }
        }
        return out
    }

    /// m x 10^e, dividing for negative e so 3e-1 is exactly the double nearest 0.3.
    static func decade(_ m: Double, _ e: Int) -> Double { e < 0 ? m / pow(10, Double(-e)) : m * pow(10, Double(e)) }

    /// Labels with a precision fitted to the step, so 0.1, 0.2, 0.3 never print as 0.30000000000000004.
    static func labels(_ ticks: [Double], log: Bool) -> [String] {
        guard !ticks.isEmpty else { return [] }
        if log { return ticks.map(logLabel) }
        let step = ticks.count > 1 ? abs(ticks[1] - ticks[0]) : max(abs(ticks[0]), 1)
        let big = ticks.map(abs).max() ?? 0
        if big >= 1e6 || (step < 1e-4 && big > 0) {
            // Scientific: mantissa digits from the step relative to the largest power.
            let e = floor(log10(big))
            let digits = safeInt(ceil(-log10(step / pow(10, e)) - 1e-9), 0...6)
            return ticks.map { v in
                if v == 0 { return "0" }
                let ev = floor(log10(abs(v)))
                let m = v / pow(10, ev)
                return fixed(m, min(digits, 6)) + "e" + String(Int(ev))
            }
        }
        let decimals = safeInt(ceil(-log10(step) - 1e-9), 0...12)
        return ticks.map { fixed($0, min(decimals, 10)).replacingOccurrences(of: "-", with: "−") }
    }

    static func logLabel(_ v: Double) -> String {
        let e = log10(v)
        if abs(e - e.rounded()) < 1e-9 {
            let k = Int(e.rounded())
            if k >= 0 && k <= 4 { return String(Int(pow(10, Double(k)).rounded())) }
            if k < 0 && k >= -3 { return fixed(v, -k) }
            return "10^" + String(k)  // drawn with a superscript by the renderer
        }
        let e10 = floor(e)
        if e10 >= -3 && e10 <= 4 { return shortNumber(v) }
        return shortNumber(v / pow(10, e10)) + "×10^" + String(Int(e10))
    }
}
