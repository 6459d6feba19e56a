/*
 * device_registry.h -- which device an exporter's flows belong to.
 *
 * Identity is the exporter's address.  The registry starts from DIR/devices (what earlier runs
 * assigned), applies the operator's --devices file on top (lines "ID NAME EXPORTER_ADDRESS
 * [SAMPLE_RATE]"), and gives an unlisted exporter the next id after the highest known one, named
 * after its address.  Every change is saved to DIR/devices at once, so ids stay stable across
 * restarts and a device is on disk before any of its parts is published.
 */
#ifndef KF_DEVICE_REGISTRY_H
#define KF_DEVICE_REGISTRY_H

#include <stdbool.h>

#include "store/store.h"

typedef struct kf_device_registry kf_device_registry;

/* Parses a --devices file's text; source names it in error messages ("FILE:LINE: ..."). */
int			kf_devices_file_parse(const char *text, const char *source, kf_device_list *out, kf_error *err);

/* Applies file devices on top of known ones: the same id is replaced, and an exporter address
 * listed in the file is taken away from any other device.  *changed says whether known changed.
 * Returns 0, or -1 when out of memory. */
int			kf_devices_apply(kf_device_list *known, const kf_device_list *file, bool *changed, kf_error *err);

/* Loads DIR/devices, applies devices_file (may be NULL) and saves when that changed anything. */
kf_device_registry *kf_device_registry_open(const char *data_dir, const char *devices_file, kf_error *err);
void		kf_device_registry_free(kf_device_registry *reg);

/*
 * Finds the device of exporter, assigning a new one (logged, saved) when unknown.  *out gets a
 * copy.  Returns 0, or -1 when a new device could not be saved: it is assigned in memory and
 * kf_device_registry_save_pending must succeed before its flows are published.
 */
int			kf_device_registry_resolve(kf_device_registry *reg, kf_addr exporter, kf_device *out, kf_error *err);

/* True when a change is not yet on disk. */
bool		kf_device_registry_dirty(const kf_device_registry *reg);

/* Saves when dirty.  Returns 0 when everything is on disk. */
int			kf_device_registry_save_pending(kf_device_registry *reg, kf_error *err);

/* The current list (sorted by id). */
const kf_device_list *kf_device_registry_list(const kf_device_registry *reg);

#endif							/* KF_DEVICE_REGISTRY_H */
