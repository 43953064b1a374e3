#!/bin/sh
# Throughput benchmark of `callveil filter` on chat JSONL against a naive
# Python baseline (baseline.py | zstd -3), measured with GNU time -v:
# wall seconds, MB/s, CPU seconds and peak RSS, plus the ratios
# callveil(-j1)/baseline and callveil(-j2)/callveil(-j1). With --vs REV, also
# against REV's binary, built in the same run (cached per commit), the two
# measured alternately for N rounds: medians and the ratios this/REV of
# MB/s and peak RSS. Run on demand, never as a pass/fail test. See
# tests/bench/README.md.
#
# usage: bench_filter.sh [SIZE_MB] [--rss-1g] [--no-baseline] [--vs REV | --vs-prev] [--rounds N]
#   --vs REV     also build git revision REV (RelWithDebInfo, in a temporary worktree)
#   --vs-prev    the same for HEAD~1
#   --rounds N   rounds of each callveil measurement, median reported
#                (default: 3 with --vs, else 1)
#   env: CV_BIN (default: build/callveil), BENCH_DIR (default: $TMPDIR/callveil-bench),
#        BENCH_JOBS (build jobs for REV, default 2)
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
size=100
rss1g=0
baseline=1
vs=
rounds=

die() {
    echo "bench_filter: $*" >&2
    exit 1
}

while [ $# -gt 0 ]; do
    case $1 in
    --rss-1g) rss1g=1 ;;
    --no-baseline) baseline=0 ;;
    --vs)
        [ $# -ge 2 ] && [ -n "$2" ] || die "--vs needs a git revision"
        vs=$2
        shift
        ;;
    --vs=*) vs=${1#--vs=}; [ -n "$vs" ] || die "--vs needs a git revision" ;;
    --vs-prev) vs=HEAD~1 ;;
    --rounds)
        [ $# -ge 2 ] || die "--rounds needs a number"
        rounds=$2
        shift
        ;;
    --rounds=*) rounds=${1#--rounds=} ;;
    -h | --help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *[!0-9]* | '') die "bad argument: $1" ;;
    *) size=$1 ;;
    esac
    shift
done
case $rounds in
'') if [ -n "$vs" ]; then rounds=3; else rounds=1; fi ;;
*[!0-9]* | 0) die "--rounds: expected a positive number, not '$rounds'" ;;
esac

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

# rev_build REV: sets rev_bin to REV's callveil and rev_name to its short
# hash. Built once per commit: a temporary git worktree of this repository
# at REV, configured in $dir/rev-HASH/build (RelWithDebInfo, no tests); the
# worktree is removed after the build, the build dir kept for reruns.
rev_src=
rev_cleanup() {
    if [ -n "$rev_src" ] && [ -d "$rev_src" ]; then
        git -C "$root" worktree remove --force "$rev_src" >/dev/null 2>&1 || rm -rf "$rev_src"
        git -C "$root" worktree prune >/dev/null 2>&1
    fi
    rev_src=
}
rev_build() {
    command -v git >/dev/null 2>&1 || die "--vs needs git"
    command -v cmake >/dev/null 2>&1 || die "--vs needs cmake"
    r_hash=$(git -C "$root" rev-parse --verify --quiet "$1^{commit}") || die "--vs: '$1' is no commit of $root"
    rev_name=$(git -C "$root" rev-parse --short "$r_hash")
    r_dir=$dir/rev-$r_hash
    rev_bin=$r_dir/build/callveil
    if [ -f "$r_dir/built" ] && [ -x "$rev_bin" ]; then
        echo "reusing $rev_bin ($1 = $rev_name)" >&2
        return 0
    fi
    echo "building $1 ($rev_name) in $r_dir/build (log: $r_dir/build.log) ..." >&2
    rm -rf "$r_dir"
    git -C "$root" worktree prune >/dev/null 2>&1   # a worktree of a killed run
    mkdir -p "$r_dir" || die "cannot create $r_dir"
    rev_src=$r_dir/src
    trap 'rev_cleanup' EXIT
    trap 'rev_cleanup; exit 130' INT TERM
    git -C "$root" worktree add --detach "$rev_src" "$r_hash" >"$r_dir/build.log" 2>&1 \
        || die "git worktree add failed (see $r_dir/build.log)"
    cmake -S "$rev_src" -B "$r_dir/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF >>"$r_dir/build.log" 2>&1 &&
        cmake --build "$r_dir/build" -j "${BENCH_JOBS:-2}" --target callveil >>"$r_dir/build.log" 2>&1
    r_rc=$?
    rev_cleanup
    trap - EXIT INT TERM
    [ $r_rc -eq 0 ] && [ -x "$rev_bin" ] || die "building $1 ($rev_name) failed (see $r_dir/build.log)"
    : >"$r_dir/built"
}
if [ -n "$vs" ]; then
    rev_build "$vs"
    "$rev_bin" filter --help >/dev/null 2>&1 || die "$rev_bin filter --help failed"
