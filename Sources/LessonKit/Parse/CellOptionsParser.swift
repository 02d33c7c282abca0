/// Parses a fence's info string (`swift hide timeout=30`) into a language and `CellOptions`.
/// Options are only meaningful on Swift cells; on other fences the rest of the info string
/// is left alone (Markdown from elsewhere puts titles and attributes there).
enum CellOptionsParser {
    static let known = "hide, no-run, compile-fail, should-trap, output=show|hide|fold, timeout=SECONDS, label=fig-NAME|tbl-NAME, caption=\"TEXT\""

    /// The info string's words; a value in double quotes (`caption="Exact posterior and q"`)
    /// may hold spaces, and `\"` inside it is a quote.
    static func words(_ info: String) -> [String] {
        var words: [String] = [], word = "", quoted = false, escaped = false, started = false
        for ch in info {
            if escaped { word.append(ch); escaped = false; continue }
            if quoted && ch == "\\" { escaped = true; continue }
            if ch == "\"" { quoted.toggle(); started = true; continue }
            if !quoted && (ch == " " || ch == "\t") {
                if started { words.append(word); word = ""; started = false }
                continue
            }
            word.append(ch); started = true
        }
        if started { words.append(word) }
        return words
    }

    static func parse(info: String, line: Int, sourceLine: String, file: String) -> (String, CellOptions, [Diagnostic]) {
        let words = Self.words(info)
        var options = CellOptions()
        var diagnostics: [Diagnostic] = []
        guard let language = words.first else { return ("", options, []) }
        guard language == "swift" else { return (language, options, []) }

        var searchFrom = sourceLine.startIndex
        func column(of word: String) -> Int {
            // a quoted value is written with its quotes: look for the part before them
            let needle = word.split(separator: "=", maxSplits: 1).first.map { word.contains("=") ? $0 + "=" : $0 } ?? Substring(word)
            guard let r = sourceLine.range(of: needle, range: searchFrom..<sourceLine.endIndex) else { return 1 }
            searchFrom = r.upperBound
            return sourceLine.distance(from: sourceLine.startIndex, to: r.lowerBound) + 1
        }
        _ = column(of: language)
        for word in words.dropFirst() {
            let col = column(of: word)
            func fail(_ message: String) { diagnostics.append(Diagnostic(file: file, line: line, column: col, message: message)) }
            let parts = word.split(separator: "=", maxSplits: 1).map(String.init)
            let key = parts[0], value = parts.count > 1 ? parts[1] : nil
            switch (key, value) {
            case ("hide", nil): options.hide = true
            case ("no-run", nil): options.noRun = true
            case ("compile-fail", nil): options.compileFail = true
            case ("should-trap", nil): options.shouldTrap = true
            case ("output", let v?):
                guard let mode = OutputMode(rawValue: v) else { fail("bad value '\(v)' for cell option 'output' (expected show, hide or fold)"); continue }
                options.output = mode
            case ("timeout", let v?):
                guard let t = Double(v), t > 0, t.isFinite else { fail("bad value '\(v)' for cell option 'timeout' (expected a positive number of seconds)"); continue }
                options.timeout = t
            case ("label", let v?):
                // Quarto's prefixes: what kind of thing the cell shows decides how it is numbered
                guard v.hasPrefix("fig-") || v.hasPrefix("tbl-"), v.count > 4,
                      v.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                    fail("bad cell label '\(v)': a cell's label starts with fig- (a figure it shows) or tbl- (a table), then letters, digits, - or _"); continue
                }
                options.label = v
            case ("caption", let v?):
                options.caption = v
            default:
                fail("unknown cell option '\(word)' (known: \(known))")
            }
        }
        if options.caption != nil && !words.contains(where: { $0.hasPrefix("label=") }) {
            diagnostics.append(Diagnostic(file: file, line: line, column: 1, severity: .warning,
                message: "cell option 'caption' without 'label' is not shown; add label=fig-NAME or label=tbl-NAME"))
        }
        if options.compileFail && options.shouldTrap {
            diagnostics.append(Diagnostic(file: file, line: line, column: 1, message: "cell options 'compile-fail' and 'should-trap' exclude each other"))
        }
        return (language, options, diagnostics)
    }
}
