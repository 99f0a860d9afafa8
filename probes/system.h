/* system.h: the pure parts of the "system" probe: /proc files as text.
 *
 * See also: system.c, tests/test-system.c.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* MemTotal and MemAvailable in kB from /proc/meminfo text; -ENOENT when
 * either is missing (kernels before 3.14 have no MemAvailable). */
int system_meminfo_parse(const char *buf, size_t len, uint64_t *ret_total, uint64_t *ret_available);

/* The 5-minute average, the second field of /proc/loadavg; -EBADMSG. */
int system_loadavg_parse(const char *buf, size_t len, double *ret);
