/* SPDX-License-Identifier: MIT */
/*
 * The outbox: events for the upstream, kept in state.db until the upstream has acknowledged
 * them (issue 6). Durable before the function returns (SQLite, synchronous=FULL), so an event
 * survives power loss the moment it is added. Each event carries a unique id (random, 128 bits,
 * hex) that the upstream dedupes on, so a retried push is harmless.
 *
 * Event types: docs/openapi.yaml declares every type and its payload (components/schemas/Event),
 * and tests/daemon/test-contract.c checks what the agent really sends against it. Payloads never
 * carry a keypad code, except code.issued (a drawn code the PMS must tell the guest): such
 * members are named in outbox.c's secret_members and masked by outbox_payload_mask() wherever a
 * payload is shown (`latchkey outbox list`); only the upstream, over TLS, gets them.
 */
#pragma once

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"

#define OUTBOX_ID_SIZE 32 /* hex characters */

/* Create the outbox table if needed. Called by db users before the first add. */
int outbox_init(struct db *db);
/*
 * Add an event: type, the lock alias (may be NULL), and a JSON object payload (not consumed).
 * The event's id is returned in ret_id (OUTBOX_ID_SIZE + 1 bytes) when not NULL.
 */
int outbox_add(struct db *db, const char *type, const char *lock, const cJSON *payload, char *ret_id);
/* Many adds with one prepared statement (an import queues one event per drawn code). */
struct outbox_writer;
int outbox_writer_new(struct db *db, struct outbox_writer **ret);
int outbox_writer_add(struct outbox_writer *w, const char *type, const char *lock, const cJSON *payload, char *ret_id);
struct outbox_writer *outbox_writer_free(struct outbox_writer *w);
/* Replace the keypad code members of a payload by "(hidden)" (wiping the value first). */
void outbox_payload_mask(cJSON *payload);

/* Events not yet acknowledged. */
int outbox_pending(struct db *db, unsigned *ret);

/* ---- Delivery side (src/upstream/sync.c, `latchkey outbox list`) ------------------------- */

#define OUTBOX_TYPE_MAX 63        /* [a-z][a-z0-9._-]* */
#define OUTBOX_PAYLOAD_MAX 65536  /* bytes of JSON per event; larger is refused with -EMSGSIZE */
#define OUTBOX_REASON_MAX 255

enum outbox_state {
        OUTBOX_PENDING = 0,  /* not yet acknowledged; will be sent */
        OUTBOX_ACKED = 1,    /* the upstream accepted it (or already had it) */
        OUTBOX_REJECTED = 2, /* the upstream refused it for good (4xx); kept with the reason */
};

struct outbox_event {
        int64_t seq;                        /* insertion order: "oldest first" */
        char id[OUTBOX_ID_SIZE + 1];
        char type[OUTBOX_TYPE_MAX + 1];
        char lock[64];                      /* "" when none */
        char *payload;                      /* JSON text, owned */
        int64_t created_at;                 /* UTC seconds */
        unsigned attempts;                  /* pushes tried so far */
        int64_t next_attempt_at;            /* UTC seconds; 0 = as soon as possible */
        enum outbox_state state;
        int64_t done_at;                    /* acked or rejected at, 0 when pending */
        char reason[OUTBOX_REASON_MAX + 1]; /* the last error or the rejection reason */
};

/*
 * Up to max events in state, oldest first (by insertion). For OUTBOX_PENDING only those due at
 * `now` (next_attempt_at <= now), or all when now < 0. The caller frees with outbox_events_free.
 */
int outbox_list(struct db *db, enum outbox_state state, int64_t now, size_t max, struct outbox_event **ret,
                size_t *ret_n);
void outbox_events_free(struct outbox_event *ev, size_t n);
/* Count of events in a state. */
int outbox_count(struct db *db, enum outbox_state state, unsigned *ret);

/* Mark pending events acked / rejected (with a reason) in one transaction. Ids not pending are
 * skipped. Returns the number of events changed. */
int outbox_mark_acked(struct db *db, const char *const *ids, size_t n, int64_t now);
int outbox_mark_rejected(struct db *db, const char *const *ids, size_t n, const char *reason, int64_t now);
/* A failed attempt: attempts += 1, next_attempt_at and the error kept, in one transaction. */
int outbox_mark_attempt(struct db *db, const char *const *ids, size_t n, int64_t next_attempt_at,
                        const char *error);
/* Delete acked and rejected events finished before `before` (UTC seconds). Returns the count. */
int outbox_prune(struct db *db, int64_t before);
