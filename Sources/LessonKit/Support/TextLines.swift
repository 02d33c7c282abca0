/// Counting and splitting lines, one way everywhere: "\n" ends a line, and the text after the
/// last "\n" is a line too (so "" is one line, "a\n" two).
public enum TextLines {
    /// The number of lines of `text`.
    public static func count<S: StringProtocol>(_ text: S) -> Int {
        text.utf8.reduce(1) { $1 == 10 ? $0 + 1 : $0 }
    }

    /// The lines of `text`, split on the UTF-8 bytes (splitting a String by Character is far slower).
    public static func split(_ s: String) -> [Substring] {
        var lines: [Substring] = []
        var start = s.startIndex
        let u = s.utf8
        var i = u.startIndex
        while i != u.endIndex {
            if u[i] == 10 { lines.append(s[start..<i]); start = u.index(after: i) }
            i = u.index(after: i)
        }
        lines.append(s[start...])
        return lines
    }
}
