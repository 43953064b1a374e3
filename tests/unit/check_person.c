/*
 * check_person.c - the person detector: exact spans of each form (greetings,
 * sign-offs, introductions, titles, full names, particles, initials, case),
 * words that are names only sometimes, the normal form, and two corpora
 * written for the purpose (tests/fixtures/person/): a false-positive set
 * (at most 1 % of its lines may change) and a recall set (at least 95 % of
 * its lines fully replaced). Prints the rates per locale.
 */
#include <check.h>
#include <stdio.h>

#include "detect_helpers.h"
#include "filters/data/person_names.h"
#include "filters/person.h"
#include "tests/test_files.h"

#define P CV_ENT_PERSON

START_TEST(test_lexicon)
{
    ck_assert_int_eq(cvi_person_selftest(), 0);
}
END_TEST

START_TEST(test_greetings_and_signoffs)
{
    one("GB", P, "Thanks Sarah, I'll check that.", "Sarah", "sarah");
    one("GB", P, "hi tom can you help", "tom", "tom");
    one("GB", P, "Thank you Priya!", "Priya", "priya");
    one("GB", P, "Kind regards, Fiona McAllister", "Fiona McAllister", "fiona mcallister");
    one("GB", P, "Regards,\nSean O'Brien", "Sean O'Brien", "sean o'brien");
    one("IT", P, "Ciao Giulia, il tecnico arriva domani.", "Giulia", "giulia");
    one("DE", P, "Hallo Jürgen, wie geht's?", "Jürgen", "jürgen");
    one("FR", P, "Bonjour Camille, merci pour votre message.", "Camille", "camille");
    one("ES", P, "Hola Lucía, ¿cómo estás?", "Lucía", "lucía");
    one("PT", P, "Olá João, tudo bem?", "João", "joão");
    one("NL", P, "Hoi Daan, de monteur komt dinsdag.", "Daan", "daan");
    /* a greeting's fillers are no names */
    none("GB", P, "Hi there, my router keeps dropping.");
    none("GB", P, "Thanks again for your help, cheers mate");
    none("IT", P, "Grazie mille! Il mio numero è nuovo.");
    none("GB", P, "Hi, Will you call me back?");
}
END_TEST

START_TEST(test_introductions)
{
    one("GB", P, "My name is Sean O'Brien and I'm calling about my bill.", "Sean O'Brien", "sean o'brien");
    one("GB", P, "Hello, this is Emma from billing.", "Emma", "emma");
    one("GB", P, "I'm John, the account holder.", "John", "john");
    one("FR", P, "Bonjour, je m'appelle Camille Dubois.", "Camille Dubois", "camille dubois");
    one("IT", P, "Mi chiamo Giulia Romano.", "Giulia Romano", "giulia romano");
    one("IT", P, "il mio nome è Marco Rossi", "Marco Rossi", "marco rossi");
    one("DE", P, "Ich heiße Jürgen Schmidt.", "Jürgen Schmidt", "jürgen schmidt");
    one("ES", P, "Hola, me llamo María José de la Fuente.", "María José de la Fuente", "maría josé de la fuente");
    one("NL", P, "Mijn naam is Daan de Vries.", "Daan de Vries", "daan de vries");
    one("PT", P, "Olá, meu nome é João dos Santos.", "João dos Santos", "joão dos santos");
    one("GB", P, "Could I speak to Sarah Connor please?", "Sarah Connor", "sarah connor");
    one("GB", P, "Put me through to David please.", "David", "david");
    one("GB", P, "Please ask J. Smith to call.", "J. Smith", "j. smith");
    none("GB", P, "This is great, thanks.");
    none("GB", P, "I'm sorry to hear that.");
}
END_TEST

START_TEST(test_titles)
{
    one("GB", P, "Mr Okafor called yesterday.", "Okafor", "okafor");
    one("GB", P, "Dear Mrs van der Berg,", "van der Berg", "van der berg");
    one("DE", P, "Frau Müller-Lüdenscheidt hat angerufen.", "Müller-Lüdenscheidt", "müller-lüdenscheidt");
    one("IT", P, "Sig.ra Rossi ha chiamato.", "Rossi", "rossi");
    one("ES", P, "Sr. García llamó ayer.", "García", "garcía");
    one("NL", P, "Dhr. Jansen belt terug.", "Jansen", "jansen");
    one("FR", P, "Mme Dubois a appelé.", "Dubois", "dubois");
    one("GB", P, "I spoke to Mr. J. R. Smith today", "J. R. Smith", "j. r. smith");
    one("GB", P, "Mrs May phoned about the bill.", "May", "may");
}
END_TEST

