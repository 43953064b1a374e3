/*
 * check_policy.c - unit tests of the policy loader (pipeline/policy.c) and
 * the glob matcher (pipeline/glob.c): the embedded default, the sample
 * policy, every validation error with its line, check() diagnostics, key
 * path resolution, the policy hash and glob semantics.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "pipeline/policy.h"

static cv_ctx *ctx;

static void setup(void)
{
    ctx = cv_ctx_create();
    ck_assert_ptr_nonnull(ctx);
}

static void teardown(void)
{
    cv_ctx_free(ctx);
    ctx = NULL;
}

static const cv_field_rule *field(const cv_input_rule *in, const char *path)
{
    for (size_t i = 0; i < in->nfields; i++)
        if (strcmp(in->fields[i].path, path) == 0) return &in->fields[i];
    return NULL;
}

static cv_policy *load_text(const char *text)
{
    cv_policy *p = NULL;
    int rc = cv_policy_load_mem(ctx, "t.yaml", text, strlen(text), &p);
    ck_assert_msg(rc == 0, "load failed: %s", cv_ctx_error(ctx));
    ck_assert_ptr_nonnull(p);
    return p;
}

static char *write_temp(const char *dir, const char *name, const char *text, size_t len)
{
    char *path = malloc(strlen(dir) + strlen(name) + 2);
    ck_assert_ptr_nonnull(path);
    sprintf(path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(text, 1, len, f), len);
    fclose(f);
    return path;
}

/* ---- the embedded default ---------------------------------------------- */

START_TEST(test_default_policy)
{
    cv_policy *p = NULL;
    ck_assert_int_eq(cv_policy_load(ctx, NULL, &p), 0);
    ck_assert_int_eq(p->version, 1);
    ck_assert_str_eq(p->name, "<default>");
    ck_assert_str_eq(cv_policy_tenant(p), "default");
    ck_assert_ptr_null(cv_policy_key_path(p));
    /* every locale served, GB first (default_policy.yaml says why) */
    static const char *const more[] = { "IE", "IT", "US", "ES", "PT", "FR", "NL", "DE", "BR" };
    ck_assert_str_eq(p->dopts.region, "GB");
    ck_assert_uint_eq(p->dopts.nmore, 9);
    for (unsigned i = 0; i < 9; i++) ck_assert_str_eq(p->dopts.more[i], more[i]);
    ck_assert_uint_eq(p->epoch, 0);

    static const struct { int e; int kind; const char *dom; } want[] = {
        { CV_ENT_PHONE, CV_ACT_TOKEN, "phone" }, { CV_ENT_EMAIL, CV_ACT_TOKEN, "email" },
        { CV_ENT_IP, CV_ACT_TOKEN, "ip" },       { CV_ENT_PERSON, CV_ACT_TOKEN, "person" },
        { CV_ENT_CARD, CV_ACT_MASK, "card" },    { CV_ENT_IBAN, CV_ACT_REDACT, "iban" },
        { CV_ENT_NINO, CV_ACT_REDACT, "nino" },  { CV_ENT_SSN, CV_ACT_REDACT, "ssn" },
        { CV_ENT_DOB, CV_ACT_REDACT, "dob" },
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        const cv_action *a = &p->entities[want[i].e];
        ck_assert_int_eq(a->kind, want[i].kind);
        ck_assert_int_eq(a->entity, want[i].e);
        ck_assert_str_eq(a->domain, want[i].dom);
        ck_assert_uint_eq(a->opts, 0);
    }

    ck_assert_uint_eq(p->ninputs, 8);
    static const char *const exts[] = { "wav", "flac", "mp3", "ogg", "opus", "m4a" };
    for (int i = 0; i < 6; i++) {
        char m[16];
        snprintf(m, sizeof m, "*.%s", exts[i]);
        ck_assert_str_eq(p->inputs[i].match, m);
        ck_assert_str_eq(p->inputs[i].format, "audio");
        ck_assert_str_eq(p->inputs[i].transcript, "{dir}/{stem}.json");
        ck_assert_uint_eq(p->inputs[i].audio.pad_ms, 200);
        ck_assert_uint_eq(p->inputs[i].audio.dtmf, 1);
        ck_assert_uint_eq(p->inputs[i].audio.voice, 1);        /* the default policy anonymises voices */
        ck_assert_uint_eq(p->inputs[i].audio.beep, 0);
        ck_assert_uint_eq(p->inputs[i].audio.nchannels, 0);    /* every channel */
    }
    const cv_input_rule *cdr = &p->inputs[6];
    ck_assert_str_eq(cdr->match, "Master.csv");
    ck_assert_str_eq(cdr->format, "asterisk-cdr");
    ck_assert_uint_eq(cdr->nfields, 18);
    ck_assert_int_eq(cdr->def.kind, CV_ACT_DROP);
    const cv_field_rule *r = field(cdr, "src");
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(r->act.kind, CV_ACT_TOKEN);
    ck_assert_int_eq(r->act.entity, CV_ENT_PHONE);
    ck_assert_str_eq(r->act.domain, "phone");
    r = field(cdr, "clid");
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(r->act.kind, CV_ACT_TOKEN);
    ck_assert_int_eq(r->act.entity, CV_ENT_PHONE);
    ck_assert_uint_eq(r->act.opts, CV_AOPT_CLID);
    ck_assert_str_eq(r->act.domain, "clid");
    r = field(cdr, "accountcode");
    ck_assert_int_eq(r->act.kind, CV_ACT_TOKEN);
    ck_assert_int_eq(r->act.entity, CV_ENT_ACCOUNT);   /* the entity now, same token domain */
    ck_assert_str_eq(r->act.domain, "account");
    r = field(cdr, "start");
    ck_assert_int_eq(r->act.kind, CV_ACT_GENERALISE);
    ck_assert_int_eq(r->act.gen, CV_GEN_HOUR);
    ck_assert_int_eq(field(cdr, "duration")->act.kind, CV_ACT_KEEP);
    ck_assert_int_eq(field(cdr, "lastdata")->act.kind, CV_ACT_SCAN);
    /* the rule's line is where "src:" stands in the embedded text */
    const char *txt = cv_policy_default_text(), *at = strstr(txt, "\n      src:");
    ck_assert_ptr_nonnull(at);
    int line = 2;
    for (const char *q = txt; q < at; q++) line += *q == '\n';
    ck_assert_int_eq(field(cdr, "src")->line, line);

    const cv_input_rule *any = &p->inputs[7];
    ck_assert_str_eq(any->match, "**");
    ck_assert_str_eq(any->format, "auto");
    ck_assert_int_eq(any->def.kind, CV_ACT_SCAN);
    r = field(any, "**.name");   /* names in structured fields, at any depth */
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(r->act.kind, CV_ACT_TOKEN);
    ck_assert_int_eq(r->act.entity, CV_ENT_PERSON);
    ck_assert_str_eq(r->act.domain, "person");
    ck_assert_ptr_null(field(any, "*"));

    ck_assert_ptr_eq(cvi_policy_input_for(p, "cdr/Master.csv", NULL), cdr);
    ck_assert_ptr_eq(cvi_policy_input_for(p, "Master.csv", "asterisk-cdr"), cdr);
    ck_assert_ptr_eq(cvi_policy_input_for(p, "cdr/Master.csv", "csv"), any);
    ck_assert_ptr_eq(cvi_policy_input_for(p, "chats/2024/a.jsonl", "jsonl"), any);

    const char *text = cv_policy_default_text();
    ck_assert_int_eq(strncmp(text, "# callveil embedded default policy", 34), 0);
    uint8_t h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)text, strlen(text), NULL, 0);
    ck_assert_mem_eq(h, p->hash, 32);
    cv_policy_free(p);
    cv_policy_free(NULL);
}
END_TEST

