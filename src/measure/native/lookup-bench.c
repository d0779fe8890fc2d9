/*
 * lookup-bench: the kernel's lineinfo lookups (CONFIG_KALLSYMS_LINEINFO), in
 * C, on the exact table bytes lineinfo-bench's encoders wrote (target byte
 * order), timed warm and cold. Part of lineinfo-bench; compiled at run time
 * with the system `cc -O2` (src/measure/native.ts) and driven by files:
 *
 *   lookup-bench formats
 *   lookup-bench check FORMAT LE BASE TABLE ADDRS OUT
 *   lookup-bench check-many FORMAT LE BASE ADDRS OUT TABLE...
 *   lookup-bench time  FORMAT LE BASE TABLE ADDRS OUT MODE EVICT_BYTES
 *                      WARMUP_NS MIN_SAMPLES MIN_TIME_NS MAX_SAMPLES
 *                      BATCH_RESOLUTIONS MAX_BATCH
 *
 * FORMAT is a format id as lineinfo-bench writes it ("flat",
 * "blocks:64:sleb"); LE is 1 for a little-endian table; BASE the address the
 * table's offsets count from; ADDRS a file of host-order u64 addresses.
 * `check` writes five host-order u32 per address to OUT: found, entry index,
 * entry offset, file id, line. `time` writes the per-call samples (f64 ns)
 * then the eviction times (f64 ns) to OUT and one JSON line to stdout.
 *
 * The lookups follow the series' rules (spec section 3): offset = address -
 * base, nothing below the base or past 32 bits; no allocation; every read of
 * variable data bounds-checked; a LEB128 value wider than 32 bits is
 * malformed; malformed data means "no annotation", never a fault.
 *
 * Adding a format: write its open and lookup functions and add a line to
 * FORMATS below. The lookup gets the table opened once and one address.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

struct hit {
	uint32_t index;
	uint32_t offset;
	uint32_t file_id;
	uint32_t line;
	/* offset of the file name in lineinfo_filenames (the kernel prints it) */
	uint32_t name_offset;
};

struct table;
typedef int (*lookup_fn)(const struct table *t, uint64_t addr, struct hit *out);

/* A table opened once: its bytes, counts and where each array starts. */
struct table {
	const uint8_t *b;
	size_t size;
	uint64_t base;
	uint32_t n, f;
	/* flat */
	size_t addrs, file_ids, lines;
	/* blocks */
	uint32_t nb, block_size, data_size;
	int zigzag;
	size_t block_addrs, block_offsets, data;
	/* both */
	size_t file_offsets, names;
	uint32_t names_size;
	/* formats of ours (codec blocks): offset quantum, page index, parameters */
	uint32_t quantum, page_shift, npages, np;
	size_t pages, params;
	int32_t special_base, special_range;
	struct huff {
		uint8_t order[64];
		int32_t first_code[17], first_index[17], count[17];
		/* codes of up to 8 bits decoded by one lookup: length << 8 | symbol, 0 = longer */
		uint16_t fast[256];
	} huff[3];
	lookup_fn lookup;
};

#define INLINE static inline __attribute__((always_inline))

/* Aligned arrays in the target's byte order: a plain load, swapped when the
 * target's order is not the host's (swap is a constant in each instance). */
INLINE uint32_t ld32(const uint8_t *p, int swap)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return swap ? __builtin_bswap32(v) : v;
}

INLINE uint32_t ld16(const uint8_t *p, int swap)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return swap ? __builtin_bswap16(v) : v;
}

static size_t align4(size_t n) { return (n + 3) & ~(size_t)3; }

INLINE int to_offset(const struct table *t, uint64_t addr, uint32_t *off)
{
	if (addr < t->base || addr - t->base > 0xffffffffu)
		return 0;
	*off = (uint32_t)(addr - t->base);
	return 1;
}

/* The last element of a sorted u32 array at or below `off` (upper-bound
 * binary search, as the series writes it); -1 if none. */
