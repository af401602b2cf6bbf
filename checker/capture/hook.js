// case-assist-check: the JS layer. Runs before any page script, in every frame.
// Records every coveoua(...) call (on the snippet's queue stub and on the real function that replaces it) and
// every fetch / sendBeacon / XMLHttpRequest / <img> request the page makes to an analytics endpoint, then hands
// them to the checker through an exposed binding. It never changes what the page does: the wrapped functions
// return the same values, throw the same exceptions and run in the same order; recording is fire-and-forget.
(() => {
  'use strict';
  if (window.__caCheckInstalled) return;
  Object.defineProperty(window, '__caCheckInstalled', { value: true });
  const BINDING = '__caCheckRecord';
  const CONFIG = __CA_CHECK_CONFIG__; // replaced by the checker: {patterns: [regex sources]}
  const ANALYTICS = CONFIG.patterns.map((source) => new RegExp(source));
  const MAX_TEXT = 65536;
  let sequence = 0;
  let lastRecorded = 0; // wall ms of the last record: the settle's grace counts from it
  const pending = [];

  function safeJson(value) {
    const seen = new WeakSet();
    try {
      const text = JSON.stringify(value, (key, v) => {
        if (typeof v === 'function') return '[function]';
        if (typeof v === 'bigint') return String(v);
        if (v && typeof v === 'object') {
          if (seen.has(v)) return '[circular]';
          seen.add(v);
          if (typeof Node !== 'undefined' && v instanceof Node) return '[DOM node]';
        }
        return v;
      });
      return text === undefined ? 'null' : text.length > MAX_TEXT ? JSON.stringify('[truncated]') : text;
    } catch (e) {
      return JSON.stringify('[unserializable]');
    }
  }

  // The form fields the page has when it logs (name, else id; open shadow roots included), for the fieldName
  // cross-check. Sent with a batch only when they changed: reading them here spares the checker a round trip
  // to the page after every step.
  function formFields() {
    const names = new Set();
    const visit = (root) => {
      root.querySelectorAll('input, select, textarea').forEach((el) => { if (el.name) names.add(el.name); else if (el.id) names.add(el.id); });
      root.querySelectorAll('*').forEach((el) => { if (el.shadowRoot) visit(el.shadowRoot); });
    };
    try { visit(document); } catch (e) { /* a document being torn down */ }
    return [...names].sort();
  }
  let fieldsSent = '';
  Object.defineProperty(window, '__caCheckFormFields', { value: formFields }); // the checker's own reads

  // When something acts on the page (the steps' mouse, keyboard, typing, a select's events): a step's screenshot
  // is the page's look just before the next step acts, since its last frames arrive after it ends. Not focus nor
  // scrolling: a page moves them itself as it renders what the step before caused. They are only needed at the end
  // of the run, so they ride with the next batch of records, the page's last flush, or the checker's (a binding
  // call of their own would cost a round trip through the checker during every step).
  const acts = [];
  const MAX_HELD_ACTS = 1000;
  let lastAct = -Infinity;
  function onAct() {
    const now = Date.now();
    if (now - lastAct > 2) { // one per burst: a click's pointer and mouse events come together
      acts.push(now);
      if (acts.length >= MAX_HELD_ACTS) schedule();
    }
    lastAct = now;
  }
  for (const type of ['pointermove', 'pointerdown', 'keydown', 'wheel', 'input', 'change']) {
    window.addEventListener(type, onAct, { capture: true, passive: true });
  }

  // Records are sent in batches, one binding call per task: a page that logs thousands of events must not
  // pay a round trip to the checker for each of its calls.
  let flushScheduled = false;
  function flush() {
    flushScheduled = false;
    const binding = window[BINDING];
    if (typeof binding !== 'function' || !(pending.length || acts.length)) return;
    const extras = { acts: acts.splice(0, acts.length) };
    if (pending.length) {
      const fields = formFields();
      const key = fields.join('\n');
      if (key !== fieldsSent) extras.fields = fields;
      fieldsSent = key;
    }
    binding(pending.splice(0, pending.length), extras).catch(() => {});
  }
  function schedule() {
    if (!flushScheduled) {
      flushScheduled = true;
      queueMicrotask(flush);
    }
  }
  function deliver(record) {
    lastRecorded = Date.now();
    pending.push(record);
    schedule();
  }
  window.addEventListener('pagehide', flush);
  Object.defineProperty(window, '__caCheckFlush', { value: flush }); // the checker's, at the end of the run

  function record(fn, args, extra) {
    if (window.__caCheckQuiet) return; // the checker's own probes (e.g. coveoua('version')) are not the page's
    try {
      deliver(Object.assign({ seq: sequence++, fn: fn, args: safeJson(args), time: Date.now(), frame: location.href }, extra || {}));
    } catch (e) { /* recording must never break the page */ }
  }

  function isAnalytics(url) {
    try { return ANALYTICS.some((re) => re.test(String(url))); } catch (e) { return false; }
  }

  function bodyText(body) {
    if (body == null) return null;
    if (typeof body === 'string') return body.slice(0, MAX_TEXT);
    if (body instanceof URLSearchParams) return body.toString().slice(0, MAX_TEXT);
    if (typeof Blob !== 'undefined' && body instanceof Blob) return '[blob ' + body.size + ' bytes]';
    if (typeof FormData !== 'undefined' && body instanceof FormData) return '[form data]';
    return '[' + Object.prototype.toString.call(body) + ']';
  }

  // --- coveoua: wrap whatever is assigned to window.coveoua (the snippet's stub, then the library) --------
  function wrapCoveoua(original) {
    if (typeof original !== 'function' || original.__caCheckWrapped) return original;
    const wrapper = function coveoua() {
      // queued: the snippet's stub only stores the call until coveo.analytics loads and replays it
      record('coveoua', Array.prototype.slice.call(arguments), { queued: !window.coveoanalytics });
      return original.apply(this, arguments);
    };
    Object.defineProperty(wrapper, '__caCheckWrapped', { value: true });
    for (const key of Object.keys(original)) wrapper[key] = original[key]; // e.g. the stub's q and t
    return wrapper;
  }

  let current = wrapCoveoua(window.coveoua);
  let libraryNoted = false;
  try {
    Object.defineProperty(window, 'coveoua', {
      configurable: true,
      enumerable: true,
      get() { return current; },
      set(value) {
        current = wrapCoveoua(value);
        // coveo.analytics sets window.coveoanalytics right after it replaces the stub: note that it loaded
        if (typeof value === 'function') queueMicrotask(() => {
          if (window.coveoanalytics && !libraryNoted) {
            libraryNoted = true;
            let version = null;
            try { version = value('version'); } catch (e) { /* older builds */ }
            record('library', [version], privacy());
          }
        });
      },
    });
  } catch (e) { /* a page that froze window.coveoua keeps it: only the network layer sees its events */ }

  // --- Headless: a pass-through redux middleware records the analytics actions every engine runs --------------
  const HEADLESS_ANALYTICS = /^(analytics\/caseAssist\/.*)\/pending$/;
  function headlessRecorder() {
    return (next) => (action) => {
      const match = action && typeof action.type === 'string' && HEADLESS_ANALYTICS.exec(action.type);
      if (match) record('headless', [match[1], action.meta ? action.meta.arg : null], { queued: false });
      return next(action);
    };
  }
  function wrapHeadless(namespace) {
    if (!namespace || typeof namespace !== 'object' || typeof namespace.buildCaseAssistEngine !== 'function') return namespace;
    const copy = {};
    for (const key of Object.keys(namespace)) copy[key] = namespace[key]; // the bundle's exports may be getters
    const build = namespace.buildCaseAssistEngine;
    copy.buildCaseAssistEngine = function buildCaseAssistEngine(options) {
      const given = (options && options.middlewares) || [];
      const engine = build.call(this, Object.assign({}, options, { middlewares: [...given, headlessRecorder] }));
      try {
        const analytics = (options && options.configuration && options.configuration.analytics) || {};
        // Quantic says its version in a global; its engine options come from the Apex configuration
        const quantic = typeof window.coveoQuanticVersion === 'string' ? window.coveoQuanticVersion : null;
        record('headless-engine', [engine.state.version || null, analytics.analyticsMode || null],
          { queued: false, quantic: quantic, src: bundleSource });
      } catch (e) { /* the engine still works */ }
      return engine;
    };
    return copy;
  }
  // Where the bundle came from: the script running when it set its global (a Salesforce static resource, a CDN,
  // the site's own copy), so the report can say how Headless reached the page.
  let bundleSource = null;
  function noteSource() {
    try { bundleSource = (document.currentScript && document.currentScript.src) || bundleSource; } catch (e) { /* none */ }
  }
  let headless = wrapHeadless(window.CoveoHeadlessCaseAssist);
  try {
    Object.defineProperty(window, 'CoveoHeadlessCaseAssist', {
      configurable: true, enumerable: true,
      get() { return headless; },
      set(value) { noteSource(); headless = wrapHeadless(value); },
    });
  } catch (e) { /* defined non-configurable before us: Headless events are still seen on the wire */ }

  // --- what the page still has under way: after the last step the checker waits for it (bounded), so an event
  // the steps set off (a debounced update, a log after a response) is not missed, and stops as soon as there is
  // nothing: timers not yet fired (an interval until its first tick), fetch/XHR in flight, a document loading.
  // A timer armed again by its own callback (polling, a loop) is left out, with the requests it makes: it never ends.
  const underWay = (() => {
    const nativeSetTimeout = window.setTimeout, nativeClearTimeout = window.clearTimeout;
    const nativeSetInterval = window.setInterval, nativeClearInterval = window.clearInterval;
    const entries = new Map(); // token → {due: wall ms (a request: when it began); rearmed}
    const ids = new Map(); // timer id → token
    const waiters = new Set();
    let tokens = 0;
    let lastChange = 0; // wall ms an entry that counts (not re-armed) last began or ended
    let firing = null; // the timer callback running now: {handler, rearmed}
    const changed = () => { if (waiters.size) queueMicrotask(() => waiters.forEach((check) => check())); };
    const polling = () => firing !== null && firing.rearmed; // what a re-armed timer's callback starts never ends
    const begin = (due, rearmed) => {
      const token = ++tokens;
      entries.set(token, { due: due === undefined ? Date.now() : due, rearmed: !!rearmed });
      if (!rearmed) lastChange = Date.now();
      return token;
    };
    const end = (token) => {
      const entry = entries.get(token);
      if (!entry) return;
      entries.delete(token);
      if (!entry.rearmed) lastChange = Date.now();
      changed();
    };
    const sameCallback = (a, b) => {
      try { return a === b || String(a) === String(b); } catch (e) { return false; }
    };
    function arm(native, handler, delay, rest) {
      if (typeof handler !== 'function') return native.call(window, handler, delay, ...rest); // code as text: rare
      const rearmed = polling() || (firing !== null && sameCallback(handler, firing.handler));
      const token = begin(Date.now() + (Number(delay) || 0), rearmed);
      let ticked = false;
      const id = native.call(window, function () {
        if (!ticked) { ticked = true; ids.delete(id); end(token); }
        const outer = firing;
        firing = { handler, rearmed };
        try { return handler.apply(this, arguments); } finally { firing = outer; }
      }, delay, ...rest);
      ids.set(id, token);
      return id;
    }
    const cancel = (id) => { const token = ids.get(id); ids.delete(id); if (token !== undefined) end(token); };
    window.setTimeout = function setTimeout(handler, delay, ...rest) { return arm(nativeSetTimeout, handler, delay, rest); };
    window.setInterval = function setInterval(handler, delay, ...rest) { return arm(nativeSetInterval, handler, delay, rest); };
    window.clearTimeout = function clearTimeout(id) { cancel(id); return nativeClearTimeout.call(window, id); };
    window.clearInterval = function clearInterval(id) { cancel(id); return nativeClearInterval.call(window, id); };
    window.addEventListener('load', changed);

    const busy = (untilWall) => document.readyState !== 'complete'
      || [...entries.values()].some((entry) => !entry.rearmed && entry.due <= untilWall);
    // Resolves true once nothing due before `untilWall` (wall ms) is under way and nothing began, ended nor was
    // recorded for GRACE_MS (a page's promise chain may take a few tasks between a response and what it starts
    // next), false if something still is under way then. A page idle for longer answers at once.
    const GRACE_MS = 30;
    const idle = (untilWall) => new Promise((resolve) => {
      let grace = null;
      const finish = (value) => {
        waiters.delete(check);
        nativeClearTimeout.call(window, timer);
        nativeClearTimeout.call(window, grace);
        resolve(value);
      };
      const check = () => {
        if (grace !== null || busy(untilWall)) return;
        const wait = GRACE_MS - (Date.now() - Math.max(lastChange, lastRecorded));
        if (wait <= 0) return finish(true);
        grace = nativeSetTimeout.call(window, () => { grace = null; check(); }, wait);
      };
      const timer = nativeSetTimeout.call(window, () => finish(!busy(untilWall)), Math.max(0, untilWall - Date.now()));
      waiters.add(check);
      check();
    });
    Object.defineProperty(window, '__caCheckIdle', { value: idle });
    // A request, a body being read: under way until it settles. The page gets the promise that follows it, so a
    // rejection it does not handle is still reported as unhandled, as it would be without us.
    const track = (promise) => {
      const token = begin(undefined, polling());
      return promise.then((value) => { end(token); return value; }, (error) => { end(token); throw error; });
    };
    if (typeof Response === 'function') {
      for (const method of ['json', 'text', 'arrayBuffer', 'blob', 'formData']) {
        const read = Response.prototype[method];
        if (typeof read === 'function') Response.prototype[method] = function () { return track(read.apply(this, arguments)); };
      }
    }
    return { begin: () => begin(undefined, polling()), end, track };
  })();

  // --- transports ----------------------------------------------------------------------------------------------
  if (typeof window.fetch === 'function') {
    const originalFetch = window.fetch;
    window.fetch = function fetch(input, init) {
      const url = input && typeof input === 'object' && 'url' in input ? input.url : String(input);
      if (isAnalytics(url)) record('fetch', [url, bodyText(init && init.body)], { url: url });
      return underWay.track(originalFetch.apply(this, arguments));
    };
  }
  if (navigator.sendBeacon) {
    const originalBeacon = navigator.sendBeacon;
    navigator.sendBeacon = function sendBeacon(url, data) {
      const queuedOk = originalBeacon.apply(this, arguments);
      if (isAnalytics(url)) record('sendBeacon', [String(url), bodyText(data)], { url: String(url), returned: queuedOk });
      return queuedOk;
    };
  }
  if (window.XMLHttpRequest) {
    const open = XMLHttpRequest.prototype.open;
    const send = XMLHttpRequest.prototype.send;
    XMLHttpRequest.prototype.open = function (method, url) {
      this.__caCheckUrl = String(url);
      return open.apply(this, arguments);
    };
    XMLHttpRequest.prototype.send = function (body) {
      if (this.__caCheckUrl && isAnalytics(this.__caCheckUrl)) record('xhr', [this.__caCheckUrl, bodyText(body)], { url: this.__caCheckUrl });
      const sent = send.apply(this, arguments);
      const token = underWay.begin();
      this.addEventListener('loadend', () => underWay.end(token), { once: true });
      return sent;
    };
  }
  const srcDescriptor = window.HTMLImageElement && Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, 'src');
  if (srcDescriptor && srcDescriptor.set) {
    Object.defineProperty(HTMLImageElement.prototype, 'src', Object.assign({}, srcDescriptor, {
      set(value) {
        if (isAnalytics(value)) record('image', [String(value), null], { url: String(value) });
        return srcDescriptor.set.call(this, value);
      },
    }));
  }
  function privacy() {
    return { dnt: navigator.doNotTrack || window.doNotTrack || null, gpc: navigator.globalPrivacyControl === true };
  }
  if (location.href !== 'about:blank') record('page', [], privacy());
})();
