import ArgumentParser
import Foundation
import LessonKit

struct Build: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build the site: parse lessons, run cells, render math and code, write Output/.",
        discussion: "Pages with errors are reported as file:line:col and skipped; the others are built. Exits non-zero on any error."
    )

    @OptionGroup var site: SiteOptions
    @OptionGroup var cells: CellRunOptions
    @OptionGroup var distributed: DistributedOptions

    func run() throws {
        let executor = try distributed.wrap(cells.executor(lessonsDirectory: site.lessonsURL, jobs: site.jobs), noCache: cells.noCache)  // exit 2 if the runtime is not built
        let report: BuildReport
        do {
            let builder = site.builder(executor: executor)
            builder.shard = distributed.shardSpec
            report = try builder.build()
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
        printDiagnostics(report.diagnostics)
        print(report.summary)
        if settings.printTimings {
            FileHandle.standardError.write(Data(("timings: " + report.phases.map { "\($0.0) \(String(format: "%.3f", $0.1))" }
                .joined(separator: ", ") + "\n").utf8))
        }
        if !report.succeeded { throw ExitCode.failure }
    }
}
