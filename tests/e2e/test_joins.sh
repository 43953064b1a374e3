#!/bin/sh
# End-to-end: chats (JSONL), SMS (CSV) and CDRs (Asterisk Master.csv) that
# write the same subjects' numbers in different forms (+44 7700 900123,
# 07700900123, 0044 7700 900123, ...) are run through callveil, then joined
# by PLAIN EQUALITY of the written values, as an analyst would: in DuckDB
# (npm @duckdb/node-api, installed under $CV_NPM_PREFIX by .ci/run or here)
# and in pandas (/usr/bin/python3). Under the embedded default policy (the
# chat's customer.phone scanned, the CDR's src tokenised, CDRs headerless and
# named when read) and under a policy with keep_country_code (the code in its
# own column) and `output: csv` for the CDRs (read by their header). Checks
# the exact number of join rows and of distinct joined subjects, that
# `callveil token` prints what the data holds, and the country columns.
# Exit 77 (skipped) only when node is missing, and never under CI.
set -u
CV_BIN=${CV_BIN:?CV_BIN must name the callveil binary}
DUCKDB_VERSION=1.5.6-r.1
PREFIX=${CV_NPM_PREFIX:-${TMPDIR:-/tmp}/callveil-npm}
fail() { echo "test_joins: FAIL: $*" >&2; exit 1; }

if ! command -v node >/dev/null 2>&1; then
    [ "${CI:-}" = true ] && fail "node is missing under CI (.ci/run installs nodejs)"
    echo "test_joins: SKIP: node is not installed"
    exit 77
fi
if [ ! -d "$PREFIX/node_modules/@duckdb/node-api" ]; then
    npm install --prefix "$PREFIX" --no-audit --no-fund --silent "@duckdb/node-api@$DUCKDB_VERSION" >/dev/null 2>&1 ||
        fail "cannot install @duckdb/node-api@$DUCKDB_VERSION under $PREFIX (npm)"
fi
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cv-e2e-joins.XXXXXX") || fail "mktemp"
trap 'rm -rf "$tmp"' EXIT INT TERM
(umask 077 && printf '%s\n' 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f >"$tmp/k") || fail "key"
chmod 600 "$tmp/k"

# Subjects: A +44 7700 900123, B +44 7700 900456, C +353 87 123 4567,
# D +44 7700 900789 (chats only), E +44 7700 900999 (SMS and CDRs only).
mkdir -p "$tmp/in/cdr" || fail "mkdir"
cat >"$tmp/in/chats.jsonl" <<'EOF'
{"id":"c1","customer":{"phone":"+44 7700 900123"},"text":"hello"}
{"id":"c2","customer":{"phone":"07700 900456"},"text":"hi there"}
{"id":"c3","customer":{"phone":"+353 87 123 4567"},"text":"good morning"}
{"id":"c4","customer":{"phone":"+44 7700 900789"},"text":"thanks"}
{"id":"c5","customer":{"phone":"0044 7700 900123"},"text":"again"}
EOF
cat >"$tmp/in/sms.csv" <<'EOF'
id,to,body
s1,07700900123,see you
s2,+447700900456,ok
s3,00353871234567,fine
s4,07700 900999,later
EOF
cdr_row() {  # src start billsec
    printf '"","%s","2000","from-pstn","","PJSIP/trunk-1","PJSIP/201-1","Dial","","%s","%s","%s",60,%s,"ANSWERED","DOCUMENTATION","%s.1",""\n' \
        "$1" "$2" "$2" "$2" "$3" "$4"
}
{
    cdr_row 00447700900123 "2024-03-05 14:43:40" 50 1709649820
    cdr_row +447700900123 "2024-03-05 15:00:00" 40 1709650800
    cdr_row 07700900456 "2024-03-05 16:00:00" 30 1709654400
    cdr_row 07700900999 "2024-03-05 17:00:00" 20 1709658000
    cdr_row "+1 212 555 0100" "2024-03-05 18:00:00" 10 1709661600
} >"$tmp/in/cdr/Master.csv"

cat >"$tmp/analyst.yaml" <<'EOF'
version: 1
tenant: joins
region: [GB, IE]
entities:
  phone: {action: token, keep_country_code: true}