START_TEST(test_default_check_clean)
{
    ck_assert_int_eq(cv_policy_check(ctx, NULL, NULL, NULL), 0);
}
END_TEST

/* ---- samples/policy.yaml ----------------------------------------------- */

START_TEST(test_sample_policy)
{
    const char *src = getenv("CV_SRC");
    ck_assert_msg(src != NULL, "CV_SRC must name the source directory");
    char path[4096], key[4096];
    snprintf(path, sizeof path, "%s/samples/policy.yaml", src);
    snprintf(key, sizeof key, "/etc/callveil/acme.key");   /* absolute: never inside samples/, the data */
    cv_policy *p = NULL;
    ck_assert_msg(cv_policy_load(ctx, path, &p) == 0, "%s", cv_ctx_error(ctx));
    ck_assert_int_eq(cv_policy_check(ctx, path, NULL, NULL), 0);
    ck_assert_str_eq(cv_policy_tenant(p), "acme");
    ck_assert_str_eq(cv_policy_key_path(p), key);
    ck_assert_str_eq(p->dopts.region, "GB");
    ck_assert_uint_eq(p->entities[CV_ENT_PHONE].opts, CV_AOPT_KEEP_CC);
    ck_assert_uint_eq(p->entities[CV_ENT_EMAIL].opts, CV_AOPT_KEEP_DOMAIN);
    ck_assert_int_eq(p->entities[CV_ENT_IP].kind, CV_ACT_KEEP);
    ck_assert_int_eq(p->entities[CV_ENT_CARD].kind, CV_ACT_MASK);
    ck_assert_uint_eq(p->ninputs, 5);

    const cv_input_rule *call = cvi_policy_input_for(p, "calls/customer_call.wav", NULL);
    ck_assert_ptr_eq(call, &p->inputs[0]);
    ck_assert_str_eq(call->format, "audio");
    ck_assert_str_eq(call->transcript, "{dir}/{stem}.json");
    ck_assert_uint_eq(call->audio.beep, 1);
    ck_assert_uint_eq(call->audio.pad_ms, 200);
    ck_assert_uint_eq(call->audio.dtmf, 1);
    ck_assert_uint_eq(call->audio.voice, 1);
    ck_assert_int_eq(call->audio.transcript_required, 1);
    ck_assert_uint_eq(call->audio.nchannels, 2);
    ck_assert_str_eq(call->audio.channels[0], "agent");
    ck_assert_str_eq(call->audio.channels[1], "customer");

    const cv_input_rule *chat = cvi_policy_input_for(p, "chats.jsonl", "jsonl");
    ck_assert_ptr_eq(chat, &p->inputs[1]);
    const cv_field_rule *r = field(chat, "customer.phone");
    ck_assert_int_eq(r->act.kind, CV_ACT_TOKEN);
    ck_assert_int_eq(r->act.entity, CV_ENT_PHONE);
    ck_assert_uint_eq(r->act.opts & CV_AOPT_KEEP_CC, 0);       /* the code goes beside the token */
    ck_assert_str_eq(r->act.cc_column, "phone_country");
    r = field(chat, "customer.email");
    ck_assert_uint_eq(r->act.opts, CV_AOPT_KEEP_DOMAIN);
    ck_assert_str_eq(r->act.domain, "email");
    r = field(chat, "agent.id");
    ck_assert_int_eq(r->act.kind, CV_ACT_TOKEN);
    ck_assert_int_eq(r->act.entity, -1);
    ck_assert_str_eq(r->act.domain, "agent_id");
    ck_assert_int_eq(field(chat, "agent.name")->act.entity, CV_ENT_PERSON);
    r = field(chat, "wait_s");
    ck_assert_int_eq(r->act.kind, CV_ACT_GENERALISE);
    ck_assert_int_eq(r->act.gen, CV_GEN_BANDS);
    ck_assert_uint_eq(r->act.nbands, 5);
    ck_assert_uint_eq(r->act.bands[0], 30);
    ck_assert_uint_eq(r->act.bands[4], 600);
    ck_assert_int_eq(field(chat, "messages[].ts")->act.gen, CV_GEN_WEEKDAY_HOUR);
    ck_assert_int_eq(field(chat, "started_at")->act.gen, CV_GEN_HOUR);
    ck_assert_int_eq(field(chat, "messages[].text")->act.kind, CV_ACT_SCAN);
    ck_assert_int_eq(field(chat, "tags[]")->act.kind, CV_ACT_KEEP);
    ck_assert_ptr_null(field(chat, "*"));
    ck_assert_int_eq(chat->def.kind, CV_ACT_DROP);

    const cv_input_rule *sms = cvi_policy_input_for(p, "sms.csv", NULL);
    ck_assert_ptr_eq(sms, &p->inputs[2]);
    ck_assert_str_eq(sms->format, "csv");
    r = field(sms, "id");
    ck_assert_int_eq(r->act.kind, CV_ACT_REDACT);
    ck_assert_str_eq(r->act.domain, "sms_id");
    ck_assert_int_eq(field(sms, "sent_at")->act.gen, CV_GEN_DAY);
    ck_assert_int_eq(field(sms, "from")->act.kind, CV_ACT_MASK);
    ck_assert_ptr_null(field(sms, "from")->act.domain);
    ck_assert_int_eq(field(sms, "body")->act.kind, CV_ACT_SCAN);

    const cv_input_rule *cdr = cvi_policy_input_for(p, "cdr/Master.csv", "asterisk-cdr");
    ck_assert_ptr_eq(cdr, &p->inputs[3]);
    r = field(cdr, "duration");
    ck_assert_int_eq(r->act.gen, CV_GEN_BANDS);
    ck_assert_uint_eq(r->act.nbands, 6);
    ck_assert_uint_eq(r->act.bands[5], 1800);
    ck_assert_uint_eq(field(cdr, "clid")->act.opts, CV_AOPT_CLID);
    ck_assert_int_eq(field(cdr, "start")->act.gen, CV_GEN_WEEK);
    r = field(cdr, "accountcode");
    ck_assert_int_eq(r->act.kind, CV_ACT_MASK);
    ck_assert_str_eq(r->act.domain, "account");
    ck_assert_int_eq(field(cdr, "lastdata")->act.kind, CV_ACT_REDACT);
    /* the rule is for cdr/Master.csv only, not any Master.csv */
    ck_assert_ptr_eq(cvi_policy_input_for(p, "other/Master.csv", NULL), &p->inputs[4]);
    ck_assert_ptr_eq(cvi_policy_input_for(p, "notes.txt", NULL), &p->inputs[4]);
    cv_policy_free(p);
}
END_TEST

/* ---- errors, one per case ---------------------------------------------- */

#define HEAD "version: 1\n"
#define IN1 "inputs:\n  - match: \"*.jsonl\"\n    fields:\n"

