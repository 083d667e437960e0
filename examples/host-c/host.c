/*
 * A lattice host in C (libnats), written from the host protocol (docs/host-protocol.md) alone.
 * It runs versions of actors whose "handler" answers a fixed text, and answers the control
 * interface (inventory, scale, stop, ping). See README.md beside this file.
 *
 * Threads: libnats runs each subscription's callback on its own thread. The runtime table is
 * guarded by one mutex, taken only by control requests; an RPC callback touches only its own
 * runtime's fixed fields and an atomic counter, so a drain (which waits for RPC callbacks)
 * can run while the mutex is held without deadlock.
 */
#define _GNU_SOURCE
#include <nats/nats.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_RUNTIMES 32
#define MAX_VERSION_BYTES 128
#define MAX_COUNT 64 /* instances per version: libnats gives each subscription a thread */

typedef struct {
    natsSubscription *subs[2]; /* [unversioned, versioned] */
} instance;

typedef struct {
    char *id;
    char *version;
    char *vtoken;
    char *subjects[2]; /* [unversioned, versioned] */
    char *queue;
    char *reply;
    long fail_every;        /* every Nth call fails; 0: never */
    long delay_ms;          /* pretend work per call */
    long calls;             /* atomic */
    int count;              /* running instances (guarded by table_mu) */
    int initial_count;
    instance *instances;
} runtime;

static natsConnection *nc;
static const char *lattice = "default";
static const char *host_id;
static runtime runtimes[MAX_RUNTIMES];
static int n_runtimes;
static pthread_mutex_t table_mu = PTHREAD_MUTEX_INITIALIZER;
static int64_t started_ms;

static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "host-c: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(2);
}

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *xstrdup(const char *s) {
    char *d = strdup(s);
    if (!d) die("out of memory");
    return d;
}

static char *fmt(const char *f, ...) {
    va_list ap;
    va_start(ap, f);
    char *out = NULL;
    if (vasprintf(&out, f, ap) < 0) die("out of memory");
    va_end(ap);
    return out;
}

/* ---- version token: unpadded base64url of the version's UTF-8 bytes ---- */

static char *version_token(const char *v) {
    static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const unsigned char *s = (const unsigned char *)v;
    size_t n = strlen(v), o = 0;
    char *out = malloc(n / 3 * 4 + 5);
    if (!out) die("out of memory");
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t x = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
        out[o++] = al[x >> 18 & 63]; out[o++] = al[x >> 12 & 63];
        out[o++] = al[x >> 6 & 63]; out[o++] = al[x & 63];
    }
    if (n - i == 1) {
        uint32_t x = (uint32_t)s[i] << 16;
        out[o++] = al[x >> 18 & 63]; out[o++] = al[x >> 12 & 63];
    } else if (n - i == 2) {
        uint32_t x = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8;
        out[o++] = al[x >> 18 & 63]; out[o++] = al[x >> 12 & 63]; out[o++] = al[x >> 6 & 63];
    }
    out[o] = 0;
    return out;
}

/* Why a version cannot be used, or NULL. ASCII only: for ASCII, NFC is the identity, so the
 * token is the protocol's without a Unicode library. */
static const char *version_problem(const char *v) {
    size_t n = strlen(v);
    if (n == 0) return "it is empty";
    if (n > MAX_VERSION_BYTES) return "it is longer than 128 bytes";
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        if (*p >= 0x80) return "it is not ASCII (this example host accepts ASCII versions only: it does not implement Unicode NFC)";
        if (*p <= 0x20 || *p == 0x7f) return "it contains whitespace or control characters";
    }
    return NULL;
}

/* Why s cannot be one subject token (an id, lattice or host id), or NULL. */
static const char *token_problem(const char *s) {
    if (!*s) return "it is empty";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p <= 0x20 || *p == 0x7f || *p == '.' || *p == '*' || *p == '>') return "it must be one subject token (no dots, spaces, '*' or '>')";
    }
    return NULL;
}

/* ---- JSON out ---- */

