#!/bin/sh
# Where `callveil filter` spends its instructions, by stage: callgrind (a
# deterministic count, unlike time on a shared machine) over SIZE_MB of the
# bench's chat JSONL, default policy, `-j 1`, zstd level 3, then the
# inclusive count of each stage's entry function as a share of the whole
# run. Stages nest a little (member names are scanned by the detectors);
# each row says what it includes. With REV (a second binary, CV_BIN_B), the
# same rows for both and their ratio. Run on demand, never as a pass/fail
# test. See tests/bench/README.md.
#
# With CV_CYCLES=1, callgrind also simulates the caches and branch
# predictor (about 3x slower) and the last lines give each binary's
# instruction-cache, data-cache and last-level misses, branch mispredicts
# and KCachegrind's cycle estimate, Ir + 10 (L1 misses + mispredicts) +
# 100 LL misses: still deterministic, and closer to the time a change saves
# than instructions alone (a mispredict or a cache miss costs tens).
#
# usage: profile_stages.sh [SIZE_MB]    env: CV_BIN, CV_BIN_B, BENCH_DIR, CV_CYCLES
#   needs valgrind (Debian package valgrind) and python3
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
size=${1:-8}
case $size in *[!0-9]* | '') echo "profile_stages: bad size: $size" >&2; exit 1 ;; esac
die() { echo "profile_stages: $*" >&2; exit 1; }
CV_BIN=${CV_BIN:-$root/build/callveil}
[ -x "$CV_BIN" ] || die "no callveil binary at $CV_BIN (set CV_BIN)"
command -v valgrind >/dev/null 2>&1 || die "needs valgrind (apt-get install valgrind)"
command -v callgrind_annotate >/dev/null 2>&1 || die "needs callgrind_annotate (valgrind)"
dir=${BENCH_DIR:-${TMPDIR:-/tmp}/callveil-bench}
mkdir -p "$dir" || die "cannot create $dir"
key=$dir/bench.key
[ -f "$key" ] || (umask 077 && printf '%s\n' 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f >"$key")
chmod 600 "$key"
sum=$(cksum <"$here/gen_chats.py" | cut -d' ' -f1)
in=$dir/chats-$size""MB-$sum.jsonl
if [ ! -f "$in" ]; then
    python3 "$here/gen_chats.py" "$size" -o "$in.tmp" >/dev/null || die "gen_chats.py failed"
    mv "$in.tmp" "$in"
fi

# profile NAME BIN: callgrind's inclusive counts per function into $dir/NAME.incl
profile() {
    valgrind --tool=callgrind $sim --callgrind-out-file="$dir/$1.cg" "$2" filter --format jsonl --zstd --key "$key" -j 1 \
        <"$in" >"$dir/$1.out" 2>"$dir/$1.vg" || die "$1: callveil failed under valgrind (see $dir/$1.vg)"
    callgrind_annotate --inclusive=yes --threshold=100 "$dir/$1.cg" >"$dir/$1.incl" 2>/dev/null ||
        die "$1: callgrind_annotate failed"
}
sim=
[ "${CV_CYCLES:-0}" = 1 ] && sim="--cache-sim=yes --branch-sim=yes"
profile a "$CV_BIN"
if [ -n "${CV_BIN_B:-}" ]; then
    profile b "$CV_BIN_B"
    cmp -s "$dir/a.out" "$dir/b.out" && same="identical" || same="DIFFERENT"
fi

