/*
 * test_answer — `cairnctl test-answer NAME TYPE [--vpc NAME | --client IP] [--json]`:
 * the answer a client in that view would get, with the rule or zone that decided it and why
 * (Route 53's TestDNSAnswer, extended to private zones).
 *
 * The question goes through the same path as a client's (lib/respond, the message cache,
 * the mesh), so what it prints is what a client sees. A zone answer is ready at once and
 * does no network I/O; a rule's answer may wait for a resolution.
 */
#ifndef CAIRN_DAEMON_TEST_ANSWER_H
#define CAIRN_DAEMON_TEST_ANSWER_H

#include <stddef.h>

#include "control.h"

struct worker;
struct test_answer;

/* The reply text for the control client ("ok\n" + body, or "error: ...\n"). */
typedef void (*test_answer_done)(void *ctx, const char *reply, size_t len);

/* Start answering req. done is called exactly once — possibly before this returns — unless
 * test_answer_cancel() comes first. Returns the pending handle, or NULL once done was
 * called. */
struct test_answer *test_answer_start(struct worker *w, const struct control_request *req,
				      test_answer_done done, void *ctx);

/* The control client went away: done will not be called. */
void test_answer_cancel(struct test_answer *t);

#endif
