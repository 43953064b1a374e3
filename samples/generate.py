#!/usr/bin/env python3
"""Generate callveil's small, realistic, multi-locale sample inputs.

Writes samples/chats.jsonl, samples/sms.csv and samples/cdr/Master.csv
(Asterisk cdr_csv style) with a fixed seed: running it again rewrites the
three files byte-identically. Python 3 standard library only. All people,
numbers and addresses are fictional (Ofcom/ARCEP drama ranges, US 555-01xx,
RFC 2606/5737/3849 names and addresses, published test cards and IBANs).

The same customers (same phone numbers written in different styles) appear
in all three datasets so that pseudonyms join across them; SHARED lists them.
Importable: build() returns the file contents and what was planted, which
tests/e2e/test_pandas.py uses to know which raw values must not survive.
"""

import calendar
import json
import os
import random
import sys
import time

SEED = 20240305

# ---- people -----------------------------------------------------------------

# forms: how the customer's number is written in the different places.
#   chat: customer.phone in chats; text: in chat/SMS free text;
#   cdr: Asterisk src / callerid number; sms: SMS from/to columns.
CUSTOMERS = [
    # shared across chats, SMS and CDRs
    dict(key="jane", cc="GB", first="Jane", last="Doe", e164="+447700900123",
         chat="+44 7700 900123", text=["07700 900123", "07700900123", "+44 (0)7700 900123"],
         cdr="07700900123", sms=["447700900123", "+447700900123"],
         email="jane.doe@example.co.uk", shared=True),
    dict(key="oliver", cc="GB", first="Oliver", last="Bennett", e164="+447700900456",
         chat="07700 900456", text=["0044 7700 900456", "07700-900-456"],
         cdr="07700900456", sms=["+447700900456"],
         email="oliver.bennett@example.com", shared=True),
    dict(key="amelia", cc="GB", first="Amelia", last="Hughes", e164="+447700900781",
         chat="+447700900781", text=["07700 900 781", "+44 7700 900781"],
         cdr="07700900781", sms=["+447700900781", "447700900781"],
         email="amelia.hughes@example.org", shared=True),
    dict(key="rajesh", cc="GB", first="Rajesh", last="Patel", e164="+447700900332",
         chat="07700900332", text=["+44 7700 900332", "07700 900332"],
         cdr="07700900332", sms=["+447700900332"],
         email="r.patel@example.net", shared=True),
    dict(key="siobhan", cc="IE", first="Siobhán", last="Murphy", e164="+353851234567",
         chat="+353 85 123 4567", text=["00353 85 123 4567", "+353851234567"],
         cdr="+353851234567", sms=["+353851234567"],
         email="siobhan.murphy@example.ie", shared=True),
    dict(key="tyler", cc="US", first="Tyler", last="Johnson", e164="+12025550143",
         chat="+1 (202) 555-0143", text=["+1 202-555-0143", "+1 202 555 0143"],
         cdr="+12025550143", sms=["+12025550143"],
         email="tyler.johnson@example.com", shared=True),
    # chats (and some CDRs) only
    dict(key="george", cc="GB", first="George", last="Walker", e164="+441632960781",
         chat="01632 960781", text=["(01632) 960781", "+44 1632 960781"],
         cdr="01632960781", sms=[], email="g.walker@example.co.uk", shared=False),
    dict(key="fatima", cc="GB", first="Fatima", last="Khan", e164="+442079460958",
         chat="020 7946 0958", text=["+44 20 7946 0958", "02079460958"],
         cdr="02079460958", sms=[], email="fatima.khan@example.com", shared=False),
    dict(key="lukas", cc="DE", first="Lukas", last="Schäfer", e164="+4915228895401",
         chat="+49 152 28895401", text=["+49 (0)152 28895401", "0049 152 28895401"],
         cdr="004915228895401", sms=[], email="lukas.schaefer@example.de", shared=False),
    dict(key="camille", cc="FR", first="Camille", last="Laurent", e164="+33639980012",
         chat="+33 6 39 98 00 12", text=["+33 (0)6 39 98 00 12", "0033 6 39 98 00 12"],
         cdr="0033639980012", sms=[], email="camille.laurent@example.fr", shared=False),
    dict(key="lucia", cc="ES", first="Lucía", last="Fernández", e164="+34612345601",
         chat="+34 612 34 56 01", text=["+34 612 345 601", "0034 612345601"],
         cdr="0034612345601", sms=[], email="lucia.fernandez@example.es", shared=False),
    dict(key="giulia", cc="IT", first="Giulia", last="Romano", e164="+393123456701",
         chat="+39 312 345 6701", text=["+39 312 3456701", "0039 312 345 6701"],
         cdr="00393123456701", sms=[], email="giulia.romano@example.it", shared=False),
    dict(key="daan", cc="NL", first="Daan", last="de Vries", e164="+31612345601",
         chat="+31 6 12345601", text=["+31 (0)6 1234 5601", "0031 6 12345601"],
         cdr="0031612345601", sms=[], email="daan.devries@example.nl", shared=False),
    dict(key="emily", cc="US", first="Emily", last="Carter", e164="+13125550178",
         chat="+1 312-555-0178", text=["+1 (312) 555-0178"],
         cdr="+13125550178", sms=[], email="emily.carter@example.com", shared=False),
    dict(key="ciaran", cc="IE", first="Ciarán", last="O'Brien", e164="+353871234502",
         chat="+353 87 123 4502", text=["00353 87 123 4502"],
         cdr="00353871234502", sms=[], email="ciaran.obrien@example.ie", shared=False),
    dict(key="sophie", cc="GB", first="Sophie", last="Turner", e164="+447700900610",
         chat="07700 900610", text=["+44 7700 900610"],
         cdr="07700900610", sms=["+447700900610"], email="sophie.t@example.co.uk", shared=False),
]
SHARED = [c for c in CUSTOMERS if c["shared"]]