typedef struct {
    char *buf;
    size_t len, cap;
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->buf = realloc(b->buf, b->cap);
        if (!b->buf) die("out of memory");
    }
    memcpy(b->buf + b->len, s, n);
    b->len += n;
    b->buf[b->len] = 0;
}
static void sb_str(sbuf *b, const char *s) { sb_put(b, s, strlen(s)); }
static void sb_fmt(sbuf *b, const char *f, ...) {
    char tmp[64];
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(tmp, sizeof tmp, f, ap);
    va_end(ap);
    sb_put(b, tmp, (size_t)n);
}
/* A JSON string; bytes >= 0x80 pass through (they are UTF-8). */
static void sb_json(sbuf *b, const char *s) {
    sb_str(b, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') { char e[2] = {'\\', (char)*p}; sb_put(b, e, 2); }
        else if (*p < 0x20) sb_fmt(b, "\\u%04x", *p);
        else sb_put(b, (const char *)p, 1);
    }
    sb_str(b, "\"");
}

/* ---- JSON in: one flat object of strings, numbers, booleans and nulls ---- */

#define MAX_FIELDS 16
typedef struct {
    int n;
    char *keys[MAX_FIELDS];
    char *strs[MAX_FIELDS]; /* NULL when the value is not a string */
    int is_num[MAX_FIELDS];
    double nums[MAX_FIELDS];
} jobj;

static void jobj_free(jobj *o) {
    for (int i = 0; i < o->n; i++) { free(o->keys[i]); free(o->strs[i]); }
    o->n = 0;
}

static const char *skip_ws(const char *p, const char *end) {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
    return p;
}

static void put_utf8(sbuf *b, unsigned cp) {
    char u[4];
    if (cp < 0x80) { u[0] = (char)cp; sb_put(b, u, 1); }
    else if (cp < 0x800) { u[0] = (char)(0xc0 | cp >> 6); u[1] = (char)(0x80 | (cp & 63)); sb_put(b, u, 2); }
    else if (cp < 0x10000) { u[0] = (char)(0xe0 | cp >> 12); u[1] = (char)(0x80 | (cp >> 6 & 63)); u[2] = (char)(0x80 | (cp & 63)); sb_put(b, u, 3); }
    else { u[0] = (char)(0xf0 | cp >> 18); u[1] = (char)(0x80 | (cp >> 12 & 63)); u[2] = (char)(0x80 | (cp >> 6 & 63)); u[3] = (char)(0x80 | (cp & 63)); sb_put(b, u, 4); }
}

static int hex4(const char *p, const char *end, unsigned *out) {
    if (end - p < 4) return -1;
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return -1;
    }
    *out = v;
    return 0;
}

/* Parses a JSON string at *pp (at the opening quote); returns a malloc'd UTF-8 string or NULL. */
static char *parse_string(const char **pp, const char *end) {
    const char *p = *pp + 1;
    sbuf b = {0};
    sb_put(&b, "", 0);
    while (p < end && *p != '"') {
        if ((unsigned char)*p < 0x20) goto bad;
        if (*p != '\\') { sb_put(&b, p, 1); p++; continue; }
        if (++p >= end) goto bad;
        char c = *p++;
        switch (c) {
        case '"': sb_str(&b, "\""); break;
        case '\\': sb_str(&b, "\\"); break;
        case '/': sb_str(&b, "/"); break;
        case 'b': sb_str(&b, "\b"); break;
        case 'f': sb_str(&b, "\f"); break;
        case 'n': sb_str(&b, "\n"); break;
        case 'r': sb_str(&b, "\r"); break;
        case 't': sb_str(&b, "\t"); break;
        case 'u': {
            unsigned cp;
            if (hex4(p, end, &cp)) goto bad;
            p += 4;
            if (cp >= 0xd800 && cp < 0xdc00) { /* a surrogate pair */
                unsigned lo;
                if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || hex4(p + 2, end, &lo) || lo < 0xdc00 || lo >= 0xe000) goto bad;
                p += 6;
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            } else if (cp >= 0xdc00 && cp < 0xe000) goto bad;
            if (cp == 0) goto bad; /* would cut the C string */
            put_utf8(&b, cp);
            break;
        }
        default: goto bad;
        }
    }
    if (p >= end) goto bad;
    *pp = p + 1;
    return b.buf;
bad:
    free(b.buf);
    return NULL;
}

