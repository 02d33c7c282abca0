// The cell runner: one Swift program per lesson, compiled against the package's dynamic
// libraries, run with time and output limits, results cached by content.
//
//   cells ─▶ ProgramGenerator (main.swift, #sourceLocation per cell)
//         ─▶ swiftc -O -gline-tables-only (-I Modules, -lLessonRuntime -lVAE, rpath)
//         ─▶ run in the project root, contained (Subprocess: a guardian's session, limits from
//            here), with ProgramArguments (event pipe, run folder, thread budget) and
//            SWIFT_BACKTRACE=...json
//         ─▶ Collector (exit status + typed events + cell-N.out/.err + crash JSON) ─▶ [Int: CellResult]
//   a compile error: the first cell whose prefix does not type-check is the broken one; the
//   cells before it are compiled alone and run (compileAndRun, firstBrokenCell).
//   compile-fail cells: ProgramGenerator.compileFailProbe + swiftc -typecheck, one per cell.
//   ResultCache: .lessons-cache/results/<key>.json, key = cells' code and run options, lesson
//   path, build identity (libraries, modules, swiftc --version), limits; data files declared
//   with recordInput and the engine's data sets (Options.dataInputs) are checked on load.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

public final class SwiftCellExecutor: CellExecutor, @unchecked Sendable {
    public struct Options: Sendable {
        /// Project root: lesson paths (`Lessons/x.md`) are relative to it; programs run in it.
        public var root: URL
        /// Where results, build fingerprints, trained models and scratch work go.
        public var cacheDirectory: URL
        public var useCache = true
        /// Lessons compiled and run at once (`--jobs`).
        public var jobs = max(1, ProcessInfo.processInfo.activeProcessorCount)
        /// Cores each lesson program may use, handed to it as an argument and by the generated
        /// program to the engine (`threadBudgetCall`); nil: the engine's own default. Explicit,
        /// so `--jobs` does not change how a model trains behind the user's back.
        public var threadsPerLesson: Int? = nil
        /// Where lesson programs read Fashion-MNIST (FASHION_MNIST_DIR); nil: Debian's folder.
        public var dataDirectory: URL? = nil
        public var cellTimeout: Double = 180  // generous: a cell may train a model on a busy CI machine
        public var lessonTimeout: Double = 900
        /// Bytes of printed text kept per cell; more is cut with a visible notice.
        public var outputLimit = 256 * 1024
        /// Build products directory (`.build/release`; the CLI fills it from LESSONS_PRODUCTS_DIR);
        /// nil: beside the executable.
        public var productsDirectory: URL? = nil
        /// The compiler (the CLI fills it from LESSONS_SWIFTC); nil: `swiftc` on `environment`'s PATH.
        public var swiftc: URL? = nil
        /// Keep the generated program and run directory of each lesson (for debugging the
        /// runner; the CLI fills it from LESSONS_KEEP_WORK).
        public var keepWork = false
        /// The environment children start from (the CLI passes its own); the runner adds its
        /// variables to it. The library reads no environment itself.
        public var environment: [String: String] = [:]
        /// Processes a lesson may have running at once (a fork bomb stops here, with a message).
        /// The course's lessons run one each (measured: peak 1, should-trap copies included).
        public var maxProcesses = 64
        /// Where each lesson gets a pids cgroup enforcing `maxProcesses` in the kernel, when the
        /// machine allows it (root and the cgroup v1 `pids` hierarchy); nil: never. Elsewhere
        /// the runner's sampled count enforces the limit.
        public var processCgroupParent: URL? = URL(fileURLWithPath: "/sys/fs/cgroup/pids")
        /// Resident memory of a lesson's processes together. The course's lessons peak at 307 MB
        /// (lesson 2, measured by the runner's sampling); 4 GB leaves room for bigger models.
        public var maxMemoryBytes = 4 << 30
        /// Largest file a lesson program may write (a runaway print loop must not fill the
        /// disk); nil: 8 times the output limit, at least 512 MB.
        public var fileSizeLimit: Int? = nil
        /// Data files the lessons read without declaring them (the engine's data sets), stamped
        /// (size, modification time) with every lesson's results: a change, or a missing file
        /// that appears, re-runs the lesson instead of serving a stale failure. The CLI passes
        /// the Fashion-MNIST files of $FASHION_MNIST_DIR; the default is Debian's folder.
        public var dataInputs: [String] = SwiftCellExecutor.fashionMNISTFiles(directory: "/usr/share/datasets/fashion-mnist")
        var effectiveFileSizeLimit: Int { fileSizeLimit ?? max(512 << 20, outputLimit * 8) }

