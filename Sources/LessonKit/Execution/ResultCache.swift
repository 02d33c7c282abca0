// Results on disk, one JSON file per lesson key. Diagnostics are stored relative to the cell
// they fall in (runnable-cell ordinal + line offset), so a prose edit that moves cells reuses
// the results and still reports them at the right Markdown lines.

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

    static func url(_ dir: URL, _ key: String) -> URL { dir.appendingPathComponent(key + ".json") }

    static func store(directory: URL, file: String, key: String, results: [Int: CellResult], inputs: [InputStamp], root: URL, cells: [Cell]) {
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
        guard let data = try? JSONEncoder().encode(Entry(results: stored, inputs: inputs)) else { return }
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try? data.write(to: url(directory, key), options: .atomic)
        prune(directory: directory, file: file, newKey: key)
    }

    /// Keeps the results of a lesson's last few versions (so undoing an edit is still cached)
    /// and deletes older ones, so the cache does not grow with every edit.
    static let versionsKept = 4

    static func prune(directory: URL, file: String, newKey: String) {
        let index = directory.appendingPathComponent("lessons").appendingPathComponent(file.replacingOccurrences(of: "/", with: "_") + ".keys")
        let old = (try? String(contentsOf: index, encoding: .utf8))?.split(separator: "\n").map(String.init) ?? []
        let keys = [newKey] + old.filter { $0 != newKey }
        for stale in keys.dropFirst(versionsKept) { try? FileManager.default.removeItem(at: url(directory, stale)) }
        try? FileManager.default.createDirectory(at: index.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? keys.prefix(versionsKept).joined(separator: "\n").write(to: index, atomically: true, encoding: .utf8)
    }

    static func load(directory: URL, key: String, root: URL, cells: [Cell]) -> [Int: CellResult]? {
        guard let data = FileManager.default.contents(atPath: url(directory, key).path),
              let entry = try? JSONDecoder().decode(Entry.self, from: data) else { return nil }
        for i in entry.inputs where InputStamp(path: i.path, root: root) != i { return nil }
        var out: [Int: CellResult] = [:]
        for s in entry.results {
            guard s.ordinal < cells.count else { return nil }
            let cell = cells[s.ordinal]
            let diags = s.diagnostics.map { sd -> Diagnostic in
                var d = sd.diagnostic
                if let o = sd.ordinal, let off = sd.offset, o < cells.count { d.line = cells[o].codeLine + off }
                return d
            }
            out[cell.index] = CellResult(cellIndex: cell.index, status: s.status, outputs: s.outputs, diagnostics: diags, seconds: s.seconds)
        }
        return out
    }
}
