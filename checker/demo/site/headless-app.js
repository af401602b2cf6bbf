// The same Case Assist page built on Coveo Headless (@coveo/headless case-assist bundle): the engine calls the
// Customer Service API and logs every event itself. DEMO_CONFIG.analyticsMode picks the analytics client:
// 'legacy' (coveo.analytics: svc collect events and click beacons) or 'next' (Event Protocol through Relay).
// Nothing here works around what Headless sends: whatever it gets wrong is for the checker to report.
(function () {
  'use strict';
  const cfg = window.DEMO_CONFIG;
  const ui = window.CaseAssistUI;
  const $ = ui.$;
  const {
    buildCaseAssistEngine, buildCaseInput, buildCaseField, buildDocumentSuggestionList, buildInteractiveResult,
    buildQuickview, loadCaseAssistAnalyticsActions, loadCaseInputActions, loadCaseFieldActions,
    loadDocumentSuggestionActions,
  } = window.CoveoHeadlessCaseAssist;

  const analytics = { analyticsMode: cfg.analyticsMode };
  if (cfg.trackingId) analytics.trackingId = cfg.trackingId;
  // Only when the site sends analytics somewhere else than the org's own endpoint (serve-demo's collector).
  if (cfg.analyticsProxyBaseUrl) analytics.proxyBaseUrl = cfg.analyticsProxyBaseUrl;

  const engine = buildCaseAssistEngine({
    configuration: {
      organizationId: cfg.organizationId,
      accessToken: cfg.token,
      caseAssistId: cfg.caseAssistId,
      searchHub: cfg.searchHub,
      locale: 'en',
      proxyBaseUrl: window.location.origin, // the site's own Customer Service API (service_api.py)
      analytics: analytics,
    },
  });
  window.demoEngine = engine; // for people poking at the demo in devtools

  const caseAssist = loadCaseAssistAnalyticsActions(engine);
  const subject = buildCaseInput(engine, { options: { field: 'subject' } });
  const description = buildCaseInput(engine, { options: { field: 'description' } });
  const category = buildCaseField(engine, { options: { field: 'category' } });
  const documentList = buildDocumentSuggestionList(engine);

  // --- rendering from the engine's state (only when what is shown changed) ---------------------------
  let shownPredictions = null;
  category.subscribe(() => {
    const predictions = category.state.suggestions;
    if (predictions !== shownPredictions) {
      shownPredictions = predictions;
      ui.renderChips(predictions, (prediction) => selectCategory(prediction.value));
    }
    if ($('category').value !== category.state.value) $('category').value = category.state.value;
  });

  let shownDocuments = null;
  documentList.subscribe(() => {
    const documents = documentList.state.documents;
    if (documents !== shownDocuments) {
      shownDocuments = documents;
      ui.renderDocuments(documents, { open: openDocument, quickView: quickView, rate: rate });
    }
  });

  // --- user actions ---------------------------------------------------------------------------------
  function selectCategory(value) {
    // CaseField.update logs ticket_classification_click itself when the value is one of its suggestions.
    category.update(value);
  }

  function openDocument(doc) {
    buildInteractiveResult(engine, { options: { result: doc } }).select();
  }

  function quickView(doc) {
    // The quick view shows the excerpt we already have; the controller is what logs the event.
    buildQuickview(engine, { options: { result: doc, onlyContentURL: true } }).fetchResultContent();
    ui.openQuickview(doc);
  }

  function rate(doc, position, value) {
    engine.dispatch(caseAssist.logDocumentSuggestionRating(doc.uniqueId, value));
    ui.disableRating(position);
  }

  function ticket() {
    return { subject: subject.state.value, description: description.state.value, category: category.state.value };
  }

  function toReview() {
    engine.dispatch(caseAssist.logCaseNextStage());
    ui.renderReview(ticket());
    ui.showReviewStage();
  }

  async function submit() {
    const id = await ui.createCase(ticket());
    // Headless takes the ticket id from the case inputs: without this, ticket_create carries no id.
    engine.dispatch(loadCaseInputActions(engine).updateCaseInput({ fieldName: 'id', fieldValue: id }));
    engine.dispatch(caseAssist.logCreateCase());
    ui.showConfirmation(id);
  }

  function cancel(reason) {
    engine.dispatch(reason === 'Solved' ? caseAssist.logSolveCase() : caseAssist.logAbandonCase());
    ui.showCancelled(reason);
  }

  // --- wiring ---------------------------------------------------------------------------------------
  // Headless keeps whichever suggestions answer comes back last; a quick subject-then-description would let a slow
  // answer for the subject alone replace the newer one. Like real pages, wait until typing stops before fetching.
  let fetchTimer = null;
  function updateThenFetch(input, field) {
    input.update($(field).value.trim());
    clearTimeout(fetchTimer);
    fetchTimer = setTimeout(() => {
      engine.dispatch(loadCaseFieldActions(engine).fetchCaseClassifications());
      engine.dispatch(loadDocumentSuggestionActions(engine).fetchDocumentSuggestions());
    }, 250);
  }
  $('subject').addEventListener('change', () => updateThenFetch(subject, 'subject'));
  $('description').addEventListener('change', () => updateThenFetch(description, 'description'));
  $('category').addEventListener('change', () => selectCategory($('category').value));
  $('next').addEventListener('click', toReview);
  $('submit').addEventListener('click', submit);
  $('cancel').addEventListener('click', () => cancel('Quit'));
  $('solved').addEventListener('click', () => cancel('Solved'));
  $('quickview-close').addEventListener('click', ui.closeQuickview);

  engine.dispatch(caseAssist.logCaseStart());
})();
