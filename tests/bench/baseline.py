#!/usr/bin/env python3
"""Naive Python baseline for the chat-filter benchmark (stdlib only).

What a team would write first instead of callveil: json.loads per line, the
same kinds of regexes (phone, e-mail, card + Luhn, IBAN + mod-97, IPv4/IPv6)
run one after another over every message text, HMAC-SHA256 tokens, customer
fields tokenised, json.dumps per line. Reads JSONL on stdin, writes JSONL on
stdout (bench_filter.sh pipes it through zstd -3).

usage: baseline.py [--key KEYFILE] < in.jsonl > out.jsonl
"""

import argparse
import hashlib
import hmac
import ipaddress
import json
import re
import sys

B32 = "0123456789abcdefghjkmnpqrstvwxyz"

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b")
CARD = re.compile(r"\b\d(?:[ -]?\d){12,18}\b")
IPV4 = re.compile(r"\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b")
IPV6 = re.compile(r"(?<![0-9A-Za-z:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![0-9A-Za-z:])")
PHONE = re.compile(r"(?:\+|\b00)\d{1,3}[ -]?(?:\(0\)[ -]?)?\d(?:[ ()-]?\d){6,12}\b"
                   r"|\b0\d{2,4}[ -]?\d{3,4}[ -]?\d{3,4}\b")


def luhn_ok(s):
    digits = [int(c) for c in s if c.isdigit()][::-1]
    total = 0
    for i, d in enumerate(digits):
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def iban_ok(s):
    s = s.replace(" ", "")
    r = s[4:] + s[:4]
    try:
        return int("".join(str(int(ch, 36)) for ch in r)) % 97 == 1
    except ValueError:
        return False


class Tokeniser:
    def __init__(self, key):
        self.key = key

    def token(self, kind, norm):
        d = hmac.new(self.key, kind.encode() + b"\0" + norm.encode("utf-8"), hashlib.sha256).digest()[:10]
        n = int.from_bytes(d, "big")
        return kind + ":" + "".join(B32[(n >> (75 - 5 * i)) & 31] for i in range(16))

    def scan(self, text):
        if "@" in text:
            text = EMAIL.sub(lambda m: "[" + self.token("email", m.group(0).lower()) + "]", text)
        if not any(c.isdigit() for c in text):
            return text
        text = IBAN.sub(lambda m: "[iban]" if iban_ok(m.group(0)) else m.group(0), text)
        text = CARD.sub(lambda m: "[card]" if luhn_ok(m.group(0)) else m.group(0), text)
        text = PHONE.sub(lambda m: "[" + self.token("phone", re.sub(r"\D", "", m.group(0))) + "]", text)
        text = IPV4.sub(lambda m: "[" + self.token("ip", m.group(0)) + "]", text)
        if ":" in text:
            text = IPV6.sub(self.ipv6, text)
        return text

    def ipv6(self, m):
        try:
            return "[" + self.token("ip", str(ipaddress.IPv6Address(m.group(0)))) + "]"
        except ValueError:
            return m.group(0)


def main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("--key", help="key file (64 hex chars); default: a fixed bench key")
    a = ap.parse_args(argv)
    key = bytes(range(32))
    if a.key:
        with open(a.key) as f:
            key = bytes.fromhex(f.read().strip())
    tk = Tokeniser(key)
    out = sys.stdout
    write = out.write
    for line in sys.stdin.buffer:
        if not line.strip():
            continue
        obj = json.loads(line)
        cust = obj.get("customer")
        if isinstance(cust, dict):
            if cust.get("name"):
                cust["name"] = tk.token("person", " ".join(cust["name"].lower().split()))
            if cust.get("phone"):
                cust["phone"] = tk.token("phone", re.sub(r"\D", "", cust["phone"]))
            if cust.get("email"):
                cust["email"] = tk.token("email", cust["email"].strip().lower())
        agent = obj.get("agent")
        if isinstance(agent, dict) and agent.get("name"):
            agent["name"] = tk.token("person", " ".join(agent["name"].lower().split()))
        for m in obj.get("messages") or ():
            t = m.get("text")
            if t:
                m["text"] = tk.scan(t)
        write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")))
        write("\n")
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
