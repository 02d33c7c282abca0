import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif
@testable import LessonKit

/// A raw TCP client for the preview server: the tests control exactly which bytes are sent
/// and when, which a URLSession would not (split packets, silence, oversized headers).
private final class RawClient {
    let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let r = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard r == 0 else { close(fd); throw NSError(domain: "connect", code: Int(errno)) }
        // Nagle off: each send() is its own packet, so "split over two writes" really is
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { close(fd) }

    func send(_ s: String) {
        let bytes = Array(s.utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Everything the server sends until it closes the connection, or nil if it has not
    /// closed within `timeout` seconds (the case the idle-timeout tests look for).
    func readToEnd(timeout: TimeInterval = 5) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        var got: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { return nil }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&p, 1, Int32(left * 1000)) <= 0 { continue }
            let n = read(fd, &buf, buf.count)
            if n <= 0 { return String(decoding: got, as: UTF8.self) }
            got.append(contentsOf: buf[..<n])
        }
    }
}

private struct RawResponse {
    let statusLine: String
    let headers: [String: String]
    let body: String

    init(_ raw: String) {
        let parts = raw.components(separatedBy: "\r\n\r\n")
        let head = parts[0].components(separatedBy: "\r\n")
        statusLine = head[0]
        var h: [String: String] = [:]
        for line in head.dropFirst() {
            if let c = line.firstIndex(of: ":") {
                h[line[..<c].lowercased()] = line[line.index(after: c)...].trimmingCharacters(in: .whitespaces)
            }
        }
        headers = h
        body = parts.dropFirst().joined(separator: "\r\n\r\n")
    }
}

final class ServeTests: XCTestCase {
    private var site: URL!
    private var outside: URL!

