/* state.h: what mailsupd must remember across its own restarts.
 *
 * A supervisor that forgets its restart history when it is killed would
 * restart a crash-looping service forever, and one that forgets a disabled
 * check would wake it up again. The state file holds, per check, the
 * policy's history and the last result. It is written atomically (temp
 * file, fsync, rename, fsync of the directory) after every change; a
 * corrupt or unreadable file is set aside (renamed) and reported, never
 * fatal. Format: an INI file read with inih, "[check NAME]" per check.
 * The directory must be mailsupd's own (owned by its user, writable by no
 * one else) and the file is opened on its fd without following links, so
 * another user cannot point mailsupd's writes elsewhere. Reasons are one
 * line of UTF-8; one that is not (saved by an older mailsupd) is repaired
 * on load, its bad bytes shown as "\xNN".
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
        StrMap index;                   /* name -> index into entries */
        unsigned repaired;              /* reasons that held bytes that are not UTF-8, now "\xNN" */
} StateFile;

/* DIR, created (0700) if missing, opened without following a link: an fd,
 * or -errno with why[] saying what is wrong. Refused (-EPERM): a directory
 * not owned by mailsupd's user, writable by anyone else, or below one that
 * others could swap (trust.h). */
int state_directory_open(const char *dir, char *why, size_t size);

/* Write all entries to DIR/state atomically; creates DIR (0700) if needed. */
int state_write(const char *dir, const StateEntry *entries, size_t n);
/* The file's text, as state_write() writes it. */
void state_format(FILE *f, const StateEntry *entries, size_t n);

/* Read DIR/state, never through a link. -ENOENT: no file (first start). On
 * a corrupt file (or one that is not a regular file): renames it to
 * "state.corrupt-<epoch>", returns -EBADMSG, and *problem says why
 * (malloc'd). A directory refused by state_directory_open(): its -errno,
 * and *problem says why. */
int state_read(const char *dir, StateFile *ret, char **problem);
/* The same over the file's text, without I/O (tests, fuzzers): -EBADMSG and
 * *problem for text that is not a state file. */
int state_parse(const char *text, size_t len, StateFile *ret, char **problem);

const StateEntry *state_file_find(const StateFile *f, const char *name);

/* Whether the file must learn b, saved as a: any saved field differs but
 * the latency (a measurement the next probe takes afresh), or the cycle
 * count moved while a restart of a still counts in its window (the window
 * moves with it). A cycle count that moves with no restart in the window
 * changes no decision: restored older, it only numbers later restarts. */
bool state_record_changed(const CheckRecord *a, const CheckRecord *b, unsigned window);
void state_file_done(StateFile *f);
