#!/bin/sh
# End-to-end: `callveil risk` on the CDRs `callveil run samples` writes
# (cdr/Master.csv.zst). Class counts and min k checked against an
# independent count in Python over the decompressed rows; unicity within the
# bounds an exhaustive count over all point subsets allows; --enforce-k output
# k-anonymous and row-accounted; no value of the data in the report; exit
# codes 0, 1, 2, 3. Env: CV_BIN (callveil binary), CV_SRC (source tree). POSIX sh.
set -u

fail() {
    echo "test_risk: FAIL: $*" >&2
    exit 1
}

[ -n "${CV_BIN:-}" ] && [ -x "$CV_BIN" ] || fail "CV_BIN (${CV_BIN:-unset}) is not an executable callveil"
[ -n "${CV_SRC:-}" ] && [ -d "$CV_SRC/samples" ] || fail "CV_SRC must name the source tree"
command -v python3 >/dev/null 2>&1 || fail "python3 is not installed"
command -v zstd >/dev/null 2>&1 || fail "zstd is not installed"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cv-e2e-risk.XXXXXX") || fail "mktemp"
trap 'rm -rf "$tmp"' EXIT INT TERM

(umask 077 && printf '%s\n' 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f >"$tmp/k") \
    || fail "cannot write the key file"
chmod 600 "$tmp/k"

# risk over Master.csv's own headerless form: the sample policy without
# `output: csv`, src's calling code kept in the token (`country: combined`)
sed -e '/^    output: csv/d' \
    -e 's/src: {token: phone, keep_country_code: true}/src: {token: phone, keep_country_code: true, country: combined}/' \
    "$CV_SRC/samples/policy.yaml" >"$tmp/policy.yaml" || fail "cannot write the policy"
grep -q 'country: combined' "$tmp/policy.yaml" || fail "the sample policy's src rule changed: update this test"
"$CV_BIN" run -q --key "$tmp/k" --policy "$tmp/policy.yaml" "$CV_SRC/samples" -o "$tmp/out" \
    2>"$tmp/run.err" || { cat "$tmp/run.err" >&2; fail "callveil run samples failed"; }
cdr="$tmp/out/cdr/Master.csv.zst"
[ -s "$cdr" ] || fail "no $cdr"
zstd -dcq "$cdr" >"$tmp/master.csv" || fail "cannot decompress $cdr"

# The report: JSON on stdout, the summary on stderr.
"$CV_BIN" risk --quasi start,duration,dcontext --subject src "$cdr" >"$tmp/r.json" 2>"$tmp/r.err"
rc=$?
[ $rc -eq 0 ] || { cat "$tmp/r.err" >&2; fail "callveil risk exited $rc"; }
grep -q '^callveil: risk: .* equivalence classes over start,duration,dcontext; min k ' "$tmp/r.err" \
    || fail "no summary on stderr"
grep -q '^callveil: risk: unicity over ' "$tmp/r.err" || fail "no unicity summary on stderr"

# --enforce-k 2, the report to a file, nothing on stdout.
mkdir "$tmp/k2" || fail "mkdir"
"$CV_BIN" risk -q --quasi start,duration,dcontext --enforce-k 2 -o "$tmp/k2/Master.csv.zst" --json "$tmp/k2.json" \
    "$cdr" >"$tmp/k2.out" 2>"$tmp/k2.err" || { cat "$tmp/k2.err" >&2; fail "callveil risk --enforce-k failed"; }
[ -s "$tmp/k2.out" ] && fail "--json FILE still wrote to stdout"
[ -s "$tmp/k2.err" ] && fail "--quiet still wrote to stderr"
zstd -dcq "$tmp/k2/Master.csv.zst" >"$tmp/k2.csv" || fail "the --enforce-k output is not zstd"
"$CV_BIN" risk -q --quasi start,duration,dcontext "$tmp/k2/Master.csv.zst" >"$tmp/k2b.json" \
    || fail "callveil risk on the --enforce-k output failed"

