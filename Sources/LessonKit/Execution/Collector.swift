// Turns what a lesson program did (its exit status or signal, the runner's stop reason, the
// typed events it sent, the text files of each cell, the backtracer's crash reports) into one
// CellResult per cell. The protocol is LessonProtocol.RunnerEvent; every case is handled in
// `collect` (the `switch` there is exhaustive, so a new event cannot be forgotten).

import Foundation
import LessonProtocol

/// The crash report Swift's backtracer wrote (`SWIFT_BACKTRACE=...,format=json,output-to=DIR`).
struct CrashReport {
    var pid: Int
    var description: String
    var file: String?
    var line: Int?
    var column: Int?
    var frameDescription: String?
    /// Every lesson line on the crashed stack, innermost first (to say where a function was called from).
    var lessonLines: [Int] = []

    /// Reads DIR/<program>-<pid>-*.json files. The innermost frame in the lesson gives the
    /// position: with `-gline-tables-only` its file is either the lesson or the generated
    /// main.swift, but the line is always the Markdown line (from `#sourceLocation`).
    static func load(directory: URL, lessonFile: String) -> [CrashReport] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted().compactMap { name in
            guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path),
                  let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
            let parts = name.split(separator: "-")
            let pid = parts.count >= 3 ? Int(parts[parts.count - 2]) ?? -1 : -1
            var r = CrashReport(pid: pid, description: obj["description"] as? String ?? "crash")
            let threads = obj["threads"] as? [[String: Any]] ?? []
            let crashed = threads.first { ($0["crashed"] as? Bool) == true } ?? threads.first
            let frames = crashed?["frames"] as? [[String: Any]] ?? []
            r.frameDescription = frames.first?["description"] as? String
            for f in frames {
                let desc = f["description"] as? String ?? ""
                if desc.hasPrefix("Swift runtime failure: ") && !r.description.hasPrefix("Swift runtime failure: ") {
                    r.description = desc
                }
                if let loc = f["sourceLocation"] as? [String: Any], let file = loc["file"] as? String,
                   file == lessonFile || file.hasSuffix("/main.swift"),
                   let line = (loc["line"] as? NSNumber)?.intValue, line > 0 {
                    r.lessonLines.append(line)
                    if r.line == nil {
                        r.line = line
                        r.column = (loc["column"] as? NSNumber)?.intValue
                    }
                }
            }
            return r
        }
    }

    /// A readable one-line message: the runtime failure, or the signal and where it hit.
    var message: String {
        if description.hasPrefix("Swift runtime failure: ") { return String(description.dropFirst("Swift runtime failure: ".count)) }
        // Optimized code drops the message of the array bounds check; the frame still says where.
        if let f = frameDescription, f.contains("Array.subscript") || f == "subscript.get" || f == "subscript.set" {
            return "Index out of range (trap in \(f))"
        }
        if let f = frameDescription, !f.hasPrefix("main") { return "\(description) in \(f)" }
        return description
    }
}

struct Limits {
    var outputBytes: Int
    var cellTimeout: Double
    var lessonTimeout: Double
    var fileSizeLimit: Int = 0
}

enum Collector {
    /// The events of one cell, sorted out of the lesson's stream.
    struct CellEvents {
        var began = false
        var rich: [(offset: Int, kind: RichKind, value: String)] = []
        var expectations: [(file: String, line: Int, column: Int, message: String)] = []
        var trap: TrapOutcome?
        var outputFailed: Set<CellStream> = []
    }

    static func sort(_ events: [RunnerEvent]) -> (cells: [Int: CellEvents], order: [Int], ended: Bool, inputs: [String]) {
        var cells: [Int: CellEvents] = [:]
        var order: [Int] = []
        var ended = false
        var inputs: [String] = []
        for e in events {
            switch e {
            case .begin(let c, _):
                cells[c, default: CellEvents()].began = true
                order.append(c)
            case .rich(let c, let o, let k, let v): cells[c, default: CellEvents()].rich.append((o, k, v))
            case .expectationFailed(let c, _, let f, let l, let col, let m): cells[c, default: CellEvents()].expectations.append((f, l, col, m))
            case .trapOutcome(let c, let t):
                // The forked copy says `didNotTrap` before its parent reports its exit: the first one says more.
                if cells[c, default: CellEvents()].trap == nil { cells[c]!.trap = t }
            case .outputFailed(let c, let stream): cells[c, default: CellEvents()].outputFailed.insert(stream)
            case .input(let p): inputs.append(p)
            case .end: ended = true
            }
        }
        return (cells, order, ended, inputs)
    }

