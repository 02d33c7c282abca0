// Where the modules and shared libraries that lesson programs link against live, and a
// fingerprint of them (part of every cache key: rebuilding the engine re-runs the lessons).

import Foundation

public struct ExecutionSetupError: Error, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}

/// The built package products a lesson program needs: `Modules/*.swiftmodule` and `lib*.so`.
public struct BuildProducts: Sendable {
    /// Directory with `libLessonRuntime.so` (and `libVAE.so`), e.g. `.build/release`.
    public var libraryDirectory: URL
    /// Directory with `LessonRuntime.swiftmodule` etc., e.g. `.build/release/Modules`.
    public var moduleDirectory: URL
    /// Module maps of the package's C targets (VAE imports CBLAS, CZlib and CKernels).
    public var moduleMaps: [URL]
    /// Modules found, in import order; always includes LessonRuntime (which re-exports nothing
    /// but links Figures into itself).
    public var modules: [String]

    /// The variable the CLI reads into `SwiftCellExecutor.Options.productsDirectory`.
    public static let environmentVariable = "LESSONS_PRODUCTS_DIR"

    /// Finds the products: `explicit` (the CLI passes $LESSONS_PRODUCTS_DIR), else the
    /// directory of the running executable (`.build/release/lessons` sits beside `libLessonRuntime.so`).
    public static func locate(explicit: URL? = nil) throws -> BuildProducts {
        var candidates: [URL] = []
        if let e = explicit { candidates.append(e) }
        if explicit == nil {
            let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            if let main = Bundle.main.executableURL { candidates.append(main.resolvingSymlinksInPath().deletingLastPathComponent()) }
            candidates.append(exe.deletingLastPathComponent())
        }
        for dir in candidates {
            if let p = try? BuildProducts(directory: dir) { return p }
        }
        let looked = candidates.map { $0.path }.joined(separator: ", ")
        throw ExecutionSetupError("""
            error: cannot find the lesson runtime (libLessonRuntime.so and Modules/LessonRuntime.swiftmodule); looked in: \(looked)
            note: build it with `swift build -c release` (or point \(environmentVariable) at the build directory, e.g. .build/release)
            """)
    }

    public init(directory: URL) throws {
        let fm = FileManager.default
        let dir = directory.resolvingSymlinksInPath()
        var moduleDir = dir.appendingPathComponent("Modules")
        if !fm.fileExists(atPath: moduleDir.appendingPathComponent("LessonRuntime.swiftmodule").path) {
            moduleDir = dir  // older SwiftPM layouts put modules beside the libraries
        }
        guard fm.fileExists(atPath: moduleDir.appendingPathComponent("LessonRuntime.swiftmodule").path),
              fm.fileExists(atPath: dir.appendingPathComponent("libLessonRuntime.so").path) else {
            throw ExecutionSetupError("no lesson runtime in \(dir.path)")
        }
        libraryDirectory = dir
        moduleDirectory = moduleDir
        var mods: [String] = []
        // VAE is optional so lessons still run while the engine is broken or absent.
        if fm.fileExists(atPath: moduleDir.appendingPathComponent("VAE.swiftmodule").path),
           fm.fileExists(atPath: dir.appendingPathComponent("libVAE.so").path) { mods.append("VAE") }
        mods += ["Figures", "LessonRuntime"]
        modules = mods
        moduleMaps = BuildProducts.findModuleMaps(near: dir) + BuildProducts.generatedModuleMaps(in: dir)
    }

    /// SwiftPM writes a module map for each C target it compiles (`CKernels.build/module.modulemap`).
    static func generatedModuleMaps(in dir: URL) -> [URL] {
        let fm = FileManager.default
        let names = (try? fm.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasSuffix(".build") }.sorted()
            .map { dir.appendingPathComponent($0).appendingPathComponent("module.modulemap") }
            .filter { fm.fileExists(atPath: $0.path) }
    }

