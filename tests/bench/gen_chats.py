#!/usr/bin/env python3
"""Fast generator of synthetic chat JSONL for callveil benchmarks and tests.

Writes SIZE_MB megabytes (10^6 bytes, whole lines) of conversations shaped
like samples/chats.jsonl, with about one personal identifier per ~300 bytes
and many messages without digits. Deterministic for a given --seed. Speed:
a pool of conversation templates is built once, then lines are stamped out
with %-formatting (new id, varied phone/e-mail digits), so 1 GB takes
seconds, not minutes. Python 3 stdlib only; all data is fictional.

usage: gen_chats.py SIZE_MB [-o FILE] [--seed N] [--stats]
"""

import argparse
import json
import random
import sys

FIRST = ["Jane", "Oliver", "Amelia", "Rajesh", "Siobhán", "Tyler", "George", "Fatima", "Lukas",
         "Camille", "Lucía", "Giulia", "Daan", "Emily", "Ciarán", "Sophie", "Noah", "Mia",
         "Aarav", "Chloe", "Mateo", "Léa", "Hannah", "Luca", "Sven", "Zoë"]
LAST = ["Doe", "Bennett", "Hughes", "Patel", "Murphy", "Johnson", "Walker", "Khan", "Schäfer",
        "Laurent", "Fernández", "Romano", "de Vries", "Carter", "O'Brien", "Turner", "Müller",
        "García", "Rossi", "Dubois", "Jansen", "Smith", "Nowak", "Kelly"]
AGENTS = [("A-017", "Priya Shah"), ("A-004", "Tom Gallagher"), ("A-022", "Sophie Martin"),
          ("A-031", "Marco Bianchi"), ("A-009", "Emma Clarke"), ("A-040", "Jonas Weber")]
QUEUES = ["billing", "technical", "sales", "accounts", "orders", "complaints", "retention"]
TAGS = ["refund", "vip", "fault", "engineer", "payment", "delivery", "complaint", "upgrade",
        "callback", "direct-debit"]

# Phone forms; %(n)03d varies the last digits per line (fictional ranges).
PHONES = ["+44 7700 900%(n)03d", "07700 900%(n)03d", "07700900%(n)03d", "+447700900%(n)03d",
          "01632 960%(n)03d", "020 7946 0%(n)03d", "+353 85 123 4%(n)03d", "+1 202-555-01%(n2)02d",
          "+49 152 28895%(n)03d", "+33 6 39 98 0%(n1)01d %(n2)02d", "+34 612 345 %(n)03d",
          "+39 312 345 6%(n)03d", "+31 6 12345%(n)03d", "0044 7700 900%(n)03d"]
DOMAINS = ["example.com", "example.co.uk", "example.org", "example.net", "example.de", "example.fr"]
CARDS = ["4111 1111 1111 1111", "5555-5555-5555-4444", "378282246310005", "4111111111111111",
         "6011 1111 1111 1117", "4000 0566 5566 5556"]
IBANS = ["GB82 WEST 1234 5698 7654 32", "DE89370400440532013000", "FR14 2004 1010 0505 0001 3M02 606",
         "ES91 2100 0418 4502 0005 1332", "IT60 X054 2811 1010 0000 0123 456", "NL91ABNA0417164300",
         "IE29 AIBK 9311 5212 3456 78"]
IPS = ["192.168.1.254", "203.0.113.%(n1)01d5", "198.51.100.%(n2)02d", "2001:db8:85a3::8a2e:370:7334",
       "2001:db8::%(n)03d"]

# Messages without any identifier (most of a real conversation).
PLAIN = [
    "Hi, I need some help with my account please",
    "Thanks for waiting, let me have a look at that for you.",
    "My internet keeps dropping since yesterday evening.",
    "Could you restart the router and tell me what the lights are doing?",
    "The broadband light is flashing orange.",
    "I'm sorry to hear that, I understand how frustrating it is.",
    "Is there anything else I can help you with today?",
    "no that's all, thanks a lot",
    "Great, thanks for your help!",
    "Where is my order? It was supposed to arrive on Tuesday.",
    "It's with the courier and should arrive tomorrow morning.",
    "Can I change my plan without paying a fee?",
    "Yes, you can switch at any time at the end of the month.",
    "Nobody called me back last week, this is really annoying",
    "I'll arrange a callback from my team leader today.",
    "ok cheers",
    "Let me check that with the billing team, one moment please.",
    "Bonjour, je n'arrive pas à payer ma facture.",
    "Guten Tag, meine Rechnung ist zu hoch.",
    "Hola, ¿pueden ayudarme con mi factura?",
    "Buongiorno, ho un problema con la connessione.",
    "Hoi, mijn internet werkt niet.",
    "The engineer visit is confirmed for the afternoon slot.",
    "I've applied a goodwill credit to the account.",
]
# Messages with digits but nothing personal.
DIGITS = [
    "I was charged twice for order 1234567890, £49.99 each time.",
    "Your ticket is INC00%(n)03d45, it takes 3-5 working days.",
    "Order ORD-2024-118%(n)03d has been dispatched, product SKU-4411-220.",
    "Your engineer visit is on 12/03/2025 between 08:00 and 13:00.",
    "Can it be after 14:30? I work mornings.",
    "The total is $1,299.00 for the year, or $108.25 a month.",
    "I can add €120,00 credit to the account instead.",
    "My voucher number 5123 4567 8901 2345 doesn't work",
]
# Messages with one identifier; {p} {e} {c} {i} {b} {s} {d} {f} {a}.
PII = [
    "Sure, my number is {p}",
    "call me on {p} after 5pm please",
    "my email is {e}",
    "it's {sp} at gmail dot com",
    "oh sorry, too late, it's {c} exp 09/27",
    "IBAN {b}",
    "my router says {i}",
    "I was born on 14/02/19%(n2)02d",
    "NI number is CE 12 34 56 A",
    "my SSN is 078-05-1120",
    "Hi {f}, this is {a} from Billing. How can I help?",
    "Thanks {f}, you're verified.",
]


