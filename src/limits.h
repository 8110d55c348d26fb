/*
 * limits.h -- every hard limit of ledger6 in one place (after SQLite's
 * sqliteLimit.h). Each limit says why it exists. Changing one is a
 * behaviour change: document it in docs/API.md in the same commit.
 */
#ifndef L6_LIMITS_H
#define L6_LIMITS_H

/* Largest request body accepted by the HTTP API. A transfer naming
 * L6_MAX_RANGES ranges fits in well under 64 KiB; anything larger is a
 * mistake or an attack. Answered with 413. */
#define L6_MAX_BODY_BYTES (64 * 1024)

/* Deepest JSON nesting accepted. No request of ours nests deeper than 4;
 * the limit stops stack-hungry inputs before jansson parses them. */
#define L6_MAX_JSON_DEPTH 16

/* Most explicit serial ranges one transaction may name, and most blocks
 * one transaction may consume or create. Bounds the work (and the SQL
 * statements) done under the store's write lock by one request. */
#define L6_MAX_RANGES 256
#define L6_MAX_BLOCKS_PER_TX 1024

/* Largest page of a list request, and the default page. */
#define L6_MAX_PAGE 500
#define L6_DEFAULT_PAGE 50

/* Largest quantity in one issuance batch and largest serial number.
 * 10^12 t is about twenty years of global emissions; serials stay far
 * below INT64_MAX so first + quantity can never overflow. */
#define L6_MAX_QUANTITY 1000000000000LL
#define L6_MAX_SERIAL 4000000000000000000LL

/* String field lengths (bytes, excluding the terminating NUL). */
#define L6_CODE_MAX 32   /* unit type, programme, project and registry codes */
#define L6_NAME_MAX 200  /* names, titles, beneficiaries */
#define L6_TEXT_MAX 2000 /* claim texts, descriptions */
/* Four eyes (proposal.c): a registry's approval policy as JSON, and a
 * proposal's stored request (a move request with at most L6_MAX_RANGES
 * ranges of about 60 bytes each, plus its texts). */
#define L6_POLICY_BODY_MAX 1024
#define L6_PROPOSAL_BODY_MAX 24576
#define L6_EMAIL_MAX 254 /* a user's email (RFC 5321's path limit less the brackets) */
#define L6_PWHASH_STR_MAX 128 /* crypto_pwhash_STRBYTES: the encoded Argon2id hash */
#define L6_PASSWORD_MIN 12    /* a user's password: long enough to resist guessing offline (NIST SP 800-63B asks 8+) */
#define L6_PASSWORD_MAX 512   /* and short enough that hashing it is not a denial of service */
#define L6_TOTP_SECRET_BYTES 20 /* RFC 4226 section 4: 160 bits recommended for HMAC-SHA1 */
#define L6_TOTP_STEP_S 30   /* RFC 6238 section 5.2: the recommended time step */
#define L6_TOTP_WINDOW 1    /* steps accepted either side of now (clock drift, typing time) */
/* Web sessions (people.c): OWASP's Session Management Cheat Sheet asks
 * 15-30 minutes idle and 4-8 hours absolute for a high-value application. */
#define L6_SESSION_IDLE_S (15 * 60)
#define L6_SESSION_MAX_S (8 * 60 * 60)
#define L6_SESSION_TOUCH_MS 1000 /* a session's last use is written at most once a second */
#define L6_IDEM_MAX 128  /* idempotency keys */
#define L6_SERIAL_MAX 160 /* a formatted serial string */

/* Vintages accepted (years). */
#define L6_VINTAGE_MIN 1990
#define L6_VINTAGE_MAX 2100

/* HTTP server: simultaneous connections, seconds before an idle
 * connection is closed, worker threads. */
#define L6_MAX_CONNECTIONS 256
#define L6_CONN_TIMEOUT_S 30
#define L6_HTTP_THREADS 48

/* How long a transaction waits for another writer of the store (another
 * thread's or process's transaction) before it gives up with BUSY (503,
 * "retry"). Service transactions last milliseconds; five seconds of
 * waiting means something is wrong, and the client should hear it. */
