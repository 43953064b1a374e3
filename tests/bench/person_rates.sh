#!/bin/sh
# Recall and false-positive rates of the person detector per locale, on the
# corpora in tests/fixtures/person (written for the purpose: make_corpora.py),
# as check_person measures them. With -v, every missed and every wrongly
# changed line too.
#
# usage: person_rates.sh [-v]    env: BUILD (default: build)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${BUILD:-$root/build}/check_person
[ -x "$bin" ] || { echo "person_rates: no $bin (build the tests first)" >&2; exit 1; }
if [ "${1:-}" = "-v" ]; then
    CV_SRC=$root CV_PERSON_VERBOSE=1 CK_RUN_CASE=core "$bin" | grep -E '^(FP|MISS) |^person |^  '
else
    CV_SRC=$root CK_RUN_CASE=core "$bin" | grep -E '^person |^  '
fi
