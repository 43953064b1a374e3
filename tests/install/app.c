/*
 * app.c - a small program built against an installed libcallveil (by
 * tests/e2e/test_install.sh and .ci/run, with pkg-config and with CMake's
 * find_package): checks cv_version(), pseudonymises one JSON record held in
 * memory with cv_process_record under a test key, and prints it. With a
 * second argument DIR it also runs the policy over DIR (recordings
 * included: the audio module must be found from the installed library).
 * Usage: app KEYFILE [DIR OUT]. Exit 0 when every check holds.
 */
#include <stdio.h>
#include <string.h>

#include <callveil.h>

static const char policy[] =
    "version: 1\ntenant: t\nregion: [GB]\ninputs:\n"
    "  - match: \"*.wav\"\n    format: audio\n    transcript: \"{dir}/{stem}.json\"\n"
    "  - match: \"*\"\n    format: auto\n    fields:\n      id: keep\n      phone: {token: phone}\n"
    "      \"*\": scan\n";
static const char record[] = "{\"id\":\"c1\",\"phone\":\"07700 900123\",\"text\":\"or 07700900456\"}\n";

int main(int argc, char **argv)
{
    if (argc != 2 && argc != 4) {
        fprintf(stderr, "usage: app KEYFILE [DIR OUT]\n");
        return 2;
    }
    if (strcmp(cv_version(), CV_VERSION) != 0) {
        fprintf(stderr, "app: library %s, header %s\n", cv_version(), CV_VERSION);
        return 1;
    }
    cv_ctx *ctx = cv_ctx_create();
    cv_policy *p = NULL;
    cv_key *k = NULL;
    cv_recproc *rp = NULL;
    int rc = ctx ? 0 : CV_ENOMEM;
    if (!rc) rc = cv_policy_load_mem(ctx, "app.yaml", policy, strlen(policy), &p);
    if (!rc) rc = cv_key_load_file(ctx, argv[1], &k);
    if (!rc) rc = cv_recproc_create(ctx, p, k, "jsonl", NULL, NULL, &rp);
    char out[1024], tok[CV_TOKEN_BUF_SIZE];
    size_t n = 0;
    if (!rc) rc = cv_process_record(rp, record, strlen(record), out, sizeof out, &n);
    if (!rc) rc = cv_token(ctx, p, k, "phone", "07700 900123", 12, tok, sizeof tok);
    if (rc) {
        fprintf(stderr, "app: %s\n", ctx && *cv_ctx_error(ctx) ? cv_ctx_error(ctx) : cv_strerror(rc));
        return 1;
    }
    fwrite(out, 1, n, stdout);
    int ok = strstr(out, tok) && !strstr(out, "900123") && !strstr(out, "900456") && strstr(out, "\"c1\"");
    if (!ok) fprintf(stderr, "app: token %s missing or a number left in the output\n", tok);
    /* bad input fails closed */
    if (cv_process_record(rp, "{\"phone\":", 9, out, sizeof out, &n) != CV_EINPUT || n != 0) {
        fprintf(stderr, "app: a truncated record was not rejected\n");
        ok = 0;
    }
    if (ok && argc == 4) {
        const char *in[] = { argv[2] };
        cv_run_opts o;
        cv_run_opts_init(&o);
        cv_totals t;
        rc = cv_run(ctx, p, k, in, 1, argv[3], &o, &t);
        if (rc || t.files_failed || t.audio_seconds_in <= 0) {
            fprintf(stderr, "app: run: rc %d, %llu failed, %.1f s of audio: %s\n", rc,
                    (unsigned long long)t.files_failed, t.audio_seconds_in, cv_ctx_error(ctx));
            ok = 0;
        } else {
            printf("run: %llu files, %.3f s of audio\n", (unsigned long long)t.files, t.audio_seconds_in);
        }
    }
    cv_recproc_free(rp);
    cv_key_free(k);
    cv_policy_free(p);
    cv_ctx_free(ctx);
    return ok ? 0 : 1;
}