START_TEST(test_full_names_and_case)
{
    one("GB", P, "John Smith called this morning.", "John Smith", "john smith");
    one("GB", P, "sarah connor called about her bill", "sarah connor", "sarah connor");
    one("GB", P, "SARAH CONNOR CALLED ABOUT HER BILL", "SARAH CONNOR", "sarah connor");
    one("NL", P, "Jeroen de Vries belt morgen terug.", "Jeroen de Vries", "jeroen de vries");
    one("GB", P, "Sarah's account is overdue.", "Sarah", "sarah");
    /* one token for one name, whatever its case */
    one("DE", P, "MEIN NAME IST JÜRGEN MÜLLER", "JÜRGEN MÜLLER", "jÜrgen mÜller");
}
END_TEST

START_TEST(test_not_names)
{
    none("GB", P, "Will you call me back in May?");
    none("GB", P, "Please mark the box and use the grace period.");
    none("GB", P, "I live on Rose Street near Victoria station.");
    none("GB", P, "Our Paris office is closed; Jordan is a country.");
    none("GB", P, "Apple Store and Amazon both sent it.");
    none("GB", P, "Order ORD-2024-118045 was dispatched on Tuesday at 14:30 for \xc2\xa3" "49.99.");
    none("GB", P, "Dear Customer,");
    none("GB", P, "Summer Sale ends Monday");
    none("GB", P, "Sarah");   /* one word alone: no evidence */
}
END_TEST

/* The contexts of everyday messages: relations and roles, "it's", a name
 * before "here" or "said", thanks to, names joined by "and", a signature
 * line, prepositions, "me and", "from your team", a dropped apostrophe;
 * and the words that look like them but name no one. */
START_TEST(test_everyday_contexts)
{
    one("GB", P, "could you add my wife Rebecca as a user", "Rebecca", "rebecca");
    one("GB", P, "my daughter ellie is taking over the contract", "ellie", "ellie");
    one("IE", P, "My wife, Róisín, will be home.", "Róisín", "róisín");
    one("IT", P, "mio marito giuseppe è l intestatario", "giuseppe", "giuseppe");
    one("DE", P, "Mein Sohn Jonas hat das Handy verloren.", "Jonas", "jonas");
    one("FR", P, "le technicien Ludovic est passé", "Ludovic", "ludovic");
    one("ES", P, "Su compañero Roberto me prometió una llamada.", "Roberto", "roberto");
    one("GB", P, "Hi, it's Natalie again.", "Natalie", "natalie");
    one("GB", P, "its sarah can u call me back", "sarah", "sarah");
    one("IE", P, "howya ciaran here any update", "ciaran", "ciaran");
    one("GB", P, "I'd like to complain about the way Kevin spoke to me", "Kevin", "kevin");
    one("DE", P, "also patrick hat gesagt dass jemand anruft", "patrick", "patrick");
    one("IT", P, "grazie a Lucia per la pazienza", "Lucia", "lucia");
    one("DE", P, "Danke an Moritz für die Hilfe.", "Moritz", "moritz");
    one("GB", P, "Many thanks for your help, Samantha.", "Samantha", "samantha");
    one("DE", P, "Bitte melden Sie sich.\nPetra Lehmann", "Petra Lehmann", "petra lehmann");
    one("GB", P, "please cancel the refund for Amelia", "Amelia", "amelia");
    one("GB", P, "so me and lisa moved in last month", "lisa", "lisa");
    one("US", P, "like tiffany from your store said i could return it", "tiffany", "tiffany");
    one("GB", P, "did sophies email come through", "sophie", "sophie");
    one("GB", P, "um so i spoke to er joanne yesterday", "joanne", "joanne");
    one("IT", P, "grazie mille paola tutto risolto", "paola", "paola");
    one("ES", P, "me llamo marcos y olvidé la contraseña", "marcos", "marcos");
    one("FR", P, "slt c lucas vous pouvez me rappeler", "lucas", "lucas");
    cv_span_list l = run("GB", P, "Thanks Megan and Josh for all the help");
    ck_assert_uint_eq(l.n, 2);
    ck_assert_str_eq(l.v[0].norm, "megan");
    ck_assert_str_eq(l.v[1].norm, "josh");
    cvi_span_list_free(&l);
    /* look-alikes */
    none("IT", P, "ti chiamo domani per confermare");
    none("ES", P, "le llamo en 5 minutos");
    none("DE", P, "eine heiße Schokolade bitte");
    none("DE", P, "im Jahr 2009 umgezogen");
    none("DE", P, "Im Sommer hatten Sie ein besseres Angebot.");
    none("DE", P, "Ihre Kündigung wird zum Ende der Laufzeit wirksam.");
    none("DE", P, "Bei der Telekom war das besser.");
    none("IT", P, "ho 35 anni di contratto");
    none("ES", P, "la calle está cortada desde ayer");
    none("ES", P, "estoy en camino, llamo en 5 minutos");
    none("PT", P, "o processo está em análise");
    none("FR", P, "jai rien reçu");
    none("GB", P, "Thanks, Vodafone, but the issue still isn't resolved.");
    none("GB", P, "Regards,\nAccounts Payable\nFinance Department");
    none("GB", P, "For Easter we'll be away.");
    none("FR", P, "J'ai acheté le téléphone chez Zara.");
    none("IT", P, "Grazie, a domani.");
    none("GB", P, "the engineer said he would come back");
    none("IT", P, "il tecnico ha detto che manca un pezzo");
}
END_TEST

