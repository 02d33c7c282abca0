import LessonKit
print("lessons", LessonKitInfo.version)
