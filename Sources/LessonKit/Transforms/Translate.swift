import Foundation

/// The course in its other languages. The first stage: it reads the course's languages
/// (`languages: [en, ko]` in index.md's front matter, else gettext's `Lessons/po/LINGUAS` after
/// the source language `en`), and for each other language makes a `Course` from the *parsed*
/// source and that language's catalogues (`Lessons/po/<lang>/<lesson>.po`): every prose unit's
/// inlines are replaced by its translation, parsed as Markdown; everything else (cells, display
/// math, labels, ids) is the source's own value. Each translation then goes through every later
/// stage like the source (`SiteBuilder.build`), except that it takes the source's cell results
/// instead of running the cells: one run per build for all languages.
///
/// A unit without a current translation shows the source text, marked (`class="untranslated"`,
/// `lang` of the source) and reported as a warning: untranslated at the lesson's line, outdated
/// at the catalogue's line with the lesson's line in the message (and a note at the lesson's).
public struct Translate: CourseTransform {
    public var name: String { "translate" }
    public init() {}

    public func apply(_ course: Course, _ context: BuildContext) throws -> Course {
        guard course.translationInfo.isEmpty, course.translations.isEmpty else { return course }
        var course = course
        let (languages, diagnostics) = Self.languages(course, lessonsDirectory: context.lessonsDirectory)
        course.languages = languages
        course.language = languages[0]
        if course.index != nil { course.index!.diagnostics += diagnostics } else if !course.lessons.isEmpty { course.lessons[0].diagnostics += diagnostics }
        guard languages.count > 1 else { return course }
        for language in languages.dropFirst() {
            course.translations.append(Self.translated(course, into: language, lessonsDirectory: context.lessonsDirectory))
        }
        // the source pages link to the translations (the switcher): a change of languages re-renders them
        let marker = "languages " + languages.joined(separator: ",")
        course.updateEveryLesson { $0.externalInputs.append(marker) }
        return course
    }

    /// The course's languages, the source first, and what is wrong with their declaration.
    static func languages(_ course: Course, lessonsDirectory: URL) -> ([String], [Diagnostic]) {
        var diagnostics: [Diagnostic] = []
        let linguasURL = lessonsDirectory.appendingPathComponent("po/LINGUAS")
        let linguas = (try? String(contentsOf: linguasURL, encoding: .utf8)).map { text in
            text.split(separator: "\n").flatMap { $0.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first?
                .split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init) ?? [] }
        }
        var langs: [String]
        if let declared = course.index?.frontMatter.extra["languages"] {
            langs = declared.trimmingCharacters(in: CharacterSet(charactersIn: "[] ")).split(separator: ",")
                .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " \"'")) }.filter { !$0.isEmpty }
        } else if let linguas, !linguas.isEmpty {
            langs = ["en"] + linguas.filter { $0 != "en" }
        } else {
            langs = ["en"]
        }
        if langs.isEmpty { langs = ["en"] }
        var seen = Set<String>()
        langs = langs.filter { seen.insert($0).inserted }
        let file = course.index?.file ?? course.lessons.first?.file ?? "index.md"
        for l in langs where !InterfaceStrings.known.contains(l.split(separator: "-").first.map(String.init) ?? l) {
            diagnostics.append(Diagnostic(file: file, line: 1, severity: .warning,
                message: "language '\(l)' has no interface strings (InterfaceStrings.swift has en and ko); its pages' labels will be English"))
        }
        return (langs, diagnostics)
    }

    /// The course in `language`, before any later stage.
    static func translated(_ source: Course, into language: String, lessonsDirectory: URL) -> Course {
        let strings = InterfaceStrings.for(language)
        var info: [String: LessonTranslation] = [:]
        func one(_ lesson: Lesson) -> Lesson {
            let (l, i) = LessonTranslator.translate(lesson, language: language, sourceLanguage: source.language,
                                                    strings: strings, lessonsDirectory: lessonsDirectory)
            info[lesson.file] = i
            return l
        }
        var t = Course(lessons: source.lessons.map(one), index: source.index.map(one))
        t.language = language
        t.languages = source.languages
        t.translationInfo = info
        return t
    }

    /// A translation's pages live one folder down (`ko/`): links to files beside the lessons
    /// (images, downloads) get `../`; links to pages stay, as the pages of one language are
    /// side by side.
    static func relocated(_ course: Course) -> Course {
        var course = course
        let pages = Set(course.lessons.map(\.page) + ["index.html"])
        func fix(_ url: String) -> String {
            guard SitePaths.isLocal(url) else { return url }
            let path = url.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? url
            if pages.contains(path.removingPercentEncoding ?? path) { return url }
            return "../" + url
        }
        course.updateEveryLesson { lesson in
            lesson.blocks = lesson.blocks.rewritingInlines { inline in
                switch inline {
                case .image(var img): img.target.url = fix(img.target.url); return .image(img)
                case .link(var t, let c): t.url = fix(t.url); return .link(t, c)
                default: return inline
                }
            }
        }
        return course
    }
}

