// swift-tools-version:6.1
import PackageDescription

// Engine kernels need FMA; the build machines are x86-64 with AVX2/FMA; "haswell" is the oldest CPU name with both (see shared DESIGN.md).
let fastMath: [SwiftSetting] = [.unsafeFlags(["-Ounchecked", "-target-cpu", "haswell"])]

let package = Package(
    name: "lessons",
    products: [
        .executable(name: "lessons", targets: ["lessons"]),
        .executable(name: "vae-bench", targets: ["vae-bench"]),
        .executable(name: "figures-gallery", targets: ["figures-gallery"]),
        // Dynamic libraries so generated lesson programs can link the engine, figures and cell runtime.
        .library(name: "VAE", type: .dynamic, targets: ["VAE"]),
        .library(name: "Figures", type: .dynamic, targets: ["Figures"]),
        .library(name: "LessonRuntime", type: .dynamic, targets: ["LessonRuntime"]),
        .library(name: "LessonKit", targets: ["LessonKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.0.0"),
    ],
    targets: [
        // System libraries (Debian: libcmark-dev, libopenblas-dev, zlib1g-dev, libssl-dev).
        .systemLibrary(name: "CCmark", pkgConfig: "libcmark", providers: [.apt(["libcmark-dev"])]),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),

        // The VAE engine: tensors, autodiff, layers, distributions, models, data, training.
        .target(name: "VAE", dependencies: ["CBLAS", "CZlib", "CKernels"], swiftSettings: fastMath),
        // The engine's Adam loop in C (vectorized square root and division; see its comment).
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3", "-march=haswell", "-fno-math-errno"])]),
        // SVG plotting, no dependency on the rest of the project but zlib (PNG image grids).
        // The one escaping policy (HTML, SVG, XML), shared by Figures, LessonRuntime and LessonKit.
        .target(name: "Markup"),
        .target(name: "Figures", dependencies: ["CZlib", "Markup"]),
        // The events between a lesson program and the runner, one Codable type for both sides.
        .target(name: "LessonProtocol"),
        // Starting lesson programs contained: own session, clean signals, closed descriptors, limits.
        .target(name: "CLessonSpawn"),
        // What a lesson's cells see: show(_:), expect(_:_:), numerics, random draws, the course's
        // shared models (hence VAE), the runner's event protocol.
        .target(name: "LessonRuntime", dependencies: ["Figures", "VAE", "LessonProtocol", "Markup"]),
        // Lesson model, parser (the only cmark user), cell runner, renderer, site writer, theme.
        .target(
            name: "LessonKit",
            dependencies: [
                "CCmark", "CCrypto", "Markup",
                "LessonProtocol",
                "CLessonSpawn",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            resources: [.copy("Resources")]
        ),
        .executableTarget(
            name: "lessons",
            dependencies: ["LessonKit", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(name: "vae-bench", dependencies: ["VAE"], swiftSettings: fastMath),
        .executableTarget(name: "figures-gallery", dependencies: ["Figures"]),

        .testTarget(name: "LessonKitTests", dependencies: ["LessonKit", "LessonProtocol"], resources: [.copy("Fixtures")]),
        .testTarget(name: "VAETests", dependencies: ["VAE"]),
        .testTarget(name: "FiguresTests", dependencies: ["Figures"], resources: [.copy("Golden")]),
        .testTarget(name: "LessonRuntimeTests", dependencies: ["LessonRuntime", "VAE"]),
    ],
    swiftLanguageModes: [.v5]
)
