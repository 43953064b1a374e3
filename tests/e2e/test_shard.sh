#!/bin/sh
# End-to-end: file-level sharding of `run` (issue 13, items 2 and 3).
# `run` of the whole input == `merge` of `run --shard 0/3, 1/3, 2/3`: the same
# files, the same bytes of every output, the same manifest (less its
# "created" time), the same vault tokens revealing the same values; shard
# assignment does not depend on the listing order or the machine's paths;
# every shard reads one 0600 key file (a one-off key is refused); merges of
# shards that do not belong together are refused and write nothing.
# Input: samples/ (chats, SMS, CDR, a call recording with its transcript)
# plus a generated set of 38 files (JSONL chats, CSV SMS, Asterisk CDRs, a file
# named after a phone number, one no rule matches).
# Env: CV_BIN (callveil binary), CV_SRC (source tree). POSIX sh.
set -u

fail() {
    echo "test_shard: FAIL: $*" >&2
    exit 1
}

[ -n "${CV_BIN:-}" ] && [ -x "$CV_BIN" ] || fail "CV_BIN (${CV_BIN:-unset}) is not an executable callveil"
[ -n "${CV_SRC:-}" ] && [ -f "$CV_SRC/samples/chats.jsonl" ] || fail "CV_SRC must name the source tree"
command -v zstdcat >/dev/null 2>&1 || fail "zstdcat is not installed"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cv-e2e-shard.XXXXXX") || fail "mktemp"
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT INT TERM

# ---- keys, controller keys, policies ---------------------------------------
(umask 077 && printf '%s\n' 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f >"$tmp/k" &&
    printf '%s\n' 1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100 >"$tmp/k2") \
    || fail "cannot write the key files"
chmod 600 "$tmp/k" "$tmp/k2"
"$CV_BIN" keygen --controller -o "$tmp/ctrl" >/dev/null 2>&1 || fail "keygen --controller failed"

policy() {  # policy FILE EPOCH PHONE_ACTION
    cat >"$1" <<EOF
version: 1
tenant: acme
region: [GB, IE]
epoch: $2
vault: {public_key: $tmp/ctrl.pub}
entities:
  phone: $3
  email: token
  person: token
inputs:
  - match: "calls/*.wav"
    format: audio
    transcript: "{dir}/{stem}.json"
    audio: {spoken: beep, pad_ms: 200, dtmf: mute, metadata: strip}
  - match: "*.jsonl"
    format: jsonl
    fields:
      id: keep
      queue: keep
      started_at: {generalise: hour}
      customer.name: {token: person}
      customer.phone: {token: phone}
      customer.email: {token: email}
      messages[].from: keep
      messages[].text: scan
      "*": drop
  - match: "**/Master.csv"
    format: asterisk-cdr
    risk: {quasi: [start, duration], subject: src}
    fields: {src: {token: phone}, dst: {token: phone}, clid: {token: clid}, start: {generalise: day},
             duration: {generalise: duration}, disposition: keep, "*": drop}
  - match: "*.csv"
    format: csv
    fields: {id: keep, sent_at: {generalise: day}, direction: keep, from: {token: phone}, to: {token: phone}, body: scan, "*": drop}
EOF
}
policy "$tmp/p.yaml" 0 token
policy "$tmp/p-other.yaml" 0 redact
policy "$tmp/p-epoch1.yaml" 1 token
"$CV_BIN" check-policy "$tmp/p.yaml" >/dev/null || fail "the test policy does not validate"

