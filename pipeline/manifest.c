/*
 * manifest.c - renders manifest.json and the resume journal. The manifest is
 * the proof of what was done: policy digest, key id (a keyed hash, never
 * the key), tenant, epoch, per-file digests and counts, and every rejected
 * record's location and reason. records_in = written + dropped + rejected.
 * Also the history entry forget and rekey append to a finished dataset's
 * manifest.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <math.h>

#include <sodium.h>
#include <yajl/yajl_tree.h>

#include "common/ctx.h"
#include "common/files.h"
#include "dataset.h"
#include "manifest.h"

/* JSON string literals: the same escaping as the JSON Lines writer. */
static int jstr(cv_buf *out, const char *z) { return cvi_json_string(out, z, strlen(z)); }

static int hex32(cv_buf *out, const unsigned char h[32])
{
    char x[65];
    sodium_bin2hex(x, sizeof x, h, 32);
    return cvi_buf_printf(out, "\"%s\"", x);
}

static int counts_json(cv_buf *o, const cv_policy *pol, const cvi_file_stats *fs)
{
    int rc = cvi_buf_printf(o,
                           "\"records_in\": %" PRIu64 ", \"written\": %" PRIu64 ", \"dropped\": %" PRIu64
                           ", \"rejected\": %" PRIu64 ", \"detections\": {",
                           fs->records_in, fs->written, fs->dropped, fs->rejected);
    int nent = cvi_policy_entities(pol);
    for (int i = 0; i < nent; i++)
        rc |= cvi_buf_printf(o, "%s\"%s\": %" PRIu64, i ? ", " : "", cvi_policy_entity_name(pol, i),
                            fs->counts.detections[i]);
    /* per detector, in registry order, then the policy's own: which scheme
     * a national id was, what a custom detector found */
    rc |= cvi_buf_puts(o, "}, \"detections_by_detector\": {");
    for (int i = 0; i < CV_DET__COUNT; i++)
        rc |= cvi_buf_printf(o, "%s\"%s\": %" PRIu64, i ? ", " : "", cvi_detectors[i]->name, fs->counts.by_detector[i]);
    for (size_t i = 0; pol && i < pol->ncustom; i++)
        rc |= cvi_buf_printf(o, ", \"%s\": %" PRIu64, pol->custom[i].name, fs->counts.by_detector[CV_DET__COUNT + i]);
    /* values kept because the allow list names them (never the values) */
    rc |= cvi_buf_puts(o, "}, \"allowed\": {");
    for (int i = 0; i < nent; i++)
        rc |= cvi_buf_printf(o, "%s\"%s\": %" PRIu64, i ? ", " : "", cvi_policy_entity_name(pol, i),
                            fs->counts.allowed[i]);
    rc |= cvi_buf_printf(o,
                        "}, \"values_tokenised\": %" PRIu64 ", \"fields_dropped\": %" PRIu64
                        ", \"values_unparseable\": %" PRIu64 ", \"dropped_by_retention\": %" PRIu64
                        ", \"fields_expired\": %" PRIu64 ", \"dates_shifted\": %" PRIu64
                        ", \"suppressed_by_k\": %" PRIu64 ", \"erased\": %" PRIu64,
                        fs->counts.tokenised, fs->counts.fields_dropped, fs->counts.unparseable,
                        fs->counts.expired, fs->counts.fields_expired, fs->counts.dates_shifted, fs->counts.k_suppressed,
                        fs->counts.erased);
    if (fs->counts.audio_ms_in)
        rc |= cvi_buf_printf(o, ", \"audio_seconds_in\": %.3f, \"audio_seconds_redacted\": %.3f, \"audio_spans_redacted\": %" PRIu64
                               ", \"dtmf_tones\": %" PRIu64 ", \"dtmf_spans_masked\": %" PRIu64,
                            fs->counts.audio_ms_in / 1000.0, fs->counts.audio_ms_redacted / 1000.0, fs->counts.audio_spans,
                            fs->counts.dtmf_tones, fs->counts.dtmf_spans);
    return rc;
}

static const char *status_name(cvi_file_status s)
{
    switch (s) {
    case CVI_DONE: return "done";
    case CVI_RESUMED: return "done (resumed)";
    case CVI_SKIPPED: return "skipped";
    case CVI_ERASED: return "erased";
    default: return "failed";
    }
}

