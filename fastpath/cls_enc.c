/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cls_enc.c - matches as unions of boxes over ACL fields.
 *
 * A match reads a register image (ir.h, struct ir_operand): the bytes of a
 * *source* (a payload load or a packet meta key, byte-swapped when the
 * operand says so) ANDed with a mask, compared with memcmp. The key of a
 * packet holds each source's image, unmasked, cut into chunks of 4, 2 and 1
 * bytes; a chunk is an ACL field, seen as a RANGE field, a BITMASK field,
 * or both (two copies in the key). Since rte_acl compares a field as a
 * big-endian number and the key holds the image bytes in order, rte_acl's
 * order on a chunk is memcmp's order on those bytes.
 *
 * - equality under a mask: one box, one atom per chunk (a range for a
 *   prefix or full chunk mask, a bitmask otherwise);
 * - not equal: a union over chunks of "this chunk differs";
 * - lexicographic ranges over several chunks (lt/gt/range on a 6- or
 *   16-byte image, set intervals): the classic split into at most 2k+1
 *   boxes; under a prefix mask m, x & m in [lo, hi] is x in
 *   [ceil_m(lo), (hi & m) | ~m]; a range under another mask is not encoded
 *   (the match is then checked at run time);
 * - a load that can fail (short packet, no transport header, no l4proto)
 *   makes every match on it fail, inverted ones too: each box requires the
 *   source's validity bit, set in the key's flag bytes when the load works;
 * - operands that do not depend on the packet in the compiled path (meta
 *   mark, iif, iifname, iiftype, nfproto) are evaluated here: the match is
 *   everything or nothing;
 * - set lookups: the interpreter's own search decides which element a key
 *   finds (single field: the last element starting at or below it, then
 *   its end; concatenated intervals: the first box), so the element regions
 *   encoded are exactly those, including shadowed duplicates.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fastpath/cls_int.h"

#define CC_POOL_MIN	1024

/* ---- pools ------------------------------------------------------------------ */

void
cc_init(struct cc *c)
{
	for (unsigned int i = 0; i < CC_MAX_SRC; i++)
		memset(c->src[i].fld, 0xff, sizeof(c->src[i].fld));
}

void
cc_fini(struct cc *c)
{
	free(c->atoms);
	free(c->boxes);
	free(c->ents);
	free(c->labels);
	c->atoms = NULL;
	c->boxes = NULL;
	c->ents = NULL;
	c->labels = NULL;
}

static int
cc_grow(void **p, uint32_t *cap, uint32_t need, size_t size)
{
	uint32_t n = *cap ? *cap : CC_POOL_MIN;
	void *q;

	if (need <= *cap)
		return 0;
	while (n < need) {
		if (n > UINT32_MAX / 2)
			return -ENOMEM;
		n *= 2;
	}
	q = realloc(*p, (size_t)n * size);
	if (q == NULL)
		return -ENOMEM;
	*p = q;
	*cap = n;
	return 0;
}

static int
cc_need(struct cc *c, uint32_t atoms, uint32_t boxes)
{
	int rc;

	if (c->err)
		return c->err;
	rc = cc_grow((void **)&c->atoms, &c->cap_atoms, c->n_atoms + atoms,
		     sizeof(*c->atoms));
	if (rc == 0)
		rc = cc_grow((void **)&c->boxes, &c->cap_boxes, c->n_boxes + boxes,
			     sizeof(*c->boxes));
	if (rc)
		c->err = rc;
	return rc;
}

/* ---- fields ------------------------------------------------------------------ */

struct cc_chunks {
	unsigned int n;
	uint8_t off[CLS_SRC_MAX_CHUNKS];
	uint8_t size[CLS_SRC_MAX_CHUNKS];
};

static void
cc_chunks_of(unsigned int len, struct cc_chunks *ch)
{
	unsigned int off = 0;

	ch->n = 0;
	while (off < len) {
		unsigned int rest = len - off;
		unsigned int sz = rest >= 4 ? 4 : rest >= 2 ? 2 : 1;

		ch->off[ch->n] = (uint8_t)off;
		ch->size[ch->n] = (uint8_t)sz;
		ch->n++;
		off += sz;
	}
}

static inline uint32_t
cc_full(unsigned int size)
{
	return size >= 4 ? UINT32_MAX : (1u << (8 * size)) - 1;
}

/* Chunk value: bytes [off, off + size) as a big-endian number. */
static inline uint32_t
cc_val(const uint8_t *b, unsigned int off, unsigned int size)
{
	uint32_t v = 0;

	for (unsigned int i = 0; i < size; i++)
		v = v << 8 | b[off + i];
	return v;
}

/* Ones then zeros (from the most significant bit). */
static inline bool
cc_is_prefix32(uint32_t m, unsigned int size)
{
	uint32_t inv = ~m & cc_full(size);

	return (inv & (inv + 1)) == 0;
}

static int
cc_flag_field(struct cc *c, unsigned int byte)
{
	for (unsigned int f = 0; f < c->n_fld; f++)
		if (c->fld[f].kind == CC_FLD_FLAG && c->fld[f].flag_byte == byte)
			return (int)f;
	if (c->n_fld >= CC_MAX_FLD)
		return -1;
	c->fld[c->n_fld] = (struct cc_fld){
		.kind = CC_FLD_FLAG, .view = CLS_VIEW_MASK, .size = 1,
		.flag_byte = (uint8_t)byte,
	};
	if (byte + 1 > c->n_flag_bytes)
		c->n_flag_bytes = byte + 1;
	return (int)c->n_fld++;
}

/* The validity class of a load: payload (base, end, TH fast shape), or
 * meta l4proto (base 0xff). UINT16_MAX - 1: too many classes. */
