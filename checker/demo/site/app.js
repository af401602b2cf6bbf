// A hand-written Case Assist page, instrumented with coveoua as docs.coveo.com/en/3437 describes.
// Under /broken/ it ships real instrumentation bugs (BUGS below) so the checker has something to find.
(function () {
  'use strict';
  const cfg = window.DEMO_CONFIG;
  const broken = cfg.variant === 'broken';
  const BUGS = {
    flowStartAsClick: broken,           // ticket_create_start sent as a 'click' event instead of 'flowStart'
    descriptionWithoutFieldName: broken, // ticket_field_update for the description has no fieldName
    deprecatedSuggestionClick: broken,   // opening an article logs the deprecated suggestion_click
    noNextStage: broken,                 // moving to the review stage logs nothing
    clientIdReset: broken,               // storage cleared and the library re-initialised before submit
    createWithoutId: broken,             // ticket_create without the created case's id
    inventedAction: broken,              // closing the quick view logs an action type the protocol doesn't have
    handRolledBeacon: broken,            // a leftover hand-built beacon with a form body the collector can't read
  };
  const apiBase = `/rest/organizations/${cfg.organizationId}/caseassists/${cfg.caseAssistId}`;
  const ticket = { subject: '', description: '', category: '', custom: { channel: 'web' } };
  let classification = null; // last classify answer
  let suggestion = null;     // last documents/suggest answer
  const $ = (id) => document.getElementById(id);

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
    renderClassifications();
    renderDocuments();
  }

  // --- rendering --------------------------------------------------------------------------------------
  function renderClassifications() {
    const box = $('classifications');
    box.querySelectorAll('button').forEach((b) => b.remove());
    const predictions = classification.fields.category.predictions;
    predictions.forEach((p) => {
      const chip = document.createElement('button');
      chip.type = 'button';
      chip.className = 'chip';
      chip.textContent = p.value;
      chip.dataset.classificationId = p.id;
      chip.addEventListener('click', () => selectClassification(p));
      box.appendChild(chip);
    });
    box.hidden = predictions.length === 0;
  }

  function renderDocuments() {
    const list = $('documents');
    list.textContent = '';
    suggestion.documents.forEach((doc, i) => list.appendChild(documentItem(doc, i + 1)));
    $('suggestions').hidden = suggestion.documents.length === 0;
  }

  function documentItem(doc, position) {
    const item = document.createElement('li');
    item.className = 'document';
    item.dataset.position = String(position);
    const link = document.createElement('a');
    link.href = doc.clickUri;
    link.target = '_blank';
    link.className = 'doc-title';
    link.textContent = doc.title;
    link.addEventListener('click', () => openDocument(doc, position));
    const excerpt = document.createElement('p');
    excerpt.textContent = doc.excerpt;
    const tools = document.createElement('div');
    tools.className = 'doc-tools';
    tools.append(
      button('Quick view', 'quickview-button', () => quickView(doc, position)),
      button('Helpful', 'rate-up', () => rate(doc, position, 1)),
      button('Not helpful', 'rate-down', () => rate(doc, position, 0)),
    );
    item.append(link, excerpt, tools);
    return item;
  }

  function button(text, cls, onClick) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = `small ${cls}`;
    b.textContent = text;
    b.addEventListener('click', onClick);
    return b;
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
    $('quickview-title').textContent = doc.title;
    $('quickview-excerpt').textContent = doc.excerpt;
    $('quickview').showModal();
  }

  function rate(doc, position, value) {
    logSvc('suggestion_rate', Object.assign({ rate: value }, suggestionData(doc, position)));
    document.querySelectorAll(`.document[data-position="${position}"] .rate-up, .document[data-position="${position}"] .rate-down`).forEach((b) => (b.disabled = true));
  }

  function toReview() {
    if (!BUGS.noNextStage) logSvc('ticket_next_stage');
    const review = $('review');
    review.textContent = '';
    for (const key of ['subject', 'description', 'category']) {
      const dt = document.createElement('dt');
      dt.textContent = key;
      const dd = document.createElement('dd');
      dd.textContent = ticket[key] || '—';
      review.append(dt, dd);
    }
    $('stage-1').hidden = true;
    $('stage-2').hidden = false;
    $('stage-label-1').classList.remove('current');
    $('stage-label-2').classList.add('current');
  }

  async function submit() {
    const response = await fetch('/api/cases', { method: 'POST', body: JSON.stringify(ticketPayload()) });
    const created = await response.json();
    if (!BUGS.createWithoutId) ticket.id = created.id;
    if (BUGS.clientIdReset) {
      localStorage.removeItem('visitorId');
      document.cookie = 'coveo_visitorId=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/';
      coveoua('init', cfg.token, cfg.analyticsEndpoint);
    }
    logSvc('ticket_create');
    $('stage-2').hidden = true;
    $('case-id').textContent = created.id;
    $('confirmation').hidden = false;
  }

  function cancel(reason) {
    logSvc('ticket_cancel', { reason: reason });
    if (BUGS.handRolledBeacon) {
      navigator.sendBeacon(`${cfg.analyticsEndpoint}/rest/v15/analytics/collect`, `svc_action=ticket_cancel&reason=${reason}`);
    }
    $('stage-1').hidden = true;
    $('stage-2').hidden = true;
    $('cancelled-text').textContent = reason === 'Solved' ? 'Glad the article helped!' : 'You left the case form.';
    $('cancelled').hidden = false;
  }

  // --- wiring ---------------------------------------------------------------------------------------
  $('subject').addEventListener('change', () => onFieldChange('subject'));
  $('description').addEventListener('change', () => onFieldChange('description'));
  $('category').addEventListener('change', () => {
    ticket.category = $('category').value;
    logSvc('ticket_field_update', { fieldName: 'category' });
  });
  $('next').addEventListener('click', toReview);
  $('submit').addEventListener('click', submit);
  $('cancel').addEventListener('click', () => cancel('Quit'));
  $('solved').addEventListener('click', () => cancel('Solved'));
  $('quickview-close').addEventListener('click', () => {
    if (BUGS.inventedAction) logSvc('ticket_quickview_close');
    $('quickview').close();
  });

  logSvc('ticket_create_start', undefined, BUGS.flowStartAsClick ? 'click' : 'flowStart');
})();
