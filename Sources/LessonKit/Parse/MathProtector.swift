// Cuts math out of Markdown before cmark sees it, so `_`, `*`, `\{`, `\\`, `~~` and
// display lines starting with `- ` inside formulas are never read as Markdown.
// Each formula becomes a placeholder token; the renderer puts KaTeX's HTML back.

struct ProtectedText {
    struct Fence: Hashable {
        var line: Int, column: Int, info: String, closed: Bool
    }
    var text: String
    /// Line `i + 1` of `text` came from line `lineMap[i]` of the .md file.
    var lineMap: [Int]
    var math: [MathSpan] = []
    /// Opening lines (in the .md file) of fenced code blocks.
    var fences: [Int: Fence] = [:]
    var diagnostics: [Diagnostic] = []
    /// kramdown attribute lists (`{: style="..."}`), their text without the braces; the text
    /// holds a placeholder (U+E002 index U+E003) where each stood.
    var attributeLists: [String] = []

    func originalLine(_ protectedLine: Int) -> Int {
        guard !lineMap.isEmpty else { return protectedLine }
        return lineMap[max(0, min(protectedLine - 1, lineMap.count - 1))]
    }
}

enum MathProtector {
    private static let dollar = UInt8(ascii: "$"), backslash = UInt8(ascii: "\\"), backtick = UInt8(ascii: "`")
    private static let newline = UInt8(ascii: "\n"), space = UInt8(ascii: " "), tab = UInt8(ascii: "\t")
    private static let lbrace = UInt8(ascii: "{"), rbrace = UInt8(ascii: "}"), colon = UInt8(ascii: ":")
    private static let greaterThan = UInt8(ascii: ">")

    /// `body` is the Markdown after the front matter; its first line is line `firstLine` of `file`.
    static func protect(_ body: String, firstLine: Int, file: String) -> ProtectedText {
        var result = ProtectedText(text: "", lineMap: [])
        var out: [UInt8] = []
        out.reserveCapacity(body.utf8.count + 64)
        let lines = TextLines.split(body)
        var chunk: [UInt8] = []
        var chunkLine = firstLine
        var openFence: (char: UInt8, length: Int, line: Int, quoteMarkers: Int)? = nil

        func flushChunk() {
            if !chunk.isEmpty { scan(chunk, firstLine: chunkLine, file: file, into: &out, result: &result) }
            chunk.removeAll(keepingCapacity: true)
        }
        func emitVerbatim<S: Sequence>(_ line: S, number: Int) where S.Element == UInt8 {
            if out.isEmpty || out.last == newline { result.lineMap.append(number) }
            out.append(contentsOf: line); out.append(newline)
        }

        for (offset, lineSub) in lines.enumerated() {
            let number = firstLine + offset
            let bytes = Array(lineSub.utf8)
            if let fence = openFence {
                emitVerbatim(bytes, number: number)
                if isClosingFence(bytes, char: fence.char, length: fence.length, quoteMarkers: fence.quoteMarkers) {
                    result.fences[fence.line]?.closed = true
                    openFence = nil
                }
                continue
            }
            if let (char, length, indent) = openingFence(bytes) {
                flushChunk()
                chunkLine = number + 1
                let info = String(decoding: bytes[(indent + length)...], as: UTF8.self).trimmingCharacters(in: .whitespaces)
                result.fences[number] = .init(line: number, column: indent + 1, info: info, closed: false)
                openFence = (char, length, number, bytes[..<indent].filter { $0 == greaterThan }.count)
                emitVerbatim(bytes, number: number)
                continue
            }
            if chunk.isEmpty { chunkLine = number }
            chunk.append(contentsOf: bytes); chunk.append(newline)
        }
        flushChunk()
        if let fence = openFence {
            let marker = String(repeating: Character(UnicodeScalar(fence.char)), count: fence.length)
            result.diagnostics.append(Diagnostic(file: file, line: fence.line, column: result.fences[fence.line]?.column ?? 1,
                message: "unterminated code fence: the \(marker) opened here is never closed"))
        }
        result.text = String(decoding: out, as: UTF8.self)
        return result
    }

