// case-assist-check: the JS layer. Runs before any page script, in every frame.
// Records every coveoua(...) call (on the snippet's queue stub and on the real function that replaces it) and
// every fetch / sendBeacon / XMLHttpRequest / <img> request the page makes to an analytics endpoint, then hands
// them to the checker through an exposed binding. It never changes what the page does: the wrapped functions
// return the same values, throw the same exceptions and run in the same order; recording is fire-and-forget.
//
// No observer effect: a page may replace any built-in after we start (Function.prototype.apply/call, JSON.stringify,
// Array.prototype.push, Promise.prototype.then, Object.defineProperty, Map, setTimeout…). Everything this script
// does once page scripts run goes through private references taken here, before any of them ran: never through
// a method looked up on a built-in at call time, nor spread / for…of / destructuring of arrays (they go through
// Array.prototype[Symbol.iterator]). So a page sees none of our work through the built-ins it wrapped, and what
// it broke does not break us (nor, through us, its own requests).
(() => {
  'use strict';
  if (window.__caCheckInstalled) return;

  // --- private references to the built-ins, taken before any page script runs --------------------------------------
  const { apply, defineProperty, deleteProperty, getOwnPropertyDescriptor, getPrototypeOf } = Reflect;
  const uncurry = (fn) => (self, ...args) => apply(fn, self, args); // rest parameters: no iterator involved
  const getterOf = (proto, key) => {
    const descriptor = proto && getOwnPropertyDescriptor(proto, key);
    return descriptor && typeof descriptor.get === 'function' ? uncurry(descriptor.get) : null;
  };
  const ObjectCreate = Object.create;
  const ObjectKeys = Object.keys;
  const ObjectAssign = Object.assign;
  const hasOwn = uncurry(Object.prototype.hasOwnProperty);
  const objectToString = uncurry(Object.prototype.toString);
  const functionToString = uncurry(Function.prototype.toString);
  const hasInstance = uncurry(Function.prototype[Symbol.hasInstance]);
  const isArray = Array.isArray;
  const arraySort = uncurry(Array.prototype.sort);
  const arrayJoin = uncurry(Array.prototype.join);
  const stringSlice = uncurry(String.prototype.slice);
  const regexpExec = uncurry(RegExp.prototype.exec);
  const stringify = JSON.stringify;
  const StringCtor = String;
  const dateNow = Date.now;
  const PromiseCtor = Promise;
  const promiseThen = uncurry(Promise.prototype.then);
  const promiseReject = (error) => apply(Promise.reject, PromiseCtor, [error]);
  const MapCtor = Map, SetCtor = Set, WeakSetCtor = WeakSet, WeakMapCtor = WeakMap;
  const mapGet = uncurry(Map.prototype.get), mapSet = uncurry(Map.prototype.set);
  const mapDelete = uncurry(Map.prototype.delete), mapForEach = uncurry(Map.prototype.forEach);
  const setAdd = uncurry(Set.prototype.add), setDelete = uncurry(Set.prototype.delete);
  const setForEach = uncurry(Set.prototype.forEach), setSize = getterOf(Set.prototype, 'size');
  const weakSetHas = uncurry(WeakSet.prototype.has), weakSetAdd = uncurry(WeakSet.prototype.add);
  const weakMapGet = uncurry(WeakMap.prototype.get), weakMapSet = uncurry(WeakMap.prototype.set);
  const nativeQueueMicrotask = window.queueMicrotask;
  const queueMicrotask = (task) => apply(nativeQueueMicrotask, window, [task]);
  const nativeTimeout = window.setTimeout;
  const afterMs = (task, ms) => apply(nativeTimeout, window, [task, ms]); // ours: not counted as the page's timers
  const addListener = uncurry(EventTarget.prototype.addEventListener);
  const NodeCtor = typeof Node === 'function' ? Node : null;
  const documentQueryAll = uncurry(Document.prototype.querySelectorAll);
  const fragmentQueryAll = uncurry(DocumentFragment.prototype.querySelectorAll);
  const nodeListLength = getterOf(NodeList.prototype, 'length');
  const getAttribute = uncurry(Element.prototype.getAttribute);
  const shadowRootOf = getterOf(Element.prototype, 'shadowRoot');
  const readyState = getterOf(Document.prototype, 'readyState');
  const currentScript = getterOf(Document.prototype, 'currentScript');
  const scriptSrc = typeof HTMLScriptElement === 'function' ? getterOf(HTMLScriptElement.prototype, 'src') : null;
  const ErrorCtor = Error;
  const requestKeepalive = typeof Request === 'function' ? getterOf(Request.prototype, 'keepalive') : null;
  const errorEventError = typeof ErrorEvent === 'function' ? getterOf(ErrorEvent.prototype, 'error') : null;
  const errorEventMessage = typeof ErrorEvent === 'function' ? getterOf(ErrorEvent.prototype, 'message') : null;
  const errorEventFile = typeof ErrorEvent === 'function' ? getterOf(ErrorEvent.prototype, 'filename') : null;
  const errorEventLine = typeof ErrorEvent === 'function' ? getterOf(ErrorEvent.prototype, 'lineno') : null;
  const rejectionReason = typeof PromiseRejectionEvent === 'function'
    ? getterOf(PromiseRejectionEvent.prototype, 'reason') : null;
  const requestUrl = typeof Request === 'function' ? getterOf(Request.prototype, 'url') : null;
  const searchParamsToString = typeof URLSearchParams === 'function' ? uncurry(URLSearchParams.prototype.toString) : null;
  const blobSize = typeof Blob === 'function' ? getterOf(Blob.prototype, 'size') : null;
  const formDataHas = typeof FormData === 'function' ? uncurry(FormData.prototype.has) : null;
  const storageGetItem = typeof Storage === 'function' ? uncurry(Storage.prototype.getItem) : null;
  const localStorageOf = (() => {
    const own = getOwnPropertyDescriptor(window, 'localStorage');
    const descriptor = own || getOwnPropertyDescriptor(getPrototypeOf(window), 'localStorage');
    return descriptor && typeof descriptor.get === 'function' ? descriptor.get : null;
  })();

  // A property set without going through a setter the page may have put on a prototype (Object.prototype.url…):
  // the descriptor has no prototype either, so an Object.prototype.get of the page cannot leak into it.
  function put(object, key, value) {
    const descriptor = ObjectCreate(null);
    descriptor.value = value;
    descriptor.writable = true;
    descriptor.enumerable = true;
    descriptor.configurable = true;
    defineProperty(object, key, descriptor);
    return object;
  }
  function hide(key, value) { // the checker's own entry points: fixed, not enumerable
    const descriptor = ObjectCreate(null);
    descriptor.value = value;
    defineProperty(window, key, descriptor);
  }
  const append = (array, value) => { array[array.length] = value; };
  const listOf = (arrayLike) => { // arguments → a real array, by index
    const out = [];
    for (let i = 0; i < arrayLike.length; i++) out[i] = arrayLike[i];
    return out;
  };
  const isA = (ctor, value) => { try { return !!ctor && hasInstance(ctor, value); } catch (e) { return false; } };
  const branded = (getter, value) => { // a WebIDL getter is its own brand check: it throws on anything else
    if (!getter || value === null || typeof value !== 'object') return null;
    try { return getter(value); } catch (e) { return null; }
  };

  // Playwright's binding call serializes its arguments with the page's built-ins (JSON.stringify, Object.is, Map,
  // Promise, array iteration). While it runs — synchronously, no page code in between — the built-ins it uses are
  // put back as they were before the page ran, then the page's own are restored, descriptors and all.
  function cleanDescriptor(descriptor) {
    if (!descriptor) return null;
    const copy = ObjectCreate(null);
    const keys = ['value', 'writable', 'get', 'set', 'enumerable', 'configurable'];
    for (let i = 0; i < keys.length; i++) if (hasOwn(descriptor, keys[i])) copy[keys[i]] = descriptor[keys[i]];
    return copy;
  }
  const PRISTINE = [];
  const keep = (object, key) => { if (object) append(PRISTINE, [object, key, cleanDescriptor(getOwnPropertyDescriptor(object, key))]); };
  const arrayIteratorProto = getPrototypeOf([][Symbol.iterator]());
  keep(window, 'JSON'); keep(JSON, 'stringify');
  keep(window, 'Object'); keep(Object, 'is');
  keep(window, 'Map'); keep(Map.prototype, 'get'); keep(Map.prototype, 'set'); keep(Map.prototype, 'delete');
  keep(window, 'Promise'); keep(Promise, Symbol.species); keep(Promise.prototype, 'constructor'); keep(Promise.prototype, 'then');
  keep(Array.prototype, Symbol.iterator); keep(arrayIteratorProto, 'next');
  keep(Object.prototype, 'toJSON'); keep(Array.prototype, 'toJSON'); // absent: a toJSON the page adds is taken out
  keep(Function.prototype, 'call'); keep(Function.prototype, 'apply');
  const sameDescriptor = (a, b) => (a === null ? b === null : b !== null && a.value === b.value && a.get === b.get && a.set === b.set);
  function pristine(task) {
    const changed = [];
    for (let i = 0; i < PRISTINE.length; i++) {
      const object = PRISTINE[i][0], key = PRISTINE[i][1], original = PRISTINE[i][2];
      const now = cleanDescriptor(getOwnPropertyDescriptor(object, key));
      if (sameDescriptor(now, original)) continue;
      if (original === null ? deleteProperty(object, key) : defineProperty(object, key, original)) append(changed, [object, key, now]);
    }
    try {
      return task();
    } finally {
      for (let i = changed.length - 1; i >= 0; i--) {
        if (changed[i][2] === null) deleteProperty(changed[i][0], changed[i][1]);
        else defineProperty(changed[i][0], changed[i][1], changed[i][2]);
      }
    }
  }

  hide('__caCheckInstalled', true);
  const BINDING = '__caCheckRecord';
  let binding = typeof window[BINDING] === 'function' ? window[BINDING] : null; // ours, whatever the page puts there
  const CONFIG = __CA_CHECK_CONFIG__; // replaced by the checker: {patterns: [regex sources]}
  const ANALYTICS = [];
  for (let i = 0; i < CONFIG.patterns.length; i++) ANALYTICS[i] = new RegExp(CONFIG.patterns[i]);
  const MAX_TEXT = 65536;
  let sequence = 0;
  let lastRecorded = 0; // wall ms of the last record: the settle's grace counts from it
  let pending = [];
  let quiet = false; // the checker's own probes (e.g. coveoua('version')) are not the page's

  // A call's arguments as JSON. The array is ours, so each value is encoded on its own: a toJSON the page put on
  // Array.prototype (as Prototype.js did) does not turn the whole call into one string.
  function safeJson(values) {
    const seen = new WeakSetCtor();
    const replacer = (key, v) => {
      if (typeof v === 'function') return '[function]';
      if (typeof v === 'bigint') return StringCtor(v);
      if (v && typeof v === 'object') {
        if (weakSetHas(seen, v)) return '[circular]';
        weakSetAdd(seen, v);
        if (isA(NodeCtor, v)) return '[DOM node]';
      }
      return v;
    };
    try {
      const parts = [];
      for (let i = 0; i < values.length; i++) {
        const part = stringify(values[i], replacer);
        parts[i] = part === undefined ? 'null' : part;
      }
      const text = '[' + arrayJoin(parts, ',') + ']';
      return text.length > MAX_TEXT ? stringify('[truncated]') : text;
    } catch (e) {
      return stringify('[unserializable]');
    }
  }

  // The form fields the page has when it logs (name, else id; open shadow roots included), for the fieldName
  // cross-check. Sent with a batch only when they changed: reading them here spares the checker a round trip
  // to the page after every step.
  function formFields() {
    const seen = ObjectCreate(null);
    const names = [];
    const visit = (root) => {
      const queryAll = root === document ? documentQueryAll : fragmentQueryAll;
      const fields = queryAll(root, 'input, select, textarea');
      for (let i = 0, n = nodeListLength(fields); i < n; i++) {
        const name = getAttribute(fields[i], 'name') || getAttribute(fields[i], 'id');
        if (name && !seen[name]) { seen[name] = true; append(names, name); }
      }
      const all = queryAll(root, '*');
      for (let i = 0, n = nodeListLength(all); i < n; i++) {
        const shadow = shadowRootOf(all[i]);
        if (shadow) visit(shadow);
      }
    };
    try { visit(document); } catch (e) { /* a document being torn down */ }
    return arraySort(names);
  }
  let fieldsSent = '';
  hide('__caCheckFormFields', formFields); // the checker's own reads

  // When something acts on the page (the steps' mouse, keyboard, typing, a select's events): a step's screenshot
  // is the page's look just before the next step acts, since its last frames arrive after it ends. Not focus nor
  // scrolling: a page moves them itself as it renders what the step before caused. They are only needed at the end
  // of the run, so they ride with the next batch of records, the page's last flush, or the checker's (a binding
  // call of their own would cost a round trip through the checker during every step).
  let acts = [];
  const MAX_HELD_ACTS = 1000;
  let lastAct = -Infinity;
  function onAct() {
    const now = dateNow();
    if (now - lastAct > 2) { // one per burst: a click's pointer and mouse events come together
      append(acts, now);
      if (acts.length >= MAX_HELD_ACTS) schedule();
    }
    lastAct = now;
  }
  const ACT_TYPES = ['pointermove', 'pointerdown', 'keydown', 'wheel', 'input', 'change'];
  for (let i = 0; i < ACT_TYPES.length; i++) addListener(window, ACT_TYPES[i], onAct, { capture: true, passive: true });

  // Records are sent in batches: a page that logs thousands of events must not pay a round trip to the checker
  // (several Playwright messages and their dispatch, the checker's largest per-event cost) for each of its calls.
  // The first record after a quiet spell goes at the end of its task, so a step's waits see it at once; while the
  // page keeps logging, the records of the next COALESCE_MS go together. A page that leaves sends its batch on
  // pagehide, and the checker collects what is held at the end of the run.
  const COALESCE_MS = 25;
  let flushScheduled = false;
  let lastFlush = -Infinity;
  const ignore = () => {};
  function flush() {
    flushScheduled = false;
    if (!binding && typeof window[BINDING] === 'function') binding = window[BINDING];
    if (!binding || !(pending.length || acts.length)) return;
    lastFlush = dateNow();
    const extras = { acts: acts };
    acts = [];
    if (pending.length) {
      const fields = fieldsNow();
      const key = arrayJoin(fields, '\n');
      if (key !== fieldsSent) put(extras, 'fields', fields);
      fieldsSent = key;
    }
    const records = pending;
    pending = [];
    try {
      pristine(() => {
        const sent = apply(binding, window, [stringify({ records: records, extras: extras })]);
        if (sent && typeof sent === 'object') promiseThen(sent, undefined, ignore);
      });
    } catch (e) { /* the page is going away */ }
  }
  function schedule() {
    if (flushScheduled) return;
    flushScheduled = true;
    const wait = lastFlush + COALESCE_MS - dateNow();
    if (wait > 0) afterMs(flush, wait);
    else queueMicrotask(flush);
  }
  // The form fields are those the page had when it logged: a batch held for later notes them at the end of each
  // task that logged (as often as an unbatched flush would read them), since a field can be gone by the flush.
  let heldFields = null; // name → true, for the batch being held
  let noting = false;
  function noteFields() {
    noting = false;
    if (!flushScheduled) return; // flushed in this very task
    if (heldFields === null) heldFields = ObjectCreate(null);
    const names = formFields();
    for (let i = 0; i < names.length; i++) heldFields[names[i]] = true;
  }
  function fieldsNow() {
    const names = formFields();
    if (heldFields === null) return names;
    for (let i = 0; i < names.length; i++) heldFields[names[i]] = true;
    const all = arraySort(ObjectKeys(heldFields));
    heldFields = null;
    return all;
  }
  function deliver(record) {
    lastRecorded = dateNow();
    append(pending, record);
    schedule();
    if (!noting) {
      noting = true;
      queueMicrotask(noteFields);
    }
  }
  addListener(window, 'pagehide', flush);
  hide('__caCheckFlush', flush); // the checker's, at the end of the run

  function record(fn, args, extra) {
    if (quiet) return;
    try {
      const entry = { seq: sequence++, fn: fn, args: safeJson(args), time: dateNow(), frame: location.href };
      if (extra) {
        const keys = ObjectKeys(extra);
        for (let i = 0; i < keys.length; i++) put(entry, keys[i], extra[keys[i]]);
      }
      deliver(entry);
    } catch (e) { /* recording must never break the page */ }
  }

  // "TypeError: x is undefined", read without letting a hostile error object break the recording
  function errorText(error) {
    try {
      const text = hasInstance(ErrorCtor, error) ? `${error.name}: ${error.message}` : `${error}`;
      return stringSlice(text, 0, 500);
    } catch (e) {
      return 'an exception that cannot be read';
    }
  }

  function isAnalytics(url) {
    if (typeof url !== 'string') return false;
    for (let i = 0; i < ANALYTICS.length; i++) {
      try { if (regexpExec(ANALYTICS[i], url) !== null) return true; } catch (e) { /* never */ }
    }
    return false;
  }

  // The URL a page hands to fetch / sendBeacon / open / img.src, read the way the browser reads it. Anything but
  // a text or a Request (read through its own getter) — a URL object, a page's object — is turned into text once,
  // here, as the browser would (its toString, the page's if it replaced it), and that text is what the browser
  // gets: the conversion runs once, as without us. `{url, value}`; `threw` when the conversion threw (the browser
  // would have thrown the same).
  function urlArgument(value, requestToo) {
    if (typeof value === 'string') return { url: value, value: value };
    const fromRequest = requestToo ? branded(requestUrl, value) : null;
    if (fromRequest !== null) return { url: fromRequest, value: value };
    if (typeof value === 'symbol') return { url: null, value: value }; // the browser throws its own TypeError
    try {
      const text = `${value}`;
      return { url: text, value: text };
    } catch (error) {
      return { url: null, value: value, error: error, threw: true };
    }
  }

  function bodyText(body) {
    if (body == null) return null;
    if (typeof body === 'string') return stringSlice(body, 0, MAX_TEXT);
    if (typeof body !== 'object') return stringSlice(StringCtor(body), 0, MAX_TEXT);
    const params = branded(searchParamsToString, body);
    if (params !== null) return stringSlice(params, 0, MAX_TEXT);
    const size = branded(blobSize, body);
    if (size !== null) return '[blob ' + size + ' bytes]';
    if (formDataHas) { try { formDataHas(body, ''); return '[form data]'; } catch (e) { /* not form data */ } }
    try { return '[' + objectToString(body) + ']'; } catch (e) { return '[body]'; }
  }
  // The body in a fetch's init, read only when it is a plain own value: a getter of the page's runs once, in fetch.
  function initBody(init) {
    if (init === null || typeof init !== 'object') return null;
    try {
      const descriptor = getOwnPropertyDescriptor(init, 'body');
      if (!descriptor) return null;
      return hasOwn(descriptor, 'value') ? bodyText(descriptor.value) : '[getter]';
    } catch (e) { return null; }
  }

  // Whether the fetch survives the page's navigation: `keepalive` in its init (a plain own value; a getter of the
  // page's runs once, in fetch) or on the Request it was given.
  function keptAlive(input, init) {
    try {
      if (init !== null && typeof init === 'object') {
        const descriptor = getOwnPropertyDescriptor(init, 'keepalive');
        if (descriptor) return hasOwn(descriptor, 'value') ? descriptor.value === true : null;
      }
    } catch (e) { return null; }
    return requestKeepalive ? branded(requestKeepalive, input) === true : false;
  }

  // --- coveoua: wrap whatever is assigned to window.coveoua (the snippet's stub, then the library) --------
  // A page may also put a function of its own there once the library loaded (a consent gate, a logging wrapper)
  // that passes calls on to the library's function it kept, which is our wrapper too. Its calls are recorded where
  // they reach the library (what the library was asked, once, not twice); a call it did not pass on, synchronously,
  // is recorded as `coveoua-swallowed`: the page asked, the library never heard of it.
  const wrappers = new WeakSetCtor();
  const libraryFunctions = new WeakSetCtor(); // the functions coveo.analytics itself put in window.coveoua
  let depth = 0; // our wrappers under way, one inside another
  let reached = false; // whether the page function's call under way reached another wrapper
  function wrapCoveoua(original) {
    if (typeof original !== 'function' || weakSetHas(wrappers, original)) return original;
    const afterLoad = !!window.coveoanalytics; // the stub comes before; the library's own function is noted below
    const wrapper = function coveoua() {
      const pageFunction = afterLoad && !weakSetHas(libraryFunctions, original) && depth === 0;
      if (depth > 0) reached = true;
      // queued: the snippet's stub only stores the call until coveo.analytics loads and replays it
      if (!pageFunction) record('coveoua', listOf(arguments), { queued: !window.coveoanalytics });
      const outer = reached;
      reached = false;
      depth++;
      try {
        return apply(original, this, arguments);
      } catch (error) {
        // a command the library does not know, or one that throws: nothing is logged for it, even when the page
        // catches the exception (it goes on unchanged)
        if (!pageFunction) record('coveoua-error', listOf(arguments), { error: errorText(error) });
        throw error;
      } finally {
        depth--;
        if (pageFunction && !reached) record('coveoua-swallowed', listOf(arguments), null);
        reached = outer || depth > 0;
      }
    };
    weakSetAdd(wrappers, wrapper);
    const keys = ObjectKeys(original);
    for (let i = 0; i < keys.length; i++) put(wrapper, keys[i], original[keys[i]]); // e.g. the stub's q and t
    return wrapper;
  }

  let current = wrapCoveoua(window.coveoua);
  let libraryNoted = false;
  let lastLibrary = null; // the window.coveoanalytics of the last coveo.analytics that ran (a page may load two)
  try {
    defineProperty(window, 'coveoua', {
      __proto__: null,
      configurable: true,
      enumerable: true,
      get() { return current; },
      set(value) {
        current = wrapCoveoua(value);
        // coveo.analytics sets window.coveoanalytics (an object of each run) right after it replaces the stub: a
        // function put there by a library that just ran is the library's, any other one after it is the page's
        if (typeof value === 'function') queueMicrotask(() => {
          const library = window.coveoanalytics;
          if (library && library !== lastLibrary) {
            lastLibrary = library;
            weakSetAdd(libraryFunctions, value);
          }
          if (library && !libraryNoted) {
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
  const HEADLESS_ANALYTICS = /^(analytics\/caseAssist\/.*)\/(pending|rejected)$/;
  // Analytics turned off in the engine (configuration.analytics.enabled false, or engine.disableAnalytics(), as a
  // consent banner does): Headless still runs its analytics actions and sends nothing
  function analyticsOff(store) {
    try {
      const analytics = store.getState().configuration.analytics;
      return analytics.enabled === false;
    } catch (e) { return false; }
  }
  function headlessRecorder(store) {
    return (next) => (action) => {
      const match = action && typeof action.type === 'string' && regexpExec(HEADLESS_ANALYTICS, action.type);
      if (match && match[2] === 'pending') {
        record('headless', [match[1], action.meta ? action.meta.arg : null],
          analyticsOff(store) ? { queued: false, disabled: true } : { queued: false });
      }
      if (match && match[2] === 'rejected') {  // the thunk threw: its event is not sent
        const error = action.error || {};
        record('headless-rejected', [match[1]], { error: errorText(error.message || error.name || 'rejected') });
      }
      return next(action);
    };
  }
  function wrapHeadless(namespace) {
    if (!namespace || typeof namespace !== 'object' || typeof namespace.buildCaseAssistEngine !== 'function') return namespace;
    const copy = {};
    const keys = ObjectKeys(namespace);
    for (let i = 0; i < keys.length; i++) put(copy, keys[i], namespace[keys[i]]); // the bundle's exports may be getters
    const build = namespace.buildCaseAssistEngine;
    put(copy, 'buildCaseAssistEngine', function buildCaseAssistEngine(options) {
      const given = (options && options.middlewares) || [];
      const middlewares = isArray(given) ? listOf(given) : [...given];
      append(middlewares, headlessRecorder);
      const merged = ObjectAssign({}, options); // the engine's options as given (symbol keys too), and ours
      put(merged, 'middlewares', middlewares);
      const engine = apply(build, this, [merged]);
      try {
        const analytics = (options && options.configuration && options.configuration.analytics) || {};
        // Quantic says its version in a global; its engine options come from the Apex configuration
        const quantic = typeof window.coveoQuanticVersion === 'string' ? window.coveoQuanticVersion : null;
        record('headless-engine', [engine.state.version || null, analytics.analyticsMode || null],
          { queued: false, quantic: quantic, src: bundleSource });
      } catch (e) { /* the engine still works */ }
      return engine;
    });
    return copy;
  }
  // Where the bundle came from: the script running when it set its global (a Salesforce static resource, a CDN,
  // the site's own copy), so the report can say how Headless reached the page.
  let bundleSource = null;
  function noteSource() {
    try {
      const script = currentScript && currentScript(document);
      bundleSource = (script && scriptSrc && branded(scriptSrc, script)) || bundleSource;
    } catch (e) { /* none */ }
  }
  let headless = wrapHeadless(window.CoveoHeadlessCaseAssist);
  try {
    defineProperty(window, 'CoveoHeadlessCaseAssist', {
      __proto__: null,
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
    const later = (task, ms) => apply(nativeSetTimeout, window, [task, ms]); // our own timers
    const unlater = (id) => apply(nativeClearTimeout, window, [id]);
    const entries = new MapCtor(); // token → {due: wall ms (a request: when it began); rearmed}
    const ids = new MapCtor(); // timer id → token
    const waiters = new SetCtor();
    let tokens = 0;
    let lastChange = 0; // wall ms an entry that counts (not re-armed) last began or ended
    let firing = null; // the timer callback running now: {handler, rearmed}
    const runWaiters = () => setForEach(waiters, (check) => check());
    const changed = () => { if (setSize(waiters)) queueMicrotask(runWaiters); };
    const polling = () => firing !== null && firing.rearmed; // what a re-armed timer's callback starts never ends
    const begin = (due, rearmed) => {
      const token = ++tokens;
      mapSet(entries, token, { due: due === undefined ? dateNow() : due, rearmed: !!rearmed });
      if (!rearmed) lastChange = dateNow();
      return token;
    };
    const end = (token) => {
      const entry = mapGet(entries, token);
      if (!entry) return;
      mapDelete(entries, token);
      if (!entry.rearmed) lastChange = dateNow();
      changed();
    };
    const sameCallback = (a, b) => {
      try { return a === b || functionToString(a) === functionToString(b); } catch (e) { return false; }
    };
    const delayOf = (delay) => (typeof delay === 'number' || typeof delay === 'string' ? +delay || 0 : 0);
    function arm(native, args) {
      const handler = args[0];
      if (typeof handler !== 'function') return apply(native, window, args); // code as text: rare
      const rearmed = polling() || (firing !== null && sameCallback(handler, firing.handler));
      const token = begin(dateNow() + delayOf(args[1]), rearmed);
      let ticked = false;
      let id;
      const wrapped = listOf(args);
      wrapped[0] = function () {
        if (!ticked) { ticked = true; mapDelete(ids, id); end(token); }
        const outer = firing;
        firing = { handler, rearmed };
        try { return apply(handler, this, arguments); } finally { firing = outer; }
      };
      id = apply(native, window, wrapped);
      mapSet(ids, id, token);
      return id;
    }
    const cancel = (id) => { const token = mapGet(ids, id); mapDelete(ids, id); if (token !== undefined) end(token); };
    // the natives' own arities (setTimeout.length is 1): a page that looks sees the same
    window.setTimeout = function setTimeout(handler) { return arm(nativeSetTimeout, arguments); };
    window.setInterval = function setInterval(handler) { return arm(nativeSetInterval, arguments); };
    window.clearTimeout = function clearTimeout() { cancel(arguments[0]); return apply(nativeClearTimeout, window, arguments); };
    window.clearInterval = function clearInterval() { cancel(arguments[0]); return apply(nativeClearInterval, window, arguments); };
    addListener(window, 'load', changed);

    const busy = (untilWall) => {
      if (readyState(document) !== 'complete') return true;
      let found = false;
      mapForEach(entries, (entry) => { if (!entry.rearmed && entry.due <= untilWall) found = true; });
      return found;
    };
    // Resolves true once nothing due before `untilWall` (wall ms) is under way and nothing began, ended nor was
    // recorded for GRACE_MS (a page's promise chain may take a few tasks between a response and what it starts
    // next), false if something still is under way then. A page idle for longer answers at once.
    const GRACE_MS = 30;
    const idle = (untilWall) => new PromiseCtor((resolve) => {
      let grace = null;
      let timer = null;
      const finish = (value) => {
        setDelete(waiters, check);
        unlater(timer);
        unlater(grace);
        resolve(value);
      };
      const check = () => {
        if (grace !== null || busy(untilWall)) return;
        const last = lastChange > lastRecorded ? lastChange : lastRecorded;
        const wait = GRACE_MS - (dateNow() - last);
        if (wait <= 0) return finish(true);
        grace = later(() => { grace = null; check(); }, wait);
      };
      const left = untilWall - dateNow();
      timer = later(() => finish(!busy(untilWall)), left > 0 ? left : 0);
      setAdd(waiters, check);
      check();
    });
    hide('__caCheckIdle', idle);
    // A request, a body being read: under way until it settles. The page gets the promise that follows it, so a
    // rejection it does not handle is still reported as unhandled, as it would be without us.
    const track = (promise) => {
      if (!promise || typeof promise !== 'object') return promise;
      const token = begin(undefined, polling());
      return promiseThen(promise, (value) => { end(token); return value; }, (error) => { end(token); throw error; });
    };
    if (typeof Response === 'function') {
      const METHODS = ['json', 'text', 'arrayBuffer', 'blob', 'formData'];
      for (let i = 0; i < METHODS.length; i++) {
        const read = Response.prototype[METHODS[i]];
        if (typeof read === 'function') {
          Response.prototype[METHODS[i]] = { [METHODS[i]]() { return track(apply(read, this, arguments)); } }[METHODS[i]];
        }
      }
    }
    return { begin: () => begin(undefined, polling()), end, track };
  })();

  // --- transports ----------------------------------------------------------------------------------------------
  if (typeof window.fetch === 'function') {
    const originalFetch = window.fetch;
    window.fetch = function fetch(input) {
      const args = listOf(arguments);
      if (args.length) {
        const target = urlArgument(input, true);
        if (target.threw) return promiseReject(target.error); // fetch rejects when its URL cannot be read
        args[0] = target.value;
        if (isAnalytics(target.url)) {
          record('fetch', [target.url, initBody(args[1])], { url: target.url, keepalive: keptAlive(input, args[1]) });
        }
      }
      return underWay.track(apply(originalFetch, this, args));
    };
  }
  // on Navigator.prototype, where the browser has it: navigator gets no property of its own
  const beaconOwner = typeof Navigator === 'function' && hasOwn(Navigator.prototype, 'sendBeacon') ? Navigator.prototype : navigator;
  if (typeof beaconOwner.sendBeacon === 'function') {
    const originalBeacon = beaconOwner.sendBeacon;
    beaconOwner.sendBeacon = function sendBeacon(url) {
      const args = listOf(arguments);
      let target = null;
      if (args.length) {
        target = urlArgument(url, false);
        if (target.threw) throw target.error;
        args[0] = target.value;
      }
      const queuedOk = apply(originalBeacon, this, args);
      if (target && isAnalytics(target.url)) {
        record('sendBeacon', [target.url, bodyText(args[1])], { url: target.url, returned: queuedOk });
      }
      return queuedOk;
    };
  }
  if (window.XMLHttpRequest) {
    const nativeOpen = XMLHttpRequest.prototype.open;
    const nativeSend = XMLHttpRequest.prototype.send;
    const urls = new WeakMapCtor(); // request → the URL it was opened with (no property on the page's object)
    XMLHttpRequest.prototype.open = function open(method, url) {
      const args = listOf(arguments);
      if (args.length > 1) {
        const target = urlArgument(url, false);
        if (target.threw) throw target.error;
        args[1] = target.value;
        try { weakMapSet(urls, this, target.url); } catch (e) { /* not an object */ }
      }
      return apply(nativeOpen, this, args);
    };
    XMLHttpRequest.prototype.send = function send() {
      let url = null;
      try { url = weakMapGet(urls, this); } catch (e) { /* not an object */ }
      if (url && isAnalytics(url)) record('xhr', [url, bodyText(arguments[0])], { url: url });
      const sent = apply(nativeSend, this, arguments);
      const token = underWay.begin();
      try { addListener(this, 'loadend', () => underWay.end(token), { once: true }); } catch (e) { underWay.end(token); }
      return sent;
    };
  }
  const srcDescriptor = window.HTMLImageElement && getOwnPropertyDescriptor(HTMLImageElement.prototype, 'src');
  if (srcDescriptor && srcDescriptor.set) {
    const setSrc = srcDescriptor.set;
    const setter = getOwnPropertyDescriptor({ set src(value) { // named "set src", as the native one
      const target = urlArgument(value, false);
      if (target.threw) throw target.error;
      if (isAnalytics(target.url)) record('image', [target.url, null], { url: target.url });
      apply(setSrc, this, [target.value]);
    } }, 'src').set;
    defineProperty(HTMLImageElement.prototype, 'src', {
      __proto__: null, get: srcDescriptor.get, set: setter,
      enumerable: srcDescriptor.enumerable, configurable: srcDescriptor.configurable,
    });
  }
  // Do Not Track and Global Privacy Control as the page's libraries read them (a page may set them itself)
  function privacy() {
    return { dnt: navigator.doNotTrack || window.doNotTrack || null, gpc: navigator.globalPrivacyControl === true };
  }

  // A snippet whose stub was given another name (its `a='coveoua'` changed): coveo.analytics replays the queue of
  // window.coveoua only, so every call the page makes through the other name waits in that queue for ever, and
  // nothing of it reaches this layer's coveoua hook. Found by the stub's shape: a global function whose own `q`
  // holds argument lists with a coveo.analytics command (init, an svc: command, or send('event', 'svc', …)). Read
  // from own data properties only: none of the page's getters runs.
  function isCoveoCommand(args) {
    if (!args || typeof args[0] !== 'string') return false;
    const command = args[0];
    return command === 'init' || command === 'initForProxy' || stringSlice(command, 0, 4) === 'svc:' ||
      (command === 'send' && args[1] === 'event' && args[2] === 'svc');
  }
  function strayQueues() {
    const found = [];
    const names = ObjectKeys(window);
    for (let i = 0, n = names.length; i < n && found.length < 5; i++) {
      if (names[i] === 'coveoua') continue;
      const own = getOwnPropertyDescriptor(window, names[i]);
      const stub = own && own.value;
      const q = typeof stub === 'function' ? getOwnPropertyDescriptor(stub, 'q') : null;
      const queue = q && q.value;
      if (!isArray(queue)) continue;
      const commands = [];
      let coveo = false;
      for (let j = 0, m = queue.length; j < m; j++) {
        const args = queue[j];
        coveo = coveo || isCoveoCommand(args);
        if (commands.length < 6) append(commands, args && typeof args[0] === 'string' ? stringSlice(args[0], 0, 40) : '?');
      }
      if (coveo) append(found, put(put(put({}, 'name', stringSlice(names[i], 0, 60)), 'count', queue.length), 'commands', commands));
    }
    return found;
  }

  // The checker's read of the page at the end of the run (PAGE_STATE_JS): the form fields, the client ID the
  // library stored, the Quantic and coveo.analytics versions. Its coveoua('version') is not recorded as the page's.
  hide('__caCheckPageState', () => {
    const out = {};
    try { put(out, 'fields', formFields()); } catch (e) { /* none */ }
    try {
      const storage = localStorageOf ? apply(localStorageOf, window, []) : null;
      if (storage && storageGetItem) put(out, 'visitorId', storageGetItem(storage, 'visitorId'));
    } catch (e) { /* storage denied (an opaque origin, a sandboxed frame) */ }
    try { if (typeof window.coveoQuanticVersion === 'string') put(out, 'quantic_version', window.coveoQuanticVersion); } catch (e) { /* none */ }
    try {
      const stray = strayQueues();
      if (stray.length) put(out, 'stray_queues', stray);
    } catch (e) { /* a proxy of a global that throws: nothing to say */ }
    quiet = true;
    try {
      const coveoua = window.coveoua;
      if (window.coveoanalytics && typeof coveoua === 'function') put(out, 'coveo_analytics_version', coveoua('version'));
    } catch (e) { /* none */ } finally { quiet = false; }
    // Playwright turns `out` into JSON with the page's built-ins (Object.keys, Array.prototype.push): not ours to
    // keep, the evaluate's answer is read after this returns
    return out;
  });

  // the page's own exceptions, with the step they happen in: one thrown on the way to a log loses that event
  addListener(window, 'error', (event) => {
    const error = errorEventError && branded(errorEventError, event);
    const message = errorEventMessage && branded(errorEventMessage, event);
    if (message === null) return; // not an ErrorEvent: a resource that failed to load (the requests show it)
    const file = (errorEventFile && branded(errorEventFile, event)) || '';
    const line = (errorEventLine && branded(errorEventLine, event)) || 0;
    record('page-error', [error !== null && error !== undefined ? errorText(error) : stringSlice(StringCtor(message), 0, 500)],
      { source: file ? `${file}:${line}` : null });
  }, { capture: true });
  addListener(window, 'unhandledrejection', (event) => {
    const reason = rejectionReason && branded(rejectionReason, event);
    record('page-error', [errorText(reason)], { source: 'unhandled promise rejection' });
  }, { capture: true });

  if (location.href !== 'about:blank') {
    const info = privacy();
    put(info, 'top', window.top === window); // a top-level document: a new visit (an iframe's is part of its page's)
    record('page', [], info);
  }
})();
