/*
 * cli_opts.c - what the commands share: the options of run, merge, filter,
 * scan and keygen parsed in one place (sizes, counts, --shard,
 * --max-rejects), the policy and key loaded, and messages on stderr (log
 * callback, progress line, warnings, errors) under -q and -v.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int cli_quiet, cli_verbose;

void cli_log(void *ud, int level, const char *msg)
{
    (void)ud;
    static int progress_shown;
    if (level == CV_LOG_PROGRESS) {
        if (cli_quiet || !isatty(STDERR_FILENO)) return;
        fprintf(stderr, "\r\033[Kcallveil: %s", msg);
        progress_shown = 1;
        return;
    }
    if (progress_shown) {
        fputs("\r\033[K", stderr);
        progress_shown = 0;
    }
    if (level == CV_LOG_VERBOSE && !cli_verbose) return;
    if ((level == CV_LOG_INFO || level == CV_LOG_WARN || level == CV_LOG_VERBOSE) && cli_quiet) return;
    const char *tag = level == CV_LOG_ERROR ? "error: " : level == CV_LOG_WARN ? "warning: " : "";
    fprintf(stderr, "callveil: %s%s\n", tag, msg);
}

void cli_end_progress(void)
{
    if (!cli_quiet && isatty(STDERR_FILENO)) fputs("\r\033[K", stderr);
}

void cli_warn(const char *fmt, ...)
{
    if (cli_quiet) return;
    va_list ap;
    va_start(ap, fmt);
    fputs("callveil: warning: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int cli_fail(cv_ctx *ctx, int rc)
{
    cli_end_progress();
    fprintf(stderr, "callveil: error: %s\n", *cv_ctx_error(ctx) ? cv_ctx_error(ctx) : cv_strerror(rc));
    return rc == CV_EUSAGE ? EXIT_USAGE : EXIT_BAD;
}

int cli_parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s) return -1;
    unsigned long long mul = 1;
    if (*end == 'K' || *end == 'k') mul = 1ull << 10;
    else if (*end == 'M' || *end == 'm') mul = 1ull << 20;
    else if (*end == 'G' || *end == 'g') mul = 1ull << 30;
    else if (*end) return -1;
    if (mul > 1 && end[1]) return -1;
    if (v == 0 || v > (1ull << 40) / mul) return -1;
    *out = (size_t)(v * mul);
    return 0;
}

int cli_parse_int(const char *s, int lo, int hi, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) return -1;
    *out = (int)v;
    return 0;
}

enum { O_ZLEVEL = 256, O_MAXREC, O_ASOF, O_RESUME, O_AS, O_TYPE, O_CONTROLLER, O_EPHEMERAL, O_MAXREJ, O_OVERWRITE,
       O_EXPLAIN, O_HEADER, O_NOHEADER, O_SHARD };

/* --shard I/N: 0 <= I < N <= CV_SHARD_MAX, both plain decimal. */
static int parse_shard(const char *s, cv_run_opts *r)
{
    char *end;
    if (*s < '0' || *s > '9') return -1;
    errno = 0;
    unsigned long i = strtoul(s, &end, 10);
    if (errno || *end != '/' || end[1] < '0' || end[1] > '9') return -1;
    unsigned long n = strtoul(end + 1, &end, 10);
    if (errno || *end || n == 0 || n > CV_SHARD_MAX || i >= n) return -1;
    r->shard_index = (uint32_t)i;
    r->shard_count = (uint32_t)n;
    return 0;
}

/* --max-rejects N (records) or P% (of the records read, 0..100). */
int cli_parse_rejects(const char *s, cli_opts *o)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *s == '-') return -1;
    o->rejects_pct = *end == '%';
    if (o->rejects_pct) end++;
    if (*end || (o->rejects_pct && v > 100)) return -1;
    o->max_rejects = v;
    o->have_max_rejects = 1;
    return 0;
}

