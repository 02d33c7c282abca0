// Placeholder; the plotting library lives here.
public enum FiguresLibrary { public static let version = "0.0.0" }
