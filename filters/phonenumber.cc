/*
 * phonenumber.cc - phonenumber.h over libphonenumber's PhoneNumberUtil.
 * phone.c finds candidates and reads their digits; this file builds the
 * PhoneNumber directly (calling code, national significant number) rather
 * than through PhoneNumberUtil::Parse, whose regular expressions would cost
 * more than the whole detection of a typical text, and asks libphonenumber
 * only what its metadata knows: possible lengths, validity, trunk prefixes,
 * national formats. No exception leaves this file: a failure (out of
 * memory) is CVI_PN_ERROR, which the caller reads as a phone (fail closed).
 */
#include "phonenumber.h"

#include <cstring>
#include <string>

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

namespace {

const PhoneNumberUtil *util() { return PhoneNumberUtil::GetInstance(); }

/* The number from a calling code and national significant digits (the
 * leading zeros of an Italian-style number are part of it). */
bool make_number(int cc, const char *nsn, size_t n, PhoneNumber *out)
{
    if (n == 0 || n > 17) return false;
    uint64_t v = 0;
    size_t zeros = 0;
    while (zeros < n - 1 && nsn[zeros] == '0') zeros++;
    for (size_t i = 0; i < n; i++) v = v * 10 + static_cast<uint64_t>(nsn[i] - '0');
    out->set_country_code(cc);
    out->set_national_number(v);
    if (zeros) {
        out->set_italian_leading_zero(true);
        if (zeros > 1) out->set_number_of_leading_zeros(static_cast<int>(zeros));
    }
    return true;
}

/* The calling code in decimal (not std::to_string: its digit table would
 * be a GNU unique symbol, exported whatever the visibility). */
std::string decimal(int cc)
{
    char b[12];
    size_t k = sizeof b;
    do {
        b[--k] = static_cast<char>('0' + cc % 10);
        cc /= 10;
    } while (cc > 0 && k > 0);
    return std::string(b + k, sizeof b - k);
}

size_t put_e164(int cc, const char *nsn, size_t n, char *e164)
{
    std::string c = decimal(cc);
    if (1 + c.size() + n + 1 > CVI_PN_E164_MAX) return 0;
    e164[0] = '+';
    std::memcpy(e164 + 1, c.data(), c.size());
    std::memcpy(e164 + 1 + c.size(), nsn, n);
    e164[1 + c.size() + n] = '\0';
    return 1 + c.size() + n;
}

/* Only a number of a length its country's plan allows (not one only
 * diallable locally, like a US number without its area code). */
bool possible(const PhoneNumber &pn)
{
    return util()->IsPossibleNumberWithReason(pn) == PhoneNumberUtil::IS_POSSIBLE;
}

int region_cc(const char *region)
{
    if (!region || std::strlen(region) != 2) return 0;
    return util()->GetCountryCodeForRegion(std::string(region, 2));
}

int cc_facts(int cc, int *trunk0, unsigned *lengths)
{
    const PhoneNumberUtil *u = util();
    std::string main;
    u->GetRegionCodeForCountryCode(cc, &main);
    if (main == "ZZ") return 0;
    std::string ndd;
    if (main != "001") u->GetNddPrefixForRegion(main, true, &ndd);
    *trunk0 = ndd == "0";
    *lengths = 0;
    /* possible lengths depend on the length alone: any digits will do */
    static const char ones[] = "11111111111111111";
    for (size_t l = 1; l <= 17; l++) {
        PhoneNumber pn;
        if (make_number(cc, ones, l, &pn) && possible(pn)) *lengths |= 1u << l;
    }
    return 1;
}

int intl(const char *d, size_t n, char *e164, size_t *len)
{
    const PhoneNumberUtil *u = util();
    if (n == 0 || d[0] == '0') return CVI_PN_NO;
    for (size_t cl = 1; cl <= 3 && cl < n; cl++) {
        int cc = 0;
        for (size_t i = 0; i < cl; i++) cc = cc * 10 + (d[i] - '0');
        std::string main;
        u->GetRegionCodeForCountryCode(cc, &main);
        if (main == "ZZ") continue;    /* calling codes are prefix-free: try a longer one */
        const char *nsn = d + cl;
        size_t nn = n - cl;
        std::string ndd;
        if (main != "001") u->GetNddPrefixForRegion(main, true, &ndd);
        /* "+44 (0)20 ...": the trunk prefix is no part of the number where
         * the country has one; where it has none (Italy) a leading 0 is */
        if (ndd == "0" && nn > 1 && nsn[0] == '0') {
            nsn++;
            nn--;
        }
        PhoneNumber pn;
        if (!make_number(cc, nsn, nn, &pn) || !possible(pn)) return CVI_PN_NO;
        *len = put_e164(cc, nsn, nn, e164);
        return *len ? CVI_PN_POSSIBLE : CVI_PN_NO;
    }
    return CVI_PN_NO;
}

/* Does the country write this number with its trunk prefix in national
 * format? libphonenumber's own national format says ("07700 900123" in GB;
 * not IE's "1800 123 456", nor Brazil's "(11) 98765-4321"). Where no
 * format applies, assume it does (the stricter reading: fewer false finds
 * among bare digit runs). */
bool trunk_required(const PhoneNumber &pn, const std::string &ndd, const char *nsn, size_t nn)
{
    std::string f;
    util()->Format(pn, PhoneNumberUtil::NATIONAL, &f);
    std::string digits;
    for (char c : f)
        if (c >= '0' && c <= '9') digits += c;
    if (digits.size() == nn && f.size() == nn) return true;   /* unformatted: no pattern matched */
    return digits.size() > nn && digits.compare(0, ndd.size(), ndd) == 0 &&
           digits.compare(digits.size() - nn, nn, nsn, nn) == 0;
}

int national(const char *region, const char *d, size_t n, int validity, int *trunk, char *e164, size_t *len)
{
    const PhoneNumberUtil *u = util();
    int cc = region_cc(region);
    if (cc == 0 || n == 0) return CVI_PN_NO;
    std::string r(region, 2), ndd;
    u->GetNddPrefixForRegion(r, true, &ndd);
    const char *nsn = d;
    size_t nn = n;
    *trunk = 0;
    if (!ndd.empty() && n > ndd.size() && std::strncmp(d, ndd.c_str(), ndd.size()) == 0) {
        nsn += ndd.size();
        nn -= ndd.size();
        *trunk = 1;
    }
    PhoneNumber pn;
    if (!make_number(cc, nsn, nn, &pn) || !possible(pn)) return CVI_PN_NO;
    if (!*trunk && !ndd.empty() && !u->IsNANPACountry(r) && trunk_required(pn, ndd, nsn, nn)) return CVI_PN_NO;
    *len = put_e164(cc, nsn, nn, e164);
    if (!*len) return CVI_PN_NO;
    return validity && u->IsValidNumberForRegion(pn, r) ? CVI_PN_VALID : CVI_PN_POSSIBLE;
}

int groups(const char *region, const char *e164, size_t n, unsigned char *g, int cap)
{
    int cc = region_cc(region);
    std::string c = decimal(cc);
    if (cc == 0 || n < 2 + c.size() || e164[0] != '+' || std::strncmp(e164 + 1, c.data(), c.size()) != 0) return 0;
    PhoneNumber pn;
    if (!make_number(cc, e164 + 1 + c.size(), n - 1 - c.size(), &pn)) return 0;
    std::string f;
    util()->Format(pn, PhoneNumberUtil::NATIONAL, &f);
    int k = 0, run = 0;
    for (size_t i = 0; i <= f.size(); i++) {
        if (i < f.size() && f[i] >= '0' && f[i] <= '9') {
            run++;
        } else if (run) {
            if (k == cap) return 0;
            g[k++] = static_cast<unsigned char>(run);
            run = 0;
        }
    }
    return k;
}

int region_facts(const char *region, int *cc, char ndd[4], int *nanp)
{
    *cc = region_cc(region);
    if (*cc == 0) return 0;
    std::string r(region, 2), p;
    util()->GetNddPrefixForRegion(r, true, &p);
    if (p.size() > 3) return 0;
    std::memcpy(ndd, p.c_str(), p.size() + 1);
    *nanp = util()->IsNANPACountry(r);
    return 1;
}

int trunk_needed(const char *region, const char *nsn, size_t n)
{
    int cc = region_cc(region);
    PhoneNumber pn;
    if (cc == 0 || !make_number(cc, nsn, n, &pn)) return 1;
    std::string ndd;
    util()->GetNddPrefixForRegion(std::string(region, 2), true, &ndd);
    return !ndd.empty() && trunk_required(pn, ndd, nsn, n);
}

} // namespace

