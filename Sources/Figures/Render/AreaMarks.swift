// Filled areas: rectangles (histograms), bars, and bands (mean ± k sd, or lower to upper).

import Foundation

extension PlotRenderer {
    static func rectPath(_ l: Layout, _ r: DataRect) -> String? {
        let y0 = l.ys.log && r.y0 <= 0 ? l.ys.d0 : r.y0
        guard let (ax, ay) = px(l, r.x0, y0), let (bx, by) = px(l, r.x1, r.y1), r.y1 != r.y0 else { return nil }
        return "M\(num(ax)) \(num(ay))H\(num(bx))V\(num(by))H\(num(ax))Z"
    }

    static func drawRects(_ r: RectsMark, _ l: Layout) -> String {
        let d = r.rects.compactMap { rectPath(l, $0) }.joined()
        guard !d.isEmpty else { return "" }
        return "<path d=\"\(d)\" fill=\"\(r.color.svg)\" fill-opacity=\"\(fixed(r.opacity, 2))\" stroke=\"\(r.color.svg)\" stroke-width=\"1\"/>\n"
    }

    static func drawBars(_ b: BarsMark, _ l: Layout, _ p: Panel, index: Int) -> String {
        let n = Double(max(p.barSeries, 1)), band = 0.8, w = band / n
        var d = "", e = ""
        for (i, c) in b.categories.enumerated() {
            guard let k = p.categories.firstIndex(of: c), b.values[i].isFinite else { continue }
            let x0 = Double(k) - band / 2 + Double(index) * w
            if let r = rectPath(l, DataRect(x0: x0, x1: x0 + w * 0.92, y0: 0, y1: b.values[i])) { d += r }
            if let err = b.errors?[i], err.isFinite, err > 0, let (cx, y1) = px(l, x0 + w * 0.46, b.values[i] + err),
               let (_, y2) = px(l, x0 + w * 0.46, b.values[i] - err) ?? px(l, x0 + w * 0.46, l.ys.d0) {
                let cap = min(6, (l.xs(1) - l.xs(0)) * w * 0.2)
                e += "M\(num(cx)) \(num(y1))V\(num(y2))M\(num(cx - cap)) \(num(y1))h\(num(2 * cap))M\(num(cx - cap)) \(num(y2))h\(num(2 * cap))"
            }
        }
        var s = d.isEmpty ? "" : "<path d=\"\(d)\" fill=\"\(b.color.svg)\" fill-opacity=\"0.85\"/>\n"
        if !e.isEmpty { s += "<path d=\"\(e)\" stroke=\"currentColor\" stroke-width=\"1.5\" fill=\"none\"/>\n" }
        return s
    }

    static func drawBand(_ b: BandMark, _ l: Layout) -> String {
        // One polygon per run of placeable points: upper edge forward, lower edge back.
        var d = "", run: [(Double, Double, Double)] = []
        func flush() {
            if run.count >= 2 {
                let upper = decimate(run.map { ($0.0, $0.2) }), lower = decimate(run.map { ($0.0, $0.1) })
                d += "M" + upper.map { "\(num($0.0)) \(num($0.1))" }.joined(separator: "L")
                d += "L" + lower.reversed().map { "\(num($0.0)) \(num($0.1))" }.joined(separator: "L") + "Z"
            }
            run.removeAll()
        }
        for i in 0..<b.xs.count {
            if let (x, ylo) = px(l, b.xs[i], b.lo[i]), let (_, yhi) = px(l, b.xs[i], b.hi[i]) { run.append((x, ylo, yhi)) } else { flush() }
        }
        flush()
        var s = d.isEmpty ? "" : "<path d=\"\(d)\" fill=\"\(b.color.svg)\" fill-opacity=\"0.22\"/>\n"
        if let m = b.mean {
            let pts = (0..<b.xs.count).map { px(l, b.xs[$0], m[$0]) }
            s += "<path d=\"\(polyline(pts))\" fill=\"none\" stroke=\"\(b.color.svg)\" stroke-width=\"2\" stroke-linejoin=\"round\"/>\n"
        }
        return s
    }
}
