import Foundation

public enum HTML {
    /// Escapes text for element content and attribute values, in HTML and in XML (the JUnit
    /// report). Control characters other than tab, newline and return, which neither allows
    /// (cell output may contain them), become U+FFFD.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\t", "\n", "\r": out.unicodeScalars.append(ch)
            default:
                if ch.value < 0x20 || ch.value == 0x7F || ch.value == 0xFFFE || ch.value == 0xFFFF {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(ch)
                }
            }
        }
        return out
    }
}

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