/* Given names rare in US births, weighed by the international dictionary:
 * taken after a context in lower-case text, not as a context-free first name
 * there, nor after a preposition (towns bear them), nor a sentence's first
 * word that is only a surname and a common word. */
/* A very frequent given name capitalised inside a sentence, after a
 * lower-case word; not a place (the gazetteer's place bit), a firm, or
 * where a place stands. */
START_TEST(test_mid_sentence_given)
{
    one("IT", P, "Ho già spiegato tutto a Rebecca la settimana scorsa.", "Rebecca", "rebecca");
    one("GB", P, "Could you pass this on to Brendan please?", "Brendan", "brendan");
    one("FR", P, "Je souhaite me plaindre de Damien, qui a été désagréable.", "Damien", "damien");
    one("ES", P, "Quiero poner una queja sobre Rafael, fue muy borde.", "Rafael", "rafael");
    one("DE", P, "Ich möchte mich über Oliver beschweren.", "Oliver", "oliver");
    none("GB", P, "The parcel was sent to Jordan by mistake.");
    none("GB", P, "Can you send it to the Sydney office?");
    none("FR", P, "Le colis est arrivé à Florence le 27/04/2025.");
    none("PT", P, "A encomenda chegou a Charlotte no dia 28/03/2025.");
    none("ES", P, "El router de Alexa parpadea en rojo.");
    none("US", P, "We moved to Austin in May, how do I transfer service?");
    none("ES", P, "Vivo en la calle del Carmen 22, el timbre no funciona");
    none("GB", P, "I live on Rose Street, next to the Alexa shop.");
    /* a street's name after its type, a place after a verb of going, a feast */
    none("IT", P, "domenica il negozio di corso Vittorio Emanuele è aperto?");
    none("FR", P, "pas boulevard Raspail, le livreur se trompe");
    none("IT", P, "vado a Marina di Ragusa ad agosto posso sospendere la linea");
    none("PT", P, "Moro na Rua da Glória 3, não no Largo da Glória.");
    none("BR", P, "vcs abrem no feriado de Nossa Senhora Aparecida?");
    none("US", P, "We are moving to Austin Texas next month");
    one("PT", P, "Nuno dos Santos ligou esta manhã.", "Nuno dos Santos", "nuno dos santos");
}
END_TEST

/* A self-introduction after a greeting that opens the message takes a
 * given name that is an everyday word too; no greeting, a season, or a
 * noun after it, and the word stays. */
/* Agents' notes name a relation or a role without its possessive; chat
 * system lines name the agent. */
START_TEST(test_notes_and_system_lines)
{
    one("GB", P, "spoke w/ wife Maria, not on acc, DPA failed", "Maria", "maria");
    one("US", P, "tech Luis dispatched, ETA 2-4pm, cust aware", "Luis", "luis");
    one("DE", P, "Techniker Marek vor Ort, Dose defekt", "Marek", "marek");
    one("DE", P, "Agent: Guten Tag, Sie chatten mit Leonie. Wie kann ich helfen?", "Leonie", "leonie");
    one("FR", P, "Bonjour, vous êtes en relation avec Mathis.", "Mathis", "mathis");
    one("FR", P, "bisous Océane et merci encore", "Océane", "océane");
    none("GB", P, "the engineer will call before he comes");
    /* a given name before a verb of coming or calling in the present */
    one("DE", P, "Ole kommt morgen vorbei und holt das paket", "Ole", "ole");
    one("IT", P, "Sara chiama domani per la bolletta", "Sara", "sara");
    one("NL", P, "Daan komt morgen langs", "Daan", "daan");
    none("GB", P, "May comes after April");
    none("PT", P, "a fatura da luz de março veio o dobro");
}
END_TEST

