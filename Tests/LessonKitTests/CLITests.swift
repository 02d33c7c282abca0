import Foundation
import XCTest

/// Runs the built `lessons` executable the way a user does (swift-argument-parser style
/// end-to-end test): diagnostics as file:line:col, a summary line, the exit status.
final class CLITests: XCTestCase {
    private var binary: URL? {
        // the test runner sits in the build products folder, beside the executables
        let candidates = [URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
                          Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()]
        return candidates.map { $0.appendingPathComponent("lessons") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    private func run(_ args: [String], in dir: URL) throws -> (status: Int32, out: String, err: String) {
        guard let binary else { throw XCTSkip("the lessons executable is not built next to the tests") }
        return try runProcess(binary, args, in: dir)
    }

    func testBuildReportsErrorsAsFileLineColumnAndFails() throws {
        let dir = try copyFixture(FixturePaths.broken)
        let r = try run(["build", "--no-run"], in: dir)
        XCTAssertNotEqual(r.status, 0)
        let lines = r.err.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains("Lessons/04-option.md:8:15: error: unknown cell option 'frobnicate' (known: hide, no-run, compile-fail, should-trap, output=show|hide|fold, timeout=SECONDS, label=fig-NAME|tbl-NAME, caption=\"TEXT\")"), r.err)
        XCTAssertTrue(lines.contains("Lessons/02-fence.md:8:1: error: unterminated code fence: the ``` opened here is never closed"), r.err)
        XCTAssertTrue(lines.contains { $0.hasPrefix("Lessons/05-latex.md:8:6: error: bad math: KaTeX parse error:") }, r.err)
        XCTAssertTrue(lines.contains { $0.hasPrefix("Lessons/06-image.md:9:5: error: missing image 'images/missing.png'") }, r.err)
        XCTAssertTrue(lines.contains { $0.hasPrefix("Lessons/06-image.md:4:7: warning: malformed date") }, r.err)
        XCTAssertTrue(lines.contains { $0.hasPrefix("Lessons/03-yaml.md:") && $0.contains(": error: malformed YAML front matter") }, r.err)
        XCTAssertTrue(lines.contains { $0.hasPrefix("Lessons/07-image-and-latex.md:8:1: error: bad math: KaTeX parse error:") }, r.err)
        XCTAssertTrue(r.out.hasPrefix("built 2 of 7 pages into Output in "), r.out)
        XCTAssertTrue(r.out.contains("skipped 5"), r.out)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("Output/01-good.html").path))
    }

    func testBuildSucceedsWithOptions() throws {
        let dir = try copyFixture(FixturePaths.site)
        let r = try run(["build", "--no-run", "--lessons", "Lessons", "--output", "site"], in: dir)
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.hasPrefix("built 2 of 2 pages into site in "), r.out)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("site/index.html").path))
        let missing = try run(["build", "--lessons", "Nope"], in: dir)
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.err.contains("lessons folder 'Nope' does not exist"), missing.err)
    }
}
