/* state.h: what mailsupd must remember across its own restarts.
 *
 * A supervisor that forgets its restart history when it is killed would
 * restart a crash-looping service forever, and one that forgets a disabled
 * check would wake it up again. The state file holds, per check, the
 * policy's history and the last result. It is written atomically (temp
 * file, fsync, rename, fsync of the directory) after every change; a
 * corrupt or unreadable file is set aside (renamed) and reported, never
 * fatal. Format: an INI file read with inih, "[check NAME]" per check.
 *
 * See also: policy.h (PolicyState), supervisor.c.
 */
#pragma once

#include "common/strmap.h"
#include "supervisor/policy.h"

#define STATE_FILE_NAME "state"
#define STATE_REASON_MAX 160
#define STATE_FILE_MAX (4U * 1024U * 1024U)     /* a file larger than this is corrupt */

typedef struct CheckRecord {
        PolicyState policy;
        bool has_result;
        bool ok;
        char reason[STATE_REASON_MAX];
        usec_t latency;
        usec_t last_change;             /* CLOCK_REALTIME of the last ok<->failed flip */
        unsigned consecutive_failures;
} CheckRecord;

typedef struct StateEntry {
        char *name;
        CheckRecord record;
} StateEntry;

typedef struct StateFile {
        StateEntry *entries;
        size_t n;
        StrMap index;           /* name -> index into entries */
} StateFile;

/* Write all entries to DIR/state atomically; creates DIR (0700) if needed. */
int state_write(const char *dir, const StateEntry *entries, size_t n);
/* The file's text, as state_write() writes it. */
void state_format(FILE *f, const StateEntry *entries, size_t n);

/* Read DIR/state. -ENOENT: no file (first start). On a corrupt file: renames
 * it to "state.corrupt-<epoch>", returns -EBADMSG, and *problem says why
 * (malloc'd). */
int state_read(const char *dir, StateFile *ret, char **problem);
/* The same over the file's text, without I/O (tests, fuzzers): -EBADMSG and
 * *problem for text that is not a state file. */
int state_parse(const char *text, size_t len, StateFile *ret, char **problem);

const StateEntry *state_file_find(const StateFile *f, const char *name);
void state_file_done(StateFile *f);