# ---- the input: samples/ + a generated set ----------------------------------
in="$tmp/in"
mkdir -p "$in" && cp -R "$CV_SRC/samples/." "$in/" || fail "cannot copy samples/"
"$PY" - "$in" <<'EOF' || fail "cannot generate the input set"
import json, os, random, sys
root = sys.argv[1]
rnd = random.Random(13)
phones = ["+447700900%03d" % i for i in range(40)] + ["+353871234%03d" % i for i in range(20)]
names = ["Ann Lee", "Bob Stone", "Carla Diaz", "Dev Patel", "Eve Moss", "Finn Roe"]
shared = "+447700900123"      # in every file: one token met by every shard
for d in range(12):
    os.makedirs(f"{root}/chats/2024-03", exist_ok=True)
    with open(f"{root}/chats/2024-03/day{d:02d}.jsonl", "w") as f:
        for r in range(25):
            ph = rnd.choice(phones) if r else shared
            f.write(json.dumps({"id": f"CH-{d}-{r}", "queue": rnd.choice(["billing", "tech"]),
                                "started_at": f"2024-03-{d + 1:02d}T{r % 24:02d}:1{r % 10}:00Z",
                                "customer": {"name": rnd.choice(names), "phone": ph,
                                             "email": f"c{r % 7}@example.com"},
                                "messages": [{"from": "customer", "text": f"call me on {rnd.choice(phones)} please"},
                                             {"from": "agent", "text": "Thanks, noted."}]}) + "\n")
        if d == 5:
            f.write('{"id": "broken", "messages": [\n')     # one rejected record
for d in range(12):
    os.makedirs(f"{root}/sms", exist_ok=True)
    with open(f"{root}/sms/sms_{d:02d}.csv", "w") as f:
        f.write("id,sent_at,direction,from,to,body\n")
        for r in range(20):
            f.write(f"S{d}-{r},2024-03-{d + 1:02d}T10:{r:02d}:00Z,inbound,{rnd.choice(phones)},{shared},"
                    f"\"ring {rnd.choice(phones)} after 5\"\n")
for d in range(12):
    os.makedirs(f"{root}/cdr/site{d:02d}", exist_ok=True)
    with open(f"{root}/cdr/site{d:02d}/Master.csv", "w") as f:
        for r in range(15):
            src = rnd.choice(phones)
            f.write(f'"acme","{src}","08081570192","from-pstn","""{rnd.choice(names)}"" <{src}>",'
                    f'"PJSIP/trunk-1","PJSIP/201-2","Dial","PJSIP/201,30","2024-03-{d + 1:02d} 1{r % 10}:00:00",'
                    f'"2024-03-{d + 1:02d} 1{r % 10}:00:05","2024-03-{d + 1:02d} 1{r % 10}:03:00",'
                    f'{175 + r},{170 + r},"ANSWERED","DOCUMENTATION","17096.{d}{r}",""\n')
# named after a subject: its output name is sanitised, its shard picked as the rest
with open(f"{root}/chats/call_+447700900777.jsonl", "w") as f:
    f.write(json.dumps({"id": "N1", "queue": "tech", "customer": {"phone": "+447700900777"}, "messages": []}) + "\n")
with open(f"{root}/notes.txt", "w") as f:
    f.write("no policy input matches this file\n")
EOF
nfiles=$(find "$in" -type f | wc -l)
[ "$nfiles" -ge 40 ] || fail "only $nfiles input files"

cv() {  # cv EXPECTED_RCS ARGS... : callveil ARGS, exit status one of EXPECTED_RCS ("0 3")
    want=$1
    shift
    "$CV_BIN" "$@" >"$tmp/out.txt" 2>"$tmp/err.txt"
    rc=$?
    for w in $want; do [ "$rc" -eq "$w" ] && return 0; done
    head -c 3000 "$tmp/err.txt" >&2
    fail "callveil $* exited $rc, expected $want"
}
A="--as-of 2026-12-01 -q -p $tmp/p.yaml"

# ---- the whole, the shards, the merge ----------------------------------------
cv "0 3" run $A -k "$tmp/k" "$in" -o "$tmp/whole"
for i in 0 1 2; do
    cv "0 3" run $A -k "$tmp/k" --shard $i/3 -j 2 "$in" -o "$tmp/s$i"
