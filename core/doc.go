// Package core is the framework-independent engine of the Personyze middleware: the
// Tracker (configuration, the visitor's cookie session, the circuit breaker, background
// delivery, the last good recommendations) and the Visit that handlers track events on and
// templates read recommendations from. The framework adapters (packages nethttp,
// ginadapter, echoadapter and echoadapter/echov5) only drive a Visit's lifecycle; core
// never imports a framework. Personyze's wire protocol lives in core/internal/wire, the
// visitor facts read from request headers in core/internal/visitor, background delivery in
// core/internal/delivery and the account's action metadata in core/internal/meta.
//
// A request's path through the library:
//
//  1. The adapter calls [Tracker.Begin]: the request is classified as a page view, an
//     event-only request (a POST, a fetch) or ignored (bots, static assets, HEAD,
//     prefetches: no cookie, no call); for a tracked one the visitor's cookie session is
//     loaded and the visitor facts are derived (see Page views).
//  2. The handler finds the [Visit] with [FromContext] and may [Visit.Track] events;
//     nothing is sent yet. Its auth middleware may still decide for the request (see
//     Per-request controls).
//  3. One tracker call is made at the first of: a template reading recommendations, the
//     response header about to be written, the handler returning (or at [Visit.Start]).
//     It carries the tracked events and, for a page view, Navigate last. Reading twice
//     never calls twice, and the page waits at most [Config.Timeout]; a page whose
//     regions are streamed does not wait at all (see Regions).
//  4. Right before the header goes out, the response decides whether the request stays a
//     page view, and the session cookie and cache headers are written.
//  5. Events tracked after the call go to background delivery when the handler returns: a
//     bounded queue with retries, emptied by [Tracker.Close] at shutdown.
//
// The visitor facts sent with every call: user_id (the CRC-32 of a random visitor key
// kept in the cookie, or of [Config.UserKey]), languages (up to three 2-letter codes from
// Accept-Language), device_type (phone, tablet or regular), os (e.g. "Windows/11") and
// platform from the User-Agent and its Client Hints, and time_zone and screen once the
// personyzeScript template function's script has run in the browser (see [Facts]).
//
// # Templates
//
// Pass the Visit to the template ({"Personyze": v}); the Gin and Echo adapters also mirror
// it under [ContextKey] in their context. [Visit.Items] are the items of every JSON
// recommendation action, [Visit.ActionItems] those of one action and [Visit.Actions] the
// raw actions ([Action.Decode] reads them into your own types). An [Item] has the
// accessors ID (internal_id), Title, URL (url, guide_url, cart_url or content_url), Image
// (image, image_big_url or image_medium_url), Price and Get "any_key". Everything is
// escaped by html/template like any other data: a javascript: URL becomes #ZgotmplZ.
// [Visit.Outcome], [Visit.Err] and [Visit.Stale] say how the call went, for a debug panel.
// [Tracker.Inspector] shows every request live in a browser (mount it behind your auth),
// and [Config.DebugLog] logs a line per request.
//
// [Tracker.FuncMap] returns the template functions merged with the application's own maps
// (the application's functions win on a name clash): Gin keeps a single map, so
// r.SetFuncMap(tr.FuncMap(appFuncs)); with Echo and net/http,
// template.New("").Funcs(tr.FuncMap(appFuncs)). Templates parsed without a Tracker, in an
// application's template tests, use the package function [FuncMap], whose helpers render
// nothing.
//
//   - personyzeLink links to the item and adds ?pz=<action id> ([Config.AttributionParam]);
//     when the visitor follows it, the next page's ProductViewed or ArticleViewed carries
//     "action_id", N, so Personyze credits the recommendation (see [Tracker.Link]).
//   - personyzeScript .Personyze writes the tiny script that reports the visitor's time
//     zone and screen size in the [EnvCookieName] cookie. It renders nothing for a visit
//     that is not a tracked page view (a bot, no consent, a fetch) and obeys the
//     response's Content-Security-Policy: inline with the policy's nonce when it lists one,
//     else <script src> of the same-origin file the middleware serves at
//     [Config.EnvScriptPath] ("/personyze-env.js", allowed by 'self'), else nothing rather
//     than a script the policy refuses (the full rule is in [Tracker.FuncMap]'s doc). A
//     nonce is taken only when it has CSP's base64 shape; {{personyzeScript .Personyze
//     $nonce}} passes one explicitly. A missing argument never stops the page mid-render.
//
// # Regions
//
// The page never waits for Personyze. A region is the part of a page that shows
// recommendations or placeholders. Put it in a template of its own and place it with
// personyzeRegion instead of {{template}}:
//
//	{{define "recs"}}<ul class="recs">{{range .Personyze.Items}}<li>…</li>{{else}}<li>Bestsellers</li>{{end}}</ul>{{end}}
//	<section class="recs-slot">{{personyzeRegion .Personyze "recs" .}}</section>
//
// and bind the template set once after parsing it, because html/template functions cannot
// see the template that calls them: tpl = tr.Templates(tpl) ([Tracker.Templates]; with Gin
// r.SetHTMLTemplate(tr.Templates(tpl)), with Echo the set your Renderer executes). The
// region is the named template executed with the data you pass, as {{template}} would.
//
// It is adaptive. When the page's call answers within [Config.InlineWait] (40 ms) of the
// first region, every region renders in place: the page is byte for byte what
// {{template "recs" .}} gives, no script, no markers. Otherwise the page goes out at once
// with the region's fallback in place: the same template executed before the answer,
// whose reads (Items, Placeholder, InCampaign...) return nothing instead of waiting, so its
// {{else}} branch is the fallback. When the call answers, up to [Config.StreamBudget]
// (1.5 s) after it started, the region is rendered again and streamed at the end of the same
// response, before </body>; past the budget, or when the call failed with no stale
// recommendations, the fallback stays and the response ends. Only tracked page views
// stream: bots, fetches, HEAD, requests without consent and a Visit after Skip or Forget
// render regions in place, as does a page whose header was sent before its first region
// (an explicit WriteHeader or Flush) or whose writer cannot flush. Reads of recommendations
// outside regions work as before: they wait for the answer up to [Config.Timeout].
//
// The markup is the native form of declarative partial updates, <?start name="pz1-recs">
// fallback <?end> in place and <template for="pz1-recs">region</template> at the end,
// which browsers that support it apply while parsing, without script (Debian's Chromium
// 148 does), and others parse as comments and an inert template. A tiny script
// then moves each template's content between its markers and fires "personyze:region" on
// the document. It is a same-origin file the middleware serves at
// [Config.StreamScriptPath] ("/personyze-stream.js"), or inline with the policy's nonce,
// chosen by the response's Content-Security-Policy exactly as personyzeScript's, and left
// out when the policy allows no form: never an inline script the policy refuses. Without
// script the fallback stays and the page is complete, valid HTML. The swap replaces nodes
// in the light DOM: no shadow root and no <slot>, which would take the region out of the
// page's CSS. Reserve the region's space in your CSS (a min-height on its container, as
// the demo shops' .recs-slot does) so that filling it shifts nothing.
//
// Everything the header carries goes out with the shell: the status, the session cookie,
// Vary: Cookie and Cache-Control: private (the page carries recommendations), the CSP the
// handler set, and X-Accel-Buffering: no, which tells nginx not to buffer the response. To
// let the header go out early, the first bytes a page view writes while its call is in
// flight are kept in memory (up to 512 KiB) instead of waiting: a page without regions
// still sends exactly what it sent before, when it did; a page whose region was deferred
// sends its header and shell at once. The flushes go through every wrapping writer with
// http.ResponseController, so gzip middleware (gin-contrib/gzip, Echo's middleware.Gzip,
// klauspost/compress gzhttp) streams too when it is installed before (outside) the
// Personyze middleware.
//
// A new visitor's streamed first page goes out before Personyze issued a session id, so
// its cookie cannot carry it. The Tracker remembers each visitor's newest session id from
// late answers (bounded, per process), and the visitor's next page takes it from there:
// one session. With several instances behind a load balancer that does not keep a
// visitor on one instance, a next page served by another instance within the call's
// latency sends no session id and Personyze starts a second session for that visitor;
// their next page with a written cookie carries one again. Config.VisitorStore (Redis:
// core/personyzeredis) avoids it: a streamed page's cookie is marked late and the answer's
// session id shared, so any instance takes it; sticky sessions do too.
//
// [Visit.RenderRegion] is the same for any [Region] (a value with Render(ctx, w), such as
// a templ component, or [TemplateRegion]), for pages that are not html/template.
//
// A page may have any number of regions, each streamed under its own id; a region placed
// inside another's template is part of it and streams with it. The streamed regions go
// before the last "</body" the page writes (keep that string out of scripts after it). A
// Region whose final rendering fails or panics is logged and keeps its fallback; after a
// Hijack (through [Exchange.Wrap]) nothing is streamed.
//
// # Events
//
// The product commands are [ProductViewed], [ProductAddedToCart], [ProductLiked],
// [ProductPurchased], [ProductUnliked] and [ProductRemovedFromCart], with the bulk
// [ProductsPurchased], [ProductsUnliked] and [ProductsRemovedFromCart]; the article
// commands [ArticleViewed], [ArticleLiked], [ArticleCommented], [ArticleUnliked],
// [ArticleGoal] and [ArticlesUnliked]; [UserProfile] sets one profile field per command.
// An empty id is refused with [ErrEmptyID] and nothing is sent. Events a handler tracks
// are delivered whatever the request's kind (except ignored requests), in the request's
// one call, or in the background when tracked after it.
//
// # Page views
//
// A page view (a Navigate is sent) is a GET that a browser navigates to and that is
// answered with a successful HTML page. The request decides first ([DefaultClassifier],
// when the middleware starts), the response last (when the header is about to be
// written). [Visit.Kind] and [Visit.Reason] tell what was decided; the reasons are:
//
//   - "page view": a GET with Sec-Fetch-Mode: navigate (and Sec-Fetch-Dest: document if
//     sent) or, without Sec-Fetch-* headers, an Accept with text/html, answered 2xx (not
//     204, 205 or 206) with an HTML or unset Content-Type. Navigate and a call; the
//     cookie is written when it changed.
//   - Event-only (no Navigate; a call only with tracked events; the cookie only with a
//     call): "fetch" (fetch(), images, iframes: Sec-Fetch-Mode other than navigate or
//     Sec-Fetch-Dest other than document), "xhr" (X-Requested-With: XMLHttpRequest), "not
//     html" (no Sec-Fetch-* headers and an Accept without text/html: API clients, */*),
//     "method POST" (and PUT, PATCH, DELETE, other methods), and a page-view GET whose
//     response is not a page: "response 404" (any 1xx, 3xx, 4xx, 5xx, 204, 205 or 206:
//     redirects, errors) or "response not html" (JSON, CSV, ...).
//   - Ignored (no call, no cookie): "method HEAD" (and OPTIONS, CONNECT, TRACE), "bot:
//     curl" (curl, Go-http-client, HeadlessChrome, crawlers, by User-Agent), "prefetch"
//     (Sec-Purpose, Purpose, X-Moz, X-Purpose), "static asset" (.css, .js, images, fonts,
//     .json, /favicon.ico, ...; see DefaultClassifier), "ignored path" ([IgnorePaths]),
//     "env script" (the script of personyzeScript), "no middleware" ([FromContext]
//     outside the middleware).
//   - Ignored for consent: "no consent" when [Config.Consent] refuses, "global privacy
//     control" when [Config.HonorGPC] is set and the request has Sec-GPC: 1. A visitor
//     who still has this library's cookies gets them deleted.
//   - Ignored by the handler: "skipped by handler" after [Visit.Skip], "forgotten" after
//     [Visit.Forget] (or SetConsent(false)) before the call.
//
// The response part cannot undo a call already made: a handler that reads
// recommendations (or calls [Visit.Start]) before it writes a redirect or an error has
// made its call as a page view, and that page view stands. Decide the status first
// ([Visit.SetStatus] before rendering into a buffer; Gin's c.HTML(404, ...) and
// echoadapter.Render do it for you), or call [Visit.Skip] for a response that must not
// count; to record such a response as a page view on purpose, read the recommendations
// first. [Config.Classify] replaces the
// request part (compose with [Classifiers]); the per-request controls override both.
//
// # Headers and cookies
//
// The session cookie, named [Config.SessionName] ("personyze"), is HttpOnly,
// SameSite=Lax, Path [Config.CookiePath] ("/"), host-only unless [Config.CookieDomain],
// and Secure when the request came over TLS or with X-Forwarded-Proto: https (trusting
// that header can only make the cookie stricter). It is signed and encrypted with the
// session keys and holds a random visitor key (user_id is its CRC-32), the Personyze
// session id with the user_id it belongs to, up to 12 past session start times and, with a
// [Config.VisitorStore], the time of a page whose answer came after it: nothing personal. It lives
// [Config.CookieMaxAge] (400 days), renewed with each new session. It is written on a
// response whose request sent something to Personyze, and only when its contents changed
// (a new visitor, a new Personyze session: at most once per 90 minutes of activity).
// Rewriting it on every page would cost about 8.5 µs and 40 allocations, a fifth of a
// whole page view's 40 µs and 96 allocations, for a session id that did not change. A
// returning visitor's cookie is verified (signature, decryption) once and then served
// from a bounded cache keyed by its exact text until the expiry signed into it (at most
// 4096 cookies, a few MB; 0.9 µs instead of 4.2 µs); a tampered or unknown cookie is never
// in it. [Config.SessionStore] keeps the values in the application's own session instead.
//
// The cookie [EnvCookieName] ("pz_env", readable by scripts, SameSite=Lax, Secure on
// HTTPS, Path=/, one year) is written in the browser by the personyzeScript script, once,
// when absent: the visitor's UTC offset and screen size, "tz=-4&s=1920x1080". Leave the
// script out of your templates to turn it off.
//
// Both cookies are deleted (Max-Age=0; with an application's SessionStore only this
// library's values are removed) by [Visit.Forget], by [Visit.SetConsent](false), and when
// [Config.Consent] or [Config.HonorGPC] refuses a visitor who still has one of them.
//
// A response that carries the session cookie (written or deleted) or recommendations read
// from a call gets Vary: Cookie (added) and Cache-Control: private (an application's
// public becomes private, its other directives stay), so a shared cache never serves one
// visitor's recommendations to another; [Config.LeaveCacheHeaders] turns that off. A page
// that flushes its header before it reads recommendations (streaming) gets the cache
// headers only when it carries the cookie: set your own Cache-Control there, or read
// recommendations first.
//
// # Per-request controls
//
// [Config.UserKey], [Config.DocumentName], [Config.Classify] and [Config.Consent] see the
// request when the middleware starts. The signed-in user is often known only after the
// auth middleware, which runs later, and consent is often decided in a handler. The Visit
// takes these decisions for its request until its call is made; after that they return an
// error matching [ErrTooLate]:
//
//   - [Visit.SetUserKey]: the application's identity of the visitor (as Config.UserKey);
//     "" is anonymous again. Call it in the auth middleware on every request of a
//     signed-in user. A change of identity (sign-in, sign-out, another user) starts a new
//     Personyze session by itself: a session belongs to one user_id.
//   - [Visit.StartNewSession]: this request's call starts a new Personyze session, for
//     the occasions the library cannot see. A request that makes no call passes it on to
//     the visitor's next call through the cookie.
//   - [Visit.SetDocumentName]: the page's name in Navigate, e.g. the route pattern.
//   - [Visit.SetConsent]: true tracks a request that Config.Consent refused, from this
//     request on; false is Forget.
//   - [Visit.Skip]: no call and no cookie for this request; its events are dropped.
//   - [Visit.Forget]: deletes both cookies with this response, stops tracking the
//     request and drops the action statuses held from the visitor's previous page (until
//     the header is written).
//
// Install the auth middleware after (inside) the Personyze one: with Gin
// r.Use(ginadapter.Middleware(tr), yourAuth), with Echo e.Use(echoadapter.Middleware(tr),
// yourAuth), with net/http nethttp.Middleware(tr)(yourAuth(mux)). The examples of
// SetUserKey, StartNewSession and SetConsent show the handlers; the demo shops have a
// sign-in that does this.
//
// # Starting the call early
//
// By default the page's call is made when the page first reads its recommendations, so a
// handler that first queries its database makes the page wait for its own work and then
// for Personyze. [Visit.Start] makes the call at once, in the background, with what the
// handler tracked so far; the first read then waits only for what is left of the budget,
// and the page takes about the longer of the two instead of their sum: a handler working
// 20 ms against a Personyze answering in 50 ms takes 71.2 ms a page without Start and
// 50.9 ms with it (go test -run '^$' -bench Overlap ./nethttp). Skip it in handlers that
// read recommendations right away. Pages whose handlers track nothing of their own (a home
// or category page) can start the call as the request arrives, with a small middleware
// inside the Personyze one (see the examples of Visit.Start).
//
// # Failure behaviour
//
// The page never fails because of Personyze. Any error (network, status, bad JSON, a panic
// in decoding) means no recommendations, one rate-limited log line ([Config.LogInterval])
// and a counter, never a 5xx. A bad cookie, header or response never breaks the page: a
// tampered cookie gives a fresh visitor, a malformed Accept-Language no languages.
// Visitors never see each other's data: session, facts and results live on the request.
//
//   - Budget: the page waits at most [Config.Timeout] (300 ms) for its call. The call is not
//     abandoned at the budget (it runs for at most 10 s): its page view and events still
//     reach Personyze, and the session id it brings back is remembered for the visitor, so
//     their next page (and anything still queued) carries it instead of one Personyze has
//     already replaced. A visitor's queued requests are sent in order. An overloaded
//     server shows timeout outcomes, [Stats].Pending above zero and the latency
//     histogram's top buckets, with the breaker closed.
//   - Circuit breaker: after [Config.BreakerFailures] (5) consecutive failures pages stop
//     waiting for Personyze, and it probes again after [Config.BreakerCooldown] (10 s).
//     It judges Personyze, not your server: a visitor who leaves is not a failure, nor is
//     a page whose budget ran out before its request was sent or while an arrived answer
//     was not yet read (a saturated CPU); a page counts as a failure when its request went
//     out in time and waited half the budget without a byte of answer, or when Personyze
//     took longer than the budget to start answering. While it is open, background
//     delivery holds its queue too (Stats.Deferred, no retry spent); Tracker.Close sends
//     what it held at once.
//   - A connection closed under a call as its request was being written (a pooled
//     connection the server had just timed out) gets the call sent again at once on
//     another connection, within the same budget: Personyze cannot have read it. A failure
//     after the request went out is not repeated for the page; its events go to the
//     background.
//   - Stale recommendations: while Personyze fails, a visitor sees their last good
//     recommendations (a bounded LRU, [Config.StaleCacheSize]), and [Visit.Stale] says so.
//   - No event is lost silently: events that could not go with the page are retried in
//     the background (network errors, 408, 429, 5xx; Retry-After honoured; never 401 or
//     another 4xx) up to [Config.MaxRetries] times. Whatever is finally dropped (queue_full,
//     shutdown, not_retryable, too_big, retries_exhausted) is counted in Stats.Dropped and
//     logged.
//
// [Visit.Outcome] names what happened: ok, skipped, timeout, canceled, breaker_open,
// unauthorized, unavailable, server_error, bad_response, network_error, invalid,
// rate_limited (429: more traffic than the plan allows), or pending before the call (see
// [Outcome]). [Tracker.Stats] gives calls, outcomes, a latency histogram, queue depth,
// retries, deferrals, drops by reason and the breaker state; packages core/personyzeprom
// and core/personyzeotel export them, and personyzeprom's documentation says what each
// alert means and what to do.
//
// # Placeholders and action status
//
// Besides JSON recommendations, a Personyze account shows HTML actions (banners, notes,
// widgets built in its dashboard) in named placeholders, under campaigns (Personyze's
// conditions). A template places them by name and shows campaign-driven parts:
//
//	<div id="home-banner">{{.Personyze.Placeholder "home-banner"}}</div>
//	{{if .Personyze.InCampaign "Summer sale"}}<p class="sale">Free shipping this week</p>{{end}}
//
// [Visit.Placeholder] renders the text/html actions targeted at the placeholder, in
// Personyze's order and at most its units_count_max; each action's content is
// content_begin + data[content_param] + content_end. The HTML is trusted content: it is
// what the account's own dashboard defines, returned as template.HTML and inserted
// unescaped, as Personyze's own JavaScript would. Relative links in it get ?pz=t<action
// id>, so a click on the call to action is reported as its target status; links marked
// data-personyze-click-target="products <id>" get the recommendation attribution instead.
// libs_app is not loaded: an action relying on Personyze's JavaScript runtime (pop-ups,
// close buttons) needs Personyze's own script tag. [Visit.Campaigns] lists the campaigns
// the visitor matched on this page and [Visit.InCampaign] tests one (names as in the
// dashboard, compared exactly). [Action.ContentType], [Action.Name] and [Action.Content]
// expose an action's metadata.
//
// Metadata: a tracker answer carries only action and campaign ids and each action's data;
// the constant parts (content type, the text around the data, placeholders, names) come
// from three metadata GETs (actions, placeholders, conditions). The Tracker keeps them in
// one cache for all visitors, fetched once per id (concurrent pages share one fetch), and
// drops it when the answer's cache_version rises (0 means unchanged). A page waits for
// metadata no longer than what is left of its budget: what is not known in time is
// fetched in the background for the next pages (JSON recommendations still render, by the
// "[" + data + "]" rule; HTML actions and campaign names appear on the next page). Failures
// are logged, retried after a growing backoff and counted in Stats.MetadataFetches,
// MetadataFailures and MetadataIncomplete.
//
// Action status: the library reports what happened to actions as Personyze's SDKs do,
// ["Action Status", "<id>", status, arg]:
//
//   - executed: the page read the action, its items through Items or ActionItems (not the
//     raw Actions) or its HTML through Placeholder.
//   - product, article: the visitor followed a recommendation link and the page tracked
//     ProductViewed or ArticleViewed; sent with the item's id, beside the "action_id", N
//     suffix that every product command of that page carries (bulk ones too).
//   - target: the visitor followed an on-site link of an HTML action (?pz=t<id>).
//   - close: the close button's handler calls [Visit.CloseAction](id, sessions).
//   - dont-show: automatic, for an action the visitor closed for n sessions.
//   - error: the application's own, v.Track(core.ActionStatus(id, "error", reason)).
//
// The SDKs' duplicate rule applies: walking the queued commands back to the last Navigate,
// a report repeating an action's status, or an executed after any status of that action,
// is dropped. Clicks travel in the page's own call. executed and dont-show are known only
// after the page's call, so they ride on the visitor's next call (before its Navigate)
// instead of costing a call per page: a visit of n pages costs n calls plus one for the
// last page's statuses, sent after 15 s without a next call or at Tracker.Close. They are
// held in memory per visitor (bounded; Stats.HeldReports), or, with a [VisitorStore] that
// is a [HeldReportStore] (core/personyzeredis), in the store, so that the next call takes
// them on whichever instance it lands (each is sent once: by that call, or by the
// instance that held it when it removes it after 15 s).
//
// CloseAction(id, n) with n > 0 also hides the action for n sessions: the id is
// remembered in the cookie session (at most 16 actions), every new Personyze session
// counts it down, and meanwhile the action is left out of the visitor's results and
// Personyze is told dont-show. Call it before the response is written.
//
// Merge and dismiss: a call with a Navigate, or a visitor's first, replaces the visitor's
// actions and campaigns. A call without one (a POST's events) merges, as the SDKs do: the
// campaigns and actions it names are added to the visitor's last result and those in
// dismiss_conditions and dismiss_actions removed, so a handler of an event request sees,
// say, "Cart reminder" start after ProductAddedToCart and stop after ProductsPurchased.
// The last result lives in the stale cache (64 actions and campaigns each at most).
//
// # Session keys
//
// The built-in cookie store signs (hash key, 32 or 64 bytes) and encrypts (encryption
// key, 16, 24 or 32 bytes) the cookie. Generate a pair once and keep it secret and stable
// across restarts and instances:
//
//	echo "PERSONYZE_SESSION_KEYS=$(openssl rand -hex 64),$(openssl rand -hex 32)"
//
// [SessionKeysFromEnv] reads the variable or the file named by <name>_FILE;
// [ParseSessionKeys] decodes a string loaded otherwise (hex or base64, newest pair
// first). To rotate, put the new pair in front of the old one: cookies are then written
// with the new pair, and cookies of the old pair are still read and rewritten with the new
// one when they next change (at the latest at the visitor's next Personyze session).
// Remove the old pair once it has served long enough; the visitors it signed then start as
// new visitors, nothing breaks. [New] says which key is wrong and how to make a good one,
// and catches the text of a hex or base64 key passed as the key
// ([]byte(os.Getenv(...))), which has half the randomness its length suggests.
//
// # Going to production
//
//   - API key: the "Full-featured API" key from Personyze Settings → Integrations, kept in
//     your secret store. [Tracker.Ping] at start-up makes one metadata GET and says what
//     is wrong: [ErrUnauthorized] (wrong or revoked key), [ErrUnreachable] (DNS, firewall,
//     proxy, TLS: the server must reach https://app.personyze.com on port 443; an
//     outgoing proxy is taken from HTTPS_PROXY) or a [*StatusError]. Log it and serve:
//     pages render without recommendations until Personyze answers.
//   - Session keys: stable, secret, the same on every instance. Development stays false,
//     so a Tracker without keys refuses to start rather than give every visitor a new
//     identity at each restart.
//   - Behind a proxy that terminates TLS, make sure it sets X-Forwarded-Proto (Secure
//     cookies). No client IP is sent to Personyze, so X-Forwarded-For does not matter.
//   - Timeout: choose what your pages can afford, compare it with the page calls' p99
//     latency, and keep the http.Server's WriteTimeout well above it.
//   - QueueSize (1024 requests) bounds what background delivery holds while Personyze is
//     down: roughly page views per second with late events (during an outage, every page
//     view) times the outage to ride out. Past it requests are dropped (queue_full), never
//     blocking a page.
//   - Shutdown: stop serving (http.Server.Shutdown), then [Tracker.Close], each with a
//     deadline; on Kubernetes keep terminationGracePeriodSeconds (30 s by default) above
//     the two. A deferred Close alone never runs when a signal stops the process.
//   - Caches: serve static files outside the middleware or leave them to
//     DefaultClassifier; pages a CDN caches publicly are not personalized. Keep probes out
//     of the statistics with Classifiers(DefaultClassifier, IgnorePaths("/healthz")).
//   - Connections: the library's own transport keeps up to 256 idle connections to
//     Personyze per host, so a busy server reuses them instead of opening one per page;
//     [Config.HTTPClient] or [Config.Transport] replace it (e.g. wrapped with otelhttp).
//   - Several instances behind a load balancer share the session keys and, with
//     [Config.VisitorStore] and [Config.DurableQueue] (package core/personyzeredis puts
//     both on Redis), what the library knows of a visitor beyond the cookie and the
//     background queue. Without them each instance has its own memory: a visitor whose
//     page's answer came late (a timed-out call) has their visit split by Personyze when
//     their next page lands on another instance, stale recommendations and event-only
//     merges see only what that instance served, and events queued while Personyze is
//     down die with their instance. With them, a page reads the store only when its
//     cookie says the last answer came late, when its call failed (stale
//     recommendations), when it merges an event-only answer or when the cookie says the
//     last page's action statuses wait in the store ([HeldReportStore]: they then ride
//     on the next call on any instance, each sent once), each within
//     [Config.StoreTimeout] (20 ms); it writes off the request's path; a store that is
//     slow or down means this process's memory, counted in Stats.StoreFallbacks.
//     Delivery through the durable queue is at least once (see [DurableQueue] for when
//     a request arrives twice). Each instance keeps its own breaker.
//
// # Writing an adapter
//
// [Tracker.Begin] returns an [*Exchange]: return at once when [Exchange.Served] (Begin
// answered the request itself: the script file), else hand [Exchange.Request] (it carries the Visit)
// to the handler, call [Exchange.BeforeHeader] with the status right before the response
// header is written (or give the handler [Exchange.Wrap](w), which does it and keeps the
// writer's optional interfaces), and defer [Exchange.End]. Where the framework writes an
// error response after the middleware returned (Echo's error handler, Gin's c.Status
// without a body), call BeforeHeader with that status before End: the status decides
// whether the request was a page view. An adapter whose own writer sends the body (Gin's)
// writes it through [Exchange.WriteBody], and calls it with nil before a Flush or Hijack,
// so that a page can stream its regions (Wrap's writer does). Every adapter has
// Middleware(tr) and MiddlewareWithOptions(tr, Options{Skipper: ...}), the skipper in the
// framework's own style; run adaptertest.Run (the conformance suite) and
// adaptertest.Benchmark against a new adapter.
package core

