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
 * symbols, 8-bit fast table); popular lines (u32) and files (u16); page
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
#define LPH_MAX_POPULAR 256
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

/* The decode state of one lookup: all on the stack. buf holds the bits from
 * pos on, MSB first; bits past the data read as zeros (pos then passes bits,
 * which the lookup checks after each entry). */
struct lph_reader {
	const u8 *data;
	u64 bits;	/* the data's size in bits */
	u64 pos;	/* the next bit */
	u64 buf;
	u64 next_byte;	/* the next byte to load into buf */
	unsigned int avail;	/* valid bits in buf */
};
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
LPH_INLINE void lph_seek(struct lph_reader *r, u64 bit)
{
	r->pos = bit;
	r->next_byte = bit >> 3;
	r->buf = 0;
	r->avail = 0;
	/* the bits of the first byte before bit are dropped by the first refill */
	if (bit & 7) {
		u64 size = r->bits >> 3;

		r->buf = (u64)(r->next_byte < size ? r->data[r->next_byte] : 0) << (56 + (bit & 7));
		r->avail = 8 - (bit & 7);
		r->next_byte++;
	}
}

/* Tops buf up to at least 56 valid bits. */
LPH_INLINE void lph_refill(struct lph_reader *r)
{
	u64 size = r->bits >> 3;

	if (r->avail > 32)
		return;
	if (r->next_byte + 4 <= size) {
		const u8 *p = r->data + r->next_byte;
		u64 w = (u64)p[0] << 24 | (u64)p[1] << 16 | (u64)p[2] << 8 | (u64)p[3];

		r->buf |= w << (32 - r->avail);
		r->avail += 32;
		r->next_byte += 4;
		return;
	}
	while (r->avail <= 56) {
		u64 byte = r->next_byte < size ? r->data[r->next_byte] : 0;

		r->buf |= byte << (56 - r->avail);
		r->avail += 8;
		r->next_byte++;
	}
}

/* The next 24 bits, not consumed. */
LPH_INLINE u32 lph_peek24(struct lph_reader *r)
{
	lph_refill(r);
	return (u32)(r->buf >> 40);
}

LPH_INLINE void lph_skip(struct lph_reader *r, unsigned int count)
{
	r->buf <<= count;
	r->avail -= count;
	r->pos += count;
}

/* count bits (up to 24), MSB first. */
LPH_INLINE u32 lph_take(struct lph_reader *r, unsigned int count)
{
	u32 v;

	if (!count)
		return 0;
	v = lph_peek24(r) >> (24 - count);
	lph_skip(r, count);
	return v;
}

/* count bits (up to 33). */
LPH_INLINE u64 lph_take_wide(struct lph_reader *r, unsigned int count)
{
	u64 hi;

	if (count <= 24)
		return lph_take(r, count);
	hi = lph_take(r, count - 24);
	return hi << 24 | lph_take(r, 24);
}

/* A value of a symbol: small ones are the symbol, larger ones a bit length and the bits below the top one. */
LPH_INLINE u64 lph_value(struct lph_reader *r, int sym)
{
	unsigned int len;

	if (sym < LPH_DIRECT)
		return (u64)sym;
	len = (unsigned int)sym - LPH_DIRECT + LPH_CLASS_MIN_BITS;
	return ((u64)1 << (len - 1)) + lph_take_wide(r, len - 1);
}

LPH_INLINE s64 lph_unzigzag(u64 z)
{
	return (z & 1) ? -(s64)((z + 1) >> 1) : (s64)(z >> 1);
}
#endif /* LPH_READER_FNS */

/* One canonical Huffman symbol through alphabet table t; -1 when the table or the bits are malformed. */
LPH_INLINE int LPH_NAME(lph_symbol)(struct lph_reader *r, const u8 *t, unsigned int cap, unsigned int nsyms)
{
	const u8 *symbols = t + LPH_COUNTS_BYTES;
	u32 window = lph_peek24(r);
	u32 fast = LPH_NAME(lph_ld16)(symbols + 2 * cap + 2 * (window >> (24 - LPH_FAST_BITS)));
	s64 code = 0, first = 0, index = 0;

	if (fast) {
		u32 sym = fast & 0xfff;

		/* a length from a corrupt table is harmless: at most 15 bits, and the entry count bounds the loop */
		if (sym >= nsyms)
			return -1;
		lph_skip(r, fast >> 12);
		return (int)sym;
	}
	for (unsigned int len = 1; len <= LPH_MAX_LEN; len++) {
		s64 count = LPH_NAME(lph_ld16)(t + 2 * len);

		code |= (window >> (24 - len)) & 1;
		if (code - first < count) {
			s64 i = index + code - first;
			u32 sym;

			if (i >= cap)
				return -1;
			sym = LPH_NAME(lph_ld16)(symbols + 2 * i);
			if (sym >= nsyms)
				return -1;
			lph_skip(r, len);
			return (int)sym;
		}
		index += count;
		first = (first + count) << 1;
		code <<= 1;
	}
	return -1;
}

