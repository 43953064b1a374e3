/*
 * audio_module.c - the entry point of callveil-audio.so (see audio_module.h).
 */
#include <libavutil/log.h>

#include "audio_module.h"

static void logs_off(void) { av_log_set_level(AV_LOG_QUIET); }

__attribute__((visibility("default"))) const cvi_audio_api cvi_audio_module_api = {
    CVI_AUDIO_ABI, cvi_audio_redact, cvi_audio_probe, logs_off,
};
