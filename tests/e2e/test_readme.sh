#!/bin/sh
# e2e_readme: the README's commands run as written. Every ```sh block that
# follows a line `<!-- runnable -->` is run, in order, by `bash -e` in a new
# temporary directory holding a copy of samples/ and a `build` link to the
# build tree, and must exit 0. Not run (ctest has done them): lines that
# start with `$SUDO apt-get`, `cmake ` or `ctest `; /etc/callveil is
# replaced by a directory inside the temporary one. Also checked: the block
# after `<!-- samples/policy.yaml -->` is samples/policy.yaml byte for byte,
# and the quick start installs every package .ci/run installs (but the
# fuzzing compiler's).
set -eu
src=${CV_SRC:?CV_SRC must name the source tree}
bin=${CV_BIN:?CV_BIN must name the callveil binary}
readme=${CV_README:-$src/README.md}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "test_readme: FAIL: $*" >&2; exit 1; }

# 1. the README's copy of the sample policy is the file
awk '/^<!-- samples\/policy.yaml -->$/ { m = 1; next }
     m == 1 && /^```/ { m = 2; next }
     m == 2 && /^```$/ { exit }
     m == 2 { print }' "$readme" >"$tmp/policy-in-readme.yaml"
[ -s "$tmp/policy-in-readme.yaml" ] || fail "no block marked <!-- samples/policy.yaml --> in the README"
cmp -s "$tmp/policy-in-readme.yaml" "$src/samples/policy.yaml" ||
    fail "the README's copy of samples/policy.yaml differs from the file: $(diff "$tmp/policy-in-readme.yaml" "$src/samples/policy.yaml" | head -n 5)"

# 2. the quick start installs what .ci/run installs (fuzzing aside)
apt_line=$(grep -m1 'apt-get install' "$readme") || fail "no apt-get install line in the README"
ci_deps=$(sed -n '/^DEPS="/,/"$/p' "$src/.ci/run" | tr -d '"' | sed 's/^DEPS=//')
[ -n "$ci_deps" ] || fail "no DEPS list in .ci/run"
for pkg in $ci_deps; do
    case $pkg in clang | libclang-rt-*) continue ;; esac
    case " $apt_line " in *" $pkg "*) ;; *) fail "the README's quick start does not install $pkg (.ci/run does)" ;; esac
done

# 3. the runnable blocks
awk '/^<!-- runnable -->$/ { want = 1; next }
     want && /^```sh$/ { inblock = 1; want = 0; n++; printf "# --- runnable block %d\n", n; next }
     inblock && /^```$/ { inblock = 0; next }
     inblock { print; next }
     /[^[:space:]]/ { want = 0 }' "$readme" >"$tmp/blocks.sh"
nblocks=$(grep -c '^# --- runnable block' "$tmp/blocks.sh" || true)
[ "$nblocks" -ge 3 ] || fail "only $nblocks runnable block(s) found in the README"
work=$tmp/work
mkdir -p "$work/etc"
cp -R "$src/samples" "$work/samples"
ln -s "$(dirname "$bin")" "$work/build"
# skipped lines become ':' (a comment in the script says which)
sed -e 's|^\$SUDO apt-get .*|: skipped by test_readme: apt-get|' \
    -e 's|^cmake .*|: skipped by test_readme: build|' \
    -e 's|^ctest .*|: skipped by test_readme: ctest|' \
    -e "s|/etc/callveil|$work/etc/callveil|g" "$tmp/blocks.sh" >"$work/readme.sh"
grep -q '^\./build/callveil run samples -o out$' "$work/readme.sh" || fail "the quick start's run line is gone"
# Debian's python3 (with python3-pandas) first, as on a fresh machine
if (cd "$work" && PATH=/usr/bin:/bin:$PATH bash -e ./readme.sh) >"$tmp/out" 2>"$tmp/err"; then
    :
else
    rc=$?
    echo "--- stderr (last lines)" >&2
    tail -n 30 "$tmp/err" >&2
    fail "the README's runnable blocks exited $rc"
fi
# what the blocks made
[ -f "$work/out/manifest.json" ] || fail "the quick start wrote no out/manifest.json"
[ -f "$work/out-acme/manifest.json" ] || fail "the keyed run wrote no out-acme/manifest.json"
[ "$(stat -c %a "$work/etc/callveil/acme.key")" = 600 ] || fail "the key is not mode 0600"
[ "$(stat -c %a "$work/etc/callveil")" = 700 ] || fail "the key directory is not mode 0700"
[ -s "$work/chats-parallel.jsonl" ] || fail "the GNU parallel block wrote nothing"
grep -q 'suppressed all' "$tmp/err" || fail "risk --enforce-k did not warn that it suppressed every record"
echo "test_readme: ok ($nblocks runnable blocks)"
