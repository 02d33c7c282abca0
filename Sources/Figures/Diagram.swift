// Block diagrams laid out automatically from nodes and edges (a small layered layout, in the
// spirit of Sugiyama/Graphviz dot): ranks by longest path over the graph with back edges ignored,
// order within a rank by the barycentre of predecessors, then straight arrows between borders.
// Opposite edges between the same two nodes (inference up, generation down) run side by side.

import Foundation
import Markup

/// `Diagram.vae()`, `Diagram.reparameterization()`, `Diagram.hierarchical(levels: 3)`, or your own:
///
///     Diagram(title: "Amortised inference")
///         .node("x", shape: .observed).node("enc", "Encoder", shape: .encoder).node("z")
///         .edge("x", "enc").edge("enc", "z", label: "\\mu, \\sigma")
///
/// Labels accept light math markup: `z_1`, `z_{t-1}`, `q_\phi(z|x)`, `\mu`, `\sigma`, `\epsilon`, `\odot`.
public struct Diagram: SVGConvertible, IssueReporting {
    public enum Direction: Sendable { case leftToRight, topToBottom, bottomToTop }
    public enum Shape: Sendable {
        /// Observed variable: shaded circle.
        case observed
        /// Latent variable: circle.
        case latent
        /// Random noise input: dashed circle.
        case noise
        /// A deterministic quantity or operation: rounded box.
        case deterministic
        /// A network that narrows along the flow (encoder) or widens (decoder): trapezoid.
        case encoder, decoder
    }
    public enum EdgeStyle: Sendable { case solid, dashed }

    public struct Node { public var id: String; public var label: String; public var shape: Shape; public var note: String? }
    public struct Edge { public var from: String; public var to: String; public var label: String?; public var style: EdgeStyle; public var color: Color }

    public var title: String?
    public var direction: Direction
    public private(set) var nodes: [Node] = []
    public private(set) var edges: [Edge] = []
    public var summary: String?
    var ownIssues: [FigureIssue] = []

    public init(title: String? = nil, direction: Direction = .leftToRight) { self.title = title; self.direction = direction }

    /// Adds a node; `label` defaults to the id; `note` is a small caption under it.
    public func node(_ id: String, _ label: String? = nil, shape: Shape = .latent, note: String? = nil) -> Diagram {
        var d = self
        if nodes.contains(where: { $0.id == id }) {
            d.ownIssues.append(FigureIssue(severity: .error, error: .invalidArgument("node \"\(id)\" defined twice; second ignored")))
        } else {
            d.nodes.append(Node(id: id, label: label ?? id, shape: shape, note: note))
        }
        return d
    }

    /// Adds an arrow from one node to another.
    public func edge(_ from: String, _ to: String, label: String? = nil, style: EdgeStyle = .solid, color: Color = .foreground) -> Diagram {
        var d = self
        d.edges.append(Edge(from: from, to: to, label: label, style: style, color: color))
        return d
    }

    /// The text of `<desc>`; generated from nodes and edges when not set.
    public func description(_ s: String) -> Diagram { var d = self; d.summary = s; return d }

    public var issues: [FigureIssue] {
        var out = ownIssues
        let ids = Set(nodes.map { $0.id })
        for e in edges where !ids.contains(e.from) || !ids.contains(e.to) {
            out.append(FigureIssue(severity: .error, error: .invalidArgument("edge \(e.from) -> \(e.to) names an unknown node; not drawn")))
        }
        if nodes.isEmpty { out.append(FigureIssue(severity: .error, error: .emptySeries("diagram has no nodes"))) }
        return out
    }

    // MARK: presets

    /// The VAE: x -> encoder q_phi(z|x) -> z -> decoder p_theta(x|z) -> reconstruction.
    public static func vae(title: String? = "Variational autoencoder") -> Diagram {
        Diagram(title: title)
            .node("x", "x", shape: .observed, note: "input")
            .node("enc", "Encoder", shape: .encoder, note: "q_\\phi(z|x)")
            .node("z", "z", shape: .latent, note: "latent code")
            .node("dec", "Decoder", shape: .decoder, note: "p_\\theta(x|z)")
            .node("xh", "x̂", shape: .observed, note: "reconstruction")
            .edge("x", "enc").edge("enc", "z", label: "\\mu, \\sigma").edge("z", "dec").edge("dec", "xh")
            .description("Block diagram of a variational autoencoder: the input x goes through the encoder q_phi(z|x), which outputs mu and sigma of the latent code z; z goes through the decoder p_theta(x|z) to the reconstruction x-hat.")
    }

