import CZlib
import Glibc

/// Errors reading data sets.
public enum DataError: Error, CustomStringConvertible {
    case missing(path: String)
    case corrupt(path: String, reason: String)

    public var description: String {
        switch self {
        case .missing(let path):
            return "\(path): Fashion-MNIST file not found. Install the Debian package dataset-fashion-mnist "
                + "(apt-get install dataset-fashion-mnist), or point FASHION_MNIST_DIR at a folder with the IDX .gz files."
        case .corrupt(let path, let reason):
            return "\(path): not a valid Fashion-MNIST IDX file (\(reason)). Reinstall the Debian package "
                + "dataset-fashion-mnist (apt-get install --reinstall dataset-fashion-mnist)."
        }
    }
}

/// Fashion-MNIST (Zalando): 28×28 grey images of clothing in 10 classes, 60k train / 10k test.
public struct FashionMNIST {
    public enum Split: String, Sendable { case train, test }

    /// `[n, 784]`, pixels in [0, 1].
    public let images: Tensor
    /// Class index 0...9 of each image.
    public let labels: [Int]
    public static let classNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
    public static let defaultDirectory = "/usr/share/datasets/fashion-mnist"

    /// The folder used when none is given: Debian's, unless the program sets another (a lesson
    /// program gets the one `lessons` was told, FASHION_MNIST_DIR, as an argument; the engine
    /// reads no environment).
    public nonisolated(unsafe) static var directory: String = defaultDirectory

    /// Loads a split (first `limit` examples if given) from `directory`.
    public static func load(split: Split, limit: Int? = nil, directory: String? = nil) throws -> FashionMNIST {
        let dir = directory ?? Self.directory
        let prefix = split == .train ? "train" : "t10k"
        let imagePath = "\(dir)/\(prefix)-images-idx3-ubyte.gz"
        let labelPath = "\(dir)/\(prefix)-labels-idx1-ubyte.gz"
        let (dims, pixels) = try readIDX(imagePath, expectedMagic: 0x0803)
        guard dims.count == 3, dims[1] == 28, dims[2] == 28 else {
            throw DataError.corrupt(path: imagePath, reason: "image dimensions \(dims), expected n×28×28")
        }
        let (ldims, labelBytes) = try readIDX(labelPath, expectedMagic: 0x0801)
        guard ldims.count == 1, ldims[0] == dims[0] else {
            throw DataError.corrupt(path: labelPath, reason: "\(ldims.first ?? 0) labels for \(dims[0]) images")
        }
        let n = min(limit ?? dims[0], dims[0])
        var scaled = [Float](repeating: 0, count: n * 784)
        for i in 0..<(n * 784) { scaled[i] = Float(pixels[i]) / 255 }
        return FashionMNIST(images: Tensor(scaled, shape: [n, 784]), labels: labelBytes.prefix(n).map(Int.init))
    }

    /// The number of images.
    public var count: Int { labels.count }

    /// A copy with pixels set to 1 with probability equal to their intensity (dynamic binarization).
    public static func binarize<G: RandomNumberGenerator>(_ images: Tensor, using rng: inout G) -> Tensor {
        Tensor(images.scalars.map { rng.uniform() < $0 ? 1 : 0 }, shape: images.shape)
    }

    /// Reads a gzip-compressed IDX file: (dimensions, raw bytes).
    static func readIDX(_ path: String, expectedMagic: UInt32) throws -> ([Int], [UInt8]) {
        guard access(path, R_OK) == 0 else { throw DataError.missing(path: path) }
        guard let gz = gzopen(path, "rb") else { throw DataError.missing(path: path) }
        defer { gzclose(gz) }
        var data: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let r = buf.withUnsafeMutableBytes { gzread(gz, $0.baseAddress, UInt32($0.count)) }
            if r < 0 { throw DataError.corrupt(path: path, reason: "gzip stream error") }
            if r == 0 { break }
            data.append(contentsOf: buf[0..<Int(r)])
        }
        guard data.count >= 8 else { throw DataError.corrupt(path: path, reason: "file too short (\(data.count) bytes)") }
        func be32(_ o: Int) -> UInt32 { data[o..<o + 4].reduce(0) { $0 << 8 | UInt32($1) } }
        let magic = be32(0)
        guard magic == expectedMagic else {
            throw DataError.corrupt(path: path, reason: "magic number 0x\(String(magic, radix: 16)), expected 0x\(String(expectedMagic, radix: 16))")
        }
        let rank = Int(magic & 0xFF)
        guard data.count >= 4 + 4 * rank else { throw DataError.corrupt(path: path, reason: "truncated header") }
        let dims = (0..<rank).map { Int(be32(4 + 4 * $0)) }
        let header = 4 + 4 * rank, body = dims.reduce(1, *)
        guard data.count == header + body else {
            throw DataError.corrupt(path: path, reason: "\(data.count - header) data bytes, header promises \(body) (truncated?)")
        }
        return (dims, Array(data[header...]))
    }
}

/// Small 2-D data sets for toy lessons.
public enum SyntheticData {
    /// `n` points from a mixture of `components` isotropic Gaussians evenly placed on a circle
    /// of `radius`, each with standard deviation `spread`. Returns points `[n, 2]` and component labels.
    public static func gaussianMixture<G: RandomNumberGenerator>(_ n: Int, components: Int = 8, radius: Float = 2,
                                                                  spread: Float = 0.2, using rng: inout G) -> (points: Tensor, labels: [Int]) {
        var pts = [Float](), labels = [Int]()
        for _ in 0..<n {
            let c = Int(rng.next() % UInt64(components))
            let a = 2 * Float.pi * Float(c) / Float(components)
            pts.append(radius * cosf(a) + spread * rng.normal())
            pts.append(radius * sinf(a) + spread * rng.normal())
            labels.append(c)
        }
        return (Tensor(pts, shape: [n, 2]), labels)
    }

    /// The two interleaved half circles of scikit-learn's `make_moons`, with Gaussian `noise`.
    public static func twoMoons<G: RandomNumberGenerator>(_ n: Int, noise: Float = 0.1,
                                                           using rng: inout G) -> (points: Tensor, labels: [Int]) {
        var pts = [Float](), labels = [Int]()
        for i in 0..<n {
            let upper = i % 2 == 0
            let t = Float.pi * rng.uniform()
            let (x, y) = upper ? (cosf(t), sinf(t)) : (1 - cosf(t), 0.5 - sinf(t))
            pts.append(x + noise * rng.normal())
            pts.append(y + noise * rng.normal())
            labels.append(upper ? 0 : 1)
        }
        return (Tensor(pts, shape: [n, 2]), labels)
    }
}
