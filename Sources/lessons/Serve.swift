import ArgumentParser
import Foundation
import LessonKit
#if canImport(Glibc)
import Glibc
#endif

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the site on 127.0.0.1, rebuild when a lesson changes, and reload the open page.",
        discussion: "Only files inside the output folder are served. Stop with Ctrl-C."
    )

    @OptionGroup var site: SiteOptions
    @OptionGroup var cells: CellRunOptions

    @Option(name: .long, help: "Port on 127.0.0.1.")
    var port: Int = 8000

    @Option(name: .long, help: "Seconds between checks of the lessons folder for changes.")
    var poll: Double = 0.5

    func run() throws {
        setvbuf(stdout, nil, _IOLBF, 0)  // a long-running command: show each line as it comes
        let executor = try cells.executor(lessonsDirectory: site.lessonsURL, jobs: site.jobs)
        let builder = SiteBuilder(lessonsDirectory: site.lessonsURL, outputDirectory: site.outputURL, executor: executor, jobs: site.jobs)
        let state = ServeState()
        rebuild(builder, state)
        let server: HTTPServer
        do {
            server = try HTTPServer(port: port, root: builder.outputDirectory, state: state)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        print("serving \(SiteBuilder.displayPath(builder.outputDirectory)) at http://127.0.0.1:\(port)/ (watching \(SiteBuilder.displayPath(builder.lessonsDirectory)))")
        Thread.detachNewThread { server.serve() }
        var last = Watcher.snapshot(builder.lessonsDirectory)
        while true {
            Thread.sleep(forTimeInterval: poll)
            let now = Watcher.snapshot(builder.lessonsDirectory)
            if now != last {
                last = now
                rebuild(builder, state)
            }
        }
    }

    func rebuild(_ builder: SiteBuilder, _ state: ServeState) {
        do {
            let report = try builder.build()
            printDiagnostics(report.diagnostics)
            print(report.summary)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        }
        state.bump()
    }
}

/// The build generation; open pages poll it and reload when it changes.
final class ServeState: @unchecked Sendable {
    private let lock = NSLock()
    private var generation = 0
    func bump() { lock.lock(); generation += 1; lock.unlock() }
    var current: Int { lock.lock(); defer { lock.unlock() }; return generation }
}

enum Watcher {
    /// Names, sizes and modification times of everything under the lessons folder.
    static func snapshot(_ dir: URL) -> [String: String] {
        var out: [String: String] = [:]
        let fm = FileManager.default
        guard let e = fm.enumerator(atPath: dir.path) else { return out }
        while let rel = e.nextObject() as? String {
            if rel.hasPrefix(".") || rel.contains("/.") { continue }
            if let a = try? fm.attributesOfItem(atPath: dir.appendingPathComponent(rel).path) {
                out[rel] = "\(a[.size] ?? 0) \((a[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)"
            }
        }
        return out
    }
}

/// A small HTTP/1.0 file server bound to 127.0.0.1 (one thread per connection; local use only).
final class HTTPServer: @unchecked Sendable {
    let fd: Int32
    let root: URL
    let state: ServeState

    init(port: Int, root: URL, state: ServeState) throws {
        self.root = root.standardizedFileURL.resolvingSymlinksInPath()
        self.state = state
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ValidationError("cannot open a socket") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard ok == 0, listen(fd, 64) == 0 else { close(fd); throw ValidationError("cannot listen on 127.0.0.1:\(port) (in use?)") }
    }

    func serve() {
        while true {
            let c = accept(fd, nil, nil)
            if c < 0 { continue }
            Thread.detachNewThread { self.handle(c) }
        }
    }

    static let reloadScript = """
        <script>/* lessons serve: reload when the site is rebuilt */(function(){var g=null;setInterval(function(){\
        fetch('/__lessons/generation').then(function(r){return r.text()}).then(function(t){if(g!==null&&t!==g)location.reload();g=t})\
        .catch(function(){})},700)})();</script>
        """

    func handle(_ c: Int32) {
        defer { close(c) }
        var buf = [UInt8](repeating: 0, count: 8192)
        let n = read(c, &buf, buf.count)
        guard n > 0 else { return }
        let request = String(decoding: buf[0..<n], as: UTF8.self)
        let first = request.split(separator: "\r\n").first ?? ""
        let parts = first.split(separator: " ")
        guard parts.count >= 2, parts[0] == "GET" || parts[0] == "HEAD" else { return respond(c, 405, "text/plain", Data("method not allowed\n".utf8)) }
        let head = parts[0] == "HEAD"
        var path = String(parts[1].split(separator: "?", maxSplits: 1).first ?? "/")
        if path == "/__lessons/generation" { return respond(c, 200, "text/plain", Data("\(state.current)".utf8), head: head) }
        path = path.removingPercentEncoding ?? path
        if path.hasSuffix("/") { path += "index.html" }
        // Refuse anything that leaves the site: `..` segments, and symlinks pointing outside.
        let segments = path.split(separator: "/")
        if segments.contains("..") || path.contains("\0") { return respond(c, 403, "text/plain", Data("forbidden\n".utf8), head: head) }
        let file = root.appendingPathComponent(segments.joined(separator: "/")).standardizedFileURL.resolvingSymlinksInPath()
        guard file.path == root.path || file.path.hasPrefix(root.path + "/") else {
            return respond(c, 403, "text/plain", Data("forbidden\n".utf8), head: head)
        }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file.path, isDirectory: &isDir) else {
            return respond(c, 404, "text/plain", Data("not found\n".utf8), head: head)
        }
        if isDir.boolValue {
            return respond(c, 301, "text/plain", Data(), head: head, extra: "Location: \(path)/\r\n")
        }
        guard var data = FileManager.default.contents(atPath: file.path) else { return respond(c, 404, "text/plain", Data(), head: head) }
        let type = HTTPServer.mimeType(file.pathExtension)
        if type.hasPrefix("text/html"), var html = String(data: data, encoding: .utf8) {
            if let r = html.range(of: "</body>", options: .backwards) { html.insert(contentsOf: HTTPServer.reloadScript, at: r.lowerBound) }
            else { html += HTTPServer.reloadScript }
            data = Data(html.utf8)
        }
        respond(c, 200, type, data, head: head)
    }

    func respond(_ c: Int32, _ status: Int, _ type: String, _ body: Data, head: Bool = false, extra: String = "") {
        let reason = [200: "OK", 301: "Moved Permanently", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed"][status] ?? "Error"
        let header = "HTTP/1.0 \(status) \(reason)\r\nContent-Type: \(type)\r\nContent-Length: \(body.count)\r\nCache-Control: no-store\r\n\(extra)Connection: close\r\n\r\n"
        var bytes = Data(header.utf8)
        if !head { bytes.append(body) }
        bytes.withUnsafeBytes { p in
            var off = 0
            while off < p.count {
                let w = send(c, p.baseAddress! + off, p.count - off, Int32(MSG_NOSIGNAL))
                if w <= 0 { break }
                off += w
            }
        }
    }

    static func mimeType(_ ext: String) -> String {
        switch ext.lowercased() {
        case "html", "htm": return "text/html; charset=utf-8"
        case "css": return "text/css; charset=utf-8"
        case "js": return "text/javascript; charset=utf-8"
        case "json": return "application/json"
        case "svg": return "image/svg+xml"
        case "png": return "image/png"
        case "jpg", "jpeg": return "image/jpeg"
        case "gif": return "image/gif"
        case "woff2": return "font/woff2"
        case "woff": return "font/woff"
        case "ttf": return "font/ttf"
        default: return "application/octet-stream"
        }
    }
}
