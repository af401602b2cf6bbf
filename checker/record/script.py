"""The init script of `record`: what the person does in the page, reported as scenario steps.

It runs before any page script, in every frame of the recording context (popups too: the recorder drops what
comes from pages other than the one it records), and reports through an exposed binding:

    {kind: click, selector, label, time}             a button, link, chip, any clickable element
    {kind: check, selector, checked, label, time}    a checkbox or radio
    {kind: fill, selector, value, blur, time}        the final value of a text field (on `change`, or before Enter)
    {kind: select, selector, value, label, time}     a <select> (on `change`)
    {kind: press, key, selector?, time}              Enter in an input field, Escape anywhere

`time` is the page's `Date.now()` when the action began (captured in the capture phase on window, before the
page's own handlers run), so the recorder can attribute each analytics call the page makes to the action that
caused it. Selectors are computed at that moment, when the element is still where the person saw it, and are
checked to be unique (open shadow roots included), in this order: data-testid (data-test-id, data-test); for an
element inside a repeated list item, the item's stable data-* attribute plus the element's own class; role and
accessible name for buttons and links; a stable #id; [name]; short unique text; a short CSS path.
Recording never changes what the page does: listeners are passive and every failure is swallowed.
"""

ACTIONS_JS = r"""
(() => {
  'use strict';
  if (window.__caRecordInstalled) return;
  Object.defineProperty(window, '__caRecordInstalled', { value: true });
  const BINDING = '__caCheckRecordAction';
  const pending = [];

  function deliver(record) {
    try {
      const binding = window[BINDING];
      if (typeof binding !== 'function') { pending.push(record); return; }
      while (pending.length) binding(pending.shift()).catch(() => {});
      binding(record).catch(() => {});
    } catch (e) { /* recording must never break the page */ }
  }

  // --- helpers ------------------------------------------------------------------------------------------------
  const norm = (s) => String(s == null ? '' : s).replace(/\s+/g, ' ').trim();
  const quote = (s) => '"' + String(s).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, ' ') + '"';
  const cssIdent = (s) => (window.CSS && CSS.escape ? CSS.escape(s) : String(s).replace(/[^A-Za-z0-9_-]/g, (c) => '\\' + c));
  const TEXT_TYPES = new Set(['', 'text', 'search', 'email', 'url', 'tel', 'password', 'number', 'date', 'datetime-local',
    'month', 'week', 'time', 'color', 'range']);
  const BUTTON_TYPES = new Set(['button', 'submit', 'reset', 'image']);
  const TESTID_ATTRS = ['data-testid', 'data-test-id', 'data-test'];

  function isTextField(el) {
    if (!el || el.nodeType !== 1) return false;
    if (el.localName === 'textarea') return true;
    if (el.localName === 'input') return TEXT_TYPES.has((el.getAttribute('type') || '').toLowerCase());
    return el.isContentEditable === true;
  }
  function isToggle(el) {
    return el && el.localName === 'input' && /^(checkbox|radio)$/i.test(el.type);
  }
  function parentOf(el) {
    if (el.parentElement) return el.parentElement;
    const node = el.parentNode;
    return node && node.host ? node.host : null; // up from the top of a shadow root to its host
  }
  function allRoots() {
    const roots = [document];
    for (let i = 0; i < roots.length; i++) {
      const walker = document.createTreeWalker(roots[i], NodeFilter.SHOW_ELEMENT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) if (n.shadowRoot) roots.push(n.shadowRoot);
    }
    return roots;
  }
  function deepAll(selector) {
    const found = [];
    for (const root of allRoots()) {
      try { found.push(...root.querySelectorAll(selector)); } catch (e) { return null; }
    }
    return found;
  }
  function deepElements() {
    const found = [];
    for (const root of allRoots()) found.push(...root.querySelectorAll('*'));
    return found;
  }
  function uniqueDeep(selector, el) {
    const found = deepAll(selector);
    return !!found && found.length === 1 && found[0] === el;
  }
  function visible(el) {
    try {
      if (typeof el.checkVisibility === 'function') return el.checkVisibility({ visibilityProperty: true });
    } catch (e) { /* older engines */ }
    return !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  }
  // A checkbox or radio styled away behind its label (SLDS, Bootstrap's btn-check…): 1 px, clipped or transparent.
  // A person clicks the label; a replay must too, as the label takes the pointer.
  function hiddenToggle(el) {
    if (!visible(el)) return true;
    const rect = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    return rect.width <= 2 || rect.height <= 2 || style.opacity === '0' || /rect\(0(px)?,? 0(px)?,? 0(px)?,? 0(px)?\)/.test(style.clip);
  }
  function ariaHidden(el) {
    for (let a = el; a; a = parentOf(a)) if (a.getAttribute && a.getAttribute('aria-hidden') === 'true') return true;
    return false;
  }

  // Values that change from one page load to the next make poor selectors.
  function stableValue(v) {
    if (!v || v.length > 40) return false;
    if (/\d{4,}/.test(v)) return false;                                  // long digit runs
    if (/[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}/i.test(v)) return false;   // UUIDs
    if (/[0-9a-f]{10,}/i.test(v) && /\d/.test(v)) return false;           // long hex ids
    return true;
  }
  // LWC (Salesforce, Quantic) appends a render counter to every id of a component's template: "Billing-9"
  function lwcId(id, el) {
    return /-\d{1,3}$/.test(id) && !!el && el.getRootNode() instanceof ShadowRoot;
  }
  function stableId(id, el) {
    if (!stableValue(id) || lwcId(id, el)) return false;
    if (/\d{3,}/.test(id) || /^:|:$/.test(id)) return false;              // ember123, React's :r1:
    if (/^(ember|mui|react|radix|headlessui|rc|downshift|aria|ui-id|yui|ext-gen|gwt|j_id|cdk|mat|ng|uid|id|input|field|el)[-_:]?\d+/i.test(id)) return false;
    return true;
  }
  function stableClasses(el) {
    return Array.from(el.classList || []).filter((c) => c.length <= 30 && !/\d{3,}/.test(c)
      && !/^(css|sc|jsx|emotion|styled|svelte|_)[-_]?[A-Za-z0-9]{4,}$/.test(c) && !(/[A-Z]/.test(c) && /\d/.test(c))
      && !/^(active|selected|focus|focused|hover|disabled|open|opened|current|checked|visible|hidden|show|shown|in)$/i.test(c)
      && !/^(is|has|ng|v)-/.test(c));
  }

  // --- roles and names (a simplified accessible name; Playwright's role selector matches it as a substring) ----------
  function roleOf(el) {
    const explicit = norm(el.getAttribute('role')).split(' ')[0];
    if (explicit) return explicit;
    const tag = el.localName;
    if (tag === 'button') return 'button';
    if ((tag === 'a' || tag === 'area') && el.hasAttribute('href')) return 'link';
    if (tag === 'input') {
      const type = (el.getAttribute('type') || 'text').toLowerCase();
      if (BUTTON_TYPES.has(type)) return 'button';
      if (type === 'checkbox' || type === 'radio') return type;
      return 'textbox';
    }
    if (tag === 'textarea') return 'textbox';
    if (tag === 'select') return el.multiple || el.size > 1 ? 'listbox' : 'combobox';
    return null;
  }
  function textOf(el) {
    return norm(el.innerText !== undefined ? el.innerText : el.textContent);
  }
  function nameOf(el) {
    const labelledBy = norm(el.getAttribute('aria-labelledby'));
    if (labelledBy) {
      const root = el.getRootNode();
      const parts = labelledBy.split(' ').map((id) => (root.getElementById ? root.getElementById(id) : document.getElementById(id)));
      const text = norm(parts.filter(Boolean).map(textOf).join(' '));
      if (text) return text;
    }
    const label = norm(el.getAttribute('aria-label'));
    if (label) return label;
    if (el.localName === 'input') {
      const type = (el.getAttribute('type') || '').toLowerCase();
      if (BUTTON_TYPES.has(type)) return norm(type === 'image' ? el.alt : el.value) || (type === 'submit' ? 'Submit' : type === 'reset' ? 'Reset' : '');
    }
    if (el.labels && el.labels.length) return norm(Array.from(el.labels).map(textOf).join(' '));
    if (el.localName === 'img') return norm(el.alt);
    return textOf(el) || norm(el.getAttribute('title'));
  }
  const NAMED_ROLES = new Set(['button', 'link', 'tab', 'menuitem', 'switch']);
  function roleSelector(el) {
    const role = roleOf(el);
    if (!NAMED_ROLES.has(role)) return null;
    const name = nameOf(el);
    if (!name || name.length > 100) return null; // a document title in a button's name is long, and still the best handle
    const wanted = name.toLowerCase();
    const same = deepElements().filter((x) => roleOf(x) === role && visible(x) && !ariaHidden(x)
      && nameOf(x).toLowerCase().includes(wanted));
    return same.length === 1 && same[0] === el ? `role=${role}[name=${quote(name)}]` : null;
  }

  // --- text -------------------------------------------------------------------------------------------------
  function textSelector(el) {
    const text = textOf(el);
    if (!text || text.length > 40 || /["\n]/.test(text)) return null;
    const smallest = deepElements().filter((x) => x.localName !== 'script' && x.localName !== 'style'
      && norm(x.textContent) === text && !Array.from(x.children).some((c) => norm(c.textContent) === text));
    return smallest.length === 1 && (smallest[0] === el || el.contains(smallest[0])) ? `text=${quote(text)}` : null;
  }

  // --- repeated list items: the item's stable data-* attribute plus the element's own class ------------------------
  function stableDataAttrs(el) {
    return Array.from(el.attributes || []).filter((a) => a.name.startsWith('data-') && !TESTID_ATTRS.includes(a.name)
      && !/^data-(v-|reactid|react|styled|emotion|testing)/.test(a.name) && a.value !== '' && stableValue(a.value));
  }
  function isRepeated(el) {
    const parent = el.parentElement || el.parentNode;
    if (!parent || !parent.children) return false;
    const classes = stableClasses(el);
    const alike = Array.from(parent.children).filter((x) => x !== el && x.localName === el.localName
      && (!classes.length || classes.some((c) => x.classList.contains(c))));
    return alike.length > 0;
  }
  function baseOf(el) {
    const classes = stableClasses(el);
    return classes.length ? '.' + cssIdent(classes[0]) : el.localName;
  }
  function ownWithin(item, el) {
    const classes = stableClasses(el);
    for (const c of classes) {
      const s = '.' + cssIdent(c);
      const found = item.querySelectorAll(s);
      if (found.length === 1 && found[0] === el) return s;
    }
    for (const c of classes) {
      const s = el.localName + '.' + cssIdent(c);
      const found = item.querySelectorAll(s);
      if (found.length === 1 && found[0] === el) return s;
    }
    const byTag = item.querySelectorAll(el.localName);
    if (byTag.length === 1 && byTag[0] === el) return el.localName;
    const parts = [];
    for (let cur = el; cur && cur !== item; cur = cur.parentElement) parts.unshift(stepOf(cur));
    return parts.length <= 3 ? parts.join(' > ') : null;
  }
  function listSelector(el) {
    let depth = 0;
    for (let item = el; item && item.nodeType === 1 && depth < 8; item = item.parentElement, depth++) {
      if (item.localName === 'body' || item.localName === 'html') break;
      const attrs = stableDataAttrs(item);
      if (!attrs.length || !isRepeated(item)) continue;
      const root = item.getRootNode();
      for (const attr of attrs) {
        const itemSelector = `${baseOf(item)}[${attr.name}=${quote(attr.value)}]`;
        let inRoot;
        try { inRoot = root.querySelectorAll(itemSelector); } catch (e) { continue; }
        if (inRoot.length !== 1) continue;
        const own = item === el ? '' : ownWithin(item, el);
        if (own === null) continue;
        const selector = own ? `${itemSelector} ${own}` : itemSelector;
        if (root === document ? uniqueDeep(selector, el) : true) return { selector, root };
      }
    }
    return null;
  }

  // --- CSS path within the element's own root ---------------------------------------------------------------
  function stepOf(el) {
    const tag = cssIdent(el.localName);
    const parent = el.parentElement || el.parentNode;
    const siblings = parent && parent.children ? Array.from(parent.children) : [el];
    for (const c of stableClasses(el)) {
      const s = `${tag}.${cssIdent(c)}`;
      if (siblings.filter((x) => x.matches(s)).length === 1) return s;
    }
    const sameTag = siblings.filter((x) => x.localName === el.localName);
    if (sameTag.length === 1) return tag;
    const classes = stableClasses(el);
    return `${tag}${classes.length ? '.' + cssIdent(classes[0]) : ''}:nth-of-type(${sameTag.indexOf(el) + 1})`;
  }
  function cssPath(el) {
    const root = el.getRootNode();
    const parts = [];
    for (let cur = el; cur && cur.nodeType === 1; cur = cur.parentElement) {
      const idSelector = cur.id && stableId(cur.id, cur) ? '#' + cssIdent(cur.id) : null;
      if (cur !== el && idSelector && root.querySelectorAll(idSelector).length === 1) parts.unshift(idSelector);
      else parts.unshift(stepOf(cur));
      const selector = parts.join(' > ');
      let count;
      try { count = root === document ? (deepAll(selector) || []).length : root.querySelectorAll(selector).length; } catch (e) { count = 0; }
      if (count === 1) break;
    }
    return parts.join(' > ');
  }

  // --- the selector ---------------------------------------------------------------------------------------------
  function within(root, inner) {
    return root === document || !root.host ? inner : `${selectorFor(root.host)} >> ${inner}`;
  }
  function selectorFor(el) {
    for (const attr of TESTID_ATTRS) {
      const value = el.getAttribute(attr);
      if (value) {
        const s = `[${attr}=${quote(value)}]`;
        if (uniqueDeep(s, el)) return s;
      }
    }
    const listed = listSelector(el);
    if (listed) return within(listed.root, listed.selector);
    const byRole = roleSelector(el);
    if (byRole) return byRole;
    if (el.id && stableId(el.id, el)) {
      const s = '#' + cssIdent(el.id);
      if (uniqueDeep(s, el)) return s;
    }
    const name = el.getAttribute('name');
    if (name && /^(input|select|textarea|button)$/.test(el.localName)) {
      let s = `${el.localName}[name=${quote(name)}]`;
      if (isToggle(el) && el.getAttribute('value') != null) s += `[value=${quote(el.getAttribute('value'))}]`;
      if (uniqueDeep(s, el)) return s;
    }
    if (!isTextField(el) && !/^(select|input)$/.test(el.localName)) {
      const byText = textSelector(el);
      if (byText) return byText;
    }
    return within(el.getRootNode(), cssPath(el));
  }
  function labelOf(el) {
    const text = isTextField(el) || el.localName === 'select' ? nameOf(el) : (nameOf(el) || textOf(el));
    return text ? text.slice(0, 60) : null;
  }

  // --- what counts as a click worth a step ----------------------------------------------------------------------
  const clickListeners = new WeakSet(); // elements the page gave a click handler (not document/body delegation)
  try {
    const add = EventTarget.prototype.addEventListener;
    EventTarget.prototype.addEventListener = function addEventListener(type, listener, options) {
      try { if ((type === 'click' || type === 'mousedown' || type === 'pointerdown') && this && this.nodeType === 1) clickListeners.add(this); } catch (e) {}
      return add.apply(this, arguments);
    };
  } catch (e) { /* the page still works; only listener-based clickables are missed */ }

  const ACTIONABLE = 'a[href], area[href], button, input, select, textarea, summary, label, option, [role=button], [role=link], '
    + '[role=checkbox], [role=radio], [role=switch], [role=tab], [role=menuitem], [role=menuitemcheckbox], '
    + '[role=menuitemradio], [role=option], [role=treeitem], [onclick], [contenteditable=""], [contenteditable=true]';
  function clickable(path) {
    const elements = path.filter((n) => n && n.nodeType === 1 && n.localName !== 'html' && n.localName !== 'body');
    const semantic = elements.find((n) => { try { return n.matches(ACTIONABLE); } catch (e) { return false; } });
    if (semantic) return semantic;
    const listened = elements.find((n) => clickListeners.has(n));
    if (listened) return listened.querySelectorAll('*').length <= 30 ? listened : elements[0];
    let pointer = null;
    for (const n of elements) {
      try { if (getComputedStyle(n).cursor === 'pointer') pointer = n; else if (pointer) break; } catch (e) { break; }
    }
    return pointer;
  }

  // --- listeners ------------------------------------------------------------------------------------------------
  const known = new WeakMap(); // text field → the value last recorded (or seen on focus)
  let labelledControl = null;   // a label click forwards a click to its control

  function report(kind, el, extra, time) {
    const record = Object.assign({ kind: kind, time: time || Date.now(), url: location.href }, extra || {});
    try {
      if (el) {
        record.selector = selectorFor(el);
        record.label = labelOf(el);
      }
    } catch (e) { return; }
    deliver(record);
  }

  // A change the page dispatches itself while handling what the person did is not a step of its own: `inAction`
  // is true from the capture phase of the person's event to the end of its dispatch (a bubble-phase listener on
  // window; a posted message, should the page stop the propagation).
  let inAction = false;
  const endOfTask = new MessageChannel();
  endOfTask.port1.onmessage = () => { inAction = false; };
  function actionTask() {
    inAction = true;
    try { endOfTask.port2.postMessage(0); } catch (e) { setTimeout(() => { inAction = false; }, 0); }
  }
  function actionDispatched() { inAction = false; }

  function onClick(event) {
    if (event.isTrusted) actionTask();
    const path = event.composedPath();
    const el = clickable(path);
    if (!el) return;
    if (!event.isTrusted && el !== labelledControl) return; // the page clicking by itself
    const time = Date.now();
    if (isToggle(el)) {
      labelledControl = null;
      if (hiddenToggle(el)) return; // a styled checkbox: its label was recorded
      report('check', el, { checked: !!el.checked }, time);
      return;
    }
    if (el.localName === 'label') {
      const control = el.control;
      if (control && isToggle(control) && !hiddenToggle(control)) { labelledControl = control; return; }
      if (control && (isTextField(control) || control.localName === 'select')) return; // focuses the field
    }
    if (isTextField(el) || el.localName === 'select' || el.localName === 'option') return;
    if (el.localName === 'input' && !BUTTON_TYPES.has((el.type || '').toLowerCase())) return; // file, hidden…
    report('click', el, null, time);
  }

  function fieldOf(event) {
    const target = event.composedPath()[0];
    return target && target.nodeType === 1 ? target : null;
  }

  function onFocus(event) {
    const el = fieldOf(event);
    if (el && isTextField(el) && !el.isContentEditable && !known.has(el)) known.set(el, el.value);
  }

  function onChange(event) {
    const el = fieldOf(event);
    if (!el) return;
    // Untrusted: the page's own doing, except a <select> changed by automation (Playwright's select_option)
    if (!event.isTrusted && (el.localName !== 'select' || inAction)) return;
    const time = Date.now();
    actionTask();
    if (el.localName === 'select') {
      const option = el.selectedOptions && el.selectedOptions[0];
      report('select', el, { value: el.value, option: option ? norm(option.textContent) : null }, time);
    } else if (isTextField(el) && !el.isContentEditable) {
      if (known.get(el) === el.value) return; // already recorded (Enter)
      known.set(el, el.value);
      report('fill', el, { value: el.value, blur: true, secret: el.type === 'password' }, time);
    }
  }

  function onKeydown(event) {
    if (!event.isTrusted || event.isComposing) return;
    actionTask();
    const el = fieldOf(event);
    const time = Date.now();
    if (event.key === 'Escape') { report('press', null, { key: 'Escape' }, time); return; }
    if (event.key !== 'Enter' || !el || el.localName !== 'input' || !isTextField(el)) return;
    if (known.get(el) !== el.value) { // typed, not yet committed: the browser fires `change` right after Enter
      known.set(el, el.value);
      report('fill', el, { value: el.value, blur: false, secret: el.type === 'password' }, time - 1);
    }
    report('press', el, { key: 'Enter' }, time);
  }

  function listen(target) {
    target.addEventListener('click', onClick, { capture: true, passive: true });
    target.addEventListener('change', onChange, { capture: true, passive: true });
    target.addEventListener('keydown', onKeydown, { capture: true, passive: true });
    target.addEventListener('focusin', onFocus, { capture: true, passive: true });
  }
  listen(window);
  for (const type of ['click', 'change', 'keydown']) window.addEventListener(type, actionDispatched, { passive: true });
  // `change` does not cross shadow boundaries: listen in every shadow root as it is attached.
  try {
    const attach = Element.prototype.attachShadow;
    Element.prototype.attachShadow = function attachShadow() {
      const root = attach.apply(this, arguments);
      try { root.addEventListener('change', onChange, { capture: true, passive: true }); } catch (e) {}
      return root;
    };
  } catch (e) {}

  // Called by the recorder when it stops: text typed but never committed becomes a fill without blur.
  Object.defineProperty(window, '__caRecordFlush', {
    value: () => {
      const active = (() => { let a = document.activeElement; while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement; return a; })();
      if (active && isTextField(active) && !active.isContentEditable && known.has(active) && known.get(active) !== active.value) {
        known.set(active, active.value);
        report('fill', active, { value: active.value, blur: false, secret: active.type === 'password' });
      }
      return true;
    },
  });
  // Used by the recorder for an iframe's own selector (a step's `frame:`).
  Object.defineProperty(window, '__caRecordSelector', { value: (el) => { try { return selectorFor(el); } catch (e) { return null; } } });
})();
"""
