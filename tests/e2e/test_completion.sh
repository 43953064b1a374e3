#!/usr/bin/env bash
# The bash completion (pipeline/cli/callveil.bash) against the binary: every
# command `callveil --help` lists is completed, every long option of each
# command's `callveil help CMD` is offered after `callveil CMD --`, and
# --format / --type complete to the binary's formats and entities.
set -u
BIN=${CV_BIN:?CV_BIN}
SRC=${CV_SRC:?CV_SRC}
# the completion runs `callveil help token` for --type: the binary under test
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
ln -s "$BIN" "$d/callveil"
PATH="$d:$PATH"
# shellcheck disable=SC1091
. "$SRC/pipeline/cli/callveil.bash"
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

complete_words() {   # complete_words WORD... : COMPREPLY for the last word
    COMP_WORDS=(callveil "$@")
    COMP_CWORD=$#
    COMPREPLY=()
    _callveil
    printf '%s\n' "${COMPREPLY[@]}"
}

cmds=$("$BIN" --help | awk '/Commands:/ { on = 1; next } on && /^$/ { exit } on && /^  [a-z]/ { print $1 }')
[ "$(echo "$cmds" | wc -l)" -ge 12 ] && ok || bad "too few commands in --help: $cmds"
got=$(complete_words "")
for c in $cmds; do
    if echo "$got" | grep -qx -- "$c"; then ok; else bad "command '$c' (callveil --help) not completed"; fi
done
# and nothing completed that is not a command
for c in $got; do
    case "$c" in -*) continue ;; esac
    if echo "$cmds" | grep -qx -- "$c"; then ok; else bad "completion offers '$c', not in callveil --help"; fi
done

for c in $cmds; do
    [ "$c" = help ] || [ "$c" = version ] && continue
    opts=$("$BIN" help "$c" | grep -oE -- '^ +(-[A-Za-z0-9], +)?--[a-z][a-z-]*' | grep -o -- '--[a-z][a-z-]*' | sort -u)
    [ -n "$opts" ] || continue   # check-policy FILE: no options but -h
    got=$(complete_words "$c" --)
    for o in $opts; do
        if echo "$got" | grep -qx -- "$o"; then ok; else bad "'callveil $c $o' (in its help) not completed"; fi
    done
    # every option the completion offers is accepted by the command's parser
    for o in $got; do
        out=$("$BIN" "$c" "$o" 2>&1 </dev/null)
        if echo "$out" | grep -qE "unrecognized option|unknown option|invalid option"; then
            bad "completion offers '$c $o', which callveil refuses"
        else
            ok
        fi
    done
done

got=$(complete_words filter --format "")
[ "$(echo "$got" | sort | tr '\n' ' ')" = "asterisk-cdr csv jsonl " ] && ok || bad "--format completes to: $got"
got=$(complete_words token --type "")
for e in phone email clid national_id; do
    if echo "$got" | grep -qx "$e"; then ok; else bad "--type does not complete '$e'"; fi
done
got=$(complete_words help "")
echo "$got" | grep -qx rekey && ok || bad "help does not complete commands"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
