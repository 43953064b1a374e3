#!/usr/bin/env bash
# bench_audio.sh - x real time of cvi_audio_redact (WAV PCM, FLAC, Ogg Opus;
# spans, spans + DTMF, spans + voice anonymisation)
# beside the ffmpeg CLI doing only a volume=0 mute over the same spans on the
# same file with the same codec, plus the DTMF detector alone. Not a test.
#   tests/bench/bench_audio.sh [MINUTES]      (default 10)
# Needs ffmpeg and /usr/bin/time; builds the bench_audio helper in $BUILD
# (default build/). Best of $REPS runs (default 3) per row.
set -euo pipefail
cd "$(dirname "$0")/../.."
MIN=${1:-10}
BUILD=${BUILD:-build}
REPS=${REPS:-3}
DIR=${BENCH_DIR:-${TMPDIR:-/tmp}/callveil-bench}/audio
mkdir -p "$DIR"
cmake --build "$BUILD" --target bench_audio -j2 >/dev/null
BIN="$BUILD/bench_audio"
SECS=$((MIN * 60))

# A voice-like signal: a pitch-wandering fundamental with two harmonics,
# syllable-rate amplitude modulation, and noise; 8 kHz mono.
SRC="$DIR/call-${MIN}m.wav"
if [ ! -f "$SRC" ]; then
  ffmpeg -v error -y -f lavfi -i "aevalsrc='(0.5+0.5*sin(2*PI*4*t))*(0.15*sin(2*PI*(140+20*sin(2*PI*0.7*t))*t)+0.07*sin(2*PI*2*(140+20*sin(2*PI*0.7*t))*t)+0.04*sin(2*PI*3*(140+20*sin(2*PI*0.7*t))*t))+0.01*(random(0)-0.5)':s=8000:d=$SECS" \
    -c:a pcm_s16le "$SRC"
fi
[ -f "$DIR/call.flac" ] && [ "$DIR/call.flac" -nt "$SRC" ] || ffmpeg -v error -y -i "$SRC" -c:a flac "$DIR/call.flac"
[ -f "$DIR/call.ogg" ] && [ "$DIR/call.ogg" -nt "$SRC" ] || ffmpeg -v error -y -i "$SRC" -c:a libopus -b:a 24k "$DIR/call.ogg"
cp -f "$SRC" "$DIR/call.wav"
ffmpeg -v error -y -i "$SRC" -f s16le "$DIR/call.raw"

# 20 spans of 1.5 s spread over the recording.
SPANS="" EXPR=""
for i in $(seq 0 19); do
  a=$(awk -v i="$i" -v s="$SECS" 'BEGIN { printf "%.3f", (i + 0.4) * s / 20 }')
  b=$(awk -v a="$a" 'BEGIN { printf "%.3f", a + 1.5 }')
  SPANS="$SPANS${SPANS:+,}$a-$b"
  EXPR="$EXPR${EXPR:++}between(t,$a,$b)"
done

best() {   # best() CMD...: the smallest "wall cpu" pair over REPS runs
  local best_w="" best_c=""
  for _ in $(seq "$REPS"); do
    local out w c
    /usr/bin/time -o "$DIR/time.txt" -f "%e %U %S" "$@" >/dev/null 2>"$DIR/stderr.txt" ||
      { echo "bench_audio: failed: $*" >&2; cat "$DIR/stderr.txt" >&2; exit 1; }
    out=$(tail -n 1 "$DIR/time.txt")
    w=$(echo "$out" | awk '{ print $1 }')
    c=$(echo "$out" | awk '{ print $2 + $3 }')
    if [ -z "$best_w" ] || awk -v a="$w" -v b="$best_w" 'BEGIN { exit !(a < b) }'; then best_w=$w; best_c=$c; fi
  done
  echo "$best_w $best_c"
}

printf 'audio benchmark: %d min 8 kHz mono, 20 spans of 1.5 s, best of %d, %s\n' "$MIN" "$REPS" "$(nproc) cores"
printf '%-26s %8s %8s %10s %12s\n' run "wall s" "cpu s" "x realtime" "vs ffmpeg"
declare -A FF
for ext in wav flac ogg; do
  case $ext in
    wav) codec="-c:a pcm_s16le" ;;
    flac) codec="-c:a flac" ;;
    ogg) codec="-c:a libopus -b:a 24k" ;;
  esac
  # shellcheck disable=SC2086
  read -r w c < <(best ffmpeg -v error -y -nostdin -i "$DIR/call.$ext" -map 0:a:0 -af "volume=0:enable='$EXPR'" \
                    $codec -map_metadata -1 -fflags +bitexact -flags:a +bitexact "$DIR/ff-out.$ext")
  FF[$ext]=$w
  printf '%-26s %8.2f %8.2f %10.0f %12s\n' "ffmpeg-cli-$ext" "$w" "$c" "$(awk -v s="$SECS" -v w="$w" 'BEGIN { print s / w }')" "1.00"
  for mode in spans dtmf voice; do
    extra=""
    [ $mode = spans ] || extra=$mode
    # shellcheck disable=SC2086
    read -r w c < <(best "$BIN" redact "$DIR/call.$ext" "$DIR/cv-out.$ext" "$SPANS" $extra)
    printf '%-26s %8.2f %8.2f %10.0f %11.2fx\n' "callveil-$ext-$mode" "$w" "$c" \
      "$(awk -v s="$SECS" -v w="$w" 'BEGIN { print s / w }')" "$(awk -v a="${FF[$ext]}" -v b="$w" 'BEGIN { print a / b }')"
  done
done
# DTMF detector alone, one core, on the raw 8 kHz samples (5 passes inside).
read -r secs cpu xrt tones < <("$BIN" dtmf "$DIR/call.raw")
printf '%-26s %8s %8.2f %10.0f %12s\n' "dtmf-detector-only" "-" "$cpu" "$xrt" "-"
# The voice anonymiser alone, one core, at 8 and 16 kHz (x real time per core;
# target >= 100x at 8 kHz): McAdams with the pitch change (beta 1.22, as the
# pipeline runs it) and McAdams alone (beta 1).
ffmpeg -v error -y -i "$SRC" -ar 16000 -f s16le "$DIR/call16.raw"
for r in 8000 16000; do
  f="$DIR/call.raw"; [ $r = 16000 ] && f="$DIR/call16.raw"
  read -r secs cpu xrt fb < <("$BIN" voice "$f" $r 1.22)
  printf '%-26s %8s %8.2f %10.0f %12s\n' "voice-only-${r}Hz" "-" "$cpu" "$xrt" "-"
  read -r secs cpu xrt fb < <("$BIN" voice "$f" $r 1)
  printf '%-26s %8s %8.2f %10.0f %12s\n' "voice-mcadams-only-${r}Hz" "-" "$cpu" "$xrt" "-"
done
printf '(wall/cpu of the ffmpeg and callveil rows include process start; "vs ffmpeg" = ffmpeg wall / callveil wall, > 1 is faster)\n'
rm -f "$DIR"/ff-out.* "$DIR"/cv-out.*
