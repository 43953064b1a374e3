/*
 * samples.h - the sample layouts of decoded audio, shared by the decoder
 * (formats/audio.c) and the filters that edit samples (filters/audio_edit.h,
 * filters/voice.h).
 */
#ifndef CV_SAMPLES_H
#define CV_SAMPLES_H

enum { CV_SAMPLE_U8 = 0, CV_SAMPLE_S16, CV_SAMPLE_S32, CV_SAMPLE_FLT, CV_SAMPLE_DBL };

#endif
