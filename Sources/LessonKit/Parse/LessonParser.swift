import Foundation

/// Markdown lesson -> `Lesson`: front matter, then the math protector (formulas are cut out
/// before cmark can mangle them), then cmark's tree copied into Swift values. The parser reads
/// only the text it is given: links, images and files are the transforms' business.
public enum LessonParser {
    /// `file` is the path shown in diagnostics, `slug` the page name.
    public static func parse(source rawSource: String, file: String, slug: String) -> Lesson {
        // one line ending: CRLF and a lone CR (old Mac files) both end a line
        let source = rawSource.utf8.contains(13)
            ? rawSource.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n") : rawSource
        var diagnostics: [Diagnostic] = []
        let split = FrontMatterParser.split(source, file: file)
        diagnostics += split.diagnostics
        var protected = MathProtector.protect(split.body, firstLine: split.bodyFirstLine, file: file)
        diagnostics += protected.diagnostics
        protected.diagnostics = []
        var converter = CommonMarkConverter(protected: protected, file: file, sourceLines: TextLines.split(source))
        let blocks = converter.convert()
        diagnostics += converter.diagnostics
        var lesson = Lesson(file: file, slug: slug, frontMatter: split.frontMatter, blocks: blocks,
                            diagnostics: diagnostics, source: source)
        lesson.sourceSHA256Cache = SHA256.hex(source)
        return lesson
    }

    /// Reads and parses a lesson file; an unreadable or non-UTF-8 file is a lesson with an error.
    public static func parse(contentsOf url: URL, file: String) -> Lesson {
        let slug = url.deletingPathExtension().lastPathComponent
        guard let data = FileManager.default.contents(atPath: url.path) else {
            return Lesson(file: file, slug: slug, diagnostics: [Diagnostic(file: file, line: 1, message: "cannot read file")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            let (line, column) = firstInvalidUTF8([UInt8](data))
            return Lesson(file: file, slug: slug, diagnostics: [Diagnostic(file: file, line: line, column: column,
                message: "this line is not valid UTF-8; save the file as UTF-8")])
        }
        return parse(source: text, file: file, slug: slug)
    }

    /// The line and column (in characters) of the first byte that is not valid UTF-8.
    static func firstInvalidUTF8(_ bytes: [UInt8]) -> (Int, Int) {
        var line = 1, lineStart = 0, i = 0
        while i < bytes.count {
            let b = bytes[i]
            let length = b < 0x80 ? 1 : b >> 5 == 0b110 ? 2 : b >> 4 == 0b1110 ? 3 : b >> 3 == 0b11110 ? 4 : 0
            let valid = length > 0 && i + length <= bytes.count
                && bytes[(i + 1)..<(i + length)].allSatisfy { $0 >> 6 == 0b10 }
                && String(decoding: bytes[i..<(i + length)], as: UTF8.self).unicodeScalars.first?.value != 0xFFFD
            if !valid {
                return (line, String(decoding: bytes[lineStart..<i], as: UTF8.self).count + 1)
            }
            if b == 10 { line += 1; lineStart = i + 1 }
            i += length
        }
        return (line, 1)
    }

    /// CommonMark removes up to the opening fence's indentation (1-3 spaces) from each line of
    /// a fenced block: how many it removed from each code line, or [] for an unindented fence.
    static func strippedIndent(fenceLine: Int, codeLines: Int, sourceLines: [Substring]) -> [Int] {
        func leadingSpaces(_ i: Int) -> Int { i < sourceLines.count ? sourceLines[i].prefix { $0 == " " }.count : 0 }
        let fence = leadingSpaces(fenceLine - 1)
        guard fence > 0 else { return [] }
        return (0..<codeLines).map { min(fence, leadingSpaces(fenceLine + $0)) }
    }

    /// GitHub-style anchors: lowercase letters and digits of any script, spaces to `-`.
    static func uniqueSlug(_ text: String, taken: inout Set<String>) -> String {
        var slug = ""
        for ch in text.lowercased() {
            if ch.isLetter || ch.isNumber || ch == "-" || ch == "_" { slug.append(ch) }
            else if ch == " ", !slug.hasSuffix("-") { slug.append("-") }
        }
        while slug.hasSuffix("-") { slug.removeLast() }
        if slug.isEmpty { slug = "section" }
        var candidate = slug, k = 1
        while taken.contains(candidate) { candidate = "\(slug)-\(k)"; k += 1 }
        taken.insert(candidate)
        return candidate
    }
}