static const struct bad_case {
    const char *text;
    int line;
    const char *msg;
} bad[] = {
    { "tenant: a\ninputs: [{match: x, fields: {}}]\n", 1, "missing 'version'" },
    { "version: 2\n" IN1 "      a: keep\n", 1, "'version' must be 1" },
    { "version: \"1\"\n" IN1 "      a: keep\n", 1, "'version' must be 1" },
    { HEAD "tenant: a b\n" IN1 "      a: keep\n", 2, "'tenant' must be 1-64 characters" },
    { HEAD "tenant: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n" IN1 "      a: keep\n", 2,
      "'tenant' must be" },
    { HEAD "region: XX\n" IN1 "      a: keep\n", 2, "'region' must be a country code (ISO 3166 alpha-2, e.g. GB)" },
    { HEAD "region: GBR\n" IN1 "      a: keep\n", 2, "'GBR' is not one" },
    { HEAD "region: [GB, IE, gb]\n" IN1 "      a: keep\n", 2, "'gb' is not one" },
    { HEAD "region: []\n" IN1 "      a: keep\n", 2, "'region' must be a country code" },
    { HEAD "region: [GB, IE, US, IT, DE, FR, ES, NL, PT, BR, CA, AU, NZ, ZA, IN, SG, JP]\n" IN1 "      a: keep\n", 2,
      "at most 16" },
    { HEAD "region: {GB: 1}\n" IN1 "      a: keep\n", 2, "'region' must be a country code" },
    { HEAD IN1 "      a: keep\n    region: [ES, XY]\n", 6, "'XY' is not one" },
    { HEAD IN1 "      a: keep\n    region_field: \"\"\n", 6, "'region_field' must be the path of a field" },
    { HEAD "epoch: -1\n" IN1 "      a: keep\n", 2, "'epoch' must be a non-negative integer" },
    { HEAD "epoch: \"3\"\n" IN1 "      a: keep\n", 2, "'epoch' must be a non-negative integer" },
    { HEAD "epoch: 18446744073709551616\n" IN1 "      a: keep\n", 2, "'epoch' must be a non-negative integer" },
    { HEAD "key: \"\"\n" IN1 "      a: keep\n", 2, "'key' must be a non-empty path" },
    { HEAD IN1 "      a: keep\nretention: {max_age: 84 months}\n", 6,
      "retention needs 'field': the record's timestamp field" },
    { HEAD IN1 "      a: keep\nretention: {field: a, max_age: 84 moons}\n", 6, "'84 moons' is not an age" },
    { HEAD IN1 "      a: keep\nretention: {field: a, max_age: 0 days}\n", 6, "'0 days' is not an age" },
    { HEAD IN1 "      a: keep\nretention: {field: a}\n", 6, "retention needs 'max_age' or 'classes'" },
    { HEAD IN1 "      a: keep\nretention: {field: a, classes: {contact: {fields: [b]}}}\n", 6,
      "retention class without 'max_age'" },
    { HEAD IN1 "      a: keep\nretention: {field: a, keep: 1}\n", 6, "unknown key 'keep' in retention" },
    { HEAD "vault: {public_key: x, secret_key: y}\n" IN1 "      a: keep\n", 2, "unknown key 'secret_key' in vault" },
    { HEAD "vault: x\n" IN1 "      a: keep\n", 2, "'vault' needs {public_key: FILE}" },
    { HEAD "erasure: delete\n" IN1 "      a: keep\n", 2, "'erasure' must be drop" },
    { HEAD IN1 "      a: {token: email, country_column: cc}\n", 5, "'country_column' applies only to {token: phone}" },
    { HEAD IN1 "      a: {token: phone, country_column: a.b}\n", 5, "'country_column' must be a plain column name" },
    { HEAD IN1 "      a: {token: phone, area_code: true}\n", 5, "'area_code' (true or false) goes with 'country_column'" },
    { HEAD IN1 "      a: {shift_days: 30}\n", 5, "'shift_days' and 'subject' go together" },
    { HEAD IN1 "      a: {shift_days: 0, subject: b}\n", 5, "'shift_days' must be a whole number of days" },
    { HEAD IN1 "      a: {token: phone, shift_days: 3, subject: b}\n", 5, "'shift_days' applies to timestamps" },
    { HEAD IN1 "      a: {generalise: duration, shift_days: 3, subject: b}\n", 5, "not durations" },
    { HEAD "as_of: 2024-01-01\n" IN1 "      a: keep\n", 2, "'as_of' is not supported" },
    { HEAD "foo: 1\n" IN1 "      a: keep\n", 2, "unknown key 'foo'" },
    { HEAD "tenant: a\ntenant: b\n" IN1 "      a: keep\n", 3, "duplicate key 'tenant'" },
    { HEAD "entities: [phone]\n" IN1 "      a: keep\n", 2, "'entities' must be a mapping" },
    { HEAD "entities:\n  phone: token\n  passport: redact\n" IN1 "      a: keep\n", 4,
      "unknown entity 'passport' (expected phone, email" },
    { HEAD "entities:\n  phone: drop\n" IN1 "      a: keep\n", 3, "'drop' is not valid for an entity" },
    { HEAD "entities:\n  email: scan\n" IN1 "      a: keep\n", 3, "'scan' is not valid for an entity" },
    { HEAD "entities:\n  email: tokenise\n" IN1 "      a: keep\n", 3, "unknown entity action 'tokenise'" },
    { HEAD "entities:\n  phone: {action: token,\n    keep_domain: true}\n" IN1 "      a: keep\n", 4,
      "'keep_domain' applies only to email" },
    { HEAD "entities:\n  phone: {action: mask, keep_country_code: true}\n" IN1 "      a: keep\n", 3,
      "'keep_country_code' needs action token" },
    { HEAD "entities:\n  phone: {keep_country_code: true}\n" IN1 "      a: keep\n", 3, "missing 'action'" },
    { HEAD "entities:\n  phone: token\n  phone: mask\n" IN1 "      a: keep\n", 4, "duplicate key 'phone'" },
    { HEAD "inputs: {match: x}\n", 2, "'inputs' must be a list" },
    { HEAD "inputs: []\n", 2, "'inputs' must not be empty" },
    { HEAD "tenant: a\n", 1, "missing 'inputs'" },
    { HEAD "inputs:\n  - fields: {a: keep}\n", 3, "missing 'match'" },
    { HEAD "inputs:\n  - match: x\n", 3, "missing 'fields'" },
    { HEAD "inputs:\n  - x\n", 3, "each entry of 'inputs' must be a mapping" },
    { HEAD "inputs:\n  - match: \"\"\n    fields: {}\n", 3, "'match' must be a non-empty glob" },
    { HEAD "inputs:\n  - match: x\n    format: xml\n    fields: {}\n", 4,
      "unknown format 'xml' (expected jsonl, csv, asterisk-cdr, audio, auto)" },
    { HEAD "inputs:\n  - match: x\n    transcript: \"{dir}/{stem}.json\"\n    fields: {}\n", 3,
      "'transcript' and 'audio' apply only to inputs with format: audio" },
    { HEAD "inputs:\n  - match: x\n    audio: {spoken: beep}\n    fields: {}\n", 3,
      "'transcript' and 'audio' apply only to inputs with format: audio" },
    { HEAD "inputs:\n  - match: x\n    format: audio\n    audio: {spoken: shout}\n", 5, "'spoken' must be silence or beep" },
    { HEAD "inputs:\n  - match: x\n    format: audio\n    audio: {pad_ms: 9000}\n", 5, "'pad_ms' must be 0 to 5000" },
    { HEAD "inputs:\n  - match: x\n    format: audio\n    audio: {dtmf: beep}\n", 5, "'dtmf' must be mute or off" },
    { HEAD "inputs:\n  - match: x\n    format: audio\n    audio: {voice: off}\n", 5, "'voice' must be anonymise or keep" },
    { HEAD "inputs:\n  - match: x\n    format: audio\n    audio: {metadata: keep}\n", 5, "'metadata' must be strip" },
    { HEAD "inputs:\n  - match: x\n    format: audio\n    audio: {digit_run: 1}\n", 5, "'digit_run' must be 0 (off) or 2 to 64" },
    { HEAD "inputs:\n  - match: x\n    format: audio\n    audio: {volume: 3}\n", 5, "unknown key 'volume' in audio" },
    { HEAD "inputs:\n  - match: x\n    format: audio\n    audio: {pad_ms: 1, pad_ms: 2}\n", 5, "duplicate key 'pad_ms'" },
    { HEAD "inputs:\n  - match: x\n    format: audio\n    audio: {channels: []}\n", 5,
      "'channels' must be a list of 1 to 64 speaker names" },
    { HEAD "inputs:\n  - match: x\n    format: audio\n    audio: {channels: agent}\n", 5,
      "'channels' must be a list of 1 to 64 speaker names" },
    { HEAD "inputs:\n  - match: x\n    format: audio\n    audio:\n      channels: [agent, customer, agent]\n", 6,
      "'channels' names one speaker twice (entries 1 and 3)" },
    { HEAD "inputs:\n  - match: x\n    format: audio\n    audio: {channels: [agent, [x]]}\n", 5, "invalid speaker name" },
    { HEAD "inputs:\n  - match: x\n    risk: {quasi: [a], quasi: [b]}\n    fields: {a: keep}\n", 4, "duplicate key 'quasi'" },
    { HEAD "inputs:\n  - match: x\n    risk: {quasi: []}\n    fields: {a: keep}\n", 4, "'quasi' must be a list of 1 to 32" },
    { HEAD IN1 "      a: keep\nretention: {field: a, classes: {c: {max_age: 1 day, max_age: 2 days, fields: [a]}}}\n", 6,
      "duplicate key 'max_age'" },
    { HEAD "inputs:\n  - match: x\n    fields: [a]\n", 4, "'fields' must be a mapping" },
    { HEAD IN1 "      a: keep\n      b: token\n", 6, "token needs a type, e.g. {token: phone}" },
    { HEAD IN1 "      a: tokenise\n", 5,
      "unknown action 'tokenise' (expected keep, drop, scan, token, redact, mask, generalise)" },
    { HEAD IN1 "      a: generalise\n", 5, "generalise needs a unit" },
    { HEAD IN1 "      a: [keep]\n", 5, "a field action must be a name or a mapping" },
    { HEAD IN1 "      a: {token: Bad-Type}\n", 5, "invalid type 'Bad-Type' for token" },
    { HEAD IN1 "      a: {token: abcdefghijabcdefghijabcdefghijabc}\n", 5, "invalid type" },
    { HEAD IN1 "      a: {token: \"\"}\n", 5, "'token' needs a type" },
    { HEAD IN1 "      a: {mask: 1x}\n", 5, "invalid type '1x' for mask" },
    { HEAD IN1 "      a: {token: email, keep_country_code: true}\n", 5,
      "'keep_country_code' applies only to {token: phone} or {token: clid}" },
    { HEAD IN1 "      a: {token: phone, keep_domain: true}\n", 5, "'keep_domain' applies only to {token: email}" },
    { HEAD IN1 "      a: {token: phone, keep_country_code: yes please}\n", 5,
      "'keep_country_code' must be true or false" },
    { HEAD IN1 "      a: {generalise: fortnight}\n", 5,
      "unknown generalise unit 'fortnight' (expected hour, day, week, weekday_hour, month, quarter, year, duration)" },
    { HEAD IN1 "      a: {generalise: hour, bands_as: lower_bound}\n", 5,
      "'bands_as' applies only to {generalise: duration}" },
    { HEAD IN1 "      a: {generalise: duration, bands_as: midpoint}\n", 5,
      "unknown 'bands_as' value 'midpoint' (expected range or lower_bound)" },
    { HEAD IN1 "      a: {token: phone, country: combined}\n", 5, "'country' goes with 'keep_country_code: true'" },
    { HEAD IN1 "      a: {token: phone, keep_country_code: true, country: inline}\n", 5,
      "unknown country form 'inline' (expected column or combined)" },
    { HEAD IN1 "      a: {token: clid, keep_country_code: true, country: column}\n", 5,
      "a caller id keeps its country code in the token: 'country: combined'" },
    { HEAD "inputs:\n  - match: x\n    format: csv\n    output: csv\n    fields: {a: keep}\n", 3,
      "'output' applies only to inputs with format: asterisk-cdr" },
    { HEAD "inputs:\n  - match: x\n    format: asterisk-cdr\n    output: parquet\n    fields: {a: keep}\n", 5,
      "unknown output 'parquet' (expected csv or asterisk-cdr)" },
    { HEAD IN1 "      a: {generalise: hour, bands: [10]}\n", 5, "'bands' applies only to {generalise: duration}" },
    { HEAD IN1 "      a:\n        generalise: duration\n        bands:\n          - 30\n          - 30\n", 9,
      "'bands' must be strictly ascending" },
    { HEAD IN1 "      a: {generalise: duration, bands: [0, 5]}\n", 5, "'bands' must be a list of positive integers" },
    { HEAD IN1 "      a: {generalise: duration, bands: [5, x]}\n", 5, "'bands' must be a list of positive integers" },
    { HEAD IN1 "      a: {generalise: duration, bands: 30}\n", 5, "'bands' must be a list of positive integers" },
    { HEAD IN1 "      a: {generalise: duration, bands: []}\n", 5, "'bands' must not be empty" },
    { HEAD IN1 "      a: {generalise: duration, bands: [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,"
      "21,22,23,24,25,26,27,28,29,30,31,32,33]}\n", 5, "'bands' holds at most 32 values" },
    { HEAD IN1 "      a: {token: phone, mask: card}\n", 5, "a field takes one action ('token' and 'mask')" },
    { HEAD IN1 "      a: {token: phone, token: email}\n", 5, "duplicate key 'token'" },
    { HEAD IN1 "      a: {token: phone, salt: x}\n", 5, "unknown key 'salt'" },
    { HEAD IN1 "      a: {keep_domain: true}\n", 5, "missing action (expected token, generalise, mask or redact)" },
    { HEAD IN1 "      a: keep\n      b: scan\n      a: drop\n", 7, "duplicate field 'a'" },
    { HEAD IN1 "      \"*\": drop\n      b: scan\n      \"*\": scan\n", 7, "duplicate field '*' (first at line 5)" },
    { HEAD IN1 "      \"a\\tb\": keep\n", 5, "invalid field path" },
    { HEAD IN1 "      \"\": keep\n", 5, "invalid field path" },
    { HEAD IN1 "      ? [a]\n      : keep\n", 5, "mapping keys must be plain strings" },
    { HEAD IN1 "      a: keep\n    fields: {}\n", 6, "duplicate key 'fields'" },
    { HEAD "inputs: [\n  {match: x, fields: {a: keep}\n", 4, "YAML syntax error" },
    { HEAD "inputs:\n  - match: x\n   fields: {}\n", 4, "YAML syntax error" },
    { HEAD "tenant: &t acme\n" IN1 "      a: keep\n", 2, "anchors and aliases are not supported" },
    { HEAD IN1 "      a: keep\n---\nversion: 1\n", 6, "a policy is a single YAML document" },
    { "", 1, "the policy is empty" },
    { "# only a comment\n", 1, "the policy is empty" },
    { "- version: 1\n", 1, "the policy must be a mapping" },
};