static int entry_json(cv_buf *o, const cv_policy *pol, const cvi_entry *e)
{
    const cvi_file_stats *fs = &e->fs;
    if (e->json) return cvi_buf_printf(o, "    %s", e->json + 4);
    int rc = cvi_buf_puts(o, "    {\"input\": ");
    rc |= jstr(o, e->input);
    rc |= cvi_buf_printf(o, ", \"status\": \"%s\"", status_name(e->status));
    if (e->reason) {
        rc |= cvi_buf_puts(o, ", \"reason\": ");
        rc |= jstr(o, e->reason);
    }
    if (e->status == CVI_SKIPPED || e->status == CVI_ERASED) return rc | cvi_buf_puts(o, "}");
    rc |= cvi_buf_printf(o, ", \"format\": \"%s\"", e->format ? e->format : "");
    if (e->unread) rc |= cvi_buf_puts(o, ", \"input_bytes\": null, \"input_blake2b\": null");
    else rc |= cvi_buf_printf(o, ", \"input_bytes\": %" PRIu64 ", \"input_blake2b\": ", fs->bytes_in) | hex32(o, fs->in_hash);
    if (e->output) {
        rc |= cvi_buf_puts(o, ", \"output\": ");
        rc |= jstr(o, e->output);
        rc |= cvi_buf_printf(o, ", \"output_bytes\": %" PRIu64 ", \"output_blake2b\": ", fs->bytes_out);
        rc |= hex32(o, fs->out_hash);
    }
    if (e->rec.audio.codec[0]) {
        rc |= cvi_buf_printf(o, ", \"audio\": {\"codec\": ");
        rc |= jstr(o, e->rec.audio.codec);
        rc |= cvi_buf_printf(o, ", \"sample_rate\": %d, \"channels\": %d, \"metadata\": \"stripped\", "
                               "\"spans_on\": \"%s\"", e->rec.audio.sample_rate, e->rec.audio.channels,
                            e->rec.per_speaker ? "speaker_channel" : "all_channels");
        if (e->rec.audio.voice_channels)
            rc |= cvi_buf_printf(o, ", \"voice\": \"anonymised\", \"voice_method\": \"mcadams+pitch\", \"voice_channels\": %d"
                                   ", \"voice_frames_unchanged\": %" PRIu64, e->rec.audio.voice_channels, e->rec.audio.voice_unchanged);
        else
            rc |= cvi_buf_puts(o, ", \"voice\": \"kept\"");
        if (e->transcript) {
            rc |= cvi_buf_puts(o, ", \"transcript\": ");
            rc |= jstr(o, e->transcript);
            rc |= cvi_buf_printf(o, ", \"transcript_input_bytes\": %" PRIu64 ", \"transcript_input_blake2b\": ",
                                e->transcript_bytes_in);
            rc |= hex32(o, e->transcript_in_hash);
            rc |= cvi_buf_printf(o, ", \"transcript_bytes\": %" PRIu64 ", \"transcript_blake2b\": ",
                                e->transcript_bytes_out);
            rc |= hex32(o, e->transcript_out_hash);
            rc |= cvi_buf_printf(o, ", \"words\": %" PRIu64 ", \"spoken_identifiers\": %" PRIu64 ", \"timing\": \"%s\"",
                                e->rec.words, e->rec.spoken_identifiers, e->rec.segment_timing ? "segment" : "word");
        } else {
            rc |= cvi_buf_puts(o, ", \"transcript\": null");
        }
        rc |= cvi_buf_putc(o, '}');
    }
    rc |= cvi_buf_puts(o, ",\n     ");
    rc |= counts_json(o, pol, fs);
    rc |= cvi_buf_puts(o, ",\n     \"rejects\": [");
    for (size_t i = 0; i < fs->nrej; i++) {
        rc |= cvi_buf_printf(o, "%s{\"line\": %" PRIu64 ", \"offset\": %" PRIu64 ", \"reason\": ", i ? ", " : "",
                            fs->rej[i].line, fs->rej[i].offset);
        rc |= jstr(o, fs->rej[i].reason);
        rc |= cvi_buf_putc(o, '}');
    }
    rc |= cvi_buf_printf(o, "], \"rejects_listed\": %zu", fs->nrej);
    if (e->risk) {
        const cv_risk_result *r = e->risk;
        rc |= cvi_buf_printf(o, ",\n     \"risk\": {\"records\": %" PRIu64 ", \"classes\": %" PRIu64 ", \"min_k\": %" PRIu64
                               ", \"classes_k1\": %" PRIu64 ", \"records_k_lt5\": %" PRIu64,
                            r->records, r->classes, r->min_k, r->classes_k1, r->records_k_lt5);
        if (r->unicity_computed) {
            rc |= cvi_buf_printf(o, ", \"subjects\": %" PRIu64 ", \"unicity\": [", r->subjects);
            for (int p = 0; p < r->points; p++)
                rc |= cvi_buf_printf(o, "%s{\"p\": %d, \"subjects\": %" PRIu64 ", \"unique\": %" PRIu64 "}", p ? ", " : "",
                                    p + 1, r->eligible[p], r->unique[p]);
            rc |= cvi_buf_putc(o, ']');
        }
        if (e->risk_k)
            rc |= cvi_buf_printf(o, ", \"enforce_k\": %u, \"suppressed\": %" PRIu64 ", \"suppressed_classes\": %" PRIu64,
                                e->risk_k, r->suppressed, r->suppressed_classes);
        rc |= cvi_buf_putc(o, '}');
    }
    rc |= cvi_buf_putc(o, '}');
    return rc;
}

