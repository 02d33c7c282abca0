import CCmark
public enum LessonKitInfo { public static let version = "0.0.0" }
