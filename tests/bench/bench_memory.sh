#!/bin/sh
# Peak RSS of `callveil run` on two inputs that have blown memory up before
# (issue 8, item 13), at -j 1 and -j 8, from /usr/bin/time -v:
#   bomb  a zstd file of nothing but newlines (36 KB compressed, 1.2 GB of
#         blank lines: many empty records)
#   big   ten JSON Lines records of 15 MiB of text each, a phone number in
#         every ~300 bytes
# The baseline is the input itself: the largest record's size, printed with
# each peak as a ratio. With BASE=/path/to/another/callveil the same runs of
# that binary are printed beside, e.g. the build before a change.
# Usage: tests/bench/bench_memory.sh [BUILD_DIR]   (default: build). POSIX sh.
set -eu
bin=${1:-build}/callveil
[ -x "$bin" ] || { echo "bench_memory: no $bin (build first)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench_memory: needs GNU time (Debian package time)" >&2; exit 1; }
command -v zstd >/dev/null || { echo "bench_memory: needs the zstd CLI" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cv-bench-mem.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir "$tmp/bomb" "$tmp/big"
head -c 1200000000 /dev/zero | tr '\0' '\n' | zstd -19 -q -c >"$tmp/bomb/blank.jsonl.zst"
rec=15728640
i=0
while [ $i -lt 10 ]; do
    printf '{"id":%d,"text":"' $i
    # one phone number in ~300 bytes, as in DESIGN §9's chat corpus
    yes "please call me back on 07700 900$((100 + i)) about the order, thanks. The parcel was left at the \
door again and nobody rang the bell; I would like a refund or a new delivery slot on a weekday morning \
before ten, as I work afternoons and evenings most of the week. Kind regards" | head -c $rec | tr '\n' ' '
    printf '"}\n'
    i=$((i + 1))
done >"$tmp/big/big.jsonl"
(umask 077 && printf '%s\n' 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f >"$tmp/k")

peak() {  # peak BIN INPUT_DIR JOBS: peak RSS in kB
    rm -rf "$tmp/out"
    /usr/bin/time -f %M -o "$tmp/rss" "$1" run -q -k "$tmp/k" -j "$3" "$2" -o "$tmp/out" >/dev/null 2>"$tmp/err" || {
        echo "bench_memory: $1 run $2 -j $3 failed:" >&2
        cat "$tmp/err" >&2
        exit 1
    }
    tail -n 1 "$tmp/rss"
}

echo "input: bomb = $(wc -c <"$tmp/bomb/blank.jsonl.zst") bytes of zstd (1.2 GB of newlines); big = 10 records of $rec bytes"
printf '%-6s %-4s %12s %18s' input jobs "peak RSS MB" "x largest record"
[ -n "${BASE:-}" ] && printf ' %16s' "BASE peak MB"
echo
for input in bomb big; do
    for j in 1 8; do
        kb=$(peak "$bin" "$tmp/$input" $j)
        printf '%-6s %-4s %12.1f %18.2f' $input $j "$(awk "BEGIN{print $kb/1024}")" "$(awk "BEGIN{print $kb*1024/$rec}")"
        [ -n "${BASE:-}" ] && printf ' %16.1f' "$(awk "BEGIN{print $(peak "$BASE" "$tmp/$input" $j)/1024}")"
        echo
    done
done
