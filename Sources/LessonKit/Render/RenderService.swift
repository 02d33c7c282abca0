import Foundation

/// Something the node process turns into HTML: a formula or a code block.
public struct RenderRequest: Hashable, Sendable {
    public enum Kind: Hashable, Sendable { case inlineMath, displayMath, code(language: String) }
    public var kind: Kind
    public var source: String
    public init(_ kind: Kind, _ source: String) { self.kind = kind; self.source = source }

    var cacheKey: String {
        switch kind {
        case .inlineMath: return "i\u{0}" + source
        case .displayMath: return "d\u{0}" + source
        case .code(let l): return "c\u{0}\(l)\u{0}" + source
        }
    }
}

/// HTML for a request, or the message KaTeX/highlight.js gave.
public enum RenderOutcome: Hashable, Sendable {
    case html(String)
    case error(String)
}

public struct RenderError: Error, CustomStringConvertible {
    public var description: String
}

/// Renders math and code with KaTeX and highlight.js in ONE node process per build, and
/// keeps every result in a cache keyed by content, so an unchanged site never starts node.
public final class RenderService {
    public let katexVersion: String
    public let highlightVersion: String
    private let nodePath: String
    /// The katex package that renders the pages; its CSS and fonts are copied into the site.
    public let katexDirectory: URL
    private let renderThreads: Int?
    private let environment: [String: String]
    private let script: URL
    /// Part of the cache's identity: changing how render.js calls KaTeX must not reuse old HTML.
    public let scriptHash: String
    private let cacheFile: URL?
    /// Entries read from the cache file stay bytes until used: decoding 30 MB of HTML to
    /// Strings would cost more than a one-page rebuild needs.
    private enum Entry { case ready(RenderOutcome), stored(ok: Bool, range: Range<Int>) }
    private var cache: [String: Entry] = [:]
    private var cacheBytes: [UInt8] = []

    private func outcome(_ key: String) -> RenderOutcome? {
        switch cache[key] {
        case .ready(let o)?: return o
        case .stored(let ok, let range)?:
            let text = String(decoding: cacheBytes[range], as: UTF8.self)
            let o: RenderOutcome = ok ? .html(text) : .error(text)
            cache[key] = .ready(o)
            return o
        case nil: return nil
        }
    }
    private var used = Set<String>()
    private var dirty = false
    public private(set) var rendered = 0

    /// Bumped when render.js or the frame format changes.
    private static let formatVersion = "4"

