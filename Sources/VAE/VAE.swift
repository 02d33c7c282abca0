import CBLAS
// Placeholder; the engine lives here.
public enum VAEEngine { public static let version = "0.0.0" }
