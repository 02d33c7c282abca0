import ArgumentParser
import Foundation
import LessonKit

/// The environment, read once for the whole command (the libraries read none).
let settings = Settings.fromEnvironment(ProcessInfo.processInfo.environment)

/// Options shared by the commands that read lessons and write the site.
struct SiteOptions: ParsableArguments {
    @Option(name: .long, help: "Folder of lesson Markdown files.")
    var lessons: String = "Lessons"

    @Option(name: .long, help: "Folder the site is written to (replaced atomically; never the lessons folder or a folder above it).")
    var output: String = "Output"

    @Option(name: .long, help: "How many lessons may run their cells at once (default: the number of cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(name: .long, help: "Replace an output folder that is not empty and holds no site built by lessons.")
    var force = false

    var lessonsURL: URL { URL(fileURLWithPath: lessons) }
    var outputURL: URL { URL(fileURLWithPath: output) }

    func validate() throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: lessons, isDirectory: &isDir), isDir.boolValue else {
            throw ValidationError("lessons folder '\(lessons)' does not exist")
        }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
    }

    func builder(executor: CellExecutor = NoExecution(), output: URL? = nil) -> SiteBuilder {
        let b = SiteBuilder(lessonsDirectory: lessonsURL, outputDirectory: output ?? outputURL, executor: executor,
                            jobs: jobs, settings: settings)
        b.force = force
        return b
    }
}

/// Prints diagnostics the way editors and CI annotate them: `file:line:col: severity: message`.
func printDiagnostics(_ diagnostics: [Diagnostic]) {
    for d in diagnostics {
        FileHandle.standardError.write(Data((d.description + "\n").utf8))
    }
}

/// Sharded execution and the shared cache (`build` and `check`); the logic is in LessonKit
/// (SharedCacheExecutor, ShardedExecution).
struct DistributedOptions: ParsableArguments {
    @Option(name: .long, help: "Run the cells of shard I of N only (e.g. 1/2), storing results in the caches; write no site.")
    var shard: String?

    @Flag(name: .long, help: "Run no cell: fail, naming them, if any lesson's results are in neither .lessons-cache/ nor the shared cache.")
    var requireCached = false

    @Option(name: .long, help: "Shared cache (Bazel HTTP remote-cache layout: ac/ and cas/ under this URL; default $LESSONS_CACHE_URL). Token: $LESSONS_CACHE_TOKEN.")
    var cacheURL: String?

    @Option(name: .long, help: "Seconds to wait for the shared cache before going on without it (at least 1).")
    var cacheTimeout: Double = 10

    func validate() throws {
        if let shard { do { _ = try ShardSpec.parse(shard) } catch { throw ValidationError("--shard: \(error)") } }
        guard cacheTimeout >= 1, cacheTimeout.isFinite else { throw ValidationError("--cache-timeout must be at least 1 second") }
        if let u = effectiveURL, URL(string: u)?.host == nil {
            throw ValidationError("--cache-url '\(u)' is not a URL: write e.g. http://127.0.0.1:9090/lessons/")
        }
    }

    var shardSpec: ShardSpec? { shard.flatMap { try? ShardSpec.parse($0) } }
    var effectiveURL: String? { cacheURL ?? settings.cacheURL }

    /// The executor with the shared cache around it, when any of these options asks for it.
    func wrap(_ executor: CellExecutor, noCache: Bool) throws -> CellExecutor {
        guard shard != nil || requireCached || effectiveURL != nil else { return executor }
        if requireCached && noCache {
            FileHandle.standardError.write(Data("error: --require-cached and --no-cache contradict each other (one runs nothing, the other runs everything)\n".utf8))
            throw ExitCode(2)
        }
        guard let runner = executor as? SwiftCellExecutor else { return executor }  // --no-run: nothing runs anyway
        var store: BlobStore?
        if let u = effectiveURL, let url = URL(string: u) {
            do { store = try HTTPBlobStore(url: url, token: settings.cacheToken, timeout: cacheTimeout) } catch {
                FileHandle.standardError.write(Data("error: --cache-url: \(error)\n".utf8))
                throw ExitCode(2)
            }
        }
        return SharedCacheExecutor(inner: runner, store: store, requireCached: requireCached)
    }
}
