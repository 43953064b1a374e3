#!/usr/bin/env python3
"""End-to-end: `callveil run` on samples/, then read the outputs as an analyst.

Runs the CLI ($CV_BIN) on $CV_SRC/samples with a fixed test key, loads the
zstd outputs with pandas, and checks: row counts equal the inputs; no raw
phone number, e-mail, card or IBAN planted by samples/generate.py survives
anywhere in OUT; values that are not personal data survive; and phone tokens
JOIN across chats, SMS and CDRs, the expected tokens being recomputed here
from the public contract (DESIGN §6) with hashlib's BLAKE2b.
Needs Debian's python3-pandas and python3-zstandard.
"""

import csv
import hashlib
import importlib.util
import io
import json
import os
import re
import subprocess
import sys
import tempfile

try:
    import pandas as pd
    import zstandard
except ImportError:
    # A python3 earlier on PATH (pyenv, venv) may lack Debian's packages.
    if os.environ.get("CV_PANDAS_REEXEC") != "1" and os.path.exists("/usr/bin/python3") \
            and os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3"):
        os.environ["CV_PANDAS_REEXEC"] = "1"
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    print("test_pandas: FAIL: needs python3-pandas and python3-zstandard", file=sys.stderr)
    sys.exit(1)

B32 = "0123456789abcdefghjkmnpqrstvwxyz"
CDR_COLUMNS = ["accountcode", "src", "dst", "dcontext", "clid", "channel", "dstchannel", "lastapp",
               "lastdata", "start", "answer", "end", "duration", "billsec", "disposition", "amaflags",
               "uniqueid", "userfield"]
# An optional kept calling code ("phone:+44:...") is allowed before the token.
PHONE_TOKEN = re.compile(r"phone:(?:\+[0-9]{1,3}:)?([0-9a-hjkmnp-tv-z]{16})(?![0-9a-z])")
TEST_KEY = hashlib.sha256(b"callveil e2e test key").digest()


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, ok, what, detail=""):
        if ok:
            self.passed += 1
            print("ok   %s" % what)
        else:
            self.failed += 1
            print("FAIL %s%s" % (what, (": " + detail) if detail else ""))
        return ok

    def finish(self):
        print("%d passed, %d failed" % (self.passed, self.failed))
        return 1 if self.failed else 0


def tenant_key(key, tenant, epoch):
    msg = b"callveil/v1/tenant/" + tenant.encode() + b"/" + str(epoch).encode()
    return hashlib.blake2b(msg, key=key, digest_size=32).digest()


def token(kt, domain, norm):
    h = hashlib.blake2b(domain.encode() + b"\x00" + norm.encode("utf-8"), key=kt, digest_size=32).digest()
    n = int.from_bytes(h[:10], "big")
    return "".join(B32[(n >> (75 - 5 * i)) & 31] for i in range(16))