/* 0 on success; otherwise *err says what is wrong. */
static int parse_object(const char *data, int len, jobj *o, const char **err) {
    const char *p = data, *end = data + len;
    memset(o, 0, sizeof *o);
    p = skip_ws(p, end);
    if (p >= end || *p != '{') { *err = "The request must be a JSON object."; return -1; }
    p = skip_ws(p + 1, end);
    if (p < end && *p == '}') { p++; goto done; }
    for (;;) {
        if (p >= end || *p != '"' || o->n == MAX_FIELDS) goto bad;
        char *key = parse_string(&p, end);
        if (!key) goto bad;
        int i = o->n++;
        o->keys[i] = key;
        p = skip_ws(p, end);
        if (p >= end || *p != ':') goto bad;
        p = skip_ws(p + 1, end);
        if (p >= end) goto bad;
        if (*p == '"') {
            if (!(o->strs[i] = parse_string(&p, end))) goto bad;
        } else if (*p == '-' || (*p >= '0' && *p <= '9')) {
            char tmp[64];
            size_t n = 0;
            while (p + n < end && n < sizeof tmp - 1 && strchr("+-.eE0123456789", p[n])) n++;
            memcpy(tmp, p, n);
            tmp[n] = 0;
            char *e;
            o->nums[i] = strtod(tmp, &e);
            if (e != tmp + n) goto bad;
            o->is_num[i] = 1;
            p += n;
        } else if (end - p >= 4 && !strncmp(p, "true", 4)) p += 4;
        else if (end - p >= 5 && !strncmp(p, "false", 5)) p += 5;
        else if (end - p >= 4 && !strncmp(p, "null", 4)) p += 4;
        else if (*p == '{' || *p == '[') { *err = "This host reads flat request objects only: no nested objects or arrays."; goto fail; }
        else goto bad;
        p = skip_ws(p, end);
        if (p < end && *p == ',') { p = skip_ws(p + 1, end); continue; }
        if (p < end && *p == '}') { p++; break; }
        goto bad;
    }
done:
    p = skip_ws(p, end);
    if (p != end) goto bad;
    return 0;
bad:
    *err = "The request is not valid JSON (or not a flat object).";
fail:
    jobj_free(o);
    return -1;
}

static int field(const jobj *o, const char *key) {
    for (int i = o->n - 1; i >= 0; i--) if (!strcmp(o->keys[i], key)) return i; /* last one wins, as in JSON.parse */
    return -1;
}

/* ---- runtimes ---- */

static void on_rpc(natsConnection *c, natsSubscription *sub, natsMsg *msg, void *closure) {
    (void)sub;
    runtime *r = closure;
    const char *reply = natsMsg_GetReply(msg);
    long n = __atomic_add_fetch(&r->calls, 1, __ATOMIC_RELAXED);
    if (r->delay_ms > 0) nats_Sleep(r->delay_ms);
    if (reply && *reply) {
        if (r->fail_every > 0 && n % r->fail_every == 0) {
            natsMsg *out = NULL;
            char text[96];
            snprintf(text, sizeof text, "injected failure: call %ld of version %s (--fail-every %ld)", n, r->version, r->fail_every);
            if (natsMsg_Create(&out, reply, NULL, NULL, 0) == NATS_OK) {
                natsMsgHeader_Set(out, "Nats-Service-Error", text);
                natsMsgHeader_Set(out, "Nats-Service-Error-Code", "500");
                natsConnection_PublishMsg(c, out);
                natsMsg_Destroy(out);
            }
        } else {
            natsConnection_Publish(c, reply, r->reply, (int)strlen(r->reply));
        }
    }
    natsMsg_Destroy(msg);
}

static runtime *add_runtime(const char *id) {
    if (n_runtimes == MAX_RUNTIMES) die("at most %d --actor entries", MAX_RUNTIMES);
    runtime *r = &runtimes[n_runtimes++];
    memset(r, 0, sizeof *r);
    r->id = xstrdup(id);
    r->initial_count = 1;
    return r;
}

static void prepare_runtime(runtime *r) {
    r->vtoken = version_token(r->version);
    r->subjects[0] = fmt("wasmbus.rpc.%s.%s", lattice, r->id);
#ifdef BROKEN_NO_VERSIONED
    r->subjects[1] = NULL; /* deliberately broken: no versioned subscription */
#else
    r->subjects[1] = fmt("%s.%s", r->subjects[0], r->vtoken);
#endif
#ifdef BROKEN_QUEUE
    r->queue = fmt("%s.%s", r->id, r->vtoken); /* deliberately broken: a queue group per version */
#else
    r->queue = xstrdup(r->id); /* every instance of the actor, any version, any host: one group */
#endif
    if (!r->reply) r->reply = xstrdup(r->version);
}