done
cv 0 merge -p "$tmp/p.yaml" -k "$tmp/k" "$tmp/s2" "$tmp/s0" "$tmp/s1" -o "$tmp/m"
grep -q "merged 3 shard(s)" "$tmp/out.txt" || fail "merge printed no summary"

# every shard holds some of the files, none all of them
"$PY" - "$tmp" <<'EOF' || fail "the shards' manifests are wrong"
import json, sys
t = sys.argv[1]
whole = json.load(open(f"{t}/whole/manifest.json"))
n = len(whole["files"])
seen = []
for i in range(3):
    m = json.load(open(f"{t}/s{i}/manifest.json"))
    sh = m["shard"]
    assert sh["index"] == i and sh["count"] == 3, sh
    assert 0 < len(m["files"]) < n, (i, len(m["files"]), n)
    assert len(sh["positions"]) == len(m["files"])
    seen += sh["positions"]
assert len(seen) == len(set(seen)) == n, (len(seen), len(set(seen)), n)
assert "shard" not in whole
EOF

# the same files ...
list() { (cd "$1" && find . -type f ! -name .callveil-lock | LC_ALL=C sort); }
list "$tmp/whole" >"$tmp/whole.list"
list "$tmp/m" >"$tmp/m.list"
diff "$tmp/whole.list" "$tmp/m.list" >&2 || fail "the merged dataset does not hold the whole run's files"
nout=$(grep -c '\.zst$\|\.wav$' "$tmp/whole.list")
[ "$nout" -ge 40 ] || fail "only $nout outputs in the whole run"
grep -q '^\./calls/customer_call\.wav$' "$tmp/whole.list" || fail "the recording was not processed"
grep -q '^\./calls/customer_call\.json\.zst$' "$tmp/whole.list" || fail "the recording's transcript was not written"
# ... the same bytes (vault: sealing is randomised, compared by token and value below;
# the journal: the same lines, in shard order)
while read -r f; do
    case "$f" in ./vault.zst|./manifest.json|./.callveil-journal) continue ;; esac
    cmp -s "$tmp/whole/$f" "$tmp/m/$f" || fail "$f differs between the whole run and the merge"
    case "$f" in
    *.zst) zstdcat "$tmp/m/$f" >"$tmp/a" 2>/dev/null && zstdcat "$tmp/whole/$f" >"$tmp/b" 2>/dev/null \
               || fail "$f does not decompress"
           cmp -s "$tmp/a" "$tmp/b" || fail "$f: decompressed contents differ" ;;
    esac
done <"$tmp/whole.list"
cut -f1-16,18- "$tmp/whole/.callveil-journal" | LC_ALL=C sort >"$tmp/a"
cut -f1-16,18- "$tmp/m/.callveil-journal" | LC_ALL=C sort >"$tmp/b"
cmp -s "$tmp/a" "$tmp/b" || fail "the merged journal does not hold the whole run's lines"
# its vault sizes are the merged vault's, as after one run (run --resume takes it up whole)
vsize=$(wc -c <"$tmp/m/vault.zst")
[ "$(tail -n +2 "$tmp/m/.callveil-journal" | cut -f17 | sort -u)" = "$vsize" ] || fail "merged journal: vault sizes are not $vsize"
# ... the same manifest but for the time it was written
grep -v '"created": ' "$tmp/whole/manifest.json" >"$tmp/a"
grep -v '"created": ' "$tmp/m/manifest.json" >"$tmp/b"
diff "$tmp/a" "$tmp/b" >&2 || fail "the merged manifest differs from the whole run's"
[ "$(wc -l <"$tmp/a")" -eq "$(($(wc -l <"$tmp/whole/manifest.json") - 1))" ] || fail "manifest: more than one line left out"
grep -q '"rejected": [1-9]' "$tmp/a" || fail "the broken record was not counted as rejected"
grep -q '"risk": {"records": ' "$tmp/a" || fail "no risk report in the manifest"
"$PY" - "$tmp" <<'EOF' || fail "the counts do not add up"
import json, sys
t = sys.argv[1]
w = json.load(open(f"{t}/whole/manifest.json"))["totals"]
s = [json.load(open(f"{t}/s{i}/manifest.json"))["totals"] for i in range(3)]
for k in ("files", "files_skipped", "records_in", "written", "dropped", "rejected", "bytes_in", "bytes_out",
          "values_tokenised"):
    assert w[k] == sum(x[k] for x in s), (k, w[k], [x[k] for x in s])