fi

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
same=
if [ -n "$vs" ]; then
    n_out=$("$rev_bin" filter --format jsonl --zstd --key "$key" -j 2 <"$dir/sanity.jsonl" | zstd -d -q -c | wc -l)
    [ "$n_out" -eq 2000 ] || die "sanity check of $rev_name: 2000 records in, $n_out out"
    "$CV_BIN" filter --format jsonl --key "$key" -j 1 <"$dir/sanity.jsonl" >"$dir/sanity.this.out" 2>/dev/null
    "$rev_bin" filter --format jsonl --key "$key" -j 1 <"$dir/sanity.jsonl" >"$dir/sanity.rev.out" 2>/dev/null
    if cmp -s "$dir/sanity.this.out" "$dir/sanity.rev.out"; then same=identical; else same=different; fi
fi

results=$dir/results.txt
: >"$results"
if [ $baseline -eq 1 ]; then
    # The exit status of the Python half of the pipe is kept in a file (no pipefail in POSIX sh).
    measure baseline "$in" "{ python3 '$here/baseline.py' --key '$key'; echo \$? >'$dir/baseline.rc'; } | zstd -3 -q -c >/dev/null" >>"$results"
    [ "$(cat "$dir/baseline.rc")" = 0 ] || die "baseline.py failed"
fi

# filter_cmd BIN RUN: the command of one callveil measurement; j1-policy is
# j1 with an explicit policy (only message texts scanned), as a deployment
# would run it
filter_cmd() {
    case $2 in
    j1) echo "'$1' filter --format jsonl --zstd --key '$key' -j 1 >/dev/null" ;;
    j2) echo "'$1' filter --format jsonl --zstd --key '$key' -j 2 >/dev/null" ;;
    j1-policy) echo "'$1' filter --format jsonl --zstd --key '$key' --policy '$here/policy-chats.yaml' -j 1 >/dev/null" ;;
    esac
}
# Each round runs every measurement, this binary then REV's right after it
# (A B A B ...), so both see the same load; the medians over the rounds go
# to results.txt, every round's figures to rounds.txt.
raw=$dir/rounds.txt
: >"$raw"
r=1
while [ $r -le "$rounds" ]; do
    [ "$rounds" -gt 1 ] && echo "round $r of $rounds ..." >&2
    for m in j1 j2 j1-policy; do
        measure "callveil-$m" "$in" "$(filter_cmd "$CV_BIN" $m)" >>"$raw"
        [ -n "$vs" ] && measure "$rev_name-$m" "$in" "$(filter_cmd "$rev_bin" $m)" >>"$raw"
    done
    r=$((r + 1))
done
# the median of each column per name, names in the order first measured
awk '
    function median(s,    v, n, i, j, t) {
        n = split(s, v, " ")
        for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
        return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
    }
    !($1 in w) { order[++k] = $1 }
    { w[$1] = w[$1] " " $2; c[$1] = c[$1] " " $3; m[$1] = m[$1] " " $4 }
    END { for (i = 1; i <= k; i++) { n = order[i]; printf "%s %.2f %.2f %.1f\n", n, median(w[n]), median(c[n]), median(m[n]) } }' \
    "$raw" >>"$results"

bigmb=0
if [ $rss1g -eq 1 ]; then
    big=$(data 1000)
    bigmb=$(awk -v b="$(wc -c <"$big")" 'BEGIN { printf "%.1f", b / 1e6 }')
    measure callveil-j1-1GB "$big" "'$CV_BIN' filter --format jsonl --zstd --key '$key' -j 1 >/dev/null" >>"$results"
    measure callveil-j2-1GB "$big" "'$CV_BIN' filter --format jsonl --zstd --key '$key' -j 2 >/dev/null" >>"$results"
fi

echo "callveil filter benchmark: chat JSONL, $mb MB ($(wc -l <"$in") records), $(nproc) cores, $("$CV_BIN" --version 2>/dev/null | head -n 1)"
if [ -n "$vs" ]; then
    echo "vs $vs = $rev_name ($("$rev_bin" --version 2>/dev/null | head -n 1)), built in $dir/rev-$r_hash; median of $rounds round(s), alternated; output on the 2000-record sample: $same"
elif [ "$rounds" -gt 1 ]; then
    echo "median of $rounds rounds"
fi
awk -v mb="$mb" -v big="$bigmb" -v rev="${rev_name:-}" -v vs="$vs" '
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
        if (rev != "") {
            printf "this / %s (%s), > 1 is faster or, for RSS, larger:\n", rev, vs
            split("j1 j2 j1-policy", runs, " ")
            for (i = 1; i <= 3; i++) {
                a = "callveil-" runs[i]; b = rev "-" runs[i]
                if (wall[a] > 0 && cpu[a] > 0 && rss[b] > 0)
                    printf "  %-10s MB/s %.3fx   MB/cpu-s %.3fx   peak RSS %.3fx\n", "-" runs[i], wall[b] / wall[a],
                           cpu[b] / cpu[a], rss[a] / rss[b]
            }
        }
    }' "$results"
