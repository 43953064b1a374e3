/*
 * cmd_run.c - the commands that process data under a policy: run (files
 * and directories into a dataset), merge (the outputs of run --shard),
 * filter (one stream, stdin to stdout) and scan (counts, or --explain).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* Exit status of a finished run or filter: 3 when records were rejected
 * (or files failed), unless --max-rejects tolerates the rejected records
 * (then 0, with a warning that gives the counts). A failed file stays 3. */
static int rejected_exit(const cli_opts *o, const cv_totals *t)
{
    if (t->files_failed) return EXIT_REJECTED;
    if (!t->rejected) return EXIT_OK;
    if (!o->have_max_rejects) return EXIT_REJECTED;
    int within = o->rejects_pct ? t->rejected * 100 <= o->max_rejects * t->records_in : t->rejected <= o->max_rejects;
    if (!within) {
        fprintf(stderr, "callveil: error: %llu of %llu records rejected: more than --max-rejects %llu%s allows\n",
                (unsigned long long)t->rejected, (unsigned long long)t->records_in, o->max_rejects,
                o->rejects_pct ? "%" : "");
        return EXIT_REJECTED;
    }
    cli_warn("%llu of %llu records rejected, within --max-rejects %llu%s: exit 0", (unsigned long long)t->rejected,
         (unsigned long long)t->records_in, o->max_rejects, o->rejects_pct ? "%" : "");
    return EXIT_OK;
}

/* run and scan walk paths (names, directories, a second look at each file):
 * '-' for stdin is not one of them; filter is the stdin command. */
static int no_stdin(int argc, char **argv, const char *cmd)
{
    for (int i = optind; i < argc; i++)
        if (!strcmp(argv[i], "-")) {
            fprintf(stderr, "callveil: error: %s does not read stdin ('-'): use `callveil filter --format FORMAT "
                            "< FILE` for a stream, or give a file name\n", cmd);
            return 1;
        }
    return 0;
}

/* A key must never lie inside the data it protects: refuse a key file
 * within (or equal to) one of the run's inputs. Paths compared after
 * realpath, so symbolic links and '..' do not hide it. A key that does not
 * exist is left to the loader's message. */
static int key_outside_inputs(const char *key, char **inputs, int n)
{
    char rk[PATH_MAX], ri[PATH_MAX];
    if (!realpath(key, rk)) return 0;
    for (int i = 0; i < n; i++) {
        if (!realpath(inputs[i], ri)) continue;
        size_t l = strlen(ri);
        int inside = !strcmp(rk, ri) || (!strncmp(rk, ri, l) && (rk[l] == '/' || (l == 1 && ri[0] == '/')));
        if (inside) {
            fprintf(stderr, "callveil: error: the key file %s lies inside the input %s: a key must be kept apart "
                            "from the data (move it, e.g. to /etc/callveil/, and give its new path)\n", key,
                    inputs[i]);
            return EXIT_BAD;
        }
    }
    return 0;
}

/* Warnings a batch job must not miss, with counts only. */
static void warn_totals(const cv_totals *t)
{
    if (t->records_in && !t->written && t->dropped)
        cli_warn("all %llu records were dropped (retention or enforce_k): nothing was written",
             (unsigned long long)t->records_in);
    if (t->values_unparseable)
        cli_warn("%llu value(s) a generalise action could not read were emptied (values_unparseable in the manifest)",
             (unsigned long long)t->values_unparseable);
}