    /// The reparameterization trick: z = mu + sigma (.) epsilon with epsilon ~ N(0, I) as an outside input,
    /// so the path from x to z through mu and sigma is differentiable.
    public static func reparameterization(title: String? = "Reparameterization trick") -> Diagram {
        Diagram(title: title)
            .node("x", "x", shape: .observed)
            .node("enc", "Encoder", shape: .encoder, note: "q_\\phi(z|x)")
            .node("mu", "\\mu", shape: .deterministic, note: "mean")
            .node("sigma", "\\sigma", shape: .deterministic, note: "std. dev.")
            .node("eps", "\\epsilon", shape: .noise, note: "\\epsilon \\sim \\mathcal{N}(0, I)")
            .node("z", "z = \\mu + \\sigma \\odot \\epsilon", shape: .deterministic)
            .node("dec", "Decoder", shape: .decoder, note: "p_\\theta(x|z)")
            .node("xh", "x̂", shape: .observed)
            .edge("x", "enc").edge("enc", "mu").edge("enc", "sigma")
            .edge("mu", "z").edge("sigma", "z").edge("eps", "z", style: .dashed, color: .vermillion)
            .edge("z", "dec").edge("dec", "xh")
            .description("The reparameterization trick: the encoder maps x to mu and sigma; noise epsilon drawn from N(0, I) enters from outside; z = mu + sigma * epsilon is a deterministic, differentiable function of mu and sigma, then decoded to x-hat. Gradients flow through mu and sigma, not through the sampling of epsilon.")
    }

    /// The hierarchical VAE chain x -> z_1 -> ... -> z_T: inference q (dashed, upwards) and generation p (solid, downwards).
    public static func hierarchical(levels: Int, title: String? = "Hierarchical VAE") -> Diagram {
        var d = Diagram(title: title, direction: .bottomToTop)
        let t = min(max(levels, 1), 12)
        if t != levels { d.ownIssues.append(FigureIssue(severity: .warning, error: .invalidArgument("levels \(levels) clamped to \(t)"))) }
        d = d.node("x", "x", shape: .observed, note: "data")
        for i in 1...t { d = d.node("z\(i)", "z_\(i)", shape: .latent, note: i == t ? "p(z_\(t)) = \\mathcal{N}(0, I)" : nil) }
        func name(_ i: Int) -> String { i == 0 ? "x" : "z\(i)" }
        func sym(_ i: Int) -> String { i == 0 ? "x" : "z_\(i)" }
        for i in 1...t { d = d.edge(name(i - 1), name(i), label: "q(\(sym(i))|\(sym(i - 1)))", style: .dashed, color: .vermillion) }
        for i in stride(from: t, through: 1, by: -1) { d = d.edge(name(i), name(i - 1), label: "p(\(sym(i - 1))|\(sym(i)))", color: .blue) }
        let chain = (0...t).map { sym($0) }.joined(separator: ", ")
        return d.description("Hierarchical VAE with \(t) latent level\(t == 1 ? "" : "s") (\(chain)). Dashed arrows going up are the inference model q(z_1|x) q(z_t|z_t-1); solid arrows going down are the generative model p(z_t-1|z_t) p(x|z_1), starting from the prior p(z_\(t)) = N(0, I).")
    }

    // MARK: layout

    struct Placed { var node: Node; var x: Double; var y: Double; var w: Double; var h: Double; var runs: [TextRun] }

    func size(of n: Node) -> (Double, Double, [TextRun]) {
        let runs = parseMarkup(n.label)
        let tw = markupWidth(runs, 15)
        switch n.shape {
        case .observed, .latent, .noise:
            let d = max(46, tw + 20); return (d, d, runs)
        case .deterministic: return (max(46, tw + 24), 40, runs)
        case .encoder, .decoder: return (max(90, tw + 40), 70, runs)
        }
    }

