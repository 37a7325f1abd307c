/*
 * Tests for gateway/mail/bounce_score.c: hard bounces suspend at the
 * threshold with one notice, one bounce counts per day, soft scores decay,
 * stale information is forgotten, deliveries never clear bounces, and a
 * suspension holds until reset.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "forumgate/bounce_score.h"

#define DAY 86400
#define T0 1700000000

static void test_hard_suspends_once(void **state)
{
	struct bounce_state s = BOUNCE_STATE_INIT;
	struct bounce_verdict v;
	int notices = 0;

	for (int d = 0; d < 4; d++) {
		bounce_score_event(NULL, &s, BOUNCE_HARD, T0 + d * DAY, &v);
		assert_true(v.counted);
		assert_false(v.suspended);
	}
	bounce_score_event(NULL, &s, BOUNCE_HARD, T0 + 4 * DAY, &v);
	assert_true(v.suspended);
	assert_true(v.send_notice);
	assert_true(v.score >= 5.0 - 1e-9);
	assert_int_equal(s.suspended_at, T0 + 4 * DAY);
	/* later bounces keep it suspended and send no second notice */
	for (int d = 5; d < 9; d++) {
		bounce_score_event(NULL, &s, BOUNCE_HARD, T0 + d * DAY, &v);
		notices += v.send_notice;
		assert_true(v.suspended);
	}
	assert_int_equal(notices, 0);
	/* deliveries do not lift it, time does not either */
	bounce_score_event(NULL, &s, BOUNCE_DELIVERED, T0 + 60 * DAY, &v);
	assert_true(v.suspended);
	assert_false(v.send_notice);
	bounce_score_reset(&s);
	bounce_score_event(NULL, &s, BOUNCE_DELIVERED, T0 + 61 * DAY, &v);
	assert_false(v.suspended);
	assert_true(v.score == 0);
}

static void test_one_per_day(void **state)
{
	struct bounce_state s = BOUNCE_STATE_INIT;
	struct bounce_verdict v;

	/* fifty posts bounce during one outage: one counts */
	for (int i = 0; i < 50; i++)
		bounce_score_event(NULL, &s, BOUNCE_HARD, T0 + i * 60, &v);
	assert_false(v.suspended);
	assert_int_equal(s.hard_count, 1);
	assert_false(v.counted);

	/* a soft bounce, then a hard one the same day: the day counts hard */
	struct bounce_state t = BOUNCE_STATE_INIT;
	bounce_score_event(NULL, &t, BOUNCE_SOFT, T0, &v);
	assert_true(v.counted);
	assert_true(v.score > 0.49 && v.score < 0.51);
	bounce_score_event(NULL, &t, BOUNCE_HARD, T0 + 3600, &v);
	assert_true(v.counted);
	assert_int_equal(t.hard_count, 1);
	assert_true(v.score > 0.99 && v.score < 1.01);
	bounce_score_event(NULL, &t, BOUNCE_SOFT, T0 + 7200, &v);
	assert_false(v.counted);

	/* min_interval 0: every bounce counts */
	struct bounce_policy p = BOUNCE_POLICY_DEFAULT;
	p.min_interval = 0;
	struct bounce_state u = BOUNCE_STATE_INIT;
	for (int i = 0; i < 5; i++)
		bounce_score_event(&p, &u, BOUNCE_HARD, T0 + i, &v);
	assert_true(v.suspended);
	assert_true(v.send_notice);
}

static void test_soft_decay(void **state)
{
	struct bounce_policy p = BOUNCE_POLICY_DEFAULT;
	struct bounce_state s = BOUNCE_STATE_INIT;
	struct bounce_verdict v;

	bounce_score_event(&p, &s, BOUNCE_SOFT, T0, &v);
	bounce_score_event(&p, &s, BOUNCE_SOFT, T0 + DAY, &v);
	double at1 = v.score;
	/* a week later (not stale: 6 days after the last bounce) */
	double later = bounce_score_at(&p, &s, T0 + 7 * DAY);
	assert_true(later < at1);
	/* only the soft part decays, 2^(-6/7) over six days */
	assert_true(later > at1 * 0.55 && later < at1 * 0.56);
	/* hard bounces do not decay */
	struct bounce_state h = BOUNCE_STATE_INIT;
	bounce_score_event(&p, &h, BOUNCE_HARD, T0, &v);
	assert_true(bounce_score_at(&p, &h, T0 + 6 * DAY) == 1.0);

	/* a mailbox full every day for weeks is suspended in the end; two
	 * bounces a week never are */
	struct bounce_state daily = BOUNCE_STATE_INIT, weekly = BOUNCE_STATE_INIT;
	int suspended_day = -1;
	for (int d = 0; d < 120; d++) {
		bounce_score_event(&p, &daily, BOUNCE_SOFT, T0 + d * DAY, &v);
		if (v.send_notice)
			suspended_day = d;
	}
	assert_true(suspended_day > 10 && suspended_day < 60);
	for (int d = 0; d < 365; d += 3) {
		bounce_score_event(&p, &weekly, BOUNCE_SOFT, T0 + d * DAY, &v);
		assert_false(v.suspended);
	}
}

static void test_stale(void **state)
{
	struct bounce_state s = BOUNCE_STATE_INIT;
	struct bounce_verdict v;

	for (int d = 0; d < 4; d++)
		bounce_score_event(NULL, &s, BOUNCE_HARD, T0 + d * DAY, &v);
	assert_true(v.score > 3.99);
	assert_true(bounce_score_at(NULL, &s, T0 + 3 * DAY + 7 * DAY) > 3.99);
	assert_true(bounce_score_at(NULL, &s, T0 + 3 * DAY + 8 * DAY) == 0);
	/* a bounce after the stale gap starts again from one */
	bounce_score_event(NULL, &s, BOUNCE_HARD, T0 + 12 * DAY, &v);
	assert_true(v.score > 0.99 && v.score < 1.01);
	assert_false(v.suspended);
	/* a delivery after the gap forgets too */
	bounce_score_event(NULL, &s, BOUNCE_DELIVERED, T0 + 30 * DAY, &v);
	assert_true(v.score == 0);
	assert_int_equal(s.hard_count, 0);
	/* a clock that goes backwards is no time elapsed */
	struct bounce_state b = BOUNCE_STATE_INIT;
	bounce_score_event(NULL, &b, BOUNCE_SOFT, T0, &v);
	bounce_score_event(NULL, &b, BOUNCE_HARD, T0 - DAY, &v);
	assert_true(v.score > 0.99 && v.score < 1.01);
	assert_false(v.suspended);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hard_suspends_once),
		cmocka_unit_test(test_one_per_day),
		cmocka_unit_test(test_soft_decay),
		cmocka_unit_test(test_stale),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
