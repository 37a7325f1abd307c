/*
 * bounce_score: the per-address bounce policy (see
 * include/forumgate/bounce_score.h for the rules and their reasons).
 *
 * The soft part is stored already decayed to `updated`, so an event costs
 * one pow() and the state stays a handful of columns; the hard part is a
 * count, so it never drifts with floating point.
 */
#include "forumgate/bounce_score.h"

#include <math.h>
#include <string.h>

static const struct bounce_policy defaults = BOUNCE_POLICY_DEFAULT;

static double decay(const struct bounce_policy *p, double soft, int64_t from, int64_t to)
{
	if (p->soft_half_life <= 0 || to <= from || soft == 0)
		return soft;
	return soft * pow(0.5, (double)(to - from) / (double)p->soft_half_life);
}

static int stale(const struct bounce_policy *p, const struct bounce_state *s, int64_t t)
{
	return p->stale_after > 0 && s->last_bounce != 0 && t > s->last_bounce &&
	       t - s->last_bounce > p->stale_after;
}

static double total(const struct bounce_policy *p, double soft, unsigned hard_count)
{
	return soft + p->hard * (double)hard_count;
}

double bounce_score_at(const struct bounce_policy *p, const struct bounce_state *s, int64_t t)
{
	if (p == NULL)
		p = &defaults;
	if (stale(p, s, t))
		return 0;
	return total(p, decay(p, s->soft, s->updated, t), s->hard_count);
}

void bounce_score_reset(struct bounce_state *s)
{
	memset(s, 0, sizeof *s);
}

void bounce_score_event(const struct bounce_policy *p, struct bounce_state *s, enum bounce_event ev,
			int64_t t, struct bounce_verdict *v)
{
	int counted = 0, notice = 0;

	if (p == NULL)
		p = &defaults;
	if (stale(p, s, t)) {
		/* forgotten, but a suspension stands until the user lifts it */
		s->soft = 0;
		s->hard_count = 0;
		s->last_bounce = 0;
		s->last_was_hard = 0;
	}
	s->soft = decay(p, s->soft, s->updated, t);
	if (t > s->updated)
		s->updated = t;

	if (ev != BOUNCE_DELIVERED) {
		int hard = ev == BOUNCE_HARD;
		int64_t since = t > s->last_bounce ? t - s->last_bounce : 0;

		if (s->last_bounce == 0 || p->min_interval <= 0 || since >= p->min_interval) {
			if (hard)
				s->hard_count++;
			else
				s->soft += p->soft;
			s->last_bounce = t;
			s->last_was_hard = hard;
			counted = 1;
		} else if (hard && !s->last_was_hard) {
			/* the day's count was soft: make it a hard one (the soft
			 * amount added then has decayed since, by the same factor) */
			s->soft -= decay(p, p->soft, s->last_bounce, t);
			if (s->soft < 1e-9)
				s->soft = 0;
			s->hard_count++;
			s->last_was_hard = 1;
			counted = 1;
		}
	}

	double score = total(p, s->soft, s->hard_count);
	/* an epsilon: a sum of decayed soft amounts lands just below a round threshold */
	if (!s->suspended && score + 1e-9 >= p->threshold && counted) {
		s->suspended = 1;
		s->suspended_at = t;
		notice = 1;
	}
	if (v != NULL) {
		v->counted = counted;
		v->suspended = s->suspended;
		v->send_notice = notice;
		v->score = score;
	}
}
