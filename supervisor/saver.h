/* saver.h: the state saver, a subscriber (see saver.c). */
#pragma once

#include "supervisor/supervisor.h"

int saver_start(Supervisor *s);
void saver_stop(Supervisor *s);
/* Write the state file now (start-up, shutdown). */
int saver_save_now(Supervisor *s);
/* The last save's error (-errno), 0 when it worked; *ret_failures: failed
 * saves since the last that worked. */
int saver_error(const Supervisor *s, uint64_t *ret_failures);