for e, n in w["detections"].items():
    assert n == sum(x["detections"][e] for x in s), e
assert w["records_in"] > 700 and w["files"] >= 40, w
EOF
# ... the same vault: one entry per token, every token revealing the same value
vtok() { zstdcat "$1" | sed 's/^{"token":"\([^"]*\)".*/\1/' | LC_ALL=C sort; }
vtok "$tmp/whole/vault.zst" >"$tmp/wv"
vtok "$tmp/m/vault.zst" >"$tmp/mv"
[ -s "$tmp/wv" ] || fail "the whole run wrote an empty vault"
cmp -s "$tmp/wv" "$tmp/mv" || fail "the merged vault does not hold the whole run's tokens"
[ "$(uniq "$tmp/mv" | wc -l)" -eq "$(wc -l <"$tmp/mv")" ] || fail "a token is twice in the merged vault"
vs=$(for i in 0 1 2; do vtok "$tmp/s$i/vault.zst"; done | wc -l)
[ "$vs" -gt "$(wc -l <"$tmp/mv")" ] || fail "no token was in two shards' vaults: the collapse was not tested"
grep -q '"entries": '"$(wc -l <"$tmp/mv")"',' "$tmp/m/manifest.json" || fail "the manifest does not count the vault's entries"
# shellcheck disable=SC2046
cv 0 reveal -p "$tmp/p.yaml" -k "$tmp/k" --vault "$tmp/whole/vault.zst" --secret-key "$tmp/ctrl.sec" $(cat "$tmp/wv")
mv "$tmp/out.txt" "$tmp/wr"
# shellcheck disable=SC2046
cv 0 reveal -p "$tmp/p.yaml" -k "$tmp/k" --vault "$tmp/m/vault.zst" --secret-key "$tmp/ctrl.sec" $(cat "$tmp/mv")
cmp -s "$tmp/wr" "$tmp/out.txt" || fail "the merged vault reveals other values than the whole run's"
grep -q '+447700900123' "$tmp/wr" || fail "reveal did not give the shared phone number"

# ---- the key on every worker: one 0600 key file, the same tokens ------------
tok=$("$CV_BIN" token -p "$tmp/p.yaml" -k "$tmp/k" --type phone +447700900123) || fail "callveil token failed"
hit=0
for i in 0 1 2; do
    for f in $(cd "$tmp/s$i" && find . -name '*.jsonl.zst'); do
        zstdcat "$tmp/s$i/$f" | grep -q "$tok" && { hit=$((hit + 1)); break; }
    done
done
[ "$hit" -eq 3 ] || fail "the shared phone's token $tok is in $hit shards' chats, not all 3"
chmod 640 "$tmp/k"
cv 2 run $A -k "$tmp/k" --shard 0/3 "$in" -o "$tmp/bad"
grep -q 'group\|permission\|readable' "$tmp/err.txt" || fail "a group-readable key was not refused for its mode"
chmod 600 "$tmp/k"
cv 1 run $A -k "$tmp/k" --ephemeral-key --shard 0/3 "$in" -o "$tmp/bad"
grep -q 'ephemeral-key cannot be used with --shard' "$tmp/err.txt" || fail "--ephemeral-key --shard: wrong message"
grep -v '^vault:' "$tmp/p.yaml" >"$tmp/p-nokey.yaml"
cv 2 run --as-of 2026-12-01 -q -p "$tmp/p-nokey.yaml" --shard 0/3 "$in" -o "$tmp/bad"
grep -q 'no key' "$tmp/err.txt" || fail "--shard without a key: no 'no key' message"
[ ! -e "$tmp/bad/manifest.json" ] || fail "a refused shard run wrote a manifest"
for bad in 3/3 -1/3 1/0 x/3 1/3x 1 /3 0/65537; do
    cv 1 run $A -k "$tmp/k" --shard "$bad" "$in" -o "$tmp/bad"
    grep -q -- '--shard: expected I/N' "$tmp/err.txt" || fail "--shard $bad: no usage message"