/* Runs exactly `count` instances; removed ones drain (calls already delivered are answered). */
static natsStatus scale_runtime(runtime *r, int count) {
    if (count > r->count) {
        instance *grown = realloc(r->instances, sizeof(instance) * (size_t)count);
        if (!grown) return NATS_NO_MEMORY;
        r->instances = grown;
    }
    while (r->count < count) {
        instance *in = &r->instances[r->count];
        memset(in, 0, sizeof *in);
        for (int i = 0; i < 2; i++) {
            if (!r->subjects[i]) continue;
            natsStatus s = natsConnection_QueueSubscribe(&in->subs[i], nc, r->subjects[i], r->queue, on_rpc, r);
            if (s != NATS_OK) {
                for (int j = 0; j < i; j++) natsSubscription_Destroy(in->subs[j]);
                return s;
            }
        }
        r->count++;
    }
    int old = r->count;
    for (int k = count; k < old; k++)
        for (int i = 0; i < 2; i++) if (r->instances[k].subs[i]) natsSubscription_Drain(r->instances[k].subs[i]);
    for (int k = count; k < old; k++)
        for (int i = 0; i < 2; i++) {
            natsSubscription *s = r->instances[k].subs[i];
            if (!s) continue;
            natsSubscription_WaitForDrainCompletion(s, 0);
            natsSubscription_Destroy(s);
        }
    r->count = count;
    return natsConnection_FlushTimeout(nc, 5000);
}

static void inventory_entry(sbuf *b, const runtime *r) {
    sb_str(b, "{\"kind\":\"actor\",\"id\":");
    sb_json(b, r->id);
    sb_str(b, ",\"version\":");
    sb_json(b, r->version);
    sb_fmt(b, ",\"count\":%d,\"subjects\":[", r->count);
    sb_json(b, r->subjects[0]);
    sb_str(b, ",");
    /* The versioned subject the protocol says this instance serves (even in the broken build). */
    char *versioned = fmt("%s.%s", r->subjects[0], r->vtoken);
    sb_json(b, versioned);
    free(versioned);
    sb_str(b, "]}");
}

static void inventory(sbuf *b) {
    sb_str(b, "[");
    int first = 1;
    for (int i = 0; i < n_runtimes; i++) {
        if (runtimes[i].count == 0) continue;
        if (!first) sb_str(b, ",");
        first = 0;
        inventory_entry(b, &runtimes[i]);
    }
    sb_str(b, "]");
}

/* ---- control interface ---- */

static void respond(natsMsg *msg, sbuf *b) {
    const char *reply = natsMsg_GetReply(msg);
    if (reply && *reply) natsConnection_Publish(nc, reply, b->buf, (int)b->len);
}

static void refuse(sbuf *b, const char *code, const char *error) {
    b->len = 0;
    sb_str(b, "{\"accepted\":false,\"error\":");
    sb_json(b, error);
    sb_str(b, ",\"code\":");
    sb_json(b, code);
}

static void on_inventory(natsConnection *c, natsSubscription *sub, natsMsg *msg, void *closure) {
    (void)c; (void)sub; (void)closure;
    sbuf b = {0};
    pthread_mutex_lock(&table_mu);
    sb_str(&b, "{\"accepted\":true,\"hostId\":");
    sb_json(&b, host_id);
    sb_str(&b, ",\"lattice\":");
    sb_json(&b, lattice);
    sb_str(&b, ",\"entities\":");
    inventory(&b);
    sb_str(&b, "}");
    pthread_mutex_unlock(&table_mu);
    respond(msg, &b);
    free(b.buf);
    natsMsg_Destroy(msg);
}

static void on_ping(natsConnection *c, natsSubscription *sub, natsMsg *msg, void *closure) {
    (void)c; (void)sub; (void)closure;
    sbuf b = {0};
    pthread_mutex_lock(&table_mu);
    int running = 0;
    for (int i = 0; i < n_runtimes; i++) running += runtimes[i].count > 0;
    pthread_mutex_unlock(&table_mu);
    sb_str(&b, "{\"accepted\":true,\"hostId\":");
    sb_json(&b, host_id);
    sb_str(&b, ",\"lattice\":");
    sb_json(&b, lattice);
    sb_fmt(&b, ",\"uptimeMs\":%lld,\"entities\":%d}", (long long)(now_ms() - started_ms), running);
    respond(msg, &b);
    free(b.buf);
    natsMsg_Destroy(msg);
}

