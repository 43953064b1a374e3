#!/usr/bin/env bash
# The installed package: `cmake --install` into a temporary prefix (or, with
# CV_INSTALLED_PREFIX, a package already installed there, e.g. /usr from
# the .deb), then
#  - every file is where callveil-policy(5) and the README say;
#  - the shared library exports only the public cv_ API;
#  - the installed callveil runs the quick-start job on the installed
#    samples, the recording included (the audio module found at its
#    installed path, not in the build tree);
#  - tests/install/app.c builds with pkg-config (shared, and --static) and
#    with CMake's find_package (callveil::callveil, callveil::callveil_static)
#    and runs: cv_version(), one in-memory JSON record under a test key
#    (the token in, the phone number out), a run over the samples.
set -u
SRC=${CV_SRC:?CV_SRC}
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT

if [ -n "${CV_INSTALLED_PREFIX:-}" ]; then
    P=$CV_INSTALLED_PREFIX
else
    BUILD=${CV_BUILD:?CV_BUILD}
    P=$t/prefix
    cmake --install "$BUILD" --prefix "$P" >"$t/install.log" 2>&1 || { cat "$t/install.log"; bad "cmake --install"; }
fi
pc=$(find "$P/lib" -name callveil.pc -path '*pkgconfig*' 2>/dev/null | head -n 1)
[ -n "$pc" ] && ok || bad "no callveil.pc under $P/lib"
LIBDIR=$(dirname "$(dirname "$pc")")
for f in bin/callveil include/callveil.h share/callveil/default-policy.yaml share/callveil/sample-policy.yaml \
         share/callveil/samples/chats.jsonl share/callveil/samples/calls/customer_call.wav \
         share/bash-completion/completions/callveil share/man/man5/callveil-policy.5 share/man/man1/callveil.1; do
    [ -e "$P/$f" ] && ok || bad "missing $P/$f"
done
for f in libcallveil.so libcallveil.so.0 libcallveil.a callveil/callveil-audio.so cmake/callveil/callveilConfig.cmake \
         cmake/callveil/callveilConfigVersion.cmake; do
    [ -e "$LIBDIR/$f" ] && ok || bad "missing $LIBDIR/$f"
done
cmp -s "$P/share/callveil/default-policy.yaml" "$SRC/pipeline/default_policy.yaml" && ok || bad "default policy differs"
"$P/bin/callveil" check-policy "$P/share/callveil/sample-policy.yaml" >/dev/null && ok || bad "sample policy invalid"

# only cv_ symbols exported
other=$(nm -D --defined-only "$LIBDIR/libcallveil.so.0" | awk '$2 ~ /^[TDBRVW]$/ { print $3 }' | grep -v '^cv_' | head)
[ -z "$other" ] && ok || bad "libcallveil.so exports non-API symbols: $other"
nm -D --defined-only "$LIBDIR/libcallveil.so.0" | grep -q ' T cv_process_record$' && ok || bad "cv_process_record not exported"

# the installed CLI on the installed samples; the audio module from its installed path
out=$t/out
env -u CALLVEIL_AUDIO_MODULE "$P/bin/callveil" run -q "$P/share/callveil/samples" -o "$out"
rc=$?
[ $rc -eq 0 ] && ok || bad "installed callveil run samples: exit $rc"
if [ -f "$out/manifest.json" ]; then
    st=$(grep -oE '"status": ?"[a-z]*"' "$out/manifest.json" | sort | uniq -c | tr -s ' ')
    echo "$st" | grep -q failed && bad "a sample failed: $st" || ok
    grep -qE '"audio_seconds_in": ?[1-9]' "$out/manifest.json" && ok || bad "the recording was not processed"
    [ -f "$out/calls/customer_call.wav" ] && ok || bad "no redacted recording in the output"
else
    bad "no manifest"
fi

# a test key (mode 0600) for the app
key=$t/test.key
printf '%s\n' 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f >"$key"
chmod 600 "$key"
check_app() {   # check_app NAME BINARY [DIR OUT]
    local name=$1
    shift
    local o
    if o=$("$@" 2>&1); then
        echo "$o" | grep -q 'phone:' && ok || bad "$name: no phone token in: $o"
        echo "$o" | grep -q '900123' && bad "$name: the phone number is in the output" || ok
    else
        bad "$name failed: $o"
    fi
}
CC=${CC:-cc}
# a sanitized library (CV_SANITIZE=ON) needs its runtime in the programs too
SAN=
[ "${CV_SANITIZED:-0}" = 1 ] && SAN="-fsanitize=address,undefined"
export PKG_CONFIG_PATH="$LIBDIR/pkgconfig"
if flags=$(pkg-config --cflags --libs callveil); then
    ok
    # shellcheck disable=SC2086
    $CC $SAN -o "$t/app-pc" "$SRC/tests/install/app.c" $flags -Wl,-rpath,"$LIBDIR" && ok || bad "pkg-config build"
    ldd "$t/app-pc" | grep -q "$LIBDIR/libcallveil.so.0" && ok || bad "app-pc does not use the installed library"
    check_app app-pc "$t/app-pc" "$key" "$P/share/callveil/samples" "$t/out-pc"
    # static: libcallveil.a, its dependencies from --static
    sflags=$(pkg-config --static --libs callveil)
    # shellcheck disable=SC2086
    $CC $SAN -o "$t/app-pc-static" "$SRC/tests/install/app.c" $(pkg-config --cflags callveil) -Wl,--as-needed \
        -Wl,-Bstatic -lcallveil -Wl,-Bdynamic $sflags && ok || bad "pkg-config --static build"
    ldd "$t/app-pc-static" | grep -q libcallveil && bad "app-pc-static needs libcallveil.so" || ok
    check_app app-pc-static "$t/app-pc-static" "$key"
else
    bad "pkg-config --cflags --libs callveil"
fi
unset PKG_CONFIG_PATH

if cmake -S "$SRC/tests/install" -B "$t/cm" -DCMAKE_PREFIX_PATH="$P" -DCMAKE_BUILD_RPATH="$LIBDIR" -DCMAKE_C_FLAGS="$SAN" \
        >"$t/cm.log" 2>&1 && cmake --build "$t/cm" >>"$t/cm.log" 2>&1; then
    ok
    check_app app_shared "$t/cm/app_shared" "$key" "$P/share/callveil/samples" "$t/out-cm"
    ldd "$t/cm/app_shared" | grep -q "$LIBDIR/libcallveil.so.0" && ok || bad "app_shared does not use the installed library"
    if [ -x "$t/cm/app_static" ]; then
        check_app app_static "$t/cm/app_static" "$key"
        ldd "$t/cm/app_static" | grep -q libcallveil && bad "app_static needs libcallveil.so" || ok
    else
        bad "callveil::callveil_static not defined"
    fi
else
    cat "$t/cm.log"
    bad "CMake find_package(callveil) build"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