START_TEST(test_bad_policy)
{
    const struct bad_case *c = &bad[_i];
    cv_policy *p = (cv_policy *)1;
    int rc = cv_policy_load_mem(ctx, "t.yaml", c->text, strlen(c->text), &p);
    ck_assert_int_eq(rc, CV_EPOLICY);
    ck_assert_ptr_null(p);
    char prefix[32];
    snprintf(prefix, sizeof prefix, "t.yaml:%d: ", c->line);
    const char *err = cv_ctx_error(ctx);
    ck_assert_msg(strncmp(err, prefix, strlen(prefix)) == 0, "case %d: expected line %d, got \"%s\"", _i,
                  c->line, err);
    ck_assert_msg(strstr(err, c->msg) != NULL, "case %d: expected \"%s\" in \"%s\"", _i, c->msg, err);
}
END_TEST

/* Values are not echoed at length: a long wrong value is cut to 40 bytes. */
START_TEST(test_long_value_not_echoed)
{
    char text[512];
    char secret[201];
    memset(secret, 'q', 200);
    secret[200] = '\0';
    snprintf(text, sizeof text, HEAD IN1 "      a: %s\n", secret);
    cv_policy *p = NULL;
    ck_assert_int_eq(cv_policy_load_mem(ctx, "t.yaml", text, strlen(text), &p), CV_EPOLICY);
    const char *err = cv_ctx_error(ctx);
    ck_assert_ptr_nonnull(strstr(err, "unknown action '"));
    ck_assert_ptr_null(strstr(err, secret + 159));   /* 41 q's */
    ck_assert_ptr_nonnull(strstr(err, "qqq...'"));
}
END_TEST

