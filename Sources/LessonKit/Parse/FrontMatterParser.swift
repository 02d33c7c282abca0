import Foundation
import Yams

/// YAML front matter between `---` lines at the top of a lesson (Jekyll/Chirpy style).
enum FrontMatterParser {
    struct Split {
        var frontMatter = FrontMatter()
        var body: String
        var bodyFirstLine: Int
        var diagnostics: [Diagnostic] = []
    }

    static func split(_ source: String, file: String) -> Split {
        guard source.hasPrefix("---") else { return Split(body: source, bodyFirstLine: 1) }
        let lines = TextLines.split(source)
        guard let first = lines.first, first.trimmingCharacters(in: .whitespaces) == "---" else {
            return Split(body: source, bodyFirstLine: 1)
        }
        guard let end = lines.indices.dropFirst().first(where: {
            let t = lines[$0].trimmingCharacters(in: .whitespaces); return t == "---" || t == "..."
        }) else {
            return Split(body: source, bodyFirstLine: 1, diagnostics: [Diagnostic(file: file, line: 1,
                message: "front matter opened with '---' is never closed (add a '---' line after it)")])
        }
        let yaml = lines[1..<end].joined(separator: "\n")
        let body = lines[(end + 1)...].joined(separator: "\n")
        var result = Split(body: body, bodyFirstLine: end + 2)
        (result.frontMatter, result.diagnostics) = parseYAML(yaml, file: file, firstLine: 2)
        return result
    }

    static func parseYAML(_ yaml: String, file: String, firstLine: Int) -> (FrontMatter, [Diagnostic]) {
        var fm = FrontMatter()
        var diags: [Diagnostic] = []
        func line(_ mark: Mark?) -> Int { (mark?.line ?? 1) + firstLine - 1 }
        // Aliases are expanded when a value is kept: a few levels of them ("billion laughs")
        // would take minutes and gigabytes, and no lesson needs more than a handful.
        let aliases = aliasCount(yaml)
        guard aliases <= maxAliases, yaml.utf8.count <= maxBytes else {
            diags.append(Diagnostic(file: file, line: firstLine, message: aliases > maxAliases
                ? "front matter uses \(aliases) YAML aliases (*name); at most \(maxAliases) are allowed"
                : "front matter is \(yaml.utf8.count) bytes; at most \(maxBytes) are allowed"))
            return (fm, diags)
        }
        if let (key, offset) = duplicateTopLevelKey(yaml) {
            diags.append(Diagnostic(file: file, line: firstLine + offset, message: "front matter has the key '\(key)' twice; keep one"))
            return (fm, diags)
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            let (mark, problem) = describe(error)
            diags.append(Diagnostic(file: file, line: line(mark), column: mark?.column ?? 1,
                                    message: "malformed YAML front matter: \(problem)"))
            return (fm, diags)
        } catch {
            diags.append(Diagnostic(file: file, line: firstLine, message: "malformed YAML front matter: \(error)"))
            return (fm, diags)
        }
        guard let root else { return (fm, diags) }
        guard let mapping = root.mapping else {
            diags.append(Diagnostic(file: file, line: line(root.mark), message: "front matter must be a mapping of keys to values"))
            return (fm, diags)
        }
        for (keyNode, value) in mapping {
            guard let key = keyNode.string else { continue }
            let at = line(value.mark ?? keyNode.mark)
            func scalar() -> String? { value.scalar?.string }
            switch key {
            case "title": fm.title = scalar()
            case "summary", "description": if key == "summary" || fm.summary == nil { fm.summary = scalar() }
            case "author": fm.author = scalar()
            case "order":
                if let s = scalar(), let n = Int(s.trimmingCharacters(in: .whitespaces)) { fm.order = n }
                else { diags.append(Diagnostic(file: file, line: at, severity: .warning, message: "'order' should be an integer; ignored")) }
            case "tags":
                if let seq = value.sequence { fm.tags = seq.compactMap { $0.string } }
                else if let s = scalar() { fm.tags = s.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init) }
            case "date":
                let s = scalar() ?? ""
                fm.date = s
                if !isValidDate(s) {
                    diags.append(Diagnostic(file: file, line: at, column: value.mark?.column ?? 1, severity: .warning,
                        message: "malformed date '\(s)' (expected YYYY-MM-DD, optionally with a time and zone)"))
                }
            default:
                // Chirpy keys (categories, math, toc, pin, image, ...) are kept as written
                if let s = scalar() { fm.extra[key] = s }
                else if let seq = value.sequence { fm.extra[key] = seq.compactMap { $0.string }.joined(separator: ", ") }
                else { fm.extra[key] = (try? Yams.serialize(node: value))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "" }
            }
        }
        return (fm, diags)
    }

    static let maxAliases = 64
    static let maxBytes = 64 * 1024

    /// `*name` outside quotes and comments.
    static func aliasCount(_ yaml: String) -> Int {
        var n = 0
        for line in yaml.split(separator: "\n") {
            var quote: Character? = nil, previous: Character = " "
            for ch in line {
                if let q = quote { if ch == q { quote = nil } }
                else if ch == "\"" || ch == "'" { quote = ch }
                else if ch == "#", previous == " " { break }
                else if ch == "*", " [{,:-".contains(previous) { n += 1 }
                previous = ch
            }
        }
        return n
    }

    /// The first top-level key that appears a second time, with the 0-based line of the second.
    static func duplicateTopLevelKey(_ yaml: String) -> (String, Int)? {
        var seen = Set<String>()
        for (i, line) in yaml.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            guard let first = line.first, first != " ", first != "\t", first != "#", first != "-",
                  let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty else { continue }
            if !seen.insert(key).inserted { return (key, i) }
        }
        return nil
    }

    static func describe(_ error: YamlError) -> (Mark?, String) {
        switch error {
        case .scanner(let ctx, let problem, let mark, _), .parser(let ctx, let problem, let mark, _), .composer(let ctx, let problem, let mark, _):
            return (mark, ctx.map { "\(problem) \($0.text)" } ?? problem)
        default:
            return (nil, "\(error)")
        }
    }

    /// Jekyll dates: `2024-03-01`, `2024-03-01 12:30:00 +0900`, `2024-03-01T12:30:00Z`.
    static func isValidDate(_ s: String) -> Bool {
        let pattern = #"^(\d{4})-(\d{2})-(\d{2})([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?)?$"#
        guard let re = try? NSRegularExpression(pattern: pattern),
              let m = re.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)),
              let monthRange = Range(m.range(at: 2), in: s), let dayRange = Range(m.range(at: 3), in: s),
              let month = Int(s[monthRange]), let day = Int(s[dayRange]) else { return false }
        return (1...12).contains(month) && (1...31).contains(day)
    }
}
