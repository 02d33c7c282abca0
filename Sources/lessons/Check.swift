import ArgumentParser
import Foundation
import LessonKit

/// The runner's own defaults, so the flags' defaults are written once (in the runner).
enum RunnerDefaults { static let options = SwiftCellExecutor.Options(root: URL(fileURLWithPath: "/")) }

/// How cells run: shared by `build`, `check` and `serve`.
struct CellRunOptions: ParsableArguments {
    @Flag(name: .long, help: "Ignore cached cell results and run every cell again.")
    var noCache = false

    @Flag(name: .long, help: "Do not run cells; show them as code only.")
    var noRun = false

    @Option(name: .long, help: "Default time limit of a cell, in seconds (a cell's timeout=SECONDS overrides it).")
    var cellTimeout: Double = RunnerDefaults.options.cellTimeout

    @Option(name: .long, help: "Time limit of a whole lesson (compile and run), in seconds.")
    var lessonTimeout: Double = RunnerDefaults.options.lessonTimeout

    @Option(name: .long, help: "Kilobytes of printed text kept per cell; more is cut with a notice.")
    var maxOutput: Int = RunnerDefaults.options.outputLimit / 1024

    @Option(name: .long, help: "Build directory holding libLessonRuntime.so and Modules/ (default: beside this executable, or $LESSONS_PRODUCTS_DIR).")
    var products: String?

    func validate() throws {
        guard cellTimeout > 0, lessonTimeout > 0 else { throw ValidationError("time limits must be positive") }
        guard maxOutput > 0 else { throw ValidationError("--max-output must be positive") }
    }

    /// The executor for lessons in `lessonsDirectory`; its cache sits beside it in `.lessons-cache/`.
    /// A missing runtime build is a setup error: printed, then exit status 2.
    func executor(lessonsDirectory: URL, jobs: Int) throws -> CellExecutor {
        if noRun { return NoExecution() }
        let root = lessonsDirectory.standardizedFileURL.deletingLastPathComponent()
        var o = SwiftCellExecutor.Options(root: root)
        o.useCache = !noCache
        o.jobs = jobs
        o.cellTimeout = cellTimeout
        o.lessonTimeout = lessonTimeout
        o.outputLimit = maxOutput * 1024
        o.productsDirectory = products.map { URL(fileURLWithPath: $0) } ?? settings.productsDirectory
        o.swiftc = settings.swiftc
        o.keepWork = settings.keepWork
        o.environment = settings.environment
        if let d = settings.fashionMNISTDirectory {
            o.dataDirectory = d
            o.dataInputs = SwiftCellExecutor.fashionMNISTFiles(directory: d.path)
        }
        // each lesson program gets an explicit share of the cores (the engine honours it)
        o.threadsPerLesson = settings.openBLASThreads ?? max(1, ProcessInfo.processInfo.activeProcessorCount / max(1, jobs))
        do {
            return try SwiftCellExecutor(options: o, progress: ConsoleProgress(ci: settings.continuousIntegration))
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the course for CI: run every cell and expect, render every formula, check links, images and that Output/ is up to date.",
        discussion: """
            Builds the site into a scratch folder (the committed Output/ is not touched) and compares its \
            manifest with Output/manifest.json. Prints `file:line:col: error: ...` lines and a summary.
            Exit status: 0 all good; 1 a lesson fails (cell, expect, formula, link, image, stale Output/); \
            2 usage or setup error (e.g. the runtime is not built: run `swift build -c release`).
            """
    )

    @OptionGroup var site: SiteOptions
    @OptionGroup var cells: CellRunOptions

    @Option(name: .long, help: "Write a JUnit XML report to this path.")
    var junit: String?

    @Flag(name: .long, help: "Do not compare with the committed Output/.")
    var noStaleCheck = false

    @OptionGroup var distributed: DistributedOptions

    func run() throws {
        let executor = try distributed.wrap(cells.executor(lessonsDirectory: site.lessonsURL, jobs: site.jobs), noCache: cells.noCache)
        AbandonedFiles.removeFromTemporaryDirectory()  // a killed check's scratch site
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(AbandonedFiles.checkScratchPrefix + "\(getpid())")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let builder = site.builder(executor: executor, output: scratch.appendingPathComponent("Output"))
        builder.shard = distributed.shardSpec
        let report: CourseCheck.Report
        do {
            report = try builder.shard != nil ? CourseCheck.runShard(builder) : CourseCheck.run(builder, committed: noStaleCheck ? nil : site.outputURL, executorStats: {
                ((executor as? SharedCacheExecutor)?.inner ?? executor as? SwiftCellExecutor)
                    .map { "\($0.stats.lessonsRun) lessons run, \($0.stats.lessonsCached) from cache" }
            })
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        printDiagnostics(report.diagnostics)
        print(report.summary)
        if let path = junit {
            do { try report.junit.write(toFile: path, atomically: true, encoding: .utf8) } catch {
                FileHandle.standardError.write(Data("error: cannot write \(path): \(error)\n".utf8))
                throw ExitCode(2)
            }
        }
        if report.errorCount > 0 { throw ExitCode.failure }
    }
}
