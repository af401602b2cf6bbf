// Stub of Salesforce's lightning/uiObjectInfoApi: the two wire adapters Quantic's case classification uses, answered
// by the demo server in the UI API's shapes (see checker/demo/quantic/serve.py).
const UI_API = '/quantic/ui-api/object-info';

function objectName(objectApiName) {
  return typeof objectApiName === 'string' ? objectApiName : objectApiName?.objectApiName;
}

/** A wire adapter that fetches `url(config)` whenever its config is complete, and hands back {data, error}. */
function fetchingAdapter(url) {
  return class {
    constructor(dataCallback) {
      this.dataCallback = dataCallback;
      this.connected = false;
      this.config = undefined;
    }

    update(config) {
      this.config = config;
      this.fetch();
    }

    connect() {
      this.connected = true;
      this.fetch();
    }

    disconnect() {
      this.connected = false;
    }

    fetch() {
      const target = this.connected && this.config ? url(this.config) : undefined;
      if (!target || target === this.fetched) return;
      this.fetched = target;
      fetch(target)
        .then((response) => (response.ok ? response.json() : Promise.reject(new Error(`${response.status} ${target}`))))
        .then((data) => this.dataCallback({data, error: undefined}))
        .catch((error) => this.dataCallback({data: undefined, error}));
    }
  };
}

export const getObjectInfo = fetchingAdapter((config) => {
  const name = objectName(config.objectApiName);
  return name ? `${UI_API}/${encodeURIComponent(name)}` : undefined;
});

export const getPicklistValuesByRecordType = fetchingAdapter((config) => {
  const name = objectName(config.objectApiName);
  return name && config.recordTypeId
    ? `${UI_API}/${encodeURIComponent(name)}/picklist-values/${encodeURIComponent(config.recordTypeId)}`
    : undefined;
});
