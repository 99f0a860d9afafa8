/* saver.h: the state saver, a subscriber (see saver.c). */
#pragma once

#include "supervisor/supervisor.h"

int saver_start(Supervisor *s);
void saver_stop(Supervisor *s);
/* Write the state file now (start-up, shutdown). */
int saver_save_now(Supervisor *s);
