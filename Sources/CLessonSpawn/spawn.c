#define _GNU_SOURCE
#include "lesson_spawn.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct { int err; pid_t program; } report_t;

static void write_full(int fd, const void *p, size_t n) {
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;
        c += w; n -= (size_t)w;
    }
}

static void fail(int report, int err) {
    report_t r = { err ? err : ECHILD, 0 };
    write_full(report, &r, sizeof r);
    _exit(127);
}

static void default_signals(void) {
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
}

// The program's side: its own group, limits, descriptors in place, exec. Reports errno on `rep`.
static void become_program(const lk_spawn_request *r, int rep) {
    if (setpgid(0, 0) != 0) fail(rep, errno);
    if (r->file_size_limit > 0) {
        struct rlimit lim = { (rlim_t)r->file_size_limit, (rlim_t)r->file_size_limit };
        if (setrlimit(RLIMIT_FSIZE, &lim) != 0) fail(rep, errno);
        signal(SIGXFSZ, SIG_IGN);
    }
    // Move every descriptor we keep above the numbers it goes to, then into place.
    int base = 3 + r->inherit_count + 64;
    int fds[3] = { r->stdin_fd, r->stdout_fd, r->stderr_fd };
    if (fds[0] < 0) {
        fds[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (fds[0] < 0) fail(rep, errno);
    }
    int high[3], moved[16];
    for (int i = 0; i < 3; i++) if ((high[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, base)) < 0) fail(rep, errno);
    for (int i = 0; i < r->inherit_count; i++) if ((moved[i] = fcntl(r->inherit_fds[i], F_DUPFD_CLOEXEC, base)) < 0) fail(rep, errno);
    int report = fcntl(rep, F_DUPFD_CLOEXEC, base);
    if (report < 0) fail(rep, errno);
    for (int i = 0; i < 3; i++) if (dup2(high[i], i) < 0) fail(report, errno);
    for (int i = 0; i < r->inherit_count; i++) if (dup2(moved[i], 3 + i) < 0) fail(report, errno);
    // Everything else closed: the parent's other descriptors (other lessons' pipes, the
    // lifeline, files) must not leak into this program. `report` is close-on-exec.
    for (int fd = 3 + r->inherit_count; fd < report; fd++) close(fd);
    closefrom(report + 1);
    if (r->directory && chdir(r->directory) != 0) fail(report, errno);
    execve(r->path, r->argv, r->envp);
    fail(report, errno);
}

// Kills every process of this session but the caller, until none is left (a fork bomb keeps
// forking while it is killed). opendir allocates: fine here, glibc's malloc is reset in a
// forked child, and no other thread exists in the guardian.
static void kill_session(void) {
    pid_t me = getpid(), sid = getsid(0);
    for (int round = 0; round < 1000; round++) {
        int found = 0;
        DIR *d = opendir("/proc");
        if (!d) return;
        struct dirent *e;
        while ((e = readdir(d))) {
            char *end;
            long pid = strtol(e->d_name, &end, 10);
            if (*end || pid <= 0 || pid == me) continue;
            if (getsid((pid_t)pid) != sid) continue;
            // A zombie cannot be killed and goes away when reaped; skip it.
            char path[64], buf[512];
            snprintf(path, sizeof path, "/proc/%ld/stat", pid);
            int fd = open(path, O_RDONLY | O_CLOEXEC);
            if (fd < 0) continue;
            ssize_t n = read(fd, buf, sizeof buf - 1);
            close(fd);
            if (n <= 0) continue;
            buf[n] = 0;
            char *close_paren = strrchr(buf, ')');
            if (close_paren && (close_paren[2] == 'Z' || close_paren[2] == 'X')) continue;
            kill((pid_t)pid, SIGKILL);
            found = 1;
        }
        closedir(d);
        if (!found) return;
        usleep(1000);
        while (waitpid(-1, NULL, WNOHANG) > 0) {}
    }
}

// Writes this process's pid into DIR/cgroup.procs (joins the cgroup). 0 or an errno.
static int join_cgroup(const char *dir) {
    char path[4096], num[32];
    int n = snprintf(path, sizeof path, "%s/cgroup.procs", dir);
    if (n <= 0 || n >= (int)sizeof path) return ENAMETOOLONG;
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    int len = snprintf(num, sizeof num, "%d\n", (int)getpid());
    ssize_t w = write(fd, num, (size_t)len);
    int e = w == len ? 0 : (w < 0 ? errno : EIO);
    close(fd);
    return e;
}

// Leaves the cgroup (back to its parent) and removes it, once the session is killed.
static void remove_cgroup(const char *dir) {
    char parent[4096];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof parent) return;
    memcpy(parent, dir, n + 1);
    char *slash = strrchr(parent, '/');
    if (!slash || slash == parent) return;
    *slash = 0;
    join_cgroup(parent);
    for (int i = 0; i < 100 && rmdir(dir) != 0 && errno == EBUSY; i++) usleep(10000);
}

