#!/bin/sh
# End-to-end: `callveil filter` output depends only on key, policy and input,
# so sharding it must not change a byte. Compares one process against GNU
# parallel --pipe (line-range shards, -j2) and -j 1 against -j 2 threads.
# Env: CV_BIN (callveil binary), CV_SRC (source tree). POSIX sh.
set -u

fail() {
    echo "test_parallel: FAIL: $*" >&2
    exit 1
}

[ -n "${CV_BIN:-}" ] && [ -x "$CV_BIN" ] || fail "CV_BIN (${CV_BIN:-unset}) is not an executable callveil"
[ -n "${CV_SRC:-}" ] && [ -f "$CV_SRC/tests/bench/gen_chats.py" ] || fail "CV_SRC must name the source tree"
command -v parallel >/dev/null 2>&1 || fail "GNU parallel is not installed (Debian package parallel)"
PY=python3
command -v "$PY" >/dev/null 2>&1 || fail "python3 is not installed"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cv-e2e-parallel.XXXXXX") || fail "mktemp"
trap 'rm -rf "$tmp"' EXIT INT TERM

# ~4 MB: many 256 KiB parallel blocks and several runner batches.
"$PY" "$CV_SRC/tests/bench/gen_chats.py" 4 --seed 7 -o "$tmp/in.jsonl" || fail "gen_chats.py failed"

# A fixed test key, 64 hex characters + newline, mode 0600.
(umask 077 && printf '%s\n' 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f >"$tmp/k") \
    || fail "cannot write the key file"
chmod 600 "$tmp/k"

run() {  # run OUT ARGS... : callveil filter with ARGS, stdin from in.jsonl
    out=$1
    shift
    "$CV_BIN" filter --format jsonl --key "$tmp/k" "$@" <"$tmp/in.jsonl" >"$tmp/$out" 2>"$tmp/$out.err"
    rc=$?
    [ $rc -eq 0 ] || { head -c 2000 "$tmp/$out.err" >&2; fail "callveil filter $* exited $rc"; }
}

run single.jsonl
[ -s "$tmp/single.jsonl" ] || fail "callveil filter wrote nothing"
lines_in=$(wc -l <"$tmp/in.jsonl")
lines_out=$(wc -l <"$tmp/single.jsonl")
[ "$lines_in" -eq "$lines_out" ] || fail "line count changed: $lines_in in, $lines_out out"
cmp -s "$tmp/in.jsonl" "$tmp/single.jsonl" && fail "output equals input: nothing was pseudonymised"

parallel --will-cite --pipe --keep-order -j2 --block 256k \
    "$CV_BIN" filter --format jsonl --key "$tmp/k" <"$tmp/in.jsonl" >"$tmp/sharded.jsonl" 2>"$tmp/sharded.err" \
    || { head -c 2000 "$tmp/sharded.err" >&2; fail "parallel --pipe run failed"; }
cmp "$tmp/single.jsonl" "$tmp/sharded.jsonl" >&2 || fail "parallel --pipe output differs from one process"

run j1.jsonl -j 1
run j2.jsonl -j 2
cmp "$tmp/j1.jsonl" "$tmp/j2.jsonl" >&2 || fail "-j 1 and -j 2 outputs differ"
cmp "$tmp/single.jsonl" "$tmp/j1.jsonl" >&2 || fail "-j 1 output differs from the default"

echo "test_parallel: ok ($lines_in records; one process == parallel --pipe -j2 == -j 1 == -j 2)"
exit 0