        public init(root: URL, cacheDirectory: URL? = nil) {
            self.root = root
            self.cacheDirectory = cacheDirectory ?? root.appendingPathComponent(".lessons-cache")
        }
    }

    /// The four files of Fashion-MNIST in `directory` (as the engine's `FashionMNIST.load` reads them).
    public static func fashionMNISTFiles(directory: String) -> [String] {
        ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
            .map { directory + "/" + $0 }
    }

    /// What happened to each lesson, for summaries and benchmarks.
    public struct Stats: Sendable {
        public var lessonsRun = 0
        public var lessonsCached = 0
        public var cellsRun = 0
    }

    public let options: Options
    public let products: BuildProducts
    public let toolchain: Toolchain
    /// Fingerprint of the build lesson programs run against (libraries, modules, compiler).
    public let buildID: String
    public var progress: ExecutionProgress?
    private let lock = NSLock()
    private var _stats = Stats()
    private var warned = false
    /// Cache damage is reported once a build (the first case); every damaged entry is rebuilt.
    func warnOnce(_ message: String) {
        let first = lock.withLock { () -> Bool in defer { warned = true }; return !warned }
        guard first else { return }
        if let p = progress { p.warning(message) } else { FileHandle.standardError.write(Data((message + "\n").utf8)) }
    }
    public var stats: Stats { lock.withLock { _stats } }
    static let formatVersion = "lessons-cells-2"  // 2: typed protocol, runs before a compile error

    public init(options: Options, progress: ExecutionProgress? = nil) throws {
        self.options = options
        self.progress = progress
        products = try BuildProducts.locate(explicit: options.productsDirectory)
        toolchain = try Toolchain.locate(explicit: options.swiftc, environment: options.environment)
        var prints = FileFingerprints(storeURL: options.cacheDirectory.appendingPathComponent("fingerprints.json"))
        var id = SHA256()
        id.update(SwiftCellExecutor.formatVersion)
        for f in products.fingerprintFiles {
            id.update("\n\(f.lastPathComponent) ")
            id.update(Self.hashPath(f, &prints))
        }
        id.update("\n" + Self.compilerVersion(toolchain, &prints))
        prints.save()
        buildID = Self.withRunnerSignature(id.finalizeHex(), products: products)
        Self.pruneModelStores(options.cacheDirectory.appendingPathComponent("models"), current: String(buildID.prefix(16)))
        Self.removeAbandonedWork(options.cacheDirectory.appendingPathComponent("work"))
        if let p = options.processCgroupParent { ProcessCgroup.removeAbandoned(in: p) }
    }

    /// Work folders end in the pid of the `lessons` that made them; one whose `lessons` is gone
    /// (killed with SIGKILL while compiling) is removed by the next run.
    static func removeAbandonedWork(_ dir: URL) { AbandonedFiles.remove(in: dir, pidOf: AbandonedFiles.pidAtEnd) }

