/// A credential (the shared cache's bearer token). Printing it, interpolating it or dumping the
/// value that holds it (`print(settings)`, `dump`) shows `<redacted>`; only `reveal()` gives the
/// text, and the one caller is the HTTP client building its `Authorization` header.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let value: String
    public init(_ value: String) { self.value = value }
    public func reveal() -> String { value }
    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}
