// Lines: data to pixels, polylines with gaps at missing points, decimation, line marks.

import Foundation

extension PlotRenderer {
    static func px(_ l: Layout, _ x: Double, _ y: Double) -> (Double, Double)? {
        guard l.xs.accepts(x), l.ys.accepts(y) else { return nil }
        return (l.xs(x), l.ys(y))
    }

    /// Polyline path data, broken at points that cannot be placed (NaN, <= 0 on log axes).
    static func polyline(_ pts: [(Double, Double)?]) -> String {
        var d = "", run: [(Double, Double)] = []
        func flush() {
            for (i, q) in decimate(run).enumerated() { d += (i == 0 ? "M" : "L") + num(q.0) + " " + num(q.1) }
            run.removeAll(keepingCapacity: true)
        }
        for q in pts { if let q { run.append(q) } else { flush() } }
        flush()
        return d
    }

    /// Fewer vertices, same picture: consecutive points that fall in the same half-pixel column keep
    /// only their first, lowest, highest and last point (the M4 rule), so a 10,000-step loss curve
    /// costs about four points per column instead of 10,000. Short runs are returned unchanged.
    static func decimate(_ run: [(Double, Double)]) -> [(Double, Double)] {
        guard run.count > 800 else { return run }
        var out: [(Double, Double)] = []
        out.reserveCapacity(run.count / 4)
        var i = 0
        while i < run.count {
            let col = (run[i].0 * 2).rounded(.down)
            var j = i, lo = i, hi = i
            while j + 1 < run.count && (run[j + 1].0 * 2).rounded(.down) == col {
                j += 1
                if run[j].1 < run[lo].1 { lo = j }
                if run[j].1 > run[hi].1 { hi = j }
            }
            for k in Set([i, lo, hi, j]).sorted() { out.append(run[k]) }
            i = j + 1
        }
        return out
    }

    static func drawLine(_ ln: LineMark, _ l: Layout) -> String {
        let pts = (0..<ln.xs.count).map { px(l, ln.xs[$0], ln.ys[$0]) }
        var s = "<path d=\"\(polyline(pts))\" fill=\"none\" stroke=\"\(ln.color.svg)\" stroke-width=\"\(num(ln.width))\" stroke-linejoin=\"round\" stroke-linecap=\"round\""
        if ln.dashed { s += " stroke-dasharray=\"6 4\"" }
        s += "/>\n"
        if ln.markers { s += dots(pts.compactMap { $0 }, color: ln.color, size: 6, opacity: 1) }
        else {
            // A point with gaps on both sides would be invisible as a line: show it as a dot.
            let lone = pts.indices.compactMap { i -> (Double, Double)? in
                guard let q = pts[i], i == 0 || pts[i - 1] == nil, i == pts.count - 1 || pts[i + 1] == nil else { return nil }
                return q
            }
            s += dots(lone, color: ln.color, size: ln.width * 2.5, opacity: 1)
        }
        return s
    }

    /// Many dots in one path: the points are the vertices of one invisible polyline, each carrying a
    /// circle marker. Coordinates are integers in quarter pixels (under scale(.25)) written as
    /// implicit relative line-tos ("m x y dx dy dx dy ..."), visited in a serpentine order over
    /// 12 px cells so successive moves are short; identical dots are merged. About 4-5 bytes a point.
}
