import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Why the preview server cannot start; each says what to do.
public enum ServeError: Error, CustomStringConvertible, Equatable {
    case badPort(Int)
    case cannotListen(port: Int, reason: String)
    case socket(String)

    public var description: String {
        switch self {
        case .badPort(let p):
            return "--port \(p) is not a TCP port: give 1-65535, or 0 to pick a free one"
        case .cannotListen(let p, let reason):
            return "cannot listen on 127.0.0.1:\(p): \(reason); stop whatever is using it, or pick another port with --port (0 picks a free one)"
        case .socket(let reason):
            return "cannot open a listening socket: \(reason)"
        }
    }
}

/// The `lessons serve` HTTP server: one request per connection, on 127.0.0.1 only.
///
/// It binds in `init`, so a busy or bad port fails before anything is built; it reads until the
/// blank line that ends the headers, however the request is split into packets; and a client
/// that sends nothing, or never finishes its headers, is disconnected after `requestTimeout`.
/// One thread per connection: a local preview has a handful of clients, and the timeout bounds
/// how long a silent one can hold its thread.
///
/// Hand-written rather than FlyingFox 0.27.1, measured (issue 17, item 16): FlyingFox's build
/// cost was acceptable (+28 s of CPU on a clean release build), but a probe server on it kept an
/// idle connection, and one with half-sent headers, open past 30 s with `timeout: 2` (that
/// timeout bounds the handler, not the read), and on Linux it hands `GET //assets/style.css` to
/// the handler as `/style.css` (Foundation's URL parser takes `assets` for a host).
public final class SiteServer: @unchecked Sendable {
    /// The port actually bound (the kernel's choice when 0 was asked for).
    public let port: Int
    public let handler: SiteRequestHandler
    /// Seconds a connection may take to deliver its request headers, and a response write may block.
    public let requestTimeout: TimeInterval
    /// Headers larger than this are refused (431); a request line and a few headers are far smaller.
    public static let maxHeaderBytes = 16 * 1024

    private let fd: Int32
    private let lock = NSLock()
    private var stopped = false
    private var started = false

    /// Checks a `--port` value; done before anything else so a typo costs no build.
    public static func validatePort(_ port: Int) throws {
        guard (0...65535).contains(port) else { throw ServeError.badPort(port) }
    }