static uint16_t
cc_vclass_get(struct cc *c, uint8_t base, uint16_t end, bool fast)
{
	int f;

	for (unsigned int i = 0; i < c->n_vclass; i++)
		if (c->vclass[i].base == base && c->vclass[i].end == end &&
		    c->vclass[i].fast == fast)
			return (uint16_t)i;
	if (c->n_vclass >= CC_MAX_VCLASS)
		return UINT16_MAX - 1;
	f = cc_flag_field(c, c->n_vclass / 8);
	if (f < 0)
		return UINT16_MAX - 1;
	c->vclass[c->n_vclass] = (struct cc_vclass){
		.base = base, .end = end, .fast = fast, .fld = (uint16_t)f,
		.bit = (uint8_t)(1u << (c->n_vclass % 8)),
	};
	return (uint16_t)c->n_vclass++;
}

/* Index of a source, created if new; -1 when there are too many. */
static int
cc_src_get(struct cc *c, uint8_t kind, uint8_t base, uint16_t offset,
	   uint8_t len, uint8_t swap)
{
	struct cc_src *s;

	for (unsigned int i = 0; i < c->n_src; i++) {
		s = &c->src[i];
		if (s->kind == kind && s->base == base && s->offset == offset &&
		    s->len == len && s->swap == swap)
			return (int)i;
	}
	if (c->n_src >= CC_MAX_SRC)
		return -1;
	s = &c->src[c->n_src];
	s->kind = kind;
	s->base = base;
	s->offset = offset;
	s->len = len;
	s->swap = swap;
	return (int)c->n_src++;
}

/* The field of chunk j of source s in view `view`; -1: none left. */
static int
cc_fld_get(struct cc *c, unsigned int s, unsigned int j, unsigned int view)
{
	struct cc_chunks ch;
	int f = c->src[s].fld[j][view];

	if (f >= 0)
		return f;
	if (c->n_fld >= CC_MAX_FLD)
		return -1;
	if (c->src[s].kind == CLS_SRC_PAYLOAD && !c->src[s].swap) {
		/* a piece (cc_operand): one field */
		ch.n = 1;
		ch.off[0] = 0;
		ch.size[0] = (uint8_t)c->src[s].len;
	} else {
		cc_chunks_of(c->src[s].len, &ch);
	}
	c->fld[c->n_fld] = (struct cc_fld){
		.kind = CC_FLD_DATA, .view = (uint8_t)view, .size = ch.size[j],
		.chunk_off = ch.off[j], .src = (uint16_t)s,
	};
	c->src[s].fld[j][view] = (int16_t)c->n_fld;
	return (int)c->n_fld++;
}

/* ---- box builder --------------------------------------------------------------- */

static inline void
bb_push(struct cc_bb *bb, int fld, uint32_t a, uint32_t b)
{
	if (fld < 0 || bb->n >= CC_BOX_MAX_ATOMS) {
		bb->overflow = true;
		return;
	}
	bb->a[bb->n++] = (struct cc_atom){ .fld = (uint16_t)fld, .a = a, .b = b };
}

/* Intersect atom y into x (same field); false: empty. */
static inline bool
cc_atom_and(const struct cc *c, struct cc_atom *x, const struct cc_atom *y)
{
	if (c->fld[x->fld].view == CLS_VIEW_RANGE) {
		x->a = RTE_MAX(x->a, y->a);
		x->b = RTE_MIN(x->b, y->b);
		return x->a <= x->b;
	}
	if ((x->a ^ y->a) & x->b & y->b)
		return false;
	x->a |= y->a;
	x->b |= y->b;
	return true;
}

/* Append the builder's atoms as a box (sorted, merged); nothing if empty. */
static void
cc_emit(struct cc *c, const struct cc_bb *bb)
{
	struct cc_atom t[CC_BOX_MAX_ATOMS];
	unsigned int n = 0;

	if (bb->overflow) {
		/* cannot happen with valid field ids; be safe: not exact */
		c->err = c->err ? c->err : -E2BIG;
		return;
	}
	for (unsigned int i = 0; i < bb->n; i++) {
		struct cc_atom x = bb->a[i];
		unsigned int k = n;

		while (k > 0 && t[k - 1].fld > x.fld)
			k--;
		if (k > 0 && t[k - 1].fld == x.fld) {
			if (!cc_atom_and(c, &t[k - 1], &x))
				return;
			continue;
		}
		memmove(&t[k + 1], &t[k], (n - k) * sizeof(t[0]));
		t[k] = x;
		n++;
	}
	if (cc_need(c, n, 1))
		return;
	if (n > 0)
		memcpy(&c->atoms[c->n_atoms], t, n * sizeof(t[0]));
	c->boxes[c->n_boxes].off = c->n_atoms;
	c->boxes[c->n_boxes].n = n;
	c->n_atoms += n;
	c->n_boxes++;
}

int
cc_true(struct cc *c, struct cc_dnf *out)
{
	struct cc_bb bb;

	bb.n = 0;
	bb.overflow = false;
	out->off = c->n_boxes;
	cc_emit(c, &bb);
	out->n = c->n_boxes - out->off;
	return c->err;
}

uint64_t
cc_and_size(struct cc_dnf a, struct cc_dnf b)
{
	return (uint64_t)a.n * b.n;
}