/*
 * The series' lookup: offset from the table's base (_text) in, file id and
 * line out; false when no entry covers the offset or the table is malformed.
 */
static inline bool LPH_NAME(lineinfo_page_huffman_search)(const u8 *tbl, u64 size, u32 offset,
							   u32 *file_id, u32 *line)
{
	u32 nfiles, q, shift, npages, widths, npop, nseg, wf, wl, wc, wa, page, data_size, count, step_bits;
	u32 seg_start = 0, seg_end = 0, seg_group = 0, prev_end = 0;
	u64 groups, ngroups = 0, size_at, at;
	u32 mru_file[LPH_MRU], mru_line[LPH_MRU];
	unsigned int nmru = 0;
	/* two streams, decoded side by side: offset steps (r), then files and lines (rf) */
	struct lph_reader r, rf;
	u32 cur_file = 0, cur_line = 0, best_file = 0, best_line = 0;
	u64 cur_off;
	bool found;

	if (size < LPH_HEADER_BYTES)
		return false;
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
	/* the segments, checked as the encoder writes them; the page's is the last starting at or below it */
	for (u32 i = 0; i < nseg; i++) {
		u32 start = LPH_NAME(lph_ld32)(tbl + 32 + 12 * i);
		u32 end = LPH_NAME(lph_ld32)(tbl + 36 + 12 * i);
		u32 first_group = LPH_NAME(lph_ld32)(tbl + 40 + 12 * i);

		if (start < prev_end || (i == 0 && start != 0) || end <= start || end > npages ||
		    first_group != ngroups)
			return false;
		if (start <= page) {
			seg_start = start;
			seg_end = end;
			seg_group = first_group;
		}
		prev_end = end;
		ngroups += (end - start + LPH_GROUP_PAGES - 1) / LPH_GROUP_PAGES;
	}
	if (prev_end != npages)
		return false;
	if (page >= seg_end)
		page = seg_end - 1;
	groups = LPH_HEADER_BYTES + LPH_TABLES_BYTES + 6 * (u64)npop;
	groups = (groups + LPH_GROUP_BYTES - 1) / LPH_GROUP_BYTES * LPH_GROUP_BYTES;
	size_at = groups + ngroups * LPH_GROUP_BYTES;
	if (size_at + 4 > size)
		return false;
	data_size = LPH_NAME(lph_ld32)(tbl + size_at);
	if (size_at + 4 + data_size > size)
		return false;
	r.data = tbl + size_at + 4;
	r.bits = (u64)data_size * 8;

	/* The decode tables' lines are read in an order only the data decides:
	 * ask for all of them now, so that cold caches fetch them side by side
	 * with the page group and the block instead of one after another. */
	for (unsigned int k = 0; k < (1 << LPH_FAST_BITS) * 2; k += 64) {
		const u8 *tables = tbl + LPH_HEADER_BYTES;

		__builtin_prefetch(tables + LPH_A_AT + LPH_COUNTS_BYTES + 2 * LPH_A_CAP + k);
		__builtin_prefetch(tables + LPH_F_AT + LPH_COUNTS_BYTES + 2 * LPH_F_CAP + k);
		__builtin_prefetch(tables + LPH_L_AT + LPH_COUNTS_BYTES + 2 * LPH_L_CAP + k);
	}
	{
		u32 rel = page - seg_start;
		const u8 *g = tbl + groups + ((u64)seg_group + rel / LPH_GROUP_PAGES) * LPH_GROUP_BYTES;

		at = (u64)LPH_NAME(lph_ld32)(g) + LPH_NAME(lph_ld16)(g + 4 + 2 * (rel % LPH_GROUP_PAGES));
	}
	if (at >= data_size)
		return false;
	lph_seek(&r, at * 8);

	found = lph_take(&r, 1);
	if (found) {
		cur_file = lph_take(&r, wf);
		cur_line = (u32)lph_take_wide(&r, wl);
		mru_file[0] = cur_file;
		mru_line[0] = cur_line;
		nmru = 1;
	}
	count = lph_take(&r, wc);
	step_bits = lph_take(&r, wa);
	if (r.pos > r.bits || (found && cur_file >= nfiles))
		return false;
	rf.data = r.data;
	rf.bits = r.bits;
	lph_seek(&rf, r.pos + step_bits);
	best_file = cur_file;
	best_line = cur_line;
	cur_off = (u64)page << shift;

	for (u32 k = 0; k < count; k++) {
		const u8 *tables = tbl + LPH_HEADER_BYTES;
		int sa, sf, sl;
		u64 a, next_off;
		u32 file;
		s64 next_line;
		unsigned int slot;

		sa = LPH_NAME(lph_symbol)(&r, tables + LPH_A_AT, LPH_A_CAP, LPH_DIRECT + 27);
		if (sa < 0)
			return false;
		a = lph_value(&r, sa);
		next_off = cur_off + a * q;
		/* past the address: the rest of the entry is not read */
		if (next_off > offset)
			break;
		sf = LPH_NAME(lph_symbol)(&rf, tables + LPH_F_AT, LPH_F_CAP, LPH_SAME_FILE + LPH_MRU + npop);
		if (sf < 0)
			return false;
		if (sf < LPH_SAME_FILE) {
			/* the same file again, the symbol its line step's: the common case, no move to front */
			if (!nmru)
				return false;
			next_line = (s64)cur_line + lph_unzigzag(lph_value(&rf, sf));
			if (r.pos > r.bits || rf.pos > rf.bits || (u64)next_line > 0xffffffffULL)
				return false;
			cur_off = next_off;
			cur_line = (u32)next_line;
			mru_line[0] = cur_line;
			best_file = cur_file;
			best_line = cur_line;
			found = true;
			continue;
		}
		if (sf < LPH_SAME_FILE + LPH_MRU - 1) {
			slot = (unsigned int)sf - LPH_SAME_FILE + 1;
			if (slot >= nmru)
				return false;
			file = mru_file[slot];
			sl = LPH_NAME(lph_symbol)(&rf, tables + LPH_L_AT, LPH_L_CAP, LPH_DIRECT + 28);
			if (sl < 0)
				return false;
			next_line = (s64)mru_line[slot] + lph_unzigzag(lph_value(&rf, sl));
		} else {
			u32 j = (u32)sf - LPH_SAME_FILE - (LPH_MRU - 1);
			u32 popular_line = LPH_NO_LINE;

			if (j < npop) {
				const u8 *pop = tbl + LPH_HEADER_BYTES + LPH_TABLES_BYTES;

				popular_line = LPH_NAME(lph_ld32)(pop + 4 * j);
				file = LPH_NAME(lph_ld16)(pop + 4 * npop + 2 * j);
			} else {
				file = lph_take(&rf, wf);
			}
			if (popular_line != LPH_NO_LINE) {
				next_line = popular_line;
			} else {
				sl = LPH_NAME(lph_symbol)(&rf, tables + LPH_L_AT, LPH_L_CAP, LPH_DIRECT + 28);
				if (sl < 0)
					return false;
				next_line = (s64)cur_line + lph_unzigzag(lph_value(&rf, sl));
			}
		}
		if (r.pos > r.bits || rf.pos > rf.bits || file >= nfiles || (u64)next_line > 0xffffffffULL)
			return false;
		cur_off = next_off;
		cur_file = file;
		cur_line = (u32)next_line;
		found = true;
		best_file = cur_file;
		best_line = cur_line;
		/* move to front */
		slot = 0;
		while (slot < nmru && mru_file[slot] != file)
			slot++;
		if (slot == nmru) {
			if (nmru < LPH_MRU)
				nmru++;
			slot = nmru - 1;
		}
		for (; slot > 0; slot--) {
			mru_file[slot] = mru_file[slot - 1];
			mru_line[slot] = mru_line[slot - 1];
		}
		mru_file[0] = file;
		mru_line[0] = cur_line;
	}
	if (!found)
		return false;
	*file_id = best_file;
	*line = best_line;
	return true;
}
