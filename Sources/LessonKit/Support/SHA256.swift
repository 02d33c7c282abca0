import CCrypto

// SHA-256 for content hashes in the manifest and cache keys, from OpenSSL's libcrypto (Debian
// libssl-dev) through a system-library target, as cmark and OpenBLAS are used: a well-kept,
// fast implementation with no build cost, instead of one of our own.
public struct SHA256 {
    /// OpenSSL's digest context (EVP, the interface OpenSSL 3 keeps), freed with the value.
    private final class Context {
        let ctx: OpaquePointer
        init() {
            ctx = EVP_MD_CTX_new()!
            EVP_DigestInit_ex(ctx, EVP_sha256(), nil)
        }
        deinit { EVP_MD_CTX_free(ctx) }
    }
    private let context = Context()

    public init() {}

    public mutating func update<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
        let ctx = context.ctx
        let done = bytes.withContiguousStorageIfAvailable { p in EVP_DigestUpdate(ctx, p.baseAddress, p.count) }
        if done == nil {
            let array = Array(bytes)
            array.withUnsafeBufferPointer { p in _ = EVP_DigestUpdate(ctx, p.baseAddress, p.count) }
        }
    }
    public mutating func update(_ string: String) {
        var s = string
        let ctx = context.ctx
        s.withUTF8 { p in _ = EVP_DigestUpdate(ctx, p.baseAddress, p.count) }
    }

    public mutating func finalize() -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context.ctx, &digest, &length)
        return digest
    }

    public mutating func finalizeHex() -> String { Self.hexString(finalize()) }

    public static func hex<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var s = SHA256(); s.update(bytes)
        return s.finalizeHex()
    }
    public static func hex(_ string: String) -> String { var s = SHA256(); s.update(string); return s.finalizeHex() }

    private static let digits = Array("0123456789abcdef".utf8)
    static func hexString(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }
}
