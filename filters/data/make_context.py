#!/usr/bin/env python3
"""Write filters/data/person_context.h: the person detector's lexicon, its
context words (greetings, sign-offs, titles, introductions, verbs of
speaking) and word lists, as a perfect hash table (hash and displace) on
the word's first 12 bytes and its length: one slot to compare, where a
switch on the word compiled to a tree of branches that mispredict and a
large body of code that falls out of the instruction cache.

Words are folded keys (lower case a-z, accents removed, apostrophes dropped:
"m'appelle" -> "mappelle", "olá" -> "ola", "heiße" -> "heisse", "dña" -> "dna").
usage: filters/data/make_context.py > filters/data/person_context.h
"""

import sys

WORDS = {
    "K_GREET": """hi hey hiya heya hello hallo hullo dear thanks thank thx thankyou cheers ciao salve hoi moin servus
        bonjour bonsoir salut slt bjr coucou hola buenas ola oi grazie danke merci gracias obrigado obrigada bedankt
        regards wishes dank bye goodbye sorry scusa scusami scusi disculpa desculpa perdon pardon ok okay oke
        morning afternoon evening buongiorno buonasera gentile gentilissimo gentilissima caro ringrazio
        ringraziamo agradeco agradezco remercie journee soiree
        cara carissimo carissima querido querida estimado estimada prezado prezada liebe lieber beste geachte
        chere cher tchau valeu saludos saluti groeten groet grusse gruss cordialement atentamente cumprimentos
        bisous bises bacio baci besos beijos beijinhos abrazos kisses lg
        sincerely dia dias tarde tardes noches noite tag morgen abend goedemorgen goedemiddag fao attn""",
    "K_TITLE": """mr mrs ms miss mister mx dr prof herr frau fraulein sig signor signora signorina dott dottor
        dottoressa sr sra srta senor senora senorita don dona dna senhor senhora mme mlle madame monsieur
        mademoiselle dhr mevr mw meneer mevrouw heer herrn doktor dokter docteur doctora doutor doutora
        dra avvocato avv ing fr rev revd""",
    "K_INTRO": "mappelle appelle chiamo llamo chamo heisse heiss",
    "K_CALLED": "called named",
    "K_NAMEW": "name naam nome nom nombre",
    "K_THIS": "this cest hier",
    "K_IAM": "im sono soy sou suis",
    "K_ASK": "ask asked asking tell told contact contacted dire decir dizer",
    "K_SPEAKV": """speak speaking spoke spoken talk talking talked transfer transferred through thru reach parlare
        parlato parlo sprechen gesprochen spreche parler parle hablar hablado hablo hable falar falei falo spreken
        gesproken spreek spreekt chatting chatten chattest chattez chatear chateando parlando hablando falando
        conversando relation""",
    "K_PREP": "to with for con mit avec com met an aan",
    "K_IS": "is ist est es",
    # relations and roles after a possessive or article: "my wife karen",
    # "mio marito giuseppe", "mein Sohn Jonas", "le technicien Ludovic",
    # "su compañero Roberto" (context_level wants the possessive before)
    "K_REL": """wife husband partner son daughter mum mam mom mother dad father brother sister uncle auntie
        aunt nan nana gran granny grandad grandma grandpa grandson boyfriend girlfriend
        fiance fiancee neighbour neighbor friend lad nephew niece cousin carer colleague engineer technician
        marito moglie figlio figlia papa padre madre mamma fratello sorella compagno compagna nonno nonna
        zio zia fidanzato fidanzata cugino cugina suocero suocera nipote amico amica collega tecnico
        mann sohn tochter vater mutter bruder schwester kollege kollegin opa oma onkel tante
        freundin partnerin enkel enkelin neffe nichte techniker
        mari femme fils fille pere mere frere soeur collegue compagnon compagne copain copine oncle
        cousine technicien papi mamie
        marido mujer esposa esposo hijo hija hermano hermana novio novia abuelo abuela companero companera
        compi tio tia pareja primo prima suegro suegra sobrino sobrina amigo amiga colega
        vrouw man zoon dochter vader moeder broer zus vriend vriendin oom neef schoonvader monteur
        mulher filho filha pai mae irmao irma namorado namorada avo sogro sogra sobrinho sobrinha
        flatmate housemate roommate landlord landlady installer driver courier corriere vicino vicina
        padrone padrona fahrer vermieter nachbar nachbarin voisin voisine vecino vecina buurman buurvrouw
        vizinho vizinha senhorio repartidor bezorger livreur paketbote postbote bote kurier gardien
        concierge nounou nanny babysitter plumber electrician idraulico elettricista fontanero electricista
        loodgieter klempner handwerker elektriker hausmeister conserje portiere canalizador eletricista
        kid tech grandpere grandmere beaupere bellemere petitfils
        advisor adviser berater beraterin consulente operatrice
        porteiro encanador plombier electricien agent agente operatore operator mitarbeiter
        conseiller conseillere asesor asesora medewerker medewerkster
        atendente consultor consultora cognato cognata schwager schwagerin beaufrere coinquilino
        mitbewohner colocataire huisgenoot""",
    # "it's Natalie", "its sarah"
    "K_ITS": "its",
    # after a name: "Ciaran here", "Kevin said", "Patrick hat gesagt",
    # "Mirko mi ha detto", "Florian m'a dit", "Santiago me dijo"
    "K_AFTER": """here ici aqui said says promised mentioned explained meinte sagte gesagt
        gemeint versprochen detto dit dijo disse zei rang phoned emailed messaged texted angerufen
        richiamato chiamato rappele appele ligou belde gebeld teruggebeld prometeu prometio
        geschrieben gemailt telefoniert escribio respondio scritto risposto ecrit repondu escreveu respondeu
        mailde schreef terugbelde sent wrote replied confirmed arranged assured suggested advised geschickt
        erklart bestatigt zugesagt sagt inviato mandato spiegato confermato promesso assicurato envoye
        explique confirme promis assure jure dice dicho enviado explicado confirmado prometido aseguro
        envio explico confirmo diz dito enviou explicou confirmou garantiu mandou falou zegt gezegd
        gestuurd beloofd beloofde bevestigd bevestigde stuurde uitgelegd
        available erreichbar disponibile disponible disponivel llamado atendio instalo segun selon secondo
        segundo volgens comes came rings knows kommt kam ruft rief weiss viene chiama sa vient sait
        llama sabe komt kwam belt weet vem veio liga""",
}

