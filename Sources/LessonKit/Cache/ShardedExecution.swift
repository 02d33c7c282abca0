// The build's shard mode and `--require-cached`, as one helper the builder calls around its
// transforms: the transforms themselves do not know about shards.
//
//   --shard I/N: the transforms up to ExecuteCells run on the whole course, ExecuteCells on this
//                shard's lessons only (their results land in the caches); no site is written.
//   --require-cached: after ExecuteCells, every lesson the executor refused is named in one error.
//   a whole build: records each lesson's run time (locally, and in the shared cache), which the
//                next shard jobs balance by.

import Foundation

/// What a shard build did.
public struct ShardReport: Sendable {
    public var spec: ShardSpec
    /// This shard's lessons, by file.
    public var lessons: [String]
    /// Lessons with cells in the whole course.
    public var lessonsWithCells: Int
    public var run: Int
    public var cached: Int
    /// Where the run times the assignment balanced came from.
    public var timesSource: String
    public var failingCells = 0

    func summary(errors: Int, warnings: Int, sharedCache: String?) -> String {
        var s = "shard \(spec): \(lessons.count) of \(lessonsWithCells) lessons with cells"
        if !lessons.isEmpty { s += " (\(lessons.joined(separator: ", ")))" }
        s += ", \(run) run, \(cached) from cache; balanced by run times from \(timesSource)"
        if failingCells > 0 { s += "; \(failingCells) failing cell\(failingCells == 1 ? "" : "s")" }
        if let sharedCache { s += "; " + sharedCache }
        s += "; \(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")"
        return s
    }
}

public struct RequireCachedError: Error, CustomStringConvertible {
    public let lessons: [String]
    public let store: String?
    public var description: String {
        let n = lessons.count
        let whereLooked = store.map { ".lessons-cache/ nor the shared cache \($0)" } ?? ".lessons-cache/ (and no --cache-url was given)"
        return "--require-cached: \(n) lesson\(n == 1 ? "" : "s") would have to run: \(lessons.joined(separator: ", ")). "
            + "Their results for these cells and this build of lessons are in neither \(whereLooked). "
            + "Run their shards first (lessons build --shard I/N, with the same --cache-url and the same build), or build without --require-cached."
    }
}

struct ShardedExecution {
    let builder: SiteBuilder
    let shared: SharedCacheExecutor?
    /// This shard's lessons (nil: not a shard build).
    let mine: Set<String>?
    let items: [ShardAssignment.Item]
    let timesSource: String
    let lessonsFolder: String

    init(builder: SiteBuilder, course: Course) throws {
        self.builder = builder
        shared = builder.executor as? SharedCacheExecutor
        lessonsFolder = builder.lessonsDirectory.lastPathComponent
        items = ShardAssignment.items(of: course.lessons)
        // Lessons that share a model fetch each other's model lists before running.
        if let shared {
            var groups: [String: [String]] = [:]
            let sorted = items.sorted { $0.file < $1.file }
            for g in ShardAssignment.groups(sorted) {
                let files = g.map { sorted[$0].file }
                for f in files { groups[f] = files }
            }
            shared.modelGroups = groups
        }
        guard let spec = builder.shard else { mine = nil; timesSource = ""; return }
        let recorded = shared?.recordedRunTimes(lessonsFolder: lessonsFolder, localCache: builder.cacheDirectory)
            ?? RunTimes.fromLocal(builder.cacheDirectory)
        timesSource = recorded.source
        let shards = ShardAssignment.assign(items, times: recorded.times, count: spec.count)
        mine = Set(shards[spec.index - 1])
    }

    func apply(_ transform: CourseTransform, _ course: Course, _ context: BuildContext) throws -> Course {
        guard transform is ExecuteCells else { return try transform.apply(course, context) }
        var out = course
        if let mine {
            var part = course
            part.lessons = course.lessons.filter { mine.contains($0.file) }
            let ran = try transform.apply(part, context)
            let byFile = Dictionary(uniqueKeysWithValues: ran.lessons.map { ($0.file, $0) })
            out.lessons = course.lessons.map { byFile[$0.file] ?? $0 }
        } else {
            out = try transform.apply(course, context)
        }
        if let shared, !shared.stats.refused.isEmpty {
            throw RequireCachedError(lessons: shared.stats.refused.sorted(), store: shared.store?.displayName)
        }
        return out
    }

    /// A shard build's report (it writes no site), or nil for a whole build after recording its run times.
    func finish(_ course: Course, start: Date, phases: [(String, Double)]) throws -> BuildReport? {
        guard let mine, let spec = builder.shard else {
            guard let shared else { return nil }
            let measured = shared.measuredSeconds
            let old = RunTimes.loadLocal(builder.cacheDirectory)
            let now = old.merging(measured) { _, new in new }
            if now != old { RunTimes.storeLocal(now, builder.cacheDirectory) }
            if shared.store != nil, !measured.isEmpty {
                let remote = shared.recordedRunTimes(lessonsFolder: lessonsFolder, localCache: nil).times
                let merged = remote.merging(measured) { _, new in new }
                if merged != remote { shared.storeRunTimes(merged, lessonsFolder: lessonsFolder) }
            }
            return nil
        }
        var report = BuildReport()
        report.lessonsFound = course.lessons.count
        report.outputDirectory = SiteBuilder.displayPath(builder.outputDirectory)
        for lesson in course.lessons where mine.contains(lesson.file) {
            report.diagnostics += lesson.diagnostics
            for r in lesson.results.values.sorted(by: { $0.cellIndex < $1.cellIndex }) {
                report.diagnostics += r.diagnostics.filter { !lesson.diagnostics.contains($0) }
                if r.status != .ok { report.failingCells += 1 }
            }
        }
        let stats = (shared?.inner ?? builder.executor as? SwiftCellExecutor)?.stats
        var shard = ShardReport(spec: spec, lessons: mine.sorted(), lessonsWithCells: items.count,
                                run: stats?.lessonsRun ?? 0, cached: stats?.lessonsCached ?? 0, timesSource: timesSource)
        shard.failingCells = report.failingCells
        report.shard = shard
        report.sharedCache = shared?.summary
        report.course = course
        report.phases = phases
        report.seconds = Date().timeIntervalSince(start)
        return report
    }
}

extension CourseCheck {
    /// `lessons check --shard I/N`: the shard's cells and expects only (links, formulas and the
    /// committed site are the assembling check's job); the JUnit report lists the shard's lessons,
    /// each with its cells and one case for its other problems, not a page case that was never checked.
    public static func runShard(_ builder: SiteBuilder) throws -> Report {
        let report = try builder.build()
        let mine = Set(report.shard?.lessons ?? [])
        let lessons = (report.course?.lessons ?? []).filter { mine.contains($0.file) }
        var seen = Set<String>()
        let diagnostics = report.diagnostics.filter { seen.insert($0.description).inserted }
        return Report(diagnostics: diagnostics, lessons: lessons, seconds: report.seconds, summary: "check " + report.summary, shard: true)
    }
}