done

# ---- assignment: the same whatever the listing order or the machine's paths --
cv "0 3" run $A -k "$tmp/k" --shard 1/3 "$in/sms" "$in/chats" "$in/cdr" -o "$tmp/o1"
cv "0 3" run $A -k "$tmp/k" --shard 1/3 "$in/cdr" "$in/sms" "$in/chats" -o "$tmp/o2"
list "$tmp/o1" | grep -v 'manifest.json\|vault.zst\|journal' >"$tmp/a"
list "$tmp/o2" | grep -v 'manifest.json\|vault.zst\|journal' >"$tmp/b"
[ -s "$tmp/a" ] || fail "shard 1/3 of the three directories holds nothing"
cmp -s "$tmp/a" "$tmp/b" || fail "shard 1/3 holds other files when the inputs are listed in another order"
mkdir -p "$tmp/elsewhere/deeper" && cp -R "$in" "$tmp/elsewhere/deeper/copy" || fail "cp"
cv "0 3" run $A -k "$tmp/k" --shard 2/3 "$tmp/elsewhere/deeper/copy" -o "$tmp/s2b"
list "$tmp/s2" >"$tmp/a"
list "$tmp/s2b" >"$tmp/b"
cmp -s "$tmp/a" "$tmp/b" || fail "shard 2/3 of a copy elsewhere holds other files"
while read -r f; do
    case "$f" in ./vault.zst) ;; *.zst|*.wav) cmp -s "$tmp/s2/$f" "$tmp/s2b/$f" || fail "$f: shard 2/3 of the copy differs" ;; esac
done <"$tmp/a"

