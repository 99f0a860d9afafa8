/* postfix-queue-parse.h: the arrival time of a Postfix queue file.
 *
 * Postfix sets a deferred message's mtime to its next retry time, so the
 * file's age says nothing about how long the message has waited. The queue
 * file itself records when the message arrived: a 'T' (time) record, "SECS
 * USECS" in decimal, written by cleanup (or by sendmail into maildrop)
 * among the first records. A record is one type byte, its length in 7-bit
 * groups, low group first (0x80 = more follows), then that many bytes
 * (Postfix src/global/record.c).
 *
 * See also: postfix-queue.c, queue-walk.c (which reads the first bytes).
 */
#pragma once

#include "common/util.h"

/* How much of a queue file's head we read: the 'C' size record (~100 bytes)
 * and the 'T' record that follows it fit with room to spare. */
#define POSTFIX_QUEUE_HEAD_MAX 512U

/* Finds the 'T' record in buf[0, len), the head of a queue file. Returns 1
 * and the arrival (CLOCK_REALTIME) in *ret; 0 when no 'T' record is within
 * those bytes (a file still being written, or a head cut short); -EBADMSG
 * for bytes that are not queue file records, or a 'T' that is not a time. */
int postfix_queue_arrival(const void *buf, size_t len, usec_t *ret);
