/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_mirror.c - the live mirror against the kernel.
 *
 * In a private network namespace (the test moves itself there: unshare,
 * then every nft it runs inherits it), load a netdev table, mirror it, and
 * change it with nft: after every change the mirrored IR must equal a fresh
 * dump. Then 1,000 concurrent nft commands (once with a normal event
 * buffer, once with a tiny one that overflows: ENOBUFS -> resync) must end
 * consistent. An unsupported rule must leave the caller's IR in place.
 * Prints the latency from an nft change to the new IR.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "control/ir/ir_json.h"
#include "control/nft/nftr.h"

#define TABLE "t"

static int failures;
static struct nftr_mirror *mirror;
static struct ir_ruleset *cur;		/* the caller's IR */
static double lat_after[64], lat_total[64];
static int nlat;

#define CHECK(cond, ...) do {						\
	if (cond) {							\
		printf("ok   ");					\
	} else {							\
		printf("FAIL ");					\
		failures++;						\
	}								\
	printf(__VA_ARGS__);						\
	printf("\n");							\
	fflush(stdout);							\
} while (0)

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Run nft, return the handle it echoes (nft -e -a), or 0. */
static uint64_t
nft_handle(const char *args)
{
	char cmd[1024], line[1024];
	uint64_t h = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "nft -e -a %s", args);
	p = popen(cmd, "r");
	if (p == NULL)
		return 0;
	while (fgets(line, sizeof(line), p) != NULL) {
		char *s = strstr(line, "# handle ");

		if (s != NULL)
			h = strtoull(s + 9, NULL, 10);
	}
	pclose(p);
	return h;
}

/* Consume events until a new IR arrives (1), timeout (0) or error (<0). */
static int
wait_ir(int timeout_ms, struct ir_ruleset **out, struct nftr_diag *diag)
{
	double end = now_ms() + timeout_ms;

	for (;;) {
		struct pollfd pfd = { .fd = nftr_mirror_fd(mirror), .events = POLLIN };
		int left = (int)(end - now_ms());
		int ret;

		if (left < 0)
			left = 0;
		ret = poll(&pfd, 1, left);
		if (ret < 0 && errno != EINTR)
			return -errno;
		ret = nftr_mirror_process(mirror, out, diag);
		if (ret != 0)
			return ret;
		if (now_ms() >= end)
			return 0;
	}
}

static bool
equals_fresh_dump(const char *what)
{
	struct ir_ruleset *fresh = NULL;
	struct nftr_diag d;
	bool eq;
	int ret;

	nftr_diag_init(&d);
	ret = nftr_dump(TABLE, &fresh, &d);
	if (ret < 0) {
		printf("     dump failed: %s\n", d.msg ? d.msg : "?");
		nftr_diag_free(&d);
		return false;
	}
	eq = ir_ruleset_equal(cur, fresh);
	if (!eq) {
		char *a = ir_json_dumps(cur, IR_JSON_NO_STATE);
		char *b = ir_json_dumps(fresh, IR_JSON_NO_STATE);

		printf("     %s: mirror and dump differ\n--- mirror\n%s--- dump\n%s", what,
		       a ? a : "", b ? b : "");
		free(a);
		free(b);
	}
	ir_ruleset_free(fresh);
	nftr_diag_free(&d);
	return eq;
}

/* One change: run it, wait for the new IR, compare with a fresh dump. */
static void
step(const char *name, bool expect_change, const char *fmt, ...)
{
	struct ir_ruleset *n = NULL;
	struct nftr_diag d;
	char args[2048];
	double t0, t1, t2;
	va_list ap;
	int ret;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	nftr_diag_init(&d);
	t0 = now_ms();
	ret = sh("nft %s", args);
	t1 = now_ms();
	if (ret != 0) {
		CHECK(false, "%s: nft %s failed", name, args);
		return;
	}
	ret = wait_ir(expect_change ? 2000 : 300, &n, &d);
	t2 = now_ms();
	if (!expect_change) {
		CHECK(ret == 0 && equals_fresh_dump(name),
		      "%s: no new IR, and the caller's IR equals a fresh dump (ret %d)",
		      name, ret);
		return;
	}
	if (ret == 1) {
		ir_ruleset_free(cur);
		cur = n;
		if (nlat < 64) {
			lat_after[nlat] = t2 - t1;
			lat_total[nlat] = t2 - t0;
			nlat++;
		}
	}
	CHECK(ret == 1 && equals_fresh_dump(name),
	      "%s: new IR equals a fresh dump (%.2f ms after nft returned, %.2f ms with nft)%s%s",
	      name, t2 - t1, t2 - t0, d.msg ? ": " : "", d.msg ? d.msg : "");
	nftr_diag_free(&d);
}

static size_t
count_elems(const char *set)
{
	const struct ir_table *t = cur != NULL ? ir_table_find(cur, TABLE) : NULL;
	const struct ir_set *s = t != NULL ? ir_set_find(t, set) : NULL;

	return s != NULL ? s->nelems : 0;
}

