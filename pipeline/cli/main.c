/*
 * main.c - the callveil command line: a thin layer over the public API
 * (callveil.h). Parses options, loads policy and key, runs a command, maps
 * results to exit codes: 0 ok, 1 usage, 2 bad input / policy / key / I/O,
 * 3 finished but some records were rejected.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "callveil.h"

enum { EXIT_OK = 0, EXIT_USAGE = 1, EXIT_BAD = 2, EXIT_REJECTED = 3 };

static int quiet, verbose;

static void log_cb(void *ud, int level, const char *msg)
{
    (void)ud;
    static int progress_shown;
    if (level == CV_LOG_PROGRESS) {
        if (quiet || !isatty(STDERR_FILENO)) return;
        fprintf(stderr, "\r\033[Kcallveil: %s", msg);
        progress_shown = 1;
        return;
    }
    if (progress_shown) {
        fputs("\r\033[K", stderr);
        progress_shown = 0;
    }
    if (level == CV_LOG_VERBOSE && !verbose) return;
    if ((level == CV_LOG_INFO || level == CV_LOG_WARN || level == CV_LOG_VERBOSE) && quiet) return;
    const char *tag = level == CV_LOG_ERROR ? "error: " : level == CV_LOG_WARN ? "warning: " : "";
    fprintf(stderr, "callveil: %s%s\n", tag, msg);
}

static void end_progress(void)
{
    if (!quiet && isatty(STDERR_FILENO)) fputs("\r\033[K", stderr);
}

/* The lines of a usage text up to its first blank line, and a pointer to
 * --help: what a usage error prints after the line saying what is wrong. */
static void short_usage(const char *u, const char *cmd)
{
    const char *blank = strstr(u, "\n\n");
    fwrite(u, 1, blank ? (size_t)(blank - u) + 1 : strlen(u), stderr);
    fprintf(stderr, "Try 'callveil %s --help' for more.\n", cmd);
}

/* One line saying what is missing or wrong, then the short usage: exit 1. */
static int usage_error(const char *u, const char *cmd, const char *what)
{
    fprintf(stderr, "callveil: error: %s\n", what);
    short_usage(u, cmd);
    return EXIT_USAGE;
}

