/// Parses a fence's info string (`swift hide timeout=30`) into a language and `CellOptions`.
/// Options are only meaningful on Swift cells; on other fences the rest of the info string
/// is left alone (Markdown from elsewhere puts titles and attributes there).
enum CellOptionsParser {
    static let known = "hide, no-run, compile-fail, should-trap, output=show|hide|fold, timeout=SECONDS"

    static func parse(info: String, line: Int, sourceLine: String, file: String) -> (String, CellOptions, [Diagnostic]) {
        let words = info.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        var options = CellOptions()
        var diagnostics: [Diagnostic] = []
        guard let language = words.first else { return ("", options, []) }
        guard language == "swift" else { return (language, options, []) }

        var searchFrom = sourceLine.startIndex
        func column(of word: String) -> Int {
            guard let r = sourceLine.range(of: word, range: searchFrom..<sourceLine.endIndex) else { return 1 }
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
            default:
                fail("unknown cell option '\(word)' (known: \(known))")
            }
        }
        if options.compileFail && options.shouldTrap {
            diagnostics.append(Diagnostic(file: file, line: line, column: 1, message: "cell options 'compile-fail' and 'should-trap' exclude each other"))
        }
        return (language, options, diagnostics)
    }
}
