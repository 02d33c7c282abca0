// Progress lines for `lessons build`/`check`: one updating line on a terminal, plain lines in CI logs.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Progress of a run over several lessons.
public protocol ExecutionProgress: AnyObject, Sendable {
    func begin(total: Int)
    func lessonStarted(file: String)
    func lessonFinished(file: String, cached: Bool, results: [Int: CellResult], seconds: Double)
    func end()
    /// A problem that does not fail the build (a damaged cache entry, rebuilt).
    func warning(_ message: String)
}

extension ExecutionProgress {
    public func warning(_ message: String) { FileHandle.standardError.write(Data((message + "\n").utf8)) }
}

public final class ConsoleProgress: ExecutionProgress, @unchecked Sendable {
    private let lock = NSLock()
    private let tty: Bool
    private var total = 0
    private var done = 0
    private var running: [String] = []
    private let quiet: Bool

    /// `tty`: one updating line; nil: when stderr is a terminal and `ci` is false (the CLI
    /// fills `ci` from $CI). `quiet`: print nothing for lessons served from the cache (plain mode only).
    public init(tty: Bool? = nil, ci: Bool = false, quiet: Bool = false) {
        self.tty = tty ?? (isatty(2) != 0 && !ci)
        self.quiet = quiet
    }

    public func begin(total: Int) { lock.withLock { self.total = total; done = 0 } }

    public func lessonStarted(file: String) {
        lock.withLock {
            running.append(file)
            if tty { redraw() } else { write("running \(file)\n") }
        }
    }

    public func lessonFinished(file: String, cached: Bool, results: [Int: CellResult], seconds: Double) {
        lock.withLock {
            done += 1
            running.removeAll { $0 == file }
            let failed = results.values.filter { $0.status != .ok && $0.status != .notRun }.count
            let ran = results.values.filter { $0.status != .notRun }.count
            let what = cached ? "cached" : String(format: "ran %d cell%@ in %.1f s", ran, ran == 1 ? "" : "s", seconds)
            let fail = failed > 0 ? ", \(failed) failing" : ""
            if tty {
                if !cached || failed > 0 { write("\r\u{1B}[K\(file): \(what)\(fail)\n") }
                // Nothing left running: clear the status line so later output starts clean.
                if running.isEmpty { write("\r\u{1B}[K") } else { redraw() }
            } else if !(cached && quiet) {
                write("\(file): \(what)\(fail)\n")
            }
        }
    }

    public func warning(_ message: String) {
        lock.withLock {
            if tty { write("\r\u{1B}[K\(message)\n"); if !running.isEmpty { redraw() } } else { write(message + "\n") }
        }
    }

    public func end() {
        lock.withLock { if tty { write("\r\u{1B}[K") } }
    }

    private func redraw() {
        let names = running.isEmpty ? "" : " running " + running.joined(separator: ", ")
        let count = total > 0 ? "[\(done)/\(total)]" : "[\(done) done]"
        write("\r\u{1B}[K\(count)\(names)")
    }

    private func write(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }
}
