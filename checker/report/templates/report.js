// Filters: show findings and events of the chosen severities and action. Inline, no library, works offline.
(function () {
  'use strict';
  var form = document.getElementById('filter-form');
  if (!form) return;
  function apply() {
    var severities = Array.prototype.map.call(form.querySelectorAll('input[name=severity]:checked'), function (i) { return i.value; });
    var action = form.elements.action.value;
    var shown = 0, hidden = 0;
    document.querySelectorAll('[data-severity]').forEach(function (el) {
      var ok = severities.indexOf(el.dataset.severity) !== -1 && (!action || el.dataset.action === action);
      el.hidden = !ok;
      if (ok) { shown++; } else { hidden++; }
    });
    document.querySelectorAll('.scenario [data-action]:not([data-severity])').forEach(function (el) {
      el.hidden = !!action && el.dataset.action !== action;
    });
    document.getElementById('filter-status').textContent =
      shown + ' finding(s) shown' + (hidden ? ', ' + hidden + ' hidden by the filter' : '');
  }
  form.addEventListener('change', apply);
  apply();
})();
