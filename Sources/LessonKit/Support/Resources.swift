import Foundation

/// Files shipped in LessonKit's `Resources/` folder (theme, node script). Looked up without
/// `Bundle.module`, which stops the program when its bundle is missing: the folder the settings
/// name, then beside the executable (where SwiftPM puts it), then the source tree this was built from.
public struct Resources: Sendable {
    public let directory: URL

    public init(override: URL? = nil) throws {
        let fm = FileManager.default
        var candidates: [URL] = []
        if let override { candidates.append(override) }
        let exeDir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for base in [Bundle.main.bundleURL, exeDir] {
            candidates.append(base.appendingPathComponent("lessons_LessonKit.resources/Resources"))
        }
        candidates.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Resources"))
        guard let found = candidates.first(where: { fm.fileExists(atPath: $0.appendingPathComponent("render.js").path) }) else {
            throw RenderError(description: "LessonKit's resources (render.js, theme/) not found beside the executable; "
                + "rebuild with `swift build -c release` or set LESSONS_RESOURCES")
        }
        directory = found
    }

    public func url(_ relative: String) -> URL? {
        let url = directory.appendingPathComponent(relative)
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }
}
