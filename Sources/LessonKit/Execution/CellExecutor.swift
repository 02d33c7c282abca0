/// Runs a lesson's cells. The build pipeline calls it between parsing and rendering.
public protocol CellExecutor: Sendable {
    /// `file` is the lesson path as shown in diagnostics (relative, e.g. "Lessons/x.md").
    /// Returns one result per runnable cell (`cell.runs == true`), keyed by `Cell.index`.
    func execute(file: String, cells: [Cell]) throws -> [Int: CellResult]
}

/// The default: runs nothing (cells are shown as highlighted code only).
public struct NoExecution: CellExecutor {
    public init() {}
    public func execute(file: String, cells: [Cell]) throws -> [Int: CellResult] { [:] }
}
