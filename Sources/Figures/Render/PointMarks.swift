// Scatter points: dots (solid or hollow) and point marks.

import Foundation

extension PlotRenderer {
    static func dots(_ pts: [(Double, Double)], color: Color, size: Double, opacity: Double, hollow: Bool = false) -> String {
        guard !pts.isEmpty else { return "" }
        let unit = 4.0, cell = 48
        let lim = 40_000_000  // far outside any viewBox, but no overflow in the deltas below
        var q = pts.map { (safeInt(($0.0 * unit).rounded(), -lim...lim), safeInt(($0.1 * unit).rounded(), -lim...lim)) }
        q.sort { a, b in
            let ra = a.1 / cell, rb = b.1 / cell
            if ra != rb { return ra < rb }
            let ca = a.0 / cell, cb = b.0 / cell
            if ca != cb { return ra % 2 == 0 ? ca < cb : ca > cb }
            return a < b
        }
        var d = "m\(q[0].0) \(q[0].1)"
        var prev = q[0]
        for p in q.dropFirst() where p != prev {
            let dx = p.0 - prev.0, dy = p.1 - prev.1
            d += (dx < 0 ? "" : " ") + String(dx) + (dy < 0 ? "" : " ") + String(dy)
            prev = p
        }
        // Unique within the figure (the figure hash is prepended), and the same on every run.
        let id = "§ID§-d\(q.count)-\(q[0].0)-\(q[0].1)-\(Int(size * 10))-\(color.svg.dropFirst())\(hollow ? "-o" : "")"
        var s = "<marker id=\"\(id)\" markerUnits=\"userSpaceOnUse\" overflow=\"visible\">"
        if hollow {
            s += "<circle r=\"\(num((size - 1.2) * unit / 2))\" fill=\"none\" stroke=\"\(color.svg)\" stroke-width=\"\(num(1.2 * unit))\""
            if opacity < 1 { s += " stroke-opacity=\"\(fixed(opacity, 2))\"" }
        } else {
            s += "<circle r=\"\(num(size * unit / 2))\" fill=\"\(color.svg)\""
            if opacity < 1 { s += " fill-opacity=\"\(fixed(opacity, 2))\"" }
        }
        s += "/></marker>"
        s += "<path transform=\"scale(.25)\" d=\"\(d)\" fill=\"none\" stroke=\"none\" marker-start=\"url(#\(id))\" marker-mid=\"url(#\(id))\" marker-end=\"url(#\(id))\"/>\n"
        return s
    }

    static func drawPoints(_ pm: PointsMark, _ l: Layout) -> String {
        var s = ""
        for g in pm.groups {
            let pts = (0..<g.xs.count).compactMap { px(l, g.xs[$0], g.ys[$0]) }
            s += dots(pts, color: g.color, size: g.hollow ? pm.size + 1 : pm.size, opacity: pm.opacity, hollow: g.hollow)
        }
        return s
    }
}