    override func setUpWithError() throws {
        let dir = try makeTempDirectory("lessons-serve")
        site = dir.appendingPathComponent("Output")
        outside = dir.appendingPathComponent("secret.txt")
        try FileManager.default.createDirectory(at: site.appendingPathComponent("assets"), withIntermediateDirectories: true)
        try "<html><body><h1>Home</h1></body></html>".write(to: site.appendingPathComponent("index.html"), atomically: true, encoding: .utf8)
        try "body{}".write(to: site.appendingPathComponent("assets/style.css"), atomically: true, encoding: .utf8)
        try "do not serve".write(to: outside, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(at: site.appendingPathComponent("leak.txt"), withDestinationURL: outside)
    }

    private func server(timeout: TimeInterval = 5, generation: @escaping @Sendable () -> Int = { 0 }) throws -> SiteServer {
        let s = try SiteServer(port: 0, handler: SiteRequestHandler(root: site, generation: generation), requestTimeout: timeout)
        s.start()
        addTeardownBlock { s.stop() }
        return s
    }

    private func get(_ s: SiteServer, _ request: String) throws -> RawResponse {
        let c = try RawClient(port: s.port)
        c.send(request)
        return RawResponse(try XCTUnwrap(c.readToEnd(), "the server did not close the connection"))
    }

    // MARK: ports

    func testPortsOutsideTheTCPRangeAreRejectedWithAClearMessage() throws {
        for bad in [-1, 65536, 70000] {
            XCTAssertThrowsError(try SiteServer.validatePort(bad)) { error in
                XCTAssertEqual(error as? ServeError, .badPort(bad))
                XCTAssertEqual("\(error)", "--port \(bad) is not a TCP port: give 1-65535, or 0 to pick a free one")
            }
            // the server itself refuses it too, instead of trapping in UInt16(port)
            XCTAssertThrowsError(try SiteServer(port: bad, handler: SiteRequestHandler(root: site)))
        }
        for good in [0, 1, 65535] { XCTAssertNoThrow(try SiteServer.validatePort(good)) }
    }

    func testPortZeroReportsThePortTheKernelChose() throws {
        let s = try server()
        XCTAssertNotEqual(s.port, 0)
        XCTAssertEqual(try get(s, "GET / HTTP/1.1\r\nHost: x\r\n\r\n").statusLine, "HTTP/1.1 200 OK")
    }

    func testABusyPortFailsWhenTheServerIsMade() throws {
        let first = try server()
        XCTAssertThrowsError(try SiteServer(port: first.port, handler: SiteRequestHandler(root: site))) { error in
            XCTAssertEqual("\(error)", "cannot listen on 127.0.0.1:\(first.port): Address already in use; stop whatever is using it, or pick another port with --port (0 picks a free one)")
        }
    }

    // MARK: reading requests

    func testARequestSplitOverTwoWritesIsServed() throws {
        let s = try server()
        for (a, b) in [("GET /index.html HTTP/1.1\r\nHost: x", "\r\n\r\n"),   // headers end in the 2nd packet
                       ("GE", "T /index.html HTTP/1.1\r\nHost: x\r\n\r\n"),     // even the method is split
                       ("GET /index.html HTTP/1.1\r\n", "Host: x\r\n\r\n")] {
            let c = try RawClient(port: s.port)
            c.send(a)
            Thread.sleep(forTimeInterval: 0.2)
            c.send(b)
            let r = RawResponse(try XCTUnwrap(c.readToEnd()))
            XCTAssertEqual(r.statusLine, "HTTP/1.1 200 OK", "split as \(a.debugDescription) + \(b.debugDescription)")
            XCTAssertTrue(r.body.contains("<h1>Home</h1>"))
        }
    }

    func testAnIdleConnectionIsClosedAfterTheTimeout() throws {
        let s = try server(timeout: 0.5)
        let start = Date()
        let silent = try RawClient(port: s.port)
        XCTAssertEqual(silent.readToEnd(timeout: 5), "", "a connection that sends nothing is closed without a response")
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(start), 0.45)
        XCTAssertLessThan(Date().timeIntervalSince(start), 3)

        let partial = try RawClient(port: s.port)
        partial.send("GET / HTTP/1.1\r\nHost: x\r\n")  // never the blank line
        let r = RawResponse(try XCTUnwrap(partial.readToEnd(timeout: 5), "a half-sent request must not hold the connection"))
        XCTAssertEqual(r.statusLine, "HTTP/1.1 408 Request Timeout")
        XCTAssertEqual(r.body, "request timeout: the request headers did not arrive within 0.5 s\n")
    }