def ascii_fold(s):
    return s.lower().translate(str.maketrans("áéíóúàèìòùäöüßñç'ë", "aeiouaeiouaousnc e")).replace(" ", "")


def esc(s):
    return s.replace("%", "%%")


def make_template(rng, pii_ratio):
    """One conversation as a %-format template (fields n, n1, n2, id)."""
    first, last = rng.choice(FIRST), rng.choice(LAST)
    aid, aname = rng.choice(AGENTS)
    phone = rng.choice(PHONES)
    email = "%s.%s%%(n)d@%s" % (ascii_fold(first), ascii_fold(last), rng.choice(DOMAINS))
    msgs = []
    npii = 0
    when = rng.randint(0, 27 * 86400) + 8 * 3600
    for k in range(rng.randint(4, 11)):
        when += rng.randint(5, 240)
        r = rng.random()
        if r < pii_ratio:
            t = rng.choice(PII)
            t = t.replace("{p}", rng.choice(PHONES)).replace("{e}", email) \
                .replace("{sp}", esc("%s dot %s" % (ascii_fold(first), ascii_fold(last)))) \
                .replace("{c}", rng.choice(CARDS)).replace("{b}", rng.choice(IBANS)) \
                .replace("{i}", rng.choice(IPS)).replace("{f}", esc(first)).replace("{a}", esc(aname.split()[0]))
            npii += 1
        elif r < pii_ratio + 0.15:
            t = rng.choice(DIGITS)
        else:
            t = esc(rng.choice(PLAIN))
        msgs.append({"ts": "2024-03-%02dT%02d:%02d:%02dZ" % (1 + when // 86400, when // 3600 % 24,
                                                            when // 60 % 60, when % 60),
                     "from": rng.choice(["customer", "agent"]), "text": t})
    obj = {
        "id": "CH-ZZID",
        "channel": rng.choice(["webchat", "whatsapp", "email"]),
        "started_at": msgs[0]["ts"],
        "queue": rng.choice(QUEUES),
        "agent": {"id": aid, "name": aname},
        "customer": {"name": esc(first + " " + last), "phone": phone, "email": email},
        "messages": msgs,
        "tags": rng.sample(TAGS, rng.randint(0, 2)),
        "csat": rng.choice([1, 2, 3, 4, 5, None]),
    }
    line = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    # customer.phone and customer.email count too; names (person, from
    # structured fields only) are not counted
    return line.replace("ZZID", "%(id)09d") + "\n", npii + 2


def main(argv):
    ap = argparse.ArgumentParser(description="Generate synthetic chat JSONL.")
    ap.add_argument("size_mb", type=float, help="output size in MB (10^6 bytes)")
    ap.add_argument("-o", "--output", default="-")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--pool", type=int, default=4000, help="distinct conversation templates")
    ap.add_argument("--pii-ratio", type=float, default=0.20, help="share of messages with an identifier")
    ap.add_argument("--stats", action="store_true", help="print bytes per identifier on stderr")
    a = ap.parse_args(argv)

    rng = random.Random(a.seed)
    pool = [make_template(rng, a.pii_ratio) for _ in range(a.pool)]
    target = int(a.size_mb * 1e6)
    out = sys.stdout.buffer if a.output == "-" else open(a.output, "wb")
    written = 0
    items = 0
    n = 0
    buf = []
    buflen = 0
    choose = rng.randrange
    npool = len(pool)
    while written < target:
        tmpl, k = pool[choose(npool)]
        v = n % 1000
        line = (tmpl % {"id": n, "n": v, "n1": v % 10, "n2": v % 100}).encode("utf-8")
        if written + len(line) > target and written > 0:
            break
        buf.append(line)
        buflen += len(line)
        written += len(line)
        items += k
        n += 1
        if buflen >= 1 << 22:
            out.write(b"".join(buf))
            buf = []
            buflen = 0
    out.write(b"".join(buf))
    out.flush()
    if out is not sys.stdout.buffer:
        out.close()
    if a.stats:
        print("lines %d, bytes %d, identifiers %d, bytes per identifier %.0f"
              % (n, written, items, written / max(items, 1)), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
