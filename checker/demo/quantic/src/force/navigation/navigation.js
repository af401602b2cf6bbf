// Stub of Salesforce's force/navigation (lightning/navigation re-exports it): NavigationMixin with Navigate and
// GenerateUrl. Records open under /s/detail/<id>, as on an Experience Cloud site.
const Navigate = Symbol('Navigate');
const GenerateUrl = Symbol('GenerateUrl');

function urlOf(pageReference) {
  const recordId = pageReference?.attributes?.recordId;
  if (recordId) return `/s/detail/${encodeURIComponent(recordId)}`;
  return pageReference?.attributes?.url ?? '#';
}

export function NavigationMixin(Base) {
  return class extends Base {
    [Navigate](pageReference, replace) {
      const url = urlOf(pageReference);
      if (replace) window.location.replace(url);
      else window.location.assign(url);
    }

    [GenerateUrl](pageReference) {
      return Promise.resolve(urlOf(pageReference));
    }
  };
}
NavigationMixin.Navigate = Navigate;
NavigationMixin.GenerateUrl = GenerateUrl;

export const CurrentPageReference = class {
  constructor(dataCallback) {
    this.dataCallback = dataCallback;
  }

  connect() {
    this.dataCallback({type: 'comm__namedPage', attributes: {name: 'Home'}, state: {}});
  }

  update() {}

  disconnect() {}
};
