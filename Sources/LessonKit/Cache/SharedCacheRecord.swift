// What the shared cache holds. `cas/<sha256>` is a blob named by the SHA-256 of its bytes (a
// lesson's results file as ResultCache writes it, or a model checkpoint); a blob whose bytes do
// not hash to its name (damaged, or still being uploaded by a server that does not rename on
// completion) is never used. `ac/<sha256>` is a small record named by the hash of what it
// describes (a lesson's result key, a lesson's model list, a course's run times), pointing at
// blobs by digest. Records carry their own checksum line, so a truncated one reads as absent.
//
// Bazel's `ac/` entries are ActionResult protobufs; ours are this JSON. nginx and object stores
// do not look inside; bazel-remote does unless started with `--disable_http_ac_validation`.

import Foundation

struct SharedCacheRecord: Codable, Equatable {
    struct Blob: Codable, Equatable {
        var sha256: String
        var size: Int
    }
    struct Input: Codable, Equatable {
        var path: String
        var sha256: String
    }
    struct Model: Codable, Equatable {
        var name: String
        var sha256: String
        var size: Int
    }
    enum Kind: String, Codable { case results, models, runTimes = "run-times" }

    var kind: Kind
    /// The lesson (results, models) or the lessons folder (run times).
    var subject: String
    /// results: the lesson's results file.
    var blob: Blob?
    /// results: the data files it read, by content (size and time differ between machines).
    var inputs: [Input]?
    /// models: the checkpoints the lesson wrote in the model cache.
    var models: [Model]?
    /// run-times: seconds per lesson.
    var seconds: [String: Double]?

    static let header = "lessons-shared-1"

    func encoded() -> Data {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        let body = (try? enc.encode(self)) ?? Data()
        return Data("\(Self.header) \(sha256Hex(body))\n".utf8) + body
    }

    /// nil for anything that is not a whole record of this version.
    static func decode(_ data: Data) -> SharedCacheRecord? {
        guard let nl = data.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        let head = String(decoding: data[data.startIndex..<nl], as: UTF8.self).split(separator: " ")
        guard head.count == 2, head[0] == header, isDigest(head[1]) else { return nil }
        let body = Data(data[(nl + 1)...])
        guard sha256Hex(body) == head[1], let r = try? JSONDecoder().decode(SharedCacheRecord.self, from: body) else { return nil }
        if let b = r.blob, !isDigest(b.sha256) || b.size < 0 { return nil }
        if let ms = r.models, ms.contains(where: { !isDigest($0.sha256) || !isModelName($0.name) || $0.size < 0 }) { return nil }
        if let ins = r.inputs, ins.contains(where: { !isDigest($0.sha256) && $0.sha256 != "missing" }) { return nil }
        return r
    }

    static func isDigest(_ s: some StringProtocol) -> Bool {
        s.utf8.count == 64 && s.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// A model file name as LessonRuntime's ModelCache makes them: [A-Za-z0-9._-], no leading dot.
    /// Anything else (a `/`, `..`) is damage and never becomes a path.
    static func isModelName(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.count <= 200 && !s.hasPrefix(".") && s.utf8.allSatisfy {
            (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) || $0 == 45 || $0 == 46 || $0 == 95
        }
    }
}

func sha256Hex(_ data: Data) -> String {
    var h = SHA256()
    h.update(data)
    return h.finalizeHex()
}

func sha256Hex(_ s: String) -> String {
    var h = SHA256()
    h.update(s)
    return h.finalizeHex()
}