    func rank() -> [String: Int] {
        let ids = nodes.map { $0.id }
        let known = Set(ids)
        let valid = edges.filter { known.contains($0.from) && known.contains($0.to) && $0.from != $0.to }
        // DFS in insertion order; an edge to a node on the stack closes a cycle and is ignored for ranking.
        var state = [String: Int]()  // 1 on stack, 2 done
        var forward: [(String, String)] = []
        func dfs(_ v: String) {
            state[v] = 1
            for e in valid where e.from == v {
                if state[e.to] == 1 { continue }
                forward.append((e.from, e.to))
                if state[e.to] == nil { dfs(e.to) }
            }
            state[v] = 2
        }
        for v in ids where state[v] == nil { dfs(v) }
        var r = [String: Int]()
        for v in ids { r[v] = 0 }
        // Longest path (graph is small; relax |V| times).
        for _ in 0..<ids.count { for (a, b) in forward where r[b]! < r[a]! + 1 { r[b] = r[a]! + 1 } }
        // Pull pure sources next to their first successor (epsilon sits beside mu and sigma, not beside x).
        for v in ids where !forward.contains(where: { $0.1 == v }) {
            let succ = forward.filter { $0.0 == v }.map { r[$0.1]! }
            if let m = succ.min(), m - 1 > r[v]! { r[v] = m - 1 }
        }
        return r
    }

    func layout() -> (placed: [String: Placed], width: Double, height: Double, offsetTop: Double) {
        let ranks = rank()
        let maxRank = ranks.values.max() ?? 0
        var layers = [[Node]](repeating: [], count: maxRank + 1)
        for n in nodes { layers[ranks[n.id]!].append(n) }
        // Barycentre ordering: a node follows the mean position of its predecessors in earlier layers.
        var pos = [String: Double]()
        for (i, n) in layers.first?.enumerated() ?? [].enumerated() { pos[n.id] = Double(i) }
        for r in 1..<max(layers.count, 1) {
            let keyed = layers[r].enumerated().map { (i, n) -> (Double, Int, Node) in
                let preds = edges.filter { $0.to == n.id && (ranks[$0.from] ?? r) < r }.compactMap { pos[$0.from] }
                return (preds.isEmpty ? Double(i) : preds.reduce(0, +) / Double(preds.count), i, n)
            }
            layers[r] = keyed.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map { $0.2 }
            for (i, n) in layers[r].enumerated() { pos[n.id] = Double(i) }
        }
        let vertical = direction != .leftToRight
        let sizes = Dictionary(uniqueKeysWithValues: nodes.map { ($0.id, size(of: $0)) })
        // Main-axis extent of each layer, and the gap after it (wide enough for edge labels when horizontal).
        var mainPos = [Double](), cursor = 0.0
        for (r, layer) in layers.enumerated() {
            let ext = layer.map { vertical ? sizes[$0.id]!.1 : sizes[$0.id]!.0 }.max() ?? 0
            mainPos.append(cursor + ext / 2)
            var gap = vertical ? 56.0 : 44.0
            if !vertical {
                let labels = edges.filter { ranks[$0.from] == r && ranks[$0.to] == r + 1 }.compactMap { $0.label }
                gap = max(gap, (labels.map { markupWidth(parseMarkup($0), 13) }.max() ?? 0) + 36)
            }
            cursor += ext + gap
        }
        var placed = [String: Placed]()
        for (r, layer) in layers.enumerated() {
            let cross = layer.map { vertical ? sizes[$0.id]!.0 : sizes[$0.id]!.1 + (($0.note != nil) ? 18 : 0) }
            let spacing = vertical ? 60.0 : 26.0
            let total = cross.reduce(0, +) + spacing * Double(max(layer.count - 1, 0))
            var c = -total / 2
            for (i, n) in layer.enumerated() {
                let (w, h, runs) = sizes[n.id]!
                let centre = c + (vertical ? w : h) / 2
                let m = direction == .bottomToTop ? -mainPos[r] : mainPos[r]
                placed[n.id] = Placed(node: n, x: vertical ? centre : m, y: vertical ? m : centre, w: w, h: h, runs: runs)
                c += cross[i] + spacing
            }
        }
        // Bounding box of nodes, notes and edge labels, then shift to a margin.
        var minX = Double.infinity, minY = Double.infinity, maxX = -Double.infinity, maxY = -Double.infinity
        func include(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double) { minX = min(minX, x0); minY = min(minY, y0); maxX = max(maxX, x1); maxY = max(maxY, y1) }
        for p in placed.values {
            include(p.x - p.w / 2, p.y - p.h / 2, p.x + p.w / 2, p.y + p.h / 2)
            if let note = p.node.note {
                let w = markupWidth(parseMarkup(note), 12)
                if vertical { include(p.x, p.y - 10, p.x + p.w / 2 + 8 + w, p.y + 10) } else { include(p.x - w / 2, p.y, p.x + w / 2, p.y + p.h / 2 + 20) }
            }
        }
        for g in edgeGeometry(placed) {
            if let lb = g.labelBox { include(lb.x, lb.y, lb.maxX, lb.maxY) }
            if let c = g.c {  // the apex of a bent arrow
                let ax = 0.25 * g.x0 + 0.5 * c.0 + 0.25 * g.x1, ay = 0.25 * g.y0 + 0.5 * c.1 + 0.25 * g.y1
                include(ax - 4, ay - 4, ax + 4, ay + 4)
            }
        }
        let top = title != nil ? 40.0 : 12
        let margin = 16.0
        if minX > maxX { return ([:], 320, top + 40, top) }
        for k in placed.keys { placed[k]!.x += margin - minX; placed[k]!.y += top - minY }
        return (placed, maxX - minX + 2 * margin, maxY - minY + top + margin, top)
    }

