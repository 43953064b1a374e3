#!/bin/sh
# End-to-end: `run` and `run --resume` over many small files stay O(n log n)
# (issue 8, item 15). The journal lookup and the output-name check were a
# scan of every earlier file per file: resuming 20,000 files took ~3.2 s of
# user CPU (12 s for 40,000), now ~0.15 s; the first run, which does the
# work, is printed, not bounded. Measures the child's user CPU
# (GNU time, getrusage), not wall time, on tmpfs when there is one (fsync
# costs nothing there). Env: CV_BIN, CV_SANITIZED (1 under ASan: 5x the
# bound). POSIX sh.
set -u

fail() {
    echo "test_many_files: FAIL: $*" >&2
    exit 1
}

[ -n "${CV_BIN:-}" ] && [ -x "$CV_BIN" ] || fail "CV_BIN (${CV_BIN:-unset}) is not an executable callveil"
[ -x /usr/bin/time ] || fail "GNU time is not installed (Debian package time)"
command -v python3 >/dev/null 2>&1 || fail "python3 is not installed"
base=${TMPDIR:-/tmp}
[ -d /dev/shm ] && [ -w /dev/shm ] && base=/dev/shm
tmp=$(mktemp -d "$base/cv-e2e-many.XXXXXX") || fail "mktemp"
trap 'rm -rf "$tmp"' EXIT INT TERM
(umask 077 && printf '%s\n' 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f >"$tmp/k") || fail "key"

n=20000
python3 - "$tmp/in" $n <<'PY' || fail "cannot make the inputs"
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    d = os.path.join(root, "d%02d" % (i % 50))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%05d.jsonl" % i), "w") as f:
        f.write('{"id":%d,"text":"hello"}\n' % i)
PY

# bound in hundredths of a CPU second
bound=150
[ "${CV_SANITIZED:-0}" = 1 ] && bound=750

cpu() {  # cpu LABEL ARGS...: run callveil, check exit 0, print its user CPU in 1/100 s
    label=$1
    shift
    /usr/bin/time -f %U -o "$tmp/cpu" "$CV_BIN" "$@" >/dev/null 2>"$tmp/err" || fail "$label failed: $(cat "$tmp/err")"
    u=$(tail -n 1 "$tmp/cpu")
    case $u in *[!0-9.]* | '') fail "$label: no CPU time from GNU time ($u)" ;; esac
    echo "$u" | awk '{ printf "%d\n", $1 * 100 + 0.5 }'
}

first=$(cpu "run" run -q -k "$tmp/k" -j 2 "$tmp/in" -o "$tmp/out")
grep -c '"status": "done"' "$tmp/out/manifest.json" | grep -qx $n || fail "the first run did not do all $n files"
again=$(cpu "run --resume" run -q --resume -k "$tmp/k" -j 2 "$tmp/in" -o "$tmp/out")
grep -c '"status": "done (resumed)"' "$tmp/out/manifest.json" | grep -qx $n || fail "the resume did not resume all $n files"
echo "test_many_files: $n files: run $first/100 s, resume $again/100 s user CPU (resume bound $bound/100 s)"
[ "$again" -le $bound ] || fail "the resume of $n files took $again/100 s of user CPU (bound $bound/100)"
echo "test_many_files: ok"
