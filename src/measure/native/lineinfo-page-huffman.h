/*
 * The page-huffman lineinfo lookup (lineinfo-bench's src/encodings/page-huffman.ts
 * writes the tables), written to drop into the kernel beside kallsyms:
 * freestanding (no libc), kernel integer types, no floating point, no
 * allocation, no recursion, every read of the table bounds-checked so that
 * a corrupt table gives "not found" and never a read outside it.
 *
 * Layout (u32 words in the table's byte order): num_entries, num_files,
 * quantum, page_shift, num_pages, widths (bit widths of a block's file id,
 * line, entry count and offset-step stream length, a byte each),
 * num_popular, num_segments and four segments of the page index (start
 * page, end page, first group: the longest runs of empty pages are left
 * out, a page in one answers as its segment's last page); three decode
 * tables (offset steps, files, line steps: counts per code length,
 * symbols, 8-bit fast table); popular lines (u32) and files (u16), at most
 * 128 (the tables and these, 3.1 KB, are prefetched: see the lookup); page
 * groups (64-byte aligned lines: u32 base + 30 x u16); data_size and data
 * (per page, MSB first: the state at the page start, the entry count, then
 * two streams, offset steps and files with lines); the file tables.
 *
 * Include it with LPH_SWAP 1 to read tables of the other byte order (the
 * benchmark harness does, for big-endian targets) and LPH_NAME(x) to name
 * the instance; a kernel build uses the defaults.
 */
#ifndef LPH_NAME
#define LPH_NAME(x) x
#endif
/*
 * A prefetch for reading. A kernel build may map it to prefetch(): clang
 * drops __builtin_prefetch on x86_64 under -mno-sse, which kbuild passes.
 */
#ifndef LPH_PREFETCH
#define LPH_PREFETCH(p) __builtin_prefetch(p)
#endif
#ifndef LPH_SWAP
#define LPH_SWAP 0
#endif

#ifndef LPH_TYPES
#define LPH_TYPES
#ifndef __KERNEL__
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef long long s64;
#ifndef __bool_true_false_are_defined
typedef _Bool bool;
#define true 1
#define false 0
#endif
#endif

#define LPH_MRU 8
#define LPH_MAX_POPULAR 128
#define LPH_DIRECT 32
#define LPH_CLASS_MIN_BITS 6
#define LPH_MAX_LEN 12
#define LPH_FAST_BITS 8
#define LPH_GROUP_PAGES 30
#define LPH_GROUP_BYTES 64
#define LPH_MAX_SEGMENTS 4
#define LPH_HEADER_BYTES (4 * (8 + 3 * LPH_MAX_SEGMENTS))
#define LPH_COUNTS_BYTES (2 * (LPH_MAX_LEN + 2))
#define LPH_A_CAP 64
/* file symbols: the same file with its line step's class (60), MRU slots 1-7, popular, raw */
#define LPH_SAME_FILE (LPH_DIRECT + 28)
#define LPH_F_CAP (LPH_SAME_FILE + LPH_MRU - 1 + LPH_MAX_POPULAR + 1)
#define LPH_L_CAP 64
#define LPH_ALPHABET_BYTES(cap) (LPH_COUNTS_BYTES + 2 * (cap) + 2 * (1 << LPH_FAST_BITS))
#define LPH_A_AT 0
#define LPH_F_AT (LPH_A_AT + LPH_ALPHABET_BYTES(LPH_A_CAP))
#define LPH_L_AT (LPH_F_AT + LPH_ALPHABET_BYTES(LPH_F_CAP))
#define LPH_TABLES_BYTES (LPH_L_AT + LPH_ALPHABET_BYTES(LPH_L_CAP))
#define LPH_NO_LINE 0xffffffffu
/* the decode loop's helpers are inlined into it whatever the optimisation level */
#define LPH_INLINE static inline __attribute__((__always_inline__))

/* The decode state of one stream: all on the stack. buf holds the bits from
 * pos = 8 * next - avail on, MSB first; bits past the data read as zeros
 * (pos then passes 8 * size, which the lookup checks). */