    static func collect(file: String, cells: [Cell], runDir: URL, crashDir: URL, run: LessonRun, limits: Limits) -> [Int: CellResult] {
        let sorted = sort(run.events)
        let crashes = CrashReport.load(directory: crashDir, lessonFile: file)
        let mainPID = run.pid
        // The program finished only if it exited with status 0 by itself after the last cell:
        // decided by the process, not by an event a cell could have written.
        let finished = run.stopped == nil && run.end == .exited(0) && sorted.ended
        let lastBegun = sorted.order.last
        let end: ProgramEnd
        switch (run.stopped, run.end) {
        case (.some(let s), _): end = .stopped(s)
        case (nil, .exited(0)): end = .finished
        case (nil, .exited(let c)): end = .exited(c)
        case (nil, .signaled(let s)): end = .signaled(s)
        case (nil, .timedOut): end = .stopped(.lessonTimedOut(seconds: limits.lessonTimeout))
        }
        var results: [Int: CellResult] = [:]

        for cell in cells where cell.runs && !cell.options.compileFail {
            guard let mine = sorted.cells[cell.index], mine.began else {
                results[cell.index] = CellResult(cellIndex: cell.index, status: .notRun)
                continue
            }
            var r = CellResult(cellIndex: cell.index, status: .ok)
            let (text, printed) = readText(runDir.appendingPathComponent("cell-\(cell.index).out"), limit: limits.outputBytes)
            let rawErr = readText(runDir.appendingPathComponent("cell-\(cell.index).err"), limit: limits.outputBytes).0
            // Trap messages are removed from the text only when the cell trapped (they become its
            // diagnostic); a cell that merely prints "Assertion failed:" keeps its text.
            let errText = cleanStderr(rawErr)
            let printedErr = rawErr.trimmingCharacters(in: .whitespacesAndNewlines)
            r.outputs = interleave(text: text, rich: mine.rich)
            if printed > limits.outputBytes {
                r.outputs.append(.text("[output truncated: the cell printed \(byteCount(printed)); the first \(byteCount(limits.outputBytes)) are shown]"))
                r.status = .outputTruncated
                r.diagnostics.append(Diagnostic(file: file, line: cell.fenceLine, message:
                    "cell printed \(byteCount(printed)) of output, over the limit of \(byteCount(limits.outputBytes)); the output was truncated"))
            }
            for stream in mine.outputFailed.sorted(by: { $0.rawValue > $1.rawValue }) {
                // A short write (disk full, the file size limit): the text is incomplete, and
                // the build must not pass as if it were whole.
                r.status = .outputTruncated
                r.outputs.append(.text("[output incomplete: writing the cell's \(stream.rawValue) failed]"))
                r.diagnostics.append(Diagnostic(file: file, line: cell.fenceLine, message:
                    "writing this cell's \(stream.rawValue) failed (disk full, or over the runner's file size limit of \(byteCount(limits.fileSizeLimit))); its output is incomplete"))
            }
            for x in mine.expectations {
                r.status = .expectationFailed
                // Only positions in this lesson are believed; anything else (a forged or a
                // library's #filePath) is reported at the cell.
                let own = x.file == file && lineIn(cell, x.line)
                r.diagnostics.append(Diagnostic(file: file, line: own ? x.line : cell.fenceLine, column: own ? max(1, x.column) : 1,
                                                message: "expectation failed: " + Sanitize.message(x.message)))
            }

            if cell.options.shouldTrap {
                switch mine.trap {
                case .trapped(let sig):
                    let crash = crashes.first { $0.pid != Int(mainPID) }
                    let msg = fatalErrorMessage(rawErr) ?? crash?.message ?? "trapped (signal \(sig))"
                    let (_, where_) = trapLocation(cell: cell, file: file, crash: crash, rawStderr: rawErr)
                    if !errText.isEmpty { r.outputs.append(.text(errText)) }
                    r.outputs.append(.text("trap: \(msg)\(where_)"))
                case .exited(let code):
                    r.status = .expectationFailed
                    r.diagnostics.append(Diagnostic(file: file, line: cell.fenceLine, message:
                        "cell is marked should-trap but exited with status \(code) without trapping"))
                    if !printedErr.isEmpty { r.outputs.append(.text(printedErr)) }
                case .didNotTrap:
                    r.status = .expectationFailed
                    r.diagnostics.append(Diagnostic(file: file, line: cell.fenceLine, message:
                        "cell is marked should-trap but finished without trapping"))
                    if !printedErr.isEmpty { r.outputs.append(.text(printedErr)) }
                case .forkFailed(let e):
                    r.status = .expectationFailed
                    r.diagnostics.append(Diagnostic(file: file, line: cell.fenceLine, message:
                        "could not run this should-trap cell: fork() failed (\(String(cString: strerror(e)))); it did not run"))
                case nil:
                    if !finished && lastBegun == cell.index {
                        markAbnormalEnd(&r, cell: cell, file: file, crashes: crashes, mainPID: mainPID, end: end, limits: limits, errText: errText, rawErr: rawErr)
                    }
                }
            } else if !finished && lastBegun == cell.index {
                markAbnormalEnd(&r, cell: cell, file: file, crashes: crashes, mainPID: mainPID, end: end, limits: limits, errText: errText, rawErr: rawErr)
            } else if !printedErr.isEmpty {
                r.outputs.append(.text(printedErr))
            }
            results[cell.index] = r
        }
        if run.malformedEvents > 0, let c = lastBegun.flatMap({ i in cells.first { $0.index == i } }) {
            // Something other than the runtime wrote to the runner's channel, or a line was cut.
            results[c.index]?.diagnostics.append(Diagnostic(file: file, line: c.fenceLine, severity: .warning, message:
                "the runner ignored \(run.malformedEvents) line\(run.malformedEvents == 1 ? "" : "s") on its event channel that were not events"))
        }
        return results
    }