int
cc_and(struct cc *c, struct cc_dnf a, struct cc_dnf b, struct cc_dnf *out)
{
	out->off = c->n_boxes;
	for (uint32_t i = 0; i < a.n; i++) {
		for (uint32_t j = 0; j < b.n; j++) {
			struct cc_box x, y;
			struct cc_atom *ax, *ay, *o;
			uint32_t p = 0, q = 0, n = 0;
			bool empty = false;

			if (cc_need(c, c->boxes[a.off + i].n +
				       c->boxes[b.off + j].n, 1))
				return c->err;
			x = c->boxes[a.off + i];
			y = c->boxes[b.off + j];
			ax = &c->atoms[x.off];
			ay = &c->atoms[y.off];
			o = &c->atoms[c->n_atoms];
			while (p < x.n || q < y.n) {
				if (q >= y.n || (p < x.n && ax[p].fld < ay[q].fld)) {
					o[n++] = ax[p++];
				} else if (p >= x.n || ay[q].fld < ax[p].fld) {
					o[n++] = ay[q++];
				} else {
					o[n] = ax[p++];
					if (!cc_atom_and(c, &o[n], &ay[q++])) {
						empty = true;
						break;
					}
					n++;
				}
			}
			if (empty)
				continue;
			c->boxes[c->n_boxes].off = c->n_atoms;
			c->boxes[c->n_boxes].n = n;
			c->n_atoms += n;
			c->n_boxes++;
		}
	}
	out->n = c->n_boxes - out->off;
	return c->err;
}

struct cc_dnf
cc_keep(struct cc *c, uint32_t b0, uint32_t a0, struct cc_dnf d)
{
	struct cc_dnf out = { .off = b0, .n = 0 };
	struct cc_atom *ta = NULL;
	struct cc_box *tb = NULL;
	uint32_t na = 0;

	if (c->err || d.n == 0)
		goto done;
	for (uint32_t i = 0; i < d.n; i++)
		na += c->boxes[d.off + i].n;
	tb = malloc(d.n * sizeof(*tb));
	ta = malloc((na ? na : 1) * sizeof(*ta));
	if (tb == NULL || ta == NULL) {
		c->err = -ENOMEM;
		goto done;
	}
	na = 0;
	for (uint32_t i = 0; i < d.n; i++) {
		struct cc_box x = c->boxes[d.off + i];

		if (x.n > 0)
			memcpy(&ta[na], &c->atoms[x.off], x.n * sizeof(*ta));
		tb[i].off = a0 + na;
		tb[i].n = x.n;
		na += x.n;
	}
	if (na > 0)
		memcpy(&c->atoms[a0], ta, na * sizeof(*ta));
	memcpy(&c->boxes[b0], tb, d.n * sizeof(*tb));
	out.n = d.n;
done:
	c->n_boxes = b0 + out.n;
	c->n_atoms = out.n ? a0 + na : a0;
	free(ta);
	free(tb);
	return out;
}

/* ---- operands ------------------------------------------------------------------ */

enum cc_op_kind {
	CC_OP_FAIL = 0,		/* never loads: every match on it fails */
	CC_OP_CONST,		/* same image for every packet */
	CC_OP_SRC,		/* a source in the key */
	CC_OP_WIDE,		/* not in the key (too long, too many) */
};

/* Longest image the encoder handles: an operand of CLS_SRC_MAX_LEN bytes
 * cut into pieces from an odd offset (1 + 2 + 4 x 4, the last one past the
 * operand's end). */
#define CC_XLEN_MAX	24

struct cc_op {
	enum cc_op_kind kind;
	uint8_t img[IR_DATA_MAX];	/* CONST: register image */
	uint8_t oplen;			/* SRC: bytes the operand loads */
	uint8_t len;			/* SRC: image bytes the chunks cover */
	uint8_t m[CC_XLEN_MAX];		/* SRC: mask (0xff when none; 0 past
					 * the operand) */
	bool has_valid;			/* SRC: validity atom */
	struct cc_atom valid;
	struct cc_chunks ch;		/* SRC: chunks of the image */
	uint16_t csrc[CLS_SRC_MAX_CHUNKS];	/* SRC: chunk j's source */
	uint8_t cidx[CLS_SRC_MAX_CHUNKS];	/* ... and its chunk there */
};

/*
 * Payload operands that are not byte-swapped are cut into *pieces* fixed by
 * the header's 4-byte alignment: from the operand's start, up to the next
 * 2- or 4-byte boundary, then 4-byte blocks, the last one running past the
 * operand's end if need be. A piece is a source (and a field) of its own,
 * so that loads of different lengths at one offset share it: nft loads
 * `ip saddr 10.0.0.0/8` as 1 byte, /16 as 2, /24 as 3, /32 as 4, and all
 * four land in the one 4-byte field of bytes 12-15 (each with its own
 * validity class, since a short packet may hold 3 of them and not 4). An
 * operand's image then covers its pieces: bytes past the operand are
 * outside every mask and range (wild).
 */
static bool
cc_pieces(struct cc *c, uint8_t base, uint16_t off, unsigned int len,
	  struct cc_op *o)
{
	unsigned int pos = off, end = off + len;

	o->ch.n = 0;
	while (pos < end) {
		unsigned int size = pos % 4 == 0 ? 4 : pos % 2 == 0 ? 2 : 1;
		int s;

		if (o->ch.n >= CLS_SRC_MAX_CHUNKS || pos + size - off > CC_XLEN_MAX ||
		    pos + size > UINT16_MAX)
			return false;
		s = cc_src_get(c, CLS_SRC_PAYLOAD, base, (uint16_t)pos,
			       (uint8_t)size, 0);
		if (s < 0)
			return false;
		o->ch.off[o->ch.n] = (uint8_t)(pos - off);
		o->ch.size[o->ch.n] = (uint8_t)size;
		o->csrc[o->ch.n] = (uint16_t)s;
		o->cidx[o->ch.n] = 0;
		o->ch.n++;
		pos += size;
	}
	o->len = (uint8_t)(pos - off);
	return true;
}

