/*
 * policy_vault.c - what the policy says about subjects after the run: the
 * vault's public key (`vault:`, vault.c seals the re-identification records
 * with it) and how an erasure removes a subject (`erasure:`, subject.c).
 */
#include "policy_yaml.h"

/* vault: {public_key: FILE} */
void cvi_load_vault(cvi_loader *L, const yaml_node_t *v)
{
    static const char *const vkeys[] = { "public_key" };
    const yaml_node_t *pk = NULL;
    uint32_t vseen = 0;
    if (v && v->type == YAML_MAPPING_NODE)
        for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top; q++)
            if (cvi_sub_key(L, cvi_node_at(L, q->key), vkeys, 1, &vseen, "vault") == 0) pk = cvi_node_at(L, q->value);
    if (!pk) cvi_problem(L, cvi_line_of(v), "'vault' needs {public_key: FILE} (made by `callveil keygen --controller`)");
    else if (!cvi_path_text_ok(pk)) cvi_problem(L, cvi_line_of(pk), "'public_key' must be a file path");
    else L->p->vault_pub = cvi_rel_path(L, cvi_sval(pk), cvi_slen(pk));
}

/* erasure: drop | replace */
void cvi_load_erasure(cvi_loader *L, const yaml_node_t *v)
{
    if (cvi_scalar_is(v, "drop")) L->p->erasure_replace = 0;
    else if (cvi_scalar_is(v, "replace")) L->p->erasure_replace = 1;
    else cvi_problem(L, cvi_line_of(v), "'erasure' must be drop (remove the subject's records) or replace "
                                        "(their tokens become [erased])");
}
