// What comes from a lesson program's event channel is treated as untrusted text, like what
// it prints (issue 17, items 6 and 14): messages lose control characters (a terminal escape
// in an `expect` message must not clear the screen or fake a green line in a CI log), and
// markup is accepted only in the shapes the runtime's `show` produces.

import Foundation

enum Sanitize {
    /// Control characters (C0 but tab and newline, DEL, C1, and the bidirectional overrides)
    /// are replaced by U+FFFD, so what a diagnostic prints is what it says.
    static func message(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars {
            let v = u.value
            let control = (v < 0x20 && v != 0x09 && v != 0x0A) || (0x7F...0x9F).contains(v)
                || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
            out.append(control ? "\u{FFFD}" : u)
        }
        return String(out)
    }

    /// A diagnostic with its message (and file name) cleaned.
    static func diagnostic(_ d: Diagnostic) -> Diagnostic {
        var d = d
        d.message = message(d.message)
        d.file = message(d.file)
        return d
    }

    /// The runtime emits figures, tables and images in three wrappers; markup in any other
    /// shape, or with script, event handlers or `javascript:` URLs, is shown as text.
    static func richHTML(_ html: String) -> CellOutput {
        let allowedStarts = ["<figure class=\"cell-figure\">", "<table class=\"cell-table\">", "<img class=\"cell-image\" "]
        guard allowedStarts.contains(where: html.hasPrefix) else { return .text(html) }
        let lower = html.lowercased()
        for bad in ["<script", "<iframe", "<object", "<embed", "<foreignobject", "javascript:"] where lower.contains(bad) {
            return .text(html)
        }
        if lower.range(of: #"<[^>]*\son[a-z]+\s*="#, options: .regularExpression) != nil { return .text(html) }
        return .html(html)
    }
}
