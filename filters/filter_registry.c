/*
 * filter_registry.c - the entity table and the detector list, both made from
 * the one registry, registry.def; entity names double as token domains.
 */
#include <string.h>

#include "filters.h"

#define CV_ENTITY(ID, name) extern const cv_entity_type cvi_entity_##name;
#define CV_DETECTOR(name) extern const cv_detector_type cvi_detector_##name;
#include "registry.def"
#undef CV_ENTITY
#undef CV_DETECTOR

const cv_entity_type *const cvi_entities[CV_ENT__COUNT] = {
#define CV_ENTITY(ID, name) [CV_ENT_##ID] = &cvi_entity_##name,
#define CV_DETECTOR(name)
#include "registry.def"
#undef CV_ENTITY
#undef CV_DETECTOR
};

const cv_detector_type *const cvi_detectors[] = {
#define CV_ENTITY(ID, name)
#define CV_DETECTOR(name) &cvi_detector_##name,
#include "registry.def"
#undef CV_ENTITY
#undef CV_DETECTOR
    NULL
};

/* The entity names as one list, for --help (cv_entity_names, public). */
static const char entity_list[] =
#define CV_ENTITY(ID, name) ", " #name
#define CV_DETECTOR(name)
#include "registry.def"
#undef CV_ENTITY
#undef CV_DETECTOR
    ;

const cv_entity_type *cvi_entity(int entity)
{
    if (entity < 0 || entity >= CV_ENT__COUNT) return NULL;
    return cvi_entities[entity];
}

const char *cvi_entity_name(int entity)
{
    const cv_entity_type *t = cvi_entity(entity);
    return t ? t->name : NULL;
}

int cvi_entity_from_name(const char *name, size_t n)
{
    if (!name) return -1;
    for (int i = 0; i < CV_ENT__COUNT; i++) {
        const char *z = cvi_entities[i]->name;
        if (strlen(z) == n && memcmp(z, name, n) == 0) return i;
    }
    return -1;
}

const char *cv_entity_names(void) { return entity_list + 2; }   /* past the first ", " */