int cmd_run(cv_ctx *ctx, int argc, char **argv)
{
    cli_opts o;
    int r = cli_parse_opts(argc, argv, cli_usage_run, &o);
    if (r) return r > 0 ? EXIT_OK : EXIT_USAGE;
    if (!o.out) return cli_usage_error(cli_usage_run, "run", "missing -o OUTDIR (the output directory)");
    if (optind >= argc) return cli_usage_error(cli_usage_run, "run", "missing INPUT (files or directories to process)");
    if (no_stdin(argc, argv, "run")) return EXIT_USAGE;
    cv_policy *p = NULL;
    cv_key *k = NULL;
    int ex;
    if ((ex = cli_load_policy(ctx, o.policy, &p))) return ex;
    const char *kpath = o.key ? o.key : cv_policy_key_path(p);
    if (kpath && (ex = key_outside_inputs(kpath, argv + optind, argc - optind))) goto out;
    if (o.shard && o.ephemeral) {
        ex = cli_usage_error(cli_usage_run, "run", "--ephemeral-key cannot be used with --shard: every shard must read the "
                                           "same key file, or their tokens do not join");
        goto out;
    }
    /* shards: never a one-off key (cli_load_key says so and exits 2 without one) */
    if ((ex = cli_load_key(ctx, &o, p, !o.shard, &k))) goto out;
    cv_totals t;
    int rc = cv_run(ctx, p, k, (const char *const *)argv + optind, (size_t)(argc - optind), o.out, &o.run, &t);
    cli_end_progress();
    if (rc) {
        ex = cli_fail(ctx, rc);
        goto out;
    }
    if (t.files == 0 && o.shard) {
        /* another shard may hold every file; the merge counts them all */
        cli_warn("no input file fell in shard %u/%u (%llu skipped): its manifest lists none", o.run.shard_index,
             o.run.shard_count, (unsigned long long)t.files_skipped);
    } else if (t.files == 0) {
        fprintf(stderr, "callveil: error: no input file was processed: %llu file(s) skipped (no policy input rule "
                        "matches them, or not regular files: see %s/manifest.json)\n",
                (unsigned long long)t.files_skipped, o.out);
        ex = EXIT_BAD;
        goto out;
    }
    warn_totals(&t);
    if (!cli_quiet)
        printf("callveil: %llu file(s) (%llu skipped, %llu failed): %llu records in, %llu written, %llu dropped, "
               "%llu rejected; %llu identifiers found in free text; output in %s (manifest.json)\n",
               (unsigned long long)t.files, (unsigned long long)t.files_skipped, (unsigned long long)t.files_failed,
               (unsigned long long)t.records_in,
               (unsigned long long)t.written, (unsigned long long)t.dropped, (unsigned long long)t.rejected,
               (unsigned long long)t.detections, o.out);
    if (!cli_quiet && t.audio_seconds_in > 0)
        printf("callveil: audio: %.1f s in, %.1f s redacted in %llu span(s), %llu DTMF span(s) masked\n",
               t.audio_seconds_in, t.audio_seconds_redacted, (unsigned long long)t.audio_spans,
               (unsigned long long)t.dtmf_spans);
    ex = rejected_exit(&o, &t);
out:
    cv_key_free(k);
    cv_policy_free(p);
    return ex;
}

int cmd_merge(cv_ctx *ctx, int argc, char **argv)
{
    cli_opts o;
    int r = cli_parse_opts(argc, argv, cli_usage_merge, &o);
    if (r) return r > 0 ? EXIT_OK : EXIT_USAGE;
    if (!o.out) return cli_usage_error(cli_usage_merge, "merge", "missing -o OUTDIR (the merged dataset)");
    if (optind >= argc) return cli_usage_error(cli_usage_merge, "merge", "missing SHARD_OUTDIR (the shards' output directories)");
    cv_policy *p = NULL;
    cv_key *k = NULL;
    int ex;
    if ((ex = cli_load_policy(ctx, o.policy, &p))) return ex;
    if ((ex = cli_load_key(ctx, &o, p, 0, &k))) goto out;
    cv_totals t;
    int rc = cv_merge(ctx, p, k, (const char *const *)argv + optind, (size_t)(argc - optind), o.out, o.run.overwrite,
                      &t);
    if (rc) {
        ex = cli_fail(ctx, rc);
        goto out;
    }
    if (!cli_quiet)
        printf("callveil: merged %d shard(s): %llu file(s) (%llu skipped, %llu failed): %llu records in, %llu written, "
               "%llu dropped, %llu rejected; output in %s (manifest.json)\n", argc - optind,
               (unsigned long long)t.files, (unsigned long long)t.files_skipped, (unsigned long long)t.files_failed,
               (unsigned long long)t.records_in, (unsigned long long)t.written, (unsigned long long)t.dropped,
               (unsigned long long)t.rejected, o.out);
    ex = EXIT_OK;
out:
    cv_key_free(k);
    cv_policy_free(p);
    return ex;
}