static void guard(const lk_spawn_request *r, pid_t program, int lifeline) {
    int status = 0;
    for (;;) {
        pid_t w = waitpid(program, &status, WNOHANG);
        if (w == program) break;
        if (w < 0 && errno != EINTR) { status = 127 << 8; break; }
        if (lifeline < 0) { if (waitpid(program, &status, 0) == program) break; continue; }
        struct pollfd p = { lifeline, POLLIN, 0 };
        int n = poll(&p, 1, 200);
        if (n > 0) {
            char c;
            ssize_t got = read(lifeline, &c, 1);
            if (got == 0 || (got < 0 && errno != EINTR && errno != EAGAIN)) {
                // The parent is gone: stop everything it started here and clean its folder.
                kill_session();
                if (r->cgroup_dir) remove_cgroup(r->cgroup_dir);
                if (r->cleanup_path) {
                    char *const argv[] = { "rm", "-rf", "--", (char *)r->cleanup_path, NULL };
                    char *const envp[] = { NULL };
                    execve("/bin/rm", argv, envp);
                }
                _exit(137);
            }
        }
    }
    // End the way the program ended, so the parent sees its status.
    if (WIFSIGNALED(status)) {
        struct rlimit none = { 0, 0 };
        setrlimit(RLIMIT_CORE, &none);  // no core file of this copy of lessons
        int sig = WTERMSIG(status);
        signal(sig, SIG_DFL);
        kill(getpid(), sig);
        _exit(128 + sig);
    }
    _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 127);
}

int lk_spawn(const lk_spawn_request *r, pid_t *guardian, pid_t *program) {
    if (r->inherit_count < 0 || r->inherit_count > 16) return EINVAL;
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) return errno;
    pid_t g = fork();
    if (g < 0) {
        int e = errno;
        close(report[0]); close(report[1]);
        return e;
    }
    if (g == 0) {
        // The guardian. Signals first: lessons' handlers (the Swift backtracer, SIGINT) must not run here.
        default_signals();
        if (setsid() < 0) fail(report[1], errno);
        if (r->cgroup_dir) {
            int e = join_cgroup(r->cgroup_dir);
            if (e) fail(report[1], e);
        }
        int exec_report[2];
        if (pipe2(exec_report, O_CLOEXEC) != 0) fail(report[1], errno);
        pid_t p = fork();
        if (p < 0) fail(report[1], errno);
        if (p == 0) become_program(r, exec_report[1]);
        close(exec_report[1]);
        report_t got = { 0, 0 };
        ssize_t n;
        do { n = read(exec_report[0], &got, sizeof got); } while (n < 0 && errno == EINTR);
        close(exec_report[0]);
        if (n == (ssize_t)sizeof got) {
            waitpid(p, NULL, 0);
            fail(report[1], got.err);
        }
        // Keep only the lifeline and the report pipe, /dev/null for 0-2 (a reader of lessons'
        // output must not wait for us), before lessons is told: from then on another spawn may
        // fork, and this copy must hold none of lessons' pipes (other lessons' lifelines, events).
        int lifeline = r->lifeline_fd >= 0 ? fcntl(r->lifeline_fd, F_DUPFD_CLOEXEC, 3) : -1;
        int rep = fcntl(report[1], F_DUPFD_CLOEXEC, 3);
        if (rep < 0) fail(report[1], errno);
        int null = open("/dev/null", O_RDWR);
        if (null >= 0) { dup2(null, 0); dup2(null, 1); dup2(null, 2); }
        int hi = lifeline > rep ? lifeline : rep;
        for (int fd = 3; fd < hi; fd++) if (fd != lifeline && fd != rep) close(fd);
        closefrom(hi + 1);
        report_t ok = { 0, p };
        write_full(rep, &ok, sizeof ok);
        close(rep);
        guard(r, p, lifeline);
    }
    close(report[1]);
    report_t got = { 0, 0 };
    ssize_t n;
    do { n = read(report[0], &got, sizeof got); } while (n < 0 && errno == EINTR);
    close(report[0]);
    if (n != (ssize_t)sizeof got || got.err != 0 || got.program <= 0) {
        // The guardian could not start the program; reap it so no zombie is left.
        while (waitpid(g, NULL, 0) < 0 && errno == EINTR) {}
        return n == (ssize_t)sizeof got && got.err ? got.err : ECHILD;
    }
    *guardian = g;
    *program = got.program;
    return 0;
}

static volatile sig_atomic_t termination_fd = -1;

static void on_termination(int sig) {
    int saved = errno;
    unsigned char b = (unsigned char)sig;
    if (termination_fd >= 0) { ssize_t ignored = write(termination_fd, &b, 1); (void)ignored; }
    errno = saved;
}

int lk_catch_termination_signals(int fd) {
    termination_fd = fd;
    struct sigaction a;
    memset(&a, 0, sizeof a);
    a.sa_handler = on_termination;
    sigemptyset(&a.sa_mask);
    a.sa_flags = SA_RESTART;
    int sigs[3] = { SIGINT, SIGTERM, SIGHUP };
    for (int i = 0; i < 3; i++) if (sigaction(sigs[i], &a, NULL) != 0) return errno;
    return 0;
}

int lk_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }
