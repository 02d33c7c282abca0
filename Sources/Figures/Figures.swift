// The plotting library lives in this module. This file holds the one contract other
// modules rely on: anything that can be drawn turns itself into a standalone SVG string,
// and the usage summary below.
//
// # Usage (every value here is `SVGConvertible`; `show(_:)` in LessonRuntime calls `svgString()`)
//
//     show(LinePlot(title: "Loss", xLabel: "epoch", yLabel: "nats")
//         .line(x: epochs, y: vaeLoss, label: "VAE").line(x: epochs, y: aeLoss, label: "AE", markers: true))
//     show(LinePlot(title: "Variance").band(x: steps, mean: m, sd: s, label: "score function").logY())
//     show(ScatterPlot(title: "Latent codes").points(x: z0, y: z1, category: labels))        // legend
//     show(ScatterPlot().points(x: xs, y: ys, value: logLik, valueLabel: "log p(x)"))       // colour bar
//     show(Histogram(samples, bins: 40, density: true).curve(label: "N(0,1)", x: -4...4) { exp(-$0*$0/2) / 2.5066 })
//     show(BarChart(title: "KL per layer", categories: ["z1", "z2", "z3"], values: kl))
//     show(Heatmap(matrix: weights, colorMap: .coolWarm))      // or Heatmap(f: { x, y in ... }, x: -3...3, y: -3...3)
//     show(ContourPlot(f: { x, y in -(x*x + y*y) }, x: -3...3, y: -3...3, levels: 8))
//     show(ScatterPlot().points(x: xs, y: ys).gaussianEllipses(mean: [0, 0], covariance: [[1, 0.5], [0.5, 1]]).equalAspect())
//     show(ImageGrid(images: recon, rows: 2, columns: 10, width: 28, height: 28, rowLabels: ["input", "recon"]))
//     show(Subplots(rows: 1, columns: 2, sharedY: true, [LinePlot().line(y: a), LinePlot().line(y: b)]))
//     show(Diagram.vae()); show(Diagram.reparameterization()); show(Diagram.hierarchical(levels: 3))
//
// Data arguments take `[Double]`, `[Float]` or any `[T: BinaryFloatingPoint]` (x and y may differ);
// categories any `Hashable` (sorted when `Comparable`). Builders chain: each method returns a
// modified copy, so `var p = Histogram(...); for d in dims { p = p.histogram(...) }` works too.
// Marks available on every plot type (LinePlot, ScatterPlot, Histogram, BarChart, Heatmap, ContourPlot, Plot):
//   .line(x:y:label:markers:dashed:color:)  .line(y:)  .curve(label:x:samples:) { f($0) }
//   .points(x:y:label:color:size:opacity:)  .points(x:y:category:)  .points(x:y:value:colorMap:valueLabel:)
//   .histogram(_:bins:range:density:label:)  .bars(categories:values:errors:label:)
//   .band(x:mean:sd:k:label:)  .band(x:lower:upper:label:)  .gaussianEllipses(mean:covariance:sigmas:label:)
//   .heatmap(matrix:colorMap:)  .heatmap(f:x:y:resolution:)  .contour(f:x:y:levels:levelValues:)
//   .hline(y, label:)  .vline(x, label:)  .text("z_1", x:y:anchor:)  .arrow(from: (x, y), to: (x, y), text:)
// Axis options: `.xRange(0...1)`, `.yRange(...)`, `.logX()`, `.logY()`, `.equalAspect()`,
// `.size(width:height:)`, `.legend(.auto | .outside | .hidden)`, `.title(_)`, `.xLabel(_)`, `.yLabel(_)`,
// `.description("...")` (the `<desc>`; one is generated from the data otherwise).
// Colours: `Color.blue`, `.vermillion`, ... (Okabe-Ito, `Palette.okabeIto`), `Color(hex: 0x0072B2)`,
// `Color.foreground` (the page's text colour); colour maps `.viridis`, `.coolWarm` (diverging), `.greys`.
// Text in diagrams, `.text` and `.arrow` accepts light math markup: `z_1`, `z_{t-1}`, `x^2`, `\mu`, `\sigma`.
//
// # Bad input: never broken SVG
// Problems are recorded as `issues` and drawn as a visible note under the plot:
// NaN/Inf values are dropped (lines get a gap there; a point left alone between gaps becomes a dot);
// a series with mismatched lengths, an empty series, an invalid covariance or a zero-width range you
// gave is not drawn (note marked with a cross); values <= 0 on a log axis are hidden (noted); data
// with no spread gets a window of +-0.5 around 0, or +-10 % around any other value, silently.
// To turn any issue into a thrown `FigureError` instead, call `try figure.validated()`; it returns the
// figure unchanged when there are none.
//
// # Output
// Deterministic bytes (coordinates with one decimal, ids from a hash of the content), `<title>` and
// `<desc>` on every figure, text as SVG `<text>`, theme colours through `currentColor` with
// `color: var(--fig-fg, #222)` on the root (the page sets `--fig-fg`, and `--fig-bg` for the legend
// box and text halos). Default size 640 x 400, `max-width: 100%`; figures wider than 800 px lay out
// in an 800-unit viewBox so their text stays legible when the page shrinks them. Sizes
// (`swift run figures-gallery` prints them): 10,000-point scatter about 48 KB (one `<path>` of marker
// vertices per colour, quarter-pixel relative moves), 100 x 100 heatmap about 17 KB (one indexed PNG),
// 10 x 10 Fashion-MNIST grid about 54 KB (one greyscale PNG); lines and bands of more than 800 points
// keep first/min/max/last per half-pixel column, so a 10,000-step curve stays small too.
// `figure.write(to: path)` saves a standalone .svg file; `PNG.encode` is public for raw images.

/// A figure, plot or diagram that renders to a standalone `<svg>` element.
/// `LessonRuntime.show(_:)` accepts any value of this type.
public protocol SVGConvertible {
    /// The complete `<svg ...>...</svg>` markup, deterministic for the same value.
    func svgString() -> String
}

public enum FiguresLibrary { public static let version = "0.2.0" }

extension SVGConvertible {
    /// Writes the SVG to a file (UTF-8).
    public func write(to path: String) throws {
        try svgString().write(toFile: path, atomically: true, encoding: .utf8)
    }
}

/// What went wrong with a figure's input.
public enum FigureError: Error, Equatable, CustomStringConvertible {
    case emptySeries(String)
    case nonFinite(String)
    case lengthMismatch(String)
    case zeroWidthRange(String)
    case nonPositiveOnLogAxis(String)
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .emptySeries(let m), .nonFinite(let m), .lengthMismatch(let m), .zeroWidthRange(let m),
             .nonPositiveOnLogAxis(let m), .invalidArgument(let m): return m
        }
    }
}

/// A problem found in a figure's input, and whether the affected part was still drawn.
public struct FigureIssue: Equatable, CustomStringConvertible {
    public enum Severity: Equatable { case warning, error }
    /// `.warning`: drawn with a documented treatment (e.g. NaN dropped); `.error`: that part not drawn.
    public var severity: Severity
    public var error: FigureError
    public var description: String { error.description }
}

/// Figures that collect input issues instead of throwing while they are built.
public protocol IssueReporting {
    var issues: [FigureIssue] { get }
}

extension IssueReporting {
    /// Throws the first issue (warning or error) found in the input; returns `self` when there is none.
    public func validated() throws -> Self {
        if let first = issues.first { throw first.error }
        return self
    }
}

import Foundation
