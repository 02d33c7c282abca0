import Foundation
import XCTest
@testable import LessonKit

/// Pieces of the runner that need no compiler.
final class RunnerUnitTests: XCTestCase {
    func testGeneratedProgramMapsEveryCellToItsMarkdownLine() {
        let cells = lessonCells("""
            # T

            ```swift
            let a = 1
            ```

            ```swift no-run
            broken(
            ```

            ```swift should-trap
            fatalError()
            ```
            """, file: "Lessons/t.md")
        let p = ProgramGenerator.main(file: "Lessons/t.md", cells: cells.filter(\.runs), modules: ["Figures", "LessonRuntime"], defaultTimeout: 60)
        XCTAssertTrue(p.source.contains("#sourceLocation(file: \"Lessons/t.md\", line: 4)\nlet a = 1\n#sourceLocation()"), p.source)
        XCTAssertFalse(p.source.contains("broken("), "no-run cells are not compiled")
        XCTAssertTrue(p.source.hasPrefix("import Foundation\nimport Figures\nimport LessonRuntime\n"), p.source)
        XCTAssertTrue(p.source.contains("if LessonRuntime._LessonRuntime.forkForTrap(cell: 2) {\n#sourceLocation(file: \"Lessons/t.md\", line: 12)\nfatalError()\n"), p.source)
    }

    func testCompilerDiagnosticLines() {
        let d = CompilerDiagnostics.parseLine("Lessons/x.md:12:5: error: cannot find 'y' in scope")
        XCTAssertEqual(d, Diagnostic(file: "Lessons/x.md", line: 12, column: 5, severity: .error, message: "cannot find 'y' in scope"))
        XCTAssertEqual(CompilerDiagnostics.parseLine("/a/b:c.md:3:1: warning: w")?.file, "/a/b:c.md")
        XCTAssertNil(CompilerDiagnostics.parseLine("  3 | let x = 1"))
    }

    func testErrorsInTheGeneratedImportsAreSetupErrorsOnTheFirstCell() {
        let cells = lessonCells("# T\n\n```swift\nlet a = 1\n```\n", file: "Lessons/t.md")
        let p = ProgramGenerator.main(file: "Lessons/t.md", cells: cells, modules: ["VAE", "Figures", "LessonRuntime"], defaultTimeout: 60)
        let ds = CompilerDiagnostics.parse("/w/main.swift:1:8: error: missing required modules: 'CBLAS', 'CZlib'\n", lessonFile: "Lessons/t.md",
                                           generatedPath: "/w/main.swift", program: p, cells: cells)
        XCTAssertEqual(ds.map(\.line), [3])
        XCTAssertTrue(ds.first?.message.hasPrefix("in the lesson program's imports: missing required modules") ?? false)
    }

    /// Issue 17, item 6: a diagnostic names the lesson's own file, never another one.
    func testErrorsInOtherFilesAreReportedInTheLesson() {
        let cells = lessonCells("# T\n\n```swift\nlet a = 1\n```\n", file: "Lessons/t.md")
        let p = ProgramGenerator.main(file: "Lessons/t.md", cells: cells, modules: ["LessonRuntime"], defaultTimeout: 60)
        let ds = CompilerDiagnostics.parse("Lessons/other.md:9:2: error: boom\n/x/VAE.swiftinterface:3:4: error: broken\n",
                                           lessonFile: "Lessons/t.md", generatedPath: "/w/main.swift", program: p, cells: cells)
        XCTAssertEqual(ds.map(\.description), ["Lessons/t.md:3:1: error: in Lessons/other.md:9:2: boom",
                                               "Lessons/t.md:3:1: error: in /x/VAE.swiftinterface:3:4: broken"])
    }

    func testTextAndRichOutputsInterleaveByOffset() {
        let svg = "<figure class=\"cell-figure\"><svg/></figure>"
        XCTAssertEqual(Collector.interleave(text: "first\nsecond\nthird\n", rich: [(6, .html, svg), (12, .math, "x")]),
                       [.text("first\n"), .html(svg), .text("second"), .math("x"), .text("\nthird\n")])
    }

    func testFatalErrorLocationFromTheRuntimeMessage() {
        XCTAssertEqual(Collector.fatalErrorLine("LessonProgram/x.md:14: Fatal error: boom\n", lessonFile: "Lessons/x.md"), 14)
        // Issue 17, item 7: a top-level `try` that throws is reported by Swift at its own line 254.
        XCTAssertNil(Collector.fatalErrorLine("Swift/ErrorType.swift:254: Fatal error: Error raised at top level: e\n", lessonFile: "Lessons/x.md"))
        XCTAssertEqual(Collector.fatalErrorMessage("LessonProgram/x.md:14: Fatal error: boom"), "Fatal error: boom")
        XCTAssertNil(Collector.fatalErrorLine("Fatal error: no location", lessonFile: "Lessons/x.md"))
    }

    func testBuildFilesAreIdentifiedByContentNotModificationTime() throws {
        let dir = try makeTempDirectory()
        let lib = dir.appendingPathComponent("libX.so")
        try Data("same bytes".utf8).write(to: lib)
        var prints = FileFingerprints(storeURL: dir.appendingPathComponent("fp.json"))
        let first = prints.hash(lib.path)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 100)], ofItemAtPath: lib.path)
        XCTAssertEqual(prints.hash(lib.path), first, "a relink with the same bytes changes nothing")
        try Data("other bytes".utf8).write(to: lib)
        XCTAssertNotEqual(prints.hash(lib.path), first)
    }

    func testMissingRuntimeIsAClearSetupError() {
        XCTAssertThrowsError(try BuildProducts.locate(explicit: URL(fileURLWithPath: "/nonexistent"))) { e in
            let text = "\(e)"
            XCTAssertTrue(text.contains("swift build -c release"), text)
        }
    }
}
