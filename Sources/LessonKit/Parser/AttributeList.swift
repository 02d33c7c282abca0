import Foundation

/// kramdown inline attribute lists, as Jekyll/Chirpy posts write them after images:
/// `![fig](a.png){: style="width:70%" .shadow}` or on the line below the image. They are
/// applied to the image just before them; anywhere else they are dropped (never shown as text).
enum AttributeList {
    static func token(_ index: Int) -> String { "\u{E002}\(index)\u{E003}" }

    private static let tokenPattern = try! NSRegularExpression(pattern: "\u{E002}([0-9]+)\u{E003}")
    private static let imageThenToken = try! NSRegularExpression(pattern: "(<img [^>]*?)\\s*/>\\s*\u{E002}([0-9]+)\u{E003}")
    private static let emptyParagraph = try! NSRegularExpression(pattern: "<p>\\s*</p>\n?")
    private static let attribute = try! NSRegularExpression(
        pattern: #"([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"']+))|\.([-A-Za-z0-9_]+)|#([-A-Za-z0-9_]+)"#)

    /// `style="a" .x .y #z w="70"` -> ` style="a" width="70" class="x y" id="z"`.
    static func htmlAttributes(_ list: String) -> String {
        var attrs: [(String, String)] = [], classes: [String] = []
        let ns = list as NSString
        for m in attribute.matches(in: list, range: NSRange(location: 0, length: ns.length)) {
            func group(_ i: Int) -> String? { m.range(at: i).location == NSNotFound ? nil : ns.substring(with: m.range(at: i)) }
            if let cls = group(5) { classes.append(cls); continue }
            if let id = group(6) { attrs.append(("id", id)); continue }
            guard var key = group(1)?.lowercased() else { continue }
            let value = group(2) ?? group(3) ?? group(4) ?? ""
            if key == "w" { key = "width" } else if key == "h" { key = "height" } // Chirpy's short names
            guard !key.hasPrefix("on") else { continue } // no event handlers from attribute lists
            if key == "class" { classes.append(value) } else { attrs.append((key, value)) }
        }
        if !classes.isEmpty { attrs.append(("class", classes.joined(separator: " "))) }
        return attrs.map { " \($0.0)=\"\(HTML.escape($0.1))\"" }.joined()
    }

    /// Applies lists that follow an `<img>` to it, drops the rest, and removes paragraphs left empty.
    static func apply(_ html: String, _ lists: [String]) -> String {
        guard html.contains("\u{E002}") else { return html }
        var result = ""
        var last = html.startIndex
        for m in imageThenToken.matches(in: html, range: NSRange(html.startIndex..., in: html)) {
            guard let whole = Range(m.range, in: html), let img = Range(m.range(at: 1), in: html),
                  let num = Range(m.range(at: 2), in: html), let n = Int(html[num]), n < lists.count else { continue }
            result += html[last..<whole.lowerBound] + html[img] + htmlAttributes(lists[n]) + " />"
            last = whole.upperBound
        }
        result += html[last...]
        result = tokenPattern.stringByReplacingMatches(in: result, range: NSRange(result.startIndex..., in: result), withTemplate: "")
        return emptyParagraph.stringByReplacingMatches(in: result, range: NSRange(result.startIndex..., in: result), withTemplate: "")
    }
}