def policy_scalar(path, name, default):
    """A top-level `name: value` of a YAML policy (enough for tenant/epoch)."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^%s:\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s#]+))" % name, line)
            if m:
                return next(g for g in m.groups() if g is not None)
    return default


def zstd_bytes(path):
    dctx = zstandard.ZstdDecompressor()
    with open(path, "rb") as f:
        try:
            reader = dctx.stream_reader(f, read_across_frames=True)
        except TypeError:          # older python3-zstandard: one frame only
            reader = dctx.stream_reader(f)
        chunks = []
        while True:
            c = reader.read(1 << 20)
            if not c:
                break
            chunks.append(c)
    return b"".join(chunks)


def load_generator(src):
    path = os.path.join(src, "samples", "generate.py")
    spec = importlib.util.spec_from_file_location("cv_samples_generate", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main():
    ck = Checks()
    cv_bin = os.environ.get("CV_BIN", "")
    src = os.environ.get("CV_SRC", "")
    if not src or not os.path.isdir(os.path.join(src, "samples")):
        print("test_pandas: FAIL: CV_SRC must name the source tree", file=sys.stderr)
        return 1
    if not cv_bin or not os.access(cv_bin, os.X_OK):
        print("test_pandas: FAIL: CV_BIN (%s) is not an executable callveil" % cv_bin, file=sys.stderr)
        return 1
    samples = os.path.join(src, "samples")

    gen = load_generator(src)
    files, planted = gen.build()
    for rel, data in files.items():
        with open(os.path.join(samples, rel), "rb") as f:
            ck.check(f.read() == data, "samples/%s is what generate.py writes" % rel)

    policy = os.path.join(samples, "policy.yaml")
    if not os.path.exists(policy):
        policy = None
    pol_for_tenant = policy or os.path.join(src, "pipeline", "default_policy.yaml")
    tenant = policy_scalar(pol_for_tenant, "tenant", "default")
    epoch = int(policy_scalar(pol_for_tenant, "epoch", "0"))
    kt = tenant_key(TEST_KEY, tenant, epoch)

    with tempfile.TemporaryDirectory(prefix="cv-e2e-pandas-") as tmp:
        keyfile = os.path.join(tmp, "test.key")
        fd = os.open(keyfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, (TEST_KEY.hex() + "\n").encode())
        os.close(fd)
        out = os.path.join(tmp, "out")
        cmd = [cv_bin, "run", "--key", keyfile]
        if policy:
            cmd += ["--policy", policy]
        cmd += [samples, "-o", out]
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if not ck.check(p.returncode == 0, "callveil run exits 0 (policy: %s)" % (policy or "embedded default"),
                        "exit %d; stderr: %s" % (p.returncode, p.stderr.decode("utf-8", "replace")[-2000:])):
            return ck.finish()

        outputs = {}
        for rel in ("chats.jsonl.zst", "sms.csv.zst", "cdr/Master.csv.zst"):
            path = os.path.join(out, rel)
            if ck.check(os.path.isfile(path), "OUT/%s exists" % rel):
                outputs[rel] = zstd_bytes(path)
        if len(outputs) != 3:
            return ck.finish()

        # Row counts: what pandas sees equals what went in.
        n_chats = sum(1 for line in files["chats.jsonl"].splitlines() if line.strip())
        n_sms = len(list(csv.reader(io.StringIO(files["sms.csv"].decode("utf-8"), newline="")))) - 1
        n_cdr = len(list(csv.reader(io.StringIO(files["cdr/Master.csv"].decode("utf-8"), newline=""))))
        chats = pd.read_json(io.BytesIO(outputs["chats.jsonl.zst"]), lines=True, dtype=False, convert_dates=False)
        sms = pd.read_csv(io.BytesIO(outputs["sms.csv.zst"]), dtype=str, keep_default_na=False)
        # samples/policy.yaml writes the CDRs as a headed CSV (`output: csv`):
        # cdr_csv's column names, src's country code beside it; the default
        # policy writes Master.csv's headerless form, named here
        headed = policy is not None
        cdr = pd.read_csv(io.BytesIO(outputs["cdr/Master.csv.zst"]), header=0 if headed else None, dtype=str,
                          keep_default_na=False)
        ck.check(len(chats) == n_chats, "chats rows %d == %d" % (len(chats), n_chats))
        ck.check(len(sms) == n_sms, "sms rows %d == %d" % (len(sms), n_sms))
        ck.check(len(cdr) == n_cdr, "cdr rows %d == %d" % (len(cdr), n_cdr))
        if headed:
            want = CDR_COLUMNS[:2] + ["src_country"] + CDR_COLUMNS[2:]
            ck.check(list(cdr.columns) == want, "cdr header names the columns", "got %s" % list(cdr.columns)[:20])
            ck.check(set(cdr["src_country"]) <= {"", "+1", "+31", "+33", "+39", "+44", "+49", "+353"}
                     and "+44" in set(cdr["src_country"]), "cdr src_country holds calling codes")
        elif ck.check(cdr.shape[1] == len(CDR_COLUMNS), "cdr has %d columns" % len(CDR_COLUMNS),
                      "got %d" % cdr.shape[1]):
            cdr.columns = CDR_COLUMNS

        # No raw identifier anywhere in OUT (every file, decompressed).
        blobs = {}
        for root, _dirs, names in os.walk(out):
            for name in names:
                path = os.path.join(root, name)
                rel = os.path.relpath(path, out)
                if name.endswith(".zst"):
                    blobs[rel] = zstd_bytes(path)
                else:
                    with open(path, "rb") as f:
                        blobs[rel] = f.read()
        for kind in ("phone", "email", "spoken_email", "card", "iban"):
            leaks = []
            for raw in planted.get(kind, []):
                b = raw.encode("utf-8")
                for rel, data in blobs.items():
                    if b in data:
                        # say which planted value by index, never the value itself
                        leaks.append("%s #%d in %s" % (kind, planted[kind].index(raw), rel))
            ck.check(not leaks and planted.get(kind), "no raw %s of %d planted survives" %
                     (kind, len(planted.get(kind, []))), "; ".join(leaks[:10]))

        # Values that are not personal data survive.
        pairs = (("chats.jsonl", "chats.jsonl.zst"), ("sms.csv", "sms.csv.zst"))
        for keep in gen.SURVIVORS:
            for rin, rout in pairs:
                if keep.encode() in files[rin]:
                    ck.check(keep.encode() in outputs[rout], "%r survives in %s" % (keep, rout))

        # Joins: phone tokens of the shared customers in CDR src, chat customers and SMS from/to.
        def tokens_in(values):
            found = set()
            for v in values:
                found.update(PHONE_TOKEN.findall(str(v)))
            return found

        cdr_src = tokens_in(cdr["src"]) if "src" in cdr.columns else set()
        chat_cust = tokens_in(chats["customer"]) if "customer" in chats.columns else set()
        sms_ft = set()
        for col in ("from", "to"):
            if ck.check(col in sms.columns, "sms has a %r column" % col):
                sms_ft |= tokens_in(sms[col])
        expected = {c["e164"]: token(kt, "phone", c["e164"]) for c in gen.SHARED}
        for e164, tok in expected.items():
            label = "shared customer %s" % gen.SHARED[[c["e164"] for c in gen.SHARED].index(e164)]["key"]
            ck.check(tok in cdr_src, "%s: expected token in CDR src" % label)
            ck.check(tok in chat_cust, "%s: expected token in chat customer" % label)
            ck.check(tok in sms_ft, "%s: expected token in SMS from/to" % label)
        joined = cdr_src & chat_cust & sms_ft
        ck.check(len(joined) >= len(gen.SHARED), "CDR src ∩ chat customers ∩ SMS from/to has >= %d tokens"
                 % len(gen.SHARED), "got %d" % len(joined))
        # and by plain equality of the values as written (no token extraction)
        if "customer" in chats.columns and "src" in cdr.columns and "to" in sms.columns:
            phones = pd.DataFrame({"phone": [c.get("phone") if isinstance(c, dict) else None
                                             for c in chats["customer"]]})
            shared = {"phone:" + t for t in expected.values()}
            eq = set(phones.merge(cdr[["src"]], left_on="phone", right_on="src")["phone"]) & \
                set(phones.merge(sms[["to"]], left_on="phone", right_on="to")["phone"])
            ck.check(shared <= eq, "chat customer.phone = CDR src = SMS to by plain equality for the %d shared "
                     "customers" % len(shared), "got %d of them" % len(shared & eq))

        # Row by row: wherever a known customer's number, in whatever style,
        # came out as a phone token, it is that customer's token (so every
        # written form joins, e.g. "447700900123" in an SMS gateway column).
        e164_of = {}
        for c in gen.CUSTOMERS:
            for form in [c["chat"], c["cdr"]] + c["sms"]:
                e164_of[form] = c["e164"]
        chat_in = [json.loads(line) for line in files["chats.jsonl"].splitlines() if line.strip()]
        sms_in = list(csv.DictReader(io.StringIO(files["sms.csv"].decode("utf-8"), newline="")))
        cdr_in = list(csv.reader(io.StringIO(files["cdr/Master.csv"].decode("utf-8"), newline="")))
        columns = [("chats customer.phone", [r["customer"]["phone"] for r in chat_in],
                    [str(v) for v in chats["customer"]] if "customer" in chats.columns else None)]
        for col in ("from", "to"):
            columns.append(("sms " + col, [r[col] for r in sms_in], list(sms[col]) if col in sms.columns else None))
        columns.append(("cdr src", [r[1] for r in cdr_in], list(cdr["src"]) if "src" in cdr.columns else None))
        for label, vin, vout in columns:
            if vout is None or len(vout) != len(vin):
                continue
            bad, seen = [], 0
            for i, (a, b) in enumerate(zip(vin, vout)):
                toks = PHONE_TOKEN.findall(b)
                if a in e164_of and toks:
                    seen += 1
                    if toks[0] != token(kt, "phone", e164_of[a]):
                        bad.append("row %d (written form #%d)" % (i + 1, list(e164_of).index(a)))
            if seen:
                ck.check(not bad, "%s: %d tokenised customer numbers carry their E.164 token" % (label, seen),
                         "; ".join(bad))
    return ck.finish()


if __name__ == "__main__":
    sys.exit(main())