START_TEST(test_too_large)
{
    size_t n = ((size_t)1 << 20) + 1;
    char *text = malloc(n);
    ck_assert_ptr_nonnull(text);
    memset(text, '#', n);
    memcpy(text, HEAD, strlen(HEAD));
    text[strlen(HEAD)] = '#';
    cv_policy *p = NULL;
    ck_assert_int_eq(cv_policy_load_mem(ctx, "big.yaml", text, n, &p), CV_EPOLICY);
    ck_assert_str_eq(cv_ctx_error(ctx), "big.yaml: the policy is larger than 1 MiB");

    char dir[] = "/tmp/cvpolXXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char *path = write_temp(dir, "big.yaml", text, n);
    ck_assert_int_eq(cv_policy_load(ctx, path, &p), CV_EPOLICY);
    ck_assert_ptr_nonnull(strstr(cv_ctx_error(ctx), "larger than 1 MiB"));
    ck_assert_ptr_null(p);
    unlink(path);
    rmdir(dir);
    free(path);
    free(text);
}
END_TEST

/* ---- check(): every problem, with its line ----------------------------- */

typedef struct diags {
    int n;
    int lines[16];
    char msgs[16][160];
} diags;

static void collect(void *ud, int line, const char *msg)
{
    diags *d = ud;
    if (d->n < 16) {
        d->lines[d->n] = line;
        snprintf(d->msgs[d->n], sizeof d->msgs[d->n], "%s", msg);
    }
    d->n++;
}

START_TEST(test_check_many)
{
    static const char text[] =
        "version: 1\n"                     /* 1 */
        "tenant: bad tenant\n"             /* 2 */
        "region: ZZ\n"                     /* 3 */
        "entities:\n"                      /* 4 */
        "  card: scan\n"                   /* 5 */
        "inputs:\n"                        /* 6 */
        "  - match: \"*.csv\"\n"           /* 7 */
        "    format: csv\n"                /* 8 */
        "    fields:\n"                    /* 9 */
        "      a: token\n"                 /* 10 */
        "      b: keep\n"                  /* 11 */
        "      c: {generalise: fortnight}\n" /* 12 */
        "retention: {max_age: 1 year}\n";  /* 13 */
    char dir[] = "/tmp/cvpolXXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char *path = write_temp(dir, "p.yaml", text, sizeof text - 1);
    diags d;
    memset(&d, 0, sizeof d);
    ck_assert_int_eq(cv_policy_check(ctx, path, collect, &d), 6);
    ck_assert_int_eq(d.n, 6);
    static const int lines[] = { 2, 3, 5, 10, 12, 13 };
    static const char *const msgs[] = { "'tenant' must be", "'region' must be", "'scan' is not valid",
                                        "token needs a type", "unknown generalise unit 'fortnight'",
                                        "retention needs 'field'" };
    for (int i = 0; i < 6; i++) {
        ck_assert_int_eq(d.lines[i], lines[i]);
        ck_assert_msg(strstr(d.msgs[i], msgs[i]) != NULL, "problem %d: \"%s\"", i, d.msgs[i]);
    }
    /* the context holds the first problem, with the file name */
    char want[4200];
    snprintf(want, sizeof want, "%s:2: ", path);
    ck_assert_int_eq(strncmp(cv_ctx_error(ctx), want, strlen(want)), 0);

    /* load stops at the same first problem */
    cv_policy *p = NULL;
    ck_assert_int_eq(cv_policy_load(ctx, path, &p), CV_EPOLICY);
    ck_assert_ptr_null(p);
    ck_assert_int_eq(strncmp(cv_ctx_error(ctx), want, strlen(want)), 0);
    unlink(path);
    free(path);

    /* a missing file is an I/O error, not a problem count */
    char missing[64];
    snprintf(missing, sizeof missing, "%s/none.yaml", dir);
    memset(&d, 0, sizeof d);
    ck_assert_int_eq(cv_policy_check(ctx, missing, collect, &d), CV_EIO);
    ck_assert_int_eq(d.n, 0);
    ck_assert_int_eq(cv_policy_load(ctx, missing, &p), CV_EIO);
    ck_assert_ptr_null(p);
    rmdir(dir);
}
END_TEST

/* A policy with duplicate fields and several errors inside one input. */
START_TEST(test_check_fields)
{
    static const char text[] =
        HEAD IN1
        "      x: keep\n"                            /* 5 */
        "      y: {token: phone, keep_domain: true}\n" /* 6 */
        "      x: drop\n"                            /* 7 */
        "  - match: y\n"                             /* 8 */
        "    format: parquet\n";                     /* 9 */
    char dir[] = "/tmp/cvpolXXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char *path = write_temp(dir, "p.yaml", text, sizeof text - 1);
    diags d;
    memset(&d, 0, sizeof d);
    ck_assert_int_eq(cv_policy_check(ctx, path, collect, &d), 4);
    ck_assert_int_eq(d.lines[0], 6);
    ck_assert_ptr_nonnull(strstr(d.msgs[0], "'keep_domain' applies only"));
    ck_assert_int_eq(d.lines[1], 7);
    ck_assert_ptr_nonnull(strstr(d.msgs[1], "duplicate field 'x'"));
    ck_assert_int_eq(d.lines[2], 9);
    ck_assert_ptr_nonnull(strstr(d.msgs[2], "unknown format 'parquet'"));
    ck_assert_int_eq(d.lines[3], 8);
    ck_assert_ptr_nonnull(strstr(d.msgs[3], "missing 'fields'"));
    unlink(path);
    free(path);
    rmdir(dir);
}
END_TEST