/* A list goes on after a name: commas and their connectives. */
START_TEST(test_name_lists)
{
    const char *t1 = "Prima Marco, poi Sara, infine un certo Rossi.";
    cv_span_list l = run("IT", P, t1);
    ck_assert_uint_eq(l.n, 3);
    ck_assert_uint_eq(l.v[1].start, (uint32_t)(strstr(t1, "Sara") - t1));
    ck_assert_uint_eq(l.v[1].end, (uint32_t)(strstr(t1, "Sara") - t1 + 4));
    ck_assert_str_eq(l.v[1].norm, "sara");
    cvi_span_list_free(&l);
    one("GB", P, "Hi Anna, Paris is lovely in May", "Anna", "anna");   /* a place does not go on a list */
    one("GB", P, "Thanks Sarah, Monday works for me", "Sarah", "sarah");
    /* an all-capital text's markers are capitals too */
    one("GB", P, "DANIEL RANG ME BACK THANKS ALL SORTED NOW", "DANIEL", "daniel");
    none("GB", P, "WILL SAID NO");
    /* an initial and a known surname, no context needed */
    one("GB", P, "J. Smith called yesterday", "J. Smith", "j. smith");
    one("US", P, "The package was signed for by \"T. Johnson\" but nobody here has that name.", "T. Johnson",
        "t. johnson");
    one("NL", P, "afgetekend door \"J. van der Berg\", maar die naam ken ik niet", "J. van der Berg", "j. van der berg");
    none("GB", P, "A. Yes, I can.");
    /* a question typed in lower case opens with its verb */
    one("DE", P, "ist Sven heute da?", "Sven", "sven");
    none("FR", P, "le service relation client vous rappellera");
}
END_TEST

START_TEST(test_opening_introduction)
{
    one("DE", P, "hallo hier ist marie das wlan bricht ab", "marie", "marie");
    one("US", P, "hey its destiny the tech never showed up", "destiny", "destiny");
    one("GB", P, "hi im hamish messaging on behalf of my dad", "hamish", "hamish");
    one("DE", P, "hallo hier ist uwe", "uwe", "uwe");
    none("GB", P, "hey its summer already");
    none("GB", P, "hi its grace period question");
    none("DE", P, "im winter war das problem auch schon");
    none("DE", P, "hier ist marie das wlan bricht ab");   /* no greeting: "marie" may be the word */
    /* a greeting, the name, and a new clause: a name that is a word too */
    one("DE", P, "hallo frank ich hab die unterlagen geschickt", "frank", "frank");
    one("FR", P, "merci pascal euh au revoir", "pascal", "pascal");
    one("ES", P, "buenas rocío te llegaron las fotos", "rocío", "rocío");
    none("FR", P, "merci orange");
    none("GB", P, "thanks grace");
    none("GB", P, "hi bill i paid it yesterday");
}
END_TEST