python3 - "$tmp" <<'EOF' || fail "report check failed"
import csv, itertools, json, sys
from collections import Counter, defaultdict
tmp = sys.argv[1]
cols = ["accountcode", "src", "dst", "dcontext", "clid", "channel", "dstchannel", "lastapp", "lastdata", "start",
        "answer", "end", "duration", "billsec", "disposition", "amaflags", "uniqueid", "userfield"]
rows = [dict(zip(cols, r)) for r in csv.reader(open(f"{tmp}/master.csv", newline=""))]
quasi = ["start", "duration", "dcontext"]
pt = lambda r: tuple(r[c] for c in quasi)
cls = Counter(pt(r) for r in rows)
text = open(f"{tmp}/r.json").read()
j = json.loads(text)

def eq(name, got, want):
    if got != want:
        sys.exit(f"{name}: report says {got}, independent count {want}")

eq("records", j["records"], len(rows))
eq("rejected", j["rejected"], 0)
eq("equivalence_classes", j["equivalence_classes"], len(cls))
eq("min_k", j["min_k"], min(cls.values()))
eq("classes_k1", j["classes_k1"], sum(1 for k in cls.values() if k == 1))
eq("classes_k_lt_5", j["classes_k_lt_5"], sum(1 for k in cls.values() if k < 5))
lt5 = sum(k for k in cls.values() if k < 5)
eq("records_k_lt_5", j["records_k_lt_5"], lt5)
eq("share_records_k_lt_5", j["share_records_k_lt_5"], round(lt5 / len(rows), 6))
eq("histogram records", sum(b["records"] for b in j["k_histogram"]), len(rows))
eq("histogram classes", sum(b["classes"] for b in j["k_histogram"]), len(cls))

u = j["unicity"]
pts = defaultdict(set)
for r in rows:
    if r["src"]:
        pts[r["src"]].add(pt(r))
eq("computed", u["computed"], True)
eq("subjects", u["subjects"], len(pts))
eq("sampled", u["sampled"], len(pts))
eq("points", [b["p"] for b in u["by_points"]], [1, 2, 3, 4])
for b in u["by_points"]:
    p = b["p"]
    elig = [s for s in pts if len(pts[s]) >= p]
    lo = hi = 0
    for s in elig:
        subsets = list(itertools.combinations(sorted(pts[s]), p))
        n = sum(1 for sub in subsets if not any(set(sub) <= pts[o] for o in pts if o != s))
        lo += n == len(subsets)
        hi += n > 0
    eq(f"p={p} subjects", b["subjects"], len(elig))
    if not lo <= b["unique"] <= hi:
        sys.exit(f"p={p}: {b['unique']} unique, outside [{lo}, {hi}]")

# No value of a quasi-identifier or of the subject anywhere in the report.
for r in rows:
    for c in quasi + ["src"]:
        if len(r[c]) >= 3 and r[c] in text:
            sys.exit(f"the report holds a value of column {c}")

# --enforce-k 2: every kept row was a row of a class of size >= 2, in order.
k2 = json.load(open(f"{tmp}/k2.json"))
kept = [r for r in csv.reader(open(f"{tmp}/k2.csv", newline=""))]
want = [list(r.values()) for r in rows if cls[pt(r)] >= 2]
eq("kept rows", kept, want)
e = k2["enforce_k"]
eq("written", e["written"], len(want))
eq("suppressed", e["suppressed"], len(rows) - len(want))
eq("suppressed_classes", e["suppressed_classes"], sum(1 for k in cls.values() if k < 2))
eq("unicity without subject", k2["unicity"]["computed"], False)
k2b = json.load(open(f"{tmp}/k2b.json"))
eq("records after enforce", k2b["records"], len(want))
if want and k2b["min_k"] < 2:
    sys.exit("the --enforce-k 2 output still has a class below 2")
