import Foundation

/// What each lesson page offers for download, copied into the site's `sources/` folder: the
/// lesson's Markdown as written, and its cells as one Swift file, in order, as the runner
/// compiles them (one scope, like a notebook) but without the runner's scaffolding (the
/// `#sourceLocation` lines, the per-cell bookkeeping, the forked trap checks).
enum Downloads {
    static func markdownPath(_ lesson: Lesson) -> String { "sources/" + lesson.slug + ".md" }
    static func swiftPath(_ lesson: Lesson) -> String { "sources/" + lesson.slug + ".swift" }

    static func href(_ path: String) -> String { path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? path }

    static func hasProgram(_ lesson: Lesson) -> Bool { lesson.blocks.contains { if case .code(let c) = $0 { return c.runs }; return false } }

    /// nil when the lesson has no runnable cell.
    static func swiftProgram(_ lesson: Lesson) -> String? {
        let cells = lesson.cells.filter(\.runs)
        guard !cells.isEmpty else { return nil }
        var s = "// The cells of \(lesson.file) (\"\(lesson.title)\") as one program, in order.\n"
        s += "// Built against the course's modules (LessonRuntime, VAE, Figures): see the README.\n"
        s += "import Foundation\nimport LessonRuntime\nimport VAE\nimport Figures\n"
        for cell in cells {
            s += "\n// MARK: cell \(cell.index + 1), \(lesson.file):\(cell.fenceLine)\n"
            if cell.options.compileFail {
                // the runner compiles this one apart, expecting it to fail: here it would stop the file
                s += "// (this cell must fail to compile, so it is left out as a comment)\n"
                s += cell.code.split(separator: "\n", omittingEmptySubsequences: false).map { "// " + $0 }.joined(separator: "\n") + "\n"
            } else if cell.options.shouldTrap {
                s += "// (this cell traps on purpose; the runner runs it in a child process)\n"
                s += "if CommandLine.arguments.contains(\"--run-trapping-cells\") {\n" + cell.code + "\n}\n"
            } else {
                s += cell.code + "\n"
            }
        }
        return s
    }
}