    enum ProgramEnd { case finished, exited(Int32), signaled(Int32), stopped(StopReason) }

    static func markAbnormalEnd(_ r: inout CellResult, cell: Cell, file: String, crashes: [CrashReport],
                                mainPID: Int32, end: ProgramEnd, limits: Limits, errText: String, rawErr: String) {
        if case .stopped(let why) = end {
            switch why {
            case .cellTimedOut(_, let t):
                r.status = .timedOut
                r.diagnostics.append(Diagnostic(file: file, line: cell.fenceLine, message: "cell did not finish within its time limit of \(seconds(t)) and was stopped"))
                r.outputs.append(.text("[stopped: time limit of \(seconds(t)) exceeded]"))
            case .lessonTimedOut(let t):
                r.status = .timedOut
                r.diagnostics.append(Diagnostic(file: file, line: cell.fenceLine, message: "lesson did not finish within its time limit of \(seconds(t)); stopped in this cell"))
                r.outputs.append(.text("[stopped: lesson time limit of \(seconds(t)) exceeded]"))
            case .processLimit(let n):
                r.status = .trapped
                r.diagnostics.append(Diagnostic(file: file, line: cell.fenceLine, message:
                    "the lesson tried to run more than \(n) processes at once and was stopped in this cell (is a loop starting processes?); the cells after it did not run"))
                r.outputs.append(.text("[stopped: process limit of \(n) exceeded]"))
            case .memoryLimit(let bytes):
                r.status = .trapped
                r.diagnostics.append(Diagnostic(file: file, line: cell.fenceLine, message:
                    "the lesson used more than \(byteCount(bytes)) of memory and was stopped in this cell; the cells after it did not run"))
                r.outputs.append(.text("[stopped: memory limit of \(byteCount(bytes)) exceeded]"))
            }
            if !errText.isEmpty { r.outputs.append(.text(errText)) }
            return
        }
        r.status = .trapped
        if let error = uncaughtError(rawErr) {
            // The cell that threw is the one running (the error has no line of ours).
            r.diagnostics.append(Diagnostic(file: file, line: cell.fenceLine, message:
                "this cell threw an error that nothing caught: \(Sanitize.message(error)); the cells after it did not run (catch it with do/catch, or fix its cause)"))
            if !errText.isEmpty { r.outputs.append(.text(errText)) }
            return
        }
        let crash = crashes.first { $0.pid == Int(mainPID) } ?? crashes.first { $0.line.map { lineIn(cell, $0) } ?? false }
        let (loc, _) = trapLocation(cell: cell, file: file, crash: crash, rawStderr: rawErr)
        if crash == nil, fatalErrorMessage(rawErr) == nil, case .exited(let code) = end {
            // Not a trap: the cell ended the program itself (exit(_:)).
            r.diagnostics.append(Diagnostic(file: file, line: cell.fenceLine, message:
                "the program exited with status \(code) in this cell; the cells after it did not run"))
            if !errText.isEmpty { r.outputs.append(.text(errText)) }
            return
        }
        var message = fatalErrorMessage(rawErr) ?? crash?.message ?? describe(end)
        // A trap inside a function an earlier cell defined: also say where this cell called it.
        if !lineIn(cell, loc.line), let call = crash?.lessonLines.first(where: { lineIn(cell, $0) }) {
            message += " (called from line \(call - cell.codeLine + 1) of this cell)"
        }
        // The message goes in the diagnostic, which the page shows in the cell's error box.
        r.diagnostics.append(Diagnostic(file: file, line: loc.line, column: loc.column, message: "trap: \(message)"))
        if !errText.isEmpty { r.outputs.append(.text(errText)) }
    }