enum command { CMD_START, CMD_STOP, CMD_SCALE };

/* Answers a start/stop/scale request into b. Called with table_mu held. */
static void command(enum command cmd, const char *data, int len, sbuf *b) {
    jobj o;
    const char *err = NULL;
    if (parse_object(data, len, &o, &err)) { refuse(b, "INVALID_REQUEST", err); sb_str(b, "}"); return; }
    static const char *strings[] = {"kind", "id", "link", "version"};
    for (int i = 0; i < 4; i++) {
        int f = field(&o, strings[i]);
        if (f >= 0 && !o.strs[f]) {
            char *m = fmt("\"%s\" must be a string.", strings[i]);
            refuse(b, "INVALID_REQUEST", m);
            sb_str(b, "}");
            free(m);
            goto out;
        }
    }
    int fc = field(&o, "count");
    if (fc >= 0 && !o.is_num[fc]) { refuse(b, "INVALID_REQUEST", "\"count\" must be a number."); sb_str(b, "}"); goto out; }
    int fk = field(&o, "kind"), fi = field(&o, "id"), fv = field(&o, "version");
    const char *kind = fk >= 0 ? o.strs[fk] : NULL;
    const char *id = fi >= 0 ? o.strs[fi] : NULL;
    const char *version = fv >= 0 ? o.strs[fv] : NULL;
    if (kind && strcmp(kind, "actor") && strcmp(kind, "provider")) { refuse(b, "INVALID_REQUEST", "\"kind\" must be \"actor\" or \"provider\"."); sb_str(b, "}"); goto out; }
    if (!id || !*id) { refuse(b, "INVALID_REQUEST", "\"id\" is required."); sb_str(b, "}"); goto out; }
    if (cmd == CMD_START) {
        char *m = fmt("Host %s cannot start entities over the control interface: it has no handler factory.", host_id);
        refuse(b, "NO_HANDLER", m);
        sb_str(b, "}");
        free(m);
        goto out;
    }
    int count = 0;
    if (cmd == CMD_SCALE) {
        if (fc < 0) { refuse(b, "INVALID_REQUEST", "\"count\" is required to scale an entity."); sb_str(b, "}"); goto out; }
        double d = o.nums[fc];
        if (!(d >= 0 && d <= MAX_COUNT) || d != (double)(int)d) { /* range first: the cast needs it */
            char *m = fmt("count must be a whole number from 0 to %d, not %g.", MAX_COUNT, d);
            refuse(b, "INVALID_REQUEST", m);
            sb_str(b, "}");
            free(m);
            goto out;
        }
        count = (int)d;
    }
    int is_provider = kind ? !strcmp(kind, "provider") : id[0] == 'V';
    runtime *running[MAX_RUNTIMES];
    int n = 0;
    if (!is_provider)
        for (int i = 0; i < n_runtimes; i++)
            if (runtimes[i].count > 0 && !strcmp(runtimes[i].id, id)) running[n++] = &runtimes[i];
    sbuf versions = {0};
    sb_str(&versions, "[");
    for (int i = 0; i < n; i++) { if (i) sb_str(&versions, ","); sb_json(&versions, running[i]->version); }
    sb_str(&versions, "]");
    runtime *r = NULL;
    if (n == 0) {
        char *m = fmt("No version of %s %s runs on host %s.", is_provider ? "provider" : "actor", id, host_id);
        refuse(b, "NOT_RUNNING", m);
        sb_str(b, "}");
        free(m);
    } else if (version) {
        for (int i = 0; i < n; i++) if (!strcmp(running[i]->version, version)) r = running[i];
        if (!r) {
            char *m = fmt("Version %s of actor %s does not run on host %s.", version, id, host_id);
            refuse(b, "NOT_RUNNING", m);
            sb_str(b, ",\"versions\":");
            sb_str(b, versions.buf);
            sb_str(b, "}");
            free(m);
        }
    } else if (n > 1) {
        char *m = fmt("Several versions of actor %s run on host %s. Say which one with a version.", id, host_id);
        refuse(b, "AMBIGUOUS_VERSION", m);
        sb_str(b, ",\"versions\":");
        sb_str(b, versions.buf);
        sb_str(b, "}");
        free(m);
    } else r = running[0];
    free(versions.buf);
    if (!r) goto out;
    natsStatus s = scale_runtime(r, count);
    if (s != NATS_OK) {
        char *m = fmt("Scaling actor %s %s failed: %s.", id, r->version, natsStatus_GetText(s));
        refuse(b, "INTERNAL", m);
        sb_str(b, "}");
        free(m);
        goto out;
    }
    b->len = 0;
    sb_str(b, cmd == CMD_STOP ? "{\"accepted\":true,\"stopped\":" : "{\"accepted\":true,\"inventory\":");
    inventory_entry(b, r);
    sb_str(b, "}");
out:
    jobj_free(&o);
}