int cvi_manifest_render(const cvi_manifest_info *mi, const cvi_entry *e, size_t n, cv_buf *o)
{
    cvi_file_stats tot = { 0 };
    uint64_t files = 0, skipped = 0, failed = 0, erased_files = 0;
    for (size_t i = 0; i < n; i++) {
        if (e[i].status == CVI_SKIPPED) { skipped++; continue; }
        if (e[i].status == CVI_ERASED) { erased_files++; continue; }
        if (e[i].status == CVI_FAILED) failed++;
        files++;
        tot.records_in += e[i].fs.records_in;
        tot.written += e[i].fs.written;
        tot.dropped += e[i].fs.dropped;
        tot.rejected += e[i].fs.rejected;
        tot.bytes_in += e[i].fs.bytes_in;
        tot.bytes_out += e[i].fs.bytes_out;
        cvi_counts_add(&tot.counts, &e[i].fs.counts);
    }
    char created[32], kid[17], ph[65];
    time_t now = time(NULL);
    struct tm tmv;
    gmtime_r(&now, &tmv);
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tmv);
    cvi_key_id(mi->key, kid);
    sodium_bin2hex(ph, sizeof ph, mi->policy->hash, 32);
    const char *pname = strrchr(mi->policy->name, '/');
    pname = pname ? pname + 1 : mi->policy->name;
    int rc = cvi_buf_printf(o, "{\n  \"tool\": \"callveil\", \"version\": \"%s\", \"manifest_version\": 1,\n"
                              "  \"created\": \"%s\", \"as_of\": ", CV_VERSION, created);
    rc |= jstr(o, mi->as_of);
    rc |= cvi_buf_puts(o, ",\n  \"policy\": {\"name\": ");
    rc |= jstr(o, pname);
    rc |= cvi_buf_printf(o, ", \"blake2b\": \"%s\"", ph);
    /* the input rules no file matched (a mistyped pattern, or nothing to do) */
    rc |= cvi_buf_puts(o, ", \"inputs_unmatched\": [");
    for (size_t i = 0, k = 0; mi->rule_used && i < mi->policy->ninputs; i++) {
        if (mi->rule_used[i]) continue;
        rc |= cvi_buf_printf(o, "%s%d", k++ ? ", " : "", mi->policy->inputs[i].line);   /* the rules' lines */
    }
    rc |= cvi_buf_puts(o, "]},\n  \"tenant\": ");
    rc |= jstr(o, mi->policy->tenant);
    rc |= cvi_buf_printf(o, ", \"epoch\": %" PRIu64 ", \"region\": \"%s\",\n  \"key_id\": \"%s\", \"key_ephemeral\": %s,\n"
                           "  \"token\": \"BLAKE2b-256 keyed, 80 bits, Crockford base32 (callveil/v1)\",\n"
                           "  \"options\": {\"zstd_level\": %d, \"max_record\": %zu},\n  \"totals\": {\"files\": %" PRIu64
                           ", \"files_skipped\": %" PRIu64 ", \"files_failed\": %" PRIu64 ", \"bytes_in\": %" PRIu64
                           ", \"bytes_out\": %" PRIu64 ",\n    ",
                        mi->policy->epoch, mi->policy->dopts.region, kid, cv_key_is_ephemeral(mi->key) ? "true" : "false",
                        mi->zstd_level, mi->max_record, files, skipped, failed, tot.bytes_in, tot.bytes_out);
    rc |= counts_json(o, mi->policy, &tot);
    if (mi->shard_count) {
        /* after the totals, so that a merge of the shards renders the rest
         * of the document as one run does; positions: each file's place in
         * the listing of every input, in the order of "files" */
        rc |= cvi_buf_printf(o, "},\n  \"shard\": {\"index\": %" PRIu32 ", \"count\": %" PRIu32 ", \"listed\": %zu"
                               ", \"listing\": \"%s\", \"positions\": [", mi->shard_index, mi->shard_count, mi->listed,
                            mi->listing ? mi->listing : "");
        for (size_t i = 0; i < n; i++) rc |= cvi_buf_printf(o, "%s%zu", i ? ", " : "", e[i].listed_at);
        rc |= cvi_buf_puts(o, "]");
    }
    rc |= cvi_buf_puts(o, "},\n  \"vault\": ");
    if (mi->vault) {
        /* which controller key: a hash of the public key, never the key itself */
        unsigned char h[8];
        char hx[17];
        crypto_generichash(h, sizeof h, mi->vault_pk, 32, NULL, 0);
        sodium_bin2hex(hx, sizeof hx, h, sizeof h);
        rc |= cvi_buf_printf(o, "{\"file\": \"vault.zst\", \"entries\": %" PRIu64
                               ", \"sealing\": \"crypto_box_seal\", \"controller_key_id\": \"%s\"}",
                            mi->vault_entries, hx);
    } else {
        rc |= cvi_buf_puts(o, "null");
    }
    /* erased subjects kept out of this dataset: how many, and what of them
     * this run's files dropped (records that carried their tokens; files
     * that were theirs whole); records forget removed count in "erased" too */
    rc |= cvi_buf_puts(o, ",\n  \"erasure_register\": ");
    if (mi->erasure_register)
        rc |= cvi_buf_printf(o, "{\"file\": \"erasure-register\", \"entries\": %" PRIu64 ", \"records_erased\": %" PRIu64
                               ", \"files_erased\": %" PRIu64 "}",
                            mi->register_entries, tot.counts.erased, erased_files);
    else
        rc |= cvi_buf_puts(o, "null");
    rc |= cvi_buf_puts(o, ",\n  \"files\": [\n");
    for (size_t i = 0; i < n; i++) {
        rc |= entry_json(o, mi->policy, &e[i]);
        rc |= cvi_buf_puts(o, i + 1 < n ? ",\n" : "\n");
    }
    rc |= cvi_buf_puts(o, "  ]\n}\n");
    return rc ? CV_ENOMEM : 0;
}