START_TEST(test_international_given)
{
    one("NL", P, "hallo maartje kun je me terugbellen", "maartje", "maartje");
    one("NL", P, "mijn vader henk wil een ander abonnement", "henk", "henk");
    one("PT", P, "olá gonçalo obrigada pela chamada", "gonçalo", "gonçalo");
    one("DE", P, "der techniker detlef ist nicht gekommen", "detlef", "detlef");
    one("NL", P, "Jeroen Brouwer belde vanochtend.", "Jeroen Brouwer", "jeroen brouwer");
    none("ES", P, "se ha ido la luz en todo el edificio");
    none("PT", P, "Mudamos de Belo Horizonte para Vitória e precisamos da linha.");
    /* where a person stands: a reporting verb before its subject, a Portuguese
     * article, a verb opening a question, commas, a modal or a participle after */
    one("ES", P, "Dijo Fernando que el abono llegaría.", "Fernando", "fernando");
    one("PT", P, "O Tiago da linha de apoio pediu o contrato.", "Tiago", "tiago");
    one("NL", P, "Kan Maarten bij de afspraak zijn?", "Maarten", "maarten");
    one("FR", P, "J'ai parlé avec la dame, Sylvie, qui a dit oui.", "Sylvie", "sylvie");
    one("GB", P, "Natalie can call me back on this number", "Natalie", "natalie");
    one("IT", P, "Beatrice ha portato la delega firmata.", "Beatrice", "beatrice");
    one("IT", P, "Rosa ha chiamato stamattina.", "Rosa", "rosa");
    one("DE", P, "Günter hat schon dreimal angerufen.", "Günter", "günter");
    one("ES", P, "Pues nada, Pablo, el conserje, dice que no.", "Pablo", "pablo");
    none("PT", P, "Comprei o telemóvel na Zara.");
    none("FR", P, "Le colis est arrivé à Lyon le 07/04/2025.");
    none("GB", P, "Will can help you.");
    one("NL", P, "dank je bram het werkt weer", "bram", "bram");
    one("NL", P, "Met Sanne, mijn internet doet het niet", "Sanne", "sanne");
    one("NL", P, "bram belde terug maar de verbinding viel weg", "bram", "bram");
    none("NL", P, "Met Unlimited Max heeft u onbeperkt data.");
    none("GB", P, "down since tuesday night can someone pls look at it");
    none("FR", P, "Mon vol AF 1234 depuis Nice a été annulé");   /* a place that has been: no agent */
    one("PT", P, "Eu tava falando com a Larissa e caiu", "Larissa", "larissa");
    one("PT", P, "A Fernanda do RH disse que caía hoje", "Fernanda", "fernanda");
    one("PT", P, "O síndico, seu Sebastião, falou que não", "Sebastião", "sebastião");
    one("FR", P, "Le livreur, un certain Moussa, a laissé le colis", "Moussa", "moussa");
    one("IT", P, "sì sono io, Loredana", "Loredana", "loredana");
    one("IT", P, "La ringrazio Maurizio, gentilissimo come sempre", "Maurizio", "maurizio");
    one("FR", P, "Est-ce que Manon est disponible ?", "Manon", "manon");
    one("IT", P, "Mohamed il mio coinquilino se n'è andato", "Mohamed", "mohamed");
    none("IT", P, "A Pasqua saremo fuori, potete sospendere la consegna?");
    none("PT", P, "A Mercedes da locadora tá com o pneu furado");
    none("IT", P, "vado a Roma domani");
    none("IT", P, "domani passa il tecnico a che ora");
    one("NL", P, "ik heb net met Bram gesproken maar de verbinding viel weg", "Bram", "bram");
    one("NL", P, "Henk van de planning zegt nu dat het aan mij lag", "Henk", "henk");
    one("ES", P, "Según Carmen, la de atención al cliente, no hay penalización", "Carmen", "carmen");
    none("DE", P, "Guten Tag, Sie sprechen mit dem Kundenservice.");
    one("GB", P, "Note: cust Baker called re missed collection", "Baker", "baker");
    one("IT", P, "Nota: cliente Ferrari segnala guasto linea", "Ferrari", "ferrari");
    one("GB", P, "Harriet's tablet was on my contract", "Harriet", "harriet");
    none("GB", P, "our client Vodafone asked for it");
    none("GB", P, "the customer Service team called");
    one("GB", P, "I was told by Simon on the phone that it was free", "Simon", "simon");
    one("NL", P, "Het pakket is aangenomen door Gerrit, de buurman.", "Gerrit", "gerrit");
    one("GB", P, "Could you add my wife Rebecca Hall as a user", "Rebecca Hall", "rebecca hall");
    one("GB", P, "um yes the name is abigail abigail foster", "abigail abigail foster", "abigail abigail foster");
    none("GB", P, "I went by Paris on the way");
    /* no part of a name left beside its token */
    one("FR", P, "Pouvez-vous transmettre à M. Rousseau ? Il est au courant", "M. Rousseau", "m. rousseau");
    one("GB", P, "er hello my name's deborah er deborah price", "deborah er deborah price", "deborah er deborah price");
    one("PT", P, "O Gilberto Dias vendeu o carro", "Gilberto Dias", "gilberto dias");
    one("PT", P, "Bom dia Maria, tudo bem?", "Maria", "maria");
    one("NL", P, "Inge en ik hebben het contract samen getekend", "Inge", "inge");
    one("GB", P, "Sarah and I went to the shop", "Sarah", "sarah");
    none("GB", P, "Mark and I will");   /* a verb among the name-words: no evidence */
    cv_span_list l2 = run("IT", P, "Lorenzo e Matteo sono i miei figli.");
    ck_assert_uint_eq(l2.n, 2);
    cvi_span_list_free(&l2);
    cv_span_list l = run("IT", P, "Certo Giulia, sono Marco.");
    for (size_t i = 0; i < l.n; i++) ck_assert_uint_ne(l.v[i].start, 0);
    cvi_span_list_free(&l);
}
END_TEST

START_TEST(test_normal_form)
{
    char a[CV_NORM_MAX + 1];
    size_t na;
    ck_assert_int_eq(cvi_normalise(P, NULL, "  SARAH   CONNOR ", 17, a, &na), 1);
    ck_assert_str_eq(a, "sarah connor");
    /* the detector's spans carry the same form as a field's value */
    one("GB", P, "Thanks SARAH CONNOR, done.", "SARAH CONNOR", "sarah connor");
    one("GB", P, "Thanks Sarah  Connor, done.", "Sarah  Connor", "sarah connor");
}
END_TEST

