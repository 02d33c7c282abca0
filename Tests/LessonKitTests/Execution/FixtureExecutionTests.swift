import Foundation
import XCTest
@testable import LessonKit

/// Builds the adversarial fixture course (Fixtures/execution/Lessons) once, cells run for real,
/// and checks every failure is reported at its exact Markdown position while every other page
/// is still written.
final class FixtureExecutionTests: XCTestCase {
    struct Built {
        var results: [String: [Int: CellResult]]
        var report: BuildReport
        var output: URL
    }
    nonisolated(unsafe) static var built: Result<Built, Error>?

    static func build() throws -> Built {
        if let b = built { return try b.get() }
        let r = Result { () -> Built in
            let dir = try copyFixture(FixturePaths.root.appendingPathComponent("execution"))
            let executor = RecordingCellExecutor(try RuntimeProducts.executor(cache: dir.appendingPathComponent(".lessons-cache"), root: dir))
            let builder = SiteBuilder(lessonsDirectory: dir.appendingPathComponent("Lessons"), outputDirectory: dir.appendingPathComponent("Output"),
                                      executor: executor, jobs: 2)
            let report = try builder.build()
            return Built(results: executor.results, report: report, output: dir.appendingPathComponent("Output"))
        }
        built = r
        return try r.get()
    }

    func results(_ name: String) throws -> [Int: CellResult] {
        let b = try Self.build()
        return try XCTUnwrap(b.results["Lessons/\(name).md"], "no results for \(name)")
    }

    func errors(_ r: CellResult?) -> [String] { (r?.diagnostics ?? []).filter { $0.severity == .error }.map(\.description) }

    func testEveryOtherLessonIsStillBuilt() throws {
        let b = try Self.build()
        let names = try FileManager.default.contentsOfDirectory(atPath: FixturePaths.root.appendingPathComponent("execution/Lessons").path)
            .filter { $0.hasSuffix(".md") }
        XCTAssertEqual(b.report.pagesWritten, names.count)
        for n in names {
            let page = b.output.appendingPathComponent(n.replacingOccurrences(of: ".md", with: ".html"))
            XCTAssertTrue(FileManager.default.fileExists(atPath: page.path), "\(page.lastPathComponent) was not written")
        }
        XCTAssertFalse(b.report.succeeded, "a build with failing cells must fail")
    }

    func testCompileErrorAtMarkdownLineAndColumn() throws {
        let r = try results("compile-error")
        XCTAssertEqual(r[1]?.status, .compileError)
        XCTAssertEqual(errors(r[1]), ["Lessons/compile-error.md:11:19: error: cannot convert value of type 'Int' to specified type 'String'"])
        // Issue 12, item 6: the cell before the broken one is compiled alone and runs (it was `.notRun`).
        XCTAssertEqual(r[0]?.status, .ok)
    }

    /// Issue 12, item 6: the cells before the broken one show their outputs; its notes are
    /// shown at the cell they point into; the cells after it are not run. The broken cell is
    /// the third even though the compiler's first error is in the first (the redeclaration
    /// makes the first cell's `a` ambiguous).
    func testCellsBeforeACompileErrorRunAndShowTheirOutputs() throws {
        let r = try results("compile-error-later-cell")
        XCTAssertEqual(r[0]?.status, .ok)
        XCTAssertEqual(r[0]?.text, "first cell, a = 1\n")
        XCTAssertEqual(r[0]?.diagnostics.map(\.description), ["Lessons/compile-error-later-cell.md:6:5: note: found this candidate ",
                                                              "Lessons/compile-error-later-cell.md:6:5: note: 'a' previously declared here"])
        XCTAssertEqual(r[1]?.status, .ok)
        XCTAssertEqual(r[1]?.outputs.count, 2)
        XCTAssertEqual(r[1]?.outputs.last, .text("second cell\n"))
        XCTAssertEqual(r[2]?.status, .compileError)
        XCTAssertEqual(r[2]?.diagnostics.map(\.description), ["Lessons/compile-error-later-cell.md:7:26: error: ambiguous use of 'a'",
                                                              "Lessons/compile-error-later-cell.md:16:5: note: found this candidate ",
                                                              "Lessons/compile-error-later-cell.md:16:5: error: invalid redeclaration of 'a'"])
        XCTAssertEqual(r[3]?.status, .notRun)
        XCTAssertEqual(r[3]?.diagnostics, [])
    }

