// The contract between the parser (which makes cells), the cell runner (which fills in
// results) and the renderer (which shows both). Keep these plain Codable values.

/// How a cell's output is shown.
public enum OutputMode: String, Codable, Hashable, Sendable { case show, hide, fold }

/// Options from a fence's info string, e.g. ```` ```swift hide timeout=30 ````.
public struct CellOptions: Codable, Hashable, Sendable {
    public var hide = false          // run it, show only its output
    public var noRun = false         // show it, don't run it
    public var compileFail = false   // it must fail to compile; show the diagnostic
    public var shouldTrap = false    // it must trap at run time; show the message
    public var output: OutputMode = .show
    public var timeout: Double? = nil // seconds; nil means the runner's default
    /// A cross-reference label for what the cell shows (`label=fig-posterior`, `label=tbl-gap`)
    /// and its caption (`caption="Exact posterior and q"`). Optional, so that cells without
    /// them encode (and hash) as before.
    public var label: String? = nil
    public var caption: String? = nil
    public init() {}
}

/// One fenced code block of a lesson. Cells whose language is `swift` run, unless `no-run`.
public struct Cell: Codable, Hashable, Sendable {
    public var index: Int          // 0-based position among the lesson's code blocks
    public var language: String    // first word of the info string ("swift", "python", "" ...)
    public var options: CellOptions
    public var code: String        // the code exactly as written, without the fences
    public var fenceLine: Int      // 1-based line of the opening fence in the .md file
    public var codeLine: Int       // 1-based line of the first code line (fenceLine + 1)
    /// For a fence indented 1-3 spaces: the spaces Markdown removed from each code line (up to
    /// the fence's indentation), so that columns in the code map back to the .md file.
    public var strippedIndent: [Int] = []
    /// The figure or table number the cross-reference transform gave a labelled cell.
    public var number: Int? = nil
    public var runs: Bool { language == "swift" && !options.noRun }

    /// The .md column of `column` on .md line `line` (a column within the code as run).
    public func markdownColumn(line: Int, column: Int) -> Int {
        let k = line - codeLine
        return k >= 0 && k < strippedIndent.count ? column + strippedIndent[k] : column
    }

    public init(index: Int, language: String, options: CellOptions, code: String, fenceLine: Int) {
        self.index = index; self.language = language; self.options = options
        self.code = code; self.fenceLine = fenceLine; self.codeLine = fenceLine + 1
    }
}

/// A problem with a source position, printed as `file:line:col: severity: message`.
public struct Diagnostic: Codable, Hashable, Sendable, CustomStringConvertible {
    public enum Severity: String, Codable, Hashable, Sendable { case error, warning, note }
    public var file: String
    public var line: Int
    public var column: Int
    public var severity: Severity
    public var message: String
    public init(file: String, line: Int, column: Int = 1, severity: Severity = .error, message: String) {
        self.file = file; self.line = line; self.column = column; self.severity = severity; self.message = message
    }
    public var description: String { "\(file):\(line):\(column): \(severity.rawValue): \(message)" }
}

/// One item a cell put on the page, in order.
public enum CellOutput: Codable, Hashable, Sendable {
    case text(String)        // printed text; the renderer HTML-escapes it
    case html(String)        // trusted markup from the runtime (SVG figures, tables, images)
    case math(String)        // LaTeX for display math, rendered by the page's KaTeX pass
}

/// What running a cell produced. The runner fills one per runnable cell.
public struct CellResult: Codable, Hashable, Sendable {
    public enum Status: String, Codable, Hashable, Sendable {
        case ok, compileError, trapped, timedOut, expectationFailed, outputTruncated, notRun
        // compile-fail / should-trap cells whose failure was expected are `ok`.
    }
    public var cellIndex: Int
    public var status: Status
    public var outputs: [CellOutput]
    public var diagnostics: [Diagnostic]  // errors and failed expectations, with file:line
    public var seconds: Double
    public init(cellIndex: Int, status: Status, outputs: [CellOutput] = [], diagnostics: [Diagnostic] = [], seconds: Double = 0) {
        self.cellIndex = cellIndex; self.status = status; self.outputs = outputs
        self.diagnostics = diagnostics; self.seconds = seconds
    }
}
