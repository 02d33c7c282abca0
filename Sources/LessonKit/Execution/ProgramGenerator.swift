// Turns a lesson's cells into one Swift program. Each cell is preceded by `#sourceLocation`
// so the compiler, the backtracer and `#filePath`/`#line` in `expect` all speak in Markdown
// lines; the cell's text is copied verbatim, so columns match too.

import Foundation

struct GeneratedProgram {
    var source: String
    /// Generated-source line ranges (1-based, inclusive) of each cell's code, by cell index,
    /// to attribute diagnostics that the compiler reports against the generated file.
    var cellRanges: [(cell: Int, lines: ClosedRange<Int>)]
}

enum ProgramGenerator {
    static let rt = "LessonRuntime._LessonRuntime"

    /// Foundation first (cells expect `exp`, `log`, `String(format:)` as in any Swift file on
    /// Linux), then the project's modules.
    static func imports(_ modules: [String], into w: inout Writer) {
        for m in ["Foundation"] + modules { w.line("import \(m)") }
    }

    /// Where the runner's thread budget (`Options.threadsPerLesson`, passed to the program as an
    /// argument) reaches the engine: one line, so wiring it elsewhere is a one-line change.
    static let threadBudgetCall = "if let n = \(rt).threadBudget { VAEEngine.setThreads(n) }"

    /// The main program: every runnable cell except `compile-fail` ones, in order.
    static func main(file: String, cells: [Cell], modules: [String], defaultTimeout: Double) -> GeneratedProgram {
        var w = Writer()
        imports(modules, into: &w)
        w.line("\(rt).start()")
        if modules.contains("VAE") { w.line(threadBudgetCall) }
        for cell in cells where cell.runs && !cell.options.compileFail {
            let timeout = cell.options.timeout ?? defaultTimeout
            w.line("\(rt).begin(cell: \(cell.index), timeout: \(timeout))")
            if cell.options.shouldTrap {
                // Runs in a forked child so the lesson continues after the expected trap.
                w.line("if \(rt).forkForTrap(cell: \(cell.index)) {")
                w.cell(cell, file: file)
                w.line("\(rt).didNotTrap(cell: \(cell.index))")
                w.line("}")
            } else {
                w.cell(cell, file: file)
            }
        }
        w.line("\(rt).end()")
        return GeneratedProgram(source: w.text, cellRanges: w.ranges)
    }

    /// For a `compile-fail` cell: the runnable cells before it, then it; only type-checked.
    static func compileFailProbe(file: String, cells: [Cell], target: Cell, modules: [String]) -> GeneratedProgram {
        var w = Writer()
        imports(modules, into: &w)
        for cell in cells where cell.index < target.index && cell.runs && !cell.options.compileFail {
            if cell.options.shouldTrap { w.line("if Bool(\"true\")! {") }
            w.cell(cell, file: file)
            if cell.options.shouldTrap { w.line("}") }
        }
        w.cell(target, file: file)
        return GeneratedProgram(source: w.text, cellRanges: w.ranges)
    }

    struct Writer {
        var text = ""
        var lineNo = 0
        var ranges: [(cell: Int, lines: ClosedRange<Int>)] = []

        mutating func line(_ s: String) { text += s + "\n"; lineNo += 1 }

        mutating func cell(_ cell: Cell, file: String) {
            line("#sourceLocation(file: \(literal(file)), line: \(cell.codeLine))")
            var code = cell.code
            if !code.hasSuffix("\n") { code += "\n" }
            let n = code.reduce(0) { $0 + ($1 == "\n" ? 1 : 0) }
            text += code
            ranges.append((cell.index, (lineNo + 1)...(lineNo + max(n, 1))))
            lineNo += n
            line("#sourceLocation()")
        }

        func literal(_ s: String) -> String {
            "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
    }
}
