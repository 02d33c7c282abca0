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