AGENTS = [
    dict(id="A-017", name="Priya Shah", ext="200"),
    dict(id="A-004", name="Tom Gallagher", ext="201"),
    dict(id="A-022", name="Sophie Martin", ext="202"),
    dict(id="A-031", name="Marco Bianchi", ext="203"),
    dict(id="A-009", name="Emma Clarke", ext="204"),
    dict(id="A-040", name="Jonas Weber", ext="205"),
]

# Published test cards (all Luhn-valid), written as customers type them.
CARDS = ["4111 1111 1111 1111", "5555-5555-5555-4444", "378282246310005",
         "4111111111111111", "3782 822463 10005", "6011 1111 1111 1117",
         "4000 0566 5566 5556", "5105 1051 0510 5100"]
LUHN_INVALID = "5123 4567 8901 2345"   # a 16-digit voucher number that must survive

IBANS = {"GB": "GB82 WEST 1234 5698 7654 32", "DE": "DE89370400440532013000",
         "FR": "FR14 2004 1010 0505 0001 3M02 606", "ES": "ES91 2100 0418 4502 0005 1332",
         "IT": "IT60 X054 2811 1010 0000 0123 456", "NL": "NL91ABNA0417164300",
         "IE": "IE29 AIBK 9311 5212 3456 78"}

NINOS = ["CE 12 34 56 A", "AB123456C", "JG 10 37 95 B"]
SSNS = ["078-05-1120", "536-22-1847"]
IPV4 = ["192.168.1.254", "203.0.113.45", "198.51.100.7", "10.0.0.138"]
IPV6 = ["2001:db8:85a3::8a2e:370:7334", "2001:db8::1", "fe80::1ff:fe23:4567:890a"]

# The company's own numbers (fictional too): they are phones and get tokens.
COMPANY_SMS_NUMBER = "+441632960000"
COMPANY_DID = "08081570192"
FREEPHONE_TEXT = "0808 157 0192"

# Things that must SURVIVE anonymisation (not personal data).
SURVIVORS = ["ORD-2024-118734", "INC0012345", "SKU-4411-220", "order 1234567890",
             "£49.99", "€120,00", "$1,299.00", LUHN_INVALID, "12/03/2025"]


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
    return int("".join(str(int(ch, 36)) for ch in r)) % 97 == 1


def ascii_fold(s):
    table = str.maketrans("áéíóúàèìòùäöüßñç'", "aeiouaeiouaousnc ")
    return s.lower().translate(table).replace(" ", "")


# ---- chat scenarios ---------------------------------------------------------
# Each scenario: (queue, tags, language, countries or None, messages), where a
# message is (sender, template). Templates use str.format fields filled per
# conversation: cfirst cname afirst phone_text email spoken_email card iban
# nino ssn dob_dmy dob_iso dob_dot dob_long ipv4 ipv6 inc ord sku order10
# appt amount alt_phone.

