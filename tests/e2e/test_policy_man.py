#!/usr/bin/env python3
"""callveil-policy(5) against the policy loader, pipeline/policy*.c (the
core and the parser of each section): every key, action and value name the
loader accepts (its key tables and the values it compares with
cvi_scalar_is) is documented in the man page, and every example policy of
the man page passes `callveil check-policy`."""
import glob
import os
import re
import subprocess
import sys
import tempfile

src = os.environ["CV_SRC"]
binary = os.environ["CV_BIN"]
files = sorted(glob.glob(os.path.join(src, "pipeline", "policy*.c")))
code = "".join(open(f, encoding="utf-8").read() for f in files)
man = open(os.path.join(src, "pipeline/cli/callveil-policy.5"), encoding="utf-8").read()
# roff to text, enough for word matching
text = re.sub(r"\\f[BIRP]", "", man)
text = text.replace("\\-", "-").replace("\\(aq", "'").replace("\\e", "\\")

passed = failed = 0


def check(ok, msg):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL:", msg)


# the tables of accepted names: keys (top level, input, field, detector,
# retention, class, risk, audio, vault, entity action) and value names
tables = re.findall(r"static const char \*const (\w+)\[[^\]]*\]\s*=\s*\{(.*?)\};", code, re.S)
skip = {"words", "unsupported_keys"}   # personal-name hints; keys refused on purpose
names = set()
seen_tables = set()
for name, body in tables:
    if name in skip:
        continue
    seen_tables.add(name)
    names.update(re.findall(r'"([^"]+)"', body))
names.update(re.findall(r'\bcvi_scalar_is\([^,()]+(?:\[[^\]]*\])?, "([^"]+)"\)', code))
# the loader must have been read: the core and every section's file, with
# their key tables
for f in ("policy.c", "policy_yaml.c", "policy_actions.c", "policy_retention.c", "policy_audio.c",
          "policy_risk.c", "policy_vault.c", "policy_detectors.c"):
    check(os.path.join(src, "pipeline", f) in files, "pipeline/%s not read" % f)
for t in ("keys", "ckeys", "vkeys", "names", "units", "checks", "norms"):
    check(t in seen_tables, "no table '%s' found in pipeline/policy*.c (the test reads the wrong files?)" % t)
for must in ("risk", "quasi", "enforce_k", "audio", "retention", "vault", "detectors", "allow", "domains",
             "trunks", "region", "region_field", "public_key", "max_age", "classes"):
    check(must in names, "'%s' not among the names read from pipeline/policy*.c" % must)
check(len(names) >= 90, "only %d names read from pipeline/policy*.c" % len(names))

for n in sorted(names):
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", n):
        continue
    check(re.search(r"(?<![A-Za-z0-9_-])" + re.escape(n) + r"(?![A-Za-z0-9_-])", text) is not None,
          "pipeline/policy*.c accepts '%s', callveil-policy(5) never names it" % n)

# every default the loader sets at the start is stated
for default, where in (("default", "tenant"), ("GB", "region"), ("200", "pad_ms"), ("30, 60, 120, 300, 600, 1800", "bands")):
    check(default in text, "default %s of %s not in the man page" % (default, where))

# the examples are valid policies
blocks = re.findall(r"^\.nf\n(.*?)^\.fi\n", man, re.S | re.M)
examples = [b for b in blocks if b.startswith("version: 1\n") and "inputs:" in b and "\\fI" not in b]
check(len(examples) >= 3, "expected 3 or more example policies, found %d" % len(examples))
with tempfile.TemporaryDirectory() as d:
    for i, b in enumerate(examples):
        y = re.sub(r"\\f[BIRP]", "", b).replace("\\-", "-").replace("\\(aq", "'").replace("\\e", "\\")
        p = os.path.join(d, "example%d.yaml" % i)
        with open(p, "w", encoding="utf-8") as f:
            f.write(y)
        r = subprocess.run([binary, "check-policy", p], capture_output=True, text=True)
        check(r.returncode == 0, "example %d fails check-policy: %s" % (i + 1, r.stdout + r.stderr))
    # and a broken one fails, so the check above can fail
    p = os.path.join(d, "broken.yaml")
    with open(p, "w", encoding="utf-8") as f:
        f.write(examples[0].replace("\\fB", "").replace("\\-", "-").replace("format: jsonl", "format: xml"))
    r = subprocess.run([binary, "check-policy", p], capture_output=True, text=True)
    check(r.returncode == 2, "a broken example passes check-policy")

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