/* ---- corpora ------------------------------------------------------------- */

#define NLOC 16
typedef struct rate {
    char loc[8];
    unsigned lines, hit;
} rate;

static rate *rate_of(rate *r, size_t *n, const char *loc)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(r[i].loc, loc) == 0) return &r[i];
    ck_assert_uint_lt(*n, NLOC);
    snprintf(r[*n].loc, sizeof r[*n].loc, "%s", loc);
    r[*n].lines = r[*n].hit = 0;
    return &r[(*n)++];
}

/* Each line of a corpus: LOCALE, a tab, the text ("\n" written as \\n). */
/* CV_PERSON_VERBOSE prints the lines missed or changed, but never those of
 * the held-out corpora: only their rates are read. */
static int verbose(const char *file) { return getenv("CV_PERSON_VERBOSE") && strncmp(file, "heldout", 7) != 0; }

static char *next_line(char **cur, char **loc)
{
    char *p = *cur;
    if (!*p) return NULL;
    char *nl = strchr(p, '\n');
    if (nl) *nl = '\0';
    *cur = nl ? nl + 1 : p + strlen(p);
    char *tab = strchr(p, '\t');
    ck_assert_ptr_nonnull(tab);
    *tab = '\0';
    *loc = p;
    char *t = tab + 1, *o = t;
    for (char *q = t; *q; q++) {
        if (q[0] == '\\' && q[1] == 'n') { *o++ = '\n'; q++; }
        else *o++ = *q;
    }
    *o = '\0';
    return t;
}

static char *fixture(const char *name)
{
    const char *src = getenv("CV_SRC");
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/fixtures/person/%s", src ? src : ".", name);
    char *d = readfile(path, NULL);
    ck_assert_msg(d != NULL, "cannot read %s (set CV_SRC)", path);
    return d;
}

static void print_rates(const char *what, const rate *r, size_t n)
{
    unsigned tl = 0, th = 0;
    printf("person %s by locale:\n", what);
    for (size_t i = 0; i < n; i++) {
        printf("  %-6s %5u lines %5u %s  %6.2f %%\n", r[i].loc, r[i].lines, r[i].hit, what, 100.0 * r[i].hit / r[i].lines);
        tl += r[i].lines;
        th += r[i].hit;
    }
    printf("  %-6s %5u lines %5u %s  %6.2f %%\n", "all", tl, th, what, 100.0 * th / tl);
    fflush(stdout);
}

/* Lines of file (locale TAB text) a detection changes: at most max_pct %. */
static void fp_corpus(const char *file, unsigned min_lines, unsigned max_pct)
{
    char *data = fixture(file), *cur = data, *loc, *text;
    cv_detector_set *s = mkset("GB", P);
    cv_detect_ws *ws = cvi_detect_ws_create(s);
    cv_span_list l = { 0 };
    rate r[NLOC];
    size_t nr = 0;
    unsigned lines = 0, changed = 0;
    while ((text = next_line(&cur, &loc)) != NULL) {
        rate *x = rate_of(r, &nr, loc);
        ck_assert_int_eq(cvi_detect(s, ws, text, strlen(text), &l), 0);
        x->lines++;
        lines++;
        if (l.n) {
            x->hit++;
            changed++;
            if (verbose(file)) printf("FP %s: %s [%.*s]\n", loc, text, (int)(l.v[0].end - l.v[0].start), text + l.v[0].start);
        }
    }
    printf("%s: ", file);
    print_rates("changed", r, nr);
    ck_assert_uint_ge(lines, min_lines);
    ck_assert_msg(changed * 100 <= lines * max_pct, "%u of %u lines changed", changed, lines);
    cvi_span_list_free(&l);
    cvi_detect_ws_free(ws);
    cvi_detector_set_free(s);
    free(data);
}

START_TEST(test_false_positive_corpus)
{
    fp_corpus("fp.tsv", 2000, 1);
}
END_TEST

