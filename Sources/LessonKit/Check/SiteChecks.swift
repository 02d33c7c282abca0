import Foundation

/// Checks of a built site that `lessons check` runs after the build: links and staleness.
public enum SiteChecks {
    /// Relative links in the prose must reach a page of the site, a lesson, or a file beside the
    /// lessons; `#anchor`s must name a heading of the page.
    public static func links(lessons: [Lesson], lessonsDirectory: URL, site: URL) -> [Diagnostic] {
        let fm = FileManager.default
        var out: [Diagnostic] = []
        for lesson in lessons {
            let ids = anchors(lesson)
            let sourceLines = lesson.source.components(separatedBy: "\n")
            for block in lesson.blocks {
                if case .code = block { continue }
                for href in hrefs(block) {
                    let target = href.removingPercentEncoding ?? href
                    if target.contains("://") || target.hasPrefix("mailto:") || target.hasPrefix("data:") { continue }
                    var ok = true
                    let parts = target.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                    let path = parts[0], anchor = parts.count > 1 ? parts[1] : ""
                    if path.isEmpty {
                        ok = anchor.isEmpty || ids.contains(anchor)
                    } else if path.hasPrefix("/") {
                        ok = false  // absolute paths break when the site is opened from disk
                    } else {
                        let page = SitePaths.pageURL(forLessonLink: path) ?? path
                        ok = fm.fileExists(atPath: site.appendingPathComponent(page).path)
                            || fm.fileExists(atPath: lessonsDirectory.appendingPathComponent(path).path)
                    }
                    if !ok {
                        // lesson links were rewritten from `x.md` to `x.html`; report what the author wrote
                        let authored = [href, href.replacingOccurrences(of: ".html", with: ".md")]
                        let found = authored.lazy.compactMap { a in locate(a, in: sourceLines, from: block.line).map { (a, $0) } }.first
                        let shown = found?.0 ?? href
                        let l: (line: Int, column: Int) = found?.1 ?? (block.line, 1)
                        out.append(Diagnostic(file: lesson.file, line: l.line, column: l.column,
                                              message: path.hasPrefix("/") ? "link '\(shown)' is absolute; use a relative link" : "broken link '\(shown)'"))
                    }
                }
            }
        }
        return out
    }

    /// The anchors a lesson's page has: headings, labelled equations and cells (cross-references),
    /// cells (`cell-N`), and `id`s in raw HTML (the references list's `ref-KEY`).
    static func anchors(_ lesson: Lesson) -> Set<String> {
        var ids = Set(lesson.headings.map(\.id))
        ids.formUnion(lesson.formulas.compactMap(\.label))
        for cell in lesson.cells {
            ids.insert("cell-\(cell.index + 1)")
            if let l = cell.options.label { ids.insert(l) }
        }
        lesson.blocks.forEachBlock { b in
            guard case .html(let parts, _) = b else { return }
            for case .html(let h) in parts {
                var rest = h[...]
                while let r = rest.range(of: " id=\""), let end = rest[r.upperBound...].firstIndex(of: "\"") {
                    ids.insert(String(rest[r.upperBound..<end])); rest = rest[end...]
                }
            }
        }
        return ids
    }

    /// The link targets in a block: Markdown links, and `href`s in raw HTML.
    static func hrefs(_ block: Block) -> [String] {
        var out: [String] = []
        block.forEachBlock { b in
            if case .html(let parts, _) = b { for case .html(let h) in parts { out += hrefs(html: h) } }
        }
        block.forEachInline { i in
            switch i {
            case .link(let t, _): out.append(t.url)
            case .html(let h): out += hrefs(html: h)
            default: break
            }
        }
        return out
    }

    static func hrefs(html: String) -> [String] {
        var out: [String] = []
        var rest = html[...]
        while let r = rest.range(of: "href=\"") {
            let after = rest[r.upperBound...]
            guard let end = after.firstIndex(of: "\"") else { break }
            out.append(String(after[..<end]).replacingOccurrences(of: "&amp;", with: "&"))
            rest = after[end...]
        }
        return out
    }

    /// The Markdown line and column where `text` first appears at or after `from`.
    static func locate(_ text: String, in lines: [String], from: Int) -> (line: Int, column: Int)? {
        for i in max(0, from - 1)..<lines.count {
            if let r = lines[i].range(of: "(" + text) { return (i + 1, lines[i].distance(from: lines[i].startIndex, to: r.lowerBound) + 2) }
        }
        return nil
    }

    /// The committed site is stale when a page's source, theme, tools or navigation differ from a
    /// fresh build's, or pages were added or removed. Differing cell outputs alone are a warning.
    public static func staleness(built: URL, committed: URL, lessons: [Lesson]) -> [Diagnostic] {
        let shown = SiteBuilder.displayPath(committed)
        guard let fresh = try? Manifest.load(from: built) else { return [] }  // the build failed; reported already
        guard let old = try? Manifest.load(from: committed) else {
            return [Diagnostic(file: shown + "/manifest.json", line: 1, message: "no committed site manifest; run `lessons build` and commit \(shown)/")]
        }
        var out: [Diagnostic] = []
        let oldPages = Dictionary(old.pages.map { ($0.page, $0) }, uniquingKeysWith: { a, _ in a })
        let newPages = Set(fresh.pages.map(\.page))
        for p in fresh.pages {
            guard let o = oldPages[p.page] else {
                out.append(Diagnostic(file: p.source, line: 1, message: "\(shown)/\(p.page) is missing from the committed site; run `lessons build` and commit \(shown)/"))
                continue
            }
            if o.sourceSHA256 != p.sourceSHA256 {
                out.append(Diagnostic(file: p.source, line: 1, message: "\(shown)/\(p.page) is stale (the lesson changed); run `lessons build` and commit \(shown)/"))
            } else if o.resultsSHA256 != p.resultsSHA256 {
                // Same source, other outputs: a cell is not deterministic (timings, threads) or the
                // engine changed. Worth knowing, but not a reason to fail CI on another machine.
                out.append(Diagnostic(file: p.source, line: 1, severity: .warning, message:
                    "cell outputs differ from the committed \(shown)/\(p.page) (a cell prints something that changes between runs, or the engine changed)"))
            } else if o.inputsSHA256 != p.inputsSHA256 {
                out.append(Diagnostic(file: p.source, line: 1, message: "\(shown)/\(p.page) is stale (the theme, tools or navigation changed); run `lessons build` and commit \(shown)/"))
            }
        }
        for o in old.pages where !newPages.contains(o.page) {
            out.append(Diagnostic(file: shown + "/manifest.json", line: 1, message: "\(shown)/\(o.page) has no lesson any more; run `lessons build` and commit \(shown)/"))
        }
        if let a = fresh.index, let b = old.index, a.inputsSHA256 != b.inputsSHA256 {
            out.append(Diagnostic(file: a.source.isEmpty ? shown + "/index.html" : a.source, line: 1,
                                  message: "\(shown)/index.html is stale; run `lessons build` and commit \(shown)/"))
        }
        return out
    }
}