int cli_parse_opts(int argc, char **argv, const char *usage, cli_opts *o)
{
    static const struct option lo[] = {
        { "output", required_argument, 0, 'o' },   { "policy", required_argument, 0, 'p' },
        { "key", required_argument, 0, 'k' },      { "jobs", required_argument, 0, 'j' },
        { "format", required_argument, 0, 'f' },   { "zstd", no_argument, 0, 'z' },
        { "zstd-level", required_argument, 0, O_ZLEVEL }, { "max-record-size", required_argument, 0, O_MAXREC },
        { "as-of", required_argument, 0, O_ASOF }, { "resume", no_argument, 0, O_RESUME },
        { "as", required_argument, 0, O_AS },      { "quiet", no_argument, 0, 'q' },
        { "controller", no_argument, 0, O_CONTROLLER }, { "verbose", no_argument, 0, 'v' },
        { "ephemeral-key", no_argument, 0, O_EPHEMERAL }, { "max-rejects", required_argument, 0, O_MAXREJ },
        { "overwrite", no_argument, 0, O_OVERWRITE }, { "explain", no_argument, 0, O_EXPLAIN },
        { "header", required_argument, 0, O_HEADER }, { "no-header", no_argument, 0, O_NOHEADER },
        { "shard", required_argument, 0, O_SHARD }, { "help", no_argument, 0, 'h' },           { 0, 0, 0, 0 },
    };
    memset(o, 0, sizeof *o);
    cv_run_opts_init(&o->run);
    o->run.progress = 1;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:p:k:j:f:zqvh", lo, NULL)) != -1) {
        switch (c) {
        case 'o': o->out = optarg; break;
        case 'v': cli_verbose = 1; break;
        case O_EPHEMERAL: o->ephemeral = 1; break;
        case O_OVERWRITE: o->run.overwrite = 1; break;
        case O_MAXREJ:
            if (cli_parse_rejects(optarg, o)) {
                fprintf(stderr, "callveil: error: --max-rejects: expected a number of records or a percentage (5%%)\n");
                return -1;
            }
            break;
        case 'p': o->policy = optarg; break;
        case 'k': o->key = optarg; break;
        case 'f': o->format = optarg; break;
        case 'z': o->zstd = 1; break;
        case 'q': cli_quiet = 1; o->run.progress = 0; break;
        case 'h': o->help = 1; break;
        case 'j':
            if (cli_parse_int(optarg, 1, 256, &o->run.threads)) {
                fprintf(stderr, "callveil: error: -j: expected a number of threads from 1 to 256\n");
                return -1;
            }
            break;
        case O_ZLEVEL:
            if (cli_parse_int(optarg, 1, 19, &o->run.zstd_level)) {
                fprintf(stderr, "callveil: error: --zstd-level: expected 1..19\n");
                return -1;
            }
            o->zstd = 1;
            break;
        case O_MAXREC:
            if (cli_parse_size(optarg, &o->run.max_record)) {
                fprintf(stderr, "callveil: error: --max-record-size: expected a size like 16M\n");
                return -1;
            }
            break;
        case O_ASOF: o->run.as_of = optarg; break;
        case O_HEADER:
        case O_NOHEADER:
            if (usage != cli_usage_filter) {
                fprintf(stderr, "callveil: --header and --no-header are options of filter\n");
                return -1;
            }
            if (c == O_HEADER) o->header = optarg;
            else o->run.omit_header = 1;
            break;
        case O_EXPLAIN:
            if (usage != cli_usage_scan) {
                fprintf(stderr, "callveil: --explain is an option of scan\n");
                return -1;
            }
            o->run.explain = 1;
            break;
        case O_RESUME: o->run.resume = 1; break;
        case O_SHARD:
            if (usage != cli_usage_run) {
                fprintf(stderr, "callveil: --shard is an option of run\n");
                return -1;
            }
            if (parse_shard(optarg, &o->run)) {
                fprintf(stderr, "callveil: error: --shard: expected I/N with 0 <= I < N <= %d (shards count from "
                                "0), e.g. --shard 0/4\n", CV_SHARD_MAX);
                return -1;
            }
            o->shard = 1;
            break;
        case O_AS: o->as = optarg; break;
        case O_CONTROLLER: o->controller = 1; break;
        default:
            fputs(usage, stderr);
            return -1;
        }
    }
    if (o->help) {
        fputs(usage, stdout);
        return 1;
    }
    return 0;
}

int cli_load_policy(cv_ctx *ctx, const char *path, cv_policy **p)
{
    int rc = cv_policy_load(ctx, path, p);
    return rc ? cli_fail(ctx, rc) : 0;
}

/* --key, else the policy's key, else (allow_ephemeral) a one-off key. */
int cli_load_key(cv_ctx *ctx, const cli_opts *o, const cv_policy *p, int allow_ephemeral, cv_key **k)
{
    const char *path = o->key ? o->key : cv_policy_key_path(p);
    int rc;
    if (path) {
        rc = cv_key_load_file(ctx, path, k);
        return rc ? cli_fail(ctx, rc) : 0;
    }
    if (!allow_ephemeral) {
        fprintf(stderr, "callveil: error: no key: give --key FILE or set `key:` in the policy%s\n",
                o->ephemeral_hint ? " (or --ephemeral-key for a one-off random key: separate processes, such as "
                                    "GNU parallel shards, then each pick their own and their tokens do not match)"
                                  : "");
        return EXIT_BAD;
    }
    cli_warn("no key configured: using a random one-off key; tokens will not match any other run's (anonymisation, "
         "not pseudonymisation). Make one with `callveil keygen`.");
    rc = cv_key_ephemeral(ctx, k);
    return rc ? cli_fail(ctx, rc) : 0;
}