    /// A fence indented 1-3 spaces: Markdown strips that indentation from the code, and the
    /// reported column is moved back to the .md file.
    func testColumnsInsideIndentedFencesPointIntoTheMarkdown() throws {
        XCTAssertEqual(errors(try results("indented-compile-error")[0]),
                       ["Lessons/indented-compile-error.md:7:22: error: cannot convert value of type 'Int' to specified type 'String'"])
        XCTAssertEqual(errors(try results("indented-expect")[0]),
                       ["Lessons/indented-expect.md:4:3: error: expectation failed: arithmetic is off"])
    }

    func testFatalErrorTrap() throws {
        let r = try results("trap-fatal")
        XCTAssertEqual(r[0]?.status, .ok)
        XCTAssertEqual(r[0]?.text, "before\n")
        XCTAssertEqual(r[1]?.status, .trapped)
        XCTAssertEqual(errors(r[1]), ["Lessons/trap-fatal.md:9:1: error: trap: Fatal error: x must not be positive, got 3"])
        XCTAssertEqual(r[1]?.outputs, [], "the trap message is the diagnostic, not printed text as well")
        XCTAssertEqual(r[2]?.status, .notRun)
    }

    func testIndexOutOfRangeTrap() throws {
        let r = try results("trap-index")
        XCTAssertEqual(r[0]?.status, .trapped)
        let d = try XCTUnwrap(r[0]?.diagnostics.first)
        XCTAssertEqual([d.file, "\(d.line)", "\(d.column)"], ["Lessons/trap-index.md", "6", "8"])
        XCTAssertTrue(d.message.hasPrefix("trap: Index out of range"), d.message)
    }

    func testForceUnwrapNilTrap() throws {
        let r = try results("trap-unwrap")
        XCTAssertEqual(r[0]?.status, .trapped)
        XCTAssertEqual(errors(r[0]), ["Lessons/trap-unwrap.md:6:14: error: trap: Unexpectedly found nil while unwrapping an Optional value"])
        XCTAssertTrue(r[0]?.text.hasPrefix("looking up b\n") ?? false, "text printed before the trap is kept")
    }

    func testTrapInAFunctionAnEarlierCellDefined() throws {
        let r = try results("trap-in-earlier-function")
        XCTAssertEqual(r[0]?.status, .ok)
        XCTAssertEqual(r[1]?.status, .trapped)
        XCTAssertEqual(errors(r[1]), ["Lessons/trap-in-earlier-function.md:4:35: error: trap: Index out of range (trap in subscript.get) (called from line 2 of this cell)"])
        XCTAssertEqual(r[1]?.text, "calling\n")
    }

    func testACellThatCallsExit() throws {
        let r = try results("exit")
        XCTAssertEqual(r[0]?.status, .trapped)
        XCTAssertEqual(errors(r[0]), ["Lessons/exit.md:3:1: error: the program exited with status 3 in this cell; the cells after it did not run"])
        XCTAssertEqual(r[0]?.text, "bye\n")
    }

    /// Issue 17, item 7: it was reported at `Lessons/uncaught-error.md:254:1` (Swift's ErrorType.swift line).
    func testATopLevelTryThatThrowsIsReportedAtItsCell() throws {
        let r = try results("uncaught-error")
        XCTAssertEqual(r[0]?.status, .ok)
        XCTAssertEqual(r[1]?.status, .trapped)
        XCTAssertEqual(errors(r[1]), ["Lessons/uncaught-error.md:7:1: error: this cell threw an error that nothing caught: data/x.csv: not found; the cells after it did not run (catch it with do/catch, or fix its cause)"])
        XCTAssertEqual(r[1]?.text, "loading\n")
        XCTAssertEqual(r[2]?.status, .notRun)
    }

    func testInfiniteLoopIsStoppedByTheCellTimeout() throws {
        let r = try results("infinite-loop")
        XCTAssertEqual(r[0]?.status, .ok)
        XCTAssertEqual(r[1]?.status, .timedOut)
        XCTAssertEqual(errors(r[1]), ["Lessons/infinite-loop.md:7:1: error: cell did not finish within its time limit of 1 s and was stopped"])
    }