SCENARIOS = [
    ("billing", ["refund"], "en", None, [
        ("agent", "Hi {cfirst}, this is {afirst} from Billing. How can I help today?"),
        ("customer", "Hi {afirst}, I was charged twice for order 1234567890. It was £49.99 each time."),
        ("agent", "Sorry about that. Can you confirm the mobile number on the account?"),
        ("customer", "Sure, it's {phone_text}"),
        ("agent", "Thanks {cfirst}. I can see both payments. I've raised a refund under ticket {inc}, it takes 3-5 working days."),
        ("customer", "Great, thanks for your help!"),
    ]),
    ("payments", ["payment", "pci"], "en", None, [
        ("customer", "I need to update my card, the old one expired"),
        ("agent", "No problem {cfirst}. Please don't type the full card number in the chat, I'll send you a secure payment link."),
        ("customer", "oh sorry too late, it's {card} exp 09/27"),
        ("agent", "Thanks, I've flagged that message for removal. The payment of {amount} will be taken tonight."),
        ("customer", "ok cheers"),
    ]),
    ("technical", ["fault", "engineer"], "en", None, [
        ("customer", "My internet keeps dropping since yesterday evening."),
        ("agent", "Hi {cfirst}, I'm {afirst}. Could you restart the router and tell me the IP address it shows?"),
        ("customer", "my router says {ipv4}"),
        ("customer", "and my laptop shows {ipv6} if that helps"),
        ("agent", "Thanks. I've booked an engineer: your engineer visit is on 12/03/2025 between 08:00 and 13:00."),
        ("customer", "Can it be after 14:30? I work mornings."),
        ("agent", "Done, moved to the afternoon slot. Your reference is {inc}."),
    ]),
    ("accounts", ["verification", "address-change"], "en", ["GB"], [
        ("customer", "Hello, I've moved house and need to update my address"),
        ("agent", "Hello {cfirst}, {afirst} here. Before I change anything I need to verify you. What's your date of birth?"),
        ("customer", "I was born on {dob_dmy}"),
        ("agent", "Thank you. For the disability discount I also need your National Insurance number."),
        ("customer", "NI number is {nino}"),
        ("agent", "All verified, {cfirst}. The new address is saved and your next bill will go there."),
    ]),
    ("sales", ["credit-check", "us"], "en", ["US"], [
        ("customer", "Hi, I'm following up on the credit check for the new contract"),
        ("agent", "Hi {cfirst}, {afirst} here. For the US credit check we need your SSN, please."),
        ("customer", "my SSN is {ssn}"),
        ("agent", "Thank you, the check passed. The total is $1,299.00 for the year, or $108.25 a month."),
        ("customer", "Perfect. You can text me on {phone_text} when it ships."),
    ]),
    ("billing", ["direct-debit"], "en", ["GB", "IE"], [
        ("customer", "I'd like to pay by direct debit from now on"),
        ("agent", "Of course, {cfirst}. Please give me the IBAN of the account you want to pay from."),
        ("customer", "IBAN {iban}"),
        ("agent", "Thanks, the mandate is set up. The first collection is on the 1st and will be £35.00."),
    ]),
    ("accounts", ["email-change"], "en", None, [
        ("customer", "can u change my email address"),
        ("agent", "Sure! What's the new address?"),
        ("customer", "{spoken_email}"),
        ("agent", "Updated. I've sent a confirmation e-mail to the new address, and a copy to {email}."),
        ("customer", "thx"),
    ]),
    ("orders", ["delivery"], "en", None, [
        ("customer", "Where is my order ORD-2024-118734? It was supposed to arrive on Tuesday."),
        ("agent", "Let me check for you..."),
        ("agent", "It's with the courier: product SKU-4411-220, expected tomorrow before 12:00."),
        ("customer", "ok thanks"),
        ("agent", "Anything else I can help with?"),
        ("customer", "no that's all, bye"),
    ]),
    ("complaints", ["complaint", "callback"], "en", None, [
        ("customer", "Nobody called me back last week!! This is the third time I'm asking."),
        ("agent", "I'm really sorry, {cfirst}. I'll arrange a callback from my team leader. Which number is best?"),
        ("customer", "call me on {phone_text} after 5pm please, or my work line {alt_phone}"),
        ("agent", "Noted. You'll get a call today between 17:00 and 19:00. Ticket {inc}."),
    ]),
    ("billing", ["voucher"], "en", None, [
        ("customer", "My voucher number {luhn_bad} doesn't work on the website"),
        ("agent", "Hi {cfirst}, that voucher expired on 31/01/2024. I can add €120,00 credit to the account instead."),
        ("customer", "yes please"),
        ("agent", "Done. The credit shows on your next bill."),
    ]),
    ("retention", ["vip", "upgrade"], "en", None, [
        ("agent", "Hello {cfirst}! Thanks for being with us for 10 years."),
        ("customer", "Thank you! Is there a better plan for me? I'm paying too much."),
        ("agent", "The Unlimited plan is £35 a month instead of £49.99, with no change to your contract end date."),
        ("customer", "Sounds good, switch me over please"),
        ("agent", "All done. Have a lovely evening!"),
    ]),
    ("billing", ["invoice"], "en", None, [
        ("customer", "Hello,\n\nI'm writing about invoice INV-2024-00931. The roaming charges of £12.40 look wrong: "
                     "I was not abroad in February.\n\nKind regards,\n{cname}\n{phone_text}\n{email}"),
        ("agent", "Dear {cfirst},\n\nThank you for your message. You are right, the roaming charges were applied in error "
                  "and have been removed. Ticket {inc}.\n\nBest wishes,\n{aname}\nCustomer Care"),
    ]),
    ("technical", ["sim"], "en", None, [
        ("customer", "my sim stopped working after the update"),
        ("agent", "Hi {cfirst}, sorry to hear that. Is it the number ending in {phone_tail}?"),
        ("customer", "yes"),
        ("agent", "I've sent a reset to the SIM. Please switch the phone off and on again."),
        ("customer", "working now, thanks!"),
    ]),
    ("identity", ["verification"], "en", None, [
        ("agent", "Good afternoon, you're speaking with {afirst}. Can I take your full name and DOB?"),
        ("customer", "{cname}, DOB {dob_iso}"),
        ("agent", "Thanks {cfirst}, you're verified."),
        ("customer", "I'd like to know why my bill went up to £52.30 this month"),
        ("agent", "The price rise of 3.9% applied from 1 April. I can offer a discount of £5 a month for 12 months."),
    ]),
    # localised conversations (customers write in their own language)
    ("billing", ["direct-debit"], "de", ["DE"], [
        ("agent", "Guten Tag {cfirst}, hier ist {afirst}. Wie kann ich helfen?"),
        ("customer", "Meine Rechnung ist zu hoch. Bitte buchen Sie ab jetzt von meinem Konto ab: {iban}"),
        ("agent", "Danke. Zur Sicherheit: Wie ist Ihr Geburtsdatum?"),
        ("customer", "geboren am {dob_dot}"),
        ("agent", "Vielen Dank, die Lastschrift ist eingerichtet. Betrag: 120,00 € am 01.04.2024."),
    ]),
    ("billing", ["payment"], "fr", ["FR"], [
        ("customer", "Bonjour, je n'arrive pas à payer ma facture de 89,90 €."),
        ("agent", "Bonjour {cfirst}, je suis {afirst}. Pouvez-vous me donner votre numéro de portable ?"),
        ("customer", "Oui, c'est le {phone_text}. Et mon IBAN est {iban}"),
        ("agent", "Merci, c'est noté. Le prélèvement aura lieu le 12/03/2025 à 14:30."),
    ]),
    ("payments", ["payment", "pci"], "es", ["ES"], [
        ("customer", "Hola, quiero cambiar mi correo a {email}"),
        ("agent", "Hola {cfirst}, soy {afirst}. Hecho. ¿Algo más?"),
        ("customer", "Sí, mi tarjeta nueva es {card}"),
        ("agent", "Gracias, el pago de €120,00 está confirmado."),
    ]),
    ("billing", ["direct-debit"], "it", ["IT"], [
        ("customer", "Buongiorno, il mio IBAN è {iban}, potete addebitare lì?"),
        ("agent", "Certo {cfirst}, sono {afirst}. Fatto, il primo addebito è di 120,00 €."),
        ("customer", "Grazie mille! Il mio numero è {phone_text} se serve."),
    ]),
    ("accounts", ["iban-change"], "nl", ["NL"], [
        ("customer", "Hoi, mijn nieuwe rekeningnummer is {iban}"),
        ("agent", "Dank je {cfirst}, ik ben {afirst}. Aangepast!"),
        ("customer", "Bel me gerust op {phone_text} als er iets is."),
    ]),
]