    /// An arrow: straight from (x0, y0) to (x1, y1), or a quadratic curve through control point `c`
    /// when the straight line would cross another node.
    struct EdgeGeom {
        var edge: Edge; var x0, y0, x1, y1: Double; var c: (Double, Double)?
        var labelX, labelY: Double; var anchor: String; var labelBox: Rect?
    }

    func border(_ p: Placed, towards ux: Double, _ uy: Double) -> (Double, Double) {
        switch p.node.shape {
        case .observed, .latent, .noise: return (p.x + ux * p.w / 2, p.y + uy * p.h / 2)
        default:
            let tx = ux == 0 ? Double.infinity : (p.w / 2) / abs(ux), ty = uy == 0 ? Double.infinity : (p.h / 2) / abs(uy)
            let t = min(tx, ty)
            return (p.x + ux * t, p.y + uy * t)
        }
    }

    static func unit(_ dx: Double, _ dy: Double) -> (Double, Double) {
        let len = max((dx * dx + dy * dy).squareRoot(), 1e-9); return (dx / len, dy / len)
    }

    func edgeGeometry(_ placed: [String: Placed]) -> [EdgeGeom] {
        var out: [EdgeGeom] = []
        for e in edges {
            guard let a = placed[e.from], let b = placed[e.to], e.from != e.to else { continue }
            let (ux, uy) = Diagram.unit(b.x - a.x, b.y - a.y)
            let nx = uy, ny = -ux  // left normal (screen coordinates, y down)
            let twin = edges.contains { $0.from == e.to && $0.to == e.from }
            let off = twin ? 9.0 : 0
            // Nodes other than the ends, inflated a little: a straight arrow must not cross them.
            let others = placed.values.filter { $0.node.id != a.node.id && $0.node.id != b.node.id }
                .map { Rect(x: $0.x - $0.w / 2 - 6, y: $0.y - $0.h / 2 - 6, w: $0.w + 12, h: $0.h + 12) }
            func clear(_ pt: (Double) -> (Double, Double)) -> Bool {
                !(1..<40).contains { k in let q = pt(Double(k) / 40); return others.contains { $0.contains(q.0, q.1) } }
            }
            var control: (Double, Double)? = nil
            if !clear({ t in (a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t) }) {
                // Bend to the left of the direction of travel, further until the curve is clear.
                let mx = (a.x + b.x) / 2, my = (a.y + b.y) / 2
                for bend in stride(from: 50.0, through: 250, by: 25) {
                    let c = (mx + nx * bend, my + ny * bend)
                    control = c
                    if clear({ t in
                        let u = 1 - t
                        return (u * u * a.x + 2 * u * t * c.0 + t * t * b.x, u * u * a.y + 2 * u * t * c.1 + t * t * b.y)
                    }) { break }
                }
            }
            var x0, y0, x1, y1: Double
            if let c = control {
                let (sx, sy) = Diagram.unit(c.0 - a.x, c.1 - a.y), (ex, ey) = Diagram.unit(c.0 - b.x, c.1 - b.y)
                (x0, y0) = border(a, towards: sx, sy); (x1, y1) = border(b, towards: ex, ey)
            } else {
                (x0, y0) = border(a, towards: ux, uy); (x1, y1) = border(b, towards: -ux, -uy)
                x0 += nx * off; y0 += ny * off; x1 += nx * off; y1 += ny * off
            }
            // Label beside the arrow: first choice the middle, on its left; otherwise the first of a few
            // positions along either side that covers no node and no earlier label.
            func at(_ t: Double) -> (Double, Double) {
                if let c = control { let u = 1 - t; return (u * u * x0 + 2 * u * t * c.0 + t * t * x1, u * u * y0 + 2 * u * t * c.1 + t * t * y1) }
                return (x0 + (x1 - x0) * t, y0 + (y1 - y0) * t)
            }
            var anchor = "middle", lx = 0.0, ly = 0.0
            var box: Rect? = nil
            if let label = e.label {
                let w = markupWidth(parseMarkup(label), 13)
                let blockers = placed.values.map { Rect(x: $0.x - $0.w / 2 - 2, y: $0.y - $0.h / 2 - 2, w: $0.w + 4, h: $0.h + 4) }
                    + out.compactMap { $0.labelBox }
                var first: (String, Double, Double, Rect)? = nil
                search: for side in [1.0, -1.0] {
                    for t in [0.5, 0.35, 0.65, 0.25, 0.75] {
                        let p = at(t), sx = nx * side, sy = ny * side
                        var a = "middle", x = p.0 + sx * 8, y = p.1 + sy * 8
                        if sx < -0.5 { a = "end"; y += 4 } else if sx > 0.5 { a = "start"; y += 4 } else if sy < 0 { y -= 5 }  // above: clear of subscripts else { y += 12 }
                        let bx = a == "end" ? x - w : (a == "start" ? x : x - w / 2)
                        let r = Rect(x: bx, y: y - 13, w: w, h: 17)
                        if first == nil { first = (a, x, y, r) }
                        if !blockers.contains(where: { $0.intersects(r) }) { first = (a, x, y, r); break search }
                    }
                }
                if let f = first { (anchor, lx, ly, box) = (f.0, f.1, f.2, f.3) }
            }
            let g = EdgeGeom(edge: e, x0: x0, y0: y0, x1: x1, y1: y1, c: control, labelX: lx, labelY: ly, anchor: anchor, labelBox: box)
            out.append(g)
        }
        return out
    }