static void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void warn(const char *fmt, ...)
{
    if (quiet) return;
    va_list ap;
    va_start(ap, fmt);
    fputs("callveil: warning: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static int fail(cv_ctx *ctx, int rc)
{
    end_progress();
    fprintf(stderr, "callveil: error: %s\n", *cv_ctx_error(ctx) ? cv_ctx_error(ctx) : cv_strerror(rc));
    return rc == CV_EUSAGE ? EXIT_USAGE : EXIT_BAD;
}

static const char usage_main[] =
    "usage: callveil COMMAND [OPTIONS] [ARGS]\n"
    "\n"
    "Pseudonymise and anonymise contact-centre data (chats, SMS, CDRs) under a\n"
    "policy and a key. Commands:\n"
    "  run           process files and directories into an anonymised dataset\n"
    "  merge         join the outputs of `run --shard I/N` into one dataset\n"
    "  filter        process one stream, stdin to stdout (for ETL chains)\n"
    "  scan          count the identifiers that would be found; write nothing\n"
    "  risk          re-identification risk of a dataset file (k-anonymity, unicity)\n"
    "  keygen        make a new 32-byte master key file (mode 0600), or with\n"
    "                --controller the controller's vault key pair\n"
    "  token         print the token a subject's identifier gets\n"
    "  find          list the dataset records holding a subject's token\n"
    "  forget        erase a subject from a dataset (and its vault)\n"
    "  reveal        print the values behind tokens (controller: vault + secret key,\n"
    "                checked against the master key)\n"
    "  rekey         rotate a dataset's tokens to a new epoch (needs the vault)\n"
    "  check-policy  validate a policy file and list every problem\n"
    "  help COMMAND  show a command's options\n"
    "  version       print the version (also -V, --version)\n"
    "\n"
    "Exit status: 0 ok, 1 usage error, 2 bad input, policy, key or I/O error,\n"
    "3 finished, but some records were rejected or some files could not be read\n"
    "to their end (each counted and located in manifest.json / on stderr).\n"
    "See callveil(1).\n";

static const char usage_run[] =
    "usage: callveil run [OPTIONS] INPUT... -o OUTDIR\n"
    "\n"
    "Process files and directories (recursively, in sorted order, dot files\n"
    "skipped) into OUTDIR, mirroring the input tree. Text outputs are zstd\n"
    "compressed (NAME.zst), each written to a temporary name and renamed when\n"
    "complete; OUTDIR/manifest.json records what was done.\n"
    "\n"
    "  -o, --output DIR        output directory (required)\n"
    "  -p, --policy FILE       YAML policy (default: the embedded default policy)\n"
    "  -k, --key FILE          master key file (overrides the policy's key)\n"
    "  -j, --jobs N            worker threads (default: all cores)\n"
    "      --zstd-level N      zstd level 1..19 (default 3)\n"
    "      --max-record-size S largest record accepted, e.g. 16M (default 16M)\n"
    "      --as-of DATE        reference date YYYY-MM-DD (default: today, UTC)\n"
    "      --resume            skip inputs an interrupted run already finished\n"
    "      --overwrite         OUTDIR may hold a dataset of another key, tenant, epoch\n"
    "                          or policy: remove it whole first (without this, or\n"
    "                          --resume, such a run is refused: exit 2)\n"
    "      --max-rejects N|P%  exit 0 (with a warning) when at most N records, or P%\n"
    "                          of those read, were rejected (default: any is exit 3)\n"
    "      --shard I/N         process only shard I (0 <= I < N) of the input files,\n"
    "                          picked by a keyed hash of each file's relative path;\n"
    "                          needs a key file (not a one-off key); join the N\n"
    "                          outputs with `callveil merge`\n"
    "  -q, --quiet             no summary, no progress, no warnings\n"
    "  -v, --verbose           a line per input file (status and counts)\n"
    "  -h, --help\n"
    "\n"
    "A key file inside an INPUT is refused (exit 2). A run in which no input file\n"
    "was processed (none matched a policy input rule) is exit 2. '-' (stdin) is\n"
    "not an INPUT: use filter for streams.\n";

static const char usage_merge[] =
    "usage: callveil merge [OPTIONS] SHARD_OUTDIR... -o OUTDIR\n"
    "\n"
    "Join the output directories of `callveil run --shard I/N` (every I from 0\n"
    "to N-1 once, same inputs, key, policy and options) into OUTDIR: the same\n"
    "files, bytes and counts as one run without --shard. Output files are\n"
    "copied (their BLAKE2b checked against the shard's manifest), vault entries\n"
    "united (one per token), journals joined, and manifest.json written with the\n"
    "files in the un-sharded order and the totals added up. Shards of another\n"
    "key, tenant, epoch, policy, N or version, a missing or repeated shard, or\n"
    "two shards writing one output name are refused (exit 2), nothing written.\n"
    "Atomic: an interrupted merge leaves no half dataset.\n"
    "\n"
    "  -o, --output DIR        the merged dataset (required; refused if it holds\n"
    "                          one already, unless --overwrite)\n"
    "  -p, --policy FILE       the policy the shards ran under (default: embedded)\n"
    "  -k, --key FILE          master key file (overrides the policy's key)\n"
    "      --overwrite         OUTDIR may hold a dataset: replace it whole\n"
    "  -q, --quiet             no summary\n"
    "  -h, --help\n";

static const char usage_filter[] =
    "usage: callveil filter --format FORMAT [OPTIONS] < INPUT > OUTPUT\n"
    "\n"
    "Process one stream from stdin to stdout. zstd input is detected. Rejected\n"
    "records are reported on stderr (line, byte offset, reason; never content).\n"
    "The output depends only on key, policy and input: shards processed apart\n"
    "and concatenated equal one process's output.\n"
    "\n"
    "  -f, --format FORMAT     jsonl, csv or asterisk-cdr\n"
    "      --as PATH           pick the policy input as if the stream were PATH\n"
    "  -p, --policy FILE       YAML policy (default: the embedded default policy)\n"
    "  -k, --key FILE          master key file (overrides the policy's key)\n"
    "  -z, --zstd              compress the output with zstd\n"
    "      --zstd-level N      zstd level 1..19 (default 3; implies --zstd)\n"
    "  -j, --jobs N            worker threads (default: all cores)\n"
    "      --max-record-size S largest record accepted (default 16M)\n"
    "      --header FILE       csv: the header row is FILE's first line; the stream\n"
    "                          holds records only (a shard after the first)\n"
    "      --no-header         csv: write no header row (shards after the first)\n"
    "      --ephemeral-key     without a key, use a one-off random one (tokens then\n"
    "                          join only within this process: not across shards)\n"
    "      --max-rejects N|P%  exit 0 (with a warning) when at most N records, or P%\n"
    "                          of those read, were rejected (default: any is exit 3)\n"
    "  -q, --quiet             no warnings\n"
    "  -h, --help\n"
    "\n"
    "Without --key, a policy key or --ephemeral-key, filter refuses to run (exit 2).\n";

static const char usage_scan[] =
    "usage: callveil scan [OPTIONS] INPUT...\n"
    "\n"
    "Count, per file and entity type, what the policy would find; print a JSON\n"
    "report on stdout; write nothing else.\n"
    "\n"
    "  -p, --policy FILE       YAML policy (default: the embedded default policy)\n"
    "      --explain           instead, one JSON line per decision: file, record line,\n"
    "                          field rule, byte offsets, entity, detector, action and\n"
    "                          what decided it (allow list, entities line, default,\n"
    "                          field rule); never a value\n"
    "  -j, --jobs N            worker threads (default: all cores)\n"
    "      --max-record-size S largest record accepted (default 16M)\n"
    "  -q, --quiet             no warnings, no progress\n"
    "  -v, --verbose           a line per input file (status and counts)\n"
    "  -h, --help\n";

static const char usage_risk[] =
    "usage: callveil risk --quasi COL,COL,... [OPTIONS] FILE...\n"
    "\n"
    "Report the re-identification risk of an anonymised dataset (CSV with a\n"
    "header, Asterisk Master.csv, JSON Lines; plain or zstd; several files of one\n"
    "format, e.g. shards or months, are counted as one dataset) over the given\n"
    "quasi-identifiers: equivalence classes, minimum k, k histogram, share of\n"
    "records in classes with k < 5, and unicity (share of subjects singled out\n"
    "by p random points of their own records, p = 1..P). JSON on stdout, a short\n"
    "summary on stderr. The report holds counts and column names, never a value.\n"
    "\n"
    "  --quasi COLS            quasi-identifiers: column names or dotted JSON paths\n"
    "  --subject COL           the subject's column (e.g. the token column src);\n"
    "                          without it unicity is not computed\n"
    "  --points P              unicity for p = 1..P (1..16, default 4)\n"
    "  --samples N             subjects sampled for unicity (default 10000)\n"
    "  --seed N                seed of the random draws (default 1)\n"
    "  --generalise COL=SPEC   coarsen COL first: hour, day, week, weekday_hour, month,\n"
    "                          quarter, year, bands or bands:30,60,... (repeatable)\n"
    "  --enforce-k K -o OUT    also write OUT (one FILE only): it without the records of\n"
    "                          classes with k < K (same format; zstd if the input is;\n"
    "                          OUT's directory must exist). Suppressing every record\n"
    "                          is warned about\n"
    "      --min-keep N|P%     with --enforce-k: exit 3 when fewer than N records (or\n"
    "                          P% of those counted) are kept\n"
    "  -f, --format FORMAT     jsonl, csv or asterisk-cdr (default: from the name)\n"
    "      --json FILE         write the JSON report to FILE instead of stdout\n"
    "      --zstd-level N      zstd level of OUT (default 3)\n"
    "      --max-record-size S largest record accepted (default 16M)\n"
    "  -q, --quiet             no summary, no warnings\n"
    "  -h, --help\n"
    "\n"
    "FILE must be a regular file (it is read several times): not '-'.\n";

static const char usage_keygen[] =
    "usage: callveil keygen -o FILE\n"
    "       callveil keygen --controller -o PREFIX\n"
    "\n"
    "Write a new random 32-byte master key as 64 hex characters, mode 0600.\n"
    "Never overwrites an existing file. Keep it apart from the data (run refuses\n"
    "a key inside its inputs). A missing last directory of the path is created\n"
    "with mode 0700 (only the last one: /etc/callveil for /etc/callveil/acme.key;\n"
    "deeper missing directories need mkdir -p). -o - (stdout) is refused.\n"
    "With --controller: write the data controller's box key pair for the sealed\n"
    "vault, PREFIX.pub (give it to the operator: `vault: {public_key: ...}`) and\n"
    "PREFIX.sec (mode 0600; only the controller keeps it: `callveil reveal`).\n";

static const char usage_reveal[] =
    "usage: callveil reveal --vault OUT/vault.zst --secret-key PREFIX.sec\n"
    "                       [--key FILE] [--policy FILE] [--epoch N] TOKEN...\n"
    "\n"
    "Print TOKEN<TAB>VALUE for each token (as written in the data: phone:k3m9...,\n"
    "[phone:+44:k3m9...]), the normalised value sealed in the vault. Anyone with\n"
    "the public key can seal an entry, so each value is checked: it must give\n"
    "back its token under the master key (--key, or the policy's key), the\n"
    "policy's tenant and epoch (--epoch N overrides it: a rekeyed dataset is at\n"
    "the epoch it was rekeyed to). All or nothing: a token not in the vault, a\n"
    "wrong key, a tampered or forged entry, or entries of one token with\n"
    "different values are an error (the token is named, never a value) and\n"
    "nothing is printed.\n"
    "\n"
    "  -v, --vault FILE        the dataset's vault.zst\n"
    "  -s, --secret-key FILE   the controller's PREFIX.sec\n"
    "  -k, --key FILE          the master key the dataset was made with\n"
    "  -p, --policy FILE       the policy (tenant, epoch, key) it was made with\n"
    "      --epoch N           the dataset's epoch, if not the policy's\n";

static const char usage_find[] =
    "usage: callveil find --type TYPE [--policy FILE] [--key FILE] VALUE OUTDIR\n"
    "\n"
    "Subject access: print FILE<TAB>LINE for every record of the dataset OUTDIR\n"
    "that holds the token of VALUE (same key and policy as the run), then\n"
    "FILE<TAB>- for every file that is the subject's whole: the recording of a\n"
    "call whose transcript holds the token, an output named after the subject.\n";

static const char usage_forget[] =
    "usage: callveil forget --type TYPE [--type TYPE ...] [--policy FILE] [--key FILE]\n"
    "                       VALUE [VALUE ...] OUTDIR\n"
    "\n"
    "Erasure: rewrite the dataset OUTDIR without the subject's records (policy\n"
    "`erasure: replace`: with their token replaced by [erased]), delete their\n"
    "vault entries, and add an entry (token, time, counts; never the value) to\n"
    "manifest.json's history. Several identifiers of one subject may be given\n"
    "(--type phone V --type email W: the VALUEs pair with the --type options in\n"
    "order): the records holding any of them go, in one change with one history\n"
    "entry. The vault entries of the subject's other tokens (a name, an e-mail\n"
    "beside the number) go too when only deleted records held them; a token a\n"
    "kept record still holds keeps its entries. Every changed file is written\n"
    "before any replaces the old one, and the change is journaled: a forget that\n"
    "is killed is finished or undone whole by the next command on OUTDIR.\n"
    "Running it again changes nothing.\n";

static const char usage_rekey[] =
    "usage: callveil rekey --from-epoch N --to-epoch M --secret-key PREFIX.sec\n"
    "                      [--policy FILE] [--key FILE] OUTDIR\n"
    "\n"
    "Rotate every token of the dataset OUTDIR from epoch N to epoch M (set\n"
    "`epoch: M` in the policy afterwards). Needs the vault, the controller's\n"
    "secret key and the master key; values are only held in memory. Fails and\n"
    "changes nothing if a token in the data is not in the vault. Date shifts\n"
    "derived from tokens are not recomputed: re-run from source for those.\n";

static const char usage_token[] =
    "usage: callveil token --type TYPE [--policy FILE] [--key FILE] VALUE\n"
    "\n"
    "Print the token VALUE gets under the key and policy (tenant, epoch,\n"
    "region), exactly as the pipeline writes it in a field. TYPE: an entity\n"
    "(listed below), clid or a custom type of the policy.\n"
    "For subject-access requests: search the dataset for the printed token.\n";

/* usage_token names the entities of the registry. */
static void print_usage(FILE *f, const char *u)
{
    fputs(u, f);
    if (u == usage_token) fprintf(f, "Entities: %s.\n", cv_entity_names());
}

static const char usage_check[] =
    "usage: callveil check-policy FILE\n"
    "\n"
    "Validate a policy and print every problem as FILE:LINE: message.\n"
    "Exit 0 if valid, 2 if not.\n";

static int parse_size(const char *s, size_t *out)
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

static int parse_int(const char *s, int lo, int hi, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) return -1;
    *out = (int)v;
    return 0;
}

typedef struct opts {
    const char *policy, *key, *out, *format, *as, *as_of, *header;
    int zstd, help, controller, ephemeral, ephemeral_hint;
    int rejects_pct;                /* --max-rejects P%: max_rejects is a percentage */
    unsigned long long max_rejects; /* --max-rejects N: rejected records tolerated (exit 0, warned) */
    int have_max_rejects;
    int shard;                      /* run --shard I/N given */
    cv_run_opts run;
} opts;

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
static int parse_rejects(const char *s, opts *o)
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

/* Exit status of a finished run or filter: 3 when records were rejected
 * (or files failed), unless --max-rejects tolerates the rejected records
 * (then 0, with a warning that gives the counts). A failed file stays 3. */
static int rejected_exit(const opts *o, const cv_totals *t)
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
    warn("%llu of %llu records rejected, within --max-rejects %llu%s: exit 0", (unsigned long long)t->rejected,
         (unsigned long long)t->records_in, o->max_rejects, o->rejects_pct ? "%" : "");
    return EXIT_OK;
}