    func testOversizedHeadersAndBadRequestLinesAreRefused() throws {
        let s = try server()
        let big = try get(s, "GET / HTTP/1.1\r\nX-Big: " + String(repeating: "a", count: 20_000) + "\r\n\r\n")
        XCTAssertEqual(big.statusLine, "HTTP/1.1 431 Request Header Fields Too Large")
        XCTAssertEqual(try get(s, "hello\r\n\r\n").statusLine, "HTTP/1.1 400 Bad Request")
        XCTAssertEqual(try get(s, "GET http://example.com/ HTTP/1.1\r\n\r\n").statusLine, "HTTP/1.1 400 Bad Request")
        let post = try get(s, "POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
        XCTAssertEqual(post.statusLine, "HTTP/1.1 405 Method Not Allowed")
        XCTAssertEqual(post.headers["allow"], "GET, HEAD")
    }

    // MARK: paths

    func testDirectoryRedirectsNeverLeaveTheSite() throws {
        let s = try server()
        for target in ["//assets", "///assets", "/assets", "/./assets", "//assets?x=1"] {
            let r = try get(s, "GET \(target) HTTP/1.1\r\nHost: x\r\n\r\n")
            XCTAssertEqual(r.statusLine, "HTTP/1.1 301 Moved Permanently", target)
            XCTAssertEqual(r.headers["location"], "/assets/", target)
        }
        XCTAssertEqual(try get(s, "GET //assets/style.css HTTP/1.1\r\n\r\n").body, "body{}")
        // a directory name with CR/LF in it cannot inject a header through the Location
        try FileManager.default.createDirectory(at: site.appendingPathComponent("a\r\nSet-Cookie: x"), withIntermediateDirectories: true)
        let r = try get(s, "GET /a%0d%0aSet-Cookie:%20x HTTP/1.1\r\n\r\n")
        XCTAssertEqual(r.headers["location"], "/a%0D%0ASet-Cookie:%20x/")
        XCTAssertNil(r.headers["set-cookie"])
    }

    func testPathsOutsideTheSiteAreForbidden() throws {
        let s = try server()
        for target in ["/../secret.txt", "/%2e%2e/secret.txt", "/assets/..%2f..%2fsecret.txt", "/assets/../../secret.txt",
                       "/leak.txt", "/index.html%00.png"] {
            let r = try get(s, "GET \(target) HTTP/1.1\r\n\r\n")
            XCTAssertEqual(r.statusLine, "HTTP/1.1 403 Forbidden", target)
            XCTAssertFalse(r.body.contains("do not serve"), target)
        }
        XCTAssertEqual(try get(s, "GET /nope.html HTTP/1.1\r\n\r\n").statusLine, "HTTP/1.1 404 Not Found")
    }

    func testPagesGetTheReloadScriptAndHeadSendsNoBody() throws {
        final class Box: @unchecked Sendable { var n = 0 }
        let box = Box()
        let s = try server(generation: { box.n })
        let page = try get(s, "GET /index.html HTTP/1.1\r\n\r\n")
        XCTAssertEqual(page.headers["content-type"], "text/html; charset=utf-8")
        XCTAssertEqual(page.headers["cache-control"], "no-store")
        XCTAssertEqual(page.headers["connection"], "close")
        XCTAssertEqual(page.body, "<html><body><h1>Home</h1>" + SiteRequestHandler.reloadScript + "</body></html>")
        XCTAssertEqual(page.headers["content-length"], "\(page.body.utf8.count)")
        let head = try get(s, "HEAD /index.html HTTP/1.1\r\n\r\n")
        XCTAssertEqual(head.statusLine, "HTTP/1.1 200 OK")
        XCTAssertEqual(head.headers["content-length"], page.headers["content-length"])
        XCTAssertEqual(head.body, "")
        XCTAssertEqual(try get(s, "GET /__lessons/generation HTTP/1.1\r\n\r\n").body, "0")
        box.n = 3
        XCTAssertEqual(try get(s, "GET /__lessons/generation HTTP/1.1\r\n\r\n").body, "3")
    }

    func testTheSiteFolderIsResolvedOnEveryRequest() throws {
        // the build replaces Output/ by renaming a new folder over it; the server must follow
        let s = try server()
        let fresh = site.deletingLastPathComponent().appendingPathComponent("Output.new")
        try FileManager.default.createDirectory(at: fresh, withIntermediateDirectories: true)
        try "<html><body>v2</body></html>".write(to: fresh.appendingPathComponent("index.html"), atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(at: site)
        try FileManager.default.moveItem(at: fresh, to: site)
        XCTAssertTrue(try get(s, "GET / HTTP/1.1\r\n\r\n").body.hasPrefix("<html><body>v2"))
    }
}

/// `lessons serve` end to end: the port is checked, and bound, before any build.
final class ServeCLITests: XCTestCase {
    private var binary: URL? {
        let candidates = [URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
                          Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()]
        return candidates.map { $0.appendingPathComponent("lessons") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// Starts `lessons serve ARGS`, collects its output, and kills it after `timeout` seconds
    /// if it has not exited (a server that runs is killed once its first line has been read).
    private func serve(_ args: [String], in dir: URL, until stop: @escaping (String) -> Bool = { _ in false },
                       timeout: TimeInterval = 20) throws -> (status: Int32?, out: String, err: String, seconds: TimeInterval) {
        guard let binary else { throw XCTSkip("the lessons executable is not built next to the tests") }
        let p = Process()
        p.executableURL = binary
        p.arguments = ["serve"] + args
        p.currentDirectoryURL = dir
        let out = Pipe(), err = Pipe()
        p.standardOutput = out; p.standardError = err
        final class Sink: @unchecked Sendable { let lock = NSLock(); var out = Data(); var err = Data() }
        let sink = Sink()
        out.fileHandleForReading.readabilityHandler = { h in let d = h.availableData; sink.lock.lock(); sink.out.append(d); sink.lock.unlock() }
        err.fileHandleForReading.readabilityHandler = { h in let d = h.availableData; sink.lock.lock(); sink.err.append(d); sink.lock.unlock() }
        let start = Date()
        try p.run()
        var killed = false
        while p.isRunning {
            sink.lock.lock(); let text = String(decoding: sink.out, as: UTF8.self); sink.lock.unlock()
            if stop(text) || Date().timeIntervalSince(start) > timeout { p.terminate(); killed = true; break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        p.waitUntilExit()
        let seconds = Date().timeIntervalSince(start)
        out.fileHandleForReading.readabilityHandler = nil
        err.fileHandleForReading.readabilityHandler = nil
        sink.lock.lock(); defer { sink.lock.unlock() }
        sink.out.append(out.fileHandleForReading.readDataToEndOfFile())
        sink.err.append(err.fileHandleForReading.readDataToEndOfFile())
        return (killed ? nil : p.terminationStatus, String(decoding: sink.out, as: UTF8.self), String(decoding: sink.err, as: UTF8.self), seconds)
    }

    func testABadPortIsRejectedBeforeAnyBuild() throws {
        let dir = try copyFixture(FixturePaths.site)
        for bad in ["70000", "-1"] {
            let r = try serve(["--port=\(bad)", "--no-run"], in: dir)
            XCTAssertEqual(r.status, 2, "a usage error (the project's exit 2), not a crash: \(r.err)")
            XCTAssertTrue(r.err.contains("Error: --port \(bad) is not a TCP port: give 1-65535, or 0 to pick a free one"), r.err)
            XCTAssertEqual(r.out, "")
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("Output").path), "nothing was built")
        }
    }

    func testABusyPortFailsAtOnceWithoutBuilding() throws {
        let dir = try copyFixture(FixturePaths.site)
        let taken = try SiteServer(port: 0, handler: SiteRequestHandler(root: dir))
        defer { taken.stop() }
        let r = try serve(["--port", "\(taken.port)"], in: dir)
        XCTAssertEqual(r.status, 2)
        XCTAssertEqual(r.err, "error: cannot listen on 127.0.0.1:\(taken.port): Address already in use; stop whatever is using it, or pick another port with --port (0 picks a free one)\n")
        XCTAssertEqual(r.out, "")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("Output").path), "nothing was built")
        XCTAssertLessThan(r.seconds, 10)
    }

    func testPortZeroPrintsTheRealPortAndServesTheBuiltSite() throws {
        let dir = try copyFixture(FixturePaths.site)
        var port = 0
        var page = ""
        let r = try serve(["--port", "0", "--no-run"], in: dir, until: { out in
            // wait for the first build's summary, then fetch the page from the printed port
            guard out.contains("\nbuilt "), let m = out.range(of: #"http://127\.0\.0\.1:[0-9]+/"#, options: .regularExpression) else { return false }
            port = Int(out[m].dropFirst("http://127.0.0.1:".count).dropLast()) ?? 0
            if port > 0, let c = try? RawClient(port: port) {
                c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                page = c.readToEnd() ?? ""
            }
            return true
        })
        XCTAssertNil(r.status, "serve keeps running until stopped: \(r.err)")
        XCTAssertNotEqual(port, 0, r.out)
        XCTAssertTrue(r.out.hasPrefix("serving Output at http://127.0.0.1:\(port)/ (watching Lessons)\n"), r.out)
        XCTAssertTrue(page.hasPrefix("HTTP/1.1 200 OK\r\n"), page)
        XCTAssertTrue(page.contains("/__lessons/generation"), "the index page carries the reload script")
    }
}
