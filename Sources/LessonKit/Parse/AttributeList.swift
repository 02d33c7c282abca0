import Foundation

/// kramdown inline attribute lists, as Jekyll/Chirpy posts write them after images:
/// `![fig](a.png){: style="width:70%" .shadow}` or on the line below the image. The converter
/// applies them to the image just before them; anywhere else they are dropped (never shown as text).
enum AttributeList {
    private static let attribute = try! NSRegularExpression(
        pattern: #"([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"']+))|\.([-A-Za-z0-9_]+)|#([-A-Za-z0-9_]+)"#)

    /// `style="a" .x .y #z w="70"` -> style="a", width="70", class="x y", id="z".
    static func attributes(_ list: String) -> [HTMLAttribute] {
        var attrs: [HTMLAttribute] = [], classes: [String] = []
        let ns = list as NSString
        for m in attribute.matches(in: list, range: NSRange(location: 0, length: ns.length)) {
            func group(_ i: Int) -> String? { m.range(at: i).location == NSNotFound ? nil : ns.substring(with: m.range(at: i)) }
            if let cls = group(5) { classes.append(cls); continue }
            if let id = group(6) { attrs.append(HTMLAttribute("id", id)); continue }
            guard var key = group(1)?.lowercased() else { continue }
            let value = group(2) ?? group(3) ?? group(4) ?? ""
            if key == "w" { key = "width" } else if key == "h" { key = "height" } // Chirpy's short names
            guard !key.hasPrefix("on") else { continue } // no event handlers from attribute lists
            if key == "class" { classes.append(value) } else { attrs.append(HTMLAttribute(key, value)) }
        }
        if !classes.isEmpty { attrs.append(HTMLAttribute("class", classes.joined(separator: " "))) }
        return attrs
    }
}