/* Journal line, one per finished file, tab-separated:
 *   cvj3 ID SIZE MTIME_NS <20 counts> <detections per entity> <allowed per entity> <per detector> ENTRY_JSON
 * The counts let a resumed run total what earlier runs did; the entry's
 * JSON (rendered on one line: strings never hold raw newlines or tabs) goes
 * into the manifest as it was. */
#define JFIXED 20
#define JCOUNTS (JFIXED + 2 * CV_ENT_MAX + CV_DET_MAX)

static void stats_vec(const cvi_file_stats *fs, uint64_t v[JCOUNTS], int load)
{
    uint64_t *f[JFIXED] = { (uint64_t *)&fs->records_in, (uint64_t *)&fs->written, (uint64_t *)&fs->dropped,
                            (uint64_t *)&fs->rejected, (uint64_t *)&fs->counts.tokenised,
                            (uint64_t *)&fs->counts.fields_dropped, (uint64_t *)&fs->counts.unparseable,
                            (uint64_t *)&fs->bytes_in, (uint64_t *)&fs->bytes_out,
                            (uint64_t *)&fs->counts.expired, (uint64_t *)&fs->counts.fields_expired,
                            (uint64_t *)&fs->counts.dates_shifted, (uint64_t *)&fs->vault_size,
                            (uint64_t *)&fs->counts.k_suppressed, (uint64_t *)&fs->counts.audio_ms_in,
                            (uint64_t *)&fs->counts.audio_ms_redacted, (uint64_t *)&fs->counts.audio_spans,
                            (uint64_t *)&fs->counts.dtmf_tones, (uint64_t *)&fs->counts.dtmf_spans,
                            (uint64_t *)&fs->counts.erased };
    for (int i = 0; i < JFIXED; i++) {
        if (load) *f[i] = v[i];
        else v[i] = *f[i];
    }
    for (int i = 0; i < CV_ENT_MAX; i++) {
        uint64_t *d = (uint64_t *)&fs->counts.detections[i], *a = (uint64_t *)&fs->counts.allowed[i];
        if (load) *d = v[JFIXED + i], *a = v[JFIXED + CV_ENT_MAX + i];
        else v[JFIXED + i] = *d, v[JFIXED + CV_ENT_MAX + i] = *a;
    }
    for (int i = 0; i < CV_DET_MAX; i++) {
        uint64_t *d = (uint64_t *)&fs->counts.by_detector[i];
        if (load) *d = v[JFIXED + 2 * CV_ENT_MAX + i];
        else v[JFIXED + 2 * CV_ENT_MAX + i] = *d;
    }
}

/* The line up to its entry's JSON. */
static int journal_head(const char *id, uint64_t size, int64_t mtime_ns, const cvi_file_stats *fs, cv_buf *o)
{
    uint64_t v[JCOUNTS];
    stats_vec(fs, v, 0);
    int rc = cvi_buf_printf(o, "cvj3\t%s\t%" PRIu64 "\t%" PRId64, id, size, mtime_ns);
    for (int i = 0; i < JCOUNTS; i++) rc |= cvi_buf_printf(o, "\t%" PRIu64, v[i]);
    return rc | cvi_buf_putc(o, '\t');
}

int cvi_journal_line(const cv_policy *pol, const char *id, uint64_t size, int64_t mtime_ns, const cvi_entry *e,
                     cv_buf *o)
{
    int rc = journal_head(id, size, mtime_ns, &e->fs, o);
    size_t at = o->n;
    cvi_entry r = *e;
    r.status = CVI_RESUMED;
    rc |= entry_json(o, pol, &r);
    for (size_t i = at; i < o->n; i++)
        if (o->p[i] == '\n') o->p[i] = ' ';
    rc |= cvi_buf_putc(o, '\n');
    return rc ? CV_ENOMEM : 0;
}

