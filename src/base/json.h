/* SPDX-License-Identifier: MIT */
/*
 * Strict JSON for every document from outside (bookings files, the upstream's grants and
 * answers, code import files): RFC 8259 and nothing more. cJSON alone accepts trailing data
 * after the value, takes the last of duplicate member names, and cuts a string at "\u0000"; here
 * each of those is an error, so two readers of one document can never see two different things.
 */
#pragma once

#include <stddef.h>

#include <cjson/cJSON.h>

struct json_error {
        size_t offset;  /* byte offset of the problem */
        unsigned line;  /* 1-based */
        char msg[128];  /* "duplicate member \"check_in\"" */
};

/*
 * Parse text[0..len): one JSON value and only white space after it; no two members of one
 * object with the same name; no NUL ("\u0000" or a raw zero byte) and no raw control character
 * in a string. -EBADMSG with err filled (may be NULL) on any of these; -ENOMEM. The caller owns
 * *ret (cJSON_Delete).
 */
int json_parse_strict(const char *text, size_t len, cJSON **ret, struct json_error *err);
