/* SPDX-License-Identifier: MIT */
/*
 * The one wording of a secret file's refusal, for every secret file the agent and the virtual
 * lock read (keypad code files, PIN files, code import files, token files, client keys, the
 * virtual lock's state): libc only, so the virtual lock links it too (like tzdb.c).
 */
#pragma once

#include <stddef.h>

/*
 * "refusing the PIN file 'p': mode 0640 lets its group read it (chmod 600 'p')": names the file
 * and exactly who besides its owner can read or write it (its group, others, or both, and what
 * each may do). what: "the PIN file". path "-" is standard input. It looks at the file again;
 * a file it cannot see, or one now private, is still named.
 */
void secret_refusal(const char *what, const char *path, char *buf, size_t size);
