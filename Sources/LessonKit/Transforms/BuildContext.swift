import Foundation

/// What the transforms may use besides the course: where things are, the settings, and the
/// services a build owns (the cell executor, the node renderer). Made once per build.
public final class BuildContext {
    public let lessonsDirectory: URL
    public let outputDirectory: URL
    public let cacheDirectory: URL?
    public let settings: Settings
    public let executor: CellExecutor
    /// How many lessons the executor may run at once.
    public let jobs: Int
    public let theme: Theme
    public let renderer: RenderService
    /// The site the last build wrote, if any.
    public let previous: Manifest?
    /// True when the previous site was built by this same build of the tool (so its pages may be reused).
    public let sameTool: Bool

    init(lessonsDirectory: URL, outputDirectory: URL, cacheDirectory: URL?, themeDirectory: URL,
         settings: Settings, executor: CellExecutor, jobs: Int) throws {
        self.lessonsDirectory = lessonsDirectory
        self.outputDirectory = outputDirectory
        self.cacheDirectory = cacheDirectory
        self.settings = settings
        self.executor = executor
        self.jobs = jobs
        let resources = try Resources(override: settings.resourcesDirectory)
        theme = try Theme(overrideDirectory: themeDirectory, resources: resources)
        renderer = try RenderService(cacheDirectory: cacheDirectory, nodePath: settings.nodePath, resources: resources,
                                     renderThreads: settings.renderThreads, environment: settings.environment)
        previous = try? Manifest.load(from: outputDirectory)
        toolIdentity = ToolIdentity.current(renderScript: renderer.scriptHash)
        let key = ToolKey(generator: "lessons \(LessonKitInfo.version)", katex: renderer.katexVersion,
                          highlight: renderer.highlightVersion, theme: theme.hash)
        toolKey = key
        sameTool = toolIdentity == cacheDirectory.flatMap(ToolIdentity.stored) && previous.map { key.matches($0) } ?? false
    }

    /// This build of the tool, as `ToolIdentity` describes it.
    let toolIdentity: String
    /// Everything about the tool that every page depends on.
    public let toolKey: ToolKey
}

/// The versions and hashes of what renders every page.
public struct ToolKey: Hashable, Sendable {
    public var generator: String
    public var katex: String
    public var highlight: String
    public var theme: String

    func matches(_ m: Manifest) -> Bool {
        m.generator == generator && m.katex == katex && m.highlight == highlight && m.themeSHA256 == theme
    }
}

/// Reuse also needs the same build of this tool: the manifest's hashes must not depend on the
/// machine, so the tool's local identity (size and time of the executable) is kept in the
/// cache folder instead.
enum ToolIdentity {
    static func current(renderScript: String) -> String {
        let path = Bundle.main.executablePath ?? CommandLine.arguments[0]
        let attrs = try? FileManager.default.attributesOfItem(atPath: path)
        let size = (attrs?[.size] as? NSNumber)?.intValue ?? 0
        let time = (attrs?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return "\(LessonKitInfo.version) \(path) \(size) \(time) \(renderScript)"
    }
    static func file(_ cache: URL) -> URL { cache.appendingPathComponent("tool-identity") }
    static func stored(in cache: URL) -> String? { try? String(contentsOf: file(cache), encoding: .utf8) }
    static func store(_ identity: String, in cache: URL) {
        try? FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true)
        try? identity.write(to: file(cache), atomically: true, encoding: .utf8)
    }
}
