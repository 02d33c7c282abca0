import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
@testable import LessonKit

/// `lessons check` end to end, through the built executable (as CI runs it).
final class CheckCommandTests: XCTestCase {
    func run(_ exe: URL, _ args: [String], in dir: URL) throws -> (status: Int32, out: String, err: String) {
        var env = ProcessInfo.processInfo.environment
        env["CI"] = "1"
        env[BuildProducts.environmentVariable] = try RuntimeProducts.directory.get().path
        return try runProcess(exe, args, in: dir, environment: env)
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

/// `lessons serve`: serves the site on 127.0.0.1, refuses paths outside it, and bumps the
/// generation the open page polls when a lesson changes.
final class ServeCommandTests: XCTestCase {
    func get(_ port: Int, _ path: String) -> (status: Int, body: String)? {
        // Raw request so `..` reaches the server as written (URLSession would normalize it).
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard ok == 0 else { return nil }
        let req = "GET \(path) HTTP/1.0\r\n\r\n"
        _ = req.withCString { send(fd, $0, strlen($0), 0) }
        var data = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(fd, &buf, buf.count)
            if n <= 0 { break }
            data += buf[0..<n]
        }
        let text = String(decoding: data, as: UTF8.self)
        let status = Int(text.split(separator: " ").dropFirst().first ?? "") ?? 0
        let body = text.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
        return (status, body)
    }

    func testServesTheSiteRefusesOutsidePathsAndReloadsOnChange() throws {
        let exe = try lessonsExecutable()
        let dir = try makeTempDirectory()
        let lessons = dir.appendingPathComponent("Lessons")
        try FileManager.default.createDirectory(at: lessons, withIntermediateDirectories: true)
        try "# Hello\n\nFirst version.\n".write(to: lessons.appendingPathComponent("hello.md"), atomically: true, encoding: .utf8)
        try "secret".write(to: dir.appendingPathComponent("secret.txt"), atomically: true, encoding: .utf8)
        let port = 18_000 + Int(getpid() % 1000)
        let p = Process()
        p.executableURL = exe
        p.arguments = ["serve", "--port", "\(port)", "--poll", "0.2", "--no-run"]
        p.currentDirectoryURL = dir
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        defer { p.terminate(); p.waitUntilExit() }

        var page: (status: Int, body: String)? = nil
        for _ in 0..<100 where page?.status != 200 { Thread.sleep(forTimeInterval: 0.2); page = get(port, "/hello.html") }
        XCTAssertEqual(page?.status, 200)
        XCTAssertTrue(page?.body.contains("First version.") ?? false)
        XCTAssertTrue(page?.body.contains("/__lessons/generation") ?? false, "pages get the reload script")
        XCTAssertEqual(get(port, "/../secret.txt")?.status, 403)
        XCTAssertEqual(get(port, "/%2e%2e/secret.txt")?.status, 403)
        XCTAssertEqual(get(port, "/nope.html")?.status, 404)

        let before = get(port, "/__lessons/generation")?.body
        try "# Hello\n\nSecond version.\n".write(to: lessons.appendingPathComponent("hello.md"), atomically: true, encoding: .utf8)
        var after = before
        for _ in 0..<100 where after == before { Thread.sleep(forTimeInterval: 0.2); after = get(port, "/__lessons/generation")?.body }
        XCTAssertNotEqual(after, before, "the generation changes after a rebuild")
        XCTAssertTrue(get(port, "/hello.html")?.body.contains("Second version.") ?? false)
    }
}
