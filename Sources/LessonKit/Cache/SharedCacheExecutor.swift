// The shared cache as a second level around the cell runner: a decorator, so the runner and its
// local cache (`.lessons-cache/results/`, the first level) stay as they are.
//
//   execute(lesson) ─▶ local hit?  ─yes─▶ runner (serves it) ─▶ publish it if the shared cache lacks it
//                    └no─▶ ac/<key> ─▶ cas/<results blob> (hash checked, inputs checked by content)
//                          ─▶ written into the local cache ─▶ runner (serves it)
//                    └miss─▶ --require-cached? refuse (SiteBuilder names every refused lesson)
//                          ─▶ fetch the models of the lesson's model group ─▶ runner runs it
//                          ─▶ PUT cas/ blobs first, then ac/ (a record never points at a missing blob)
//
// The shared key is the runner's own key (build, lesson path, cells' code and options, limits)
// plus the content of the data files every lesson reads. Faults never fail a build: the first
// transport error or timeout is one warning and the shared cache is off for the rest of the
// build (the lessons run here); a damaged record or blob is ignored and made again.

import Foundation

public final class SharedCacheExecutor: CellExecutor, @unchecked Sendable {
    public let inner: SwiftCellExecutor
    /// nil: only the local cache (`--require-cached` or `--shard` without `--cache-url`).
    public let store: BlobStore?
    /// Refuse to run anything: a lesson not cached locally or in the store is refused.
    public let requireCached: Bool
    /// For each lesson, the lessons it shares a model with (itself included): their model
    /// lists are fetched before it runs. Set by the build before the cells run.
    public var modelGroups: [String: [String]] = [:]

    public struct Stats: Sendable, Equatable {
        public var fetched = 0          // lessons served from the shared cache
        public var stored = 0           // lessons whose results were put into it
        public var modelsFetched = 0
        public var modelsStored = 0
        public var ranLocally = 0       // lessons run here while the shared cache was unreachable
        public var unreachable: String? // why the shared cache was turned off, if it was
        public var refused: [String] = []
    }

    private let lock = NSLock()
    private var _stats = Stats()
    private var down: String?
    private var dataHash: String?
    private var prints: FileFingerprints
    private let warnSink: (String) -> Void
    private var _seconds: [String: Double] = [:]

    public init(inner: SwiftCellExecutor, store: BlobStore?, requireCached: Bool, warn: ((String) -> Void)? = nil) {
        self.inner = inner
        self.store = store
        self.requireCached = requireCached
        prints = FileFingerprints(storeURL: inner.options.cacheDirectory.appendingPathComponent("shared-fingerprints.json"))
        let progress = inner.progress
        warnSink = warn ?? { m in
            if let p = progress { p.warning(m) } else { FileHandle.standardError.write(Data((m + "\n").utf8)) }
        }
    }

    public var stats: Stats { lock.withLock { _stats } }

    /// The wall time of each lesson of this build when it last ran (here, or where its results
    /// were made), by file: what the next shard assignment balances by. Unknown ones are absent.
    public var measuredSeconds: [String: Double] { lock.withLock { _seconds } }

    /// One line for the build's summary, e.g. `shared cache http://…: 2 fetched, 1 stored`.
    public var summary: String? {
        guard let store else { return nil }
        let s = stats
        var line = "shared cache \(store.displayName): \(s.fetched) fetched, \(s.stored) stored"
        if s.modelsFetched + s.modelsStored > 0 { line += ", \(s.modelsFetched) models fetched, \(s.modelsStored) stored" }
        if let why = s.unreachable { line += "; unreachable (\(why)): \(s.ranLocally) lesson\(s.ranLocally == 1 ? "" : "s") ran here only (results in .lessons-cache/, not shared)" }
        return line
    }

    // MARK: CellExecutor