    /// `nodePath` is searched before /usr/share/nodejs; `environment` is what node runs with.
    public init(cacheDirectory: URL?, nodePath: [String] = [], resources: Resources, renderThreads: Int? = nil,
                environment: [String: String] = [:]) throws {
        let folders = nodePath + ["/usr/share/nodejs"]
        self.nodePath = folders.joined(separator: ":")
        self.renderThreads = renderThreads
        self.environment = environment
        katexDirectory = folders.lazy.map { URL(fileURLWithPath: $0).appendingPathComponent("katex") }
            .first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("package.json").path) }
            ?? URL(fileURLWithPath: "/usr/share/nodejs/katex")
        katexVersion = Self.packageVersion("katex", nodePath: self.nodePath) ?? "unknown"
        highlightVersion = Self.packageVersion("highlight.js", nodePath: self.nodePath) ?? "unknown"
        guard let script = resources.url("render.js") else { throw RenderError(description: "render.js missing from LessonKit's resources") }
        self.script = script
        scriptHash = String(SHA256.hex((try? Data(contentsOf: script)).map { [UInt8]($0) } ?? []).prefix(16))
        cacheFile = cacheDirectory?.appendingPathComponent("render-cache.bin")
    }

    /// The cache is read on first use: a build whose pages are all up to date never needs it.
    private var cacheLoaded = false

    private static func packageVersion(_ package: String, nodePath: String) -> String? {
        for dir in nodePath.split(separator: ":") {
            let url = URL(fileURLWithPath: String(dir)).appendingPathComponent(package).appendingPathComponent("package.json")
            if let data = try? Data(contentsOf: url),
               let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
               let v = json["version"] as? String { return v }
        }
        return nil
    }

    private var header: String { "lessons-render-cache \(Self.formatVersion) katex \(katexVersion) hljs \(highlightVersion) script \(scriptHash)\n" }

    /// Renders everything not yet cached in one node run; returns an outcome for each request.
    public func render(_ requests: [RenderRequest]) throws -> [RenderRequest: RenderOutcome] {
        if !cacheLoaded { loadCache(); cacheLoaded = true }
        var results: [RenderRequest: RenderOutcome] = [:]
        var missing: [RenderRequest] = []
        var seen = Set<RenderRequest>()
        for r in requests where seen.insert(r).inserted {
            if case .code(let l) = r.kind, l.isEmpty {
                results[r] = .html(HTML.escape(r.source)); continue // nothing to highlight
            }
            let key = r.cacheKey
            used.insert(key)
            if let hit = outcome(key) { results[r] = hit } else { missing.append(r) }
        }
        if !missing.isEmpty {
            let outcomes = try runNode(missing)
            for (r, o) in zip(missing, outcomes) { results[r] = o; cache[r.cacheKey] = .ready(o) }
            rendered += missing.count
            dirty = true
        }
        return results
    }

    /// The request files of a `lessons` killed mid-render, removed once per process.
    private static let sweepOnce: Void = AbandonedFiles.removeFromTemporaryDirectory()

    private func runNode(_ requests: [RenderRequest]) throws -> [RenderOutcome] {
        let items: [[String: String]] = requests.map { r in
            switch r.kind {
            case .inlineMath: return ["k": "i", "s": r.source]
            case .displayMath: return ["k": "d", "s": r.source]
            case .code(let l): return ["k": "c", "s": r.source, "l": l]
            }
        }
        Self.sweepOnce
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent(AbandonedFiles.renderRequestPrefix + "\(getpid())-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: items).withUnsafeBytes { try SiteWriter.writeFile(tmp.path, $0) }
        defer { try? FileManager.default.removeItem(at: tmp) }
        let outFile = tmp.appendingPathExtension("out")
        defer { try? FileManager.default.removeItem(at: outFile) }
        let errFile = tmp.appendingPathExtension("stderr")
        _ = FileManager.default.createFile(atPath: errFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errFile) }

        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["node", script.path, tmp.path, outFile.path]
        var env = environment
        env["NODE_PATH"] = nodePath
        if env["PATH"] == nil { env["PATH"] = "/usr/local/bin:/usr/bin:/bin" }
        if let n = renderThreads { env["LESSONS_RENDER_THREADS"] = String(n) } else { env["LESSONS_RENDER_THREADS"] = nil }
        env["HLJS_HIDE_UPGRADE_WARNING"] = "1"
        p.environment = env
        p.standardOutput = FileHandle.nullDevice
        p.standardError = try FileHandle(forWritingTo: errFile)
        do { try p.run() } catch {
            throw RenderError(description: "cannot start node (\(error)); install Debian packages nodejs, katex and node-highlight.js")
        }
        p.waitUntilExit()
        if p.terminationStatus == 127 {
            throw RenderError(description: "node not found; install Debian package nodejs (with katex and node-highlight.js)")
        }
        guard p.terminationStatus == 0 else {
            let err = (try? String(contentsOf: errFile, encoding: .utf8)) ?? ""
            throw RenderError(description: "node exited with status \(p.terminationStatus) while rendering math and code"
                + " (are Debian packages katex and node-highlight.js installed?)\n" + err.suffix(2000))
        }
        let frames = Self.readFrames([UInt8]((try? Data(contentsOf: outFile)) ?? Data()))
        guard frames.count == requests.count else {
            throw RenderError(description: "node returned \(frames.count) results for \(requests.count) requests")
        }
        return frames.map { $0.ok ? .html($0.payload) : .error($0.payload) }
    }

    /// Parses "H<len>\n<payload>" / "E<len>\n<payload>" frames.
    static func readFrames(_ b: [UInt8]) -> [(ok: Bool, payload: String)] {
        var frames: [(Bool, String)] = []
        var i = 0
        while i < b.count {
            let ok = b[i] == UInt8(ascii: "H")
            i += 1
            var len = 0
            while i < b.count, b[i] != 10 { len = len * 10 + Int(b[i] - 48); i += 1 }
            i += 1
            let end = min(b.count, i + len)
            frames.append((ok, String(decoding: b[i..<end], as: UTF8.self)))
            i = end
        }
        return frames
    }

    // MARK: cache file: a header line, then per entry "<keyLen> <valueLen> <H|E>\n" key value.

    /// Problems with the cache file (damaged, unreadable), to be shown once as warnings; the
    /// damaged file is ignored and its entries are rendered again.
    public private(set) var warnings: [String] = []

    /// The file is the header line, a line `sha256 <hex of the rest>`, then the entries; a file
    /// whose checksum or any field is wrong is dropped whole (it is only a cache).
    private func loadCache() {
        guard let file = cacheFile, let data = try? Data(contentsOf: file) else { return }
        let b = [UInt8](data)
        let head = Array(header.utf8)
        guard b.count >= head.count, Array(b[0..<head.count]) == head else { return }  // another version: not damage
        func damaged(_ why: String) {
            warnings.append("the render cache is damaged (\(why)); it is ignored and rebuilt")
            cache = [:]
        }
        let sumLine = head.count + 7 + 64
        guard b.count > sumLine, Array(b[head.count..<(head.count + 7)]) == Array("sha256 ".utf8), b[sumLine] == 10 else {
            return damaged("no checksum line")
        }
        let body = Array(b[(sumLine + 1)...])
        guard String(decoding: b[(head.count + 7)..<sumLine], as: UTF8.self) == SHA256.hex(body) else { return damaged("checksum mismatch") }
        cacheBytes = body
        var i = 0
        func number() -> Int? {
            var n = 0, digits = 0
            while i < body.count, body[i] >= 48, body[i] <= 57, digits < 12 { n = n * 10 + Int(body[i] - 48); i += 1; digits += 1 }
            return digits > 0 ? n : nil
        }
        while i < body.count {
            guard let kl = number(), i < body.count, body[i] == 32 else { return damaged("bad entry header") }
            i += 1
            guard let vl = number(), i + 2 < body.count, body[i] == 32, body[i + 1] == UInt8(ascii: "H") || body[i + 1] == UInt8(ascii: "E"),
                  body[i + 2] == 10 else { return damaged("bad entry header") }
            let ok = body[i + 1] == UInt8(ascii: "H")
            i += 3
            guard kl <= body.count - i, vl <= body.count - i - kl else { return damaged("entry longer than the file") }
            let key = String(decoding: body[i..<(i + kl)], as: UTF8.self)
            cache[key] = .stored(ok: ok, range: (i + kl)..<(i + kl + vl))
            i += kl + vl
        }
    }

    /// Writes the cache back. With `collectGarbage` (every page was rendered this build) only
    /// the entries this build used are kept, so the cache does not grow forever; otherwise the
    /// entries of pages that were reused unrendered must stay.
    public func saveCache(collectGarbage: Bool) {
        guard let file = cacheFile, cacheLoaded else { return }
        let stale = collectGarbage && cache.keys.contains { !used.contains($0) }
        guard dirty || stale else { return }
        if !collectGarbage { used.formUnion(cache.keys) }
        var out: [UInt8] = []
        for key in used.sorted() {
            switch cache[key] {
            case .ready(let o)?:
                let (tag, value): (String, String)
                switch o { case .html(let h): (tag, value) = ("H", h); case .error(let e): (tag, value) = ("E", e) }
                out += Array("\(key.utf8.count) \(value.utf8.count) \(tag)\n".utf8)
                out += Array(key.utf8); out += Array(value.utf8)
            case .stored(let ok, let range)?:
                out += Array("\(key.utf8.count) \(range.count) \(ok ? "H" : "E")\n".utf8)
                out += Array(key.utf8); out += cacheBytes[range]
            case nil: continue
            }
        }
        try? FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        // write beside it and rename: a crash never leaves a torn cache (and no fsync cost)
        let tmp = file.appendingPathExtension("tmp-\(getpid())")
        do {
            let whole = Array(header.utf8) + Array("sha256 \(SHA256.hex(out))\n".utf8) + out
            try whole.withUnsafeBytes { try SiteWriter.writeFile(tmp.path, $0) }
            if rename(tmp.path, file.path) != 0 { try? FileManager.default.removeItem(at: tmp) }
        } catch { try? FileManager.default.removeItem(at: tmp) }
    }
}