int cvi_journal_parse(const char *line, size_t n, char id[64], uint64_t *size, int64_t *mtime_ns, char **json,
                      cvi_file_stats *fs)
{
    const char *p = line, *end = line + n;
    const char *f[4 + JCOUNTS];
    size_t fl[4 + JCOUNTS];
    for (int i = 0; i < 4 + JCOUNTS; i++) {
        const char *t = memchr(p, '\t', (size_t)(end - p));
        if (!t) return CV_EINPUT;
        f[i] = p;
        fl[i] = (size_t)(t - p);
        p = t + 1;
    }
    if (fl[0] != 4 || memcmp(f[0], "cvj3", 4) != 0 || fl[1] == 0 || fl[1] >= 64) return CV_EINPUT;
    memcpy(id, f[1], fl[1]);
    id[fl[1]] = '\0';
    uint64_t v[2 + JCOUNTS];
    for (int i = 0; i < 2 + JCOUNTS; i++) {
        const char *q = f[2 + i];
        size_t k = 0, m = fl[2 + i];
        int neg = m && q[0] == '-';
        uint64_t x = 0;
        for (k = neg; k < m; k++) {
            if (q[k] < '0' || q[k] > '9' || x > UINT64_MAX / 10) return CV_EINPUT;
            x = x * 10 + (uint64_t)(q[k] - '0');
        }
        if (m == (size_t)neg) return CV_EINPUT;
        v[i] = neg ? (uint64_t)(-(int64_t)x) : x;
    }
    *size = v[0];
    *mtime_ns = (int64_t)v[1];
    memset(fs, 0, sizeof *fs);
    stats_vec(fs, v + 2, 1);
    size_t jl = (size_t)(end - p);
    if (jl < 2 || *p != ' ') return CV_EINPUT;
    *json = malloc(jl + 1);
    if (!*json) return CV_ENOMEM;
    memcpy(*json, p, jl);
    (*json)[jl] = '\0';
    return 0;
}

/* Does json name rel as `"KEY": "rel",`? */
static int names_at(const char *json, const char *key, const char *rel)
{
    cv_buf want = { 0 };
    int rc = cvi_buf_printf(&want, "\"%s\": ", key) | jstr(&want, rel) | cvi_buf_putc(&want, ',');
    int hit = !rc && cvi_buf_cstr(&want) && strstr(json, want.p) != NULL;
    cvi_buf_free(&want);
    return hit;
}

/* In our own rendering of an entry, `"KEY": ` occurs once at the entry's
 * level (inside strings every '"' is escaped): replace the value after it
 * (a number, or a quoted hex digest) by val. */
static int patch(cv_buf *json, const char *key, const char *val)
{
    char k[48];
    snprintf(k, sizeof k, "\"%s\": ", key);
    if (!cvi_buf_cstr(json)) return CV_ENOMEM;
    char *at = strstr(json->p, k);
    if (!at) return CV_EINPUT;
    size_t from = (size_t)(at - json->p) + strlen(k), to = from;
    if (json->p[to] == '"') {
        const char *q = strchr(json->p + to + 1, '"');
        if (!q) return CV_EINPUT;
        to = (size_t)(q - json->p) + 1;
    } else {
        while (json->p[to] >= '0' && json->p[to] <= '9') to++;
        if (to == from) return CV_EINPUT;
    }
    cv_buf o = { 0 };
    int rc = cvi_buf_append(&o, json->p, from) | cvi_buf_puts(&o, val) | cvi_buf_append(&o, json->p + to, json->n - to);
    if (rc) {
        cvi_buf_free(&o);
        return CV_ENOMEM;
    }
    cvi_buf_free(json);
    *json = o;
    return 0;
}

static int patch_u64(cv_buf *json, const char *key, uint64_t v)
{
    char x[24];
    snprintf(x, sizeof x, "%" PRIu64, v);
    return patch(json, key, x);
}

int cvi_journal_names(const char *line, size_t n, const char *rel)
{
    char id[64];
    uint64_t size;
    int64_t mt;
    char *json = NULL;
    cvi_file_stats fs;
    if (cvi_journal_parse(line, n, id, &size, &mt, &json, &fs)) return 0;
    int hit = names_at(json, "output", rel) || names_at(json, "transcript", rel);
    free(json);
    return hit;
}

int cvi_journal_amend(const char *line, size_t n, const char *rel, uint64_t removed, uint64_t bytes,
                      const unsigned char hash[32], cv_buf *out, int *match)
{
    char id[64], hx[67];
    uint64_t size;
    int64_t mt;
    char *j = NULL;
    cvi_file_stats fs;
    *match = 0;
    int rc = cvi_journal_parse(line, n, id, &size, &mt, &j, &fs);
    if (rc) return rc;
    int as_output = names_at(j, "output", rel), as_transcript = !as_output && names_at(j, "transcript", rel);
    if (!as_output && !as_transcript) {
        free(j);
        return 0;
    }
    cv_buf json = { 0 };
    rc = cvi_buf_puts(&json, j) ? CV_ENOMEM : 0;
    free(j);
    hx[0] = '"';
    sodium_bin2hex(hx + 1, 65, hash, 32);
    hx[65] = '"';
    hx[66] = '\0';
    if (as_transcript) {
        /* a recording's transcript: the audio and the counts stay */
        if (!rc) rc = patch_u64(&json, "transcript_bytes", bytes);
        if (!rc) rc = patch(&json, "transcript_blake2b", hx);
    } else {
        if (removed > fs.written) rc = CV_EINPUT;
        fs.written -= removed;
        fs.dropped += removed;
        fs.counts.erased += removed;
        fs.bytes_out = bytes;
        if (!rc) rc = patch_u64(&json, "output_bytes", bytes);
        if (!rc) rc = patch(&json, "output_blake2b", hx);
        if (!rc) rc = patch_u64(&json, "written", fs.written);
        if (!rc) rc = patch_u64(&json, "dropped", fs.dropped);
        if (!rc) rc = patch_u64(&json, "erased", fs.counts.erased);
    }
    if (!rc && (journal_head(id, size, mt, &fs, out) || cvi_buf_append(out, json.p, json.n) || cvi_buf_putc(out, '\n')))
        rc = CV_ENOMEM;
    cvi_buf_free(&json);
    if (!rc) *match = 1;
    return rc;
}

