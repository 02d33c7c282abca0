import Foundation

/// A BibTeX database: the entries of a `.bib` file, with positions for diagnostics.
///
/// Why a parser of our own rather than Pandoc's citeproc: it needs only the part of BibTeX that
/// bibliographies of papers use (entries, `{}`/`""` values, `#` concatenation, `@string`
/// macros, month names, the common accent commands), every error has to come out at its
/// `file:line:col` (citeproc reports a malformed entry without a usable position), it costs
/// no process and no 150 MB package per build, and its output is plain data that the
/// citation transform formats the same way every time.
struct BibTeXEntry: Hashable, Sendable {
    var type: String           // lowercased: article, inproceedings, misc, ...
    var key: String
    var fields: [String: String] // lowercased names, values as written (TeX; see `TeX.plain`)
    var position: SourcePosition
    /// "a", "b", ... after the year when the bibliography has other works with the same
    /// author label and year (set by `Citations.disambiguateYears`), else "".
    var yearSuffix = ""
}

struct BibTeXDatabase: Sendable {
    var entries: [String: BibTeXEntry] = [:]
    /// Keys of entries that could not be read (so a citation of one says so).
    var malformed: Set<String> = []
    var diagnostics: [Diagnostic] = []

    static func parse(_ text: String, file: String) -> BibTeXDatabase {
        var p = Parser(chars: Array(text.unicodeScalars), file: file)
        p.run()
        return p.db
    }

    private struct Failure: Error { var position: SourcePosition; var message: String }

    private struct Parser {
        let chars: [Unicode.Scalar]
        let file: String
        var i = 0, line = 1, lineStart = 0
        var db = BibTeXDatabase()
        var macros: [String: String] = [
            "jan": "January", "feb": "February", "mar": "March", "apr": "April", "may": "May", "jun": "June",
            "jul": "July", "aug": "August", "sep": "September", "oct": "October", "nov": "November", "dec": "December",
        ]

        init(chars: [Unicode.Scalar], file: String) { self.chars = chars; self.file = file }

        var here: SourcePosition { SourcePosition(line: line, column: i - lineStart + 1) }
        var atEnd: Bool { i >= chars.count }
        var peek: Unicode.Scalar? { atEnd ? nil : chars[i] }
        mutating func advance() { if chars[i] == "\n" { line += 1; lineStart = i + 1 }; i += 1 }
        mutating func skipSpace() { while let c = peek, c.properties.isWhitespace { advance() } }

        mutating func run() {
            while !atEnd {
                // outside entries everything is a comment, up to the next `@`
                guard peek == "@" else { advance(); continue }
                let start = here
                advance()
                var key: String? = nil
                do { try entry(start, key: &key) } catch let f as Failure {
                    db.diagnostics.append(Diagnostic(file: file, line: f.position.line, column: f.position.column, message: f.message))
                    if let key { db.malformed.insert(key); db.entries[key] = nil }
                    // resume at the next line that starts an entry
                    while !atEnd {
                        if peek == "\n" { advance(); if peek == "@" { break } } else { advance() }
                    }
                } catch {}
            }
        }

        mutating func identifier() -> String {
            var s = ""
            while let c = peek, !c.properties.isWhitespace, !"{}(),=#\"@%".unicodeScalars.contains(c) { s.unicodeScalars.append(c); advance() }
            return s
        }