    public func execute(file: String, cells: [Cell]) throws -> [Int: CellResult] {
        let runnable = cells.filter { $0.runs }
        guard !runnable.isEmpty else { return [:] }
        let key = inner.cacheKey(file: file, cells: runnable)
        let useCache = inner.options.useCache
        if useCache && localHit(key: key, cells: runnable) {
            let results = try inner.execute(file: file, cells: cells)
            noteSeconds(file, readSeconds(key))
            // A warm local cache still publishes what the shared one lacks (one HEAD per lesson).
            let shared = sharedKey(key)
            if attempt("looking up \(file)", { try $0.exists("ac/" + shared) }) == false {
                publish(file: file, key: key, shared: shared, models: [])
            }
            return results
        }
        if useCache, let s = available(), fetch(s, file: file, key: key, cells: runnable) {
            lock.withLock { _stats.fetched += 1 }
            noteSeconds(file, readSeconds(key))
            return try inner.execute(file: file, cells: cells)
        }
        if requireCached {
            lock.withLock { _stats.refused.append(file) }
            throw NotCached(file: file)
        }
        if let s = available() { fetchModels(s, for: modelGroups[file] ?? [file]) }
        let before = modelSnapshot()
        let start = Date()
        let results = try inner.execute(file: file, cells: cells)
        let seconds = Date().timeIntervalSince(start)
        writeSeconds(key, seconds)
        noteSeconds(file, seconds)
        // New or changed model files; with other lessons running at once (here or in another
        // shard process on this machine) some may be theirs, so a lesson that calls no model
        // cache at all claims none, and one that does may list a few extra (harmless: the list
        // only says what to fetch before running its group).
        let made = ShardAssignment.mayWriteModels(runnable) ? modelSnapshot().filter { before[$0.key] != $0.value }.keys.sorted() : []
        if store != nil && !publish(file: file, key: key, shared: sharedKey(key), models: made) {
            lock.withLock { _stats.ranLocally += 1 }
        }
        return results
    }

    /// What `--require-cached` says about one lesson (SiteBuilder collects them into one error).
    public struct NotCached: Error, CustomStringConvertible {
        public let file: String
        public var description: String { "\(file) is not cached (--require-cached runs nothing)" }
    }

    // MARK: keys

    /// The runner's key plus the content of the data files every lesson reads: the runner
    /// checks those by size and time, which differ between machines.
    func sharedKey(_ local: String) -> String {
        sha256Hex("lessons-shared-results-1\n\(local)\n\(dataInputsHash())")
    }

    func dataInputsHash() -> String {
        lock.withLock {
            if let h = dataHash { return h }
            let h = sha256Hex(inner.options.dataInputs.sorted().map { "\($0) \(prints.hash($0))" }.joined(separator: "\n"))
            prints.save()
            dataHash = h
            return h
        }
    }

    func contentHash(_ path: String) -> String {
        let full = path.hasPrefix("/") ? path : inner.options.root.appendingPathComponent(path).path
        return lock.withLock { prints.hash(full) }
    }

    static func modelsKey(build: String, file: String) -> String { sha256Hex("lessons-shared-models-1\n\(build)\n\(file)") }
    static func runTimesKey(_ lessonsFolder: String) -> String { sha256Hex("lessons-shared-run-times-1\n\(lessonsFolder)") }

    // MARK: the store, with the fault rule

    /// The store, unless there is none or it failed earlier in this build.
    func available() -> BlobStore? { lock.withLock { down == nil ? store : nil } }

    /// Runs `body` against the store; a transport error or refusal turns the store off for the
    /// rest of the build, with one warning that says what happens instead.
    func attempt<T>(_ what: String, _ body: (BlobStore) throws -> T) -> T? {
        guard let s = available() else { return nil }
        do { return try body(s) } catch {
            let first = lock.withLock { () -> Bool in
                guard down == nil else { return false }
                down = "\(error)"
                _stats.unreachable = "\(error)"
                return true
            }
            if first {
                warnSink("warning: shared cache \(s.displayName) failed while \(what): \(error); the build goes on without it (lessons run here, results stay in .lessons-cache/)")
            }
            return nil
        }
    }

    // MARK: run times of single lessons

