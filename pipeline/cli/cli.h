/*
 * cli.h - what the files of the command line share (private to pipeline/cli/):
 * exit codes, -q/-v, messages (cli_opts.c), help texts (cli_usage.c), the
 * common options (cli_opts.c) and the commands (cmd_run.c, cmd_privacy.c,
 * cmd_tools.c). Shared helpers are named cli_, commands cmd_.
 */
#ifndef CV_CLI_H
#define CV_CLI_H

#include <stdio.h>

#include "callveil.h"

enum { EXIT_OK = 0, EXIT_USAGE = 1, EXIT_BAD = 2, EXIT_REJECTED = 3 };

/* -q and -v, set while options are parsed; read by every message. */
extern int cli_quiet, cli_verbose;

/* ---- messages (cli_opts.c) ---------------------------------------------- */

/* The library's log callback (cv_ctx_set_log): progress on a terminal only,
 * verbose lines under -v, nothing but errors under -q. */
void cli_log(void *ud, int level, const char *msg);
/* Clear the progress line (on a terminal, without -q). */
void cli_end_progress(void);
/* "callveil: warning: ..." on stderr, unless -q. */
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The context's error (or cv_strerror(rc)) on stderr: exit 1 for
 * CV_EUSAGE, else 2. */
int cli_fail(cv_ctx *ctx, int rc);

/* ---- help texts (cli_usage.c) ------------------------------------------- */

extern const char cli_usage_main[], cli_usage_run[], cli_usage_merge[], cli_usage_filter[], cli_usage_scan[],
    cli_usage_risk[], cli_usage_keygen[], cli_usage_reveal[], cli_usage_find[], cli_usage_forget[],
    cli_usage_rekey[], cli_usage_token[], cli_usage_check[];

/* u to f; cli_usage_token with the entities of the registry. */
void cli_print_usage(FILE *f, const char *u);
/* The lines of u up to its first blank line, and a pointer to --help. */
void cli_short_usage(const char *u, const char *cmd);
/* One line saying what is missing or wrong, then the short usage: exit 1. */
int cli_usage_error(const char *u, const char *cmd, const char *what);

/* ---- options (cli_opts.c) ----------------------------------------------- */

typedef struct cli_opts {
    const char *policy, *key, *out, *format, *as, *as_of, *header;
    int zstd, help, controller, ephemeral, ephemeral_hint;
    int rejects_pct;                /* --max-rejects P%: max_rejects is a percentage */
    unsigned long long max_rejects; /* --max-rejects N: rejected records tolerated (exit 0, warned) */
    int have_max_rejects;
    int shard;                      /* run --shard I/N given */
    cv_run_opts run;
} cli_opts;

/* A size such as 4096, 64K, 16M, 1G (0 and over 1 TiB refused): 0, or -1. */
int cli_parse_size(const char *s, size_t *out);
/* A decimal integer in lo..hi: 0, or -1. */
int cli_parse_int(const char *s, int lo, int hi, int *out);
/* --max-rejects N (records) or P% (of the records read, 0..100) into o: 0, or -1. */
int cli_parse_rejects(const char *s, cli_opts *o);
/* The options of run, merge, filter, scan and keygen (usage is the
 * command's help text: it says which command parses). 0: parsed, optind
 * at the first argument; 1: --help printed; -1: usage error printed. */
int cli_parse_opts(int argc, char **argv, const char *usage, cli_opts *o);
/* Load the policy at path (NULL: the embedded default): 0, or the exit code
 * with the error printed. */
int cli_load_policy(cv_ctx *ctx, const char *path, cv_policy **p);
/* --key, else the policy's key, else (allow_ephemeral) a one-off key: 0, or
 * the exit code with the error printed. */
int cli_load_key(cv_ctx *ctx, const cli_opts *o, const cv_policy *p, int allow_ephemeral, cv_key **k);

/* ---- the commands: argv[0] is the command's name; each returns the exit
 * code --------------------------------------------------------------------- */

int cmd_run(cv_ctx *ctx, int argc, char **argv);       /* cmd_run.c */
int cmd_merge(cv_ctx *ctx, int argc, char **argv);
int cmd_filter(cv_ctx *ctx, int argc, char **argv);
int cmd_scan(cv_ctx *ctx, int argc, char **argv);
int cmd_risk(cv_ctx *ctx, int argc, char **argv);      /* cmd_privacy.c */
/* find (forget 0) or forget (forget 1) */
int cmd_subject(cv_ctx *ctx, int argc, char **argv, int forget);
int cmd_reveal(cv_ctx *ctx, int argc, char **argv);
int cmd_rekey(cv_ctx *ctx, int argc, char **argv);
int cmd_keygen(cv_ctx *ctx, int argc, char **argv);    /* cmd_tools.c */
int cmd_token(cv_ctx *ctx, int argc, char **argv);
int cmd_check(cv_ctx *ctx, int argc, char **argv);

#endif
