// The one escaping policy for everything the project writes as markup: HTML pages, SVG figures,
// the runtime's tables and images, and the JUnit report (XML). `&`, `<`, `>` and `"` become
// entities (which is also exactly what cmark writes for text); control characters that neither
// HTML nor XML allows become U+FFFD. A module of its own so Figures, LessonRuntime and
// LessonKit, which do not depend on each other, share it.

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
