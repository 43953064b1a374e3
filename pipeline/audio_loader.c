/*
 * audio_loader.c - finds and loads callveil-audio.so once (audio_module.h).
 * Where it looks, in order: $CALLVEIL_AUDIO_MODULE; beside the executable
 * (the build tree); EXE/../LIBDIR/callveil/ (an installed CLI, under any
 * prefix); LIBDIR/callveil/ beside the libcallveil.so that holds this code
 * (a program linked with the installed shared library); the LIBDIR
 * compiled in.
 */
#define _GNU_SOURCE   /* dladdr */
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "callveil.h"
#include "audio_module.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static const cvi_audio_api *api;
static const char *why = "audio support (" CVI_AUDIO_MODULE_NAME ") is not installed";
static int quiet_logs;

static const cvi_audio_api *try_open(const char *path)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) return NULL;
    const cvi_audio_api *a = dlsym(h, "cvi_audio_module_api");
    if (!a || a->abi != CVI_AUDIO_ABI) {
        why = "the audio module (" CVI_AUDIO_MODULE_NAME ") does not match this version of callveil";
        dlclose(h);
        return NULL;
    }
    return a;
}

static void load(void)
{
    char path[PATH_MAX + 64], exe[PATH_MAX];
    const char *env = getenv("CALLVEIL_AUDIO_MODULE");
    if (env && *env && (api = try_open(env))) goto done;
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) *slash = '\0';
        snprintf(path, sizeof path, "%s/" CVI_AUDIO_MODULE_NAME, exe);     /* the build tree */
        if ((api = try_open(path))) goto done;
        snprintf(path, sizeof path, "%s/../%s/callveil/" CVI_AUDIO_MODULE_NAME, exe, CV_LIBDIR);
        if ((api = try_open(path))) goto done;
    }
    Dl_info info;
    if (dladdr((void *)cvi_audio_api_get, &info) && info.dli_fname && strchr(info.dli_fname, '/')) {
        char lib[PATH_MAX];
        snprintf(lib, sizeof lib, "%s", info.dli_fname);
        char *slash = strrchr(lib, '/');
        *slash = '\0';
        snprintf(path, sizeof path, "%s/callveil/" CVI_AUDIO_MODULE_NAME, lib);
        if ((api = try_open(path))) goto done;
    }
    snprintf(path, sizeof path, "%s/callveil/" CVI_AUDIO_MODULE_NAME, CV_FULL_LIBDIR);
    api = try_open(path);
done:
    if (api && quiet_logs) api->logs_off();
}

const cvi_audio_api *cvi_audio_api_get(const char **reason)
{
    pthread_once(&once, load);
    if (!api && reason) *reason = why;
    return api;
}

void cv_codec_logs_off(void)
{
    quiet_logs = 1;
    if (api) api->logs_off();
}