extern "C" int cvi_pn_intl(const char *d, size_t n, char e164[CVI_PN_E164_MAX], size_t *len)
{
    try {
        return intl(d, n, e164, len);
    } catch (...) {
        return CVI_PN_ERROR;
    }
}

extern "C" int cvi_pn_cc_facts(int cc, int *trunk0, unsigned *lengths)
{
    try {
        return cc_facts(cc, trunk0, lengths);
    } catch (...) {
        return -1;
    }
}

extern "C" int cvi_pn_region_facts(const char *region, int *cc, char ndd[4], int *nanp)
{
    try {
        return region_facts(region, cc, ndd, nanp);
    } catch (...) {
        return CVI_PN_ERROR;
    }
}

extern "C" int cvi_pn_trunk_required(const char *region, const char *nsn, size_t n)
{
    try {
        return trunk_needed(region, nsn, n);
    } catch (...) {
        return CVI_PN_ERROR;
    }
}

extern "C" int cvi_pn_national(const char *region, const char *d, size_t n, int validity, int *trunk,
                               char e164[CVI_PN_E164_MAX], size_t *len)
{
    try {
        return national(region, d, n, validity, trunk, e164, len);
    } catch (...) {
        return CVI_PN_ERROR;
    }
}

extern "C" int cvi_pn_groups(const char *region, const char *e164, size_t n, unsigned char *g, int cap)
{
    try {
        return groups(region, e164, n, g, cap);
    } catch (...) {
        return 0;
    }
}

extern "C" int cvi_pn_region_ok(const char *region)
{
    try {
        return region_cc(region) != 0;
    } catch (...) {
        return 0;
    }
}

extern "C" int cvi_pn_nanp(const char *region)
{
    try {
        return region && std::strlen(region) == 2 && util()->IsNANPACountry(std::string(region, 2));
    } catch (...) {
        return 0;
    }
}

extern "C" int cvi_pn_cc_len(const char *e164, size_t n)
{
    try {
        if (n < 2 || e164[0] != '+') return 0;
        int cc = 0;
        for (size_t cl = 1; cl <= 3 && cl < n; cl++) {
            char c = e164[cl];
            if (c < '0' || c > '9') return 0;
            cc = cc * 10 + (c - '0');
            std::string main;
            util()->GetRegionCodeForCountryCode(cc, &main);
            if (main != "ZZ") return static_cast<int>(cl);
        }
        return 0;
    } catch (...) {
        return 0;
    }
}