    /// A lesson's wall time is kept beside its local results, by the same key
    /// (`.lessons-cache/shards/seconds/<key>`), and travels in its shared record.
    func secondsURL(_ key: String) -> URL {
        inner.options.cacheDirectory.appendingPathComponent("shards").appendingPathComponent("seconds").appendingPathComponent(key)
    }
    func readSeconds(_ key: String) -> Double? {
        (try? String(contentsOf: secondsURL(key), encoding: .utf8)).flatMap { Double($0) }.flatMap { $0.isFinite && $0 >= 0 ? $0 : nil }
    }
    func writeSeconds(_ key: String, _ seconds: Double) {
        let url = secondsURL(key)
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? String(format: "%.3f", seconds).write(to: url, atomically: true, encoding: .utf8)
    }
    func noteSeconds(_ file: String, _ seconds: Double?) {
        guard let seconds else { return }
        lock.withLock { _seconds[file] = seconds }
    }

    // MARK: results

    func localURL(_ key: String) -> URL { ResultCache.url(inner.resultsDirectory, key) }

    func localHit(key: String, cells: [Cell]) -> Bool {
        ResultCache.load(directory: inner.resultsDirectory, key: key, root: inner.options.root, cells: cells, warn: warnSink) != nil
    }

    /// Fetches the lesson's results into the local cache; true if they are there now.
    func fetch(_ s: BlobStore, file: String, key: String, cells: [Cell]) -> Bool {
        let shared = sharedKey(key)
        guard let recordData = attempt("reading the results of \(file)", { try $0.get("ac/" + shared) }) ?? nil else { return false }
        guard let record = SharedCacheRecord.decode(recordData), record.kind == .results, record.subject == file, let blob = record.blob else {
            warnSink("warning: shared cache record ac/\(shared) for \(file) is damaged; it is ignored and made again")
            return false
        }
        guard let data = attempt("reading the results of \(file)", { try $0.get("cas/" + blob.sha256) }) ?? nil else { return false }
        guard data.count == blob.size, sha256Hex(data) == blob.sha256, var entry = try? ResultCache.decode(data) else {
            warnSink("warning: shared cache blob cas/\(blob.sha256) (results of \(file)) does not match its hash; it is ignored and made again")
            return false
        }
        // The data it read must be the same here, by content; then stamped as the runner stamps.
        for input in record.inputs ?? [] where contentHash(input.path) != input.sha256 { return false }
        entry.inputs = entry.inputs.map { InputStamp(path: $0.path, root: inner.options.root) }
        guard let local = ResultCache.encode(entry) else { return false }
        try? FileManager.default.createDirectory(at: inner.resultsDirectory, withIntermediateDirectories: true)
        guard (try? local.write(to: localURL(key), options: .atomic)) != nil else { return false }
        if let t = record.seconds?[file], t.isFinite, t >= 0 { writeSeconds(key, t) }
        return localHit(key: key, cells: cells)
    }

    /// Puts the lesson's results (as the runner stored them locally) and the models it made.
    /// Blobs first, the record last: a reader that finds the record finds its blobs.
    /// True if the results are in the shared cache now (or were deliberately not cached at all).
    @discardableResult
    func publish(file: String, key: String, shared: String, models: [String]) -> Bool {
        guard available() != nil else { return false }
        if !models.isEmpty { publishModels(file: file, names: models) }
        // No local entry: the runner did not cache it (a cell hit its time limit); nor do we.
        guard let data = FileManager.default.contents(atPath: localURL(key).path), let entry = try? ResultCache.decode(data) else { return true }
        let digest = sha256Hex(data)
        let record = SharedCacheRecord(kind: .results, subject: file, blob: .init(sha256: digest, size: data.count),
                                       inputs: entry.inputs.map { .init(path: $0.path, sha256: contentHash($0.path)) },
                                       seconds: readSeconds(key).map { [file: $0] })
        let ok = attempt("storing the results of \(file)") { s -> Bool in
            try s.put("cas/" + digest, data)
            try s.put("ac/" + shared, record.encoded())
            return true
        }
        if ok == true { lock.withLock { _stats.stored += 1 } }
        return ok == true
    }

    // MARK: models

    var modelDirectory: URL {
        inner.options.cacheDirectory.appendingPathComponent("models").appendingPathComponent(String(inner.buildID.prefix(16)))
    }

    /// Finished model files by name (size and time); locks and half-written temporaries left out.
    func modelSnapshot() -> [String: String] {
        let fm = FileManager.default
        var out: [String: String] = [:]
        for name in (try? fm.contentsOfDirectory(atPath: modelDirectory.path)) ?? []
        where SharedCacheRecord.isModelName(name) && !name.hasSuffix(".lock") && !name.contains(".tmp-") {
            if let st = FileFingerprints.stat(modelDirectory.appendingPathComponent(name).path) { out[name] = "\(st.size) \(st.mtime)" }
        }
        return out
    }