inputs:
  - match: "*.jsonl"
    format: jsonl
    fields:
      id: keep
      customer.phone: {token: phone, keep_country_code: true}
      text: scan
      "*": drop
  - match: "sms.csv"
    format: csv
    fields: {id: keep, to: scan, body: scan, "*": drop}
  - match: "cdr/Master.csv"
    format: asterisk-cdr
    output: csv
    fields:
      src: {token: phone, keep_country_code: true}
      dst: keep
      start: {generalise: month}
      billsec: {generalise: duration, bands: [30, 45], bands_as: lower_bound}
      uniqueid: keep
      "*": drop
EOF

"$CV_BIN" run -q --key "$tmp/k" "$tmp/in" -o "$tmp/default" 2>"$tmp/d.err" ||
    { cat "$tmp/d.err" >&2; fail "callveil run (default policy) failed"; }
"$CV_BIN" run -q --key "$tmp/k" --policy "$tmp/analyst.yaml" "$tmp/in" -o "$tmp/analyst" 2>"$tmp/a.err" ||
    { cat "$tmp/a.err" >&2; fail "callveil run (analyst policy) failed"; }

# the headed CDR output: its header, named columns, the code beside the token
hdr=$(zstd -dcq "$tmp/analyst/cdr/Master.csv.zst" | head -n 1)
[ "$hdr" = "src,src_country,dst,start,billsec,uniqueid" ] || fail "headed CDR header: $hdr"
# callveil token prints exactly the field form the data holds
tokA=$("$CV_BIN" token --key "$tmp/k" --policy "$tmp/analyst.yaml" --type phone "+44 7700 900123") || fail "token A"
case $tokA in phone:[0-9a-z]*) ;; *) fail "callveil token: not the field form: $tokA" ;; esac
[ ${#tokA} -eq 22 ] || fail "callveil token: $tokA is not phone: + 16 characters"
zstd -dcq "$tmp/analyst/chats.jsonl.zst" | grep -q "\"phone\":\"$tokA\",\"phone_country\":\"+44\"" ||
    fail "chat c1 does not hold callveil token's output beside phone_country +44"
zstd -dcq "$tmp/analyst/cdr/Master.csv.zst" | grep -q "^$tokA,+44,2000,2024-03,45,1709649820.1$" ||
    fail "CDR row 1 does not hold callveil token's output, +44, the month and the band's lower bound"
tokD=$("$CV_BIN" token --key "$tmp/k" --type phone "07700 900456") || fail "token B"
zstd -dcq "$tmp/default/cdr/Master.csv.zst" | grep -q "^\"\",\"$tokD\"," || fail "default CDR src is not $tokD"

cat >"$tmp/duck.cjs" <<'EOF'
// Each query's rows as JSON, one line per query: node duck.cjs SQL...
const { DuckDBInstance } = require('@duckdb/node-api');
(async () => {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  for (const q of process.argv.slice(2)) {
    const r = await c.runAndReadAll(q);
    console.log(JSON.stringify(r.getRowsJson()));
  }
})().catch(e => { console.error(String(e)); process.exit(2); });
EOF

names="['accountcode','src','dst','dcontext','clid','channel','dstchannel','lastapp','lastdata','start','answer','end','duration','billsec','disposition','amaflags','uniqueid','userfield']"
d=$tmp/default a=$tmp/analyst
# the default policy's outputs: CDRs headerless, named when read
d_chat="(select customer.phone as phone from read_json_auto('$d/chats.jsonl.zst'))"
d_sms="(select \"to\" from read_csv('$d/sms.csv.zst', all_varchar = true))"
d_cdr="(select src from read_csv('$d/cdr/Master.csv.zst', header = false, all_varchar = true, names = $names))"
a_chat="(select customer.phone as phone, customer.phone_country as cc from read_json_auto('$a/chats.jsonl.zst'))"
a_sms="(select \"to\" from read_csv('$a/sms.csv.zst', all_varchar = true))"
a_cdr="(select * from read_csv('$a/cdr/Master.csv.zst'))"
q() {  # chat sms cdr: join rows and distinct subjects, chat-sms, chat-cdr, three ways, sms-cdr
    echo "select
      (select count(*) from $1 c join $2 s on c.phone = s.\"to\"),
      (select count(distinct c.phone) from $1 c join $2 s on c.phone = s.\"to\"),
      (select count(*) from $1 c join $3 r on c.phone = r.src),
      (select count(distinct c.phone) from $1 c join $3 r on c.phone = r.src),
      (select count(*) from $1 c join $2 s on c.phone = s.\"to\" join $3 r on r.src = s.\"to\"),
      (select count(distinct c.phone) from $1 c join $2 s on c.phone = s.\"to\" join $3 r on r.src = s.\"to\"),
      (select count(*) from $2 s join $3 r on s.\"to\" = r.src),
      (select count(distinct s.\"to\") from $2 s join $3 r on s.\"to\" = r.src)"
}
want='[["4","3","5","2","5","2","4","3"]]'
out=$(NODE_PATH="$PREFIX/node_modules" node "$tmp/duck.cjs" "$(q "$d_chat" "$d_sms" "$d_cdr")" "$(q "$a_chat" "$a_sms" "$a_cdr")" \
    "select any_value(typeof(billsec)), any_value(typeof(src_country)), string_agg(src_country, ' ' order by uniqueid) from $a_cdr" \
    "select count(*) filter (where cc = '+44'), count(*) filter (where cc = '+353') from $a_chat" \
    2>"$tmp/duck.err") || { cat "$tmp/duck.err" >&2; fail "DuckDB queries failed"; }
line() { printf '%s\n' "$out" | sed -n "$1p"; }
[ "$(line 1)" = "$want" ] || fail "DuckDB, default policy: joins $(line 1), expected $want"
[ "$(line 2)" = "$want" ] || fail "DuckDB, keep_country_code + output: csv: joins $(line 2), expected $want"
[ "$(line 3)" = '[["BIGINT","VARCHAR","+44 +44 +44 +44 +1"]]' ] ||
    fail "DuckDB: headed CDR types and src_country: $(line 3)"
[ "$(line 4)" = '[["4","1"]]' ] || fail "DuckDB: chat phone_country counts $(line 4)"
echo "ok   DuckDB: plain-equality joins under both policies: rows/subjects chat-sms 4/3, chat-cdr 5/2, all three 5/2, sms-cdr 4/3"
echo "ok   DuckDB: headed CDR types (billsec BIGINT, src_country VARCHAR) and chat phone_country"

"$PY" - "$d" "$a" <<'EOF' || fail "pandas joins"
import sys
import pandas as pd
d, a = sys.argv[1], sys.argv[2]
NAMES = ["accountcode", "src", "dst", "dcontext", "clid", "channel", "dstchannel", "lastapp", "lastdata", "start",
         "answer", "end", "duration", "billsec", "disposition", "amaflags", "uniqueid", "userfield"]

def frames(out, headed):
    chat = pd.read_json(out + "/chats.jsonl.zst", lines=True, dtype=False)
    chat = pd.DataFrame({"phone": [c["phone"] for c in chat["customer"]]})
    sms = pd.read_csv(out + "/sms.csv.zst", dtype=str, keep_default_na=False)
    if headed:
        # "+44" would read as the number 44: the code column as text
        cdr = pd.read_csv(out + "/cdr/Master.csv.zst", keep_default_na=False, dtype={"src_country": str})
    else:
        cdr = pd.read_csv(out + "/cdr/Master.csv.zst", header=None, names=NAMES, dtype=str, keep_default_na=False)
    return chat, sms, cdr

def counts(chat, sms, cdr):
    cs = chat.merge(sms, left_on="phone", right_on="to")
    cr = chat.merge(cdr, left_on="phone", right_on="src")
    three = cs.merge(cdr, left_on="to", right_on="src")
    sr = sms.merge(cdr, left_on="to", right_on="src")
    return [len(cs), cs["phone"].nunique(), len(cr), cr["phone"].nunique(), len(three), three["phone"].nunique(),
            len(sr), sr["to"].nunique()]

want = [4, 3, 5, 2, 5, 2, 4, 3]
for label, out, headed in (("default policy", d, False), ("keep_country_code + output: csv", a, True)):
    chat, sms, cdr = frames(out, headed)
    got = counts(chat, sms, cdr)
    if got != want:
        sys.exit(f"pandas, {label}: joins {got}, expected {want}")
_, _, cdr = frames(a, True)
if list(cdr.columns) != ["src", "src_country", "dst", "start", "billsec", "uniqueid"]:
    sys.exit(f"pandas: headed CDR columns {list(cdr.columns)}")
if str(cdr["billsec"].dtype) != "int64" or list(cdr["billsec"]) != [45, 30, 30, 0, 0]:
    sys.exit(f"pandas: billsec lower bounds {cdr['billsec'].dtype} {list(cdr['billsec'])}")
if list(cdr["src_country"]) != ["+44", "+44", "+44", "+44", "+1"]:
    sys.exit(f"pandas: src_country {list(cdr['src_country'])}")
print("ok   pandas: plain-equality joins under both policies, headed CDR columns and numeric bands")
EOF

echo "test_joins: ok"
exit 0