    func testTenMegabytesOfOutputAreTruncatedWithANotice() throws {
        let r = try results("big-output")
        XCTAssertEqual(r[0]?.status, .outputTruncated)
        XCTAssertEqual(errors(r[0]), ["Lessons/big-output.md:3:1: error: cell printed 10.0 MB of output, over the limit of 256 KB; the output was truncated"])
        let text = r[0]?.text ?? ""
        XCTAssertLessThanOrEqual(text.utf8.count, 256 * 1024 + 200)
        XCTAssertTrue(text.hasSuffix("[output truncated: the cell printed 10.0 MB; the first 256 KB are shown]"))
        let page = try String(contentsOf: Self.build().output.appendingPathComponent("big-output.html"), encoding: .utf8)
        XCTAssertTrue(page.contains("output truncated"))
        XCTAssertLessThan(page.utf8.count, 1 << 20)
    }

    func testScriptInOutputIsEscapedOnThePage() throws {
        let r = try results("script-output")
        XCTAssertEqual(r[0]?.status, .ok)
        XCTAssertEqual(r[0]?.text, "<script>alert('x')</script> & <b>bold</b>\n")
        let page = try String(contentsOf: Self.build().output.appendingPathComponent("script-output.html"), encoding: .utf8)
        XCTAssertFalse(page.contains("<script>alert"), "cell output reached the page unescaped")
        XCTAssertTrue(page.contains("&lt;script&gt;alert("))
        XCTAssertTrue(page.contains("&lt;b&gt;bold&lt;/b&gt;"))
    }

    func testFailedExpectationsAreReportedAndTheLessonGoesOn() throws {
        let r = try results("failed-expect")
        XCTAssertEqual(r[0]?.status, .expectationFailed)
        XCTAssertEqual(errors(r[0]), ["Lessons/failed-expect.md:5:1: error: expectation failed: training should converge"])
        XCTAssertEqual(r[0]?.text, "the lesson goes on\n")
        XCTAssertEqual(r[1]?.status, .expectationFailed)
        XCTAssertEqual(errors(r[1]), ["Lessons/failed-expect.md:10:1: error: expectation failed: 0.9 is not within 0.01 of 1.0"])
    }

    func testCompileFailCellThatCompiles() throws {
        let r = try results("compile-fail-compiles")
        XCTAssertEqual(r[0]?.status, .ok)
        XCTAssertEqual(r[1]?.status, .expectationFailed)
        XCTAssertEqual(errors(r[1]), ["Lessons/compile-fail-compiles.md:7:1: error: cell is marked compile-fail but it compiled"])
    }

    func testShouldTrapCellThatDoesNotTrap() throws {
        let r = try results("should-trap-no-trap")
        XCTAssertEqual(r[0]?.status, .expectationFailed)
        XCTAssertEqual(errors(r[0]), ["Lessons/should-trap-no-trap.md:3:1: error: cell is marked should-trap but finished without trapping"])
        XCTAssertEqual(r[1]?.status, .ok)
        XCTAssertEqual(r[1]?.text, "next cell runs\n")
    }

    func testWorkingLesson() throws {
        let r = try results("good")
        XCTAssertEqual(r.keys.sorted(), [0, 1, 3, 4, 5], "python and other fences do not run")
        for (k, v) in r { XCTAssertEqual(v.status, .ok, "cell \(k): \(v.diagnostics)") }
        XCTAssertEqual(r[0]?.outputs, [.text("mean: 2.5\n")])
        // Rich outputs keep their place among printed lines.
        guard let outs = r[1]?.outputs, outs.count == 3 else { return XCTFail("\(String(describing: r[1]?.outputs))") }
        guard case .html(let table) = outs[0] else { return XCTFail("\(outs[0])") }
        XCTAssertTrue(table.contains("<td>&lt;n&gt;</td><td>4</td>"), table)
        XCTAssertEqual(outs[1], .text("after the table\n"))
        XCTAssertEqual(outs[2], .math("\\bar{x} = 2.5"))
        // compile-fail: the diagnostic is shown; should-trap: the message is shown; the lesson goes on.
        XCTAssertEqual(r[3]?.text, "error: cannot convert value of type 'Double' to specified type 'String' (line 1, column 17)")
        XCTAssertEqual(r[4]?.text, "about to trap\ntrap: Index out of range (trap in subscript.get) (line 3 of this cell)")
        XCTAssertEqual(r[5]?.text, "still running after the expected trap; mean is 2.5\n")
    }
}