/// What `Translate` found for one lesson in one language.
public struct LessonTranslation: Sendable {
    public var catalogue: String
    public var catalogueExists: Bool
    /// Hash of the lesson's source and its catalogue: the translated page's source in the manifest.
    public var sourceSHA256: String
    public var counts: Catalogue.Counts
    /// Lesson line of a translated unit -> the catalogue line of its msgstr (to report problems
    /// found later in the translated text at the catalogue).
    public var catalogueLines: [Int: Int]
}

/// One lesson in one language.
enum LessonTranslator {
    enum Resolution { case translated([Inline]), fallback(outdated: Bool) }

    static func translate(_ lesson: Lesson, language: String, sourceLanguage: String, strings: InterfaceStrings,
                          lessonsDirectory: URL) -> (Lesson, LessonTranslation) {
        let name = Catalogue.displayName(lessons: lessonsDirectory, language: language, slug: lesson.slug)
        var t = lesson
        var warnings: [Diagnostic] = []
        var catalogue: Catalogue?
        do { catalogue = try Catalogue.load(lessons: lessonsDirectory, language: language, slug: lesson.slug) }
        catch let d as Diagnostic { t.pageErrors.append(d) }
        catch { t.pageErrors.append(Diagnostic(file: name, line: 1, message: "\(error)")) }
        let units = UnitExtractor.units(of: lesson)
        let matches = catalogue?.match(units) ?? [:]
        let counts = Catalogue.counts(units, matches)
        var lines: [Int: Int] = [:]
        if catalogue == nil, t.pageErrors.isEmpty {
            warnings.append(Diagnostic(file: lesson.file, line: 1, severity: .warning,
                message: "no \(language) translation (\(name) does not exist): the \(language) page shows the \(sourceLanguage) text; run `lessons translate` to make the catalogue, then fill in its msgstr entries"))
        }
        let entries = catalogue?.po.entries ?? []
        let x = UnitExtractor(lesson)
        var reportedUntranslated = Set<POKey>(), reportedOutdated = Set<POKey>()

        /// The first line of an entry's msgstr text (the line after `msgstr ""` when it spans lines).
        func textLine(_ e: POFile.Entry) -> Int { e.translation.contains("\n") ? e.translationLine + 1 : e.translationLine }

        func resolve(_ u: TranslationUnit, source: [Inline]) -> Resolution {
            guard let catalogue else { return .fallback(outdated: false) }
            switch matches[u.key] ?? .untranslated(nil) {
            case .untranslated where u.kind == .cell:
                return .fallback(outdated: false)  // nothing to translate in a cell; `lessons translate` enters it
            case .untranslated(let k):
                if reportedUntranslated.insert(u.key).inserted {
                    let at = k.map { " (\(catalogue.file):\(entries[$0].line) has an empty msgstr)" } ?? " (not in \(catalogue.file); run `lessons translate` to add it)"
                    warnings.append(Diagnostic(file: lesson.file, line: u.line, severity: .warning,
                        message: "this \(what(u)) has no \(language) translation\(at): the \(language) page shows it in \(sourceLanguage), marked as untranslated"))
                }
                return .fallback(outdated: false)
            case .outdated(let k):
                let e = entries[k]
                if reportedOutdated.insert(u.key).inserted {
                    let change = e.key == u.key ? "marked fuzzy" : "made from text that is no longer in the lesson"
                    let fix = u.kind == .cell
                        ? "check the translated text around the cell, then put the new code in its msgstr and remove the fuzzy flag (`lessons translate` merges the catalogue)"
                        : "update the msgstr and remove the fuzzy flag (`lessons translate` merges the catalogue and shows the old source as #| msgid)"
                    let shown = u.kind == .cell
                        ? "the \(language) page runs the new code (cells are shared) with a note that the text around it may not match, until you \(fix)"
                        : "the page shows the \(sourceLanguage) text until you \(fix)"
                    warnings.append(Diagnostic(file: catalogue.file, line: e.line, severity: .warning,
                        message: "outdated \(language) translation: the source \(what(u)) at \(lesson.file):\(u.line) changed since it was translated (\(change)); \(shown)"))
                    warnings.append(Diagnostic(file: lesson.file, line: u.line, severity: .note,
                        message: "the \(language) translation of this \(what(u)) (\(catalogue.file):\(e.line)) is outdated"))
                }
                return .fallback(outdated: true)
            case .translated(let k):
                let e = entries[k]
                if u.kind == .cell || u.kind == .title || u.kind == .summary || u.kind == .caption {
                    lines[u.line] = e.translationLine
                    return .translated([.text(e.translation)])
                }
                switch parse(e.translation, kind: u.kind, source: source, file: catalogue.file, line: textLine(e)) {
                case .success(let inlines):
                    lines[u.line] = textLine(e)
                    return .translated(inlines)
                case .failure(let d):
                    warnings.append(d)
                    return .fallback(outdated: false)
                }
            }
        }

        func marked(_ content: [Inline], outdated: Bool, block: Bool = false) -> [Inline] {
            // an image paragraph (and its caption) keeps its shape: nothing to mark but alt text
            var hasImage = false
            content.forEach { $0.forEach { if case .image = $0 { hasImage = true } } }
            if hasImage { return content }
            let title = HTML.escape(strings.untranslatedTitle)
            let tag = block ? "div" : "span"
            let open = "<\(tag) class=\"untranslated\(outdated ? " outdated" : "")\" lang=\"\(HTML.escape(sourceLanguage))\" data-untranslated=\"\(HTML.escape(strings.untranslated))\" title=\"\(title)\">"
            var c = content
            var prefix: [Inline] = []
            // a callout's `[!NOTE]` marker must stay the paragraph's first text for `Callouts`
            if case .text(let first)? = c.first, first.hasPrefix("[!") {
                let br = c.firstIndex { if case .softBreak = $0 { return true }; if case .lineBreak = $0 { return true }; return false }
                guard let br else { return content }
                prefix = Array(c[...br]); c = Array(c[(br + 1)...])
            }
            return prefix + [.html(open)] + c + [.html("</\(tag)>")]
        }

        func rewrite(_ blocks: [Block], inQuote: Bool) -> [Block] {
            var out: [Block] = []
            for b in blocks {
                switch b {
                case .paragraph(let c, let p):
                    guard let u = x.unit(b, inQuote: inQuote) else { out.append(b); continue }
                    switch resolve(u, source: c) {
                    case .translated(let inlines): out.append(.paragraph(positioned(inlines, p), p))
                    case .fallback(let outdated): out.append(.paragraph(marked(c, outdated: outdated), p))
                    }
                case .heading(var h):
                    guard let u = x.unit(b, inQuote: inQuote) else { out.append(b); continue }
                    switch resolve(u, source: h.content) {
                    case .translated(let inlines): h.content = positioned(inlines, SourcePosition(line: h.line))
                    case .fallback(let outdated): h.content = marked(h.content, outdated: outdated)
                    }
                    out.append(.heading(h))
                case .html(let c, let p):
                    guard let u = x.unit(b, inQuote: inQuote) else { out.append(b); continue }
                    switch resolve(u, source: c) {
                    case .translated(let inlines): out.append(.html(positioned(inlines, p), p))
                    case .fallback(let outdated): out.append(.html(marked(c, outdated: outdated, block: true), p))
                    }
                case .quote(let inner, let p, let a):
                    out.append(.quote(rewrite(inner, inQuote: true), p, attributes: a))
                case .callout(var c):
                    c.blocks = rewrite(c.blocks, inQuote: true)
                    out.append(.callout(c))
                case .list(var l, let p):
                    l.items = l.items.map { rewrite($0, inQuote: inQuote) }
                    out.append(.list(l, p))
                case .code(var cell):
                    if let u = x.unit(b, inQuote: inQuote), case .fallback(outdated: true) = resolve(u, source: []) {
                        // the code is the source's either way; the reader is told the text may not match it
                        out.append(.html([.html("<p class=\"translation-note\" role=\"note\">\(HTML.escape(strings.cellChangedSinceTranslation))</p>")],
                                         SourcePosition(line: cell.fenceLine)))
                    }
                    if let caption = cell.options.caption, !caption.isEmpty {
                        let u = TranslationUnit(kind: .caption, id: caption, line: cell.fenceLine)
                        if case .translated(let inlines) = resolve(u, source: []) { cell.options.caption = Inline.plainText(inlines) }
                    }
                    out.append(.code(cell))
                default:
                    out.append(b)
                }
            }
            return out
        }

        if let title = lesson.frontMatter.title, !title.isEmpty,
           case .translated(let v) = resolve(TranslationUnit(kind: .title, id: title, line: x.frontMatterLine("title")), source: []) {
            t.frontMatter.title = Inline.plainText(v)
        }
        if let summary = lesson.frontMatter.summary, !summary.isEmpty,
           case .translated(let v) = resolve(TranslationUnit(kind: .summary, id: summary, line: x.frontMatterLine("summary")), source: []) {
            t.frontMatter.summary = Inline.plainText(v)
        }
        t.blocks = rewrite(lesson.blocks, inQuote: false)
        // reported once, by the catalogue's translation, not again by the source's stages
        t.pageErrors += warnings
        let sha = SHA256.hex(lesson.source + "\u{0}" + (catalogue?.text ?? ""))
        t.externalInputs.append("translation \(language) \(sha)")
        return (t, LessonTranslation(catalogue: name, catalogueExists: catalogue != nil, sourceSHA256: sha,
                                     counts: counts, catalogueLines: lines))
    }