static int parse_opts(int argc, char **argv, const char *usage, opts *o)
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
        case 'v': verbose = 1; break;
        case O_EPHEMERAL: o->ephemeral = 1; break;
        case O_OVERWRITE: o->run.overwrite = 1; break;
        case O_MAXREJ:
            if (parse_rejects(optarg, o)) {
                fprintf(stderr, "callveil: error: --max-rejects: expected a number of records or a percentage (5%%)\n");
                return -1;
            }
            break;
        case 'p': o->policy = optarg; break;
        case 'k': o->key = optarg; break;
        case 'f': o->format = optarg; break;
        case 'z': o->zstd = 1; break;
        case 'q': quiet = 1; o->run.progress = 0; break;
        case 'h': o->help = 1; break;
        case 'j':
            if (parse_int(optarg, 1, 256, &o->run.threads)) {
                fprintf(stderr, "callveil: error: -j: expected a number of threads from 1 to 256\n");
                return -1;
            }
            break;
        case O_ZLEVEL:
            if (parse_int(optarg, 1, 19, &o->run.zstd_level)) {
                fprintf(stderr, "callveil: error: --zstd-level: expected 1..19\n");
                return -1;
            }
            o->zstd = 1;
            break;
        case O_MAXREC:
            if (parse_size(optarg, &o->run.max_record)) {
                fprintf(stderr, "callveil: error: --max-record-size: expected a size like 16M\n");
                return -1;
            }
            break;
        case O_ASOF: o->run.as_of = optarg; break;
        case O_HEADER:
        case O_NOHEADER:
            if (usage != usage_filter) {
                fprintf(stderr, "callveil: --header and --no-header are options of filter\n");
                return -1;
            }
            if (c == O_HEADER) o->header = optarg;
            else o->run.omit_header = 1;
            break;
        case O_EXPLAIN:
            if (usage != usage_scan) {
                fprintf(stderr, "callveil: --explain is an option of scan\n");
                return -1;
            }
            o->run.explain = 1;
            break;
        case O_RESUME: o->run.resume = 1; break;
        case O_SHARD:
            if (usage != usage_run) {
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
        warn("all %llu records were dropped (retention or enforce_k): nothing was written",
             (unsigned long long)t->records_in);
    if (t->values_unparseable)
        warn("%llu value(s) a generalise action could not read were emptied (values_unparseable in the manifest)",
             (unsigned long long)t->values_unparseable);
}

