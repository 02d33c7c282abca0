// Starting a child process contained, for the lesson runner (LessonKit/Execution/Subprocess.swift).
// In C because everything between fork() and execve() must be async-signal-safe; Swift code
// there could allocate or take a lock another thread held at the fork.
//
//   lessons ── guardian (session leader, a fork of lessons running only the C below)
//                 └─ program (own process group in the guardian's session: the compiler, a lesson)
//
// The guardian waits for the program and ends the way it ended (same exit status, same signal),
// so the parent waits for the guardian's pid as if it were the program's. It also holds the
// read end of a lifeline pipe whose write end only the parent has: when the parent dies, even
// by SIGKILL, the pipe closes, and the guardian kills every process of the session and removes
// the given work folder. Nothing is left behind, whichever way `lessons` ends.
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
    const int *inherit_fds;    // become fds 3, 4, ... in the program, in order (at most 16)
    int inherit_count;
    int lifeline_fd;           // read end of the lifeline pipe (the guardian keeps it), or -1
    const char *cleanup_path;  // removed (rm -rf) by the guardian if the lifeline closes, or NULL
    const char *cgroup_dir;    // a pids cgroup (made by the caller) the guardian joins before it
                               // starts the program, so the kernel caps the session's processes;
                               // removed by the guardian if the lifeline closes. NULL: none
    long long file_size_limit; // RLIMIT_FSIZE in bytes, 0: unchanged; SIGXFSZ is then ignored
                               // so a write past it fails (EFBIG) instead of killing the program
} lk_spawn_request;

// Starts the guardian and the program: empty signal mask, every signal's default action,
// descriptors other than 0-2 and the inherited ones closed. Returns 0 and sets *guardian (the
// pid to wait for and the session id) and *program, or returns an errno (a failed exec of the
// program is reported here, not as an exit status).
int lk_spawn(const lk_spawn_request *request, pid_t *guardian, pid_t *program);

// Catches SIGINT, SIGTERM and SIGHUP with a handler that writes the signal's number (one
// byte) to `fd` and does nothing else; a thread reading the other end does the cleanup. A
// handler, not SIG_IGN: an ignored signal would be inherited by every program `lessons`
// starts (Foundation's Process passes it on), a caught one is reset to default by exec.
int lk_catch_termination_signals(int fd);

// pipe2(fds, O_CLOEXEC): both ends close-on-exec (not visible to Swift without _GNU_SOURCE).
int lk_pipe_cloexec(int fds[2]);

#endif
