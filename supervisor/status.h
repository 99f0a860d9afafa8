/* status.h: the STATUS= line, a subscriber (see status.c). */
#pragma once

#include "supervisor/supervisor.h"

int status_line_start(Supervisor *s);
void status_line_stop(Supervisor *s);
/* Send STATUS= now (start-up). */
void status_line_update(Supervisor *s);
