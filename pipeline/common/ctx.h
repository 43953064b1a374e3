/* ctx.h - the inside of cv_ctx (internal). */
#ifndef CV_CTX_H
#define CV_CTX_H

#include "base.h"

struct cv_ctx {
    cv_log_fn log;
    void *log_ud;
    char err[1024];
    int crash_at;       /* tests only: a dataset commit stops after this step (cvi_dataset_crash_point) */
};

#endif
