#!/usr/bin/env python3
"""End-to-end: crash consistency and concurrent writers of `callveil run`
(issue 8, items 8, 10 and 15).

  test_crash.py crash       SIGKILL `run` (and, for some points, the
                            `run --resume` after it) at 20 points drawn from
                            a fixed seed: delays spread over an uninterrupted
                            run's length, kills right after the k-th output
                            is renamed (inside a file's commit: journal line,
                            vault frame), and kills once the vault stage is
                            renamed over vault.zst (the run's commit, before
                            the manifest). Each is then recovered with
                            `run --resume` or a plain rerun and checked
                            against the uninterrupted run.
  test_crash.py concurrent  two `run` into one OUT at once: one waits its
                            turn or exits 2 saying OUT is in use; outputs and
                            vault are never corrupt.

Checked after every recovery: the outputs byte-identical to the uninterrupted
run's, every token in them revealed by `reveal` with the controller key to the
same values, the vault holding the same number of entries, no temporaries
left (.NAME.cvtmp.PID, .vault.zst.staged), and a truthful manifest (each
output's size and BLAKE2b as on disk, per-file counts and input digests as
the uninterrupted run's, nothing failed).

Env: CV_BIN (callveil). Needs the zstd CLI. Keeps to ~30 s.
"""
import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

BIN = os.environ.get("CV_BIN", "")
SEED = 20261202
TOKEN_RE = re.compile(rb"\b(phone|email):[0-9a-hjkmnp-tv-z]{16}\b")


def fail(msg):
    sys.stderr.write("test_crash: FAIL: %s\n" % msg)
    sys.exit(1)