    static func what(_ u: TranslationUnit) -> String {
        switch u.kind {
        case .text: return "paragraph"
        case .heading: return "heading"
        case .html: return "HTML block"
        case .cell: return "cell"
        case .caption: return "caption"
        case .title: return "title"
        case .summary: return "summary"
        }
    }

    /// The translated inlines, with every position set to the source block's (so that later
    /// stages report at the lesson's line, which `LessonTranslation.catalogueLines` maps back).
    static func positioned(_ inlines: [Inline], _ p: SourcePosition) -> [Inline] {
        inlines.map { $0.rewritten { i in
            switch i {
            case .math(var m): m.line = p.line; m.column = p.column; return .math(m)
            case .image(var img): img.position = p; return .image(img)
            default: return i
            }
        } }
    }

    /// A msgstr as Markdown: one block of the unit's kind, with the same formulas and the same
    /// cross-references and citations as the source (they are shared, not translated).
    static func parse(_ text: String, kind: TranslationUnit.Kind, source: [Inline], file: String, line: Int) -> Result<[Inline], Diagnostic> {
        func fail(_ m: String, _ l: Int = line) -> Result<[Inline], Diagnostic> {
            .failure(Diagnostic(file: file, line: l, severity: .warning, message: m + "; the page shows the source text"))
        }
        let parsed = LessonParser.parse(source: text, file: file, slug: "translation")
        if let d = parsed.diagnostics.first(where: { $0.severity == .error }) {
            return fail("in this translation: \(d.message)", line + d.line - 1)
        }
        var inlines: [Inline]
        switch (kind, parsed.blocks.count == 1 ? parsed.blocks.first : nil) {
        case (.text, .paragraph(let c, _)?), (.heading, .paragraph(let c, _)?), (.html, .html(let c, _)?), (.html, .paragraph(let c, _)?):
            inlines = c.expandingText(splitParticles)
        default:
            let shape = kind == .html ? "an HTML block" : "one paragraph"
            return fail("this translation is not \(shape) as its source is (a blank line starts another paragraph; a leading `#`, `-`, `>` or `1.` makes a heading, list or quote: escape it as `\\#`)")
        }
        func formulas(_ c: [Inline]) -> [String] {
            var out: [String] = []
            c.forEach { $0.forEach { if case .math(let m) = $0 { out.append(m.tex.filter { !$0.isWhitespace }) } } }
            return out.sorted()
        }
        let (want, got) = (formulas(source), formulas(inlines))
        if want != got {
            let missing = want.filter { !got.contains($0) }, extra = got.filter { !want.contains($0) }
            var detail: [String] = []
            if !missing.isEmpty { detail.append("missing $\(missing[0])$") }
            if !extra.isEmpty { detail.append("not in the source $\(extra[0])$") }
            if detail.isEmpty { detail.append("\(want.count) in the source, \(got.count) here") }
            return fail("this translation's formulas differ from its source's (\(detail.joined(separator: "; "))): math is shared, so copy each formula exactly as the msgid has it")
        }
        let (wantRefs, gotRefs) = (references(source), references(inlines))
        if wantRefs != gotRefs {
            let missing = wantRefs.subtracting(gotRefs).sorted(), extra = gotRefs.subtracting(wantRefs).sorted()
            let detail = (missing.map { "missing \($0)" } + extra.map { "not in the source \($0)" }).joined(separator: ", ")
            return fail("this translation's cross-references and citations differ from its source's (\(detail)): keep each @label as the msgid has it")
        }
        return .success(inlines)
    }