static void
cc_operand(struct cc *c, const struct ir_operand *op, struct cc_op *o)
{
	const struct ir_field *f = &op->field;
	enum ir_byteorder natural = IR_BO_NET;
	uint8_t kind, base = 0;
	uint16_t offset = 0, vc = UINT16_MAX;
	bool swap;

	memset(o, 0, sizeof(*o));
	o->kind = CC_OP_FAIL;
	if (f->len == 0 || f->len > IR_DATA_MAX)
		return;
	if (f->kind == IR_FIELD_META) {
		const struct ir_meta_key_info *ki = ir_meta_key_info(f->meta);

		if (ki == NULL)
			return;
		if (cls_meta_is_const(f->meta)) {
			if (cls_load(&c->kpkt, op, o->img))
				o->kind = CC_OP_CONST;
			return;
		}
		natural = ki->order;
		switch (f->meta) {
		case IR_META_LEN: kind = CLS_SRC_LEN; break;
		case IR_META_PROTOCOL: kind = CLS_SRC_PROTOCOL; break;
		case IR_META_PKTTYPE: kind = CLS_SRC_PKTTYPE; break;
		case IR_META_L4PROTO: kind = CLS_SRC_L4PROTO; break;
		default: return;
		}
	} else {
		if ((unsigned int)f->base >= IR_BASE__COUNT)
			return;
		kind = CLS_SRC_PAYLOAD;
		base = (uint8_t)f->base;	/* IR_BASE_* == PKT_BASE_* */
		offset = f->offset;
	}
	o->kind = CC_OP_WIDE;
	if (f->len > CLS_SRC_MAX_LEN)
		return;
	swap = op->order != natural;
	/* validity: the load's own class */
	if (kind == CLS_SRC_L4PROTO)
		vc = cc_vclass_get(c, 0xff, 0, false);
	else if (kind == CLS_SRC_PAYLOAD)
		vc = cc_vclass_get(c, base, (uint16_t)(offset + f->len),
				   base == PKT_BASE_TH &&
				   pkt_view_fast_shape(offset, f->len));
	if (vc == UINT16_MAX - 1)
		return;
	if (kind == CLS_SRC_PAYLOAD && !swap) {
		if (!cc_pieces(c, base, offset, f->len, o))
			return;
	} else {
		int s = cc_src_get(c, kind, base, offset, f->len, swap);

		if (s < 0)
			return;
		cc_chunks_of(f->len, &o->ch);
		for (unsigned int j = 0; j < o->ch.n; j++) {
			o->csrc[j] = (uint16_t)s;
			o->cidx[j] = (uint8_t)j;
		}
		o->len = f->len;
	}
	o->kind = CC_OP_SRC;
	o->oplen = f->len;
	for (unsigned int i = 0; i < o->len; i++)
		o->m[i] = i >= f->len ? 0 : op->mask != NULL ? op->mask[i] : 0xff;
	if (vc != UINT16_MAX) {
		const struct cc_vclass *v = &c->vclass[vc];

		o->has_valid = true;
		o->valid = (struct cc_atom){ .fld = v->fld, .a = v->bit,
					     .b = v->bit };
	}
}

static void
cc_bb_start(struct cc_bb *bb, const struct cc_op *o)
{
	bb->n = 0;
	bb->overflow = false;
	if (o != NULL && o->has_valid)
		bb->a[bb->n++] = o->valid;
}

/* Wildcards are not atoms. */
static void
bb_range(struct cc *c, struct cc_bb *bb, const struct cc_op *o, unsigned int j,
	 uint32_t a, uint32_t b)
{
	if (a == 0 && b == cc_full(o->ch.size[j]))
		return;
	bb_push(bb, cc_fld_get(c, o->csrc[j], o->cidx[j], CLS_VIEW_RANGE), a, b);
}

static void
bb_mask(struct cc *c, struct cc_bb *bb, const struct cc_op *o, unsigned int j,
	uint32_t v, uint32_t m)
{
	if (m == 0)
		return;
	bb_push(bb, cc_fld_get(c, o->csrc[j], o->cidx[j], CLS_VIEW_MASK), v & m, m);
}

/* x & m == v on the image (v has no bit outside m): atoms into bb. */
static void
cc_eq_atoms(struct cc *c, struct cc_bb *bb, const struct cc_op *o,
	    const uint8_t *m, const uint8_t *v)
{
	for (unsigned int j = 0; j < o->ch.n; j++) {
		unsigned int sz = o->ch.size[j], off = o->ch.off[j];
		uint32_t cm = cc_val(m, off, sz), cv = cc_val(v, off, sz);

		if (cm == 0)
			continue;
		if (cc_is_prefix32(cm, sz))
			bb_range(c, bb, o, j, cv, cv | (~cm & cc_full(sz)));
		else
			bb_mask(c, bb, o, j, cv, cm);
	}
}

/* Chunks j.. of the image, lexicographically in [lo, hi] (see file). */
static void
cc_lex(struct cc *c, struct cc_bb *bb, const struct cc_op *o, unsigned int j,
       const uint32_t *lo, const uint32_t *hi, bool tl, bool th)
{
	unsigned int save = bb->n;
	uint32_t mx, l, h, l2, h2;
	bool lz = true, hm = true;

	if (j == o->ch.n || (!tl && !th)) {
		cc_emit(c, bb);
		return;
	}
	mx = cc_full(o->ch.size[j]);
	l = tl ? lo[j] : 0;
	h = th ? hi[j] : mx;
	for (unsigned int k = j + 1; k < o->ch.n; k++) {
		lz = lz && (!tl || lo[k] == 0);
		hm = hm && (!th || hi[k] == cc_full(o->ch.size[k]));
	}
	if (l > h)
		return;
	if (l == h) {
		bb_range(c, bb, o, j, l, l);
		cc_lex(c, bb, o, j + 1, lo, hi, tl && !lz, th && !hm);
		bb->n = save;
		return;
	}
	if (!lz) {
		bb_range(c, bb, o, j, l, l);
		cc_lex(c, bb, o, j + 1, lo, hi, true, false);
		bb->n = save;
	}
	if (!hm) {
		bb_range(c, bb, o, j, h, h);
		cc_lex(c, bb, o, j + 1, lo, hi, false, true);
		bb->n = save;
	}
	l2 = l + !lz;
	h2 = h - !hm;
	if (l2 <= h2) {
		bb_range(c, bb, o, j, l2, h2);
		cc_emit(c, bb);
		bb->n = save;
	}
}