/* ---- reading an entry back (merge) ------------------------------------ */

static yajl_val jget(yajl_val v, const char *key, yajl_type t)
{
    const char *path[] = { key, NULL };
    return v ? yajl_tree_get(v, path, t) : NULL;
}

/* A count: a non-negative integer member, 0 when absent. -1: not one. */
static int jcount(yajl_val v, const char *key, uint64_t *out)
{
    const char *path[] = { key, NULL };
    yajl_val x = yajl_tree_get(v, path, yajl_t_any);
    if (!x) return 0;
    if (!YAJL_IS_INTEGER(x) || YAJL_GET_INTEGER(x) < 0) return -1;
    *out = (uint64_t)YAJL_GET_INTEGER(x);
    return 0;
}

/* Seconds written "%.3f" back to milliseconds. */
static int jms(yajl_val v, const char *key, uint64_t *out)
{
    const char *path[] = { key, NULL };
    yajl_val x = yajl_tree_get(v, path, yajl_t_any);
    if (!x) return 0;
    if (!YAJL_IS_NUMBER(x) || YAJL_GET_DOUBLE(x) < 0) return -1;
    *out = (uint64_t)llround(YAJL_GET_DOUBLE(x) * 1000.0);
    return 0;
}

static int jhex32(yajl_val v, const char *key, unsigned char h[32])
{
    yajl_val x = jget(v, key, yajl_t_string);
    size_t got = 0;
    if (!x) return 0;
    return sodium_hex2bin(h, 32, x->u.string, strlen(x->u.string), NULL, &got, NULL) == 0 && got == 32 ? 0 : -1;
}

/* An object of counts by name into v[]: every name must be one of names(i). */
static int jnamed(const cv_policy *pol, yajl_val obj, int by_detector, uint64_t *v)
{
    if (!obj) return 0;
    if (!YAJL_IS_OBJECT(obj)) return -1;
    for (size_t i = 0; i < obj->u.object.len; i++) {
        const char *k = obj->u.object.keys[i];
        yajl_val x = obj->u.object.values[i];
        int at = -1;
        if (by_detector) {
            for (int d = 0; d < CV_DET__COUNT && at < 0; d++)
                if (!strcmp(cvi_detectors[d]->name, k)) at = d;
            for (size_t c = 0; pol && c < pol->ncustom && at < 0; c++)
                if (!strcmp(pol->custom[c].name, k)) at = CV_DET__COUNT + (int)c;
        } else {
            for (int e = 0; e < cvi_policy_entities(pol) && at < 0; e++)
                if (!strcmp(cvi_policy_entity_name(pol, e), k)) at = e;
        }
        if (at < 0 || !YAJL_IS_INTEGER(x) || YAJL_GET_INTEGER(x) < 0) return -1;
        v[at] = (uint64_t)YAJL_GET_INTEGER(x);
    }
    return 0;
}

