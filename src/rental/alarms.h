/* SPDX-License-Identifier: MIT */
/*
 * Alarms while a lock takes no writes from us (issue 11): with its stored PIN refused, in a
 * PIN lockout, or not the paired lock, latchkey cannot remove a code, so every removal that is
 * overdue (a departed or cancelled guest whose code is still live on the lock) goes upstream
 * as a code.removal_overdue event, once per grant and lock, so nobody believes a code is gone
 * when it is not. When the lock takes writes again the alarms are forgotten (a later trouble
 * raises them anew) and reconcile does the removals.
 */
#pragma once

#include <stdint.h>

#include "db.h"

/*
 * lock is blocked for why ("pin_invalid", "pin_lockout", "identity_mismatch"; NULL: it is
 * not): raise the overdue removals not raised yet (those whose check-out + grace is past at
 * now, or whose grant was cancelled or deleted). Returns how many were raised, or -errno.
 */
int alarms_overdue_removals(struct db *db, const char *lock, const char *why, int64_t now, int64_t grace);
