import Foundation
import XCTest
@testable import LessonKit

/// Where the fixtures live in the source tree (golden files are rewritten there with UPDATE_GOLDEN=1).
enum FixturePaths {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static var site: URL { root.appendingPathComponent("site") }
    static var broken: URL { root.appendingPathComponent("broken") }
}

func parse(_ markdown: String, file: String = "Lessons/t.md", directory: URL? = nil) -> Lesson {
    LessonParser.parse(source: markdown, file: file, slug: "t", directory: directory)
}

/// The prose HTML of a lesson with math placeholders left in, for assertions about cmark's view.
func proseHTML(_ lesson: Lesson) -> String {
    lesson.blocks.map { block -> String in
        switch block {
        case .prose(let html, _): return html
        case .heading(let h): return "<h\(h.level)>\(h.html)</h\(h.level)>"
        case .cell(let c): return "<cell \(c.language)>"
        }
    }.joined()
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