#define L6_STORE_BUSY_TIMEOUT_MS 5000

/* Transport limits of `serve` (docs/OPERATIONS.md, "Limits"); each is an
 * option of serve, these are the defaults. Connections one client address
 * may hold (beyond: closed on accept), so one address can never take more
 * than a quarter of L6_MAX_CONNECTIONS; the test suite and the benchmarks
 * use 33 from one address. Seconds a client has to send a request's head
 * (from the connection's start or the end of its previous reply), and then
 * again its body: an absolute deadline, which sending slowly cannot extend
 * (unlike L6_CONN_TIMEOUT_S, which counts from the last byte). Market data
 * streams per client address and per token, and the streams anonymous
 * clients may hold together (the rest are kept for token holders). */
#define L6_HTTP_CONNS_PER_IP 64
#define L6_HTTP_REQUEST_TIMEOUT_S 10
#define L6_HTTP_REQUEST_TIMEOUT_MAX_S 3600
#define L6_EX_STREAMS_PER_CLIENT 4
#define L6_EX_MAX_ANON_STREAMS 48
/* Rate limits (src/core/ratelimit.h syntax: N/s, N/min or N/h, then the
 * burst): writes (POST, PUT, PATCH, DELETE) per token and per client
 * address; failed authentications per address and per presented
 * credential. A client over a limit is answered 429 rate_limited with
 * Retry-After. Sized for people and scripts; `serve --token-write-rate off
 * --ip-write-rate off` for load tests. Buckets kept per limit. */
#define L6_RATE_TOKEN_WRITES "50/s,500"
#define L6_RATE_IP_WRITES "100/s,1000"
#define L6_RATE_AUTH_FAILURES "1/s,1000"
#define L6_RATE_SLOTS 4096

/* Leases (store.h): longest name, and most leases one store holds at
 * once. Single-owner jobs are few (a log appender, a tree-head signer). */
#define L6_LEASE_NAME_MAX 64
#define L6_MAX_LEASES 16

/* Longest store spec (an SQLite path or a PostgreSQL connection URI,
 * several hosts and parameters included). */
#define L6_STORE_SPEC_MAX 1024
/* Crediting mechanisms and the project cycle (src/core/cycle.h,
 * src/service/mechanism.c, src/service/cycle.c). */

/* Mechanism definitions loaded from config/mechanisms/, and the size of
 * one file: a definition is a page of JSON, not a data set. */
#define L6_MAX_MECHANISMS 64
#define L6_MAX_MECH_FILE_BYTES (64 * 1024)

/* Sectoral scopes one mechanism lists (CDM has 15) and calculators. */
#define L6_MAX_SCOPES 32

/* Bilateral split: Parties sharing one issuance (two in every agreement
 * seen; four leaves room for plurilateral approaches). */
#define L6_MAX_SHARES 4

/* Documents one step names or requires, and the length of a document
 * type ("letter-of-approval") and of a media type ("application/pdf"). */
#define L6_MAX_STEP_DOCS 8
/* Programmes of activities, public comment, grievances (issue 20). */
#define L6_MAX_COMMENT_DAYS 365     /* a comment window or appeal deadline, days */
#define L6_MAX_POA_COMPONENTS 10000 /* components of one programme */
#define L6_MAX_POA_BATCH 200        /* component periods in one programme request */
#define L6_MAX_COMMENT_TEXT 4000    /* bytes of a comment, response, grievance or reasons */
#define L6_DOC_TYPE_MAX 48
#define L6_MEDIA_TYPE_MAX 100

/* Largest document whose bytes the store keeps: its base64 form must fit
 * in one request body (L6_MAX_BODY_BYTES). Larger documents (a full
 * design document runs to megabytes) are registered by hash and size,
 * their bytes kept by the operator's document store. */
#define L6_MAX_DOC_BYTES (40 * 1024)

/* Forwarding instructions of one issuance request: accounts that share
 * what is left after the levies. */
#define L6_MAX_FORWARD 8

