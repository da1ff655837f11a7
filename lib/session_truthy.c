/*
 * session_truthy.c -- request.session.get(key, False) in one call, with
 * Python's truthiness of the JSON value Django would have decoded.
 */
#include <jansson.h>

#include "csess/session.h"

bool
cs_json_truthy(const json_t *v)
{
	if (v == NULL)
		return false;
	switch (json_typeof(v)) {
	case JSON_TRUE:
		return true;
	case JSON_INTEGER:
		return json_integer_value(v) != 0;
	case JSON_REAL:
		return json_real_value(v) != 0.0;
	case JSON_STRING:
		return json_string_length(v) != 0;
	case JSON_ARRAY:
		return json_array_size(v) != 0;
	case JSON_OBJECT:
		return json_object_size(v) != 0;
	default:	/* false, null */
		return false;
	}
}

bool
cs_session_truthy(struct cs_session *s, const char *key)
{
	if (s == NULL || key == NULL)
		return false;
	return cs_json_truthy(cs_session_get_default(s, key, NULL));
}