CHANNELS = ["webchat", "whatsapp", "email"]
LOCALE = {"en": {"GB": "en-GB", "IE": "en-IE", "US": "en-US"}, "de": "de-DE", "fr": "fr-FR",
          "es": "es-ES", "it": "it-IT", "nl": "nl-NL"}


def iso(ts):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def cdr_time(ts):
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ts))


def epoch(y, mo, d, h, mi, s):
    return calendar.timegm((y, mo, d, h, mi, s, 0, 0, 0))


class Planted:
    """What the generator wrote, by kind, in first-seen order."""

    def __init__(self):
        self.items = {}

    def add(self, kind, value):
        lst = self.items.setdefault(kind, [])
        if value not in lst:
            lst.append(value)


def scenarios_for(cust):
    out = []
    for sc in SCENARIOS:
        lang, countries = sc[2], sc[3]
        if countries is not None and cust["cc"] not in countries:
            continue
        if lang == "en" or cust["cc"] in countries:
            out.append(sc)
    return out


def build_chats(rng, planted):
    lines = []
    # Each customer at least twice, shared ones three times: joins need repeats.
    order = []
    for c in CUSTOMERS:
        order += [c] * (3 if c["shared"] else 2)
    order += [SHARED[0], CUSTOMERS[8]]
    rng.shuffle(order)
    order = order[:40]
    t = epoch(2024, 3, 4, 8, 2, 17)
    used_scen = {}
    for n, cust in enumerate(order):
        t += rng.randint(900, 14000)
        agent = rng.choice(AGENTS)
        cands = scenarios_for(cust)
        # Customers of a non-English country first get their own language;
        # then every scenario is used once before any repeats, and a customer
        # does not get the same one twice.
        local = [s for s in cands if s[2] != "en" and (cust["key"], SCENARIOS.index(s)) not in used_scen]
        unused = [s for s in cands if SCENARIOS.index(s) not in used_scen]
        fresh = [s for s in cands if (cust["key"], SCENARIOS.index(s)) not in used_scen]
        sc = rng.choice(local or unused or fresh or cands)
        used_scen[(cust["key"], SCENARIOS.index(sc))] = True
        used_scen[SCENARIOS.index(sc)] = True
        queue, tags, lang, _countries, msgs = sc
        cname = cust["first"] + " " + cust["last"]
        phone_text = rng.choice(cust["text"])
        alt_phone = rng.choice(["020 7946 0123", "01632 960455", "+44 20 7946 0771"])
        card = rng.choice(CARDS)
        fields = dict(
            cfirst=cust["first"], cname=cname, afirst=agent["name"].split()[0], aname=agent["name"],
            phone_text=phone_text, phone_tail=cust["e164"][-4:], email=cust["email"],
            spoken_email="it's {} dot {} at gmail dot com".format(ascii_fold(cust["first"]), ascii_fold(cust["last"])),
            card=card, iban=IBANS.get(cust["cc"], IBANS["GB"]), nino=rng.choice(NINOS),
            ssn=rng.choice(SSNS), dob_dmy="14/02/1987", dob_iso="1990-07-21", dob_dot="21.07.1990",
            ipv4=rng.choice(IPV4), ipv6=rng.choice(IPV6), inc="INC%07d" % rng.randint(10000, 99999),
            amount=rng.choice(["£49.99", "£120.00", "£18.50"]), luhn_bad=LUHN_INVALID, alt_phone=alt_phone)
        messages = []
        mt = t
        for sender, tmpl in msgs:
            mt += rng.randint(8, 140)
            text = tmpl.format(**fields)
            messages.append({"ts": iso(mt), "from": sender, "text": text})
            for key, kind in (("phone_text", "phone"), ("alt_phone", "phone"), ("email", "email"),
                              ("card", "card"), ("spoken_email", "spoken_email"), ("iban", "iban")):
                if "{" + key + "}" in tmpl:
                    planted.add(kind, fields[key])
        loc = LOCALE[lang] if lang != "en" else LOCALE["en"].get(cust["cc"], "en-GB")
        customer = {"name": cname, "phone": cust["chat"]}
        if n % 7 != 3:      # some conversations have no e-mail on file
            customer["email"] = cust["email"]
            planted.add("email", cust["email"])
        planted.add("phone", cust["chat"])
        planted.add("name", cname)
        channel = "email" if "\n" in msgs[0][1] else rng.choice(["webchat", "whatsapp", "webchat"])
        obj = {
            "id": "CH-%06d" % (100 + n * 7 + rng.randint(0, 6)),
            "channel": channel,
            "started_at": iso(t),
            "queue": queue,
            "language": loc,
            "wait_s": rng.randint(4, 600),
            "agent": {"id": agent["id"], "name": agent["name"]},
            "customer": customer,
            "messages": messages,
            "tags": list(tags) + (["vip"] if rng.random() < 0.15 and "vip" not in tags else []),
            "csat": rng.choice([1, 2, 3, 4, 4, 5, 5, None]),
        }
        lines.append(json.dumps(obj, ensure_ascii=False, separators=(",", ":")))
    return "\n".join(lines) + "\n"


