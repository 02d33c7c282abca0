// The plotting library lives in this module. This file holds the one contract other
// modules rely on: anything that can be drawn turns itself into a standalone SVG string.

/// A figure, plot or diagram that renders to a standalone `<svg>` element.
/// `LessonRuntime.show(_:)` accepts any value of this type.
public protocol SVGConvertible {
    /// The complete `<svg ...>...</svg>` markup, deterministic for the same value.
    func svgString() -> String
}

public enum FiguresLibrary { public static let version = "0.1.0" }
