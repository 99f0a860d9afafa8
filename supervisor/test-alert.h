/* test-alert.h: `mailsupctl test-alert`: one real notification through
 * every channel, and each channel's answer (see test-alert.c). */
#pragma once

#include <systemd/sd-bus.h>

#include "supervisor/supervisor.h"

typedef struct TestAlert TestAlert;

/* Answers call (TestAlert) when every channel answered or a deadline
 * passed; at once with an empty list when there is no channel. */
int test_alert_start(Supervisor *s, sd_bus_message *call, sd_bus_error *error);
TestAlert *test_alert_free(TestAlert *t);