    /// Korean particles follow a reference without a space (`@fig-x에서`, `@kingma2014는`), but
    /// a label may hold any letter, so `@fig-x에서` would name the label `fig-x에서`. Labels in
    /// practice are ASCII: the text is cut where an ASCII label meets a non-ASCII letter, and
    /// the stages that resolve references see `@fig-x` alone (the page joins the runs again).
    static let particleBoundary = try! NSRegularExpression(pattern: #"@[A-Za-z0-9_][A-Za-z0-9_:.-]*[A-Za-z0-9_](?=[^\x00-\x7F])"#)
    static func splitParticles(_ text: String) -> [Inline] {
        let ns = text as NSString
        var out: [Inline] = [], at = 0
        for m in particleBoundary.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
            let end = m.range.location + m.range.length
            out.append(.text(ns.substring(with: NSRange(location: at, length: end - at))))
            at = end
        }
        if at == 0 { return [.text(text)] }
        if at < ns.length { out.append(.text(ns.substring(from: at))) }
        return out
    }

    /// `@eq-x`, `@key` and `[@key]` written in the text (before the stages that resolve them).
    static let referencePattern = try! NSRegularExpression(pattern: #"(?<![\p{L}\p{N}_@])@([\p{L}\p{N}_][\p{L}\p{N}_:.-]*[\p{L}\p{N}_]|[\p{L}\p{N}_])"#)
    static func references(_ inlines: [Inline]) -> Set<String> {
        var out = Set<String>()
        for i in inlines {
            i.forEach { node in
                guard case .text(let t) = node else { return }
                let ns = t as NSString
                for m in referencePattern.matches(in: t, range: NSRange(location: 0, length: ns.length)) {
                    out.insert("@" + ns.substring(with: m.range(at: 1)))
                }
            }
        }
        return out
    }
}
