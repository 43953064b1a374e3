/*
 * cli_usage.c - the help text of every command (what --help and
 * `callveil help COMMAND` print), and the short form of one a usage error
 * prints after saying what is wrong.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

const char cli_usage_main[] =
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

const char cli_usage_run[] =
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

const char cli_usage_merge[] =
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

const char cli_usage_filter[] =
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

const char cli_usage_scan[] =
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

const char cli_usage_risk[] =
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

const char cli_usage_keygen[] =
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

const char cli_usage_reveal[] =
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

const char cli_usage_find[] =
    "usage: callveil find --type TYPE [--policy FILE] [--key FILE] VALUE OUTDIR\n"
    "\n"
    "Subject access: print FILE<TAB>LINE for every record of the dataset OUTDIR\n"
    "that holds the token of VALUE (same key and policy as the run), then\n"
    "FILE<TAB>- for every file that is the subject's whole: the recording of a\n"
    "call whose transcript holds the token, an output named after the subject.\n";

const char cli_usage_forget[] =
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

const char cli_usage_rekey[] =
    "usage: callveil rekey --from-epoch N --to-epoch M --secret-key PREFIX.sec\n"
    "                      [--policy FILE] [--key FILE] OUTDIR\n"
    "\n"
    "Rotate every token of the dataset OUTDIR from epoch N to epoch M (set\n"
    "`epoch: M` in the policy afterwards). Needs the vault, the controller's\n"
    "secret key and the master key; values are only held in memory. Fails and\n"
    "changes nothing if a token in the data is not in the vault. Date shifts\n"
    "derived from tokens are not recomputed: re-run from source for those.\n";

const char cli_usage_token[] =
    "usage: callveil token --type TYPE [--policy FILE] [--key FILE] VALUE\n"
    "\n"
    "Print the token VALUE gets under the key and policy (tenant, epoch,\n"
    "region), exactly as the pipeline writes it in a field. TYPE: an entity\n"
    "(listed below), clid or a custom type of the policy.\n"
    "For subject-access requests: search the dataset for the printed token.\n";

const char cli_usage_check[] =
    "usage: callveil check-policy FILE\n"
    "\n"
    "Validate a policy and print every problem as FILE:LINE: message.\n"
    "Exit 0 if valid, 2 if not.\n";

/* cli_usage_token names the entities of the registry. */
void cli_print_usage(FILE *f, const char *u)
{
    fputs(u, f);
    if (u == cli_usage_token) fprintf(f, "Entities: %s.\n", cv_entity_names());
}

/* The lines of a usage text up to its first blank line, and a pointer to
 * --help: what a usage error prints after the line saying what is wrong. */
void cli_short_usage(const char *u, const char *cmd)
{
    const char *blank = strstr(u, "\n\n");
    fwrite(u, 1, blank ? (size_t)(blank - u) + 1 : strlen(u), stderr);
    fprintf(stderr, "Try 'callveil %s --help' for more.\n", cmd);
}

/* One line saying what is missing or wrong, then the short usage: exit 1. */
int cli_usage_error(const char *u, const char *cmd, const char *what)
{
    fprintf(stderr, "callveil: error: %s\n", what);
    cli_short_usage(u, cmd);
    return EXIT_USAGE;
}
