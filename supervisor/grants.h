/* grants.h: what the unprivileged mailsupd would lack, said at --check-config.
 *
 * See grants.c.
 */
#pragma once

#include <stdio.h>

#include "supervisor/config.h"

/* Prints one "warning:" line per missing grant to out and returns how many
 * there are (0: none), or -errno when the checks could not be made. */
int grants_report(const Config *c, FILE *out);