/* Lines of file whose [[ ]]-marked names are all inside spans: at least min_pct %. */
static void recall_corpus(const char *file, unsigned min_lines, unsigned min_pct)
{
    char *data = fixture(file), *cur = data, *loc, *text;
    cv_detector_set *s = mkset("GB", P);
    cv_detect_ws *ws = cvi_detect_ws_create(s);
    cv_span_list l = { 0 };
    rate r[NLOC];
    size_t nr = 0;
    unsigned lines = 0, replaced = 0;
    char plain[4096];
    while ((text = next_line(&cur, &loc)) != NULL) {
        /* drop the [[ ]] marks, keeping where each name is */
        size_t ms[8], me[8], nm = 0, k = 0;
        for (const char *q = text; *q && k + 1 < sizeof plain; q++) {
            if (q[0] == '[' && q[1] == '[') { ck_assert_uint_lt(nm, 8); ms[nm] = k; q++; continue; }
            if (q[0] == ']' && q[1] == ']') { me[nm++] = k; q++; continue; }
            plain[k++] = *q;
        }
        plain[k] = '\0';
        ck_assert_uint_gt(nm, 0);
        ck_assert_int_eq(cvi_detect(s, ws, plain, k, &l), 0);
        int all = 1;
        for (size_t m = 0; m < nm; m++) {
            /* every byte of the name inside some span */
            for (size_t b = ms[m]; b < me[m] && all; b++) {
                int in = 0;
                for (size_t i = 0; i < l.n && !in; i++) in = l.v[i].start <= b && b < l.v[i].end;
                all = in;
            }
        }
        rate *x = rate_of(r, &nr, loc);
        x->lines++;
        lines++;
        if (all) {
            x->hit++;
            replaced++;
        } else if (verbose(file)) {
            printf("MISS %s: %s\n", loc, plain);
        }
    }
    printf("%s: ", file);
    print_rates("replaced", r, nr);
    ck_assert_uint_ge(lines, min_lines);
    ck_assert_msg(replaced * 100 >= lines * min_pct, "%u of %u lines replaced", replaced, lines);
    cvi_span_list_free(&l);
    cvi_detect_ws_free(ws);
    cvi_detector_set_free(s);
    free(data);
}

START_TEST(test_recall_corpus)
{
    recall_corpus("recall.tsv", 1000, 95);
}
END_TEST

/* Corpora written later, by another hand and without the detector in view
 * (SMS, chat and transcript styles, 60 % lower case): the rates the README
 * gives for text the detector was not shaped on. */
START_TEST(test_everyday_corpora)
{
    recall_corpus("recall_everyday.tsv", 700, 88);
    fp_corpus("fp_everyday.tsv", 1400, 1);
}
END_TEST

/* A second pair by another hand, asked for the contexts the first lacked
 * (signatures, subjects of a sentence, lists, prepositions), and a third
 * (dev2, every locale, heavier in nl, de, pt, es) by a hand that never saw
 * the code: for work, their lines read. */
START_TEST(test_dev_corpora)
{
    recall_corpus("dev_recall.tsv", 600, 75);
    fp_corpus("dev_fp.tsv", 800, 2);
    recall_corpus("dev2_recall.tsv", 600, 71);
    fp_corpus("dev2_fp.tsv", 800, 1);
    /* dev3: a fourth pair, by a hand that never saw the code, asked for
     * notes, chat system lines, lists and names that are words; its
     * ordinary lines hold streets, feasts and firms named after people */
    recall_corpus("dev3_recall.tsv", 600, 63);
    fp_corpus("dev3_fp.tsv", 800, 3);
}
END_TEST

/* Written by other hands that never saw the code, and never looked into
 * while the detector changed (only these rates were read): the README's
 * held-out figures. heldout2 was written with dev2, to the same brief. */
START_TEST(test_heldout_corpora)
{
    recall_corpus("heldout_recall.tsv", 500, 75);
    fp_corpus("heldout_fp.tsv", 700, 2);
    recall_corpus("heldout2_recall.tsv", 600, 71);
    fp_corpus("heldout2_fp.tsv", 800, 2);
}
END_TEST

/* Names spelled letter by letter (person-spelled): tests/fixtures/person/
 * make_spelled.py's corpora. */
START_TEST(test_spelled_corpora)
{
    recall_corpus("spelled_recall.tsv", 200, 95);
    fp_corpus("spelled_fp.tsv", 200, 2);
}
END_TEST

START_TEST(test_spelled)
{
    one("GB", P, "my name is S M I T H", "S M I T H", "smith");
    one("GB", P, "that's s-m-i-t-h", "s-m-i-t-h", "smith");
    one("GB", P, "Smith, S M I T H", "Smith, S M I T H", "smith");
    one("GB", P, "my name is S M I double T H", "S M I double T H", "smitth");
    /* two one-letter words: the repeat word makes the third letter */
    one("GB", P, "my surname is L double E", "L double E", "lee");
    one("GB", P, "surname is K double E, thanks", "K double E", "kee");
    one("GB", P, "J O N E S at gmail dot com", "J O N E S at gmail dot com", "jones");
    none("GB", P, "the options are A B C and D");
    none("GB", P, "I a m here");
    none("GB", P, "it is S M I T H");     /* no name or spelling cue */
    /* the gate counts no letter beside an apostrophe or '_' (the I and m of
     * I'm): with such letters around, runs are found as without the gate */
    one("GB", P, "I'm sorry, my name is S M I T H", "S M I T H", "smith");
    one("GB", P, "I'm sorry, it's spelled J O N E S", "J O N E S", "jones");
    none("GB", P, "I'm a_b c'd");
    none("GB", P, "x'y z'w I'm");
}
END_TEST