    /// The package root is the first ancestor with a Package.swift; its `Sources/*/module.modulemap`
    /// are the system-library targets the engine's module may import.
    static func findModuleMaps(near dir: URL) -> [URL] {
        let fm = FileManager.default
        var d = dir
        for _ in 0..<6 {
            if fm.fileExists(atPath: d.appendingPathComponent("Package.swift").path) {
                let src = d.appendingPathComponent("Sources")
                let names = (try? fm.contentsOfDirectory(atPath: src.path)) ?? []
                return names.sorted().map { src.appendingPathComponent($0).appendingPathComponent("module.modulemap") }
                    .filter { fm.fileExists(atPath: $0.path) }
            }
            d = d.deletingLastPathComponent()
        }
        return []
    }

    /// Libraries the program links. Figures and VAE are linked into libLessonRuntime.so (the
    /// runtime's course models use the engine); linking libFigures.so or libVAE.so as well would
    /// load two copies of their types.
    var linkedLibraries: [String] { modules.filter { $0 != "Figures" && $0 != "VAE" } }

    /// Files whose content defines the build lesson programs run against.
    var fingerprintFiles: [URL] {
        linkedLibraries.map { libraryDirectory.appendingPathComponent("lib\($0).so") }
            + modules.map { moduleDirectory.appendingPathComponent("\($0).swiftmodule") }
    }
}

/// The swiftc used to compile lesson programs and its identity (`swiftc --version`).
public struct Toolchain: Sendable {
    public var swiftc: URL
    /// What the compiler runs with: PATH (the driver finds the linker through it), HOME and the
    /// cache and temporary folders (the module cache the user's other builds share lives under
    /// them), the locale; nothing else of the user's environment reaches it.
    public var environment: [String: String]
    static let compilerVariables = ["PATH", "HOME", "TMPDIR", "XDG_CACHE_HOME", "LANG", "LC_ALL"]

    /// `explicit` (the CLI passes $LESSONS_SWIFTC), else `swiftc` on `environment`'s PATH
    /// (`environment` is the one the CLI was given).
    public static func locate(explicit: URL? = nil, environment: [String: String] = [:]) throws -> Toolchain {
        var env = environment.filter { compilerVariables.contains($0.key) }
        let search = env["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        env["PATH"] = search
        if let s = explicit { return Toolchain(swiftc: s, environment: env) }
        for dir in search.split(separator: ":") {
            let p = URL(fileURLWithPath: String(dir)).appendingPathComponent("swiftc")
            // Not resolving symlinks: swiftc is a link to the driver, which picks its mode from its name.
            if FileManager.default.isExecutableFile(atPath: p.path) { return Toolchain(swiftc: p, environment: env) }
        }
        throw ExecutionSetupError("error: swiftc not found on PATH (\(search)); set LESSONS_SWIFTC to the compiler")
    }
}

/// Content hashes of build files memoized by (size, mtime), and the compiler's version.
struct FileFingerprints {
    struct Entry: Codable { var size: UInt64; var mtime: Double; var hash: String }
    let storeURL: URL
    var entries: [String: Entry]
    var dirty = false

    init(storeURL: URL) {
        self.storeURL = storeURL
        entries = (try? JSONDecoder().decode([String: Entry].self, from: Data(contentsOf: storeURL))) ?? [:]
    }

    static func stat(_ path: String) -> (size: UInt64, mtime: Double)? {
        guard let a = try? FileManager.default.attributesOfItem(atPath: path) else { return nil }
        let size = (a[.size] as? NSNumber)?.uint64Value ?? 0
        let mtime = (a[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return (size, mtime)
    }

    /// A build file's content hash, recomputed only when its size or modification time
    /// changed. Content, not mtime, so a rebuild that produces the same library (after a
    /// Package.swift edit, a branch switch and back) re-runs no lesson and retrains no model.
    mutating func hash(_ path: String) -> String {
        guard let st = FileFingerprints.stat(path) else { return "missing" }
        if let e = entries[path], e.size == st.size, e.mtime == st.mtime { return e.hash }
        guard let data = FileManager.default.contents(atPath: path) else { return "unreadable" }
        var h = SHA256()
        h.update(data)
        let hex = h.finalizeHex()
        entries[path] = Entry(size: st.size, mtime: st.mtime, hash: hex)
        dirty = true
        return hex
    }

    mutating func save() {
        guard dirty, let data = try? JSONEncoder().encode(entries) else { return }
        try? FileManager.default.createDirectory(at: storeURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? data.write(to: storeURL, options: .atomic)
        dirty = false
    }
}