    /// Where a cell trapped: `fatalError`/`precondition` print `Module/file.md:LINE: Fatal error`
    /// (the line is the Markdown line, through `#sourceLocation`); otherwise the backtracer's
    /// innermost lesson frame; otherwise the cell's fence. Also a "(line k of this cell)" note
    /// for the page, relative so a cached page stays right after a prose edit.
    static func trapLocation(cell: Cell, file: String, crash: CrashReport?, rawStderr: String) -> ((line: Int, column: Int), String) {
        var loc = (line: cell.fenceLine, column: 1)
        if let l = fatalErrorLine(rawStderr, lessonFile: file) { loc = (l, 1) }  // may be in a function an earlier cell defined
        else if let l = crash?.line, lineIn(cell, l) { loc = (l, crash?.column ?? 1) }
        else if let l = crash?.line { loc = (l, crash?.column ?? 1) }  // e.g. in a function defined by an earlier cell
        let note = loc.line == cell.fenceLine && !lineIn(cell, loc.line) ? "" :
            lineIn(cell, loc.line) ? " (line \(loc.line - cell.codeLine + 1) of this cell)" : ""
        return (loc, note)
    }

    /// The line of `Module/x.md:LINE: Fatal error: ...`, only when it is in the lesson: a top-level
    /// `try` that throws is reported by Swift at `Swift/ErrorType.swift:254`, which is no line of ours.
    static func fatalErrorLine(_ err: String, lessonFile: String) -> Int? {
        let name = lessonFile.split(separator: "/").last.map(String.init) ?? lessonFile
        for line in err.split(separator: "\n") {
            for marker in [": Fatal error: ", ": Precondition failed: ", ": Assertion failed: "] {
                guard let r = line.range(of: marker) else { continue }
                let head = line[..<r.lowerBound]
                guard let colon = head.lastIndex(of: ":"), let n = Int(head[head.index(after: colon)...]) else { continue }
                let path = head[..<colon]
                if path == lessonFile || path.hasSuffix("/" + name) || path == name { return n }
            }
        }
        return nil
    }

    /// `Fatal error: Error raised at top level: <error>`: a `try` outside `do` threw.
    static func uncaughtError(_ err: String) -> String? {
        for line in err.split(separator: "\n") {
            if let r = line.range(of: "Error raised at top level: ") { return String(line[r.upperBound...]) }
        }
        return nil
    }

