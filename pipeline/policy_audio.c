/*
 * policy_audio.c - an input's `audio:` (how recording.c and the audio
 * module edit a recording) and its defaults.
 */
#include <stdlib.h>
#include <string.h>

#include "policy_yaml.h"
#include "../formats/transcript.h"

void cvi_audio_defaults(cv_audio_policy *a)
{
    a->dtmf = 1;
    a->voice = 1;       /* a voice identifies its speaker: anonymised unless the policy keeps it */
    a->pad_ms = CV_TRANSCRIPT_PAD_MS;
}

/* audio: {spoken: silence|beep, pad_ms: N, dtmf: mute|off, metadata: strip, digit_run: N,
 *         codec: NAME, transcript: optional|required, channels: [SPEAKER, ...], voice: anonymise|keep} */
void cvi_load_audio(cvi_loader *L, const yaml_node_t *m, cv_audio_policy *a)
{
    static const char *const keys[] = { "spoken", "pad_ms", "dtmf", "metadata", "digit_run", "codec", "transcript",
                                        "channels", "voice" };
    if (!m || m->type != YAML_MAPPING_NODE) {
        cvi_problem(L, cvi_line_of(m),
                "'audio' must be a mapping {spoken, pad_ms, dtmf, metadata, digit_run, codec, transcript, channels, "
                "voice}");
        return;
    }
    uint32_t seen = 0;
    for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top && !L->oom; pr++) {
        yaml_node_t *v = cvi_node_at(L, pr->value);
        uint64_t x;
        switch (cvi_sub_key(L, cvi_node_at(L, pr->key), keys, 9, &seen, "audio")) {
        case 0:
            if (cvi_scalar_is(v, "silence")) a->beep = 0;
            else if (cvi_scalar_is(v, "beep")) a->beep = 1;
            else cvi_problem(L, cvi_line_of(v), "'spoken' must be silence or beep");
            break;
        case 1:
            if (cvi_parse_uint(v, 5000, &x) < 0) cvi_problem(L, cvi_line_of(v), "'pad_ms' must be 0 to 5000");
            else a->pad_ms = (uint16_t)x;
            break;
        case 2:
            if (cvi_scalar_is(v, "mute")) a->dtmf = 1;
            else if (cvi_scalar_is(v, "off")) a->dtmf = 0;
            else cvi_problem(L, cvi_line_of(v), "'dtmf' must be mute or off");
            break;
        case 3:
            if (!cvi_scalar_is(v, "strip"))
                cvi_problem(L, cvi_line_of(v), "'metadata' must be strip (container and stream metadata are always removed)");
            break;
        case 4:
            if (cvi_parse_uint(v, 64, &x) < 0 || x == 1) cvi_problem(L, cvi_line_of(v), "'digit_run' must be 0 (off) or 2 to 64");
            else a->digit_run = (uint32_t)x;
            break;
        case 5:
            if (!cvi_clean_text(v) || cvi_slen(v) > 32) cvi_problem(L, cvi_line_of(v), "'codec' must name an ffmpeg encoder");
            else a->codec = cvi_dup_n(L, cvi_sval(v), cvi_slen(v));
            break;
        case 6:
            if (cvi_scalar_is(v, "optional")) a->transcript_required = 0;
            else if (cvi_scalar_is(v, "required")) a->transcript_required = 1;
            else cvi_problem(L, cvi_line_of(v), "'transcript' (in audio) must be optional or required");
            break;
        case 7:
            cvi_load_paths(L, v, 64, "'channels'", "speaker names (one per channel, in channel order)", "speaker name",
                       &a->channels, &a->nchannels);
            for (size_t i = 0; i < a->nchannels; i++)
                for (size_t j = 0; j < i; j++)
                    if (strcmp(a->channels[i], a->channels[j]) == 0)
                        cvi_problem(L, cvi_line_of(v), "'channels' names one speaker twice (entries %zu and %zu)", j + 1,
                                i + 1);
            break;
        case 8:
            if (cvi_scalar_is(v, "anonymise") || cvi_scalar_is(v, "anonymize")) a->voice = 1;
            else if (cvi_scalar_is(v, "keep")) a->voice = 0;
            else cvi_problem(L, cvi_line_of(v), "'voice' must be anonymise or keep");
            break;
        default:
            break;
        }
    }
}

void cvi_audio_free(cv_audio_policy *a)
{
    free(a->codec);
    for (size_t j = 0; j < a->nchannels; j++) free(a->channels[j]);
    free(a->channels);
}
