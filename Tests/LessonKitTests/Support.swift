import Foundation
import XCTest
@testable import LessonKit

/// Where the fixtures live in the source tree (golden files are rewritten there with UPDATE_GOLDEN=1).
enum FixturePaths {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static var site: URL { root.appendingPathComponent("site") }
    static var broken: URL { root.appendingPathComponent("broken") }
}

func parse(_ markdown: String, file: String = "Lessons/t.md") -> Lesson {
    LessonParser.parse(source: markdown, file: file, slug: "t")
}

/// How `proseHTML` shows the k-th formula of a lesson (in document order).
func mathToken(_ k: Int) -> String { "[math \(k)]" }

/// The lesson's HTML as the tree renderer writes it, with each formula shown as `mathToken(k)`
/// and each cell as `<cell language>`, for assertions about the document's structure.
func proseHTML(_ lesson: Lesson) -> String {
    let formulas = lesson.formulas
    var used = 0
    return HTMLRenderer(
        math: { m in
            let k = formulas[used...].firstIndex(of: m) ?? formulas.firstIndex(of: m) ?? -1
            used = max(used, k + 1)
            return mathToken(k)
        },
        cell: { "<cell \($0.language)>" }).render(lesson.blocks)
}

func makeTempDirectory(_ name: String = "lessons-test") throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Copies a fixture folder (Lessons/ and friends) into a fresh temporary directory.
func copyFixture(_ fixture: URL) throws -> URL {
    let dir = try makeTempDirectory()
    for name in try FileManager.default.contentsOfDirectory(atPath: fixture.path) where name != "expected" {
        try FileManager.default.copyItem(at: fixture.appendingPathComponent(name), to: dir.appendingPathComponent(name))
    }
    return dir
}

/// A stand-in for the cell runner: gives each runnable cell canned outputs so the renderer's
/// handling of results (escaping, folding, hiding, math, errors) can be checked.
struct FakeExecutor: CellExecutor {
    func execute(file: String, cells: [Cell]) throws -> [Int: CellResult] {
        var out: [Int: CellResult] = [:]
        for cell in cells where cell.runs {
            if cell.code.contains("escaped") {
                out[cell.index] = CellResult(cellIndex: cell.index, status: .expectationFailed,
                    outputs: [.text("<b>escaped</b>\n"), .math("\\int_0^1 x\\,dx = \\tfrac12")],
                    diagnostics: [Diagnostic(file: file, line: cell.codeLine, message: "expectation failed: 1 == 2")])
            } else {
                out[cell.index] = CellResult(cellIndex: cell.index, status: .ok,
                    outputs: [.text("out \(cell.index)\n"), .html("<svg viewBox=\"0 0 10 10\"><title>fig</title><rect width=\"10\" height=\"10\" fill=\"var(--fig-fg)\"/></svg>")])
            }
        }
        return out
    }
}

/// Runs an executable to completion and returns its exit status and output. Standard error is
/// drained on another thread so a child that writes a lot to both streams cannot block.
func runProcess(_ exe: URL, _ args: [String], in dir: URL,
                environment: [String: String]? = nil) throws -> (status: Int32, out: String, err: String) {
    let p = Process()
    p.executableURL = exe
    p.arguments = args
    p.currentDirectoryURL = dir
    if let environment { p.environment = environment }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out; p.standardError = err
    try p.run()
    final class Drained: @unchecked Sendable { var data = Data() }  // written before `done` signals
    let e = Drained(), done = DispatchSemaphore(value: 0)
    DispatchQueue.global().async { e.data = err.fileHandleForReading.readDataToEndOfFile(); done.signal() }
    let o = out.fileHandleForReading.readDataToEndOfFile()
    done.wait()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e.data, as: UTF8.self))
}

/// A build context for running one transform in a test (nothing is built or written).
func makeContext(lessonsDirectory: URL? = nil, executor: CellExecutor = NoExecution()) throws -> BuildContext {
    let dir = try lessonsDirectory ?? makeTempDirectory()
    return try BuildContext(lessonsDirectory: dir, outputDirectory: dir.deletingLastPathComponent().appendingPathComponent("Output-\(UUID().uuidString)"),
                            cacheDirectory: nil, themeDirectory: dir.appendingPathComponent("no-theme"),
                            settings: Settings(), executor: executor, jobs: 1)
}

/// `lesson` after one transform.
func applyTransform(_ t: CourseTransform, to lesson: Lesson, lessonsDirectory: URL? = nil) throws -> Lesson {
    try t.apply(Course(lessons: [lesson]), makeContext(lessonsDirectory: lessonsDirectory)).lessons[0]
}