/* keep_country_code: the code in its own column (named after the field, or
 * country_column), "country: combined" for the token form; bands_as;
 * month/quarter/year; output: csv (issue 11, items 6-8). */
START_TEST(test_analyst_options)
{
    cv_policy *p = load_text(
        "version: 1\n"
        "inputs:\n"
        "  - match: \"*.jsonl\"\n"
        "    fields:\n"
        "      customer.phone: {token: phone, keep_country_code: true}\n"
        "      calls[].from: {token: phone, keep_country_code: true}\n"
        "      b: {token: phone, keep_country_code: true, country_column: cc}\n"
        "      c: {token: phone, keep_country_code: true, country: combined}\n"
        "      d: {token: phone, keep_country_code: true, country: column}\n"
        "      e: {token: clid, keep_country_code: true}\n"
        "      f: {generalise: duration, bands_as: lower_bound}\n"
        "      g: {generalise: duration, bands: [10, 20], bands_as: range}\n"
        "      h: {generalise: month}\n"
        "      i: {generalise: quarter}\n"
        "      j: {generalise: year}\n"
        "      \"*\": {token: phone, keep_country_code: true}\n"
        "  - match: \"Master.csv\"\n"
        "    format: asterisk-cdr\n"
        "    output: csv\n"
        "    fields: {src: {token: phone, keep_country_code: true}, \"*\": drop}\n"
        "  - match: \"old/Master.csv\"\n"
        "    format: asterisk-cdr\n"
        "    output: asterisk-cdr\n"
        "    fields: {\"*\": drop}\n");
    const cv_input_rule *in = &p->inputs[0];
    const cv_action *a = &field(in, "customer.phone")->act;
    ck_assert_str_eq(a->cc_column, "phone_country");
    ck_assert_uint_eq(a->opts & CV_AOPT_KEEP_CC, 0);
    ck_assert_str_eq(field(in, "calls[].from")->act.cc_column, "from_country");
    a = &field(in, "b")->act;
    ck_assert_str_eq(a->cc_column, "cc");
    ck_assert_uint_eq(a->opts & CV_AOPT_KEEP_CC, 0);
    a = &field(in, "c")->act;
    ck_assert_ptr_null(a->cc_column);
    ck_assert_uint_eq(a->opts & CV_AOPT_KEEP_CC, CV_AOPT_KEEP_CC);
    ck_assert_str_eq(field(in, "d")->act.cc_column, "d_country");
    a = &field(in, "e")->act;                    /* a caller id: combined, no column */
    ck_assert_ptr_null(a->cc_column);
    ck_assert_uint_eq(a->opts & CV_AOPT_KEEP_CC, CV_AOPT_KEEP_CC);
    a = &field(in, "f")->act;
    ck_assert_uint_eq(a->gen, CV_GEN_BANDS);
    ck_assert_uint_eq(a->opts & CV_AOPT_BANDS_LOWER, CV_AOPT_BANDS_LOWER);
    ck_assert_uint_eq(a->nbands, 6);             /* the default bands */
    a = &field(in, "g")->act;
    ck_assert_uint_eq(a->opts & CV_AOPT_BANDS_LOWER, 0);
    ck_assert_uint_eq(a->nbands, 2);
    ck_assert_uint_eq(field(in, "h")->act.gen, CV_GEN_MONTH);
    ck_assert_uint_eq(field(in, "i")->act.gen, CV_GEN_QUARTER);
    ck_assert_uint_eq(field(in, "j")->act.gen, CV_GEN_YEAR);
    ck_assert_str_eq(in->def.cc_column, "phone_country");
    ck_assert_int_eq(in->output_csv, 0);
    ck_assert_int_eq(p->inputs[1].output_csv, 1);
    ck_assert_str_eq(field(&p->inputs[1], "src")->act.cc_column, "src_country");
    ck_assert_int_eq(p->inputs[2].output_csv, 0);
    cv_policy_free(p);
}
END_TEST

/* ---- values ------------------------------------------------------------ */

START_TEST(test_values)
{
    cv_policy *p = load_text(
        "version: 1\n"
        "tenant: Acme-Corp_2.eu\n"
        "region: ie\n"
        "epoch: 18446744073709551615\n"
        "key: keys/k.key\n"
        "entities:\n"
        "  dob: keep\n"
        "  card: {action: redact}\n"
        "  phone: {action: token, keep_country_code: false}\n"
        "inputs:\n"
        "  - match: \"a/**\"\n"
        "    fields:\n"
        "      \"x.y\": {redact: card}\n"
        "      z: {mask: phone}\n"
        "      w: {token: customer_id}\n"
        "      v: {token: clid, keep_country_code: true}\n"
        "      u: {generalise: duration, bands: [1, 4294967295]}\n"
        "      t: {token: email, keep_domain: True}\n"
        "      \"Column Name (é)\": drop\n"
        "      \"*\": {token: person}\n"
        "domains: [customer_id]\n");
    ck_assert_str_eq(p->tenant, "Acme-Corp_2.eu");
    ck_assert_str_eq(p->dopts.region, "IE");
    ck_assert_uint_eq(p->epoch, UINT64_MAX);
    ck_assert_str_eq(p->key_path, "keys/k.key");   /* in memory: kept as written */
    ck_assert_int_eq(p->entities[CV_ENT_DOB].kind, CV_ACT_KEEP);
    ck_assert_int_eq(p->entities[CV_ENT_CARD].kind, CV_ACT_REDACT);
    ck_assert_int_eq(p->entities[CV_ENT_PHONE].kind, CV_ACT_TOKEN);
    ck_assert_uint_eq(p->entities[CV_ENT_PHONE].opts, 0);
    ck_assert_int_eq(p->entities[CV_ENT_SSN].kind, CV_ACT_REDACT);   /* default */
    const cv_input_rule *in = &p->inputs[0];
    ck_assert_str_eq(in->format, "auto");
    ck_assert_uint_eq(in->nfields, 7);
    ck_assert_str_eq(in->fields[0].path, "x.y");   /* written order kept */
    ck_assert_uint_eq(in->fields[0].path_len, 3);
    ck_assert_int_eq(in->fields[0].line, 13);
    ck_assert_int_eq(in->fields[0].act.kind, CV_ACT_REDACT);
    ck_assert_int_eq(in->fields[0].act.entity, CV_ENT_CARD);
    ck_assert_int_eq(field(in, "z")->act.entity, CV_ENT_PHONE);
    ck_assert_int_eq(field(in, "z")->act.kind, CV_ACT_MASK);
    ck_assert_int_eq(field(in, "w")->act.entity, -1);
    ck_assert_str_eq(field(in, "w")->act.domain, "customer_id");
    ck_assert_uint_eq(field(in, "v")->act.opts, CV_AOPT_CLID | CV_AOPT_KEEP_CC);
    ck_assert_uint_eq(field(in, "u")->act.nbands, 2);
    ck_assert_uint_eq(field(in, "u")->act.bands[1], 4294967295u);
    ck_assert_uint_eq(field(in, "t")->act.opts, CV_AOPT_KEEP_DOMAIN);
    ck_assert_int_eq(field(in, "Column Name (é)")->act.kind, CV_ACT_DROP);
    ck_assert_int_eq(in->def.kind, CV_ACT_TOKEN);
    ck_assert_int_eq(in->def.entity, CV_ENT_PERSON);
    ck_assert_ptr_eq(cvi_policy_input_for(p, "a/b/c.csv", "csv"), in);
    ck_assert_ptr_null(cvi_policy_input_for(p, "b/c.csv", NULL));
    cv_policy_free(p);
}
END_TEST

