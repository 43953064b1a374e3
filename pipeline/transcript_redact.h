/*
 * transcript_redact.h - spoken identifiers out of a call transcript: the
 * engine of the run's policy over the words a transcript holds
 * (formats/transcript.h), the redacted transcript in its own JSON shape
 * and the time spans (per channel) the audio filters silence.
 */
#ifndef CV_TRANSCRIPT_REDACT_H
#define CV_TRANSCRIPT_REDACT_H

#include "../formats/transcript.h"
#include "engine.h"

/*
 * Parse json[0..len), find spoken identifiers with worker w (an engine of
 * the run's policy and key, so tokens equal the chat pipeline's), append the
 * redacted transcript (same JSON shape and member order, compact, one line)
 * to out, and fill res (spans per channel, counts; caller frees with
 * cvi_transcript_result_free). Detections of the word list are added to
 * counts (may be NULL).
 *
 * In the word list, the first word item of a match gets the rendering
 * ("[phone:…]", a mask, "[card]") as its text, the other items of the match
 * (punctuation included) get "" and keep their times. A match's words are
 * a span in res unless the policy's action for its entity is `keep` (the
 * audio follows the transcript's decision). Full-text fields are
 * rebuilt from the redacted words. Copies of words (AWS channel items,
 * Deepgram utterances and further alternatives) take the redaction of the
 * primary words they overlap in time. Every other string value (job names,
 * paragraphs, unknown members) is scanned as free text (spoken forms
 * understood) and its identifiers replaced in place; these are not counted.
 * Returns 0, CV_ENOMEM, or CV_EINPUT with diag (nothing appended to out).
 */
int cvi_transcript_redact(cvi_worker *w, const char *json, size_t len, const cv_transcript_opts *o, cv_buf *out,
                         cv_transcript_result *res, cvi_counts *counts, cv_diag *diag);

#endif
