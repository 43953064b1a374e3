#!/bin/sh
# End-to-end: inputs that are not plain readable files (issue 8, item 15).
#  1. a file removed after the listing, before it is processed: it fails alone
#     (manifest: failed, reason), the others are done, exit 3 (was: exit 2,
#     no manifest). The run is held between listing and processing by a
#     FIFO named first on the command line: its open waits for our writer.
#  2. dangling symlinks, symlink loops, FIFOs and symlinked directories in an
#     input directory: a warning each on stderr (its name, never content) and
#     a "skipped" manifest entry with the reason (were skipped silently).
#  3. a zstd frame whose window is over the decoder's limit (zstd --long=31):
#     a message naming the limit, not "corrupt" (run: exit 3; filter: exit 3).
#  4. a truncated .zst: exit 3 under run and under filter alike (filter
#     exited 2), filter writing the records before the cut.
# No record content on stderr or in the manifest. Env: CV_BIN. POSIX sh.
set -u

fail() {
    echo "test_inputs: FAIL: $*" >&2
    exit 1
}

[ -n "${CV_BIN:-}" ] && [ -x "$CV_BIN" ] || fail "CV_BIN (${CV_BIN:-unset}) is not an executable callveil"
command -v zstd >/dev/null 2>&1 || fail "the zstd CLI is not installed"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cv-e2e-inputs.XXXXXX") || fail "mktemp"
trap 'rm -rf "$tmp"' EXIT INT TERM
(umask 077 && printf '%s\n' 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f >"$tmp/k") || fail "key"
rec='{"id":1,"text":"SECRETVALUE call 07700 900123"}'
nocontent() {  # nocontent FILE...: no record content in them
    for f in "$@"; do
        ! grep -q 'SECRETVALUE\|900123' "$f" || fail "record content in $f"
    done
}

# ---- 1. a file vanishing between listing and processing
mkdir "$tmp/in1" || fail mkdir
for n in a b c; do echo "$rec" >"$tmp/in1/$n.jsonl"; done
mkfifo "$tmp/first.jsonl" || fail mkfifo
"$CV_BIN" run -k "$tmp/k" -j 2 "$tmp/first.jsonl" "$tmp/in1" -o "$tmp/out1" >"$tmp/o1" 2>"$tmp/e1" &
pid=$!
exec 3>"$tmp/first.jsonl"      # returns once the run opens the FIFO: the listing is done
rm "$tmp/in1/b.jsonl"
echo "$rec" >&3
exec 3>&-
wait $pid
rc=$?
[ $rc -eq 3 ] || fail "1: a vanished file: exit $rc, want 3 ($(cat "$tmp/e1"))"
m="$tmp/out1/manifest.json"
[ -f "$m" ] || fail "1: no manifest"
grep -q '"input": "b.jsonl", "status": "failed", "reason": "the file vanished after it was listed"' "$m" ||
    fail "1: b.jsonl is not failed in the manifest"
grep -q '"input_bytes": null' "$m" || fail "1: the vanished file's size should be null, not 0"
for n in a c first; do
    grep -q "\"input\": \"$n.jsonl\", \"status\": \"done\"" "$m" || fail "1: $n.jsonl was not done"
    [ -f "$tmp/out1/$n.jsonl.zst" ] || fail "1: no output for $n.jsonl"
done
[ ! -e "$tmp/out1/b.jsonl.zst" ] || fail "1: an output for the vanished file"
grep -q '"files_failed": 1' "$m" || fail "1: files_failed should be 1"
grep -q 'b.jsonl: the file vanished after it was listed' "$tmp/e1" || fail "1: no error naming b.jsonl on stderr"
nocontent "$m" "$tmp/e1" "$tmp/o1"

