/*
 * session_impl.h -- internal: the session object's fields, shared by
 * session.c, session_expiry.c, session_record.c and middleware.c.
 */
#ifndef CSESS_SESSION_IMPL_H
#define CSESS_SESSION_IMPL_H

#include "csess/session.h"

enum cs_change_op {
	CHANGE_SET,
	CHANGE_DEL
};

/* This request's last change to one key, re-applied after a conflict. */
struct cs_change {
	char		*name;
	enum cs_change_op op;
	json_t		*value;		/* CHANGE_SET: own reference */
};

struct cs_session {
	struct cs_store		*store;		/* NULL: per-process store */
	const struct cs_config	*cfg;
	char			*key;		/* malloc'd; NULL when none */
	json_t			*data;		/* NULL until loaded or cleared */
	char			*user;		/* record owner, or NULL */
	uint64_t		 version;	/* of the stored record; 0 = none */
	int64_t			 stored_expire;	/* expire as loaded or saved */
	bool			 known;		/* version/stored_expire valid */
	bool			 accessed;
	bool			 modified;
	bool			 dirty;		/* changes not yet written */
	bool			 replaced;	/* clear(): our data wins whole */
	bool			 user_set;
	bool			 interrupted;	/* record vanished on save */
	bool			 written;	/* saved during this request */
	int			 err;		/* sticky lazy-load failure */
	struct cs_change	*changes;
	size_t			 nchanges;
};

/* session.c */
bool	 csi_session_key_acceptable(const struct cs_store *,
	    const struct cs_config *, const char *key);
/* Drop this request's change log (after a write, or when data is replaced). */
void	 csi_session_log_reset(struct cs_session *);
void	 csi_session_forget_key(struct cs_session *);
int	 csi_session_fetch(struct cs_session *, json_t **obj);
int	 csi_session_replay(struct cs_session *, json_t *obj);
int	 csi_session_store_of(struct cs_session *, struct cs_store **);
json_t	*csi_session_data(struct cs_session *);
/* Write only when something is unsaved; with touch, an unchanged session
 * moves its expiry at most once per SESSION_TOUCH_INTERVAL. */
int	 csi_session_persist(struct cs_session *, bool every_request);

/* session_expiry.c */
int	 csi_session_expiry_parse(const json_t *, int64_t *seconds,
	    bool *absolute);
int	 csi_iso8601_format(char *out, size_t outlen, int64_t t);
int	 csi_iso8601_parse(const char *s, int64_t *t);
int64_t	 csi_session_expire_for_store(struct cs_session *, int64_t now);

#endif