    /// The build identity extended by how this `lessons` turns cells into a program and
    /// compiles it: a sample program from the generator, the compiler arguments and the C
    /// module maps they name. A `lessons` whose generator or compile set-up differs does not
    /// reuse results cached by another (they could differ, or be a set-up failure since fixed).
    static func withRunnerSignature(_ build: String, products: BuildProducts) -> String {
        var h = SHA256()
        h.update(build)
        var trap = CellOptions(), fail = CellOptions()
        trap.shouldTrap = true; fail.compileFail = true
        let sample = [Cell(index: 0, language: "swift", options: CellOptions(), code: "let a = 1", fenceLine: 3),
                      Cell(index: 1, language: "swift", options: trap, code: "_ = a", fenceLine: 7),
                      Cell(index: 2, language: "swift", options: fail, code: "a = 2", fenceLine: 11)]
        h.update(ProgramGenerator.main(file: "l.md", cells: sample, modules: products.modules, defaultTimeout: 1).source)
        h.update(ProgramGenerator.compileFailProbe(file: "l.md", cells: sample, target: sample[2], modules: products.modules).source)
        let placeholder = URL(fileURLWithPath: "/p")
        h.update(compileArguments(products: products, source: placeholder, output: placeholder, typecheckOnly: false).joined(separator: "\u{0}"))
        for m in products.moduleMaps { h.update((try? String(contentsOf: m, encoding: .utf8)) ?? "missing \(m.path)") }
        return h.finalizeHex()
    }

    /// Trained models are stored per engine build; keep the stores of the last three builds
    /// (switching between debug and release builds keeps both) and delete older ones.
    static func pruneModelStores(_ dir: URL, current: String) {
        let fm = FileManager.default
        let mine = dir.appendingPathComponent(current)
        try? fm.createDirectory(at: mine, withIntermediateDirectories: true)
        try? fm.setAttributes([.modificationDate: Date()], ofItemAtPath: mine.path)
        let stores = ((try? fm.contentsOfDirectory(atPath: dir.path)) ?? []).map { dir.appendingPathComponent($0) }
        let byAge = stores.sorted {
            let a = (try? fm.attributesOfItem(atPath: $0.path)[.modificationDate] as? Date) ?? .distantPast
            let b = (try? fm.attributesOfItem(atPath: $1.path)[.modificationDate] as? Date) ?? .distantPast
            return a > b
        }
        for old in byAge.dropFirst(3) where old.lastPathComponent != current { try? fm.removeItem(at: old) }
    }