    /// Stores the models a lesson wrote and adds them to its list (`ac/` keyed by build and lesson).
    func publishModels(file: String, names: [String]) {
        let listKey = Self.modelsKey(build: inner.buildID, file: file)
        var entries: [SharedCacheRecord.Model] = []
        for name in names {
            guard let data = FileManager.default.contents(atPath: modelDirectory.appendingPathComponent(name).path) else { continue }
            let digest = sha256Hex(data)
            let stored = attempt("storing model \(name)") { s -> Bool in
                if try !s.exists("cas/" + digest) { try s.put("cas/" + digest, data); return true }
                return false
            }
            guard let fresh = stored else { return }
            if fresh { lock.withLock { _stats.modelsStored += 1 } }
            entries.append(.init(name: name, sha256: digest, size: data.count))
        }
        _ = attempt("storing the model list of \(file)") { s -> Bool in
            let old = (try s.get("ac/" + listKey)).flatMap(SharedCacheRecord.decode)?.models ?? []
            let merged = Dictionary(old.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
                .merging(entries.map { ($0.name, $0) }, uniquingKeysWith: { _, new in new })
            let record = SharedCacheRecord(kind: .models, subject: file, models: merged.values.sorted { $0.name < $1.name })
            try s.put("ac/" + listKey, record.encoded())
            return true
        }
    }

    /// Fetches the models listed by `files` that are not here yet, each checked against its digest.
    func fetchModels(_ s: BlobStore, for files: [String]) {
        let fm = FileManager.default
        for file in files.sorted() {
            let listKey = Self.modelsKey(build: inner.buildID, file: file)
            guard let data = attempt("reading the model list of \(file)", { try $0.get("ac/" + listKey) }) ?? nil,
                  let record = SharedCacheRecord.decode(data), record.kind == .models else { continue }
            for model in record.models ?? [] {
                let target = modelDirectory.appendingPathComponent(model.name)
                if fm.fileExists(atPath: target.path) { continue }
                guard let blob = attempt("reading model \(model.name)", { try $0.get("cas/" + model.sha256) }) ?? nil else { continue }
                guard blob.count == model.size, sha256Hex(blob) == model.sha256 else {
                    warnSink("warning: shared cache blob cas/\(model.sha256) (model \(model.name)) does not match its hash; it is ignored and the model is trained here")
                    continue
                }
                try? fm.createDirectory(at: modelDirectory, withIntermediateDirectories: true)
                let tmp = modelDirectory.appendingPathComponent(model.name + ".tmp-shared-\(getpid())")
                if (try? blob.write(to: tmp)) != nil, rename(tmp.path, target.path) == 0 {
                    lock.withLock { _stats.modelsFetched += 1 }
                } else {
                    try? fm.removeItem(at: tmp)
                }
            }
        }
    }

    // MARK: run times

    /// The run times a shard assignment is computed from. With a store, only the store's record,
    /// so that every shard job, whatever its local cache holds, computes the same assignment;
    /// without one (or if it does not answer), the local record.
    public func recordedRunTimes(lessonsFolder: String, localCache: URL?) -> (times: [String: Double], source: String) {
        if let s = available(), let data = attempt("reading the run times", { try $0.get("ac/" + Self.runTimesKey(lessonsFolder)) }) {
            if let d = data, let r = SharedCacheRecord.decode(d), r.kind == .runTimes, let t = r.seconds { return (t, "the shared cache") }
            if available() != nil { return ([:], "none recorded in \(s.displayName) yet: by file size") }
        }
        return RunTimes.fromLocal(localCache)
    }

    /// Records the course's run times (after a whole build, never a shard: shards read them).
    public func storeRunTimes(_ times: [String: Double], lessonsFolder: String) {
        let record = SharedCacheRecord(kind: .runTimes, subject: lessonsFolder, seconds: times)
        _ = attempt("storing the run times") { try $0.put("ac/" + Self.runTimesKey(lessonsFolder), record.encoded()) }
    }
}
