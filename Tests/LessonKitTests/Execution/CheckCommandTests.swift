import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
@testable import LessonKit

/// `lessons check` end to end, through the built executable (as CI runs it).
final class CheckCommandTests: XCTestCase {
    func lessonsExecutable() throws -> URL {
        let dir = try RuntimeProducts.directory.get()
        let exe = dir.appendingPathComponent("lessons")
        guard FileManager.default.isExecutableFile(atPath: exe.path) else {
            throw XCTSkip("no lessons executable in \(dir.path); build it with `swift build`")
        }
        return exe
    }

    func run(_ exe: URL, _ args: [String], in dir: URL) throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = exe
        p.arguments = args
        p.currentDirectoryURL = dir
        var env = ProcessInfo.processInfo.environment
        env["CI"] = "1"
        env[BuildProducts.environmentVariable] = try RuntimeProducts.directory.get().path
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out; p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    func testCheckReportsFailuresWritesJUnitAndExitsOne() throws {
        let exe = try lessonsExecutable()
        let dir = try makeTempDirectory()
        let lessons = dir.appendingPathComponent("Lessons")
        try FileManager.default.createDirectory(at: lessons, withIntermediateDirectories: true)
        let fixtures = FixturePaths.root.appendingPathComponent("execution/Lessons")
        for name in ["failed-expect.md", "script-output.md"] {
            try FileManager.default.copyItem(at: fixtures.appendingPathComponent(name), to: lessons.appendingPathComponent(name))
        }
        try "# Links\n\nSee [the other lesson](script-output.md), [a missing one](nowhere.md) and [a section](#nope).\n"
            .write(to: lessons.appendingPathComponent("links.md"), atomically: true, encoding: .utf8)

        let r = try run(exe, ["check", "--junit", "junit.xml", "--jobs", "2"], in: dir)
        XCTAssertEqual(r.status, 1, r.err)
        XCTAssertTrue(r.err.contains("Lessons/failed-expect.md:5:1: error: expectation failed: training should converge"), r.err)
        XCTAssertTrue(r.err.contains("Lessons/links.md:3:59: error: broken link 'nowhere.md'"), r.err)
        XCTAssertTrue(r.err.contains("Lessons/links.md:3:87: error: broken link '#nope'"), r.err)
        XCTAssertFalse(r.err.contains("'script-output.md'"), "a link to another lesson is fine")
        XCTAssertTrue(r.err.contains("Output/manifest.json:1:1: error: no committed site manifest"), r.err)
        XCTAssertTrue(r.out.contains("check: 3 lessons, 3 cells"), r.out)
        let xml = try String(contentsOf: dir.appendingPathComponent("junit.xml"), encoding: .utf8)
        XCTAssertTrue(xml.contains("<testsuite name=\"Lessons/failed-expect.md\" tests=\"3\" failures=\"2\">"), xml)
        XCTAssertTrue(xml.contains("<failure type=\"expectationFailed\" message=\"expectation failed: training should converge\">"), xml)
        XCTAssertNoThrow(try XMLDocument(data: Data(xml.utf8)))

        // Build the site, then check again: up to date, only the lesson failures remain.
        let b = try run(exe, ["build"], in: dir)
        XCTAssertEqual(b.status, 1, "a build with failing cells exits non-zero")
        let again = try run(exe, ["check"], in: dir)
        XCTAssertFalse(again.err.contains("manifest"), again.err)
        XCTAssertTrue(again.out.contains("(0 lessons run, 2 from cache)"), again.out)
        XCTAssertEqual(again.status, 1)
    }

    func testSetupAndUsageErrorsExitTwo() throws {
        let exe = try lessonsExecutable()
        let dir = try makeTempDirectory()
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("Lessons"), withIntermediateDirectories: true)
        let missing = try run(exe, ["check", "--products", "/nonexistent"], in: dir)
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.err.contains("swift build -c release"), missing.err)
        XCTAssertEqual(try run(exe, ["check", "--no-such-option"], in: dir).status, 2)
    }
}