    /// Binds and listens on 127.0.0.1:`port` at once; `start()` begins answering.
    public init(port: Int, handler: SiteRequestHandler, requestTimeout: TimeInterval = 10) throws {
        try Self.validatePort(port)
        self.handler = handler
        self.requestTimeout = requestTimeout
        // close-on-exec: the lesson programs that the rebuilds start must not inherit the listener
        let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard s >= 0 else { throw ServeError.socket(String(cString: strerror(errno))) }
        // SO_REUSEADDR lets a restarted server take a port whose old connections are in TIME_WAIT;
        // on Linux it does not let two servers listen on one port, so a busy port still fails.
        var yes: Int32 = 1
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(s, 128) == 0 else {
            let reason = String(cString: strerror(errno))
            close(s)
            throw ServeError.cannotListen(port: port, reason: reason)
        }
        var actual = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(s, $0, &len) }
        }
        self.port = Int(UInt16(bigEndian: actual.sin_port))
        fd = s
    }

    deinit { stop() }

    /// Answers connections on a background thread until `stop()`.
    public func start() {
        lock.lock(); defer { lock.unlock() }
        guard !started, !stopped else { return }
        started = true
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    /// Stops accepting; connections being answered finish on their own threads.
    public func stop() {
        lock.lock(); defer { lock.unlock() }
        guard !stopped else { return }
        stopped = true
        // shutdown wakes the thread blocked in accept(), which then closes the descriptor
        // (closing it here could close a number that another thread has just been given)
        if started { shutdown(fd, Int32(SHUT_RDWR)) } else { close(fd) }
    }

    private var isStopped: Bool { lock.lock(); defer { lock.unlock() }; return stopped }

    private func acceptLoop() {
        defer { close(fd) }
        while !isStopped {
            let c = accept(fd, nil, nil)
            if c < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                if isStopped { return }
                // out of descriptors (EMFILE/ENFILE) or memory: wait instead of spinning
                usleep(50_000)
                continue
            }
            // close-on-exec (Glibc's accept4 is not visible to Swift): a lesson program started
            // by a rebuild must not inherit a client's connection
            _ = fcntl(c, F_SETFD, FD_CLOEXEC)
            Thread.detachNewThread { [self] in serve(c) }
        }
    }

    private func serve(_ c: Int32) {
        defer { close(c) }
        // A client that stops reading must not hold this thread forever either.
        var tv = timeval(tv_sec: Int(requestTimeout), tv_usec: Int((requestTimeout - requestTimeout.rounded(.down)) * 1_000_000))
        setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let head: [UInt8]
        switch Self.readHead(c, timeout: requestTimeout, limit: Self.maxHeaderBytes) {
        case .head(let bytes): head = bytes
        case .closed, .timedOutEmpty: return  // nothing asked: close without a word
        case .timedOutPartial: return write(c, .text(408, "request timeout: the request headers did not arrive within \(Self.seconds(requestTimeout))"), head: false)
        case .tooLarge: return write(c, .text(431, "request headers too large"), head: false)
        }
        let line = String(decoding: head.prefix { $0 != 13 && $0 != 10 }, as: UTF8.self)
        let parts = line.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[2].hasPrefix("HTTP/1.") else {
            return write(c, .text(400, "bad request line"), head: false)
        }
        let method = String(parts[0])
        write(c, handler.respond(method: method, target: String(parts[1])), head: method == "HEAD")
    }

    enum HeadRead: Equatable {
        case head([UInt8])
        case closed, timedOutEmpty, timedOutPartial, tooLarge
    }

    /// Reads until the blank line that ends the headers (CRLF CRLF, or LF LF from a sloppy
    /// client), within `timeout` seconds in all, whatever the packets' boundaries.
    static func readHead(_ c: Int32, timeout: TimeInterval, limit: Int) -> HeadRead {
        let deadline = Date().addingTimeInterval(timeout)
        var got: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            if let end = endOfHead(got) { return end > limit ? .tooLarge : .head(Array(got[..<end])) }
            if got.count > limit { return .tooLarge }
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { return got.isEmpty ? .timedOutEmpty : .timedOutPartial }
            var p = pollfd(fd: c, events: Int16(POLLIN), revents: 0)
            let ready = poll(&p, 1, Int32(min(left * 1000, 60_000).rounded(.up)))
            if ready < 0 && errno == EINTR { continue }
            if ready <= 0 { continue }  // loop re-checks the deadline
            let n = read(c, &chunk, chunk.count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return .closed }
            got.append(contentsOf: chunk[..<n])
        }
    }

    /// Index just past the blank line, if the headers are complete.
    static func endOfHead(_ b: [UInt8]) -> Int? {
        guard b.count >= 2 else { return nil }
        for i in 1..<b.count where b[i] == 10 {
            if b[i - 1] == 10 { return i + 1 }
            if i >= 3, b[i - 1] == 13, b[i - 2] == 10 { return i + 1 }
        }
        return nil
    }

    private func write(_ c: Int32, _ r: SiteResponse, head: Bool) {
        let reason = SiteResponse.reasons[r.status] ?? "Error"
        var header = "HTTP/1.1 \(r.status) \(reason)\r\n"
        for (k, v) in r.headers { header += "\(k): \(v)\r\n" }
        header += "Content-Length: \(r.body.count)\r\nConnection: close\r\n\r\n"
        var bytes = Data(header.utf8)
        if !head { bytes.append(r.body) }
        bytes.withUnsafeBytes { p in
            var off = 0
            while off < p.count {
                let w = send(c, p.baseAddress! + off, p.count - off, Int32(MSG_NOSIGNAL))
                if w < 0 && errno == EINTR { continue }
                if w <= 0 { break }
                off += w
            }
        }
    }

    static func seconds(_ t: TimeInterval) -> String {
        t == t.rounded() ? "\(Int(t)) s" : String(format: "%.1f s", t)
    }
}