/* ---- image arithmetic (big-endian byte strings) ----------------------------------- */

static bool
img_inc(uint8_t *b, unsigned int len)
{
	for (unsigned int i = len; i-- > 0;)
		if (++b[i] != 0)
			return true;
	return false;	/* overflow */
}

static bool
img_dec(uint8_t *b, unsigned int len)
{
	for (unsigned int i = len; i-- > 0;)
		if (b[i]-- != 0)
			return true;
	return false;	/* underflow */
}

static bool
img_is_prefix(const uint8_t *m, unsigned int len)
{
	unsigned int i = 0;

	while (i < len && m[i] == 0xff)
		i++;
	if (i < len) {
		uint8_t inv = (uint8_t)~m[i];

		if ((inv & (inv + 1)) != 0)
			return false;
		for (i++; i < len; i++)
			if (m[i] != 0)
				return false;
	}
	return true;
}

/*
 * The image x with x & m in [lo, hi] (reg bytes over o->len, m a prefix
 * mask): boxes with bb's atoms, appended.
 */
static void
cc_src_range(struct cc *c, struct cc_bb *bb, const struct cc_op *o,
	     const uint8_t *m, const uint8_t *lo, const uint8_t *hi)
{
	uint8_t xl[CC_XLEN_MAX], xh[CC_XLEN_MAX];
	uint32_t vl[CLS_SRC_MAX_CHUNKS], vh[CLS_SRC_MAX_CHUNKS];
	unsigned int n = o->len;
	bool aligned = true;

	for (unsigned int i = 0; i < n; i++) {
		xl[i] = lo[i] & m[i];
		xh[i] = (uint8_t)((hi[i] & m[i]) | ~m[i]);
		aligned = aligned && (lo[i] & ~m[i]) == 0;
	}
	if (!aligned) {
		/* ceil_m(lo): the next value the mask lets through */
		unsigned int last = n;

		while (last > 0 && m[last - 1] == 0)
			last--;
		if (last == 0)
			return;	/* m == 0: x & m == 0 < lo */
		{
			/* add the lowest mask bit of byte last-1 */
			uint8_t mb = m[last - 1];
			unsigned int add = (unsigned int)(mb & (uint8_t)-mb);
			unsigned int k = last - 1;
			unsigned int sum = xl[k] + add;

			xl[k] = (uint8_t)sum;
			while ((sum >> 8) && k > 0) {
				k--;
				sum = xl[k] + 1u;
				xl[k] = (uint8_t)sum;
			}
			if (sum >> 8)
				return;	/* overflow: nothing above */
		}
	}
	if (memcmp(xl, xh, n) > 0)
		return;
	for (unsigned int j = 0; j < o->ch.n; j++) {
		vl[j] = cc_val(xl, o->ch.off[j], o->ch.size[j]);
		vh[j] = cc_val(xh, o->ch.off[j], o->ch.size[j]);
	}
	cc_lex(c, bb, o, 0, vl, vh, true, true);
}

/* ---- cmp and range ------------------------------------------------------------- */

/* Mask over the image restricted to its first cl bytes. */
static void
cc_cut_mask(const struct cc_op *o, unsigned int cl, uint8_t *m)
{
	for (unsigned int i = 0; i < o->len; i++)
		m[i] = i < cl ? o->m[i] : 0;
}

/* reg[0:cl] in [lo, hi] (cl bytes each), or outside it (invert). */
static bool
cc_reg_range(struct cc *c, const struct cc_op *o, unsigned int cl,
	     const uint8_t *lo, const uint8_t *hi, bool invert)
{
	uint8_t m[CC_XLEN_MAX], a[CC_XLEN_MAX], b[CC_XLEN_MAX];
	struct cc_bb bb;

	cc_cut_mask(o, cl, m);
	if (!img_is_prefix(m, o->len))
		return false;
	if (!invert) {
		memset(a, 0, sizeof(a));
		memset(b, 0xff, sizeof(b));
		memcpy(a, lo, cl);
		memcpy(b, hi, cl);
		if (memcmp(lo, hi, cl) > 0)
			return true;	/* empty */
		cc_bb_start(&bb, o);
		cc_src_range(c, &bb, o, m, a, b);
		return true;
	}
	/* [0, lo - 1] */
	memcpy(a, lo, cl);
	if (img_dec(a, cl)) {
		uint8_t z[CC_XLEN_MAX] = { 0 };

		memset(a + cl, 0xff, o->len - cl);
		cc_bb_start(&bb, o);
		cc_src_range(c, &bb, o, m, z, a);
	}
	/* [hi + 1, max] */
	memcpy(b, hi, cl);
	if (img_inc(b, cl)) {
		uint8_t f[CC_XLEN_MAX];

		memset(f, 0xff, sizeof(f));
		memset(b + cl, 0, o->len - cl);
		cc_bb_start(&bb, o);
		cc_src_range(c, &bb, o, m, b, f);
	}
	/* lo > hi: "not in range" is everything; the two parts cover it */
	return true;
}

