#!/bin/sh
# proto/ is the pure protocol (STYLE.md §1): it must not include another layer's headers or
# those of libsystemd, libcurl, cJSON, SQLite or inih, and its objects may reference only
# libc functions that do no I/O, keep no clock and draw no randomness, plus libsodium.
# Usage: check-layering.sh SOURCE_DIR LIBLK_PROTO.a
set -eu
src=$1
lib=$2
fail=0

bad=$(grep -rnE '#[[:space:]]*include[[:space:]]*[<"](systemd/|curl/|cjson/|cJSON|sqlite3|ini\.h|\.\./(ble|src|hw-tests)/|latchkey/(transport|agent|store|sync|ble|sim)\.h)' \
        "$src/proto" "$src/include/latchkey/proto.h" 2>/dev/null || true)
if [ -n "$bad" ]; then
        echo "proto/ includes headers of a layer it must not know:"
        echo "$bad"
        fail=1
fi

# Undefined symbols of the archive, minus the allowed ones.
allowed='^(memcpy|memmove|memset|memcmp|memchr|strlen|strnlen|strncmp|strcmp|__stack_chk_fail|__memcpy_chk|__memset_chk|__memmove_chk|sodium_.*|crypto_.*|randombytes_.*|__asan_.*|__ubsan_.*|__sanitizer_.*|__sancov_.*|_GLOBAL_OFFSET_TABLE_|__assert_fail)$'
defined=$(nm --defined-only "$lib" 2>/dev/null | awk 'NF==3 {print $3}' | sort -u)
undef=$(nm -u "$lib" 2>/dev/null | awk 'NF==2 && $1=="U" {print $2}' | sort -u |
        { [ -n "$defined" ] && grep -vxF "$defined" || cat; } | grep -vE "$allowed" || true)
if [ -n "$undef" ]; then
        echo "proto/ references symbols outside libc's pure functions and libsodium:"
        echo "$undef"
        fail=1
fi

if [ $fail -eq 0 ]; then
        echo "layering: proto/ is pure (headers and $(nm -u "$lib" | awk 'NF==2' | sort -u | wc -l) references symbols checked)"
fi
exit $fail
