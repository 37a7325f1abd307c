/*
 * connector: the registry of forum connectors, one ops table per `type`.
 *
 * A live connector (discourse; the boards vbulletin, phpbb, xenforo and
 * mybb, one board.c for all, its engine chosen by type) is one more line
 * in `builtin`; config.c asks this table which types exist and
 * which config section each declares, so adding a connector touches no
 * other file. forum_connector_add() exists for tests, which register a
 * small connector of their own to exercise the config-section hook.
 */
#include <string.h>

#include "board_conn.h"
#include "discourse.h"
#include "forumgate/connector.h"
#include "spool_internal.h"

#define MAX_CONNECTORS 16

static const struct forum_connector_ops *builtin[] = {
	&spool_connector,       &discourse_connector,     &board_vbulletin_connector,
	&board_phpbb_connector, &board_xenforo_connector, &board_mybb_connector,
};

static const struct forum_connector_ops *table[MAX_CONNECTORS];
static const char *names[MAX_CONNECTORS + 1];
static size_t ntable;

static void table_init(void)
{
	if (ntable)
		return;
	for (size_t i = 0; i < sizeof builtin / sizeof *builtin; i++) {
		table[ntable] = builtin[i];
		names[ntable++] = builtin[i]->type;
	}
	names[ntable] = NULL;
}

const struct forum_connector_ops *forum_connector(const char *type)
{
	table_init();
	for (size_t i = 0; type && i < ntable; i++)
		if (strcmp(table[i]->type, type) == 0)
			return table[i];
	return NULL;
}

const char *const *forum_connector_types(void)
{
	table_init();
	return names;
}

int forum_connector_add(const struct forum_connector_ops *ops)
{
	table_init();
	for (size_t i = 0; i < ntable; i++) {
		if (strcmp(table[i]->type, ops->type) == 0) {
			table[i] = ops;
			names[i] = ops->type;
			return 0;
		}
	}
	if (ntable == MAX_CONNECTORS)
		return -1;
	table[ntable] = ops;
	names[ntable++] = ops->type;
	names[ntable] = NULL;
	return 0;
}
