/*
 * board_conn: the live board connector's ops (board.c), one table per
 * engine type, for the registry (connector.c). Private to gateway/forum/.
 */
#ifndef FORUMGATE_FORUM_BOARD_CONN_H
#define FORUMGATE_FORUM_BOARD_CONN_H

#include "forumgate/connector.h"

extern const struct forum_connector_ops board_vbulletin_connector, board_phpbb_connector,
	board_xenforo_connector, board_mybb_connector;

#endif