static void on_command(natsConnection *c, natsSubscription *sub, natsMsg *msg, void *closure) {
    (void)c; (void)sub;
    sbuf b = {0};
    pthread_mutex_lock(&table_mu);
    command((enum command)(intptr_t)closure, natsMsg_GetData(msg), natsMsg_GetDataLength(msg), &b);
    pthread_mutex_unlock(&table_mu);
    respond(msg, &b);
    free(b.buf);
    natsMsg_Destroy(msg);
}

/* ---- main ---- */

static void usage(void) {
    fprintf(stderr,
            "usage: host-c --servers URL[,URL...] [--creds FILE] [--lattice L] [--host-id H]\n"
            "              --actor ID --version V [--count N] [--reply TEXT] [--fail-every N] [--delay-ms N]\n"
            "              [--actor ID --version V ...]\n"
            "--count, --reply, --fail-every and --delay-ms apply to the --actor before them.\n");
    exit(2);
}

static long parse_long(const char *flag, const char *v, long min, long max) {
    char *e;
    long n = strtol(v, &e, 10);
    if (!*v || *e || n < min || n > max) die("%s must be a whole number from %ld to %ld, not \"%s\"", flag, min, max, v);
    return n;
}

static void check(natsStatus s, const char *what) {
    if (s == NATS_OK) return;
    const char *last = nats_GetLastError(NULL);
    die("%s failed: %s%s%s", what, natsStatus_GetText(s), last ? ": " : "", last ? last : "");
}

