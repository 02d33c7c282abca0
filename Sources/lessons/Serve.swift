import ArgumentParser
import Foundation
import LessonKit

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the site on 127.0.0.1, rebuild when a lesson changes, and reload the open page.",
        discussion: "Only files inside the output folder are served. Stop with Ctrl-C."
    )

    @OptionGroup var site: SiteOptions
    @OptionGroup var cells: CellRunOptions

    @Option(name: .long, help: "Port on 127.0.0.1 (0 picks a free one and prints it).")
    var port: Int = 8000

    @Option(name: .long, help: "Seconds between checks of the lessons folder for changes.")
    var poll: Double = 0.5

    func validate() throws {
        // before any build: a mistyped port must not cost one
        do { try SiteServer.validatePort(port) } catch { throw ValidationError("\(error)") }
        guard poll > 0, poll.isFinite else { throw ValidationError("--poll must be a positive number of seconds") }
    }

    func run() throws {
        setvbuf(stdout, nil, _IOLBF, 0)  // a long-running command: show each line as it comes
        let generation = BuildGeneration()
        // Bind first, so a busy port fails at once rather than after a full build. Connections
        // wait in the listen queue until the first build is done, so the first page is current.
        let server: SiteServer
        do {
            server = try SiteServer(port: port, handler: SiteRequestHandler(root: site.outputURL, generation: { generation.current }))
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let executor = try cells.executor(lessonsDirectory: site.lessonsURL, jobs: site.jobs)
        let builder = SiteBuilder(lessonsDirectory: site.lessonsURL, outputDirectory: site.outputURL, executor: executor, jobs: site.jobs)
        print("serving \(SiteBuilder.displayPath(builder.outputDirectory)) at http://127.0.0.1:\(server.port)/ (watching \(SiteBuilder.displayPath(builder.lessonsDirectory)))")
        rebuild(builder, generation)
        server.start()
        var last = LessonsWatcher.snapshot(builder.lessonsDirectory)
        while true {
            Thread.sleep(forTimeInterval: poll)
            let now = LessonsWatcher.snapshot(builder.lessonsDirectory)
            if now != last {
                last = now
                rebuild(builder, generation)
            }
        }
    }

    func rebuild(_ builder: SiteBuilder, _ generation: BuildGeneration) {
        do {
            let report = try builder.build()
            printDiagnostics(report.diagnostics)
            print(report.summary)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        }
        generation.bump()
    }
}
