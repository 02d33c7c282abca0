// Parses `swiftc -diagnostic-style llvm` output into Diagnostics at Markdown positions.

import Foundation

enum CompilerDiagnostics {
    /// `path:line:col: error: message` lines. Positions in the generated main.swift (outside
    /// any `#sourceLocation`, e.g. an unclosed brace in a cell) are moved to the last line of
    /// the cell just before, so the author still gets a Markdown location.
    static func parse(_ output: String, lessonFile: String, generatedPath: String, program: GeneratedProgram,
                      cells: [Cell]) -> [Diagnostic] {
        var result: [Diagnostic] = []
        for raw in output.split(separator: "\n") {
            let line = String(raw)
            guard let d = parseLine(line) else { continue }
            if d.file == lessonFile || d.file.hasSuffix("/" + lessonFile) {
                result.append(Diagnostic(file: lessonFile, line: d.line, column: d.column, severity: d.severity, message: d.message))
            } else if d.file == generatedPath || d.file.hasSuffix("/main.swift") || URL(fileURLWithPath: d.file).lastPathComponent.hasPrefix("probe-") {
                // Warnings about the runner's own lines (e.g. "will never be executed" after a
                // cell that calls exit) are not the author's business.
                if d.severity != .error { continue }
                let before = program.cellRanges.last { $0.lines.lowerBound <= d.line }
                if before == nil, let first = cells.first(where: { $0.runs }) {
                    // The generated imports: the runtime's build is unusable, not the lesson.
                    var hint = ""
                    if d.message.contains("missing required module") {
                        hint = " (the C module maps of the package were not found beside the build; run the `lessons` built in the package, or set LESSONS_PRODUCTS_DIR)"
                    } else if d.message.contains("compiled with") || d.message.contains("no such module") {
                        hint = " (rebuild the runtime: swift build -c release)"
                    }
                    result.append(Diagnostic(file: lessonFile, line: first.fenceLine, column: 1, severity: .error,
                                             message: "in the lesson program's imports: " + d.message + hint))
                    continue
                }
                let cell = before.flatMap { b in cells.first { $0.index == b.cell } } ?? cells.first { $0.runs }
                let n = cell.map { max(1, $0.code.split(separator: "\n", omittingEmptySubsequences: false).count - ($0.code.hasSuffix("\n") ? 1 : 0)) } ?? 1
                let mdLine = cell.map { $0.codeLine + n - 1 } ?? 1
                result.append(Diagnostic(file: lessonFile, line: mdLine, column: 1, severity: d.severity,
                                         message: d.message + " (at the end of this cell; is a brace or quote left open?)"))
            } else if d.severity == .error, let first = cells.first(where: { $0.runs }) {
                // An error in another file (a module the lesson imports): reported in the lesson,
                // at its first cell, naming the file; a diagnostic never names another file.
                result.append(Diagnostic(file: lessonFile, line: first.fenceLine, column: 1, severity: .error,
                                         message: "in \(d.file):\(d.line):\(d.column): \(d.message)"))
            }
        }
        // The same message can come twice (swift-frontend repeats some); keep the first.
        var seen = Set<String>()
        return result.filter { seen.insert($0.description).inserted }
    }

    static func parseLine(_ line: String) -> Diagnostic? {
        for sev in [Diagnostic.Severity.error, .warning, .note] {
            guard let r = line.range(of: ": \(sev.rawValue): ") else { continue }
            let loc = line[..<r.lowerBound].split(separator: ":", omittingEmptySubsequences: false)
            guard loc.count >= 3, let l = Int(loc[loc.count - 2]), let c = Int(loc[loc.count - 1]) else { continue }
            let file = loc[..<(loc.count - 2)].joined(separator: ":")
            return Diagnostic(file: file, line: l, column: c, severity: sev, message: String(line[r.upperBound...]))
        }
        return nil
    }
}