START_TEST(test_region_lists)
{
    cv_policy *p = load_text(
        "version: 1\n"
        "region: [us, GB, BR, JP]\n"
        "inputs:\n"
        "  - match: \"es/**\"\n"
        "    region: [es, PT]\n"
        "    fields: {\"*\": scan}\n"
        "  - match: \"**\"\n"
        "    region_field: customer.country\n"
        "    fields: {\"*\": scan}\n");
    /* any region libphonenumber knows, upper-cased, in the order written */
    ck_assert_str_eq(p->dopts.region, "US");
    ck_assert_uint_eq(p->dopts.nmore, 3);
    ck_assert_str_eq(p->dopts.more[0], "GB");
    ck_assert_str_eq(p->dopts.more[1], "BR");
    ck_assert_str_eq(p->dopts.more[2], "JP");
    ck_assert_int_eq(p->inputs[0].has_region, 1);
    ck_assert_str_eq(p->inputs[0].dopts.region, "ES");
    ck_assert_uint_eq(p->inputs[0].dopts.nmore, 1);
    ck_assert_str_eq(p->inputs[0].dopts.more[0], "PT");
    ck_assert_ptr_null(p->inputs[0].region_field);
    ck_assert_int_eq(p->inputs[1].has_region, 0);
    ck_assert_str_eq(p->inputs[1].region_field, "customer.country");
    cv_policy_free(p);
    /* one scalar is a list of one */
    p = load_text("version: 1\nregion: nl\ninputs:\n  - match: \"**\"\n    fields: {\"*\": scan}\n");
    ck_assert_str_eq(p->dopts.region, "NL");
    ck_assert_uint_eq(p->dopts.nmore, 0);
    cv_policy_free(p);
}
END_TEST

START_TEST(test_privacy_values)
{
    cv_policy *p = load_text(
        "version: 1\n"
        "vault: {public_key: /keys/ctrl.pub}\n"
        "erasure: replace\n"
        "retention: {field: start, max_age: 84 months}\n"
        "inputs:\n"
        "  - match: \"cdr/*.csv\"\n"
        "    retention:\n"
        "      field: calldate\n"
        "      max_age: 7 years\n"
        "      classes:\n"
        "        contact: {max_age: 1 month, fields: [src, dst]}\n"
        "        usage: {max_age: 52 weeks, fields: [billsec]}\n"
        "    fields:\n"
        "      src: {token: phone, country_column: src_cc, area_code: true}\n"
        "      start: {generalise: day, shift_days: 30, subject: src}\n"
        "      end: {shift_days: 1, subject: src}\n"
        "  - match: \"*.jsonl\"\n"
        "    fields: {a: keep}\n");
    ck_assert_str_eq(p->vault_pub, "/keys/ctrl.pub");
    ck_assert_int_eq(p->erasure_replace, 1);
    ck_assert_str_eq(p->ret.field, "start");
    ck_assert_uint_eq(p->ret.max_age.n, 84);
    ck_assert_int_eq(p->ret.max_age.unit, 'm');
    const cv_input_rule *in = &p->inputs[0];
    ck_assert_str_eq(in->ret.field, "calldate");
    ck_assert_uint_eq(in->ret.max_age.n, 7);
    ck_assert_int_eq(in->ret.max_age.unit, 'y');
    ck_assert_uint_eq(in->ret.nclasses, 2);
    ck_assert_str_eq(in->ret.classes[0].name, "contact");
    ck_assert_uint_eq(in->ret.classes[0].max_age.n, 1);
    ck_assert_int_eq(in->ret.classes[0].max_age.unit, 'm');
    ck_assert_uint_eq(in->ret.classes[0].npaths, 2);
    ck_assert_str_eq(in->ret.classes[0].paths[1], "dst");
    ck_assert_int_eq(in->ret.classes[1].max_age.unit, 'w');
    ck_assert_str_eq(field(in, "src")->act.cc_column, "src_cc");
    ck_assert_uint_eq(field(in, "src")->act.opts, CV_AOPT_AREA_CODE);
    ck_assert_uint_eq(field(in, "start")->act.shift_days, 30);
    ck_assert_str_eq(field(in, "start")->act.subject, "src");
    ck_assert_int_eq(field(in, "start")->act.gen, CV_GEN_DAY);
    ck_assert_int_eq(field(in, "end")->act.kind, CV_ACT_GENERALISE);
    ck_assert_int_eq(field(in, "end")->act.gen, 0);
    ck_assert_ptr_null(p->inputs[1].ret.field);   /* inherits the policy's at run time */
    cv_policy_free(p);
}
END_TEST

START_TEST(test_key_path_resolution)
{
    char dir[] = "/tmp/cvpolXXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    static const char rel[] = HEAD "key: keys/acme.key\n" IN1 "      a: keep\n";
    static const char abs[] = HEAD "key: /etc/callveil/acme.key\n" IN1 "      a: keep\n";
    char *path = write_temp(dir, "p.yaml", rel, sizeof rel - 1);
    cv_policy *p = NULL;
    ck_assert_int_eq(cv_policy_load(ctx, path, &p), 0);
    char want[128];
    snprintf(want, sizeof want, "%s/keys/acme.key", dir);
    ck_assert_str_eq(cv_policy_key_path(p), want);
    ck_assert_str_eq(p->name, path);
    cv_policy_free(p);
    unlink(path);
    free(path);

    path = write_temp(dir, "q.yaml", abs, sizeof abs - 1);
    ck_assert_int_eq(cv_policy_load(ctx, path, &p), 0);
    ck_assert_str_eq(cv_policy_key_path(p), "/etc/callveil/acme.key");
    cv_policy_free(p);
    unlink(path);
    free(path);

    /* a policy named without a directory: relative to the working directory */
    char cwd[4096];
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
    ck_assert_int_eq(chdir(dir), 0);
    free(write_temp(".", "r.yaml", rel, sizeof rel - 1));
    ck_assert_int_eq(cv_policy_load(ctx, "r.yaml", &p), 0);
    ck_assert_str_eq(cv_policy_key_path(p), "keys/acme.key");
    cv_policy_free(p);
    unlink("r.yaml");
    ck_assert_int_eq(chdir(cwd), 0);
    rmdir(dir);
}
END_TEST

START_TEST(test_hash)
{
    static const char a[] = HEAD IN1 "      a: keep\n";
    static const char b[] = HEAD IN1 "      b: keep\n";
    cv_policy *pa = load_text(a), *pb = load_text(b), *pa2 = load_text(a);
    uint8_t h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)a, sizeof a - 1, NULL, 0);
    ck_assert_mem_eq(pa->hash, h, 32);
    ck_assert_mem_eq(pa->hash, pa2->hash, 32);
    ck_assert_int_ne(memcmp(pa->hash, pb->hash, 32), 0);
    cv_policy_free(pa);
    cv_policy_free(pb);
    cv_policy_free(pa2);
}
END_TEST