# ---- SMS ----------------------------------------------------------------------

OUTBOUND_SMS = [
    "Your engineer visit is on 12/03/2025 between 08:00-13:00. Reply YES to confirm or call " + FREEPHONE_TEXT + ".",
    "Your code is {otp}. Never share it, not even with us.",
    "Hi {cfirst}, your refund of £49.99 for order 1234567890 has been processed.",
    "Your order ORD-2024-118734 has been dispatched, SKU-4411-220, arriving tomorrow.",
    "Hi {cfirst}, we tried to call you about ticket INC0012345. Please call us back on " + FREEPHONE_TEXT + ".",
    "Payment of £35.00 received, thank you. Your balance is £0.00.",
]
INBOUND_SMS = [
    "YES",
    "Can you call me on {phone_text} instead, thanks",
    "my email is {email}",
    "Agent said \"refund approved\", but nothing yet, can you check?",
    "Thanks!\n{cfirst}",
    "pay with {card} pls, exp 09/27",
    "Not home on the 12th, can the engineer come at 14:30 on 13/03/2025?",
    "STOP",
    "I'm abroad, use {phone_text2} or email me at {email}",
    "Hi it's {cfirst}, \"urgent\": my router (192.168.1.254) keeps rebooting, ticket INC0012345",
]


def build_sms(rng, planted):
    out = ["id,sent_at,direction,from,to,body"]
    t = epoch(2024, 3, 4, 9, 12, 5)
    senders = [c for c in CUSTOMERS if c["sms"]]
    # every shared customer at least twice, in each of their SMS styles
    rows = []
    for c in SHARED:
        for form in c["sms"]:
            rows.append((c, form, "inbound"))
            rows.append((c, form, "outbound"))
    while len(rows) < 40:
        c = rng.choice(senders)
        rows.append((c, rng.choice(c["sms"]), rng.choice(["inbound", "outbound", "inbound"])))
    rng.shuffle(rows)
    rows = rows[:40]
    for n, (cust, form, direction) in enumerate(rows):
        t += rng.randint(300, 9000)
        others = [x for x in cust["text"] if x != cust["chat"]]
        fields = dict(cfirst=cust["first"], phone_text=rng.choice(cust["text"]),
                      phone_text2=rng.choice(others or cust["text"]), email=cust["email"],
                      card=rng.choice(CARDS), otp="%06d" % rng.randint(0, 999999))
        if direction == "inbound":
            tmpl = INBOUND_SMS[n % len(INBOUND_SMS)]
            frm, to = form, COMPANY_SMS_NUMBER
        else:
            tmpl = OUTBOUND_SMS[n % len(OUTBOUND_SMS)]
            frm, to = rng.choice(["ACMEHELP", COMPANY_SMS_NUMBER]), form
        body = tmpl.format(**fields)
        for key, kind in (("phone_text", "phone"), ("phone_text2", "phone"), ("email", "email"), ("card", "card")):
            if "{" + key + "}" in tmpl:
                planted.add(kind, fields[key])
        planted.add("phone", form)
        out.append(",".join(csv_field(v) for v in
                            ("SMS-%06d" % (n + 1), iso(t), direction, frm, to, body)))
    return "\n".join(out) + "\n"


