#!/bin/sh
# Throughput benchmark of `callveil filter` on chat JSONL against a naive
# Python baseline (baseline.py | zstd -3), measured with GNU time -v:
# wall seconds, MB/s, CPU seconds and peak RSS, plus the ratios
# callveil(-j1)/baseline and callveil(-j2)/callveil(-j1). Run on demand,
# never as a pass/fail test. See tests/bench/README.md.
#
# usage: bench_filter.sh [SIZE_MB] [--rss-1g] [--no-baseline]
#   env: CV_BIN (default: build/callveil), BENCH_DIR (default: $TMPDIR/callveil-bench)
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
size=100
rss1g=0
baseline=1
for a in "$@"; do
    case $a in
    --rss-1g) rss1g=1 ;;
    --no-baseline) baseline=0 ;;
    -h | --help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *[!0-9]* | '') echo "bench_filter: bad argument: $a" >&2; exit 1 ;;
    *) size=$a ;;
    esac
done

die() {
    echo "bench_filter: $*" >&2
    exit 1
}

CV_BIN=${CV_BIN:-$root/build/callveil}
[ -x "$CV_BIN" ] || die "no callveil binary at $CV_BIN (set CV_BIN)"
[ -x /usr/bin/time ] || die "needs GNU time at /usr/bin/time (Debian package time)"
command -v zstd >/dev/null 2>&1 || die "needs the zstd program"
command -v python3 >/dev/null 2>&1 || die "needs python3"
"$CV_BIN" filter --help >/dev/null 2>&1 || die "$CV_BIN filter --help failed"

dir=${BENCH_DIR:-${TMPDIR:-/tmp}/callveil-bench}
mkdir -p "$dir" || die "cannot create $dir"
key=$dir/bench.key
if [ ! -f "$key" ]; then
    (umask 077 && printf '%s\n' 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f >"$key")
fi
chmod 600 "$key"

# data FILE-for-SIZE: generated once per size and generator version, then reused
data() {
    d_sum=$(cksum <"$here/gen_chats.py" | cut -d' ' -f1)
    d_f=$dir/chats-$1MB-$d_sum.jsonl
    if [ ! -f "$d_f" ]; then
        echo "generating $1 MB of chat JSONL in $d_f ..." >&2
        python3 "$here/gen_chats.py" "$1" -o "$d_f.tmp" --stats || die "gen_chats.py failed"
        mv "$d_f.tmp" "$d_f"
    fi
    echo "$d_f"
}

# measure NAME INPUT COMMAND: run COMMAND (sh -c, stdin INPUT) under GNU time;
# prints "NAME wall cpu rss_mb"
measure() {
    # POSIX sh has no `local`: m_* names keep the caller's variables intact
    m_name=$1 m_in=$2 m_cmd=$3
    /usr/bin/time -v -o "$dir/$m_name.time" sh -c "$m_cmd" <"$m_in" || die "$m_name failed (see $dir/$m_name.time)"
    awk -v name="$m_name" '
        /Elapsed \(wall clock\)/ { n = split($NF, p, ":"); w = 0; for (i = 1; i <= n; i++) w = w * 60 + p[i] }
        /User time \(seconds\)/ { u = $NF }
        /System time \(seconds\)/ { s = $NF }
        /Maximum resident set size/ { r = $NF / 1024 }
        END { printf "%s %.2f %.2f %.1f\n", name, w, u + s, r }' "$dir/$m_name.time"
}

in=$(data "$size")
bytes=$(wc -c <"$in")
mb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }')

# Sanity: callveil must round-trip the record count before we time it.
head -n 2000 "$in" >"$dir/sanity.jsonl"
n_out=$("$CV_BIN" filter --format jsonl --zstd --key "$key" -j 2 <"$dir/sanity.jsonl" | zstd -d -q -c | wc -l)
[ "$n_out" -eq 2000 ] || die "sanity check: 2000 records in, $n_out out"

results=$dir/results.txt
: >"$results"
if [ $baseline -eq 1 ]; then
    # The exit status of the Python half of the pipe is kept in a file (no pipefail in POSIX sh).
    measure baseline "$in" "{ python3 '$here/baseline.py' --key '$key'; echo \$? >'$dir/baseline.rc'; } | zstd -3 -q -c >/dev/null" >>"$results"
    [ "$(cat "$dir/baseline.rc")" = 0 ] || die "baseline.py failed"
fi
measure callveil-j1 "$in" "'$CV_BIN' filter --format jsonl --zstd --key '$key' -j 1 >/dev/null" >>"$results"
measure callveil-j2 "$in" "'$CV_BIN' filter --format jsonl --zstd --key '$key' -j 2 >/dev/null" >>"$results"
# the same with an explicit policy (only message texts scanned), as a deployment would run it
measure callveil-j1-policy "$in" "'$CV_BIN' filter --format jsonl --zstd --key '$key' --policy '$here/policy-chats.yaml' -j 1 >/dev/null" >>"$results"

bigmb=0
if [ $rss1g -eq 1 ]; then
    big=$(data 1000)
    bigmb=$(awk -v b="$(wc -c <"$big")" 'BEGIN { printf "%.1f", b / 1e6 }')
    measure callveil-j1-1GB "$big" "'$CV_BIN' filter --format jsonl --zstd --key '$key' -j 1 >/dev/null" >>"$results"
    measure callveil-j2-1GB "$big" "'$CV_BIN' filter --format jsonl --zstd --key '$key' -j 2 >/dev/null" >>"$results"
fi

echo "callveil filter benchmark: chat JSONL, $mb MB ($(wc -l <"$in") records), $(nproc) cores, $("$CV_BIN" --version 2>/dev/null | head -n 1)"
awk -v mb="$mb" -v big="$bigmb" '
    { wall[$1] = $2; cpu[$1] = $3; rss[$1] = $4; order[NR] = $1 }
    END {
        printf "%-16s %9s %9s %9s %11s %12s\n", "run", "wall s", "MB/s", "cpu s", "MB/cpu-s", "peak RSS MB"
        for (i = 1; i <= NR; i++) {
            k = order[i]; m = (k ~ /-1GB$/) ? big : mb
            printf "%-16s %9.2f %9.1f %9.2f %11.1f %12.1f\n", k, wall[k], (wall[k] > 0 ? m / wall[k] : 0), cpu[k],
                   (cpu[k] > 0 ? m / cpu[k] : 0), rss[k]
        }
        if (("baseline" in wall) && wall["callveil-j1"] > 0)
            printf "speed-up callveil -j1 / baseline: %.1fx\n", wall["baseline"] / wall["callveil-j1"]
        if (wall["callveil-j2"] > 0)
            printf "speed-up callveil -j2 / -j1:      %.2fx\n", wall["callveil-j1"] / wall["callveil-j2"]
    }' "$results"