INLINE int64_t upper_bound(const uint8_t *a, uint32_t n, uint32_t off, int swap)
{
	uint32_t lo = 0, hi = n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (ld32(a + 4 * (size_t)mid, swap) <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (int64_t)lo - 1;
}

/* The file name behind a file id, bounds-checked. */
INLINE int name_of(const struct table *t, uint32_t file_id, uint32_t *name_offset, int swap)
{
	if (file_id >= t->f)
		return 0;
	uint32_t o = ld32(t->b + t->file_offsets + 4 * (size_t)file_id, swap);
	if (o >= t->names_size)
		return 0;
	*name_offset = o;
	return 1;
}

/* ---- flat (RFC, v1 patch 1) ---- */

INLINE int flat_lookup_(const struct table *t, uint64_t addr, struct hit *out, int swap)
{
	uint32_t off;
	if (!to_offset(t, addr, &off))
		return 0;
	int64_t i = upper_bound(t->b + t->addrs, t->n, off, swap);
	if (i < 0)
		return 0;
	uint32_t file = ld16(t->b + t->file_ids + 2 * (size_t)i, swap);
	uint32_t name;
	if (!name_of(t, file, &name, swap))
		return 0;
	out->index = (uint32_t)i;
	out->offset = ld32(t->b + t->addrs + 4 * (size_t)i, swap);
	out->file_id = file;
	out->line = ld32(t->b + t->lines + 4 * (size_t)i, swap);
	out->name_offset = name;
	return 1;
}

static int flat_lookup(const struct table *t, uint64_t a, struct hit *o) { return flat_lookup_(t, a, o, 0); }
static int flat_lookup_swapped(const struct table *t, uint64_t a, struct hit *o) { return flat_lookup_(t, a, o, 1); }

static int flat_open(struct table *t, const char *params, int swap, char *err, size_t errlen)
{
	if (*params) {
		snprintf(err, errlen, "flat takes no parameters, got \"%s\"", params);
		return 0;
	}
	if (t->size < 8) {
		snprintf(err, errlen, "flat table: shorter than its counts");
		return 0;
	}
	t->n = ld32(t->b, swap);
	t->f = ld32(t->b + 4, swap);
	t->addrs = 8;
	t->file_ids = t->addrs + 4 * (size_t)t->n;
	t->lines = align4(t->file_ids + 2 * (size_t)t->n);
	t->file_offsets = t->lines + 4 * (size_t)t->n;
	size_t names_size_at = t->file_offsets + 4 * (size_t)t->f;
	if (names_size_at + 4 > t->size) {
		snprintf(err, errlen, "flat table: counts do not fit the bytes");
		return 0;
	}
	t->names_size = ld32(t->b + names_size_at, swap);
	t->names = names_size_at + 4;
	if (t->names + t->names_size > t->size) {
		snprintf(err, errlen, "flat table: file names run past the end");
		return 0;
	}
	t->lookup = swap ? flat_lookup_swapped : flat_lookup;
	return 1;
}

/* ---- blocks (patch 3): block index, then LEB128 deltas ---- */

/* ULEB128 within [*p, end); wider than 32 bits is malformed. */
INLINE int uleb(const uint8_t **p, const uint8_t *end, uint32_t *v)
{
	const uint8_t *q = *p;
	uint32_t r = 0;
	for (unsigned shift = 0;; shift += 7) {
		if (q >= end)
			return 0;
		uint8_t b = *q++;
		if (shift == 28) {
			if (b > 0x0f) /* bits above 31, or a sixth byte */
				return 0;
			r |= (uint32_t)b << 28;
			break;
		}
		r |= (uint32_t)(b & 0x7f) << shift;
		if (b < 0x80)
			break;
	}
	*p = q;
	*v = r;
	return 1;
}

/* SLEB128 within [*p, end); a value outside 32 bits is malformed. */
INLINE int sleb(const uint8_t **p, const uint8_t *end, int64_t *v)
{
	const uint8_t *q = *p;
	uint32_t r = 0;
	for (unsigned shift = 0;; shift += 7) {
		if (q >= end)
			return 0;
		uint8_t b = *q++;
		if (shift == 28) {
			uint8_t hi = b & 0x7f;
			/* bits 31 to 34 must all be the sign, and no more bytes */
			if ((b & 0x80) || (hi > 0x07 && hi < 0x78))
				return 0;
			r |= (uint32_t)hi << 28;
			break;
		}
		r |= (uint32_t)(b & 0x7f) << shift;
		if (b < 0x80) {
			if ((b & 0x40) && shift + 7 < 32)
				r |= ~(uint32_t)0 << (shift + 7);
			break;
		}
	}
	*p = q;
	*v = (int32_t)r;
	return 1;
}

/* A signed delta: SLEB128 (v3 on) or zigzag + ULEB128 (v1, v2). */
INLINE int sdelta(const uint8_t **p, const uint8_t *end, int64_t *v, int zz)
{
	if (!zz)
		return sleb(p, end, v);
	uint32_t u;
	if (!uleb(p, end, &u))
		return 0;
	*v = (u & 1) ? -(int64_t)(u >> 1) - 1 : (int64_t)(u >> 1);
	return 1;
}

INLINE int blocks_lookup_(const struct table *t, uint64_t addr, struct hit *out, int swap, int zz)
{
	uint32_t off;
	if (!to_offset(t, addr, &off))
		return 0;
	int64_t bi = upper_bound(t->b + t->block_addrs, t->nb, off, swap);
	if (bi < 0)
		return 0;
	uint32_t b = (uint32_t)bi;
	uint32_t start = ld32(t->b + t->block_offsets + 4 * (size_t)b, swap);
	uint32_t end = b + 1 < t->nb ? ld32(t->b + t->block_offsets + 4 * (size_t)(b + 1), swap)
				     : t->data_size;
	if (start > end || end > t->data_size)
		return 0;
	const uint8_t *p = t->b + t->data + start;
	const uint8_t *e = t->b + t->data + end;
	uint64_t o = ld32(t->b + t->block_addrs + 4 * (size_t)b, swap);
	uint32_t f0, l0;
	if (!uleb(&p, e, &f0) || !uleb(&p, e, &l0))
		return 0;
	int64_t file = f0, line = l0;
	uint64_t i = (uint64_t)b * t->block_size;
	uint64_t last_plus_1 = i + t->block_size;
	uint64_t last = (last_plus_1 < t->n ? last_plus_1 : t->n) - 1;
	while (i < last) {
		uint32_t d;
		int64_t df, dl;
		if (!uleb(&p, e, &d))
			return 0;
		if (o + d > off)
			break;
		if (!sdelta(&p, e, &df, zz) || !sdelta(&p, e, &dl, zz))
			return 0;
		o += d;
		file += df;
		line += dl;
		i++;
	}
	/* the line wraps at 32 bits (the conversion below), as the kernel's u32 line */
	if (file < 0 || file >= (int64_t)t->f)
		return 0;
	uint32_t name;
	if (!name_of(t, (uint32_t)file, &name, swap))
		return 0;
	out->index = (uint32_t)i;
	out->offset = (uint32_t)o;
	out->file_id = (uint32_t)file;
	out->line = (uint32_t)line;
	out->name_offset = name;
	return 1;
}

static int blocks_sleb(const struct table *t, uint64_t a, struct hit *o) { return blocks_lookup_(t, a, o, 0, 0); }
static int blocks_sleb_swapped(const struct table *t, uint64_t a, struct hit *o) { return blocks_lookup_(t, a, o, 1, 0); }
static int blocks_zigzag(const struct table *t, uint64_t a, struct hit *o) { return blocks_lookup_(t, a, o, 0, 1); }
static int blocks_zigzag_swapped(const struct table *t, uint64_t a, struct hit *o) { return blocks_lookup_(t, a, o, 1, 1); }

/* The tail of every block table, after block_addrs: block_offsets,
 * data_size, data, file_offsets, filenames_size, filenames; all checked. */
static int open_block_tail(struct table *t, int swap, char *err, size_t errlen)
{
	t->block_offsets = t->block_addrs + 4 * (size_t)t->nb;
	size_t data_size_at = t->block_offsets + 4 * (size_t)t->nb;
	if (data_size_at + 4 > t->size) {
		snprintf(err, errlen, "table: blocks do not fit the bytes");
		return 0;
	}
	t->data_size = ld32(t->b + data_size_at, swap);
	t->data = data_size_at + 4;
	t->file_offsets = align4(t->data + t->data_size);
	size_t names_size_at = t->file_offsets + 4 * (size_t)t->f;
	if (names_size_at + 4 > t->size) {
		snprintf(err, errlen, "table: data and file tables run past the end");
		return 0;
	}
	t->names_size = ld32(t->b + names_size_at, swap);
	t->names = names_size_at + 4;
	if (t->names + t->names_size > t->size) {
		snprintf(err, errlen, "table: file names run past the end");
		return 0;
	}
	return 1;
}

/* A block table's parameters, "B" or "B:sleb" or "B:zigzag" (empty = 64:sleb), into t. */
static int block_params(struct table *t, const char *params, const char *name, char *err, size_t errlen)
{
	char coding[16] = "sleb";
	unsigned long bs = 64;
	if (*params) {
		char *endp;
		errno = 0;
		bs = strtoul(params, &endp, 10);
		if (errno || endp == params || bs < 1 || bs > 65536) {
			snprintf(err, errlen, "%s: bad block size in \"%s\"", name, params);
			return 0;
		}
		if (*endp == ':') {
			snprintf(coding, sizeof coding, "%s", endp + 1);
		} else if (*endp) {
			snprintf(err, errlen, "%s: bad parameters \"%s\"", name, params);
			return 0;
		}
	}
	if (strcmp(coding, "sleb") && strcmp(coding, "zigzag")) {
		snprintf(err, errlen, "%s: deltas are sleb or zigzag, not \"%s\"", name, coding);
		return 0;
	}
	t->block_size = (uint32_t)bs;
	t->zigzag = !strcmp(coding, "zigzag");
	return 1;
}

static void blocks_set_lookup(struct table *t, int swap)
{
	if (t->zigzag)
		t->lookup = swap ? blocks_zigzag_swapped : blocks_zigzag;
	else
		t->lookup = swap ? blocks_sleb_swapped : blocks_sleb;
}

/* params: "B" or "B:sleb" or "B:zigzag" (the part after "blocks:"); empty = 64:sleb */
static int blocks_open(struct table *t, const char *params, int swap, char *err, size_t errlen)
{
	if (!block_params(t, params, "blocks", err, errlen))
		return 0;
	unsigned long bs = t->block_size;
	if (t->size < 16) {
		snprintf(err, errlen, "blocks table: shorter than its counts");
		return 0;
	}
	t->n = ld32(t->b, swap);
	t->f = ld32(t->b + 4, swap);
	t->nb = ld32(t->b + 8, swap);
	if ((uint64_t)t->nb != ((uint64_t)t->n + bs - 1) / bs) {
		snprintf(err, errlen, "blocks table: %u blocks cannot hold %u entries in blocks of %lu", t->nb, t->n, bs);
		return 0;
	}
	t->block_addrs = 12;
	if (!open_block_tail(t, swap, err, errlen))
		return 0;
	blocks_set_lookup(t, swap);
	return 1;
}

/* ---- module-v3: a module's .mod_lineinfo as v3/v4 lay it out (struct
 * mod_lineinfo_header): the blocks table behind a 48-byte header of counts
 * and (offset, size) pairs from the section start, each pair checked against
 * the section, as the series' header asks; the lookup is the blocks one ---- */

static int module_v3_open(struct table *t, const char *params, int swap, char *err, size_t errlen)
{
	static const char *const parts[] = { "blocks", "data", "file offsets", "file names" };
	uint32_t h[11];
	if (!block_params(t, params, "module-v3", err, errlen))
		return 0;
	if (t->size < 48) {
		snprintf(err, errlen, "module-v3: shorter than its 48-byte header");
		return 0;
	}
	for (int i = 0; i < 11; i++)
		h[i] = ld32(t->b + 4 * i, swap);
	t->n = h[0];
	t->nb = h[1];
	t->f = h[2];
	if ((uint64_t)t->nb != ((uint64_t)t->n + t->block_size - 1) / t->block_size ||
	    h[4] != 8 * (uint64_t)t->nb || h[8] != 4 * (uint64_t)t->f) {
		snprintf(err, errlen, "module-v3: header counts disagree");
		return 0;
	}
	for (int k = 0; k < 4; k++) {
		uint64_t at = h[3 + 2 * k], size = h[4 + 2 * k];
		if (at < 48 || at + size > t->size) {
			snprintf(err, errlen, "module-v3: %s run past the section", parts[k]);
			return 0;
		}
	}
	t->block_addrs = h[3];
	t->block_offsets = (size_t)h[3] + 4 * (size_t)t->nb;
	t->data = h[5];
	t->data_size = h[6];
	t->file_offsets = h[7];
	t->names = h[9];
	t->names_size = h[10];
	blocks_set_lookup(t, swap);
	return 1;
}

/* ---- formats of ours: flagged, special, mru-huffman (one block layout) ----
 * Header: n, f, nb, quantum, page_shift, npages, np, params[np],
 * page_blocks[npages], block_addrs[nb], block_offsets[nb], data_size, data,
 * file tables as upstream. A block starts with ULEB128 file and line of its
 * first entry; the codec decides how the rest are written. */

enum { CODEC_FLAGGED, CODEC_SPECIAL, CODEC_MRU_HUFFMAN };
#define MRU_SLOTS 8 /* the current file and seven before it */
#define HUFF_MAX_LEN 15
#define MRU_MAX_FILES 1024

struct entry {
	uint64_t offset;
	int64_t file, line;
};

/* MSB-first bits from [p, e) through a 64-bit buffer (right-aligned, n
 * valid bits); a read past e fails. */
struct bits {
	const uint8_t *p, *e;
	uint64_t acc;
	int n;
};

INLINE void refill(struct bits *b)
{
	while (b->n <= 56 && b->p < b->e) {
		b->acc = (b->acc << 8) | *b->p++;
		b->n += 8;
	}
}

INLINE int bit(struct bits *b, uint32_t *v)
{
	if (b->n == 0) {
		refill(b);
		if (b->n == 0)
			return 0;
	}
	b->n--;
	*v = (uint32_t)(b->acc >> b->n) & 1;
	return 1;
}

INLINE int nbits(struct bits *b, int count, uint32_t *v)
{
	uint32_t r = 0, x;
	for (int i = 0; i < count; i++) {
		if (!bit(b, &x))
			return 0;
		r = r * 2 + x;
	}
	*v = r;
	return 1;
}

/* 4-bit groups: 3 value bits and a continuation bit, low groups first. */
INLINE int varbits(struct bits *b, uint64_t *v)
{
	uint64_t r = 0, mul = 1;
	for (int k = 0; k < 11; k++) {
		uint32_t g;
		if (!nbits(b, 4, &g))
			return 0;
		r += (uint64_t)(g & 7) * mul;
		mul *= 8;
		if (!(g & 8)) {
			*v = r;
			return 1;
		}
	}
	return 0;
}

INLINE int huff_symbol(struct bits *b, const struct huff *h, uint32_t *sym)
{
	if (b->n < 8)
		refill(b);
	if (b->n >= 8) {
		uint16_t f = h->fast[(b->acc >> (b->n - 8)) & 0xff];
		if (f) {
			b->n -= f >> 8;
			*sym = f & 0xff;
			return 1;
		}
	}
	/* a longer code, or the stream's last bits: one bit at a time */
	int32_t code = 0;
	for (int len = 1; len <= HUFF_MAX_LEN; len++) {
		uint32_t x;
		if (!bit(b, &x))
			return 0;
		code = code * 2 + (int32_t)x;
		int32_t k = code - h->first_code[len];
		if (k >= 0 && k < h->count[len]) {
			*sym = h->order[h->first_index[len] + k];
			return 1;
		}
	}
	return 0;
}

/* Canonical decoding tables from code lengths packed four to a word. */
static void huff_build(struct huff *h, const struct table *t, int word0, int nsyms, int swap)
{
	uint8_t len[64];
	for (int i = 0; i < nsyms; i++) {
		uint32_t w = ld32(t->b + t->params + 4 * (size_t)(word0 + i / 4), swap);
		len[i] = (w >> ((i & 3) * 8)) & 0xff;
	}
	int32_t code = 0, index = 0, k = 0;
	memset(h->count, 0, sizeof h->count);
	for (int i = 0; i < nsyms; i++)
		if (len[i] >= 1 && len[i] <= HUFF_MAX_LEN)
			h->count[len[i]]++;
	for (int l = 1; l <= HUFF_MAX_LEN; l++) {
		h->first_code[l] = code;
		h->first_index[l] = index;
		for (int i = 0; i < nsyms; i++)
			if (len[i] == l)
				h->order[k++] = (uint8_t)i;
		code = (code + h->count[l]) << 1;
		index += h->count[l];
	}
	/* The fast table: every 8-bit window that starts with a code of up to 8
	 * bits. Shorter codes are filled first and never overwritten, and codes
	 * that do not fit their length are skipped, so even lengths from corrupt
	 * bytes decode exactly as the bit-at-a-time loop does. */
	memset(h->fast, 0, sizeof h->fast);
	for (int l = 1; l <= 8; l++) {
		for (int32_t k = 0; k < h->count[l]; k++) {
			int32_t code_l = h->first_code[l] + k;
			if (code_l >= (1 << l))
				break;
			uint32_t c = (uint32_t)code_l << (8 - l);
			for (uint32_t tail = 0; tail < (1u << (8 - l)); tail++)
				if (!h->fast[c | tail])
					h->fast[c | tail] = (uint16_t)(l << 8 | h->order[h->first_index[l] + k]);
		}
	}
}

struct mru_state {
	uint32_t mru[MRU_SLOTS];
	int nmru;
	uint32_t files[MRU_MAX_FILES];
	int64_t lines[MRU_MAX_FILES];
	int nfiles;
	struct bits bits;
};

INLINE void mru_touch(struct mru_state *m, uint32_t file, int64_t line)
{
	int k = -1;
	for (int i = 0; i < m->nmru; i++)
		if (m->mru[i] == file) {
			k = i;
			break;
		}
	int from = k >= 0 ? k : (m->nmru < MRU_SLOTS ? m->nmru++ : MRU_SLOTS - 1);
	for (int i = from; i > 0; i--)
		m->mru[i] = m->mru[i - 1];
	m->mru[0] = file;
	for (int i = 0; i < m->nfiles; i++)
		if (m->files[i] == file) {
			m->lines[i] = line;
			return;
		}
	if (m->nfiles < MRU_MAX_FILES) {
		m->files[m->nfiles] = file;
		m->lines[m->nfiles++] = line;
	}
}

/* The next entry of a block over `s`; 0 on malformed data. */
INLINE int codec_next(const struct table *t, int kind, const uint8_t **p, const uint8_t *e, struct mru_state *m,
		      struct entry *s)
{
	uint64_t q = t->quantum;
	if (kind == CODEC_FLAGGED) {
		uint32_t d, v, f;
		if (!uleb(p, e, &d) || !uleb(p, e, &v))
			return 0;
		uint32_t z = v >> 1;
		s->offset += (uint64_t)d * q;
		s->line += (z & 1) ? -(int64_t)(z >> 1) - 1 : (int64_t)(z >> 1);
		if (v & 1) {
			if (!uleb(p, e, &f))
				return 0;
			s->file = f;
		}
		return 1;
	}
	if (kind == CODEC_SPECIAL) {
		if (*p >= e || t->special_range < 1)
			return 0;
		uint8_t op = *(*p)++;
		if (op >= 2) {
			uint32_t k = op - 2u;
			s->offset += ((uint64_t)(k / (uint32_t)t->special_range) + 1) * q;
			s->line += t->special_base + (int64_t)(k % (uint32_t)t->special_range);
			return 1;
		}
		uint32_t f, d;
		int64_t dl;
		if (op == 1) {
			if (!uleb(p, e, &f))
				return 0;
			s->file = f;
		}
		if (!uleb(p, e, &d) || !sleb(p, e, &dl))
			return 0;
		s->offset += (uint64_t)d * q;
		s->line += dl;
		return 1;
	}
	/* mru-huffman */
	struct bits *b = &m->bits;
	uint32_t sa, fcode, sl, file;
	uint64_t a, x;
	if (!huff_symbol(b, &t->huff[0], &sa))
		return 0;
	if (sa == 63) {
		if (!varbits(b, &a))
			return 0;
	} else
		a = sa;
	if (!huff_symbol(b, &t->huff[1], &fcode))
		return 0;
	if (fcode == MRU_SLOTS) {
		if (!varbits(b, &x) || x > 0xffffffffu)
			return 0;
		file = (uint32_t)x;
	} else if ((int)fcode < m->nmru)
		file = m->mru[fcode];
	else
		return 0;
	if (!huff_symbol(b, &t->huff[2], &sl))
		return 0;
	int64_t dl;
	if (sl == 63) {
		if (!varbits(b, &x))
			return 0;
		dl = (x & 1) ? -(int64_t)(x >> 1) - 1 : (int64_t)(x >> 1);
	} else
		dl = (int64_t)sl - 31;
	int64_t from = s->line;
	for (int i = 0; i < m->nfiles; i++)
		if (m->files[i] == file) {
			from = m->lines[i];
			break;
		}
	s->offset += a * q;
	s->file = file;
	s->line = from + dl;
	mru_touch(m, file, s->line);
	return 1;
}

INLINE int codec_lookup_(const struct table *t, uint64_t addr, struct hit *out, int swap, int kind)
{
	uint32_t off;
	if (!to_offset(t, addr, &off))
		return 0;
	uint32_t lo = 0, hi = t->nb;
	if (t->npages) {
		/* the page says which few blocks can hold the offset */
		uint64_t pg = off >> t->page_shift;
		if (pg >= t->npages)
			pg = t->npages - 1;
		lo = ld32(t->b + t->pages + 4 * pg, swap);
		hi = pg + 1 < t->npages ? ld32(t->b + t->pages + 4 * (pg + 1), swap) + 1 : t->nb;
		if (lo >= t->nb || hi > t->nb || lo > hi)
			return 0;
	}
	uint32_t first = lo;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (ld32(t->b + t->block_addrs + 4 * (size_t)mid, swap) <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* none of the page's blocks starts at or below the offset (block first - 1
	 * is outside the page's range; a clean index never asks for it) */
	if (lo == first)
		return 0;
	uint32_t b = lo - 1;
	uint32_t start = ld32(t->b + t->block_offsets + 4 * (size_t)b, swap);
	uint32_t end = b + 1 < t->nb ? ld32(t->b + t->block_offsets + 4 * (size_t)(b + 1), swap) : t->data_size;
	if (start > end || end > t->data_size)
		return 0;
	const uint8_t *p = t->b + t->data + start;
	const uint8_t *e = t->b + t->data + end;
	uint32_t f0, l0;
	if (!uleb(&p, e, &f0) || !uleb(&p, e, &l0))
		return 0;
	struct entry s = { ld32(t->b + t->block_addrs + 4 * (size_t)b, swap), f0, l0 };
	struct mru_state m;
	if (kind == CODEC_MRU_HUFFMAN) {
		m.nmru = 1;
		m.mru[0] = f0;
		m.nfiles = 1;
		m.files[0] = f0;
		m.lines[0] = l0;
		m.bits.p = p;
		m.bits.e = e;
		m.bits.acc = 0;
		m.bits.n = 0;
	}
	uint64_t i = (uint64_t)b * t->block_size;
	uint64_t last_plus_1 = i + t->block_size;
	uint64_t last = (last_plus_1 < t->n ? last_plus_1 : t->n) - 1;
	while (i < last) {
		struct entry next = s;
		if (!codec_next(t, kind, &p, e, &m, &next))
			return 0;
		if (next.offset > 0xffffffffu || next.file < 0 || next.line < 0 || next.line > 0xffffffffLL)
			return 0;
		if (next.offset > off)
			break;
		s = next;
		i++;
	}
	if (s.file >= (int64_t)t->f)
		return 0;
	uint32_t name;
	if (!name_of(t, (uint32_t)s.file, &name, swap))
		return 0;
	out->index = (uint32_t)i;
	out->offset = (uint32_t)s.offset;
	out->file_id = (uint32_t)s.file;
	out->line = (uint32_t)s.line;
	out->name_offset = name;
	return 1;
}

static int flagged_le(const struct table *t, uint64_t a, struct hit *o) { return codec_lookup_(t, a, o, 0, CODEC_FLAGGED); }
static int flagged_sw(const struct table *t, uint64_t a, struct hit *o) { return codec_lookup_(t, a, o, 1, CODEC_FLAGGED); }
static int special_le(const struct table *t, uint64_t a, struct hit *o) { return codec_lookup_(t, a, o, 0, CODEC_SPECIAL); }
static int special_sw(const struct table *t, uint64_t a, struct hit *o) { return codec_lookup_(t, a, o, 1, CODEC_SPECIAL); }
static int mruh_le(const struct table *t, uint64_t a, struct hit *o) { return codec_lookup_(t, a, o, 0, CODEC_MRU_HUFFMAN); }
static int mruh_sw(const struct table *t, uint64_t a, struct hit *o) { return codec_lookup_(t, a, o, 1, CODEC_MRU_HUFFMAN); }

/* params: "B" or "B:paged" (the part after the format name); empty = 64 */
static int codec_open_(struct table *t, const char *params, int swap, char *err, size_t errlen, int kind)
{
	unsigned long bs = 64;
	int paged = 0;
	if (*params) {
		char *endp;
		errno = 0;
		bs = strtoul(params, &endp, 10);
		if (errno || endp == params || bs < 1 || bs > 65536) {
			snprintf(err, errlen, "bad block size in \"%s\"", params);
			return 0;
		}
		if (!strcmp(endp, ":paged"))
			paged = 1;
		else if (*endp) {
			snprintf(err, errlen, "bad parameters \"%s\"", params);
			return 0;
		}
	}
	if (kind == CODEC_MRU_HUFFMAN && bs > MRU_MAX_FILES) {
		snprintf(err, errlen, "mru-huffman: blocks of at most %d entries here", MRU_MAX_FILES);
		return 0;
	}
	t->block_size = (uint32_t)bs;
	if (t->size < 28) {
		snprintf(err, errlen, "table: shorter than its counts");
		return 0;
	}
	t->n = ld32(t->b, swap);
	t->f = ld32(t->b + 4, swap);
	t->nb = ld32(t->b + 8, swap);
	t->quantum = ld32(t->b + 12, swap);
	t->page_shift = ld32(t->b + 16, swap);
	t->npages = ld32(t->b + 20, swap);
	t->np = ld32(t->b + 24, swap);
	if ((uint64_t)t->nb != ((uint64_t)t->n + bs - 1) / bs || t->quantum < 1 || t->quantum > 16 ||
	    t->page_shift > 31 || (t->npages > 0) != paged || (paged && !t->page_shift) || t->np > 64 ||
	    28 + 4 * ((size_t)t->np + t->npages) > t->size) {
		snprintf(err, errlen, "table: counts do not fit the format");
		return 0;
	}
	t->params = 28;
	t->pages = t->params + 4 * (size_t)t->np;
	t->block_addrs = t->pages + 4 * (size_t)t->npages;
	if (!open_block_tail(t, swap, err, errlen))
		return 0;
	if (kind == CODEC_SPECIAL) {
		if (t->np < 2) {
			snprintf(err, errlen, "special: needs 2 parameters");
			return 0;
		}
		t->special_base = (int32_t)ld32(t->b + t->params, swap);
		t->special_range = (int32_t)ld32(t->b + t->params + 4, swap);
		t->lookup = swap ? special_sw : special_le;
	} else if (kind == CODEC_MRU_HUFFMAN) {
		if (t->np < 35) {
			snprintf(err, errlen, "mru-huffman: needs 35 parameter words");
			return 0;
		}
		huff_build(&t->huff[0], t, 0, 64, swap);
		huff_build(&t->huff[1], t, 16, MRU_SLOTS + 1, swap);
		huff_build(&t->huff[2], t, 19, 64, swap);
		t->lookup = swap ? mruh_sw : mruh_le;
	} else
		t->lookup = swap ? flagged_sw : flagged_le;
	return 1;
}

static int flagged_open(struct table *t, const char *p, int swap, char *err, size_t n) { return codec_open_(t, p, swap, err, n, CODEC_FLAGGED); }
static int special_open(struct table *t, const char *p, int swap, char *err, size_t n) { return codec_open_(t, p, swap, err, n, CODEC_SPECIAL); }
static int mruh_open(struct table *t, const char *p, int swap, char *err, size_t n) { return codec_open_(t, p, swap, err, n, CODEC_MRU_HUFFMAN); }

/* ---- page-huffman: the kernel-ready lookup in lineinfo-page-huffman.h, both byte orders ---- */

#define LPH_NAME(x) x##_host
#define LPH_SWAP 0
#include "lineinfo-page-huffman.h"
#undef LPH_NAME
#undef LPH_SWAP
#define LPH_NAME(x) x##_swapped
#define LPH_SWAP 1
#include "lineinfo-page-huffman.h"

INLINE int page_huffman_lookup_(const struct table *t, uint64_t a, struct hit *o, int swap)
{
	uint32_t off, file, line;
	int found;

	if (!to_offset(t, a, &off))
		return 0;
	found = swap ? lineinfo_page_huffman_search_swapped(t->b, t->size, off, &file, &line)
		     : lineinfo_page_huffman_search_host(t->b, t->size, off, &file, &line);
	if (!found)
		return 0;
	/* the lookup reports what the kernel prints: file and line, not the entry */
	o->index = 0xffffffffu;
	o->offset = 0xffffffffu;
	o->file_id = file;
	o->line = line;
	return 1;
}
static int page_huffman_host(const struct table *t, uint64_t a, struct hit *o) { return page_huffman_lookup_(t, a, o, 0); }
static int page_huffman_swapped(const struct table *t, uint64_t a, struct hit *o) { return page_huffman_lookup_(t, a, o, 1); }

static int page_huffman_open(struct table *t, const char *params, int swap, char *err, size_t errlen)
{
	(void)params;
	(void)err;
	(void)errlen;
	/* nothing to check here: the lookup checks the table itself, every call, as the kernel's
	 * would (so even a table shorter than its header reaches it) */
	if (t->size >= 4)
		t->n = swap ? __builtin_bswap32(*(const uint32_t *)t->b) : *(const uint32_t *)t->b;
	t->lookup = swap ? page_huffman_swapped : page_huffman_host;
	return 1;
}

/* ---- the format table: id (before the first ':') -> open ---- */

struct format_ops {
	const char *name;
	/* Reads the counts, checks the layout fits, sets t->lookup. */
	int (*open)(struct table *t, const char *params, int swap, char *err, size_t errlen);
};

static const struct format_ops FORMATS[] = {
	{ "flat", flat_open },
	{ "blocks", blocks_open },
	{ "module-v3", module_v3_open },
	{ "flagged", flagged_open },
	{ "special", special_open },
	{ "mru-huffman", mruh_open },
	{ "page-huffman", page_huffman_open },
};

static int open_table(struct table *t, const char *format, int le, char *err, size_t errlen)
{
	const uint16_t probe = 1;
	int host_le = *(const uint8_t *)&probe == 1;
	int swap = le != host_le;
	size_t len = strcspn(format, ":");
	const char *params = format[len] == ':' ? format + len + 1 : "";
	for (size_t k = 0; k < sizeof FORMATS / sizeof FORMATS[0]; k++) {
		if (strlen(FORMATS[k].name) == len && !strncmp(FORMATS[k].name, format, len))
			return FORMATS[k].open(t, params, swap, err, errlen);
	}
	snprintf(err, errlen, "unknown format \"%s\"", format);
	return 0;
}

/* ---- files ---- */

static void die(const char *fmt, const char *a)
{
	fprintf(stderr, "lookup-bench: ");
	fprintf(stderr, fmt, a);
	fprintf(stderr, "\n");
	exit(2);
}

static uint8_t *read_file_into(const char *path, size_t *size, int huge)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		die("cannot open %s", path);
	if (fseek(f, 0, SEEK_END))
		die("cannot seek %s", path);
	long s = ftell(f);
	rewind(f);
	uint8_t *b = NULL;
#ifdef __SANITIZE_ADDRESS__
	/* the checking build: the table at its exact size, so a read past it is reported */
	huge = 0;
#endif
	if (huge) {
		/*
		 * The kernel maps .rodata with large pages (2 MiB on x86_64): ask
		 * for transparent huge pages so TLB misses are not over-counted.
		 */
		const size_t two_m = (size_t)2 << 20;
		size_t len = ((size_t)(s > 0 ? s : 1) + two_m - 1) / two_m * two_m;
		void *p;
		if (posix_memalign(&p, two_m, len) == 0) {
			b = p;
			madvise(b, len, MADV_HUGEPAGE);
		}
	} else {
		b = malloc(s > 0 ? (size_t)s : 1);
	}
	if (!b)
		die("out of memory reading %s", path);
	if (s > 0 && fread(b, 1, (size_t)s, f) != (size_t)s)
		die("cannot read %s", path);
	fclose(f);
	*size = (size_t)s;
	return b;
}

static uint8_t *read_file(const char *path, size_t *size) { return read_file_into(path, size, 0); }

/* Bytes of this process in transparent huge pages (AnonHugePages), -1 if unknown. */
static long long anon_huge_bytes(void)
{
	FILE *f = fopen("/proc/self/smaps_rollup", "r");
	if (!f)
		return -1;
	char line[256];
	long long kb = -1;
	while (fgets(line, sizeof line, f)) {
		if (sscanf(line, "AnonHugePages: %lld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb < 0 ? -1 : kb * 1024;
}

static void write_all(FILE *f, const void *p, size_t n, const char *path)
{
	if (n && fwrite(p, 1, n, f) != n)
		die("cannot write %s", path);
}

/* ---- timing ---- */

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* As stats.ts measureTimer: smallest non-zero step and median step of back-to-back readings. */
static void measure_timer(double *resolution, double *overhead)
{
	enum { READS = 10000 };
	static uint64_t steps[READS];
	uint64_t prev = now_ns(), min = UINT64_MAX;
	for (int i = 0; i < READS; i++) {
		uint64_t t = now_ns();
		steps[i] = t - prev;
		if (steps[i] > 0 && steps[i] < min)
			min = steps[i];
		prev = t;
	}
	qsort(steps, READS, sizeof steps[0], cmp_u64);
	*resolution = min == UINT64_MAX ? 0 : (double)min;
	*overhead = (double)steps[(READS + 1) / 2 - 1];
}

static volatile uint64_t sink;
/* AnonHugePages right after the table was loaded (before any eviction buffer). */
static long long table_huge_bytes = -1;

struct bench {
	const struct table *t;
	const uint64_t *addrs;
	size_t naddrs;
	uint8_t *evict;
	size_t evict_bytes;
	/* cold: flush the table's lines instead of walking `evict` */
	int flush;
	uint64_t acc;
};

/*
 * `calls` lookups of the address `a`, through the format's function. The
 * caller loads the address before starting the clock (the address list is
 * not part of the kernel's lookup, and after an eviction it would miss).
 */
static __attribute__((noinline)) uint64_t body(const struct table *t, uint64_t a, uint64_t calls)
{
	lookup_fn fn = t->lookup;
	struct hit h = { 0 };
	uint64_t acc = 0;
	for (uint64_t k = 0; k < calls; k++) {
		__asm__ volatile("" : "+r"(a)); /* a fresh lookup every time */
		acc += (uint64_t)fn(t, a, &h) + h.line;
	}
	return acc;
}

#if defined(__x86_64__) || defined(__i386__)
#define HAVE_FLUSH 1
/*
 * Every line of the table out of every cache level: the table is cold, as
 * in a kernel that has not looked at it for a while, at a small fraction
 * of a walk's cost (0.3 ms for 20 MB against 15 to 40 ms for 256 MiB here),
 * so a run takes many more samples and its p99 stops being the second
 * largest of 200.
 */
static void flush_table(const struct table *t)
{
	for (size_t i = 0; i < t->size; i += 64)
		__builtin_ia32_clflush(t->b + i);
	if (t->size)
		__builtin_ia32_clflush(t->b + t->size - 1);
	__builtin_ia32_mfence();
}
#else
#define HAVE_FLUSH 0
static void flush_table(const struct table *t)
{
	(void)t;
}
#endif

/* Walks a buffer of at least twice the last-level cache, one read per 64-byte line. */
static void prepare(struct bench *b)
{
	if (b->flush) {
		flush_table(b->t);
		return;
	}
	if (!b->evict)
		return;
	uint64_t acc = 0;
	const volatile uint8_t *p = b->evict;
	for (size_t i = 0; i < b->evict_bytes; i += 64)
		acc += p[i];
	b->acc += acc;
	__sync_synchronize();
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return (a > b) - (a < b);
}

/*
 * The policy of stats.ts runSamples, in C. Optional arguments after the
 * policy: the cold eviction ("walk" or "flush") and the cold repeats (each
 * sample is the median of that many cold lookups of its address, so a rare
 * interruption of one lookup does not become the p99).
 */
static int run_time(int argc, char **argv, const struct table *t, const uint64_t *addrs, size_t naddrs)
{
	if (argc != 15 && argc != 17)
		die("%s", "time: wrong number of arguments");
	const char *out = argv[6];
	const char *mode = argv[7];
	struct bench b = { t, addrs, naddrs, NULL, 0, 0, 0 };
	int cold = !strcmp(mode, "cold");
	if (!cold && strcmp(mode, "warm"))
		die("mode is warm or cold, not %s", mode);
	b.evict_bytes = strtoull(argv[8], NULL, 0);
	uint64_t reps = 1;
	if (argc == 17) {
		if (!strcmp(argv[15], "flush"))
			b.flush = 1;
		else if (strcmp(argv[15], "walk"))
			die("eviction is walk or flush, not %s", argv[15]);
		reps = strtoull(argv[16], NULL, 0);
		if (reps < 1 || reps > 15)
			die("cold repeats: 1 to 15, not %s", argv[16]);
	}
	if (b.flush && !HAVE_FLUSH)
		die("%s", "flush eviction needs an x86 host");
	if (!cold)
		reps = 1;
	/* one CPU for the whole run: a migration would warm or cool the caches under a sample */
	int cpu = sched_getcpu();
	if (cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			cpu = -1;
	}
	double warmup_ns = strtod(argv[9], NULL);
	uint64_t min_samples = strtoull(argv[10], NULL, 0);
	double min_time_ns = strtod(argv[11], NULL);
	uint64_t max_samples = strtoull(argv[12], NULL, 0);
	double batch_res = strtod(argv[13], NULL);
	uint64_t max_batch = strtoull(argv[14], NULL, 0);
	if (naddrs == 0)
		die("%s", "time: no addresses");
	if (cold && !b.flush) {
		b.evict = malloc(b.evict_bytes);
		if (!b.evict)
			die("%s", "out of memory for the eviction buffer");
		memset(b.evict, 1, b.evict_bytes); /* real pages, not the zero page */
	}
	double resolution, overhead;
	measure_timer(&resolution, &overhead);
	double target = batch_res * (resolution > 1 ? resolution : 1);

	uint64_t batch = 1, warmup_calls = 0, i = 0;
	uint64_t w0 = now_ns();
	for (;;) {
		uint64_t a = addrs[i % naddrs];
		if (cold)
			prepare(&b);
		else
			b.acc += body(t, a, 1); /* warm: this address's path in cache first */
		__asm__ volatile("" : "+r"(a));
		uint64_t t0 = now_ns();
		uint64_t acc = body(t, a, batch);
		uint64_t t1 = now_ns();
		b.acc += acc;
		warmup_calls += batch;
		i++;
		if (batch_res > 0 && (double)(t1 - t0) < target && batch < max_batch) {
			batch = batch * 2 < max_batch ? batch * 2 : max_batch;
			continue;
		}
		if ((double)(t1 - w0) >= warmup_ns)
			break;
	}
	double *samples = malloc(sizeof(double) * (max_samples ? max_samples : 1));
	double *prep = malloc(sizeof(double) * (max_samples ? max_samples : 1) * reps);
	if (!samples || !prep)
		die("%s", "out of memory for samples");
	uint64_t n = 0, np = 0;
	uint64_t m0 = now_ns(), now = m0;
	while (n < max_samples && (n < min_samples || (double)(now - m0) < min_time_ns)) {
		uint64_t a = addrs[n % naddrs];
		double rep[15];
		for (uint64_t r = 0; r < reps; r++) {
			if (cold) {
				uint64_t p0 = now_ns();
				prepare(&b);
				prep[np++] = (double)(now_ns() - p0);
			} else {
				b.acc += body(t, a, 1); /* warm: this address's path in cache first, untimed */
			}
			__asm__ volatile("" : "+r"(a));
			uint64_t t0 = now_ns();
			uint64_t acc = body(t, a, batch);
			uint64_t t1 = now_ns();
			b.acc += acc;
			rep[r] = (double)(t1 - t0) / (double)batch;
			now = t1;
		}
		if (reps > 1)
			qsort(rep, reps, sizeof(double), cmp_double);
		samples[n++] = rep[reps / 2];
	}
	sink = b.acc;
	FILE *f = fopen(out, "wb");
	if (!f)
		die("cannot write %s", out);
	write_all(f, samples, n * sizeof(double), out);
	write_all(f, prep, np * sizeof(double), out);
	if (fclose(f))
		die("cannot write %s", out);
	printf("{\"samples\":%" PRIu64 ",\"prepare\":%" PRIu64 ",\"batch\":%" PRIu64
	       ",\"warmupCalls\":%" PRIu64 ",\"elapsedNs\":%" PRIu64
	       ",\"resolutionNs\":%.1f,\"overheadNs\":%.1f,\"evictBytes\":%zu"
	       ",\"tableBytes\":%zu,\"tableHugeBytes\":%lld,\"eviction\":\"%s\",\"repeats\":%" PRIu64
	       ",\"cpu\":%d}\n",
	       n, np, batch, warmup_calls, now - m0, resolution, overhead,
	       cold && !b.flush ? b.evict_bytes : (size_t)0, t->size, table_huge_bytes,
	       !cold ? "none" : b.flush ? "flush" : "walk", reps, cpu);
	free(samples);
	free(prep);
	free(b.evict);
	return 0;
}

/*
 * check-many FORMAT LE BASE ADDRS OUT TABLE...: `check` over many tables (the
 * corrupt-table tests), one process for all. Per table, in order: a u32 status
 * (1 opened, 2 refused: the kernel would print no line info), then five u32
 * per address as `check` writes them (zeros when refused). A fault ends the
 * process: the caller then runs the tables one by one to find the culprit.
 */
static int run_check_many(int argc, char **argv)
{
	size_t abytes;
	uint64_t *addrs = (uint64_t *)read_file(argv[5], &abytes);
	size_t naddrs = abytes / 8;
	FILE *f = fopen(argv[6], "wb");
	if (!f)
		die("cannot write %s", argv[6]);
	uint32_t *res = malloc((naddrs * 5 + 1) * sizeof(uint32_t));
	if (!res)
		die("%s", "out of memory");
	for (int k = 7; k < argc; k++) {
		struct table t;
		char err[256];
		memset(&t, 0, sizeof t);
		/* the table at its exact size: a sanitized build reports a read past it */
		t.b = read_file_into(argv[k], &t.size, 0);
		t.base = strtoull(argv[4], NULL, 0);
		memset(res, 0, (naddrs * 5 + 1) * sizeof(uint32_t));
		if (!open_table(&t, argv[2], atoi(argv[3]), err, sizeof err)) {
			res[0] = 2;
		} else {
			res[0] = 1;
			for (size_t i = 0; i < naddrs; i++) {
				struct hit h = { 0 };
				int found = t.lookup(&t, addrs[i], &h);
				uint32_t *r = res + 1 + 5 * i;
				r[0] = (uint32_t)found;
				r[1] = found ? h.index : 0;
				r[2] = found ? h.offset : 0;
				r[3] = found ? h.file_id : 0;
				r[4] = found ? h.line : 0;
			}
		}
		write_all(f, res, (naddrs * 5 + 1) * sizeof(uint32_t), argv[6]);
		free((void *)t.b);
	}
	if (fclose(f))
		die("cannot write %s", argv[6]);
	free(res);
	free(addrs);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "formats")) {
		for (size_t k = 0; k < sizeof FORMATS / sizeof FORMATS[0]; k++)
			printf("%s\n", FORMATS[k].name);
		return 0;
	}
	if (argc >= 7 && !strcmp(argv[1], "check-many"))
		return run_check_many(argc, argv);
	if (argc < 7 || (strcmp(argv[1], "check") && strcmp(argv[1], "time")))
		die("%s", "usage: lookup-bench formats | check FORMAT LE BASE TABLE ADDRS OUT | time FORMAT LE BASE TABLE ADDRS OUT MODE ...");
	struct table t;
	memset(&t, 0, sizeof t);
	char err[256];
	t.b = read_file_into(argv[5], &t.size, 1);
	table_huge_bytes = anon_huge_bytes();
	t.base = strtoull(argv[4], NULL, 0);
	if (!open_table(&t, argv[2], atoi(argv[3]), err, sizeof err))
		die("%s", err);
	size_t abytes;
	uint64_t *addrs = (uint64_t *)read_file(argv[6], &abytes);
	size_t naddrs = abytes / 8;
	if (!strcmp(argv[1], "time")) {
		/* argv: time FORMAT LE BASE TABLE ADDRS OUT MODE ... ; shift so argv[6] is OUT */
		return run_time(argc - 1, argv + 1, &t, addrs, naddrs);
	}
	if (argc != 8)
		die("%s", "check: FORMAT LE BASE TABLE ADDRS OUT");
	uint32_t *res = malloc(naddrs * 5 * sizeof(uint32_t) + 1);
	if (!res)
		die("%s", "out of memory");
	for (size_t k = 0; k < naddrs; k++) {
		struct hit h = { 0 };
		int found = t.lookup(&t, addrs[k], &h);
		res[5 * k] = (uint32_t)found;
		res[5 * k + 1] = found ? h.index : 0;
		res[5 * k + 2] = found ? h.offset : 0;
		res[5 * k + 3] = found ? h.file_id : 0;
		res[5 * k + 4] = found ? h.line : 0;
	}
	FILE *f = fopen(argv[7], "wb");
	if (!f)
		die("cannot write %s", argv[7]);
	write_all(f, res, naddrs * 5 * sizeof(uint32_t), argv[7]);
	if (fclose(f))
		die("cannot write %s", argv[7]);
	free(res);
	return 0;
}
