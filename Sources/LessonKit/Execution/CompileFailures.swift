import Foundation

/// Where a failed compile's errors belong: the cell that broke the lesson (the first whose
/// prefix does not type-check), the cells the compiler blamed, and `compile-fail` cells, which
/// must fail to compile for their own reason.
extension SwiftCellExecutor {
    /// The first cell whose program, with the cells before it, does not type-check: among
    /// `candidates` (the cells the full compile blamed, in order), the first whose prefix
    /// fails. A later cell can make an earlier one fail (redeclaring its `let` makes every use
    /// ambiguous), so the first cell with an error is not always the one that broke the lesson.
    /// Returns it with the prefix's diagnostics, or nil when no prefix fails (a link error).
    func firstBrokenCell(file: String, cells: [Cell], candidates: [Cell], work: URL) throws -> (Cell, [Diagnostic])? {
        for k in candidates {
            let prefix = cells.filter { $0.index <= k.index }
            let program = ProgramGenerator.main(file: file, cells: prefix, modules: products.modules, defaultTimeout: options.cellTimeout)
            let dir = work.appendingPathComponent("check-\(k.index)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let source = dir.appendingPathComponent("main.swift")
            try program.source.write(to: source, atomically: true, encoding: .utf8)
            let out = try Subprocess.run(toolchain.swiftc, compileArguments(source: source, output: nil, typecheckOnly: true),
                                         environment: toolchain.environment, directory: options.root, cleanup: abandonedWork(work), timeout: options.lessonTimeout)
            if case .exited(0) = out.end { continue }
            let diags = CompilerDiagnostics.parse(out.stderr, lessonFile: file, generatedPath: source.path, program: program, cells: prefix)
                .filter { $0.severity != .warning }
            if diags.contains(where: { $0.severity == .error }) { return (k, diags) }
            return nil
        }
        return nil
    }

    /// A failed compile: cells with errors get them; the rest did not run.
    func attributeCompileFailure(file: String, cells: [Cell], diagnostics: [Diagnostic], outcome: ProcessOutcome) -> [Int: CellResult] {
        var results: [Int: CellResult] = [:]
        for c in cells { results[c.index] = CellResult(cellIndex: c.index, status: .notRun) }
        var placed = false
        for d in diagnostics where d.severity != .warning {
            let owner = cells.first { Collector.lineIn($0, d.line) }
                ?? (d.severity == .error ? cells.last { $0.fenceLine <= d.line } ?? cells.first : nil)
            guard let c = owner else { continue }
            if d.severity == .error { results[c.index]!.status = .compileError; placed = true }
            results[c.index]!.diagnostics.append(d)
        }
        if !placed, let first = cells.first {
            // No error we could place (e.g. a link failure, the compiler timed out): say so on the first cell.
            let text: String
            if case .timedOut = outcome.end { text = "compiling the lesson took longer than \(Collector.seconds(options.lessonTimeout))" }
            else { text = "compiling the lesson failed: " + outcome.stderr.split(separator: "\n").prefix(5).joined(separator: " | ") }
            results[first.index]!.status = .compileError
            results[first.index]!.diagnostics.append(Diagnostic(file: file, line: first.fenceLine, message: text))
        }
        return results
    }

    func probeCompileFail(file: String, cells: [Cell], target: Cell, work: URL) throws -> CellResult {
        let program = ProgramGenerator.compileFailProbe(file: file, cells: cells, target: target, modules: products.modules)
        let source = work.appendingPathComponent("probe-\(target.index).swift")
        try program.source.write(to: source, atomically: true, encoding: .utf8)
        let out = try Subprocess.run(toolchain.swiftc, compileArguments(source: source, output: nil, typecheckOnly: true),
                                     environment: toolchain.environment, directory: options.root, cleanup: abandonedWork(work), timeout: options.lessonTimeout)
        let diags = CompilerDiagnostics.parse(out.stderr, lessonFile: file, generatedPath: source.path, program: program, cells: cells)
        let mine = diags.filter { $0.severity == .error && Collector.lineIn(target, $0.line) }
        var r = CellResult(cellIndex: target.index, status: .ok)
        var compiled = false
        if case .exited(0) = out.end { compiled = true }
        if mine.isEmpty && compiled {
            r.status = .expectationFailed
            r.diagnostics.append(Diagnostic(file: file, line: target.fenceLine, message: "cell is marked compile-fail but it compiled"))
        } else if mine.isEmpty {
            // It failed, but not because of this cell: the cells before it are broken (reported
            // on those cells) or the compiler could not run.
            r.status = .notRun
            if !diags.contains(where: { $0.severity == .error && $0.file == file }) {
                r.status = .compileError
                r.diagnostics.append(Diagnostic(file: file, line: target.fenceLine, message:
                    "could not type-check this compile-fail cell: " + out.stderr.split(separator: "\n").prefix(3).joined(separator: " | ")))
            }
        } else {
            // Shown under the cell; positions relative to the cell so cached text survives prose edits.
            r.outputs = [.text(mine.map { "error: \($0.message) (line \($0.line - target.codeLine + 1), column \($0.column))" }.joined(separator: "\n"))]
        }
        return r
    }
}
