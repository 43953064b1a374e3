#!/bin/sh
# Custom detectors on the chat benchmark (issue 9): the embedded default
# policy against the same policy plus 10 regex detectors and a
# 100,000-entry words_file, on the same input in the same run (CPU seconds
# and MB/s from GNU time; the ratio is what to read on a shared machine).
# The two alternate for ROUNDS rounds (default 5); the ratio reported is the
# median of the rounds' ratios, so that the machine's drift cancels.
# Run on demand, never as a pass/fail test. See tests/bench/README.md.
#
# usage: bench_custom.sh [SIZE_MB [ROUNDS]]    env: CV_BIN, BENCH_DIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
size=${1:-50}
rounds=${2:-5}
case $rounds in ''|*[!0-9]*|0) echo "bench_custom: ROUNDS must be a positive number" >&2; exit 2 ;; esac
CV_BIN=${CV_BIN:-$root/build/callveil}
die() { echo "bench_custom: $*" >&2; exit 1; }
[ -x "$CV_BIN" ] || die "no callveil binary at $CV_BIN (set CV_BIN)"
[ -x /usr/bin/time ] || die "needs GNU time at /usr/bin/time (Debian package time)"
dir=${BENCH_DIR:-${TMPDIR:-/tmp}/callveil-bench}
mkdir -p "$dir" || die "cannot create $dir"
key=$dir/bench.key
[ -f "$key" ] || (umask 077 && printf '%s\n' 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f >"$key")
chmod 600 "$key"
in=$dir/chats-custom-$size.jsonl
[ -f "$in" ] || python3 "$here/gen_chats.py" "$size" -o "$in" >/dev/null || die "gen_chats.py failed"

# 100,000 distinct entries: two-word pseudo-names of 5-9 letters (a seeded
# generator: not names of anyone), like a centre's list of agents or products
words=$dir/words-100k.txt
[ -f "$words" ] || python3 - "$words" <<'PY'
import random, sys
r = random.Random(9)
seen = set()
with open(sys.argv[1], "w") as f:
    while len(seen) < 100000:
        w = " ".join("".join(r.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(r.randint(5, 9))).capitalize()
                     for _ in range(2))
        if w not in seen:
            seen.add(w)
            f.write(w + "\n")
PY

# the default policy's text plus the detectors
pol=$dir/policy-custom.yaml
{
    "$CV_BIN" check-policy --print-default 2>/dev/null || sed -n '1,$p' "$root/pipeline/default_policy.yaml"
    cat <<YAML
detectors:
  - {name: loyalty, entity: loyalty_id, regex: '\\bLY-?[0-9]{8}\\b'}
  - {name: member, entity: member_no, regex: '\\bMB[0-9]{7}\\b', context: [member, membership]}
  - {name: policy_no, entity: policy_no, regex: '\\bPOL/[0-9]{4}/[0-9]{6}\\b'}
  - {name: case_ref, entity: case_ref, regex: '\\bCS-[A-Z]{2}-[0-9]{6}\\b'}
  - {name: contract, entity: contract_no, regex: '\\bK[0-9]{9}[A-Z]\\b'}
  - {name: voucher, entity: voucher, regex: '\\bVCH[A-Z0-9]{10}\\b', validate: mod97}
  - {name: customer, entity: customer_no, regex: '\\bC-[0-9]{3}-[0-9]{3}-[0-9]{3}\\b', validate: luhn}
  - {name: badge, entity: badge, regex: '\\bBDG[0-9]{5}\\b'}
  - {name: meter, entity: meter_id, regex: '\\bMTR[0-9]{11}\\b', normalise: digits}
  - {name: plate, entity: plate, regex: '\\b[A-Z]{2}[0-9]{2} ?[A-Z]{3}\\b', context: [reg, registration, plate]}
  - {name: agents, entity: person, words_file: $words}
YAML
} >"$pol"
"$CV_BIN" check-policy "$pol" >/dev/null || die "the custom policy does not load"

bytes=$(wc -c <"$in")
run() {
    /usr/bin/time -v -o "$dir/$1.time" sh -c "$2" <"$in" >/dev/null || die "$1 failed"
    awk -v name="$1" -v b="$bytes" '
        /User time/ { u = $NF } /System time/ { s = $NF } /Maximum resident/ { r = $NF / 1024 }
        END { printf "%-16s cpu %6.2f s  %7.1f MB/s  rss %6.1f MB\n", name, u + s, b / 1e6 / (u + s), r }' "$dir/$1.time"
}
"$CV_BIN" filter --format jsonl --key "$key" -j 1 --policy "$pol" <"$in" >/dev/null || die "warm-up failed"
ratios=
r=1
while [ "$r" -le "$rounds" ]; do
    d=$(run default "'$CV_BIN' filter --format jsonl --key '$key' -j 1")
    c=$(run custom "'$CV_BIN' filter --format jsonl --key '$key' -j 1 --policy '$pol'")
    echo "round $r: $d"
    echo "round $r: $c"
    ratios="$ratios $(echo "$d
$c" | awk '{ mbs[NR] = $5 } END { printf "%.4f", mbs[2] / mbs[1] }')"
    r=$((r + 1))
done
echo "$ratios" | tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 }
    END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
          printf "custom / default (MB per CPU second, median of %d rounds): %.2fx (rounds %.2f-%.2f; target >= 0.8x)\n", NR, m, v[1], v[NR] }'
