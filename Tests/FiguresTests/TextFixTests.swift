import XCTest
@testable import Figures

/// The page bugs of issue #14 item 11 that live in Figures, each pinned to its exact output.
final class TextFixTests: XCTestCase {
    func testTextAfterAScriptReturnsToTheBaseline() {
        // Chromium ignores the dy of an empty <tspan>, so the shift back must ride on the text after it.
        XCTAssertEqual(markupTSpans(parseMarkup("q_\\phi(z|x)"), 10),
                       "q<tspan dy=\"3\" font-size=\"7\">φ</tspan><tspan dy=\"-3\">(z|x)</tspan>")
        // Subscript straight into superscript: one relative shift between them, none empty.
        XCTAssertEqual(markupTSpans(parseMarkup("x_1^2"), 10),
                       "x<tspan dy=\"3\" font-size=\"7\">1</tspan><tspan dy=\"-7\" font-size=\"7\">2</tspan>")
        XCTAssertFalse(markupTSpans(parseMarkup("a_b c^d e"), 12).contains("\"></tspan>"), "no empty tspan")
        XCTAssertEqual(markupTSpans(parseMarkup("plain"), 10), "plain")
    }

    func testLegendLabelsTakeMarkup() {
        let svg = LinePlot(title: "t").line(x: [1, 2], y: [1, 2], label: "n^d × time").svgString()
        XCTAssertTrue(svg.contains(">n<tspan dy=\"-4.8\" font-size=\"8.4\">d</tspan><tspan dy=\"4.8\"> × time</tspan></text>"), svg)
        XCTAssertFalse(svg.contains(">n^d"), "no raw caret in the drawn text (the <desc> may keep it)")
    }

    func testLogAxesLabelAtLeastThreeTicks() {
        // Six decades: every decade may be labelled on a tall axis, never fewer than three.
        XCTAssertEqual(Ticks.log(1, 1e6, count: 3), [1, 100, 1e4, 1e6])
        XCTAssertEqual(Ticks.log(1, 1e6, count: 10), [1, 10, 100, 1e3, 1e4, 1e5, 1e6])
        XCTAssertEqual(Ticks.log(10, 1e6, count: 2).count, 3)
        // Under three decades with only two powers of ten inside: 3s fill in.
        XCTAssertEqual(Ticks.log(4, 900, count: 5), [10, 30, 100, 300])
    }

    func testDiagramDescriptionUsesLabelsNotIds() {
        let d = Diagram(title: "AE").node("enc", "Encoder", shape: .encoder).node("xh", "x̂", shape: .observed)
            .edge("enc", "xh").svgString()
        XCTAssertTrue(d.contains("arrows Encoder to x̂."), d)
        XCTAssertFalse(d.contains("enc to xh"))
    }
}
