/*
 * text_file.h -- reads a small configuration file (tags, devices) into memory in one piece.
 */
#ifndef KF_TEXT_FILE_H
#define KF_TEXT_FILE_H

#include "store/store.h"

/*
 * Returns the whole file as a malloc'd NUL-terminated string, or NULL with a message that names
 * the file as `what` (e.g. "tag file") and says why.
 */
char	   *kf_read_text_file(const char *path, const char *what, kf_error *err);

#endif							/* KF_TEXT_FILE_H */