/* next_word's path for a word of ASCII letters (16 letters a step where
 * the text has them, one by one near its end) gives the record of its
 * full loop: a word read near the end of a short text equals the same
 * word read with more text after it, and the shapes are the full loop's. */
START_TEST(test_word_reader)
{
    /* a word, the length of its record (no "'s"), its shape */
    static const struct { const char *w; unsigned n; int shape; } words[] = {
        {"anna", 4, SH_LOW}, {"Anna", 4, SH_CAP}, {"ANNA", 4, SH_UP}, {"A", 1, SH_CAP}, {"a", 1, SH_LOW},
        {"mcDonald", 8, SH_OTHER}, {"McDonald", 8, SH_CAP}, {"abcdefghijklmnopqrstu", 21, SH_LOW},
        {"ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEF", 32, SH_UP}, {"Abcdefghijklmnop", 16, SH_CAP},
        {"abcdefghijklmnoP", 16, SH_OTHER}, {"O'Brien", 7, SH_CAP}, {"Jean-Pierre", 11, SH_CAP},
        {"Müller", 7, SH_CAP}, {"R2D2", 4, SH_OTHER}, {"I'm", 3, SH_CAP}, {"don't", 5, SH_LOW}, {"DON'T", 5, SH_UP},
        {"I'M", 3, SH_UP}, {"D'Arcy", 6, SH_CAP}, {"it's", 2, SH_LOW}, {"IT'S", 2, SH_UP}, {"o'neill's", 7, SH_LOW},
        {"m'S", 1, SH_LOW}, {"A's", 1, SH_CAP},
    };
    static const char *const tails[] = { "", " ", ".", ",", "'s", "'s ok", "-", "1" };
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        for (size_t t = 0; t < sizeof tails / sizeof *tails; t++) {
            char shortt[96], longt[160];
            snprintf(shortt, sizeof shortt, " %s%s", words[i].w, tails[t]);
            snprintf(longt, sizeof longt, "%s and then some more words to read", shortt);
            word a, b;
            size_t pa = 0, pb = 0;
            ck_assert(next_word(shortt, strlen(shortt), &pa, &a));
            ck_assert(next_word(longt, strlen(longt), &pb, &b));
            if (t == 0 || t == 2 || t == 3) {           /* the word alone */
                ck_assert_uint_eq(a.e, 1 + words[i].n);
                ck_assert_int_eq(a.shape, words[i].shape);
            }
            if (strchr(tails[t], '1') || strchr(tails[t], '-')) continue;   /* the tail may join the word */
            ck_assert_msg(a.s == b.s && a.e == b.e && a.shape == b.shape && a.sep == b.sep && a.dot == b.dot &&
                              a.poss == b.poss && a.alpha == b.alpha && a.plain == b.plain &&
                              a.contraction == b.contraction && pa == pb,
                          "word record of '%s' differs by what follows", shortt);
        }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("person");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_lexicon);
    tcase_add_test(tc, test_greetings_and_signoffs);
    tcase_add_test(tc, test_introductions);
    tcase_add_test(tc, test_titles);
    tcase_add_test(tc, test_full_names_and_case);
    tcase_add_test(tc, test_not_names);
    tcase_add_test(tc, test_normal_form);
    tcase_add_test(tc, test_false_positive_corpus);
    tcase_add_test(tc, test_everyday_contexts);
    tcase_add_test(tc, test_international_given);
    tcase_add_test(tc, test_mid_sentence_given);
    tcase_add_test(tc, test_opening_introduction);
    tcase_add_test(tc, test_notes_and_system_lines);
    tcase_add_test(tc, test_name_lists);
    tcase_add_test(tc, test_recall_corpus);
    tcase_add_test(tc, test_everyday_corpora);
    tcase_add_test(tc, test_dev_corpora);
    tcase_add_test(tc, test_heldout_corpora);
    tcase_add_test(tc, test_spelled);
    tcase_add_test(tc, test_word_reader);
    tcase_add_test(tc, test_spelled_corpora);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
