// A minimal PNG encoder (greyscale, grey+alpha, RGB, RGBA; 8 bits) over zlib's deflate and CRC-32.
// Each row gets the PNG filter that minimises the sum of absolute residuals (the heuristic libpng
// uses), which typically shrinks images of smooth data or digits by a further 10-30 %.

import CZlib
import Foundation

public enum PNG {
    public enum ColorType: UInt8 { case grey = 0, rgb = 2, indexed = 3, greyAlpha = 4, rgba = 6
        var channels: Int { switch self { case .grey, .indexed: 1; case .rgb: 3; case .greyAlpha: 2; case .rgba: 4 } }
    }

    /// Encodes `pixels` (row-major, `width * height * channels` bytes) as a PNG file.
    /// For `.grey`, `transparentGrey` adds a tRNS chunk: pixels of exactly that value are transparent
    /// (cheaper than a full alpha channel when only gaps need to be see-through).
    /// For `.indexed`, `palette` holds up to 256 colours and `alpha` optional per-entry opacities.
    public static func encode(width: Int, height: Int, colorType: ColorType, pixels: [UInt8], transparentGrey: UInt8? = nil,
                              palette: [Color] = [], alpha: [UInt8] = []) throws -> [UInt8] {
        let ch = colorType.channels
        if colorType == .indexed {
            guard !palette.isEmpty, palette.count <= 256, alpha.count <= palette.count else {
                throw FigureError.invalidArgument("PNG palette of \(palette.count) colours (\(alpha.count) alphas)")
            }
            guard pixels.allSatisfy({ Int($0) < palette.count }) else { throw FigureError.invalidArgument("PNG pixel index outside the palette") }
        }
        guard width > 0, height > 0 else { throw FigureError.invalidArgument("PNG of size \(width)x\(height)") }
        guard pixels.count == width * height * ch else {
            throw FigureError.lengthMismatch("PNG pixels: expected \(width * height * ch) bytes, got \(pixels.count)")
        }
        let stride = width * ch
        var raw = [UInt8]()
        raw.reserveCapacity((stride + 1) * height)
        var prev = [UInt8](repeating: 0, count: stride)
        var cand = [[UInt8]](repeating: [UInt8](repeating: 0, count: stride), count: 5)
        for y in 0..<height {
            let row = Array(pixels[(y * stride)..<((y + 1) * stride)])
            var best = 0, bestScore = Int.max
            // Indexed pixels are not numbers that vary smoothly: the PNG spec recommends no filter.
            for f in 0..<(colorType == .indexed ? 1 : 5) {
                var score = 0
                for i in 0..<stride {
                    let a = i >= ch ? Int(row[i - ch]) : 0
                    let b = Int(prev[i])
                    let c = i >= ch ? Int(prev[i - ch]) : 0
                    let x = Int(row[i])
                    let pred: Int
                    switch f {
                    case 0: pred = 0
                    case 1: pred = a
                    case 2: pred = b
                    case 3: pred = (a + b) / 2
                    default:
                        let p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
                        pred = (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : c)
                    }
                    let v = UInt8(truncatingIfNeeded: x - pred)
                    cand[f][i] = v
                    score += v < 128 ? Int(v) : 256 - Int(v)
                }
                if score < bestScore { bestScore = score; best = f }
            }
            raw.append(UInt8(best))
            raw.append(contentsOf: cand[best])
            prev = row
        }
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var ihdr = [UInt8]()
        ihdr += be32(UInt32(width)); ihdr += be32(UInt32(height))
        ihdr += [8, colorType.rawValue, 0, 0, 0]  // depth 8, deflate, adaptive filtering, no interlace
        chunk("IHDR", ihdr, into: &out)
        if colorType == .grey, let t = transparentGrey { chunk("tRNS", [0, t], into: &out) }
        if colorType == .indexed {
            chunk("PLTE", palette.flatMap { [$0.r, $0.g, $0.b] }, into: &out)
            if !alpha.isEmpty { chunk("tRNS", alpha, into: &out) }
        }
        chunk("IDAT", try deflate(raw), into: &out)
        chunk("IEND", [], into: &out)
        return out
    }

    /// zlib stream (RFC 1950) at the best compression level.
    static func deflate(_ data: [UInt8]) throws -> [UInt8] {
        var destLen = compressBound(uLong(data.count))
        var dest = [UInt8](repeating: 0, count: Int(destLen))
        let rc = data.withUnsafeBufferPointer { src in
            dest.withUnsafeMutableBufferPointer { d in
                compress2(d.baseAddress, &destLen, src.baseAddress, uLong(data.count), Z_BEST_COMPRESSION)
            }
        }
        guard rc == Z_OK else { throw FigureError.invalidArgument("zlib compress2 failed with code \(rc)") }
        return Array(dest[0..<Int(destLen)])
    }

    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff)] }

    static func chunk(_ type: String, _ data: [UInt8], into out: inout [UInt8]) {
        let t = Array(type.utf8)
        out += be32(UInt32(data.count))
        var body = t + data
        let crc = body.withUnsafeMutableBufferPointer { b in crc32(0, b.baseAddress, uInt(b.count)) }
        out += body
        out += be32(UInt32(crc & 0xffff_ffff))
        body.removeAll()
    }

    /// `data:image/png;base64,...` for embedding.
    static func dataURL(_ png: [UInt8]) -> String { "data:image/png;base64," + Data(png).base64EncodedString() }
}