    static func describe(_ end: ProgramEnd) -> String {
        switch end {
        case .signaled(let s): return "terminated by signal \(s)"
        case .exited(let c): return "exited with status \(c)"
        case .finished: return "the program exited in this cell before the lesson finished"
        case .stopped: return "stopped by the runner"
        }
    }

    /// `Lessons/x.md:12: Fatal error: boom` or `Fatal error: boom` -> "Fatal error: boom".
    static func fatalErrorMessage(_ err: String) -> String? {
        for line in err.split(separator: "\n") {
            if let r = line.range(of: "Fatal error: ") { return "Fatal error: " + line[r.upperBound...] }
            if let r = line.range(of: "Precondition failed: ") { return "Precondition failed: " + line[r.upperBound...] }
            if let r = line.range(of: "Assertion failed: ") { return "Assertion failed: " + line[r.upperBound...] }
        }
        return nil
    }

    /// Drops the backtracer's banner and the runtime's trap message (reported as the trap, with
    /// its rebased location); keeps what the cell itself wrote to stderr.
    static func cleanStderr(_ s: String) -> String {
        let kept = s.split(separator: "\n", omittingEmptySubsequences: false).filter {
            !($0.hasPrefix("*** Signal") || $0.hasPrefix("*** Program crashed") || $0.contains("Backtracing from"))
        }.filter { line in
            // Trap messages are reported as the trap itself; not again as printed text.
            !(line.contains("Fatal error: ") || line.contains("Precondition failed: ") || line.contains("Assertion failed: ")
              || line.hasPrefix("swift-runtime: "))
        }
        return kept.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func lineIn(_ cell: Cell, _ line: Int) -> Bool {
        let n = cell.code.split(separator: "\n", omittingEmptySubsequences: false).count
        return line >= cell.codeLine && line < cell.codeLine + max(n, 1)
    }

    /// Reads at most `limit` bytes (cut at a UTF-8 boundary) and returns the total size.
    static func readText(_ url: URL, limit: Int) -> (String, Int) {
        guard let h = try? FileHandle(forReadingFrom: url) else { return ("", 0) }
        defer { try? h.close() }
        let size = Int((try? h.seekToEnd()) ?? 0)
        try? h.seek(toOffset: 0)
        let data = (try? h.read(upToCount: min(size, limit))) ?? Data()
        var text = String(decoding: data, as: UTF8.self)
        // A cut through a multi-byte character decodes to U+FFFD at the end; drop it.
        if size > limit { while text.unicodeScalars.last == "\u{FFFD}" { text.unicodeScalars.removeLast() } }
        return (text, size)
    }

    /// Text and rich outputs in the order the cell produced them (rich events carry the stdout offset).
    static let richLimit = 16 << 20

    static func interleave(text: String, rich: [(offset: Int, kind: RichKind, value: String)]) -> [CellOutput] {
        var out: [CellOutput] = []
        let bytes = Array(text.utf8)
        var pos = 0
        func flush(to offset: Int) {
            let end = min(max(offset, pos), bytes.count)
            if end > pos { out.append(.text(String(decoding: bytes[pos..<end], as: UTF8.self))) }
            pos = end
        }
        var richBytes = 0
        for e in rich {
            flush(to: e.offset)
            richBytes += e.value.utf8.count
            // Figures are big but bounded; a cell showing thousands of them would make a page
            // no browser opens. Keep the first ones and say so.
            if richBytes > richLimit {
                out.append(.text("[more figures or tables not shown: over \(byteCount(richLimit)) of them in this cell]"))
                break
            }
            switch e.kind {
            case .html: out.append(Sanitize.richHTML(e.value))
            case .math: out.append(.math(e.value))
            }
        }
        flush(to: bytes.count)
        return out
    }

    static func byteCount(_ n: Int) -> String {
        if n >= 1 << 20 { return String(format: "%.1f MB", Double(n) / Double(1 << 20)) }
        if n >= 1 << 10 { return "\(n >> 10) KB" }
        return "\(n) bytes"
    }

    static func seconds(_ s: Double) -> String { s == s.rounded() ? "\(Int(s)) s" : String(format: "%.1f s", s) }
}
