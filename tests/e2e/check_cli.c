/*
 * check_cli.c - end-to-end: the callveil binary on samples/ against golden
 * outputs (byte for byte after decompression), and every bad-input path
 * with its exit code, asserting that no record content reaches stderr.
 * Env: CV_BIN (the binary), CV_SRC (the source tree).
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>
#include <zstd.h>

#include "cli_run.h"

static const char *src;
static char keyfile[128];

/* Test key: bytes 0..31 (the unit tests' known answers use it too). */
static const char KEYHEX[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n";

static void setup(void)
{
    bin = getenv("CV_BIN");
    src = getenv("CV_SRC");
    ck_assert_msg(bin && src, "CV_BIN and CV_SRC must be set (ctest does)");
    strcpy(tmp, "/tmp/cvcliXXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmp));
    snprintf(keyfile, sizeof keyfile, "%s/test.key", tmp);
    writefile(keyfile, KEYHEX, strlen(KEYHEX), 0600);
}

static void teardown(void)
{
    while (npaths) free(paths[--npaths]);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
    ck_assert_int_eq(system(cmd), 0);
}


START_TEST(test_usage_and_help)
{
    char *out, *err;
    ck_assert_int_eq(RUN(NULL, &out, &err, "--help"), 0);
    ck_assert_ptr_nonnull(strstr(out, "filter"));
    free(out), free(err);
    const char *cmds[] = { "run", "filter", "scan", "keygen", "token", "check-policy" };
    for (size_t i = 0; i < 6; i++) {
        ck_assert_int_eq(RUN(NULL, &out, &err, cmds[i], "--help"), 0);
        ck_assert_ptr_nonnull(strstr(out, "usage: callveil"));
        free(out), free(err);
    }
    ck_assert_int_eq(RUN(NULL, &out, &err, "frobnicate"), 1);
    free(out), free(err);
    ck_assert_int_eq(RUN(NULL, &out, &err, "run", src), 1);   /* no -o */
    free(out), free(err);
    ck_assert_int_eq(RUN(NULL, &out, &err, "filter", "--format", "jsonl", "-j", "0"), 1);
    free(out), free(err);
    ck_assert_int_eq(RUN(NULL, &out, &err, "filter", "--format", "xml"), 1);   /* a usage error */
    ck_assert_ptr_nonnull(strstr(err, "unknown --format"));
    ck_assert_ptr_nonnull(strstr(err, "usage: callveil filter"));
    free(out), free(err);
}
END_TEST

START_TEST(test_keygen_and_key_permissions)
{
    char *out, *err;
    const char *k = path2(tmp, "new.key");
    ck_assert_int_eq(RUN(NULL, &out, &err, "keygen", "-o", k), 0);
    free(out), free(err);
    struct stat st;
    ck_assert_int_eq(stat(k, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    ck_assert_int_eq(RUN(NULL, &out, &err, "keygen", "-o", k), 2);
    free(out), free(err);
    chmod(k, 0644);
    ck_assert_int_eq(RUN(NULL, &out, &err, "token", "--type", "phone", "--key", k, "07700 900123"), 2);
    ck_assert_ptr_nonnull(strstr(err, "accessible by group or others"));
    free(out), free(err);
}
END_TEST

START_TEST(test_token_command)
{
    char *pol = path2(tmp, "acme.yaml");
    const char *y = "version: 1\ntenant: acme\nregion: GB\ninputs:\n  - match: \"**\"\n    fields: {\"*\": scan}\n";
    writefile(pol, y, strlen(y), 0644);
    const char *forms[] = { "+44 7700 900123", "07700 900123", "(07700) 900-123", "+44 (0)7700 900123" };
    for (size_t i = 0; i < 4; i++) {
        char *out, *err;
        ck_assert_int_eq(RUN(NULL, &out, &err, "token", "--type", "phone", "--key", keyfile, "--policy", pol, forms[i]), 0);
        ck_assert_str_eq(out, "phone:899v1wcpp79y1wf2\n");
        free(out), free(err);
    }
    char *out, *err;
    ck_assert_int_eq(RUN(NULL, &out, &err, "token", "--type", "phone", "07700 900123"), 2);   /* no key */
    free(out), free(err);
    ck_assert_int_eq(RUN(NULL, &out, &err, "token", "--type", "Bad Type!", "--key", keyfile, "x"), 1);
    free(out), free(err);
}
END_TEST

static void compare_golden(const char *outdir, const char *rel, const char *golden)
{
    size_t n, gn;
    char *got = zstd_file(path2(outdir, rel), &n);
    char *want = readfile(path2(path2(src, "tests/e2e/golden"), golden), &gn);
    ck_assert_msg(want != NULL, "missing golden file %s", golden);
    ck_assert_msg(n == gn && memcmp(got, want, n) == 0, "%s differs from golden %s", rel, golden);
    free(got);
    free(want);
}

START_TEST(test_samples_golden)
{
    char *out, *err;
    char *o = path2(tmp, "out");
    char *sd = path2(src, "samples");
    ck_assert_int_eq(RUN(NULL, &out, &err, "run", "-q", "-j", "2", "--key", keyfile, "--policy",
                         path2(sd, "policy.yaml"), sd, "-o", o), 0);
    free(out), free(err);
    compare_golden(o, "chats.jsonl.zst", "chats.jsonl");
    compare_golden(o, "sms.csv.zst", "sms.csv");
    compare_golden(o, "cdr/Master.csv.zst", "Master.csv");
    /* the embedded default policy gives its own golden outputs */
    char *o2 = path2(tmp, "out-default");
    ck_assert_int_eq(RUN(NULL, &out, &err, "run", "-q", "-j", "1", "--key", keyfile, sd, "-o", o2), 0);
    free(out), free(err);
    compare_golden(o2, "chats.jsonl.zst", "default-chats.jsonl");
    compare_golden(o2, "sms.csv.zst", "default-sms.csv");
    compare_golden(o2, "cdr/Master.csv.zst", "default-Master.csv");

    /* manifest: counts add up, names the key by id only, no temp files left */
    char *m = readfile(path2(o, "manifest.json"), NULL);
    ck_assert_ptr_nonnull(strstr(m, "\"key_id\": \"751d3d7c9848a856\""));
    ck_assert_ptr_null(strstr(m, "000102030405"));
    ck_assert_ptr_nonnull(strstr(m, "\"rejected\": 0"));
    free(m);
    /* this test's directory only: other suites (another checkout's ctest
     * on the same machine) may be writing their own /tmp/cvcli* meanwhile */
    char cmd[128];
    snprintf(cmd, sizeof cmd, "find '%s' -name '*.cvtmp*' | grep -q .", tmp);
    ck_assert_int_ne(system(cmd), 0);
}
END_TEST

START_TEST(test_no_raw_identifiers_in_outputs)
{
    char *out, *err;
    char *o = path2(tmp, "out");
    ck_assert_int_eq(RUN(NULL, &out, &err, "run", "-q", "--key", keyfile, path2(src, "samples"), "-o", o), 0);
    free(out), free(err);
    size_t n;
    char *chats = zstd_file(path2(o, "chats.jsonl.zst"), &n);
    const char *never[] = { "4111 1111 1111 1111", "07700 900", "GB82", "DE89370400440532013000", "078-05-1120",
                            "@example.co.uk", "john dot smith" };
    for (size_t i = 0; i < sizeof never / sizeof *never; i++)
        ck_assert_msg(strstr(chats, never[i]) == NULL, "raw identifier '%s' in output", never[i]);
    ck_assert_ptr_nonnull(strstr(chats, "[phone:"));
    free(chats);
    /* the sample call: recording and its redacted transcript, no separate JSON output */
    struct stat st;
    ck_assert_int_eq(stat(path2(o, "calls/customer_call.wav"), &st), 0);
    ck_assert_int_ne(stat(path2(o, "calls/customer_call.json"), &st), 0);
    char *tr = zstd_file(path2(o, "calls/customer_call.json.zst"), &n);
    const char *spoken[] = { "seven seven double", "john", "smith", "example" };
    for (size_t i = 0; i < sizeof spoken / sizeof *spoken; i++)
        ck_assert_msg(strstr(tr, spoken[i]) == NULL, "spoken identifier '%s' in the transcript", spoken[i]);
    ck_assert_ptr_nonnull(strstr(tr, "[phone:"));
    free(tr);
}
END_TEST

START_TEST(test_bad_input_exit_3_no_content)
{
    char *in = path2(tmp, "in");
    mkdir(in, 0755);
    const char *j = "{\"text\":\"ok 07700 900123\"}\n"
                    "{\"text\":\"SECRETVALUE-1 07700 900124\" broken\n"
                    "{\"text\":\"SECRETVALUE-2 \xff\"}\n"
                    "{\"text\":\"ok again\"}\n";
    writefile(path2(in, "chats.jsonl"), j, strlen(j), 0644);
    const char *c = "id,body\n1,fine\n2,\"SECRETVALUE-3\n";
    writefile(path2(in, "sms.csv"), c, strlen(c), 0644);
    char big[4000];
    memset(big, 'S', sizeof big);
    memcpy(big, "{\"t\":\"", 6);
    memcpy(big + sizeof big - 3, "\"}\n", 3);
    writefile(path2(in, "big.jsonl"), big, sizeof big, 0644);
    writefile(path2(in, "empty.jsonl"), "", 0, 0644);

    char *out, *err;
    char *o = path2(tmp, "out");
    int rc = RUN(NULL, &out, &err, "run", "--key", keyfile, "--max-record-size", "1K", in, "-o", o);
    ck_assert_int_eq(rc, 3);
    ck_assert_ptr_null(strstr(err, "SECRETVALUE"));
    ck_assert_ptr_null(strstr(err, "900124"));
    ck_assert_ptr_null(strstr(out, "SECRETVALUE"));
    char *m = readfile(path2(o, "manifest.json"), NULL);
    ck_assert_ptr_null(strstr(m, "SECRETVALUE"));
    ck_assert_ptr_nonnull(strstr(m, "\"line\": 2, \"offset\": "));
    ck_assert_ptr_nonnull(strstr(m, "\"reason\": \"invalid UTF-8\""));
    ck_assert_ptr_nonnull(strstr(m, "\"reason\": \"record exceeds the maximum record size\""));
    ck_assert_ptr_nonnull(strstr(m, "\"records_in\": 7, \"written\": 3, \"dropped\": 0, \"rejected\": 4"));
    free(m);
    size_t n;
    char *ch = zstd_file(path2(o, "chats.jsonl.zst"), &n);
    ck_assert_ptr_nonnull(strstr(ch, "ok again"));
    ck_assert_ptr_null(strstr(ch, "SECRETVALUE"));
    free(ch);
    char *em = zstd_file(path2(o, "empty.jsonl.zst"), &n);
    ck_assert_uint_eq(n, 0);
    free(em);
    free(out), free(err);

    /* the same through filter: exit 3, locations on stderr, no content */
    rc = RUN(path2(in, "chats.jsonl"), &out, &err, "filter", "--format", "jsonl", "--key", keyfile);
    ck_assert_int_eq(rc, 3);
    ck_assert_ptr_nonnull(strstr(err, "line 3, byte "));
    ck_assert_ptr_null(strstr(err, "SECRETVALUE"));
    ck_assert_ptr_nonnull(strstr(out, "ok again"));
    free(out), free(err);
}
END_TEST

START_TEST(test_bad_policy_and_check_policy)
{
    char *pol = path2(tmp, "bad.yaml");
    const char *y = "version: 1\ntenant: acme\ninputs:\n  - match: \"*.jsonl\"\n    fields:\n      id: tokenise\n"
                    "      name: {token: phone, keep_domain: true}\n";
    writefile(pol, y, strlen(y), 0644);
    char *out, *err;
    ck_assert_int_eq(RUN(NULL, &out, &err, "check-policy", pol), 2);
    ck_assert_ptr_nonnull(strstr(err, "bad.yaml:6:"));
    ck_assert_ptr_nonnull(strstr(err, "bad.yaml:7:"));
    free(out), free(err);
    ck_assert_int_eq(RUN(NULL, &out, &err, "run", "--policy", pol, "--key", keyfile, path2(src, "samples"), "-o",
                         path2(tmp, "o")),
                     2);
    ck_assert_ptr_nonnull(strstr(err, ":6:"));
    free(out), free(err);
    ck_assert_int_eq(RUN(NULL, &out, &err, "check-policy", path2(path2(src, "samples"), "policy.yaml")), 0);
    free(out), free(err);
}
END_TEST

START_TEST(test_filter_zstd_and_ephemeral_warning)
{
    char *out, *err;
    const char *in = path2(path2(src, "samples"), "chats.jsonl");
    ck_assert_int_eq(RUN(in, &out, &err, "filter", "--format", "jsonl", "--zstd", "--ephemeral-key"), 0);
    ck_assert_ptr_nonnull(strstr(err, "one-off key"));
    ck_assert_uint_eq((unsigned char)out[0], 0x28);   /* zstd magic */
    free(out), free(err);
}
END_TEST

START_TEST(test_scan_writes_nothing)
{
    char *out, *err;
    ck_assert_int_eq(RUN(NULL, &out, &err, "scan", path2(src, "samples")), 0);
    ck_assert_ptr_nonnull(strstr(out, "\"detections\": {\"phone\": "));
    ck_assert_ptr_null(strstr(out, "07700"));
    free(out), free(err);
}
END_TEST

/* National ids count per scheme (detections_by_detector), account numbers
 * as their entity, and neither value reaches the manifest or the output. */
START_TEST(test_national_id_schemes_counted)
{
    char *in = path2(tmp, "in-natid");
    mkdir(in, 0755);
    const char *j = "{\"text\":\"meu CPF é 123.456.789-09 e DNI 12345678Z\"}\n"
                    "{\"text\":\"CF RSSMRA80A01H501U, customer ref BW8982281\"}\n";
    writefile(path2(in, "ids.jsonl"), j, strlen(j), 0644);
    char *out, *err;
    char *o = path2(tmp, "out-natid");
    ck_assert_int_eq(RUN(NULL, &out, &err, "run", "-q", "--key", keyfile, in, "-o", o), 0);
    free(out), free(err);
    char *m = readfile(path2(o, "manifest.json"), NULL);
    ck_assert_ptr_nonnull(strstr(m, "\"national_id\": 3, \"account\": 1"));
    ck_assert_ptr_nonnull(strstr(m, "\"br-cpf\": 1, \"br-cnpj\": 0, \"fr-nir\": 0, \"it-cf\": 1"));
    ck_assert_ptr_nonnull(strstr(m, "\"es-dni\": 1"));
    ck_assert_ptr_null(strstr(m, "8982281"));
    ck_assert_ptr_null(strstr(m, "456.789"));
    free(m);
    size_t n;
    char *d = zstd_file(path2(o, "ids.jsonl.zst"), &n);
    ck_assert_ptr_nonnull(strstr(d, "meu CPF é [national_id] e DNI [national_id]"));
    ck_assert_ptr_nonnull(strstr(d, "customer ref [account:"));
    ck_assert_ptr_null(strstr(d, "8982281"));
    free(d);
}
END_TEST

START_TEST(test_resume)
{
    char *out, *err;
    char *o = path2(tmp, "out");
    char *sd = path2(src, "samples");
    ck_assert_int_eq(RUN(NULL, &out, &err, "run", "-q", "--key", keyfile, sd, "-o", o), 0);
    free(out), free(err);
    size_t n1, n2;
    char *before = zstd_file(path2(o, "chats.jsonl.zst"), &n1);
    /* as if interrupted before sms.csv finished: its output is gone */
    unlink(path2(o, "sms.csv.zst"));
    ck_assert_int_eq(RUN(NULL, &out, &err, "run", "--resume", "--key", keyfile, sd, "-o", o), 0);
    ck_assert_ptr_nonnull(strstr(err, "chats.jsonl: already done (resumed)"));
    ck_assert_ptr_null(strstr(err, "sms.csv: already done"));
    free(out), free(err);
    char *after = zstd_file(path2(o, "chats.jsonl.zst"), &n2);
    ck_assert_uint_eq(n1, n2);
    ck_assert(memcmp(before, after, n1) == 0);
    struct stat st;
    ck_assert_int_eq(stat(path2(o, "sms.csv.zst"), &st), 0);
    char *m = readfile(path2(o, "manifest.json"), NULL);
    ck_assert_ptr_nonnull(strstr(m, "done (resumed)"));
    free(m);
    free(before);
    free(after);
}
END_TEST

START_TEST(test_corrupt_file_fails_alone)
{
    char *in = path2(tmp, "in");
    mkdir(in, 0755);
    const char *j = "{\"a\":\"ok\"}\n";
    writefile(path2(in, "good.jsonl"), j, strlen(j), 0644);
    /* a zstd frame header followed by garbage */
    const unsigned char z[] = { 0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x10, 0x99, 0x00, 0x01, 0x02, 0x03 };
    writefile(path2(in, "bad.jsonl.zst"), z, sizeof z, 0644);
    char *out, *err;
    char *o = path2(tmp, "out");
    ck_assert_int_eq(RUN(NULL, &out, &err, "run", "--key", keyfile, in, "-o", o), 3);
    ck_assert_ptr_nonnull(strstr(out, "1 failed"));
    free(out), free(err);
    struct stat st;
    ck_assert_int_ne(stat(path2(o, "bad.jsonl.zst"), &st), 0);      /* nothing of it written */
    ck_assert_int_eq(stat(path2(o, "good.jsonl.zst"), &st), 0);
    char *m = readfile(path2(o, "manifest.json"), NULL);
    ck_assert_ptr_nonnull(strstr(m, "\"status\": \"failed\", \"reason\": \"corrupt zstd stream\""));
    ck_assert_ptr_nonnull(strstr(m, "\"files_failed\": 1"));
    free(m);
}
END_TEST

START_TEST(test_file_names_sanitised)
{
    char *in = path2(tmp, "in");
    mkdir(in, 0755);
    const char *c = "id,body\n1,hello\n";
    writefile(path2(in, "sms_+447700900123.csv"), c, strlen(c), 0644);
    writefile(path2(in, "jane.doe@example.com.csv"), c, strlen(c), 0644);
    writefile(path2(in, "call-07700900123.csv"), c, strlen(c), 0644);     /* a hyphen before the number */
    writefile(path2(in, "rec_07700900123,30.csv"), c, strlen(c), 0644);   /* a dial-string tail */
    writefile(path2(in, "INC-2024-0042.csv"), c, strlen(c), 0644);        /* no number: kept */
    char *out, *err;
    char *o = path2(tmp, "out");
    ck_assert_int_eq(RUN(NULL, &out, &err, "run", "--key", keyfile, in, "-o", o), 0);
    free(out), free(err);
    /* tokens of the test key (default tenant), extensions kept */
    struct stat st;
    ck_assert_int_eq(stat(path2(o, "sms_phone-dy5f1p34khbqe2kv.csv.zst"), &st), 0);
    ck_assert_int_eq(stat(path2(o, "call-phone-dy5f1p34khbqe2kv.csv.zst"), &st), 0);
    ck_assert_int_eq(stat(path2(o, "rec_phone-dy5f1p34khbqe2kv,30.csv.zst"), &st), 0);
    ck_assert_int_eq(stat(path2(o, "INC-2024-0042.csv.zst"), &st), 0);
    char *m = readfile(path2(o, "manifest.json"), NULL);
    ck_assert_ptr_null(strstr(m, "447700900123"));
    ck_assert_ptr_null(strstr(m, "7700900123"));
    ck_assert_ptr_null(strstr(m, "jane.doe"));
    ck_assert_ptr_nonnull(strstr(m, "\"output\": \"email-"));
    ck_assert_ptr_nonnull(strstr(m, ".csv.zst\""));
    free(m);
}
END_TEST

/* Agents under the default policy: the peer of a CDR channel, a dial
 * string's endpoint, a chat's agent_id and "ext. N" in a message get one
 * token; trunks stay; no extension is left in clear. */
START_TEST(test_agents_join_across_cdr_and_chat)
{
    char *in = path2(tmp, "agents");
    mkdir(in, 0755);
    const char *cdr =
        "\"\",\"07700900123\",\"2177\",\"from-pstn\",\"\",\"PJSIP/trunk-0000001a\",\"PJSIP/2177-0000001b\","
        "\"Dial\",\"PJSIP/2177,30,tT\",\"2024-03-05 14:23:11\",\"2024-03-05 14:23:15\",\"2024-03-05 14:25:00\","
        "109,105,\"ANSWERED\",\"DOCUMENTATION\",\"1709648591.42\",\"\"\n";
    writefile(path2(in, "Master.csv"), cdr, strlen(cdr), 0644);
    const char *chat = "{\"agent_id\":\"2177\",\"messages\":[{\"text\":\"you can reach me on ext. 2177\"}]}\n";
    writefile(path2(in, "chats.jsonl"), chat, strlen(chat), 0644);
    char *out, *err;
    ck_assert_int_eq(RUN(NULL, &out, &err, "token", "--type", "agent", "--key", keyfile, "2177"), 0);
    char tok[64];
    ck_assert_uint_eq(strlen(out), strlen("agent:") + 16 + 1);
    memcpy(tok, out + 6, 16);
    tok[16] = '\0';
    free(out), free(err);
    char *o = path2(tmp, "agents-out");
    ck_assert_int_eq(RUN(NULL, &out, &err, "run", "--key", keyfile, in, "-o", o), 0);
    free(out), free(err);
    size_t n;
    char *c = zstd_file(path2(o, "Master.csv.zst"), &n);
    char *j = zstd_file(path2(o, "chats.jsonl.zst"), &n);
    ck_assert_ptr_null(strstr(c, "2177"));
    ck_assert_ptr_null(strstr(j, "2177"));
    ck_assert_ptr_nonnull(strstr(c, "PJSIP/trunk-0000001a"));   /* a trunk is not a person */
    char want[96];
    snprintf(want, sizeof want, "\"PJSIP/[agent:%s]-0000001b\"", tok);
    ck_assert_ptr_nonnull(strstr(c, want));
    snprintf(want, sizeof want, "\"PJSIP/[agent:%s],30,tT\"", tok);
    ck_assert_ptr_nonnull(strstr(c, want));
    snprintf(want, sizeof want, "\"agent_id\":\"agent:%s\"", tok);
    ck_assert_ptr_nonnull(strstr(j, want));
    snprintf(want, sizeof want, "ext. [agent:%s]", tok);
    ck_assert_ptr_nonnull(strstr(j, want));
    free(c), free(j);
}
END_TEST

/* A call-recording file name, in a CDR's userfield and as the name of an
 * input file: its agent and caller get the tokens of the CDR's dst and src
 * and channel; the type, date, time and uniqueid stay. */
START_TEST(test_recording_names_join_cdr)
{
    char *in = path2(tmp, "recnames");
    mkdir(in, 0755);
    const char *rec = "in-2177-07700900123-20240305-142311-1709648591.42";
    char cdr[1024];
    snprintf(cdr, sizeof cdr,
             "\"\",\"07700900123\",\"2177\",\"from-pstn\",\"\",\"PJSIP/trunk-0000001a\",\"PJSIP/2177-0000001b\","
             "\"Dial\",\"PJSIP/2177,30,tT\",\"2024-03-05 14:23:11\",\"2024-03-05 14:23:15\",\"2024-03-05 14:25:00\","
             "109,105,\"ANSWERED\",\"DOCUMENTATION\",\"1709648591.42\",\"%s.wav\"\n",
             rec);
    writefile(path2(in, "Master.csv"), cdr, strlen(cdr), 0644);
    char name[256];
    snprintf(name, sizeof name, "%s.jsonl", rec);
    const char *chat = "{\"text\":\"hello\"}\n";
    writefile(path2(in, name), chat, strlen(chat), 0644);
    char *out, *err;
    char agent[32], phone[32];
    ck_assert_int_eq(RUN(NULL, &out, &err, "token", "--type", "agent", "--key", keyfile, "2177"), 0);
    ck_assert_uint_eq(strlen(out), strlen("agent:") + 16 + 1);
    snprintf(agent, sizeof agent, "%.22s", out);
    free(out), free(err);
    ck_assert_int_eq(RUN(NULL, &out, &err, "token", "--type", "phone", "--key", keyfile, "07700900123"), 0);
    ck_assert_uint_eq(strlen(out), strlen("phone:") + 16 + 1);
    snprintf(phone, sizeof phone, "%.22s", out);
    free(out), free(err);
    char *o = path2(tmp, "recnames-out");
    ck_assert_int_eq(RUN(NULL, &out, &err, "run", "--key", keyfile, in, "-o", o), 0);
    free(out), free(err);
    size_t n;
    char *c = zstd_file(path2(o, "Master.csv.zst"), &n);
    ck_assert_ptr_null(strstr(c, "2177"));
    ck_assert_ptr_null(strstr(c, "7700900123"));
    char want[256];
    snprintf(want, sizeof want, "\"in-[%s]-[%s]-20240305-142311-1709648591.42.wav\"", agent, phone);
    ck_assert_msg(strstr(c, want) != NULL, "userfield: no %s", want);
    snprintf(want, sizeof want, ",\"%s\",\"%s\",", phone, agent);   /* src, dst */
    ck_assert_ptr_nonnull(strstr(c, want));
    free(c);
    /* the input file's name: "entity-token" (no brackets in file names) */
    char fname[256];
    snprintf(fname, sizeof fname, "in-agent-%s-phone-%s-20240305-142311-1709648591.42.jsonl.zst", agent + 6,
             phone + 6);
    struct stat st;
    ck_assert_msg(stat(path2(o, fname), &st) == 0, "no output %s", fname);
    char *m = readfile(path2(o, "manifest.json"), NULL);
    ck_assert_ptr_null(strstr(m, "2177"));
    ck_assert_ptr_null(strstr(m, "7700900123"));
    free(m);
}
END_TEST

/* Append to a vault an entry sealed with the controller's public key file
 * (64 hex characters), as a new zstd frame: a forgery anyone holding the
 * public key can make. */
static void forge_entry(const char *vault, const char *pubfile, const char *token, const char *value)
{
    ck_assert_int_ge(sodium_init(), 0);
    char *hex = readfile(pubfile, NULL);
    unsigned char pk[32];
    ck_assert_int_eq(sodium_hex2bin(pk, sizeof pk, hex, 64, NULL, NULL, NULL), 0);
    free(hex);
    size_t tn = strlen(token), vn = strlen(value), pn = tn + 1 + vn, sn = pn + crypto_box_SEALBYTES;
    unsigned char *plain = malloc(pn), *sealed = malloc(sn);
    memcpy(plain, token, tn);
    plain[tn] = 0;
    memcpy(plain + tn + 1, value, vn);
    ck_assert_int_eq(crypto_box_seal(sealed, plain, pn, pk), 0);
    size_t bl = sodium_base64_ENCODED_LEN(sn, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = malloc(bl), line[1024];
    sodium_bin2base64(b64, bl, sealed, sn, sodium_base64_VARIANT_ORIGINAL);
    int ln = snprintf(line, sizeof line, "{\"token\":\"%s\",\"sealed\":\"%s\"}\n", token, b64);
    ck_assert_int_lt(ln, (int)sizeof line);
    size_t cap = ZSTD_compressBound((size_t)ln), on = 0;
    char *z = malloc(cap), *old = readfile(vault, &on);
    size_t zn = ZSTD_compress(z, cap, line, (size_t)ln, 3);
    ck_assert(!ZSTD_isError(zn));
    char *all = malloc(on + zn);
    memcpy(all, old, on);
    memcpy(all + on, z, zn);
    writefile(vault, all, on + zn, 0644);
    free(all), free(old), free(z), free(b64), free(plain), free(sealed);
}

/* A policy that loads but probably does not say what its author meant:
 * keep on personal-looking fields, "*": keep, a rule that matches no file. */
START_TEST(test_policy_warnings)
{
    char *pol = path2(tmp, "warn.yaml");
    const char *y = "version: 1\ninputs:\n  - match: \"*.jsonl\"\n    fields:\n      customer.phone: keep\n"
                    "      \"*\": keep\n  - match: \"nothing/*.csv\"\n    fields:\n      \"*\": scan\n";
    writefile(pol, y, strlen(y), 0644);
    char *out, *err;
    ck_assert_int_eq(RUN(NULL, &out, &err, "check-policy", pol), 0);   /* warnings are not problems */
    ck_assert_ptr_nonnull(strstr(err, "warn.yaml:5: warning: 'keep' on 'customer.phone'"));
    ck_assert_ptr_nonnull(strstr(err, "warn.yaml:6: warning: '\"*\": keep'"));
    free(out), free(err);
    char *in = path2(tmp, "warn-in");
    mkdir(in, 0755);
    writefile(path2(in, "a.jsonl"), "{\"x\":1}\n", 8, 0644);
    char *o = path2(tmp, "warn-out");
    ck_assert_int_eq(RUN(NULL, &out, &err, "run", "--key", keyfile, "--policy", pol, in, "-o", o), 0);
    ck_assert_ptr_nonnull(strstr(err, "warn.yaml:7: this input rule matched no file"));
    ck_assert_ptr_null(strstr(err, "warn.yaml:3: this input rule"));
    free(out), free(err);
    char *m = readfile(path2(o, "manifest.json"), NULL);
    ck_assert_ptr_nonnull(strstr(m, "\"inputs_unmatched\": [7]"));
    free(m);
}
END_TEST

/* scan --explain: one JSON line per decision, with what decided it, and
 * none of the values (canaries). */
START_TEST(test_scan_explain)
{
    char *in = path2(tmp, "explain");
    mkdir(in, 0755);
    const char *rec = "{\"customer\":{\"phone\":\"07700 900123\"},\"messages\":[{\"text\":\"call 07700 900124 or "
                      "jane@example.com, card 4111 1111 1111 1111, our line 0800 123 4567\"}]}\n";
    writefile(path2(in, "x.jsonl"), rec, strlen(rec), 0644);
    char *pol = path2(tmp, "explain.yaml");
    const char *y = "version: 1\nallow: [\"0800 123 4567\"]\nentities:\n  card: redact\ninputs:\n"
                    "  - match: \"*.jsonl\"\n    fields:\n      customer.phone: {token: phone}\n"
                    "      messages[].text: scan\n      \"*\": drop\n";
    writefile(pol, y, strlen(y), 0644);
    char *out, *err;
    ck_assert_int_eq(RUN(NULL, &out, &err, "scan", "--explain", "-p", pol, path2(in, "x.jsonl")), 0);
    static const char *const want[] = {
        "{\"file\": \"x.jsonl\", \"line\": 1, \"field_rule\": \"customer.phone\", \"rule_line\": 8, \"entity\": \"phone\", "
        "\"action\": \"token\", \"decided_by\": \"field\", \"policy_line\": 8}",
        "{\"file\": \"x.jsonl\", \"line\": 1, \"field_rule\": \"messages[].text\", \"rule_line\": 9, \"start\": 74, "
        "\"end\": 87, \"entity\": \"phone\", \"detector\": \"phone\", \"validated\": true, \"context_needed\": false, "
        "\"action\": \"keep\", \"decided_by\": \"allow\"}",
        "{\"file\": \"x.jsonl\", \"line\": 1, \"field_rule\": \"messages[].text\", \"rule_line\": 9, \"start\": 5, "
        "\"end\": 17, \"entity\": \"phone\", \"detector\": \"phone\", \"validated\": true, \"context_needed\": false, "
        "\"action\": \"token\", \"decided_by\": \"default\"}",
        "{\"file\": \"x.jsonl\", \"line\": 1, \"field_rule\": \"messages[].text\", \"rule_line\": 9, \"start\": 21, "
        "\"end\": 37, \"entity\": \"email\", \"detector\": \"email\", \"validated\": true, \"context_needed\": false, "
        "\"action\": \"token\", \"decided_by\": \"default\"}",
        "{\"file\": \"x.jsonl\", \"line\": 1, \"field_rule\": \"messages[].text\", \"rule_line\": 9, \"start\": 44, "
        "\"end\": 63, \"entity\": \"card\", \"detector\": \"card\", \"validated\": true, \"context_needed\": false, "
        "\"action\": \"redact\", \"decided_by\": \"entities\", \"policy_line\": 4}",
    };
    char *line = out;
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        char *nl = strchr(line, '\n');
        ck_assert_ptr_nonnull(nl);
        *nl = '\0';
        ck_assert_str_eq(line, want[i]);
        line = nl + 1;
    }
    ck_assert_str_eq(line, "");
    /* canaries: no part of any value */
    static const char *const canaries[] = { "7700", "900123", "jane", "example", "4111", "1111", "0800", "4567" };
    for (size_t i = 0; i < sizeof canaries / sizeof *canaries; i++) {
        ck_assert_ptr_null(strstr(out, canaries[i]));
        ck_assert_ptr_null(strstr(err, canaries[i]));
    }
    free(out), free(err);
    ck_assert_int_eq(RUN(NULL, &out, &err, "run", "--explain", path2(in, "x.jsonl"), "-o", path2(tmp, "xo")), 1);
    ck_assert_ptr_nonnull(strstr(err, "--explain is an option of scan"));
    free(out), free(err);
}
END_TEST

/* A name found in one text that becomes part of a longer one found later
 * ("Connor" ... "Sarah Connor"): the record is read twice, its decisions
 * and counts are the second reading's only (two lines, two persons). */
START_TEST(test_explain_name_read_again)
{
    char *in = path2(tmp, "again");
    mkdir(in, 0755);
    const char *rec = "{\"messages\":[{\"text\":\"then Connor sent the photos\"},{\"text\":\"Hi, my name is Sarah Connor.\"}]}\n";
    writefile(path2(in, "x.jsonl"), rec, strlen(rec), 0644);
    char *out, *err;
    ck_assert_int_eq(RUN(NULL, &out, &err, "scan", "--explain", "--ephemeral-key", path2(in, "x.jsonl")), 0);
    size_t lines = 0;
    for (const char *q = out; (q = strchr(q, '\n')); q++) lines++;
    ck_assert_uint_eq(lines, 2);
    ck_assert_ptr_nonnull(strstr(out, "\"start\": 5, \"end\": 11, \"entity\": \"person\""));
    ck_assert_ptr_nonnull(strstr(out, "\"start\": 15, \"end\": 27, \"entity\": \"person\""));
    ck_assert_ptr_null(strstr(out, "Connor"));
    free(out), free(err);
    ck_assert_int_eq(RUN(NULL, &out, &err, "scan", "--ephemeral-key", path2(in, "x.jsonl")), 0);
    ck_assert_ptr_nonnull(strstr(out, "\"person\": 2,"));
    free(out), free(err);
}
END_TEST

/* Headed CSV in shards: a later shard takes the header from a file and
 * writes none; the concatenation equals one process. Bad uses fail. */
START_TEST(test_filter_header_shards)
{
    const char *all = "id,body\n1,call 07700900123\n2,\"two\nlines 07700900124\"\n3,bye\n";
    const char *p1 = "id,body\n1,call 07700900123\n", *p2 = "2,\"two\nlines 07700900124\"\n3,bye\n";
    char *hdr = path2(tmp, "hdr.csv");
    writefile(hdr, "id,body\n", 8, 0644);
    char *o_all, *o1, *o2, *err;
    ck_assert_int_eq(RUN(all, &o_all, &err, "filter", "--format", "csv", "--key", keyfile), 0);
    free(err);
    ck_assert_int_eq(RUN(p1, &o1, &err, "filter", "--format", "csv", "--key", keyfile), 0);
    free(err);
    ck_assert_int_eq(RUN(p2, &o2, &err, "filter", "--format", "csv", "--key", keyfile, "--header", hdr, "--no-header"), 0);
    free(err);
    char joined[4096];
    snprintf(joined, sizeof joined, "%s%s", o1, o2);
    ck_assert_str_eq(joined, o_all);
    ck_assert_ptr_null(strstr(o2, "id,body"));
    free(o_all), free(o1), free(o2);
    char *out;
    ck_assert_int_eq(RUN(p2, &out, &err, "filter", "--format", "csv", "--key", keyfile, "--header",
                         path2(tmp, "no-such-header.csv")), 2);
    ck_assert_ptr_nonnull(strstr(err, "no-such-header.csv"));
    free(out), free(err);
    ck_assert_int_eq(RUN("{}\n", &out, &err, "filter", "--format", "jsonl", "--key", keyfile, "--no-header"), 1);
    ck_assert_ptr_nonnull(strstr(err, "formats with a header row"));
    free(out), free(err);
    ck_assert_int_eq(RUN(p2, &out, &err, "run", "--no-header", "x", "-o", "y"), 1);
    free(out), free(err);
}
END_TEST

/* ---- erasure that lasts: forget, then run --resume, run, rekey ---------- */

/* How many files under dir (dot files too, recursively) hold s in their
 * bytes (decompressed if .zst); their names appended to where. The top
 * manifest.json is left aside: its history names erased tokens by design. */
static int mem_has(const char *b, size_t n, const char *s)
{
    size_t k = strlen(s);
    for (size_t i = 0; k && i + k <= n; i++)
        if (b[i] == s[0] && memcmp(b + i, s, k) == 0) return 1;
    return 0;
}

static int holds_in_tree(const char *root, const char *dir, const char *s, char *where, size_t cap)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int hits = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        struct stat st;
        ck_assert_int_eq(lstat(path, &st), 0);
        if (S_ISDIR(st.st_mode)) {
            hits += holds_in_tree(root, path, s, where, cap);
            continue;
        }
        if (dir == root && !strcmp(de->d_name, "manifest.json")) continue;
        size_t n = strlen(de->d_name), len = 0;
        char *b = n > 4 && !strcmp(de->d_name + n - 4, ".zst") && st.st_size > 0 ? zstd_file(path, &len)
                                                                                  : readfile(path, &len);
        if (b && mem_has(b, len, s)) {
            hits++;
            strncat(where, path, cap - strlen(where) - 2);
            strncat(where, " ", cap - strlen(where) - 1);
        }
        free(b);
    }
    closedir(d);
    return hits;
}

static void assert_nowhere(const char *dir, const char *what)
{
    char where[2048] = "";
    int n = holds_in_tree(dir, dir, what, where, sizeof where);
    ck_assert_msg(n == 0, "%s is still in: %s", what, where);
}

/* A number in a manifest: the first `"KEY": N` after `after` (NULL: the start). */
static long long mnum(const char *m, const char *after, const char *key)
{
    const char *at = after ? strstr(m, after) : m;
    ck_assert_msg(at != NULL, "no %s in the manifest", after);
    char k[64];
    snprintf(k, sizeof k, "\"%s\": ", key);
    const char *v = strstr(at, k);
    ck_assert_msg(v != NULL, "no %s in the manifest", key);
    return strtoll(v + strlen(k), NULL, 10);
}

/* records_in = written + dropped + rejected in the totals, and the totals'
 * erased count. */
static long long totals_erased(const char *m)
{
    long long in = mnum(m, "\"totals\"", "records_in"), w = mnum(m, "\"totals\"", "written"),
              dr = mnum(m, "\"totals\"", "dropped"), rj = mnum(m, "\"totals\"", "rejected");
    ck_assert_int_eq(in, w + dr + rj);
    return mnum(m, "\"totals\"", "erased");
}

/* Jane (07700 900123) is in two rows of calls.csv and names a file of her
 * own; Bob and Carol stay. The policy has a vault; epoch as given. */
static char *erase_policy(const char *name, int epoch)
{
    char *pol = path2(tmp, name), y[640];
    snprintf(y, sizeof y, "version: 1\nregion: GB\nepoch: %d\nvault: {public_key: %s/ctrl.pub}\ninputs:\n"
                          "  - match: \"*.csv\"\n    format: csv\n"
                          "    fields: {id: keep, caller: {token: phone}, email: {token: email}, note: scan, \"*\": drop}\n",
             epoch, tmp);
    writefile(pol, y, strlen(y), 0644);
    return pol;
}

static void erase_fixture(char **pol, char **in, char **o)
{
    char *out, *err;
    ck_assert_int_eq(RUN(NULL, &out, &err, "keygen", "--controller", "-o", path2(tmp, "ctrl")), 0);
    free(out), free(err);
    *pol = erase_policy("pol0.yaml", 0);
    *in = path2(tmp, "in");
    *o = path2(tmp, "out");
    mkdir(*in, 0755);
    const char *c = "id,caller,email,note\n1,07700 900123,jane@example.com,hi\n2,+1 212 555 0100,bob@example.org,"
                    "call 07700 900123\n3,+1 212 555 0100,bob@example.org,x\n4,+44 20 7946 0000,carol@example.net,y\n";
    writefile(path2(*in, "calls.csv"), c, strlen(c), 0644);
    const char *m = "id,caller,email,note\n1,+44 20 7946 0000,carol@example.net,z\n";
    writefile(path2(*in, "more.csv"), m, strlen(m), 0644);
    writefile(path2(*in, "call_07700900123.csv"), m, strlen(m), 0644);
    ck_assert_int_eq(RUN(NULL, &out, &err, "run", "-q", "--key", keyfile, "-p", *pol, *in, "-o", *o), 0);
    free(out), free(err);
}

static char *token_of(const char *pol, const char *type, const char *value)
{
    char *t, *err;
    ck_assert_int_eq(RUN(NULL, &t, &err, "token", "--type", type, "--key", keyfile, "-p", pol, value), 0);
    free(err);
    t[strcspn(t, "\n")] = '\0';
    char *bare = strdup(strrchr(t, ':') + 1);     /* the 16 characters, in any rendering */
    free(t);
    return bare;
}

static void forget_jane(const char *pol, const char *o)
{
    char *out, *err;
    ck_assert_int_eq(RUN(NULL, &out, &err, "forget", "--type", "phone", "--key", keyfile, "-p", pol, "07700 900123", o), 0);
    ck_assert_ptr_nonnull(strstr(err, "3 record(s) removed"));
    ck_assert_ptr_nonnull(strstr(err, "1 file(s) deleted"));
    ck_assert_ptr_null(strstr(err, "900123"));
    free(out), free(err);
}

/* run → forget → run --resume: the files forget rewrote are kept as it
 * left them (not done again: that brought Jane back), her own file is not
 * written again, her tokens (and her e-mail's, which only her rows held)
 * are nowhere, and the manifest counts what was erased. */
START_TEST(test_forget_survives_resume)
{
    char *pol, *in, *o, *out, *err;
    erase_fixture(&pol, &in, &o);
    char *tj = token_of(pol, "phone", "07700 900123"), *tje = token_of(pol, "email", "jane@example.com");
    char *tb = token_of(pol, "phone", "+1 212 555 0100");
    forget_jane(pol, o);
    size_t n0 = 0, n1 = 0;
    char *after_forget = readfile(path2(o, "calls.csv.zst"), &n0);
    ck_assert_int_eq(RUN(NULL, &out, &err, "run", "--resume", "--key", keyfile, "-p", pol, in, "-o", o), 0);
    ck_assert_ptr_nonnull(strstr(err, "calls.csv: already done (resumed)"));
    ck_assert_ptr_nonnull(strstr(err, "more.csv: already done (resumed)"));
    ck_assert_ptr_nonnull(strstr(err, "not written: it is a subject's whole that was erased"));
    ck_assert_ptr_null(strstr(err, "900123"));
    free(out), free(err);
    char *now = readfile(path2(o, "calls.csv.zst"), &n1);
    ck_assert_uint_eq(n0, n1);
    ck_assert_int_eq(memcmp(after_forget, now, n0), 0);
    free(after_forget), free(now);
    assert_nowhere(o, tj);
    assert_nowhere(o, tje);
    ck_assert_int_eq(RUN(NULL, &out, &err, "find", "--type", "phone", "--key", keyfile, "-p", pol, "07700 900123", o), 0);
    ck_assert_str_eq(out, "");
    free(out), free(err);
    /* Bob is still there, revealable */
    char *data = zstd_file(path2(o, "calls.csv.zst"), NULL);
    ck_assert_ptr_nonnull(strstr(data, tb));
    free(data);
    char *m = readfile(path2(o, "manifest.json"), NULL);
    ck_assert_int_eq(totals_erased(m), 2);
    ck_assert_int_eq(mnum(m, "\"input\": \"calls.csv\"", "written"), 2);
    ck_assert_int_eq(mnum(m, "\"input\": \"calls.csv\"", "dropped"), 2);
    ck_assert_int_eq(mnum(m, "\"input\": \"calls.csv\"", "erased"), 2);
    ck_assert_int_eq(mnum(m, "\"erasure_register\"", "entries"), 1);
    ck_assert_int_eq(mnum(m, "\"erasure_register\"", "files_erased"), 1);
    ck_assert_ptr_nonnull(strstr(m, "\"status\": \"erased\""));
    ck_assert_ptr_null(strstr(m, tj));     /* her file is not named again */
    free(m);
    /* an input added since: resume does it (and only it), without Jane */
    const char *nw = "id,caller,email,note\n1,07700 900123,jane@example.com,new\n2,+1 212 555 0100,bob@example.org,n\n";
    writefile(path2(in, "new.csv"), nw, strlen(nw), 0644);
    ck_assert_int_eq(RUN(NULL, &out, &err, "run", "--resume", "--key", keyfile, "-p", pol, in, "-o", o), 0);
    ck_assert_ptr_nonnull(strstr(err, "calls.csv: already done (resumed)"));
    ck_assert_ptr_nonnull(strstr(err, "new.csv: 1 record(s) dropped: they hold a subject erased"));
    ck_assert_ptr_null(strstr(err, "new.csv: already done"));
    free(out), free(err);
    assert_nowhere(o, tj);
    assert_nowhere(o, tje);
    m = readfile(path2(o, "manifest.json"), NULL);
    ck_assert_int_eq(totals_erased(m), 3);
    ck_assert_int_eq(mnum(m, "\"input\": \"new.csv\"", "written"), 1);
    free(m);
    free(tj), free(tje), free(tb);
}
END_TEST

/* run → forget → a fresh run of the same source into the same OUT: the
 * erasure register drops Jane's rows (counted as erased in the manifest)
 * and her own file, and nothing of her, nor of her e-mail, comes back in
 * the data or the vault. */
START_TEST(test_forget_survives_rerun)
{
    char *pol, *in, *o, *out, *err;
    erase_fixture(&pol, &in, &o);
    char *tj = token_of(pol, "phone", "07700 900123"), *tje = token_of(pol, "email", "jane@example.com");
    forget_jane(pol, o);
    char *after_forget = zstd_file(path2(o, "calls.csv.zst"), NULL);
    ck_assert_int_eq(RUN(NULL, &out, &err, "run", "--key", keyfile, "-p", pol, in, "-o", o), 0);
    ck_assert_ptr_nonnull(strstr(err, "calls.csv: 2 record(s) dropped: they hold a subject erased"));
    ck_assert_ptr_null(strstr(err, "900123"));
    free(out), free(err);
    char *data = zstd_file(path2(o, "calls.csv.zst"), NULL);
    ck_assert_str_eq(data, after_forget);
    free(data), free(after_forget);
    assert_nowhere(o, tj);
    assert_nowhere(o, tje);
    char *m = readfile(path2(o, "manifest.json"), NULL);
    ck_assert_int_eq(totals_erased(m), 2);
    ck_assert_int_eq(mnum(m, "\"erasure_register\"", "records_erased"), 2);
    ck_assert_int_eq(mnum(m, "\"erasure_register\"", "files_erased"), 1);
    ck_assert_int_eq(mnum(m, "\"input\": \"calls.csv\"", "records_in"), 4);
    ck_assert_int_eq(mnum(m, "\"input\": \"calls.csv\"", "erased"), 2);
    ck_assert_int_eq(mnum(m, "\"vault\"", "entries"), 4);     /* Bob, Carol: phone and e-mail each */
    ck_assert_ptr_null(strstr(m, tj));
    free(m);
    /* the register holds neither her value nor her token */
    char *reg = readfile(path2(o, "erasure-register"), NULL);
    ck_assert_ptr_nonnull(reg);
    ck_assert_ptr_null(strstr(reg, "900123"));
    ck_assert_ptr_null(strstr(reg, tj));
    free(reg);
    /* a second forget of her: already erased, nothing changes */
    char *m1 = readfile(path2(o, "manifest.json"), NULL);
    ck_assert_int_eq(RUN(NULL, &out, &err, "forget", "--type", "phone", "--key", keyfile, "-p", pol, "07700 900123", o), 0);
    ck_assert_ptr_nonnull(strstr(err, "nothing of this subject"));
    free(out), free(err);
    char *m2 = readfile(path2(o, "manifest.json"), NULL);
    ck_assert_str_eq(m1, m2);
    free(m1), free(m2), free(tj), free(tje);
}
END_TEST

/* run → forget → rekey to epoch 1 → run --resume and a fresh run at epoch
 * 1: the register is epoch-independent, so Jane stays out under her new
 * tokens too (and the old ones are gone). A register that does not read,
 * or that another key made, stops the run before it writes (fail closed). */
START_TEST(test_forget_survives_rekey)
{
    char *pol, *in, *o, *out, *err;
    erase_fixture(&pol, &in, &o);
    char *pol1 = erase_policy("pol1.yaml", 1);
    char *tj0 = token_of(pol, "phone", "07700 900123"), *tj1 = token_of(pol1, "phone", "07700 900123");
    char *tje1 = token_of(pol1, "email", "jane@example.com"), *tb1 = token_of(pol1, "phone", "+1 212 555 0100");
    forget_jane(pol, o);
    ck_assert_int_eq(RUN(NULL, &out, &err, "rekey", "--from-epoch", "0", "--to-epoch", "1", "--secret-key",
                         path2(tmp, "ctrl.sec"), "--key", keyfile, "-p", pol, o), 0);
    free(out), free(err);
    for (int fresh = 0; fresh < 2; fresh++) {
        if (fresh)
            ck_assert_int_eq(RUN(NULL, &out, &err, "run", "--key", keyfile, "-p", pol1, in, "-o", o), 0);
        else
            ck_assert_int_eq(RUN(NULL, &out, &err, "run", "--resume", "--key", keyfile, "-p", pol1, in, "-o", o), 0);
        ck_assert_ptr_nonnull(strstr(err, "calls.csv: 2 record(s) dropped: they hold a subject erased"));
        free(out), free(err);
        assert_nowhere(o, tj0);
        assert_nowhere(o, tj1);
        assert_nowhere(o, tje1);
        char *data = zstd_file(path2(o, "calls.csv.zst"), NULL);
        ck_assert_ptr_nonnull(strstr(data, tb1));
        free(data);
        char *m = readfile(path2(o, "manifest.json"), NULL);
        ck_assert_int_eq(totals_erased(m), 2);
        ck_assert_int_eq(mnum(m, "\"erasure_register\"", "files_erased"), 1);
        free(m);
    }
    /* another key: the register cannot be honoured, nothing is written */
    char *other = path2(tmp, "other.key");
    const char hex2[] = "1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100\n";
    writefile(other, hex2, strlen(hex2), 0600);
    char *m0 = readfile(path2(o, "manifest.json"), NULL);
    ck_assert_int_eq(RUN(NULL, &out, &err, "run", "--key", other, "-p", pol1, in, "-o", o), 2);
    ck_assert_ptr_nonnull(strstr(err, "belongs to another key or tenant"));
    free(out), free(err);
    /* --overwrite does not get past it: nothing of the dataset is removed */
    ck_assert_int_eq(RUN(NULL, &out, &err, "run", "--key", other, "-p", pol1, "--overwrite", in, "-o", o), 2);
    ck_assert_ptr_nonnull(strstr(err, "belongs to another key or tenant"));
    {
        char *m1 = readfile(path2(o, "manifest.json"), NULL);
        ck_assert_ptr_nonnull(m1);
        free(m1);
    }
    free(out), free(err);
    /* a damaged register: refused too */
    size_t rn = 0;
    char *reg = readfile(path2(o, "erasure-register"), &rn);
    char *bad = strdup(reg);
    char *line2 = strchr(bad, '\n') + 1;
    line2[strlen("phone ")] ^= 1;
    writefile(path2(o, "erasure-register"), bad, rn, 0644);
    ck_assert_int_eq(RUN(NULL, &out, &err, "run", "--key", keyfile, "-p", pol1, in, "-o", o), 2);
    ck_assert_ptr_nonnull(strstr(err, "is damaged"));
    free(out), free(err);
    char *m1 = readfile(path2(o, "manifest.json"), NULL);
    ck_assert_str_eq(m0, m1);
    writefile(path2(o, "erasure-register"), reg, rn, 0644);
    free(reg), free(bad), free(m0), free(m1);
    free(tj0), free(tj1), free(tje1), free(tb1);
}
END_TEST

/* keygen --controller, reveal, find, forget, rekey through the binary. */
START_TEST(test_privacy_commands)
{
    char *out, *err;
    char *ctrl = path2(tmp, "ctrl"), *other = path2(tmp, "other");
    ck_assert_int_eq(RUN(NULL, &out, &err, "keygen", "--controller", "-o", ctrl), 0);
    ck_assert_ptr_nonnull(strstr(err, "ctrl.pub"));
    free(out), free(err);
    struct stat st;
    ck_assert_int_eq(stat(path2(tmp, "ctrl.pub"), &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0644);
    ck_assert_int_eq(stat(path2(tmp, "ctrl.sec"), &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    char *sec0 = readfile(path2(tmp, "ctrl.sec"), NULL);
    ck_assert_int_eq(RUN(NULL, &out, &err, "keygen", "--controller", "-o", ctrl), 2);   /* never overwrites */
    free(out), free(err);
    char *sec1 = readfile(path2(tmp, "ctrl.sec"), NULL);
    ck_assert_str_eq(sec0, sec1);
    free(sec0), free(sec1);
    ck_assert_int_eq(RUN(NULL, &out, &err, "keygen", "--controller", "-o", other), 0);
    free(out), free(err);

    char *pol = path2(tmp, "pol.yaml"), *in = path2(tmp, "in"), *o = path2(tmp, "out");
    char y[512];
    snprintf(y, sizeof y, "version: 1\nregion: GB\nvault: {public_key: %s/ctrl.pub}\ninputs:\n"
                          "  - match: \"*.csv\"\n    format: csv\n"
                          "    fields: {id: keep, caller: {token: phone}, note: scan, \"*\": drop}\n", tmp);
    writefile(pol, y, strlen(y), 0644);
    mkdir(in, 0755);
    const char *c = "id,caller,note\n1,07700 900123,hi\n2,+1 212 555 0100,call 07700 900123\n3,+1 212 555 0100,x\n";
    writefile(path2(in, "calls.csv"), c, strlen(c), 0644);
    ck_assert_int_eq(RUN(NULL, &out, &err, "run", "-q", "--key", keyfile, "-p", pol, in, "-o", o), 0);
    free(out), free(err);
    char *ta, *tb;
    ck_assert_int_eq(RUN(NULL, &ta, &err, "token", "--type", "phone", "--key", keyfile, "-p", pol, "07700 900123"), 0);
    free(err);
    ck_assert_int_eq(RUN(NULL, &tb, &err, "token", "--type", "phone", "--key", keyfile, "-p", pol, "+12125550100"), 0);
    free(err);
    ta[strcspn(ta, "\n")] = '\0';
    tb[strcspn(tb, "\n")] = '\0';
    ck_assert_str_eq(ta, "phone:dy5f1p34khbqe2kv");

    /* reveal: exit 0 and the values; the wrong key: exit 2, nothing on stdout */
    char *vault = path2(o, "vault.zst"), want[256];
    ck_assert_int_eq(RUN(NULL, &out, &err, "reveal", "--vault", vault, "--secret-key", path2(tmp, "ctrl.sec"), "--key",
                         keyfile, "-p", pol, tb, ta), 0);
    snprintf(want, sizeof want, "%s\t+12125550100\n%s\t+447700900123\n", tb, ta);
    ck_assert_str_eq(out, want);
    free(out), free(err);
    ck_assert_int_eq(RUN(NULL, &out, &err, "reveal", "--vault", vault, "--secret-key", path2(tmp, "other.sec"), "--key",
                         keyfile, "-p", pol, ta), 2);
    ck_assert_str_eq(out, "");
    ck_assert_ptr_nonnull(strstr(err, "does not open with this secret key"));
    ck_assert_ptr_null(strstr(err, "447700900123"));
    free(out), free(err);
    ck_assert_int_eq(RUN(NULL, &out, &err, "reveal", "--vault", vault, "--key", keyfile, "-p", pol, ta), 1);   /* no --secret-key */
    ck_assert_str_eq(out, "");
    free(out), free(err);
    ck_assert_int_eq(RUN(NULL, &out, &err, "reveal", "--vault", vault, "--secret-key", path2(tmp, "ctrl.sec"), "-p",
                         pol, ta), 2);   /* no master key: nothing to check the values against */
    ck_assert_str_eq(out, "");
    ck_assert_ptr_nonnull(strstr(err, "no key"));
    free(out), free(err);

    /* an entry sealed with the public key (anyone who has it can): exit 2,
     * the token named, nothing printed; the vault restored, all is well */
    size_t vn0 = 0;
    char *v0 = readfile(vault, &vn0);
    forge_entry(vault, path2(tmp, "ctrl.pub"), ta, "+447700900999");
    ck_assert_int_eq(RUN(NULL, &out, &err, "reveal", "--vault", vault, "--secret-key", path2(tmp, "ctrl.sec"), "--key",
                         keyfile, "-p", pol, ta), 2);
    ck_assert_str_eq(out, "");
    ck_assert_ptr_nonnull(strstr(err, ta));
    ck_assert_ptr_null(strstr(err, "900999"));
    free(out), free(err);
    forge_entry(vault, path2(tmp, "ctrl.pub"), "phone:0123456789abcdef", "+447700900999");
    ck_assert_int_eq(RUN(NULL, &out, &err, "reveal", "--vault", vault, "--secret-key", path2(tmp, "ctrl.sec"), "--key",
                         keyfile, "-p", pol, "phone:0123456789abcdef"), 2);
    ck_assert_str_eq(out, "");
    ck_assert_ptr_nonnull(strstr(err, "phone:0123456789abcdef: forged or invalid vault entry"));
    free(out), free(err);
    writefile(vault, v0, vn0, 0644);
    free(v0);

    /* find */
    ck_assert_int_eq(RUN(NULL, &out, &err, "find", "--type", "phone", "--key", keyfile, "-p", pol, "+44 7700 900123", o), 0);
    ck_assert_str_eq(out, "calls.csv.zst\t2\ncalls.csv.zst\t3\n");
    ck_assert_ptr_nonnull(strstr(err, "2 record(s)"));
    free(out), free(err);
    ck_assert_int_eq(RUN(NULL, &out, &err, "find", "--key", keyfile, "-p", pol, "07700 900123", o), 1);   /* no --type */
    free(out), free(err);

    /* forget, twice */
    ck_assert_int_eq(RUN(NULL, &out, &err, "forget", "--type", "phone", "--key", keyfile, "-p", pol, "07700 900123", o), 0);
    ck_assert_ptr_nonnull(strstr(err, "2 record(s) removed, 0 token(s) replaced, 1 vault entry removed (0 of them "
                                      "other tokens that only the deleted records held), 1 file(s) rewritten"));
    ck_assert_ptr_null(strstr(err, "900123"));
    free(out), free(err);
    size_t n;
    char *data = zstd_file(path2(o, "calls.csv.zst"), &n);
    snprintf(want, sizeof want, "id,caller,note\n3,%s,x\n", tb);
    ck_assert_str_eq(data, want);
    free(data);
    char *m1 = readfile(path2(o, "manifest.json"), NULL);
    ck_assert_int_eq(RUN(NULL, &out, &err, "forget", "--type", "phone", "--key", keyfile, "-p", pol, "07700 900123", o), 0);
    ck_assert_ptr_nonnull(strstr(err, "nothing of this subject"));
    free(out), free(err);
    char *m2 = readfile(path2(o, "manifest.json"), NULL);
    ck_assert_str_eq(m1, m2);
    free(m1), free(m2);
    ck_assert_int_eq(RUN(NULL, &out, &err, "reveal", "--vault", vault, "--secret-key", path2(tmp, "ctrl.sec"), "--key",
                         keyfile, "-p", pol, ta), 2);
    ck_assert_str_eq(out, "");
    ck_assert_ptr_nonnull(strstr(err, "not in the vault"));
    free(out), free(err);

    /* forget by two identifiers at once, into a second copy of the dataset:
     * every record of either goes, one history entry; a --type without its
     * VALUE is a usage error */
    char *o2 = path2(tmp, "out2");
    ck_assert_int_eq(RUN(NULL, &out, &err, "run", "-q", "--key", keyfile, "-p", pol, in, "-o", o2), 0);
    free(out), free(err);
    ck_assert_int_eq(RUN(NULL, &out, &err, "forget", "--type", "phone", "--type", "phone", "--key", keyfile, "-p", pol,
                         "07700 900123", o2), 1);
    free(out), free(err);
    ck_assert_int_eq(RUN(NULL, &out, &err, "forget", "--type", "phone", "07700 900123", "--type", "phone",
                         "+1 212 555 0100", "--key", keyfile, "-p", pol, o2), 0);
    ck_assert_ptr_nonnull(strstr(err, "3 record(s) removed, 0 token(s) replaced, 2 vault entries removed"));
    ck_assert_ptr_null(strstr(err, "900123"));
    ck_assert_ptr_null(strstr(err, "555"));
    free(out), free(err);
    data = zstd_file(path2(o2, "calls.csv.zst"), &n);
    ck_assert_str_eq(data, "id,caller,note\n");
    free(data);
    m1 = readfile(path2(o2, "manifest.json"), NULL);
    snprintf(want, sizeof want, "{\"op\": \"forget\", \"tokens\": [\"%s\", \"%s\"], ", ta, tb);
    ck_assert_ptr_nonnull(strstr(m1, want));
    free(m1);

    /* rekey: usage errors exit 1; then it works */
    const char *sk = path2(tmp, "ctrl.sec");
    ck_assert_int_eq(RUN(NULL, &out, &err, "rekey", "--from-epoch", "0", "--to-epoch", "1", "--key", keyfile, o), 1);
    free(out), free(err);
    ck_assert_int_eq(RUN(NULL, &out, &err, "rekey", "--from-epoch", "0", "--secret-key", sk, "--key", keyfile, o), 1);
    free(out), free(err);
    ck_assert_int_eq(RUN(NULL, &out, &err, "rekey", "--from-epoch", "-1", "--to-epoch", "1", "--secret-key", sk, o), 1);
    ck_assert_ptr_nonnull(strstr(err, "non-negative integer"));
    free(out), free(err);
    ck_assert_int_eq(RUN(NULL, &out, &err, "rekey", "--from-epoch", "0", "--to-epoch", "x", "--secret-key", sk, o), 1);
    free(out), free(err);
    ck_assert_int_eq(RUN(NULL, &out, &err, "rekey", "--from-epoch", "0", "--to-epoch", "1", "--secret-key", sk), 1);
    free(out), free(err);
    ck_assert_int_eq(RUN(NULL, &out, &err, "rekey", "--from-epoch", "0", "--to-epoch", "1", "--secret-key", sk,
                         "--key", keyfile, "-p", pol, o), 0);
    ck_assert_ptr_nonnull(strstr(err, "set `epoch: 1`"));
    free(out), free(err);
    {   /* the manifest's top-level epoch is the new one (issue 11, item 9) */
        char *man = readfile(path2(o, "manifest.json"), NULL);
        ck_assert_ptr_nonnull(strstr(man, ", \"epoch\": 1, \"region\""));
        ck_assert_ptr_null(strstr(man, ", \"epoch\": 0, \"region\""));
        free(man);
    }
    ck_assert_int_eq(RUN(NULL, &out, &err, "reveal", "--vault", vault, "--secret-key", sk, "--key", keyfile, "-p", pol,
                         tb), 2);   /* the policy's epoch 0: the dataset is at 1 */
    ck_assert_ptr_nonnull(strstr(err, "is at epoch 1, not 0"));
    free(out), free(err);
    ck_assert_int_eq(RUN(NULL, &out, &err, "reveal", "--vault", vault, "--secret-key", sk, "--key", keyfile, "-p", pol,
                         "--epoch", "1", tb), 2);   /* old token */
    ck_assert_ptr_nonnull(strstr(err, "not in the vault"));
    free(out), free(err);
    data = zstd_file(path2(o, "calls.csv.zst"), &n);
    ck_assert_ptr_null(strstr(data, tb));
    char *tok1 = strstr(data, "phone:");
    ck_assert_ptr_nonnull(tok1);
    tok1[22] = '\0';
    ck_assert_int_eq(RUN(NULL, &out, &err, "reveal", "--vault", vault, "--secret-key", sk, "--key", keyfile, "-p", pol,
                         "--epoch", "1", tok1), 0);
    snprintf(want, sizeof want, "%s\t+12125550100\n", tok1);
    ck_assert_str_eq(out, want);
    free(out), free(err);
    free(data), free(ta), free(tb);

    /* help for each command */
    const char *cmds[] = { "find", "forget", "reveal", "rekey", "keygen" };
    for (size_t i = 0; i < 5; i++) {
        ck_assert_int_eq(RUN(NULL, &out, &err, "help", cmds[i]), 0);
        char u[64];
        snprintf(u, sizeof u, "usage: callveil %s", cmds[i]);
        ck_assert_ptr_nonnull(strstr(out, u));
        free(out), free(err);
        ck_assert_int_eq(RUN(NULL, &out, &err, cmds[i], "--help"), 0);
        ck_assert_ptr_nonnull(strstr(out, u));
        free(out), free(err);
    }
}
END_TEST

/* issue 8 items 3 and 15: identifiers in JSON member names and CSV header
 * names are replaced (the token `callveil token` prints), names stay unique,
 * at any -j; duplicate names are refused with their location, never their
 * content; under run, a CSV file with a duplicate header fails alone. */
START_TEST(test_member_names)
{
    char *out, *err, *tok;
    ck_assert_int_eq(RUN(NULL, &tok, &err, "token", "--type", "phone", "--key", keyfile, "+447700900123"), 0);
    free(err);
    ck_assert_uint_eq(strlen(tok), strlen("phone:") + 16 + 1);
    tok[strlen(tok) - 1] = '\0';
    char want[512];

    char *j = path2(tmp, "names.jsonl");
    const char *jd = "{\"contacts\":{\"+447700900123\":\"mobile\",\"07700 900123\":\"home\"}}\n"
                     "{\"id\":1,\"07700900123\":{\"n\":2}}\n";
    writefile(j, jd, strlen(jd), 0644);
    snprintf(want, sizeof want, "{\"contacts\":{\"[%s]\":\"mobile\",\"[%s]#2\":\"home\"}}\n{\"id\":1,\"[%s]\":{\"n\":2}}\n",
             tok, tok, tok);
    const char *js[] = { "1", "2" };
    for (size_t i = 0; i < 2; i++) {
        ck_assert_int_eq(RUN(j, &out, &err, "filter", "--format", "jsonl", "--key", keyfile, "-j", js[i]), 0);
        ck_assert_str_eq(out, want);
        free(out), free(err);
    }

    char *c = path2(tmp, "names.csv");
    const char *cd = "id,+447700900123,body\n1,x,call 07700 900123\n";
    writefile(c, cd, strlen(cd), 0644);
    snprintf(want, sizeof want, "id,[%s],body\n1,x,call [%s]\n", tok, tok);
    ck_assert_int_eq(RUN(c, &out, &err, "filter", "--format", "csv", "--key", keyfile), 0);
    ck_assert_str_eq(out, want);
    free(out), free(err);

    /* a dataset: no identifier of a name in the output or the manifest */
    char *in = path2(tmp, "in");
    mkdir(in, 0755);
    writefile(path2(in, "chats.jsonl"), jd, strlen(jd), 0644);
    writefile(path2(in, "sms.csv"), cd, strlen(cd), 0644);
    char *o = path2(tmp, "out");
    ck_assert_int_eq(RUN(NULL, &out, &err, "run", "-q", "--key", keyfile, in, "-o", o), 0);
    ck_assert_ptr_null(strstr(err, "900123"));
    free(out), free(err);
    size_t n;
    char *m = readfile(path2(o, "manifest.json"), NULL);
    ck_assert_ptr_null(strstr(m, "900123"));
    free(m);
    char *z = zstd_file(path2(o, "sms.csv.zst"), &n);
    ck_assert_ptr_nonnull(z);
    snprintf(want, sizeof want, "id,[%s],body\n", tok);
    ck_assert_uint_ge(n, strlen(want));
    ck_assert_mem_eq(z, want, strlen(want));
    free(z);
    z = zstd_file(path2(o, "chats.jsonl.zst"), &n);
    ck_assert_ptr_null(strstr(z, "900123"));
    free(z);

    /* a duplicate member name: the record is rejected (exit 3), located, its content not shown */
    char *d = path2(tmp, "dup.jsonl");
    const char *dd = "{\"text\":\"ok\"}\n{\"text\":\"hi\",\"text\":\"SECRETVALUE 07700900123\"}\n";
    writefile(d, dd, strlen(dd), 0644);
    ck_assert_int_eq(RUN(d, &out, &err, "filter", "--format", "jsonl", "--key", keyfile), 3);
    ck_assert_str_eq(out, "{\"text\":\"ok\"}\n");
    ck_assert_ptr_nonnull(strstr(err, "stdin: line 2, byte 27: record rejected: duplicate member name in an object"));
    ck_assert_ptr_null(strstr(err, "SECRETVALUE"));
    ck_assert_ptr_null(strstr(err, "900123"));
    free(out), free(err);

    /* a duplicate CSV header name: the stream fails as a malformed header
     * does (exit 3), nothing written */
    char *dc = path2(tmp, "dup.csv");
    const char *dcd = "id,note,note\n1,SECRETVALUE,07700900123\n";
    writefile(dc, dcd, strlen(dcd), 0644);
    ck_assert_int_eq(RUN(dc, &out, &err, "filter", "--format", "csv", "--key", keyfile), 3);
    ck_assert_str_eq(out, "");
    ck_assert_ptr_nonnull(strstr(err, "stdin: line 1, byte 8: duplicate column name in the header"));
    ck_assert_ptr_null(strstr(err, "SECRETVALUE"));
    free(out), free(err);

    /* under run the file fails alone; the manifest says why, never what */
    writefile(path2(in, "dup.csv"), dcd, strlen(dcd), 0644);
    char *o2 = path2(tmp, "out2");
    ck_assert_int_eq(RUN(NULL, &out, &err, "run", "-q", "--key", keyfile, in, "-o", o2), 3);
    ck_assert_ptr_nonnull(strstr(err, "dup.csv: line 1, byte 8: duplicate column name in the header"));
    ck_assert_ptr_null(strstr(err, "SECRETVALUE"));
    free(out), free(err);
    m = readfile(path2(o2, "manifest.json"), NULL);
    ck_assert_ptr_nonnull(strstr(m, "duplicate column name in the header"));
    ck_assert_ptr_null(strstr(m, "SECRETVALUE"));
    ck_assert_ptr_null(strstr(m, "900123"));
    free(m);
    z = zstd_file(path2(o2, "sms.csv.zst"), &n);
    ck_assert_ptr_nonnull(z);
    free(z);
    free(tok);
}
END_TEST

/* ---- issue 11: first contact, batch jobs, CLI conventions ------------------ */

static int count_lines_with(const char *s, const char *needle)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle)) n++;
    return n;
}

START_TEST(test_cli_usage_conventions)
{
    char *out, *err, *ver;
    /* a missing -o / --format / input: one line saying so, then the short usage */
    ck_assert_int_eq(RUN(NULL, &out, &err, "run", path2(src, "samples")), 1);
    ck_assert_ptr_nonnull(strstr(err, "callveil: error: missing -o OUTDIR"));
    ck_assert_ptr_nonnull(strstr(err, "usage: callveil run"));
    ck_assert_ptr_null(strstr(err, "--zstd-level"));          /* the short usage, not the whole help */
    ck_assert_int_eq(count_lines_with(err, "error:"), 1);
    free(out), free(err);
    ck_assert_int_eq(RUN(NULL, &out, &err, "run", "-o", path2(tmp, "o")), 1);
    ck_assert_ptr_nonnull(strstr(err, "missing INPUT"));
    free(out), free(err);
    ck_assert_int_eq(RUN(NULL, &out, &err, "filter", "--key", keyfile), 1);
    ck_assert_ptr_nonnull(strstr(err, "missing --format"));
    ck_assert_ptr_nonnull(strstr(err, "usage: callveil filter"));
    free(out), free(err);
    ck_assert_int_eq(RUN(NULL, &out, &err, "risk", "--quasi", "a", "--enforce-k", "5", path2(tmp, "x.csv")), 1);
    ck_assert_ptr_nonnull(strstr(err, "needs -o OUT"));
    free(out), free(err);
    ck_assert_int_eq(RUN(NULL, &out, &err, "risk", "--quasi", "a", "--format", "parquet", path2(src, "samples/sms.csv")), 1);
    ck_assert_ptr_nonnull(strstr(err, "unknown format"));
    free(out), free(err);
    /* -V is the version */
    ck_assert_int_eq(RUN(NULL, &ver, &err, "version"), 0);
    free(err);
    ck_assert_int_eq(RUN(NULL, &out, &err, "-V"), 0);
    ck_assert_str_eq(out, ver);
    ck_assert_ptr_nonnull(strstr(out, "callveil 0."));
    free(out), free(err), free(ver);
    /* '-' (stdin) is refused by run, scan and risk, saying what to use */
    ck_assert_int_eq(RUN(NULL, &out, &err, "run", "--key", keyfile, "-", "-o", path2(tmp, "o")), 1);
    ck_assert_ptr_nonnull(strstr(err, "does not read stdin"));
    ck_assert_int_eq(access(path2(tmp, "o"), F_OK), -1);      /* nothing made */
    free(out), free(err);
    ck_assert_int_eq(RUN(NULL, &out, &err, "scan", "-"), 1);
    ck_assert_ptr_nonnull(strstr(err, "filter"));
    free(out), free(err);
    ck_assert_int_eq(RUN(NULL, &out, &err, "risk", "--quasi", "a", "-"), 1);
    ck_assert_ptr_nonnull(strstr(err, "stdin"));
    free(out), free(err);
    /* keygen -o - is refused, and no file named '-' appears */
    ck_assert_int_eq(RUN(NULL, &out, &err, "keygen", "-o", "-"), 1);
    ck_assert_ptr_nonnull(strstr(err, "standard output"));
    ck_assert_uint_eq(strlen(out), 0);
    ck_assert_int_eq(access("-", F_OK), -1);
    free(out), free(err);
}
END_TEST

START_TEST(test_keygen_makes_parent_0700)
{
    char *out, *err;
    struct stat st;
    const char *dir = path2(tmp, "etc-callveil"), *key = path2(dir, "acme.key");
    ck_assert_int_eq(RUN(NULL, &out, &err, "keygen", "-o", key), 0);
    ck_assert_int_eq(stat(dir, &st), 0);
    ck_assert_msg((st.st_mode & 07777) == 0700, "parent mode %o", (unsigned)(st.st_mode & 07777));
    ck_assert_int_eq(stat(key, &st), 0);
    ck_assert_uint_eq(st.st_mode & 07777, 0600);
    free(out), free(err);
    /* only the last component: a deeper missing path says mkdir -p */
    const char *deep = path2(tmp, "no/such/dir/acme.key");
    ck_assert_int_eq(RUN(NULL, &out, &err, "keygen", "-o", deep), 2);
    ck_assert_ptr_nonnull(strstr(err, "mkdir -p"));
    ck_assert_int_eq(access(path2(tmp, "no"), F_OK), -1);
    free(out), free(err);
}
END_TEST

START_TEST(test_key_inside_input_refused)
{
    char *out, *err;
    const char *in = path2(tmp, "data"), *o = path2(tmp, "o");
    mkdir(in, 0700);
    mkdir(path2(in, "keys"), 0700);
    const char *line = "{\"id\": 1, \"text\": \"hello\"}\n";
    writefile(path2(in, "a.jsonl"), line, strlen(line), 0644);
    const char *key = path2(in, "keys/acme.key");
    writefile(key, KEYHEX, strlen(KEYHEX), 0600);
    ck_assert_int_eq(RUN(NULL, &out, &err, "run", "--key", key, in, "-o", o), 2);
    ck_assert_ptr_nonnull(strstr(err, "lies inside the input"));
    ck_assert_int_eq(access(path2(o, "manifest.json"), F_OK), -1);
    free(out), free(err);
    /* the same through the policy's key: */
    char pol[512];
    snprintf(pol, sizeof pol, "version: 1\ntenant: t\nkey: %s\ninputs:\n  - match: \"*.jsonl\"\n    format: jsonl\n"
                              "    fields: {\"*\": keep}\n", key);
    const char *pp = path2(tmp, "p.yaml");
    writefile(pp, pol, strlen(pol), 0644);
    ck_assert_int_eq(RUN(NULL, &out, &err, "run", "-p", pp, in, "-o", o), 2);
    ck_assert_ptr_nonnull(strstr(err, "lies inside the input"));
    free(out), free(err);
    /* a key apart from the data is fine */
    ck_assert_int_eq(RUN(NULL, &out, &err, "run", "-q", "--key", keyfile, path2(in, "a.jsonl"), "-o", o), 0);
    free(out), free(err);
}
END_TEST

/* A policy taking only *.jsonl with field ts generalised to the hour. */
static const char *hour_policy(void)
{
    static const char pol[] = "version: 1\ntenant: t\ninputs:\n  - match: \"*.jsonl\"\n    format: jsonl\n"
                              "    fields: {id: keep, ts: {generalise: hour}, \"*\": drop}\n";
    const char *pp = path2(tmp, "hour.yaml");
    writefile(pp, pol, strlen(pol), 0644);
    return pp;
}

START_TEST(test_run_no_input_matched_exit_2)
{
    char *out, *err;
    const char *in = path2(tmp, "data"), *pp = hour_policy();
    mkdir(in, 0700);
    writefile(path2(in, "calls.csv"), "a,b\n1,2\n", 8, 0644);
    ck_assert_int_eq(RUN(NULL, &out, &err, "run", "--key", keyfile, "-p", pp, in, "-o", path2(tmp, "o")), 2);
    ck_assert_ptr_nonnull(strstr(err, "no input file was processed: 1 file(s) skipped"));
    free(out), free(err);
    /* an empty directory too */
    mkdir(path2(tmp, "empty"), 0700);
    ck_assert_int_eq(RUN(NULL, &out, &err, "run", "--key", keyfile, "-p", pp, path2(tmp, "empty"), "-o",
                         path2(tmp, "o2")), 2);
    free(out), free(err);
}
END_TEST

START_TEST(test_warnings_quiet_verbose)
{
    char *out, *err;
    const char *in = path2(tmp, "data"), *pp = hour_policy();
    mkdir(in, 0700);
    const char *rec = "{\"id\": 1, \"ts\": \"Zebedee-Quux\"}\n{\"id\": 2, \"ts\": \"2026-11-02T10:22:03Z\"}\n";
    writefile(path2(in, "a.jsonl"), rec, strlen(rec), 0644);
    /* an unreadable generalise value: warned with its count, never the value */
    ck_assert_int_eq(RUN(NULL, &out, &err, "run", "--key", keyfile, "-p", pp, in, "-o", path2(tmp, "o")), 0);
    ck_assert_ptr_nonnull(strstr(err, "warning: 1 value(s) a generalise action could not read"));
    ck_assert_ptr_null(strstr(err, "Zebedee"));
    ck_assert_ptr_null(strstr(err, "a.jsonl: done"));          /* no per-file line without -v */
    free(out), free(err);
    /* -v: a line per file; -q: no warning at all (nor the no-key one) */
    ck_assert_int_eq(RUN(NULL, &out, &err, "run", "-v", "--key", keyfile, "-p", pp, in, "-o", path2(tmp, "o2")), 0);
    ck_assert_ptr_nonnull(strstr(err, "a.jsonl: done; 2 records in, 2 written"));
    free(out), free(err);
    ck_assert_int_eq(RUN(NULL, &out, &err, "run", "-q", "-p", pp, in, "-o", path2(tmp, "o3")), 0);
    ck_assert_str_eq(err, "");
    free(out), free(err);
    ck_assert_int_eq(RUN(NULL, &out, &err, "run", "-p", pp, in, "-o", path2(tmp, "o4")), 0);
    ck_assert_ptr_nonnull(strstr(err, "one-off key"));
    free(out), free(err);
}
END_TEST

START_TEST(test_all_dropped_warned)
{
    char *out, *err;
    const char *in = path2(tmp, "data");
    mkdir(in, 0700);
    const char *rec = "{\"id\": 1, \"at\": \"2001-01-01\"}\n{\"id\": 2, \"at\": \"2002-02-02\"}\n";
    writefile(path2(in, "a.jsonl"), rec, strlen(rec), 0644);
    static const char pol[] = "version: 1\ntenant: t\nretention: {field: at, max_age: 1 years}\ninputs:\n"
                              "  - match: \"*.jsonl\"\n    format: jsonl\n    fields: {\"*\": keep}\n";
    const char *pp = path2(tmp, "ret.yaml");
    writefile(pp, pol, strlen(pol), 0644);
    ck_assert_int_eq(RUN(NULL, &out, &err, "run", "--key", keyfile, "-p", pp, "--as-of", "2026-12-01", in, "-o",
                         path2(tmp, "o")), 0);
    ck_assert_ptr_nonnull(strstr(err, "warning: all 2 records were dropped"));
    free(out), free(err);
}
END_TEST

START_TEST(test_filter_needs_key)
{
    char *out, *err;
    const char *in = path2(path2(src, "samples"), "chats.jsonl");
    ck_assert_int_eq(RUN(in, &out, &err, "filter", "--format", "jsonl"), 2);
    ck_assert_ptr_nonnull(strstr(err, "--ephemeral-key"));
    ck_assert_uint_eq(strlen(out), 0);
    free(out), free(err);
    ck_assert_int_eq(RUN(in, &out, &err, "filter", "--format", "jsonl", "--ephemeral-key"), 0);
    ck_assert_uint_gt(strlen(out), 0);
    free(out), free(err);
}
END_TEST

START_TEST(test_max_rejects)
{
    char *out, *err;
    const char *in = path2(tmp, "data"), *pp = hour_policy();
    mkdir(in, 0700);
    /* 1 of 4 records is not JSON */
    const char *rec = "{\"id\": 1}\n{\"id\": 2}\n{not json at all\n{\"id\": 4}\n";
    writefile(path2(in, "a.jsonl"), rec, strlen(rec), 0644);
    ck_assert_int_eq(RUN(NULL, &out, &err, "run", "--key", keyfile, "-p", pp, in, "-o", path2(tmp, "o1")), 3);
    free(out), free(err);
    ck_assert_int_eq(RUN(NULL, &out, &err, "run", "--max-rejects", "1", "--key", keyfile, "-p", pp, in, "-o",
                         path2(tmp, "o2")), 0);
    ck_assert_ptr_nonnull(strstr(err, "1 of 4 records rejected, within --max-rejects 1"));
    ck_assert_ptr_null(strstr(err, "not json"));
    free(out), free(err);
    ck_assert_int_eq(RUN(NULL, &out, &err, "run", "--max-rejects", "0", "--key", keyfile, "-p", pp, in, "-o",
                         path2(tmp, "o3")), 3);
    ck_assert_ptr_nonnull(strstr(err, "more than --max-rejects 0"));
    free(out), free(err);
    /* a share: 25% tolerated, 20% not */
    const char *file = path2(in, "a.jsonl");
    ck_assert_int_eq(RUN(file, &out, &err, "filter", "--format", "jsonl", "--key", keyfile, "-p", pp,
                         "--max-rejects", "25%"), 0);
    free(out), free(err);
    ck_assert_int_eq(RUN(file, &out, &err, "filter", "--format", "jsonl", "--key", keyfile, "-p", pp,
                         "--max-rejects", "20%"), 3);
    free(out), free(err);
    ck_assert_int_eq(RUN(NULL, &out, &err, "run", "--max-rejects", "lots", in, "-o", path2(tmp, "o4")), 1);
    free(out), free(err);
}
END_TEST

/* gzip: `gzip -c` of the sample (Debian's gzip is Essential) read by run and
 * filter gives the plain input's output byte for byte; concatenated members
 * too; a cut member is exit 3; bzip2 and xz are named. */
START_TEST(test_gzip_round_trip)
{
    char *out, *err, *plain, *gz, cmd[1024];
    size_t pn, gn;
    const char *chats = path2(src, "samples/chats.jsonl"), *gzf = path2(tmp, "chats.jsonl.gz");
    snprintf(cmd, sizeof cmd, "gzip -c '%s' > '%s' && gzip -c '%s' '%s' > '%s/twice.jsonl.gz'", chats, gzf, chats,
             chats, tmp);
    ck_assert_int_eq(system(cmd), 0);
    ck_assert_int_eq(RUN(chats, &plain, &err, "filter", "--format", "jsonl", "--key", keyfile), 0);
    free(err);
    ck_assert_int_eq(RUN(gzf, &gz, &err, "filter", "--format", "jsonl", "--key", keyfile), 0);
    free(err);
    pn = strlen(plain), gn = strlen(gz);
    ck_assert_uint_gt(pn, 1000);
    ck_assert_uint_eq(pn, gn);
    ck_assert_int_eq(memcmp(plain, gz, pn), 0);
    free(gz);
    ck_assert_int_eq(RUN(path2(tmp, "twice.jsonl.gz"), &gz, &err, "filter", "--format", "jsonl", "--key", keyfile), 0);
    ck_assert_uint_eq(strlen(gz), 2 * pn);
    free(gz), free(err);
    /* run: a .gz input, its format from the name under .gz, output NAME.zst */
    const char *in = path2(tmp, "in"), *o = path2(tmp, "o");
    mkdir(in, 0700);
    snprintf(cmd, sizeof cmd, "cp '%s' '%s/chats.jsonl.gz'", gzf, in);
    ck_assert_int_eq(system(cmd), 0);
    ck_assert_int_eq(RUN(NULL, &out, &err, "run", "-q", "--key", keyfile, in, "-o", o), 0);
    free(out), free(err);
    size_t zn;
    char *z = readfile(path2(o, "chats.jsonl.zst"), &zn);
    ck_assert_ptr_nonnull(z);
    unsigned long long dn = ZSTD_getFrameContentSize(z, zn);
    ck_assert(dn != ZSTD_CONTENTSIZE_ERROR);
    free(z);
    snprintf(cmd, sizeof cmd, "zstd -dqc '%s/chats.jsonl.zst' | cmp -s - '%s/stdout.plain'", o, tmp);
    writefile(path2(tmp, "stdout.plain"), plain, pn, 0644);
    ck_assert_int_eq(system(cmd), 0);
    /* cut short: exit 3, located, named */
    size_t n = 0;
    char *g = readfile(gzf, &n);
    writefile(path2(tmp, "cut.gz"), g, n / 2, 0644);
    free(g);
    ck_assert_int_eq(RUN(path2(tmp, "cut.gz"), &out, &err, "filter", "--format", "jsonl", "--key", keyfile), 3);
    ck_assert_ptr_nonnull(strstr(err, "truncated gzip stream"));
    free(out), free(err);
    /* other compressions are named, by magic number */
    writefile(path2(tmp, "x.bz2"), "BZh91AY&SY\x01\x02", 12, 0644);
    ck_assert_int_eq(RUN(path2(tmp, "x.bz2"), &out, &err, "filter", "--format", "jsonl", "--key", keyfile), 3);
    ck_assert_ptr_nonnull(strstr(err, "bzip2-compressed"));
    free(out), free(err);
    writefile(path2(tmp, "x.xz"), "\xfd" "7zXZ\0\0\x04", 8, 0644);
    ck_assert_int_eq(RUN(path2(tmp, "x.xz"), &out, &err, "filter", "--format", "jsonl", "--key", keyfile), 3);
    ck_assert_ptr_nonnull(strstr(err, "xz-compressed"));
    free(out), free(err);
    free(plain);
}
END_TEST

START_TEST(test_risk_enforce_messages)
{
    char *out, *err;
    const char *csv = path2(tmp, "d.csv");
    const char *rows = "q,s\na,1\nb,2\nc,3\nd,4\n";
    writefile(csv, rows, strlen(rows), 0644);
    /* the output directory does not exist: named before any pass */
    ck_assert_int_eq(RUN(NULL, &out, &err, "risk", "--quasi", "q", "--enforce-k", "5", "-o",
                         path2(tmp, "safe/x.csv"), csv), 2);
    ck_assert_ptr_nonnull(strstr(err, "does not exist"));
    ck_assert_ptr_null(strstr(err, "cvtmp"));
    free(out), free(err);
    /* every record suppressed: warned with the counts */
    mkdir(path2(tmp, "safe"), 0700);
    ck_assert_int_eq(RUN(NULL, &out, &err, "risk", "--quasi", "q", "--enforce-k", "5", "-o",
                         path2(tmp, "safe/x.csv"), csv), 0);
    ck_assert_ptr_nonnull(strstr(err, "warning: k >= 5 suppressed all 4 records (4 classes)"));
    free(out), free(err);
    /* --min-keep: too few kept is exit 3 */
    ck_assert_int_eq(RUN(NULL, &out, &err, "risk", "--quasi", "q", "--enforce-k", "5", "--min-keep", "1", "-o",
                         path2(tmp, "safe/y.csv"), csv), 3);
    ck_assert_ptr_nonnull(strstr(err, "fewer than --min-keep 1"));
    free(out), free(err);
    ck_assert_int_eq(RUN(NULL, &out, &err, "risk", "--quasi", "s", "--enforce-k", "1", "--min-keep", "100%", "-o",
                         path2(tmp, "safe/z.csv"), csv), 0);
    free(out), free(err);
}
END_TEST

START_TEST(test_run_refuses_other_dataset)
{
    char *out, *err;
    const char *in = path2(tmp, "data"), *o = path2(tmp, "o"), *pp = hour_policy();
    mkdir(in, 0700);
    const char *rec = "{\"id\": 1, \"ts\": \"2026-11-02T10:22:03Z\"}\n";
    writefile(path2(in, "a.jsonl"), rec, strlen(rec), 0644);
    writefile(path2(in, "b.jsonl"), rec, strlen(rec), 0644);
    ck_assert_int_eq(RUN(NULL, &out, &err, "run", "-q", "--key", keyfile, "-p", pp, in, "-o", o), 0);
    free(out), free(err);
    size_t m1n;
    char *m1 = readfile(path2(o, "manifest.json"), &m1n);
    /* the same key and policy again: a rerun, as before */
    ck_assert_int_eq(RUN(NULL, &out, &err, "run", "-q", "--key", keyfile, "-p", pp, in, "-o", o), 0);
    free(out), free(err);
    /* another key, another policy, a one-off key: refused, nothing changed */
    static const char k2[] = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100\n";
    const char *key2 = path2(tmp, "k2");
    writefile(key2, k2, strlen(k2), 0600);
    unlink(path2(in, "b.jsonl"));
    ck_assert_int_eq(RUN(NULL, &out, &err, "run", "-q", "--key", key2, "-p", pp, in, "-o", o), 2);
    ck_assert_ptr_nonnull(strstr(err, "another key"));
    ck_assert_ptr_nonnull(strstr(err, "--overwrite"));
    free(out), free(err);
    static const char pol2[] = "version: 1\ntenant: t\ninputs:\n  - match: \"*.jsonl\"\n    format: jsonl\n"
                               "    fields: {id: keep, \"*\": drop}\n";
    const char *pp2 = path2(tmp, "p2.yaml");
    writefile(pp2, pol2, strlen(pol2), 0644);
    ck_assert_int_eq(RUN(NULL, &out, &err, "run", "-q", "--key", keyfile, "-p", pp2, in, "-o", o), 2);
    ck_assert_ptr_nonnull(strstr(err, "another policy"));
    free(out), free(err);
    ck_assert_int_eq(RUN(NULL, &out, &err, "run", "-q", "-p", pp, in, "-o", o), 2);
    ck_assert_ptr_nonnull(strstr(err, "another key"));
    free(out), free(err);
    size_t m2n;
    char *m2 = readfile(path2(o, "manifest.json"), &m2n);
    ck_assert_uint_eq(m1n, m2n);   /* the same dataset (created times aside, its size) */
    ck_assert_int_eq(access(path2(o, "b.jsonl.zst"), F_OK), 0);
    free(m1), free(m2);
    /* --overwrite replaces it whole: b.jsonl.zst, which the new run does not
     * make, is gone, and the manifest names the new key */
    ck_assert_int_eq(RUN(NULL, &out, &err, "run", "--overwrite", "--key", key2, "-p", pp, in, "-o", o), 0);
    ck_assert_ptr_nonnull(strstr(err, "--overwrite"));
    free(out), free(err);
    ck_assert_int_eq(access(path2(o, "b.jsonl.zst"), F_OK), -1);
    ck_assert_int_eq(access(path2(o, "a.jsonl.zst"), F_OK), 0);
    ck_assert_int_eq(RUN(NULL, &out, &err, "run", "-q", "--key", key2, "-p", pp, in, "-o", o), 0);   /* now ours */
    free(out), free(err);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cli");
    TCase *tc = tcase_create("e2e");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_usage_and_help);
    tcase_add_test(tc, test_keygen_and_key_permissions);
    tcase_add_test(tc, test_token_command);
    tcase_add_test(tc, test_samples_golden);
    tcase_add_test(tc, test_no_raw_identifiers_in_outputs);
    tcase_add_test(tc, test_bad_input_exit_3_no_content);
    tcase_add_test(tc, test_bad_policy_and_check_policy);
    tcase_add_test(tc, test_filter_zstd_and_ephemeral_warning);
    tcase_add_test(tc, test_scan_writes_nothing);
    tcase_add_test(tc, test_national_id_schemes_counted);
    tcase_add_test(tc, test_resume);
    tcase_add_test(tc, test_file_names_sanitised);
    tcase_add_test(tc, test_recording_names_join_cdr);
    tcase_add_test(tc, test_agents_join_across_cdr_and_chat);
    tcase_add_test(tc, test_policy_warnings);
    tcase_add_test(tc, test_scan_explain);
    tcase_add_test(tc, test_explain_name_read_again);
    tcase_add_test(tc, test_filter_header_shards);
    tcase_add_test(tc, test_corrupt_file_fails_alone);
    tcase_add_test(tc, test_privacy_commands);
    tcase_add_test(tc, test_member_names);
    tcase_add_test(tc, test_forget_survives_resume);
    tcase_add_test(tc, test_forget_survives_rerun);
    tcase_add_test(tc, test_forget_survives_rekey);
    tcase_add_test(tc, test_cli_usage_conventions);
    tcase_add_test(tc, test_keygen_makes_parent_0700);
    tcase_add_test(tc, test_key_inside_input_refused);
    tcase_add_test(tc, test_run_no_input_matched_exit_2);
    tcase_add_test(tc, test_warnings_quiet_verbose);
    tcase_add_test(tc, test_all_dropped_warned);
    tcase_add_test(tc, test_filter_needs_key);
    tcase_add_test(tc, test_max_rejects);
    tcase_add_test(tc, test_gzip_round_trip);
    tcase_add_test(tc, test_risk_enforce_messages);
    tcase_add_test(tc, test_run_refuses_other_dataset);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
