import CZlib
import Glibc

/// A model whose parameters have names (what a checkpoint stores).
public protocol Checkpointable: Module {
    var namedParameters: [(String, Tensor)] { get }
}
extension VAE: Checkpointable {}
extension HierarchicalVAE: Checkpointable {}
extension Autoencoder: Checkpointable {}

/// Errors reading or writing checkpoints.
public enum CheckpointError: Error, CustomStringConvertible {
    case io(path: String, reason: String)
    case notACheckpoint(path: String)
    case unsupportedVersion(path: String, version: UInt32)
    case truncated(path: String)
    case checksumMismatch(path: String)
    case mismatch(path: String, reason: String)

    public var description: String {
        switch self {
        case let .io(p, r): return "\(p): \(r)"
        case let .notACheckpoint(p): return "\(p): not a VAE checkpoint (bad magic bytes)"
        case let .unsupportedVersion(p, v): return "\(p): checkpoint format version \(v), this engine reads version \(Checkpoint.formatVersion)"
        case let .truncated(p): return "\(p): checkpoint is truncated"
        case let .checksumMismatch(p): return "\(p): checkpoint checksum does not match (file corrupt)"
        case let .mismatch(p, r): return "\(p): checkpoint does not fit this model: \(r)"
        }
    }
}

/// Saves and loads parameters in a small binary format:
///
///     "VAECKPT\0" | version u32 | note (u32 length + UTF-8) | count u32 |
///     per tensor: name (u32 + UTF-8), rank u32, dims u32…, Float32 data | CRC-32 u32
///
/// all little-endian. The CRC covers every byte before it, so a truncated or altered file is
/// an error, never garbage weights. Files are written to a temporary name, then renamed.
public enum Checkpoint {
    public static let formatVersion: UInt32 = 1
    static let magic: [UInt8] = Array("VAECKPT".utf8) + [0]

    /// Writes `model`'s parameters to `path`, with an optional free-text `note` (e.g. the configuration).
    public static func save(_ model: some Checkpointable, to path: String, note: String = "") throws {
        var out = magic
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func str(_ s: String) { let b = Array(s.utf8); u32(UInt32(b.count)); out.append(contentsOf: b) }
        u32(formatVersion)
        str(note)
        let params = model.namedParameters
        u32(UInt32(params.count))
        for (name, t) in params {
            str(name)
            u32(UInt32(t.shape.count))
            for d in t.shape { u32(UInt32(d)) }
            for v in t.scalars { u32(v.bitPattern) }
        }
        u32(crc(out))
        let tmp = path + ".tmp-\(getpid())"
        guard let f = fopen(tmp, "wb") else { throw CheckpointError.io(path: path, reason: "cannot write (\(String(cString: strerror(errno))))") }
        let written = out.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
        fclose(f)
        guard written == out.count, rename(tmp, path) == 0 else {
            unlink(tmp)
            throw CheckpointError.io(path: path, reason: "write failed")
        }
    }

    /// Reads parameters from `path` into `model` (names and shapes must match). Returns the note.
    @discardableResult
    public static func load(into model: some Checkpointable, from path: String) throws -> String {
        guard let f = fopen(path, "rb") else { throw CheckpointError.io(path: path, reason: "cannot open (\(String(cString: strerror(errno))))") }
        var data: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let r = buf.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
            if r == 0 { break }
            data.append(contentsOf: buf[0..<r])
        }
        fclose(f)
        guard data.count >= magic.count, Array(data[0..<magic.count]) == magic else { throw CheckpointError.notACheckpoint(path: path) }
        var pos = magic.count
        func u32() throws -> UInt32 {
            guard pos + 4 <= data.count else { throw CheckpointError.truncated(path: path) }
            let v = data[pos..<pos + 4].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            pos += 4
            return v
        }
        func str() throws -> String {
            let n = Int(try u32())
            guard pos + n <= data.count else { throw CheckpointError.truncated(path: path) }
            defer { pos += n }
            return String(decoding: data[pos..<pos + n], as: UTF8.self)
        }
        let version = try u32()
        guard version == formatVersion else { throw CheckpointError.unsupportedVersion(path: path, version: version) }
        guard data.count >= magic.count + 8 else { throw CheckpointError.truncated(path: path) }
        let body = Array(data[0..<data.count - 4])
        let stored = data[data.count - 4..<data.count].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        let note = try str()
        let count = Int(try u32())
        let params = model.namedParameters
        // Validate the whole file before touching the model.
        var loaded: [[Float]] = []
        for _ in 0..<count {
            let name = try str()
            let rank = Int(try u32())
            guard rank <= 8 else { throw CheckpointError.checksumMismatch(path: path) }
            var shape: [Int] = []
            for _ in 0..<rank { shape.append(Int(try u32())) }
            let n = shape.reduce(1, *)
            guard pos + 4 * n <= data.count - 4 else { throw crc(body) == stored ? CheckpointError.truncated(path: path) : CheckpointError.checksumMismatch(path: path) }
            var v = [Float](repeating: 0, count: n)
            for i in 0..<n { v[i] = Float(bitPattern: try u32()) }
            let k = loaded.count
            guard k < params.count, params[k].0 == name, params[k].1.shape == shape else {
                let want = k < params.count ? "\(params[k].0) \(params[k].1.shape)" : "nothing"
                throw CheckpointError.mismatch(path: path, reason: "tensor \(k) is \(name) \(shape), model has \(want)")
            }
            loaded.append(v)
        }
        guard pos == data.count - 4 else { throw CheckpointError.truncated(path: path) }
        guard crc(body) == stored else { throw CheckpointError.checksumMismatch(path: path) }
        guard loaded.count == params.count else {
            throw CheckpointError.mismatch(path: path, reason: "\(loaded.count) tensors, model has \(params.count)")
        }
        for (k, (_, t)) in params.enumerated() { t.scalars = loaded[k] }
        return note
    }

    static func crc(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, UInt32($0.count))) }
    }
}
