// Which lessons a shard runs (`lessons build --shard I/N`). Every shard job computes the whole
// assignment itself and keeps its own part, so the function must give every job the same answer
// from the same inputs: it is pure, sorts everything it iterates, and breaks every tie by name.

import Foundation

/// `--shard I/N`: the I-th of N shards, counted from 1 (as CI matrices count).
public struct ShardSpec: Equatable, Sendable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    public init(index: Int, count: Int) throws {
        guard count >= 1, count <= 1000 else { throw ShardSpecError("the shard count must be between 1 and 1000, got \(count)") }
        guard index >= 1, index <= count else { throw ShardSpecError("shard \(index)/\(count): the shard number must be between 1 and \(count)") }
        self.index = index
        self.count = count
    }

    /// Parses `I/N`, e.g. `2/4`.
    public static func parse(_ text: String) throws -> ShardSpec {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else {
            throw ShardSpecError("'\(text)' is not a shard: write I/N, e.g. --shard 1/2 for the first of two")
        }
        return try ShardSpec(index: i, count: n)
    }

    public var description: String { "\(index)/\(count)" }
}

public struct ShardSpecError: Error, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}

public enum ShardAssignment {
    /// One lesson that has cells to run.
    public struct Item: Equatable, Sendable {
        public var file: String
        /// The lesson file's size, the cost estimate when no run time was recorded.
        public var bytes: Int
        /// What it shares with other lessons (see `modelTokens`): equal tokens, same shard.
        public var models: Set<String>
        public init(file: String, bytes: Int, models: Set<String> = []) { self.file = file; self.bytes = bytes; self.models = models }
    }

    /// Splits `items` into `count` shards (returned in shard order, each sorted by file name).
    ///
    /// Lessons that share a model token are one unit, so a model is trained by one shard and
    /// loaded from the model cache by its other lessons, exactly as on one machine (a model
    /// trained on another runner need not give the same bytes). Units are placed largest first,
    /// each on the least loaded shard (ties: the lower shard): the greedy LPT rule, within 4/3 of
    /// the best split and good in practice. A unit's cost is the sum of its lessons' last
    /// recorded run times; a lesson without one is estimated from its size at the course's
    /// recorded seconds per byte, or, with no times at all, costs its size.
    public static func assign(_ items: [Item], times: [String: Double], count: Int) -> [[String]] {
        precondition(count >= 1)
        let items = items.sorted { $0.file < $1.file }
        let known = items.filter { (times[$0.file] ?? -1) >= 0 }
        let knownSeconds = known.reduce(0.0) { $0 + times[$1.file]! }
        let knownBytes = known.reduce(0) { $0 + max(1, $1.bytes) }
        func cost(_ item: Item) -> Double {
            if let t = times[item.file], t >= 0, t.isFinite { return t }
            return knownSeconds > 0 ? Double(max(1, item.bytes)) * knownSeconds / Double(knownBytes) : Double(max(1, item.bytes))
        }
        let groups = groups(items)
        let units = groups.map { g in (files: g, cost: g.reduce(0.0) { $0 + cost(items[$1]) }) }
            .sorted { $0.cost != $1.cost ? $0.cost > $1.cost : items[$0.files[0]].file < items[$1.files[0]].file }
        var load = [Double](repeating: 0, count: count)
        var shards = [[String]](repeating: [], count: count)
        for unit in units {
            let target = load.indices.min { load[$0] != load[$1] ? load[$0] < load[$1] : $0 < $1 }!
            load[target] += unit.cost
            shards[target] += unit.files.map { items[$0].file }
        }
        return shards.map { $0.sorted() }
    }

    /// Indices of `items` (sorted by file) joined by shared tokens, each group sorted, groups
    /// in the order of their first lesson.
    static func groups(_ items: [Item]) -> [[Int]] {
        var parent = Array(items.indices)
        func root(_ i: Int) -> Int { var i = i; while parent[i] != i { parent[i] = parent[parent[i]]; i = parent[i] }; return i }
        var owner: [String: Int] = [:]
        for (i, item) in items.enumerated() {
            for token in item.models.sorted() {
                if let j = owner[token] { let a = root(i), b = root(j); if a != b { parent[max(a, b)] = min(a, b) } }
                else { owner[token] = i }
            }
        }
        var byRoot: [Int: [Int]] = [:]
        for i in items.indices { byRoot[root(i), default: []].append(i) }
        return byRoot.values.map { $0.sorted() }.sorted { $0[0] < $1[0] }
    }

