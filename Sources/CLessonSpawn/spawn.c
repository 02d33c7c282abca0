#define _GNU_SOURCE
#include "lesson_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static void child_fail(int report, int err) {
    ssize_t ignored = write(report, &err, sizeof err);
    (void)ignored;
    _exit(127);
}

int lk_spawn(const lk_spawn_request *r, pid_t *pid) {
    if (r->inherit_count < 0 || r->inherit_count > 16) return EINVAL;
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) return errno;
    pid_t parent = getpid();
    pid_t child = fork();
    if (child < 0) {
        int e = errno;
        close(report[0]); close(report[1]);
        return e;
    }
    if (child == 0) {
        if (r->new_session && setsid() < 0) child_fail(report[1], errno);
        if (r->parent_death_signal) {
            if (prctl(PR_SET_PDEATHSIG, r->parent_death_signal) != 0) child_fail(report[1], errno);
            // The parent may have died before prctl took effect.
            if (getppid() != parent) _exit(1);
        }
        // Every signal to its default action, none blocked: the runner's own handlers and a
        // mask it inherited (Foundation's Process blocks some) must not reach the lesson.
        struct sigaction dfl;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        for (int s = 1; s < NSIG; s++) {
            if (s == SIGKILL || s == SIGSTOP) continue;
            sigaction(s, &dfl, NULL);
        }
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        if (r->file_size_limit > 0) {
            struct rlimit lim = { (rlim_t)r->file_size_limit, (rlim_t)r->file_size_limit };
            if (setrlimit(RLIMIT_FSIZE, &lim) != 0) child_fail(report[1], errno);
            signal(SIGXFSZ, SIG_IGN);
        }
        // Move every descriptor we keep above the ones it goes to, then into place.
        int moved[16];
        int floor = 3 + r->inherit_count + 3;
        int fds[3] = { r->stdin_fd, r->stdout_fd, r->stderr_fd };
        if (fds[0] < 0) {
            fds[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
            if (fds[0] < 0) child_fail(report[1], errno);
        }
        int high[3];
        for (int i = 0; i < 3; i++) {
            high[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, floor + 16 + 1);
            if (high[i] < 0) child_fail(report[1], errno);
        }
        for (int i = 0; i < r->inherit_count; i++) {
            moved[i] = fcntl(r->inherit_fds[i], F_DUPFD_CLOEXEC, floor + 16 + 4);
            if (moved[i] < 0) child_fail(report[1], errno);
        }
        // The report pipe must survive the moves (dup2 onto it would lose it).
        int rep = fcntl(report[1], F_DUPFD_CLOEXEC, floor + 16 + 4 + 16);
        if (rep < 0) child_fail(report[1], errno);
        for (int i = 0; i < 3; i++) if (dup2(high[i], i) < 0) child_fail(rep, errno);
        for (int i = 0; i < r->inherit_count; i++) if (dup2(moved[i], 3 + i) < 0) child_fail(rep, errno);
        // Everything else closed: descriptors the runner opened without close-on-exec (other
        // lessons' pipes, sockets) must not leak into this lesson. The report pipe is
        // close-on-exec, so it closes by itself when execve succeeds.
        for (int fd = 3 + r->inherit_count; fd < rep; fd++) close(fd);
        closefrom(rep + 1);
        if (r->directory && chdir(r->directory) != 0) child_fail(rep, errno);
        execve(r->path, r->argv, r->envp);
        child_fail(rep, errno);
    }
    close(report[1]);
    int err = 0;
    ssize_t n;
    do { n = read(report[0], &err, sizeof err); } while (n < 0 && errno == EINTR);
    close(report[0]);
    if (n == (ssize_t)sizeof err) {
        // The child could not start; reap it here so no zombie is left.
        int status;
        while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
        return err ? err : ECHILD;
    }
    *pid = child;
    return 0;
}

int lk_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }
