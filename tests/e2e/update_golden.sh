#!/bin/sh
# Regenerate tests/e2e/golden/ from the current build: the sample outputs
# under samples/policy.yaml and under the embedded default policy, with the
# fixed test key (bytes 0..31). Review the diff before committing it.
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
bin=${CV_BIN:-$src/build/callveil}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n' > "$tmp/k"
chmod 600 "$tmp/k"
"$bin" run -q --key "$tmp/k" --policy "$src/samples/policy.yaml" "$src/samples" -o "$tmp/p"
"$bin" run -q --key "$tmp/k" "$src/samples" -o "$tmp/d" 2>/dev/null
g=$src/tests/e2e/golden
mkdir -p "$g"
zstd -dqc "$tmp/p/chats.jsonl.zst" > "$g/chats.jsonl"
zstd -dqc "$tmp/p/sms.csv.zst" > "$g/sms.csv"
zstd -dqc "$tmp/p/cdr/Master.csv.zst" > "$g/Master.csv"
zstd -dqc "$tmp/d/chats.jsonl.zst" > "$g/default-chats.jsonl"
zstd -dqc "$tmp/d/sms.csv.zst" > "$g/default-sms.csv"
zstd -dqc "$tmp/d/cdr/Master.csv.zst" > "$g/default-Master.csv"
echo "golden files rewritten in $g"
