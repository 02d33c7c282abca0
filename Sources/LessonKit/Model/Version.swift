public enum LessonKitInfo {
    /// Bump when the output format changes; it is part of every page's provenance and cache key.
    public static let version = "0.1.0"
}
