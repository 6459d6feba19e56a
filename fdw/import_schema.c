/*-------------------------------------------------------------------------
 *
 * import_schema.c
 *		  IMPORT FOREIGN SCHEMA kentik: creates all_devices, interface_counters and one table
 *		  per device.
 *
 * The only remote schema is "kentik".  Devices come from DIR/devices (kf_devices_load); each
 * gets a table named after it with OPTIONS (device_id 'N'), and all_devices reads every device.
 * All tables have the same columns.  kentik_time is qualified with the extension's schema so the
 * tables work whatever the search_path.
 *
 * Importing again after devices were added or renamed creates the missing tables: the commands
 * are CREATE FOREIGN TABLE IF NOT EXISTS, so existing tables (however the operator changed them)
 * are left alone with a notice.  A renamed device gets a table under its new name; the table
 * under its old name still reads the same device_id until the operator drops it.
 *
 * interface_counters (OPTIONS (table 'interface_counters'), counters_scan.c) reads the sFlow
 * interface counters of every device, with its own columns; a device named all_devices or
 * interface_counters gets no table of its own (the name is taken).
 *
 * Every flow table ends with Kentik's dialect columns (i_protocol_name, inet_family, i_duration,
 * i_fast_dataset); OPTIONS (dialect_columns 'false') leaves them out, for a column list that
 * matches an older import or a table of the stored columns only.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fdw/kentik_fdw.h"

#include "commands/defrem.h"
#include "foreign/foreign.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

/* The columns of every imported table, in order; NULL type = kentik_time. */
typedef struct KfImportColumn
{
	const char *name;
	const char *type;
} KfImportColumn;

static const KfImportColumn table_columns[] = {
	{"ctimestamp", NULL},
	{"i_start_time", "timestamptz"},
	{"i_device_id", "integer"},
	{"i_device_name", "text"},
	{"inet_src_addr", "inet"},
	{"inet_dst_addr", "inet"},
	{"ipv4_src_addr", "inet"},
	{"ipv4_dst_addr", "inet"},
	{"l4_src_port", "integer"},
	{"l4_dst_port", "integer"},
	{"protocol", "integer"},
	{"tcp_flags", "integer"},
	{"tos", "integer"},
	{"in_bytes", "bigint"},
	{"in_pkts", "bigint"},
	{"out_bytes", "bigint"},
	{"out_pkts", "bigint"},
	{"both_bytes", "bigint"},
	{"both_pkts", "bigint"},
	{"input_port", "integer"},
	{"output_port", "integer"},
	{"src_as", "bigint"},
	{"dst_as", "bigint"},
	{"ipv4_next_hop", "inet"},
	{"vlan_in", "integer"},
	{"vlan_out", "integer"},
	{"sample_rate", "integer"},
	{"src_flow_tags", "text"},
	{"dst_flow_tags", "text"},
};

/*
 * Kentik's dialect columns, at the end unless OPTIONS (dialect_columns 'false').  The interface
 * descriptions are Kentik's i_ columns too; they come last, so every column before them keeps its
 * position.
 */
static const KfImportColumn dialect_columns[] = {
	{"i_protocol_name", "text"},
	{"inet_family", "integer"},
	{"i_duration", "integer"},
	{"i_fast_dataset", "boolean"},
	{"i_input_interface_description", "text"},
	{"i_output_interface_description", "text"},
	/* ours, not Kentik's: the flow's own times and its top MPLS label (docs/format.md 4.6) */
	{"i_flow_end_ms", "bigint"},
	{"i_flow_duration_ms", "bigint"},
	{"i_mpls_label", "integer"},
	{"i_mpls_exp", "integer"},
	{"i_mpls_labeled", "boolean"},
};

#define KF_ALL_DEVICES_TABLE "all_devices"
#define KF_INTERFACE_COUNTERS_TABLE "interface_counters"

/* table_is_wanted applies LIMIT TO / EXCEPT to a table name. */
static bool
table_is_wanted(ImportForeignSchemaStmt *stmt, const char *name)
{
	bool		listed = false;
	ListCell   *lc;

	foreach(lc, stmt->table_list)
	{
		if (strcmp(((RangeVar *) lfirst(lc))->relname, name) == 0)
			listed = true;
	}
	switch (stmt->list_type)
	{
		case FDW_IMPORT_SCHEMA_LIMIT_TO:
			return listed;
		case FDW_IMPORT_SCHEMA_EXCEPT:
			return !listed;
		default:
			return true;
	}
}

