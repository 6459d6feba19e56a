/*-------------------------------------------------------------------------
 *
 * options.c
 *		  Validation and lookup of kentik_fdw's options.
 *
 * A server has data_dir (the kflowd data directory, an absolute path).  Because it lets the
 * server read any directory, only superusers and members of pg_read_server_files may set it,
 * as file_fdw does for its filename.  A foreign table may have device_id (a positive integer);
 * without it the table reads every device.  A foreign table's table option says what it reads:
 * 'flows' (the default) or 'interface_counters' (the sFlow interface counters, counters_scan.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fdw/kentik_fdw.h"

#include "access/reloptions.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_foreign_table.h"
#include "commands/defrem.h"
#include "foreign/foreign.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"

/* An option and the catalog (object kind) it belongs to. */
typedef struct KfOption
{
	const char *name;
	Oid			context;
} KfOption;

static const KfOption valid_options[] = {
	{"data_dir", ForeignServerRelationId},
	{"device_id", ForeignTableRelationId},
	{"table", ForeignTableRelationId},
	{NULL, InvalidOid}
};

PG_FUNCTION_INFO_V1(kentik_fdw_validator);

/* valid_options_hint lists the options valid for catalog, for an error hint. */
static char *
valid_options_hint(Oid catalog)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (const KfOption *opt = valid_options; opt->name != NULL; opt++)
	{
		if (opt->context != catalog)
			continue;
		appendStringInfo(&buf, "%s%s", buf.len > 0 ? ", " : "", opt->name);
	}
	return buf.data;
}

static bool
is_valid_option(const char *name, Oid catalog)
{
	for (const KfOption *opt = valid_options; opt->name != NULL; opt++)
	{
		if (opt->context == catalog && strcmp(opt->name, name) == 0)
			return true;
	}
	return false;
}

/* validate_data_dir checks who sets data_dir and that it is absolute. */
static void
validate_data_dir(const char *value)
{
	if (!superuser() && !has_privs_of_role(GetUserId(), ROLE_PG_READ_SERVER_FILES))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to set option \"data_dir\""),
				 errdetail("Only superusers and members of pg_read_server_files may set the data directory.")));
	if (!is_absolute_path(value))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("option \"data_dir\" must be an absolute path"),
				 errdetail("The value was \"%s\".", value)));
}

/*
 * kf_parse_device_id parses a device_id option value: a decimal integer between 1 and 2^32-1.
 */
uint32
kf_parse_device_id(const char *value)
{
	char	   *end;
	unsigned long long parsed;

	errno = 0;
	parsed = strtoull(value, &end, 10);
	if (errno != 0 || end == value || *end != '\0' || value[0] == '-' || value[0] == '+' ||
		parsed == 0 || parsed > PG_UINT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("option \"device_id\" must be a positive integer"),
				 errdetail("The value was \"%s\".", value)));
	return (uint32) parsed;
}

/* kf_parse_table_kind parses a table option value: "flows" or "interface_counters". */
KfTableKind
kf_parse_table_kind(const char *value)
{
	if (strcmp(value, "flows") == 0)
		return KF_TABLE_FLOWS;
	if (strcmp(value, "interface_counters") == 0)
		return KF_TABLE_INTERFACE_COUNTERS;
	ereport(ERROR,
			(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
			 errmsg("option \"table\" must be \"flows\" or \"interface_counters\""),
			 errdetail("The value was \"%s\".", value)));
	return KF_TABLE_FLOWS;		/* keep the compiler quiet */
}

/*
 * kentik_fdw_validator checks the options of a CREATE/ALTER on the wrapper, a server, a user
 * mapping or a foreign table.
 */
Datum
kentik_fdw_validator(PG_FUNCTION_ARGS)
{
	List	   *options = untransformRelOptions(PG_GETARG_DATUM(0));
	Oid			catalog = PG_GETARG_OID(1);
	ListCell   *cell;

	foreach(cell, options)
	{
		DefElem    *def = (DefElem *) lfirst(cell);

		if (!is_valid_option(def->defname, catalog))
		{
			char	   *hint = valid_options_hint(catalog);

			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
					 errmsg("invalid option \"%s\"", def->defname),
					 hint[0] != '\0'
					 ? errhint("Valid options in this context are: %s", hint)
					 : errhint("There are no valid options in this context.")));
		}
		if (strcmp(def->defname, "data_dir") == 0)
			validate_data_dir(defGetString(def));
		else if (strcmp(def->defname, "device_id") == 0)
			(void) kf_parse_device_id(defGetString(def));
		else if (strcmp(def->defname, "table") == 0)
			(void) kf_parse_table_kind(defGetString(def));
	}
	PG_RETURN_VOID();
}

/* kf_get_server_data_dir returns the server's data_dir, or raises an error when it has none. */
char *
kf_get_server_data_dir(Oid serverid)
{
	ForeignServer *server = GetForeignServer(serverid);
	ListCell   *cell;

	foreach(cell, server->options)
	{
		DefElem    *def = (DefElem *) lfirst(cell);

		if (strcmp(def->defname, "data_dir") == 0)
			return defGetString(def);
	}
	ereport(ERROR,
			(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
			 errmsg("server \"%s\" has no data_dir option", server->servername),
			 errhint("Set it with ALTER SERVER %s OPTIONS (ADD data_dir '/path/to/kflowd/data').",
					 quote_identifier(server->servername))));
	return NULL;				/* keep the compiler quiet */
}

/* kf_get_table_options collects the options that apply to a foreign table. */
void
kf_get_table_options(Oid foreigntableid, KfTableOptions *opts)
{
	ForeignTable *table = GetForeignTable(foreigntableid);
	ListCell   *cell;

	opts->table = KF_TABLE_FLOWS;
	opts->data_dir = kf_get_server_data_dir(table->serverid);
	opts->device_id = 0;
	foreach(cell, table->options)
	{
		DefElem    *def = (DefElem *) lfirst(cell);

		if (strcmp(def->defname, "device_id") == 0)
			opts->device_id = kf_parse_device_id(defGetString(def));
		else if (strcmp(def->defname, "table") == 0)
			opts->table = kf_parse_table_kind(defGetString(def));
	}
}