python3 - "$dir" "$size" "${CV_BIN_B:+b}" "${same:-}" <<'PY'
import re, sys
d, size, with_b, same = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
# stage -> (groups of entry functions, what it holds): a group counts its
# largest inclusive figure (names of the same entry in older binaries), the
# groups of a stage add up
STAGES = [
    ("JSON parse", [["jsonl_parse"]], "into the record model (formats/jsonl.c)"),
    ("detection", [["cvi_detect_with", "cv_detect_with", "cv_detect"]],
     "prefilter facts, cue gate, every detector, overlap resolution (values and member names)"),
    ("record's names", [["cvi_eng_build_name_words"], ["cvi_wordset_scan"]],
     "its name set built and matched in each text (and custom word lists)"),
    ("tokens", [["cvi_token_from"]], "BLAKE2b keyed pseudonyms (libsodium)"),
    ("JSON write", [["cvi_jsonl_write", "jsonl_write"]], "the record back out, escaping"),
    ("zstd", [["ZSTD_compress2"]], "level 3 frames (the writer thread)"),
    ("policy load", [["cv_policy_load"]], "start-up: YAML, detectors, word lists (once per process)"),
]
def load(tag):
    total, incl = 0, {}
    for line in open(f"{d}/{tag}.incl", errors="replace"):
        m = re.match(r"\s*([\d,]+)\s+\([\s\d.]+%\)\s+(\S.*?)\s*$", line)
        if not m:
            continue
        n, name = int(m.group(1).replace(",", "")), m.group(2)
        if "PROGRAM TOTALS" in name:
            total = n
            continue
        fn = re.sub(r"\s*\[.*\]$", "", name).split(":")[-1]
        fn = re.sub(r"\(.*", "", fn).split("'")[0]
        incl[fn] = max(incl.get(fn, 0), n)   # a function listed twice (file and object): its larger row
    return total, incl
a_total, a = load("a")
if with_b:
    b_total, b = load("b")
print(f"callveil filter, {size} MB of bench chats, default policy, -j 1, zstd 3: instructions by stage (callgrind, inclusive)")
hdr = f"{'stage':<16} {'this M':>9} {'share':>6}"
if with_b:
    hdr += f" {'B M':>9} {'share':>6} {'this/B':>7}"
print(hdr + "  holds")
def row(name, fa, fb, what):
    s = f"{name:<16} {fa / 1e6:9.1f} {100 * fa / a_total:5.1f}%"
    if with_b:
        ratio = f"{fa / fb:7.2f}" if fb else f"{'-':>7}"
        s += f" {fb / 1e6:9.1f} {100 * fb / b_total:5.1f}% {ratio}"
    print(s + "  " + what)
def stage(incl, groups):
    return sum(max(incl.get(f, 0) for f in g) for g in groups)
for name, groups, what in STAGES:
    row(name, stage(a, groups), stage(b, groups) if with_b else 0, what)
row("whole run", a_total, b_total if with_b else 0, "every thread, start-up included")
if with_b:
    print(f"outputs of the two binaries: {same}")
def sim(tag):
    ev, su = None, None
    for line in open(f"{d}/{tag}.cg", errors="replace"):
        if line.startswith("events:"):
            ev = line.split()[1:]
        elif line.startswith("summary:"):
            su = [int(x) for x in line.split()[1:]]
    if not ev or "Bcm" not in ev:
        return None
    v = dict(zip(ev, su))
    l1 = v["I1mr"] + v["D1mr"] + v["D1mw"]
    bm = v["Bcm"] + v["Bim"]
    ll = v["ILmr"] + v["DLmr"] + v["DLmw"]
    return v["Ir"], v["I1mr"], v["D1mr"] + v["D1mw"], bm, ll, v["Ir"] + 10 * (l1 + bm) + 100 * ll
ca = sim("a")
if ca:
    print(f"{'simulated':<16} {'Ir M':>8} {'I1 miss M':>10} {'D1 miss M':>10} {'mispred M':>10} {'LL miss M':>10} {'cycles est M':>13}")
    for name, c in (("this", ca), ("B", sim("b") if with_b else None)):
        if c:
            print(f"{name:<16} {c[0] / 1e6:8.1f} {c[1] / 1e6:10.2f} {c[2] / 1e6:10.2f} {c[3] / 1e6:10.2f} {c[4] / 1e6:10.3f} {c[5] / 1e6:13.1f}")
    if with_b and sim("b"):
        print(f"cycle estimate this/B: {ca[5] / sim('b')[5]:.3f}")
PY
