import ArgumentParser
import Foundation
import LessonKit

struct Build: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build the site: parse lessons, render math and code, write Output/.",
        discussion: "Pages with errors are reported as file:line:col and skipped; the others are built. Exits non-zero on any error."
    )

    @OptionGroup var site: SiteOptions

    func run() throws {
        let report: BuildReport
        do {
            report = try site.builder().build()
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
        printDiagnostics(report.diagnostics)
        print(report.summary)
        if !report.succeeded { throw ExitCode.failure }
    }
}