    /// A `.swiftmodule` may be a directory (one file per architecture); hash what is inside.
    static func hashPath(_ url: URL, _ prints: inout FileFingerprints) -> String {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) else { return "missing" }
        if !isDir.boolValue { return prints.hash(url.path) }
        let files = (FileManager.default.enumerator(atPath: url.path)?.allObjects as? [String] ?? []).sorted()
        return files.map { prints.hash(url.appendingPathComponent($0).path) }.joined(separator: ",")
    }

    /// `swiftc --version`, memoized by the compiler binary's size and mtime.
    static func compilerVersion(_ t: Toolchain, _ prints: inout FileFingerprints) -> String {
        let key = "swiftc-version:" + t.swiftc.path
        if let st = FileFingerprints.stat(t.swiftc.path), let e = prints.entries[key], e.size == st.size, e.mtime == st.mtime {
            return e.hash
        }
        let out = (try? Subprocess.run(t.swiftc, ["--version"], environment: t.environment, timeout: 60))?.stderr ?? "unknown"
        if let st = FileFingerprints.stat(t.swiftc.path) {
            prints.entries[key] = .init(size: st.size, mtime: st.mtime, hash: out)
            prints.dirty = true
        }
        return out
    }

    // MARK: CellExecutor

    public func execute(file: String, cells: [Cell]) throws -> [Int: CellResult] {
        let runnable = cells.filter { $0.runs }
        guard !runnable.isEmpty else { return [:] }
        let key = cacheKey(file: file, cells: runnable)
        if options.useCache, let hit = ResultCache.load(directory: resultsDirectory, key: key, root: options.root, cells: runnable, warn: warnOnce) {
            lock.withLock { _stats.lessonsCached += 1 }
            let results = Self.withMarkdownColumns(hit, cells: runnable)
            progress?.lessonFinished(file: file, cached: true, results: results, seconds: 0)
            return results
        }
        progress?.lessonStarted(file: file)
        let start = Date()
        let (raw, declared) = try run(file: file, cells: cells, key: key)
        // One place for all of a lesson's diagnostics (compiler, traps, expects, the runner's):
        // control characters out, so a message cannot drive the terminal it is printed on.
        let results = raw.mapValues { r -> CellResult in
            var r = r
            r.diagnostics = r.diagnostics.map(Sanitize.diagnostic)
            return r
        }
        let inputs = declared + options.dataInputs.filter { p in !declared.contains { $0.path == p } }.map { InputStamp(path: $0, root: options.root) }
        let secs = Date().timeIntervalSince(start)
        lock.withLock {
            _stats.lessonsRun += 1
            _stats.cellsRun += results.values.filter { $0.status != .notRun }.count
        }
        // A time limit hit depends on how busy the machine was, not only on the cells: such
        // results are reported but not cached, so the next build tries again.
        if !results.values.contains(where: { $0.status == .timedOut }) {
            ResultCache.store(directory: resultsDirectory, file: file, key: key, results: results, inputs: inputs, root: options.root,
                              cells: runnable, warn: warnOnce)
        }
        let shown = Self.withMarkdownColumns(results, cells: runnable)
        progress?.lessonFinished(file: file, cached: false, results: shown, seconds: secs)
        return shown
    }

    /// Columns of diagnostics inside an indented fence's code, moved from the code as compiled
    /// to the .md file. Applied after the cache (which keeps code columns), so a cached result
    /// is right even if only the fence's indentation changed.
    static func withMarkdownColumns(_ results: [Int: CellResult], cells: [Cell]) -> [Int: CellResult] {
        let indented = cells.filter { !$0.strippedIndent.isEmpty }
        guard !indented.isEmpty else { return results }
        return results.mapValues { r in
            var r = r
            r.diagnostics = r.diagnostics.map { d in
                guard let c = indented.first(where: { d.line >= $0.codeLine && d.line < $0.codeLine + $0.strippedIndent.count }) else { return d }
                var d = d
                d.column = c.markdownColumn(line: d.line, column: d.column)
                return d
            }
            return r
        }
    }

    var resultsDirectory: URL { options.cacheDirectory.appendingPathComponent("results") }

    /// The key covers what decides the results: cell code and the options that change how it
    /// runs, in order; the lesson path (it appears in diagnostics); the build; the limits.
    /// Prose, line numbers, `hide` and `output=` are not in it. Data files the program declared
    /// are checked separately, on load.
    func cacheKey(file: String, cells: [Cell]) -> String {
        var h = SHA256()
        h.update("\(SwiftCellExecutor.formatVersion)\n\(buildID)\n\(file)\n\(options.outputLimit) \(options.cellTimeout) \(options.lessonTimeout)\n")
        for c in cells {
            h.update("cell \(c.options.compileFail) \(c.options.shouldTrap) \(c.options.timeout ?? -1) \(c.code.utf8.count)\n")
            h.update(c.code)
        }
        return h.finalizeHex()
    }

    // MARK: running one lesson

    func run(file: String, cells: [Cell], key: String) throws -> ([Int: CellResult], [InputStamp]) {
        let fm = FileManager.default
        let safeName = file.replacingOccurrences(of: "/", with: "_")
        let work = options.cacheDirectory.appendingPathComponent("work").appendingPathComponent("\(safeName)-\(key.prefix(12))-\(getpid())")
        try? fm.removeItem(at: work)
        let runDir = work.appendingPathComponent("run")
        let crashDir = work.appendingPathComponent("crash")
        try fm.createDirectory(at: runDir, withIntermediateDirectories: true)
        try fm.createDirectory(at: crashDir, withIntermediateDirectories: true)
        if !options.keepWork { ChildSessions.shared.removeOnInterrupt(work) }
        defer {
            if !options.keepWork { try? fm.removeItem(at: work); ChildSessions.shared.forget(work) }
        }

        let runnable = cells.filter { $0.runs }
        var results: [Int: CellResult] = [:]
        var inputs: [InputStamp] = []

        // Main program. When it does not compile, the cells before the first one with an error
        // are compiled alone and run, so the page shows their outputs (issue 12, item 6).
        let mainCells = runnable.filter { !$0.options.compileFail }
        if !mainCells.isEmpty {
            switch try compileAndRun(file: file, cells: mainCells, work: work, runDir: runDir, crashDir: crashDir, name: "lesson") {
            case .ran(let r, let i):
                results = r; inputs = i
            case .failed(let diags, let outcome):
                results = attributeCompileFailure(file: file, cells: mainCells, diagnostics: diags, outcome: outcome)
                if outcome.end != .timedOut,
                   let (k, kDiags) = try firstBrokenCell(file: file, cells: mainCells, candidates: mainCells.filter { results[$0.index]?.status == .compileError }, work: work) {
                    results = [:]
                    for c in mainCells where c.index > k.index { results[c.index] = CellResult(cellIndex: c.index, status: .notRun) }
                    // Errors go to k (it is what breaks the program, even when the compiler
                    // points at an earlier line it made ambiguous); notes to the cell they point into.
                    let owner: (Diagnostic) -> Cell = { d in
                        d.severity == .note ? (mainCells.first { Collector.lineIn($0, d.line) } ?? k) : k
                    }
                    results[k.index] = CellResult(cellIndex: k.index, status: .compileError,
                                                  diagnostics: kDiags.filter { owner($0).index == k.index })
                    let before = mainCells.filter { $0.index < k.index }
                    if !before.isEmpty {
                        let ran = try compileAndRun(file: file, cells: before, work: work, runDir: runDir, crashDir: crashDir, name: "before-\(k.index)")
                        for c in before {
                            if case .ran(let r, _) = ran { results[c.index] = r[c.index] ?? CellResult(cellIndex: c.index, status: .notRun) }
                            else { results[c.index] = CellResult(cellIndex: c.index, status: .notRun) }
                            results[c.index]?.diagnostics += kDiags.filter { owner($0).index == c.index }
                        }
                        if case .ran(_, let i) = ran { inputs = i }
                    }
                }
            }
        }

        // compile-fail cells: type-check each after the cells before it; it must not compile.
        for target in runnable where target.options.compileFail {
            results[target.index] = try probeCompileFail(file: file, cells: runnable, target: target, work: work)
        }
        return (results, inputs)
    }

    /// What a child's guardian removes if `lessons` dies: the lesson's work folder, unless kept.
    func abandonedWork(_ work: URL) -> URL? { options.keepWork ? nil : work }

    enum MainOutcome {
        case ran([Int: CellResult], [InputStamp])
        case failed([Diagnostic], ProcessOutcome)
    }

    /// Compiles `cells` into one program and runs it, contained (see Subprocess).
    func compileAndRun(file: String, cells: [Cell], work: URL, runDir: URL, crashDir: URL, name: String) throws -> MainOutcome {
        let fm = FileManager.default
        let program = ProgramGenerator.main(file: file, cells: cells, modules: products.modules, defaultTimeout: options.cellTimeout)
        // Its own folder: the file is main.swift (the crash reports and the diagnostics parser
        // know generated code by that name).
        let dir = work.appendingPathComponent(name)
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        let source = dir.appendingPathComponent("main.swift")
        try program.source.write(to: source, atomically: true, encoding: .utf8)
        let exe = dir.appendingPathComponent("lesson")
        let compile = try Subprocess.run(toolchain.swiftc, compileArguments(source: source, output: exe, typecheckOnly: false),
                                         environment: toolchain.environment, directory: options.root, cleanup: abandonedWork(work), timeout: options.lessonTimeout)
        let diags = CompilerDiagnostics.parse(compile.stderr, lessonFile: file, generatedPath: source.path, program: program, cells: cells)
        guard case .exited(0) = compile.end, fm.isExecutableFile(atPath: exe.path) else { return .failed(diags, compile) }
        for f in (try? fm.contentsOfDirectory(at: runDir, includingPropertiesForKeys: nil)) ?? [] { try? fm.removeItem(at: f) }
        // Each cell's limit from its own options, not from what the program says in `begin`.
        let defaultTimeout = options.cellTimeout
        let timeouts = Dictionary(uniqueKeysWithValues: cells.map { ($0.index, $0.options.timeout ?? defaultTimeout) })
        let run = try Subprocess.runLesson(exe, environment: programEnvironment(crashDir: crashDir), directory: options.root,
                                           runDirectory: runDir, workDirectory: abandonedWork(work), threads: options.threadsPerLesson,
                                           modelCache: modelStore, dataDirectory: options.dataDirectory,
                                           cellTimeout: { cell, _ in timeouts[cell] ?? defaultTimeout }, limits: containmentLimits)
        let limits = Limits(outputBytes: options.outputLimit, cellTimeout: options.cellTimeout, lessonTimeout: options.lessonTimeout,
                            fileSizeLimit: options.effectiveFileSizeLimit)
        var results = Collector.collect(file: file, cells: cells, runDir: runDir, crashDir: crashDir, run: run, limits: limits)
        // Warnings stay with their cells; they do not fail the lesson.
        for d in diags where d.severity == .warning {
            if let c = cells.first(where: { Collector.lineIn($0, d.line) }) { results[c.index]?.diagnostics.append(d) }
        }
        return .ran(results, Collector.sort(run.events).inputs.map { InputStamp(path: $0, root: options.root) })
    }

    func compileArguments(source: URL, output: URL?, typecheckOnly: Bool) -> [String] {
        Self.compileArguments(products: products, source: source, output: output, typecheckOnly: typecheckOnly)
    }

    static func compileArguments(products: BuildProducts, source: URL, output: URL?, typecheckOnly: Bool) -> [String] {
        var a: [String] = typecheckOnly ? ["-typecheck"] : ["-O", "-gline-tables-only"]
        // The compiler's default module cache (shared across projects and builds): a private
        // one would rebuild the Glibc/Foundation clang modules, ~3 s, on every cold build.
        a += ["-module-name", "LessonProgram", "-diagnostic-style", "llvm", "-I", products.moduleDirectory.path]
        for m in products.moduleMaps { a += ["-Xcc", "-fmodule-map-file=\(m.path)"] }
        if !typecheckOnly, let o = output {
            a += ["-L", products.libraryDirectory.path]
            for l in products.linkedLibraries { a.append("-l\(l)") }
            a += ["-Xlinker", "-rpath", "-Xlinker", products.libraryDirectory.path, "-o", o.path]
        }
        a.append(source.path)
        return a
    }

    var containmentLimits: ContainmentLimits {
        ContainmentLimits(lessonTimeout: options.lessonTimeout, maxProcesses: options.maxProcesses,
                          maxMemoryBytes: options.maxMemoryBytes, fileSizeLimit: options.effectiveFileSizeLimit,
                          cgroupParent: options.processCgroupParent)
    }

    /// The lesson program's environment: exactly `options.environment` plus the model store
    /// and the backtracer's settings. The runner's own channel is not in it (program arguments
    /// and inherited descriptors, see LessonProtocol.ProgramArguments).
    /// Trained models, shared by the lessons of this engine build (passed as a program argument).
    var modelStore: URL { options.cacheDirectory.appendingPathComponent("models").appendingPathComponent(String(buildID.prefix(16))) }

    func programEnvironment(crashDir: URL) -> [String: String] {
        var env = options.environment
        env["SWIFT_BACKTRACE"] = "enable=yes,interactive=no,format=json,threads=crashed,output-to=\(crashDir.path)"
        return env
    }

}
