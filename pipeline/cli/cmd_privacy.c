/*
 * cmd_privacy.c - the commands on a finished dataset: risk
 * (re-identification risk, --enforce-k), find (subject access), forget
 * (erasure), reveal (the values behind tokens, from the sealed vault) and
 * rekey (a new epoch).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* Split a comma-separated list in place into at most max items. */
static size_t split_list(char *s, char **items, size_t max)
{
    size_t n = 0;
    for (char *tok = strtok(s, ","); tok; tok = strtok(NULL, ",")) {
        if (n == max) return max + 1;
        items[n++] = tok;
    }
    return n;
}

static double pct(uint64_t num, uint64_t den) { return den ? 100.0 * (double)num / (double)den : 0.0; }

int cmd_risk(cv_ctx *ctx, int argc, char **argv)
{
    enum { R_QUASI = 300, R_SUBJECT, R_POINTS, R_SAMPLES, R_SEED, R_GEN, R_ENFORCE, R_JSON, R_ZLEVEL, R_MAXREC,
           R_MINKEEP };
    static const struct option lo[] = {
        { "quasi", required_argument, 0, R_QUASI },     { "subject", required_argument, 0, R_SUBJECT },
        { "points", required_argument, 0, R_POINTS },   { "samples", required_argument, 0, R_SAMPLES },
        { "seed", required_argument, 0, R_SEED },       { "generalise", required_argument, 0, R_GEN },
        { "generalize", required_argument, 0, R_GEN },  { "enforce-k", required_argument, 0, R_ENFORCE },
        { "output", required_argument, 0, 'o' },        { "format", required_argument, 0, 'f' },
        { "json", required_argument, 0, R_JSON },       { "zstd-level", required_argument, 0, R_ZLEVEL },
        { "max-record-size", required_argument, 0, R_MAXREC }, { "quiet", no_argument, 0, 'q' },
        { "min-keep", required_argument, 0, R_MINKEEP }, { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 },
    };
    cli_opts mk;                    /* --min-keep N or P%, parsed as --max-rejects is */
    memset(&mk, 0, sizeof mk);
    cv_risk_opts ro;
    cv_risk_opts_init(&ro);
    char *quasi[CV_RISK_MAX_QUASI + 1];
    cv_risk_gen gen[CV_RISK_MAX_QUASI];
    char *qarg = NULL;
    const char *json = NULL;
    size_t ngen = 0;
    int c, ex = EXIT_USAGE;
    char *end;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:f:qh", lo, NULL)) != -1) {
        switch (c) {
        case R_QUASI:
            free(qarg);
            qarg = strdup(optarg);
            if (!qarg) {
                fprintf(stderr, "callveil: error: out of memory\n");
                return EXIT_BAD;
            }
            ro.nquasi = split_list(qarg, quasi, CV_RISK_MAX_QUASI);
            if (ro.nquasi == 0 || ro.nquasi > CV_RISK_MAX_QUASI) {
                fprintf(stderr, "callveil: error: --quasi: expected 1 to %d comma-separated columns\n",
                        CV_RISK_MAX_QUASI);
                goto out;
            }
            break;
        case R_SUBJECT: ro.subject = optarg; break;
        case R_POINTS:
            if (cli_parse_int(optarg, 1, CV_RISK_MAX_POINTS, &ro.points)) {
                fprintf(stderr, "callveil: error: --points: expected 1..%d\n", CV_RISK_MAX_POINTS);
                goto out;
            }
            break;
        case R_SAMPLES: {
            int v;
            if (cli_parse_int(optarg, 1, 1000000, &v)) {
                fprintf(stderr, "callveil: error: --samples: expected 1..1000000\n");
                goto out;
            }
            ro.samples = (uint64_t)v;
            break;
        }
        case R_SEED:
            errno = 0;
            ro.seed = strtoull(optarg, &end, 10);
            if (errno || end == optarg || *end || *optarg == '-') {
                fprintf(stderr, "callveil: error: --seed: expected a non-negative integer\n");
                goto out;
            }
            break;
        case R_GEN: {
            char *eq = strchr(optarg, '=');
            if (!eq || eq == optarg || ngen == CV_RISK_MAX_QUASI) {
                fprintf(stderr, "callveil: error: --generalise: expected COLUMN=SPEC\n");
                goto out;
            }
            *eq = '\0';
            gen[ngen].column = optarg;
            gen[ngen++].spec = eq + 1;
            break;
        }
        case R_ENFORCE:
            errno = 0;
            ro.enforce_k = strtoull(optarg, &end, 10);
            if (errno || end == optarg || *end || *optarg == '-' || ro.enforce_k == 0) {
                fprintf(stderr, "callveil: error: --enforce-k: expected a positive integer\n");
                goto out;
            }
            break;
        case 'o': ro.enforce_out = optarg; break;
        case 'f': ro.format = optarg; break;
        case R_JSON: json = optarg; break;
        case R_ZLEVEL:
            if (cli_parse_int(optarg, 1, 19, &ro.zstd_level)) {
                fprintf(stderr, "callveil: error: --zstd-level: expected 1..19\n");
                goto out;
            }
            break;
        case R_MAXREC:
            if (cli_parse_size(optarg, &ro.max_record)) {
                fprintf(stderr, "callveil: error: --max-record-size: expected a size like 16M\n");
                goto out;
            }
            break;
        case 'q': cli_quiet = 1; break;
        case R_MINKEEP:
            if (cli_parse_rejects(optarg, &mk)) {
                fprintf(stderr, "callveil: error: --min-keep: expected a number of records or a percentage (50%%)\n");
                goto out;
            }
            break;
        case 'h':
            fputs(cli_usage_risk, stdout);
            ex = EXIT_OK;
            goto out;
        default: fputs(cli_usage_risk, stderr); goto out;
        }
    }
    if (!ro.nquasi) { ex = cli_usage_error(cli_usage_risk, "risk", "missing --quasi COL,COL,..."); goto out; }
    if (optind >= argc) { ex = cli_usage_error(cli_usage_risk, "risk", "missing FILE (the dataset file to measure)"); goto out; }
    if (ro.enforce_k > 0 && !ro.enforce_out) {
        ex = cli_usage_error(cli_usage_risk, "risk", "--enforce-k needs -o OUT (the file to write without the small classes)");
        goto out;
    }
    if (ro.enforce_out && !ro.enforce_k) { ex = cli_usage_error(cli_usage_risk, "risk", "-o OUT needs --enforce-k K"); goto out; }
    if (mk.have_max_rejects && !ro.enforce_k) { ex = cli_usage_error(cli_usage_risk, "risk", "--min-keep needs --enforce-k K"); goto out; }
    for (int i = optind; i < argc; i++)
        if (!strcmp(argv[i], "-")) {
            /* the file is read several times (one pass per measure) */
            fprintf(stderr, "callveil: error: risk reads its file several times and cannot take stdin ('-'): "
                            "save the stream to a file first\n");
            ex = EXIT_USAGE;
            goto out;
        }
    ro.quasi = (const char *const *)quasi;
    ro.gen = gen;
    ro.ngen = ngen;
    int fd = STDOUT_FILENO;
    if (json) {
        fd = open(json, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        if (fd < 0) {
            fprintf(stderr, "callveil: error: %s: %s\n", json, strerror(errno));
            ex = EXIT_BAD;
            goto out;
        }
    }
    cv_risk_result res;
    int rc = cv_risk_files(ctx, (const char *const *)argv + optind, (size_t)(argc - optind), &ro, fd, &res);
    if (json && close(fd) != 0 && !rc) {
        fprintf(stderr, "callveil: error: %s: %s\n", json, strerror(errno));
        ex = EXIT_BAD;
        goto out;
    }
    if (rc) {
        ex = cli_fail(ctx, rc);
        goto out;
    }
    if (!cli_quiet) {
        fprintf(stderr, "callveil: risk: %llu records (%llu rejected), %llu equivalence classes over",
                (unsigned long long)res.records, (unsigned long long)res.rejected, (unsigned long long)res.classes);
        for (size_t i = 0; i < ro.nquasi; i++) fprintf(stderr, "%s%s", i ? "," : " ", quasi[i]);
        fprintf(stderr, "; min k %llu; k=1: %llu classes; k<5: %llu classes holding %llu records (%.1f%%)\n",
                (unsigned long long)res.min_k,
                (unsigned long long)res.classes_k1, (unsigned long long)res.classes_k_lt5,
                (unsigned long long)res.records_k_lt5, pct(res.records_k_lt5, res.records));
        if (!res.unicity_computed) {
            fprintf(stderr, "callveil: risk: unicity not computed (no --subject column)\n");
        } else {
            fprintf(stderr, "callveil: risk: unicity over %llu of %llu subjects:", (unsigned long long)res.sampled,
                    (unsigned long long)res.subjects);
            for (int p = 1; p <= res.points; p++)
                fprintf(stderr, " p=%d %.1f%% (%llu/%llu)", p, pct(res.unique[p - 1], res.eligible[p - 1]),
                        (unsigned long long)res.unique[p - 1], (unsigned long long)res.eligible[p - 1]);
            fputc('\n', stderr);
        }
        if (ro.enforce_k > 0)
            fprintf(stderr, "callveil: risk: k >= %llu enforced: %llu records written to %s, %llu suppressed "
                            "(%llu classes)\n",
                    (unsigned long long)ro.enforce_k, (unsigned long long)res.written, ro.enforce_out,
                    (unsigned long long)res.suppressed, (unsigned long long)res.suppressed_classes);
    }
    ex = res.rejected ? EXIT_REJECTED : EXIT_OK;
    if (ro.enforce_k > 0 && res.suppressed && !res.written)
        cli_warn("k >= %llu suppressed all %llu records (%llu classes): %s holds none", (unsigned long long)ro.enforce_k,
             (unsigned long long)res.suppressed, (unsigned long long)res.suppressed_classes, ro.enforce_out);
    if (mk.have_max_rejects) {
        uint64_t total = res.written + res.suppressed;
        int enough = mk.rejects_pct ? res.written * 100 >= mk.max_rejects * total : res.written >= mk.max_rejects;
        if (!enough) {
            fprintf(stderr, "callveil: error: k >= %llu kept %llu of %llu records: fewer than --min-keep %llu%s\n",
                    (unsigned long long)ro.enforce_k, (unsigned long long)res.written, (unsigned long long)total,
                    mk.max_rejects, mk.rejects_pct ? "%" : "");
            ex = EXIT_REJECTED;
        }
    }
out:
    free(qarg);
    return ex;
}

