import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Builds the site in a temporary folder beside the output folder and swaps it in at the
/// end, so a failed or interrupted build never leaves a half-written `Output/`.
final class SiteWriter {
    let output: URL
    let staging: URL
    private let fm = FileManager.default

    init(outputDirectory: URL) throws {
        // an output that is a symlink is written through to its target (the link stays)
        output = outputDirectory.resolvingSymlinksInPath()
        let parent = output.deletingLastPathComponent()
        staging = parent.appendingPathComponent(".\(output.lastPathComponent).building-\(getpid())")
        try? fm.removeItem(at: staging)
        Self.removeLeftovers(of: output)
        try fm.createDirectory(at: staging, withIntermediateDirectories: true)
    }

    /// Folders left by builds that were killed midway (their process is gone).
    private static func removeLeftovers(of output: URL) {
        let parent = output.deletingLastPathComponent()
        let prefixes = [".\(output.lastPathComponent).building-", ".\(output.lastPathComponent).old-"]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: parent.path)) ?? [] {
            guard let prefix = prefixes.first(where: { name.hasPrefix($0) }),
                  let pid = Int32(name.dropFirst(prefix.count)), pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH {
                try? FileManager.default.removeItem(at: parent.appendingPathComponent(name))
            }
        }
    }

    /// Writes a file of the site; returns the SHA-256 of its bytes (recorded for pages).
    @discardableResult
    func write(_ text: String, to relative: String) throws -> String {
        let url = staging.appendingPathComponent(relative)
        try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        var text = text
        try text.withUTF8 { try Self.writeFile(url.path, UnsafeRawBufferPointer($0)) }
        return SHA256.hex(text.utf8)
    }

    /// Plain open/write/close. Foundation's `Data.write` fsyncs every file, which costs more
    /// than the whole build on a busy disk; durability comes from the final swap instead.
    static func writeFile(_ path: String, _ bytes: UnsafeRawBufferPointer) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw RenderError(description: "cannot write \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw RenderError(description: "cannot write \(path): \(String(cString: strerror(errno)))")
            }
            offset += n
        }
    }

    /// Takes an unchanged page over from the previous site. A copy, not a hard link: with a
    /// link, anything that wrote into the old file (a cell writing into Output/) would be
    /// published while the manifest says the page is current.
    /// (The reuse plan only offers pages whose bytes still hash as the manifest recorded.)
    @discardableResult
    func reuse(_ old: URL, as relative: String) throws -> String {
        let url = staging.appendingPathComponent(relative)
        try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let data = try Data(contentsOf: old)
        try data.withUnsafeBytes { try Self.writeFile(url.path, $0) }
        return SHA256.hex([UInt8](data))
    }

    /// Copies a file, following symlinks (Debian's KaTeX fonts are symlinks).
    func copy(_ source: URL, to relative: String) throws {
        let url = staging.appendingPathComponent(relative)
        if fm.fileExists(atPath: url.path) { return }
        try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let data = try Data(contentsOf: source.resolvingSymlinksInPath())
        try data.withUnsafeBytes { try Self.writeFile(url.path, $0) }
    }

    /// A lesson's local image, at the same relative path (paths leaving the folder are skipped).
    func copyImage(_ path: String, from lessons: URL) throws {
        guard !path.split(separator: "/").contains("..") else { return }
        let src = lessons.appendingPathComponent(path)
        if fm.fileExists(atPath: src.path) { try copy(src, to: path) }
    }

    /// KaTeX's stylesheet and fonts, from the KaTeX package that rendered the pages.
    func copyKaTeXAssets(from katex: URL) throws {
        let dist = katex.appendingPathComponent("dist")
        try copy(dist.appendingPathComponent("katex.min.css"), to: "assets/katex/katex.min.css")
        let fonts = dist.appendingPathComponent("fonts").resolvingSymlinksInPath()
        for name in try fm.contentsOfDirectory(atPath: fonts.path).sorted() {
            try copy(fonts.appendingPathComponent(name), to: "assets/katex/fonts/\(name)")
        }
    }

    /// Swaps the staging folder in: an atomic exchange where the kernel has it, else two renames.
    func commit() throws {
        if !fm.fileExists(atPath: output.path) {
            try fm.moveItem(at: staging, to: output)
            return
        }
        if Self.exchange(staging.path, output.path) {
            try? fm.removeItem(at: staging) // now holds the previous site
            return
        }
        let old = output.deletingLastPathComponent().appendingPathComponent(".\(output.lastPathComponent).old-\(getpid())")
        try? fm.removeItem(at: old)
        try fm.moveItem(at: output, to: old)
        try fm.moveItem(at: staging, to: output)
        try? fm.removeItem(at: old)
    }

    /// renameat2(RENAME_EXCHANGE) swaps two paths in one step; glibc has it, Swift's Glibc
    /// module does not import it, so it is looked up at run time.
    private static func exchange(_ a: String, _ b: String) -> Bool {
        #if os(Linux)
        typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32
        guard let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "renameat2") else { return false }
        let f = unsafeBitCast(sym, to: RenameAt2.self)
        let atFDCWD: Int32 = -100, renameExchange: UInt32 = 2
        return f(atFDCWD, a, atFDCWD, b, renameExchange) == 0
        #else
        return false
        #endif
    }

    func abandon() { try? fm.removeItem(at: staging) }
}

/// `Output/manifest.json`: the inputs each page was built from, so a later check can tell
/// whether the committed site is stale. Keys sorted, no timestamps: same inputs, same bytes.
public struct Manifest: Codable, Equatable, Sendable {
    public struct Page: Codable, Equatable, Sendable {
        public var page: String
        public var source: String
        public var sourceSHA256: String
        /// Hash of the cell results the page shows ("" when it has none).
        public var resultsSHA256: String
        /// Hash of everything the page's bytes depend on (tool, theme, source, results, navigation).
        public var inputsSHA256: String
        public var previous: String?
        public var next: String?
        /// Problems found while rendering the page (its cells; the front page's formulas), replayed
        /// when an unchanged page is reused.
        public var failingCells: Int?
        public var cellDiagnostics: [Diagnostic]?
        /// Hash of the page's bytes as written, so a page changed since (by hand, or by a cell
        /// writing into the site) is rendered again instead of being taken over.
        public var pageSHA256: String?

        public init(page: String, source: String, sourceSHA256: String, resultsSHA256: String, inputsSHA256: String,
                    previous: String? = nil, next: String? = nil, failingCells: Int? = nil, cellDiagnostics: [Diagnostic]? = nil,
                    pageSHA256: String? = nil) {
            self.pageSHA256 = pageSHA256
            self.page = page; self.source = source; self.sourceSHA256 = sourceSHA256; self.resultsSHA256 = resultsSHA256
            self.inputsSHA256 = inputsSHA256; self.previous = previous; self.next = next
            self.failingCells = failingCells; self.cellDiagnostics = cellDiagnostics
        }
    }
    public var generator: String
    public var katex: String
    public var highlight: String
    public var themeSHA256: String
    public var index: Page?
    public var pages: [Page]

    func json() throws -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: try enc.encode(self), as: UTF8.self) + "\n"
    }

    public static func load(from outputDirectory: URL) throws -> Manifest {
        try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: outputDirectory.appendingPathComponent("manifest.json")))
    }
}
