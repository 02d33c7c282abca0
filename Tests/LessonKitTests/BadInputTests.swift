import XCTest
@testable import LessonKit

/// Inputs that once crashed, hung or misreported the build (issue #17, item 8 and 9).
final class BadInputTests: XCTestCase {
    func testDuplicateKeyIsReportedAtItsLine() {
        let l = parse("---\ntitle: a\nsummary: b\ntitle: c\n---\nx\n")
        XCTAssertEqual(l.diagnostics.map(\.description), ["Lessons/t.md:4:1: error: front matter has the key 'title' twice; keep one"])
    }

    func testAliasBombIsRefusedQuickly() {
        var yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n"
        for k in 1...9 { yaml += "a\(k): &a\(k) [" + Array(repeating: "*a\(k - 1)", count: 9).joined(separator: ", ") + "]\n" }
        let start = Date()
        let l = parse("---\ntitle: t\n\(yaml)---\nbody\n")
        XCTAssertLessThan(Date().timeIntervalSince(start), 2)
        XCTAssertEqual(l.diagnostics.map(\.description), ["Lessons/t.md:2:1: error: front matter uses 81 YAML aliases (*name); at most 64 are allowed"])
        // a few aliases are fine
        XCTAssertEqual(parse("---\nbase: &b x\ncopy: *b\n---\nbody\n").frontMatter.extra["copy"], "x")
    }

    func testInvalidUTF8IsReportedAtItsLine() throws {
        let dir = try makeTempDirectory()
        let url = dir.appendingPathComponent("bad.md")
        try Data("---\ntitle: T\n---\nline four\nbad \u{00E9}".utf8 + [0xFF] + Array(" here\n".utf8)).write(to: url)
        let l = LessonParser.parse(contentsOf: url, file: "Lessons/bad.md")
        XCTAssertEqual(l.diagnostics.map(\.description), ["Lessons/bad.md:5:6: error: this line is not valid UTF-8; save the file as UTF-8"])
    }
}

final class RenderCacheDamageTests: XCTestCase {
    /// A damaged render cache (an overlong length once crashed every build) is a warning, and
    /// the build renders the formulas again.
    func testDamagedRenderCacheIsIgnoredWithAWarning() throws {
        let dir = try copyFixture(FixturePaths.site)
        let lessons = dir.appendingPathComponent("Lessons")
        func build(_ out: String) throws -> BuildReport {
            try SiteBuilder(lessonsDirectory: lessons, outputDirectory: dir.appendingPathComponent(out), executor: FakeExecutor()).build()
        }
        _ = try build("A")
        let file = dir.appendingPathComponent(".lessons-cache/render-cache.bin")
        var bytes = [UInt8](try Data(contentsOf: file))
        let header = bytes.firstIndex(of: 10)! + 1 + 72  // header line, checksum line
        bytes.replaceSubrange(header..<(header + 2), with: Array("99999999999999999999".utf8))
        try Data(bytes).write(to: file)
        let report = try build("B")
        XCTAssertTrue(report.diagnostics.contains { $0.severity == .warning && $0.message.contains("the render cache is damaged (checksum mismatch)") },
                      "\(report.diagnostics)")
        XCTAssertGreaterThan(report.freshlyRendered, 0)
        XCTAssertEqual(try String(contentsOf: dir.appendingPathComponent("A/02-math.html"), encoding: .utf8),
                       try String(contentsOf: dir.appendingPathComponent("B/02-math.html"), encoding: .utf8))
        // the next build has a sound cache again
        XCTAssertFalse(try build("C").diagnostics.contains { $0.message.contains("damaged") })
    }
}