    /// Where a line's content starts after the markers of the containers it is in: spaces,
    /// quote markers (`>`) and list markers (`-`, `*`, `+`, `1.`, `1)` followed by a space).
    static func contentStart(_ b: [UInt8]) -> Int {
        var i = 0
        while i < b.count {
            if b[i] == space || b[i] == tab || b[i] == greaterThan { i += 1; continue }
            if [UInt8(ascii: "-"), UInt8(ascii: "*"), UInt8(ascii: "+")].contains(b[i]), i + 1 < b.count, b[i + 1] == space {
                i += 2; continue
            }
            var d = i
            while d < b.count, isDigit(b[d]), d - i < 9 { d += 1 }
            if d > i, d + 1 < b.count, b[d] == UInt8(ascii: ".") || b[d] == UInt8(ascii: ")"), b[d + 1] == space {
                i = d + 2; continue
            }
            break
        }
        return i
    }

    /// ```` ``` ```` or `~~~` (3 or more), after any indentation and container markers (list
    /// items, quotes); a backtick fence's info has no backtick.
    static func openingFence(_ b: [UInt8]) -> (UInt8, Int, Int)? {
        let i = contentStart(b)
        guard i < b.count, b[i] == backtick || b[i] == UInt8(ascii: "~") else { return nil }
        let c = b[i]; var n = 0
        while i + n < b.count, b[i + n] == c { n += 1 }
        guard n >= 3 else { return nil }
        if c == backtick, b[(i + n)...].contains(backtick) { return nil }
        return (c, n, i)
    }

    /// A closing fence, after indentation and, for a fence opened inside a quote, the quote's markers.
    static func isClosingFence(_ b: [UInt8], char: UInt8, length: Int, quoteMarkers: Int = 0) -> Bool {
        var i = 0, quotes = 0
        while i < b.count, b[i] == space || b[i] == tab || (b[i] == greaterThan && quotes < quoteMarkers) {
            if b[i] == greaterThan { quotes += 1 }
            i += 1
        }
        var n = 0
        while i < b.count, b[i] == char { i += 1; n += 1 }
        guard n >= length else { return false }
        return b[i...].allSatisfy { $0 == space || $0 == tab || $0 == 13 }
    }

    private static func isSpace(_ c: UInt8) -> Bool { c == space || c == tab || c == newline || c == 13 }
    private static func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
    private static func isASCIIPunct(_ c: UInt8) -> Bool {
        (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126)
    }

    /// `$5 and $6`, `$1,000.`: a dollar followed by a number and then a space, punctuation
    /// or the end is money, not the start of a formula (`$5$` and `$2x$` are still math).
    private static func isMoney(_ b: [UInt8], after i: Int) -> Bool {
        var j = i + 1
        guard j < b.count, isDigit(b[j]) else { return false }
        while j < b.count, isDigit(b[j]) || b[j] == UInt8(ascii: ",") || b[j] == UInt8(ascii: ".") { j += 1 }
        if j == b.count || isSpace(b[j]) { return true }
        // a trailing sentence mark counts too ("costs $5." or "($5)")
        let trailing: Set<UInt8> = Set(".,;:!?)".utf8)
        return trailing.contains(b[j]) && (j + 1 == b.count || isSpace(b[j + 1]))
    }

    /// Scans text outside code fences. Code spans are copied verbatim, `\$` stays escaped
    /// (cmark turns it into a literal `$`), kramdown `{: ...}` attribute lists are dropped.
    /// Each line after the first without up to `depth` leading `>` markers (and the space after each).
    static func removingQuoteMarkers(_ tex: String, depth: Int) -> String {
        var lines = tex.split(separator: "\n", omittingEmptySubsequences: false)
        for k in lines.indices.dropFirst() {
            var rest = lines[k]
            for _ in 0..<depth {
                let trimmed = rest.drop { $0 == " " || $0 == "\t" }
                guard trimmed.first == ">" else { break }
                rest = trimmed.dropFirst()
                if rest.first == " " { rest = rest.dropFirst() }
            }
            lines[k] = rest
        }
        return lines.joined(separator: "\n")
    }