    public func svgString() -> String {
        let (placed, w0, h0, _) = layout()
        let issues = self.issues
        // At least the plots' 640 px viewBox, so text in a diagram scales like text in a plot on the page.
        let w = max(w0, 640, title.map { textWidth($0, titleFont) + 40 } ?? 0)
        let h = h0 + Double(min(issues.count, 3)) * 15
        let dx = (w - w0) / 2
        var s = "<g transform=\"translate(\(num(dx)) 0)\">\n"
        // Edges first, so arrowheads touch node borders cleanly.
        for g in edgeGeometry(placed) {
            let c = g.edge.color.svg
            // The head points along the end tangent: from the control point for curves.
            let from = g.c ?? (g.x0, g.y0)
            let (ux, uy) = Diagram.unit(g.x1 - from.0, g.y1 - from.1)
            let d = g.c.map { "M\(num(g.x0)) \(num(g.y0))Q\(num($0.0)) \(num($0.1)) \(num(g.x1 - ux * 8)) \(num(g.y1 - uy * 8))" }
                ?? "M\(num(g.x0)) \(num(g.y0))L\(num(g.x1 - ux * 8)) \(num(g.y1 - uy * 8))"
            s += "<path d=\"\(d)\" stroke=\"\(c)\" stroke-width=\"1.6\" fill=\"none\"\(g.edge.style == .dashed ? " stroke-dasharray=\"6 4\"" : "")/>"
            s += "<path d=\"\(PlotRenderer.arrowHead(from.0, from.1, g.x1, g.y1, size: 10))\" fill=\"\(c)\"/>\n"
            if let label = g.edge.label {
                s += "<text x=\"\(num(g.labelX))\" y=\"\(num(g.labelY))\" font-size=\"13\" text-anchor=\"\(g.anchor)\" fill=\"\(c)\">\(markupTSpans(parseMarkup(label), 13))</text>\n"
            }
        }
        for n in nodes {
            guard let p = placed[n.id] else { continue }
            let stroke = "stroke=\"currentColor\" stroke-width=\"1.6\""
            switch n.shape {
            case .observed:
                s += "<circle cx=\"\(num(p.x))\" cy=\"\(num(p.y))\" r=\"\(num(p.w / 2))\" fill=\"currentColor\" fill-opacity=\"0.16\" \(stroke)/>"
            case .latent:
                s += "<circle cx=\"\(num(p.x))\" cy=\"\(num(p.y))\" r=\"\(num(p.w / 2))\" fill=\"#0072B2\" fill-opacity=\"0.1\" \(stroke)/>"
            case .noise:
                s += "<circle cx=\"\(num(p.x))\" cy=\"\(num(p.y))\" r=\"\(num(p.w / 2))\" fill=\"#D55E00\" fill-opacity=\"0.08\" \(stroke) stroke-dasharray=\"4 3\"/>"
            case .deterministic:
                s += "<rect x=\"\(num(p.x - p.w / 2))\" y=\"\(num(p.y - p.h / 2))\" width=\"\(num(p.w))\" height=\"\(num(p.h))\" rx=\"6\" fill=\"#009E73\" fill-opacity=\"0.1\" \(stroke)/>"
            case .encoder, .decoder:
                // Narrow side faces the latent code: along the flow for encoders, against it for decoders.
                let narrowEnd = n.shape == .encoder
                let hw = p.w / 2, hh = p.h / 2, k = 0.55
                let d: String
                switch direction {
                case .leftToRight:
                    let (l, r) = narrowEnd ? (hh, hh * k) : (hh * k, hh)
                    d = "M\(num(p.x - hw)) \(num(p.y - l))L\(num(p.x + hw)) \(num(p.y - r))L\(num(p.x + hw)) \(num(p.y + r))L\(num(p.x - hw)) \(num(p.y + l))Z"
                case .topToBottom, .bottomToTop:
                    let firstNarrow = (direction == .topToBottom) != narrowEnd  // which horizontal edge is narrow
                    let (t, b) = firstNarrow ? (hw * k, hw) : (hw, hw * k)
                    d = "M\(num(p.x - t)) \(num(p.y - hh))L\(num(p.x + t)) \(num(p.y - hh))L\(num(p.x + b)) \(num(p.y + hh))L\(num(p.x - b)) \(num(p.y + hh))Z"
                }
                s += "<path d=\"\(d)\" fill=\"#CC79A7\" fill-opacity=\"0.14\" stroke-linejoin=\"round\" \(stroke)/>"
            }
            s += "<text x=\"\(num(p.x))\" y=\"\(num(p.y + 5))\" font-size=\"15\" text-anchor=\"middle\" fill=\"currentColor\">\(markupTSpans(p.runs, 15))</text>"
            if let note = n.note {
                // Beside the node in vertical chains (below it sit the edges), under it otherwise.
                let vertical = direction != .leftToRight
                let (nx, ny, anchor) = vertical ? (p.x + p.w / 2 + 8, p.y + 4, "start") : (p.x, p.y + p.h / 2 + 16, "middle")
                s += "<text x=\"\(num(nx))\" y=\"\(num(ny))\" font-size=\"12\" text-anchor=\"\(anchor)\" fill=\"currentColor\" fill-opacity=\"0.75\">\(markupTSpans(parseMarkup(note), 12))</text>"
            }
            s += "\n"
        }
        s += "</g>\n"
        if let t = title {
            s = titleText(t, x: w / 2, y: 24, minX: 0, maxX: w, size: titleFont) + s
        }
        if !issues.isEmpty {
            s += "<g font-size=\"\(num(noteFont))\" fill=\"#D55E00\">"
            for (i, e) in issues.prefix(3).enumerated() {
                s += "<text x=\"8\" y=\"\(num(h0 + 8 + Double(i) * 15))\">\((e.severity == .error ? "✕ " : "⚠ ") + HTML.escape(e.description))</text>"
            }
            s += "</g>\n"
        }
        let nodeList: String = nodes.map { markupPlain($0.label) }.joined(separator: ", ")
        // Edges are described by their nodes' labels: the ids ("enc", "xh") are the author's
        // handles, not words a reader (or a screen reader) knows.
        let labelOf: [String: String] = Dictionary(nodes.map { ($0.id, markupPlain($0.label)) }, uniquingKeysWith: { a, _ in a })
        let edgeList: String = edges.map { (e: Edge) -> String in
            let lab: String = e.label.map { " (" + markupPlain($0) + ")" } ?? ""
            return (labelOf[e.from] ?? e.from) + " to " + (labelOf[e.to] ?? e.to) + lab
        }.joined(separator: ", ")
        let desc: String = summary ?? ("Diagram with nodes " + nodeList + "; arrows " + edgeList + ".")
        return svgDocument(width: w.rounded(.up), height: h.rounded(.up), title: title ?? "Diagram", desc: desc, body: s)
    }
}
