/*
 * option_values.c -- number-with-unit parsing for kflowd's options (see option_values.h).
 */
#include <ctype.h>
#include <string.h>

#include "collector/option_values.h"

/* Parses leading decimal digits into *value; *rest points after them.  False on no digits or
 * overflow. */
static bool
parse_digits(const char *text, uint64_t *value, const char **rest)
{
	uint64_t	v = 0;
	const char *p = text;

	for (; *p >= '0' && *p <= '9'; p++)
	{
		if (v > (UINT64_MAX - (uint64_t) (*p - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t) (*p - '0');
	}
	*value = v;
	*rest = p;
	return p != text;
}

/* Multiplies value by unit unless that overflows limit. */
static bool
scale(uint64_t value, uint64_t unit, uint64_t limit, uint64_t *out)
{
	if (value > limit / unit)
		return false;
	*out = value * unit;
	return true;
}

bool
kf_parse_duration(const char *text, int64_t *seconds)
{
	static const struct
	{
		char		suffix;
		uint64_t	seconds;
	}			units[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}, {'w', 604800}};
	uint64_t	value,
				unit = 1,
				result;
	const char *rest;

	if (!parse_digits(text, &value, &rest))
		return false;
	if (*rest != '\0')
	{
		size_t		i = 0;

		while (i < sizeof(units) / sizeof(units[0]) && units[i].suffix != *rest)
			i++;
		if (i == sizeof(units) / sizeof(units[0]) || rest[1] != '\0')
			return false;
		unit = units[i].seconds;
	}
	if (!scale(value, unit, INT64_MAX, &result))
		return false;
	*seconds = (int64_t) result;
	return true;
}

bool
kf_parse_size(const char *text, uint64_t *bytes)
{
	static const char units[] = "KMGT";
	uint64_t	value,
				unit = 1;
	const char *rest;

	if (!parse_digits(text, &value, &rest))
		return false;
	if (*rest != '\0')
	{
		const char *u = strchr(units, toupper((unsigned char) *rest));

		if (u == NULL || rest[1] != '\0')
			return false;
		for (const char *p = units; p <= u; p++)
			unit *= 1024;
	}
	return scale(value, unit, UINT64_MAX, bytes);
}

bool
kf_parse_count(const char *text, uint64_t max, uint64_t *value)
{
	const char *rest;

	return parse_digits(text, value, &rest) && *rest == '\0' && *value >= 1 && *value <= max;
}