    private static func scan(_ b: [UInt8], firstLine: Int, file: String, into out: inout [UInt8], result: inout ProtectedText) {
        var i = 0, line = firstLine, lineStart = 0
        let n = b.count
        if out.isEmpty || out.last == newline { result.lineMap.append(line) }

        func emit(_ c: UInt8) {
            out.append(c)
            if c == newline { line += 1; lineStart = i + 1; result.lineMap.append(line) }
        }
        /// Advance over source bytes that are not emitted, keeping line numbers right.
        func skip(to end: Int) {
            while i < end { if b[i] == newline { line += 1; lineStart = i + 1 }; i += 1 }
        }
        func column(at pos: Int) -> Int { String(decoding: b[lineStart..<pos], as: UTF8.self).count + 1 }
        func addMath(from start: Int, to end: Int, display: Bool, at pos: Int) {
            var tex = String(decoding: b[start..<end], as: UTF8.self)
            // Inside a blockquote, the lines after the first carry the quote's `>` markers:
            // Markdown, not TeX.
            let quoteDepth = b[lineStart..<pos].prefix { $0 == space || $0 == tab || $0 == greaterThan }
                .filter { $0 == greaterThan }.count
            if display && quoteDepth > 0 { tex = removingQuoteMarkers(tex, depth: quoteDepth) }
            result.math.append(MathSpan(tex: tex, display: display, line: line, column: column(at: pos)))
            out.append(contentsOf: Array(Placeholder.math(result.math.count - 1).utf8))
        }

        while i < n {
            let c = b[i]
            if c == backslash, i + 1 < n, isASCIIPunct(b[i + 1]) {
                emit(c); i += 1; emit(b[i]); i += 1; continue
            }
            if c == backtick {
                var run = 0
                while i + run < n, b[i + run] == backtick { run += 1 }
                var j = i + run, closeAt: Int? = nil
                while j < n {
                    if b[j] == backtick {
                        var r = 0
                        while j + r < n, b[j + r] == backtick { r += 1 }
                        if r == run { closeAt = j; break }
                        j += r
                    } else { j += 1 }
                }
                let end = (closeAt ?? i) + run
                while i < end { let x = b[i]; emit(x); i += 1 }
                continue
            }
            if c == lbrace, i + 1 < n, b[i + 1] == colon {
                var k = i + 2
                while k < n, b[k] != newline, b[k] != rbrace { k += 1 }
                if k < n, b[k] == rbrace {
                    result.attributeLists.append(String(decoding: b[(i + 2)..<k], as: UTF8.self))
                    out.append(contentsOf: Array(Placeholder.attributes(result.attributeLists.count - 1).utf8))
                    i = k + 1
                    continue
                }
            }
            if c == dollar {
                if i + 1 < n, b[i + 1] == dollar {
                    // display math: up to the next unescaped `$$`, across lines but not across a
                    // blank line (Pandoc's tex_math_dollars rule: a paragraph break ends it)
                    var k = i + 2, close: Int? = nil, blankLine: Int? = nil
                    var lineOfK = line
                    scanning: while k + 1 < n {
                        switch b[k] {
                        case backslash: k += 2; continue scanning
                        case newline:
                            lineOfK += 1
                            var m = k + 1
                            while m < n, b[m] == space || b[m] == tab { m += 1 }
                            if m < n, b[m] == newline { blankLine = lineOfK; break scanning }
                        case dollar where b[k + 1] == dollar: close = k; break scanning
                        default: break
                        }
                        k += 1
                    }
                    guard let close else {
                        let why = blankLine.map { "is not closed before the blank line \($0) (display math ends at a blank line, as in Pandoc); close it with `$$` before the blank line, or write \\$\\$ for literal dollars" }
                            ?? "is never closed"
                        result.diagnostics.append(Diagnostic(file: file, line: line, column: column(at: i),
                            message: "unterminated display math: `$$` opened here \(why)"))
                        emit(c); i += 1; emit(b[i]); i += 1
                        continue
                    }
                    addMath(from: i + 2, to: close, display: true, at: i)
                    skip(to: close + 2)
                    continue
                }
                if i + 1 < n, !isSpace(b[i + 1]), !isMoney(b, after: i) {
                    // inline math: the closing `$` has no space before it and no digit after it,
                    // and the formula does not cross a blank line
                    var k = i + 1, close: Int? = nil
                    scanning: while k < n {
                        switch b[k] {
                        case backslash: k += 2; continue scanning
                        case newline:
                            var m = k + 1
                            while m < n, b[m] == space || b[m] == tab { m += 1 }
                            if m >= n || b[m] == newline { break scanning }
                        case dollar:
                            if !isSpace(b[k - 1]), k + 1 >= n || !isDigit(b[k + 1]) { close = k; break scanning }
                        default: break
                        }
                        k += 1
                    }
                    if let close {
                        addMath(from: i + 1, to: close, display: false, at: i)
                        skip(to: close + 1)
                        continue
                    }
                }
            }
            emit(c); i += 1
        }
        // the chunk ended with a newline whose lineMap entry belongs to the next chunk
        if out.last == newline, !result.lineMap.isEmpty { result.lineMap.removeLast() }
    }
}
