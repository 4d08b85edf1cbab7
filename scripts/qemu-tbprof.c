// SPDX-License-Identifier: GPL-2.0
/*
 * qemu-tbprof: a QEMU TCG plugin for make bench's instruction profile. It
 * counts the executions of every translation block, and writes for each
 * window the guest opens and closes (by creating DIR/NAME.start, then
 * DIR/NAME.stop, in a directory QEMU's host shares with the guest) the
 * instructions executed in it, per block:
 *
 *   qemu-system-x86_64 ... -plugin ./qemu-tbprof.so,dir=DIR
 *   DIR/NAME.tbprof: one "vaddr instructions executions" line per block
 *
 * A window's edges are where a watcher thread, polling DIR every 5 ms of
 * host time, saw the files: a few hundred thousand guest instructions
 * late, against the billions of a measurement. With -icount the guest's
 * time is the instruction count, so counting costs the guest nothing.
 *
 * The few declarations of QEMU's plugin API (version 1, QEMU 7.2) it uses
 * are written out below: Debian packages no header for them.
 */
#include <dirent.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef uint64_t qemu_plugin_id_t;
typedef struct {
	const char *target_name;
	struct {
		int min, cur;
	} version;
	bool system_emulation;
	union {
		struct {
			int smp_vcpus, max_vcpus;
		} system;
	};
} qemu_info_t;
struct qemu_plugin_tb;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id,
					       struct qemu_plugin_tb *tb);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
					   qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb,
					      enum qemu_plugin_op op,
					      void *ptr, uint64_t imm);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);

#define EXPORT __attribute__((visibility("default")))

EXPORT int qemu_plugin_version = 1;
EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
			       int argc, char **argv);

#define MAX_BLOCKS	(1 << 22)	/* distinct (vaddr, length) blocks */
#define SLOTS		(1 << 23)	/* their index: open addressing */
#define MAX_WINDOWS	64
#define NAME_MAX_LEN	200

struct block {
	uint64_t vaddr;
	uint64_t insns;
	uint64_t execs;		/* bumped by the translated code itself */
};

struct window {
	char name[NAME_MAX_LEN];
	uint64_t *start;	/* execs of each block when it opened */
	uint64_t nstart;
	bool done;
};

static struct block *blocks;
static uint64_t nblocks;		/* published with release */
static uint64_t *slot_key;
static uint32_t *slot_val;		/* block index + 1; 0: free */
static struct window windows[MAX_WINDOWS];
static int nwindows;
static char dir[4096];

/* The block of (vaddr, insns), made on its first translation. */
static struct block *block_of(uint64_t vaddr, uint64_t insns)
{
	uint64_t key = vaddr << 8 | (insns & 255);
	uint64_t h = (key * 0x9E3779B97F4A7C15ull) >> 41;	/* 23 bits */
	struct block *b;

	for (;; h = (h + 1) & (SLOTS - 1)) {
		if (slot_val[h] && slot_key[h] == key)
			return &blocks[slot_val[h] - 1];
		if (!slot_val[h])
			break;
	}
	if (nblocks >= MAX_BLOCKS)
		return NULL;
	b = &blocks[nblocks];
	b->vaddr = vaddr;
	b->insns = insns;
	slot_key[h] = key;
	slot_val[h] = nblocks + 1;
	__atomic_store_n(&nblocks, nblocks + 1, __ATOMIC_RELEASE);
	return b;
}

/* Translation is serialized by QEMU (one vCPU under -icount). */
static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	struct block *b = block_of(qemu_plugin_tb_vaddr(tb), qemu_plugin_tb_n_insns(tb));

	(void)id;
	if (b)
		qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
							 &b->execs, 1);
}

static struct window *window_named(const char *name)
{
	int i;

	for (i = 0; i < nwindows; i++)
		if (!strcmp(windows[i].name, name))
			return &windows[i];
	return NULL;
}

static void window_open(const char *name)
{
	uint64_t i, n = __atomic_load_n(&nblocks, __ATOMIC_ACQUIRE);
	struct window *w;

	if (window_named(name) || nwindows >= MAX_WINDOWS)
		return;
	w = &windows[nwindows];
	w->start = calloc(n ? n : 1, sizeof(*w->start));
	if (!w->start)
		return;
	snprintf(w->name, sizeof(w->name), "%s", name);
	for (i = 0; i < n; i++)
		w->start[i] = __atomic_load_n(&blocks[i].execs, __ATOMIC_RELAXED);
	w->nstart = n;
	nwindows++;
}

static void window_close(struct window *w)
{
	uint64_t i, n = __atomic_load_n(&nblocks, __ATOMIC_ACQUIRE);
	char tmp[4400], path[4400];
	FILE *f;

	w->done = true;
	snprintf(tmp, sizeof(tmp), "%s/%s.tbprof.tmp", dir, w->name);
	snprintf(path, sizeof(path), "%s/%s.tbprof", dir, w->name);
	f = fopen(tmp, "w");
	if (!f)
		return;
	for (i = 0; i < n; i++) {
		uint64_t e = __atomic_load_n(&blocks[i].execs, __ATOMIC_RELAXED);

		if (i < w->nstart)
			e -= w->start[i];
		if (e)
			fprintf(f, "%" PRIx64 " %" PRIu64 " %" PRIu64 "\n",
				blocks[i].vaddr, blocks[i].insns, e);
	}
	fclose(f);
	rename(tmp, path);
	free(w->start);
	w->start = NULL;
}

/* NAME.start opens window NAME, NAME.stop closes it (once each). */
static void *watch(void *arg)
{
	struct dirent *de;
	struct window *w;
	char name[NAME_MAX_LEN];
	size_t len;
	DIR *d;

	(void)arg;
	for (;; usleep(5000)) {
		d = opendir(dir);
		if (!d)
			continue;
		while ((de = readdir(d))) {
			len = strlen(de->d_name);
			if (len > 6 && len - 6 < sizeof(name) &&
			    !strcmp(de->d_name + len - 6, ".start")) {
				memcpy(name, de->d_name, len - 6);
				name[len - 6] = 0;
				window_open(name);
			} else if (len > 5 && len - 5 < sizeof(name) &&
				   !strcmp(de->d_name + len - 5, ".stop")) {
				memcpy(name, de->d_name, len - 5);
				name[len - 5] = 0;
				w = window_named(name);
				if (w && !w->done)
					window_close(w);
			}
		}
		closedir(d);
	}
	return NULL;
}

EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
			       int argc, char **argv)
{
	pthread_t t;
	int i;

	(void)info;
	for (i = 0; i < argc; i++)
		if (!strncmp(argv[i], "dir=", 4))
			snprintf(dir, sizeof(dir), "%s", argv[i] + 4);
	if (!dir[0]) {
		fprintf(stderr, "qemu-tbprof: dir=DIR is required\n");
		return 1;
	}
	blocks = calloc(MAX_BLOCKS, sizeof(*blocks));
	slot_key = calloc(SLOTS, sizeof(*slot_key));
	slot_val = calloc(SLOTS, sizeof(*slot_val));
	if (!blocks || !slot_key || !slot_val)
		return 1;
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	if (pthread_create(&t, NULL, watch, NULL))
		return 1;
	pthread_detach(t);
	return 0;
}
