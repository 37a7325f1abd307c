/*
 * bounce_score: the per-address bounce policy of list delivery, as a pure
 * function of a small state and one event (gateway/mail/bounce_score.c).
 * listd keeps the state in the store, one row per address, and calls
 * bounce_score_event() for each bounce the intake records and each
 * delivery the smarthost accepts.
 *
 * The model is Mailman 3's, with a decay for soft bounces:
 *  - A hard bounce (5.x.x, unknown user) adds `hard` (1.0) to the score,
 *    a soft one (4.x.x, mailbox full, over quota) adds `soft` (0.5).
 *  - At most one bounce counts per `min_interval` (one day): a post burst
 *    during one outage must not suspend an address that works tomorrow.
 *    A hard bounce after a counted soft one in the same interval raises
 *    that day's count to a hard one instead of being ignored.
 *  - The soft part of the score halves every `soft_half_life` seconds
 *    (7 days), so a mailbox that was full for a few days recovers; the
 *    hard part does not decay (an address that does not exist stays so).
 *  - Bounce information older than `stale_after` (7 days, Mailman's
 *    bounce_info_stale_after) is forgotten: the next event starts from 0.
 *  - When the score reaches `threshold` (5.0) delivery is suspended, and
 *    exactly that transition asks for the one notice to the user. It stays
 *    suspended until the caller clears the state (bounce_score_reset), when
 *    the user re-enables delivery; events do not lift it.
 *  - A delivery the smarthost accepted proves little (the bounce may come
 *    later), so it only applies decay and staleness, never clears bounces.
 * Times are seconds since the epoch; a clock that went backwards counts as
 * no time elapsed.
 */
#ifndef FORUMGATE_BOUNCE_SCORE_H
#define FORUMGATE_BOUNCE_SCORE_H

#include <stdint.h>

struct bounce_policy {
	double threshold;       /* suspend when the score reaches it: 5.0 */
	double hard;            /* a counted hard bounce: 1.0 */
	double soft;            /* a counted soft bounce: 0.5 */
	int64_t soft_half_life; /* seconds for the soft part to halve: 7 days; 0 = no decay */
	int64_t stale_after;    /* seconds after which bounce info is reset: 7 days; 0 = never */
	int64_t min_interval;   /* one counted bounce per this many seconds: 1 day; 0 = all count */
};

/* The defaults above. */
/* clang-format off */
#define BOUNCE_POLICY_DEFAULT {5.0, 1.0, 0.5, 7 * 86400, 7 * 86400, 86400}
/* clang-format on */

/* Per address. All zero (BOUNCE_STATE_INIT) is a clean address. */
struct bounce_state {
	double soft;          /* soft part of the score, decayed to `updated` */
	unsigned hard_count;  /* hard bounces counted since the last reset */
	int64_t last_bounce;  /* time of the last counted bounce; 0 = none */
	int64_t updated;      /* time `soft` was last decayed to; 0 = never */
	int last_was_hard;    /* the last counted bounce was hard */
	int suspended;        /* delivery suspended */
	int64_t suspended_at; /* when it was suspended; 0 = not */
};

/* clang-format off */
#define BOUNCE_STATE_INIT {0, 0, 0, 0, 0, 0, 0}
/* clang-format on */

enum bounce_event { BOUNCE_HARD, BOUNCE_SOFT, BOUNCE_DELIVERED };

struct bounce_verdict {
	int counted;     /* this bounce changed the score (0 for deliveries) */
	int suspended;   /* delivery is now suspended */
	int send_notice; /* suspended by this very event: send the one notice */
	double score;    /* the score after the event */
};

/* Applies event ev at time t to *s under policy p (NULL = the defaults);
 * fills *v when v is not NULL. Never fails. */
void bounce_score_event(const struct bounce_policy *p, struct bounce_state *s, enum bounce_event ev,
			int64_t t, struct bounce_verdict *v);

/* The score of s at time t (decay and staleness applied, s unchanged), for
 * `forumgate subscribers --bounces`. */
double bounce_score_at(const struct bounce_policy *p, const struct bounce_state *s, int64_t t);

/* Back to a clean address (the user re-enabled delivery). */
void bounce_score_reset(struct bounce_state *s);

#endif