def cv(*args, check=None):
    p = subprocess.run([BIN] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if check is not None and p.returncode != check:
        fail("callveil %s: exit %d, want %d: %s" % (" ".join(args[:2]), p.returncode, check,
                                                      p.stderr.decode(errors="replace")[-2000:]))
    return p


class Setup:
    def __init__(self, tmp):
        self.tmp = tmp
        self.key = os.path.join(tmp, "k")
        with open(os.open(self.key, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
            f.write("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n")
        self.ctrl = os.path.join(tmp, "ctrl")
        cv("keygen", "--controller", "-o", self.ctrl, check=0)
        self.policy = os.path.join(tmp, "policy.yaml")
        with open(self.policy, "w") as f:
            f.write("version: 1\ntenant: crash\nregion: GB\nvault: {public_key: %s.pub}\ninputs:\n"
                    "  - match: \"**/*.jsonl\"\n    format: jsonl\n"
                    "    fields: {id: keep, customer.phone: {token: phone}, text: scan, \"*\": drop}\n"
                    "  - match: \"**/*.csv\"\n    format: csv\n"
                    "    fields: {id: keep, caller: {token: phone}, note: scan, \"*\": drop}\n" % self.ctrl)
        self.inp = os.path.join(tmp, "in")
        self.make_inputs()

    def make_inputs(self):
        rng = random.Random(SEED)
        phones = ["07700 9%05d" % rng.randrange(100000) for _ in range(300)]
        mails = ["user%d@example.com" % i for i in range(100)]
        filler = ("thanks for waiting, the parcel is on its way and should arrive tomorrow morning "
                  "before noon; let us know if anything else comes up ")
        os.makedirs(os.path.join(self.inp, "sub"))
        for n in range(10):
            d = self.inp if n % 2 else os.path.join(self.inp, "sub")
            with open(os.path.join(d, "chats%02d.jsonl" % n), "w") as f:
                for i in range(2500):
                    t = "%s call %s or mail %s %s" % (filler, rng.choice(phones), rng.choice(mails), filler)
                    f.write(json.dumps({"id": i, "customer": {"phone": rng.choice(phones)}, "text": t,
                                        "secret": "drop me"}) + "\n")
        for n in range(4):
            with open(os.path.join(self.inp, "calls%02d.csv" % n), "w") as f:
                f.write("id,caller,note,other\n")
                for i in range(3000):
                    f.write("%d,%s,ring %s back,x\n" % (i, rng.choice(phones), rng.choice(phones)))

    def args(self, out, resume=False):
        a = ["run", "-q", "-j", "2", "-k", self.key, "-p", self.policy]
        if resume:
            a.append("--resume")
        return a + [self.inp, "-o", out]

    def popen(self, out, resume=False):
        return subprocess.Popen([BIN] + self.args(out, resume), stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)


def data_files(out):
    """Relative paths of the dataset's data outputs."""
    got = []
    for root, dirs, files in os.walk(out):
        for n in files:
            rel = os.path.relpath(os.path.join(root, n), out)
            if rel in ("manifest.json", "vault.zst") or n.startswith("."):
                continue
            got.append(rel)
    return sorted(got)


def temporaries(out):
    bad = []
    for root, dirs, files in os.walk(out):
        for n in files:
            if ".cvtmp." in n or n == ".vault.zst.staged":
                bad.append(os.path.relpath(os.path.join(root, n), out))
    return bad


def unzstd(path):
    p = subprocess.run(["zstd", "-q", "-d", "-c", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        fail("%s does not decompress: %s" % (path, p.stderr.decode(errors="replace")))
    return p.stdout


def b2(path):
    with open(path, "rb") as f:
        return hashlib.blake2b(f.read(), digest_size=32).hexdigest()


class Reference:
    def __init__(self, s, out):
        t0 = time.monotonic()
        cv(*s.args(out), check=0)
        self.seconds = time.monotonic() - t0
        self.out = out
        self.files = data_files(out)
        self.bytes = {}
        tokens = set()
        for rel in self.files:
            with open(os.path.join(out, rel), "rb") as f:
                self.bytes[rel] = f.read()
            tokens.update(m.group(0).decode() for m in TOKEN_RE.finditer(unzstd(os.path.join(out, rel))))
        if len(tokens) < 300:
            fail("the reference run made only %d distinct tokens" % len(tokens))
        self.tokens = sorted(tokens)
        self.revealed = reveal(s, out, self.tokens)
        self.vault_lines = len(unzstd(os.path.join(out, "vault.zst")).splitlines())
        self.manifest = manifest(out)
        self.entries = {e["input"]: e for e in self.manifest["files"]}


def reveal(s, out, tokens):
    p = cv("reveal", "--vault", os.path.join(out, "vault.zst"), "--secret-key", s.ctrl + ".sec",
           "--key", s.key, "-p", s.policy, *tokens)
    if p.returncode != 0:
        fail("%s: reveal failed (exit %d): %s" % (out, p.returncode, p.stderr.decode(errors="replace")))
    return sorted(p.stdout.decode().splitlines())


def manifest(out):
    try:
        with open(os.path.join(out, "manifest.json")) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        fail("%s: no readable manifest: %s" % (out, e))


COUNTS = ("records_in", "written", "dropped", "rejected", "detections", "values_tokenised", "fields_dropped",
          "input_bytes", "input_blake2b", "output", "format")


def verify(s, ref, out, what):
    """The recovered dataset out against the uninterrupted run's."""
    left = temporaries(out)
    if left:
        fail("%s: temporaries left: %s" % (what, left))
    files = data_files(out)
    if files != ref.files:
        fail("%s: outputs %s, want %s" % (what, files, ref.files))
    for rel in files:
        with open(os.path.join(out, rel), "rb") as f:
            if f.read() != ref.bytes[rel]:
                fail("%s: %s differs from the uninterrupted run's" % (what, rel))
    got = reveal(s, out, ref.tokens)
    if got != ref.revealed:
        fail("%s: reveal gives other values than the uninterrupted run's vault" % what)
    n = len(unzstd(os.path.join(out, "vault.zst")).splitlines())
    if n != ref.vault_lines:
        fail("%s: the vault holds %d entries, the uninterrupted run's %d" % (what, n, ref.vault_lines))
    m = manifest(out)
    if m["totals"]["files_failed"] != 0:
        fail("%s: the manifest counts failed files" % what)
    for k in ("records_in", "written", "rejected", "bytes_in", "bytes_out"):
        if m["totals"][k] != ref.manifest["totals"][k]:
            fail("%s: manifest totals %s = %s, want %s" % (what, k, m["totals"][k], ref.manifest["totals"][k]))
    if (m["vault"] or {}).get("entries") != ref.manifest["vault"]["entries"]:
        fail("%s: the manifest's vault entries %s, want %s" % (what, m["vault"], ref.manifest["vault"]))
    if len(m["files"]) != len(ref.entries):
        fail("%s: the manifest lists %d files, want %d" % (what, len(m["files"]), len(ref.entries)))
    for e in m["files"]:
        r = ref.entries.get(e["input"])
        if r is None or e["status"] not in ("done", "done (resumed)"):
            fail("%s: manifest entry %s: %s" % (what, e["input"], e["status"]))
        for k in COUNTS:
            if e.get(k) != r.get(k):
                fail("%s: manifest %s: %s = %s, want %s" % (what, e["input"], k, e.get(k), r.get(k)))
        path = os.path.join(out, e["output"])
        if os.path.getsize(path) != e["output_bytes"] or b2(path) != e["output_blake2b"]:
            fail("%s: manifest %s: output size or BLAKE2b is not the file's" % (what, e["input"]))


def wait_kill(p, trigger, out, t0):
    """SIGKILL p when trigger fires; True if it was still running then."""
    kind, arg = trigger
    while p.poll() is None:
        now = time.monotonic() - t0
        if kind == "delay" and now >= arg:
            break
        if kind == "outputs" and len(data_files(out)) >= arg:
            break
        if kind == "commit" and os.path.exists(os.path.join(out, "vault.zst")) and \
                not os.path.exists(os.path.join(out, ".vault.zst.staged")):
            break
        time.sleep(0.0002 if kind == "commit" else 0.001)
    if p.poll() is not None:
        p.stderr.close()
        return False
    p.send_signal(signal.SIGKILL)
    p.wait()
    p.stderr.close()
    return True


def kill_points(ref):
    """20 kill points from a fixed seed: (trigger of the first kill, trigger of
    a kill of the first resume or None, recovery by "resume" or "rerun")."""
    rng = random.Random(SEED)
    t = ref.seconds
    pts = []
    for i in range(20):
        if i < 10:
            first = ("delay", rng.uniform(0.02, 1.0) * t)
        elif i < 16:
            first = ("outputs", rng.randrange(1, len(ref.files) + 1))
        else:
            first = ("commit", None)
        second = ("delay", rng.uniform(0.05, 0.8) * t) if i % 3 == 1 else None
        pts.append((first, second, "rerun" if i % 5 == 4 else "resume"))
    return pts


def crash(s, tmp):
    ref = Reference(s, os.path.join(tmp, "ref"))
    print("test_crash: uninterrupted run %.2f s, %d outputs, %d tokens, %d vault entries" %
          (ref.seconds, len(ref.files), len(ref.tokens), ref.vault_lines))
    killed = resumed_killed = 0
    phases = {"in a file": 0, "between files": 0, "in the commit": 0}
    for i, (first, second, how) in enumerate(kill_points(ref)):
        out = os.path.join(tmp, "t%02d" % i)
        what = "kill point %d (%s %s%s, %s)" % (i, first[0], "" if first[1] is None else "%.4g" % first[1],
                                                "" if second is None else ", resume killed", how)
        for attempt in range(15 if first[0] == "commit" else 1):
            # the run's commit lasts a few fsyncs: when the run got through
            # it before the poll saw it, start again on a fresh OUT
            if attempt:
                shutil.rmtree(out)
            t0 = time.monotonic()
            k = wait_kill(s.popen(out), first, out, t0)
            if k and (first[0] != "commit" or not os.path.exists(os.path.join(out, "manifest.json"))):
                break
        killed += k
        if k:
            # where it died: inside the run's commit (vault renamed, no
            # manifest yet; the manifest's own temporary may be there: it
            # is staged like every file), inside a file (a temporary of an
            # output), between files
            tmps = [x for x in temporaries(out) if ".cvtmp." in x]
            if os.path.exists(os.path.join(out, "vault.zst")) and \
                    not os.path.exists(os.path.join(out, ".vault.zst.staged")) and \
                    not os.path.exists(os.path.join(out, "manifest.json")) and \
                    all(x.startswith(".manifest.json.cvtmp.") for x in tmps):
                phases["in the commit"] += 1
            elif tmps:
                phases["in a file"] += 1
            else:
                phases["between files"] += 1
        if second is not None:
            t0 = time.monotonic()
            resumed_killed += wait_kill(s.popen(out, resume=True), second, out, t0)
        p = cv(*s.args(out, resume=how == "resume"))
        if p.returncode != 0:
            fail("%s: recovery exit %d: %s" % (what, p.returncode, p.stderr.decode(errors="replace")[-2000:]))
        verify(s, ref, out, what)
        # Hook: `forget` kill points go here once forget is two-phase (another
        # branch): kill `callveil forget ... out` the same way, recover, and
        # check with verify() against a reference that forgot the same subject.
        shutil.rmtree(out)
    print("test_crash: 20 kill points: %d runs (%s) and %d resumes killed while running, all recovered" %
          (killed, ", ".join("%d %s" % (v, k) for k, v in phases.items()), resumed_killed))
    if killed < 12:
        fail("only %d of 20 kill points hit a running process: the inputs are too small for this machine" % killed)
    if phases["in the commit"] == 0:
        fail("no kill point landed in the run's commit (vault renamed, manifest not yet written)")


def concurrent(s, tmp):
    ref = Reference(s, os.path.join(tmp, "ref"))
    # 1. a second run while the first holds OUT: exit 2 at once, saying so
    out = os.path.join(tmp, "c1")
    a = s.popen(out)
    t0 = time.monotonic()
    while a.poll() is None and not any(".cvtmp." in n for _, _, fs in os.walk(out) for n in fs):
        if time.monotonic() - t0 > 30:
            fail("the first run never started an output")
        time.sleep(0.001)
    b = cv(*s.args(out))
    if b.returncode == 0 and a.poll() is not None:
        fail("the first run finished before the second started: inputs too small")
    if b.returncode != 2 or b"is in use by another callveil command" not in b.stderr:
        fail("a second run into a busy OUT: exit %d, %s" % (b.returncode, b.stderr.decode(errors="replace")))
    err = a.stderr.read()
    a.stderr.close()
    if a.wait() != 0:
        fail("the first run failed beside the second: %s" % err.decode(errors="replace"))
    verify(s, ref, out, "a run beside a refused second run")
    # 2. two runs started together, several times: each exits 0 or 2 (the
    # loser of the lock, with the message), and the dataset is whole
    for i in range(4):
        out = os.path.join(tmp, "c2_%d" % i)
        ps = [s.popen(out, resume=bool(i % 2)), s.popen(out)]
        res = []
        for p in ps:
            e = p.stderr.read()
            p.stderr.close()
            res.append((p.wait(), e))
        for rc, e in res:
            if rc not in (0, 2) or (rc == 2 and b"is in use by another callveil command" not in e):
                fail("round %d: exit %d: %s" % (i, rc, e.decode(errors="replace")))
        if not any(rc == 0 for rc, _ in res):
            fail("round %d: neither run finished" % i)
        verify(s, ref, out, "two runs at once, round %d (exits %s)" % (i, [rc for rc, _ in res]))
    print("test_crash: concurrent writers: the second run refused with exit 2, datasets whole")


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in ("crash", "concurrent"):
        fail("usage: test_crash.py crash|concurrent")
    if not BIN or not os.access(BIN, os.X_OK):
        fail("CV_BIN (%s) is not an executable callveil" % (BIN or "unset"))
    if not shutil.which("zstd"):
        fail("the zstd CLI is not installed")
    tmp = tempfile.mkdtemp(prefix="cv-e2e-crash.")
    try:
        s = Setup(tmp)
        (crash if sys.argv[1] == "crash" else concurrent)(s, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("test_crash: %s ok" % sys.argv[1])


if __name__ == "__main__":
    main()