        mutating func entry(_ start: SourcePosition, key: inout String?) throws {
            let type = identifier().lowercased()
            guard !type.isEmpty else { throw Failure(position: here, message: "malformed BibTeX: '@' must be followed by an entry type such as article or inproceedings") }
            skipSpace()
            guard let open = peek, open == "{" || open == "(" else {
                throw Failure(position: here, message: "malformed BibTeX entry: expected '{' after @\(type)")
            }
            let close: Unicode.Scalar = open == "{" ? "}" : ")"
            advance()
            if type == "comment" || type == "preamble" {
                _ = try braced(openedAt: start, close: close)
                return
            }
            skipSpace()
            if type == "string" {
                let name = identifier().lowercased()
                skipSpace()
                guard peek == "=" else { throw Failure(position: here, message: "malformed @string: expected '=' after '\(name)'") }
                advance()
                macros[name] = try value()
                skipSpace()
                guard peek == close else { throw Failure(position: here, message: "malformed @string: expected '\(close)'") }
                advance()
                return
            }
            let keyPos = here
            let k = identifier()
            guard !k.isEmpty else { throw Failure(position: keyPos, message: "malformed BibTeX entry: @\(type) has no citation key (write @\(type){key, ...})") }
            key = k
            if let old = db.entries[k] {
                throw Failure(position: keyPos, message: "duplicate BibTeX key '\(k)': it is already defined at line \(old.position.line)")
            }
            skipSpace()
            var fields: [String: String] = [:]
            while true {
                skipSpace()
                if peek == close { advance(); break }
                guard peek == "," else {
                    if atEnd { throw Failure(position: start, message: "malformed BibTeX entry '\(k)': it is never closed (missing '\(close)')") }
                    throw Failure(position: here, message: "malformed BibTeX entry '\(k)': expected ',' or '\(close)' here")
                }
                advance(); skipSpace()
                if peek == close { advance(); break }
                let namePos = here
                let name = identifier().lowercased()
                guard !name.isEmpty else {
                    if atEnd { throw Failure(position: start, message: "malformed BibTeX entry '\(k)': it is never closed (missing '\(close)')") }
                    throw Failure(position: namePos, message: "malformed BibTeX entry '\(k)': expected a field name")
                }
                skipSpace()
                guard peek == "=" else { throw Failure(position: here, message: "malformed BibTeX entry '\(k)': expected '=' after field '\(name)'") }
                advance()
                fields[name] = try value()
            }
            db.entries[k] = BibTeXEntry(type: type, key: k, fields: fields, position: start)
            for required in ["title", "author"] where fields[required] == nil && !(required == "author" && fields["editor"] != nil) {
                throw Failure(position: start, message: "BibTeX entry '\(k)' has no \(required) field; add one")
            }
            if fields["year"] == nil && fields["date"] == nil {
                throw Failure(position: start, message: "BibTeX entry '\(k)' has no year (or date) field; add one")
            }
        }

        /// A value: pieces joined by `#`, each `{...}`, `"..."`, a number or a macro name.
        mutating func value() throws -> String {
            var out = ""
            while true {
                skipSpace()
                let pos = here
                switch peek {
                case "{"?: advance(); out += try braced(openedAt: pos, close: "}")
                case "\""?:
                    advance()
                    var depth = 0, s = ""
                    while true {
                        guard let c = peek else { throw Failure(position: pos, message: "malformed BibTeX: the quoted value opened here is never closed") }
                        if c == "{" { depth += 1 } else if c == "}" { depth -= 1 } else if c == "\"" && depth == 0 { advance(); break }
                        s.unicodeScalars.append(c); advance()
                    }
                    out += s
                default:
                    let word = identifier()
                    guard !word.isEmpty else { throw Failure(position: pos, message: "malformed BibTeX: expected a value ({...}, \"...\", a number or a @string name)") }
                    if word.allSatisfy(\.isNumber) { out += word }
                    else if let m = macros[word.lowercased()] { out += m }
                    else { throw Failure(position: pos, message: "malformed BibTeX: '\(word)' is not a defined @string (put the value in braces: {\(word)})") }
                }
                skipSpace()
                guard peek == "#" else { return out }
                advance()
            }
        }

