#!/usr/bin/env python3
"""Scale-out on Dask distributed (issue 13): a LocalCluster of 2 worker
processes shards JSONL chats, headed CSV SMS and Asterisk CDRs by byte
ranges cut at record boundaries, runs `callveil filter` on each shard in a
subprocess (every worker reads the same key file), and the concatenation
must equal one `callveil filter` process byte for byte, for each format.
Headed CSV: the first shard keeps the header, the others get it with
--header FILE and write none (--no-header).

usage: test_dask.py CALLVEIL SRCDIR      (exit 77: dask not installed)
"""
import os
import subprocess
import sys
import tempfile

try:
    from dask.distributed import Client, LocalCluster
except ImportError:
    print("test_dask: dask.distributed not installed (Debian: python3-dask python3-distributed): skipped")
    sys.exit(77)


def cuts(data, parts, csv):
    """Byte offsets that split data into about `parts` ranges, each ending
    after a newline that ends a record (outside a CSV quoted field)."""
    out, target, quotes, i, n = [0], len(data) // parts, 0, 0, len(data)
    nxt = target
    while i < n:
        c = data[i]
        if csv and c == 0x22:
            quotes ^= 1
        elif c == 0x0A and not quotes and i + 1 >= nxt and i + 1 < n:
            out.append(i + 1)
            nxt = i + 1 + target
        i += 1
    out.append(n)
    return list(zip(out[:-1], out[1:]))


def shard(args):
    """One partition on a worker: its bytes through callveil filter."""
    binary, path, start, end, extra = args
    with open(path, "rb") as f:
        f.seek(start)
        chunk = f.read(end - start)
    p = subprocess.run([binary, "filter"] + extra, input=chunk, capture_output=True)
    if p.returncode != 0:
        raise RuntimeError("callveil filter exit %d: %s" % (p.returncode, p.stderr.decode(errors="replace")))
    return p.stdout


def main():
    binary, src = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    tmp = tempfile.mkdtemp(prefix="cv-dask.")
    key = os.path.join(tmp, "k")
    subprocess.run([binary, "keygen", "-o", key], check=True, capture_output=True)
    st = os.stat(key)
    assert st.st_mode & 0o077 == 0, "the key file must be 0600"
    cases = [
        ("chats", os.path.join(src, "samples", "chats.jsonl"), ["--format", "jsonl"], False),
        ("sms", os.path.join(src, "samples", "sms.csv"), ["--format", "csv"], True),
        ("cdr", os.path.join(src, "samples", "cdr", "Master.csv"), ["--format", "asterisk-cdr"], False),
    ]
    cluster = LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None)
    client = Client(cluster)
    failed = 0
    try:
        for name, path, fmt, headed in cases:
            base = fmt + ["--key", key, "-j", "1"]
            with open(path, "rb") as f:
                data = f.read()
            whole = subprocess.run([binary, "filter"] + base, input=data, capture_output=True, check=True).stdout
            ranges = cuts(data, 4, headed)
            assert len(ranges) >= 3, "%s: too few shards" % name
            jobs = []
            for k, (a, b) in enumerate(ranges):
                extra = list(base)
                if headed and k == 0:
                    pass                     # the first shard reads and writes the header
                elif headed:
                    hdr = os.path.join(tmp, name + ".header")
                    with open(hdr, "wb") as h:
                        h.write(data[: data.index(b"\n") + 1])
                    extra += ["--header", hdr, "--no-header"]
                jobs.append((binary, path, a, b, extra))
            futures = client.map(shard, jobs, pure=False)
            got = b"".join(client.gather(futures))
            if got != whole:
                print("FAIL %s: %d shards on Dask differ from one process (%d vs %d bytes)"
                      % (name, len(ranges), len(got), len(whole)))
                failed += 1
            else:
                print("ok %s: %d shards on 2 Dask workers = one process (%d bytes)" % (name, len(ranges), len(got)))
    finally:
        client.close()
        cluster.close()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
