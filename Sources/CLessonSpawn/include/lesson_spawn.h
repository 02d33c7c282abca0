// Starting a child process contained, for the lesson runner (LessonKit/Execution/Subprocess.swift).
// In C because the child's side, between fork() and execve(), may only call
// async-signal-safe functions; Swift code there could allocate or take a lock.
#ifndef LESSON_SPAWN_H
#define LESSON_SPAWN_H

#include <sys/types.h>

typedef struct {
    const char *path;          // executable
    char *const *argv;         // NULL-terminated
    char *const *envp;         // NULL-terminated; exactly the child's environment
    const char *directory;     // working directory, or NULL
    int stdin_fd;              // -1: /dev/null
    int stdout_fd;             // must be valid
    int stderr_fd;             // must be valid
    const int *inherit_fds;    // become fds 3, 4, ... in the child, in order
    int inherit_count;
    int new_session;           // setsid(): its own session and process group
    int parent_death_signal;   // 0: none; else sent to the child when this thread's process dies
    long long file_size_limit; // RLIMIT_FSIZE in bytes, 0: unchanged; SIGXFSZ is then ignored
                               // so a write past it fails (EFBIG) instead of killing the child
} lk_spawn_request;

// Starts the child: empty signal mask, every signal's default action, descriptors other than
// 0-2 and the inherited ones closed. Returns 0 and sets *pid, or returns an errno (the child's
// exec failure is reported here, not as an exit status).
int lk_spawn(const lk_spawn_request *request, pid_t *pid);

// pipe2(fds, O_CLOEXEC): both ends close-on-exec (not visible to Swift without _GNU_SOURCE).
int lk_pipe_cloexec(int fds[2]);

#endif
