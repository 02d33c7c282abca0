// The protocol between a generated lesson program (LessonRuntime writes) and the cell runner
// (LessonKit/Execution reads). One type, both sides: an event the runtime can send is a case
// here, and the reader's `switch` must handle every case (the compiler checks it).
//
// Transport: one JSON object a line on a pipe the runner creates and the program inherits
// (its descriptor number is a program argument, see `ProgramArguments`). The runtime takes
// the descriptor, moves it out of the way (close-on-exec, a high number) and closes the
// inherited one, so a cell cannot reach it by accident: no path in the environment, no file
// in the working directory. What a cell prints goes to its own files, never this channel.
//
// The outcome of the program (finished, exited, trapped, killed) is decided by the runner from
// the process's exit status and signal, never from an event; events say where it was (which
// cell had begun) and what the cells showed.

import Foundation

public enum RunnerEvent: Codable, Equatable, Sendable {
    /// Cell `cell` starts; the runner arms its time limit (`timeout` seconds) from here.
    case begin(cell: Int, timeout: Double)
    /// Rich output (`show`): markup or display math, after `offset` bytes of the cell's stdout.
    case rich(cell: Int, offset: Int, kind: RichKind, value: String)
    /// A failed `expect` at `file:line:column` (the call's `#filePath`, `#line`).
    case expectationFailed(cell: Int, offset: Int, file: String, line: Int, column: Int, message: String)
    /// How the forked copy that ran a `should-trap` cell ended (reported by the lesson program,
    /// which waited for it).
    case trapOutcome(cell: Int, outcome: TrapOutcome)
    /// Writing the cell's printed text failed (disk full, the file size limit): what the page
    /// shows of it is incomplete.
    case outputFailed(cell: Int, stream: CellStream)
    /// The lesson read this data file; its results depend on it (`recordInput`).
    case input(path: String)
    /// The last cell finished.
    case end
}

public enum RichKind: String, Codable, Sendable { case html, math }
public enum CellStream: String, Codable, Sendable { case stdout, stderr }

public enum TrapOutcome: Codable, Equatable, Sendable {
    case trapped(signal: Int32)
    case exited(status: Int32)
    /// The cell ran to its end in the forked copy.
    case didNotTrap
    /// `fork()` failed (e.g. the process limit): the cell did not run at all.
    case forkFailed(errno: Int32)
}

/// One event a line. JSON escapes every control character inside strings, so a line is one event.
public enum EventCodec {
    public static func encode(_ e: RunnerEvent) -> [UInt8] {
        // Encoding a value of this type cannot fail (no floats that are not finite reach it:
        // timeouts are clamped by the writer); an empty line would be ignored by the reader.
        var bytes = (try? encoder.encode(e)).map { [UInt8]($0) } ?? []
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }

    /// Decodes one line (without its newline); nil for anything that is not an event.
    public static func decode<S: Sequence>(line: S) -> RunnerEvent? where S.Element == UInt8 {
        try? JSONDecoder().decode(RunnerEvent.self, from: Data(line))
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()
}

/// Splits a byte stream into lines and decodes each; keeps a partial last line for the next chunk.
public struct EventLineReader: Sendable {
    private var pending: [UInt8] = []
    /// Bytes of `pending` already searched for a newline (a figure's line comes in many
    /// chunks; each byte is looked at once).
    private var searched = 0
    /// Lines that were not events (a cell that wrote to the descriptor on purpose, a cut line).
    public private(set) var malformed = 0
    /// Longest line kept while waiting for its end; a longer one is dropped as malformed (a
    /// figure is at most a few MB; the runner caps rich output per cell anyway).
    public var maxLine = 64 << 20
    private var dropping = false
    public init() {}

    public mutating func feed(_ chunk: some Sequence<UInt8>) -> [RunnerEvent] {
        pending.append(contentsOf: chunk)
        var out: [RunnerEvent] = []
        var start = 0
        while let nl = pending[max(start, searched)...].firstIndex(of: UInt8(ascii: "\n")) {
            if dropping { dropping = false }
            else if nl > start {
                if let e = EventCodec.decode(line: pending[start..<nl]) { out.append(e) } else { malformed += 1 }
            }
            start = nl + 1
            searched = start
        }
        pending.removeFirst(start)
        searched = pending.count
        if pending.count > maxLine {
            // Too long to be an event: drop it, and the rest of it up to its newline.
            if !dropping { malformed += 1 }
            dropping = true
            pending.removeAll()
            searched = 0
        }
        return out
    }

    /// At the end of the stream: a last line without a newline is incomplete (the writer died mid-write).
    public mutating func finish() {
        if !pending.isEmpty && !dropping { malformed += 1 }
        pending.removeAll()
        searched = 0
        dropping = false
    }
}

/// The runner's instructions to the lesson program, as program arguments (not environment
/// variables, which a lesson's own child processes would inherit and could act on). Cells see
/// them in `CommandLine.arguments` (a descriptor number, a folder, a count: nothing to act on;
/// the descriptor itself is closed by then).
public struct ProgramArguments: Equatable, Sendable {
    /// Inherited write end of the event pipe.
    public var eventsFD: Int32
    /// Folder where each cell's stdout/stderr files go (`cell-N.out`, `cell-N.err`).
    public var runDirectory: String
    /// Cores this lesson may use (`--jobs` shares the machine between lessons explicitly).
    public var threads: Int?
    /// Where `cached`/`cachedFile` keep trained models (shared by lessons, keyed by the engine build).
    public var modelCache: String?
    /// Where the lesson reads Fashion-MNIST, when not Debian's folder.
    public var dataDirectory: String?

    public init(eventsFD: Int32, runDirectory: String, threads: Int? = nil, modelCache: String? = nil, dataDirectory: String? = nil) {
        self.eventsFD = eventsFD; self.runDirectory = runDirectory; self.threads = threads; self.modelCache = modelCache
        self.dataDirectory = dataDirectory
    }

    static let prefix = "--lessons-"

    public var arguments: [String] {
        var a = ["\(Self.prefix)events-fd=\(eventsFD)", "\(Self.prefix)run-dir=\(runDirectory)"]
        if let t = threads { a.append("\(Self.prefix)threads=\(t)") }
        if let m = modelCache { a.append("\(Self.prefix)model-cache=\(m)") }
        if let d = dataDirectory { a.append("\(Self.prefix)data-dir=\(d)") }
        return a
    }

    /// The runner's arguments among `arguments` (nil when the program was started by hand).
    public static func parse(_ arguments: [String]) -> ProgramArguments? {
        var values: [String: String] = [:]
        for a in arguments where a.hasPrefix(prefix) {
            guard let eq = a.firstIndex(of: "=") else { continue }
            values[String(a[a.index(a.startIndex, offsetBy: prefix.count)..<eq])] = String(a[a.index(after: eq)...])
        }
        guard let fd = values["events-fd"].flatMap({ Int32($0) }), let dir = values["run-dir"], !dir.isEmpty else { return nil }
        return ProgramArguments(eventsFD: fd, runDirectory: dir, threads: values["threads"].flatMap { Int($0) },
                                modelCache: values["model-cache"].flatMap { $0.isEmpty ? nil : $0 },
                                dataDirectory: values["data-dir"].flatMap { $0.isEmpty ? nil : $0 })
    }
}
