// The text alternative of a panel (its `<desc>`), and the short number format it uses.

import Foundation

extension PlotRenderer {
    // MARK: description

    static func describe(_ p: Panel, _ l: Layout) -> String {
        if let s = p.a.summary { return s }
        let a = p.a
        var parts: [String] = []
        for m in a.marks {
            switch m {
            case .line(let x): parts.append("line\(x.label.map { " \"\($0)\"" } ?? "") with \(x.xs.count) points")
            case .points(let x):
                let n = x.groups.reduce(0) { $0 + $1.xs.count }
                if x.colorBar != nil { parts.append("\(n) points coloured by \(x.colorBar?.label ?? "value")") }
                else { parts.append("\(n) points" + (x.groups.count > 1 ? " in \(x.groups.count) categories (\(x.groups.compactMap { $0.label }.joined(separator: ", ")))" : "")) }
            case .rects(let x): parts.append("histogram\(x.label.map { " \"\($0)\"" } ?? "") with \(x.rects.count) bins")
            case .bars(let x): parts.append("bars\(x.label.map { " \"\($0)\"" } ?? ""): " + zip(x.categories, x.values).map { "\($0) \(shortNumber($1))" }.joined(separator: ", "))
            case .band(let x): parts.append("band\(x.label.map { " \"\($0)\"" } ?? "") over \(x.xs.count) points")
            case .heatmap(let x): parts.append("heatmap of \(x.ny) x \(x.nx) values from \(shortNumber(x.bar.lo)) to \(shortNumber(x.bar.hi))")
            case .contour(let x): parts.append("contour lines at \(x.levels.map { shortNumber($0.level) }.joined(separator: ", "))")
            case .ellipses(let x): parts.append("\(x.rings.map { shortNumber($0.sigma) }.joined(separator: ", "))-sigma ellipses around (\(shortNumber(x.mean.0)), \(shortNumber(x.mean.1)))")
            case .text(let x): parts.append("note \"\(markupPlain(x.text))\"")
            case .arrow(let x): if let t = x.text { parts.append("arrow \"\(markupPlain(t))\"") }
            case .refLine(let x): parts.append("\(x.vertical ? "vertical" : "horizontal") line at \(shortNumber(x.value))")
            }
        }
        var s = a.kind
        if let t = a.title { s += " \"\(t)\"" }
        s += parts.isEmpty ? " with no data" : ": " + parts.joined(separator: "; ")
        let xl = a.xLabel ?? "x", yl = a.yLabel ?? "y"
        if p.categories.isEmpty { s += ". \(xl) from \(shortNumber(l.xs.d0)) to \(shortNumber(l.xs.d1))\(a.xScale == .log ? " (log scale)" : "")" }
        else { s += ". \(xl): \(p.categories.joined(separator: ", "))" }
        s += "; \(yl) from \(shortNumber(l.ys.d0)) to \(shortNumber(l.ys.d1))\(a.yScale == .log ? " (log scale)" : "")."
        if !p.allIssues.isEmpty { s += " Notes: " + p.allIssues.map { $0.description }.joined(separator: "; ") + "." }
        return s
    }
}

/// Three significant digits, fixed formatting (for descriptions).
func shortNumber(_ v: Double) -> String {
    guard v.isFinite else { return String(describing: v) }
    if v == 0 { return "0" }
    let e = Int(floor(log10(abs(v))))
    if e >= 6 || e < -3 { return String(format: "%.2e", v) }
    var s = fixed(v, max(0, 2 - e))
    if s.contains(".") { while s.hasSuffix("0") { s.removeLast() }; if s.hasSuffix(".") { s.removeLast() } }
    return s
}