    /// What a lesson's cells share with other lessons through the model cache: the literal keys
    /// of `cached("...")` and `cachedFile("...")` (up to the first interpolation, so
    /// `"vae-\(d)"` and `"vae-\(e)"` count as one), and every call of a course model helper,
    /// `course` followed by a capital (`courseVAE(latent: 2)`, `courseHVAE(...)`): by the
    /// helper's name, since different arguments spelled differently can still name one model.
    /// A helper's own `func` declaration is not a use.
    public static func modelTokens(in cells: [Cell]) -> Set<String> {
        var tokens = Set<String>()
        for cell in cells where cell.runs {
            let code = cell.code as NSString
            let range = NSRange(location: 0, length: code.length)
            for m in keyPattern.matches(in: cell.code, range: range) {
                let key = code.substring(with: m.range(at: 1))
                if !key.isEmpty { tokens.insert("key:" + key) }
            }
            for m in helperPattern.matches(in: cell.code, range: range) where m.range(at: 1).location == NSNotFound {
                tokens.insert("call:" + code.substring(with: m.range(at: 2)))
            }
        }
        return tokens
    }

    /// Whether the cells may write to the model cache at all (any `cached(`, `cachedFile(` or
    /// course helper call, literal key or not).
    public static func mayWriteModels(_ cells: [Cell]) -> Bool {
        cells.contains { c in
            c.runs && (c.code.contains("cached(") || c.code.contains("cachedFile(")
                || helperPattern.firstMatch(in: c.code, range: NSRange(location: 0, length: (c.code as NSString).length)) != nil)
        }
    }

    private static let keyPattern = try! NSRegularExpression(pattern: #"(?<![A-Za-z0-9_])cached(?:File)?\s*\(\s*"([^"\\]*)"#)
    private static let helperPattern = try! NSRegularExpression(pattern: #"(?<![A-Za-z0-9_.])(func\s+)?(course[A-Z][A-Za-z0-9_]*)\s*\("#)

    /// The items of a course: its lessons that have cells to run and no parse errors.
    public static func items(of lessons: [Lesson]) -> [Item] {
        lessons.filter { !$0.hasErrors && $0.cells.contains { $0.runs } }.map {
            Item(file: $0.file, bytes: $0.source.utf8.count, models: modelTokens(in: $0.cells))
        }
    }
}

/// Each lesson's last recorded run time (wall seconds, compile included), by lesson file.
/// Kept in `.lessons-cache/shards/run-times.json` and, with a shared cache, there too.
public enum RunTimes {
    static func localURL(_ cache: URL) -> URL { cache.appendingPathComponent("shards").appendingPathComponent("run-times.json") }

    public static func loadLocal(_ cache: URL?) -> [String: Double] {
        guard let cache, let data = FileManager.default.contents(atPath: localURL(cache).path) else { return [:] }
        return decode(data) ?? [:]
    }

    /// The local record and how a shard summary names it.
    static func fromLocal(_ cache: URL?) -> (times: [String: Double], source: String) {
        let t = loadLocal(cache)
        return (t, t.isEmpty ? "none recorded in .lessons-cache/ yet: by file size" : ".lessons-cache/")
    }

    static func decode(_ data: Data) -> [String: Double]? {
        guard let t = try? JSONDecoder().decode([String: Double].self, from: data) else { return nil }
        return t.filter { $0.value.isFinite && $0.value >= 0 }
    }

    static func encode(_ times: [String: Double]) -> Data {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        return (try? enc.encode(times)) ?? Data("{}".utf8)
    }

    static func storeLocal(_ times: [String: Double], _ cache: URL?) {
        guard let cache else { return }
        let url = localURL(cache)
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? encode(times).write(to: url, options: .atomic)
    }
}