/* find / forget / rekey: --type, --policy, --key, --secret-key, --from-epoch, --to-epoch */
#define MAX_IDS 64

typedef struct subj_opts {
    cli_opts o;
    const char *types[MAX_IDS], *secret;
    int ntypes;
    unsigned long long from, to;
    int have_from, have_to;
} subj_opts;

static int parse_subj(int argc, char **argv, const char *usage, subj_opts *so)
{
    static const struct option lo[] = {
        { "type", required_argument, 0, 't' },       { "policy", required_argument, 0, 'p' },
        { "key", required_argument, 0, 'k' },        { "secret-key", required_argument, 0, 's' },
        { "from-epoch", required_argument, 0, 'F' }, { "to-epoch", required_argument, 0, 'T' },
        { "quiet", no_argument, 0, 'q' },            { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 },
    };
    memset(so, 0, sizeof *so);
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "t:p:k:s:qh", lo, NULL)) != -1) {
        char *end;
        switch (c) {
        case 't':
            if (so->ntypes == MAX_IDS) {
                fprintf(stderr, "callveil: error: --type: at most %d identifiers at once\n", MAX_IDS);
                return -1;
            }
            so->types[so->ntypes++] = optarg;
            break;
        case 'p': so->o.policy = optarg; break;
        case 'k': so->o.key = optarg; break;
        case 's': so->secret = optarg; break;
        case 'q': cli_quiet = 1; break;
        case 'F':
        case 'T':
            errno = 0;
            *(c == 'F' ? &so->from : &so->to) = strtoull(optarg, &end, 10);
            if (errno || end == optarg || *end || optarg[0] == '-') {
                fprintf(stderr, "callveil: error: --%s: expected a non-negative integer\n",
                        c == 'F' ? "from-epoch" : "to-epoch");
                return -1;
            }
            *(c == 'F' ? &so->have_from : &so->have_to) = 1;
            break;
        case 'h': fputs(usage, stdout); return 1;
        default: fputs(usage, stderr); return -1;
        }
    }
    return 0;
}