START_TEST(test_bad_args)
{
    ck_assert_int_eq(cv_policy_load_mem(ctx, "x", "a", 1, NULL), CV_EUSAGE);
    ck_assert_int_eq(cv_policy_load(ctx, "x", NULL), CV_EUSAGE);
    ck_assert_ptr_null(cv_policy_key_path(NULL));
    ck_assert_ptr_null(cv_policy_tenant(NULL));
    ck_assert_ptr_null(cvi_policy_input_for(NULL, "a", NULL));
}
END_TEST

/* ---- globs ------------------------------------------------------------- */

static const struct glob_case {
    const char *pat, *path;
    int want;
} globs[] = {
    { "*.jsonl", "a.jsonl", 1 },
    { "*.jsonl", "a/b/c.jsonl", 1 },          /* no '/': base name */
    { "*.jsonl", "a.jsonl.zst", 0 },
    { "Master.csv", "cdr/Master.csv", 1 },
    { "Master.csv", "cdr/XMaster.csv", 0 },
    { "cdr/Master.csv", "cdr/Master.csv", 1 },
    { "cdr/Master.csv", "x/cdr/Master.csv", 0 },
    { "chats/*.jsonl", "chats/a.jsonl", 1 },
    { "chats/*.jsonl", "chats/2024/a.jsonl", 0 },  /* '*' does not cross '/' */
    { "chats/*", "chats/", 1 },
    { "chats/**/*.jsonl", "chats/a.jsonl", 1 },    /* zero directories */
    { "chats/**/*.jsonl", "chats/2024/03/a.jsonl", 1 },
    { "chats/**/*.jsonl", "other/2024/a.jsonl", 0 },
    { "chats/**", "chats/2024/03/a.jsonl", 1 },
    { "chats/**", "chatsx/a", 0 },
    { "**", "a", 1 },
    { "**", "a/b/c", 1 },
    { "**", "", 1 },
    { "**/x.csv", "x.csv", 1 },
    { "**/x.csv", "a/b/x.csv", 1 },
    { "**/x.csv", "a/bx.csv", 0 },
    { "a/**b", "a/x/yb", 1 },                      /* '**' inside a segment crosses too */
    { "a?c", "abc", 1 },
    { "a?c", "ac", 0 },
    { "a/?/c", "a///c", 0 },                       /* '?' is not '/' */
    { "x/[abc].csv", "x/b.csv", 1 },
    { "x/[abc].csv", "x/d.csv", 0 },
    { "x/[a-c]1", "x/c1", 1 },
    { "x/[a-c]1", "x/C1", 0 },
    { "x/[!a-c]1", "x/d1", 1 },
    { "x/[!a-c]1", "x/b1", 0 },
    { "x/[!a-c]1", "x//1", 0 },
    { "x/[]]", "x/]", 1 },
    { "x/[-a]", "x/-", 1 },
    { "x/[", "x/[", 1 },                           /* unterminated class: literal */
    { "x/\\*", "x/*", 1 },
    { "x/\\*", "x/a", 0 },
    { "", "", 1 },
    { "", "a", 0 },
    { "*", "", 1 },
    { "a*b*c", "a/b/c", 0 },                       /* base name "c" */
    { "a*b*c", "axxbyyc", 1 },
    { "*a*a*b", "aaaaab", 1 },
    { "*a*a*b", "aaaaaa", 0 },
};

START_TEST(test_glob)
{
    const struct glob_case *c = &globs[_i];
    ck_assert_msg(cvi_glob_match(c->pat, c->path) == c->want, "glob \"%s\" on \"%s\": expected %d", c->pat,
                  c->path, c->want);
}
END_TEST

/* Patterns that make backtracking matchers exponential finish at once here;
 * an exponential matcher would not finish this test at all. */
START_TEST(test_glob_pathological)
{
    size_t n = 20000;
    char *s = malloc(n + 2);
    ck_assert_ptr_nonnull(s);
    memset(s, 'a', n);
    s[n] = '\0';
    ck_assert_int_eq(cvi_glob_match("*a*a*a*a*a*a*a*a*a*a*a*a*b", s), 0);
    ck_assert_int_eq(cvi_glob_match("**a**a**a**a**a**a**a**a**b", s), 0);
    s[n] = 'b';
    s[n + 1] = '\0';
    ck_assert_int_eq(cvi_glob_match("*a*a*a*a*a*a*a*a*a*a*a*a*b", s), 1);
    for (size_t i = 1; i < n; i += 2) s[i] = '/';
    ck_assert_int_eq(cvi_glob_match("**/a/**/a/**/a/**/a/**/a/**/c", s), 0);
    ck_assert_int_eq(cvi_glob_match("a/**/a/**/a/**/a/**/b", s), 1);
    ck_assert_int_eq(cvi_glob_match("a/**/a/**/a/**/a/**/ab", s), 0);
    free(s);

    char pat[1100];
    memset(pat, '*', 1024);
    pat[1024] = '\0';
    ck_assert_int_eq(cvi_glob_match(pat, "abc"), 1);
    memset(pat, '*', 1025);
    pat[1025] = '\0';
    ck_assert_int_eq(cvi_glob_match(pat, "abc"), 0);   /* too long: never matches */
}
END_TEST

/* audio.voice: anonymise when absent (fail closed), keep when said so */
START_TEST(test_audio_voice)
{
    cv_policy *p = load_text("version: 1\ninputs:\n  - match: \"*.wav\"\n    format: audio\n"
                             "  - match: \"*.flac\"\n    format: audio\n    audio: {voice: keep}\n"
                             "  - match: \"*.mp3\"\n    format: audio\n    audio: {dtmf: off, voice: anonymise}\n");
    ck_assert_uint_eq(p->ninputs, 3);
    ck_assert_uint_eq(p->inputs[0].audio.voice, 1);
    ck_assert_uint_eq(p->inputs[1].audio.voice, 0);
    ck_assert_uint_eq(p->inputs[2].audio.voice, 1);
    ck_assert_uint_eq(p->inputs[2].audio.dtmf, 0);
    cv_policy_free(p);
}
END_TEST

static Suite *policy_suite(void)
{
    Suite *s = suite_create("policy");
    TCase *tc = tcase_create("load");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_default_policy);
    tcase_add_test(tc, test_default_check_clean);
    tcase_add_test(tc, test_sample_policy);
    tcase_add_test(tc, test_audio_voice);
    tcase_add_test(tc, test_values);
    tcase_add_test(tc, test_analyst_options);
    tcase_add_test(tc, test_region_lists);
    tcase_add_test(tc, test_privacy_values);
    tcase_add_test(tc, test_key_path_resolution);
    tcase_add_test(tc, test_hash);
    tcase_add_test(tc, test_bad_args);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_bad_policy, 0, (int)(sizeof bad / sizeof *bad));
    tcase_add_test(tc, test_long_value_not_echoed);
    tcase_add_test(tc, test_too_large);
    tcase_add_test(tc, test_check_many);
    tcase_add_test(tc, test_check_fields);
    suite_add_tcase(s, tc);

    tc = tcase_create("glob");
    tcase_add_loop_test(tc, test_glob, 0, (int)(sizeof globs / sizeof *globs));
    tcase_add_test(tc, test_glob_pathological);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(policy_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
