#!/bin/sh
# make_call.sh - regenerate samples/calls/customer_call.wav and its AWS
# Transcribe-format transcript customer_call.json.
#
# A customer's line is synthesised word by word with espeak-ng; each word's
# leading and trailing silence is trimmed; the words are laid end to end with
# fixed gaps (longer after punctuation). The transcript's word times are the
# exact sample positions of the words in the result, so they match the audio
# by construction. The 22.05 kHz mix is then resampled to 8 kHz mono s16 PCM
# with ffmpeg (times are unchanged by resampling). The same transcript in
# Whisper and Deepgram form goes to tests/fixtures/ (test fixtures).
# Needs: espeak-ng, ffmpeg, python3.   Usage: sh samples/calls/make_call.sh
set -eu
cd "$(dirname "$0")"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

python3 - "$TMP" <<'PY'
import json, subprocess, sys, wave, array

tmp = sys.argv[1]
# "~x" is a punctuation item attached to the previous word.
LINE = ("Hi ~, my number is oh seven seven double oh nine hundred one two three ~. "
        "My card is four one one one ~, one one one one ~, one one one one ~, one one one one ~. "
        "Email john dot smith at example dot com ~.").split()
GAP, PAUSE, LEAD = 0.04, 0.18, 0.15     # seconds between words, after punctuation, before the first
THRESH = 300                            # |sample| below this counts as silence when trimming

def synth(word, i):
    path = f"{tmp}/w{i}.wav"
    subprocess.run(["espeak-ng", "-v", "en-gb", "-s", "260", "-w", path, word], check=True)
    with wave.open(path, "rb") as w:
        rate = w.getframerate()
        a = array.array("h", w.readframes(w.getnframes()))
    lo, hi = 0, len(a)
    while lo < hi and abs(a[lo]) < THRESH: lo += 1
    while hi > lo and abs(a[hi - 1]) < THRESH: hi -= 1
    return rate, a[lo:hi]

rate = 22050
out = array.array("h", [0] * int(LEAD * rate))
items, text = [], []
for i, tok in enumerate(LINE):
    if tok.startswith("~"):
        items.append({"id": len(items), "type": "punctuation",
                      "alternatives": [{"confidence": "0.0", "content": tok[1:]}]})
        out.extend([0] * int((PAUSE - GAP) * rate))
        text[-1] += tok[1:]
        continue
    r, a = synth(tok, i)
    assert r == rate
    start = len(out) / rate
    out.extend(a)
    end = len(out) / rate
    out.extend([0] * int(GAP * rate))
    items.append({"id": len(items), "type": "pronunciation",
                  "alternatives": [{"confidence": "0.99", "content": tok}],
                  "start_time": f"{start:.3f}", "end_time": f"{end:.3f}"})
    text.append(tok)
out.extend([0] * int(LEAD * rate))

with wave.open(f"{tmp}/mix.wav", "wb") as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(rate)
    w.writeframes(out.tobytes())

doc = {"jobName": "customer-call-0001", "accountId": "000000000000",
       "results": {"transcripts": [{"transcript": " ".join(text)}], "items": items},
       "status": "COMPLETED"}
with open("customer_call.json", "w") as f:     # one line, as Transcribe writes it
    json.dump(doc, f, separators=(",", ":"))
    f.write("\n")

# The same call as Whisper (digits written as numbers, punctuation inside
# words, a leading space per word) and Deepgram (word + punctuated_word)
# would write it: test fixtures for the other two flavours.
words = []            # (content, start, end, trailing punctuation)
for it in items:
    c = it["alternatives"][0]["content"]
    if it["type"] == "punctuation":
        words[-1][3] += c
    else:
        words.append([c, float(it["start_time"]), float(it["end_time"]), ""])
def span(a, b):       # words[a..b) as one Whisper word
    return words[a][1], words[b - 1][2], words[b - 1][3]
W = []                # Whisper words: (text, start, end)
groups = [(0, 1, "Hi"), (1, 2, "my"), (2, 3, "number"), (3, 4, "is"), (4, 9, "07700"), (9, 14, "900123"),
          (14, 15, "My"), (15, 16, "card"), (16, 17, "is"), (17, 21, "4111"), (21, 25, "1111"), (25, 29, "1111"),
          (29, 33, "1111"), (33, 34, "Email"), (34, 41, "john.smith@example.com")]
assert groups[-1][1] == len(words)
for a, b, t in groups:
    s0, e0, p = span(a, b)
    W.append((" " + t + p, s0, e0))
segs = [(0, 6), (6, 13), (13, 15)]
wdoc = {"text": "".join(w[0] for w in W), "segments": [], "language": "en"}
for k, (a, b) in enumerate(segs):
    ws = W[a:b]
    wdoc["segments"].append({"id": k, "seek": 0, "start": ws[0][1], "end": ws[-1][2],
                             "text": "".join(w[0] for w in ws), "tokens": [50364 + k, 2421, 11, 452],
                             "temperature": 0.0, "avg_logprob": -0.2, "compression_ratio": 1.1,
                             "no_speech_prob": 0.01,
                             "words": [{"word": w[0], "start": w[1], "end": w[2], "probability": 0.9} for w in ws]})
dg_words = [{"word": w[0].lower(), "start": w[1], "end": w[2], "confidence": 0.98, "speaker": 0,
             "punctuated_word": w[0] + w[3]} for w in words]
dtext = " ".join(w["punctuated_word"] for w in dg_words)
ddoc = {"metadata": {"request_id": "00000000-0000-0000-0000-000000000000", "duration": len(out) / rate,
                     "channels": 1},
        "results": {"channels": [{"alternatives": [{"transcript": dtext, "confidence": 0.98, "words": dg_words}]}],
                    "utterances": [{"start": dg_words[0]["start"], "end": dg_words[-1]["end"], "confidence": 0.98,
                                    "channel": 0, "transcript": dtext, "words": dg_words, "speaker": 0,
                                    "id": "00000000-0000-0000-0000-000000000001"}]}}
for name, d in (("customer_call.whisper.json", wdoc), ("customer_call.deepgram.json", ddoc)):
    with open("../../tests/fixtures/" + name, "w") as f:
        json.dump(d, f, indent=1)
        f.write("\n")
PY

ffmpeg -loglevel error -y -i "$TMP/mix.wav" -ar 8000 -ac 1 -c:a pcm_s16le -map_metadata -1 -fflags +bitexact \
  customer_call.wav
echo "wrote customer_call.wav ($(wc -c < customer_call.wav) bytes), customer_call.json and tests/fixtures/customer_call.{whisper,deepgram}.json"
