/*
 * policy_risk.c - an input's `risk:` (the quasi-identifiers risk.c measures).
 */
#include <stdlib.h>

#include "policy_yaml.h"

/* risk: {quasi: [COL...], subject: COL, points: N, enforce_k: K} */
void cvi_load_risk(cvi_loader *L, const yaml_node_t *m, cv_risk_policy *r)
{
    static const char *const keys[] = { "quasi", "subject", "points", "enforce_k" };
    r->line = cvi_line_of(m);
    r->points = 4;
    if (!m || m->type != YAML_MAPPING_NODE) {
        cvi_problem(L, cvi_line_of(m), "'risk' must be a mapping {quasi, subject, points, enforce_k}");
        return;
    }
    uint32_t seen = 0;
    for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top && !L->oom; pr++) {
        yaml_node_t *v = cvi_node_at(L, pr->value);
        uint64_t x;
        switch (cvi_sub_key(L, cvi_node_at(L, pr->key), keys, 4, &seen, "risk")) {
        case 0:
            cvi_load_paths(L, v, 32, "'quasi'", "field paths", "quasi-identifier name", &r->quasi, &r->nquasi);
            break;
        case 1:
            if (!cvi_path_text_ok(v)) cvi_problem(L, cvi_line_of(v), "'subject' must name the subject's column");
            else r->subject = cvi_dup_n(L, cvi_sval(v), cvi_slen(v));
            break;
        case 2:
            if (cvi_parse_uint(v, 16, &x) < 0 || x == 0) cvi_problem(L, cvi_line_of(v), "'points' must be 1 to 16");
            else r->points = (uint32_t)x;
            break;
        case 3:
            if (cvi_parse_uint(v, 1000000, &x) < 0 || x < 2) cvi_problem(L, cvi_line_of(v), "'enforce_k' must be 2 or more");
            else r->enforce_k = (uint32_t)x;
            break;
        default:
            break;
        }
    }
    if (!(seen & 1u)) cvi_problem(L, r->line, "'risk' needs 'quasi': the quasi-identifier columns");
}

void cvi_risk_free(cv_risk_policy *r)
{
    for (size_t j = 0; j < r->nquasi; j++) free(r->quasi[j]);
    free(r->quasi);
    free(r->subject);
}
