// The shared cache's wire side: GET, PUT and HEAD of `ac/<sha256>` and `cas/<sha256>` under a
// base URL, the layout of Bazel's HTTP remote cache, so bazel-remote, nginx with WebDAV or an
// object store's HTTP gateway serve it unchanged.
//
// Why URLSession (FoundationNetworking, libcurl underneath) and not a small socket client: a
// shared cache a team uses sits behind HTTPS, and TLS is not something to write here; the
// toolchain already ships it. It is used synchronously (one request at a time per calling
// thread), with a request timeout and a hard wait bound on top, since a slow server must cost
// a bounded wait, never a hung build.

import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Where the shared cache's blobs live. `path` is always `ac/<64 hex>` or `cas/<64 hex>`.
public protocol BlobStore: Sendable {
    /// The bytes at `path`, or nil if there are none (404).
    func get(_ path: String) throws -> Data?
    func put(_ path: String, _ data: Data) throws
    func exists(_ path: String) throws -> Bool
    /// The store as shown in messages (never with credentials).
    var displayName: String { get }
}

public enum BlobStoreError: Error, CustomStringConvertible, Equatable {
    /// No answer: refused, reset, DNS, or the time limit.
    case unreachable(String)
    /// An answer that is neither success nor "not there" (401, 403, 500, ...).
    case status(Int, method: String, path: String)

    public var description: String {
        switch self {
        case .unreachable(let why): return why
        case .status(let code, let method, let path):
            let hint = code == 401 || code == 403 ? " (check LESSONS_CACHE_TOKEN)" : ""
            return "\(method) \(path) answered HTTP \(code)\(hint)"
        }
    }
}

public final class HTTPBlobStore: BlobStore, @unchecked Sendable {
    public let baseURL: URL
    private let token: Secret?
    public let timeout: TimeInterval
    private let session: URLSession

    /// `url` is the cache's root (`http://host:port/prefix/`); `token`, if any, is sent as
    /// `Authorization: Bearer`, and appears nowhere else. `timeout` bounds each request's wait
    /// for data; a whole transfer gets four times that.
    public init(url: URL, token: Secret?, timeout: TimeInterval = 10) throws {
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil else {
            throw BlobStoreError.unreachable("'\(HTTPBlobStore.redacted(url))' is not an http:// or https:// URL")
        }
        baseURL = url.absoluteString.hasSuffix("/") ? url : URL(string: url.absoluteString + "/")!
        self.token = token.flatMap { $0.reveal().isEmpty ? nil : $0 }
        // FoundationNetworking hands libcurl whole seconds: below 1 s it becomes 0 and every
        // request "times out" at once (measured), so 1 s is the shortest limit.
        self.timeout = max(1, timeout)
        let config = URLSessionConfiguration.ephemeral
        config.timeoutIntervalForRequest = self.timeout
        config.timeoutIntervalForResource = self.timeout * 4
        config.requestCachePolicy = .reloadIgnoringLocalCacheData
        config.urlCache = nil
        config.httpMaximumConnectionsPerHost = 4
        session = URLSession(configuration: config)
    }

    deinit { session.invalidateAndCancel() }

    /// The URL without user, password or query, for messages.
    public static func redacted(_ url: URL) -> String {
        guard var c = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return "(unparsable URL)" }
        c.user = nil; c.password = nil; c.query = nil; c.fragment = nil
        return c.string ?? "(unparsable URL)"
    }

    public var displayName: String { Self.redacted(baseURL) }

    public func get(_ path: String) throws -> Data? {
        let (code, data) = try send("GET", path, body: nil)
        switch code {
        case 200: return data
        case 404: return nil
        default: throw BlobStoreError.status(code, method: "GET", path: path)
        }
    }

    public func put(_ path: String, _ data: Data) throws {
        let (code, _) = try send("PUT", path, body: data)
        guard (200...299).contains(code) else { throw BlobStoreError.status(code, method: "PUT", path: path) }
    }

    public func exists(_ path: String) throws -> Bool {
        let (code, _) = try send("HEAD", path, body: nil)
        switch code {
        case 200...299: return true
        case 404: return false
        default: throw BlobStoreError.status(code, method: "HEAD", path: path)
        }
    }

    private func send(_ method: String, _ path: String, body: Data?) throws -> (Int, Data) {
        precondition(Self.isPath(path), "shared cache paths are ac/ or cas/ and a digest")
        var request = URLRequest(url: baseURL.appendingPathComponent(path), cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        request.httpMethod = method
        if let token { request.setValue("Bearer " + token.reveal(), forHTTPHeaderField: "Authorization") }
        if let body {
            request.setValue("application/octet-stream", forHTTPHeaderField: "Content-Type")
            request.setValue(String(body.count), forHTTPHeaderField: "Content-Length")
        }
        final class Box: @unchecked Sendable { var code = 0; var data = Data(); var error: Error? }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        let handler: @Sendable (Data?, URLResponse?, Error?) -> Void = { data, response, error in
            box.code = (response as? HTTPURLResponse)?.statusCode ?? 0
            box.data = data ?? Data()
            box.error = error
            done.signal()
        }
        let task = body.map { session.uploadTask(with: request, from: $0, completionHandler: handler) }
            ?? session.dataTask(with: request, completionHandler: handler)
        task.resume()
        // URLSession's own limits should end it; this bound holds even if they do not.
        if done.wait(timeout: .now() + timeout * 4 + 2) == .timedOut {
            task.cancel()
            throw BlobStoreError.unreachable("\(method) \(path): no answer within \(Int(timeout * 4 + 2)) s")
        }
        if let failure = box.error {
            let e = failure as NSError
            let why = e.code == NSURLErrorTimedOut ? "no answer within \(Int(timeout)) s" : e.localizedDescription
            throw BlobStoreError.unreachable("\(method) \(path): \(why)")
        }
        return (box.code, box.data)
    }

    /// `ac/` or `cas/` followed by 64 lowercase hex digits: the only paths this client builds.
    static func isPath(_ p: String) -> Bool {
        let parts = p.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count == 2 && (parts[0] == "ac" || parts[0] == "cas") && SharedCacheRecord.isDigest(parts[1])
    }
}

/// A store in a local folder with the same layout (tests; also usable on a shared file system).
/// Writes go to a temporary name and are renamed, as nginx's WebDAV PUT does.
public final class DirectoryBlobStore: BlobStore, @unchecked Sendable {
    public let root: URL
    public init(root: URL) { self.root = root }
    public var displayName: String { root.path }
    public func get(_ path: String) throws -> Data? { FileManager.default.contents(atPath: root.appendingPathComponent(path).path) }
    public func exists(_ path: String) throws -> Bool { FileManager.default.fileExists(atPath: root.appendingPathComponent(path).path) }
    public func put(_ path: String, _ data: Data) throws {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url, options: .atomic)
    }
}