/* JSON text stored with a step record (documents and details), and with
 * a monitoring period (its reported data, its forwarding instructions). */
#define L6_STEP_TEXT_MAX 4000
#define L6_PERIOD_TEXT_MAX 1000

/* Monitoring periods of one activity, and step records shown with it:
 * bounds the work of one activity read. */
#define L6_MAX_PERIODS 500
#define L6_MAX_STEPS_SHOWN 500
/* Transparency log (docs/TRANSPARENCY.md). */

/* Most leaves the log may hold. Leaf indexes and tree sizes are int64;
 * below 2^62 every proof has at most 63 hashes (MERKLE_MAX_PROOF) and no
 * index arithmetic can overflow. One leaf per transaction: unreachable. */
#define L6_LOG_MAX_LEAVES (1LL << 62)

/* Largest canonical log entry (bytes). A transaction moves at most
 * L6_MAX_BLOCKS_PER_TX blocks; each is one line of at most 227 bytes
 * (three 19-digit numbers and a L6_SERIAL_MAX serial), plus about 2.7 KB
 * of header with the longest texts: 235 KB. Larger means a corrupt row. */
#define L6_LOG_ENTRY_MAX (256 * 1024)

/* Most entries one GET /v1/log/entries returns, and the byte budget of
 * one page: a page stops early once its entries exceed it (at least one
 * entry is always sent). Typical entries are 400-600 bytes. */
#define L6_LOG_MAX_ENTRIES 100
#define L6_LOG_PAGE_BYTES (1024 * 1024)

/* Signing keys one key file may hold (the current one and the retired
 * ones, kept by id and public key). Rotating weekly for a year fits. */
#define L6_MAX_KEYS 64

/* Largest certificate file `ledger6 verify` reads. A certificate holds
 * one entry (at most L6_LOG_ENTRY_MAX) and the same blocks again as JSON:
 * well under 1 MiB; refuse more rather than parse anything. */
#define L6_CERT_MAX_BYTES (1024 * 1024)
/* The largest certificate PDF `ledger6 verify` reads (a certificate of
 * the most blocks runs to many pages; its JSON is still at most
 * L6_CERT_MAX_BYTES). */
#define L6_CERT_PDF_MAX_BYTES (16 * 1024 * 1024)

/* Seconds between the periodic signed tree heads of `serve` (only when
 * the log grew): default, and the accepted range of --sth-interval. */
#define L6_STH_INTERVAL_S 60
#define L6_STH_INTERVAL_MAX_S 86400

/* Article 6.2 accounting (src/core/a6.h, src/service/a6.c). */

/* Years of one NDC implementation period (NDCs run five or ten years;
 * 30 leaves room for long-term budgets) and per-year figures kept. */
#define L6_A6_MAX_NDC_YEARS 30

/* Largest conversion factor of a non-GHG metric, in millionths of a
 * metric unit per t CO2e (1,000 units per tonne): keeps q x factor far
 * from overflow for any q a report can hold. */
#define L6_A6_MAX_FACTOR_MICRO 1000000000LL

/* Cooperative approach ids run CA0001..CA9999 (four digits in the
 * identifier). */
#define L6_A6_MAX_APPROACH 9999

/* Authorized Parties and entities one letter of authorization lists, as
 * comma-separated text: 64 Parties or a few dozen entity names. */
#define L6_A6_LIST_MAX 1000

/* Programmes CORSIA lists per phase, and phases in config/corsia.json. */
#define L6_A6_MAX_CORSIA_PROGRAMMES 32
#define L6_A6_MAX_CORSIA_PHASES 8

/* ITMO ranges one Article 6 action may touch (each a piece of an
 * authorization's units): bounds the work of one request like
 * L6_MAX_BLOCKS_PER_TX. */
#define L6_A6_MAX_PIECES 1024

/* Rules one service's policy step may hold (src/service/move.c): the
 * modules' rules (non-offsetting units, Article 6, CORSIA) and a few a
 * test adds. Each runs on every move, so the list stays short. */
#define L6_MAX_MOVE_HOOKS 16

