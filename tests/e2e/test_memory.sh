#!/bin/sh
# End-to-end: peak memory of `callveil run -j 8` stays bounded by the records
# in flight, not by input size or by every thread's largest record (issue 8,
# item 13). Peak RSS of the child from GNU time (getrusage ru_maxrss), not
# timing. Loose bounds, far below what the unbounded code reached:
#  - a blank-line bomb (200 MB of newlines, zstd): under 100 MB (~26 MB seen);
#  - ten 15 MiB records: under 400 MB (754 MB before the fix, ~250 MB alone; under a
#    loaded machine more records are in flight: the bound leaves room for that and for
#    the static tables (libphonenumber, the name gazetteer), not for a regression).
#    At -j 8 the runner lets 16 MiB of input be in flight, so two such
#    records; each needs about six record-sized buffers (input, record arena,
#    scanned text, detection scratch, output, zstd frame), 2 x 6 x 16 MiB =
#    192 MiB, plus the reader's 16 MiB block and allocator slack.
# Skipped (77) under sanitizers, whose shadow memory and quarantine are RSS.
# Env: CV_BIN, CV_SANITIZED (1 under ASan). POSIX sh.
set -u

fail() {
    echo "test_memory: FAIL: $*" >&2
    exit 1
}

[ -n "${CV_BIN:-}" ] && [ -x "$CV_BIN" ] || fail "CV_BIN (${CV_BIN:-unset}) is not an executable callveil"
if [ "${CV_SANITIZED:-0}" = 1 ]; then
    echo "test_memory: skipped under sanitizers"
    exit 77
fi
[ -x /usr/bin/time ] || fail "GNU time is not installed (Debian package time)"
command -v zstd >/dev/null 2>&1 || fail "the zstd CLI is not installed"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cv-e2e-memory.XXXXXX") || fail "mktemp"
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir "$tmp/bomb" "$tmp/big" || fail "mkdir"
(umask 077 && printf '%s\n' 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f >"$tmp/k") || fail "key"

head -c 200000000 /dev/zero | tr '\0' '\n' | zstd -q -c >"$tmp/bomb/blank.jsonl.zst" || fail "cannot make the bomb"
i=0
while [ $i -lt 10 ]; do
    printf '{"id":%d,"text":"' $i
    yes "please call me back on 07700 900$((100 + i)) about the order, thanks. The parcel was left at the \
door again and nobody rang the bell; I would like a refund or a new delivery slot on a weekday morning \
before ten, as I work afternoons and evenings most of the week. Kind regards" | head -c 15728640 | tr '\n' ' '
    printf '"}\n'
    i=$((i + 1))
done >"$tmp/big/big.jsonl" || fail "cannot make the large records"

check() {  # check NAME INPUT_DIR MAX_MB
    rm -rf "$tmp/out"
    /usr/bin/time -f %M -o "$tmp/rss" "$CV_BIN" run -q -k "$tmp/k" -j 8 "$2" -o "$tmp/out" >/dev/null 2>"$tmp/err" ||
        fail "$1: run failed: $(cat "$tmp/err")"
    kb=$(tail -n 1 "$tmp/rss")
    case $kb in '' | *[!0-9]*) fail "$1: no peak RSS from GNU time ($kb)" ;; esac
    echo "test_memory: $1 at -j 8: peak RSS $((kb / 1024)) MB (bound $3 MB)"
    [ "$kb" -lt $(($3 * 1024)) ] || fail "$1: peak RSS $((kb / 1024)) MB is over $3 MB"
}

check "blank-line bomb" "$tmp/bomb" 100
grep -q '"records_in": 0' "$tmp/out/manifest.json" || fail "the bomb's blank lines should be no records"
check "ten 15 MiB records" "$tmp/big" 400
grep -q '"written": 10,' "$tmp/out/manifest.json" || fail "the ten records should all be written"
echo "test_memory: ok"
