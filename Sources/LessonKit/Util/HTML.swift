import Foundation

enum HTML {
    /// Escapes text for element content and attribute values.
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }
}

/// Files shipped in LessonKit's `Resources/` folder.
public enum Resources {
    public static var directory: URL? { Bundle.module.url(forResource: "Resources", withExtension: nil) }
    public static func url(_ relative: String) -> URL? {
        guard let dir = directory else { return nil }
        let url = dir.appendingPathComponent(relative)
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }
}