struct lph_reader {
	const u8 *data;
	u64 size;	/* the data's size in bytes */
	u64 buf;
	u64 next;	/* the next byte to load into buf */
	unsigned int avail;	/* valid bits in buf */
};
/* eight bytes at p, unaligned, as a big-endian number (the bit streams are MSB first) */
struct lph_u64_unaligned {
	u64 v;
} __attribute__((__packed__, __may_alias__));
#endif /* LPH_TYPES */

LPH_INLINE u32 LPH_NAME(lph_ld16)(const u8 *p)
{
#if (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__) != (LPH_SWAP != 0)
	return (u32)p[0] | (u32)p[1] << 8;
#else
	return (u32)p[1] | (u32)p[0] << 8;
#endif
}

LPH_INLINE u32 LPH_NAME(lph_ld32)(const u8 *p)
{
#if (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__) != (LPH_SWAP != 0)
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
#else
	return (u32)p[3] | (u32)p[2] << 8 | (u32)p[1] << 16 | (u32)p[0] << 24;
#endif
}

#ifndef LPH_READER_FNS
#define LPH_READER_FNS
LPH_INLINE u64 lph_be64(const u8 *p)
{
	u64 v = ((const struct lph_u64_unaligned *)p)->v;

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

/* Tops buf up to at least 56 valid bits: one unaligned 8-byte load inside the
 * data, byte by byte (zeros past its end) in its last 8 bytes. */
LPH_INLINE void lph_refill(struct lph_reader *r)
{
	if (r->next + 8 <= r->size) {
		/* the bits below avail are zeros or these same bits: OR keeps them */
		r->buf |= lph_be64(r->data + r->next) >> r->avail;
		r->next += (63 - r->avail) >> 3;
		r->avail |= 56;
		return;
	}
	while (r->avail <= 56) {
		u64 byte = r->next < r->size ? r->data[r->next] : 0;

		r->buf |= byte << (56 - r->avail);
		r->avail += 8;
		r->next++;
	}
}

/* Refills when fewer than need bits are left (need at most 56). */
LPH_INLINE void lph_need(struct lph_reader *r, unsigned int need)
{
	if (r->avail < need)
		lph_refill(r);
}

LPH_INLINE u64 lph_pos(const struct lph_reader *r)
{
	return r->next * 8 - r->avail;
}

LPH_INLINE void lph_seek(struct lph_reader *r, u64 bit)
{
	r->next = bit >> 3;
	r->buf = 0;
	r->avail = 0;
	lph_refill(r);
	r->buf <<= bit & 7;
	r->avail -= bit & 7;
}

LPH_INLINE void lph_skip(struct lph_reader *r, unsigned int count)
{
	r->buf <<= count;
	r->avail -= count;
}

/* count bits (up to 32, no more than avail), MSB first. */
LPH_INLINE u32 lph_take(struct lph_reader *r, unsigned int count)
{
	u32 v = (u32)((r->buf >> 32) >> (32 - count));

	lph_skip(r, count);
	return v;
}

/* A value of a symbol: small ones are the symbol, larger ones a bit length
 * and the bits below the top one (at most 32: the caller refilled). */
LPH_INLINE u64 lph_value(struct lph_reader *r, unsigned int sym)
{
	unsigned int extra;

	if (sym < LPH_DIRECT)
		return sym;
	extra = sym - LPH_DIRECT + LPH_CLASS_MIN_BITS - 1;
	return ((u64)1 << extra) + lph_take(r, extra);
}

LPH_INLINE s64 lph_unzigzag(u64 z)
{
	return (s64)((z >> 1) ^ (0 - (z & 1)));
}
#endif /* LPH_READER_FNS */

/*
 * One canonical Huffman symbol through alphabet table t; -1 when the table
 * or the bits are malformed. The caller refilled r (a symbol takes at most
 * 15 bits). Codes of up to 8 bits come from the fast table; a longer code
 * (fast entry 0) is found by the canonical walk from length 9 on.
 */
LPH_INLINE int LPH_NAME(lph_symbol)(struct lph_reader *r, const u8 *t, unsigned int cap, unsigned int nsyms)
{
	const u8 *symbols = t + LPH_COUNTS_BYTES;
	u32 fast = LPH_NAME(lph_ld16)(symbols + 2 * cap + 2 * (u32)(r->buf >> (64 - LPH_FAST_BITS)));
	u32 sym, len;

	if (__builtin_expect(fast != 0, 1)) {
		/* a length from a corrupt table is harmless: at most 15 bits, and the entry count bounds the loop */
		sym = fast & 0xfff;
		len = fast >> 12;
	} else {
		u32 window = (u32)(r->buf >> (64 - LPH_MAX_LEN));
		s64 first = 0, index = 0;

#pragma GCC unroll 8
		for (len = 1; len <= LPH_FAST_BITS; len++) {
			s64 count = LPH_NAME(lph_ld16)(t + 2 * len);

			index += count;
			first = (first + count) << 1;
		}
		for (;; len++) {
			s64 count, code, i;

			if (len > LPH_MAX_LEN)
				return -1;
			count = LPH_NAME(lph_ld16)(t + 2 * len);
			code = window >> (LPH_MAX_LEN - len);
			if (code - first < count) {
				i = index + code - first;
				/* a corrupt table's counts can put i below 0 too */
				if ((u64)i >= cap)
					return -1;
				sym = LPH_NAME(lph_ld16)(symbols + 2 * i);
				break;
			}
			index += count;
			first = (first + count) << 1;
		}
	}
	if (sym >= nsyms)
		return -1;
	lph_skip(r, len);
	return (int)sym;
}

/*
 * The series' lookup: offset from the table's base (_text) in, file id and
 * line out; false when no entry covers the offset or the table is malformed.
 */
static inline bool LPH_NAME(lineinfo_page_huffman_search)(const u8 *tbl, u64 size, u32 offset,
							   u32 *file_id, u32 *line)
{
	const u8 *tables = tbl + LPH_HEADER_BYTES;
	u32 nfiles, q, shift, npages, widths, npop, nseg, wf, wl, wc, wa, page, data_size, count, step_bits;
	u32 seg_start = 0, seg_end = 0, seg_group = 0;
	u64 groups, ngroups = 0, size_at, at, bits, ok_pos;
	/* the block's last files, most recent first: file << 32 | its last line */
	u64 mru[LPH_MRU];
	unsigned int nmru = 0;
	/* two streams, decoded side by side: offset steps (r), then files and lines (rf) */
	struct lph_reader r, rf;
	u32 cur_file = 0, cur_line = 0;
	u64 cur_off;
	bool found;

	if (size < LPH_HEADER_BYTES)
		return false;
	/*
	 * The decode tables are read in an order only the data decides: ask for
	 * the fast tables (what nearly every symbol reads, 1.5 KB) now, so that
	 * cold caches fetch them side by side with the header and the page
	 * group; the rest of the tables and the popular entries once the page
	 * group is in (below), beside the block.
	 */
#pragma GCC unroll 9
	for (unsigned int k = 0; k < (1 << LPH_FAST_BITS) * 2 + 63; k += 64) {
		LPH_PREFETCH(tables + LPH_A_AT + LPH_COUNTS_BYTES + 2 * LPH_A_CAP + k);
		LPH_PREFETCH(tables + LPH_F_AT + LPH_COUNTS_BYTES + 2 * LPH_F_CAP + k);
		LPH_PREFETCH(tables + LPH_L_AT + LPH_COUNTS_BYTES + 2 * LPH_L_CAP + k);
	}
	nfiles = LPH_NAME(lph_ld32)(tbl + 4);
	q = LPH_NAME(lph_ld32)(tbl + 8);
	shift = LPH_NAME(lph_ld32)(tbl + 12);
	npages = LPH_NAME(lph_ld32)(tbl + 16);
	widths = LPH_NAME(lph_ld32)(tbl + 20);
	npop = LPH_NAME(lph_ld32)(tbl + 24);
	nseg = LPH_NAME(lph_ld32)(tbl + 28);
	wf = widths & 0xff;
	wl = (widths >> 8) & 0xff;
	wc = (widths >> 16) & 0xff;
	wa = widths >> 24;
	if (q < 1 || q > 16 || shift < 4 || shift > 24 || wf < 1 || wf > 16 || wl < 1 || wl > 32 ||
	    wc < 1 || wc > 16 || wa < 1 || wa > 24 || npop > LPH_MAX_POPULAR || npages == 0 || nseg < 1 ||
	    nseg > LPH_MAX_SEGMENTS)
		return false;
	page = offset >> shift;
	if (page >= npages)
		page = npages - 1;
	/*
	 * The segment of the page: the last one starting at or below it. Only
	 * what keeps the reads inside the table is checked here, every call (the
	 * TypeScript reader checks their order when it opens a table): the page
	 * group must lie among the groups the segments count.
	 */
	for (u32 i = 0; i < nseg; i++) {
		const u8 *sg = tbl + 32 + 12 * i;
		u32 start = LPH_NAME(lph_ld32)(sg);
		u32 end = LPH_NAME(lph_ld32)(sg + 4);

		if (start <= page) {
			seg_start = start;
			seg_end = end;
			seg_group = LPH_NAME(lph_ld32)(sg + 8);
		}
		ngroups += ((u64)(u32)(end - start) + LPH_GROUP_PAGES - 1) / LPH_GROUP_PAGES;
	}
	if (page >= seg_end)
		page = seg_end - 1;
	if (page < seg_start || (u64)seg_group + (page - seg_start) / LPH_GROUP_PAGES >= ngroups)
		return false;
	groups = LPH_HEADER_BYTES + LPH_TABLES_BYTES + 6 * (u64)npop;
	groups = (groups + LPH_GROUP_BYTES - 1) / LPH_GROUP_BYTES * LPH_GROUP_BYTES;
	size_at = groups + ngroups * LPH_GROUP_BYTES;
	if (size_at + 4 > size)
		return false;
	{
		u32 rel = page - seg_start;
		const u8 *g = tbl + groups + ((u64)seg_group + rel / LPH_GROUP_PAGES) * LPH_GROUP_BYTES;

		at = (u64)LPH_NAME(lph_ld32)(g) + LPH_NAME(lph_ld16)(g + 4 + 2 * (rel % LPH_GROUP_PAGES));
	}
	data_size = LPH_NAME(lph_ld32)(tbl + size_at);
	if (size_at + 4 + data_size > size || at >= data_size)
		return false;
	r.data = tbl + size_at + 4;
	r.size = data_size;
	bits = (u64)data_size * 8;
	/* the block's next lines (the files stream usually starts in the second): fetched with the first */
	if (at + 64 < data_size)
		LPH_PREFETCH(r.data + at + 64);
	if (at + 128 < data_size)
		LPH_PREFETCH(r.data + at + 128);
	lph_seek(&r, at * 8);
	{
		/*
		 * The code-length counts and symbols (long codes) and the popular
		 * entries: asked for after the block's first line, their address
		 * made to depend on the page group's (an and with a zero the
		 * compiler cannot see), so that they do not queue ahead of the
		 * header, the page group and the block. All of them together at
		 * the start made a cold lookup slower than none at all.
		 */
		u64 zero = 0;
		const u8 *t;

		__asm__("" : "+r"(zero));
		t = tables + (at & zero);
		/* each range's every line, whatever the table's alignment */
#pragma GCC unroll 4
		for (unsigned int k = 0; k < LPH_COUNTS_BYTES + 2 * LPH_A_CAP + 63; k += 64)
			LPH_PREFETCH(t + LPH_A_AT + k);
#pragma GCC unroll 8
		for (unsigned int k = 0; k < LPH_COUNTS_BYTES + 2 * LPH_F_CAP + 63; k += 64)
			LPH_PREFETCH(t + LPH_F_AT + k);
#pragma GCC unroll 4
		for (unsigned int k = 0; k < LPH_COUNTS_BYTES + 2 * LPH_L_CAP + 63; k += 64)
			LPH_PREFETCH(t + LPH_L_AT + k);
#pragma GCC unroll 13
		for (unsigned int k = 0; k < 6 * LPH_MAX_POPULAR + 63; k += 64)
			LPH_PREFETCH(t + LPH_TABLES_BYTES + k);
	}

	found = lph_take(&r, 1);
	if (found) {
		cur_file = lph_take(&r, wf);
		cur_line = lph_take(&r, wl);
		mru[0] = (u64)cur_file << 32 | cur_line;
		nmru = 1;
	}
	lph_refill(&r);
	count = lph_take(&r, wc);
	step_bits = lph_take(&r, wa);
	if (lph_pos(&r) > bits || (found && cur_file >= nfiles))
		return false;
	rf.data = r.data;
	rf.size = r.size;
	lph_seek(&rf, lph_pos(&r) + step_bits);
	cur_off = (u64)page << shift;
	ok_pos = lph_pos(&r);

	for (; count; count--) {
		int sa, sf, sl;
		u64 next_off;
		u32 file;
		s64 next_line;
		unsigned int slot;

		/* a symbol (at most 15 bits) and its extra bits (at most 32) */
		lph_need(&r, 47);
		sa = LPH_NAME(lph_symbol)(&r, tables + LPH_A_AT, LPH_A_CAP, LPH_DIRECT + 27);
		if (sa < 0)
			return false;
		next_off = cur_off + lph_value(&r, (unsigned int)sa) * q;
		/* past the address: the rest of the entry is not read (nor checked) */
		if (next_off > offset)
			break;
		lph_need(&rf, 47);
		sf = LPH_NAME(lph_symbol)(&rf, tables + LPH_F_AT, LPH_F_CAP, LPH_SAME_FILE + LPH_MRU + npop);
		if (sf < 0)
			return false;
		if (sf < LPH_SAME_FILE) {
			/* the same file again, the symbol its line step's: the common case, no move to front */
			next_line = (s64)cur_line + lph_unzigzag(lph_value(&rf, (unsigned int)sf));
			if (!nmru || (u64)next_line > 0xffffffffULL)
				return false;
			cur_off = next_off;
			cur_line = (u32)next_line;
			mru[0] = (u64)cur_file << 32 | cur_line;
			found = true;
			/* where the offsets stream stood after this entry, checked at the end */
			ok_pos = lph_pos(&r);
			continue;
		}
		if (sf < LPH_SAME_FILE + LPH_MRU - 1) {
			slot = (unsigned int)sf - LPH_SAME_FILE + 1;
			if (slot >= nmru)
				return false;
			file = (u32)(mru[slot] >> 32);
			lph_need(&rf, 47);
			sl = LPH_NAME(lph_symbol)(&rf, tables + LPH_L_AT, LPH_L_CAP, LPH_DIRECT + 28);
			if (sl < 0)
				return false;
			next_line = (s64)(u32)mru[slot] + lph_unzigzag(lph_value(&rf, (unsigned int)sl));
		} else {
			u32 j = (u32)sf - LPH_SAME_FILE - (LPH_MRU - 1);
			u32 popular_line = LPH_NO_LINE;

			if (j < npop) {
				const u8 *pop = tables + LPH_TABLES_BYTES;

				popular_line = LPH_NAME(lph_ld32)(pop + 4 * j);
				file = LPH_NAME(lph_ld16)(pop + 4 * npop + 2 * j);
			} else {
				file = lph_take(&rf, wf);
			}
			if (popular_line != LPH_NO_LINE) {
				next_line = popular_line;
			} else {
				lph_need(&rf, 47);
				sl = LPH_NAME(lph_symbol)(&rf, tables + LPH_L_AT, LPH_L_CAP, LPH_DIRECT + 28);
				if (sl < 0)
					return false;
				next_line = (s64)cur_line + lph_unzigzag(lph_value(&rf, (unsigned int)sl));
			}
		}
		if (file >= nfiles || (u64)next_line > 0xffffffffULL)
			return false;
		cur_off = next_off;
		cur_file = file;
		cur_line = (u32)next_line;
		found = true;
		ok_pos = lph_pos(&r);
		/* move to front */
		slot = 0;
		while (slot < nmru && (u32)(mru[slot] >> 32) != file)
			slot++;
		if (slot == nmru) {
			if (nmru < LPH_MRU)
				nmru++;
			slot = nmru - 1;
		}
		for (; slot > 0; slot--)
			mru[slot] = mru[slot - 1];
		mru[0] = (u64)file << 32 | cur_line;
	}
	/* a stream read past the data (zeros) on the way to the answer: malformed */
	if (!found || ok_pos > bits || lph_pos(&rf) > bits)
		return false;
	*file_id = cur_file;
	*line = cur_line;
	return true;
}
