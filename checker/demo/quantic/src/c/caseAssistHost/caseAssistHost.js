// The host a Salesforce site builds around Quantic's Case Assist components (Quantic has no subject/description
// inputs nor flow buttons): it dispatches Headless case-input and analytics actions on the engine the
// interface shares, as Coveo's Case Assist cookbook does. config (from the demo server): engineId, caseAssistId,
// searchHub, bugs (names, see checker/demo/quantic/serve.py), secondInterfaceUrl (the second-interface bug).
import {LightningElement, api} from 'lwc';
import {
  getHeadlessBundle,
  initializeWithHeadless,
  registerComponentForInit,
} from 'c/quanticHeadlessLoader';

const TYPING_PAUSE_MS = 500; // a field is committed when typing pauses, or at once when it loses focus

export default class CaseAssistHost extends LightningElement {
  @api config;

  stage = 'describe'; // describe → review → created; or describe → solved
  subject = '';
  description = '';
  category = '';
  caseNumber;
  creating = false;
  errorMessage;
  committed = {subject: '', description: ''}; // what the case inputs hold
  timers = {};

  connectedCallback() {
    registerComponentForInit(this, this.engineId);
  }

  renderedCallback() {
    initializeWithHeadless(this, this.engineId, this.initialize);
  }

  disconnectedCallback() {
    Object.values(this.timers).forEach(clearTimeout);
  }

  initialize = (engine) => {
    const headless = getHeadlessBundle(this.engineId);
    this.engine = engine;
    this.actions = {
      ...headless.loadCaseAssistAnalyticsActions(engine),
      ...headless.loadCaseInputActions(engine),
      ...headless.loadCaseFieldActions(engine),
      ...headless.loadDocumentSuggestionActions(engine),
    };
    ['subject', 'description'].forEach((field) => this.commit(field)); // typed before the engine was ready
  };

  // --- configuration --------------------------------------------------------------------------------
  get engineId() {
    return this.config.engineId;
  }

  get caseAssistId() {
    return this.config.caseAssistId;
  }

  get searchHub() {
    return this.config.searchHub;
  }

  get secondInterfaceUrl() {
    return this.config.secondInterfaceUrl;
  }

  bug(name) {
    return (this.config.bugs || []).includes(name);
  }

  // --- stages ---------------------------------------------------------------------------------------
  get isDescribeStage() {
    return this.stage === 'describe';
  }

  get isReviewStage() {
    return this.stage === 'review';
  }

  get isCreated() {
    return this.stage === 'created';
  }

  get isSolved() {
    return this.stage === 'solved';
  }

  get showSuggestions() {
    return this.stage === 'describe' || this.stage === 'review';
  }

  get describeStepClass() {
    return this.stepClass(this.isDescribeStage ? 'current' : 'done');
  }

  get reviewStepClass() {
    return this.stepClass(this.isDescribeStage ? 'todo' : this.isReviewStage ? 'current' : 'done');
  }

  stepClass(state) {
    const states = {current: 'slds-is-current slds-is-active', done: 'slds-is-complete', todo: 'slds-is-incomplete'};
    return `slds-path__item ${states[state]}`;
  }

  // --- the fields -----------------------------------------------------------------------------------
  handleSubjectChange(event) {
    this.subject = event.target.value;
    this.commitLater('subject');
  }

  handleDescriptionChange(event) {
    this.description = event.target.value;
    this.commitLater('description');
  }

  handleFieldBlur(event) {
    this.commit(event.target.dataset.field);
  }

  commitLater(field) {
    clearTimeout(this.timers[field]);
    this.timers[field] = setTimeout(() => this.commit(field), TYPING_PAUSE_MS);
  }

  /** The field's value into the case inputs, its update logged, then new classifications and suggestions. */
  commit(field) {
    clearTimeout(this.timers[field]);
    const value = (this[field] || '').trim();
    if (!this.engine || this.committed[field] === value) return;
    this.committed[field] = value;
    this.engine.dispatch(this.actions.updateCaseInput({fieldName: field, fieldValue: value}));
    this.engine.dispatch(this.actions.logUpdateCaseField(field));
    this.engine.dispatch(this.actions.fetchCaseClassifications());
    this.engine.dispatch(this.actions.fetchDocumentSuggestions());
  }

  // --- the buttons ----------------------------------------------------------------------------------
  handleNext() {
    ['subject', 'description'].forEach((field) => this.commit(field));
    const classification = this.template.querySelector('c-quantic-case-classification');
    this.category = classification?.value || '';
    this.engine.dispatch(this.actions.logCaseNextStage({stageName: 'Review'}));
    this.stage = 'review';
  }

  handleSolved() {
    this.engine.dispatch(this.bug('solved-as-quit') ? this.actions.logAbandonCase() : this.actions.logSolveCase());
    this.stage = 'solved';
  }

  async handleCreate() {
    this.creating = true;
    this.errorMessage = undefined;
    try {
      const response = await fetch('/api/cases', {
        method: 'POST',
        headers: {'Content-Type': 'application/json'},
        body: JSON.stringify({subject: this.subject, description: this.description, category: this.category}),
      });
      if (!response.ok) throw new Error(`the case could not be created (${response.status})`);
      const {id} = await response.json();
      if (!this.bug('create-without-id')) {
        this.engine.dispatch(this.actions.updateCaseInput({fieldName: 'id', fieldValue: id}));
      }
      if (!this.bug('create-not-logged')) {
        this.engine.dispatch(this.actions.logCreateCase());
      }
      this.caseNumber = id;
      this.stage = 'created';
    } catch (error) {
      this.errorMessage = error.message;
    } finally {
      this.creating = false;
    }
  }
}
