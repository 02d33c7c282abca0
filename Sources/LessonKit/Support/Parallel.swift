import Foundation

/// The one fan-out helper: maps `items` on up to `maxConcurrent` threads, results in order.
/// Threads of its own, not Dispatch's pool: a worker may spend its time waiting on a child
/// process (a lesson compiling), so `--jobs` above the core count must still mean that many.
public enum Parallel {
    public static func map<T, R>(_ items: [T], maxConcurrent: Int = ProcessInfo.processInfo.activeProcessorCount,
                                 _ transform: @escaping (T) -> R) -> [R] {
        guard items.count > 1, maxConcurrent > 1 else { return items.map(transform) }
        // a finished Thread may keep its closure a little longer, so `transform` escapes
        let slots = Slots<R>(count: items.count)
            let group = DispatchGroup()
            for _ in 0..<min(maxConcurrent, items.count) {
                group.enter()
                let worker = Thread {
                    while let i = slots.take() { slots.put(i, transform(items[i])) }
                    group.leave()
                }
                worker.stackSize = 8 << 20
                worker.start()
            }
            group.wait()
            return slots.results()
    }

    /// Hands out indices and collects results under one lock (each slot is written once).
    private final class Slots<R>: @unchecked Sendable {
        private var values: [R?]
        private var next = 0
        private let lock = NSLock()
        init(count: Int) { values = Array(repeating: nil, count: count) }
        func take() -> Int? {
            lock.lock(); defer { lock.unlock() }
            guard next < values.count else { return nil }
            next += 1
            return next - 1
        }
        func put(_ i: Int, _ r: R) { lock.lock(); values[i] = r; lock.unlock() }
        func results() -> [R] { values.map { $0! } }
    }
}
