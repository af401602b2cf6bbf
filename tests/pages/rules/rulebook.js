// The rulebook page (clean.html): a Case Assist form instrumented with coveoua as docs.coveo.com/en/3437 says,
// fed by the Customer Service API (classify, documents/suggest) of the test server.
// `clean.html?break=<key>` switches on ONE instrumentation bug from BREAKS, the way real pages get it wrong; the key
// is the id of the rule it breaks, or '<rule id>/<variant>'. tests/integration/test_rulebook.py drives each one.
// Loaded in <head> before _snippet.js (a breakage may change the endpoint given to coveoua('init')).
(function () {
  'use strict';
  const HUB = 'test_hub';
  const TOKEN = 'xx-test-token-7d1e'; // the one _snippet.js gives coveoua('init')
  const API = '/rest/organizations/testorg/caseassists/ca-rulebook';
  const CLICKS = ['documentSuggestionClick', 'documentSuggestionQuickview'];
  const is = (action, ...names) => names.includes(action);

  // Hooks: data(action, data) / ticket(action, ticket) / eventType(action, type) / hub(action, hub) rewrite the
  // event about to be logged; skipSetAction(action) leaves svc:setAction out; before(action) / after(action) run
  // around it. Other keys are flags the flow reads.
  const BREAKS = {
    // --- payload -----------------------------------------------------------------------------------------------
    'payload.required-action-fields': { // like Headless on a manual selection
      data: (a, d) => is(a, 'ticket_classification_click') ? omit(d, 'autoSelection') : d },
    'payload.required-action-fields/origin-context': { // the action reference calls it optional: a warning
      data: (a, d) => is(a, ...CLICKS) ? omit(d, 'originContext') : d },
    'payload.required-ticket-fields': { createBeforeId: true }, // ticket_create logged before the case exists
    'payload.field-type': { // the document's own example writes autoSelection: "false"
      data: (a, d) => is(a, 'ticket_classification_click') ? { ...d, autoSelection: 'false' } : d },
    'payload.field-type/position': { zeroBasedPositions: true }, // forEach((doc, i) => …) and i logged as is
    'payload.field-type/rate': { // the widget's 1-5 stars logged as the rate, which is between 0 and 1
      data: (a, d) => is(a, 'suggestion_rate') ? { ...d, rate: 4 } : d },
    'payload.allowed-value': { // the Event Protocol's spelling ("quit") in a UA event, which needs "Quit"
      data: (a, d) => is(a, 'ticket_cancel') ? { ...d, reason: d.reason.toLowerCase() } : d },
    'payload.deprecated-field': { // copied from the document's suggestion_rate example
      data: (a, d) => is(a, 'suggestion_rate') ? { ...d, suggestion: { ...d.suggestion, documentUriHash: 'gizDGrXcVnbV7mny' } } : d },
    'payload.deprecated-field/from-quickview': { quickviewAsSuggestionClick: true }, // the pre-2.30.45 way
    'event.type': { eventType: (a, t) => is(a, 'ticket_create_start') ? 'click' : t },
    'event.transport': { documentClickAsSvc: true }, // documentSuggestionClick through svc:setAction
    // --- actions -------------------------------------------------------------------------------------------------
    'action.unknown': { rename: { ticket_next_stage: 'ticket_next_step' } }, // a typo in the action type
    'action.deprecated': { openAsSuggestionClick: true }, // suggestion_click instead of documentSuggestionClick
    'action.missing': { skipSetAction: (a) => is(a, 'ticket_next_stage') }, // svc:setAction forgotten: ticket only
    'action.missing/same-task': { // two logs in one task: the 1st request carries the 2nd's action, the 2nd none
      after: (a) => is(a, 'ticket_classification_click') && svc('ticket_field_update', { fieldName: 'category' }) },
    // --- causal: the IDs must come from the Customer Service API answers ------------------------------------------
    'causal.classification': { // the CRM's picklist id instead of the prediction's id
      data: (a, d) => is(a, 'ticket_classification_click') ? { ...d, classificationId: 'cat-' + d.classification.value.toLowerCase() } : d },
    'causal.classification/stale-response': { staleClassify: true }, // responseId of the first classify answer
    'causal.suggestion': { // the result's uniqueId instead of its permanentid
      data: (a, d) => is(a, 'suggestion_rate') ? { ...d, suggestionId: state.suggestion.documents[d.suggestion.documentPosition - 1].uniqueId } : d },
    'causal.document-click': { staleSuggest: true }, // searchQueryUid of the first documents/suggest answer
    'causal.field-name': { fieldNameFromId: true }, // the element's id ("serial"), not its field name
    'ticket.updated-field': { logBeforeStore: true }, // the event is logged before the ticket holds the new value
    // --- the flow ------------------------------------------------------------------------------------------------
    'flow.starts-with-start': { noStart: true }, // ticket_create_start forgotten: the first event is a field update
    'flow.ends-once': { // the confirmation is logged as one more stage
      after: (a) => is(a, 'ticket_create') && later(() => svc('ticket_next_stage')) },
    'flow.ends-once/create-and-cancel': { // the form's close routine logs a cancel, even after a submit
      after: (a) => is(a, 'ticket_create') && later(() => svc('ticket_cancel', { reason: 'Quit' })) },
    'flow.single-client-id': { before: (a) => is(a, 'ticket_create') && resetVisitor() }, // a new visitor mid-flow
    'flow.client-id-stored': { // a login script stores its own visitorId once the case is created
      after: (a) => is(a, 'ticket_create') && localStorage.setItem('visitorId', '0badc0de-0000-4000-8000-00000000cafe') },
    'flow.search-hub': { // the document's click example: originLevel1 "CaseAssistFlow", another hub than the svc events'
      hub: (a, h) => is(a, ...CLICKS) ? 'CaseAssistFlow' : h },
    'flow.search-hub/missing': { hub: (a, h) => is(a, 'ticket_next_stage') ? undefined : h }, // a warning
    'flow.search-hub/unexpected': {}, // the scenario expects another hub than the page's
    'scenario.expected-event': { noNextStage: true }, // the Next button only switches the stage
    'scenario.unexpected-event': { // a selected classification is logged as a field update too (as Headless does)
      after: (a) => is(a, 'ticket_classification_click') && later(() => svc('ticket_field_update', { fieldName: 'category' })) },
    // --- what only the page's lifecycle shows ------------------------------------------------------------------
    'action.overwritten': { skipSend: (a) => is(a, 'ticket_next_stage') }, // registered, then replaced by the next log
    'page.call-failed': { misspell: (a) => is(a, 'ticket_next_stage') }, // coveoua('svc:setActoin', …), caught and logged
    'page.uncaught-error': { nextLogThrows: true }, // the Next button's logging handler reads a field the API never sent
    'flow.started-twice': { restartOnFirstChange: true }, // the interface renders again once the first field changes
    'flow.field-update-noise': { logOnInput: true }, // the description logs an update on every keystroke
    'flow.client-id-sources': { ownClientId: true }, // the API is given the CRM session's ID, not the analytics one
    // the confirmation is a page of its own, opened right after the log: the browser cancels coveoua's fetch
    'transport.cancelled-by-navigation': { navigateAtOnce: true },
    // --- transport -----------------------------------------------------------------------------------------------
    'transport.decodable': { handBuiltBeacon: true }, // a leftover hand-built beacon with a form body
    'transport.endpoint': { endpoint: 'testorg' }, // the bare organization ID as coveoua('init')'s 2nd argument
    // the sandbox organization's endpoint left in the production page: the events go to the sandbox
    'transport.organization': { endpoint: 'https://testorgsandbox.analytics.org.coveo.com' },
    // a tag manager renamed the snippet's stub to dodge a name clash: the library never replays that queue
    'library.snippet-renamed': { stub: 'caLog' },
  };

  const CRM_SESSION = '7f3c9a2e-5b1d-4e8f-a6c0-d2b4e6f80913'; // the CRM's own session ID (ownClientId)

  // `?confirm=page`: the confirmation is a page of its own, opened once the ticket_create send is answered
  const CONFIRMATION_PAGE = new URLSearchParams(location.search).get('confirm') === 'page';

  const key = new URLSearchParams(location.search).get('break') || '';
  if (key && !(key in BREAKS)) throw new Error(`rulebook.js: unknown break '${key}'`);
  const bug = BREAKS[key] || {};
  if (bug.endpoint) window.ENDPOINT = bug.endpoint;
  if (bug.stub) window.STUB = bug.stub;
  const ua = (...args) => window[bug.stub || 'coveoua'](...args); // the page's name for coveo.analytics
  const hook = (name, action, value) => (bug[name] ? bug[name](action, value) : value);

  const state = { ticket: { subject: '', description: '', category: '', custom: { channel: 'web' } },
                  classification: null, suggestion: null, firstClassifyId: null, firstSuggestId: null, round: 0 };

  // coveoua reads the registered action and ticket asynchronously, when it builds the request: a second svc event
  // logged in the same task would overwrite the first one's. A page that logs two events for one user action
  // must let the first one go out first.
  function later(log) {
    setTimeout(log, 0);
    return true;
  }

  function omit(object, name) {
    const copy = { ...object };
    delete copy[name];
    return copy;
  }

  // --- analytics ---------------------------------------------------------------------------------------------
  function ticketPayload() {
    const out = { custom: { ...state.ticket.custom } };
    for (const name of ['subject', 'description', 'category', 'id']) if (state.ticket[name]) out[name] = state.ticket[name];
    return out;
  }

  // Like many sites, the page logs through a wrapper that never lets analytics break the form.
  function safely(...args) {
    try {
      return ua(...args);
    } catch (error) {
      console.error('analytics:', error);
      return undefined;
    }
  }

  function svc(action, data, eventType) {
    action = (bug.rename || {})[action] || action;
    hook('before', action);
    const setAction = hook('misspell', action, false) ? 'svc:setActoin' : 'svc:setAction';
    if (!hook('skipSetAction', action, false)) safely(setAction, action, data === undefined ? undefined : hook('data', action, data));
    safely('svc:setTicket', hook('ticket', action, ticketPayload()));
    const hub = hook('hub', action, HUB);
    let sent;
    if (!hook('skipSend', action, false)) {
      sent = safely('send', 'event', 'svc', hook('eventType', action, eventType || 'click'), hub ? { searchHub: hub } : {});
    }
    hook('after', action);
    return sent; // coveo.analytics' promise of the request
  }

  function visitorId() {
    return localStorage.getItem('visitorId') || '';
  }

  function position(index) {
    return bug.zeroBasedPositions ? index : index + 1;
  }

  function queryUid() {
    return bug.staleSuggest ? state.firstSuggestId : state.suggestion.responseId;
  }

  function documentClick(actionCause, doc, index) {
    const payload = {
      anonymous: false, clientId: visitorId(), actionCause: actionCause, documentPosition: position(index),
      documentTitle: doc.title, documentUrl: doc.clickUri, language: 'en', originContext: 'CaseAssist',
      originLevel1: hook('hub', actionCause, HUB), originLevel2: 'default', searchQueryUid: queryUid(),
      sourceName: doc.fields.source, userAgent: navigator.userAgent,
      customData: { contentIDKey: 'permanentid', contentIDValue: doc.fields.permanentid },
    };
    if (bug.documentClickAsSvc) {
      const { anonymous, customData, ...fields } = payload;
      svc(actionCause, { ...fields, ...customData });
      return;
    }
    ua('send', 'click', hook('data', actionCause, payload));
  }

  function suggestionData(doc, index) {
    return {
      suggestionId: doc.fields.permanentid, responseId: state.suggestion.responseId,
      suggestion: { documentTitle: doc.title, documentUrl: doc.clickUri, documentPosition: position(index) },
    };
  }

  function resetVisitor() { // "start clean": storage cleared and the library initialised again
    localStorage.removeItem('visitorId');
    ua('init', TOKEN, window.ENDPOINT || 'https://testorg.analytics.org.coveo.com');
  }

  // --- Customer Service API ----------------------------------------------------------------------------------
  async function ask(endpoint) {
    const fields = {};
    for (const name of ['subject', 'description']) if (state.ticket[name]) fields[name] = { value: state.ticket[name] };
    const response = await fetch(`${API}/${endpoint}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ clientId: bug.ownClientId ? CRM_SESSION : visitorId(), locale: 'en', fields: fields }),
    });
    return response.json();
  }

  async function refresh() {
    const mine = ++state.round;
    const [classification, suggestion] = await Promise.all([ask('classify'), ask('documents/suggest')]);
    if (mine === 1) Object.assign(state, { firstClassifyId: classification.responseId, firstSuggestId: suggestion.responseId });
    if (mine !== state.round) return; // a newer refresh is under way: never show stale suggestions
    Object.assign(state, { classification, suggestion });
    renderClassifications(classification.fields.category.predictions);
    renderDocuments(suggestion.documents);
    $('suggestions').dataset.round = String(mine);
  }

  // --- user actions ------------------------------------------------------------------------------------------
  function onFieldChange(name, value) {
    const fieldName = name === 'serialNumber' && bug.fieldNameFromId ? 'serial' : name;
    const store = () => {
      if (name === 'serialNumber') state.ticket.custom[fieldName] = value; // not a standard ticket field
      else state.ticket[name] = value;
    };
    if (!bug.logBeforeStore) store();
    svc('ticket_field_update', { fieldName: fieldName });
    if (bug.logBeforeStore) store();
  }

  function selectClassification(prediction) {
    state.ticket.category = prediction.value;
    $('category').value = prediction.value;
    svc('ticket_classification_click', {
      classificationId: prediction.id,
      responseId: bug.staleClassify ? state.firstClassifyId : state.classification.responseId,
      fieldName: 'category',
      classification: { value: prediction.value, confidence: prediction.confidence },
      autoSelection: false,
    });
  }

  function open(doc, index) {
    if (bug.openAsSuggestionClick) svc('suggestion_click', suggestionData(doc, index));
    else documentClick('documentSuggestionClick', doc, index);
  }

  function quickView(doc, index) {
    if (bug.quickviewAsSuggestionClick) {
      const data = suggestionData(doc, index);
      svc('suggestion_click', { ...data, suggestion: { ...data.suggestion, fromQuickview: true } });
    } else {
      documentClick('documentSuggestionQuickview', doc, index);
    }
    $('quickview').textContent = doc.excerpt;
    $('quickview').hidden = false;
  }

  function rate(doc, index) {
    svc('suggestion_rate', { rate: 1, ...suggestionData(doc, index) });
  }

  function logNextStage() {
    if (bug.nextLogThrows) {
      const product = state.classification.fields.product.predictions[0]; // no product field in this configuration
      svc('ticket_next_stage', { product: product.value });
      return;
    }
    if (!bug.noNextStage) svc('ticket_next_stage');
  }

  function next() { // the UI's own handler: a second listener, so the logging one cannot stop it
    $('review').textContent = `${state.ticket.subject} (${state.ticket.category})`;
    $('stage-1').hidden = true;
    $('stage-2').hidden = false;
  }

  async function submit() {
    if (bug.createBeforeId) svc('ticket_create');
    state.ticket.id = await createCase();
    const sent = bug.createBeforeId ? undefined : svc('ticket_create');
    if (bug.navigateAtOnce || CONFIRMATION_PAGE) {
      if (!bug.navigateAtOnce) await sent; // the clean way: the event is on its way before the page goes
      location.href = `/pages/rules/confirmation.html?case=${state.ticket.id}`;
      return;
    }
    if (bug.handBuiltBeacon) {
      navigator.sendBeacon('https://testorg.analytics.org.coveo.com/rest/v15/analytics/collect',
        `svc_action=ticket_create&id=${state.ticket.id}`);
    }
    $('confirmation').textContent = `Case ${state.ticket.id} created`;
    $('confirmation').hidden = false;
  }

  function createCase() { // stands for the CRM call that creates the case
    return new Promise((resolve) => setTimeout(() => resolve('5003000000D8cuI'), 20));
  }

  function cancel(reason) {
    svc('ticket_cancel', { reason: reason });
    $('cancelled').textContent = `Cancelled: ${reason}`;
    $('cancelled').hidden = false;
  }

  // --- rendering ---------------------------------------------------------------------------------------------
  function $(id) {
    return document.getElementById(id);
  }

  function button(text, className, onClick) {
    const el = document.createElement('button');
    el.type = 'button';
    el.textContent = text;
    el.className = className;
    el.addEventListener('click', onClick);
    return el;
  }

  function renderClassifications(predictions) {
    $('classifications').replaceChildren(...predictions.map((p) =>
      button(`${p.value} (${Math.round(p.confidence * 100)}%)`, 'prediction', () => selectClassification(p))));
  }

  function renderDocuments(documents) {
    $('suggestions').replaceChildren(...documents.map((doc, index) => {
      const item = document.createElement('li');
      item.append(button(doc.title, 'open', () => open(doc, index)),
                  button('Quick view', 'quickview', () => quickView(doc, index)),
                  button('Helpful', 'rate', () => rate(doc, index)));
      return item;
    }));
  }

  function start() {
    let changes = 0;
    const field = (id, name) => $(id).addEventListener('change', () => {
      if (!(bug.logOnInput && name === 'description')) onFieldChange(name, $(id).value.trim());
      if (name === 'subject' || name === 'description') refresh();
      if (bug.restartOnFirstChange && ++changes === 1) later(() => svc('ticket_create_start', undefined, 'flowStart'));
    });
    if (bug.logOnInput) $('description').addEventListener('input', () => onFieldChange('description', $('description').value.trim()));
    field('subject', 'subject');
    field('description', 'description');
    field('category', 'category');
    field('serial', 'serialNumber');
    $('next').addEventListener('click', logNextStage);
    $('next').addEventListener('click', next);
    $('submit').addEventListener('click', submit);
    $('solved').addEventListener('click', () => cancel('Solved'));
    $('cancel').addEventListener('click', () => cancel('Quit'));
    if (!bug.noStart) svc('ticket_create_start', undefined, 'flowStart');
  }

  document.addEventListener('DOMContentLoaded', start);
})();
