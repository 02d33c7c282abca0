import Foundation

/// Every setting that comes from the environment, read in one place (`fromEnvironment`) at the
/// command line's edge and passed down; the libraries read no environment themselves.
public struct Settings: Sendable, Equatable {
    /// `LESSONS_TIMINGS=1`: print the time of each stage.
    public var printTimings = false
    /// `LESSONS_RENDER_THREADS`: KaTeX worker threads in the node process (nil: decided by load).
    public var renderThreads: Int? = nil
    /// `NODE_PATH`: searched before /usr/share/nodejs for katex and highlight.js.
    public var nodePath: [String] = []
    /// `LESSONS_RESOURCES`: a folder holding LessonKit's resources (render.js, theme/).
    public var resourcesDirectory: URL? = nil
    /// `LESSONS_KEEP_WORK=1`: keep each lesson's generated program and run folder.
    public var keepWork = false
    /// `LESSONS_PRODUCTS_DIR`: the build folder with libLessonRuntime.so and Modules/.
    public var productsDirectory: URL? = nil
    /// `LESSONS_SWIFTC`: the Swift compiler lesson programs are compiled with.
    public var swiftc: URL? = nil
    /// `FASHION_MNIST_DIR`: where lesson programs read Fashion-MNIST (its files are inputs of every lesson's results).
    public var fashionMNISTDirectory: URL? = nil
    /// `OPENBLAS_NUM_THREADS`: threads per lesson program (default: the cores divided by --jobs).
    public var openBLASThreads: Int? = nil
    /// `CI`: set by CI systems; progress is printed as plain lines, not redrawn.
    public var continuousIntegration = false
    /// `LESSONS_CACHE_URL`: the shared cache (`--cache-url` wins).
    public var cacheURL: String? = nil
    /// `LESSONS_CACHE_TOKEN`: bearer token for the shared cache. Taken out of `environment`, so
    /// no lesson program or node process sees it; never printed.
    public var cacheToken: Secret? = nil
    /// The whole environment, passed on to the programs the build starts (node, lesson programs).
    public var environment: [String: String] = [:]

    public init() {}

    /// The variables this tool reads, with what each does (for `--help` and the README).
    public static let documented: [(name: String, meaning: String)] = [
        ("LESSONS_TIMINGS", "1: print the time of each build stage"),
        ("LESSONS_RENDER_THREADS", "KaTeX worker threads in the one node process (default: all cores when the load leaves one free, else one)"),
        ("NODE_PATH", "folders searched before /usr/share/nodejs for katex and highlight.js (KaTeX's CSS and fonts come from the same katex)"),
        ("LESSONS_RESOURCES", "a folder with LessonKit's resources (render.js, theme/), if not beside the executable"),
        ("LESSONS_KEEP_WORK", "1: keep each lesson's generated program and run folder (debugging the runner)"),
        ("LESSONS_PRODUCTS_DIR", "the build folder holding libLessonRuntime.so and Modules/ (default: beside the executable)"),
        ("LESSONS_SWIFTC", "the Swift compiler for lesson programs (default: swiftc on PATH)"),
        ("OPENBLAS_NUM_THREADS", "threads each lesson program may use (default: cores / --jobs)"),
        ("CI", "set: progress as plain lines"),
        ("LESSONS_CACHE_URL", "the shared cache's URL, as --cache-url (which wins); see Sharded builds and a shared cache"),
        ("LESSONS_CACHE_TOKEN", "bearer token sent to the shared cache (never printed, and not passed on to lesson programs)"),
        ("FASHION_MNIST_DIR", "where lesson programs find Fashion-MNIST (default /usr/share/datasets/fashion-mnist); its files are inputs of every lesson's cached results"),
    ]

    /// The one reader of the environment.
    public static func fromEnvironment(_ env: [String: String]) -> Settings {
        var s = Settings()
        var env = env
        s.cacheToken = env.removeValue(forKey: "LESSONS_CACHE_TOKEN").flatMap { $0.isEmpty ? nil : Secret($0) }
        s.cacheURL = env["LESSONS_CACHE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        s.environment = env
        s.printTimings = env["LESSONS_TIMINGS"] == "1"
        s.renderThreads = env["LESSONS_RENDER_THREADS"].flatMap { Int($0) }.map { max(1, $0) }
        s.nodePath = (env["NODE_PATH"] ?? "").split(separator: ":").map(String.init).filter { !$0.isEmpty }
        s.resourcesDirectory = env["LESSONS_RESOURCES"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
        s.keepWork = (env["LESSONS_KEEP_WORK"] ?? "").isEmpty == false
        s.productsDirectory = env["LESSONS_PRODUCTS_DIR"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
        s.continuousIntegration = env["CI"] != nil
        s.swiftc = env["LESSONS_SWIFTC"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
        s.fashionMNISTDirectory = env["FASHION_MNIST_DIR"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
        s.openBLASThreads = env["OPENBLAS_NUM_THREADS"].flatMap { Int($0) }.map { max(1, $0) }
        return s
    }
}