/* NEQ: some chunk of x & m differs from v. */
static void
cc_neq(struct cc *c, const struct cc_op *o, const uint8_t *m, const uint8_t *v)
{
	struct cc_bb bb;

	for (unsigned int j = 0; j < o->ch.n; j++) {
		unsigned int sz = o->ch.size[j], off = o->ch.off[j];
		uint32_t cm = cc_val(m, off, sz), cv = cc_val(v, off, sz);
		uint32_t mx = cc_full(sz);

		if (cm == 0)
			continue;
		if (cc_is_prefix32(cm, sz)) {
			uint32_t hi = cv | (~cm & mx);

			if (cv > 0) {
				cc_bb_start(&bb, o);
				bb_range(c, &bb, o, j, 0, cv - 1);
				cc_emit(c, &bb);
			}
			if (hi < mx) {
				cc_bb_start(&bb, o);
				bb_range(c, &bb, o, j, hi + 1, mx);
				cc_emit(c, &bb);
			}
			continue;
		}
		for (uint32_t bit = 1; bit != 0 && bit <= mx; bit <<= 1) {
			if (!(cm & bit))
				continue;
			cc_bb_start(&bb, o);
			bb_mask(c, &bb, o, j, ~cv & bit, bit);
			cc_emit(c, &bb);
		}
	}
}

/* Only the validity of the load: what an unencoded match widens to. */
static void
cc_valid_only(struct cc *c, const struct cc_op *o)
{
	struct cc_bb bb;

	cc_bb_start(&bb, o);
	cc_emit(c, &bb);
}

static void
cc_cmp(struct cc *c, const struct ir_match *mt, const struct cc_op *o,
       bool *exact)
{
	uint8_t m[CC_XLEN_MAX], v[CC_XLEN_MAX] = { 0 };
	uint8_t lo[CC_XLEN_MAX], hi[CC_XLEN_MAX];
	unsigned int cl = mt->len;
	bool outside = false;
	struct cc_bb bb;

	if (cl == 0 || cl > o->oplen) {
		*exact = false;
		cc_valid_only(c, o);
		return;
	}
	cc_cut_mask(o, cl, m);
	memcpy(v, mt->value, cl);
	for (unsigned int i = 0; i < cl; i++)
		outside = outside || (v[i] & ~m[i]) != 0;
	switch (mt->op) {
	case IR_CMP_EQ:
		if (outside)
			return;
		cc_bb_start(&bb, o);
		cc_eq_atoms(c, &bb, o, m, v);
		cc_emit(c, &bb);
		return;
	case IR_CMP_NEQ:
		if (outside) {
			cc_valid_only(c, o);
			return;
		}
		cc_neq(c, o, m, v);
		return;
	case IR_CMP_LT:
	case IR_CMP_LTE:
		memset(lo, 0, cl);
		memcpy(hi, mt->value, cl);
		if (mt->op == IR_CMP_LT && !img_dec(hi, cl))
			return;
		break;
	case IR_CMP_GT:
	case IR_CMP_GTE:
		memcpy(lo, mt->value, cl);
		memset(hi, 0xff, cl);
		if (mt->op == IR_CMP_GT && !img_inc(lo, cl))
			return;
		break;
	default:
		return;
	}
	if (!cc_reg_range(c, o, cl, lo, hi, false)) {
		*exact = false;
		cc_valid_only(c, o);
	}
}

/* ---- set lookups --------------------------------------------------------------- */

struct cc_lk {
	const struct ir_set *set;
	unsigned int nf;
	struct cc_op op[IR_CONCAT_MAX];
	unsigned int flen[IR_CONCAT_MAX];
	unsigned int off[IR_CONCAT_MAX];
	bool all_const;
	bool fail;		/* a key field never loads */
	bool wide;		/* cannot be encoded */
};

static void
cc_lk_init(struct cc *c, const struct ir_lookup *l, struct cc_lk *k)
{
	const struct ir_set *s = l->set;

	memset(k, 0, sizeof(*k));
	k->set = s;
	k->nf = l->nfields;
	k->all_const = true;
	if (l->nfields == 0 || l->nfields != s->nfields ||
	    l->nfields > IR_CONCAT_MAX) {
		k->wide = true;
		return;
	}
	for (unsigned int i = 0; i < k->nf; i++) {
		struct cc_op *o = &k->op[i];

		cc_operand(c, &l->fields[i], o);
		k->off[i] = ir_set_field_offset(s, i);
		k->flen[i] = s->nfields == 1 ? s->key_len : s->field_len[i];
		if (o->kind == CC_OP_FAIL || k->off[i] + k->flen[i] > IR_DATA_MAX)
			k->fail = true;
		if (o->kind != CC_OP_CONST)
			k->all_const = false;
		if (o->kind == CC_OP_WIDE ||
		    (o->kind == CC_OP_SRC && k->flen[i] > o->oplen))
			k->wide = true;
	}
}

/* Elements sorted by key (the binary search needs it). */
static bool
cc_sorted(const struct ir_set *s)
{
	for (uint32_t i = 0; i + 1 < s->nelems; i++)
		if (memcmp(s->elems[i].key, s->elems[i + 1].key, s->key_len) > 0)
			return false;
	return true;
}

/*
 * Single field: the reg values for which the search finds element i:
 * [key_i, min(key_end_i, key_{i+1} - 1)] (empty when key_{i+1} == key_i).
 * lo/hi get flen bytes; false when empty.
 */
static bool
cc_region(const struct ir_set *s, uint32_t i, unsigned int flen, uint8_t *lo,
	  uint8_t *hi)
{
	const struct ir_set_elem *e = &s->elems[i];

	memcpy(lo, e->key, flen);
	memcpy(hi, e->key_end, flen);
	if (i + 1 < s->nelems) {
		uint8_t nx[IR_DATA_MAX];

		memcpy(nx, s->elems[i + 1].key, flen);
		if (memcmp(nx, lo, flen) == 0)
			return false;
		img_dec(nx, flen);
		if (memcmp(nx, hi, flen) < 0)
			memcpy(hi, nx, flen);
	}
	return memcmp(lo, hi, flen) <= 0;
}