// The source, for contributors, in the order a page view meets it (this comment is not
// part of the package documentation):
//
//   - exchange.go: Begin classifies the request (classify.go, navigation.go) and loads the
//     visitor (session.go and core/internal/session for the cookie, facts.go); BeforeHeader
//     and End drive the Visit's lifecycle, whose states and transitions are in
//     visitstate.go, and commit writes the cookie.
//   - visit.go: the Visit and what handlers read from it; Track.
//   - control.go: what a handler may decide for its request (SetUserKey and whose session
//     the call carries, Skip, SetConsent, Forget, SetStatus and the kind it gives the page).
//   - call.go: the page's tracker call, from the first read of the recommendations (Items,
//     Actions, Campaigns) or the header to Personyze and back; result.go: what its answer
//     does to the Visit.
//   - region.go, stream.go, streamscript.go: personalized regions, rendered in place or
//     streamed at the end of the response (phaseStreaming), and the script that puts them
//     in place.
//   - store.go: Config.VisitorStore and Config.DurableQueue, for several instances: the
//     late answer's session id (the cookie's mark, adoptShared), the last result
//     (lastResult, shareResult) and the adapter to delivery.Durable; heldshare.go: the
//     held action statuses in the store (HeldReportStore, the cookie's held mark).
//   - reports.go: the action statuses a page reports (shown, clicked, closed); those that wait
//     for the visitor's next call are held by delivery.Held (core/internal/delivery).
//   - action.go: all of Action's methods; tracker.go: New, Close and the Tracker's fields.
//   - inspect.go: what the live inspector and the debug log record of a request, at End
//     (or at Begin for an ignored one); core/internal/inspect keeps the record and serves
//     the page, its JSON and its events.
