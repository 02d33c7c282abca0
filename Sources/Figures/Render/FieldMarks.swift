// Fields over the plane: heatmaps, contour lines and their labels.

import Foundation
import Markup

extension PlotRenderer {
    static func drawHeatmap(_ h: HeatmapMark, _ l: Layout) -> String {
        // An indexed PNG: 255 colour levels (finer than 8-bit steps of most maps) plus one transparent
        // entry for NaN; one byte a cell compresses to a fraction of RGBA.
        let levels = 255
        var palette = h.bar.map.samples(levels)
        palette.append(Color(r: 0, g: 0, b: 0))
        let alpha = [UInt8](repeating: 255, count: levels) + [0]
        var idx = [UInt8](); idx.reserveCapacity(h.nx * h.ny)
        for row in 0..<h.ny {
            let j = h.rowZeroAtTop ? row : h.ny - 1 - row
            for i in 0..<h.nx {
                let v = h.values[j * h.nx + i]
                if !v.isFinite { idx.append(UInt8(levels)); continue }
                idx.append(UInt8(safeInt(((v - h.bar.lo) / (h.bar.hi - h.bar.lo) * Double(levels - 1)).rounded(), 0...(levels - 1))))
            }
        }
        let hasNaN = idx.contains(UInt8(levels))
        guard let png = try? PNG.encode(width: h.nx, height: h.ny, colorType: .indexed, pixels: idx,
                                        palette: hasNaN ? palette : Array(palette.prefix(levels)), alpha: hasNaN ? alpha : []) else { return "" }
        let xa = l.xs(h.x0), xb = l.xs(h.x1), ya = l.ys(h.y0), yb = l.ys(h.y1)
        return "<image x=\"\(num(min(xa, xb)))\" y=\"\(num(min(ya, yb)))\" width=\"\(num(abs(xb - xa)))\" height=\"\(num(abs(yb - ya)))\" preserveAspectRatio=\"none\" style=\"image-rendering:pixelated\" href=\"\(PNG.dataURL(png))\"/>\n"
    }

    static func drawContour(_ c: ContourMark, _ l: Layout, overHeatmap: Bool) -> String {
        var s = ""
        for lv in c.levels {
            let d = lv.polylines.map { pl in polyline(pl.map { px(l, $0.0, $0.1) }) }.joined()
            guard !d.isEmpty else { continue }
            let t = c.bar.hi > c.bar.lo ? (lv.level - c.bar.lo) / (c.bar.hi - c.bar.lo) : 0.5
            let stroke = overHeatmap ? "#ffffff\" stroke-opacity=\"0.75" : c.bar.color(t).svg
            s += "<path d=\"\(d)\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(overHeatmap ? "1.2" : "1.8")\" stroke-linejoin=\"round\"/>\n"
        }
        if c.labels { s += contourLabels(c, l, overHeatmap: overHeatmap) }
        return s
    }

    /// Each level's value at the middle (by length) of its longest on-screen line, on a halo of the page
    /// background; skipped when the line is short or the label would touch another one.
    static func contourLabels(_ c: ContourMark, _ l: Layout, overHeatmap: Bool) -> String {
        let labels = Ticks.labels(c.levels.map { $0.level }, log: false)
        var taken: [Rect] = [], s = ""
        for (lv, text) in zip(c.levels, labels) {
            let lines = lv.polylines.map { $0.compactMap { px(l, $0.0, $0.1) } }
            func length(_ p: [(Double, Double)]) -> Double {
                zip(p, p.dropFirst()).reduce(0) { $0 + (($1.1.0 - $1.0.0) * ($1.1.0 - $1.0.0) + ($1.1.1 - $1.0.1) * ($1.1.1 - $1.0.1)).squareRoot() }
            }
            guard let line = lines.max(by: { length($0) < length($1) }), length(line) > 60 else { continue }
            var half = length(line) / 2, at = line[0]
            for (p, q) in zip(line, line.dropFirst()) {
                let seg = ((q.0 - p.0) * (q.0 - p.0) + (q.1 - p.1) * (q.1 - p.1)).squareRoot()
                if seg >= half { let t = seg > 0 ? half / seg : 0; at = (p.0 + (q.0 - p.0) * t, p.1 + (q.1 - p.1) * t); break }
                half -= seg
            }
            let w = textWidth(text, 11)
            let r = Rect(x: at.0 - w / 2 - 2, y: at.1 - 8, w: w + 4, h: 14)
            guard l.plot.contains(r.x, r.y), l.plot.contains(r.maxX, r.maxY), !taken.contains(where: { $0.intersects(r) }) else { continue }
            taken.append(r)
            let t = c.bar.hi > c.bar.lo ? (lv.level - c.bar.lo) / (c.bar.hi - c.bar.lo) : 0.5
            let fill = overHeatmap ? "currentColor" : c.bar.color(t).svg
            s += "<text x=\"\(num(at.0))\" y=\"\(num(at.1 + 4))\" font-size=\"11\" text-anchor=\"middle\" fill=\"\(fill)\" style=\"paint-order:stroke;stroke:var(--fig-bg,#fff);stroke-width:4px;stroke-linejoin:round\">\(HTML.escape(text))</text>\n"
        }
        return s
    }
}
