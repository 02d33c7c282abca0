// Results on disk, one file per lesson key. Diagnostics are stored relative to the cell
// they fall in (runnable-cell ordinal + line offset), so a prose edit that moves cells reuses
// the results and still reports them at the right Markdown lines.
//
// The cache is input like any other (issue 17, item 10): a damaged or edited file must not
// crash the build, publish a flipped byte or make the runner delete a file outside the cache.
// Each entry is `lessons-results-2 <sha256 of the rest>\n<JSON>`; every field is checked
// against the lesson's cells; keys are 64 hex digits, the only names the cache ever builds a
// path from. On any damage: one warning, the entry is ignored, the lesson runs, the entry is
// written again.

import Foundation

/// A data file a lesson declared with `recordInput`; a change invalidates the lesson's results.
struct InputStamp: Codable, Equatable {
    var path: String
    var size: UInt64
    var mtime: Double

    init(path: String, root: URL) {
        self.path = path
        let full = path.hasPrefix("/") ? path : root.appendingPathComponent(path).path
        let st = FileFingerprints.stat(full)
        size = st?.size ?? 0
        mtime = st?.mtime ?? -1
    }
}

enum ResultCache {
    struct StoredDiagnostic: Codable {
        var diagnostic: Diagnostic
        var ordinal: Int?
        var offset: Int?
    }
    struct StoredResult: Codable {
        var ordinal: Int
        var status: CellResult.Status
        var outputs: [CellOutput]
        var diagnostics: [StoredDiagnostic]
        var seconds: Double
    }
    struct Entry: Codable {
        var results: [StoredResult]
        var inputs: [InputStamp]
    }

    static let header = "lessons-results-2"

