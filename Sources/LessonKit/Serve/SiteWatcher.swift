import Foundation

/// The build generation of `lessons serve`; open pages poll it and reload when it changes.
public final class BuildGeneration: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    public init() {}
    public func bump() { lock.lock(); value += 1; lock.unlock() }
    public var current: Int { lock.lock(); defer { lock.unlock() }; return value }
}

/// What `lessons serve` polls to notice an edit.
public enum LessonsWatcher {
    /// Names, sizes and modification times of everything under the lessons folder (hidden
    /// files excepted: editors' swap files would otherwise trigger rebuilds).
    public static func snapshot(_ dir: URL) -> [String: String] {
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
