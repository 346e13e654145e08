/* SPDX-License-Identifier: MIT */
/*
 * latchkey: the pure Nuki BLE protocol, both roles (client and lock). Umbrella header.
 * Bytes in, bytes out: no I/O, no clock, no randomness except through struct lk_env.
 * Reference: ../shared/spec/nuki-ble.md ("spec §N" throughout).
 */
#pragma once

#include "latchkey/wire.h"
#include "latchkey/frame.h"
#include "latchkey/crypto.h"
#include "latchkey/commands.h"
#include "latchkey/keypad.h"
#include "latchkey/gatt.h"
#include "latchkey/names.h"
#include "latchkey/opener.h"
#include "latchkey/pairing.h"
#include "latchkey/zone.h"
