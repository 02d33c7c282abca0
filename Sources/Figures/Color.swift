// Colours: a categorical palette that stays distinguishable for colour-blind readers
// (Okabe & Ito 2008), and perceptually uniform maps for values (viridis; a cool-warm diverging map
// interpolated in CIELAB so lightness changes evenly on each side of the midpoint).

import Foundation

/// An sRGB colour, or the page's foreground colour (`currentColor`, which follows light/dark themes).
public struct Color: Hashable, Sendable {
    public var r: UInt8, g: UInt8, b: UInt8
    /// True for the theme foreground; `r, g, b` are then unused.
    public var isForeground: Bool

    public init(r: UInt8, g: UInt8, b: UInt8) { self.r = r; self.g = g; self.b = b; isForeground = false }

    /// `Color(hex: 0x0072B2)`.
    public init(hex: UInt32) {
        self.init(r: UInt8((hex >> 16) & 0xff), g: UInt8((hex >> 8) & 0xff), b: UInt8(hex & 0xff))
    }

    /// Components in 0...1, clamped.
    public init(red: Double, green: Double, blue: Double) {
        func c(_ v: Double) -> UInt8 { UInt8((min(max(v.isFinite ? v : 0, 0), 1) * 255).rounded()) }
        self.init(r: c(red), g: c(green), b: c(blue))
    }

    /// The page's text colour: black-ish on light pages, white-ish on dark ones.
    public static let foreground: Color = { var c = Color(r: 0, g: 0, b: 0); c.isForeground = true; return c }()

    /// SVG paint value.
    public var svg: String {
        if isForeground { return "currentColor" }
        let h = String((UInt32(r) << 16) | (UInt32(g) << 8) | UInt32(b), radix: 16, uppercase: false)
        return "#" + String(repeating: "0", count: 6 - h.count) + h
    }

    // Okabe-Ito, reordered so the first colours are the most distinct on both light and dark pages;
    // their black is replaced by the theme foreground.
    public static let blue = Color(hex: 0x0072B2)
    public static let vermillion = Color(hex: 0xD55E00)
    public static let bluishGreen = Color(hex: 0x009E73)
    public static let orange = Color(hex: 0xE69F00)
    public static let reddishPurple = Color(hex: 0xCC79A7)
    public static let skyBlue = Color(hex: 0x56B4E9)
    public static let yellow = Color(hex: 0xF0E442)
}

/// The categorical palette used for series and categories, in order.
public enum Palette {
    public static let okabeIto: [Color] = [
        .blue, .vermillion, .bluishGreen, .orange, .reddishPurple, .skyBlue, .yellow, .foreground,
    ]
    /// The colour for series or category number `i` (wraps around after 8).
    public static func color(_ i: Int) -> Color { okabeIto[((i % okabeIto.count) + okabeIto.count) % okabeIto.count] }
}

/// A map from [0, 1] to colours.
public enum ColorMap: Sendable, Hashable {
    /// Perceptually uniform sequential map (matplotlib's viridis), dark purple to yellow.
    case viridis
    /// Diverging blue - light grey - red with lightness linear in CIELAB on each half
    /// (end colours from Moreland's cool-warm map). For signed values: heatmaps and value-coloured
    /// points using it centre their scale on zero (grey), so sign reads at a glance.
    case coolWarm
    /// Light to dark grey, for images.
    case greys

    /// Colour at `t` in 0...1 (clamped; NaN gives the midpoint).
    public func color(_ t: Double) -> Color {
        let x = t.isNaN ? 0.5 : min(max(t, 0), 1)
        switch self {
        case .viridis:
            // Polynomial fit of viridis (M. Zucker, CC0), max error well under one 8-bit step in practice.
            let c0 = (0.2777273272234177, 0.005407344544966578, 0.3340998053353061)
            let c1 = (0.1050930431085774, 1.404613529898575, 1.384590162594685)
            let c2 = (-0.3308618287255563, 0.214847559468213, 0.09509516302823659)
            let c3 = (-4.634230498983486, -5.799100973351585, -19.33244095627987)
            let c4 = (6.228269936347081, 14.17993336680509, 56.69055260068105)
            let c5 = (4.776384997670288, -13.74514537774601, -65.35303263337234)
            let c6 = (-5.435455855934631, 4.645852612178535, 26.3124352495832)
            func p(_ a: Double, _ b: Double, _ c: Double, _ d: Double, _ e: Double, _ f: Double, _ g: Double) -> Double {
                a + x * (b + x * (c + x * (d + x * (e + x * (f + x * g)))))
            }
            return Color(red: p(c0.0, c1.0, c2.0, c3.0, c4.0, c5.0, c6.0),
                         green: p(c0.1, c1.1, c2.1, c3.1, c4.1, c5.1, c6.1),
                         blue: p(c0.2, c1.2, c2.2, c3.2, c4.2, c5.2, c6.2))
        case .coolWarm:
            let cool = Lab(Color(hex: 0x3B4CC0)), mid = Lab(Color(hex: 0xDDDDDD)), warm = Lab(Color(hex: 0xB40426))
            return x < 0.5 ? Lab.mix(cool, mid, x * 2).rgb : Lab.mix(mid, warm, (x - 0.5) * 2).rgb
        case .greys:
            return Color(red: 0.96 - 0.9 * x, green: 0.96 - 0.9 * x, blue: 0.96 - 0.9 * x)
        }
    }

    /// `n` evenly spaced colours from the map (for quantised value colouring and gradients).
    func samples(_ n: Int) -> [Color] {
        n <= 1 ? [color(0.5)] : (0..<n).map { color(Double($0) / Double(n - 1)) }
    }
}

/// CIELAB (D65) for perceptual interpolation.
struct Lab {
    var l, a, b: Double
    init(l: Double, a: Double, b: Double) { self.l = l; self.a = a; self.b = b }
    init(_ c: Color) {
        func lin(_ u: UInt8) -> Double { let v = Double(u) / 255; return v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4) }
        let r = lin(c.r), g = lin(c.g), bl = lin(c.b)
        let x = (0.4124 * r + 0.3576 * g + 0.1805 * bl) / 0.95047
        let y = 0.2126 * r + 0.7152 * g + 0.0722 * bl
        let z = (0.0193 * r + 0.1192 * g + 0.9505 * bl) / 1.08883
        func f(_ t: Double) -> Double { t > 0.008856 ? cbrt(t) : 7.787 * t + 16.0 / 116 }
        l = 116 * f(y) - 16; a = 500 * (f(x) - f(y)); b = 200 * (f(y) - f(z))
    }
    static func mix(_ p: Lab, _ q: Lab, _ t: Double) -> Lab {
        Lab(l: p.l + (q.l - p.l) * t, a: p.a + (q.a - p.a) * t, b: p.b + (q.b - p.b) * t)
    }
    var rgb: Color {
        let fy = (l + 16) / 116, fx = fy + a / 500, fz = fy - b / 200
        func finv(_ t: Double) -> Double { t * t * t > 0.008856 ? t * t * t : (t - 16.0 / 116) / 7.787 }
        let x = finv(fx) * 0.95047, y = finv(fy), z = finv(fz) * 1.08883
        let r = 3.2406 * x - 1.5372 * y - 0.4986 * z
        let g = -0.9689 * x + 1.8758 * y + 0.0415 * z
        let bl = 0.0557 * x - 0.2040 * y + 1.0570 * z
        func gam(_ v: Double) -> Double { v <= 0.0031308 ? 12.92 * v : 1.055 * pow(max(v, 0), 1 / 2.4) - 0.055 }
        return Color(red: gam(r), green: gam(g), blue: gam(bl))
    }
}