int cmd_subject(cv_ctx *ctx, int argc, char **argv, int forget)
{
    const char *usage = forget ? cli_usage_forget : cli_usage_find;
    subj_opts so;
    int r = parse_subj(argc, argv, usage, &so);
    if (r) return r > 0 ? EXIT_OK : EXIT_USAGE;
    /* find: one identifier; forget: one VALUE per --type, then OUTDIR */
    if (!so.ntypes || (!forget && so.ntypes != 1) || optind != argc - so.ntypes - 1) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    const char *value = argv[optind], *dir = argv[argc - 1];
    cv_policy *p = NULL;
    cv_key *k = NULL;
    int ex;
    if ((ex = cli_load_policy(ctx, so.o.policy, &p))) return ex;
    if ((ex = cli_load_key(ctx, &so.o, p, 0, &k))) goto out;
    int rc;
    if (forget) {
        cv_forget_result res;
        cv_subject_id ids[MAX_IDS];
        for (int i = 0; i < so.ntypes; i++) {
            ids[i].type = so.types[i];
            ids[i].value = argv[optind + i];
        }
        rc = cv_forget_ids(ctx, p, k, ids, (size_t)so.ntypes, dir, &res);
        if (rc) { ex = cli_fail(ctx, rc); goto out; }
        if (!cli_quiet) {
            if (!res.files_changed && !res.files_deleted && !res.vault_entries_removed)
                fprintf(stderr, "callveil: nothing of this subject in %s (%llu data file(s) searched)\n", dir,
                        (unsigned long long)res.files);
            else
                fprintf(stderr, "callveil: forgot the subject in %s: %llu record(s) removed, %llu token(s) "
                                "replaced, %llu vault entr%s removed (%llu of them other tokens that only the "
                                "deleted records held), %llu file(s) rewritten, %llu file(s) deleted "
                                "(%llu recording(s) with their transcripts)\n", dir,
                        (unsigned long long)res.records_removed, (unsigned long long)res.tokens_replaced,
                        (unsigned long long)res.vault_entries_removed, res.vault_entries_removed == 1 ? "y" : "ies",
                        (unsigned long long)res.linked_entries_removed,
                        (unsigned long long)res.files_changed, (unsigned long long)res.files_deleted,
                        (unsigned long long)res.recordings_removed);
        }
    } else {
        uint64_t hits = 0;
        rc = cv_find(ctx, p, k, so.types[0], value, dir, STDOUT_FILENO, &hits);
        if (rc) { ex = cli_fail(ctx, rc); goto out; }
        if (!cli_quiet) fprintf(stderr, "callveil: %llu record(s)\n", (unsigned long long)hits);
    }
    ex = EXIT_OK;
out:
    cv_key_free(k);
    cv_policy_free(p);
    return ex;
}

