import ArgumentParser
import Foundation
import LessonKit

@main
struct Lessons: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lessons",
        abstract: "Build executable Markdown lessons into a static course site.",
        version: LessonKitInfo.version,
        subcommands: [Build.self, Check.self, Serve.self, Translate.self]
    )

    /// Usage errors exit with status 2 (documented for `lessons check`), not ArgumentParser's 64.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
