// Several plots in a grid. Margins are taken per row and per column (the widest need wins) so plot
// areas line up; shared axes use one domain for every panel and label only the outer edge.

import Foundation
import Markup

/// `Subplots(rows: 1, columns: 2, sharedY: true, [LinePlot().line(y: a), LinePlot().line(y: b)])`.
/// Panels fill the grid row by row; missing panels leave empty cells; extra ones are noted and dropped.
public struct Subplots: SVGConvertible, IssueReporting {
    public var rows: Int
    public var columns: Int
    public var sharedX: Bool
    public var sharedY: Bool
    public var title: String?
    public var width: Double
    public var height: Double
    public var panels: [Axes]
    var ownIssues: [FigureIssue] = []

    public init(rows: Int, columns: Int, sharedX: Bool = false, sharedY: Bool = false, title: String? = nil,
                width: Double? = nil, height: Double? = nil, _ plots: [any PlotBuilder]) {
        self.rows = max(rows, 1); self.columns = max(columns, 1)
        self.sharedX = sharedX; self.sharedY = sharedY; self.title = title
        self.width = width ?? (columns >= 3 ? 960 : 640)
        // Per row: 280 units of the layout space (320 for one column), times the layout scale of the width.
        self.height = height ?? (Double(max(rows, 1)) * (columns == 1 ? 320 : 280) + (title != nil ? 30 : 0)) * layoutScale(self.width)
        self.panels = plots.map { $0.axes }
        if rows < 1 || columns < 1 { ownIssues.append(FigureIssue(severity: .error, error: .invalidArgument("grid \(rows)x\(columns) is empty; using at least 1x1"))) }
        if panels.count > self.rows * self.columns {
            ownIssues.append(FigureIssue(severity: .warning, error: .invalidArgument("\(panels.count) panels for \(self.rows * self.columns) cells; extra panels dropped")))
            panels = Array(panels.prefix(self.rows * self.columns))
        }
        if panels.isEmpty { ownIssues.append(FigureIssue(severity: .error, error: .emptySeries("no panels"))) }
    }

    public var issues: [FigureIssue] { ownIssues + panels.flatMap { Panel($0).allIssues } }

    public func svgString() -> String {
        // Lay out in a space at most 800 units wide (see layoutScale), so text stays legible when shown.
        let k = layoutScale(self.width)
        let width = self.width / k, height = self.height / k
        let prepared = panels.map { Panel($0) }
        let top0 = title != nil ? 34.0 : 4
        let cellH = (height - top0 - (ownIssues.isEmpty ? 0 : 18)) / Double(rows)
        // Shared domains: the union of what each panel would choose on its own.
        func union(_ ds: [(Double, Double)]) -> (Double, Double)? {
            guard let f = ds.first else { return nil }
            return ds.dropFirst().reduce(f) { (min($0.0, $1.0), max($0.1, $1.1)) }
        }
        let xShared = sharedX ? union(prepared.map { Panel.domain(bounds: $0.xBounds, user: $0.a.xRange, log: $0.a.xScale == .log, pad: $0.padX, zero: false) }) : nil
        let yShared = sharedY ? union(prepared.map { Panel.domain(bounds: $0.yBounds, user: $0.a.yRange, log: $0.a.yScale == .log, pad: $0.padY, zero: $0.zeroY) }) : nil
        // Per-panel margin needs, then the max per row (top, bottom) and per column (left, right).
        var lefts = [Double](repeating: 8, count: columns), rights = [Double](repeating: 12, count: columns)
        var tops = [Double](repeating: 8, count: rows), bottoms = [Double](repeating: 8, count: rows)
        var flags: [SharedLayout] = []
        for (k, p) in prepared.enumerated() {
            let r = k / columns, c = k % columns
            var f = SharedLayout(left: 0, right: 0, top: 0, bottom: 0, xDomain: xShared, yDomain: yShared)
            f.showXTickLabels = !sharedX || r == rows - 1 || k + columns >= prepared.count
            f.showXLabel = f.showXTickLabels
            f.showYTickLabels = !sharedY || c == 0
            f.showYLabel = f.showYTickLabels
            flags.append(f)
            let notes = Double(min(p.allIssues.count, 3) + (p.allIssues.count > 3 ? 1 : 0))
            tops[r] = max(tops[r], p.a.title != nil ? 30 : 10)
            bottoms[r] = max(bottoms[r], (f.showXTickLabels ? 26 : 8) + (f.showXLabel && p.a.xLabel != nil ? 20 : 0) + notes * 15)
            let yd = yShared ?? Panel.domain(bounds: p.yBounds, user: p.a.yRange, log: p.a.yScale == .log, pad: p.padY, zero: p.zeroY)
            let (_, yl) = PlotRenderer.yTickInfo(p, domain: yd, height: cellH - 60)
            let tickW = f.showYTickLabels ? (yl.map(PlotRenderer.labelWidth).max() ?? 10) + 10 : 4
            lefts[c] = max(lefts[c], 8 + (f.showYLabel && p.a.yLabel != nil ? 22 : 0) + tickW)
            let outsideLegend = p.a.legend == .outside && !p.legend.isEmpty ? PlotRenderer.legendSize(p).0 + 12 : 0
            rights[c] = max(rights[c], 14 + PlotRenderer.colorBarWidth(p) + outsideLegend)
        }
        let plotW = max(20, (width - lefts.reduce(0, +) - rights.reduce(0, +)) / Double(columns))
        let plotH = max(20, (height - top0 - (ownIssues.isEmpty ? 0 : 18) - tops.reduce(0, +) - bottoms.reduce(0, +)) / Double(rows))
        var body = ""
        var descs: [String] = []
        for (k, p) in prepared.enumerated() {
            let r = k / columns, c = k % columns
            let fx = (0..<c).reduce(0.0) { $0 + lefts[$1] + rights[$1] + plotW }
            let fy = top0 + (0..<r).reduce(0.0) { $0 + tops[$1] + bottoms[$1] + plotH }
            var f = flags[k]
            f.left = lefts[c]; f.right = rights[c]; f.top = tops[r]; f.bottom = bottoms[r]
            let frame = Rect(x: fx, y: fy, w: lefts[c] + plotW + rights[c], h: tops[r] + plotH + bottoms[r])
            let lay = PlotRenderer.layout(p, frame: frame, shared: f)
            body += "<g>\n" + PlotRenderer.draw(p, lay, index: k) + "</g>\n"
            descs.append("panel \(k + 1): " + PlotRenderer.describe(p, lay))
        }
        if let t = title {
            body = titleText(t, x: width / 2, y: 22, minX: 0, maxX: width, size: titleFont + 1) + body
        }
        if !ownIssues.isEmpty {
            body += "<g font-size=\"\(num(noteFont))\" fill=\"#D55E00\">"
            for (i, e) in ownIssues.prefix(2).enumerated() {
                body += "<text x=\"8\" y=\"\(num(height - 6 - Double(i) * 14))\">\((e.severity == .error ? "✕ " : "⚠ ") + HTML.escape(e.description))</text>"
            }
            body += "</g>\n"
        }
        var desc = "\(rows) by \(columns) grid of plots"
        if sharedX { desc += ", shared x axis" }
        if sharedY { desc += ", shared y axis" }
        desc += ". " + descs.joined(separator: " ")
        return svgDocument(width: self.width, height: self.height, title: title ?? "Subplots", desc: desc, body: body, scale: k)
    }
}