/* reg (flen bytes of the image, under its mask) in [lo, hi]. */
static bool
cc_single_range(struct cc *c, const struct cc_op *o, unsigned int flen,
		const uint8_t *lo, const uint8_t *hi)
{
	uint8_t m[CC_XLEN_MAX];

	cc_cut_mask(o, flen, m);
	if (memcmp(lo, hi, flen) == 0 && !img_is_prefix(m, o->len)) {
		/* a point under any mask: equality */
		uint8_t v[CC_XLEN_MAX] = { 0 };
		struct cc_bb bb;

		memcpy(v, lo, flen);
		for (unsigned int i = 0; i < flen; i++)
			if (v[i] & ~m[i])
				return true;	/* never */
		cc_bb_start(&bb, o);
		cc_eq_atoms(c, &bb, o, m, v);
		cc_emit(c, &bb);
		return true;
	}
	return cc_reg_range(c, o, flen, lo, hi, false);
}

/* Whole-set membership, single field. false: not encodable. */
static bool
cc_lookup_single(struct cc *c, const struct cc_lk *k, bool invert)
{
	const struct ir_set *s = k->set;
	const struct cc_op *o = &k->op[0];
	unsigned int fl = k->flen[0];
	uint8_t clo[IR_DATA_MAX], chi[IR_DATA_MAX];	/* merged run */
	uint8_t lo[IR_DATA_MAX], hi[IR_DATA_MAX];
	uint8_t next[IR_DATA_MAX];	/* inverted: start of the next gap */
	bool have = false, gap_open = true;
	uint32_t b0 = c->n_boxes;

	memset(next, 0, sizeof(next));
	for (uint32_t i = 0; i <= s->nelems; i++) {
		bool last = i == s->nelems;
		bool flush;

		if (!last && !cc_region(s, i, fl, lo, hi))
			continue;
		/* extend the current run when adjacent */
		if (!last && have) {
			uint8_t t[IR_DATA_MAX];

			memcpy(t, chi, fl);
			if (img_inc(t, fl) && memcmp(t, lo, fl) == 0) {
				memcpy(chi, hi, fl);
				continue;
			}
		}
		flush = have;
		if (flush) {
			if (!invert) {
				if (!cc_single_range(c, o, fl, clo, chi))
					return false;
			} else {
				/* gap [next, clo - 1] */
				uint8_t g[IR_DATA_MAX];

				memcpy(g, clo, fl);
				if (gap_open && img_dec(g, fl) &&
				    memcmp(next, g, fl) <= 0 &&
				    !cc_single_range(c, o, fl, next, g))
					return false;
				memcpy(next, chi, fl);
				gap_open = img_inc(next, fl);
			}
		}
		if (c->n_boxes - b0 > c->max_set_boxes)
			return false;
		if (last)
			break;
		memcpy(clo, lo, fl);
		memcpy(chi, hi, fl);
		have = true;
	}
	if (invert && gap_open) {
		uint8_t f[IR_DATA_MAX];

		memset(f, 0xff, fl);
		if (!cc_single_range(c, o, fl, next, f))
			return false;
	}
	return c->n_boxes - b0 <= c->max_set_boxes;
}

/* Per field of a concatenated element: boxes appended. false: not
 * encodable. *never: the element cannot be found. */
static bool
cc_concat_field(struct cc *c, const struct cc_lk *k, unsigned int f,
		const struct ir_set_elem *e, bool interval, bool *never)
{
	const struct cc_op *o = &k->op[f];
	const uint8_t *lo = e->key + k->off[f], *hi = e->key_end + k->off[f];
	unsigned int fl = k->flen[f];

	if (o->kind == CC_OP_CONST) {
		if (interval)
			*never = memcmp(o->img, lo, fl) < 0 ||
				 memcmp(o->img, hi, fl) > 0;
		else
			*never = memcmp(o->img, lo, fl) != 0;
		if (!*never) {
			struct cc_bb bb;

			cc_bb_start(&bb, NULL);
			cc_emit(c, &bb);
		}
		return true;
	}
	if (!interval)
		hi = lo;
	return cc_single_range(c, o, fl, lo, hi);
}

/* Boxes of element i of a concatenated set (appended, contiguous).
 * false: not encodable. */
static bool
cc_concat_elem(struct cc *c, const struct cc_lk *k, uint32_t i)
{
	const struct ir_set *s = k->set;
	const struct ir_set_elem *e = &s->elems[i];
	bool interval = (s->flags & IR_SET_F_INTERVAL) != 0;
	uint32_t b0 = c->n_boxes, a0 = c->n_atoms;
	struct cc_dnf acc, fd, t;
	bool never = false;

	if (!interval) {
		/* the search compares whole keys: padding must be zero, and a
		 * duplicate is shadowed by the next one */
		unsigned int used = 0;

		if (i + 1 < s->nelems &&
		    memcmp(e->key, s->elems[i + 1].key, s->key_len) == 0)
			return true;
		for (unsigned int f = 0; f < k->nf; f++) {
			for (unsigned int b = used; b < k->off[f]; b++)
				if (e->key[b] != 0)
					return true;
			used = k->off[f] + k->flen[f];
		}
		for (unsigned int b = used; b < s->key_len; b++)
			if (e->key[b] != 0)
				return true;
	}
	if (cc_true(c, &acc))
		return false;
	for (unsigned int f = 0; f < k->nf; f++) {
		uint32_t fb = c->n_boxes;

		if (!cc_concat_field(c, k, f, e, interval, &never))
			return false;
		fd.off = fb;
		fd.n = c->n_boxes - fb;
		if (never || fd.n == 0) {
			c->n_boxes = b0;
			c->n_atoms = a0;
			return true;
		}
		if (cc_and(c, acc, fd, &t))
			return false;
		acc = t;
		if (acc.n > c->max_set_boxes)
			return false;
	}
	/* keep only the product */
	cc_keep(c, b0, a0, acc);
	return true;
}

