/*
 * durable_io.c -- complete reads and writes, fsync of directories, mkdir -p and unique names.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/durable_io.h"

int
kf_pwrite_all(int fd, const void *buf, size_t len, off_t offset, const char *path, kf_error *err)
{
	const char *p = buf;

	while (len > 0)
	{
		ssize_t		n = pwrite(fd, p, len, offset);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return kf_error_set(err, "%s: write failed: %s", path, n < 0 ? strerror(errno) : "no progress");
		p += n;
		len -= (size_t) n;
		offset += n;
	}
	return 0;
}

int
kf_pread_exact(int fd, void *buf, size_t len, off_t offset, const char *path, kf_error *err)
{
	char	   *p = buf;

	while (len > 0)
	{
		ssize_t		n = pread(fd, p, len, offset);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return kf_error_set(err, "%s: read failed: %s", path, strerror(errno));
		if (n == 0)
			return kf_error_set(err, "%s: file is truncated (wanted %zu more bytes at offset %lld)",
								path, len, (long long) offset);
		p += n;
		len -= (size_t) n;
		offset += n;
	}
	return 0;
}

int
kf_fsync_dir(const char *dir, kf_error *err)
{
	int			fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return kf_error_set(err, "%s: cannot open directory: %s", dir, strerror(errno));
	if (fsync(fd) != 0)
	{
		kf_error_set(err, "%s: fsync failed: %s", dir, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* Creates one directory whose parent exists; fsyncs the parent when it was created now. */
static int
mkdir_one(char *path, kf_error *err)
{
	if (mkdir(path, 0755) != 0)
	{
		struct stat st;

		if (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			return 0;
		return kf_error_set(err, "%s: cannot create directory: %s", path,
							errno == EEXIST ? "exists and is not a directory" : strerror(errno));
	}

	char	   *slash = strrchr(path, '/');

	if (slash == NULL)
		return kf_fsync_dir(".", err);
	if (slash == path)
		return kf_fsync_dir("/", err);
	*slash = '\0';

	int			rc = kf_fsync_dir(path, err);

	*slash = '/';
	return rc;
}

int
kf_mkdir_p(const char *path, kf_error *err)
{
	char		buf[PATH_MAX];

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int) sizeof(buf))
		return kf_error_set(err, "%s: path too long", path);
	for (char *p = buf + 1; *p; p++)
	{
		if (*p != '/')
			continue;
		*p = '\0';

		int			rc = mkdir_one(buf, err);

		*p = '/';
		if (rc != 0)
			return -1;
	}
	return mkdir_one(buf, err);
}

void
kf_unique_token(char *buf, size_t size)
{
	static atomic_uint_fast64_t counter;
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);

	uint64_t	micros = (uint64_t) now.tv_sec * 1000000u + (uint64_t) now.tv_nsec / 1000u;
	uint64_t	seq = atomic_fetch_add(&counter, 1);

	snprintf(buf, size, "%016" PRIx64 "%08x%" PRIx64, micros, (unsigned) getpid(), seq);
}

int
kf_replace_file(const char *dir, const char *name, const void *data, size_t len, kf_error *err)
{
	char		token[KF_UNIQUE_TOKEN_SIZE];
	char		tmp[PATH_MAX],
				final[PATH_MAX];

	kf_unique_token(token, sizeof(token));
	if (snprintf(tmp, sizeof(tmp), "%s/.%s.tmp-%s", dir, name, token) >= (int) sizeof(tmp) ||
		snprintf(final, sizeof(final), "%s/%s", dir, name) >= (int) sizeof(final))
		return kf_error_set(err, "%s/%s: path too long", dir, name);

	int			fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	if (fd < 0)
		return kf_error_set(err, "%s: cannot create: %s", tmp, strerror(errno));
	if (kf_pwrite_all(fd, data, len, 0, tmp, err) != 0 ||
		(fsync(fd) != 0 && kf_error_set(err, "%s: fsync failed: %s", tmp, strerror(errno))))
	{
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	if (rename(tmp, final) != 0)
	{
		kf_error_set(err, "%s: cannot rename into place: %s", final, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return kf_fsync_dir(dir, err);
}