def csv_field(v):
    """RFC 4180 minimal quoting."""
    if any(ch in v for ch in ',"\r\n'):
        return '"' + v.replace('"', '""') + '"'
    return v


# ---- Asterisk Master.csv ------------------------------------------------------

def q(v):
    return '"' + v.replace('"', '""') + '"'


def build_cdr(rng, planted):
    out = []
    t = epoch(2024, 3, 5, 14, 23, 11)
    seq = 12
    chan = 0x1a
    rows = []
    for c in SHARED:
        rows += [(c, "in"), (c, "in")]
    others = [c for c in CUSTOMERS if not c["shared"]]
    while len(rows) < 32:
        rows.append((rng.choice(others), "in"))
    while len(rows) < 40:
        rows.append((rng.choice(CUSTOMERS), "out"))
    rng.shuffle(rows)
    for n, (cust, way) in enumerate(rows):
        t += rng.randint(40, 2400)
        agent = rng.choice(AGENTS)
        disp = rng.choice(["ANSWERED"] * 6 + ["NO ANSWER", "BUSY", "FAILED"])
        ring = rng.randint(2, 25)
        talk = rng.randint(15, 1500) if disp == "ANSWERED" else 0
        if disp == "NO ANSWER":
            ring = rng.randint(20, 45)
        elif disp in ("BUSY", "FAILED"):
            ring = rng.randint(0, 3)
        start, answer, end = t, (t + ring if disp == "ANSWERED" else 0), t + ring + talk
        duration, billsec = end - start, talk
        uniqueid = "%d.%d" % (start, seq)
        seq += rng.randint(1, 9)
        cname = cust["first"] + " " + cust["last"]
        if way == "in":
            src, dst = cust["cdr"], rng.choice([COMPANY_DID, "s", COMPANY_DID])
            dcontext = "from-pstn"
            # ast_callerid_merge: name and number, or the bare number without a name
            clid = rng.choice(['"%s" <%s>' % (cname, src), '"%s" <%s>' % (src, src), src])
            channel = "PJSIP/trunk-%08x" % chan
            dstchannel = "PJSIP/%s-%08x" % (agent["ext"], chan + 1) if disp == "ANSWERED" else ""
            queue = rng.choice(["billing", "technical", "sales"])
            lastapp, lastdata = rng.choice([("Queue", "%s,t,,,300" % queue),
                                            ("Dial", "PJSIP/%s,30,tT" % agent["ext"])])
            if disp == "NO ANSWER" and rng.random() < 0.5:
                lastapp, lastdata = "VoiceMail", "%s@default,u" % agent["ext"]
            planted.add("phone", src)
        else:
            num = cust["cdr"]
            src, dst = agent["ext"], "9" + num if rng.random() < 0.5 else num
            dcontext = "from-internal"
            clid = '"%s" <%s>' % (agent["name"], agent["ext"])
            channel = "SIP/%s-%08x" % (agent["ext"], chan)
            dstchannel = "PJSIP/trunk-%08x" % (chan + 1) if disp != "FAILED" else ""
            lastapp, lastdata = "Dial", "PJSIP/%s@trunk,60" % num
            planted.add("phone", num)
        chan += 2
        userfield = rng.choice(["", "", "", "callback", "survey=4", "cb=" + cust["cdr"]])
        if userfield.startswith("cb="):
            planted.add("phone", cust["cdr"])
        accountcode = rng.choice(["", "", "acme-uk"])
        fields = [q(accountcode), q(src), q(dst), q(dcontext), q(clid), q(channel), q(dstchannel),
                  q(lastapp), q(lastdata), q(cdr_time(start)),
                  q(cdr_time(answer)) if answer else "",   # cdr_csv writes an unset time as an empty unquoted field
                  q(cdr_time(end)), str(duration), str(billsec), q(disp), q("DOCUMENTATION"),
                  q(uniqueid), q(userfield)]
        out.append(",".join(fields))
    return "\n".join(out) + "\n"


def build():
    """Return ({relative path: bytes}, {kind: [raw values planted]})."""
    for c in CARDS:
        assert luhn_ok(c), c
    assert not luhn_ok(LUHN_INVALID)
    for v in IBANS.values():
        assert iban_ok(v), v
    planted = Planted()
    rng = random.Random(SEED)
    files = {
        "chats.jsonl": build_chats(rng, planted).encode("utf-8"),
        "sms.csv": build_sms(rng, planted).encode("utf-8"),
        "cdr/Master.csv": build_cdr(rng, planted).encode("utf-8"),
    }
    return files, planted.items


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    files, _ = build()
    for rel, data in files.items():
        path = os.path.join(here, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        print("wrote %s (%d bytes, %d lines)" % (os.path.relpath(path), len(data), data.count(b"\n")),
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