# Word lists the detector consults, each one bit (LX_*), folded keys.
LISTS = {
    # words that follow a greeting or a verb of speaking and are no name
    "LX_NOT_AFTER_GREETING": """again agent alguien all alle allemaal allen also an and another any anybody anyone anyway are as
        babe baby back billing boss both bro bud buddy but can champ chaps chief colleague customer
        customers daar darling dear did do dude everybody everyone fam folks for friend from good great guys
        heaps hello her here hey hi him his honey how hun iedereen in is it its just ladies later loads lot
        lots love luv ma maam madam man manager mate me mi mio mister much my no nobody not now of ok okay
        on once one or our pal people please que sales sb see service services she sir sis so somebody
        someone soon sorry still such supervisor support sweetie team ten that the their them then there
        these they this those to todos tous tout tutti un una und une uno very was we what who why world you
        your yourself zusammen cliente clienti clientes client clients kunde kundin kunden klant klanten
        utente abonne abonnee retentions retention fraud prevention collections complaints escalations
        loyalty repairs faults technical tech accounts""",
    # words that end a name or are none: places and organisations after a
    # name-like word ("Rose Street", "Victoria Station", "Paris office"),
    # months and weekdays (en, de, it, fr, es, nl, pt)
    "LX_NOT_IN_NAME": """abril agosto airport airways aout april aprile august augustus ave avenida avenue avril bahnhof bank
        bay beach blvd boulevard branch brand bridge building calle cathedral center centre church city
        clinic close college corso court crescent december decembre dezember dezembro dicembre diciembre
        dienstag dimanche dinsdag domenica donderdag donnerstag drive energy enero estacao estacion febbraio
        febrero februar februari february fevereiro fevrier freitag friday garden gardens gare gennaio
        giovedi giugno gmbh green group hall hill hospital hotel house inc janeiro januar januari january
        janvier jeudi jueves juillet juin julho juli julio july june junho juni junio laan lane limited ltd
        luglio lundi lunedi lunes maandag maart maggio mai maio mall march mardi market mars martedi martes
        marz marzo may mayo mei mercoledi mercredi miercoles mittwoch monday montag november novembre
        novembro noviembre october octobre octubre office oktober ottobre outubro park piazza place platz
        plaza plc plein quarta quinta road rua rue sabado sabato samedi samstag saturday school segunda
        september septembre septiembre setembro settembre sexta shop sonntag square st station stazione
        store str straat strasse street sunday team terca terrace thursday tower town travessa tuesday
        university valley vendredi venerdi via viale viernes village vrijdag way wednesday weg woensdag
        zaterdag zondag
        san santa santo sao saint sainte sankt islands island isles water hauptbahnhof termini roja puerta
        irish english scottish welsh british american french german italian spanish dutch portuguese
        brazilian ingles frances aleman italiano espanol inglese francese tedesco englisch franzosisch
        italienisch spanisch anglais allemand italien espagnol engels duits frans italiaans spaans
        portugues brasileiro pasqua natale pascua navidad ostern pfingsten weihnachten paques kerst pasen
        pascoa easter christmas ferragosto""",
    # given names that are also everyday words ("Will you", "in May", "mark
    # the box", "grace period"): without a context they read as the word
    "LX_WORD_NAME": """ada amber amparo angel april art august aurora autumn baby basil bella bill blanche bob
        brook buck can cash charity chase christian claire clemente cliff colette constance consuelo
        cruz crystal daisy dale dawn dean destiny did dolores don drew duke earl ernest esperanza faith
        felice fiore fortuna franco frank gene germain ginger glen gloria grace guy happy harmony hazel
        heather holly honey honor hope hunter iris ivy jack jade joy june justice kit lance lane liberty
        love luce lucky luz marie marina mark may melody mercedes mercy miles noel noelle olive pascal
        pat patience paz pearl penny pepper pierre pilar precious prince prudence rain ray rich river rob
        rocio rosa rose royal ruby rusty sage sandy serena sky sole soledad sonny speranza spring star
        stella sterling storm sue summer sunny trinity violet will winter""",
    # particles inside a surname: van der Berg, de la Fuente, dos Santos
    # the name-words that are verbs, modals or adverbs too ("my son will",
    # "my wife may", "my husband rang"): not taken in lower case even after
    # a relation, where the others are ("my dad frank", "mi mujer pilar")
    "LX_VERB_NAME": """will may can did mark bill sue rob drew chase lance pat ray rain storm cash don rich hope love
        bob buck dale miles""",
    "LX_PARTICLE": """al bin da das de degli dei del della delle den der di do dos du el la le lo op te ten ter van vom
        von y zu zum zur""",
    # closed-class words of each language (articles, pronouns, prepositions,
    # conjunctions, auxiliaries, common adverbs) that some name list also
    # holds ("esta", "che", "jai", "mais", "en", "uma"): no name part where no
    # capital or strong context says so. Given names that are frequent
    # somewhere served are left out ("ella", "ed", "sem", "ben", "mia", "ali",
    # "una", "vos", "will", "may", "can").
    "LX_FUNCTION": """the and or but nor of in on at to for from by with into onto about over under after before
 between through during without within is are was were be been being am it this that these those there
 here they them their theirs we us our ours you your yours he him his she her hers me my mine what
 which who whom whose when where why how not no yes so if then than as do does did done have has had
 having would shall should could might must just also very too only even still yet again ever never
 always often soon now all any some each every both either neither such same other another much many
 more most less least few
 il lo la gli le un uno di da del dello della dei degli delle al allo alla ai agli alle dal dallo
 dalla dai dagli dalle nel nello nella nei negli nelle sul sullo sulla sui sugli sulle col coi con su
 per tra fra od ma che chi cui non ne ci vi si mi ti io tu lui lei noi voi loro mio miei mie tuo
 tua suo sua nostro nostra vostro vostra questo questa questi queste quello quella quelli quelle come
 dove quando perche piu gia ancora anche molto poco tutto tutti tutta tutte niente nulla sempre mai
 ora poi qui qua li sono sei siamo siete ho hai ha abbiamo avete hanno era ero erano stato stata
 der die das den dem des ein eine einen einem einer eines und oder aber denn doch im am an auf aus bei
 beim bis durch fur gegen mit nach ohne seit um unter uber von vom vor zu zum zur ist sind war waren
 bin bist hat haben hatte wird werden wurde kann konnte muss nicht kein keine ich du er sie es wir ihr
 mich dich sich uns euch mir dir ihm ihn mein meine dein deine sein seine ihre unser euer auch noch
 schon nur wie was wer wo wann warum dass ob wenn als sehr da dort jetzt heute gestern immer nie
 les une des du de et ou donc ni car que qui quoi dont pas plus moins je il elle on nous vous ils
 elles te se moi toi leur eux mon ma mes ton ta tes son sa ses notre votre nos ce cet cette est
 sont suis es sommes etes ai as avons avez ont etait etais fait dans sur sous avec sans pour par chez
 en vers entre apres avant au aux tres deja rien tout tous toute toutes jamais toujours encore aussi
 bien ici oui non jai jsuis
 el los las unos unas y e u pero sino quien quienes donde cuando cual sin sobre hasta desde hacia mis
 tus sus nuestro nuestra son soy eres somos esta estoy estas estan este esto estos ese esa eso esos
 esas aquel hay he han habia ya muy mas si os yo tambien tampoco siempre nunca aqui alli ahora hoy para por
 ayer manana todo todos toda todas nada algo
 het een want dus dat dit deze wat wie waar wanneer hoe op aan met van voor naar bij uit tot door over
 onder na zijn waren bent heb hebt heeft hadden wordt worden kunnen moet wil niet geen ook nog wel
 ik jij je hij zij ze jullie mij hem haar ons mijn jouw uw hun daar nu vandaag gisteren altijd nooit
 os um uns umas do dos das em no na nas ao aos pelo pela pelos pelas com sobre ate eu ele ela
 voces eles lhe meu minha meus minhas teu seu nosso nossa sao estou estao tem tenho temos ja muito
 nao sim agora hoje ontem amanha tudo ta
 kun kan kunt kon zal zou wilt mag ga gaat kannst konnt konnte soll sollte mochte darf
 puoi puo posso vuoi vuole devo deve peux peut pouvez veux veut dois doit puede puedes puedo
 quiere debe pode podes posso vai vou quer deve
 dann danach sonst leider bitte gerne gern halt eben wieder nochmal toch maar nou weer allora poi dopo
 quindi alors puis ensuite entonces luego pues entao depois logo""",
    # after "'s": what makes "X's" a person's
    # hesitations in call transcripts, passed over before a name
    # ("I spoke to er Joanne", "mit ähm Sandra", "con eh Mercedes")
    "LX_FILLER": "er erm um umm uh uhm eh ehm ahm ah euh hmm mm",
    "LX_POSSESSION": """account address appointment behalf bill booking card case claim contract dad daughter details device
        email father husband line mobile mother mum name number order parcel partner payment phone policy
        profile request reservation son subscription wife tablet laptop ipad router sim insurance package car
        room school birthday wedding wallet bag""",
}

