/*
 * durable_io.h -- the file system steps that make publishing crash-safe: complete writes, fsync of
 * files and directories, directory creation, and names no two flushes can share.
 */
#ifndef KF_DURABLE_IO_H
#define KF_DURABLE_IO_H

#include <stddef.h>
#include <sys/types.h>

#include "store/store.h"

/* Writes all len bytes at offset (retrying short writes and EINTR); path is for the message. */
int			kf_pwrite_all(int fd, const void *buf, size_t len, off_t offset, const char *path, kf_error *err);

/* Reads exactly len bytes at offset; a short file is an error naming path. */
int			kf_pread_exact(int fd, void *buf, size_t len, off_t offset, const char *path, kf_error *err);

/* fsyncs a directory so renames and creations inside it survive a crash. */
int			kf_fsync_dir(const char *dir, kf_error *err);

/* mkdir -p; each directory it creates is made durable by fsyncing its parent. */
int			kf_mkdir_p(const char *path, kf_error *err);

/* Writes a token of lowercase hex digits (microsecond clock, pid, per-process counter) unique
 * across processes and time; size >= KF_UNIQUE_TOKEN_SIZE. */
#define KF_UNIQUE_TOKEN_SIZE 41
void		kf_unique_token(char *buf, size_t size);

/* Replaces dir/name with data: write ".name.tmp-TOKEN", fsync, rename, fsync dir. */
int			kf_replace_file(const char *dir, const char *name, const void *data, size_t len, kf_error *err);

#endif							/* KF_DURABLE_IO_H */
