/* SPDX-License-Identifier: MIT */
/*
 * The agent's state directory (0700): per-lock credentials in `locks/<alias>.lock` (0600,
 * written atomically, secrets as hex), and the agent database. Secrets never leave these
 * files except into fixed-size arrays that callers wipe with lk_creds_wipe().
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "latchkey/proto.h"

#define STORE_ALIAS_MAX 63
#define STORE_VIA_MAX 255
#define STORE_FIRMWARE_MAX 15
#define STORE_FIRMWARE_API1 "api-v1"

struct store;

/* What latchkey keeps per paired lock. */
struct lk_creds {
        char alias[STORE_ALIAS_MAX + 1]; /* the name technicians type: [A-Za-z0-9._-], 1..63 */
        char via[STORE_VIA_MAX + 1];     /* how to reach it: "sim:PATH" or "ble:AA:BB:CC:DD:EE:FF" */
        enum lk_generation generation;
        uint32_t auth_id;
        uint32_t app_id;
        uint8_t id_type;
        uint8_t shared_key[LK_KEY_SIZE]; /* secret */
        uint8_t lock_uuid[LK_UUID_SIZE];
        uint8_t lock_pk[LK_KEY_SIZE];
        char name[LK_AUTH_NAME_SIZE + 1]; /* our authorization's name on the lock */
        bool has_pin;
        struct lk_pin pin;               /* secret */
        int64_t paired_at;               /* UTC seconds */

        /* The lock's identity (issue 11): its Nuki ID (spec §6.24 Config), read when paired or,
         * for a pairing older than this, when first seen. With auth_id it is what everything
         * kept per lock belongs to (db.h db_lock_identity_set). */
        bool has_nuki_id;
        uint32_t nuki_id;

        /* PIN safety (issue 11), kept with the PIN so that no process sends a refused one. */
        int64_t pin_refused_at;          /* the lock refused the stored PIN (authenticated K_ERROR_BAD_PIN): it is not
                                          * sent again until `pin verify` stores one the lock accepts; 0 = not */
        int64_t pin_lockout_at;          /* a PIN lockout was seen (K_ERROR_TOO_MANY_PIN_ATTEMPTS); 0 = none now */
        int64_t pin_retry_at;            /* while in lockout, no PIN is sent before this (UTC s) */
        /* Another Nuki ID answered behind this address: writes stop until the lock is paired again. */
        int64_t identity_mismatch_at;    /* 0 = none */
        uint32_t seen_nuki_id;

        /* The firmware the lock's Config last named, when it was read (issue 14): "3.6.4", or
         * STORE_FIRMWARE_API1 for a Config in the API v1 layout, which names none; "" unknown. */
        char firmware[STORE_FIRMWARE_MAX + 1];
};

/* Default state directory: $LATCHKEY_STATE_DIR, else /var/lib/latchkey for root, else
 * $XDG_STATE_HOME/latchkey or ~/.local/state/latchkey. Writes into buf. */
int store_default_dir(char *buf, size_t size);

/* Open (creating 0700 if needed) the state directory. Refuses a directory that others can
 * read or write, or that belongs to another user. */
int store_open(const char *dir, struct store **ret);
struct store *store_free(struct store *s);
const char *store_dir(const struct store *s);
/* The directory's file descriptor, for openat() by other modules. */
int store_dirfd(const struct store *s);

bool store_alias_is_valid(const char *alias);

int store_creds_put(struct store *s, const struct lk_creds *c);
/* -ENOENT if no such lock; -EBADMSG if its file is corrupt. */
int store_creds_get(struct store *s, const char *alias, struct lk_creds *ret);
int store_creds_remove(struct store *s, const char *alias);
/*
 * The file that keeps processes off a lock while one works with it: locks/<alias>.busy,
 * opened (created 0600) for flock() (agent.h). *ret is an O_CLOEXEC descriptor.
 */
int store_lock_file(struct store *s, const char *alias, int *ret);
/* Aliases in sorted order; *ret is a NULL-terminated array the caller frees with strv_free. */
int store_creds_list(struct store *s, char ***ret);
void strv_free(char **l);

void lk_creds_wipe(struct lk_creds *c);

/* Write data to dirfd/name atomically (tmp file, fsync, rename, fsync dir), mode 0600. */
int store_write_atomic(int dirfd, const char *name, const void *data, size_t n);