/* Static files of the web pages (serve --web DIR): the largest file served
 * and the longest path. The pages are a few small HTML, CSS and JavaScript
 * files; anything bigger does not belong there. */
#define L6_WEB_MAX_FILE (2 * 1024 * 1024)
#define L6_WEB_MAX_PATH 200

/* Non-market approaches (src/service/nma.c): the JSON body of one NMA,
 * offer or match record; the entries of its lists (needs, focus areas,
 * consents, documents, sectors, regions); offers one matching ranks. */
#define L6_NMA_BODY_MAX 16000
#define L6_A6_VERSION_BODY_MAX 16000 /* an authorization amendment's record (JSON) */
#define L6_A6_APPROACH_BODY_MAX 32000 /* a cooperative approach's record (JSON, docs/API.md "Article 6.2 reports") */
#define L6_NMA_MAX_LIST 32
#define L6_NMA_MAX_OFFERS 1000
/* Emissions trading compliance (src/core/ets.h, src/service/ets.c). */

/* Rules of one jurisdiction file, values one rule's list holds, and the
 * longest value (a province/city code, a project type, a date). */
#define L6_ETS_MAX_RULES 32
#define L6_ETS_MAX_VALUES 64
#define L6_ETS_VALUE_MAX 32
/* A rule's source: the exact words of the document it follows (bytes of
 * UTF-8; a Chinese clause of up to ~200 characters). */
#define L6_ETS_QUOTE_MAX 600
/* Unit types a scheme accepts (allowances, and offsets separately), and
 * the largest conversion ratio term (KOC -> KCU, linked allowances). */
#define L6_ETS_MAX_UNITS 8
#define L6_ETS_MAX_RATIO 1000
/* Blocks one surrender may offer (each a unit type of one project): bounds
 * the work of one request like L6_MAX_BLOCKS_PER_TX. */
#define L6_ETS_MAX_OFFERS 64
/* A record of the ETS tables: its key and its JSON body. */
#define L6_ETS_KEY_MAX 120
#define L6_ETS_BODY_MAX 4000
/* Links between registries (issue 19, docs/LINKS.md): a link record's key
 * and JSON body (a transfer carries at most L6_LINK_MAX_RANGES ranges). */
#define L6_LINK_KEY_MAX 120
#define L6_LINK_BODY_MAX 12000
#define L6_LINK_MAX_RANGES 16
/* Unit types a project may carry, for the project attributes' authorization
 * (its programme's and its batches'): far above any shipped programme. */
#define L6_ETS_MAX_PROJECT_UNITS 32
/* Jurisdiction files loaded at once. */
#define L6_ETS_MAX_JURISDICTIONS 32
/* The exchange (src/service/exchange.c). Resting orders and price levels
 * per side of one instrument's in-memory book (its pools are sized once);
 * instruments held in memory; fills one order may make (each settles in
 * the order's store transaction, so this bounds one request's work);
 * trading sessions per instrument; rows a market-data read returns. */
#define L6_EX_MAX_ORDERS 20000
#define L6_EX_MAX_LEVELS 4096
#define L6_EX_MAX_INSTRUMENTS 64
#define L6_EX_MAX_FILLS 1000
#define L6_EX_MAX_SESSIONS 4
#define L6_EX_MAX_PRICE 10000000LL /* minor units per tonne (= L6_AUC_MAX_PRICE) */
#define L6_EX_MAX_CASH 1000000000000000LL /* minor units in one deposit */
#define L6_EX_MAX_DEPTH 50
#define L6_EX_MAX_TRADES 500
#define L6_EX_MAX_QTY 100000000000LL /* tonnes per order (= L6_AUC_MAX_QTY) */
#define L6_EX_MAX_BIDS 20000 /* sealed bids one auction clears */
#define L6_EX_MAX_STREAMS 64 /* Server-Sent Events clients at once (a waiting one holds no thread) */
#define L6_EX_STREAM_QUEUE 256 /* events queued per client; older ones are dropped */

