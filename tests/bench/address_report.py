#!/usr/bin/env python3
"""Per-locale recall and false-positive rates of the address and postcode
detectors, through the CLI with the default policy (address redacted,
postcode masked), on tests/fixtures/address/{recall,fp}{,_hand}.tsv.

A recall line counts as replaced when none of its listed parts (house
number with the street's name, box number, postcode, flat number) survives
in the output; an FP line counts when the output differs from the input.
usage: address_report.py [CALLVEIL]   (default build/callveil)
"""
import collections
import json
import os
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(here))
fx = os.path.join(root, "tests", "fixtures", "address")
cv = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "build", "callveil")


def run(lines):
    inp = "".join(json.dumps({"text": l}, ensure_ascii=False) + "\n" for l in lines)
    r = subprocess.run([cv, "filter", "--format", "jsonl", "--ephemeral-key"], input=inp.encode(), capture_output=True, check=True)
    return [json.loads(l)["text"] for l in r.stdout.decode().splitlines()]


def read(name):
    with open(os.path.join(fx, name), encoding="utf-8") as f:
        return [l.rstrip("\n").split("\t") for l in f if l.strip()]


rec = read("recall.tsv") + read("recall_hand.tsv")
out = run([r[1] for r in rec])
hit, tot, misses = collections.Counter(), collections.Counter(), []
for (loc, line, parts), o in zip(rec, out):
    tot[loc] += 1
    left = [p for p in parts.split("|") if p in o]
    if left:
        misses.append((loc, o))
    else:
        hit[loc] += 1
fp = read("fp.tsv") + read("fp_hand.tsv")
fout = run([r[1] for r in fp])
ch, ftot, fps = collections.Counter(), collections.Counter(), []
for (loc, line), o in zip(fp, fout):
    ftot[loc] += 1
    if o != line:
        ch[loc] += 1
        fps.append((loc, o))
print(f"{'locale':8} {'recall':>14} {'':6}")
for loc in tot:
    print(f"{loc:8} {hit[loc]:5}/{tot[loc]:<5} {100.0 * hit[loc] / tot[loc]:6.1f} %")
print(f"{'all':8} {sum(hit.values()):5}/{sum(tot.values()):<5} {100.0 * sum(hit.values()) / sum(tot.values()):6.1f} %")
print(f"\n{'locale':8} {'FP lines':>14}")
for loc in ftot:
    print(f"{loc:8} {ch[loc]:5}/{ftot[loc]:<5} {100.0 * ch[loc] / ftot[loc]:6.2f} %")
print(f"{'all':8} {sum(ch.values()):5}/{sum(ftot.values()):<5} {100.0 * sum(ch.values()) / sum(ftot.values()):6.2f} %")
if "-v" in os.environ.get("REPORT", ""):
    for loc, o in misses:
        print("MISS", loc, o)
    for loc, o in fps:
        print("FP  ", loc, o)