        /// The text up to the matching `close` (the opening one was just read), braces kept inside.
        mutating func braced(openedAt pos: SourcePosition, close: Unicode.Scalar) throws -> String {
            var depth = 0, s = ""
            while true {
                guard let c = peek else { throw Failure(position: pos, message: "malformed BibTeX: the '{' opened here is never closed") }
                if c == "{" { depth += 1 }
                if c == close && depth == 0 { advance(); return s }
                if c == "}" { depth -= 1 }
                s.unicodeScalars.append(c); advance()
            }
        }
    }
}

/// The TeX that bibliographies carry, as plain Unicode text: accents (`{\"o}`, `\'e`, `{\o}`),
/// escaped specials, dashes, `~`; protective braces are dropped.
enum TeX {
    private static let accents: [Character: [Character: String]] = [
        "\"": ["a": "ä", "o": "ö", "u": "ü", "e": "ë", "i": "ï", "A": "Ä", "O": "Ö", "U": "Ü"],
        "'": ["a": "á", "e": "é", "i": "í", "o": "ó", "u": "ú", "y": "ý", "c": "ć", "n": "ń", "s": "ś", "z": "ź", "E": "É", "A": "Á"],
        "`": ["a": "à", "e": "è", "i": "ì", "o": "ò", "u": "ù"],
        "^": ["a": "â", "e": "ê", "i": "î", "o": "ô", "u": "û"],
        "~": ["n": "ñ", "a": "ã", "o": "õ", "N": "Ñ"],
        "c": ["c": "ç", "C": "Ç"], "v": ["c": "č", "s": "š", "z": "ž", "r": "ř", "C": "Č", "S": "Š", "Z": "Ž"],
    ]
    private static let symbols: [String: String] = [
        "o": "ø", "O": "Ø", "aa": "å", "AA": "Å", "ae": "æ", "AE": "Æ", "ss": "ß", "l": "ł", "L": "Ł", "i": "ı",
        "&": "&", "%": "%", "$": "$", "_": "_", "#": "#", "{": "{", "}": "}",
    ]

    static func plain(_ tex: String) -> String {
        var s = tex
        // `\emph{x}`, `\textit{x}`, `\textbf{x}`, `\url{x}`: the argument
        s = s.replacingOccurrences(of: #"\\(?:emph|textit|textbf|textsc|texttt|url|mathrm)\s*\{"#, with: "{", options: .regularExpression)
        var out = "", chars = Array(s), k = 0
        while k < chars.count {
            let c = chars[k]
            if c == "\\", k + 1 < chars.count {
                let n = chars[k + 1]
                if let table = accents[n] {
                    // `\"o`, `\"{o}`, `\c c`
                    var j = k + 2
                    while j < chars.count, chars[j] == " " && n.isLetter { j += 1 }
                    var braced = false
                    if j < chars.count, chars[j] == "{" { braced = true; j += 1 }
                    if j < chars.count, let r = table[chars[j]] {
                        out += r; j += 1
                        if braced, j < chars.count, chars[j] == "}" { j += 1 }
                        k = j; continue
                    }
                }
                var j = k + 1, name = ""
                if n.isLetter { while j < chars.count, chars[j].isLetter { name.append(chars[j]); j += 1 } } else { name = String(n); j += 1 }
                if let r = symbols[name] {
                    out += r
                    if n.isLetter { while j < chars.count, chars[j] == " " { j += 1 } }
                    k = j; continue
                }
                k = j; continue  // an unknown command: dropped, its argument stays
            }
            if c == "{" || c == "}" { k += 1; continue }
            if c == "~" { out += "\u{A0}"; k += 1; continue }
            if c == "-", k + 1 < chars.count, chars[k + 1] == "-" {
                if k + 2 < chars.count, chars[k + 2] == "-" { out += "—"; k += 3 } else { out += "–"; k += 2 }
                continue
            }
            if c.isWhitespace { if !out.hasSuffix(" ") { out += " " }; k += 1; continue }
            out.append(c); k += 1
        }
        return out.trimmingCharacters(in: .whitespaces)
    }
}