    /// A key as `SwiftCellExecutor.cacheKey` makes it: SHA-256 in lowercase hex.
    static func isKey(_ s: some StringProtocol) -> Bool {
        s.utf8.count == 64 && s.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    static func url(_ dir: URL, _ key: String) -> URL {
        precondition(isKey(key), "result cache keys are hex digests")
        return dir.appendingPathComponent(key + ".json")
    }

    /// The bytes stored for an entry: header, checksum of the JSON, the JSON.
    static func encode(_ entry: Entry) -> Data? {
        let enc = JSONEncoder()
        enc.outputFormatting = .sortedKeys
        guard let body = try? enc.encode(entry) else { return nil }
        var h = SHA256()
        h.update(body)
        return Data("\(header) \(h.finalizeHex())\n".utf8) + body
    }

    enum Damage: Error, CustomStringConvertible {
        case format(String)
        var description: String { if case .format(let s) = self { return s }; return "" }
    }

    /// Checks the header and checksum, then decodes.
    static func decode(_ data: Data) throws -> Entry {
        guard let nl = data.firstIndex(of: UInt8(ascii: "\n")) else { throw Damage.format("no header line") }
        let head = String(decoding: data[data.startIndex..<nl], as: UTF8.self).split(separator: " ")
        guard head.count == 2, head[0] == header, isKey(head[1]) else { throw Damage.format("not a results file of this version") }
        let body = data[(nl + 1)...]
        var h = SHA256()
        h.update(Data(body))
        guard h.finalizeHex() == head[1] else { throw Damage.format("checksum mismatch (the file was changed or damaged)") }
        do { return try JSONDecoder().decode(Entry.self, from: Data(body)) } catch { throw Damage.format("unreadable JSON: \(error)") }
    }

    static func store(directory: URL, file: String, key: String, results: [Int: CellResult], inputs: [InputStamp], root: URL, cells: [Cell],
                      warn: (String) -> Void = { _ in }) {
        let ordinalOf = Dictionary(uniqueKeysWithValues: cells.enumerated().map { ($0.element.index, $0.offset) })
        let stored: [StoredResult] = results.values.sorted { $0.cellIndex < $1.cellIndex }.compactMap { r in
            guard let ord = ordinalOf[r.cellIndex] else { return nil }
            let diags = r.diagnostics.map { d -> StoredDiagnostic in
                if let c = cells.first(where: { d.line >= $0.fenceLine && Collector.lineIn($0, max(d.line, $0.codeLine)) }),
                   let o = ordinalOf[c.index] {
                    return StoredDiagnostic(diagnostic: d, ordinal: o, offset: d.line - c.codeLine)
                }
                return StoredDiagnostic(diagnostic: d, ordinal: nil, offset: nil)
            }
            return StoredResult(ordinal: ord, status: r.status, outputs: r.outputs, diagnostics: diags, seconds: r.seconds)
        }
        guard let data = encode(Entry(results: stored, inputs: inputs)) else { return }
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        do {
            try data.write(to: url(directory, key), options: .atomic)
        } catch {
            warn("warning: could not write the result cache (\(error.localizedDescription)); the lesson will run again next time")
        }
        prune(directory: directory, file: file, newKey: key, warn: warn)
    }

    /// Keeps the results of a lesson's last few versions (so undoing an edit is still cached)
    /// and deletes older ones, so the cache does not grow with every edit.
    static let versionsKept = 4

    static func indexURL(_ directory: URL, _ file: String) -> URL {
        directory.appendingPathComponent("lessons").appendingPathComponent(file.replacingOccurrences(of: "/", with: "_") + ".keys")
    }

    static func prune(directory: URL, file: String, newKey: String, warn: (String) -> Void = { _ in }) {
        let index = indexURL(directory, file)
        let lines = (try? String(contentsOf: index, encoding: .utf8))?.split(separator: "\n").map(String.init) ?? []
        // Only hex keys name files: a line like `../../precious` is damage, never a path to delete.
        let old = lines.filter(isKey)
        if old.count != lines.count {
            let n = lines.count - old.count
            warn("warning: \(index.path) has \(n) line\(n == 1 ? " that is not a result key" : "s that are not result keys"); ignored, and the index was rewritten")
        }
        let keys = [newKey] + old.filter { $0 != newKey }
        for stale in keys.dropFirst(versionsKept) { try? FileManager.default.removeItem(at: url(directory, stale)) }
        try? FileManager.default.createDirectory(at: index.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? keys.prefix(versionsKept).joined(separator: "\n").write(to: index, atomically: true, encoding: .utf8)
    }

    /// The cached results for `key`, or nil when there are none, an input changed, or the entry
    /// is damaged (then `warn` says so; the caller runs the lesson and stores it again).
    static func load(directory: URL, key: String, root: URL, cells: [Cell], warn: (String) -> Void = { _ in }) -> [Int: CellResult]? {
        let file = url(directory, key)
        guard let data = FileManager.default.contents(atPath: file.path) else { return nil }
        do {
            let entry = try decode(data)
            for i in entry.inputs where InputStamp(path: i.path, root: root) != i { return nil }
            return try validated(entry, cells: cells)
        } catch {
            warn("warning: damaged result cache entry \(file.path): \(error); it is ignored and rebuilt")
            try? FileManager.default.removeItem(at: file)
            return nil
        }
    }

    /// Every field checked against the lesson's cells (positions in range, one result per cell).
    static func validated(_ entry: Entry, cells: [Cell]) throws -> [Int: CellResult] {
        var out: [Int: CellResult] = [:]
        func lines(_ c: Cell) -> Int { max(1, c.code.split(separator: "\n", omittingEmptySubsequences: false).count) }
        for s in entry.results {
            guard cells.indices.contains(s.ordinal) else { throw Damage.format("result for cell \(s.ordinal), the lesson has \(cells.count)") }
            let cell = cells[s.ordinal]
            guard out[cell.index] == nil else { throw Damage.format("two results for cell \(s.ordinal)") }
            guard s.seconds.isFinite, s.seconds >= 0 else { throw Damage.format("bad time \(s.seconds)") }
            let diags = try s.diagnostics.map { sd -> Diagnostic in
                var d = sd.diagnostic
                guard d.line >= 1, d.column >= 1 else { throw Damage.format("diagnostic at \(d.line):\(d.column)") }
                switch (sd.ordinal, sd.offset) {
                case (nil, nil): break
                case (.some(let o), .some(let off)):
                    // Offset -1 is the fence line; the last is the closing fence's line.
                    guard cells.indices.contains(o), off >= -1, off <= lines(cells[o]) else {
                        throw Damage.format("diagnostic in cell \(o) at offset \(off)")
                    }
                    d.line = cells[o].codeLine + off
                default: throw Damage.format("diagnostic with half a position")
                }
                return d
            }
            out[cell.index] = CellResult(cellIndex: cell.index, status: s.status, outputs: s.outputs, diagnostics: diags, seconds: s.seconds)
        }
        return out
    }
}