# ---- 2. non-regular entries in an input directory
mkdir "$tmp/in2" "$tmp/in2/sub" || fail mkdir
echo "$rec" >"$tmp/in2/real.jsonl"
echo "$rec" >"$tmp/in2/sub/inner.jsonl"
ln -s real.jsonl "$tmp/in2/link.jsonl"
ln -s nowhere.jsonl "$tmp/in2/dangling.jsonl"
ln -s loop2.jsonl "$tmp/in2/loop1.jsonl"
ln -s loop1.jsonl "$tmp/in2/loop2.jsonl"
ln -s sub "$tmp/in2/dirlink"
mkfifo "$tmp/in2/pipe.jsonl"
"$CV_BIN" run -k "$tmp/k" "$tmp/in2" -o "$tmp/out2" >"$tmp/o2" 2>"$tmp/e2"
rc=$?
[ $rc -eq 0 ] || fail "2: exit $rc, want 0 ($(cat "$tmp/e2"))"
m="$tmp/out2/manifest.json"
for x in "dangling.jsonl:a dangling symbolic link" "loop1.jsonl:a symbolic link loop" \
         "loop2.jsonl:a symbolic link loop" "dirlink:a symbolic link to a directory" \
         "pipe.jsonl:a FIFO (named pipe)"; do
    n=${x%%:*}
    why=${x#*:}
    grep -q "warning: skipping $n: $why" "$tmp/e2" || fail "2: no warning for $n ($why)"
    grep -q "\"input\": \"$n\", \"status\": \"skipped\", \"reason\": \"$why" "$m" || fail "2: $n not skipped in the manifest"
done
for n in real.jsonl link.jsonl sub/inner.jsonl; do
    grep -q "\"input\": \"$n\", \"status\": \"done\"" "$m" || fail "2: $n was not done"
done
grep -q '"files_skipped": 5' "$m" || fail "2: files_skipped should be 5"
nocontent "$m" "$tmp/e2" "$tmp/o2"

# ---- 3. a zstd window over the limit
mkdir "$tmp/in3" || fail mkdir
{ echo "$rec"; head -c 100000 /dev/zero | tr '\0' '\n'; } | zstd -q --long=31 -c >"$tmp/in3/long.jsonl.zst" ||
    fail "3: zstd --long=31 failed"
limit='zstd frame needs a window over the 128 MiB limit (made with zstd --long=28 or more?)'
"$CV_BIN" run -k "$tmp/k" "$tmp/in3" -o "$tmp/out3" >"$tmp/o3" 2>"$tmp/e3"
rc=$?
[ $rc -eq 3 ] || fail "3: run: exit $rc, want 3"
grep -qF "\"status\": \"failed\", \"reason\": \"$limit" "$tmp/out3/manifest.json" || fail "3: run: the manifest does not name the limit"
grep -qF "$limit" "$tmp/e3" || fail "3: run: stderr does not name the limit"
! grep -q corrupt "$tmp/e3" "$tmp/out3/manifest.json" || fail "3: called corrupt"
"$CV_BIN" filter -k "$tmp/k" --format jsonl <"$tmp/in3/long.jsonl.zst" >"$tmp/f3" 2>"$tmp/e3f"
rc=$?
[ $rc -eq 3 ] || fail "3: filter: exit $rc, want 3"
grep -qF "$limit" "$tmp/e3f" || fail "3: filter: stderr does not name the limit"
nocontent "$tmp/out3/manifest.json" "$tmp/e3" "$tmp/e3f"

# ---- 4. a truncated .zst: the same exit code under run and filter
mkdir "$tmp/in4" || fail mkdir
i=0
while [ $i -lt 20000 ]; do
    echo "{\"id\":$i,\"text\":\"SECRETVALUE $i\"}"
    i=$((i + 1))
done | zstd -q -c >"$tmp/whole.zst"
size=$(wc -c <"$tmp/whole.zst")
head -c $((size / 2)) "$tmp/whole.zst" >"$tmp/in4/cut.jsonl.zst"
"$CV_BIN" run -k "$tmp/k" "$tmp/in4" -o "$tmp/out4" >"$tmp/o4" 2>"$tmp/e4"
rc=$?
[ $rc -eq 3 ] || fail "4: run: exit $rc, want 3"
grep -q '"status": "failed", "reason": "truncated zstd stream"' "$tmp/out4/manifest.json" || fail "4: run: not failed as truncated"
[ ! -e "$tmp/out4/cut.jsonl.zst" ] || fail "4: run wrote part of a failed file"
"$CV_BIN" filter -k "$tmp/k" --format jsonl <"$tmp/in4/cut.jsonl.zst" >"$tmp/f4" 2>"$tmp/e4f"
rc=$?
[ $rc -eq 3 ] || fail "4: filter: exit $rc, want 3 as under run"
grep -q 'stdin: byte [0-9]*: truncated zstd stream' "$tmp/e4f" || fail "4: filter: no location of the cut on stderr"
got=$(grep -c '' "$tmp/f4")
[ "$got" -gt 0 ] || fail "4: filter wrote none of the records before the cut"
grep -q "rejected" "$tmp/e4f" || fail "4: filter: no count of what was lost"
nocontent "$tmp/e4" "$tmp/e4f" "$tmp/out4/manifest.json"
echo "test_inputs: ok ($got records before the cut written by filter)"
