// Where a panel already draws, so the legend can go where it covers nothing.

import Foundation

/// A coarse raster of where a panel draws data, used to place the legend where it covers nothing.
struct Occupancy {
    let cell = 6.0
    var cols: Int, rows: Int, origin: (Double, Double)
    var bits: [Bool]

    init(_ p: Panel, _ l: Layout) {
        let pl = l.plot
        origin = (pl.x, pl.y)
        cols = safeInt(pl.w / cell, 0...2000) + 1; rows = safeInt(pl.h / cell, 0...2000) + 1
        bits = [Bool](repeating: false, count: cols * rows)
        func mark(_ x: Double, _ y: Double) {
            guard x.isFinite, y.isFinite else { return }
            let c = safeInt((x - origin.0) / cell, -1...cols), r = safeInt((y - origin.1) / cell, -1...rows)
            if c >= 0 && c < cols && r >= 0 && r < rows { bits[r * cols + c] = true }
        }
        func segment(_ a: (Double, Double), _ b: (Double, Double)) {
            let len = max(abs(b.0 - a.0), abs(b.1 - a.1))
            let n = safeInt(len / 3, 1...2000)
            for k in 0...n { let t = Double(k) / Double(n); mark(a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t) }
        }
        func poly(_ pts: [(Double, Double)?]) {
            var prev: (Double, Double)? = nil
            for q in pts { if let q, let p0 = prev { segment(p0, q) } else if let q { mark(q.0, q.1) }; prev = q }
        }
        func fill(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double) {
            var y = min(y0, y1)
            while y <= max(y0, y1) { var x = min(x0, x1); while x <= max(x0, x1) { mark(x, y); x += cell / 2 }; y += cell / 2 }
        }
        for m in p.a.marks {
            switch m {
            case .line(let ln): poly((0..<ln.xs.count).map { PlotRenderer.px(l, ln.xs[$0], ln.ys[$0]) })
            case .points(let pm):
                for g in pm.groups { for i in 0..<g.xs.count { if let q = PlotRenderer.px(l, g.xs[i], g.ys[i]) { mark(q.0, q.1) } } }
            case .rects(let r):
                for d in r.rects where d.y1 != 0 { if let a = PlotRenderer.px(l, d.x0, max(d.y0, l.ys.log ? l.ys.d0 : d.y0)), let b = PlotRenderer.px(l, d.x1, d.y1) { fill(a.0, a.1, b.0, b.1) } }
            case .bars(let b):
                for (i, c) in b.categories.enumerated() where b.values[i].isFinite {
                    guard let k = p.categories.firstIndex(of: c) else { continue }
                    let top = b.values[i] + abs(b.errors?[i] ?? 0)
                    if let a = PlotRenderer.px(l, Double(k) - 0.4, l.ys.log ? l.ys.d0 : 0), let q = PlotRenderer.px(l, Double(k) + 0.4, top) { fill(a.0, a.1, q.0, q.1) }
                }
            case .band(let b):
                for i in 0..<b.xs.count { if let a = PlotRenderer.px(l, b.xs[i], b.lo[i]), let q = PlotRenderer.px(l, b.xs[i], b.hi[i]) { fill(a.0, a.1, q.0 + cell, q.1) } }
                poly((0..<b.xs.count).map { PlotRenderer.px(l, b.xs[$0], b.hi[$0]) })
            case .heatmap: fill(pl.x, pl.y, pl.maxX, pl.maxY)
            case .contour(let c): for lv in c.levels { for line in lv.polylines { poly(line.map { PlotRenderer.px(l, $0.0, $0.1) }) } }
            case .ellipses(let e): for r in e.rings { poly(r.points.map { PlotRenderer.px(l, $0.0, $0.1) }) }
            case .text(let t):
                if let q = PlotRenderer.px(l, t.x, t.y) {
                    let w = textWidth(t.text, 13)
                    let x0 = t.anchor == "end" ? q.0 - w : (t.anchor == "middle" ? q.0 - w / 2 : q.0)
                    fill(x0, q.1 - 12, x0 + w, q.1 + 3)
                }
            case .arrow(let ar): if let a = PlotRenderer.px(l, ar.from.0, ar.from.1), let b = PlotRenderer.px(l, ar.to.0, ar.to.1) { segment(a, b) }
            case .refLine: break
            }
        }
    }

    func count(_ r: Rect) -> Int {
        var n = 0
        let c0 = safeInt((r.x - 4 - origin.0) / cell, 0...cols), c1 = safeInt((r.maxX + 4 - origin.0) / cell, -1...(cols - 1))
        let r0 = safeInt((r.y - 4 - origin.1) / cell, 0...rows), r1 = safeInt((r.maxY + 4 - origin.1) / cell, -1...(rows - 1))
        guard c0 <= c1, r0 <= r1 else { return 0 }
        for rr in r0...r1 { for cc in c0...c1 where bits[rr * cols + cc] { n += 1 } }
        return n
    }
    func hits(_ r: Rect) -> Bool { count(r) > 0 }
}
