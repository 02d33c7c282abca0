import Foundation

/// One HTTP response of the preview server, before it is written to a socket.
public struct SiteResponse: Equatable, Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: Data

    public init(status: Int, headers: [(String, String)] = [], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }

    public static func == (a: SiteResponse, b: SiteResponse) -> Bool {
        a.status == b.status && a.body == b.body && a.headers.map { "\($0.0): \($0.1)" } == b.headers.map { "\($0.0): \($0.1)" }
    }

    static func text(_ status: Int, _ message: String, extra: [(String, String)] = []) -> SiteResponse {
        SiteResponse(status: status, headers: [("Content-Type", "text/plain; charset=utf-8")] + extra, body: Data((message + "\n").utf8))
    }

    public static let reasons: [Int: String] = [
        200: "OK", 301: "Moved Permanently", 400: "Bad Request", 403: "Forbidden", 404: "Not Found",
        405: "Method Not Allowed", 408: "Request Timeout", 431: "Request Header Fields Too Large",
        500: "Internal Server Error",
    ]
}

/// Maps a request line to a response: files of the site folder only, nothing else.
///
/// Pure apart from reading the site folder, so every path rule (traversal, symlinks, the
/// directory redirect) is unit-tested without a socket. The socket side is `SiteServer`.
public struct SiteRequestHandler: Sendable {
    /// The site folder; resolved on every request, because the build swaps it atomically
    /// (the folder that existed when the server started is not the one being served later).
    public let root: URL
    /// Inject the reload script into HTML pages (the `serve` command); off for a plain file server.
    public let liveReload: Bool
    /// The build generation, polled by open pages at `/__lessons/generation`.
    public let generation: @Sendable () -> Int

    public init(root: URL, liveReload: Bool = true, generation: @escaping @Sendable () -> Int = { 0 }) {
        self.root = root
        self.liveReload = liveReload
        self.generation = generation
    }

    public static let generationPath = "/__lessons/generation"

    static let reloadScript = """
        <script>/* lessons serve: reload when the site is rebuilt */(function(){var g=null;setInterval(function(){\
        fetch('/__lessons/generation').then(function(r){return r.text()}).then(function(t){if(g!==null&&t!==g)location.reload();g=t})\
        .catch(function(){})},700)})();</script>
        """

    /// The response to `method target` (the first line of a request, already split). For HEAD
    /// the body is kept too: the writer sends its length and leaves it out.
    public func respond(method: String, target: String) -> SiteResponse {
        var r = route(method: method, target: target)
        r.headers.append(("Cache-Control", "no-store"))
        return r
    }

    private func route(method: String, target: String) -> SiteResponse {
        guard method == "GET" || method == "HEAD" else {
            return .text(405, "method not allowed: only GET and HEAD are served", extra: [("Allow", "GET, HEAD")])
        }
        // Origin form only (`/path?query`); an absolute URL or `*` names no file of ours.
        guard target.hasPrefix("/") else { return .text(400, "bad request target") }
        let rawPath = String(target.prefix { $0 != "?" && $0 != "#" })
        if rawPath == Self.generationPath {
            return SiteResponse(status: 200, headers: [("Content-Type", "text/plain; charset=utf-8")], body: Data("\(generation())".utf8))
        }
        guard let path = rawPath.removingPercentEncoding else { return .text(400, "bad percent-encoding in the path") }
        // Empty segments (`//assets`) and `.` are dropped; `..` is refused, never resolved,
        // so no spelling of it (`%2e%2e`, `..%2f`) reaches the file system.
        let all = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        if all.contains("..") || path.contains("\0") { return .text(403, "forbidden") }
        let segments = all.filter { $0 != "." }
        let wantsIndex = path.hasSuffix("/") || segments.isEmpty
        let siteRoot = root.standardizedFileURL.resolvingSymlinksInPath()
        var file = siteRoot
        for s in segments { file.appendPathComponent(s) }
        if wantsIndex { file.appendPathComponent("index.html") }
        // A symlink inside the site that points outside it is refused like `..`.
        let resolved = file.resolvingSymlinksInPath()
        guard resolved.path == siteRoot.path || resolved.path.hasPrefix(siteRoot.path + "/") else {
            return .text(403, "forbidden")
        }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: resolved.path, isDirectory: &isDir) else {
            return .text(404, "not found")
        }
        if isDir.boolValue {
            // Always a path from the site's root built from the clean segments: never `//host`
            // (a protocol-relative redirect off the site) and never a raw CR/LF from the request.
            return .text(301, "moved", extra: [("Location", Self.location(segments))])
        }
        guard var data = FileManager.default.contents(atPath: resolved.path) else {
            return .text(403, "forbidden: the file cannot be read")
        }
        let type = Self.mimeType(resolved.pathExtension)
        if liveReload, type.hasPrefix("text/html"), var html = String(data: data, encoding: .utf8) {
            if let r = html.range(of: "</body>", options: .backwards) { html.insert(contentsOf: Self.reloadScript, at: r.lowerBound) }
            else { html += Self.reloadScript }
            data = Data(html.utf8)
        }
        return SiteResponse(status: 200, headers: [("Content-Type", type)], body: data)
    }

    /// `/a/b/` from the segments `a`, `b`, each percent-encoded.
    static func location(_ segments: [String]) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/;?#")
        let encoded = segments.map { $0.addingPercentEncoding(withAllowedCharacters: allowed) ?? "" }
        return "/" + encoded.map { $0 + "/" }.joined()
    }

    public static func mimeType(_ ext: String) -> String {
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
        case "txt", "md": return "text/plain; charset=utf-8"
        case "xml": return "application/xml"
        default: return "application/octet-stream"
        }
    }
}
