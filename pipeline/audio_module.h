/*
 * audio_module.h - the audio half (FFmpeg, DTMF, sample editing) lives in
 * a module, callveil-audio.so, loaded with dlopen the first time a
 * recording is processed: text jobs never map FFmpeg's ~130 shared
 * libraries (tens of MB of RSS and start-up time per process).
 */
#ifndef CV_AUDIO_MODULE_H
#define CV_AUDIO_MODULE_H

#include "audio.h"

#define CVI_AUDIO_ABI 3   /* 2: cv_audio_opts and cv_audio_stats carry the voice fields; 3: and voice_beta */
#define CVI_AUDIO_MODULE_NAME "callveil-audio.so"

typedef struct cvi_audio_api {
    int abi;     /* CVI_AUDIO_ABI */
    int (*redact)(const char *in_path, const char *out_path, const cv_audio_opts *o, const cv_audio_span *spans,
                  size_t nspans, cv_audio_stats *st, const char **reason);
    int (*probe)(const char *path, double *seconds, int *sample_rate, int *channels, const char **reason);
    void (*logs_off)(void);
} cvi_audio_api;

/* The module's entry (pipeline/audio_module.c). */
extern const cvi_audio_api cvi_audio_module_api;

/* The loaded module (pipeline/audio_loader.c): searched as
 * $CALLVEIL_AUDIO_MODULE, next to the running executable, then in the
 * installed module directory. NULL with *reason (static) if not found. */
const cvi_audio_api *cvi_audio_api_get(const char **reason);

#endif