static int load_policy(cv_ctx *ctx, const char *path, cv_policy **p)
{
    int rc = cv_policy_load(ctx, path, p);
    return rc ? fail(ctx, rc) : 0;
}

/* --key, else the policy's key, else (allow_ephemeral) a one-off key. */
static int load_key(cv_ctx *ctx, const opts *o, const cv_policy *p, int allow_ephemeral, cv_key **k)
{
    const char *path = o->key ? o->key : cv_policy_key_path(p);
    int rc;
    if (path) {
        rc = cv_key_load_file(ctx, path, k);
        return rc ? fail(ctx, rc) : 0;
    }
    if (!allow_ephemeral) {
        fprintf(stderr, "callveil: error: no key: give --key FILE or set `key:` in the policy%s\n",
                o->ephemeral_hint ? " (or --ephemeral-key for a one-off random key: separate processes, such as "
                                    "GNU parallel shards, then each pick their own and their tokens do not match)"
                                  : "");
        return EXIT_BAD;
    }
    warn("no key configured: using a random one-off key; tokens will not match any other run's (anonymisation, "
         "not pseudonymisation). Make one with `callveil keygen`.");
    rc = cv_key_ephemeral(ctx, k);
    return rc ? fail(ctx, rc) : 0;
}

static int cmd_run(cv_ctx *ctx, int argc, char **argv)
{
    opts o;
    int r = parse_opts(argc, argv, usage_run, &o);
    if (r) return r > 0 ? EXIT_OK : EXIT_USAGE;
    if (!o.out) return usage_error(usage_run, "run", "missing -o OUTDIR (the output directory)");
    if (optind >= argc) return usage_error(usage_run, "run", "missing INPUT (files or directories to process)");
    if (no_stdin(argc, argv, "run")) return EXIT_USAGE;
    cv_policy *p = NULL;
    cv_key *k = NULL;
    int ex;
    if ((ex = load_policy(ctx, o.policy, &p))) return ex;
    const char *kpath = o.key ? o.key : cv_policy_key_path(p);
    if (kpath && (ex = key_outside_inputs(kpath, argv + optind, argc - optind))) goto out;
    if (o.shard && o.ephemeral) {
        ex = usage_error(usage_run, "run", "--ephemeral-key cannot be used with --shard: every shard must read the "
                                           "same key file, or their tokens do not join");
        goto out;
    }
    /* shards: never a one-off key (load_key says so and exits 2 without one) */
    if ((ex = load_key(ctx, &o, p, !o.shard, &k))) goto out;
    cv_totals t;
    int rc = cv_run(ctx, p, k, (const char *const *)argv + optind, (size_t)(argc - optind), o.out, &o.run, &t);
    end_progress();
    if (rc) {
        ex = fail(ctx, rc);
        goto out;
    }
    if (t.files == 0 && o.shard) {
        /* another shard may hold every file; the merge counts them all */
        warn("no input file fell in shard %u/%u (%llu skipped): its manifest lists none", o.run.shard_index,
             o.run.shard_count, (unsigned long long)t.files_skipped);
    } else if (t.files == 0) {
        fprintf(stderr, "callveil: error: no input file was processed: %llu file(s) skipped (no policy input rule "
                        "matches them, or not regular files: see %s/manifest.json)\n",
                (unsigned long long)t.files_skipped, o.out);
        ex = EXIT_BAD;
        goto out;
    }
    warn_totals(&t);
    if (!quiet)
        printf("callveil: %llu file(s) (%llu skipped, %llu failed): %llu records in, %llu written, %llu dropped, "
               "%llu rejected; %llu identifiers found in free text; output in %s (manifest.json)\n",
               (unsigned long long)t.files, (unsigned long long)t.files_skipped, (unsigned long long)t.files_failed,
               (unsigned long long)t.records_in,
               (unsigned long long)t.written, (unsigned long long)t.dropped, (unsigned long long)t.rejected,
               (unsigned long long)t.detections, o.out);
    if (!quiet && t.audio_seconds_in > 0)
        printf("callveil: audio: %.1f s in, %.1f s redacted in %llu span(s), %llu DTMF span(s) masked\n",
               t.audio_seconds_in, t.audio_seconds_redacted, (unsigned long long)t.audio_spans,
               (unsigned long long)t.dtmf_spans);
    ex = rejected_exit(&o, &t);
out:
    cv_key_free(k);
    cv_policy_free(p);
    return ex;
}

