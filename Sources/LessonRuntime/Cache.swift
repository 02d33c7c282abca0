// Sharing expensive results (trained models) between cells, lessons and builds.

import Foundation

/// Returns the value stored under `key`, or computes it with `make`, stores it and returns it.
/// Use a key that names the whole configuration, e.g. `cached("vae-784-400-2-e5-seed1") { ... }`:
/// two lessons using the same key train once. The store lives in the runner's cache directory
/// (named by the runner in the program's arguments), keyed also by the engine build, so rebuilding
/// the engine retrains. Without that variable (a program run by hand) `make` always runs.
public func cached<T: Codable>(_ key: String, _ make: () throws -> T) rethrows -> T {
    guard let dir = ModelCache.directory else { return try make() }
    let path = dir + "/" + ModelCache.fileName(key) + ".json"
    return try ModelCache.locked(path) {
        if let data = FileManager.default.contents(atPath: path),
           let v = try? JSONDecoder().decode(T.self, from: data) {
            return v
        }
        let v = try make()
        if let data = try? JSONEncoder().encode(v) { ModelCache.writeAtomically(data, to: path) }
        return v
    }
}

/// File flavour for checkpoints: `create` writes the file at the path it is given (e.g. with the
/// engine's checkpoint writer); the function returns the path of the stored file, which exists.
///
///     let path = try cachedFile("vae-2d-e5") { try train(...).save(to: $0) }
///     let model = try VAE(contentsOf: path)
public func cachedFile(_ key: String, _ create: (String) throws -> Void) rethrows -> String {
    let dir = ModelCache.directory ?? NSTemporaryDirectory()
    let path = dir + "/" + ModelCache.fileName(key) + ".file"
    return try ModelCache.locked(path) {
        if ModelCache.directory != nil, FileManager.default.fileExists(atPath: path) { return path }
        let tmp = path + ".tmp-\(getpid())"
        try create(tmp)
        rename(tmp, path)
        return path
    }
}

/// Declares that the lesson reads a data file, so its results are recomputed when the file
/// changes. Returns `path`, so it can wrap the argument: `load(recordInput("data/x.csv"))`.
@discardableResult
public func recordInput(_ path: String) -> String {
    _LessonRuntime.send(.input(path: path))
    return path
}

enum ModelCache {
    static let directory: String? = {
        guard let d = _LessonRuntime.modelCacheDirectory else { return nil }
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }()

    /// Keys become file names; anything outside [A-Za-z0-9._-] is replaced and a hash keeps them distinct.
    static func fileName(_ key: String) -> String {
        let safe = String(key.unicodeScalars.map { c -> Character in
            (c.properties.isAlphabetic && c.isASCII) || ("0"..."9").contains(c) || c == "-" || c == "_" || c == "." ? Character(c) : "_"
        })
        if safe == key && !key.hasPrefix(".") { return key }
        var h: UInt64 = 0xcbf29ce484222325  // FNV-1a
        for b in key.utf8 { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        return safe.prefix(80) + "-" + String(h, radix: 16)
    }

    /// Holds an exclusive lock on `path.lock` so two lessons running in parallel compute once.
    static func locked<T>(_ path: String, _ body: () throws -> T) rethrows -> T {
        let fd = open(path + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        if fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) != 0 {
            // Another lesson is computing it. Waiting for it is not this cell's own time, so the
            // cell's time limit is paused meanwhile.
            var paused = itimerval()
            var zero = itimerval()
            setitimer(__itimer_which_t(ITIMER_REAL.rawValue), &zero, &paused)
            flock(fd, LOCK_EX)
            setitimer(__itimer_which_t(ITIMER_REAL.rawValue), &paused, nil)
        }
        defer { if fd >= 0 { flock(fd, LOCK_UN); close(fd) } }
        return try body()
    }

    static func writeAtomically(_ data: Data, to path: String) {
        let tmp = path + ".tmp-\(getpid())"
        if FileManager.default.createFile(atPath: tmp, contents: data) { rename(tmp, path) }
    }
}
