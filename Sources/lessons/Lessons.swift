import ArgumentParser
import LessonKit

@main
struct Lessons: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lessons",
        abstract: "Build executable Markdown lessons into a static course site.",
        version: LessonKitInfo.version,
        subcommands: [Build.self, Check.self, Serve.self]
    )
}