int cvi_manifest_entry_read(const cv_policy *pol, const char *text, size_t n, cvi_entry *e)
{
    memset(e, 0, sizeof *e);
    char *z = malloc(n + 5);
    if (!z) return CV_ENOMEM;
    memcpy(z, "    ", 4);             /* rendered back as "    " + json + 4 */
    memcpy(z + 4, text, n);
    z[n + 4] = '\0';
    e->json = z;
    yajl_val v = yajl_tree_parse(z + 4, NULL, 0);
    int rc = CV_EINPUT;
    int bad = !v || !YAJL_IS_OBJECT(v);
    yajl_val in = jget(v, "input", yajl_t_string), st = jget(v, "status", yajl_t_string);
    if (bad || !in || !st) goto fail;
    static const struct { const char *name; cvi_file_status s; } sts[] = {
        { "done", CVI_DONE }, { "done (resumed)", CVI_RESUMED }, { "skipped", CVI_SKIPPED },
        { "failed", CVI_FAILED }, { "erased", CVI_ERASED } };
    size_t si = 0;
    while (si < sizeof sts / sizeof *sts && strcmp(sts[si].name, st->u.string) != 0) si++;
    if (si == sizeof sts / sizeof *sts) goto fail;
    e->status = sts[si].s;
    if (!(e->input = strdup(in->u.string))) goto nomem;
    if (e->status == CVI_SKIPPED || e->status == CVI_ERASED) goto done;
    yajl_val out = jget(v, "output", yajl_t_string), au = jget(v, "audio", yajl_t_object);
    yajl_val tr = au ? jget(au, "transcript", yajl_t_string) : NULL;
    if (out && !(e->output = strdup(out->u.string))) goto nomem;
    if (tr && !(e->transcript = strdup(tr->u.string))) goto nomem;
    cvi_file_stats *fs = &e->fs;
    cvi_counts *c = &fs->counts;
    yajl_val ib = jget(v, "input_bytes", yajl_t_any);
    e->unread = ib && YAJL_IS_NULL(ib);
    if (jcount(v, "records_in", &fs->records_in) || jcount(v, "written", &fs->written) ||
        jcount(v, "dropped", &fs->dropped) || jcount(v, "rejected", &fs->rejected) ||
        (!e->unread && jcount(v, "input_bytes", &fs->bytes_in)) || jcount(v, "output_bytes", &fs->bytes_out) ||
        jhex32(v, "output_blake2b", fs->out_hash) || (au && jhex32(au, "transcript_blake2b", e->transcript_out_hash)) ||
        jnamed(pol, jget(v, "detections", yajl_t_any), 0, c->detections) ||
        jnamed(pol, jget(v, "detections_by_detector", yajl_t_any), 1, c->by_detector) ||
        jnamed(pol, jget(v, "allowed", yajl_t_any), 0, c->allowed) ||
        jcount(v, "values_tokenised", &c->tokenised) || jcount(v, "fields_dropped", &c->fields_dropped) ||
        jcount(v, "values_unparseable", &c->unparseable) || jcount(v, "dropped_by_retention", &c->expired) ||
        jcount(v, "fields_expired", &c->fields_expired) || jcount(v, "dates_shifted", &c->dates_shifted) ||
        jcount(v, "suppressed_by_k", &c->k_suppressed) || jcount(v, "erased", &c->erased) ||
        jms(v, "audio_seconds_in", &c->audio_ms_in) || jms(v, "audio_seconds_redacted", &c->audio_ms_redacted) ||
        jcount(v, "audio_spans_redacted", &c->audio_spans) || jcount(v, "dtmf_tones", &c->dtmf_tones) ||
        jcount(v, "dtmf_spans_masked", &c->dtmf_spans))
        goto fail;
    /* what it says must add up, as a run writes it */
    if (fs->records_in != fs->written + fs->dropped + fs->rejected) goto fail;
done:
    yajl_tree_free(v);
    return 0;
nomem:
    rc = CV_ENOMEM;
fail:
    yajl_tree_free(v);
    cvi_entry_free(e);
    memset(e, 0, sizeof *e);
    return rc;
}

void cvi_entry_free(cvi_entry *e)
{
    if (!e) return;
    free(e->input);
    free(e->output);
    free(e->json);
    free(e->risk);
    free(e->transcript);
    cvi_file_stats_free(&e->fs);
}

void cvi_entry_fail(cvi_entry *en, const char *reason)
{
    en->status = CVI_FAILED;
    en->reason = reason;
    en->fs.rejected = en->fs.records_in - en->fs.dropped;
    en->fs.written = 0;
    free(en->output);
    en->output = NULL;
}

void cvi_entry_erased(cv_ctx *ctx, cvi_entry *en, int by_name)
{
    char *anon = by_name ? strdup("[erased]") : NULL;
    if (anon) {
        free(en->input);
        en->input = anon;
    }
    en->status = CVI_ERASED;
    en->reason = "an erased subject's (erasure register): not written";
    free(en->output);
    en->output = NULL;
    cvi_log(ctx, CV_LOG_WARN, "%s: not written: it is a subject's whole that was erased from this dataset "
                              "(erasure register)", en->input);
}

int cvi_journal_same_hash(const char *path, const char *json, const char *key)
{
    const char *at = strstr(json, key);
    unsigned char want[32], got[32];
    uint64_t n;
    if (!at || sodium_hex2bin(want, sizeof want, at + strlen(key), 64, NULL, NULL, NULL) != 0) return 0;
    return cvi_hash_file(path, got, &n) == 0 && sodium_memcmp(want, got, sizeof got) == 0;
}

/* ---- a finished dataset's history (forget, rekey) ------------------------------ */

/* The manifest is our own rendering (cvi_manifest_render): the entry goes
 * after the last member of its "history" list, or a new list is added as
 * the document's last member. */
