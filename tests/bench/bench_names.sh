#!/bin/sh
# Names in free text (issue 8 item 14): one JSONL record with NAMES name
# fields and TEXT_KIB KiB of message text that mentions them, through
# `callveil filter` (default policy: **.name tokenised, strings scanned) of
# two binaries: $OLD_BIN (the "before", e.g. main's build) and $CV_BIN (this
# tree). Prints wall and CPU seconds of each, the speed-up, and whether the
# outputs are identical. Run on demand, never as a test. See README.md.
#
# usage: bench_names.sh [NAMES] [TEXT_KIB]      (default 4000 1024)
#   env: OLD_BIN (optional), CV_BIN (default: build/callveil), BENCH_DIR
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
names=${1:-4000}
kib=${2:-1024}
CV_BIN=${CV_BIN:-$root/build/callveil}
OLD_BIN=${OLD_BIN:-}
dir=${BENCH_DIR:-${TMPDIR:-/tmp}/callveil-bench}
die() {
    echo "bench_names: $*" >&2
    exit 1
}
[ -x "$CV_BIN" ] || die "no callveil binary at $CV_BIN (set CV_BIN)"
[ -z "$OLD_BIN" ] || [ -x "$OLD_BIN" ] || die "no binary at OLD_BIN=$OLD_BIN"
[ -x /usr/bin/time ] || die "needs GNU time at /usr/bin/time"
mkdir -p "$dir" || die "cannot create $dir"
key=$dir/bench.key
if [ ! -f "$key" ]; then
    (umask 077 && printf '%s\n' 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f >"$key")
fi
chmod 600 "$key"

in=$dir/names-$names-$kib.jsonl
python3 - "$names" "$kib" "$in" <<'EOF' || die "generator failed"
import json, random, sys
n, kib, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rng = random.Random(14)
syl = ["ka", "ri", "mo", "an", "el", "to", "sa", "ne", "li", "da", "vi", "ro", "be", "ja", "mi", "la"]
def word():
    return "".join(rng.choice(syl) for _ in range(rng.randint(2, 4))).capitalize()
names = []
while len(names) < n:
    names.append(word() + " " + word())
vocab = ("the and to you I a of for is it my your on can have please order account thanks help call "
         "number today delivery refund payment address hello we will check that this with").split()
msgs, size = [], 0
while size < kib * 1024:
    ws = []
    while len(" ".join(ws)) < 1000:
        r = rng.random()
        nm = rng.choice(names)
        ws.append(nm if r < 0.03 else nm.split()[0] if r < 0.05 else nm.upper() if r < 0.06 else rng.choice(vocab))
    t = " ".join(ws)
    msgs.append({"from": "customer", "text": t})
    size += len(t)
rec = {"id": "CH-1", "people": [{"name": nm} for nm in names], "messages": msgs}
with open(out, "w") as f:
    f.write(json.dumps(rec, ensure_ascii=False) + "\n")
EOF
bytes=$(wc -c <"$in")

# run NAME BIN: prints "NAME wall cpu"
run() {
    /usr/bin/time -f "%e %U %S" -o "$dir/$1.time" "$2" filter --format jsonl --key "$key" -j 1 <"$in" >"$dir/$1.out" ||
        die "$1 failed"
    awk -v n="$1" '{ printf "%s %.2f %.2f\n", n, $1, $2 + $3 }' "$dir/$1.time"
}

echo "names in free text: one record, $names names, $kib KiB of text ($bytes bytes), callveil filter -j 1"
printf '%-8s %9s %9s\n' run "wall s" "cpu s"
res=$dir/names-results.txt
: >"$res"
[ -z "$OLD_BIN" ] || run before "$OLD_BIN" >>"$res"
run after "$CV_BIN" >>"$res"
awk '{ printf "%-8s %9.2f %9.2f\n", $1, $2, $3; cpu[$1] = $3 }
     END { if (("before" in cpu) && cpu["after"] > 0) printf "speed-up (cpu) before / after: %.0fx\n", cpu["before"] / cpu["after"] }' "$res"
if [ -n "$OLD_BIN" ]; then
    if cmp -s "$dir/before.out" "$dir/after.out"; then echo "outputs identical"
    else echo "outputs differ ($(cmp "$dir/before.out" "$dir/after.out" 2>&1 | head -n 1))"; fi
fi
