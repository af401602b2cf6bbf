// The demo's Case Assist form, without any analytics: rendering and stage changes shared by every variant
// (app.js: the coveoua snippet; headless-app.js: Coveo Headless). Element ids and classes are what the
// scenarios in scenarios/demo/ drive, so every variant must keep them.
window.CaseAssistUI = (function () {
  'use strict';
  const $ = (id) => document.getElementById(id);

  // Classification chips: predictions are {id, value, confidence}, highest confidence first.
  function renderChips(predictions, onSelect) {
    const box = $('classifications');
    box.querySelectorAll('button').forEach((b) => b.remove());
    predictions.forEach((prediction) => {
      const chip = document.createElement('button');
      chip.type = 'button';
      chip.className = 'chip';
      chip.textContent = prediction.value;
      chip.dataset.classificationId = prediction.id;
      chip.addEventListener('click', () => onSelect(prediction));
      box.appendChild(chip);
    });
    box.hidden = predictions.length === 0;
  }

  // Document suggestions (Customer Service API shape); on = {open, quickView, rate}(doc, position[, value]).
  function renderDocuments(documents, on) {
    const list = $('documents');
    list.textContent = '';
    documents.forEach((doc, i) => list.appendChild(documentItem(doc, i + 1, on)));
    $('suggestions').hidden = documents.length === 0;
  }

  function documentItem(doc, position, on) {
    const item = document.createElement('li');
    item.className = 'document';
    item.dataset.position = String(position);
    const link = document.createElement('a');
    link.href = doc.clickUri;
    link.target = '_blank';
    link.className = 'doc-title';
    link.textContent = doc.title;
    link.addEventListener('click', () => on.open(doc, position));
    const excerpt = document.createElement('p');
    excerpt.textContent = doc.excerpt;
    const tools = document.createElement('div');
    tools.className = 'doc-tools';
    tools.append(
      button('Quick view', 'quickview-button', () => on.quickView(doc, position)),
      button('Helpful', 'rate-up', () => on.rate(doc, position, 1)),
      button('Not helpful', 'rate-down', () => on.rate(doc, position, 0)),
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

  function disableRating(position) {
    document.querySelectorAll(`.document[data-position="${position}"] .rate-up, .document[data-position="${position}"] .rate-down`)
      .forEach((b) => (b.disabled = true));
  }

  function openQuickview(doc) {
    $('quickview-title').textContent = doc.title;
    $('quickview-excerpt').textContent = doc.excerpt;
    $('quickview').showModal();
  }

  function closeQuickview() {
    $('quickview').close();
  }

  // Stage 2: the review list ({subject, description, category}) and its buttons.
  function renderReview(ticket) {
    const review = $('review');
    review.textContent = '';
    for (const key of ['subject', 'description', 'category']) {
      const dt = document.createElement('dt');
      dt.textContent = key;
      const dd = document.createElement('dd');
      dd.textContent = ticket[key] || '—';
      review.append(dt, dd);
    }
  }

  function showReviewStage() {
    if ($('stage-1')) $('stage-1').hidden = true;
    $('stage-2').hidden = false;
    if ($('stage-label-1')) $('stage-label-1').classList.remove('current');
    $('stage-label-2').classList.add('current');
  }

  function showConfirmation(caseId) {
    $('stage-2').hidden = true;
    $('case-id').textContent = caseId;
    $('confirmation').hidden = false;
  }

  function showCancelled(reason) {
    if ($('stage-1')) $('stage-1').hidden = true;
    $('stage-2').hidden = true;
    $('cancelled-text').textContent = reason === 'Solved' ? 'Glad the article helped!' : 'You left the case form.';
    $('cancelled').hidden = false;
  }

  // The case itself is created by the site's own back end, never by Coveo.
  async function createCase(ticket) {
    const response = await fetch('/api/cases', { method: 'POST', body: JSON.stringify(ticket) });
    return (await response.json()).id;
  }

  return {
    $, renderChips, renderDocuments, disableRating, openQuickview, closeQuickview,
    renderReview, showReviewStage, showConfirmation, showCancelled, createCase,
  };
})();