/* Instrument eligibility criteria and labels (src/service/exchange.c,
 * config/labels.json): unit types, programmes and labels one standard
 * contract lists; label definitions loaded (so labels one batch carries:
 * one row per defined batch label at most); a label's name; a list of
 * codes as stored. */
#define L6_CRIT_MAX_UNIT_TYPES 8
#define L6_CRIT_MAX_PROGRAMMES 16
#define L6_CRIT_MAX_LABELS 4
#define L6_CRIT_MAX_DEFS 32 /* ccp, arb, ccb, sdg-1..sdg-17, seven imported certifications, corsia, oimp, and room */
#define L6_CRIT_LABEL_MAX 16
#define L6_CRIT_LIST_MAX 600 /* a comma-separated list of codes */

/* Exchange, order book (src/core/book.h): a resting order's quantity and
 * limit price (in ticks), and the pool sizes l6_book_new accepts. A level's
 * total stays below 2^23 x 10^12 < 2^63, and price x quantity of one fill
 * below 10^18. */
#define L6_BOOK_MAX_QTY INT64_C(1000000000000) /* 10^12 t */
#define L6_BOOK_MAX_PRICE INT64_C(1000000)     /* 10^6 ticks */
#define L6_BOOK_MAX_ORDERS (1u << 23)          /* orders, and levels per side */

/* Exchange, auctions (src/core/auction.h): an order's or bid's quantity and
 * the supply (10^11 t), a price in minor units per tonne (10^7), so any
 * price x quantity and any proceeds stay below 10^18; entries per call, so
 * volume sums stay below 10^17. */
#define L6_AUC_MAX_QTY INT64_C(100000000000)
#define L6_AUC_MAX_PRICE INT64_C(10000000)
#define L6_AUC_MAX_ORDERS 1000000

/* Tokens (issue 15): the longest lifetime a role or a token may be given,
 * and how stale a token's last-used time may get before a request writes
 * it again (docs/API.md "Tokens"). */
#define L6_TOKEN_MAX_DAYS 3650
#define L6_TOKEN_TOUCH_MS 60000
/* Operations (src/metrics.c, src/api/access.c). Route entries the
 * metrics keep, one per (method, route template): the route table has
 * about 170 and pseudo routes ("(static)", "(unmatched)") add a few, with
 * room for growth; further ones count under route "(other)". Distinct
 * statuses counted per route (a route answers a handful); further ones
 * count as status "other". Both bound the memory (fixed arrays, no
 * allocation on the request path) and the series a scrape shows, whatever
 * clients send. */
#define L6_METRICS_MAX_ROUTES 384
#define L6_METRICS_STATUS_SLOTS 16
/* Longest X-Request-Id kept from a client: a UUID (36), a W3C trace id
 * (55) or a proxy's id fits; longer ones are replaced by a generated id,
 * so a client cannot bloat the access log through it. */
#define L6_REQUEST_ID_MAX 64

/* Registries outside the Parties (issue 17, core/origin.h, service/origin.h). */
#define L6_ORIGIN_CODE_MAX 24    /* an origin's code in config/origins.json ("gold-standard") */
#define L6_ORIGIN_SERIAL_MAX 160 /* an origin's serial text: Verra's run to about 80 bytes */
#define L6_MAX_ORIGINS 16        /* origins in config/origins.json: the seven standards and room to grow */
#define L6_MAX_COUNTRY_ALIASES 128 /* country names of the exports that are not ISO 3166 short names */
/* The importer (ledger6 import): rows per commit, a trade between the cost
 * of a commit (an fsync) and the work lost when one row's store failure
 * rolls its batch back; fields a row may have, and bytes one field may
 * hold (a retirement's details run to a few hundred bytes; a field past
 * this is refused, not cut). */
#define L6_IMPORT_COMMIT_ROWS 5000
#define L6_CSV_MAX_FIELDS 64
#define L6_CSV_FIELD_MAX 4000

/* The largest consideration (price) of a transfer, in minor units of its
 * currency (10^15: ten trillion in a two-decimal currency). */
#define L6_MAX_CONSIDERATION 1000000000000000LL

#endif