# ---- merges that are refused, writing nothing --------------------------------
refused() {  # refused PATTERN SHARD... : merge into a new directory fails, with PATTERN in its message
    pat=$1
    shift
    rm -rf "$tmp/r"
    "$CV_BIN" merge -p "$tmp/p.yaml" -k "$tmp/k" "$@" -o "$tmp/r" >"$tmp/out.txt" 2>"$tmp/err.txt"
    rc=$?
    [ "$rc" -eq 2 ] || { cat "$tmp/err.txt" >&2; fail "merge $* exited $rc, not 2"; }
    grep -q -- "$pat" "$tmp/err.txt" || { cat "$tmp/err.txt" >&2; fail "merge $*: no '$pat' in the message"; }
    [ -z "$(find "$tmp/r" -type f ! -name .callveil-lock 2>/dev/null)" ] || fail "a refused merge wrote files"
}
refused 'shard 1/3 is missing' "$tmp/s0" "$tmp/s2"
refused 'is given twice' "$tmp/s0" "$tmp/s1" "$tmp/s1" "$tmp/s2"
cp -R "$tmp/s1" "$tmp/s1copy" || fail "cp"
refused 'shard 1/3 is given twice' "$tmp/s0" "$tmp/s1" "$tmp/s1copy" "$tmp/s2"
cv "0 3" run $A -k "$tmp/k2" --shard 1/3 "$in" -o "$tmp/s1k2"
refused 'another key' "$tmp/s0" "$tmp/s1k2" "$tmp/s2"
cv "0 3" run --as-of 2026-12-01 -q -p "$tmp/p-other.yaml" -k "$tmp/k" --shard 1/3 "$in" -o "$tmp/s1pol"
refused 'another policy' "$tmp/s0" "$tmp/s1pol" "$tmp/s2"
cv "0 3" run --as-of 2026-12-01 -q -p "$tmp/p-epoch1.yaml" -k "$tmp/k" --shard 1/3 "$in" -o "$tmp/s1ep"
refused 'epoch' "$tmp/s0" "$tmp/s1ep" "$tmp/s2"
cv "0 3" run --as-of 2026-11-30 -q -p "$tmp/p.yaml" -k "$tmp/k" --shard 1/3 "$in" -o "$tmp/s1asof"
refused 'as-of' "$tmp/s0" "$tmp/s1asof" "$tmp/s2"
cv "0 3" run $A -k "$tmp/k" --shard 1/2 "$in" -o "$tmp/h1"
refused 'one N' "$tmp/s0" "$tmp/h1" "$tmp/s2"
refused 'not a shard' "$tmp/s0" "$tmp/whole" "$tmp/s2"
refused 'listed other input files' "$tmp/s0" "$tmp/o1" "$tmp/s2"
cp -R "$tmp/s0" "$tmp/s0t" || fail "cp"
f=$(cd "$tmp/s0t" && find . -name '*.csv.zst' | head -n 1)
printf 'x' >>"$tmp/s0t/$f"
refused 'BLAKE2b differs' "$tmp/s0t" "$tmp/s1" "$tmp/s2"
# the merged output may not already hold a dataset, nor be a shard
"$CV_BIN" merge -p "$tmp/p.yaml" -k "$tmp/k" "$tmp/s0" "$tmp/s1" "$tmp/s2" -o "$tmp/m" >/dev/null 2>"$tmp/err.txt"
[ $? -eq 2 ] || fail "a merge into a directory holding a dataset was not refused"
grep -q 'already holds a dataset' "$tmp/err.txt" || fail "merge into an existing dataset: wrong message"
"$CV_BIN" merge -p "$tmp/p.yaml" -k "$tmp/k" "$tmp/s0" "$tmp/s1" "$tmp/s2" -o "$tmp/s0" >/dev/null 2>"$tmp/err.txt"
[ $? -ne 0 ] || fail "a merge into one of its shards was not refused"
cv 1 merge -p "$tmp/p.yaml" -k "$tmp/k" "$tmp/s0"
cv 2 merge -p "$tmp/p-nokey.yaml" "$tmp/s0" "$tmp/s1" "$tmp/s2" -o "$tmp/r"
# --overwrite: the dataset there is replaced whole (here: the whole run's, by the merge)
cp -R "$tmp/whole" "$tmp/ow" && printf 'stale' >"$tmp/ow/stale.txt" || fail "cp"
cv 0 merge -p "$tmp/p.yaml" -k "$tmp/k" --overwrite "$tmp/s0" "$tmp/s1" "$tmp/s2" -o "$tmp/ow"
grep -v '"created": ' "$tmp/ow/manifest.json" >"$tmp/b"
grep -v '"created": ' "$tmp/whole/manifest.json" >"$tmp/a"
cmp -s "$tmp/a" "$tmp/b" || fail "merge --overwrite: the manifest differs from the whole run's"
[ -e "$tmp/ow/.callveil-intent" ] && fail "merge left its intent behind"
ls -a "$tmp/ow" | grep -q 'cvtmp' && fail "merge left temporary files behind"

nshard0=$(grep -c '"input": ' "$tmp/s0/manifest.json")
echo "test_shard: ok ($nfiles input files, $nout outputs; shards of $nshard0/$(grep -c '"input": ' "$tmp/s1/manifest.json")/$(grep -c '"input": ' "$tmp/s2/manifest.json") files; whole == merge of 3 shards byte for byte; $(wc -l <"$tmp/mv") vault tokens)"
exit 0