int main(int argc, char **argv) {
    const char *servers = NULL, *creds = NULL;
    static char default_host[32];
    runtime *cur = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) usage();
        if (i + 1 >= argc) { fprintf(stderr, "host-c: %s needs a value\n", a); usage(); }
        const char *v = argv[++i];
        if (!strcmp(a, "--servers")) servers = v;
        else if (!strcmp(a, "--creds")) creds = v;
        else if (!strcmp(a, "--lattice")) lattice = v;
        else if (!strcmp(a, "--host-id")) host_id = v;
        else if (!strcmp(a, "--actor")) cur = add_runtime(v);
        else if (!cur && (!strcmp(a, "--version") || !strcmp(a, "--count") || !strcmp(a, "--reply") || !strcmp(a, "--fail-every") || !strcmp(a, "--delay-ms")))
            die("%s must follow an --actor", a);
        else if (!strcmp(a, "--version")) { if (cur->version) die("actor %s has two --version flags: give each version its own --actor", cur->id); cur->version = xstrdup(v); }
        else if (!strcmp(a, "--count")) cur->initial_count = (int)parse_long(a, v, 1, MAX_COUNT);
        else if (!strcmp(a, "--reply")) cur->reply = xstrdup(v);
        else if (!strcmp(a, "--fail-every")) cur->fail_every = parse_long(a, v, 0, 1000000000);
        else if (!strcmp(a, "--delay-ms")) cur->delay_ms = parse_long(a, v, 0, 60000);
        else { fprintf(stderr, "host-c: unknown flag %s\n", a); usage(); }
    }
    if (!servers) { fprintf(stderr, "host-c: --servers is required\n"); usage(); }
    if (n_runtimes == 0) { fprintf(stderr, "host-c: give at least one --actor ID --version V\n"); usage(); }
    started_ms = now_ms();
    if (!host_id) { snprintf(default_host, sizeof default_host, "host-c-%d", (int)getpid()); host_id = default_host; }
    const char *p;
    if ((p = token_problem(lattice))) die("invalid --lattice \"%s\": %s", lattice, p);
    if ((p = token_problem(host_id))) die("invalid --host-id \"%s\": %s", host_id, p);
    for (int i = 0; i < n_runtimes; i++) {
        runtime *r = &runtimes[i];
        if ((p = token_problem(r->id))) die("invalid --actor \"%s\": %s", r->id, p);
        if (!r->version) die("--actor %s has no --version", r->id);
        if ((p = version_problem(r->version))) die("invalid --version \"%s\" of actor %s: %s", r->version, r->id, p);
        for (int j = 0; j < i; j++)
            if (!strcmp(runtimes[j].id, r->id) && !strcmp(runtimes[j].version, r->version))
                die("actor %s version %s is given twice: use --count", r->id, r->version);
        prepare_runtime(r);
    }

    /* Signals go to the main thread's sigwait only: block them before libnats starts threads. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);

    natsOptions *opts = NULL;
    check(natsOptions_Create(&opts), "nats options");
    const char *urls[16];
    int nurls = 0;
    char *list = xstrdup(servers), *save = NULL;
    for (char *t = strtok_r(list, ",", &save); t && nurls < 16; t = strtok_r(NULL, ",", &save)) urls[nurls++] = t;
    check(natsOptions_SetServers(opts, urls, nurls), "--servers");
    if (creds) check(natsOptions_SetUserCredentialsFromFiles(opts, creds, NULL), "--creds");
    check(natsOptions_SetMaxReconnect(opts, -1), "reconnect option"); /* a host reconnects forever */
    check(natsOptions_SetReconnectWait(opts, 1000), "reconnect option");
    char *name = fmt("host-c %s", host_id);
    check(natsOptions_SetName(opts, name), "connection name");
    check(natsConnection_Connect(&nc, opts), "connecting to --servers");

    natsSubscription *control[5] = {0};
    char *subj[5] = {
        fmt("wasmbus.ctl.%s.cmd.%s.start", lattice, host_id),
        fmt("wasmbus.ctl.%s.cmd.%s.stop", lattice, host_id),
        fmt("wasmbus.ctl.%s.cmd.%s.scale", lattice, host_id),
        fmt("wasmbus.ctl.%s.get.%s.inv", lattice, host_id),
        fmt("wasmbus.ctl.%s.ping.hosts", lattice),
    };
    check(natsConnection_Subscribe(&control[0], nc, subj[0], on_command, (void *)(intptr_t)CMD_START), "subscribing");
    check(natsConnection_Subscribe(&control[1], nc, subj[1], on_command, (void *)(intptr_t)CMD_STOP), "subscribing");
    check(natsConnection_Subscribe(&control[2], nc, subj[2], on_command, (void *)(intptr_t)CMD_SCALE), "subscribing");
    check(natsConnection_Subscribe(&control[3], nc, subj[3], on_inventory, NULL), "subscribing");
    check(natsConnection_Subscribe(&control[4], nc, subj[4], on_ping, NULL), "subscribing");

    pthread_mutex_lock(&table_mu);
    for (int i = 0; i < n_runtimes; i++) check(scale_runtime(&runtimes[i], runtimes[i].initial_count), "subscribing an actor");
    pthread_mutex_unlock(&table_mu);
    check(natsConnection_FlushTimeout(nc, 10000), "flushing the subscriptions");

    printf("host-c ready: host %s lattice %s", host_id, lattice);
    for (int i = 0; i < n_runtimes; i++)
        printf("; actor %s version %s x%d on %s (+ .%s)", runtimes[i].id, runtimes[i].version, runtimes[i].count, runtimes[i].subjects[0], runtimes[i].vtoken);
    printf("\n");
    fflush(stdout);

    int sig = 0;
    sigwait(&sigs, &sig);
    /* Stop: every delivered call is answered (drain), then the connection drains and closes. */
    pthread_mutex_lock(&table_mu);
    for (int i = 0; i < n_runtimes; i++) scale_runtime(&runtimes[i], 0);
    pthread_mutex_unlock(&table_mu);
    if (natsConnection_DrainTimeout(nc, 10000) == NATS_OK)
        for (int i = 0; i < 110 && !natsConnection_IsClosed(nc); i++) nats_Sleep(100);
    for (int i = 0; i < 5; i++) { natsSubscription_Destroy(control[i]); free(subj[i]); }
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
    fprintf(stderr, "host-c: stopped (signal %d)\n", sig);
    nats_Close();
    return 0;
}