print(f"test_risk: {len(rows)} records, {len(cls)} classes, min k {j['min_k']}, "
      f"unicity p=1..4 {[b['unique'] for b in u['by_points']]} of {[b['subjects'] for b in u['by_points']]}")
EOF

# The same rows split over two shards (one zstd): one dataset, the same report.
mkdir "$tmp/s1" "$tmp/s2" || fail "mkdir"
half=$(($(wc -l <"$tmp/master.csv") / 2))
head -n "$half" "$tmp/master.csv" >"$tmp/s1/Master.csv" && tail -n +"$((half + 1))" "$tmp/master.csv" | zstd -q -o "$tmp/s2/Master.csv.zst" \
    || fail "cannot split the CDRs"
"$CV_BIN" risk -q --quasi start,duration,dcontext --subject src "$tmp/s1/Master.csv" "$tmp/s2/Master.csv.zst" \
    >"$tmp/split.json" || fail "callveil risk over two files failed"
python3 - "$tmp" <<'EOF' || fail "the report over two shards differs"
import json, sys
tmp = sys.argv[1]
whole, split = json.load(open(f"{tmp}/r.json")), json.load(open(f"{tmp}/split.json"))
files = split.pop("files")
whole.pop("file")
if files != [f"{tmp}/s1/Master.csv", f"{tmp}/s2/Master.csv.zst"]:
    sys.exit(f"files: {files}")
if split != whole:
    sys.exit(f"{split} != {whole}")
EOF
"$CV_BIN" risk -q --quasi start --enforce-k 2 -o "$tmp/s.csv" "$tmp/s1/Master.csv" "$tmp/s2/Master.csv.zst" \
    >/dev/null 2>&1
rc=$?
[ $rc -eq 1 ] || fail "--enforce-k over two files: exit $rc, expected 1"

# Exit codes: 2 unknown column or missing file, 1 usage, 3 rejected rows.
"$CV_BIN" risk --quasi start,src_country "$cdr" >/dev/null 2>"$tmp/e.err"
rc=$?
[ $rc -eq 2 ] || fail "unknown column: exit $rc, expected 2"
grep -q "unknown column 'src_country'" "$tmp/e.err" || fail "unknown column: no message naming it"
"$CV_BIN" risk --quasi start "$tmp/nonexistent.csv" >/dev/null 2>&1
rc=$?
[ $rc -eq 2 ] || fail "missing file: exit $rc, expected 2"
"$CV_BIN" risk "$cdr" >/dev/null 2>&1
rc=$?
[ $rc -eq 1 ] || fail "no --quasi: exit $rc, expected 1"
"$CV_BIN" risk --quasi start --enforce-k 3 "$cdr" >/dev/null 2>&1
rc=$?
[ $rc -eq 1 ] || fail "--enforce-k without -o: exit $rc, expected 1"
"$CV_BIN" risk --quasi start --generalise start=fortnight "$cdr" >/dev/null 2>&1
rc=$?
[ $rc -eq 1 ] || fail "bad --generalise: exit $rc, expected 1"
mkdir "$tmp/bad" && cp "$tmp/master.csv" "$tmp/bad/Master.csv" && printf '"short","row"\n' >>"$tmp/bad/Master.csv" \
    || fail "cannot write the bad input"
"$CV_BIN" risk --quasi start "$tmp/bad/Master.csv" >"$tmp/bad.json" 2>"$tmp/bad.err"
rc=$?
[ $rc -eq 3 ] || fail "rejected row: exit $rc, expected 3"
grep -q '"rejected":1' "$tmp/bad.json" || fail "rejected row not counted"
grep -q "line $(($(wc -l <"$tmp/master.csv") + 1)), byte" "$tmp/bad.err" || fail "rejected row not located"
grep -q 'short' "$tmp/bad.err" && fail "rejected row content in the message"
"$CV_BIN" risk --help | grep -q -- '--enforce-k' || fail "risk --help"
"$CV_BIN" help risk | grep -q -- '--subject' || fail "help risk"

echo "test_risk: ok"
exit 0
