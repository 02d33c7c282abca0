import Foundation

extension SiteChecks {
    /// The links a translator wrote (`[첫 강의](01-x.md#sec-a)`) checked like the source's: each
    /// must reach a page of its language's folder or a file beside the lessons, and an `#anchor`
    /// a heading of the page it names. Reported at the catalogue's line of the translated text.
    public static func translationLinks(_ course: Course, lessonsDirectory: URL, site: URL) -> [Diagnostic] {
        var out: [Diagnostic] = []
        for t in course.translations {
            let folder = site.appendingPathComponent(t.sitePrefix)
            // the same anchors as the source pages have (headings, labels, cells, the references list)
            let ids = Dictionary(t.lessons.map { ($0.page, SiteChecks.anchors($0)) }, uniquingKeysWith: { a, _ in a })
            for lesson in t.lessons {
                guard let info = t.translationInfo[lesson.file] else { continue }
                var blocks: [Block] = []
                lesson.blocks.forEachBlock { b in
                    switch b { case .paragraph, .heading, .html: blocks.append(b); default: break }
                }
                for block in blocks {
                    // only text that came from the catalogue: the source's own links are checked as the source
                    guard let line = info.catalogueLines[block.line] else { continue }
                    for href in hrefs(block) {
                        let target = href.removingPercentEncoding ?? href
                        if target.contains("://") || target.hasPrefix("mailto:") || target.hasPrefix("data:") { continue }
                        let parts = target.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                        let path = parts[0], anchor = parts.count > 1 ? parts[1] : ""
                        var ok: Bool
                        if path.isEmpty {
                            ok = anchor.isEmpty || ids[lesson.page]?.contains(anchor) == true
                        } else if path.hasPrefix("/") {
                            ok = false
                        } else if let pageIDs = ids[path] {
                            ok = anchor.isEmpty || pageIDs.contains(anchor)
                        } else {
                            let beside = path.hasPrefix("../") ? String(path.dropFirst(3)) : path
                            ok = FileManager.default.fileExists(atPath: folder.appendingPathComponent(path).path)
                                || FileManager.default.fileExists(atPath: lessonsDirectory.appendingPathComponent(beside).path)
                        }
                        if !ok {
                            out.append(Diagnostic(file: info.catalogue, line: line,
                                message: "broken link '\(href.replacingOccurrences(of: ".html", with: ".md"))' in the \(t.language) translation of \(lesson.file):\(block.line); link to a lesson's .md file and one of its headings' anchors (they are the same in every language)"))
                        }
                    }
                }
            }
        }
        return out
    }
}
