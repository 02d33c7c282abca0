import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif
@testable import LessonKit

/// A one-thread HTTP stub on 127.0.0.1: records each request (method, path, headers, body) and
/// answers with what `respond` returns; `.silent` accepts and never answers (a slow server).
final class StubHTTPServer: @unchecked Sendable {
    enum Answer { case status(Int, Data), silent }
    struct Request { var method: String; var path: String; var headers: [String: String]; var body: Data }

    let fd: Int32
    let port: Int
    private let lock = NSLock()
    private var _requests: [Request] = []
    var requests: [Request] { lock.withLock { _requests } }
    private var open = true
    private var held: [Int32] = []

    init(respond: @escaping @Sendable (Request) -> Answer) throws {
        let sock = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(sock, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        listen(sock, 16)
        var bound = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &bound) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(sock, $0, &len) } }
        fd = sock
        port = Int(UInt16(bigEndian: bound.sin_port))
        let thread = Thread { [self] in
            while true {
                let c = accept(fd, nil, nil)
                guard c >= 0 else { return }
                guard let request = Self.read(c) else { close(c); continue }
                lock.withLock { _requests.append(request) }
                switch respond(request) {
                case .silent:
                    lock.withLock { held.append(c) }
                case .status(let code, let body):
                    let head = "HTTP/1.1 \(code) X\r\nContent-Length: \(request.method == "HEAD" ? 0 : body.count)\r\nConnection: close\r\n\r\n"
                    var bytes = Array(head.utf8)
                    if request.method != "HEAD" { bytes += body }
                    _ = bytes.withUnsafeBytes { send(c, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    close(c)
                }
            }
        }
        thread.start()
    }

    /// Reads one request (headers, then Content-Length bytes of body), bounded in size and time.
    static func read(_ c: Int32) -> Request? {
        var tv = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var got = Data()
        var buf = [UInt8](repeating: 0, count: 65536)
        while got.count < 1 << 24 {
            if let end = got.range(of: Data("\r\n\r\n".utf8)) {
                let head = String(decoding: got[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
                let first = head[0].split(separator: " ")
                var headers: [String: String] = [:]
                for line in head.dropFirst() {
                    if let colon = line.firstIndex(of: ":") {
                        headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                    }
                }
                let length = Int(headers["content-length"] ?? "0") ?? 0
                if got.count - end.upperBound >= length {
                    return Request(method: String(first[0]), path: String(first[1]), headers: headers,
                                   body: Data(got[end.upperBound..<(end.upperBound + length)]))
                }
            }
            let n = recv(c, &buf, buf.count, 0)
            if n <= 0 { return nil }
            got.append(contentsOf: buf[0..<n])
        }
        return nil
    }

    func stop() {
        lock.withLock { guard open else { return }; open = false; for c in held { close(c) } }
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }
    deinit { stop() }
}

final class HTTPBlobStoreTests: XCTestCase {
    let digest = String(repeating: "ab", count: 32)

    func testGetPutHeadInTheBazelLayoutWithTheBearerToken() throws {
        let stored = NSLock()
        nonisolated(unsafe) var blobs: [String: Data] = [:]
        let server = try StubHTTPServer { r in
            stored.withLock {
                switch r.method {
                case "PUT": blobs[r.path] = r.body; return .status(201, Data())
                case "GET", "HEAD": return blobs[r.path].map { .status(200, $0) } ?? .status(404, Data())
                default: return .status(405, Data())
                }
            }
        }
        defer { server.stop() }
        let store = try HTTPBlobStore(url: URL(string: "http://127.0.0.1:\(server.port)/team/cache")!, token: Secret("s3cret"), timeout: 5)
        XCTAssertNil(try store.get("cas/" + digest))
        XCTAssertFalse(try store.exists("ac/" + digest))
        try store.put("cas/" + digest, Data("hello".utf8))
        XCTAssertTrue(try store.exists("cas/" + digest))
        XCTAssertEqual(try store.get("cas/" + digest), Data("hello".utf8))
        XCTAssertEqual(server.requests.map { "\($0.method) \($0.path)" }, [
            "GET /team/cache/cas/\(digest)", "HEAD /team/cache/ac/\(digest)", "PUT /team/cache/cas/\(digest)",
            "HEAD /team/cache/cas/\(digest)", "GET /team/cache/cas/\(digest)"])
        XCTAssertEqual(Set(server.requests.map { $0.headers["authorization"] ?? "none" }), ["Bearer s3cret"])
    }

    func testRefusalsAndErrorsSayWhatHappened() throws {
        let server = try StubHTTPServer { _ in .status(401, Data("no".utf8)) }
        defer { server.stop() }
        let store = try HTTPBlobStore(url: URL(string: "http://127.0.0.1:\(server.port)/")!, token: nil, timeout: 5)
        XCTAssertThrowsError(try store.get("ac/" + digest)) { e in
            XCTAssertEqual("\(e)", "GET ac/\(digest) answered HTTP 401 (check LESSONS_CACHE_TOKEN)")
        }
        XCTAssertNil(server.requests.first?.headers["authorization"], "no token, no header")
        XCTAssertThrowsError(try HTTPBlobStore(url: URL(string: "ftp://user:pw@host/x")!, token: nil)) { e in
            XCTAssertEqual("\(e)", "'ftp://host/x' is not an http:// or https:// URL")
        }
        XCTAssertEqual(HTTPBlobStore.redacted(URL(string: "https://me:pw@cache.example/x/?sig=abc")!), "https://cache.example/x/")
    }

    func testADownServerIsUnreachableAtOnce() throws {
        let server = try StubHTTPServer { _ in .status(200, Data()) }
        let port = server.port
        server.stop()
        let store = try HTTPBlobStore(url: URL(string: "http://127.0.0.1:\(port)/")!, token: nil, timeout: 5)
        let start = Date()
        XCTAssertThrowsError(try store.put("cas/" + digest, Data("x".utf8))) { e in
            guard case BlobStoreError.unreachable(let why) = e else { return XCTFail("\(e)") }
            XCTAssertTrue(why.hasPrefix("PUT cas/\(digest): "), why)
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 3)
    }

    func testASilentServerTimesOutWithinTheBound() throws {
        let server = try StubHTTPServer { _ in .silent }
        defer { server.stop() }
        let store = try HTTPBlobStore(url: URL(string: "http://127.0.0.1:\(server.port)/")!, token: nil, timeout: 0.5)  // raised to 1 s, see HTTPBlobStore.init
        let start = Date()
        XCTAssertThrowsError(try store.get("ac/" + digest)) { e in
            guard case BlobStoreError.unreachable(let why) = e else { return XCTFail("\(e)") }
            XCTAssertTrue(why.hasPrefix("GET ac/\(digest): no answer within"), "got: " + why)
        }
        let took = Date().timeIntervalSince(start)
        XCTAssertGreaterThan(took, 0.9)
        XCTAssertLessThan(took, 1 * 4 + 2 + 1)
    }

    func testTheTokenIsNeverPrintedAndNotPassedToChildren() {
        let s = Settings.fromEnvironment(["LESSONS_CACHE_TOKEN": "tok-123", "LESSONS_CACHE_URL": "http://127.0.0.1:1/", "PATH": "/bin"])
        XCTAssertEqual(s.cacheToken?.reveal(), "tok-123")
        XCTAssertEqual(s.cacheURL, "http://127.0.0.1:1/")
        XCTAssertNil(s.environment["LESSONS_CACHE_TOKEN"], "lesson programs and node must not see it")
        XCTAssertEqual(s.environment["PATH"], "/bin")
        var dumped = ""
        dump(s, to: &dumped)
        for text in ["\(s)", String(reflecting: s), dumped, "\(s.cacheToken!)"] {
            XCTAssertFalse(text.contains("tok-123"), text)
        }
        XCTAssertEqual("\(s.cacheToken!)", "<redacted>")
        XCTAssertNil(Settings.fromEnvironment(["LESSONS_CACHE_TOKEN": ""]).cacheToken)
    }
}