int cvi_manifest_stage_history(cv_ctx *ctx, cvi_commit *cm, const char *outdir, const char *entry,
                               const uint64_t *epoch)
{
    static const char list[] = "history";
    char *mpath = cvi_path_join(outdir, "manifest.json");
    cv_buf m = { 0 }, o = { 0 };
    int rc = 0;
    if (!mpath) return cvi_error(ctx, CV_ENOMEM, "out of memory");
    if (cvi_read_file(mpath, &m, (size_t)1 << 30) != 0) {
        rc = cvi_error(ctx, CV_EIO, "%s: %s", mpath, cvi_strerror(errno));
        goto out;
    }
    char key[64];
    snprintf(key, sizeof key, "\n  \"%s\": [\n", list);
    /* the document ends "\n}\n"; an existing list ends "\n  ]\n}\n" */
    if (m.n < 4 || memcmp(m.p + m.n - 3, "\n}\n", 3) != 0) {
        rc = cvi_error(ctx, CV_EINPUT, "%s: not a callveil manifest", mpath);
        goto out;
    }
    cvi_buf_cstr(&m);
    if (epoch) {
        /* the first `, "epoch": N` is the top-level one (the header precedes
         * "files"; a JSON string cannot hold a bare quote) */
        static const char ek[] = ", \"epoch\": ";
        char *ep = strstr(m.p, ek), *end;
        if (!ep) {
            rc = cvi_error(ctx, CV_EINPUT, "%s: no epoch", mpath);
            goto out;
        }
        ep += sizeof ek - 1;
        strtoull(ep, &end, 10);
        if (end == ep) {
            rc = cvi_error(ctx, CV_EINPUT, "%s: no epoch", mpath);
            goto out;
        }
        cv_buf r = { 0 };
        rc = cvi_buf_append(&r, m.p, (size_t)(ep - m.p)) | cvi_buf_printf(&r, "%" PRIu64, *epoch) |
             cvi_buf_append(&r, end, m.n - (size_t)(end - m.p));
        if (rc || !cvi_buf_cstr(&r)) {
            cvi_buf_free(&r);
            rc = cvi_error(ctx, CV_ENOMEM, "out of memory");
            goto out;
        }
        cvi_buf_free(&m);
        m = r;
    }
    char *at = strstr(m.p, key);
    if (at && m.n >= 7 && memcmp(m.p + m.n - 7, "\n  ]\n}\n", 7) == 0) {
        rc = cvi_buf_append(&o, m.p, m.n - 7) | cvi_buf_puts(&o, ",\n    ") | cvi_buf_puts(&o, entry) |
             cvi_buf_puts(&o, "\n  ]\n}\n");
    } else {
        rc = cvi_buf_append(&o, m.p, m.n - 3) | cvi_buf_printf(&o, ",%s    ", key) | cvi_buf_puts(&o, entry) |
             cvi_buf_puts(&o, "\n  ]\n}\n");
    }
    if (rc) {
        rc = cvi_error(ctx, CV_ENOMEM, "out of memory");
        goto out;
    }
    if (!(rc = cvi_commit_history(cm, entry))) rc = cvi_commit_stage(cm, "manifest.json", o.p, o.n, 0666);
out:
    free(mpath);
    cvi_buf_free(&m);
    cvi_buf_free(&o);
    return rc;
}

/* ---- the resume journal's file ------------------------------------------- */

typedef struct jload {
    const char *fp;
    cvi_jent *v;
    size_t n, cap;
    int line, stale;
} jload;

static int journal_load_line(void *arg, char *line, size_t len, int complete)
{
    jload *L = arg;
    if (L->line++ == 0) {
        size_t hl = strlen(CVI_JOURNAL_HEAD), fl = strlen(L->fp);
        L->stale = !(complete && len == hl + fl + 1 && memcmp(line, CVI_JOURNAL_HEAD, hl) == 0 && line[hl] == '\t' &&
                     memcmp(line + hl + 1, L->fp, fl) == 0);
        return L->stale;
    }
    if (!complete) return 1;    /* a torn last line: the file was not finished */
    if (L->n == L->cap) {
        size_t cap = L->cap ? 2 * L->cap : 16;
        cvi_jent *nv = realloc(L->v, cap * sizeof *nv);
        if (!nv) return 1;      /* what is loaded is redone otherwise: never wrong */
        L->v = nv;
        L->cap = cap;
    }
    cvi_jent *j = &L->v[L->n];
    if (cvi_journal_parse(line, len, j->id, &j->size, &j->mtime, &j->json, &j->fs) == 0) L->n++;
    return 0;
}

int cvi_journal_load(const char *path, const char *fp, cvi_jent **out, size_t *nout)
{
    jload L = { .fp = fp };
    cvi_each_line(path, journal_load_line, &L);   /* unreadable: nothing loaded, all redone */
    *out = L.v;
    *nout = L.n;
    return L.stale;
}

int cvi_journal_open(cv_ctx *ctx, const char *path, const char *fp, int resume, int *fd)
{
    int jfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | (resume ? O_APPEND : O_TRUNC), 0666);
    if (jfd < 0) return cvi_error(ctx, CV_EIO, "%s: %s", path, cvi_strerror(errno));
    if (!resume || lseek(jfd, 0, SEEK_END) == 0) {
        char head[sizeof CVI_JOURNAL_HEAD + 2 * 32 + 3];
        int hn = snprintf(head, sizeof head, "%s\t%s\n", CVI_JOURNAL_HEAD, fp);
        if (hn < 0 || (size_t)hn >= sizeof head || cvi_write_all(jfd, head, (size_t)hn) != 0 || fdatasync(jfd) != 0) {
            int e = errno;
            close(jfd);
            return cvi_error(ctx, CV_EIO, "%s: %s", path, cvi_strerror(e));
        }
    }
    if (resume) {
        /* after a torn last line, start appended lines on a line of their own */
        char last = '\n';
        off_t end = lseek(jfd, 0, SEEK_END);
        if (end > 0 && pread(jfd, &last, 1, end - 1) == 1 && last != '\n' && write(jfd, "\n", 1) != 1) {
            int e = errno;
            close(jfd);
            return cvi_error(ctx, CV_EIO, "%s: %s", path, cvi_strerror(e));
        }
    }
    *fd = jfd;
    return 0;
}
