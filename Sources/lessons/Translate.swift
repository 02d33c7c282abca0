import ArgumentParser
import Foundation
import LessonKit

struct Translate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Update the translation catalogues (Lessons/po/<language>/<lesson>.po) from the lessons and count what is translated.",
        discussion: """
            For each language of the course (`languages: [en, ko]` in index.md, or Lessons/po/LINGUAS) and each \
            lesson: adds new paragraphs as untranslated entries, marks entries whose source changed as fuzzy \
            (outdated, with the old source as `#| msgid`), keeps entries that are gone as obsolete (`#~`), and \
            prints the counts of translated, untranslated and outdated entries. The files are gettext catalogues: \
            edit them in any PO editor, check them with `msgfmt --check`.
            Exit status: 0; 1 with --check when anything is untranslated or outdated; 2 on a usage or file error.
            """
    )

    @Option(name: .long, help: "Folder of lesson Markdown files.")
    var lessons: String = "Lessons"

    @Option(name: .long, help: "Only this language (repeatable); a language not yet declared is started.")
    var language: [String] = []

    @Flag(name: .long, help: "Count only; do not write the catalogues.")
    var dryRun = false

    @Flag(name: .long, help: "Also list each untranslated and outdated entry at its file:line.")
    var list = false

    @Flag(name: .long, help: "Exit with status 1 if any entry is untranslated or outdated.")
    var check = false

    func run() throws {
        let report: UpdateCatalogues.Report
        do {
            report = try UpdateCatalogues(lessonsDirectory: URL(fileURLWithPath: lessons)).run(only: language, write: !dryRun)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        printDiagnostics(report.diagnostics)
        for row in report.rows {
            let state = dryRun ? "" : row.created ? " (created)" : row.changed ? " (updated)" : ""
            print("\(row.catalogue): \(row.counts)\(state)")
            if list { for d in row.details { print("  " + d) } }
        }
        var total = Catalogue.Counts()
        for r in report.rows { total.translated += r.counts.translated; total.untranslated += r.counts.untranslated; total.outdated += r.counts.outdated; total.cells += r.counts.cells }
        print("translate: \(report.rows.count) catalogue\(report.rows.count == 1 ? "" : "s"); \(total)")
        if report.diagnostics.contains(where: { $0.severity == .error }) { throw ExitCode(2) }
        if check && (total.untranslated > 0 || total.outdated > 0) { throw ExitCode.failure }
    }
}
