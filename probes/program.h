/* program.h: the pure part of the "program" probe: its command line.
 *
 * "command" is split on whitespace, no shell: "double" or 'single' quotes
 * keep spaces in one argument (no escapes, no expansion), so a check can run
 * /usr/sbin/postqueue -p but never a pipeline.
 *
 * See also: program.c, tests/test-program.c.
 */
#pragma once

#include <stddef.h>

#define PROGRAM_OUTPUT_MAX 4096U        /* bytes of output kept for the reason */
#define PROGRAM_ARGS_MAX 64U

/* 0 and a NULL-terminated argv; -EINVAL for an empty command or an
 * unterminated quote, -E2BIG for more than PROGRAM_ARGS_MAX arguments. */
int program_argv_parse(const char *s, char ***ret);
char **program_argv_free(char **argv);

/* The output as one line for a reason: line ends and tabs become spaces,
 * runs of spaces one, other control bytes '?', cut to size-1 bytes. */
void program_output_line(char *dst, size_t size, const char *out, size_t len);
