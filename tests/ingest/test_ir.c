/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_ir.c - IR unit tests without the kernel: arena, static tables,
 * key layout, JSON (state and no state), equality, printer fallbacks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/ir/ir_build.h"
#include "control/ir/ir_json.h"
#include "control/ir/ir_print.h"

static int failures;

#define CHECK(cond, msg) do {						\
	printf("%s %s\n", (cond) ? "ok  " : "FAIL", msg);		\
	if (!(cond))							\
		failures++;						\
} while (0)

/* table t, chain c (base, eth0), one rule:
 * counter (packets) @nh,0,8 & 0xf0 == 0x40 (ip version 4 w/o context)
 * meta mark < 0x10 (host) -> accept */
static struct ir_ruleset *
build(uint64_t packets)
{
	struct ir_ruleset *rs = ir_ruleset_new();
	struct ir_table *t = ir_calloc(rs, 1, sizeof(*t));
	struct ir_chain *c = ir_calloc(rs, 1, sizeof(*c));
	struct ir_rule *r = ir_calloc(rs, 1, sizeof(*r));
	struct ir_item *it = ir_calloc(rs, 3, sizeof(*it));
	const char **devs = ir_calloc(rs, 1, sizeof(*devs));
	static const uint8_t mask[] = { 0xf0 }, v4[] = { 0x40 };
	static const uint8_t mark[] = { 0x10, 0, 0, 0 };

	devs[0] = ir_strdup(rs, "eth0");
	t->name = ir_strdup(rs, "t");
	c->name = ir_strdup(rs, "c");
	c->flags = IR_CHAIN_F_BASE;
	c->devices = devs;
	c->ndevices = 1;
	it[0].kind = IR_ITEM_STMT;
	it[0].stmt.kind = IR_STMT_COUNTER;
	it[0].stmt.counter.packets = packets;
	it[1].kind = IR_ITEM_MATCH;
	it[1].match.kind = IR_MATCH_CMP;
	it[1].match.arg.field = (struct ir_field){ .kind = IR_FIELD_PAYLOAD,
		.base = IR_BASE_NETWORK, .offset = 0, .len = 1 };
	it[1].match.arg.mask = ir_memdup(rs, mask, 1);
	it[1].match.len = 1;
	it[1].match.value = ir_memdup(rs, v4, 1);
	it[2].kind = IR_ITEM_MATCH;
	it[2].match.kind = IR_MATCH_CMP;
	it[2].match.op = IR_CMP_LT;
	it[2].match.arg.field = (struct ir_field){ .kind = IR_FIELD_META,
		.meta = IR_META_MARK, .len = 4 };
	it[2].match.arg.order = IR_BO_HOST;
	it[2].match.len = 4;
	it[2].match.value = ir_memdup(rs, mark, 4);
	r->handle = 2;
	r->items = it;
	r->nitems = 3;
	r->verdict.v.kind = IR_VERDICT_ACCEPT;
	c->rules = r;
	c->nrules = 1;
	t->chains = c;
	t->nchains = 1;
	rs->tables = t;
	rs->ntables = 1;
	rs->devices = devs;
	rs->ndevices = 1;
	return rs;
}

int
main(void)
{
	struct ir_ruleset *a, *b;
	char *ja, *jb, *txt = NULL;
	size_t len = 0;
	FILE *f;

	/* arena: many small and a few big allocations, all zeroed */
	a = ir_ruleset_new();
	{
		bool zero = true;

		for (int i = 0; i < 10000; i++) {
			unsigned char *p = ir_alloc(a, (size_t)(i % 300) + 1);

			zero &= p != NULL && p[0] == 0 && ((uintptr_t)p & 15) == 0;
			if (p != NULL)
				memset(p, 0xaa, (size_t)(i % 300) + 1);
		}
		for (int i = 0; i < 4; i++) {
			unsigned char *p = ir_alloc(a, 1u << 20);

			zero &= p != NULL && p[0] == 0 && p[(1u << 20) - 1] == 0;
		}
		CHECK(zero, "arena: aligned, zeroed allocations");
		CHECK(ir_ruleset_mem(a) > 4u << 20, "arena: footprint accounted");
	}
	ir_ruleset_free(a);
	ir_ruleset_free(NULL);

	/* static tables */
	CHECK(ir_meta_key_info(IR_META_MARK)->len == 4 &&
	      ir_meta_key_info(IR_META_MARK)->order == IR_BO_HOST &&
	      ir_meta_key_info(IR_META_PROTOCOL)->order == IR_BO_NET &&
	      ir_meta_key_info(IR_META_IIFNAME)->len == IR_IFNAMSIZ &&
	      ir_meta_key_info(IR_META__COUNT) == NULL, "meta key info");
	{
		struct ir_set s = { .nfields = 3, .field_len = { 6, 2, 4 } };

		CHECK(ir_set_field_offset(&s, 0) == 0 && ir_set_field_offset(&s, 1) == 8 &&
		      ir_set_field_offset(&s, 2) == 12, "concat key layout: fields padded to 4");
	}

	/* JSON and equality: state is ignored where asked */
	a = build(1);
	b = build(99);
	ja = ir_json_dumps(a, 0);
	jb = ir_json_dumps(b, 0);
	CHECK(ja && jb && strcmp(ja, jb) != 0 && strstr(ja, "\"packets\": 1"),
	      "JSON with state shows counter values");
	free(ja);
	free(jb);
	ja = ir_json_dumps(a, IR_JSON_NO_STATE);
	jb = ir_json_dumps(b, IR_JSON_NO_STATE);
	CHECK(ja && jb && strcmp(ja, jb) == 0 && !strstr(ja, "packets"),
	      "JSON without state ignores counter values");
	CHECK(ir_ruleset_equal(a, b), "equal despite different counters");
	CHECK(ja && strstr(ja, "\"mask\": \"f0\"") && strstr(ja, "\"order\": \"host\""),
	      "JSON keeps masks and byte order");
	free(ja);
	free(jb);
	CHECK(ir_device_id(a, "eth0") == 0 && ir_device_id(a, "eth9") < 0, "device ids");
	CHECK(ir_table_find(a, "t") && ir_chain_find(&a->tables[0], "c") &&
	      !ir_chain_find(&a->tables[0], "x"), "finders");

	/* printer: no protocol context -> raw payload syntax */
	f = open_memstream(&txt, &len);
	ir_print(f, a, IR_PRINT_HANDLES);
	fclose(f);
	CHECK(txt && strstr(txt, "counter packets 1 bytes 0 @nh,0,8 & 0xf0 == 0x40 "
			    "meta mark < 0x00000010 accept # handle 2"),
	      "printer: raw payload, host-order mark");
	if (txt && !strstr(txt, "@nh,0,8 & 0xf0"))
		fputs(txt, stdout);
	free(txt);
	{
		char *s = ir_rule_str(a, &a->tables[0], &a->tables[0].chains[0].rules[0]);

		CHECK(s && strncmp(s, "counter packets 1", 17) == 0, "ir_rule_str");
		free(s);
	}
	ir_ruleset_free(a);
	ir_ruleset_free(b);
	printf("%d failure(s)\n", failures);
	return failures ? 1 : 0;
}
