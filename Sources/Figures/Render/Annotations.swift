// Marks that annotate: Gaussian ellipses, reference lines, text and arrows.

import Foundation
import Markup

extension PlotRenderer {
    static func drawEllipses(_ e: EllipseMark, _ l: Layout) -> String {
        var s = ""
        var taken: [Rect] = []
        for (k, r) in e.rings.enumerated() {
            let pts = r.points.map { px(l, $0.0, $0.1) }
            var d = polyline(pts)
            if !d.isEmpty && !pts.contains(where: { $0 == nil }) { d += "Z" }
            let op = [1.0, 0.75, 0.5][min(k, 2)]
            s += "<path d=\"\(d)\" fill=\"\(k == 0 ? e.color.svg : "none")\" fill-opacity=\"0.08\" stroke=\"\(e.color.svg)\" stroke-opacity=\"\(fixed(op, 2))\" stroke-width=\"2\"\(k > 0 ? " stroke-dasharray=\"\(k == 1 ? "7 4" : "2 4")\"" : "")/>\n"
            // Label each ring at its upper-right point: nested rings put their labels along a
            // diagonal, apart from each other (at the rightmost points they crowd on one line).
            // A halo keeps a label readable over the points beneath it.
            let label = fixed(r.sigma, r.sigma == r.sigma.rounded() ? 0 : 1) + "σ"
            let w = textWidth(label, 11)
            if let corner = pts.compactMap({ $0 }).max(by: { $0.0 - $0.1 < $1.0 - $1.1 }) {
                let box = Rect(x: corner.0 + 2, y: corner.1 - 15, w: w + 4, h: 14)
                if l.plot.contains(box.x, box.y), l.plot.contains(box.maxX, box.maxY), !taken.contains(where: { $0.intersects(box) }) {
                    taken.append(box)
                    s += "<text x=\"\(num(corner.0 + 4))\" y=\"\(num(corner.1 - 4))\" font-size=\"11\" fill=\"\(e.color.svg)\" style=\"paint-order:stroke;stroke:var(--fig-bg,#fff);stroke-width:4px;stroke-linejoin:round\">\(label)</text>\n"
                }
            }
        }
        if let (mx, my) = px(l, e.mean.0, e.mean.1) {
            s += "<path d=\"M\(num(mx - 5)) \(num(my))h10M\(num(mx)) \(num(my - 5))v10\" stroke=\"\(e.color.svg)\" stroke-width=\"2\"/>\n"
        }
        return s
    }

    static func drawRefLine(_ r: RefLineMark, _ l: Layout) -> String {
        let pl = l.plot
        if r.vertical {
            guard l.xs.accepts(r.value) else { return "" }
            let x = l.xs(r.value)
            var s = "<path d=\"M\(num(x)) \(num(pl.y))V\(num(pl.maxY))\" stroke=\"\(r.color.svg)\" stroke-width=\"1.2\" stroke-dasharray=\"4 3\"/>\n"
            if let t = r.label { s += "<text x=\"\(num(x + 4))\" y=\"\(num(pl.y + 14))\" font-size=\"12\" fill=\"\(r.color.svg)\">\(HTML.escape(t))</text>\n" }
            return s
        }
        guard l.ys.accepts(r.value) else { return "" }
        let y = l.ys(r.value)
        var s = "<path d=\"M\(num(pl.x)) \(num(y))H\(num(pl.maxX))\" stroke=\"\(r.color.svg)\" stroke-width=\"1.2\" stroke-dasharray=\"4 3\"/>\n"
        if let t = r.label { s += "<text x=\"\(num(pl.maxX - 4))\" y=\"\(num(y - 5))\" font-size=\"12\" text-anchor=\"end\" fill=\"\(r.color.svg)\">\(HTML.escape(t))</text>\n" }
        return s
    }

    static func drawText(_ t: TextMark, _ l: Layout) -> String {
        guard let (x, y) = px(l, t.x, t.y) else { return "" }
        let runs = parseMarkup(t.text)
        return "<text x=\"\(num(x))\" y=\"\(num(y))\" font-size=\"13\" text-anchor=\"\(t.anchor)\" fill=\"\(t.color.svg)\" style=\"paint-order:stroke;stroke:var(--fig-bg,#fff);stroke-width:3px;stroke-linejoin:round\">\(markupTSpans(runs, 13))</text>\n"
    }

    static func arrowHead(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, size: Double) -> String {
        let len = max(((x1 - x0) * (x1 - x0) + (y1 - y0) * (y1 - y0)).squareRoot(), 1e-9)
        let ux = (x1 - x0) / len, uy = (y1 - y0) / len
        let bx = x1 - ux * size, by = y1 - uy * size
        return "M\(num(x1)) \(num(y1))L\(num(bx - uy * size * 0.45)) \(num(by + ux * size * 0.45))L\(num(bx + uy * size * 0.45)) \(num(by - ux * size * 0.45))Z"
    }

    static func drawArrow(_ ar: ArrowMark, _ l: Layout) -> String {
        guard let (x0, y0) = px(l, ar.from.0, ar.from.1), let (x1, y1) = px(l, ar.to.0, ar.to.1) else { return "" }
        let len = max(((x1 - x0) * (x1 - x0) + (y1 - y0) * (y1 - y0)).squareRoot(), 1e-9)
        let ux = (x1 - x0) / len, uy = (y1 - y0) / len
        var s = "<path d=\"M\(num(x0)) \(num(y0))L\(num(x1 - ux * 8)) \(num(y1 - uy * 8))\" stroke=\"\(ar.color.svg)\" stroke-width=\"1.5\"/>"
        s += "<path d=\"\(arrowHead(x0, y0, x1, y1, size: 9))\" fill=\"\(ar.color.svg)\"/>\n"
        if let t = ar.text {
            // Text sits beyond the tail, away from the head.
            let anchor = ux > 0.4 ? "end" : (ux < -0.4 ? "start" : "middle")
            let ty = y0 - uy * 6 + (uy > 0.4 ? -2 : (uy < -0.4 ? 12 : 4))
            s += "<text x=\"\(num(x0 - ux * 5))\" y=\"\(num(ty))\" font-size=\"13\" text-anchor=\"\(anchor)\" fill=\"\(ar.color.svg)\" style=\"paint-order:stroke;stroke:var(--fig-bg,#fff);stroke-width:3px;stroke-linejoin:round\">\(markupTSpans(parseMarkup(t), 13))</text>\n"
        }
        return s
    }
}
