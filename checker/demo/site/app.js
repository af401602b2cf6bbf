// A hand-written Case Assist page, instrumented with coveoua as docs.coveo.com/en/3437 describes.
// Under /broken/ it ships real instrumentation bugs (BUGS below) so the checker has something to find.
// Under /multipage/ the review stage is a second page (review.html): the ticket travels in sessionStorage and
// that page logs ticket_next_stage when it loads. The form itself (rendering, stages) is ui.js.
(function () {
  'use strict';
  const cfg = window.DEMO_CONFIG;
  const ui = window.CaseAssistUI;
  const $ = ui.$;
  const broken = cfg.variant === 'broken';
  const bug = (name) => broken && (!cfg.bugs || cfg.bugs.includes(name)); // `demo --broken --bugs …` picks some
  const multipage = cfg.variant === 'multipage';
  const BUGS = {
    flowStartAsClick: bug('flowStartAsClick'), // ticket_create_start sent as a 'click' event instead of 'flowStart'
    descriptionWithoutFieldName: bug('descriptionWithoutFieldName'), // ticket_field_update for the description has no fieldName
    deprecatedSuggestionClick: bug('deprecatedSuggestionClick'), // opening an article logs the deprecated suggestion_click
    noNextStage: bug('noNextStage'), // moving to the review stage logs nothing
    clientIdReset: bug('clientIdReset'), // storage cleared and the library re-initialised before submit
    createWithoutId: bug('createWithoutId'), // ticket_create without the created case's id
    inventedAction: bug('inventedAction'), // closing the quick view logs an action type the protocol doesn't have
    handRolledBeacon: bug('handRolledBeacon'), // a leftover hand-built beacon with a form body the collector can't read
  };
  const TICKET_KEY = 'demoCaseAssistTicket'; // multipage: the ticket carried from the form to the review page
  const apiBase = `/rest/organizations/${cfg.organizationId}/caseassists/${cfg.caseAssistId}`;
  const ticket = { subject: '', description: '', category: '', custom: { channel: 'web' } };
  let classification = null; // last classify answer
  let suggestion = null;     // last documents/suggest answer

  // --- analytics -----------------------------------------------------------------------------------
  function ticketPayload() {
    const out = { custom: ticket.custom };
    for (const key of ['subject', 'description', 'category', 'id']) if (ticket[key]) out[key] = ticket[key];
    return out;
  }

  function logSvc(action, data, eventType) {
    coveoua('svc:setAction', action, data);
    coveoua('svc:setTicket', ticketPayload());
    coveoua('send', 'event', 'svc', eventType || 'click', { searchHub: cfg.searchHub });
  }

  function clientId() {
    try { return localStorage.getItem('visitorId') || ''; } catch (e) { return ''; }
  }

  function logDocumentClick(actionCause, doc, position) {
    coveoua('send', 'click', {
      anonymous: false,
      clientId: clientId(),
      actionCause: actionCause,
      documentPosition: position,
      documentTitle: doc.title,
      documentUrl: doc.clickUri,
      language: 'en',
      originContext: 'CaseAssist',
      originLevel1: cfg.searchHub,
      originLevel2: 'default',
      searchQueryUid: suggestion.responseId,
      sourceName: doc.fields.source,
      userAgent: navigator.userAgent,
      customData: { contentIDKey: 'permanentid', contentIDValue: doc.fields.permanentid },
    });
  }

  function suggestionData(doc, position) {
    return {
      suggestionId: doc.fields.permanentid,
      responseId: suggestion.responseId,
      suggestion: { documentTitle: doc.title, documentUrl: doc.clickUri, documentPosition: position },
    };
  }

  // --- Customer Service API --------------------------------------------------------------------------
  async function callApi(endpoint) {
    const fields = {};
    for (const key of ['subject', 'description']) if (ticket[key]) fields[key] = { value: ticket[key] };
    const response = await fetch(`${apiBase}/${endpoint}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${cfg.token}` },
      body: JSON.stringify({ clientId: clientId(), locale: 'en', fields: fields }),
    });
    return response.json();
  }

  let refreshes = 0;
  async function refreshSuggestions() {
    if (!ticket.subject && !ticket.description) return;
    const mine = ++refreshes;
    const answers = await Promise.all([callApi('classify'), callApi('documents/suggest')]);
    if (mine !== refreshes) return; // a newer refresh is under way: never show stale suggestions
    [classification, suggestion] = answers;
    ui.renderChips(classification.fields.category.predictions, selectClassification);
    ui.renderDocuments(suggestion.documents, { open: openDocument, quickView: quickView, rate: rate });
  }

  // --- user actions ---------------------------------------------------------------------------------
  function onFieldChange(name) {
    ticket[name] = $(name).value.trim();
    const data = name === 'description' && BUGS.descriptionWithoutFieldName ? {} : { fieldName: name };
    logSvc('ticket_field_update', data);
    refreshSuggestions();
  }

  function selectClassification(prediction) {
    ticket.category = prediction.value;
    $('category').value = prediction.value;
    logSvc('ticket_classification_click', {
      classificationId: prediction.id,
      responseId: classification.responseId,
      fieldName: 'category',
      classification: { value: prediction.value, confidence: prediction.confidence },
      autoSelection: false,
    });
  }

  function openDocument(doc, position) {
    if (BUGS.deprecatedSuggestionClick) {
      logSvc('suggestion_click', suggestionData(doc, position));
    } else {
      logDocumentClick('documentSuggestionClick', doc, position);
    }
  }

  function quickView(doc, position) {
    logDocumentClick('documentSuggestionQuickview', doc, position);
    ui.openQuickview(doc);
  }

  function rate(doc, position, value) {
    logSvc('suggestion_rate', Object.assign({ rate: value }, suggestionData(doc, position)));
    ui.disableRating(position);
  }

  function toReview() {
    if (multipage) { // the review stage is another page, which logs ticket_next_stage when it loads
      sessionStorage.setItem(TICKET_KEY, JSON.stringify(ticket));
      location.assign('review');
      return;
    }
    if (!BUGS.noNextStage) logSvc('ticket_next_stage');
    ui.renderReview(ticket);
    ui.showReviewStage();
  }

  async function submit() {
    const id = await ui.createCase(ticketPayload());
    if (!BUGS.createWithoutId) ticket.id = id;
    if (BUGS.clientIdReset) {
      localStorage.removeItem('visitorId');
      document.cookie = 'coveo_visitorId=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/';
      coveoua('init', cfg.token, cfg.analyticsEndpoint);
    }
    logSvc('ticket_create');
    sessionStorage.removeItem(TICKET_KEY);
    ui.showConfirmation(id);
  }

  function cancel(reason) {
    logSvc('ticket_cancel', { reason: reason });
    if (BUGS.handRolledBeacon) {
      navigator.sendBeacon(`${cfg.analyticsEndpoint}/rest/v15/analytics/collect`, `svc_action=ticket_cancel&reason=${reason}`);
    }
    sessionStorage.removeItem(TICKET_KEY);
    ui.showCancelled(reason);
  }

  // --- wiring ---------------------------------------------------------------------------------------
  $('submit').addEventListener('click', submit);
  $('cancel').addEventListener('click', () => cancel('Quit'));

  if (document.body.dataset.page === 'review') { // multipage, second page: the flow goes on
    Object.assign(ticket, JSON.parse(sessionStorage.getItem(TICKET_KEY) || '{}'));
    logSvc('ticket_next_stage');
    ui.renderReview(ticket);
    return;
  }

  $('subject').addEventListener('change', () => onFieldChange('subject'));
  $('description').addEventListener('change', () => onFieldChange('description'));
  $('category').addEventListener('change', () => {
    ticket.category = $('category').value;
    logSvc('ticket_field_update', { fieldName: 'category' });
  });
  $('next').addEventListener('click', toReview);
  $('solved').addEventListener('click', () => cancel('Solved'));
  $('quickview-close').addEventListener('click', () => {
    if (BUGS.inventedAction) logSvc('ticket_quickview_close');
    ui.closeQuickview();
  });

  logSvc('ticket_create_start', undefined, BUGS.flowStartAsClick ? 'click' : 'flowStart');
})();