static size_t
count_rules(const char *chain)
{
	const struct ir_table *t = cur != NULL ? ir_table_find(cur, TABLE) : NULL;
	const struct ir_chain *c = t != NULL ? ir_chain_find(t, chain) : NULL;

	return c != NULL ? c->nrules : 0;
}

/* 1,000 nft processes at once; the mirror keeps consuming meanwhile. */
static void
burst(const char *name, unsigned int base)
{
	enum { N = 1000 };
	size_t elems0 = count_elems("s"), rules0 = count_rules("c");
	unsigned int running = 0, failed = 0, nrules = 0;
	struct ir_ruleset *n = NULL;
	struct nftr_diag d;
	double t0 = now_ms();
	int ret;

	nftr_diag_init(&d);
	for (unsigned int i = 0; i < N; i++) {
		char addr[32];
		pid_t pid;

		snprintf(addr, sizeof(addr), "10.%u.%u.%u", base, i >> 8, i & 255);
		if (i % 10 == 9)
			nrules++;
		pid = fork();
		if (pid == 0) {
			int fd = open("/dev/null", O_WRONLY);

			if (fd >= 0)
				dup2(fd, STDOUT_FILENO);
			if (i % 10 == 9)
				execlp("nft", "nft", "add", "rule", "netdev", TABLE, "c",
				       "ip", "saddr", addr, "counter", (char *)NULL);
			else
				execlp("nft", "nft", "add", "element", "netdev", TABLE, "s",
				       "{", addr, "}", (char *)NULL);
			_exit(127);
		}
		if (pid > 0)
			running++;
		else
			failed++;
	}
	/* consume events while the commands run */
	while (running > 0) {
		int st;
		pid_t pid = waitpid(-1, &st, WNOHANG);

		if (pid > 0) {
			running--;
			if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
				failed++;
			continue;
		}
		ret = wait_ir(5, &n, &d);
		if (ret == 1) {
			ir_ruleset_free(cur);
			cur = n;
		}
	}
	/* then until quiet */
	do {
		ret = wait_ir(300, &n, &d);
		if (ret == 1) {
			ir_ruleset_free(cur);
			cur = n;
		}
	} while (ret == 1);
	CHECK(failed == 0, "%s: 1000 nft commands ran (%u failed)", name, failed);
	CHECK(ret == 0, "%s: mirror quiet without error (%d)%s%s", name, ret,
	      d.msg ? ": " : "", d.msg ? d.msg : "");
	CHECK(count_elems("s") == elems0 + (N - nrules) &&
	      count_rules("c") == rules0 + nrules,
	      "%s: %zu elements (want %zu), %zu rules (want %zu), %.0f ms", name,
	      count_elems("s"), elems0 + (N - nrules), count_rules("c"),
	      rules0 + nrules, now_ms() - t0);
	CHECK(equals_fresh_dump(name), "%s: mirror equals a fresh dump", name);
	nftr_diag_free(&d);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
report_latency(void)
{
	double a[64], t[64];

	if (nlat == 0)
		return;
	memcpy(a, lat_after, sizeof(a));
	memcpy(t, lat_total, sizeof(t));
	qsort(a, (size_t)nlat, sizeof(double), cmp_double);
	qsort(t, (size_t)nlat, sizeof(double), cmp_double);
	printf("mirror latency over %d changes: nft returned -> new IR: median %.2f ms, max %.2f ms; "
	       "nft started -> new IR: median %.2f ms, max %.2f ms (target < 100 ms)\n",
	       nlat, a[nlat / 2], a[nlat - 1], t[nlat / 2], t[nlat - 1]);
	CHECK(t[nlat / 2] < 100.0, "median latency below 100 ms");
}

int
main(void)
{
	struct nftr_diag d;
	uint64_t h, bad;
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (unshare(CLONE_NEWNET) < 0) {
		perror("unshare(CLONE_NEWNET) (run as root)");
		return 77;
	}
	if (sh("ip link add eth0 type ifb && ip link add eth1 type ifb") != 0) {
		fprintf(stderr, "cannot create ifb interfaces\n");
		return 1;
	}
	if (sh("nft -f - <<'EOF'\n"
	       "table netdev t {\n"
	       "\tcounter k0 {\n\t}\n"
	       "\tset s {\n\t\ttype ipv4_addr\n\t\telements = { 192.0.2.1 }\n\t}\n"
	       "\tchain c {\n\t\ttype filter hook ingress device eth0 priority 0; policy accept;\n"
	       "\t\tip saddr @s drop\n\t\tcounter name \"k0\"\n\t\tiif \"eth1\" accept\n\t}\n"
	       "}\n"
	       "EOF") != 0) {
		fprintf(stderr, "cannot load the table\n");
		return 1;
	}

	nftr_diag_init(&d);
	ret = nftr_mirror_open(TABLE, &mirror, &cur, &d);
	CHECK(ret == 0, "mirror open%s%s", d.msg ? ": " : "", d.msg ? d.msg : "");
	if (ret < 0)
		return 1;
	CHECK(equals_fresh_dump("open"), "first IR equals a fresh dump");
	{
		struct ir_ruleset *x = NULL;
		struct nftr_mirror *m2 = NULL;

		ret = nftr_mirror_open("nonexistent", &m2, &x, &d);
		CHECK(ret == -ENOENT, "mirror of a missing table: -ENOENT (%d)", ret);
		nftr_diag_free(&d);
	}

	step("add rule", true, "add rule netdev t c ip saddr 9.9.9.9 drop");
	step("insert rule", true, "insert rule netdev t c tcp dport 22 accept");
	step("add element", true, "add element netdev t s { 10.0.0.1, 10.0.0.2 }");
	step("delete element", true, "delete element netdev t s { 10.0.0.1 }");
	h = cur->tables[0].chains[0].rules[0].handle;
	step("replace rule", true, "replace rule netdev t c handle %" PRIu64 " udp dport 53 accept", h);
	h = cur->tables[0].chains[0].rules[1].handle;
	step("delete rule", true, "delete rule netdev t c handle %" PRIu64, h);
	step("add chain + jump", true, "-f - <<'EOF'\nadd chain netdev t d\nadd rule netdev t d counter\nadd rule netdev t c jump d\nEOF");
	step("named counter", true, "-f - <<'EOF'\nadd counter netdev t k1\nadd rule netdev t c counter name k1\nEOF");
	step("add map + rule", true, "-f - <<'EOF'\nadd map netdev t m { type ipv4_addr : mark; }\nadd element netdev t m { 1.2.3.4 : 7 }\nadd rule netdev t c meta mark set ip saddr map @m\nEOF");
	step("flush set", true, "flush set netdev t s");
	step("other table: no new IR", false, "add table netdev other");
	step("other table chain: no new IR", false, "add chain netdev other x");
	step("flush chain", true, "flush chain netdev t c");
	step("rules again", true, "-f - <<'EOF'\nadd rule netdev t c ip saddr @s drop\nadd rule netdev t c iif eth1 fwd to eth0\nEOF");

	/* an unsupported rule: error, the caller keeps its IR */
	{
		struct ir_ruleset *n = NULL;
		char *before = ir_json_dumps(cur, IR_JSON_NO_STATE);

		bad = nft_handle("add rule netdev t c tcp option maxseg size 1400 accept");
		CHECK(bad != 0, "unsupported rule added by nft (handle %" PRIu64 ")", bad);
		nftr_diag_init(&d);
		ret = wait_ir(2000, &n, &d);
		CHECK(ret == -EOPNOTSUPP && d.msg != NULL && strstr(d.msg, "exthdr") &&
		      strstr(d.msg, "tcp option maxseg size 1400 accept"),
		      "unsupported rule: -EOPNOTSUPP naming expression and rule (%d: %s)",
		      ret, d.msg ? d.msg : "");
		{
			char *after = ir_json_dumps(cur, IR_JSON_NO_STATE);

			CHECK(before && after && strcmp(before, after) == 0,
			      "unsupported rule: the caller's IR is untouched");
			free(after);
		}
		free(before);
		nftr_diag_free(&d);
		/* back to what the caller has: nothing new, but consistent */
		step("delete the unsupported rule", false, "delete rule netdev t c handle %" PRIu64, bad);
		step("a change after the error", true, "add rule netdev t c ip daddr 198.51.100.1 drop");
	}

	/* resync with nothing changed */
	{
		struct ir_ruleset *n = NULL;

		nftr_diag_init(&d);
		ret = nftr_mirror_resync(mirror, &n, &d);
		CHECK(ret == 0, "resync without change: no new IR (%d)", ret);
		if (ret == 1)
			ir_ruleset_free(n);
		nftr_diag_free(&d);
	}

	burst("burst", 100);
	{
		/* a tiny event buffer: overruns (ENOBUFS) force resyncs */
		int small = 4096;

		setsockopt(nftr_mirror_fd(mirror), SOL_SOCKET, SO_RCVBUFFORCE,
			   &small, sizeof(small));
		burst("burst with ENOBUFS", 101);
	}

	step("delete table", true, "delete table netdev t");
	CHECK(cur->ntables == 0, "deleted table: IR without tables");
	step("table back", true, "-f - <<'EOF'\ntable netdev t {\n\tchain c {\n\t\ttype filter hook ingress device eth1 priority 0; policy drop;\n\t}\n}\nEOF");
	step("dormant", true, "add table netdev t '{ flags dormant; }'");
	CHECK(cur->ntables == 0, "dormant table: IR without tables");

	report_latency();
	ir_ruleset_free(cur);
	nftr_mirror_close(mirror);
	printf("%d failure(s)\n", failures);
	return failures ? 1 : 0;
}