int cmd_reveal(cv_ctx *ctx, int argc, char **argv)
{
    static const struct option lo[] = {
        { "vault", required_argument, 0, 'v' }, { "secret-key", required_argument, 0, 's' },
        { "key", required_argument, 0, 'k' },   { "policy", required_argument, 0, 'p' },
        { "epoch", required_argument, 0, 'E' }, { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 },
    };
    const char *vault = NULL, *secret = NULL;
    cli_opts o;
    memset(&o, 0, sizeof o);
    long long epoch = -1;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "v:s:k:p:h", lo, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'v': vault = optarg; break;
        case 's': secret = optarg; break;
        case 'k': o.key = optarg; break;
        case 'p': o.policy = optarg; break;
        case 'E':
            errno = 0;
            epoch = strtoll(optarg, &end, 10);
            if (errno || end == optarg || *end || epoch < 0) {
                fprintf(stderr, "callveil: error: --epoch: expected a non-negative integer\n");
                return EXIT_USAGE;
            }
            break;
        case 'h': fputs(cli_usage_reveal, stdout); return EXIT_OK;
        default: fputs(cli_usage_reveal, stderr); return EXIT_USAGE;
        }
    }
    if (!vault || !secret || optind >= argc) {
        fputs(cli_usage_reveal, stderr);
        return EXIT_USAGE;
    }
    cv_policy *p = NULL;
    cv_key *k = NULL;
    int ex;
    if ((ex = cli_load_policy(ctx, o.policy, &p))) return ex;
    if ((ex = cli_load_key(ctx, &o, p, 0, &k))) goto out;
    int rc = cv_reveal(ctx, p, k, (int64_t)epoch, vault, secret, (const char *const *)argv + optind,
                       (size_t)(argc - optind), STDOUT_FILENO);
    ex = rc ? cli_fail(ctx, rc) : EXIT_OK;
out:
    cv_key_free(k);
    cv_policy_free(p);
    return ex;
}

int cmd_rekey(cv_ctx *ctx, int argc, char **argv)
{
    subj_opts so;
    int r = parse_subj(argc, argv, cli_usage_rekey, &so);
    if (r) return r > 0 ? EXIT_OK : EXIT_USAGE;
    if (!so.have_from || !so.have_to || !so.secret || optind != argc - 1) {
        fputs(cli_usage_rekey, stderr);
        return EXIT_USAGE;
    }
    cv_policy *p = NULL;
    cv_key *k = NULL;
    int ex;
    if ((ex = cli_load_policy(ctx, so.o.policy, &p))) return ex;
    if ((ex = cli_load_key(ctx, &so.o, p, 0, &k))) goto out;
    cv_rekey_result res;
    int rc = cv_rekey(ctx, p, k, so.secret, so.from, so.to, argv[optind], &res);
    if (rc) { ex = cli_fail(ctx, rc); goto out; }
    if (!cli_quiet)
        fprintf(stderr, "callveil: rekeyed %s from epoch %llu to %llu: %llu token(s) in %llu file(s), %llu vault "
                        "entries; set `epoch: %llu` in the policy\n", argv[optind], so.from, so.to,
                (unsigned long long)res.tokens_replaced, (unsigned long long)res.files_changed,
                (unsigned long long)res.vault_entries, so.to);
    if (res.dates_shifted_kept)
        cli_warn("%llu date(s) shifted per subject keep their epoch %llu offsets; runs at "
             "epoch %llu shift the same subjects by other offsets (re-run from the source data where "
             "intervals across epochs matter)",
             (unsigned long long)res.dates_shifted_kept, so.from, so.to);
    ex = EXIT_OK;
out:
    cv_key_free(k);
    cv_policy_free(p);
    return ex;
}
