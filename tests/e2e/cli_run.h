/*
 * cli_run.h - running the callveil binary from the end-to-end suites
 * (header-only): bin (CV_BIN), a scratch dir tmp holding the captured
 * stdout/stderr, and "a/b" paths kept until teardown.
 */
#ifndef CV_CLI_RUN_H
#define CV_CLI_RUN_H

#include <sys/wait.h>

#include "../test_files.h"

static const char *bin;
static char tmp[64];

/* "a/b", kept until teardown (free paths[0..npaths)) */
static char *paths[256];
static int npaths;

static inline char *path2(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", a, b);
    ck_assert_int_lt(npaths, 256);
    paths[npaths++] = p;
    return p;
}

/* Run callveil with args (NULL-terminated, without argv[0]); stdin from
 * in_path (or /dev/null); stdout and stderr captured into *out / *err when
 * given. Returns the exit code. */
static inline int run(const char *in_path, char **out, char **err, const char *const *args)
{
    char opath[128], epath[128];
    snprintf(opath, sizeof opath, "%s/stdout", tmp);
    snprintf(epath, sizeof epath, "%s/stderr", tmp);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int i = open(in_path ? in_path : "/dev/null", O_RDONLY);
        int o = open(opath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int e = open(epath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(i, 0);
        dup2(o, 1);
        dup2(e, 2);
        const char *argv[64] = { bin };
        for (int k = 0; args[k] && k < 62; k++) argv[k + 1] = args[k];
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
    ck_assert_msg(WIFEXITED(st), "callveil did not exit normally (signal %d)", WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    if (out) *out = readfile(opath, NULL);
    if (err) *err = readfile(epath, NULL);
    return WEXITSTATUS(st);
}

#define RUN(in, out, err, ...) run((in), (out), (err), (const char *const[]){ __VA_ARGS__, NULL })

#endif