SLOT_BITS = 11          # 2048 slots for the words (about 45% full)
DISP_BITS = 9           # 512 buckets
SLOT_SHIFT = 21
MUL = 0x9E3779B97F4A7C15
M64 = (1 << 64) - 1


def halves(w):
    b = w.encode().ljust(16, b"\0")
    return int.from_bytes(b[:8], "little"), int.from_bytes(b[8:12], "little")


def lex_hash(w):
    lo, hi = halves(w)
    return ((lo ^ (hi << 5) ^ len(w)) * MUL) & M64


def perfect_hash(words):
    """Hash and displace: each bucket of words (the hash's top bits) gets a
    displacement that sends all of them to free slots."""
    assert all(len(w) <= 12 for w in words)
    nslots, mask = 1 << SLOT_BITS, (1 << SLOT_BITS) - 1
    buckets = {}
    for w in words:
        h = lex_hash(w)
        buckets.setdefault(h >> (64 - DISP_BITS), []).append(((h >> SLOT_SHIFT) & mask, w))
    slots, disp = [None] * nslots, [0] * (1 << DISP_BITS)
    for b, ws in sorted(buckets.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        for d in range(nslots):
            at = [(base ^ d) & mask for base, _ in ws]
            if len(set(at)) == len(at) and all(slots[a] is None for a in at):
                break
        else:
            raise SystemExit("no displacement for bucket %d" % b)
        disp[b] = d
        for a, (_, w) in zip(at, ws):
            slots[a] = w
    return slots, disp


def main():
    kind = {}
    for k, ws in WORDS.items():
        for w in ws.split():
            assert w not in kind, w
            assert w.isascii() and w.isalpha() and w.islower(), w
            kind[w] = k
    bits = {}
    for b, ws in LISTS.items():
        for w in sorted(set(ws.split())):   # a word of several languages: once
            assert w.isascii() and w.isalpha() and w.islower() and len(w) <= 16, w
            bits.setdefault(w, []).append(b)
    allw = sorted(set(kind) | set(bits))

    def value(w):
        v = [kind[w]] if w in kind else []
        v += bits.get(w, [])
        return " | ".join(v)

    slots, disp = perfect_hash(allw)
    o = sys.stdout.write
    o("/*\n * person_context.h - GENERATED by filters/data/make_context.py; do not edit.\n")
    o(" * The person detector's lexicon: lex_lookup(key, n) gives the context kind\n")
    o(" * (K_*, low 4 bits) and the lists (LX_*) of the folded key[0..n)\n")
    o(" * (zero-padded to 16 bytes), 0 if none. A perfect hash of the key's first\n")
    o(" * 12 bytes and its length (hash and displace): one slot, one compare, no\n")
    o(" * branch tree.\n */\n")
    o("enum { K_NONE = 0, %s };\n" % ", ".join(WORDS))
    o("enum {\n")
    for i, b in enumerate(LISTS):
        o("    %s = 1 << %d,\n" % (b, 4 + i))
    o("};\n\n")
    o("typedef struct lex_slot {\n    uint64_t lo;   /* key bytes 0-7 */\n    uint32_t hi;   /* key bytes 8-11 */\n")
    o("    uint16_t n;    /* its length, 0: an empty slot */\n    uint16_t v;    /* K_* | LX_* */\n} lex_slot;\n\n")
    o("#define LEX_BITS %d\n" % SLOT_BITS)
    o("/* The displacement of each bucket (the hash's top %d bits). */\n" % DISP_BITS)
    o("static const uint16_t lex_disp[%d] = {\n" % (1 << DISP_BITS))
    for i in range(0, len(disp), 16):
        o("    " + ", ".join("%d" % d for d in disp[i:i + 16]) + ",\n")
    o("};\n\n")
    o("static const lex_slot lex_slots[%d] = {\n" % (1 << SLOT_BITS))
    for i, w in enumerate(slots):
        if w is None:
            continue
        lo, hi = halves(w)
        o("    [%d] = { 0x%016xull, 0x%08xu, %d, %s },   /* %s */\n" % (i, lo, hi, len(w), value(w), w))
    o("};\n\n")
    o("static uint64_t lex_hash(uint64_t lo, uint32_t hi, size_t n)\n{\n")
    o("    return (lo ^ ((uint64_t)hi << 5) ^ n) * 0x%016xull;\n}\n\n" % MUL)
    o("static unsigned lex_lookup(const char key[16], size_t n)\n{\n")
    o("    uint64_t lo;\n    uint32_t hi;\n    memcpy(&lo, key, 8);   /* key[0] the low byte */\n    memcpy(&hi, key + 8, 4);\n")
    o("#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__\n")
    o("    lo = __builtin_bswap64(lo);\n    hi = __builtin_bswap32(hi);\n#endif\n")
    o("    uint64_t h = lex_hash(lo, hi, n);\n")
    o("    const lex_slot *e = &lex_slots[((h >> %d) ^ lex_disp[h >> %d]) & %d];\n" % (SLOT_SHIFT, 64 - DISP_BITS, (1 << SLOT_BITS) - 1))
    o("    return e->lo == lo && e->hi == hi && e->n == n ? e->v : 0;\n}\n")
    # prefilter: context words by their first two letters and length
    o("\n/* lex_ctx_len[c0][c1] bit n: a context word (a K_* kind but K_PREP, K_IS, K_AFTER) starts with the\n")
    o(" * letters c0 c1 (c1 26: any other byte) and has n letters (bit 15: more). */\n")
    o("static const uint16_t lex_ctx_len[26][27] = {\n")
    tab = [[0] * 27 for _ in range(26)]
    for w in kind:
        if kind[w] in ("K_PREP", "K_IS", "K_AFTER"):
            continue                            # second words of two-word contexts: looked up after their first;
                                                # words after a name: looked up where a name may end
        tab[ord(w[0]) - 97][ord(w[1]) - 97] |= 1 << min(len(w), 15)
        tab[ord(w[0]) - 97][26] |= 0xFFFF       # "i'm", "c'est", "dña": raw second byte no letter
    for r in tab:
        o("    { " + ", ".join("0x%x" % v for v in r) + " },\n")
    o("};\n")
    o("\n/* Every word of the lexicon, for tests. */\nstatic const char *const lex_all[] = {\n")
    line = "   "
    for w in allw:
        p = ' "%s",' % w
        if len(line) + len(p) > 100:
            o(line + "\n")
            line = "   "
        line += p
    o(line + "\n};\n")


if __name__ == "__main__":
    main()