static int cmd_merge(cv_ctx *ctx, int argc, char **argv)
{
    opts o;
    int r = parse_opts(argc, argv, usage_merge, &o);
    if (r) return r > 0 ? EXIT_OK : EXIT_USAGE;
    if (!o.out) return usage_error(usage_merge, "merge", "missing -o OUTDIR (the merged dataset)");
    if (optind >= argc) return usage_error(usage_merge, "merge", "missing SHARD_OUTDIR (the shards' output directories)");
    cv_policy *p = NULL;
    cv_key *k = NULL;
    int ex;
    if ((ex = load_policy(ctx, o.policy, &p))) return ex;
    if ((ex = load_key(ctx, &o, p, 0, &k))) goto out;
    cv_totals t;
    int rc = cv_merge(ctx, p, k, (const char *const *)argv + optind, (size_t)(argc - optind), o.out, o.run.overwrite,
                      &t);
    if (rc) {
        ex = fail(ctx, rc);
        goto out;
    }
    if (!quiet)
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

static int cmd_filter(cv_ctx *ctx, int argc, char **argv)
{
    opts o;
    int r = parse_opts(argc, argv, usage_filter, &o);
    if (r) return r > 0 ? EXIT_OK : EXIT_USAGE;
    if (!o.format && !o.as)
        return usage_error(usage_filter, "filter", "missing --format FORMAT (jsonl, csv or asterisk-cdr) or --as PATH");
    if (optind != argc)
        return usage_error(usage_filter, "filter", "filter reads stdin and takes no file arguments (use run for files)");
    if (o.format && !cv_format_known(o.format))
        return usage_error(usage_filter, "filter", "unknown --format (jsonl, csv or asterisk-cdr)");
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
    if ((ex = load_policy(ctx, o.policy, &p))) return ex;
    if ((ex = load_key(ctx, &o, p, o.ephemeral, &k))) goto out;
    cv_totals t;
    int rc = cv_filter(ctx, p, k, o.format, o.as, STDIN_FILENO, STDOUT_FILENO, &o.run, &t);
    if (rc == CV_EUSAGE) {
        fprintf(stderr, "callveil: error: %s\n", cv_ctx_error(ctx));
        short_usage(usage_filter, "filter");
        ex = EXIT_USAGE;
        goto out;
    }
    if (rc) {
        ex = fail(ctx, rc);
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

static int cmd_scan(cv_ctx *ctx, int argc, char **argv)
{
    opts o;
    int r = parse_opts(argc, argv, usage_scan, &o);
    if (r) return r > 0 ? EXIT_OK : EXIT_USAGE;
    if (optind >= argc) return usage_error(usage_scan, "scan", "missing INPUT (files or directories to scan)");
    if (no_stdin(argc, argv, "scan")) return EXIT_USAGE;
    cv_policy *p = NULL;
    int ex;
    if ((ex = load_policy(ctx, o.policy, &p))) return ex;
    cv_totals t;
    int rc = cv_scan(ctx, p, (const char *const *)argv + optind, (size_t)(argc - optind), STDOUT_FILENO, &o.run, &t);
    end_progress();
    ex = rc ? fail(ctx, rc) : t.rejected || t.files_failed ? EXIT_REJECTED : EXIT_OK;
    cv_policy_free(p);
    return ex;
}

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

static int cmd_risk(cv_ctx *ctx, int argc, char **argv)
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
    opts mk;                    /* --min-keep N or P%, parsed as --max-rejects is */
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
            if (parse_int(optarg, 1, CV_RISK_MAX_POINTS, &ro.points)) {
                fprintf(stderr, "callveil: error: --points: expected 1..%d\n", CV_RISK_MAX_POINTS);
                goto out;
            }
            break;
        case R_SAMPLES: {
            int v;
            if (parse_int(optarg, 1, 1000000, &v)) {
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
            if (parse_int(optarg, 1, 19, &ro.zstd_level)) {
                fprintf(stderr, "callveil: error: --zstd-level: expected 1..19\n");
                goto out;
            }
            break;
        case R_MAXREC:
            if (parse_size(optarg, &ro.max_record)) {
                fprintf(stderr, "callveil: error: --max-record-size: expected a size like 16M\n");
                goto out;
            }
            break;
        case 'q': quiet = 1; break;
        case R_MINKEEP:
            if (parse_rejects(optarg, &mk)) {
                fprintf(stderr, "callveil: error: --min-keep: expected a number of records or a percentage (50%%)\n");
                goto out;
            }
            break;
        case 'h':
            fputs(usage_risk, stdout);
            ex = EXIT_OK;
            goto out;
        default: fputs(usage_risk, stderr); goto out;
        }
    }
    if (!ro.nquasi) { ex = usage_error(usage_risk, "risk", "missing --quasi COL,COL,..."); goto out; }
    if (optind >= argc) { ex = usage_error(usage_risk, "risk", "missing FILE (the dataset file to measure)"); goto out; }
    if (ro.enforce_k > 0 && !ro.enforce_out) {
        ex = usage_error(usage_risk, "risk", "--enforce-k needs -o OUT (the file to write without the small classes)");
        goto out;
    }
    if (ro.enforce_out && !ro.enforce_k) { ex = usage_error(usage_risk, "risk", "-o OUT needs --enforce-k K"); goto out; }
    if (mk.have_max_rejects && !ro.enforce_k) { ex = usage_error(usage_risk, "risk", "--min-keep needs --enforce-k K"); goto out; }
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
        ex = fail(ctx, rc);
        goto out;
    }
    if (!quiet) {
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
        warn("k >= %llu suppressed all %llu records (%llu classes): %s holds none", (unsigned long long)ro.enforce_k,
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

static int cmd_keygen(cv_ctx *ctx, int argc, char **argv)
{
    opts o;
    int r = parse_opts(argc, argv, usage_keygen, &o);
    if (r) return r > 0 ? EXIT_OK : EXIT_USAGE;
    if (!o.out) return usage_error(usage_keygen, "keygen", "missing -o FILE (where to write the new key)");
    if (optind != argc) return usage_error(usage_keygen, "keygen", "keygen takes no arguments besides -o FILE");
    if (!strcmp(o.out, "-"))
        return usage_error(usage_keygen, "keygen", "refusing to write a key to standard output (-o -): a key "
                                                   "belongs in a file of mode 0600");
    int rc = o.controller ? cv_controller_keygen(ctx, o.out) : cv_key_generate_file(ctx, o.out);
    if (rc) return fail(ctx, rc);
    if (!quiet && o.controller)
        fprintf(stderr, "callveil: wrote %s.pub (give to the operator) and %s.sec (mode 0600, keep apart)\n", o.out,
                o.out);
    else if (!quiet)
        fprintf(stderr, "callveil: wrote a new key to %s (mode 0600)\n", o.out);
    return EXIT_OK;
}

static int cmd_token(cv_ctx *ctx, int argc, char **argv)
{
    static const struct option lo[] = {
        { "type", required_argument, 0, 't' }, { "policy", required_argument, 0, 'p' },
        { "key", required_argument, 0, 'k' },  { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 },
    };
    opts o;
    memset(&o, 0, sizeof o);
    const char *type = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "t:p:k:h", lo, NULL)) != -1) {
        switch (c) {
        case 't': type = optarg; break;
        case 'p': o.policy = optarg; break;
        case 'k': o.key = optarg; break;
        case 'h': print_usage(stdout, usage_token); return EXIT_OK;
        default: print_usage(stderr, usage_token); return EXIT_USAGE;
        }
    }
    if (!type || optind != argc - 1) {
        print_usage(stderr, usage_token);
        return EXIT_USAGE;
    }
    cv_policy *p = NULL;
    cv_key *k = NULL;
    int ex;
    if ((ex = load_policy(ctx, o.policy, &p))) return ex;
    if ((ex = load_key(ctx, &o, p, 0, &k))) goto out;
    char out[1024];
    const char *v = argv[optind];
    int rc = cv_token(ctx, p, k, type, v, strlen(v), out, sizeof out);
    if (rc) {
        ex = fail(ctx, rc);
        goto out;
    }
    printf("%s\n", out);
    ex = EXIT_OK;
out:
    cv_key_free(k);
    cv_policy_free(p);
    return ex;
}

/* find / forget / rekey: --type, --policy, --key, --secret-key, --from-epoch, --to-epoch */
#define MAX_IDS 64

typedef struct subj_opts {
    opts o;
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
        case 'q': quiet = 1; break;
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

static int cmd_subject(cv_ctx *ctx, int argc, char **argv, int forget)
{
    const char *usage = forget ? usage_forget : usage_find;
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
    if ((ex = load_policy(ctx, so.o.policy, &p))) return ex;
    if ((ex = load_key(ctx, &so.o, p, 0, &k))) goto out;
    int rc;
    if (forget) {
        cv_forget_result res;
        cv_subject_id ids[MAX_IDS];
        for (int i = 0; i < so.ntypes; i++) {
            ids[i].type = so.types[i];
            ids[i].value = argv[optind + i];
        }
        rc = cv_forget_ids(ctx, p, k, ids, (size_t)so.ntypes, dir, &res);
        if (rc) { ex = fail(ctx, rc); goto out; }
        if (!quiet) {
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
        if (rc) { ex = fail(ctx, rc); goto out; }
        if (!quiet) fprintf(stderr, "callveil: %llu record(s)\n", (unsigned long long)hits);
    }
    ex = EXIT_OK;
out:
    cv_key_free(k);
    cv_policy_free(p);
    return ex;
}

static int cmd_reveal(cv_ctx *ctx, int argc, char **argv)
{
    static const struct option lo[] = {
        { "vault", required_argument, 0, 'v' }, { "secret-key", required_argument, 0, 's' },
        { "key", required_argument, 0, 'k' },   { "policy", required_argument, 0, 'p' },
        { "epoch", required_argument, 0, 'E' }, { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 },
    };
    const char *vault = NULL, *secret = NULL;
    opts o;
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
        case 'h': fputs(usage_reveal, stdout); return EXIT_OK;
        default: fputs(usage_reveal, stderr); return EXIT_USAGE;
        }
    }
    if (!vault || !secret || optind >= argc) {
        fputs(usage_reveal, stderr);
        return EXIT_USAGE;
    }
    cv_policy *p = NULL;
    cv_key *k = NULL;
    int ex;
    if ((ex = load_policy(ctx, o.policy, &p))) return ex;
    if ((ex = load_key(ctx, &o, p, 0, &k))) goto out;
    int rc = cv_reveal(ctx, p, k, (int64_t)epoch, vault, secret, (const char *const *)argv + optind,
                       (size_t)(argc - optind), STDOUT_FILENO);
    ex = rc ? fail(ctx, rc) : EXIT_OK;
out:
    cv_key_free(k);
    cv_policy_free(p);
    return ex;
}

static int cmd_rekey(cv_ctx *ctx, int argc, char **argv)
{
    subj_opts so;
    int r = parse_subj(argc, argv, usage_rekey, &so);
    if (r) return r > 0 ? EXIT_OK : EXIT_USAGE;
    if (!so.have_from || !so.have_to || !so.secret || optind != argc - 1) {
        fputs(usage_rekey, stderr);
        return EXIT_USAGE;
    }
    cv_policy *p = NULL;
    cv_key *k = NULL;
    int ex;
    if ((ex = load_policy(ctx, so.o.policy, &p))) return ex;
    if ((ex = load_key(ctx, &so.o, p, 0, &k))) goto out;
    cv_rekey_result res;
    int rc = cv_rekey(ctx, p, k, so.secret, so.from, so.to, argv[optind], &res);
    if (rc) { ex = fail(ctx, rc); goto out; }
    if (!quiet)
        fprintf(stderr, "callveil: rekeyed %s from epoch %llu to %llu: %llu token(s) in %llu file(s), %llu vault "
                        "entries; set `epoch: %llu` in the policy\n", argv[optind], so.from, so.to,
                (unsigned long long)res.tokens_replaced, (unsigned long long)res.files_changed,
                (unsigned long long)res.vault_entries, so.to);
    if (res.dates_shifted_kept)
        warn("%llu date(s) shifted per subject keep their epoch %llu offsets; runs at "
             "epoch %llu shift the same subjects by other offsets (re-run from the source data where "
             "intervals across epochs matter)",
             (unsigned long long)res.dates_shifted_kept, so.from, so.to);
    ex = EXIT_OK;
out:
    cv_key_free(k);
    cv_policy_free(p);
    return ex;
}

static void diag_cb(void *ud, int line, const char *msg)
{
    const char *file = ud;
    if (line > 0) fprintf(stderr, "%s:%d: %s\n", file, line, msg);
    else fprintf(stderr, "%s: %s\n", file, msg);
}

static int cmd_check(cv_ctx *ctx, int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        fputs(usage_check, stdout);
        return EXIT_OK;
    }
    if (argc != 2) {
        fputs(usage_check, stderr);
        return EXIT_USAGE;
    }
    int n = cv_policy_check(ctx, argv[1], diag_cb, argv[1]);
    if (n < 0) return fail(ctx, n);
    if (n == 0) {
        printf("%s: ok\n", argv[1]);
        return EXIT_OK;
    }
    fprintf(stderr, "%s: %d problem(s)\n", argv[1], n);
    return EXIT_BAD;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage_main, stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
        fputs(usage_main, stdout);
        return EXIT_OK;
    }
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
        printf("callveil %s\n", CV_VERSION);
        return EXIT_OK;
    }
    if (!strcmp(cmd, "help")) {
        if (argc < 3) { fputs(usage_main, stdout); return EXIT_OK; }
        const char *h = !strcmp(argv[2], "run") ? usage_run : !strcmp(argv[2], "filter") ? usage_filter
                      : !strcmp(argv[2], "merge") ? usage_merge
                      : !strcmp(argv[2], "scan") ? usage_scan : !strcmp(argv[2], "keygen") ? usage_keygen
                      : !strcmp(argv[2], "risk") ? usage_risk
                      : !strcmp(argv[2], "token") ? usage_token : !strcmp(argv[2], "check-policy") ? usage_check
                      : !strcmp(argv[2], "find") ? usage_find : !strcmp(argv[2], "forget") ? usage_forget
                      : !strcmp(argv[2], "reveal") ? usage_reveal : !strcmp(argv[2], "rekey") ? usage_rekey
                      : usage_main;
        print_usage(stdout, h);
        return EXIT_OK;
    }
    cv_ctx *ctx = cv_ctx_create();
    if (!ctx) {
        fprintf(stderr, "callveil: error: cannot initialise (libsodium)\n");
        return EXIT_BAD;
    }
    cv_ctx_set_log(ctx, log_cb, NULL);
    cv_codec_logs_off();
    int ex;
    argc--;
    argv++;
    if (!strcmp(cmd, "run")) ex = cmd_run(ctx, argc, argv);
    else if (!strcmp(cmd, "filter")) ex = cmd_filter(ctx, argc, argv);
    else if (!strcmp(cmd, "merge")) ex = cmd_merge(ctx, argc, argv);
    else if (!strcmp(cmd, "scan")) ex = cmd_scan(ctx, argc, argv);
    else if (!strcmp(cmd, "risk")) ex = cmd_risk(ctx, argc, argv);
    else if (!strcmp(cmd, "keygen")) ex = cmd_keygen(ctx, argc, argv);
    else if (!strcmp(cmd, "token")) ex = cmd_token(ctx, argc, argv);
    else if (!strcmp(cmd, "check-policy")) ex = cmd_check(ctx, argc, argv);
    else if (!strcmp(cmd, "find")) ex = cmd_subject(ctx, argc, argv, 0);
    else if (!strcmp(cmd, "forget")) ex = cmd_subject(ctx, argc, argv, 1);
    else if (!strcmp(cmd, "reveal")) ex = cmd_reveal(ctx, argc, argv);
    else if (!strcmp(cmd, "rekey")) ex = cmd_rekey(ctx, argc, argv);
    else {
        fprintf(stderr, "callveil: error: unknown command '%s'\n%s", cmd, usage_main);
        ex = EXIT_USAGE;
    }
    cv_ctx_free(ctx);
    return ex;
}