int cmd_filter(cv_ctx *ctx, int argc, char **argv)
{
    cli_opts o;
    int r = cli_parse_opts(argc, argv, cli_usage_filter, &o);
    if (r) return r > 0 ? EXIT_OK : EXIT_USAGE;
    if (!o.format && !o.as)
        return cli_usage_error(cli_usage_filter, "filter", "missing --format FORMAT (jsonl, csv or asterisk-cdr) or --as PATH");
    if (optind != argc)
        return cli_usage_error(cli_usage_filter, "filter", "filter reads stdin and takes no file arguments (use run for files)");
    if (o.format && !cv_format_known(o.format))
        return cli_usage_error(cli_usage_filter, "filter", "unknown --format (jsonl, csv or asterisk-cdr)");
    if (!o.zstd) o.run.zstd_level = 0;
    o.run.progress = 0;
    o.ephemeral_hint = 1;
    cv_policy *p = NULL;
    cv_key *k = NULL;
    int ex;
    char hdr[65536];
    if (o.header) {
        /* the header row: the file's first line (a CSV header holds no newline) */
        FILE *hf = fopen(o.header, "r");
        if (!hf) {
            fprintf(stderr, "callveil: --header %s: %s\n", o.header, strerror(errno));
            return EXIT_BAD;
        }
        if (!fgets(hdr, sizeof hdr, hf)) hdr[0] = '\0';
        fclose(hf);
        if (!hdr[0] || (strlen(hdr) == sizeof hdr - 1 && hdr[sizeof hdr - 2] != '\n')) {
            fprintf(stderr, "callveil: --header %s: no header line (or one over 64 KiB)\n", o.header);
            return EXIT_BAD;
        }
        o.run.header = hdr;
        o.run.header_len = strlen(hdr);
    }
    if ((ex = cli_load_policy(ctx, o.policy, &p))) return ex;
    if ((ex = cli_load_key(ctx, &o, p, o.ephemeral, &k))) goto out;
    cv_totals t;
    int rc = cv_filter(ctx, p, k, o.format, o.as, STDIN_FILENO, STDOUT_FILENO, &o.run, &t);
    if (rc == CV_EUSAGE) {
        fprintf(stderr, "callveil: error: %s\n", cv_ctx_error(ctx));
        cli_short_usage(cli_usage_filter, "filter");
        ex = EXIT_USAGE;
        goto out;
    }
    if (rc) {
        ex = cli_fail(ctx, rc);
        goto out;
    }
    if (t.rejected)
        fprintf(stderr, "callveil: %llu of %llu records rejected\n", (unsigned long long)t.rejected,
                (unsigned long long)t.records_in);
    warn_totals(&t);
    ex = rejected_exit(&o, &t);
out:
    cv_key_free(k);
    cv_policy_free(p);
    return ex;
}

int cmd_scan(cv_ctx *ctx, int argc, char **argv)
{
    cli_opts o;
    int r = cli_parse_opts(argc, argv, cli_usage_scan, &o);
    if (r) return r > 0 ? EXIT_OK : EXIT_USAGE;
    if (optind >= argc) return cli_usage_error(cli_usage_scan, "scan", "missing INPUT (files or directories to scan)");
    if (no_stdin(argc, argv, "scan")) return EXIT_USAGE;
    cv_policy *p = NULL;
    int ex;
    if ((ex = cli_load_policy(ctx, o.policy, &p))) return ex;
    cv_totals t;
    int rc = cv_scan(ctx, p, (const char *const *)argv + optind, (size_t)(argc - optind), STDOUT_FILENO, &o.run, &t);
    cli_end_progress();
    ex = rc ? cli_fail(ctx, rc) : t.rejected || t.files_failed ? EXIT_REJECTED : EXIT_OK;
    cv_policy_free(p);
    return ex;
}