/* kentik_time_type_name returns kentik_time qualified with the schema of the FDW's handler. */
static char *
kentik_time_type_name(ForeignServer *server)
{
	ForeignDataWrapper *fdw = GetForeignDataWrapper(server->fdwid);
	char	   *schema = get_namespace_name(get_func_namespace(fdw->fdwhandler));

	return psprintf("%s.kentik_time", quote_identifier(schema));
}

/*
 * wants_dialect_columns reads the import's options: dialect_columns (boolean, default true)
 * is the only one.
 */
static bool
wants_dialect_columns(ImportForeignSchemaStmt *stmt)
{
	bool		wanted = true;
	ListCell   *lc;

	foreach(lc, stmt->options)
	{
		DefElem    *def = lfirst_node(DefElem, lc);

		if (strcmp(def->defname, "dialect_columns") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
					 errmsg("invalid IMPORT FOREIGN SCHEMA option \"%s\"", def->defname),
					 errhint("The only option is dialect_columns (a boolean).")));
		wanted = defGetBoolean(def);
	}
	return wanted;
}

/*
 * create_table_sql builds one CREATE FOREIGN TABLE IF NOT EXISTS command (device_id 0 = all
 * devices), with the dialect columns at the end when asked for.
 */
static char *
create_table_sql(ForeignServer *server, const char *time_type, const char *name, uint32 device_id,
				 bool with_dialect_columns)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfo(&buf, "CREATE FOREIGN TABLE IF NOT EXISTS %s (\n", quote_identifier(name));
	for (int i = 0; i < lengthof(table_columns); i++)
		appendStringInfo(&buf, "%s  %s %s", i > 0 ? ",\n" : "", table_columns[i].name,
						 table_columns[i].type ? table_columns[i].type : time_type);
	for (int i = 0; with_dialect_columns && i < lengthof(dialect_columns); i++)
		appendStringInfo(&buf, ",\n  %s %s", dialect_columns[i].name, dialect_columns[i].type);
	appendStringInfo(&buf, "\n) SERVER %s", quote_identifier(server->servername));
	if (device_id != 0)
		appendStringInfo(&buf, " OPTIONS (device_id '%u')", device_id);
	return buf.data;
}

/* counters_table_sql builds the CREATE FOREIGN TABLE IF NOT EXISTS command of interface_counters. */
static char *
counters_table_sql(ForeignServer *server, const char *time_type)
{
	return psprintf("CREATE FOREIGN TABLE IF NOT EXISTS %s (\n%s\n) SERVER %s OPTIONS (\"table\" 'interface_counters')",
					KF_INTERFACE_COUNTERS_TABLE, kf_counters_column_list(time_type),
					quote_identifier(server->servername));
}

/* kf_import_foreign_schema returns the CREATE FOREIGN TABLE commands for the kentik schema. */
List *
kf_import_foreign_schema(ImportForeignSchemaStmt *stmt, Oid serverOid)
{
	ForeignServer *server = GetForeignServer(serverOid);
	char	   *time_type = kentik_time_type_name(server);
	char	   *data_dir;
	kf_device_list devices;
	kf_error	err;
	List	   *commands = NIL;
	bool		with_dialect = wants_dialect_columns(stmt);

	if (strcmp(stmt->remote_schema, "kentik") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_SCHEMA_NOT_FOUND),
				 errmsg("remote schema \"%s\" does not exist", stmt->remote_schema),
				 errhint("kentik_fdw servers have one schema, \"kentik\".")));
	data_dir = kf_get_server_data_dir(serverOid);
	if (kf_devices_load(data_dir, &devices, &err) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_IO_ERROR),
				 errmsg("could not read the device list: %s", err.msg)));

	if (table_is_wanted(stmt, KF_ALL_DEVICES_TABLE))
		commands = lappend(commands, create_table_sql(server, time_type, KF_ALL_DEVICES_TABLE, 0,
													  with_dialect));
	if (table_is_wanted(stmt, KF_INTERFACE_COUNTERS_TABLE))
		commands = lappend(commands, counters_table_sql(server, time_type));
	for (size_t i = 0; i < devices.count; i++)
	{
		const kf_device *device = &devices.devices[i];

		if (strcmp(device->name, KF_ALL_DEVICES_TABLE) == 0 ||
			strcmp(device->name, KF_INTERFACE_COUNTERS_TABLE) == 0 || !table_is_wanted(stmt, device->name))
			continue;
		commands = lappend(commands, create_table_sql(server, time_type, device->name, device->id,
													  with_dialect));
	}
	kf_device_list_free(&devices);
	return commands;
}