/* Membership: boxes appended; false: not encodable (pools restored). */
static bool
cc_lookup(struct cc *c, const struct ir_lookup *l, bool invert,
	  const struct cc_lk *k)
{
	const struct ir_set *s = l->set;

	if (s->nfields == 1) {
		if (!cc_sorted(s))
			return false;
		return cc_lookup_single(c, k, invert);
	}
	if (invert)
		return false;
	if (!(s->flags & IR_SET_F_INTERVAL) && !cc_sorted(s))
		return false;
	for (uint32_t i = 0; i < s->nelems; i++) {
		uint32_t b0 = c->n_boxes, a0 = c->n_atoms;

		if (!cc_concat_elem(c, k, i)) {
			c->n_boxes = b0;
			c->n_atoms = a0;
			return false;
		}
		if (c->err)
			return false;
	}
	return true;
}

int
cc_lookup_elems(struct cc *c, const struct ir_lookup *l, struct cc_dnf *dnfs)
{
	const struct ir_set *s = l->set;
	uint32_t b0 = c->n_boxes, a0 = c->n_atoms;
	struct cc_lk k;

	cc_lk_init(c, l, &k);
	if (k.wide || s->nelems == 0)
		return 0;
	if (k.fail || k.all_const) {
		/* no element (fail) or one known element for every packet */
		const struct ir_set_elem *e = k.fail ? NULL : cls_lookup(&c->kpkt, l);

		for (uint32_t i = 0; i < s->nelems; i++) {
			dnfs[i].off = c->n_boxes;
			dnfs[i].n = 0;
			if (e == &s->elems[i] && cc_true(c, &dnfs[i]))
				return c->err;
		}
		return 1;
	}
	if (s->nfields == 1) {
		uint8_t lo[IR_DATA_MAX], hi[IR_DATA_MAX];

		if (!cc_sorted(s))
			return 0;
		for (uint32_t i = 0; i < s->nelems; i++) {
			dnfs[i].off = c->n_boxes;
			if (cc_region(s, i, k.flen[0], lo, hi) &&
			    !cc_single_range(c, &k.op[0], k.flen[0], lo, hi))
				goto no;
			dnfs[i].n = c->n_boxes - dnfs[i].off;
			if (c->n_boxes - b0 > c->max_set_boxes)
				goto no;
		}
	} else {
		if (!(s->flags & IR_SET_F_INTERVAL) && !cc_sorted(s))
			return 0;
		for (uint32_t i = 0; i < s->nelems; i++) {
			dnfs[i].off = c->n_boxes;
			if (!cc_concat_elem(c, &k, i))
				goto no;
			dnfs[i].n = c->n_boxes - dnfs[i].off;
			if (c->n_boxes - b0 > c->max_set_boxes)
				goto no;
		}
	}
	return c->err ? c->err : 1;
no:
	c->n_boxes = b0;
	c->n_atoms = a0;
	return c->err;
}

/* ---- matches ------------------------------------------------------------------- */

int
cc_match(struct cc *c, const struct ir_match *mt, struct cc_dnf *out,
	 bool *exact)
{
	uint32_t b0 = c->n_boxes, a0 = c->n_atoms;
	struct cc_op o;

	*exact = true;
	out->off = b0;
	switch (mt->kind) {
	case IR_MATCH_CMP:
	case IR_MATCH_RANGE:
		cc_operand(c, &mt->arg, &o);
		switch (o.kind) {
		case CC_OP_FAIL:
			break;
		case CC_OP_CONST:
			if (cls_match(&c->kpkt, mt))
				cc_true(c, out);
			break;
		case CC_OP_WIDE:
			*exact = false;
			cc_true(c, out);
			break;
		case CC_OP_SRC:
			if (mt->kind == IR_MATCH_CMP) {
				cc_cmp(c, mt, &o, exact);
			} else if (mt->len == 0 || mt->len > o.oplen ||
				   !cc_reg_range(c, &o, mt->len, mt->lo, mt->hi,
						 mt->invert)) {
				c->n_boxes = b0;
				c->n_atoms = a0;
				*exact = false;
				cc_valid_only(c, &o);
			}
			break;
		}
		break;
	case IR_MATCH_LOOKUP: {
		struct cc_lk k;

		if (mt->lookup.set == NULL) {
			*exact = false;
			cc_true(c, out);
			break;
		}
		cc_lk_init(c, &mt->lookup, &k);
		if (k.fail)
			break;	/* the key never builds: no match, inverted too */
		if (k.all_const) {
			if (cls_match(&c->kpkt, mt))
				cc_true(c, out);
			break;
		}
		if (k.wide || !cc_lookup(c, &mt->lookup, mt->invert, &k)) {
			c->n_boxes = b0;
			c->n_atoms = a0;
			*exact = false;
			/* keep the validity of every key field */
			{
				struct cc_bb bb;

				cc_bb_start(&bb, NULL);
				for (unsigned int i = 0; i < k.nf; i++)
					if (k.op[i].kind == CC_OP_SRC &&
					    k.op[i].has_valid)
						bb_push(&bb, k.op[i].valid.fld,
							k.op[i].valid.a,
							k.op[i].valid.b);
				cc_emit(c, &bb);
			}
		}
		break;
	}
	default:
		*exact = false;
		cc_true(c, out);
		break;
	}
	out->n = c->n_boxes - b0;
	return c->err;
}
